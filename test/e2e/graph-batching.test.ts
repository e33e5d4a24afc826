import { eq } from 'drizzle-orm';
import { ConsoleDocument } from '../../operations/generated/graphql';
import type { TenantCredentials } from '../../src/clouds/driver';
import { CloudRegistry } from '../../src/clouds/registry';
import { createLogger } from '../../src/logger';
import { startCloudStackSimulator, type CloudStackSimulator } from '../../src/simulators/cloudstack';
import { buildEstate, unlimitCloudStackAccount, type EstateShape } from '../../src/simulators/estate';
import { startOpenStackSimulator, type OpenStackSimulator } from '../../src/simulators/openstack';
import { tenancies } from '../../src/store/schema';
import { startGateway, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';

/*
 * Batching is the design: the upstream calls of a nested query depend on the datacenters and
 * kinds it touches, never on how many resources it returns. Two tenants hold the same shape of
 * estate in two datacenters, one large (10 networks × 3 subnets × 5 instances, each instance
 * with a data volume and a floating IP) and one small (1 network × 1 subnet × 1 instance); the
 * console query costs them exactly the same calls.
 */

const log = createLogger('silent');
/** The console's own estate query (operations/console.graphql). */
const CONSOLE = ConsoleDocument;


let os: OpenStackSimulator;
let cs: CloudStackSimulator;
let store: TestStore;
let gw: TestGateway;
let admin: string;
const tokens: Record<'big' | 'small', string> = { big: '', small: '' };



async function registerDatacenters(): Promise<Record<'OPENSTACK' | 'CLOUDSTACK', string>> {
  const ids = {} as Record<'OPENSTACK' | 'CLOUDSTACK', string>;
  for (const [kind, input] of [
    ['OPENSTACK', { name: 'OS', shortName: 'os', kind: 'OPENSTACK', serviceUrl: os.identityUrl, adminUser: os.admin.user, password: os.admin.password, externalNetwork: os.externalNetworkName }],
    ['CLOUDSTACK', { name: 'CS', shortName: 'cs', kind: 'CLOUDSTACK', serviceUrl: cs.apiUrl, adminUser: cs.admin.user, password: cs.admin.password, apiKey: cs.admin.apiKey, secretKey: cs.admin.secretKey }],
  ] as const) {
    const res = await gw.gql('mutation($input: CreateDatacenterInput!) { createDatacenter(input: $input) { id } }', { input }, { token: admin });
    if (res.errors) throw new Error(res.text);
    ids[kind] = (res.data as { createDatacenter: { id: string } }).createDatacenter.id;
  }
  return ids;
}

/** A user registered in both datacenters, its estate built in each through its own credentials. */
async function tenantWith(name: 'big' | 'small', shape: EstateShape, dcs: Record<'OPENSTACK' | 'CLOUDSTACK', string>): Promise<void> {
  const created = await gw.gql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username: name, password: `${name}-password`, ctAccountId: `acct-${name}` } }, { token: admin });
  const userId = (created.data as { createUser: { id: string } }).createUser.id;
  const registry = new CloudRegistry({ log, observer: null });
  for (const kind of ['OPENSTACK', 'CLOUDSTACK'] as const) {
    const res = await gw.gql<any, any>('mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id status } } }', { u: userId, d: dcs[kind] }, { token: admin });
    if (res.errors || res.data.registerTenancy.tenancy.status !== 'ACTIVE') throw new Error(res.text);
    const [row] = await store.db.select().from(tenancies).where(eq(tenancies.id, localOf(res.data.registerTenancy.tenancy.id)));
    const credentials = gw.app.deps.secrets.openJson<TenantCredentials>(row.credentials!, `tenancy:${row.id}:credentials`);
    if (kind === 'CLOUDSTACK') await unlimitCloudStackAccount(cs, `ct_acct-${name}`, log);
    const driver = registry.driver(kind === 'OPENSTACK' ? os.endpoint(`os-${name}`, 'os') : cs.endpoint(`cs-${name}`, 'cs'), 'v1');
    await buildEstate(driver, driver.tenant(credentials), shape);
  }
  tokens[name] = await gw.login(name, `${name}-password`);
}

const localOf = (globalId: string) => (JSON.parse(Buffer.from(globalId, 'base64url').toString()) as string[])[1];


const stats = async () =>
  Promise.all([os, cs].map(async (sim) => (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { total: number; operations: Record<string, number> }));
const resetStats = () => Promise.all([os, cs].map((sim) => fetch(`${sim.url}/_sim/reset`, { method: 'POST' })));

beforeAll(async () => {
  os = await startOpenStackSimulator({ timeScale: 0, quotas: { instances: 1000, cores: 4000, ramMb: 10_000_000, floatingIps: 1000, volumes: 1000, gigabytes: 100_000, ports: 5000, networks: 100, subnets: 500, routers: 100 } });
  cs = await startCloudStackSimulator({ timeScale: 0 });
  store = await openTestStore();
  gw = await startGateway(store, { UPSTREAM_TIMEOUT_MS: '3000', UPSTREAM_MAX_ATTEMPTS: '1', UPSTREAM_BREAKER_THRESHOLD: '1000' });
  admin = await gw.adminToken();
  const dcs = await registerDatacenters();
  await tenantWith('big', { networks: 10, subnets: 3, instances: 5 }, dcs);
  await tenantWith('small', { networks: 1, subnets: 1, instances: 1 }, dcs);
}, 300_000);

afterAll(async () => {
  await gw?.stop();
  await store?.close();
  await Promise.all([os?.close(), cs?.close()]);
});

describe('the console query', () => {
  it('returns the whole estate of both datacenters in one request', async () => {
    const res = await gw.gql(CONSOLE, {}, { token: tokens.big });
    expect(res.errors).toBeUndefined();
    const data = res.data as any;
    expect(data.viewer.tenancies).toHaveLength(2);
    for (const t of data.viewer.tenancies) {
      expect(t.networks.totalCount).toBe(10);
      const subnets = t.networks.nodes.flatMap((n: any) => n.subnets.nodes);
      expect(subnets).toHaveLength(30);
      const instances = subnets.flatMap((s: any) => s.instances.nodes);
      expect(instances).toHaveLength(150);
      for (const i of instances) {
        expect(i.volumes.filter((v: any) => !v.bootable)).toHaveLength(1);
        expect(i.floatingIps).toEqual([{ address: expect.any(String), bandwidthMbps: 2 }]);
        expect(i.keyPair).toEqual({ name: 'console-key' });
        expect(i.flavor?.name).toEqual(expect.any(String));
        expect(i.addresses.some((a: any) => !a.floating && a.subnet)).toBe(true);
      }
    }
  });

  it('costs the same upstream calls for 150 instances per datacenter as for one', async () => {
    // Warm up: tokens and the drivers' short-lived catalogue caches are not what is measured.
    for (const token of [tokens.big, tokens.small]) await gw.gql(CONSOLE, {}, { token });

    await resetStats();
    const small = await gw.gql(CONSOLE, {}, { token: tokens.small });
    expect(small.errors).toBeUndefined();
    const [osSmall, csSmall] = await stats();

    await resetStats();
    const big = await gw.gql(CONSOLE, {}, { token: tokens.big });
    expect(big.errors).toBeUndefined();
    const [osBig, csBig] = await stats();

    expect(osBig.operations).toEqual(osSmall.operations);
    expect(csBig.operations).toEqual(csSmall.operations);
    expect({ openstack: osBig.total, cloudstack: csBig.total }).toEqual(EXPECTED_TOTALS);
    expect(osBig.operations).toEqual(EXPECTED_OPENSTACK);
    expect(csBig.operations).toEqual(EXPECTED_CLOUDSTACK);
  });
});

describe('a datacenter that fails', () => {
  afterEach(() => {
    os.setFaults({ outage: false, hangMs: 0 });
    cs.setFaults({ outage: false, hangMs: 0 });
  });

  it.each([
    ['down', { outage: true }],
    ['slower than the timeout', { hangMs: 8000 }],
  ])('costs only its own subtree when it is %s', async (_label, faults) => {
    cs.setFaults(faults);
    const res = await gw.gql(CONSOLE, {}, { token: tokens.small });
    const data = res.data as any;
    const [first, second] = data.viewer.tenancies;
    const osTenancy = first.datacenter.kind === 'OPENSTACK' ? first : second;
    const csTenancy = first.datacenter.kind === 'OPENSTACK' ? second : first;
    const csIndex = data.viewer.tenancies.indexOf(csTenancy);

    expect(osTenancy.networks.totalCount).toBe(1);
    expect(osTenancy.networks.nodes[0].subnets.nodes[0].instances.totalCount).toBe(1);
    expect(csTenancy.networks).toBeNull();
    expect(csTenancy.quota).toBeNull();
    const errors = res.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', datacenter: 'cs' });
      expect(error.path?.slice(0, 3)).toEqual(['viewer', 'tenancies', csIndex]);
    }
    expect(errors.map((e) => e.path?.[3]).sort()).toEqual(expect.arrayContaining(['networks']));
  });
});

/*
 * Per operation, for any size of estate, as the drivers document their calls (tokens and the
 * drivers' own catalogue caches are warm): one call per kind the query touches. Each level of
 * the query is one batched list per tenancy, and the request's reads of one collection for
 * different fields (a network's subnets and its IP availability, an instance's ports) share
 * one read of it (`TenantDriver.snapshot()`).
 */
const EXPECTED_OPENSTACK: Record<string, number> = {
  // quota: Nova, Cinder and Neutron limits
  'nova.limits.show': 1,
  'cinder.limits.show': 1,
  'neutron.quotas.details': 1,
  // keyPairs (instances' keyPair fields reuse the list)
  'nova.keypairs.list': 1,
  // networks, their subnets and ports: for the networks page, ipAvailability, the subnets of every network and the instances' ports
  'neutron.networks.list': 1,
  'neutron.subnets.list': 1,
  'neutron.ports.list': 1,
  // instances of every network
  'nova.servers.detail': 1,
  // flavor, image, zone of every instance: the datacenter's catalogue, once
  'nova.flavors.detail': 1,
  'glance.images.list': 1,
  'nova.availability_zones.list': 1,
  // volumes of every instance, backups of every volume, floating IPs and security groups of every instance
  'cinder.volumes.detail': 1,
  'cinder.backups.detail': 1,
  'neutron.floatingips.list': 1,
  'neutron.security_groups.list': 1,
};
const EXPECTED_CLOUDSTACK: Record<string, number> = {
  // quota
  listAccounts: 1,
  listSSHKeyPairs: 1,
  // networks are VPCs (tiers ride inside)
  listVPCs: 1,
  // the tiers: for ipAvailability, the subnets of every network and the tiers' ACL lists of every instance
  listNetworks: 1,
  // for ipAvailability and the instances of every network
  listVirtualMachines: 1,
  // the instances' disks and the volumes of every instance
  listVolumes: 1,
  listPublicIpAddresses: 1,
  // the instances' security groups: the ACL lists of their tiers, with their rules
  listNetworkACLLists: 1,
  listNetworkACLs: 1,
  listSnapshots: 1,
  listServiceOfferings: 1,
  listTemplates: 1,
  listZones: 1,
};
const EXPECTED_TOTALS = {
  openstack: Object.values(EXPECTED_OPENSTACK).reduce((a, b) => a + b, 0),
  cloudstack: Object.values(EXPECTED_CLOUDSTACK).reduce((a, b) => a + b, 0),
};
