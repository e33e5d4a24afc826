import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createClient, type Client } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { encodeId, localId } from '../src/graph/node/global-id';
import { openStore } from '../src/store/db';
import { jobs } from '../src/store/schema';
import { subscribeOverWs, type Subscriber } from './fanout-client';
import type { PublisherCommand, PublisherData, PublisherReply } from './fanout-publisher';
import { alternate, canPin, cpuSecondsOf, freshDatabase, gatewayProcess, gqlAt, loginAt, median, openWorld, percentile, pinLoadSide, round, servicesUnreachable, startClouds, type GatewayProcess } from './harness';

/*
 * Scenario 4: subscription fan-out. Two gateway replicas share one PostgreSQL and one Redis;
 * a thread of this process publishes job progress through the job journal (the code a worker
 * runs: the event is written, then published on Redis; bench/fanout-publisher.ts), and N
 * graphql-ws clients, half on each replica, follow the jobs with `jobProgress`. Every event
 * carries its own timestamp (`at`, written with the event just before it is published), so a
 * client's delay is its receive time minus `at`: Redis → gateway → client, with the gateway's
 * work in between.
 *
 * What the clients do: the console's job page, `jobProgress(id)` of a job of its user. The
 * worker's events are spread round-robin over BENCH_JOBS running jobs (default 10, one user
 * each), client i following job i mod BENCH_JOBS: each event fans out to N / BENCH_JOBS
 * subscribers and each client receives rate / BENCH_JOBS events/s. BENCH_JOBS=1 is the worst
 * case, every client receiving every event (N × rate deliveries/s).
 *
 * Placement on a 2-core machine: both replicas on core 0, everything else (this process:
 * clients, publisher, simulators; PostgreSQL; Redis) on core 1. The gateway is what is
 * measured, so it gets a core to itself; a replica per core would share each core with the
 * load generator and measure their contention instead. Two replicas on one core still
 * exercise what scale-out adds (every replica hears every event from Redis and fans it out
 * to its own subscribers); their throughput together is that of one core.
 *
 * File descriptors: this process holds N sockets and each replica N / 2, so `ulimit -n` must
 * exceed N (5,000) by a few hundred.
 *
 * Knobs: BENCH_CLIENTS (100,1000,5000), BENCH_RATES (10,100), BENCH_SECONDS measured per run
 * (4), BENCH_ROUNDS (3), BENCH_JOBS (10), BENCH_DATABASE_URL, BENCH_REDIS_URL,
 * FANOUT_GATEWAY_ARGS (node options of the replicas, e.g. --cpu-prof), BENCH_WS_CLIENT (ws:
 * the protocol over `ws`, bench/fanout-client.ts; graphql-ws: that library's client).
 */

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const list = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);

export interface FanoutOptions {
  clients?: number[];
  rates?: number[];
  /** Measured seconds per (clients, rate). */
  seconds?: number;
  rounds?: number;
  jobs?: number;
}

const SUBSCRIPTION = 'subscription Follow($id: ID!, $after: Int) { jobProgress(id: $id, afterSeq: $after) { jobId seq status progress message at } }';
/** p99 under this is the target. */
const P99_TARGET_MS = 250;
/** After a run, events missing when none has arrived for this long count as lost. */
const DRAIN_MS = 5000;
/** The clients' implementation: the protocol over `ws` (bench/fanout-client.ts), or graphql-ws's client. */
const WS_CLIENT = process.env.BENCH_WS_CLIENT === 'graphql-ws' ? 'graphql-ws' : 'ws';
/** Connections opened at once. */
const CONNECT_BATCH = 100;

interface Follower {
  client: Subscriber;
  job: number;
  /** Highest seq received. */
  last: number;
  /** Events received in the measured window. */
  received: number;
}

interface Sample {
  clients: number;
  rate: number;
  published: number;
  publishedPerS: number;
  deliveredPerS: number;
  p95: number;
  p99: number;
  lost: number;
  bytesPerConnection: number;
  /** Share of a core used while measuring: both replicas together, and this process. */
  gatewayCpu: number;
  loadCpu: number;
  /** Share of the run the gateways' threads waited for a core (summed over threads). */
  gatewayWait: number;
}

/**
 * Seconds a process's threads have spent runnable but waiting for a core (/proc schedstat):
 * what other work on the machine took from it. Large against the run, the figures are the
 * machine's, not the gateway's.
 */
function waitSeconds(pid: number): number {
  let ns = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      /* the thread ended */
    }
  }
  return ns / 1e9;
}

export async function fanout(options: FanoutOptions = {}): Promise<Record<string, unknown>[]> {
  const clientCounts = options.clients ?? list(process.env.BENCH_CLIENTS, [100, 1000, 5000]);
  const rates = options.rates ?? list(process.env.BENCH_RATES, [10, 100]);
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 4);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const jobCount = options.jobs ?? Number(process.env.BENCH_JOBS ?? 10);

  const unreachable = await servicesUnreachable(DATABASE_URL, REDIS_URL);
  if (unreachable) return [{ scenario: 'fanout', skipped: unreachable }];

  const database = await freshDatabase(DATABASE_URL, 'bench_fanout');
  const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: `bench-fanout:${crypto.randomBytes(4).toString('hex')}:` };

  // Before pinning: a process pinned to one core sees one core (availableParallelism).
  const pin = canPin();
  const pinned = pin ? pinLoadSide(1) : [];
  const clouds = await startClouds();
  const world = await openWorld(clouds, env);
  const gateways: GatewayProcess[] = [];
  let publisher: Worker | null = null;
  try {
    // The users and their running jobs: rows written directly, as a worker that took them would have.
    const users: { id: string; token: string }[] = [];
    for (let i = 0; i < jobCount; i++) {
      const name = `fan${i}`;
      const password = `${name}-password`;
      const { createUser } = await gqlAt(world.url, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username: name, password, ctAccountId: `acct-${name}` } }, world.adminToken);
      users.push({ id: localId(createUser.id, 'User'), token: await loginAt(world.url, name, password) });
    }
    const gatewayEnv = { ...(await world.detach()), JOB_WORKER: 'false' };
    const config = loadConfig(gatewayEnv);
    const store = await openStore(config.database);
    const jobRows = await store.db
      .insert(jobs)
      .values(users.map((u) => ({ kind: 'benchFanout', userId: u.id, requestedBy: u.id, status: 'RUNNING' as const, attempts: 1, startedAt: new Date() })))
      .returning();
    await store.close();
    const globalJobIds = jobRows.map((j) => encodeId('Job', j.id));

    const data: PublisherData = { databaseUrl: env.DATABASE_URL, redisUrl: REDIS_URL, redisPrefix: env.REDIS_PREFIX, jobIds: jobRows.map((j) => j.id) };
    const thread = new Worker(path.join(__dirname, 'fanout-publisher.js'), { workerData: data });
    publisher = thread;
    const replies: ((reply: PublisherReply) => void)[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      thread.once('error', reject);
      thread.on('message', (message: PublisherReply | 'ready') => (message === 'ready' ? resolve() : replies.shift()?.(message)));
    });
    await ready;
    /** Per job, the seq of its last event published. */
    let seqs = jobRows.map(() => 0);
    const command = (c: PublisherCommand) =>
      new Promise<PublisherReply>((resolve) => {
        replies.push((reply) => {
          seqs = reply.seqs;
          resolve(reply);
        });
        thread.postMessage(c);
      });
    const publishAt = (rate: number, s: number) => command({ kind: 'burst', rate, seconds: s });

    const cpu = pin ? 0 : undefined;
    const args = process.env.FANOUT_GATEWAY_ARGS?.split(' ').filter(Boolean) ?? [];
    const rss = () => gateways.reduce((sum, g) => sum + g.rss(), 0);
    const gatewayCpu = () => gateways.reduce((sum, g) => sum + cpuSecondsOf(g.pid), 0);
    const gatewayWait = () => gateways.reduce((sum, g) => sum + waitSeconds(g.pid), 0);
    let wsUrls: string[] = [];

    // Every delay of the run measured now; null between runs.
    let delays: number[] | null = null;
    let lastReceived = 0;
    /** Per job, the last seq before the measured window. */
    let windowFrom = jobRows.map(() => 0);

    /** A client of replica n mod 2 following job n mod BENCH_JOBS as its user, once connected. */
    const followOnce = async (n: number): Promise<Follower> => {
      const job = n % jobCount;
      const follower: Follower = { client: { dispose: async () => undefined }, job, last: seqs[job], received: 0 };
      const next = ({ data }: { data?: unknown }) => {
        const event = (data as { jobProgress?: { seq: number; at: string } } | undefined)?.jobProgress;
        if (!event || event.seq <= follower.last) return;
        follower.last = event.seq;
        // While measuring, nothing but the window's events is published.
        if (delays && event.seq > windowFrom[job]) {
          follower.received++;
          lastReceived = Date.now();
          delays.push(lastReceived - Date.parse(event.at));
        }
      };
      const subscription = { url: wsUrls[n % wsUrls.length], connectionParams: { authorization: `Bearer ${users[job].token}` }, query: SUBSCRIPTION, variables: { id: globalJobIds[job], after: seqs[job] } };
      // An error later (say, dropped as too slow) shows as events lost.
      if (WS_CLIENT === 'ws') follower.client = await subscribeOverWs({ ...subscription, next, error: () => undefined });
      else follower.client = await graphqlWsFollower(subscription, next);
      return follower;
    };

    /**
     * A follower, trying again when its connection fails: on a loaded machine a gateway may
     * take longer than its 3 s connection_init timeout to answer a batch of connections.
     */
    let retries = 0;
    const follow = async (n: number): Promise<Follower> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await followOnce(n);
        } catch (err) {
          if (attempt === 3) throw err;
          retries++;
        }
      }
    };

    /**
     * Until every follower has the last event of its job; or, with `stall`, until none has
     * arrived for `ms`; else for at most `ms`. True when all have.
     */
    const caughtUp = async (followers: Follower[], ms: number, stall = false) => {
      const done = () => followers.every((f) => f.last >= seqs[f.job]);
      const seen = () => followers.reduce((sum, f) => sum + f.last, 0);
      let deadline = Date.now() + ms;
      let last = seen();
      while (!done() && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        if (stall && seen() !== last) {
          last = seen();
          deadline = Date.now() + ms;
        }
      }
      return done();
    };

    const run = async (followers: Follower[], rate: number, bytesPerConnection: number): Promise<Sample> => {
      // Warm-up at the rate: the replicas' code is hot and the subscriptions' first events are out.
      await publishAt(rate, 1);
      await caughtUp(followers, DRAIN_MS, true);
      windowFrom = [...seqs];
      const collected: number[] = [];
      delays = collected;
      for (const f of followers) f.received = 0;
      const cpuBefore = { gateways: gatewayCpu(), load: process.cpuUsage(), wait: gatewayWait() };
      const windowStart = Date.now();
      const sent = await publishAt(rate, seconds);
      const gatewayShare = (gatewayCpu() - cpuBefore.gateways) / sent.elapsed;
      const waitShare = (gatewayWait() - cpuBefore.wait) / sent.elapsed;
      const load = process.cpuUsage(cpuBefore.load);
      const loadShare = (load.user + load.system) / 1e6 / sent.elapsed;
      // seqs now holds the window's last events.
      await caughtUp(followers, DRAIN_MS, true);
      const measured = collected.sort((a, b) => a - b);
      delays = null;
      const expected = followers.reduce((sum, f) => sum + (seqs[f.job] - windowFrom[f.job]), 0);
      const received = followers.reduce((sum, f) => sum + f.received, 0);
      return {
        clients: followers.length,
        rate,
        published: sent.total,
        publishedPerS: sent.total / sent.elapsed,
        // From the first publish to the last event received.
        deliveredPerS: received / (Math.max(lastReceived - windowStart, sent.elapsed * 1000) / 1000),
        p95: percentile(measured, 95),
        p99: percentile(measured, 99),
        lost: expected - received,
        bytesPerConnection,
        gatewayCpu: gatewayShare,
        loadCpu: loadShare,
        gatewayWait: waitShare,
      };
    };

    /**
     * Fresh replicas for every client count, so that its memory and its figures do not carry
     * what a larger count before it left (V8 keeps the heap it grew); warmed by a few clients
     * and events, then at rest.
     */
    const startReplicas = async () => {
      await Promise.all(gateways.splice(0).map((g) => g.stop()));
      gateways.push(...(await Promise.all([gatewayProcess(gatewayEnv, { cpu, args }), gatewayProcess(gatewayEnv, { cpu, args })])));
      wsUrls = gateways.map((g) => g.url.replace(/^http/, 'ws'));
      const few = await connectAll(20, follow);
      await publishAt(50, 1);
      await caughtUp(few, DRAIN_MS);
      await closeAll(few);
      await new Promise((res) => setTimeout(res, 1000));
    };

    const samples: Sample[] = [];
    /** Per round and client count: the replicas' CPU to take each client's connection and subscription, and the time all took. */
    const connects: { clients: number; cpuMs: number; seconds: number }[] = [];
    const orders = alternate(clientCounts, rounds);
    for (let r = 0; r < rounds; r++) {
      for (const n of orders[r]) {
        await startReplicas();
        const rest = rss();
        const connectCpu = gatewayCpu();
        const connectStart = Date.now();
        const followers = await connectAll(n, follow);
        connects.push({ clients: n, cpuMs: ((gatewayCpu() - connectCpu) * 1000) / n, seconds: (Date.now() - connectStart) / 1000 });
        // An event to every job: every subscription is live once all have one (again while some lag).
        let live = false;
        for (let attempt = 0; attempt < 6 && !live; attempt++) {
          await command({ kind: 'each' });
          live = await caughtUp(followers, 10_000);
        }
        if (!live) {
          process.stderr.write(`fanout round ${r + 1}: ${n} clients: subscriptions not all live within a minute; not measured\n`);
          await closeAll(followers);
          continue;
        }
        const bytesPerConnection = (rss() - rest) / n;
        for (const rate of r % 2 === 0 ? rates : [...rates].reverse()) {
          const sample = await run(followers, rate, bytesPerConnection);
          samples.push(sample);
          process.stderr.write(
            `fanout round ${r + 1}: ${n} clients, ${rate} events/s: published ${Math.round(sample.publishedPerS)}/s, delivered ${Math.round(sample.deliveredPerS)}/s, p95 ${sample.p95} ms, p99 ${sample.p99} ms, lost ${sample.lost}, ${Math.round(sample.bytesPerConnection / 1024)} KiB/connection, CPU gateways ${Math.round(sample.gatewayCpu * 100)}% (${Math.round((sample.gatewayCpu / sample.deliveredPerS) * 1e6)} µs/delivery), waiting for a core ${Math.round(sample.gatewayWait * 100)}%; load ${Math.round(sample.loadCpu * 100)}%\n`,
          );
        }
        await closeAll(followers);
      }
    }

    // Per (clients, rate): medians of the rounds; lost summed.
    const rows: Record<string, unknown>[] = [];
    for (const rate of rates) {
      let largest: number | null = null;
      for (const n of clientCounts) {
        const mine = samples.filter((s) => s.clients === n && s.rate === rate);
        const med = (pick: (s: Sample) => number) => percentile(mine.map(pick).sort((a, b) => a - b), 50);
        const p99 = med((s) => s.p99);
        const lost = mine.reduce((sum, s) => sum + s.lost, 0);
        if (p99 < P99_TARGET_MS && lost === 0) largest = Math.max(largest ?? 0, n);
        rows.push({
          scenario: 'fanout',
          clients: n,
          'events/s': rate,
          'published/s': round(med((s) => s.publishedPerS), 1),
          'delivered/s': Math.round(med((s) => s.deliveredPerS)),
          'p95 ms': med((s) => s.p95),
          'p99 ms': p99,
          lost,
          'KiB/conn': round(med((s) => s.bytesPerConnection) / 1024, 1),
          'gateway CPU %': Math.round(med((s) => s.gatewayCpu) * 100),
          'load CPU %': Math.round(med((s) => s.loadCpu) * 100),
          'gateway wait %': Math.round(med((s) => s.gatewayWait) * 100),
          'connect CPU ms/client': round(median(connects.filter((c) => c.clients === n).map((c) => c.cpuMs)), 2),
          'connect s': round(median(connects.filter((c) => c.clients === n).map((c) => c.seconds)), 1),
          rounds: mine.length,
        });
      }
      rows.push({ scenario: 'fanout', clients: `largest with p99 < ${P99_TARGET_MS} ms, 0 lost: ${largest ?? 'none'}`, 'events/s': rate });
    }
    rows.push({ scenario: 'fanout', clients: `jobs ${jobCount}, ${seconds} s per run, ${WS_CLIENT === 'ws' ? 'clients on ws' : 'graphql-ws clients'}, connections retried ${retries}, pinned: ${cpu === undefined ? 'no' : `gateways on cpu 0; ${pinned.join(', ')} on cpu 1`}` });
    return rows;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    if (publisher) {
      publisher.postMessage({ kind: 'close' } satisfies PublisherCommand);
      await new Promise((resolve) => publisher!.once('exit', resolve));
    }
    await world.close();
    await clouds.close();
    await database.drop().catch(() => undefined);
    await dropKeys(env.REDIS_PREFIX).catch(() => undefined);
  }
}

/** What the run left in Redis under its prefix (the job queue's keys). */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Opens `n` followers, CONNECT_BATCH at a time. */
/** The same subscription through graphql-ws's own client (BENCH_WS_CLIENT=graphql-ws). */
async function graphqlWsFollower(
  subscription: { url: string; connectionParams: Record<string, unknown>; query: string; variables: Record<string, unknown> },
  next: (payload: { data?: unknown }) => void,
): Promise<Client> {
  let failed: (err: Error) => void = () => undefined;
  const client = createClient({
    url: subscription.url,
    webSocketImpl: WebSocket,
    connectionParams: subscription.connectionParams,
    lazy: false,
    retryAttempts: 0,
    keepAlive: 0,
    // Failures are the promise's (on.error, on.closed), not the console's.
    onNonLazyError: () => undefined,
    on: {
      error: (err) => failed(err instanceof Error ? err : new Error(`connection failed: ${String((err as { message?: string }).message ?? err)}`)),
      closed: (event) => failed(new Error(`connection closed: ${(event as { code?: number }).code}`)),
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      failed = reject;
      client.on('connected', () => resolve());
      client.subscribe(
        { query: subscription.query, variables: subscription.variables },
        { next, error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))), complete: () => undefined },
      );
    });
  } catch (err) {
    await client.dispose();
    throw err;
  }
  return client;
}

async function connectAll(n: number, follow: (i: number) => Promise<Follower>): Promise<Follower[]> {
  const followers: Follower[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    followers.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, (_, k) => follow(i + k)))));
  }
  return followers;
}

async function closeAll(followers: Follower[]): Promise<void> {
  await Promise.all(followers.map((f) => f.client.dispose()));
}
