import { createHash, createPublicKey, generateKeyPair, generateKeyPairSync, type RSAKeyPairOptions } from 'node:crypto';
import { idFilter } from './catalog';
import type { Commands, Ctx } from './context';
import { paramError } from './envelope';
import { csDate, uuid, type SshKeyPair } from './state';

/* SSH key pairs, addressed by name (reference §6 "SSH keys"). */

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function mpint(bytes: Buffer): Buffer {
  return sshString(bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

const RSA_OPTIONS: RSAKeyPairOptions<'pem', 'pem'> = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
};

/**
 * RSA pairs made ahead on the thread pool: a 2048-bit prime search can block the event loop
 * for hundreds of ms, long enough to time out a client's createSSHKeyPair under load.
 */
const POOL_SIZE = 2;
const pool: { privateKey: string; publicKey: string }[] = [];
let making = 0;

/** Keeps POOL_SIZE pairs ready (called at start and after each use). */
export function fillKeyPool(): void {
  while (pool.length + making < POOL_SIZE) {
    making++;
    generateKeyPair('rsa', RSA_OPTIONS, (err, publicKey, privateKey) => {
      making--;
      if (!err) pool.push({ publicKey, privateKey });
    });
  }
}

/** A new RSA pair as the server makes it: PKCS#1 PEM private key, OpenSSH public key. */
function generateRsa(name: string): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = pool.shift() ?? generateKeyPairSync('rsa', RSA_OPTIONS);
  fillKeyPool();
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e!, 'base64url')),
    mpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  return { privateKey, publicKey: `ssh-rsa ${blob.toString('base64')} ${name}` };
}

/** MD5 of the key blob in colon hex, as the server fingerprints keys; null when not an OpenSSH public key. */
export function fingerprintOf(publicKey: string): string | null {
  const [type, data] = publicKey.trim().split(/\s+/);
  if (!type || !data || !/^[A-Za-z0-9+/]+=*$/.test(data)) return null;
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4) return null;
  const typeLength = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + typeLength).toString() !== type) return null;
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

function keyView(ctx: Ctx, k: SshKeyPair) {
  const account = ctx.state.accounts.get(k.accountId);
  return { id: k.id, name: k.name, fingerprint: k.fingerprint, account: account?.name, domainid: account?.domainId, created: csDate(k.created) };
}

function addKey(ctx: Ctx, name: string, publicKey: string, fingerprint: string): SshKeyPair {
  const owner = ctx.owner();
  if ([...ctx.state.keyPairs.values()].some((k) => k.accountId === owner.id && k.name === name)) {
    throw paramError(`A key pair with name '${name}' already exists for account ${owner.name} in specified domain id`);
  }
  const key: SshKeyPair = { id: uuid(), name, accountId: owner.id, fingerprint, publicKey, created: ctx.sim.clock.now() };
  ctx.state.keyPairs.set(key.id, key);
  return key;
}

export const sshKeyCommands: Commands = {
  createSSHKeyPair: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const { privateKey, publicKey } = generateRsa(name);
      const key = addKey(ctx, name, publicKey, fingerprintOf(publicKey)!);
      return { keypair: { ...keyView(ctx, key), privatekey: privateKey } };
    },
  },

  registerSSHKeyPair: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const publicKey = ctx.p.required('publickey');
      const fingerprint = fingerprintOf(publicKey);
      if (!fingerprint) throw paramError('Public key is invalid');
      return { keypair: keyView(ctx, addKey(ctx, name, publicKey.trim(), fingerprint)) };
    },
  },

  listSSHKeyPairs: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const fingerprint = ctx.p.str('fingerprint');
      const keys = [...ctx.state.keyPairs.values()].filter(
        (k) => ctx.inScope(k.accountId) && match(k.id) && (!name || k.name === name) && (!fingerprint || k.fingerprint === fingerprint),
      );
      return ctx.list('sshkeypair', keys.map((k) => keyView(ctx, k)));
    },
  },

  deleteSSHKeyPair: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const owner = ctx.owner();
      const key = [...ctx.state.keyPairs.values()].find((k) => k.accountId === owner.id && k.name === name);
      if (!key) throw paramError(`A key pair with name '${name}' does not exist for account ${owner.name} in specified domain id`);
      ctx.state.keyPairs.delete(key.id);
      return { success: true };
    },
  },
};
