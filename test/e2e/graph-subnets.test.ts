import { CLOUDS, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

/** The call that would make a subnet in each cloud: none may be counted when the input is refused. */
const CREATE_CALL: Record<Cloud, string> = { OPENSTACK: 'neutron.subnets.create', CLOUDSTACK: 'createNetwork' };

const CREATE_NETWORK = `mutation($input: CreateNetworkInput!) {
  createNetwork(input: $input) { network { id cidr subnets { nodes { id name cidr gatewayIp } } } }
}`;
const CREATE_SUBNET = `mutation($input: CreateSubnetInput!) {
  createSubnet(input: $input) {
    job { id kind status progress resourceId }
    subnet { id name cidr gatewayIp enableDhcp dnsNameservers network { id } }
  }
}`;
const UPDATE_SUBNET = 'mutation($id: ID!, $input: UpdateSubnetInput!) { updateSubnet(id: $id, input: $input) { id name cidr } }';
const DELETE_SUBNET = 'mutation($id: ID!) { deleteSubnet(id: $id) { deletedId job { kind status } } }';
const SUBNETS_OF = 'query($id: ID!) { node(id: $id) { ... on Network { cidr subnets { nodes { id name cidr gatewayIp } } } } }';

interface SubnetRow {
  id: string;
  name: string;
  cidr: string;
  gatewayIp: string | null;
}

async function subnetsOf(networkId: string, token = f.alice.token): Promise<SubnetRow[]> {
  return (await f.ok(SUBNETS_OF, { id: networkId }, token)).node.subnets.nodes;
}

async function networkIn(cloud: Cloud, range: string, first: string): Promise<{ id: string; cidr: string; first: SubnetRow }> {
  const name = unique('net');
  const res = await f.ok(CREATE_NETWORK, { input: { tenancyId: f.alice.tenancy[cloud], name, cidr: range, subnet: { name: `${name}-a`, cidr: first } } }, f.alice.token);
  const { network } = res.createNetwork;
  return { id: network.id, cidr: network.cidr, first: network.subnets.nodes[0] };
}

/** The error of a refused call; the test fails when the call succeeded. */
async function refused(query: string, variables: Record<string, unknown>, token = f.alice.token) {
  const res = await f.gw.gql(query, variables, { token });
  expect(res.errors).toHaveLength(1);
  return { ...res.errors![0], extensions: res.errors![0].extensions as { code: string; field?: string; fields?: { field: string; message: string }[] } };
}

describe.each(CLOUDS)('subnets on %s', (cloud) => {
  // 10.<n>.0.0/16 networks, one range per cloud so the two never meet in a message.
  const octet = cloud === 'OPENSTACK' ? 31 : 32;
  const range = `10.${octet}.0.0/16`;
  let network: { id: string; cidr: string; first: SubnetRow };

  beforeAll(async () => {
    network = await networkIn(cloud, range, `10.${octet}.1.0/24`);
  });

  it('deletes a subnet, then adds one in the emptied network with its own gateway and DNS servers', async () => {
    const emptied = await networkIn(cloud, `10.${octet + 10}.0.0/16`, `10.${octet + 10}.1.0/24`);
    const gone = await f.ok(DELETE_SUBNET, { id: emptied.first.id }, f.alice.token);
    expect(gone.deleteSubnet).toEqual({ deletedId: emptied.first.id, job: { kind: 'deleteSubnet', status: 'SUCCEEDED' } });
    expect(await subnetsOf(emptied.id)).toEqual([]);

    const name = unique('subnet');
    const cidr = `10.${octet + 10}.2.0/24`;
    await f.resetStats();
    const made = await f.ok(
      CREATE_SUBNET,
      { input: { networkId: emptied.id, name, cidr, gatewayIp: `10.${octet + 10}.2.254`, dnsNameservers: ['1.1.1.1', '9.9.9.9'] } },
      f.alice.token,
    );
    const { job, subnet } = made.createSubnet;
    // The same counter the refusals below read as 0: one create call per subnet made.
    expect((await f.stats(cloud)).operations[CREATE_CALL[cloud]]).toBe(1);
    expect(job).toMatchObject({ kind: 'createSubnet', status: 'SUCCEEDED', progress: 100, resourceId: subnet.id });
    expect(subnet).toEqual({
      id: expect.any(String),
      name,
      cidr,
      gatewayIp: `10.${octet + 10}.2.254`,
      enableDhcp: true,
      dnsNameservers: ['1.1.1.1', '9.9.9.9'],
      network: { id: emptied.id },
    });
    expect(await subnetsOf(emptied.id)).toEqual([{ id: subnet.id, name, cidr, gatewayIp: `10.${octet + 10}.2.254` }]);
  });

  it('adds a second subnet inside the network’s range, beside the first', async () => {
    const name = unique('subnet');
    const variables = { input: { networkId: network.id, name, cidr: `10.${octet}.2.9/24` } };
    // The network has its own /16 (CloudStack: the VPC's; OpenStack: kept on the network): a /24
    // beside the first subnet fits, its gateway on its first host, the CIDR normalised.
    expect(network.cidr).toBe(`10.${octet}.0.0/16`);
    const { subnet } = (await f.ok(CREATE_SUBNET, variables, f.alice.token)).createSubnet;
    expect(subnet).toMatchObject({ name, cidr: `10.${octet}.2.0/24`, gatewayIp: `10.${octet}.2.1`, enableDhcp: true, dnsNameservers: [] });
    expect((await subnetsOf(network.id)).map((s) => s.cidr).sort()).toEqual([`10.${octet}.1.0/24`, `10.${octet}.2.0/24`]);
  });

  describe('refuses before any cloud call, naming the field', () => {
    const base = () => ({ networkId: network.id, name: unique('bad'), cidr: `10.${octet}.3.0/24` });
    const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
      ['a CIDR that is none', () => ({ ...base(), cidr: 'ten.zero/24' }), 'input.cidr', /must be a CIDR/],
      ['a range too small for hosts', () => ({ ...base(), cidr: `10.${octet}.3.0/30` }), 'input.cidr', /between \/8 and \/29/],
      ['a range outside the network', () => ({ ...base(), cidr: '192.168.7.0/24' }), 'input.cidr', /must be inside the network’s range/],
      ['a range overlapping the first subnet', () => ({ ...base(), cidr: `10.${octet}.1.128/25` }), 'input.cidr', new RegExp(`overlaps 10\\.${octet}\\.1\\.0/24`)],
      ['a gateway outside the subnet', () => ({ ...base(), gatewayIp: `10.${octet}.4.1` }), 'input.gatewayIp', new RegExp(`must be inside 10\\.${octet}\\.3\\.0/24`)],
      ['the network address as gateway', () => ({ ...base(), gatewayIp: `10.${octet}.3.0` }), 'input.gatewayIp', /network address/],
      ['the broadcast address as gateway', () => ({ ...base(), gatewayIp: `10.${octet}.3.255` }), 'input.gatewayIp', /broadcast address/],
      ['a gateway that is no address', () => ({ ...base(), gatewayIp: 'router' }), 'input.gatewayIp', /IP address/],
      ['an empty gateway', () => ({ ...base(), gatewayIp: '' }), 'input.gatewayIp', /IP address/],
      ['a DNS server that is no address', () => ({ ...base(), dnsNameservers: ['8.8.8.8', 'dns.example.com'] }), 'input.dnsNameservers.1', /IP address/],
      ['more than 5 DNS servers', () => ({ ...base(), dnsNameservers: ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4', '9.9.9.9', '149.112.112.112'] }), 'input.dnsNameservers', /at most 5/],
      ['an empty name', () => ({ ...base(), name: '   ' }), 'input.name', /must not be empty/],
      ['a name over 64 characters', () => ({ ...base(), name: 'n'.repeat(65) }), 'input.name', /at most 64/],
      ['a network id that is none', () => ({ ...base(), networkId: 'not-an-id' }), 'input.networkId', /not found/],
    ];

    it.each(cases)('%s', async (_label, input, field, message) => {
      const before = await subnetsOf(network.id);
      await f.resetStats();
      const err = await refused(CREATE_SUBNET, { input: input() });
      const expectedCode = field === 'input.networkId' ? 'NOT_FOUND' : 'BAD_USER_INPUT';
      expect(err.extensions.code).toBe(expectedCode);
      expect(err.extensions.field).toBe(field);
      expect(err.message).toMatch(message);
      expect((await f.stats(cloud)).operations[CREATE_CALL[cloud]] ?? 0).toBe(0);
      expect(await subnetsOf(network.id)).toEqual(before);
    });

    it('a default gateway that is another subnet’s, named with the overlap', async () => {
      await f.resetStats();
      // 10.x.1.0/25 holds the first subnet's gateway 10.x.1.1, which would also be its own first host.
      const err = await refused(CREATE_SUBNET, { input: { ...base(), cidr: `10.${octet}.1.0/25` } });
      expect(err.extensions.code).toBe('BAD_USER_INPUT');
      expect(err.extensions.fields!.map((p) => p.field)).toEqual(expect.arrayContaining(['input.cidr', 'input.gatewayIp']));
      expect(err.extensions.fields!.find((p) => p.field === 'input.gatewayIp')!.message).toContain(`the default gateway 10.${octet}.1.1 is the gateway of the network’s subnet ${network.first.name}`);
      expect((await f.stats(cloud)).operations[CREATE_CALL[cloud]] ?? 0).toBe(0);
    });
  });

  it('renames a subnet, refusing an empty name', async () => {
    const emptied = await networkIn(cloud, `10.${octet + 20}.0.0/16`, `10.${octet + 20}.1.0/24`);
    const first = emptied.first;
    const name = unique('renamed');
    const renamed = await f.ok(UPDATE_SUBNET, { id: first.id, input: { name } }, f.alice.token);
    expect(renamed.updateSubnet).toEqual({ id: first.id, name, cidr: first.cidr });
    expect((await subnetsOf(emptied.id)).map((s) => s.name)).toEqual([name]);

    const empty = await refused(UPDATE_SUBNET, { id: first.id, input: { name: ' ' } });
    expect(empty.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect((await subnetsOf(emptied.id)).map((s) => s.name)).toEqual([name]);
  });

  it('refuses a subnet id that is not a subnet, and one already deleted', async () => {
    const emptied = await networkIn(cloud, `10.${octet + 30}.0.0/16`, `10.${octet + 30}.1.0/24`);
    const asSubnet = await refused(UPDATE_SUBNET, { id: emptied.id, input: { name: unique('x') } });
    expect(asSubnet.extensions.code).toBe('NOT_FOUND');
    await f.ok(DELETE_SUBNET, { id: emptied.first.id }, f.alice.token);
    const again = await refused(DELETE_SUBNET, { id: emptied.first.id });
    expect(again.extensions.code).toBe('NOT_FOUND');
  });

  it('keeps alice’s network and subnets from bob: NOT_FOUND, and nothing changes', async () => {
    const before = await subnetsOf(network.id);
    await f.resetStats();
    const create = await refused(CREATE_SUBNET, { input: { networkId: network.id, name: unique('bob'), cidr: `10.${octet}.9.0/24` } }, f.bob.token);
    expect(create.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.networkId' });
    const rename = await refused(UPDATE_SUBNET, { id: network.first.id, input: { name: unique('bob') } }, f.bob.token);
    expect(rename.extensions.code).toBe('NOT_FOUND');
    const remove = await refused(DELETE_SUBNET, { id: network.first.id }, f.bob.token);
    expect(remove.extensions.code).toBe('NOT_FOUND');
    const stats = await f.stats(cloud);
    expect(stats.operations[CREATE_CALL[cloud]] ?? 0).toBe(0);
    expect(await subnetsOf(network.id)).toEqual(before);
    expect(before.map((s) => s.id)).toContain(network.first.id);
  });
});

describe('subnets on CLOUDSTACK, where a network holds several', () => {
  let networkId: string;
  let first: SubnetRow;

  beforeAll(async () => {
    ({ id: networkId, first } = await networkIn('CLOUDSTACK', '10.50.0.0/16', '10.50.1.0/24'));
  });

  it('refuses a second subnet with the first one’s name, and a rename to it (CONFLICT)', async () => {
    await f.resetStats();
    const dup = await refused(CREATE_SUBNET, { input: { networkId, name: first.name, cidr: '10.50.3.0/24' } });
    expect(dup.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    expect((await f.stats('CLOUDSTACK')).operations.createNetwork ?? 0).toBe(0);

    const { subnet } = (await f.ok(CREATE_SUBNET, { input: { networkId, name: unique('tier'), cidr: '10.50.4.0/24' } }, f.alice.token)).createSubnet;
    const rename = await refused(UPDATE_SUBNET, { id: subnet.id, input: { name: first.name } });
    expect(rename.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    expect((await subnetsOf(networkId)).find((s) => s.id === subnet.id)!.name).toBe(subnet.name);
    await f.ok(DELETE_SUBNET, { id: subnet.id }, f.alice.token);
  });

  it.each([
    ['DHCP turned off', { enableDhcp: false }, 'input.enableDhcp', /always run DHCP/],
    ['three DNS servers', { dnsNameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9'] }, 'input.dnsNameservers', /at most 2/],
  ] as const)('refuses %s before any call', async (_label, extra, field, message) => {
    await f.resetStats();
    const err = await refused(CREATE_SUBNET, { input: { networkId, name: unique('tier'), cidr: '10.50.2.0/24', ...extra } });
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(err.message).toMatch(message);
    expect((await f.stats('CLOUDSTACK')).operations.createNetwork ?? 0).toBe(0);
    expect((await subnetsOf(networkId)).map((s) => s.cidr)).toEqual(['10.50.1.0/24']);
  });
});

describe('subnets on OPENSTACK, where DHCP may be off and IPv6 is allowed', () => {
  it('adds an IPv6 subnet without DHCP to an emptied network', async () => {
    const emptied = await networkIn('OPENSTACK', '10.60.0.0/16', '10.60.1.0/24');
    await f.ok(DELETE_SUBNET, { id: emptied.first.id }, f.alice.token);
    const { subnet } = (
      await f.ok(CREATE_SUBNET, { input: { networkId: emptied.id, name: unique('v6'), cidr: '2001:db8:60::/64', enableDhcp: false } }, f.alice.token)
    ).createSubnet;
    expect(subnet).toMatchObject({ cidr: '2001:db8:60::/64', gatewayIp: '2001:db8:60::1', enableDhcp: false });
  });
});
