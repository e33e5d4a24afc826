import autocannon from 'autocannon';
import { print } from 'graphql';
import { ConsoleDocument } from '../operations/generated/graphql';
import { alternate, canPin, gatewayProcess, gqlAt, KINDS, openWorld, pinLoadSide, round, startClouds, type BenchUser, type TracedCall } from './harness';
import { SIZES } from './upstream-calls';

/*
 * Scenario 2: latency of nesting. The simulators answer every call in 50 ms; the console query
 * runs at a fixed, low rate (autocannon's overallRate, so no request waits behind another) at
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
const CONNECTIONS = 4;

export interface LatencyRow {
  instances: number;
  /** Sequential waves of cloud calls one query made (the most of the two datacenters). */
  waves: number;
  floorMs: number;
  p50Ms: number[];
  p99Ms: number[];
  requests: number;
}

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
  const pinned = canPin() ? pinLoadSide(1) : [];
  const clouds = await startClouds();
  const world = await openWorld(clouds);
  const query = print(ConsoleDocument);
  try {
    const users = new Map<number, BenchUser>();
    for (const size of SIZES) users.set(size.instances, await world.addUser(`l${size.instances}`, size.shape));
    const gateway = await gatewayProcess(await world.detach(), { cpu: pinned.length ? 0 : undefined });
    try {
      await clouds.setLatency(LATENCY_MS);
      const rows = new Map<number, LatencyRow>();
      for (const size of SIZES) {
        const token = users.get(size.instances)!.token;
        // Warm-up: tokens, catalogue caches, the gateway's JIT.
        for (let i = 0; i < 3; i++) await gqlAt(gateway.url, query, {}, token);
        const waves = wavesOf(await clouds.trace(() => gqlAt(gateway.url, query, {}, token)), LATENCY_MS);
        rows.set(size.instances, { instances: size.instances, waves: Math.max(...Object.values(waves)), floorMs: DEPENDENT_LEVELS * LATENCY_MS, p50Ms: [], p99Ms: [], requests: 0 });
      }
      for (const order of alternate(SIZES, ROUNDS)) {
        for (const size of order) {
          const result = await autocannon({
            url: gateway.url,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${users.get(size.instances)!.token}` },
            body: JSON.stringify({ query }),
            connections: CONNECTIONS,
            overallRate: RATE,
            duration: seconds,
            // autocannon's fixed-rate mode (its types lag behind the option).
          } as Parameters<typeof autocannon>[0]);
          if (result.non2xx || result.errors || result.timeouts) throw new Error(`latency at ${size.instances}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
          const row = rows.get(size.instances)!;
          row.p50Ms.push(result.latency.p50);
          row.p99Ms.push(result.latency.p99);
          row.requests += result.requests.total;
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
          requests: r.requests,
          pinned: pinned.length ? `gateway CPU 0; ${pinned.join(', ')} CPU 1` : 'no',
        };
      });
    } finally {
      await gateway.stop();
    }
  } finally {
    await world.close();
    await clouds.close();
  }
}
