import { encodeId, encodeResourceId, type ResourceKind } from '../../src/graph/node/global-id';
import { graphSchema } from '../../src/graph/schema';
import { CLOUDS, localOf, settle, unique, useCloudGateway, type Cloud } from '../support/cloud';

/*
 * Every kind of node is reachable by its owner (and admins) only. Another tenant's id answers
 * NOT_FOUND — not FORBIDDEN — and so does any id made up from parts of real ones: a tenancy
 * of one's own with another tenant's cloud id (the tenant's own credentials do not see it),
 * or a datacenter that is not the tenancy's.
 */

const f = useCloudGateway();

const KINDS = ['Network', 'Subnet', 'Instance', 'Volume', 'VolumeBackup', 'FloatingIp', 'SecurityGroup', 'KeyPair'] as const;
const ids: Record<Cloud, Record<string, string>> = { OPENSTACK: {}, CLOUDSTACK: {} };

const NODE = 'query($id: ID!) { node(id: $id) { id ... on CloudResource { cloudId } } }';

beforeAll(async () => {
  for (const cloud of CLOUDS) {
    const t = await f.driver(f.alice, cloud);
    const name = unique('own');
    await settle(t, await t.createNetwork({ name, cidr: '10.77.0.0/16', subnet: { name: `${name}-s`, cidr: '10.77.1.0/24', gatewayIp: '10.77.1.1' } }));
    const network = (await t.listNetworks()).find((n) => n.name === name)!;
    const [subnet] = await t.listSubnets({ parentIds: [network.id] });
    const image = (await t.listImages()).find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name))!;
    const flavor = (await t.listFlavors()).filter((x) => x.diskGb === 0 || x.diskGb >= image.minDiskGb).sort((a, b) => a.cpu - b.cpu || a.memoryMb - b.memoryMb)[0];
    const instance = await settle(t, await t.createInstance({ name, imageId: image.id, flavorId: flavor.id, networkIds: cloud === 'OPENSTACK' ? [network.id] : [subnet.id] }));
    const volume = await settle(t, await t.createVolume({ name, sizeGb: 1 }));
    // A CloudStack data disk is only Allocated until it is attached: no snapshot before.
    await settle(t, await t.attachVolume(volume, instance));
    const backup = await settle(t, await t.createBackup({ volumeId: volume, name }));
    const ip = await settle(t, await t.allocateFloatingIp({ bandwidthMbps: 5, networkId: network.id }));
    const group = (await t.listSecurityGroups())[0];
    const { keyPair } = await t.createKeyPair({ name });
    const ref = (cloudId: string) => ({ datacenterId: localOf(f.datacenter[cloud]), tenancyId: localOf(f.alice.tenancy[cloud]), cloudId });
    const cloudIds: Record<(typeof KINDS)[number], string> = {
      Network: network.id,
      Subnet: subnet.id,
      Instance: instance,
      Volume: volume,
      VolumeBackup: backup,
      FloatingIp: ip,
      SecurityGroup: group.id,
      KeyPair: keyPair.name,
    };
    for (const kind of KINDS) ids[cloud][kind] = encodeResourceId(kind as ResourceKind, ref(cloudIds[kind]));
  }
}, 60_000);

const code = async (id: string, token: string) => {
  const res = await f.gw.gql(NODE, { id }, { token });
  return res.errors?.[0]?.extensions?.code ?? (res.data as { node: { id: string } | null })?.node?.id;
};

describe.each(CLOUDS)('on %s', (cloud) => {
  it.each(KINDS)('a %s is its owner’s and the admins’, NOT_FOUND for anyone else', async (kind) => {
    const id = ids[cloud][kind];
    expect(await code(id, f.alice.token)).toBe(id);
    expect(await code(id, f.admin)).toBe(id);
    expect(await code(id, f.bob.token)).toBe('NOT_FOUND');
  });

  it.each(KINDS)('a %s id forged from the viewer’s own tenancy and another tenant’s cloud id is NOT_FOUND', async (kind) => {
    const real = ids[cloud][kind];
    const cloudId = (JSON.parse(Buffer.from(real, 'base64url').toString()) as string[])[3];
    const forged = encodeResourceId(kind as ResourceKind, { datacenterId: localOf(f.datacenter[cloud]), tenancyId: localOf(f.bob.tenancy[cloud]), cloudId });
    expect(await code(forged, f.bob.token)).toBe('NOT_FOUND');
    // The other datacenter with the right tenancy does not route either.
    const other = CLOUDS.find((c) => c !== cloud)!;
    const crossed = encodeResourceId(kind as ResourceKind, { datacenterId: localOf(f.datacenter[other]), tenancyId: localOf(f.alice.tenancy[cloud]), cloudId });
    expect(await code(crossed, f.alice.token)).toBe('NOT_FOUND');
  });

  it('the tenancy itself is its owner’s', async () => {
    const id = f.alice.tenancy[cloud];
    expect(await code(id, f.alice.token)).toBe(id);
    expect(await code(id, f.bob.token)).toBe('NOT_FOUND');
  });
});

it('users, jobs and malformed ids follow the same rule', async () => {
  expect(await code(f.alice.userId, f.bob.token)).toBe('NOT_FOUND');
  expect(await code(f.alice.userId, f.alice.token)).toBe(f.alice.userId);
  const jobs = await f.ok<{ jobs: { nodes: { id: string }[] } }>('{ jobs(first: 1) { nodes { id } } }', {}, f.admin);
  const [registration] = jobs.jobs.nodes;
  // Registration jobs belong to the registered user.
  const owner = await f.ok<{ node: { user: { id: string } } }>('query($id: ID!) { node(id: $id) { ... on Job { user { id } } } }', { id: registration.id }, f.admin);
  const stranger = owner.node.user.id === f.alice.userId ? f.bob : f.alice;
  expect(await code(registration.id, stranger.token)).toBe('NOT_FOUND');
  for (const id of ['', 'not-an-id', encodeId('Network', 'x'), encodeId('Elephant' as never, 'a', 'b', 'c'), 'A'.repeat(2000)]) {
    expect(await code(id, f.alice.token)).toBe('NOT_FOUND');
  }
});

it('signed-out callers are refused before anything is looked up', async () => {
  const res = await f.gw.gql(NODE, { id: ids.OPENSTACK.Network });
  expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});

describe('every mutation', () => {
  const SESSION = ['login', 'logout', 'changePassword'];
  /** Mutations for administrators only: a user is refused whatever it names. */
  const ADMIN: Record<string, (cloud: Cloud) => [string, Record<string, unknown>]> = {
    createUser: () => ['mutation { createUser(input: { username: "x", password: "long-enough-1" }) { id } }', {}],
    updateUser: () => ['mutation($id: ID!) { updateUser(id: $id, input: { mobile: "1" }) { id } }', { id: f.alice.userId }],
    deleteUser: () => ['mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: f.alice.userId }],
    setUserActive: () => ['mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }', { id: f.alice.userId }],
    createDatacenter: () => ['mutation { createDatacenter(input: { name: "x", shortName: "x", kind: OPENSTACK, serviceUrl: "http://x/v3", adminUser: "a", password: "p" }) { id } }', {}],
    updateDatacenter: (c) => ['mutation($id: ID!) { updateDatacenter(id: $id, input: { name: "x" }) { id } }', { id: f.datacenter[c] }],
    deleteDatacenter: (c) => ['mutation($id: ID!) { deleteDatacenter(id: $id) { id } }', { id: f.datacenter[c] }],
    registerTenancy: (c) => ['mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { job { id } } }', { u: f.bob.userId, d: f.datacenter[c] }],
    unregisterTenancy: (c) => ['mutation($id: ID!) { unregisterTenancy(id: $id) { job { id } } }', { id: f.alice.tenancy[c] }],
    registerAllUsers: (c) => ['mutation($d: ID!) { registerAllUsers(datacenterId: $d) { job { id } } }', { d: f.datacenter[c] }],
    unregisterAllUsers: (c) => ['mutation($d: ID!) { unregisterAllUsers(datacenterId: $d) { job { id } } }', { d: f.datacenter[c] }],
    initializeUser: () => ['mutation($u: ID!) { initializeUser(userId: $u) { job { id } } }', { u: f.alice.userId }],
    initializeAllUsers: () => ['mutation { initializeAllUsers { job { id } } }', {}],
    createFlavor: (c) => ['mutation($d: ID!) { createFlavor(datacenterId: $d, input: { name: "x", cpu: 1, memoryMb: 512, diskGb: 1 }) { id } }', { d: f.datacenter[c] }],
    syncImages: (c) => ['mutation($d: ID!) { syncImages(datacenterId: $d) { job { id } } }', { d: f.datacenter[c] }],
    shareImage: (c) => ['mutation($d: ID!) { shareImage(datacenterId: $d, imageId: "x", input: { shared: true }) { id } }', { d: f.datacenter[c] }],
    cleanupUserResources: () => ['mutation($u: ID!) { cleanupUserResources(userId: $u) { job { id } } }', { u: f.alice.userId }],
    submitWorkOrder: () => ['mutation($m: String!) { submitWorkOrder(msg: $m) { job { id } } }', { m: '{"workOrderId": "x"}' }],
    registerPersistedOperations: () => ['mutation($m: JSON!) { registerPersistedOperations(clientName: "x", version: "1", manifest: $m) { created } }', { m: { format: 'apollo-persisted-query-manifest', version: 1, operations: [] } }],
  };
  /** Alice's own API key, which bob tries to revoke, and one of her jobs, which bob tries to cancel. */
  let aliceKey = '';
  let aliceJob = '';
  beforeAll(async () => {
    const created = await f.ok('mutation { createApiKey(input: { name: "alice’s", scopes: [FULL] }) { apiKey { id } } }', {}, f.alice.token);
    aliceKey = created.createApiKey.apiKey.id;
    aliceJob = (await f.ok('{ jobs(first: 1) { nodes { id } } }', {}, f.alice.token)).jobs.nodes[0].id;
  });

  /** Every other mutation, given alice's ids, as another tenant would send them. */
  const TENANT: Record<string, (cloud: Cloud) => [string, Record<string, unknown>]> = {
    // Only admins make keys for others; to a user, another user is NOT_FOUND like any foreign id.
    createApiKey: () => ['mutation($u: ID!) { createApiKey(input: { userId: $u, name: "x", scopes: [FULL] }) { apiKey { id } } }', { u: f.alice.userId }],
    revokeApiKey: () => ['mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: aliceKey }],
    cancelJob: () => ['mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: aliceJob }],
    createNetwork: (c) => ['mutation($t: ID!) { createNetwork(input: { tenancyId: $t, name: "x", subnet: { name: "x", cidr: "10.9.1.0/24" } }) { job { id } } }', { t: f.alice.tenancy[c] }],
    updateNetwork: (c) => ['mutation($id: ID!) { updateNetwork(id: $id, input: { name: "x" }) { id } }', { id: ids[c].Network }],
    deleteNetwork: (c) => ['mutation($id: ID!) { deleteNetwork(id: $id) { deletedId } }', { id: ids[c].Network }],
    createSubnet: (c) => ['mutation($n: ID!) { createSubnet(input: { networkId: $n, name: "x", cidr: "10.77.9.0/24" }) { job { id } } }', { n: ids[c].Network }],
    updateSubnet: (c) => ['mutation($id: ID!) { updateSubnet(id: $id, input: { name: "x" }) { id } }', { id: ids[c].Subnet }],
    deleteSubnet: (c) => ['mutation($id: ID!) { deleteSubnet(id: $id) { deletedId } }', { id: ids[c].Subnet }],
    createSecurityGroup: (c) => ['mutation($t: ID!) { createSecurityGroup(input: { tenancyId: $t, name: "x" }) { id } }', { t: f.alice.tenancy[c] }],
    updateSecurityGroup: (c) => ['mutation($id: ID!) { updateSecurityGroup(id: $id, input: { description: "x" }) { id } }', { id: ids[c].SecurityGroup }],
    deleteSecurityGroup: (c) => ['mutation($id: ID!) { deleteSecurityGroup(id: $id) { deletedId } }', { id: ids[c].SecurityGroup }],
    addSecurityGroupRule: (c) => ['mutation($g: ID!) { addSecurityGroupRule(input: { groupId: $g, direction: INGRESS, protocol: TCP, portMin: 8080, portMax: 8080, cidr: "0.0.0.0/0" }) { job { id } } }', { g: ids[c].SecurityGroup }],
    removeSecurityGroupRule: (c) => ['mutation($g: ID!) { removeSecurityGroupRule(groupId: $g, ruleId: "r") { job { id } } }', { g: ids[c].SecurityGroup }],
    allocateFloatingIp: (c) => ['mutation($t: ID!) { allocateFloatingIp(input: { tenancyId: $t, bandwidthMbps: 1 }) { job { id } } }', { t: f.alice.tenancy[c] }],
    associateFloatingIp: (c) => ['mutation($id: ID!, $i: ID!) { associateFloatingIp(id: $id, instanceId: $i) { job { id } } }', { id: ids[c].FloatingIp, i: ids[c].Instance }],
    disassociateFloatingIp: (c) => ['mutation($id: ID!) { disassociateFloatingIp(id: $id) { job { id } } }', { id: ids[c].FloatingIp }],
    releaseFloatingIp: (c) => ['mutation($id: ID!) { releaseFloatingIp(id: $id) { deletedId } }', { id: ids[c].FloatingIp }],
    createKeyPair: (c) => ['mutation($t: ID!) { createKeyPair(input: { tenancyId: $t, name: "x" }) { privateKey } }', { t: f.alice.tenancy[c] }],
    deleteKeyPair: (c) => ['mutation($id: ID!) { deleteKeyPair(id: $id) { deletedId } }', { id: ids[c].KeyPair }],
    createInstance: (c) => ['mutation($t: ID!, $n: ID!) { createInstance(input: { tenancyId: $t, name: "x", imageId: "x", flavorId: "x", networkId: $n }) { job { id } } }', { t: f.alice.tenancy[c], n: ids[c].Network }],
    startInstance: (c) => ['mutation($id: ID!) { startInstance(id: $id) { job { id } } }', { id: ids[c].Instance }],
    stopInstance: (c) => ['mutation($id: ID!) { stopInstance(id: $id) { job { id } } }', { id: ids[c].Instance }],
    rebootInstance: (c) => ['mutation($id: ID!) { rebootInstance(id: $id, hard: true) { job { id } } }', { id: ids[c].Instance }],
    rebuildInstance: (c) => ['mutation($id: ID!) { rebuildInstance(id: $id, input: { imageId: "x" }) { job { id } } }', { id: ids[c].Instance }],
    resizeInstance: (c) => ['mutation($id: ID!) { resizeInstance(id: $id, input: { flavorId: "x" }) { job { id } } }', { id: ids[c].Instance }],
    renameInstance: (c) => ['mutation($id: ID!) { renameInstance(id: $id, name: "x") { id } }', { id: ids[c].Instance }],
    terminateInstance: (c) => ['mutation($id: ID!) { terminateInstance(id: $id) { deletedId } }', { id: ids[c].Instance }],
    createVolume: (c) => ['mutation($t: ID!) { createVolume(input: { tenancyId: $t, name: "x", sizeGb: 1 }) { job { id } } }', { t: f.alice.tenancy[c] }],
    attachVolume: (c) => ['mutation($id: ID!, $i: ID!) { attachVolume(id: $id, instanceId: $i) { job { id } } }', { id: ids[c].Volume, i: ids[c].Instance }],
    detachVolume: (c) => ['mutation($id: ID!) { detachVolume(id: $id) { job { id } } }', { id: ids[c].Volume }],
    deleteVolume: (c) => ['mutation($id: ID!) { deleteVolume(id: $id) { deletedId } }', { id: ids[c].Volume }],
    createBackup: (c) => ['mutation($v: ID!) { createBackup(input: { volumeId: $v, name: "x" }) { job { id } } }', { v: ids[c].Volume }],
    restoreBackup: (c) => ['mutation($id: ID!) { restoreBackup(id: $id) { job { id } } }', { id: ids[c].VolumeBackup }],
    deleteBackup: (c) => ['mutation($id: ID!) { deleteBackup(id: $id) { deletedId } }', { id: ids[c].VolumeBackup }],
  };

  it('is either a session call, an administrator’s, or checked below against another tenant', () => {
    const mutations = Object.keys(graphSchema().getMutationType()!.getFields()).sort();
    expect(mutations).toEqual([...SESSION, ...Object.keys(ADMIN), ...Object.keys(TENANT)].sort());
  });

  it.each(Object.keys(ADMIN))('%s refuses a user (FORBIDDEN) and changes nothing', async (name) => {
    const [query, variables] = ADMIN[name]('OPENSTACK');
    await f.resetStats();
    const res = await f.gw.gql(query, variables, { token: f.bob.token });
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const cloud of CLOUDS) expect((await f.stats(cloud)).total).toBe(0);
  });

  describe.each(CLOUDS)('on %s', (cloud) => {
    it.each(Object.keys(TENANT))('%s answers NOT_FOUND to another tenant and calls no cloud', async (name) => {
      const [query, variables] = TENANT[name](cloud);
      await f.resetStats();
      const res = await f.gw.gql(query, variables, { token: f.bob.token });
      expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect((await f.stats(cloud)).total).toBe(0);
    });
  });

  it('left every resource of the owner in place', async () => {
    for (const cloud of CLOUDS) for (const kind of KINDS) expect(await code(ids[cloud][kind], f.alice.token)).toBe(ids[cloud][kind]);
    const keys = await f.ok('{ apiKeys { nodes { id revokedAt } } }', {}, f.alice.token);
    expect(keys.apiKeys.nodes).toEqual([{ id: aliceKey, revokedAt: null }]);
    expect((await f.ok('{ apiKeys { totalCount } }', {}, f.bob.token)).apiKeys.totalCount).toBe(0);
  });
});
