import { encodeId, encodeResourceId, type ResourceKind } from '../../src/graph/node/global-id';
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
