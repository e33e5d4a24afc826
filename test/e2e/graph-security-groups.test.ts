import { CLOUDS, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

/** The calls that would make a group or a rule in each cloud: none may be counted when the input is refused. */
const CREATE_GROUP_CALL: Record<Cloud, string> = { OPENSTACK: 'neutron.security_groups.create', CLOUDSTACK: 'createNetworkACLList' };
const ADD_RULE_CALL: Record<Cloud, string> = { OPENSTACK: 'neutron.security_group_rules.create', CLOUDSTACK: 'createNetworkACL' };

const RULE = 'id direction protocol portMin portMax cidr ethertype remoteGroup { id }';
const GROUP = `id name description isDefault rules { ${RULE} }`;
const CREATE_GROUP = `mutation($input: CreateSecurityGroupInput!) { createSecurityGroup(input: $input) { ${GROUP} } }`;
const UPDATE_GROUP = `mutation($id: ID!, $input: UpdateSecurityGroupInput!) { updateSecurityGroup(id: $id, input: $input) { ${GROUP} } }`;
const DELETE_GROUP = 'mutation($id: ID!) { deleteSecurityGroup(id: $id) { deletedId job { kind status } } }';
const ADD_RULE = `mutation($input: AddSecurityGroupRuleInput!) {
  addSecurityGroupRule(input: $input) { job { kind status resourceId } securityGroup { ${GROUP} } }
}`;
const REMOVE_RULE = `mutation($groupId: ID!, $ruleId: ID!) {
  removeSecurityGroupRule(groupId: $groupId, ruleId: $ruleId) { job { kind status } securityGroup { ${GROUP} } }
}`;
const GROUPS_OF = `query($id: ID!) { node(id: $id) { ... on Tenancy { securityGroups(first: 100) { nodes { ${GROUP} } } } } }`;
const CREATE_NETWORK = 'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id } } }';
const DELETE_NETWORK = 'mutation($id: ID!) { deleteNetwork(id: $id) { job { status } } }';

interface Rule {
  id: string;
  direction: string;
  protocol: string;
  portMin: number | null;
  portMax: number | null;
  cidr: string | null;
  ethertype: string;
  remoteGroup: { id: string } | null;
}
interface Group {
  id: string;
  name: string;
  description: string | null;
  isDefault: boolean;
  rules: Rule[];
}

async function groupsOf(tenancyId: string, token: string): Promise<Group[]> {
  return (await f.ok(GROUPS_OF, { id: tenancyId }, token)).node.securityGroups.nodes;
}

async function groupById(cloud: Cloud, id: string): Promise<Group | undefined> {
  return (await groupsOf(f.alice.tenancy[cloud], f.alice.token)).find((g) => g.id === id);
}

async function createGroup(cloud: Cloud, extra: Record<string, unknown> = {}): Promise<Group> {
  const input = { tenancyId: f.alice.tenancy[cloud], name: unique('sg'), ...extra };
  return (await f.ok(CREATE_GROUP, { input }, f.alice.token)).createSecurityGroup;
}

async function networkOf(token: string, tenancyId: string, second: number): Promise<string> {
  const name = unique('net');
  const input = { tenancyId, name, cidr: `10.${second}.0.0/16`, subnet: { name: `${name}-a`, cidr: `10.${second}.1.0/24` } };
  return (await f.ok(CREATE_NETWORK, { input }, token)).createNetwork.network.id;
}

/** The error of a refused call; the test fails when the call succeeded. */
async function refused(query: string, variables: Record<string, unknown>, token = f.alice.token) {
  const res = await f.gw.gql(query, variables, { token });
  expect(res.errors).toHaveLength(1);
  return { ...res.errors![0], extensions: res.errors![0].extensions as { code: string; field?: string; datacenter?: string } };
}

/** What a rule says, without its cloud id. */
const shape = ({ id: _id, ...rest }: Rule) => rest;

/** Alice's network in each cloud. */
const networks = {} as Record<Cloud, string>;

beforeAll(async () => {
  // CloudStack VPC zones keep groups in the tenancy's network (its ACL lists, `default` among
  // them), so each tenant gets one network in each cloud, and alice keeps exactly one.
  for (const [i, cloud] of CLOUDS.entries()) {
    networks[cloud] = await networkOf(f.alice.token, f.alice.tenancy[cloud], 71 + i);
    await networkOf(f.bob.token, f.bob.tenancy[cloud], 71 + i);
  }
});

describe.each(CLOUDS)('security groups on %s', (cloud) => {
  let networkId: string;
  let defaultGroup: Group;
  let bobGroup: Group;

  beforeAll(async () => {
    networkId = networks[cloud];
    defaultGroup = (await groupsOf(f.alice.tenancy[cloud], f.alice.token)).find((g) => g.isDefault)!;
    bobGroup = (await groupsOf(f.bob.tenancy[cloud], f.bob.token)).find((g) => g.isDefault)!;
    expect(defaultGroup).toBeDefined();
    expect(bobGroup).toBeDefined();
  });

  it('creates a group, lists it in the tenancy, and deletes it', async () => {
    const name = unique('web');
    await f.resetStats();
    const group: Group = (await f.ok(CREATE_GROUP, { input: { tenancyId: f.alice.tenancy[cloud], name, description: 'front ends', networkId } }, f.alice.token))
      .createSecurityGroup;
    expect(group).toMatchObject({ name, description: 'front ends', isDefault: false });
    expect((await f.stats(cloud)).operations[CREATE_GROUP_CALL[cloud]]).toBe(1);
    // Neutron gives a new group its "all out" rules; a new CloudStack ACL list is empty.
    const expected = cloud === 'OPENSTACK' ? ['EGRESS ANY IPv4', 'EGRESS ANY IPv6'] : [];
    expect(group.rules.map((r) => `${r.direction} ${r.protocol} ${r.ethertype}`).sort()).toEqual(expected);
    expect(await groupById(cloud, group.id)).toEqual(group);

    const deleted = await f.ok(DELETE_GROUP, { id: group.id }, f.alice.token);
    expect(deleted.deleteSecurityGroup).toEqual({ deletedId: group.id, job: { kind: 'deleteSecurityGroup', status: 'SUCCEEDED' } });
    expect(await groupById(cloud, group.id)).toBeUndefined();
    const gone = await refused('query($id: ID!) { node(id: $id) { id } }', { id: group.id });
    expect(gone.extensions.code).toBe('NOT_FOUND');
  });

  it('reads every rule back as it was added: direction, protocol, ports, range', async () => {
    const group = await createGroup(cloud);
    const before = group.rules.map(shape);
    const added: [Record<string, unknown>, Omit<Rule, 'id'>][] = [
      [{ direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '10.0.0.0/8' }, { direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '10.0.0.0/8', ethertype: 'IPv4', remoteGroup: null }],
      // The end port is a port, never the direction (the old mapping's mistake).
      [{ direction: 'EGRESS', protocol: 'TCP', portMin: 8000, portMax: 8080, cidr: '192.168.0.0/16' }, { direction: 'EGRESS', protocol: 'TCP', portMin: 8000, portMax: 8080, cidr: '192.168.0.0/16', ethertype: 'IPv4', remoteGroup: null }],
      [{ direction: 'INGRESS', protocol: 'UDP', portMin: 53, cidr: '172.16.0.0/12' }, { direction: 'INGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '172.16.0.0/12', ethertype: 'IPv4', remoteGroup: null }],
      [{ direction: 'INGRESS', protocol: 'TCP', cidr: '172.20.0.0/16' }, { direction: 'INGRESS', protocol: 'TCP', portMin: 1, portMax: 65535, cidr: '172.20.0.0/16', ethertype: 'IPv4', remoteGroup: null }],
      [{ direction: 'INGRESS', protocol: 'ICMP', portMin: 8, portMax: 0, cidr: '0.0.0.0/0' }, { direction: 'INGRESS', protocol: 'ICMP', portMin: 8, portMax: 0, cidr: '0.0.0.0/0', ethertype: 'IPv4', remoteGroup: null }],
      [{ direction: 'INGRESS', protocol: 'ICMP', cidr: '10.9.0.0/16' }, { direction: 'INGRESS', protocol: 'ICMP', portMin: null, portMax: null, cidr: '10.9.0.0/16', ethertype: 'IPv4', remoteGroup: null }],
      [{ direction: 'EGRESS', protocol: 'ANY', cidr: '10.1.2.3/16' }, { direction: 'EGRESS', protocol: 'ANY', portMin: null, portMax: null, cidr: '10.1.0.0/16', ethertype: 'IPv4', remoteGroup: null }],
      [{ direction: 'INGRESS', protocol: 'TCP', portMin: 443, portMax: 443, cidr: '2001:db8::/32' }, { direction: 'INGRESS', protocol: 'TCP', portMin: 443, portMax: 443, cidr: '2001:db8::/32', ethertype: 'IPv6', remoteGroup: null }],
    ];
    await f.resetStats();
    for (const [input, expected] of added) {
      const res = await f.ok(ADD_RULE, { input: { groupId: group.id, ...input } }, f.alice.token);
      const { job, securityGroup } = res.addSecurityGroupRule;
      expect(job).toEqual({ kind: 'addSecurityGroupRule', status: 'SUCCEEDED', resourceId: group.id });
      expect(securityGroup.rules.map(shape)).toContainEqual(expected);
    }
    // The same counter the refusals below read as 0: one call per rule added.
    expect((await f.stats(cloud)).operations[ADD_RULE_CALL[cloud]]).toBe(added.length);
    const read = (await groupById(cloud, group.id))!;
    expect(read.rules.map(shape)).toHaveLength(before.length + added.length);
    expect(read.rules.map(shape)).toEqual(expect.arrayContaining([...before, ...added.map(([, expected]) => expected)]));

    const ssh = read.rules.find((r) => r.protocol === 'TCP' && r.portMin === 22)!;
    const removed = await f.ok(REMOVE_RULE, { groupId: group.id, ruleId: ssh.id }, f.alice.token);
    expect(removed.removeSecurityGroupRule.job).toEqual({ kind: 'removeSecurityGroupRule', status: 'SUCCEEDED' });
    expect((removed.removeSecurityGroupRule.securityGroup as Group).rules.map((r) => r.id)).not.toContain(ssh.id);
    const after = (await groupById(cloud, group.id))!;
    expect(after.rules).toHaveLength(read.rules.length - 1);
    expect(after.rules.map((r) => r.id)).not.toContain(ssh.id);
  });

  it('refuses a rule the group has already, however its "any" is written (CONFLICT)', async () => {
    const group = await createGroup(cloud);
    await f.ok(ADD_RULE, { input: { groupId: group.id, direction: 'INGRESS', protocol: 'TCP', cidr: '10.5.0.0/16' } }, f.alice.token);
    await f.resetStats();
    const allPorts = await refused(ADD_RULE, { input: { groupId: group.id, direction: 'INGRESS', protocol: 'TCP', portMin: 1, portMax: 65535, cidr: '10.5.0.9/16' } });
    expect(allPorts.extensions).toMatchObject({ code: 'CONFLICT', field: 'input' });

    // Neutron's own "all out" rule has no range: 0.0.0.0/0 is the same rule.
    if (cloud === 'CLOUDSTACK') await f.ok(ADD_RULE, { input: { groupId: group.id, direction: 'EGRESS', protocol: 'ANY', cidr: '0.0.0.0/0' } }, f.alice.token);
    await f.resetStats();
    const anyOut = await refused(ADD_RULE, { input: { groupId: group.id, direction: 'EGRESS', protocol: 'ANY', cidr: '0.0.0.0/0' } });
    expect(anyOut.extensions).toMatchObject({ code: 'CONFLICT', field: 'input' });
    expect((await f.stats(cloud)).operations[ADD_RULE_CALL[cloud]] ?? 0).toBe(0);
  });

  describe('refuses a rule before any cloud call, naming the field', () => {
    let group: Group;
    beforeAll(async () => {
      group = await createGroup(cloud);
    });

    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['port 0', { protocol: 'TCP', portMin: 0, portMax: 10, cidr: '0.0.0.0/0' }, 'input.portMin', /1-65535/],
      ['port 65536', { protocol: 'UDP', portMin: 1, portMax: 65536, cidr: '0.0.0.0/0' }, 'input.portMax', /1-65535/],
      ['a range running backwards', { protocol: 'TCP', portMin: 100, portMax: 90, cidr: '0.0.0.0/0' }, 'input.portMax', /not be below portMin/],
      ['an end port alone', { protocol: 'TCP', portMax: 90, cidr: '0.0.0.0/0' }, 'input.portMin', /required with portMax/],
      ['ICMP type 256', { protocol: 'ICMP', portMin: 256, cidr: '0.0.0.0/0' }, 'input.portMin', /ICMP type 0-255/],
      ['ICMP code 300', { protocol: 'ICMP', portMin: 3, portMax: 300, cidr: '0.0.0.0/0' }, 'input.portMax', /ICMP code 0-255/],
      ['an ICMP code without type', { protocol: 'ICMP', portMax: 1, cidr: '0.0.0.0/0' }, 'input.portMin', /needs its type/],
      ['ports on ANY', { protocol: 'ANY', portMin: 22, cidr: '0.0.0.0/0' }, 'input.portMin', /takes no ports/],
      ['neither range nor group', { protocol: 'TCP', portMin: 22 }, 'input.cidr', /0\.0\.0\.0\/0/],
      ['a range that is none', { protocol: 'TCP', portMin: 22, cidr: 'anywhere' }, 'input.cidr', /must be a CIDR/],
      ['an IPv6 range on an IPv4 rule', { protocol: 'TCP', portMin: 22, cidr: '2001:db8::/32', ethertype: 'IPv4' }, 'input.cidr', /IPv4 range/],
    ];

    it.each(cases)('%s', async (_label, input, field, message) => {
      await f.resetStats();
      const err = await refused(ADD_RULE, { input: { groupId: group.id, direction: 'INGRESS', ...input } });
      expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(err.message).toMatch(message);
      expect((await f.stats(cloud)).operations[ADD_RULE_CALL[cloud]] ?? 0).toBe(0);
      expect((await groupById(cloud, group.id))!.rules).toEqual(group.rules);
    });

    it('a range and a group together', async () => {
      const err = await refused(ADD_RULE, { input: { groupId: group.id, direction: 'INGRESS', protocol: 'TCP', portMin: 22, cidr: '0.0.0.0/0', remoteGroupId: defaultGroup.id } });
      expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cidr' });
    });

    it('a group id that is none, and a remote group of another tenancy or tenant', async () => {
      await f.resetStats();
      const rule = { direction: 'INGRESS', protocol: 'TCP', portMin: 22 };
      const noGroup = await refused(ADD_RULE, { input: { groupId: 'nonsense', ...rule, cidr: '0.0.0.0/0' } });
      expect(noGroup.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.groupId' });

      const other = CLOUDS.find((c) => c !== cloud)!;
      const otherDefault = (await groupsOf(f.alice.tenancy[other], f.alice.token)).find((g) => g.isDefault)!;
      const elsewhere = await refused(ADD_RULE, { input: { groupId: group.id, ...rule, remoteGroupId: otherDefault.id } });
      expect(elsewhere.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.remoteGroupId' });

      const bobs = await refused(ADD_RULE, { input: { groupId: group.id, ...rule, remoteGroupId: bobGroup.id } });
      expect(bobs.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.remoteGroupId' });
      expect((await f.stats(cloud)).operations[ADD_RULE_CALL[cloud]] ?? 0).toBe(0);
      expect((await groupById(cloud, group.id))!.rules).toEqual(group.rules);
    });

    it('a rule id the group does not have', async () => {
      const err = await refused(REMOVE_RULE, { groupId: group.id, ruleId: defaultGroup.rules[0]?.id ?? 'no-such-rule' });
      expect(err.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'ruleId' });
    });
  });

  it('admits members of a group of the same tenancy where the cloud can (OpenStack), refuses it where it cannot', async () => {
    const group = await createGroup(cloud);
    const members = await createGroup(cloud);
    const input = { groupId: group.id, direction: 'INGRESS', protocol: 'TCP', portMin: 5432, remoteGroupId: members.id };
    if (cloud === 'OPENSTACK') {
      const { securityGroup } = (await f.ok(ADD_RULE, { input }, f.alice.token)).addSecurityGroupRule;
      expect(securityGroup.rules.map(shape)).toContainEqual({
        direction: 'INGRESS',
        protocol: 'TCP',
        portMin: 5432,
        portMax: 5432,
        cidr: null,
        ethertype: 'IPv4',
        remoteGroup: { id: members.id },
      });
    } else {
      // Network ACL lists filter by range only: the driver's refusal names the field.
      await f.resetStats();
      const err = await refused(ADD_RULE, { input });
      expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.remoteGroupId', datacenter: expect.any(String) });
      expect((await f.stats(cloud)).operations[ADD_RULE_CALL[cloud]] ?? 0).toBe(0);
      expect((await groupById(cloud, group.id))!.rules).toEqual([]);
    }
  });

  it('refuses bad groups before any cloud call', async () => {
    await f.resetStats();
    const tenancyId = f.alice.tenancy[cloud];
    const empty = await refused(CREATE_GROUP, { input: { tenancyId, name: ' ' } });
    expect(empty.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const long = await refused(CREATE_GROUP, { input: { tenancyId, name: unique('sg'), description: 'd'.repeat(256) } });
    expect(long.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.description' });
    const taken = await refused(CREATE_GROUP, { input: { tenancyId, name: defaultGroup.name } });
    expect(taken.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });

    const other = CLOUDS.find((c) => c !== cloud)!;
    const elsewhere = await refused(CREATE_GROUP, { input: { tenancyId, name: unique('sg'), networkId: networks[other] } });
    expect(elsewhere.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.networkId' });
    const bobsNetwork = (await f.ok('query($id: ID!) { node(id: $id) { ... on Tenancy { networks { nodes { id } } } } }', { id: f.bob.tenancy[cloud] }, f.bob.token)).node
      .networks.nodes[0].id;
    const bobs = await refused(CREATE_GROUP, { input: { tenancyId, name: unique('sg'), networkId: bobsNetwork } });
    expect(bobs.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.networkId' });

    expect((await f.stats(cloud)).operations[CREATE_GROUP_CALL[cloud]] ?? 0).toBe(0);
  });

  it('renames and redescribes a group on OpenStack; CloudStack refuses both, keeping the group', async () => {
    const group = await createGroup(cloud, { description: 'first' });
    const name = unique('renamed');
    if (cloud === 'OPENSTACK') {
      const updated = (await f.ok(UPDATE_GROUP, { id: group.id, input: { name, description: 'second' } }, f.alice.token)).updateSecurityGroup;
      expect(updated).toMatchObject({ id: group.id, name, description: 'second' });
      expect(await groupById(cloud, group.id)).toMatchObject({ name, description: 'second' });
      const cleared = (await f.ok(UPDATE_GROUP, { id: group.id, input: { description: null } }, f.alice.token)).updateSecurityGroup;
      expect(cleared).toMatchObject({ name, description: null });
    } else {
      const rename = await refused(UPDATE_GROUP, { id: group.id, input: { name } });
      expect(rename.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
      expect(rename.message).toMatch(/cannot rename/);
      const redescribe = await refused(UPDATE_GROUP, { id: group.id, input: { description: 'second' } });
      expect(redescribe.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.description' });
      expect(await groupById(cloud, group.id)).toEqual(group);
      // Asking for what it has already is no change, and no error.
      expect((await f.ok(UPDATE_GROUP, { id: group.id, input: { name: group.name, description: 'first' } }, f.alice.token)).updateSecurityGroup).toEqual(group);
    }
  });

  it('keeps the default group: no rename, no delete (CONFLICT), and no two groups of one name', async () => {
    const rename = await refused(UPDATE_GROUP, { id: defaultGroup.id, input: { name: unique('not-default') } });
    expect(rename.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    const remove = await refused(DELETE_GROUP, { id: defaultGroup.id });
    expect(remove.extensions.code).toBe('CONFLICT');
    expect(await groupById(cloud, defaultGroup.id)).toMatchObject({ name: defaultGroup.name, isDefault: true });

    const a = await createGroup(cloud);
    const b = await createGroup(cloud);
    const clash = await refused(UPDATE_GROUP, { id: b.id, input: { name: a.name } });
    expect(clash.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    const empty = await refused(UPDATE_GROUP, { id: b.id, input: { name: '' } });
    expect(empty.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect((await groupById(cloud, b.id))!.name).toBe(b.name);
  });

  it('keeps alice’s groups and rules from bob: NOT_FOUND everywhere, and nothing changes', async () => {
    const group = await createGroup(cloud);
    const { securityGroup } = (
      await f.ok(ADD_RULE, { input: { groupId: group.id, direction: 'INGRESS', protocol: 'TCP', portMin: 80, cidr: '0.0.0.0/0' } }, f.alice.token)
    ).addSecurityGroupRule;
    const before = (await groupById(cloud, group.id))!;
    expect(before).toEqual(securityGroup);
    const rule = before.rules.find((r) => r.portMin === 80)!;
    await f.resetStats();

    const create = await refused(CREATE_GROUP, { input: { tenancyId: f.alice.tenancy[cloud], name: unique('bob') } }, f.bob.token);
    expect(create.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.tenancyId' });
    const update = await refused(UPDATE_GROUP, { id: group.id, input: { name: unique('bob') } }, f.bob.token);
    expect(update.extensions.code).toBe('NOT_FOUND');
    const remove = await refused(DELETE_GROUP, { id: group.id }, f.bob.token);
    expect(remove.extensions.code).toBe('NOT_FOUND');
    const add = await refused(ADD_RULE, { input: { groupId: group.id, direction: 'INGRESS', protocol: 'TCP', portMin: 23, cidr: '0.0.0.0/0' } }, f.bob.token);
    expect(add.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.groupId' });
    const revoke = await refused(REMOVE_RULE, { groupId: group.id, ruleId: rule.id }, f.bob.token);
    expect(revoke.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'groupId' });
    // Bob's own group cannot reach alice's rule either.
    const viaOwn = await refused(REMOVE_RULE, { groupId: bobGroup.id, ruleId: rule.id }, f.bob.token);
    expect(viaOwn.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'ruleId' });

    const stats = await f.stats(cloud);
    expect(stats.operations[CREATE_GROUP_CALL[cloud]] ?? 0).toBe(0);
    expect(stats.operations[ADD_RULE_CALL[cloud]] ?? 0).toBe(0);
    expect(await groupById(cloud, group.id)).toEqual(before);
  });
});

describe('security groups on CLOUDSTACK with several networks', () => {
  it('cannot place a group: refused naming the network, or by the cloud when none is named', async () => {
    const tenancyId = f.alice.tenancy.CLOUDSTACK;
    const networks = (await f.ok('query($id: ID!) { node(id: $id) { ... on Tenancy { networks { nodes { id } } } } }', { id: tenancyId }, f.alice.token)).node.networks
      .nodes as { id: string }[];
    expect(networks).toHaveLength(1);
    const extra = await networkOf(f.alice.token, tenancyId, 79);
    try {
      await f.resetStats();
      const named = await refused(CREATE_GROUP, { input: { tenancyId, name: unique('sg'), networkId: networks[0].id } });
      expect(named.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.networkId' });
      expect(named.message).toMatch(/has 2 networks/);
      const unnamed = await refused(CREATE_GROUP, { input: { tenancyId, name: unique('sg') } });
      expect(unnamed.extensions).toMatchObject({ code: 'BAD_USER_INPUT', datacenter: expect.any(String) });
      expect((await f.stats('CLOUDSTACK')).operations.createNetworkACLList ?? 0).toBe(0);
    } finally {
      await f.ok(DELETE_NETWORK, { id: extra }, f.alice.token);
    }
  });
});
