import { createHash, generateKeyPairSync } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { CLOUDS, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

const CREATE = `mutation($input: CreateKeyPairInput!) { createKeyPair(input: $input) {
  privateKey keyPair { id cloudId name fingerprint publicKey tenancy { id } datacenter { kind } }
} }`;
const DELETE = 'mutation($id: ID!) { deleteKeyPair(id: $id) { deletedId job { kind status } } }';
const LIST = `query($t: ID!) { node(id: $t) { ... on Tenancy { keyPairs(first: 100) { nodes { id name fingerprint publicKey } } } } }`;

/** Calls that make a key pair in either cloud. */
const CREATES = ['nova.keypairs.create', 'createSSHKeyPair', 'registerSSHKeyPair'];

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** A fresh OpenSSH ed25519 public key line, and the MD5 fingerprint both clouds give it. */
function ed25519PublicKey(comment: string): { line: string; fingerprint: string; blob: Buffer } {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  const fingerprint = createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
  return { line: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, fingerprint, blob };
}

async function keyPairs(cloud: Cloud): Promise<{ id: string; name: string; fingerprint: string; publicKey: string | null }[]> {
  const data = await f.ok(LIST, { t: f.alice.tenancy[cloud] }, f.alice.token);
  return data.node.keyPairs.nodes;
}

async function createCalls(cloud: Cloud): Promise<number> {
  const { operations } = await f.stats(cloud);
  return CREATES.reduce((n, op) => n + (operations[op] ?? 0), 0);
}

/** Every row of every table of the gateway's database, as text. */
async function databaseText(): Promise<string> {
  const rows = (res: unknown) => (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows);
  const tables = rows(await f.gw.store.db.execute(sql.raw(`select table_name from information_schema.tables where table_schema = 'public'`))) as { table_name: string }[];
  expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['audit_log', 'jobs', 'job_events']));
  const parts: string[] = [];
  for (const { table_name } of tables) {
    parts.push(JSON.stringify(rows(await f.gw.store.db.execute(sql.raw(`select row_to_json(t)::text as row from "${table_name}" t`)))));
  }
  return parts.join('\n');
}

describe.each(CLOUDS)('key pairs on %s', (cloud) => {
  it('generates a pair whose private key is returned once and kept nowhere, lists it, then deletes it', async () => {
    const name = unique('kp');
    const created = await f.ok(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name } }, f.alice.token);
    const { keyPair, privateKey } = created.createKeyPair;
    expect(keyPair).toMatchObject({ name, cloudId: name, tenancy: { id: f.alice.tenancy[cloud] }, datacenter: { kind: cloud } });
    expect(keyPair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$|^SHA256:/);
    expect(privateKey).toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);

    // Later answers never carry it: the list, the node, the audit trail.
    const body = privateKey.split('\n').find((line: string) => line.length >= 40 && !line.startsWith('-----'))!;
    expect(body).toBeDefined();
    const listed = await f.gw.gql(LIST, { t: f.alice.tenancy[cloud] }, { token: f.alice.token });
    expect((listed.data as any).node.keyPairs.nodes.map((k: { name: string }) => k.name)).toContain(name);
    const byNode = await f.gw.gql('query($id: ID!) { node(id: $id) { ... on KeyPair { name fingerprint publicKey } } }', { id: keyPair.id }, { token: f.alice.token });
    expect((byNode.data as any).node).toMatchObject({ name, fingerprint: keyPair.fingerprint });
    const audit = await f.gw.gql('{ auditLog(first: 100) { nodes { action details } } }', {}, { token: f.admin });
    for (const answer of [listed, byNode, audit]) expect(answer.text).not.toContain(body);
    const stored = await databaseText();
    expect(stored).toContain(name);
    expect(stored).not.toContain(body);

    const deleted = await f.ok(DELETE, { id: keyPair.id }, f.alice.token);
    expect(deleted.deleteKeyPair).toEqual({ deletedId: keyPair.id, job: { kind: 'deleteKeyPair', status: 'SUCCEEDED' } });
    expect((await keyPairs(cloud)).map((k) => k.name)).not.toContain(name);
    const gone = await f.gw.gql('query($id: ID!) { node(id: $id) { id } }', { id: keyPair.id }, { token: f.alice.token });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('imports a public key: no private key, the fingerprint of the given key', async () => {
    const name = `${unique('deploy key')}.v1_a`;
    const key = ed25519PublicKey('alice@laptop');
    const created = await f.ok(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name, publicKey: `  ${key.line}\n` } }, f.alice.token);
    expect(created.createKeyPair.privateKey).toBeNull();
    expect(created.createKeyPair.keyPair).toMatchObject({ name, fingerprint: key.fingerprint });
    expect(created.createKeyPair.keyPair.publicKey).toContain(key.blob.toString('base64'));
    expect((await keyPairs(cloud)).find((k) => k.name === name)).toMatchObject({ fingerprint: key.fingerprint });
  });

  it('refuses a name in use with CONFLICT naming input.name, before calling the cloud', async () => {
    const name = unique('kp-dup');
    const first = await f.ok(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name } }, f.alice.token);
    await f.resetStats();
    const again = await f.gw.gql(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name, publicKey: ed25519PublicKey('x').line } }, { token: f.alice.token });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    expect(await createCalls(cloud)).toBe(0);
    expect((await keyPairs(cloud)).find((k) => k.name === name)?.fingerprint).toBe(first.createKeyPair.keyPair.fingerprint);
  });

  const valid = ed25519PublicKey('ok');
  const otherType = valid.line.replace(/^ssh-ed25519/, 'ssh-rsa');
  const cases: [string, Record<string, unknown>, string][] = [
    ['an empty name', { name: '   ' }, 'input.name'],
    ['a name of 65 characters', { name: 'k'.repeat(65) }, 'input.name'],
    ['a name with a slash', { name: 'a/b' }, 'input.name'],
    ['a name with a control character', { name: 'a\tb' }, 'input.name'],
    ['an empty public key', { publicKey: '' }, 'input.publicKey'],
    ['a public key that is not a key line', { publicKey: 'not a key' }, 'input.publicKey'],
    ['a DSA key', { publicKey: valid.line.replace(/^ssh-ed25519/, 'ssh-dss') }, 'input.publicKey'],
    ['key data that is not base64', { publicKey: 'ssh-ed25519 AAAA$$$$ x' }, 'input.publicKey'],
    ['key data of another type than its prefix', { publicKey: otherType }, 'input.publicKey'],
    ['a private key instead of a public one', { publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----' }, 'input.publicKey'],
  ];
  it.each(cases)('refuses %s with BAD_USER_INPUT naming the field, and makes nothing', async (_what, override, field) => {
    const name = unique('kp-bad');
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name, ...override } }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await createCalls(cloud)).toBe(0);
    const names = (await keyPairs(cloud)).map((k) => k.name);
    expect(names).not.toContain(name);
    if (typeof override.name === 'string') expect(names).not.toContain(override.name.trim());
  });

  it("another tenant can neither create in alice's tenancy nor delete alice's key pair", async () => {
    const name = unique('kp-alice');
    const { keyPair } = (await f.ok(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name } }, f.alice.token)).createKeyPair;
    await f.resetStats();

    const intoAlice = await f.gw.gql(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name: unique('kp-bob') } }, { token: f.bob.token });
    expect(intoAlice.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.tenancyId' });
    const del = await f.gw.gql(DELETE, { id: keyPair.id }, { token: f.bob.token });
    expect(del.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(del.data).toBeNull();
    const malformed = await f.gw.gql(DELETE, { id: 'not-an-id' }, { token: f.alice.token });
    expect(malformed.errors?.[0].extensions?.code).toBe('NOT_FOUND');

    expect(await createCalls(cloud)).toBe(0);
    const { operations } = await f.stats(cloud);
    expect(operations['nova.keypairs.delete'] ?? operations.deleteSSHKeyPair ?? 0).toBe(0);
    expect((await keyPairs(cloud)).find((k) => k.name === name)).toMatchObject({ id: keyPair.id, fingerprint: keyPair.fingerprint });
    const bobs = await f.ok(LIST, { t: f.bob.tenancy[cloud] }, f.bob.token);
    expect(bobs.node.keyPairs.nodes.map((k: { name: string }) => k.name)).not.toContain(name);
  });
});
