import crypto from 'node:crypto';
import { promisify } from 'node:util';

/*
 * ecsgraph hashes with scrypt (node:crypto, memory-hard, no native add-on):
 *   scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>
 * Users imported from the old portal keep their Django hash until they sign in:
 *   pbkdf2_sha256$<iterations>$<salt>$<base64 sha256 key>
 */

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;
const pbkdf2 = promisify(crypto.pbkdf2);

/** OWASP's scrypt baseline: N = 2^17, r = 8, p = 1 (128 MiB of memory per hash). */
const DEFAULT_COST = { logN: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

export interface PasswordHasherOptions {
  /** log2 of scrypt's N. @default 17 */
  logN?: number;
}

export class PasswordHasher {
  private readonly logN: number;
  private dummy: Promise<string> | undefined;

  constructor(options: PasswordHasherOptions = {}) {
    this.logN = options.logN ?? DEFAULT_COST.logN;
  }

  async hash(password: string): Promise<string> {
    const salt = crypto.randomBytes(16);
    const { r, p } = DEFAULT_COST;
    const key = await scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, scryptOptions(this.logN, r, p));
    return ['scrypt', this.logN, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  /** True when `password` matches `stored`, in either format. Never throws on a malformed hash. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    try {
      if (parts[0] === 'scrypt' && parts.length === 6) {
        const [, logN, r, p, salt, key] = parts;
        const expected = Buffer.from(key, 'base64');
        // An empty or short key would compare equal to a short scrypt output: accept only full keys.
        if (expected.length !== KEY_LENGTH) return false;
        const actual = await scrypt(
          password.normalize('NFKC'),
          Buffer.from(salt, 'base64'),
          expected.length,
          scryptOptions(Number(logN), Number(r), Number(p)),
        );
        return crypto.timingSafeEqual(actual, expected);
      }
      if (parts[0] === 'pbkdf2_sha256' && parts.length === 4) {
        const [, iterations, salt, key] = parts;
        const expected = Buffer.from(key, 'base64');
        const n = Number(iterations);
        if (!Number.isInteger(n) || n < 1 || n > 10_000_000 || expected.length !== 32) return false;
        // Django hashes the password as UTF-8 with the salt as a plain string.
        const actual = await pbkdf2(password, salt, n, 32, 'sha256');
        return crypto.timingSafeEqual(actual, expected);
      }
    } catch {
      return false;
    }
    return false;
  }

  /** A hash of a random password at the current cost: checking against it always fails, at full price. */
  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(crypto.randomBytes(16).toString('hex'));
    return this.dummy;
  }

  /** True when the stored hash is not in the current format or cost and should be replaced at sign-in. */
  needsRehash(stored: string): boolean {
    const parts = stored.split('$');
    return !(parts[0] === 'scrypt' && Number(parts[1]) === this.logN);
  }
}

function scryptOptions(logN: number, r: number, p: number): crypto.ScryptOptions {
  const N = 2 ** logN;
  // maxmem must exceed 128·N·r bytes or node refuses the cost.
  return { N, r, p, maxmem: 256 * N * r };
}

/** A Django-format hash, for tests and fixtures of imported users. */
export async function djangoPbkdf2Hash(password: string, salt: string, iterations = 20_000): Promise<string> {
  const key = await pbkdf2(password, salt, iterations, 32, 'sha256');
  return `pbkdf2_sha256$${iterations}$${salt}$${key.toString('base64')}`;
}
