import { eq } from 'drizzle-orm';
import { tenancies } from '../../src/store/schema';
import { ADMIN_LOGIN } from '../support/app';
import { CLOUDS, localOf, settle, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

const TENANCY = 'id status error user { id username } datacenter { kind }';
const BULK = `job { id kind status progress events { message } } succeeded { ${TENANCY} } failed { ${TENANCY} }`;
const REGISTER_ALL = `mutation($d: ID!) { registerAllUsers(datacenterId: $d) { ${BULK} } }`;
const UNREGISTER_ALL = `mutation($d: ID!) { unregisterAllUsers(datacenterId: $d) { ${BULK} } }`;
const NETWORK = 'id name cidr zoneId datacenter { kind } subnets { nodes { name cidr gatewayIp } }';
const INIT_USER = `mutation($u: ID!, $d: ID) { initializeUser(userId: $u, datacenterId: $d) { job { id kind status progress events { message } } networks { ${NETWORK} } } }`;
const INIT_ALL = `mutation($d: ID) { initializeAllUsers(datacenterId: $d) { job { kind status } networks { ${NETWORK} } } }`;
const NETWORKS = 'query($t: ID!) { node(id: $t) { ... on Tenancy { status networks(first: 100) { nodes { id name } } } } }';
const GROUPS = `query($t: ID!) { node(id: $t) { ... on Tenancy { securityGroups(first: 100) { nodes {
  id isDefault description rules { direction protocol portMin portMax cidr } } } } } }`;
const USER_TENANCIES = 'query($id: ID!) { node(id: $id) { ... on User { tenancies { id status datacenter { kind } } } } }';

/** Calls that make a tenant, a network or a rule, by cloud. */
const PROVISION: Record<Cloud, string> = { OPENSTACK: 'keystone.projects.create', CLOUDSTACK: 'createAccount' };
const DEPROVISION: Record<Cloud, string> = { OPENSTACK: 'keystone.projects.delete', CLOUDSTACK: 'deleteAccount' };
const MAKES: Record<Cloud, string[]> = {
  OPENSTACK: ['neutron.networks.create', 'neutron.subnets.create', 'neutron.routers.create', 'neutron.security_group_rules.create'],
  CLOUDSTACK: ['createVPC', 'createNetwork', 'createNetworkACLList', 'createNetworkACL'],
};
const RULE_CREATE: Record<Cloud, string> = { OPENSTACK: 'neutron.security_group_rules.create', CLOUDSTACK: 'createNetworkACL' };

interface TenancyOut {
  id: string;
  status: string;
  error: { code: string; message: string; datacenter?: string; upstream?: { status?: number } } | null;
  user: { id: string; username: string };
  datacenter: { kind: Cloud };
}

async function calls(cloud: Cloud, operations: string[]): Promise<number> {
  const stats = await f.stats(cloud);
  return operations.reduce((n, op) => n + (stats.operations[op] ?? 0), 0);
}

async function newUser(prefix: string): Promise<{ id: string; username: string }> {
  const username = unique(prefix);
  const data = await f.ok('mutation($input: CreateUserInput!) { createUser(input: $input) { id username } }', {
    input: { username, password: `${username}-password-1`, email: `${username}@example.com`, ctUserId: `ct_${username}`, ctAccountId: `acct_${username}` },
  });
  return data.createUser;
}

async function registerTenancy(userId: string, cloud: Cloud): Promise<string> {
  const data = await f.ok('mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id status } } }', { u: userId, d: f.datacenter[cloud] });
  expect(data.registerTenancy.tenancy.status).toBe('ACTIVE');
  return data.registerTenancy.tenancy.id;
}

const usernames = (list: TenancyOut[]) => list.map((t) => t.user.username);

async function errorOf(query: string, variables: Record<string, unknown>, token = f.admin) {
  const res = await f.gw.gql(query, variables, { token });
  expect(res.errors).toHaveLength(1);
  return { code: res.errors![0].extensions?.code, field: res.errors![0].extensions?.field, message: res.errors![0].message };
}

describe.each(CLOUDS)('tenancy administration on %s', (cloud) => {
  // Kept across the tests of one cloud: the order below is the life of a datacenter's users.
  let aliceNetworkId: string;
  const extra: { id: string; username: string }[] = [];

  it('registerAllUsers binds every live user but administrators and deleted users, and a rerun provisions nothing', async () => {
    const [one, two, gone] = [await newUser('reg'), await newUser('reg'), await newUser('gone')];
    extra.push(one, two);
    await f.ok('mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: gone.id });
    const everyone = await f.ok('{ users(first: 100) { nodes { tenancies { id status datacenter { kind } } } } }');
    const boundBefore = new Set<string>(
      everyone.users.nodes.flatMap((u: { tenancies: { id: string; status: string; datacenter: { kind: Cloud } }[] }) =>
        u.tenancies.filter((t) => t.status === 'ACTIVE' && t.datacenter.kind === cloud).map((t) => t.id),
      ),
    );
    await f.resetStats();

    const { registerAllUsers: first } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
    expect(first.job).toMatchObject({ kind: 'registerAllUsers', status: 'SUCCEEDED', progress: 100 });
    expect(first.job.events.map((e: { message: string }) => e.message)).toEqual(expect.arrayContaining([`${one.username}: ACTIVE`, `${two.username}: ACTIVE`]));
    expect(first.failed).toEqual([]);
    expect(usernames(first.succeeded)).toEqual(expect.arrayContaining(['alice', 'bob', one.username, two.username]));
    expect(usernames(first.succeeded)).not.toContain(gone.username);
    expect(usernames(first.succeeded)).not.toContain(ADMIN_LOGIN);
    for (const t of first.succeeded as TenancyOut[]) expect(t).toMatchObject({ status: 'ACTIVE', error: null, datacenter: { kind: cloud } });
    expect(first.succeeded.find((t: TenancyOut) => t.user.username === 'alice').id).toBe(f.alice.tenancy[cloud]);
    // Only users not bound yet reached the cloud's provisioning.
    const fresh = (first.succeeded as TenancyOut[]).filter((t) => !boundBefore.has(t.id));
    expect(usernames(fresh)).toEqual(expect.arrayContaining([one.username, two.username]));
    expect(await calls(cloud, [PROVISION[cloud]])).toBe(fresh.length);

    // The new tenancies hold working credentials: the tenant's own quota is read through them.
    const mine = first.succeeded.find((t: TenancyOut) => t.user.username === one.username);
    const quota = await f.ok('query($t: ID!) { node(id: $t) { ... on Tenancy { quota { instances { used } } } } }', { t: mine.id });
    expect(quota.node.quota.instances.used).toBe(0);
    const goneTenancies = await f.ok(USER_TENANCIES, { id: gone.id });
    expect(goneTenancies.node.tenancies).toEqual([]);

    await f.resetStats();
    const { registerAllUsers: again } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
    expect(await calls(cloud, [PROVISION[cloud]])).toBe(0);
    expect((again.succeeded as TenancyOut[]).map((t) => t.id).sort()).toEqual((first.succeeded as TenancyOut[]).map((t) => t.id).sort());
  });

  it('a user who fails keeps the failure on its tenancy and does not stop the others; a rerun completes it', async () => {
    // One user fails for the gateway's own reason (its tenancy is being removed), one after it is still bound.
    const stuck = await newUser('stuck');
    const stuckTenancy = await registerTenancy(stuck.id, cloud);
    await f.gw.store.db.update(tenancies).set({ status: 'REMOVING' }).where(eq(tenancies.id, localOf(stuckTenancy)));
    const after = await newUser('after');
    extra.push(after);
    try {
      const { registerAllUsers: res } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
      expect(res.job.status).toBe('SUCCEEDED');
      expect(res.failed).toEqual([expect.objectContaining({ id: stuckTenancy, status: 'REMOVING' })]);
      expect(res.succeeded).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'ACTIVE', user: after })]));
    } finally {
      await f.gw.store.db.update(tenancies).set({ status: 'ACTIVE' }).where(eq(tenancies.id, localOf(stuckTenancy)));
    }

    // The cloud refuses the next one: FAILED with the cloud's words, everyone else still listed as bound.
    const refused = await newUser('refused');
    extra.push(refused);
    await f.faults(cloud, { failingOperations: [PROVISION[cloud]], errorStatus: 500 });
    let failedId: string;
    try {
      const { registerAllUsers: res } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
      expect(res.job.status).toBe('SUCCEEDED');
      expect(res.failed).toHaveLength(1);
      const [failed] = res.failed as TenancyOut[];
      expect(failed).toMatchObject({ status: 'FAILED', user: refused, datacenter: { kind: cloud } });
      expect(failed.error).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status: 500 } });
      expect(failed.error!.datacenter).toMatch(/^sim-/);
      expect(usernames(res.succeeded)).toEqual(expect.arrayContaining(['alice', 'bob', after.username, stuck.username]));
      failedId = failed.id;
      const jobs = await f.ok('query($u: ID!) { jobs(userId: $u) { nodes { kind status error { code } } } }', { u: refused.id });
      expect(jobs.jobs.nodes).toEqual([{ kind: 'registerTenancy', status: 'FAILED', error: { code: 'UPSTREAM_ERROR' } }]);
    } finally {
      await f.faults(cloud, {});
    }

    const { registerAllUsers: rerun } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
    expect(rerun.failed).toEqual([]);
    expect(rerun.succeeded).toEqual(expect.arrayContaining([expect.objectContaining({ id: failedId, status: 'ACTIVE', error: null })]));
  });

  it('initializeUser makes the default network and security group rules, and only what is missing when run again', async () => {
    const zones = await f.ok('query($d: ID!) { datacenter(id: $d) { zones { id available } } }', { d: f.datacenter[cloud] });
    const firstZone = zones.datacenter.zones.find((z: { available: boolean }) => z.available).id;

    await f.resetStats();
    const { initializeUser: made } = await f.ok(INIT_USER, { u: f.alice.userId, d: f.datacenter[cloud] });
    // Neutron's default group lets everything out already; a CloudStack VPC's default ACL list starts empty.
    expect(await calls(cloud, [RULE_CREATE[cloud]])).toBe(cloud === 'OPENSTACK' ? 3 : 4);
    expect(made.job).toMatchObject({ kind: 'initializeUser', status: 'SUCCEEDED', progress: 100 });
    expect(made.job.events.map((e: { message: string }) => e.message)).toContain(`alice in ${cloud === 'OPENSTACK' ? 'sim-os' : 'sim-cs'}: ready`);
    expect(made.networks).toHaveLength(1);
    const [network] = made.networks;
    expect(network).toMatchObject({ name: 'alice-vpc', cidr: '10.0.1.0/24', datacenter: { kind: cloud } });
    expect(network.subnets.nodes).toEqual([{ name: 'alice-subnet', cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1' }]);
    if (network.zoneId !== null) expect(network.zoneId).toBe(firstZone);
    aliceNetworkId = network.id;

    const groups = (await f.ok(GROUPS, { t: f.alice.tenancy[cloud] }, f.alice.token)).node.securityGroups.nodes;
    const defaults = groups.filter((g: { isDefault: boolean }) => g.isDefault);
    expect(defaults).toHaveLength(1);
    const open = (rules: { direction: string; protocol: string; portMin: number | null; cidr: string | null }[]) =>
      rules.filter((r) => (r.cidr ?? '0.0.0.0/0') === '0.0.0.0/0').map((r) => `${r.direction} ${r.protocol} ${r.portMin ?? '*'}`);
    expect(open(defaults[0].rules)).toEqual(expect.arrayContaining(['INGRESS TCP 22', 'INGRESS TCP 3389', 'INGRESS ICMP *', 'EGRESS ANY *']));

    await f.resetStats();
    const { initializeUser: again } = await f.ok(INIT_USER, { u: f.alice.userId, d: f.datacenter[cloud] });
    expect(again.networks.map((n: { id: string }) => n.id)).toEqual([aliceNetworkId]);
    expect(await calls(cloud, MAKES[cloud])).toBe(0);
    const listed = (await f.ok(NETWORKS, { t: f.alice.tenancy[cloud] }, f.alice.token)).node.networks.nodes;
    expect(listed.filter((n: { name: string }) => n.name === 'alice-vpc')).toHaveLength(1);

    // One rule taken away in the cloud: a rerun puts back that one and nothing else.
    const t = await f.driver(f.alice, cloud);
    const group = (await t.listSecurityGroups()).find((g) => g.isDefault)!;
    const ssh = group.rules.find((r) => r.direction === 'INGRESS' && r.protocol === 'TCP' && r.portMin === 22)!;
    await settle(t, await t.removeSecurityGroupRule(group.id, ssh.id));
    await f.resetStats();
    await f.ok(INIT_USER, { u: f.alice.userId, d: f.datacenter[cloud] });
    expect(await calls(cloud, [RULE_CREATE[cloud]])).toBe(1);
    expect(await calls(cloud, MAKES[cloud])).toBe(1);
    const restored = (await t.listSecurityGroups()).find((g) => g.id === group.id)!;
    expect(restored.rules.some((r) => r.direction === 'INGRESS' && r.protocol === 'TCP' && r.portMin === 22 && r.portMax === 22)).toBe(true);
  });

  it('initializeUser names the argument at fault, before any cloud call', async () => {
    const loner = await newUser('loner');
    await f.resetStats();
    expect(await errorOf(INIT_USER, { u: loner.id, d: f.datacenter[cloud] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'datacenterId' });
    expect(await errorOf(INIT_USER, { u: loner.id, d: null })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await errorOf(INIT_USER, { u: f.alice.tenancy[cloud], d: f.datacenter[cloud] })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await errorOf(INIT_USER, { u: f.alice.userId, d: f.alice.tenancy[cloud] })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await errorOf(REGISTER_ALL, { d: 'not-an-id' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await errorOf(UNREGISTER_ALL, { d: f.alice.userId })).toMatchObject({ code: 'NOT_FOUND' });
    expect((await f.stats(cloud)).total).toBe(0);
  });

  it('a user cannot administer tenancies: bob with alice’s ids is FORBIDDEN and alice is unchanged', async () => {
    const before = (await f.ok(NETWORKS, { t: f.alice.tenancy[cloud] }, f.alice.token)).node;
    await f.resetStats();
    const attempts: [string, Record<string, unknown>][] = [
      [REGISTER_ALL, { d: f.datacenter[cloud] }],
      [UNREGISTER_ALL, { d: f.datacenter[cloud] }],
      [INIT_USER, { u: f.alice.userId, d: f.datacenter[cloud] }],
      [INIT_ALL, { d: f.datacenter[cloud] }],
      ['mutation($id: ID!) { unregisterTenancy(id: $id) { tenancy { id } } }', { id: f.alice.tenancy[cloud] }],
    ];
    for (const [query, variables] of attempts) expect((await errorOf(query, variables, f.bob.token)).code).toBe('FORBIDDEN');
    expect((await f.stats(cloud)).total).toBe(0);
    const after = (await f.ok(NETWORKS, { t: f.alice.tenancy[cloud] }, f.alice.token)).node;
    expect(after).toEqual(before);
    expect(after.status).toBe('ACTIVE');
  });

  it('unregisterAllUsers unbinds everyone but a tenant holding resources, whose refusal stays on its tenancy', async () => {
    await f.resetStats();
    const { unregisterAllUsers: res } = await f.ok(UNREGISTER_ALL, { d: f.datacenter[cloud] });
    expect(res.job).toMatchObject({ kind: 'unregisterAllUsers', status: 'SUCCEEDED' });
    expect(res.failed).toHaveLength(1);
    const [refused] = res.failed as TenancyOut[];
    expect(refused).toMatchObject({ id: f.alice.tenancy[cloud], status: 'ACTIVE', error: { code: 'CONFLICT' } });
    expect(refused.error!.message).toMatch(/1 network/);
    expect(usernames(res.succeeded)).toEqual(expect.arrayContaining(['bob', ...extra.map((u) => u.username)]));
    expect(await calls(cloud, [DEPROVISION[cloud]])).toBe(res.succeeded.length);

    // Alice keeps her tenancy and network; bob is bound nowhere in this datacenter any more.
    const kept = (await f.ok(NETWORKS, { t: f.alice.tenancy[cloud] }, f.alice.token)).node;
    expect(kept.networks.nodes.map((n: { id: string }) => n.id)).toContain(aliceNetworkId);
    const bob = await f.ok(USER_TENANCIES, { id: f.bob.userId });
    expect(bob.node.tenancies.map((t: { datacenter: { kind: Cloud } }) => t.datacenter.kind)).not.toContain(cloud);
    const old = await f.gw.gql(NETWORKS, { t: f.bob.tenancy[cloud] }, { token: f.bob.token });
    expect(old.errors?.[0].extensions?.code).toBe('NOT_FOUND');

    // Bound again for what follows: fresh tenancies, fresh tenants.
    const { registerAllUsers: back } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
    expect(back.failed).toEqual([]);
    f.bob.tenancy[cloud] = back.succeeded.find((t: TenancyOut) => t.user.username === 'bob').id;
  });

  it('initializeAllUsers gives every user with a tenancy there its default network, once', async () => {
    const { registerAllUsers: bound } = await f.ok(REGISTER_ALL, { d: f.datacenter[cloud] });
    const expected = usernames(bound.succeeded).map((u) => `${u}-vpc`);

    const { initializeAllUsers: res } = await f.ok(INIT_ALL, { d: f.datacenter[cloud] });
    expect(res.job).toEqual({ kind: 'initializeAllUsers', status: 'SUCCEEDED' });
    expect(res.networks.map((n: { name: string }) => n.name).sort()).toEqual(expected.sort());
    for (const n of res.networks) expect(n).toMatchObject({ cidr: '10.0.1.0/24', datacenter: { kind: cloud } });
    expect(res.networks.find((n: { name: string }) => n.name === 'alice-vpc').id).toBe(aliceNetworkId);

    await f.resetStats();
    const { initializeAllUsers: again } = await f.ok(INIT_ALL, { d: f.datacenter[cloud] });
    expect(again.networks.map((n: { id: string }) => n.id).sort()).toEqual(res.networks.map((n: { id: string }) => n.id).sort());
    expect(await calls(cloud, MAKES[cloud])).toBe(0);
  });
});

describe('across datacenters', () => {
  it('initializeUser without a datacenter sets up every ACTIVE tenancy of the user', async () => {
    const user = await newUser('both');
    for (const cloud of CLOUDS) await registerTenancy(user.id, cloud);
    const { initializeUser: res } = await f.ok(INIT_USER, { u: user.id, d: null });
    expect(res.job.status).toBe('SUCCEEDED');
    expect(res.networks.map((n: { name: string; datacenter: { kind: Cloud } }) => [n.datacenter.kind, n.name]).sort()).toEqual(
      CLOUDS.map((c) => [c, `${user.username}-vpc`]).sort(),
    );
  });

  it('a DISABLED datacenter takes neither registrations nor default environments', async () => {
    const user = await newUser('off');
    for (const cloud of CLOUDS) await registerTenancy(user.id, cloud);
    const disable = 'mutation($id: ID!, $s: DatacenterState!) { updateDatacenter(id: $id, input: { state: $s }) { state } }';
    await f.ok(disable, { id: f.datacenter.CLOUDSTACK, s: 'DISABLED' });
    try {
      await f.resetStats();
      expect(await errorOf(REGISTER_ALL, { d: f.datacenter.CLOUDSTACK })).toMatchObject({ code: 'CONFLICT', field: 'datacenterId' });
      expect(await errorOf(INIT_USER, { u: user.id, d: f.datacenter.CLOUDSTACK })).toMatchObject({ code: 'CONFLICT', field: 'datacenterId' });
      expect((await f.stats('CLOUDSTACK')).total).toBe(0);
      const { initializeUser: res } = await f.ok(INIT_USER, { u: user.id, d: null });
      expect(res.networks.map((n: { datacenter: { kind: Cloud } }) => n.datacenter.kind)).toEqual(['OPENSTACK']);
      expect(await calls('CLOUDSTACK', MAKES.CLOUDSTACK)).toBe(0);
    } finally {
      await f.ok(disable, { id: f.datacenter.CLOUDSTACK, s: 'ENABLED' });
    }
  });
});

describe('registration without waiting', () => {
  it('registerTenancy sent async comes back QUEUED with the tenancy PENDING; its job ends SUCCEEDED and the tenancy ACTIVE', async () => {
    const user = await newUser('async');
    const res = await f.gw.gql<any, any>(
      'mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { job { id kind status } tenancy { id status } } }',
      { u: user.id, d: f.datacenter.OPENSTACK },
      { token: f.admin, async: true },
    );
    expect(res.errors).toBeUndefined();
    const { job, tenancy } = res.data.registerTenancy;
    expect(job).toMatchObject({ kind: 'registerTenancy', status: 'QUEUED' });
    expect(tenancy.status).toBe('PENDING');

    let status = job.status;
    for (let i = 0; i < 300 && !['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await f.ok('query($id: ID!) { job(id: $id) { status } }', { id: job.id })).job.status;
    }
    expect(status).toBe('SUCCEEDED');
    const done = await f.ok('query($t: ID!) { node(id: $t) { ... on Tenancy { status error } } }', { t: tenancy.id });
    expect(done.node).toEqual({ status: 'ACTIVE', error: null });
    const bound = await f.ok(USER_TENANCIES, { id: user.id });
    expect(bound.node.tenancies).toEqual([{ id: tenancy.id, status: 'ACTIVE', datacenter: { kind: 'OPENSTACK' } }]);
  });
});
