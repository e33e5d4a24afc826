import os from 'node:os';
import { fanout } from './fanout';
import { canPin, unpinLoadSide } from './harness';
import { jobs } from './jobs';
import { latency } from './latency';
import { memory } from './memory';
import { throughput } from './throughput';
import { upstreamCalls } from './upstream-calls';

/*
 * `npm run bench` runs every scenario (BENCHMARKS.md, in its order), prints each one's figures
 * as it ends and then one table of every target against what was measured;
 * `npm run bench -- <scenario> [<scenario>…]` runs those alone.
 */

type Row = Record<string, unknown>;
interface Verdict {
  scenario: string;
  measure: string;
  measured: string;
  target: string;
  met: 'yes' | 'no' | 'skipped';
}

const num = (v: unknown) => Number(v);
const met = (ok: boolean): Verdict['met'] => (ok ? 'yes' : 'no');

const SCENARIOS: Record<string, { run: () => Promise<Row[]>; verdicts: (rows: Row[]) => Verdict[] }> = {
  'upstream-calls': {
    run: async () => {
      const rows = await upstreamCalls();
      return rows.map((r) => ({
        scenario: 'upstream-calls',
        instances: r.instances,
        datacenter: r.datacenter,
        returned: r.returned,
        'calls/query': r.perQuery,
        minimum: r.minimum,
        'ratio to minimum': Math.round((r.perQuery / r.minimum) * 100) / 100,
        naive: r.naive,
        'naive ÷ ecsgraph': Math.round((r.naive / r.perQuery) * 10) / 10,
      }));
    },
    verdicts: (rows) =>
      rows.map((r) => ({
        scenario: '1 upstream calls',
        measure: `calls/query, ${r.datacenter} at ${r.instances}`,
        measured: `${r['calls/query']} (minimum ${r.minimum})`,
        target: '= minimum',
        met: met(num(r['ratio to minimum']) <= 1),
      })),
  },
  latency: {
    run: latency,
    verdicts: (rows) =>
      rows.flatMap((r) => [
        { scenario: '2 latency', measure: `p50 ÷ floor at ${r.instances}`, measured: String(r['p50 ÷ floor']), target: '≤ 1.2', met: met(num(r['p50 ÷ floor']) <= 1.2) },
        { scenario: '2 latency', measure: `p99 ÷ floor at ${r.instances}`, measured: String(r['p99 ÷ floor']), target: '≤ 1.5', met: met(num(r['p99 ÷ floor']) <= 1.5) },
      ]),
  },
  throughput: {
    run: () => throughput(),
    verdicts: (rows) =>
      rows
        .filter((r) => r.rung === 'L4')
        .map((r) => ({ scenario: '3 throughput', measure: 'L4 req/s ÷ L1 (CPU ratio)', measured: `${r['ratio to L1']} (${r['CPU ratio to L1']})`, target: '≥ 0.5', met: met(num(r['ratio to L1']) >= 0.5) })),
  },
  fanout: {
    run: () => fanout(),
    verdicts: (rows) => {
      if (rows[0]?.skipped) return [{ scenario: '4 fan-out', measure: 'all', measured: String(rows[0].skipped), target: '', met: 'skipped' }];
      return rows
        .filter((r) => r.clients === 5000)
        .map((r) => ({
          scenario: '4 fan-out',
          measure: `p99 ms, lost: 5,000 clients at ${r['events/s']} events/s`,
          measured: `${r['p99 ms']}, ${r.lost}`,
          target: r['events/s'] === 100 ? '< 250, 0' : '(target at 100/s)',
          met: met(num(r['p99 ms']) < 250 && num(r.lost) === 0),
        }));
    },
  },
  jobs: {
    // At the simulators' 3 s builds, and at 30 s (nearer a real cloud's): what the queue adds is the same time either way.
    run: async () => {
      const short = await jobs();
      return short[0]?.skipped ? short : [...short, ...(await jobs({ timeScale: 10 }))];
    },
    verdicts: (rows) =>
      rows.map((r) =>
        r.skipped
          ? { scenario: '5 jobs', measure: 'all', measured: String(r.skipped), target: '', met: 'skipped' as const }
          : {
              scenario: '5 jobs',
              measure: `completion ÷ build (${r['build, s']} s), lost, duplicated`,
              measured: `${r['ratio to build']}, ${r.lost}, ${r.duplicated}`,
              target: '≤ 1.1, 0, 0',
              met: met(num(r['ratio to build']) <= 1.1 && num(r.lost) === 0 && num(r.duplicated) === 0),
            },
      ),
  },
  memory: {
    run: memory,
    verdicts: (rows) => rows.map((r) => ({ scenario: '6 memory', measure: `RSS growth over ${r['load s']} s of load`, measured: `${r['growth %']} %`, target: '< 5 %', met: met(num(r['growth %']) < 5) })),
  },
};

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SCENARIOS[w]);
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
  console.log(`${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · Node.js ${process.version} · pinning ${canPin() ? 'on' : 'off'}`);
  const verdicts: Verdict[] = [];
  for (const name of wanted.length ? wanted : Object.keys(SCENARIOS)) {
    const started = Date.now();
    const rows = await SCENARIOS[name].run().finally(unpinLoadSide);
    console.log(`\n${name} (${Math.round((Date.now() - started) / 1000)} s)`);
    console.table(rows);
    verdicts.push(...SCENARIOS[name].verdicts(rows));
  }
  console.log('\ntargets');
  console.table(verdicts);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
