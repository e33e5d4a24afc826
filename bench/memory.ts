import autocannon from 'autocannon';
import { print } from 'graphql';
import { ConsoleDocument } from '../operations/generated/graphql';
import { gqlAt, onGatewayProcess, round } from './harness';

/*
 * Scenario 6: memory. The gateway of scenario 3 (a process of its own on CPU 0, embedded store,
 * zero-latency simulators, a 100-instance estate) is sampled for its resident set: at rest
 * after start, after a minute of the console query at full speed, and at the end of ten minutes
 * of it. Growth is the end against the first minute: what a leak adds, once the heap, the JIT
 * and the caches have found their size.
 */

const MB = 1024 * 1024;
/** Enough to keep the one gateway core busy, few enough that the connections cost nothing. */
const CONNECTIONS = 10;
const SAMPLE_EVERY_MS = 10_000;

export async function memory(): Promise<Record<string, unknown>[]> {
  const seconds = Number(process.env.BENCH_MEMORY_SECONDS ?? 600);
  const warmSeconds = Math.min(60, Math.max(1, Math.floor(seconds / 10)));
  return onGatewayProcess({ m100: { networks: 5, subnets: 1, instances: 10 } }, async ({ gateway, users: { m100: user }, pinned }) => {
    const query = print(ConsoleDocument);
    await new Promise((r) => setTimeout(r, 2000));
    const atRest = gateway.rss();
    await gqlAt(gateway.url, query, {}, user.token);
    const samples: { atS: number; rss: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => samples.push({ atS: (Date.now() - started) / 1000, rss: gateway.rss() }), SAMPLE_EVERY_MS);
    let warm = 0;
    const warmTimer = setTimeout(() => (warm = gateway.rss()), warmSeconds * 1000);
    const result = await autocannon({
      url: gateway.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query }),
      connections: CONNECTIONS,
      duration: seconds,
    });
    clearInterval(sampler);
    clearTimeout(warmTimer);
    const end = gateway.rss();
    if (result.non2xx || result.errors) throw new Error(`memory: ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts) under load`);
    const peak = Math.max(end, ...samples.map((s) => s.rss));
    return [
      {
        scenario: 'memory',
        'load s': seconds,
        requests: result.requests.total,
        'req/s': round(result.requests.average, 0),
        'RSS at rest MB': round(atRest / MB, 1),
        [`RSS after ${warmSeconds} s MB`]: round(warm / MB, 1),
        'RSS at end MB': round(end / MB, 1),
        'peak MB': round(peak / MB, 1),
        'growth %': round(((end - warm) / warm) * 100, 1),
        samples: samples.map((s) => round(s.rss / MB, 0)).join(' '),
        pinned,
      },
    ];
  });
}
