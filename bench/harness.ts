import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import Redis from 'ioredis';
import postgres from 'postgres';
import { buildApp, type App } from '../src/app';
import type { TenantCredentials } from '../src/clouds/driver';
import { CloudRegistry } from '../src/clouds/registry';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startCloudStackSimulator, type CloudStackSimulator } from '../src/simulators/cloudstack';
import { buildEstate, LARGE_QUOTAS, unlimitCloudStackAccount, type EstateShape } from '../src/simulators/estate';
import { startOpenStackSimulator, type OpenStackSimulator } from '../src/simulators/openstack';
import { tenancies } from '../src/store/schema';
import { ADMIN_LOGIN, ADMIN_PASSWORD, testEnv } from '../test/support/app';
import { freePort } from '../test/support/processes';

/*
 * What the scenarios share: two simulated datacenters (one of each kind) in this process, a
 * gateway (in this process for setting up, or in a process of its own pinned to a core for
 * measuring), users with an estate of a given shape, and the bookkeeping of a fair run (pinning,
 * alternating rounds, percentiles).
 */

export const log = createLogger('silent');
export type Kind = 'OPENSTACK' | 'CLOUDSTACK';
export const KINDS: Kind[] = ['OPENSTACK', 'CLOUDSTACK'];

export interface SimStatsSnapshot {
  total: number;
  operations: Record<string, number>;
}

export interface Clouds {
  os: OpenStackSimulator;
  cs: CloudStackSimulator;
  /** Latency added to every cloud call from now on (the simulators' fault API). */
  setLatency(ms: number): Promise<void>;
  stats(): Promise<Record<Kind, SimStatsSnapshot>>;
  /** The cloud calls that arrive while `run` runs, each with its arrival in ms after the start. */
  trace(run: () => Promise<unknown>): Promise<TracedCall[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface TracedCall {
  kind: Kind;
  operation: string;
  atMs: number;
}

export async function startClouds(options: { timeScale?: number } = {}): Promise<Clouds> {
  const timeScale = options.timeScale ?? 0;
  let tracing: { start: number; calls: TracedCall[] } | null = null;
  const onCall = (kind: Kind) => (operation: string) => tracing?.calls.push({ kind, operation, atMs: performance.now() - tracing.start });
  const os = await startOpenStackSimulator({ timeScale, quotas: LARGE_QUOTAS, onCall: onCall('OPENSTACK') });
  const cs = await startCloudStackSimulator({ timeScale, onCall: onCall('CLOUDSTACK') });
  const urls = [os.url, cs.url];
  return {
    os,
    cs,
    async trace(run) {
      tracing = { start: performance.now(), calls: [] };
      try {
        await run();
        return tracing.calls;
      } finally {
        tracing = null;
      }
    },
    async setLatency(ms) {
      for (const url of urls) {
        const res = await fetch(`${url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: ms }) });
        if (!res.ok) throw new Error(`faults: ${res.status}`);
      }
    },
    async stats() {
      const [o, c] = await Promise.all(urls.map(async (url) => (await (await fetch(`${url}/_sim/stats`)).json()) as SimStatsSnapshot));
      return { OPENSTACK: o, CLOUDSTACK: c };
    },
    async reset() {
      await Promise.all(urls.map((url) => fetch(`${url}/_sim/reset`, { method: 'POST' })));
    },
    async close() {
      await Promise.all([os.close(), cs.close()]);
    },
  };
}

/** A GraphQL call over HTTP; errors in the answer throw. */
export async function gqlAt(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', prefer: 'wait=600', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export async function loginAt(url: string, login: string, password: string): Promise<string> {
  return (await gqlAt(url, 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', { l: login, p: password })).login.token;
}

/**
 * The environment every benchmark gateway runs with: a deployment's mode (NODE_ENV=production:
 * none of the test suite's checks, such as freezing shared cloud answers), quiet, no rate
 * limits (one user asking fast), the store under `dataDir`.
 */
export function benchEnv(dataDir: string, secretKey: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return testEnv({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    SECRET_KEY: secretKey,
    REDIS_URL: undefined,
    RATE_LIMIT_PER_USER: '0',
    RATE_LIMIT_ANONYMOUS: '0',
    RATE_LIMIT_PER_API_KEY: '0',
    ...overrides,
  });
}

export interface BenchUser {
  login: string;
  password: string;
  token: string;
}

/**
 * A gateway in this process with both datacenters registered, for building estates. Its store
 * lives in `dataDir` (PGlite on disk unless `env.DATABASE_URL`), so that a gateway process
 * started afterwards with `gatewayProcess(world.env)` serves the same users and estates.
 */
export interface World {
  app: App;
  url: string;
  clouds: Clouds;
  env: Record<string, string | undefined>;
  adminToken: string;
  datacenters: Record<Kind, string>;
  /** A user with a tenancy in each datacenter and, in each, an estate of `shape`. */
  addUser(name: string, shape: EstateShape | null): Promise<BenchUser>;
  /** Stops the in-process gateway (the clouds stay up) and returns the environment for a gateway process. */
  detach(): Promise<Record<string, string | undefined>>;
  close(): Promise<void>;
}

export async function openWorld(clouds: Clouds, overrides: Record<string, string | undefined> = {}): Promise<World> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-bench-'));
  const env = benchEnv(dataDir, crypto.randomBytes(32).toString('hex'), overrides);
  const config = loadConfig(env);
  const app = buildApp(config, { logger: log });
  const { url } = await app.start();
  let running = true;
  const adminToken = await loginAt(url, ADMIN_LOGIN, ADMIN_PASSWORD);
  const { os: o, cs: c } = clouds;
  const datacenters = {} as Record<Kind, string>;
  for (const [kind, input] of [
    ['OPENSTACK', { name: 'OS', shortName: 'os', kind: 'OPENSTACK', serviceUrl: o.identityUrl, adminUser: o.admin.user, password: o.admin.password, externalNetwork: o.externalNetworkName }],
    ['CLOUDSTACK', { name: 'CS', shortName: 'cs', kind: 'CLOUDSTACK', serviceUrl: c.apiUrl, adminUser: c.admin.user, password: c.admin.password, apiKey: c.admin.apiKey, secretKey: c.admin.secretKey }],
  ] as const) {
    datacenters[kind] = (await gqlAt(url, 'mutation($input: CreateDatacenterInput!) { createDatacenter(input: $input) { id } }', { input }, adminToken)).createDatacenter.id;
  }
  const registry = new CloudRegistry({ log, observer: null });

  return {
    app,
    url,
    clouds,
    env,
    adminToken,
    datacenters,
    async addUser(name, shape) {
      const password = `${name}-password`;
      const { createUser } = await gqlAt(url, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username: name, password, ctAccountId: `acct-${name}` } }, adminToken);
      for (const kind of KINDS) {
        const { registerTenancy } = await gqlAt(url, 'mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id } } }', { u: createUser.id, d: datacenters[kind] }, adminToken);
        if (kind === 'CLOUDSTACK') await unlimitCloudStackAccount(c, `ct_acct-${name}`, log);
        if (!shape) continue;
        const tenancyId = (JSON.parse(Buffer.from(registerTenancy.tenancy.id, 'base64url').toString()) as string[])[1];
        const [row] = await app.deps.db.select().from(tenancies).where(eq(tenancies.id, tenancyId));
        const credentials = app.deps.secrets.openJson<TenantCredentials>(row.credentials!, `tenancy:${row.id}:credentials`);
        const driver = registry.driver(kind === 'OPENSTACK' ? o.endpoint(`os-${name}`, 'os') : c.endpoint(`cs-${name}`, 'cs'), 'v1');
        await buildEstate(driver, driver.tenant(credentials), shape);
      }
      return { login: name, password, token: await loginAt(url, name, password) };
    },
    async detach() {
      if (running) await app.stop();
      running = false;
      return env;
    },
    async close() {
      if (running) await app.stop();
      running = false;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A scenario on one gateway process: users with an estate of each shape (by user name), then
 * the gateway in a process of its own on CPU 0, the bench, the simulators, PostgreSQL and Redis
 * on CPU 1 where pinning works; `measure` runs against it, and everything stops after.
 * `pinned` says how the run was placed, for the report.
 */
export async function onGatewayProcess<T>(
  estates: Record<string, EstateShape>,
  measure: (run: { gateway: GatewayProcess; clouds: Clouds; users: Record<string, BenchUser>; pinned: string }) => Promise<T>,
): Promise<T> {
  const pinned = canPin() ? pinLoadSide(1) : [];
  const clouds = await startClouds();
  const world = await openWorld(clouds);
  try {
    const users: Record<string, BenchUser> = {};
    for (const [name, shape] of Object.entries(estates)) users[name] = await world.addUser(name, shape);
    const gateway = await gatewayProcess(await world.detach(), { cpu: pinned.length ? 0 : undefined });
    try {
      return await measure({ gateway, clouds, users, pinned: pinned.length ? `gateway CPU 0; ${pinned.join(', ')} CPU 1` : 'no' });
    } finally {
      await gateway.stop();
    }
  } finally {
    await world.close();
    await clouds.close();
  }
}

const distRoot = path.resolve(__dirname, '..');

/**
 * The V8 options `npm start` runs the gateway with (package.json's start script), given to every
 * process the benchmarks start, the ladder's rungs included: each is measured on the runtime the
 * gateway runs on. BENCH_NODE_FLAGS, when set, stands for them ('' for none).
 */
export const RUNTIME_FLAGS: string[] = (() => {
  const given = process.env.BENCH_NODE_FLAGS;
  if (given !== undefined) return given.split(' ').filter(Boolean);
  const { scripts } = JSON.parse(fs.readFileSync(path.join(distRoot, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const flags = /\bnode((?:\s+--\S+)*)\s+dist\/main\.js/.exec(scripts.start)?.[1] ?? '';
  return flags.split(/\s+/).filter(Boolean);
})();

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Resident set size now, bytes (from /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * The gateway's own entry point (`src/main.ts`, as built for the benchmarks) in a process of its
 * own, on `cpu` when given (taskset), with `env` plus the listening port. It is ready when its
 * `/readyz` answers, or, with `ready`, when its output matches that (a worker serves no HTTP).
 */
export async function gatewayProcess(
  env: Record<string, string | undefined>,
  options: { cpu?: number; entry?: string; args?: string[]; port?: number; ready?: RegExp } = {},
): Promise<GatewayProcess> {
  const entry = path.join(distRoot, options.entry ?? 'src/main.js');
  const port = options.port ?? (await freePort());
  const argv = [...RUNTIME_FLAGS, ...(options.args ?? []), entry];
  const [cmd, args] = options.cpu === undefined ? [process.execPath, argv] : ['taskset', ['-c', String(options.cpu), process.execPath, ...argv]];
  const child = spawn(cmd, args, {
    env: { PATH: process.env.PATH, ...env, PORT: String(port), LOG_LEVEL: env.LOG_LEVEL === 'silent' ? 'warn' : env.LOG_LEVEL } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway not ready within 60 s:\n${out}`);
    }
    const ready = options.ready ? options.ready.test(out) : await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    rss: () => rssOf(child.pid!),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

/** User + system CPU time a process has used so far, seconds (from /proc; 0 once it is gone). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from the 3rd: utime is the 14th, stime the 15th, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

export { freePort };

/** Why PostgreSQL at `databaseUrl` or Redis at `redisUrl` cannot serve a scenario, or null when both answer. */
export async function servicesUnreachable(databaseUrl: string, redisUrl: string): Promise<string | null> {
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  try {
    await sql`select 1`;
  } catch (err) {
    return `PostgreSQL at ${new URL(databaseUrl).host} unreachable (${(err as Error).message}); set BENCH_DATABASE_URL`;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    return `Redis at ${new URL(redisUrl).host} unreachable (${(err as Error).message}); set BENCH_REDIS_URL`;
  } finally {
    redis.disconnect();
  }
  return null;
}

/** A database of its own (`<prefix>_<random>`) on the server of `base`, dropped, with whoever is still connected, by `drop()`. */
export async function freshDatabase(base: string, prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const admin = postgres(base, { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(statement);
    } finally {
      await admin.end({ timeout: 5 });
    }
  };
  await run(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

let pinnable: boolean | undefined;

/**
 * Whether taskset can pin here (two cores or more, util-linux present). Decided at the first
 * ask, before anything is pinned: a process pinned to one core sees one core.
 */
export function canPin(): boolean {
  pinnable ??= (() => {
    if (os.availableParallelism() < 2) return false;
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  return pinnable;
}

/**
 * Puts this process (the load generator and the simulators) on `cpu`, and the local PostgreSQL
 * and Redis servers, where they run, with it. Returns what was pinned, for the report.
 */
export function pinLoadSide(cpu: number): string[] {
  return placeLoadSide(String(cpu));
}

/**
 * Lets this process, PostgreSQL and Redis run on every core again, as before any scenario
 * pinned them: the processes a later scenario starts inherit this process's cores, and a
 * scenario that pins nothing (jobs) would otherwise run all of them on one.
 */
export function unpinLoadSide(): void {
  // os.cpus(), not availableParallelism(): a pinned process sees only its own cores.
  if (canPin()) placeLoadSide(`0-${os.cpus().length - 1}`);
}

function placeLoadSide(cpus: string): string[] {
  const pinned: string[] = [];
  const pin = (pid: number, what: string) => {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
      pinned.push(what);
    } catch {
      /* not ours to pin */
    }
  };
  pin(process.pid, 'bench');
  for (const [name, what] of [['postgres', 'postgres'], ['redis-server', 'redis']] as const) {
    let pids: string[] = [];
    try {
      pids = execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      /* not running */
    }
    for (const pid of pids) pin(Number(pid), what);
  }
  return [...new Set(pinned)];
}

/** The order of targets in each of `rounds` rounds: rotated by one every round, so no target is always first or last. */
export function alternate<T>(targets: T[], rounds: number): T[][] {
  return Array.from({ length: rounds }, (_, r) => targets.map((_, i) => targets[(i + r) % targets.length]));
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
