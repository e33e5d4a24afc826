import { parseArgs } from 'node:util';
import { startCloudStackSimulator } from '../simulators/cloudstack';
import { startOpenStackSimulator } from '../simulators/openstack';

/*
 * npm run sim -- --openstack 5000 --cloudstack 8080 [--time-scale 1] [--latency 0]
 *                [--admin-password secret] [--no-seed]
 *
 * Runs the simulated clouds alone, so a console developer can work without a cloud. Prints
 * their URLs and administrator credentials; Ctrl-C stops them.
 */

const USAGE =
  'usage: npm run sim -- [--openstack PORT] [--cloudstack PORT] [--time-scale N] [--latency MS] [--admin-password PW] [--no-seed]';

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        openstack: { type: 'string' },
        cloudstack: { type: 'string' },
        'time-scale': { type: 'string', default: '1' },
        latency: { type: 'string', default: '0' },
        'admin-password': { type: 'string' },
        'no-seed': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const number = (name: string, value: string | undefined, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n < 0) {
      process.stderr.write(`--${name}: expected a number, got ${value}\n${USAGE}\n`);
      process.exit(2);
    }
    return n;
  };
  const both = values.openstack === undefined && values.cloudstack === undefined;
  const common = {
    timeScale: number('time-scale', values['time-scale'], 1),
    latencyMs: number('latency', values.latency, 0),
    adminPassword: values['admin-password'],
    seed: !values['no-seed'],
  };
  const lines: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  if (both || values.openstack !== undefined) {
    const sim = await startOpenStackSimulator({ ...common, port: number('openstack', values.openstack, 5000) });
    closers.push(() => sim.close());
    lines.push(
      `OpenStack simulator: Keystone ${sim.identityUrl}`,
      `  admin: ${sim.admin.user} / ${sim.admin.password}, project ${sim.admin.project}, domain ${sim.admin.domain}, external network ${sim.externalNetworkName}`,
    );
  }
  if (both || values.cloudstack !== undefined) {
    const sim = await startCloudStackSimulator({ ...common, port: number('cloudstack', values.cloudstack, 8080) });
    closers.push(() => sim.close());
    lines.push(
      `CloudStack simulator: ${sim.apiUrl}`,
      `  admin: ${sim.admin.user} / ${sim.admin.password}, API key ${sim.admin.apiKey}, secret key ${sim.admin.secretKey}`,
    );
  }
  lines.push('  GET /_sim/stats, POST /_sim/reset, GET|POST /_sim/faults on each; Ctrl-C to stop');
  process.stdout.write(lines.join('\n') + '\n');
  const stop = () => void Promise.all(closers.map((c) => c())).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulators could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
