import crypto from 'node:crypto';
import fs from 'node:fs';
import Redis from 'ioredis';
import postgres from 'postgres';
import { cpuSecondsOf, freshDatabase, gatewayProcess, gqlAt, KINDS, loginAt, median, openWorld, percentile, round, servicesUnreachable, startClouds, unpinLoadSide, type Clouds, type GatewayProcess, type Kind, type World } from './harness';
import { ADMIN_LOGIN, ADMIN_PASSWORD } from '../test/support/app';
import { loadConfig } from '../src/config';
import { localId } from '../src/graph/node/global-id';
import { DURATIONS } from '../src/simulators/openstack/state';

/*
 * Scenario 5: jobs through the queue. 500 createInstance mutations at once, without waiting
 * (no `Prefer: wait`), to one gateway process that runs no jobs; two worker processes take them
 * from BullMQ on Redis, with the job table on PostgreSQL. The simulators build at time scale 1
 * (a server build takes 3 s in both, OpenStack's DURATIONS.build and CloudStack's VM job), so the
 * best any queue can do is about one build time after the last create reaches its cloud.
 *
 * Completion time: the first submit → the last job SUCCEEDED (the job rows' finished_at).
 * Lost: a job that never ended, or ended SUCCEEDED without its instance in the cloud.
 * Duplicated: a name the clouds list more than once, or more create calls than jobs (the
 * simulators count every call).
 *
 * The creates go round-robin to 10 users × both datacenters (25 per tenancy): both drivers
 * work, each simulator takes half, and no one tenant's quota, addresses or limits shape the
 * result. One create per tenancy first warms the processes (tokens, caches, compiled code).
 * CPU per create is what each side used in the run (from /proc), divided by the creates: the
 * gateway, the workers, this process (the load and both simulators) and the run's PostgreSQL
 * backends. The machine's cores are shared by all of them.
 */

export interface JobsOptions {
  /** Creates in all, split evenly over the datacenters and users. @default 500 */
  creates?: number;
  /** Users (each with a tenancy in both datacenters, a network in each). @default 10 */
  users?: number;
  /** Worker processes. @default 2 */
  workers?: number;
  /** Extra environment for the gateway and worker processes (JOB_CONCURRENCY, say). */
  env?: Record<string, string>;
  /** How long to wait for every job to end, ms. @default 120000 */
  timeoutMs?: number;
  /** Node.js flags for the gateway and worker processes (`--cpu-prof`, say). */
  nodeArgs?: string[];
  /** The simulators' time scale: 1 builds a server in 3 s, 10 in 30 s (nearer a real cloud's). @default 1 */
  timeScale?: number;
}

/** The servers the run uses (BENCH_DATABASE_URL, BENCH_REDIS_URL): a database of its own is made on the first, a key prefix of its own on the second, both removed after. */
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const CREATE = 'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id status } } }';
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A createInstance as a client that does not wait: the job comes back QUEUED; its row's id. */
async function submit(url: string, token: string, input: Record<string, unknown>): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CREATE, variables: { input } }),
  });
  const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${res.status}`);
  return localId(body.data.createInstance.job.id as string, 'Job');
}

interface Placement {
  token: string;
  kind: Kind;
  tenancyId: string;
  networkId: string;
  imageId: string;
  flavorId: string;
}

export async function jobs(options: JobsOptions = {}): Promise<Record<string, unknown>[]> {
  const creates = options.creates ?? 500;
  const timeScale = options.timeScale ?? 1;
  const userCount = options.users ?? 10;
  const workerCount = options.workers ?? 2;
  const why = await servicesUnreachable(DATABASE_URL, REDIS_URL);
  if (why) return [{ scenario: 'jobs', skipped: why }];
  // Nothing is pinned here: the gateway, the workers, the simulators and the services share both cores.
  unpinLoadSide();

  const database = await freshDatabase(DATABASE_URL, 'bench_jobs');
  const dbName = database.name;
  const prefix = `bench-jobs:${crypto.randomBytes(4).toString('hex')}:`;
  const processEnv: Record<string, string> = { JOB_WORKER: 'false', ...(options.env ?? {}) };

  const setupStart = Date.now();
  const children: GatewayProcess[] = [];
  let clouds: Clouds | null = null;
  let world: World | null = null;
  const db = postgres(database.url, { max: 2, onnotice: () => undefined });
  try {
    clouds = await startClouds({ timeScale });
    // The in-process gateway (for setting up) runs no jobs: the worker processes run them from the start.
    const opened = await openWorld(clouds, { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: prefix, JOB_WORKER: 'false' });
    world = opened;
    for (let w = 0; w < workerCount; w++) children.push(await gatewayProcess({ ...world.env, ...processEnv }, { entry: 'src/worker.js', ready: /worker is up/, args: options.nodeArgs }));

    // Users, each with a network (one subnet) in both datacenters; the tenancies' and networks' jobs run on the workers.
    const adminToken = await loginAt(world.url, ADMIN_LOGIN, ADMIN_PASSWORD);
    const { datacenters } = await gqlAt(world.url, '{ datacenters { kind images { id name status minDiskGb } flavors { id diskGb cpu memoryMb } } }', {}, adminToken);
    const catalog = {} as Record<Kind, { imageId: string; flavorId: string }>;
    for (const dc of datacenters as { kind: Kind; images: any[]; flavors: any[] }[]) {
      const image = dc.images.find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name));
      const flavor = dc.flavors.filter((f) => f.diskGb === 0 || f.diskGb >= image.minDiskGb).sort((a, b) => a.cpu - b.cpu || a.memoryMb - b.memoryMb)[0];
      catalog[dc.kind] = { imageId: image.id, flavorId: flavor.id };
    }
    const placements: Placement[] = [];
    // Users are set up side by side (a network's job waits seconds for its cloud).
    const setUp = async (u: number) => {
      const user = await opened.addUser(`jobs${u}`, null);
      const { viewer } = await gqlAt(opened.url, '{ viewer { tenancies { id status datacenter { kind } } } }', {}, user.token);
      for (const tenancy of viewer.tenancies as { id: string; status: string; datacenter: { kind: Kind } }[]) {
        if (tenancy.status !== 'ACTIVE') throw new Error(`tenancy of ${user.login} in ${tenancy.datacenter.kind} is ${tenancy.status}`);
        const { createNetwork } = await gqlAt(
          opened.url,
          'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { job { status } network { id } } }',
          { input: { tenancyId: tenancy.id, name: 'bench-net', cidr: '10.0.0.0/16', subnet: { name: 'bench-subnet', cidr: '10.0.0.0/24' } } },
          user.token,
        );
        if (createNetwork.job.status !== 'SUCCEEDED') throw new Error(`network of ${user.login}: ${createNetwork.job.status}`);
        placements.push({ token: user.token, kind: tenancy.datacenter.kind, tenancyId: tenancy.id, networkId: createNetwork.network.id, ...catalog[tenancy.datacenter.kind] });
      }
    };
    await Promise.all(Array.from({ length: userCount }, (_, u) => setUp(u)));
    const env = await world.detach();
    const gateway = await gatewayProcess({ ...env, ...processEnv }, { args: options.nodeArgs });
    children.push(gateway);

    // Warm-up: one create per tenancy (the workers' tokens and catalogue caches, the gateway's code paths), awaited.
    const warm = await Promise.all(placements.map((p, i) => submit(gateway.url, p.token, { tenancyId: p.tenancyId, name: `warm-${i}`, imageId: p.imageId, flavorId: p.flavorId, networkId: p.networkId })));
    await untilEnded(db, warm, 60_000);
    const before = await clouds.stats();
    const cpuBefore = children.map((c) => cpuMsOf(c.pid));
    const benchBefore = process.cpuUsage();
    const pgBefore = backendsOf(dbName);
    console.log(`jobs: set up in ${round((Date.now() - setupStart) / 1000, 1)} s`);

    // The run: every create at once, round-robin over the tenancies (both datacenters, all users).
    const names = Array.from({ length: creates }, (_, i) => `bench-${i}`);
    const t0 = Date.now();
    const submitted = await Promise.allSettled(
      names.map((name, i) => {
        const p = placements[i % placements.length];
        return submit(gateway.url, p.token, { tenancyId: p.tenancyId, name, imageId: p.imageId, flavorId: p.flavorId, networkId: p.networkId });
      }),
    );
    const accepted = Date.now();
    const ids = submitted.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = submitted.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
    const ended = await untilEnded(db, ids, options.timeoutMs ?? 120_000);
    const after = await clouds.stats();
    const cpu = children.map((c, i) => cpuMsOf(c.pid) - cpuBefore[i]);
    const workerCpu = cpu.slice(0, workerCount).reduce((a, b) => a + b, 0);
    const gatewayCpu = cpu[workerCount];
    const benchUsage = process.cpuUsage(benchBefore);
    const benchCpu = (benchUsage.user + benchUsage.system) / 1000;
    const pgAfter = backendsOf(dbName);
    // Backends that lived through the run (the pools keep theirs), what they used in it.
    const pgCpu = [...pgAfter].reduce((n, [pid, ms]) => n + ms - (pgBefore.get(pid) ?? 0), 0);

    const rows = await db<{ id: string; status: string; attempts: number; created: Date; started: Date | null; finished: Date | null; asked: Date | null; name: string }[]>`
      select j.id, j.status, j.attempts, j.created_at as created, j.started_at as started, j.finished_at as finished,
             j.payload->'call'->'args'->0->>'name' as name,
             (select min(e.at) from job_events e where e.job_id = j.id and e.status = 'RUNNING' and e.progress = 5) as asked
      from jobs j where j.id = any(${ids}::uuid[])`;
    const succeeded = rows.filter((r) => r.status === 'SUCCEEDED');
    // NaN when no job succeeded.
    const completionMs = succeeded.length ? Math.max(...succeeded.map((r) => r.finished!.getTime())) - t0 : NaN;
    const buildMs = DURATIONS.build * timeScale;

    // What the clouds hold: names listed through each tenancy (the tenant's own view of its cloud).
    const listed: string[] = [];
    for (const p of placements) {
      for (let after: string | null = null; ; ) {
        const { node } = await gqlAt(
          gateway.url,
          'query($id: ID!, $after: String) { node(id: $id) { ... on Tenancy { instances(first: 100, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } } } }',
          { id: p.tenancyId, after },
          p.token,
        );
        listed.push(...node.instances.nodes.map((n: { name: string }) => n.name).filter((n: string) => n.startsWith('bench-')));
        if (!node.instances.pageInfo.hasNextPage) break;
        after = node.instances.pageInfo.endCursor;
      }
    }
    const seen = new Map<string, number>();
    for (const n of listed) seen.set(n, (seen.get(n) ?? 0) + 1);
    const createCalls = (k: Kind) => (after[k].operations[k === 'OPENSTACK' ? 'nova.servers.create' : 'deployVirtualMachine'] ?? 0) - (before[k].operations[k === 'OPENSTACK' ? 'nova.servers.create' : 'deployVirtualMachine'] ?? 0);
    const calls = KINDS.reduce((n, k) => n + createCalls(k), 0);
    const lost = ids.length - ended.length + succeeded.filter((r) => !seen.has(r.name)).length;
    const duplicated = [...seen.values()].filter((n) => n > 1).length + Math.max(0, calls - ids.length);

    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const waits = sorted(rows.filter((r) => r.started).map((r) => r.started!.getTime() - r.created.getTime()));
    const cloudPhase = sorted(succeeded.filter((r) => r.asked).map((r) => r.finished!.getTime() - r.asked!.getTime()));
    const latency = sorted(succeeded.map((r) => r.finished!.getTime() - r.created.getTime()));
    const preparing = sorted(rows.filter((r) => r.started && r.asked).map((r) => r.asked!.getTime() - r.started!.getTime()));
    const lastAsked = Math.max(...rows.filter((r) => r.asked).map((r) => r.asked!.getTime()));
    const attempts = rows.reduce((n, r) => n + r.attempts, 0);
    const failures = rows.filter((r) => r.status !== 'SUCCEEDED').length + refused.length;
    // Cloud calls per create over the run (the gateway's checks, the workers' calls and polls), by operation.
    const perJob = KINDS.map((k) => `${k}: ${Object.entries(after[k].operations).map(([op, n]) => [op, (n - (before[k].operations[op] ?? 0)) / (ids.length / KINDS.length)] as const).filter(([, n]) => n > 0).map(([op, n]) => `${op} ${round(n, 1)}`).join(', ')}`);
    console.log(`jobs: cloud calls per create, ${perJob.join('; ')}`);
    if (refused.length) console.log(`jobs: ${refused.length} creates refused, e.g. ${refused[0]}`);
    return [
      {
        scenario: 'jobs',
        creates,
        'users × datacenters': `${userCount} × ${placements.length / userCount}`,
        workers: workerCount,
        'jobs at once per worker': loadConfig({ ...world.env, ...processEnv }).jobs.concurrency,
        'all accepted, s': round((accepted - t0) / 1000),
        'last sent to a cloud, s': round((lastAsked - t0) / 1000),
        'completion, s': round(completionMs / 1000),
        'build, s': round(buildMs / 1000),
        'ratio to build': round(completionMs / buildMs),
        'queue wait p50/p99, s': `${round(median(waits) / 1000)} / ${round(percentile(waits, 99) / 1000)}`,
        'claimed → cloud asked p50/p99, s': `${round(median(preparing) / 1000)} / ${round(percentile(preparing, 99) / 1000)}`,
        'cloud phase p50/p99, s': `${round(median(cloudPhase) / 1000)} / ${round(percentile(cloudPhase, 99) / 1000)}`,
        'job p50/p99, s': `${round(median(latency) / 1000)} / ${round(percentile(latency, 99) / 1000)}`,
        succeeded: succeeded.length,
        failures,
        lost,
        duplicated,
        'instances listed': listed.length,
        'create calls': calls,
        'attempts / job': round(attempts / Math.max(1, rows.length)),
        'CPU per create, ms (gateway / workers / bench+sims / postgres)': [gatewayCpu, workerCpu, benchCpu, pgCpu].map((ms) => round(ms / ids.length, 1)).join(' / '),
      },
    ];
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => undefined);
    await world?.close();
    await clouds?.close();
    await db.end({ timeout: 5 });
    await database.drop().catch(() => undefined);
    await dropKeys(prefix);
  }
}

/** CPU time (user + system) a process has used so far, ms. */
const cpuMsOf = (pid: number) => cpuSecondsOf(pid) * 1000;

/** CPU used so far by each PostgreSQL backend connected to `database`, by pid. */
function backendsOf(database: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A backend's title: `postgres: <cluster>: <user> <database> <client> <state>`.
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.split(' ').includes(database)) found.set(Number(entry), cpuMsOf(Number(entry)));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Waits until every job of `ids` has ended (reading the job rows) or `timeoutMs` passes; the ids that ended. */
async function untilEnded(db: postgres.Sql, ids: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db<{ id: string; status: string }[]>`select id, status from jobs where id = any(${ids}::uuid[])`;
    const ended = rows.filter((r) => FINAL.has(r.status)).map((r) => r.id);
    if (ended.length === ids.length || Date.now() > deadline) return ended;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes the run's Redis keys (its own prefix: BullMQ's queue and the gateway's keys). */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/:+$/, '')}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
