import { CLOUDS, unique, useCloudGateway } from '../support/cloud';

const f = useCloudGateway();

describe.each(CLOUDS)('networks on %s', (cloud) => {
  it('creates a network with its first subnet, reads it back nested and by node, then deletes it', async () => {
    const name = unique('net');
    const created = await f.ok(
      `mutation($input: CreateNetworkInput!) { createNetwork(input: $input) {
         job { id kind status progress events { seq status } }
         network { id cloudId name cidr status datacenter { kind } subnets { totalCount nodes { id name cidr gatewayIp } } }
       } }`,
      { input: { tenancyId: f.alice.tenancy[cloud], name, cidr: '10.20.0.0/16', subnet: { name: `${name}-a`, cidr: '10.20.1.0/24', dnsNameservers: ['8.8.8.8'] } } },
      f.alice.token,
    );
    const { job, network } = created.createNetwork;
    expect(job).toMatchObject({ kind: 'createNetwork', status: 'SUCCEEDED', progress: 100 });
    expect(job.events.map((e: { status: string }) => e.status)).toEqual(expect.arrayContaining(['RUNNING', 'SUCCEEDED']));
    expect(network).toMatchObject({ name, status: 'ACTIVE', datacenter: { kind: cloud } });
    expect(network.subnets.nodes).toEqual([expect.objectContaining({ name: `${name}-a`, cidr: '10.20.1.0/24', gatewayIp: '10.20.1.1' })]);

    const viaNode = await f.ok('query($id: ID!) { node(id: $id) { ... on Network { name subnets { nodes { id } } } } }', { id: network.id }, f.alice.token);
    expect(viaNode.node.name).toBe(name);

    const deleted = await f.ok('mutation($id: ID!) { deleteNetwork(id: $id) { deletedId job { status } } }', { id: network.id }, f.alice.token);
    expect(deleted.deleteNetwork).toEqual({ deletedId: network.id, job: { status: 'SUCCEEDED' } });
    const gone = await f.gw.gql('query($id: ID!) { node(id: $id) { id } }', { id: network.id }, { token: f.alice.token });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

const CREATE = 'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id name } } }';
const createCalls = (ops: Record<string, number>) =>
  (ops['neutron.networks.create'] ?? 0) + (ops['neutron.subnets.create'] ?? 0) + (ops['neutron.routers.create'] ?? 0) + (ops.createVPC ?? 0) + (ops.createNetwork ?? 0);

describe.each(CLOUDS)('bad network input on %s', (cloud) => {
  const good = () => ({ tenancyId: f.alice.tenancy[cloud], name: unique('bad'), cidr: '10.30.0.0/16', subnet: { name: 'first', cidr: '10.30.1.0/24' } });
  it.each([
    ['an empty name', (i: any) => ({ ...i, name: '  ' }), 'input.name'],
    ['a name of 65 characters', (i: any) => ({ ...i, name: 'n'.repeat(65) }), 'input.name'],
    ['a range that is no CIDR', (i: any) => ({ ...i, cidr: '10.30.0.0/33' }), 'input.cidr'],
    ['a subnet outside the network', (i: any) => ({ ...i, subnet: { ...i.subnet, cidr: '10.31.1.0/24' } }), 'input.subnet.cidr'],
    ['a gateway outside the subnet', (i: any) => ({ ...i, subnet: { ...i.subnet, gatewayIp: '10.30.2.1' } }), 'input.subnet.gatewayIp'],
    ['the broadcast address as gateway', (i: any) => ({ ...i, subnet: { ...i.subnet, gatewayIp: '10.30.1.255' } }), 'input.subnet.gatewayIp'],
    ['the network address as gateway', (i: any) => ({ ...i, subnet: { ...i.subnet, gatewayIp: '10.30.1.0' } }), 'input.subnet.gatewayIp'],
    ['a DNS server that is no address', (i: any) => ({ ...i, subnet: { ...i.subnet, dnsNameservers: ['8.8.8.8', 'dns.example'] } }), 'input.subnet.dnsNameservers.1'],
    ['an unknown zone', (i: any) => ({ ...i, zoneId: 'atlantis' }), 'input.zoneId'],
  ])('refuses %s, naming the field, and creates nothing', async (_label, change, field) => {
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: change(good()) }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(createCalls((await f.stats(cloud)).operations)).toBe(0);
  });

  it('refuses a second network of the same name (CONFLICT naming input.name)', async () => {
    const input = good();
    await f.ok(CREATE, { input }, f.alice.token);
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: { ...input, subnet: { name: 'other', cidr: '10.30.2.0/24' } } }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    expect(createCalls((await f.stats(cloud)).operations)).toBe(0);
  });

  it('takes no new network in a DISABLED datacenter', async () => {
    await f.ok('mutation($id: ID!) { updateDatacenter(id: $id, input: { state: DISABLED }) { state } }', { id: f.datacenter[cloud] });
    try {
      await f.resetStats();
      const res = await f.gw.gql(CREATE, { input: good() }, { token: f.alice.token });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.tenancyId' });
      expect(createCalls((await f.stats(cloud)).operations)).toBe(0);
    } finally {
      await f.ok('mutation($id: ID!) { updateDatacenter(id: $id, input: { state: ENABLED }) { state } }', { id: f.datacenter[cloud] });
    }
  });
});

describe.each(CLOUDS)('network ownership on %s', (cloud) => {
  it('answers NOT_FOUND to another tenant for every network mutation, and leaves the network as it was', async () => {
    const name = unique('mine');
    const { createNetwork } = await f.ok(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name, subnet: { name: 's', cidr: '10.40.1.0/24' } } }, f.alice.token);
    const id = createNetwork.network.id;
    const attempts: [string, Record<string, unknown>][] = [
      ['mutation($id: ID!) { updateNetwork(id: $id, input: { name: "taken" }) { id } }', { id }],
      ['mutation($id: ID!) { deleteNetwork(id: $id) { deletedId } }', { id }],
      [CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name: unique('theirs'), subnet: { name: 's', cidr: '10.41.1.0/24' } } }],
    ];
    for (const [query, variables] of attempts) {
      const res = await f.gw.gql(query, variables, { token: f.bob.token });
      expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    const after = await f.ok('query($id: ID!) { node(id: $id) { ... on Network { name } } }', { id }, f.alice.token);
    expect(after.node.name).toBe(name);
  });

  it('renames and redescribes a network for its owner', async () => {
    const name = unique('rename');
    const { createNetwork } = await f.ok(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name, description: 'before', subnet: { name: 's', cidr: '10.42.1.0/24' } } }, f.alice.token);
    const renamed = await f.ok(
      'mutation($id: ID!, $input: UpdateNetworkInput!) { updateNetwork(id: $id, input: $input) { id name description } }',
      { id: createNetwork.network.id, input: { name: `${name}-2`, description: 'after' } },
      f.alice.token,
    );
    expect(renamed.updateNetwork).toEqual({ id: createNetwork.network.id, name: `${name}-2`, description: 'after' });
    const listed = await f.ok('query($s: String) { viewer { tenancies { networks(search: $s) { nodes { name description } } } } }', { s: `${name}-2` }, f.alice.token);
    expect(listed.viewer.tenancies.flatMap((t: any) => t.networks.nodes)).toEqual([{ name: `${name}-2`, description: 'after' }]);
  });
});
