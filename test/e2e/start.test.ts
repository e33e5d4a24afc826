import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * Runs the compiled entry point (what `npm start` runs once it has built) as a newcomer
 * would: embedded defaults, nothing configured but PORT and DATA_DIR.
 */

const root = path.resolve(__dirname, '..', '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-e2e-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The environment of a fresh machine: none of the services' variables. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY', 'ADMIN_LOGIN', 'ADMIN_PASSWORD', 'NODE_OPTIONS', 'PORT', 'DATA_DIR']) delete env[key];
  return { ...env, ...extra };
}

function startGateway(port: number) {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: cleanEnv({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
}

async function waitForAnswer(url: string, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const body = await post(url, '{ __typename }');
      if (body.data?.__typename === 'Query') return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > deadlineMs) throw new Error(`no answer within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/*
 * How fast it starts is not asserted here (a first start makes a new PGlite database, some
 * seconds on a quiet machine, and far more beside other test files); the wait only bounds a hang.
 */
const START_WAIT_MS = 60_000;

test('starts on embedded defaults, answers, prints how to sign in, and stops cleanly on SIGTERM', async () => {
  const port = await freePort();
  const url = `http://localhost:${port}/graphql`;
  const gateway = startGateway(port);
  await waitForAnswer(url, START_WAIT_MS);

  // Printing and listening race; give stdout a moment.
  await new Promise((r) => setTimeout(r, 200));
  const { stdout } = gateway.output();
  expect(stdout).toContain(url);
  const login = /login: (\S+)/.exec(stdout)?.[1];
  const password = /password: ([A-Za-z0-9_-]+)/.exec(stdout)?.[1];
  expect(login).toBe('admin');
  expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);

  const signedIn = await post(url, 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token user { role } } }', { l: login, p: password });
  expect(signedIn.data!.login.user.role).toBe('ADMIN');
  const viewer = await post(url, '{ viewer { username } }', {}, signedIn.data!.login.token);
  expect(viewer.data!.viewer.username).toBe('admin');

  // Embedded mode brings a simulated datacenter of each kind, registered and reachable.
  expect(stdout).toMatch(/simulated datacenters: OpenStack http:\/\/127\.0\.0\.1:\d+, CloudStack http:\/\/127\.0\.0\.1:\d+/);
  const dcs = await post(url, '{ datacenters { shortName kind serviceUrl } }', {}, signedIn.data!.login.token);
  expect(dcs.data!.datacenters.map((d: { shortName: string; kind: string }) => [d.shortName, d.kind]).sort()).toEqual([
    ['sim-cs', 'CLOUDSTACK'],
    ['sim-os', 'OPENSTACK'],
  ]);
  for (const dc of dcs.data!.datacenters as { serviceUrl: string }[]) {
    expect((await fetch(new URL('/_sim/stats', dc.serviceUrl))).status).toBe(200);
  }

  gateway.child.kill('SIGTERM');
  expect(await gateway.exited).toBe(0);
  expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
  expect(fs.statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

  // A second start keeps the data: no new password, the old one still works.
  const again = startGateway(port);
  await waitForAnswer(url, START_WAIT_MS);
  await new Promise((r) => setTimeout(r, 200));
  expect(again.output().stdout).not.toMatch(/password: [A-Za-z0-9_-]{16}/);
  expect(again.output().stdout).toContain('administrator');
  const second = await post(url, 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', { l: login, p: password });
  expect(second.data!.login.token).toMatch(/^ecs_s_/);
  // The simulators listen anew; their datacenters are brought up to date, not duplicated.
  const again2 = await post(url, '{ datacenters { shortName } }', {}, second.data!.login.token);
  expect(again2.data!.datacenters.map((d: { shortName: string }) => d.shortName).sort()).toEqual(['sim-cs', 'sim-os']);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
}, 3 * START_WAIT_MS);

test('a bad variable stops the process at start with a message naming it', async () => {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: cleanEnv({ PORT: 'eighty', DATA_DIR: dataDir, LOG_LEVEL: 'nope' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toContain('PORT');
  expect(stderr).toContain('LOG_LEVEL');
});
