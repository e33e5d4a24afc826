import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretBox, resolveSecretKey } from '../../src/security/secret-box';

const key = crypto.randomBytes(32);
const box = new SecretBox(key);
const AD = 'datacenter:5b0e…:password';
const PLAINTEXT = 'cloud-admin-p4ssw0rd!';

/** Replaces field `index` (0 = version, 1 = iv, 2 = tag, 3 = body) of a sealed value. */
function withPart(sealed: string, index: number, edit: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split('.');
  parts[index] = edit(Buffer.from(parts[index], 'base64')).toString('base64');
  return parts.join('.');
}
const flipFirstBit = (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy[0] ^= 0x01;
  return copy;
};

describe('SecretBox', () => {
  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(crypto.randomBytes(16))).toThrow(/32-byte/);
    expect(() => new SecretBox(crypto.randomBytes(33))).toThrow(/32-byte/);
  });

  it('opens what it sealed', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]*$/);
    expect(box.open(sealed, AD)).toBe(PLAINTEXT);
  });

  it('round-trips the empty string and non-ASCII text', () => {
    expect(box.open(box.seal('', AD), AD)).toBe('');
    expect(box.open(box.seal('clé → 秘密 🔑', AD), AD)).toBe('clé → 秘密 🔑');
  });

  it('does not reveal the plaintext, in clear or in base64', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    expect(sealed).not.toContain(PLAINTEXT);
    expect(sealed).not.toContain(Buffer.from(PLAINTEXT).toString('base64').slice(0, 12));
    expect(Buffer.from(sealed.split('.')[3], 'base64').toString('utf8')).not.toContain('p4ssw0rd');
  });

  it('uses a fresh 12-byte IV for every seal', () => {
    const sealed = Array.from({ length: 20 }, () => box.seal(PLAINTEXT, AD));
    const ivs = sealed.map((s) => s.split('.')[1]);
    expect(new Set(ivs).size).toBe(ivs.length);
    expect(new Set(sealed).size).toBe(sealed.length);
    expect(Buffer.from(ivs[0], 'base64')).toHaveLength(12);
  });

  it('does not open with other associated data (a value copied to another row)', () => {
    const sealed = box.seal(PLAINTEXT, 'datacenter:1:password');
    expect(() => box.open(sealed, 'datacenter:2:password')).toThrow();
    expect(() => box.open(sealed, '')).toThrow();
  });

  it('detects a tampered ciphertext', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    expect(() => box.open(withPart(sealed, 3, flipFirstBit), AD)).toThrow();
    expect(() => box.open(withPart(sealed, 3, (b) => b.subarray(0, b.length - 1)), AD)).toThrow();
  });

  it('refuses a truncated tag (GCM would otherwise accept one)', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    for (const length of [4, 8, 12, 15]) {
      expect(() => box.open(withPart(sealed, 2, (b) => b.subarray(0, length)), AD)).toThrow();
    }
  });

  it('detects a tampered tag or IV', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    expect(() => box.open(withPart(sealed, 2, flipFirstBit), AD)).toThrow();
    expect(() => box.open(withPart(sealed, 1, flipFirstBit), AD)).toThrow();
  });

  it('does not open with another key', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed, AD)).toThrow();
  });

  it('rejects values that are not sealed values', () => {
    const sealed = box.seal(PLAINTEXT, AD);
    expect(() => box.open(PLAINTEXT, AD)).toThrow(/not a sealed value/);
    expect(() => box.open(sealed.replace(/^v1/, 'v2'), AD)).toThrow(/not a sealed value/);
    expect(() => box.open(sealed.split('.').slice(0, 3).join('.'), AD)).toThrow(/not a sealed value/);
  });

  it('seals and opens JSON values', () => {
    const value = { username: 'admin', password: PLAINTEXT, port: 8080, regions: ['a', 'b'], tls: null };
    const sealed = box.sealJson(value, AD);
    expect(sealed).not.toContain(PLAINTEXT);
    expect(box.openJson<typeof value>(sealed, AD)).toEqual(value);
    expect(() => box.openJson(sealed, 'other')).toThrow();
  });
});

describe('resolveSecretKey', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-key-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('returns the configured key and writes nothing', () => {
    const configured = crypto.randomBytes(32);
    expect(resolveSecretKey(configured, tmp)).toBe(configured);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('prefers the configured key over a key file', () => {
    fs.writeFileSync(path.join(tmp, 'secret.key'), crypto.randomBytes(32).toString('base64'));
    const configured = crypto.randomBytes(32);
    expect(resolveSecretKey(configured, tmp)).toEqual(configured);
  });

  it('without a data directory, gives a random 32-byte key each time', () => {
    const a = resolveSecretKey(null, null);
    const b = resolveSecretKey(null, null);
    expect(a).toHaveLength(32);
    expect(b).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });

  it('generates secret.key once, readable by the owner only, and reuses it', () => {
    const dataDir = path.join(tmp, 'nested', 'data');
    const first = resolveSecretKey(null, dataDir);
    const file = path.join(dataDir, 'secret.key');
    expect(first).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')).toEqual(first);

    const second = resolveSecretKey(null, dataDir);
    expect(second).toEqual(first);
    expect(fs.readdirSync(dataDir)).toEqual(['secret.key']);
  });

  it('uses an existing key file', () => {
    const existing = crypto.randomBytes(32);
    fs.writeFileSync(path.join(tmp, 'secret.key'), `${existing.toString('base64')}\n`);
    expect(resolveSecretKey(null, tmp)).toEqual(existing);
  });

  it('throws on a corrupt key file rather than replacing it', () => {
    const file = path.join(tmp, 'secret.key');
    fs.writeFileSync(file, 'not a key');
    expect(() => resolveSecretKey(null, tmp)).toThrow(/secret\.key/);
    const short = crypto.randomBytes(16).toString('base64');
    fs.writeFileSync(file, short);
    expect(() => resolveSecretKey(null, tmp)).toThrow(/32-byte/);
    // Replacing the file would silently make every sealed credential unreadable.
    expect(fs.readFileSync(file, 'utf8')).toBe(short);
  });
});
