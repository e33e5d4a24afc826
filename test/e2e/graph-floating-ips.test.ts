import { bootInstance, CLOUDS, unique, useCloudGateway, type Booted, type Cloud, type Tenant } from '../support/cloud';

const f = useCloudGateway();



const FIP = 'id cloudId address status bandwidthMbps instance { id name } network { id }';
const ALLOCATE = `mutation($input: AllocateFloatingIpInput!) { allocateFloatingIp(input: $input) { job { kind status progress resourceId } floatingIp { ${FIP} } } }`;
const ASSOCIATE = `mutation($id: ID!, $instanceId: ID!) { associateFloatingIp(id: $id, instanceId: $instanceId) { job { kind status resourceId } floatingIp { ${FIP} } } }`;
const DISASSOCIATE = `mutation($id: ID!) { disassociateFloatingIp(id: $id) { job { kind status } floatingIp { ${FIP} } } }`;
const RELEASE = 'mutation($id: ID!) { releaseFloatingIp(id: $id) { deletedId job { kind status } } }';
const INSTANCE_IPS = `query($id: ID!) { node(id: $id) { ... on Instance { floatingIps { ${FIP} } } } }`;

async function readIp(id: string) {
  return (await f.ok(`query($id: ID!) { node(id: $id) { ... on FloatingIp { ${FIP} } } }`, { id }, f.alice.token)).node;
}

async function tenancyIps(tenant: Tenant, cloud: Cloud): Promise<{ id: string; address: string; bandwidthMbps: number | null }[]> {
  const res = await f.ok(`query($t: ID!) { node(id: $t) { ... on Tenancy { floatingIps(first: 100) { nodes { id address bandwidthMbps } } } } }`, { t: tenant.tenancy[cloud] }, tenant.token);
  return res.node.floatingIps.nodes;
}

async function allocate(tenant: Tenant, cloud: Cloud, input: Record<string, unknown>) {
  return (await f.ok(ALLOCATE, { input: { tenancyId: tenant.tenancy[cloud], ...input } }, tenant.token)).allocateFloatingIp;
}

/** Calls of a simulator that change something: none may follow a refused mutation. */
const WRITES = /create|update|delete|associate|enable|disable|release|deploy|tags/i;
async function writes(cloud: Cloud): Promise<string[]> {
  const { operations } = await f.stats(cloud);
  return Object.keys(operations).filter((op) => WRITES.test(op) && !/tokens/.test(op));
}

async function failure(query: string, variables: Record<string, unknown>, token: string) {
  const res = await f.gw.gql(query, variables, { token });
  expect(res.errors?.length).toBe(1);
  return res.errors![0];
}

const instances = {} as Record<Cloud, Booted>;

beforeAll(async () => {
  for (const cloud of CLOUDS) instances[cloud] = await bootInstance(f, f.alice, cloud);
}, 120_000);

describe.each(CLOUDS)('floating IPs on %s', (cloud) => {
  it('allocates an IP with its bandwidth, associates it, reads it nested both ways, disassociates and releases it', async () => {
    const instance = instances[cloud];
    const { job, floatingIp: ip } = await allocate(f.alice, cloud, { bandwidthMbps: 25, networkId: instance.networkId });
    expect(job).toMatchObject({ kind: 'allocateFloatingIp', status: 'SUCCEEDED', progress: 100, resourceId: ip.id });
    expect(ip).toMatchObject({ bandwidthMbps: 25, status: 'DOWN', instance: null });
    expect(ip.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await tenancyIps(f.alice, cloud)).toContainEqual({ id: ip.id, address: ip.address, bandwidthMbps: 25 });

    const associated = (await f.ok(ASSOCIATE, { id: ip.id, instanceId: instance.id }, f.alice.token)).associateFloatingIp;
    expect(associated.job).toEqual({ kind: 'associateFloatingIp', status: 'SUCCEEDED', resourceId: ip.id });
    expect(associated.floatingIp).toMatchObject({
      id: ip.id,
      address: ip.address,
      status: 'ACTIVE',
      bandwidthMbps: 25,
      instance: { id: instance.id, name: instance.name },
      network: { id: instance.networkId },
    });
    const nested = (await f.ok(INSTANCE_IPS, { id: instance.id }, f.alice.token)).node.floatingIps;
    expect(nested.map((x: { id: string }) => x.id)).toEqual([ip.id]);

    const again = await failure(ASSOCIATE, { id: ip.id, instanceId: instance.id }, f.alice.token);
    expect(again.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    const busyRelease = await failure(RELEASE, { id: ip.id }, f.alice.token);
    expect(busyRelease.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    expect(busyRelease.message).toContain(instance.name);
    expect(await readIp(ip.id)).toMatchObject({ status: 'ACTIVE', instance: { id: instance.id } });

    const freed = (await f.ok(DISASSOCIATE, { id: ip.id }, f.alice.token)).disassociateFloatingIp;
    expect(freed.job).toEqual({ kind: 'disassociateFloatingIp', status: 'SUCCEEDED' });
    expect(freed.floatingIp).toMatchObject({ id: ip.id, address: ip.address, instance: null, bandwidthMbps: 25 });
    expect((await f.ok(INSTANCE_IPS, { id: instance.id }, f.alice.token)).node.floatingIps).toEqual([]);
    const notAssociated = await failure(DISASSOCIATE, { id: ip.id }, f.alice.token);
    expect(notAssociated.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });

    const released = (await f.ok(RELEASE, { id: ip.id }, f.alice.token)).releaseFloatingIp;
    expect(released).toEqual({ deletedId: ip.id, job: { kind: 'releaseFloatingIp', status: 'SUCCEEDED' } });
    const gone = await failure('query($id: ID!) { node(id: $id) { id } }', { id: ip.id }, f.alice.token);
    expect(gone.extensions?.code).toBe('NOT_FOUND');
    expect((await tenancyIps(f.alice, cloud)).map((x) => x.id)).not.toContain(ip.id);
  });

  it('allocates without a network named (CloudStack takes the tenancy’s only one)', async () => {
    const { floatingIp: ip } = await allocate(f.alice, cloud, { bandwidthMbps: 1 });
    expect(ip).toMatchObject({ bandwidthMbps: 1, instance: null });
    if (cloud === 'CLOUDSTACK') expect(ip.network).toEqual({ id: instances[cloud].networkId });
    await f.ok(RELEASE, { id: ip.id }, f.alice.token);
  });

  it('refuses bad input before any cloud call, naming the field, and allocates nothing', async () => {
    const other = CLOUDS.find((c) => c !== cloud)!;
    const { floatingIp: ip } = await allocate(f.alice, cloud, { bandwidthMbps: 5, networkId: instances[cloud].networkId });
    const before = await tenancyIps(f.alice, cloud);
    await f.resetStats();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ bandwidthMbps: 0 }, 'input.bandwidthMbps', 'BAD_USER_INPUT'],
      [{ bandwidthMbps: -10 }, 'input.bandwidthMbps', 'BAD_USER_INPUT'],
      [{ bandwidthMbps: 10001 }, 'input.bandwidthMbps', 'BAD_USER_INPUT'],
      [{ networkId: '' }, 'input.networkId', 'BAD_USER_INPUT'],
      [{ networkId: 'no-such-network' }, 'input.networkId', 'NOT_FOUND'],
      [{ networkId: instances[cloud].id }, 'input.networkId', 'NOT_FOUND'],
      [{ networkId: instances[other].networkId }, 'input.networkId', 'BAD_USER_INPUT'],
    ];
    for (const [change, field, code] of cases) {
      const err = await failure(ALLOCATE, { input: { tenancyId: f.alice.tenancy[cloud], bandwidthMbps: 10, ...change } }, f.alice.token);
      expect({ change, code: err.extensions?.code, field: err.extensions?.field }).toEqual({ change, code, field });
    }
    const elsewhere = await failure(ASSOCIATE, { id: ip.id, instanceId: instances[other].id }, f.alice.token);
    expect(elsewhere.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'instanceId' });
    const notAnInstance = await failure(ASSOCIATE, { id: ip.id, instanceId: ip.id }, f.alice.token);
    expect(notAnInstance.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'instanceId' });

    expect(await writes(cloud)).toEqual([]);
    expect(await writes(other)).toEqual([]);
    expect(await tenancyIps(f.alice, cloud)).toEqual(before);
    expect(await readIp(ip.id)).toMatchObject({ instance: null, bandwidthMbps: 5 });
    await f.ok(RELEASE, { id: ip.id }, f.alice.token);
  });

  it('another tenant reaches none of it: every mutation is NOT_FOUND and changes nothing', async () => {
    const instance = instances[cloud];
    const { floatingIp: mine } = await allocate(f.alice, cloud, { bandwidthMbps: 50, networkId: instance.networkId });
    await f.ok(ASSOCIATE, { id: mine.id, instanceId: instance.id }, f.alice.token);
    const { floatingIp: spare } = await allocate(f.alice, cloud, { bandwidthMbps: 60, networkId: instance.networkId });
    const bobNet = (
      await f.ok(
        'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id } } }',
        { input: { tenancyId: f.bob.tenancy[cloud], name: unique('bob-net'), cidr: '10.99.0.0/16', subnet: { name: unique('bob-a'), cidr: '10.99.1.0/24' } } },
        f.bob.token,
      )
    ).createNetwork.network;
    const { floatingIp: own } = await allocate(f.bob, cloud, { bandwidthMbps: 3, networkId: bobNet.id });
    const aliceBefore = [await readIp(mine.id), await readIp(spare.id)];
    const bobBefore = await tenancyIps(f.bob, cloud);
    await f.resetStats();

    const attempts: [string, Record<string, unknown>, string | undefined][] = [
      [ALLOCATE, { input: { tenancyId: f.alice.tenancy[cloud], bandwidthMbps: 10 } }, 'input.tenancyId'],
      [ALLOCATE, { input: { tenancyId: f.bob.tenancy[cloud], bandwidthMbps: 10, networkId: instance.networkId } }, 'input.networkId'],
      [ASSOCIATE, { id: spare.id, instanceId: instance.id }, undefined],
      [ASSOCIATE, { id: own.id, instanceId: instance.id }, 'instanceId'],
      [DISASSOCIATE, { id: mine.id }, undefined],
      [RELEASE, { id: spare.id }, undefined],
      [RELEASE, { id: mine.id }, undefined],
    ];
    for (const [query, variables, field] of attempts) {
      const err = await failure(query, variables, f.bob.token);
      expect({ query, code: err.extensions?.code, field: err.extensions?.field }).toEqual({ query, code: 'NOT_FOUND', field });
    }
    expect(await writes(cloud)).toEqual([]);
    expect([await readIp(mine.id), await readIp(spare.id)]).toEqual(aliceBefore);
    expect(aliceBefore[0]).toMatchObject({ status: 'ACTIVE', instance: { id: instance.id }, bandwidthMbps: 50 });
    expect(await tenancyIps(f.bob, cloud)).toEqual(bobBefore);

    await f.ok(DISASSOCIATE, { id: mine.id }, f.alice.token);
    for (const id of [mine.id, spare.id]) await f.ok(RELEASE, { id }, f.alice.token);
    await f.ok(RELEASE, { id: own.id }, f.bob.token);
    await f.ok('mutation($id: ID!) { deleteNetwork(id: $id) { deletedId } }', { id: bobNet.id }, f.bob.token);
  });
});

describe('floating IPs in CloudStack VPCs', () => {
  it('asks which network once the tenancy has several, and allocates nothing meanwhile', async () => {
    const name = unique('second');
    const second = (
      await f.ok(
        'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id } } }',
        { input: { tenancyId: f.alice.tenancy.CLOUDSTACK, name, cidr: '10.250.0.0/16', subnet: { name: `${name}-a`, cidr: '10.250.1.0/24' } } },
        f.alice.token,
      )
    ).createNetwork.network;
    const before = await tenancyIps(f.alice, 'CLOUDSTACK');
    await f.resetStats();
    const err = await failure(ALLOCATE, { input: { tenancyId: f.alice.tenancy.CLOUDSTACK, bandwidthMbps: 10 } }, f.alice.token);
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.networkId' });
    expect(await writes('CLOUDSTACK')).toEqual([]);
    expect(await tenancyIps(f.alice, 'CLOUDSTACK')).toEqual(before);

    const { floatingIp: ip } = await allocate(f.alice, 'CLOUDSTACK', { bandwidthMbps: 10, networkId: second.id });
    expect(ip.network).toEqual({ id: second.id });
    // An IP of one VPC cannot be NATed to an instance that has no NIC in it.
    const misplaced = await failure(ASSOCIATE, { id: ip.id, instanceId: instances.CLOUDSTACK.id }, f.alice.token);
    expect(misplaced.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'instanceId' });
    expect(await readIp(ip.id)).toMatchObject({ instance: null });
    await f.ok(RELEASE, { id: ip.id }, f.alice.token);
    await f.ok('mutation($id: ID!) { deleteNetwork(id: $id) { deletedId } }', { id: second.id }, f.alice.token);
  });
});
