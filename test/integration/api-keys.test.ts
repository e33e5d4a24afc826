import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { desc, eq, sql } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { createLogger } from '../../src/logger';
import { apiKeys, auditLog } from '../../src/store/schema';
import { codes, responses, useGateway } from '../support/app';
import { openRaw, wsClient, wsExecute, type RawSocket } from '../support/ws';

/** Every record the gateway logs, parsed. */
const records: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line));
    done();
  },
});

const gw = useGateway({ LOG_LEVEL: 'trace', WS_ALLOW_OPERATIONS: 'true' }, { logger: createLogger('trace', sink) });

const clients: Client[] = [];
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
  for (const socket of sockets.splice(0)) await socket.close();
});

const CREATE = `mutation($input: CreateApiKeyInput!, $idem: String) {
  createApiKey(input: $input, idempotencyKey: $idem) {
    secret
    apiKey { id name prefix scopes createdAt expiresAt revokedAt lastUsedAt user { id username } }
  }
}`;
const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }';
const LIST = 'query($u: ID) { apiKeys(userId: $u) { totalCount nodes { id name lastUsedAt revokedAt user { username } } } }';
const VIEWER = '{ viewer { username } }';

interface Created {
  secret: string;
  apiKey: { id: string; name: string; prefix: string; scopes: string[]; lastUsedAt: string | null; revokedAt: string | null; user: { id: string; username: string } };
}

async function user(username: string): Promise<{ id: string; token: string }> {
  const res = await gw.gql<{ createUser: { id: string } }, unknown>(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { username, password: 'user-password-1' } },
    { token: await gw.adminToken() },
  );
  expect(res.errors).toBeUndefined();
  return { id: res.data!.createUser.id, token: await gw.login(username, 'user-password-1') };
}

async function createKey(token: string, input: Record<string, unknown>, idem?: string): Promise<Created> {
  const res = await gw.gql<{ createApiKey: Created }, unknown>(CREATE, { input, idem }, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.createApiKey;
}

/** An operation sent with `X-Api-Key`. */
const asKey = <T = any>(secret: string, query: string, variables: Record<string, unknown> = {}) =>
  gw.gql<T, unknown>(query, variables, { headers: { 'x-api-key': secret } });

function client(connectionParams: Record<string, unknown>) {
  const c = wsClient(gw.url, connectionParams);
  clients.push(c);
  return c;
}

async function raw() {
  const s = await openRaw(gw.url);
  sockets.push(s);
  return s;
}

/** The close code of a new connection initialised with `payload`, or 'ack'. */
async function handshake(payload: Record<string, unknown>): Promise<number | 'ack'> {
  const socket = await raw();
  socket.send({ type: 'connection_init', payload });
  const message = await socket.next().catch(() => null);
  if (message?.type === 'connection_ack') return 'ack';
  return (await socket.closed).code;
}

const lastUsed = async (id: string, token: string) => {
  const res = await gw.gql<{ apiKeys: { nodes: { id: string; lastUsedAt: string | null }[] } }, unknown>(LIST, {}, { token });
  return res.data!.apiKeys.nodes.find((n) => n.id === id)!.lastUsedAt;
};

type WsNext = { id: string; type: string; payload: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] } };

const localOf = (id: string) => (JSON.parse(Buffer.from(id, 'base64url').toString()) as string[])[1];

describe('an API key', () => {
  it('is made once, works on HTTP and WebSocket, records its use, and stops working once revoked', async () => {
    const alice = await user('alice');
    const { secret, apiKey } = await createKey(alice.token, { name: 'billing', scopes: ['FULL'] });
    expect(secret).toMatch(/^ecs_k_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'billing', scopes: ['FULL'], prefix: secret.slice(0, 12), lastUsedAt: null, revokedAt: null, user: { id: alice.id } });

    const http = await asKey(secret, VIEWER);
    expect(http.data).toEqual({ viewer: { username: 'alice' } });
    const firstUse = await lastUsed(apiKey.id, alice.token);
    expect(firstUse).not.toBeNull();

    const ws = await wsExecute(client({ 'x-api-key': secret }), { query: VIEWER });
    expect(ws).toEqual({ kind: 'results', results: [{ data: { viewer: { username: 'alice' } } }] });
    expect(await wsExecute(client({ apiKey: secret }), { query: VIEWER })).toEqual(ws);
    // Within a minute a key's use is not written again.
    expect(await lastUsed(apiKey.id, alice.token)).toBe(firstUse);

    // What the key does is audited as the key's.
    const second = await asKey<{ createApiKey: Created }>(secret, CREATE, { input: { name: 'made by a key', scopes: ['READ_ONLY'] } });
    expect(second.errors).toBeUndefined();
    const [row] = await gw.store.db.select().from(auditLog).where(eq(auditLog.action, 'createApiKey')).orderBy(desc(auditLog.id)).limit(1);
    expect(row).toMatchObject({ actorUserId: localOf(alice.id), actorApiKeyId: localOf(apiKey.id), outcome: 'SUCCESS' });

    const open = await raw();
    open.send({ type: 'connection_init', payload: { 'x-api-key': secret } });
    expect((await open.next()).type).toBe('connection_ack');

    const revoked = await gw.gql<{ revokeApiKey: { id: string; revokedAt: string | null } }, unknown>(REVOKE, { id: apiKey.id }, { token: alice.token });
    expect(revoked.data!.revokeApiKey.revokedAt).not.toBeNull();

    const refused = await asKey(secret, VIEWER);
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(await handshake({ 'x-api-key': secret })).toBe(4403);
    // The socket opened before is refused its next operation.
    open.send({ id: '1', type: 'subscribe', payload: { query: VIEWER } });
    expect((await open.closed).code).toBe(4403);
  });

  it('stops working once expired, and cannot be made already expired', async () => {
    const alice = await user('alice');
    const { secret, apiKey } = await createKey(alice.token, { name: 'short', scopes: ['READ_ONLY'], expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    expect((await asKey(secret, VIEWER)).data).toEqual({ viewer: { username: 'alice' } });

    await gw.store.db.update(apiKeys).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiKeys.id, localOf(apiKey.id)));
    const refused = await asKey(secret, VIEWER);
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(await handshake({ 'x-api-key': secret })).toBe(4403);

    const past = await gw.gql(CREATE, { input: { name: 'late', scopes: ['FULL'], expiresAt: new Date(Date.now() - 1000).toISOString() } }, { token: alice.token });
    expect(past.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresAt' });
  });

  it('of a deactivated or deleted user is refused', async () => {
    const admin = await gw.adminToken();
    const bob = await user('bob');
    const carol = await user('carol');
    const forBob = await createKey(admin, { userId: bob.id, name: 'bob’s', scopes: ['FULL'] });
    expect(forBob.apiKey.user.username).toBe('bob');
    const forCarol = await createKey(carol.token, { name: 'carol’s', scopes: ['FULL'] });
    expect((await asKey(forBob.secret, VIEWER)).data).toEqual({ viewer: { username: 'bob' } });

    await gw.gql('mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }', { id: bob.id }, { token: admin });
    await gw.gql('mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: carol.id }, { token: admin });
    for (const secret of [forBob.secret, forCarol.secret]) {
      expect(codes(await asKey(secret, VIEWER))).toEqual(['UNAUTHENTICATED']);
      expect(await handshake({ 'x-api-key': secret })).toBe(4403);
    }
  });

  it('is refused when unknown or malformed, and with a session in the same request', async () => {
    const alice = await user('alice');
    const { secret } = await createKey(alice.token, { name: 'k', scopes: ['FULL'] });
    for (const forged of [`ecs_k_${crypto.randomBytes(32).toString('base64url')}`, 'ecs_k_short', 'not-a-key', secret.toUpperCase()]) {
      const res = await asKey(forged, VIEWER);
      expect(res.status).toBe(401);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
      expect(await handshake({ 'x-api-key': forged })).toBe(4403);
    }
    const both = await gw.gql(VIEWER, {}, { token: alice.token, headers: { 'x-api-key': secret } });
    expect(both.status).toBe(400);
    expect(codes(both)).toEqual(['BAD_REQUEST']);
    expect(await handshake({ authorization: `Bearer ${alice.token}`, 'x-api-key': secret })).toBe(4400);
  });

  it('validates its input naming the field', async () => {
    const alice = await user('alice');
    for (const [input, field] of [
      [{ name: ' ', scopes: ['FULL'] }, 'input.name'],
      [{ name: 'x', scopes: [] }, 'input.scopes'],
    ] as const) {
      const res = await gw.gql(CREATE, { input }, { token: alice.token });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await gw.gql<{ apiKeys: { totalCount: number } }, unknown>(LIST, {}, { token: alice.token })).data!.apiKeys.totalCount).toBe(0);
  });
});

describe('the secret', () => {
  it('is shown once, and is in no table and no log', async () => {
    const alice = await user('alice');
    const first = await createKey(alice.token, { name: 'once', scopes: ['FULL'] }, 'make-key-1');
    const responsesBefore = responses.length;
    // The same call again answers the same key, without its secret.
    const again = await createKey(alice.token, { name: 'once', scopes: ['FULL'] }, 'make-key-1');
    expect(again.apiKey.id).toBe(first.apiKey.id);
    expect(again.secret).toBeNull();
    expect((await gw.gql<{ apiKeys: { totalCount: number } }, unknown>(LIST, {}, { token: alice.token })).data!.apiKeys.totalCount).toBe(1);

    // Used well and badly, over HTTP and WebSocket, and revoked.
    await asKey(first.secret, VIEWER);
    await asKey(first.secret, 'mutation { logout }');
    await gw.gql(VIEWER, {}, { token: alice.token, headers: { 'x-api-key': first.secret } });
    await wsExecute(client({ 'x-api-key': first.secret }), { query: VIEWER });
    await gw.gql(REVOKE, { id: first.apiKey.id }, { token: alice.token });
    await asKey(first.secret, VIEWER);
    await handshake({ 'x-api-key': first.secret });

    const [row] = await gw.store.db.select().from(apiKeys).where(eq(apiKeys.id, localOf(first.apiKey.id)));
    expect(row.secretHash).toBe(crypto.createHash('sha256').update(first.secret).digest('hex'));

    const tables = (await gw.store.db.execute(sql.raw(`select table_name from information_schema.tables where table_schema = 'public'`))) as unknown;
    const names = rowsOf(tables).map((t) => (t as { table_name: string }).table_name);
    expect(names).toEqual(expect.arrayContaining(['api_keys', 'audit_log', 'idempotency_keys']));
    const text: string[] = [];
    for (const name of names) text.push(JSON.stringify(rowsOf(await gw.store.db.execute(sql.raw(`select row_to_json(t)::text as row from "${name}" t`)))));
    const database = text.join('\n');
    expect(database).toContain('createApiKey');
    expect(database).toContain(first.apiKey.prefix);
    expect(database).not.toContain(first.secret);
    expect(database).not.toContain(first.secret.slice(12));

    expect(records.filter((r) => r.msg === 'graphql').length).toBeGreaterThanOrEqual(6);
    const logs = JSON.stringify(records);
    expect(logs).not.toContain(first.secret.slice(12));
    expect(responses.slice(responsesBefore).join('\n')).not.toContain(first.secret.slice(12));
  });
});

describe('scopes', () => {
  it('READ_ONLY runs queries and subscriptions, and no mutation', async () => {
    const alice = await user('alice');
    const { secret, apiKey } = await createKey(alice.token, { name: 'reader', scopes: ['READ_ONLY'] });
    expect((await asKey(secret, VIEWER)).data).toEqual({ viewer: { username: 'alice' } });
    expect((await asKey(secret, '{ jobs { totalCount } }')).errors).toBeUndefined();

    const mutation = await asKey(secret, CREATE, { input: { name: 'more', scopes: ['FULL'] } });
    expect(codes(mutation)).toEqual(['FORBIDDEN']);
    expect(codes(await asKey(secret, REVOKE, { id: apiKey.id }))).toEqual(['FORBIDDEN']);
    // Refusals are audited as the key's, like every mutation.
    const refusals = await gw.store.db.select().from(auditLog).where(eq(auditLog.actorApiKeyId, localOf(apiKey.id)));
    expect(refusals.map((r) => [r.action, r.outcome, r.errorCode])).toEqual(
      expect.arrayContaining([
        ['createApiKey', 'FAILURE', 'FORBIDDEN'],
        ['revokeApiKey', 'FAILURE', 'FORBIDDEN'],
      ]),
    );
    expect((await gw.gql<{ apiKeys: { nodes: { revokedAt: string | null }[] } }, unknown>(LIST, {}, { token: alice.token })).data!.apiKeys.nodes).toEqual([
      expect.objectContaining({ revokedAt: null }),
    ]);

    const socket = await raw();
    socket.send({ type: 'connection_init', payload: { 'x-api-key': secret } });
    expect((await socket.next()).type).toBe('connection_ack');
    socket.send({ id: 's1', type: 'subscribe', payload: { query: 'subscription { jobEvents { seq } }' } });
    // A running subscription says nothing until an event comes.
    await expect(socket.next(300)).rejects.toThrow(/no message/);
    socket.send({ id: 'm1', type: 'subscribe', payload: { query: 'mutation { logout }' } });
    const refused = (await socket.next()) as WsNext;
    expect(refused).toMatchObject({ id: 'm1', type: 'next', payload: { data: null } });
    expect(codes(refused.payload)).toEqual(['FORBIDDEN']);
  });

  it('WORK_ORDERS runs submitWorkOrder and the workOrder query only, and only as far as its user’s role allows', async () => {
    const admin = await gw.adminToken();
    const alice = await user('alice');
    const partner = await createKey(admin, { name: 'billing', scopes: ['WORK_ORDERS'] });
    const read = await asKey(partner.secret, '{ workOrder(workOrderId: "WO-none") { workOrderId } }');
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ workOrder: null });
    // Past the scope check, the order itself is looked at.
    const submitted = await asKey(partner.secret, 'mutation($m: String!) { submitWorkOrder(msg: $m) { job { id } } }', { m: '{"workOrderId": ' });
    expect(submitted.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'msg' });

    for (const query of [VIEWER, '{ jobs { totalCount } }', '{ apiKeys { totalCount } }', '{ users { totalCount } }', '{ node(id: "x") { id } }']) {
      expect(codes(await asKey(partner.secret, query))).toEqual(['FORBIDDEN']);
    }
    expect(codes(await asKey(partner.secret, CREATE, { input: { name: 'more', scopes: ['FULL'] } }))).toEqual(['FORBIDDEN']);
    const socket = await raw();
    socket.send({ type: 'connection_init', payload: { 'x-api-key': partner.secret } });
    expect((await socket.next()).type).toBe('connection_ack');
    socket.send({ id: 's1', type: 'subscribe', payload: { query: 'subscription { jobEvents { seq } }' } });
    const refused = (await socket.next()) as WsNext;
    expect(refused).toMatchObject({ id: 's1', type: 'next' });
    expect(codes(refused.payload)).toEqual(['FORBIDDEN']);
    expect((await socket.next()).type).toBe('complete');

    // A user's key never does what the user may not.
    const users = await createKey(alice.token, { name: 'alice billing', scopes: ['WORK_ORDERS', 'FULL'] });
    expect(codes(await asKey(users.secret, 'mutation($m: String!) { submitWorkOrder(msg: $m) { job { id } } }', { m: '{"workOrderId": ' }))).toEqual(['FORBIDDEN']);
    expect(codes(await asKey(users.secret, '{ users { totalCount } }'))).toEqual(['FORBIDDEN']);
  });
});

describe('who sees and revokes keys', () => {
  it('a user sees and revokes only its own; admins everyone’s', async () => {
    const admin = await gw.adminToken();
    const alice = await user('alice');
    const bob = await user('bob');
    const alices = await createKey(alice.token, { name: 'alice-1', scopes: ['FULL'] });
    const bobs = await createKey(bob.token, { name: 'bob-1', scopes: ['READ_ONLY'] });

    const own = await gw.gql<{ apiKeys: { totalCount: number; nodes: { id: string }[] } }, unknown>(LIST, {}, { token: bob.token });
    expect(own.data!.apiKeys.nodes.map((n) => n.id)).toEqual([bobs.apiKey.id]);
    expect(codes(await gw.gql(LIST, { u: alice.id }, { token: bob.token }))).toEqual(['NOT_FOUND']);
    expect(codes(await gw.gql('query($id: ID!) { node(id: $id) { id } }', { id: alices.apiKey.id }, { token: bob.token }))).toEqual(['NOT_FOUND']);
    expect(codes(await gw.gql(REVOKE, { id: alices.apiKey.id }, { token: bob.token }))).toEqual(['NOT_FOUND']);
    // Making a key for someone else is an admin's call; to a user the other user does not exist.
    expect(codes(await gw.gql(CREATE, { input: { userId: alice.id, name: 'x', scopes: ['FULL'] } }, { token: bob.token }))).toEqual(['NOT_FOUND']);
    expect((await asKey(alices.secret, VIEWER)).data).toEqual({ viewer: { username: 'alice' } });

    const all = await gw.gql<{ apiKeys: { totalCount: number; nodes: { id: string; user: { username: string } }[] } }, unknown>(LIST, {}, { token: admin });
    expect(all.data!.apiKeys.nodes.map((n) => [n.id, n.user.username])).toEqual([
      [bobs.apiKey.id, 'bob'],
      [alices.apiKey.id, 'alice'],
    ]);
    const alicesOnly = await gw.gql<{ apiKeys: { nodes: { id: string }[] } }, unknown>(LIST, { u: alice.id }, { token: admin });
    expect(alicesOnly.data!.apiKeys.nodes.map((n) => n.id)).toEqual([alices.apiKey.id]);
    const node = await gw.gql<{ node: { id: string; name: string } }, unknown>('query($id: ID!) { node(id: $id) { id ... on ApiKey { name } } }', { id: alices.apiKey.id }, { token: admin });
    expect(node.data!.node).toEqual({ id: alices.apiKey.id, name: 'alice-1' });

    const revoked = await gw.gql<{ revokeApiKey: { revokedAt: string | null } }, unknown>(REVOKE, { id: alices.apiKey.id }, { token: admin });
    expect(revoked.data!.revokeApiKey.revokedAt).not.toBeNull();
    expect(codes(await asKey(alices.secret, VIEWER))).toEqual(['UNAUTHENTICATED']);
    expect((await asKey(bobs.secret, VIEWER)).data).toEqual({ viewer: { username: 'bob' } });
  });
});

const rowsOf = (res: unknown) => (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows);
