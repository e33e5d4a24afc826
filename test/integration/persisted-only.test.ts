import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { registerManifest } from '../../src/graph/persisted/persisted.store';
import { sha256 } from '../../src/graph/persisted/persisted.document';
import { graphSchema } from '../../src/graph/schema';
import { ADMIN_LOGIN, ADMIN_PASSWORD, responses, useGateway } from '../support/app';
import { wsClient, wsExecute } from '../support/ws';

/*
 * PERSISTED_OPERATIONS_ONLY=true: administrators send any document; everyone else (signed in
 * or not) runs registered operations only, by id. The console's manifest is registered the
 * way `npm run persisted:register` does it, straight into the database: before it, nobody but
 * an administrator's session could run anything, and signing in is itself an operation.
 */

const gw = useGateway({ PERSISTED_OPERATIONS_ONLY: 'true' });

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'operations', 'generated', 'persisted-operations.json'), 'utf8')) as {
  operations: { id: string; name: string; body: string }[];
};
const id = (name: string) => manifest.operations.find((o) => o.name === name)!.id;

async function send(body: Record<string, unknown>, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(gw.url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}
const codeOf = (res: Awaited<ReturnType<typeof send>>) => res.body.errors?.map((e) => e.extensions?.code);

const login = async (name: string, password: string) => {
  const res = await send({ documentId: id('Login'), variables: { login: name, password } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.login.token as string;
};

beforeEach(async () => {
  await registerManifest(gw.app.deps.db, graphSchema(), { clientName: 'console', version: '1', manifest });
});

it('refuses full documents from anyone but administrators', async () => {
  // Signing in with a full document is refused: the console signs in by id.
  const anonymous = await send({ query: 'mutation { login(login: "root", password: "x") { token } }' });
  expect(anonymous.status).toBe(400);
  expect(codeOf(anonymous)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);

  const admin = await login(ADMIN_LOGIN, ADMIN_PASSWORD);
  const full = await send({ query: '{ viewer { username } }' }, admin);
  expect(full.body).toEqual({ data: { viewer: { username: ADMIN_LOGIN } } });
  const created = await send({ query: 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', variables: { input: { username: 'alice', password: 'user-password-1' } } }, admin);
  expect(created.body.errors).toBeUndefined();

  const alice = await login('alice', 'user-password-1');
  expect(codeOf(await send({ query: '{ viewer { username } }' }, alice))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
  // A manifest operation's text is a full document too: ids only.
  expect(codeOf(await send({ query: manifest.operations.find((o) => o.name === 'Viewer')!.body }, alice))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
  expect((await send({ documentId: id('Viewer') }, alice)).body.data.viewer.username).toBe('alice');
  expect((await send({ extensions: { persistedQuery: { version: 1, sha256Hash: id('Viewer') } } }, alice)).body.data.viewer.username).toBe('alice');

  // APQ: an admin's query is kept, but a user may not run it by its hash, nor register one.
  const query = `query Mine_${crypto.randomBytes(4).toString('hex')} { viewer { username } }`;
  const hash = sha256(query);
  expect((await send({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, admin)).body.data.viewer.username).toBe(ADMIN_LOGIN);
  expect(codeOf(await send({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, alice))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
  const other = `query Theirs_${crypto.randomBytes(4).toString('hex')} { viewer { username } }`;
  expect(codeOf(await send({ query: other, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(other) } } }, alice))).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
  expect(codeOf(await send({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(other) } } }, alice))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
});

it('holds over WebSocket too', async () => {
  await send({ query: 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', variables: { input: { username: 'bob', password: 'user-password-1' } } }, await login(ADMIN_LOGIN, ADMIN_PASSWORD));
  const bob = await login('bob', 'user-password-1');
  const client = wsClient(gw.url, { authorization: `Bearer ${bob}` });
  try {
    const refused = await wsExecute(client, { query: 'subscription { jobEvents { seq } }' });
    expect(refused.kind).toBe('error');
    expect((refused as { error: { extensions?: { code?: string } }[] }).error[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    // By id it runs (and answers the job's NOT_FOUND: there is no such job).
    const byId = await wsExecute(client, { query: '', variables: { id: 'nope' }, extensions: { persistedQuery: { version: 1, sha256Hash: id('JobProgress') } } });
    expect(JSON.stringify(byId)).toContain('NOT_FOUND');
    expect(JSON.stringify(byId)).not.toContain('PERSISTED_QUERY');
  } finally {
    await client.dispose();
  }
});
