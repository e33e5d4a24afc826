import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { localId } from '../../src/graph/node/global-id';
import { djangoPbkdf2Hash } from '../../src/security/passwords';
import { datacenters, users } from '../../src/store/schema';
import { ADMIN_LOGIN, ADMIN_PASSWORD } from '../support/app';
import { useGatewayProcesses } from '../support/gateways';
import { runCli } from '../support/processes';
import { serviceUrl } from '../support/services';

/*
 * Two real gateway processes (dist/main.js) on one Postgres database and one Redis, each
 * keeping datacenter rows and viewers' own rows for a minute (STORE_CACHE_MS): a change made
 * through one (or by the import CLI) is seen by the other at once, because the writer tells
 * every process to forget the row.
 */

/** Polls `read` until it answers `expected` or 2 s pass (STORE_CACHE_MS is a minute): what it answered last. */
async function soon<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 2000;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  return value;
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

(serviceUrl('postgres') && serviceUrl('redis') ? describe : describe.skip)('datacenter rows kept by two gateways', () => {
  const gateways = useGatewayProcesses({ STORE_CACHE_MS: '60000' });

  test('a rename on one gateway is read by the other at once; a row changed behind their backs is not, until they forget it', async () => {
    const [a, b] = gateways.urls;
    const login = 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }';
    const token = (await gql(a, login, { l: ADMIN_LOGIN, p: ADMIN_PASSWORD })).login.token as string;
    const { createDatacenter } = await gql(
      a,
      'mutation($input: CreateDatacenterInput!) { createDatacenter(input: $input) { id name } }',
      { input: { name: 'first name', shortName: 'dc-cache', kind: 'OPENSTACK', serviceUrl: 'http://127.0.0.1:1/identity/v3', adminUser: 'admin', password: 'dc-secret' } },
      token,
    );
    const nameOn = async (url: string) => (await gql(url, 'query($id: ID!) { datacenter(id: $id) { name } }', { id: createDatacenter.id }, token)).datacenter.name as string;
    expect(await nameOn(a)).toBe('first name');
    expect(await nameOn(b)).toBe('first name');

    // Behind the gateways' backs: both keep answering what they read.
    await gateways.store.db.update(datacenters).set({ name: 'written by a script' }).where(eq(datacenters.id, localId(createDatacenter.id, 'Datacenter')));
    expect(await nameOn(a)).toBe('first name');
    expect(await nameOn(b)).toBe('first name');

    // Through gateway A: B forgets its copy as soon as A's word arrives, long before a minute.
    const renamed = await gql(a, 'mutation($id: ID!, $input: UpdateDatacenterInput!) { updateDatacenter(id: $id, input: $input) { name } }', { id: createDatacenter.id, input: { name: 'second name' } }, token);
    expect(renamed.updateDatacenter.name).toBe('second name');
    expect(await nameOn(a)).toBe('second name');
    expect(await soon(() => nameOn(b), 'second name')).toBe('second name');
  });

  test("a user's own row: changes through either gateway, a sign-in and the import CLI are seen at once; one behind their backs is not", async () => {
    const [a, b] = gateways.urls;
    const login = 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }';
    const admin = (await gql(a, login, { l: ADMIN_LOGIN, p: ADMIN_PASSWORD })).login.token as string;
    const { createUser } = await gql(
      a,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { username: 'carol', password: 'carol-password-1', email: 'carol@example.com', ctUserId: 'ct_carol' } },
      admin,
    );
    const carol = (await gql(b, login, { l: 'carol', p: 'carol-password-1' })).login.token as string;
    const seen = (url: string) => async () => {
      const { viewer } = await gql(url, '{ viewer { email lastLoginAt } }', {}, carol);
      return `${viewer.email} ${viewer.lastLoginAt}`;
    };
    const first = await seen(a)();
    expect(first).toMatch(/^carol@example\.com \d{4}-/);
    expect(await seen(b)()).toBe(first);

    // Behind the gateways' backs: both keep what they read.
    await gateways.store.db.update(users).set({ email: 'script@example.com' }).where(eq(users.id, localId(createUser.id, 'User')));
    expect(await seen(a)()).toBe(first);
    expect(await seen(b)()).toBe(first);

    // An administrator's change through A reaches B.
    await gql(a, 'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }', { id: createUser.id, input: { email: 'carol@new.example.com' } }, admin);
    const changed = await seen(a)();
    expect(changed).toMatch(/^carol@new\.example\.com /);
    expect(await soon(seen(b), changed)).toBe(changed);

    // Signing in again, through B, moves lastLoginAt on A.
    await new Promise((r) => setTimeout(r, 5));
    await gql(b, login, { l: 'carol', p: 'carol-password-1' });
    const signedIn = await seen(b)();
    expect(signedIn).not.toBe(changed);
    expect(await soon(seen(a), signedIn)).toBe(signedIn);

    // The import CLI, in a process of its own, tells both gateways over Redis.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-import-'));
    try {
      const file = path.join(dir, 'users.json');
      const password = await djangoPbkdf2Hash('portal-password-1', 'saltCarolX9', 20_000);
      fs.writeFileSync(file, JSON.stringify([{ username: 'carol', password, email: 'carol@portal.example.com', ct_user_id: 'ct_carol' }]));
      const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'import-users.js');
      const { DATABASE_URL, REDIS_URL, REDIS_PREFIX, SECRET_KEY } = gateways.env;
      const run = await runCli(cli, [file], { dataDir: path.join(dir, 'data'), cwd: dir, env: { DATABASE_URL, REDIS_URL, REDIS_PREFIX, SECRET_KEY } });
      expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('1 updated') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const url of [a, b]) expect(await soon(seen(url), signedIn.replace(/^\S+/, 'carol@portal.example.com'))).toMatch(/^carol@portal\.example\.com /);
  });
});
