import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { and, eq, isNull } from 'drizzle-orm';
import { parse, print } from 'graphql';
import type { Client } from 'graphql-ws';
import { JobProgressDocument, ViewerDocument } from '../../operations/generated/graphql';
import { createLogger } from '../../src/logger';
import { canonicalDocument, sha256 } from '../../src/graph/persisted/persisted.document';
import { encodeId } from '../../src/graph/node/global-id';
import { jobEvents, jobs, persistedQueries } from '../../src/store/schema';
import { codes, responses, useGateway } from '../support/app';
import { wsClient, wsExecute } from '../support/ws';

/*
 * Persisted operations: manifests registered by administrators and run by id, Automatic
 * Persisted Queries, and API keys bound to a client's manifests (over HTTP and WebSocket).
 */

const records: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line));
    done();
  },
});

const gw = useGateway({ LOG_LEVEL: 'info' }, { logger: createLogger('info', sink) });

const root = path.resolve(__dirname, '..', '..');
interface ManifestOp {
  id: string;
  name: string;
  type: string;
  body: string;
}
interface Manifest {
  format: string;
  version: number;
  operations: ManifestOp[];
}
const committed = (): Manifest => JSON.parse(fs.readFileSync(path.join(root, 'operations', 'generated', 'persisted-operations.json'), 'utf8'));
const op = (name: string) => committed().operations.find((o) => o.name === name)!;
/** A manifest holding the named operations of the committed one. */
const partOf = (...names: string[]): Manifest => ({ ...committed(), operations: committed().operations.filter((o) => names.includes(o.name)) });

interface Sent {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** A POST with any body (documentId, extensions), as `token` or with the API key `key`. */
async function send(body: Record<string, unknown>, as: { token?: string; key?: string } = {}): Promise<Sent> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (as.token) headers.authorization = `Bearer ${as.token}`;
  if (as.key) headers['x-api-key'] = as.key;
  const res = await fetch(gw.url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: JSON.parse(text) };
}

const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const errorCodes = (sent: Sent) => (sent.body.errors ?? []).map((e) => e.extensions?.code);

const REGISTER = `mutation($client: String!, $version: String!, $manifest: JSON!) {
  registerPersistedOperations(clientName: $client, version: $version, manifest: $manifest) {
    created
    manifest { clientName version operationCount registeredAt }
  }
}`;
const CLIENTS = '{ persistedOperationClients { name versions { version operationCount operations { id name type } } } }';

async function register(client: string, version: string, manifest: unknown, token?: string) {
  return gw.gql<any, unknown>(REGISTER, { client, version, manifest }, { token: token ?? (await gw.adminToken()) });
}

async function user(username: string): Promise<{ id: string; token: string }> {
  const res = await gw.gql<any, unknown>('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username, password: 'user-password-1' } }, { token: await gw.adminToken() });
  expect(res.errors).toBeUndefined();
  return { id: res.data.createUser.id, token: await gw.login(username, 'user-password-1') };
}

async function apiKey(token: string, input: Record<string, unknown>) {
  return gw.gql<any, unknown>('mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id safelistClient } } }', { input }, { token });
}

/** A document nobody sent before (Redis keeps APQ entries across tests of a file). */
const fresh = () => `query Fresh_${crypto.randomBytes(4).toString('hex')} { viewer { username } }`;

describe('the committed manifest', () => {
  it('is Apollo’s format; every id is the sha256 of its body, printed as the gateway prints documents', () => {
    const manifest = committed();
    expect(manifest).toMatchObject({ format: 'apollo-persisted-query-manifest', version: 1 });
    expect(manifest.operations.length).toBeGreaterThan(5);
    for (const operation of manifest.operations) {
      expect(operation.id).toBe(sha256(operation.body));
      expect(canonicalDocument(parse(operation.body))).toBe(operation.body);
    }
    // The typed documents print to the manifest's bodies: clients sending them match by text.
    expect(print(ViewerDocument)).toBe(op('Viewer').body);
  });
});

describe('registerPersistedOperations', () => {
  it('registers a version once; the same again changes nothing; other operations under it are CONFLICT', async () => {
    const first = await register('console', '1.0.0', committed());
    expect(first.errors).toBeUndefined();
    expect(first.data.registerPersistedOperations).toMatchObject({ created: true, manifest: { clientName: 'console', version: '1.0.0', operationCount: committed().operations.length } });

    const again = await register('console', '1.0.0', committed());
    expect(again.data.registerPersistedOperations).toMatchObject({ created: false, manifest: { operationCount: committed().operations.length } });

    const other = await register('console', '1.0.0', partOf('Viewer'));
    expect(codes(other)).toEqual(['CONFLICT']);
    expect(other.errors![0].extensions).toMatchObject({ field: 'version' });

    expect((await register('console', '1.1.0', partOf('Viewer'))).data.registerPersistedOperations.created).toBe(true);
    expect((await register('billing', '2024.1', JSON.stringify(partOf('Viewer', 'JobProgress')))).errors).toBeUndefined();

    const listed = await gw.gql<any, unknown>(CLIENTS, {}, { token: await gw.adminToken() });
    expect(listed.errors).toBeUndefined();
    expect(listed.data.persistedOperationClients.map((c: any) => [c.name, c.versions.map((v: any) => [v.version, v.operationCount])])).toEqual([
      ['billing', [['2024.1', 2]]],
      ['console', [['1.0.0', committed().operations.length], ['1.1.0', 1]]],
    ]);
    const billing = listed.data.persistedOperationClients[0].versions[0].operations;
    expect(billing).toEqual([
      { id: op('JobProgress').id, name: 'JobProgress', type: 'SUBSCRIPTION' },
      { id: op('Viewer').id, name: 'Viewer', type: 'QUERY' },
    ]);
  });

  it('checks the manifest whole and names every field at fault', async () => {
    const good = op('Viewer');
    const manifest = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [
        good,
        { ...good, name: 'Other', id: '0'.repeat(64) },
        { id: sha256('query Broken {'), name: 'Broken', type: 'query', body: 'query Broken {' },
        { id: sha256('query Nope { nope }'), name: 'Nope', type: 'query', body: 'query Nope { nope }' },
        { id: sha256('query A { viewer { id } }'), name: 'B', type: 'mutation', body: 'query A { viewer { id } }' },
      ],
    };
    const res = await register('partner', '1', manifest);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    const fields = (res.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'manifest.operations.1.id',
        'manifest.operations.1.name',
        'manifest.operations.2.body',
        'manifest.operations.3.body',
        'manifest.operations.4.name',
        'manifest.operations.4.type',
      ]),
    );
    expect(res.errors![0].message).toMatch(/manifest\.operations\.3\.body: does not validate against the schema: .*nope/);

    const shape = await register('partner', '1', { format: 'other', version: 2, operations: [] });
    expect((shape.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual(['manifest.format', 'manifest.version', 'manifest.operations']);
    expect(codes(await register('bad name!', '1', committed()))).toEqual(['BAD_USER_INPUT']);
    // Nothing of a refused manifest is kept.
    expect(await gw.store.db.select().from(persistedQueries)).toEqual([]);
  });

  it('is for administrators: a user is FORBIDDEN and so is the listing', async () => {
    const alice = await user('alice');
    expect(codes(await register('console', '1', committed(), alice.token))).toEqual(['FORBIDDEN']);
    expect(codes(await gw.gql(CLIENTS, {}, { token: alice.token }))).toEqual(['FORBIDDEN']);
  });
});

describe('manifest operations', () => {
  it('run by documentId and by their hash as an APQ; an unknown id is PERSISTED_QUERY_NOT_FOUND (HTTP 200)', async () => {
    await register('console', '1.0.0', committed());
    const alice = await user('alice');
    const byId = await send({ documentId: op('Viewer').id }, { token: alice.token });
    expect(byId.status).toBe(200);
    expect(byId.body.data.viewer.username).toBe('alice');

    const byHash = await send({ extensions: apq(op('Viewer').id) }, { token: alice.token });
    expect(byHash.body.data.viewer.username).toBe('alice');

    const login = await send({ documentId: op('Login').id, variables: { login: 'alice', password: 'user-password-1' } });
    expect(login.body.data.login.token).toEqual(expect.any(String));

    const unknown = await send({ documentId: '1'.repeat(64) }, { token: alice.token });
    expect(unknown.status).toBe(200);
    expect(errorCodes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(errorCodes(await send({ documentId: op('Viewer').id, query: op('Viewer').body }, { token: alice.token }))).toEqual(['BAD_REQUEST']);
  });

  it('run over GET too, by hash', async () => {
    await register('console', '1.0.0', committed());
    const token = await gw.adminToken();
    const search = new URLSearchParams({ extensions: JSON.stringify(apq(op('Viewer').id)) });
    const res = await fetch(`${gw.url}?${search}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(((await res.json()) as any).data.viewer.username).toBe('root');
  });
});

describe('Automatic Persisted Queries', () => {
  it('answer NOT_FOUND for an unknown hash, keep the query sent with its hash, then run it by hash alone', async () => {
    const token = await gw.adminToken();
    const query = fresh();
    const hash = sha256(query);
    const missing = await send({ extensions: apq(hash) }, { token });
    expect(missing.status).toBe(200);
    expect(missing.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);

    const registered = await send({ query, extensions: apq(hash) }, { token });
    expect(registered.body).toEqual({ data: { viewer: { username: 'root' } } });

    const byHash = await send({ extensions: apq(hash) }, { token });
    expect(byHash.body).toEqual({ data: { viewer: { username: 'root' } } });
    if (!gw.app.deps.redis) {
      const rows = await gw.store.db.select().from(persistedQueries).where(and(isNull(persistedQueries.clientName), eq(persistedQueries.operationId, hash)));
      expect(rows).toHaveLength(1);
      expect(rows[0].document).toBe(query);
    } else {
      expect(await gw.app.deps.redis.ttl(`${gw.config.redis!.prefix}apq:${hash}`)).toBeGreaterThan(0);
    }
  });

  it('refuse a hash that is not the query’s, and keep nothing', async () => {
    const token = await gw.adminToken();
    const query = fresh();
    const wrong = await send({ query, extensions: apq(sha256(`${query} `)) }, { token });
    expect(wrong.status).toBe(400);
    expect(errorCodes(wrong)).toEqual(['BAD_REQUEST']);
    expect(errorCodes(await send({ extensions: apq(sha256(`${query} `)) }, { token }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(errorCodes(await send({ query, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(query) } } }, { token }))).toEqual(['BAD_REQUEST']);
  });

  it('do not keep a query that does not validate', async () => {
    const token = await gw.adminToken();
    const query = `query Bad_${crypto.randomBytes(4).toString('hex')} { nope }`;
    const res = await send({ query, extensions: apq(sha256(query)) }, { token });
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(errorCodes(await send({ extensions: apq(sha256(query)) }, { token }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('an API key bound to a safelist', () => {
  const clients: Client[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.dispose();
  });

  it('needs a client with a registered manifest', async () => {
    const alice = await user('alice');
    const res = await apiKey(alice.token, { name: 'billing', scopes: ['READ_ONLY'], safelistClient: 'billing' });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions).toMatchObject({ field: 'input.safelistClient' });
  });

  it('runs its client’s operations by id or by their document, and nothing else (refusals logged, without the secret)', async () => {
    await register('billing', '1', partOf('Viewer', 'JobProgress'));
    await register('billing', '2', partOf('Viewer', 'JobProgress', 'Datacenters'));
    await register('console', '1', committed());
    const alice = await user('alice');
    const created = await apiKey(alice.token, { name: 'billing', scopes: ['READ_ONLY'], safelistClient: 'billing' });
    expect(created.errors).toBeUndefined();
    expect(created.data.createApiKey.apiKey.safelistClient).toBe('billing');
    const key = created.data.createApiKey.secret as string;
    const listed = await gw.gql<any, unknown>('{ apiKeys { nodes { safelistClient } } }', {}, { token: alice.token });
    expect(listed.data.apiKeys.nodes).toEqual([{ safelistClient: 'billing' }]);

    records.length = 0;
    const adHoc = await send({ query: '{ viewer { username } }' }, { key });
    expect(adHoc.status).toBe(400);
    expect(errorCodes(adHoc)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    const refusal = records.find((r) => r.msg === 'persisted operation refused');
    expect(refusal).toMatchObject({ transport: 'http', apiKeyId: expect.any(String), safelistClient: 'billing', sha256: sha256('{ viewer { username } }') });
    expect(JSON.stringify(records)).not.toContain(key);

    // By id, by hash, by its document as sent, and with other whitespace.
    expect((await send({ documentId: op('Viewer').id }, { key })).body.data.viewer.username).toBe('alice');
    expect((await send({ extensions: apq(op('Viewer').id) }, { key })).body.data.viewer.username).toBe('alice');
    expect((await send({ query: print(ViewerDocument) }, { key })).body.data.viewer.username).toBe('alice');
    const squeezed = op('Viewer').body.replace(/\s+/g, ' ');
    expect((await send({ query: squeezed }, { key })).body.data.viewer.username).toBe('alice');
    // Any registered version of its client.
    expect((await send({ documentId: op('Datacenters').id }, { key })).body.data).toEqual({ datacenters: [] });

    // Another client's operation, by id or document; an APQ of another document.
    expect(errorCodes(await send({ documentId: op('Users').id }, { key }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(errorCodes(await send({ query: op('Users').body }, { key }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    const other = fresh();
    expect(errorCodes(await send({ query: other, extensions: apq(sha256(other)) }, { key }))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(errorCodes(await send({ extensions: apq(sha256(other)) }, { key }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    // The same key without a safelist runs anything its scopes allow.
    const free = (await apiKey(alice.token, { name: 'free', scopes: ['READ_ONLY'] })).data.createApiKey.secret;
    expect((await send({ query: '{ viewer { username } }' }, { key: free })).body.data.viewer.username).toBe('alice');
  });

  it('holds over WebSocket: a subscription of its manifest runs, by id or document; others are refused', async () => {
    await register('billing', '1', partOf('Viewer', 'JobProgress'));
    const alice = await user('alice');
    const key = (await apiKey(alice.token, { name: 'billing', scopes: ['READ_ONLY'], safelistClient: 'billing' })).data.createApiKey.secret as string;
    const [job] = await gw.store.db.insert(jobs).values({ kind: 'test', status: 'SUCCEEDED', progress: 100, userId: JSON.parse(Buffer.from(alice.id, 'base64url').toString())[1], lastSeq: 1 }).returning();
    await gw.store.db.insert(jobEvents).values({ jobId: job.id, seq: 1, status: 'SUCCEEDED', progress: 100, message: 'done' });
    const variables = { id: encodeId('Job', job.id) };
    const expected = { kind: 'results', results: [{ data: { jobProgress: { jobId: variables.id, seq: 1, status: 'SUCCEEDED', progress: 100, message: 'done' } } }] };

    const client = () => {
      const c = wsClient(gw.url, { 'x-api-key': key });
      clients.push(c);
      return c;
    };
    expect(await wsExecute(client(), { query: '', variables, extensions: apq(op('JobProgress').id) })).toEqual(expected);
    expect(await wsExecute(client(), { query: '', variables, documentId: op('JobProgress').id } as never)).toEqual(expected);
    expect(await wsExecute(client(), { query: print(JobProgressDocument), variables })).toEqual(expected);

    const adHoc = await wsExecute(client(), { query: 'subscription($id: ID!) { jobProgress(id: $id) { seq } }', variables });
    expect(adHoc.kind).toBe('error');
    expect((adHoc as { error: { extensions?: Record<string, unknown> }[] }).error[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    expect(records.some((r) => r.msg === 'persisted operation refused' && r.transport === 'ws')).toBe(true);

    // A session is not bound: the same ad-hoc subscription runs.
    const session = wsClient(gw.url, { authorization: `Bearer ${alice.token}` });
    clients.push(session);
    expect(await wsExecute(session, { query: 'subscription($id: ID!) { jobProgress(id: $id) { seq } }', variables })).toEqual({ kind: 'results', results: [{ data: { jobProgress: { seq: 1 } } }] });
  });
});
