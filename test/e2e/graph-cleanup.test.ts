import type { TenantDriver } from '../../src/clouds/driver';
import { encodeResourceId, type ResourceKind } from '../../src/graph/node/global-id';
import { CLOUDS, localOf, settle, unique, useCloudGateway, type Cloud, type Tenant } from '../support/cloud';

const f = useCloudGateway();

const CLEANUP = 'mutation($u: ID!) { cleanupUserResources(userId: $u) { removed job { id kind status progress events { message } } } }';
const UNREGISTER = 'mutation($id: ID!) { unregisterTenancy(id: $id) { job { kind status } tenancy { id } } }';
const TENANCY = `query($t: ID!) { node(id: $t) { ... on Tenancy { status
  networks { totalCount } instances { totalCount } volumes { totalCount } backups { totalCount }
  floatingIps { totalCount } keyPairs { totalCount } securityGroups { nodes { isDefault } } } } }`;
const JOBS = 'query($u: ID!) { jobs(userId: $u, first: 100) { nodes { kind status error { code upstream } } } }';

const DEPROVISION: Record<Cloud, string> = { OPENSTACK: 'keystone.projects.delete', CLOUDSTACK: 'deleteAccount' };
const TERMINATE: Record<Cloud, string> = { OPENSTACK: 'nova.servers.delete', CLOUDSTACK: 'destroyVirtualMachine' };

/** A user of its own, registered in the given clouds and signed in. */
async function newTenant(prefix: string, clouds: Cloud[]): Promise<Tenant> {
  const username = unique(prefix);
  const password = `${username}-password-1`;
  const { createUser } = await f.ok('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
    input: { username, password, email: `${username}@example.com`, ctUserId: `ct_${username}`, ctAccountId: `acct_${username}` },
  });
  const tenancy = {} as Record<Cloud, string>;
  for (const cloud of clouds) {
    const res = await f.ok('mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id status } } }', { u: createUser.id, d: f.datacenter[cloud] });
    expect(res.registerTenancy.tenancy.status).toBe('ACTIVE');
    tenancy[cloud] = res.registerTenancy.tenancy.id;
  }
  return { userId: createUser.id, username, token: await f.gw.login(username, password), tenancy };
}

/** Global ids of what `furnish` made, by kind. */
type Estate = Partial<Record<ResourceKind, string[]>>;

/**
 * One of everything, linked the way a user's resources are: an instance on the default network
 * with a floating IP and an attached volume that has a backup, plus a spare volume, a security
 * group and a key pair.
 */
async function furnish(tenant: Tenant, cloud: Cloud): Promise<Estate> {
  await f.ok('mutation($u: ID!, $d: ID) { initializeUser(userId: $u, datacenterId: $d) { job { status } } }', { u: tenant.userId, d: f.datacenter[cloud] });
  const t = await f.driver(tenant, cloud);
  const name = unique('res');
  const network = (await t.listNetworks()).find((n) => n.name === `${tenant.username}-vpc`)!;
  const [subnet] = await t.listSubnets({ parentIds: [network.id] });
  const image = (await t.listImages()).find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name))!;
  const flavor = (await t.listFlavors()).filter((x) => x.diskGb === 0 || x.diskGb >= image.minDiskGb).sort((a, b) => a.cpu - b.cpu || a.memoryMb - b.memoryMb)[0];
  const instance = await settle(t, await t.createInstance({ name, imageId: image.id, flavorId: flavor.id, networkIds: cloud === 'OPENSTACK' ? [network.id] : [subnet.id] }));
  const volume = await settle(t, await t.createVolume({ name, sizeGb: 1 }));
  await settle(t, await t.attachVolume(volume, instance));
  const spare = await settle(t, await t.createVolume({ name: `${name}-spare`, sizeGb: 1 }));
  const backup = await settle(t, await t.createBackup({ volumeId: volume, name }));
  const ip = await settle(t, await t.allocateFloatingIp({ bandwidthMbps: 5, networkId: network.id }));
  await settle(t, await t.associateFloatingIp(ip, instance));
  const group = await t.createSecurityGroup({ name });
  const { keyPair } = await t.createKeyPair({ name });
  const id = (kind: ResourceKind, cloudId: string) =>
    encodeResourceId(kind, { datacenterId: localOf(f.datacenter[cloud]), tenancyId: localOf(tenant.tenancy[cloud]), cloudId });
  return {
    Network: [id('Network', network.id)],
    Subnet: [id('Subnet', subnet.id)],
    Instance: [id('Instance', instance)],
    Volume: [id('Volume', volume), id('Volume', spare)],
    VolumeBackup: [id('VolumeBackup', backup)],
    FloatingIp: [id('FloatingIp', ip)],
    SecurityGroup: [id('SecurityGroup', group.id)],
    KeyPair: [id('KeyPair', keyPair.name)],
  };
}

/** Everything the tenant's own credentials see in its cloud, by kind (the default security group aside). */
async function holdings(t: TenantDriver) {
  const [networks, subnets, instances, volumes, backups, floatingIps, groups, keyPairs] = await Promise.all([
    t.listNetworks(),
    t.listSubnets(),
    t.listInstances(),
    t.listVolumes(),
    t.listBackups(),
    t.listFloatingIps(),
    t.listSecurityGroups(),
    t.listKeyPairs(),
  ]);
  return {
    networks: networks.map((n) => n.id),
    subnets: subnets.map((s) => s.id),
    instances: instances.map((i) => i.id),
    volumes: volumes.map((v) => v.id),
    backups: backups.map((b) => b.id),
    floatingIps: floatingIps.map((i) => i.id),
    securityGroups: groups.filter((g) => !g.isDefault).map((g) => g.id),
    keyPairs: keyPairs.map((k) => k.name),
  };
}

type Holdings = Awaited<ReturnType<typeof holdings>>;

/** The global ids the graph gives what a tenant holds. */
function globalIds(tenant: Tenant, cloud: Cloud, h: Holdings): string[] {
  const id = (kind: ResourceKind) => (cloudId: string) =>
    encodeResourceId(kind, { datacenterId: localOf(f.datacenter[cloud]), tenancyId: localOf(tenant.tenancy[cloud]), cloudId });
  return [
    ...h.networks.map(id('Network')),
    ...h.subnets.map(id('Subnet')),
    ...h.instances.map(id('Instance')),
    ...h.volumes.map(id('Volume')),
    ...h.backups.map(id('VolumeBackup')),
    ...h.floatingIps.map(id('FloatingIp')),
    ...h.securityGroups.map(id('SecurityGroup')),
    ...h.keyPairs.map(id('KeyPair')),
  ];
}

const NOTHING = { networks: [], subnets: [], instances: [], volumes: [], backups: [], floatingIps: [], securityGroups: [], keyPairs: [] };

describe('cleanup of one user', () => {
  let carol: Tenant;
  const estate: Partial<Record<Cloud, Estate>> = {};
  const carolBefore: Partial<Record<Cloud, Holdings>> = {};
  const bobBefore: Partial<Record<Cloud, Holdings>> = {};

  beforeAll(async () => {
    carol = await newTenant('carol', CLOUDS);
    for (const cloud of CLOUDS) {
      estate[cloud] = await furnish(carol, cloud);
      carolBefore[cloud] = await holdings(await f.driver(carol, cloud));
      // Another user with resources of the same kinds, which must outlive carol's cleanup.
      const bob = await f.driver(f.bob, cloud);
      await bob.createKeyPair({ name: unique('bob-key') });
      await settle(bob, await bob.createVolume({ name: unique('bob-vol'), sizeGb: 1 }));
      bobBefore[cloud] = await holdings(bob);
    }
  }, 120_000);

  it('unregisterTenancy refuses while the tenant holds resources', async () => {
    await f.resetStats();
    for (const cloud of CLOUDS) {
      const res = await f.gw.gql(UNREGISTER, { id: carol.tenancy[cloud] }, { token: f.admin });
      expect(res.errors?.[0].extensions?.code).toBe('CONFLICT');
      // CloudStack lists the instance's root disk as a volume too.
      const volumes = carolBefore[cloud]!.volumes.length;
      expect(res.errors?.[0].message).toContain(`1 instance, ${volumes} volumes, 1 network, 1 floating IP`);
      expect(await f.stats(cloud).then((s) => s.operations[DEPROVISION[cloud]] ?? 0)).toBe(0);
      const still = await f.ok(TENANCY, { t: carol.tenancy[cloud] });
      expect(still.node).toMatchObject({ status: 'ACTIVE', instances: { totalCount: 1 }, volumes: { totalCount: volumes } });
    }
  });

  it('a user cannot clean up anyone, and a wrong id removes nothing', async () => {
    await f.resetStats();
    const asBob = await f.gw.gql(CLEANUP, { u: carol.userId }, { token: f.bob.token });
    expect(asBob.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const asCarol = await f.gw.gql(CLEANUP, { u: carol.userId }, { token: carol.token });
    expect(asCarol.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const wrong of [carol.tenancy.OPENSTACK, estate.OPENSTACK!.Instance![0], 'not-an-id']) {
      const res = await f.gw.gql(CLEANUP, { u: wrong }, { token: f.admin });
      expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    for (const cloud of CLOUDS) {
      expect((await f.stats(cloud)).total).toBe(0);
      expect((await f.ok(TENANCY, { t: carol.tenancy[cloud] })).node).toMatchObject({ instances: { totalCount: 1 }, keyPairs: { totalCount: 1 } });
    }
  });

  it('removes everything the user has in every datacenter, in dependency order, and nothing of anyone else', async () => {
    const { cleanupUserResources: res } = await f.ok(CLEANUP, { u: carol.userId });
    expect(res.job).toMatchObject({ kind: 'cleanupUserResources', status: 'SUCCEEDED', progress: 100 });
    const expected = CLOUDS.flatMap((cloud) => globalIds(carol, cloud, carolBefore[cloud]!));
    expect([...res.removed].sort()).toEqual([...expected].sort());
    expect(res.removed).toEqual(expect.arrayContaining(CLOUDS.flatMap((cloud) => Object.values(estate[cloud]!).flat())));

    const messages: string[] = res.job.events.map((e: { message: string }) => e.message);
    for (const dc of ['sim-os', 'sim-cs']) {
      const at = (pattern: RegExp) => messages.findIndex((m) => m.startsWith(`${dc}: `) && pattern.test(m));
      // CloudStack's ACL lists go with their VPC, so the security group step may have nothing left to delete.
      const order = [/released floating IP/, /terminated instance/, /deleted volume/, /deleted backup/, /deleted subnet/, /deleted network/, /removing security groups/, /deleted key pair/].map(at);
      expect(order.every((i) => i >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }

    for (const cloud of CLOUDS) {
      expect(await holdings(await f.driver(carol, cloud))).toEqual(NOTHING);
      const listed = (await f.ok(TENANCY, { t: carol.tenancy[cloud] })).node;
      expect(listed).toMatchObject({ status: 'ACTIVE', networks: { totalCount: 0 }, instances: { totalCount: 0 }, volumes: { totalCount: 0 }, backups: { totalCount: 0 }, floatingIps: { totalCount: 0 }, keyPairs: { totalCount: 0 } });
      expect(listed.securityGroups.nodes.every((g: { isDefault: boolean }) => g.isDefault)).toBe(true);
      expect(await holdings(await f.driver(f.bob, cloud))).toEqual(bobBefore[cloud]);
    }
    const jobs = (await f.ok(JOBS, { u: carol.userId })).jobs.nodes;
    expect(jobs.filter((j: { kind: string }) => j.kind === 'cleanupTenancy')).toEqual([
      { kind: 'cleanupTenancy', status: 'SUCCEEDED', error: null },
      { kind: 'cleanupTenancy', status: 'SUCCEEDED', error: null },
    ]);

    // Nothing left: a second run removes nothing.
    const { cleanupUserResources: again } = await f.ok(CLEANUP, { u: carol.userId });
    expect(again).toMatchObject({ removed: [], job: { status: 'SUCCEEDED' } });
  });

  it('unregisterTenancy works once the user is cleaned up', async () => {
    for (const cloud of CLOUDS) {
      const t = await f.driver(carol, cloud);
      await f.resetStats();
      const { unregisterTenancy } = await f.ok(UNREGISTER, { id: carol.tenancy[cloud] });
      expect(unregisterTenancy).toEqual({ job: { kind: 'unregisterTenancy', status: 'SUCCEEDED' }, tenancy: { id: carol.tenancy[cloud] } });
      expect((await f.stats(cloud)).operations[DEPROVISION[cloud]]).toBe(1);
      // The tenant itself is gone from the cloud: its own credentials open nothing any more.
      await expect(t.listKeyPairs()).rejects.toMatchObject({ name: 'CloudError' });
    }
    const user = await f.ok('query($id: ID!) { node(id: $id) { ... on User { tenancies { id } } } }', { id: carol.userId });
    expect(user.node.tenancies).toEqual([]);
  });
});

describe.each(CLOUDS)('a cleanup step that fails on %s', (cloud) => {
  it('ends the job FAILED with the cloud’s error, keeps what was not reached, and a rerun finishes', async () => {
    const dave = await newTenant('dave', [cloud]);
    await furnish(dave, cloud);
    const before = await holdings(await f.driver(dave, cloud));
    await f.faults(cloud, { failingOperations: [TERMINATE[cloud]], errorStatus: 500 });
    try {
      const res = await f.gw.gql(CLEANUP, { u: dave.userId }, { token: f.admin });
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', datacenter: cloud === 'OPENSTACK' ? 'sim-os' : 'sim-cs', upstream: { status: 500 } });
    } finally {
      await f.faults(cloud, {});
    }
    const jobs = (await f.ok(JOBS, { u: dave.userId })).jobs.nodes;
    for (const kind of ['cleanupUserResources', 'cleanupTenancy']) {
      expect(jobs.find((j: { kind: string }) => j.kind === kind)).toMatchObject({ status: 'FAILED', error: { code: 'UPSTREAM_ERROR', upstream: { status: 500 } } });
    }
    // The floating IP went before the failing step; the instance and everything after it are still there.
    const left = await holdings(await f.driver(dave, cloud));
    expect(before.floatingIps).toHaveLength(1);
    expect(left).toEqual({ ...before, floatingIps: [] });

    const { cleanupUserResources: rerun } = await f.ok(CLEANUP, { u: dave.userId });
    expect(rerun.job.status).toBe('SUCCEEDED');
    expect([...rerun.removed].sort()).toEqual(globalIds(dave, cloud, left).sort());
    expect(await holdings(await f.driver(dave, cloud))).toEqual(NOTHING);
  });
});
