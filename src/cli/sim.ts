import { parseArgs } from 'node:util';
import type { DatacenterEndpoint, TenantCredentials } from '../clouds/driver';
import { CloudRegistry } from '../clouds/registry';
import { createLogger } from '../logger';
import { seedDemoEstate } from '../simulators/demo';
import { startCloudStackSimulator } from '../simulators/cloudstack';
import { startOpenStackSimulator } from '../simulators/openstack';

/*
 * npm run sim -- --openstack 5000 --cloudstack 8080 [--time-scale 1] [--latency 0]
 *                [--admin-password secret] [--no-seed] [--demo] [--sg-zone]
 *
 * Runs the simulated clouds alone, so a console developer can work without a cloud. Prints
 * their URLs and administrator credentials; Ctrl-C stops them.
 */

const USAGE =
  'usage: npm run sim -- [--openstack PORT] [--cloudstack PORT] [--time-scale N] [--latency MS] [--admin-password PW] [--no-seed] [--demo] [--sg-zone]';

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
        demo: { type: 'boolean', default: false },
        /** CloudStack: also a zone with security groups (and a shared network) beside the VPC zone. */
        'sg-zone': { type: 'boolean', default: false },
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
  const registry = new CloudRegistry({ log: createLogger('warn'), observer: null });
  /** With --demo: a tenant with a network, instances, a volume and a floating IP, made through the driver. */
  const demo = async (endpoint: DatacenterEndpoint) => {
    if (!values.demo) return;
    const estate = await seedDemoEstate(registry.driver(endpoint, 'demo'));
    lines.push(`  demo tenant ct_demo: ${describeCredentials(estate.tenant.credentials)}`);
  };
  if (both || values.openstack !== undefined) {
    const sim = await startOpenStackSimulator({ ...common, port: number('openstack', values.openstack, 5000) });
    closers.push(() => sim.close());
    lines.push(
      `OpenStack simulator: Keystone ${sim.identityUrl}`,
      `  admin: ${sim.admin.user} / ${sim.admin.password}, project ${sim.admin.project}, domain ${sim.admin.domain}, external network ${sim.externalNetworkName}`,
    );
    await demo(sim.endpoint('openstack', 'sim-os'));
  }
  if (both || values.cloudstack !== undefined) {
    const sim = await startCloudStackSimulator({
      ...common,
      port: number('cloudstack', values.cloudstack, 8080),
      securityGroupZone: values['sg-zone'],
    });
    closers.push(() => sim.close());
    lines.push(
      `CloudStack simulator: ${sim.apiUrl}`,
      `  admin: ${sim.admin.user} / ${sim.admin.password}, API key ${sim.admin.apiKey}, secret key ${sim.admin.secretKey}`,
    );
    await demo(sim.endpoint('cloudstack', 'sim-cs'));
  }
  lines.push('  GET /_sim/stats, POST /_sim/reset, GET|POST /_sim/faults on each; Ctrl-C to stop');
  process.stdout.write(lines.join('\n') + '\n');
  const stop = () => void Promise.all(closers.map((c) => c())).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function describeCredentials(c: TenantCredentials): string {
  return c.kind === 'OPENSTACK'
    ? `user ${c.userName} / ${c.password}, project ${c.projectId}`
    : `API key ${c.apiKey}, secret key ${c.secretKey}`;
}

main().catch((err: unknown) => {
  process.stderr.write(`simulators could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
