import { print } from 'graphql';
import { ConsoleDocument } from '../operations/generated/graphql';
import { alternate, cpuSecondsOf, gqlAt, KINDS, onGatewayProcess, percentile, round, type TracedCall } from './harness';
import { SIZES } from './upstream-calls';

/*
 * Scenario 2: latency of nesting. The simulators answer every call in 50 ms; the console query
 * runs at a fixed, low rate (open loop: each request leaves at its scheduled time, whether the
 * ones before it have answered or not, and its latency counts from that time) at
 * the three estate sizes of scenario 1, against a gateway process of its own on CPU 0 (the
 * simulators and the load on CPU 1). The floor is the query's dependent levels × 50 ms: each
 * level (networks → subnets → instances → volumes → backups) needs the ids its parent level
 * answered, so no resolver can start it earlier. The calls' arrival times, as the simulators
 * saw them, give the waves the gateway actually made.
 */

const LATENCY_MS = 50;
/** networks → subnets → instances → volumes → backups: the levels of the console query that wait on their parents' answers. */
const DEPENDENT_LEVELS = 5;
const ROUNDS = 3;
/** Requests per second: far below what the gateway serves, so the latency is a request's own, not a queue's. */
const RATE = 4;

export interface LatencyRow {
  instances: number;
  /** Sequential waves of cloud calls one query made (the most of the two datacenters). */
  waves: number;
  floorMs: number;
  p50Ms: number[];
  p99Ms: number[];
  requests: number;
  /** The gateway's CPU seconds over the timed runs. */
  cpuSeconds: number;
  /** Latencies of requests sent one at a time (each after the last answered), ms. */
  aloneMs: number[];
}

/** Requests per size before any is measured. */
const WARM_UP = 10;

/** Requests sent one at a time per size: the latency of a request with no other in the gateway. */
const ALONE = 7;

/** Sequential waves in a trace: a call that arrives a latency's worth after the current wave's first call starts the next wave. */
export function wavesOf(calls: TracedCall[], latencyMs: number): Record<string, number> {
  const waves: Record<string, number> = {};
  for (const kind of KINDS) {
    let count = 0;
    let waveStart = -Infinity;
    for (const call of calls.filter((c) => c.kind === kind).sort((a, b) => a.atMs - b.atMs)) {
      if (call.atMs - waveStart >= latencyMs * 0.8) {
        count++;
        waveStart = call.atMs;
      }
    }
    waves[kind] = count;
  }
  return waves;
}

export async function latency(): Promise<Record<string, unknown>[]> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  const query = print(ConsoleDocument);
  const estates = Object.fromEntries(SIZES.map((size) => [`l${size.instances}`, size.shape]));
  return onGatewayProcess(estates, async ({ gateway, clouds, users: byName, pinned }) => {
    const users = new Map(SIZES.map((size) => [size.instances, byName[`l${size.instances}`]]));
    await clouds.setLatency(LATENCY_MS);
    const rows = new Map<number, LatencyRow>();
    for (const size of SIZES) {
      const token = users.get(size.instances)!.token;
      // Warm-up: tokens, catalogue caches, the gateway's JIT and heap (a request alone, right after
      // 3 of them at 1,000 instances, still took about 1.5 × what it took minutes later).
      for (let i = 0; i < WARM_UP; i++) await gqlAt(gateway.url, query, {}, token);
      const waves = wavesOf(await clouds.trace(() => gqlAt(gateway.url, query, {}, token)), LATENCY_MS);
      const aloneMs: number[] = [];
      for (let i = 0; i < ALONE; i++) {
        const sent = performance.now();
        await gqlAt(gateway.url, query, {}, token);
        aloneMs.push(performance.now() - sent);
      }
      rows.set(size.instances, { instances: size.instances, waves: Math.max(...Object.values(waves)), floorMs: DEPENDENT_LEVELS * LATENCY_MS, p50Ms: [], p99Ms: [], requests: 0, cpuSeconds: 0, aloneMs: aloneMs.sort((a, b) => a - b) });
    }
    for (const order of alternate(SIZES, ROUNDS)) {
      for (const size of order) {
        const cpuBefore = cpuSecondsOf(gateway.pid);
        const latencies = await fixedRate(gateway.url, query, users.get(size.instances)!.token, RATE, seconds);
        const row = rows.get(size.instances)!;
        row.cpuSeconds += cpuSecondsOf(gateway.pid) - cpuBefore;
        row.p50Ms.push(Math.round(percentile(latencies, 50)));
        row.p99Ms.push(Math.round(percentile(latencies, 99)));
        row.requests += latencies.length;
      }
    }
    return [...rows.values()].map((r) => {
      const p50 = Math.max(...r.p50Ms);
      const p99 = Math.max(...r.p99Ms);
      return {
        scenario: 'latency',
        instances: r.instances,
        'dependent levels': DEPENDENT_LEVELS,
        'waves seen': r.waves,
        'floor ms': r.floorMs,
        'p50 ms (rounds)': r.p50Ms.join(' / '),
        'p99 ms (rounds)': r.p99Ms.join(' / '),
        'p50 ÷ floor': round(p50 / r.floorMs),
        'p99 ÷ floor': round(p99 / r.floorMs),
        // With no other request in the gateway: what the estate's size costs a request by itself, queueing aside.
        'alone p50 ms': Math.round(percentile(r.aloneMs, 50)),
        'alone p50 ÷ floor': round(percentile(r.aloneMs, 50) / r.floorMs),
        // The gateway's own work per answer, and how busy the rate kept its core.
        'gateway CPU ms/request': Math.round((r.cpuSeconds * 1000) / Math.max(r.requests, 1)),
        'gateway CPU %': Math.round((r.cpuSeconds / (ROUNDS * seconds)) * 100),
        requests: r.requests,
        pinned,
      };
    });
  });
}

/**
 * `rate` requests a second for `seconds`, each sent at its scheduled time (open loop), each
 * answer read whole and checked for errors: the sorted latencies, ms, from schedule to answer.
 * (autocannon's fixed-rate mode was tried first; its latencies came out below what the
 * simulators' own delays allow, so the scenario times requests itself.)
 */
async function fixedRate(url: string, query: string, token: string, rate: number, seconds: number): Promise<number[]> {
  const body = JSON.stringify({ query });
  const start = performance.now();
  const pending: Promise<number>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
        const answer = (await res.json()) as { errors?: unknown[] };
        if (!res.ok || answer.errors?.length) throw new Error(`latency: HTTP ${res.status} ${JSON.stringify(answer.errors ?? []).slice(0, 300)}`);
        return performance.now() - due;
      })(),
    );
  }
  return (await Promise.all(pending)).sort((a, b) => a - b);
}
