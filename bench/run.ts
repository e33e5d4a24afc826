import { upstreamCalls } from './upstream-calls';

/*
 * `npm run bench` runs every scenario and prints one table; `npm run bench -- <scenario>` runs one.
 * Scenarios so far: upstream-calls (BENCHMARKS.md, scenario 1).
 */
const SCENARIOS: Record<string, () => Promise<Record<string, unknown>[]>> = {
  'upstream-calls': async () => {
    const rows = await upstreamCalls();
    // The calls of the largest estate, by operation, where they differ from the smallest's.
    const [first, last] = [rows.filter((r) => r.instances === rows[0].instances), rows.filter((r) => r.instances === rows.at(-1)!.instances)];
    for (const big of last) {
      const small = first.find((r) => r.datacenter === big.datacenter)!;
      const grown = Object.entries(big.operations).filter(([op, n]) => n !== (small.operations[op] ?? 0));
      if (grown.length) console.log(`${big.datacenter} at ${big.instances} instances, calls that grew: ${grown.map(([op, n]) => `${op} ${small.operations[op] ?? 0} → ${n}`).join(', ')}`);
    }
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
};

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SCENARIOS[w]);
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
  const rows: Record<string, unknown>[] = [];
  for (const name of wanted.length ? wanted : Object.keys(SCENARIOS)) rows.push(...(await SCENARIOS[name]()));
  console.table(rows);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
