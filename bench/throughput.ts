import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { ConsoleDocument } from '../operations/generated/graphql';
import { alternate, canPin, cpuSecondsOf, freshDatabase, gatewayProcess, median, openWorld, pinLoadSide, round, startClouds, type GatewayProcess } from './harness';

/*
 * Scenario 3: the throughput ladder. One console query (operations/console.graphql) over a
 * 100-instance estate (50 per datacenter), zero-latency simulators, each server a process of
 * its own on CPU 0; the load generator, the simulators (and a local Postgres and Redis) on
 * CPU 1. Every rung answers the same bytes: the gateway's answer, captured once.
 *   L0 node:http writing the precomputed answer
 *   L1 node:http + graphql-jit over an in-memory tree of the answer (the floor)
 *   L2 graphql-js execute, parse and validate cached
 *   L3 Apollo Server 5, usage reporting and cache control off
 *   L4 ecsgraph: Apollo + type-graphql + loaders + drivers + simulators
 * Each target is warmed up, then run for a fixed time in each of 3 rounds, the order rotated
 * every round; its figure is the median of the rounds, as a ratio to L1. The servers' own CPU
 * time per answer is reported too: on a shared machine it moves less than requests per second.
 *   BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_PROFILE (a .cpuprofile path for L4),
 *   BENCH_DATABASE_URL (a Postgres server for the gateway's store; default embedded PGlite),
 *   BENCH_RUNGS (some rungs only, e.g. L1,L4; L1 is always run, being the floor),
 *   BENCH_L4_ARGS (node options of the L4 gateway, e.g. --max-semi-space-size=64)
 */

/** 50 instances per datacenter: 5 networks × 1 subnet × 10 instances. */
const SHAPE = { networks: 5, subnets: 1, instances: 10 };
/**
 * 20 connections: enough requests in flight to keep a one-core server busy while L4's
 * requests wait on their upstream calls (some 30 per query), few enough that the load
 * generator, sharing its core with the simulators, does not become what is measured.
 */
const CONNECTIONS = 20;

export interface ThroughputOptions {
  /** Seconds per run (BENCH_SECONDS, default 10). */
  seconds?: number;
  /** Warm-up seconds per target (BENCH_WARMUP_SECONDS, default 3). */
  warmupSeconds?: number;
  rounds?: number;
  connections?: number;
  /** Also runs L4 once more with --cpu-prof for `seconds` and writes the profile here (BENCH_PROFILE). */
  profile?: string;
  /**
   * A Postgres server (BENCH_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres): the
   * gateway's store is then a fresh database of it, dropped afterwards, and its queries run on the
   * load side's core, as in production. Default: embedded PGlite, inside the gateway's process.
   */
  databaseUrl?: string;
  /** The rungs to run (BENCH_RUNGS, e.g. "L1,L4"); default all. L1 is always among them. */
  rungs?: string[];
}

interface Target {
  rung: string;
  what: string;
  server: GatewayProcess;
}

const number = (value: string | undefined, fallback: number) => (value && Number.isFinite(Number(value)) ? Number(value) : fallback);

export async function throughput(options: ThroughputOptions = {}): Promise<Record<string, unknown>[]> {
  const seconds = options.seconds ?? number(process.env.BENCH_SECONDS, 10);
  const warmupSeconds = options.warmupSeconds ?? number(process.env.BENCH_WARMUP_SECONDS, 3);
  const rounds = options.rounds ?? 3;
  const connections = options.connections ?? CONNECTIONS;
  const profile = options.profile ?? process.env.BENCH_PROFILE;
  const databaseUrl = options.databaseUrl ?? process.env.BENCH_DATABASE_URL;
  const only = new Set(options.rungs ?? process.env.BENCH_RUNGS?.split(',').map((r) => r.trim().toUpperCase()) ?? ['L0', 'L1', 'L2', 'L3', 'L4']);
  only.add('L1');
  const started = Date.now();

  const pinning = canPin();
  const cpu = pinning ? 0 : undefined;
  const pinned = pinning ? pinLoadSide(1) : [];
  console.log(pinning ? `throughput: servers on CPU 0; on CPU 1: ${pinned.join(', ')}` : 'throughput: cannot pin (one core or no taskset); figures are indicative only');

  const database = databaseUrl ? await freshDatabase(databaseUrl, 'bench_throughput') : null;
  const clouds = await startClouds();
  const world = await openWorld(clouds, database ? { DATABASE_URL: database.url } : {});
  const servers: GatewayProcess[] = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-ladder-'));
  console.log(`throughput: the gateway's store is ${database ? `Postgres (${database.name})` : 'embedded PGlite'}`);
  try {
    const user = await world.addUser('ladder', SHAPE);
    const env = await world.detach();
    const gateway = await gatewayProcess(env, { cpu, args: process.env.BENCH_L4_ARGS?.split(' ').filter(Boolean) ?? [] });
    servers.push(gateway);

    const body = JSON.stringify({ query: print(ConsoleDocument) });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${user.token}` };
    const ask = async (url: string) => {
      const res = await fetch(url, { method: 'POST', headers, body });
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    };
    // The answer, twice: it must be the same every time for the rungs to serve it.
    const answer = await ask(gateway.url);
    if (!answer.equals(await ask(gateway.url))) throw new Error('the gateway answers the console query differently from one request to the next');
    const parsed = JSON.parse(answer.toString('utf8')) as { errors?: unknown; data: { viewer: { tenancies: { networks: { nodes: { subnets: { nodes: { instances: { totalCount: number } }[] } }[] } }[] } } };
    if (parsed.errors) throw new Error(`the console query failed: ${JSON.stringify(parsed.errors)}`);
    const instances = parsed.data.viewer.tenancies.flatMap((t) => t.networks.nodes.flatMap((n) => n.subnets.nodes.map((s) => s.instances.totalCount))).reduce((a, b) => a + b, 0);
    if (instances !== 100) throw new Error(`expected 100 instances in the answer, found ${instances}`);
    const answerFile = path.join(scratch, 'answer.json');
    fs.writeFileSync(answerFile, answer);

    const ladderEnv = { NODE_ENV: env.NODE_ENV, LADDER_ANSWER: answerFile, LADDER_SCHEMA: path.resolve(__dirname, '../../schema.graphql') };
    const rung = async (entry: string) => {
      const server = await gatewayProcess(ladderEnv, { cpu, entry: `bench/ladder/${entry}.js` });
      servers.push(server);
      return server;
    };
    const ladder = [
      { rung: 'L0', what: 'node:http, precomputed buffer', start: () => rung('l0-buffer') },
      { rung: 'L1', what: 'node:http + graphql-jit (floor)', start: () => rung('l1-jit') },
      { rung: 'L2', what: 'graphql-js execute, parse/validate cached', start: () => rung('l2-graphql-js') },
      { rung: 'L3', what: 'Apollo Server 5 bare', start: () => rung('l3-apollo') },
      { rung: 'L4', what: 'ecsgraph', start: async () => gateway },
    ];
    const targets: Target[] = [];
    for (const { rung, what, start } of ladder) if (only.has(rung)) targets.push({ rung, what, server: await start() });
    // Same bytes at every rung, checked before any load.
    const bytes = new Map<string, number>();
    for (const target of targets) {
      const got = await ask(target.server.url);
      if (!got.equals(answer)) throw new Error(`${target.rung} answers ${got.length} bytes that differ from the gateway's ${answer.length}`);
      bytes.set(target.rung, got.length);
    }

    const load = async (url: string, duration: number) => {
      const result = await autocannon({ url, method: 'POST', headers, body, connections, duration });
      const failed = result.non2xx + result.errors + result.timeouts;
      if (failed) throw new Error(`${url}: ${failed} of ${result['2xx'] + failed} requests failed`);
      return result;
    };
    for (const target of targets) await load(target.server.url, warmupSeconds);

    const runs = new Map<string, { rps: number; p50: number; p99: number; cpu: number; cpuPerRequest: number }[]>();
    for (const order of alternate(targets, rounds)) {
      for (const target of order) {
        const before = cpuSecondsOf(target.server.pid);
        const result = await load(target.server.url, seconds);
        const cpu = cpuSecondsOf(target.server.pid) - before;
        const list = runs.get(target.rung) ?? [];
        list.push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpu: cpu / result.duration, cpuPerRequest: cpu / Math.max(result.requests.total, 1) });
        runs.set(target.rung, list);
      }
    }

    if (profile) {
      // A gateway of its own for the profile, so that --cpu-prof does not slow the measured runs.
      const profiled = await gatewayProcess(env, { cpu, args: ['--cpu-prof', `--cpu-prof-dir=${scratch}`, '--cpu-prof-name=l4.cpuprofile'] });
      servers.push(profiled);
      await load(profiled.url, warmupSeconds);
      await load(profiled.url, seconds);
      await profiled.stop();
      fs.mkdirSync(path.dirname(path.resolve(profile)), { recursive: true });
      fs.copyFileSync(path.join(scratch, 'l4.cpuprofile'), profile);
      console.log(`throughput: L4 profile in ${profile}`);
    }

    const floor = median(runs.get('L1')!.map((r) => r.rps));
    const floorCpu = median(runs.get('L1')!.map((r) => r.cpuPerRequest));
    console.log(`throughput: ${rounds} rounds × ${targets.length} targets × ${seconds} s, ${connections} connections, took ${Math.round((Date.now() - started) / 1000)} s in all`);
    return targets.map((target) => {
      const list = runs.get(target.rung)!;
      const rps = median(list.map((r) => r.rps));
      return {
        scenario: 'throughput',
        rung: target.rung,
        server: target.what,
        'req/s by round': list.map((r) => Math.round(r.rps)).join(' / '),
        'median req/s': Math.round(rps),
        'ratio to L1': round(rps / floor),
        'response bytes': bytes.get(target.rung),
        'p50 ms': median(list.map((r) => r.p50)),
        'p99 ms': median(list.map((r) => r.p99)),
        // Below 100 % the server was not what limited the run (its core was shared, or the load side was short).
        'server CPU %': Math.round(median(list.map((r) => r.cpu)) * 100),
        // The server's own cost of an answer, whatever limited the run: comparable across noisy runs.
        'server CPU ms/request': round(median(list.map((r) => r.cpuPerRequest)) * 1000, 2),
        // The ratio to L1 the rung would have were both held back by their own core only.
        'CPU ratio to L1': round(floorCpu / median(list.map((r) => r.cpuPerRequest))),
      };
    });
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await world.close();
    await clouds.close();
    await database?.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

