import 'reflect-metadata';
import { eq } from 'drizzle-orm';
import { print } from 'graphql';
import { ConsoleDocument } from '../operations/generated/graphql';
import { buildApp } from '../src/app';
import type { TenantCredentials } from '../src/clouds/driver';
import { CloudRegistry } from '../src/clouds/registry';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startCloudStackSimulator } from '../src/simulators/cloudstack';
import { buildEstate, LARGE_QUOTAS, unlimitCloudStackAccount, type EstateShape } from '../src/simulators/estate';
import { startOpenStackSimulator } from '../src/simulators/openstack';
import { tenancies } from '../src/store/schema';
import { ADMIN_LOGIN, ADMIN_PASSWORD, testEnv } from '../test/support/app';

/*
 * Scenario 1: upstream calls of the console query (operations/console.graphql) on two
 * datacenters, one of each kind, at 10, 100 and 1,000 instances (half in each). Calls per
 * query = the simulators' counter delta ÷ requests, against the minimum (one call per
 * datacenter and kind of call the query touches) and against a naive resolver that calls once
 * per parent for every field that reads the cloud.
 */

/**
 * Per datacenter, half of each size; shapes within the console's pages (50 networks × 10
 * subnets × 20 instances), so that every instance is in the answer. OpenStack places an
 * instance on a network, not a subnet, hence one subnet per network.
 */
const SIZES: { instances: number; shape: EstateShape }[] = [
  { instances: 10, shape: { networks: 1, subnets: 1, instances: 5 } },
  { instances: 100, shape: { networks: 5, subnets: 1, instances: 10 } },
  { instances: 1000, shape: { networks: 25, subnets: 1, instances: 20, floatingIpEvery: 5 } },
];
const REQUESTS = 5;
const log = createLogger('silent');

type Kind = 'OPENSTACK' | 'CLOUDSTACK';
interface Stats {
  total: number;
  operations: Record<string, number>;
}

export interface UpstreamRow {
  instances: number;
  /** Instances of this datacenter in the answer. */
  returned: number;
  datacenter: Kind;
  perQuery: number;
  minimum: number;
  naive: number;
  /** Calls per query, by operation. */
  operations: Record<string, number>;
}

export async function upstreamCalls(): Promise<UpstreamRow[]> {
  const os = await startOpenStackSimulator({ timeScale: 0, quotas: LARGE_QUOTAS });
  const cs = await startCloudStackSimulator({ timeScale: 0 });
  // The test gateway's environment (quiet, any port, cheap hashes), without rate limits: the benchmark is one user asking fast.
  const config = loadConfig(testEnv({ REDIS_URL: undefined, RATE_LIMIT_PER_USER: '0', RATE_LIMIT_ANONYMOUS: '0' }), { inMemory: true });
  const app = buildApp(config, { logger: log });
  await app.start();
  const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'wait=120', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const stats = async (): Promise<Record<Kind, Stats>> => {
    const [o, c] = await Promise.all([os.url, cs.url].map(async (url) => (await (await fetch(`${url}/_sim/stats`)).json()) as Stats));
    return { OPENSTACK: o, CLOUDSTACK: c };
  };
  const reset = () => Promise.all([os.url, cs.url].map((url) => fetch(`${url}/_sim/reset`, { method: 'POST' })));

  try {
    const admin = (await gql('mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', { l: ADMIN_LOGIN, p: ADMIN_PASSWORD })).login.token;
    const dcs = {} as Record<Kind, string>;
    for (const [kind, input] of [
      ['OPENSTACK', { name: 'OS', shortName: 'os', kind: 'OPENSTACK', serviceUrl: os.identityUrl, adminUser: os.admin.user, password: os.admin.password, externalNetwork: os.externalNetworkName }],
      ['CLOUDSTACK', { name: 'CS', shortName: 'cs', kind: 'CLOUDSTACK', serviceUrl: cs.apiUrl, adminUser: cs.admin.user, password: cs.admin.password, apiKey: cs.admin.apiKey, secretKey: cs.admin.secretKey }],
    ] as const) {
      dcs[kind] = (await gql('mutation($input: CreateDatacenterInput!) { createDatacenter(input: $input) { id } }', { input }, admin)).createDatacenter.id;
    }
    const registry = new CloudRegistry({ log, observer: null });
    const rows: UpstreamRow[] = [];
    for (const size of SIZES) {
      const name = `u${size.instances}`;
      const { createUser } = await gql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username: name, password: `${name}-password`, ctAccountId: `acct-${name}` } }, admin);
      for (const kind of ['OPENSTACK', 'CLOUDSTACK'] as const) {
        const { registerTenancy } = await gql('mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id } } }', { u: createUser.id, d: dcs[kind] }, admin);
        const tenancyId = (JSON.parse(Buffer.from(registerTenancy.tenancy.id, 'base64url').toString()) as string[])[1];
        const [row] = await app.deps.db.select().from(tenancies).where(eq(tenancies.id, tenancyId));
        const credentials = app.deps.secrets.openJson<TenantCredentials>(row.credentials!, `tenancy:${row.id}:credentials`);
        if (kind === 'CLOUDSTACK') await unlimitCloudStackAccount(cs, `ct_acct-${name}`, log);
        const driver = registry.driver(kind === 'OPENSTACK' ? os.endpoint(`os-${name}`, 'os') : cs.endpoint(`cs-${name}`, 'cs'), 'v1');
        await buildEstate(driver, driver.tenant(credentials), size.shape);
      }
      const token = (await gql('mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', { l: name, p: `${name}-password` })).login.token;
      const query = print(ConsoleDocument);
      // Warm: tokens and the drivers' catalogue caches are not what is measured.
      await gql(query, {}, token);
      await reset();
      let answer: any;
      for (let i = 0; i < REQUESTS; i++) answer = await gql(query, {}, token);
      const counted = await stats();
      for (const tenancy of answer.viewer.tenancies) {
        const kind = tenancy.datacenter.kind as Kind;
        const networks = tenancy.networks.nodes;
        const subnets = networks.flatMap((n: any) => n.subnets.nodes);
        const instances = subnets.flatMap((s: any) => s.instances.nodes);
        const volumes = instances.flatMap((i: any) => i.volumes);
        // Per tenancy: quota (OpenStack asks Nova, Cinder and Neutron; CloudStack one account), key pairs, networks.
        const tenancyCalls = (kind === 'OPENSTACK' ? 3 : 1) + 2;
        // Per network: subnets, ipAvailability, zone; per subnet: ipAvailability, instances; per instance:
        // flavor, image, zone, addresses, volumes, floating IPs, security groups, key pair; per volume: backups.
        const naive = tenancyCalls + networks.length * 3 + subnets.length * 2 + instances.length * 8 + volumes.length;
        rows.push({
          instances: size.instances,
          returned: instances.length,
          datacenter: kind,
          perQuery: counted[kind].total / REQUESTS,
          minimum: Object.keys(counted[kind].operations).length,
          naive,
          operations: Object.fromEntries(Object.entries(counted[kind].operations).map(([op, n]) => [op, n / REQUESTS])),
        });
      }
    }
    return rows;
  } finally {
    await app.stop();
    await Promise.all([os.close(), cs.close()]);
  }
}
