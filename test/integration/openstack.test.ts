import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  CloudError,
  type OperationHandle,
  type OperationStatus,
  type ProvisionedTenant,
  type SecurityGroupRuleSpec,
  type TenantCredentials,
  type TenantDriver,
} from '../../src/clouds/driver';
import { OpenStackDriver } from '../../src/clouds/openstack';
import { Upstream } from '../../src/clouds/upstream';
import { createLogger } from '../../src/logger';
import { startOpenStackSimulator, type OpenStackSimulator } from '../../src/simulators/openstack';

/*
 * The OpenStack driver against the OpenStack simulator, over HTTP. Transitions are instant
 * (timeScale 0: a status changes by the next call) and every list pages at 5 (maxLimit), so
 * paging is followed everywhere. Upstream makes one attempt per call: failures show at once.
 */

const ADMIN_PASSWORD = 'os-Admin-Pa55word-Ωmega';
const logLines: string[] = [];
let sim: OpenStackSimulator;
let driver: OpenStackDriver;

function newDriver(): OpenStackDriver {
  const log = createLogger('debug', new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }));
  const upstream = new Upstream('os-test', log, null, { maxAttempts: 1, breakerThreshold: 10_000, timeoutMs: 5_000 });
  return new OpenStackDriver(sim.endpoint('dc-os', 'os-test'), { log, upstream });
}

beforeAll(async () => {
  sim = await startOpenStackSimulator({ timeScale: 0, maxLimit: 5, adminPassword: ADMIN_PASSWORD });
  driver = newDriver();
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => sim.setFaults({}));

// ---------------------------------------------------------------------------------------------
// helpers

type Ops = Record<string, number>;

async function stats(): Promise<{ total: number; operations: Ops }> {
  return (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { total: number; operations: Ops };
}

/** Runs `run` and tells which upstream calls it made. */
async function counting<T>(run: () => Promise<T>): Promise<{ result: T; ops: Ops; total: number; journal: string[] }> {
  const before = await stats();
  const from = sim.journal().length;
  const result = await run();
  const after = await stats();
  const ops: Ops = {};
  for (const [op, n] of Object.entries(after.operations)) if (n !== (before.operations[op] ?? 0)) ops[op] = n - (before.operations[op] ?? 0);
  return { result, ops, total: after.total - before.total, journal: sim.journal().slice(from) };
}

async function rejection(promise: Promise<unknown>): Promise<CloudError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(CloudError);
    return err as CloudError;
  }
  throw new Error('expected a CloudError');
}

const errors: CloudError[] = [];
async function failure(promise: Promise<unknown>): Promise<CloudError> {
  const err = await rejection(promise);
  errors.push(err);
  return err;
}

async function settle(d: { pollOperation(h: OperationHandle): Promise<OperationStatus> }, handle: OperationHandle): Promise<OperationStatus> {
  for (let i = 0; i < 20; i++) {
    const status = await d.pollOperation(handle);
    if (status.done) return status;
  }
  throw new Error('operation did not finish');
}

const tenants: ProvisionedTenant[] = [];
async function tenant(label: string): Promise<{ d: TenantDriver; t: ProvisionedTenant }> {
  const name = `${label}-${randomUUID().slice(0, 8)}`;
  const t = await driver.admin().provisionTenant({ name: `ct_${name}`, userName: `u_${name}` });
  tenants.push(t);
  return { d: driver.tenant(t.credentials), t };
}

async function adminToken(): Promise<string> {
  const res = await fetch(`${sim.identityUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  return res.headers.get('x-subject-token')!;
}

/** A token of the tenant's own user, for calling the simulator's APIs directly. */
async function tenantToken(t: ProvisionedTenant): Promise<string> {
  const c = t.credentials as Extract<TenantCredentials, { kind: 'OPENSTACK' }>;
  const res = await fetch(`${sim.identityUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { id: c.userId, password: c.password } } }, scope: { project: { id: c.projectId } } } }),
  });
  expect(res.status).toBe(201);
  return res.headers.get('x-subject-token')!;
}

/** One Neutron call straight to the simulator: status and JSON body (null when empty). */
async function neutron(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}/network/v2.0${path}`, {
    method,
    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Operations of a counted run, without the token and the once-per-datacenter external network look-up. */
function withoutWarmUp(ops: Ops): Ops {
  const { 'keystone.tokens.create': _token, ...rest } = ops;
  if (rest['neutron.networks.list'] === 1) delete rest['neutron.networks.list'];
  return rest;
}

const seededImage = () => [...sim.state.images.values()].find((i) => i.name === 'cirros-0.6.2-x86_64-disk')!.id;

async function network(d: TenantDriver, name = 'vpc', cidr = '10.0.0.0/16', subnet = '10.0.1.0/24') {
  const op = await d.createNetwork({ name, cidr, subnet: { name: `${name}-subnet`, cidr: subnet } });
  return op.resource!;
}

async function instance(d: TenantDriver, networkId: string, extra: Partial<Parameters<TenantDriver['createInstance']>[0]> = {}) {
  const op = await d.createInstance({ name: `vm-${randomUUID().slice(0, 6)}`, imageId: seededImage(), flavorId: '1', networkIds: [networkId], ...extra });
  const status = await settle(d, op.handle);
  expect(status).toEqual({ done: true, ok: true, resourceId: op.resource!.id });
  return op.resource!;
}

// ---------------------------------------------------------------------------------------------

describe('Keystone tokens', () => {
  it('caches one token per credential across calls and driver objects', async () => {
    const { t } = await tenant('cache');
    const { ops } = await counting(async () => {
      const d = driver.tenant(t.credentials);
      await d.listNetworks();
      await d.listKeyPairs();
      await driver.tenant(t.credentials).listVolumes();
    });
    expect(ops['keystone.tokens.create']).toBe(1);
  });

  it('authenticates again once when a service answers 401, then sends the call again', async () => {
    const { d } = await tenant('expire');
    await d.listKeyPairs();
    sim.expireTokens();
    const { result, ops, journal } = await counting(() => d.listKeyPairs());
    expect(result).toEqual([]);
    expect(ops['keystone.tokens.create']).toBe(1);
    expect(journal).toEqual(['nova.keypairs.list', 'keystone.tokens.create', 'nova.keypairs.list']);
  });

  it('replaces a token shortly before it expires, without waiting for a 401', async () => {
    const { d } = await tenant('ttl');
    sim.setTokenTtl(2);
    sim.expireTokens();
    try {
      await d.listKeyPairs(); // 401, then a token that lives 2 s
      await new Promise((r) => setTimeout(r, 1600));
      const { journal } = await counting(() => d.listKeyPairs());
      expect(journal).toEqual(['keystone.tokens.create', 'nova.keypairs.list']);
    } finally {
      sim.setTokenTtl(3600);
    }
  });

  it('reports refused credentials without repeating them', async () => {
    const { t } = await tenant('badpass');
    const creds = { ...t.credentials, password: 'Wrong-Pa55word-123' } as TenantCredentials;
    const err = await failure(driver.tenant(creds).listNetworks());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.upstream.status).toBe(401);
    expect(err.message).toMatch(/refused the credentials/);
  });
});

describe('tenant provisioning', () => {
  it('is idempotent: a second run finds the project and user of the first and completes them', async () => {
    const admin = driver.admin();
    const spec = { name: `ct_twice-${randomUUID().slice(0, 6)}`, userName: `u_twice-${randomUUID().slice(0, 6)}` };
    const first = await admin.provisionTenant(spec);
    const { result: second, ops } = await counting(() => admin.provisionTenant(spec));
    tenants.push(first);
    expect(second.projectId).toBe(first.projectId);
    expect(second.userId).toBe(first.userId);
    expect(ops).toMatchObject({ 'keystone.projects.create': 1, 'keystone.projects.list': 1, 'keystone.users.create': 1, 'keystone.users.list': 1, 'keystone.users.update': 1 });
    // The adopted user got the new password: the second credentials work.
    expect(await driver.tenant(second.credentials).listNetworks()).toEqual([]);
    expect(second.credentials.kind === 'OPENSTACK' && second.credentials.password).not.toBe(first.credentials.kind === 'OPENSTACK' && first.credentials.password);
  });

  it('adopts a project made out of band (409 on create)', async () => {
    const name = `ct_manual-${randomUUID().slice(0, 6)}`;
    const res = await fetch(`${sim.identityUrl}/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': await adminToken() },
      body: JSON.stringify({ project: { name, domain_id: 'default' } }),
    });
    expect(res.status).toBe(201);
    const manual = ((await res.json()) as { project: { id: string } }).project.id;
    const t = await driver.admin().provisionTenant({ name, userName: `u_${name}` });
    tenants.push(t);
    expect(t.projectId).toBe(manual);
    const d = driver.tenant(t.credentials);
    expect(await d.listSecurityGroups()).toEqual([expect.objectContaining({ name: 'default', isDefault: true })]);
  });

  it('removes a tenant, and removing it again is not an error', async () => {
    const t = await driver.admin().provisionTenant({ name: `ct_gone-${randomUUID().slice(0, 6)}`, userName: `u_gone-${randomUUID().slice(0, 6)}` });
    await driver.admin().removeTenant(t);
    await driver.admin().removeTenant(t);
    expect(sim.state.projects.has(t.projectId)).toBe(false);
    expect(sim.state.users.has(t.userId)).toBe(false);
  });
});

describe('tenant isolation', () => {
  it("a tenant neither sees nor touches another's network, server or volume", async () => {
    const a = await tenant('iso-a');
    const b = await tenant('iso-b');
    const net = await network(a.d);
    const vm = await instance(a.d, net.id);
    const vol = (await a.d.createVolume({ name: 'a-vol', sizeGb: 1 })).resource!;

    expect(await b.d.listNetworks({ ids: [net.id] })).toEqual([]);
    expect(await b.d.listInstances({ ids: [vm.id] })).toEqual([]);
    expect(await b.d.listVolumes({ ids: [vol.id] })).toEqual([]);
    expect(await b.d.listSubnets({ parentIds: [net.id] })).toEqual([]);

    for (const attempt of [
      b.d.updateNetwork(net.id, { name: 'stolen' }),
      b.d.deleteNetwork(net.id),
      b.d.terminateInstance(vm.id),
      b.d.instanceAction(vm.id, 'STOP'),
      b.d.deleteVolume(vol.id),
      b.d.attachVolume(vol.id, vm.id),
      b.d.deleteSubnet(net.subnetIds[0]),
    ]) {
      expect((await failure(attempt)).code).toBe('NOT_FOUND');
    }
    const fip = (await b.d.allocateFloatingIp({ bandwidthMbps: 1 })).resource!;
    expect((await failure(b.d.associateFloatingIp(fip.id, vm.id))).code).toBe('NOT_FOUND');
    expect(sim.state.networks.get(net.id)?.name).toBe('vpc');
  });
});

describe('networks', () => {
  it('creates network, subnet, router with its gateway on ext-net and an interface on the subnet', async () => {
    const { d } = await tenant('net');
    const { result: op, ops } = await counting(() => d.createNetwork({ name: 'web', description: 'front', cidr: '10.1.0.0/16', subnet: { name: 'web-a', cidr: '10.1.1.0/24', dnsNameservers: ['1.1.1.1'] } }));
    expect(withoutWarmUp(ops)).toEqual({
      'neutron.networks.create': 1,
      'neutron.subnets.create': 1,
      'neutron.routers.create': 1,
      'neutron.networks.tags.replace': 1,
      'neutron.routers.add_interface': 1,
    });
    const net = op.resource!;
    expect(net).toMatchObject({ name: 'web', description: 'front', cidr: '10.1.0.0/16', status: 'ACTIVE', subnetIds: [expect.any(String)] });
    expect(sim.state.networks.get(net.id)?.tags).toEqual(['cidr=10.1.0.0/16', `router=${net.routerId}`]);
    const router = sim.state.routers.get(net.routerId!)!;
    const extNet = [...sim.state.networks.values()].find((n) => n.name === 'ext-net')!;
    expect(router.gateway?.networkId).toBe(extNet.id);
    const iface = [...sim.state.ports.values()].find((p) => p.deviceId === router.id && p.deviceOwner === 'network:router_interface')!;
    expect(iface.fixedIps).toEqual([{ subnet_id: net.subnetIds[0], ip_address: '10.1.1.1' }]);
    expect(await d.listNetworks({ ids: [net.id] })).toEqual([net]);
    expect(await d.updateNetwork(net.id, { name: 'web2' })).toMatchObject({ name: 'web2', routerId: net.routerId, cidr: '10.1.0.0/16' });
  });

  it('checks a further subnet against the range kept on the network, in 3 calls', async () => {
    const { d } = await tenant('range');
    const net = await network(d, 'ranged', '10.0.0.0/16', '10.0.1.0/24');
    expect((await d.listNetworks({ ids: [net.id] }))[0]).toMatchObject({ cidr: '10.0.0.0/16', routerId: net.routerId });

    const outside = await counting(() => rejection(d.createSubnet(net.id, { name: 'far', cidr: '10.1.0.0/24' })));
    expect(outside.result).toMatchObject({ code: 'BAD_USER_INPUT', message: "subnet.cidr: 10.1.0.0/24 is not inside the network's range 10.0.0.0/16." });
    expect(outside.ops).toEqual({ 'neutron.networks.show': 1 });
    const wider = await rejection(d.createSubnet(net.id, { name: 'wide', cidr: '10.0.0.0/15' }));
    expect(wider.code).toBe('BAD_USER_INPUT');

    const inside = await counting(() => d.createSubnet(net.id, { name: 'near', cidr: '10.0.2.0/24' }));
    expect(inside.ops).toEqual({ 'neutron.networks.show': 1, 'neutron.subnets.create': 1, 'neutron.routers.add_interface': 1 });
    expect(inside.total).toBe(3);
    expect(inside.result).toMatchObject({ networkId: net.id, cidr: '10.0.2.0/24', gatewayIp: '10.0.2.1' });
    expect([...sim.state.subnets.values()].filter((s) => s.networkId === net.id).map((s) => s.cidr).sort()).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
  });

  it('joins a subnet added after the first one was deleted to the network router, and deletes that router with the network', async () => {
    const { d } = await tenant('rejoin');
    const net = await network(d);
    const routerPorts = () => [...sim.state.ports.values()].filter((p) => p.deviceId === net.routerId && p.deviceOwner === 'network:router_interface');
    await d.deleteSubnet(net.subnetIds[0]);
    expect(routerPorts()).toEqual([]);
    expect((await d.listNetworks({ ids: [net.id] }))[0]).toMatchObject({ subnetIds: [], cidr: '10.0.0.0/16', routerId: net.routerId });

    const { result: later, ops } = await counting(() => d.createSubnet(net.id, { name: 'later', cidr: '10.0.7.0/24' }));
    expect(ops['neutron.ports.list']).toBeUndefined();
    expect(routerPorts().map((p) => p.fixedIps)).toEqual([[{ subnet_id: later.id, ip_address: '10.0.7.1' }]]);

    // A network whose subnets are all gone still takes its router along.
    const bare = await network(d, 'bare', '10.2.0.0/16', '10.2.1.0/24');
    await d.deleteSubnet(bare.subnetIds[0]);
    await d.deleteNetwork(bare.id);
    expect(sim.state.routers.has(bare.routerId!)).toBe(false);
    expect(sim.state.networks.has(bare.id)).toBe(false);
    await d.deleteNetwork(net.id);
    expect(sim.state.routers.has(net.routerId!)).toBe(false);
  });

  it('reads a network without the tags (made elsewhere) by its first subnet and finds its router by interfaces', async () => {
    const { d, t } = await tenant('untagged');
    const net = await network(d, 'plain', '10.0.0.0/16', '10.0.1.0/24');
    expect(await neutron(await tenantToken(t), 'PUT', `/networks/${net.id}/tags`, { tags: [] })).toEqual({ status: 200, body: { tags: [] } });
    expect((await d.listNetworks({ ids: [net.id] }))[0]).toMatchObject({ cidr: '10.0.1.0/24', routerId: net.routerId });

    // No range to hold it to: only Neutron's own checks apply.
    const { result, ops, total } = await counting(() => d.createSubnet(net.id, { name: 'anywhere', cidr: '192.168.5.0/24' }));
    expect(ops).toEqual({ 'neutron.networks.show': 1, 'neutron.subnets.create': 1, 'neutron.ports.list': 1, 'neutron.routers.add_interface': 1 });
    expect(total).toBe(4);
    expect([...sim.state.ports.values()].some((p) => p.deviceId === net.routerId && p.fixedIps.some((ip) => ip.subnet_id === result.id))).toBe(true);
  });

  it('the simulator keeps network tags as Neutron does: replace-all, one by one, filters, and refusals', async () => {
    const { d, t } = await tenant('tags');
    const other = await tenant('tags-other');
    const token = await tenantToken(t);
    const red = await network(d, 'red', '10.3.0.0/16', '10.3.1.0/24');
    const both = await network(d, 'both', '10.4.0.0/16', '10.4.1.0/24');
    const revision = (id: string) => sim.state.networks.get(id)!.revision;

    const before = revision(red.id);
    const { result: replaced, ops } = await counting(() => neutron(token, 'PUT', `/networks/${red.id}/tags`, { tags: ['red'] }));
    expect(replaced).toEqual({ status: 200, body: { tags: ['red'] } });
    expect(ops).toEqual({ 'neutron.networks.tags.replace': 1 });
    expect(revision(red.id)).toBe(before + 1);
    expect(await neutron(token, 'PUT', `/networks/${both.id}/tags`, { tags: ['red', 'blue'] })).toEqual({ status: 200, body: { tags: ['red', 'blue'] } });
    expect((await neutron(token, 'GET', `/networks/${red.id}`)).body.network.tags).toEqual(['red']);
    expect(await neutron(token, 'GET', `/networks/${both.id}/tags`)).toEqual({ status: 200, body: { tags: ['red', 'blue'] } });

    const names = async (query: string) =>
      ((await neutron(token, 'GET', `/networks?${query}`)).body.networks as { name: string; 'router:external': boolean }[])
        .filter((n) => !n['router:external'])
        .map((n) => n.name)
        .sort();
    expect(await names('tags=red')).toEqual(['both', 'red']);
    expect(await names('tags=red,blue')).toEqual(['both']);
    expect(await names('tags=red&tags=blue')).toEqual(['both']);
    expect(await names('tags-any=blue,green')).toEqual(['both']);
    expect(await names('not-tags=red,blue')).toEqual(['red']);
    expect(await names('not-tags-any=blue')).toEqual(['red']);
    expect((await neutron(token, 'GET', '/networks?colour=red')).status).toBe(400);

    expect(await neutron(token, 'PUT', `/networks/${red.id}/tags/${encodeURIComponent('cidr=10.3.0.0/16')}`)).toEqual({ status: 201, body: null });
    expect((await neutron(token, 'GET', `/networks/${red.id}/tags/${encodeURIComponent('cidr=10.3.0.0/16')}`)).status).toBe(204);
    expect(await neutron(token, 'GET', `/networks/${red.id}/tags`)).toEqual({ status: 200, body: { tags: ['red', 'cidr=10.3.0.0/16'] } });
    expect((await neutron(token, 'DELETE', `/networks/${red.id}/tags/red`)).status).toBe(204);
    expect(await neutron(token, 'DELETE', `/networks/${red.id}/tags/red`)).toEqual({ status: 404, body: { NeutronError: { type: 'TagNotFound', message: 'Tag red could not be found.', detail: '' } } });
    expect((await neutron(token, 'DELETE', `/networks/${red.id}/tags`)).status).toBe(204);
    expect((await neutron(token, 'GET', `/networks/${red.id}/tags`)).body).toEqual({ tags: [] });

    const refused = async (body: unknown) => {
      const res = await neutron(token, 'PUT', `/networks/${red.id}/tags`, body);
      expect(res.status).toBe(400);
      expect(res.body.NeutronError.type).toBe('InvalidInput');
      return res.body.NeutronError.message as string;
    };
    expect(await refused({ tags: ['x'.repeat(256)] })).toBe(`Invalid input for operation: '${'x'.repeat(256)}' exceeds maximum length of 255.`);
    expect(await refused({ tags: ['a', 'b', 'a'] })).toBe("Invalid input for operation: Duplicate items in the list: 'a'.");
    expect(await refused({ tags: [5] })).toBe("Invalid input for operation: '5' is not a valid string.");
    expect(await refused({ tags: 'red' })).toBe("Invalid input for operation: 'red' is not a list.");
    expect(await refused({ colours: ['red'] })).toBe('Invalid input for operation: Invalid tags body.');
    expect((await neutron(token, 'GET', `/networks/${red.id}/tags`)).body).toEqual({ tags: [] });
    expect(await neutron(token, 'PUT', `/networks/${red.id}/tags`, { tags: ['y'.repeat(255), 'with,comma'] })).toMatchObject({ status: 200 });

    // Another project's network does not exist for this one; a visible one it does not own cannot be tagged.
    const theirs = await network(other.d, 'theirs', '10.5.0.0/16', '10.5.1.0/24');
    expect(await neutron(token, 'PUT', `/networks/${theirs.id}/tags`, { tags: ['mine'] })).toMatchObject({ status: 404, body: { NeutronError: { type: 'TagResourceNotFound' } } });
    expect((await neutron(token, 'GET', `/networks/${theirs.id}/tags`)).status).toBe(404);
    const extNet = [...sim.state.networks.values()].find((n) => n.name === 'ext-net')!;
    expect(await neutron(token, 'PUT', `/networks/${extNet.id}/tags`, { tags: ['mine'] })).toMatchObject({ status: 403, body: { NeutronError: { type: 'PolicyNotAuthorized' } } });
    expect(sim.state.networks.get(theirs.id)?.tags).toEqual(['cidr=10.5.0.0/16', `router=${theirs.routerId}`]);
    expect(extNet.tags).toEqual([]);
  });

  it('checks the subnet against the network range before calling the cloud', async () => {
    const { d } = await tenant('netbad');
    const { result, total } = await counting(() => rejection(d.createNetwork({ name: 'x', cidr: '10.0.0.0/16', subnet: { name: 's', cidr: '192.168.0.0/24' } })));
    expect(result.code).toBe('BAD_USER_INPUT');
    expect(result.message).toMatch(/subnet\.cidr/);
    expect(total).toBeLessThanOrEqual(1); // at most the external network lookup
  });

  it('undoes a half-made network when a step fails, and names the step', async () => {
    const { d, t } = await tenant('netundo');
    sim.setFaults({ failingOperations: ['neutron.routers.add_interface'], errorStatus: 500 });
    const err = await failure(d.createNetwork({ name: 'half', cidr: '10.9.0.0/16', subnet: { name: 'h', cidr: '10.9.1.0/24' } }));
    expect(err).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status: 500 } });
    expect(err.message).toContain('failed at step "add router interface"');
    const mine = <T extends { projectId: string }>(items: Map<string, T>) => [...items.values()].filter((x) => x.projectId === t.projectId);
    expect(mine(sim.state.networks)).toEqual([]);
    expect(mine(sim.state.subnets)).toEqual([]);
    expect(mine(sim.state.routers)).toEqual([]);
  });

  it('deletes in order: router interface, gateway, router, subnets, network', async () => {
    const { d } = await tenant('netdel');
    const net = await network(d);
    const { journal } = await counting(() => d.deleteNetwork(net.id));
    const writes = journal.filter((op) => !op.endsWith('.list') && !op.endsWith('.show') && !op.startsWith('keystone.'));
    expect(writes).toEqual([
      'neutron.routers.remove_interface',
      'neutron.routers.update',
      'neutron.routers.delete',
      'neutron.subnets.delete',
      'neutron.networks.delete',
    ]);
    expect(sim.state.networks.has(net.id)).toBe(false);
    expect(sim.state.routers.has(net.routerId!)).toBe(false);
  });

  it('reports the step that failed, and a second run finishes the job', async () => {
    const { d } = await tenant('netfail');
    const net = await network(d);
    sim.setFaults({ failingOperations: ['neutron.subnets.delete'], errorStatus: 500 });
    const err = await failure(d.deleteNetwork(net.id));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.message).toContain(`failed at step "delete subnet ${net.subnetIds[0]}"`);
    expect(err.upstream.status).toBe(500);
    expect(sim.state.routers.has(net.routerId!)).toBe(false);
    sim.setFaults({});
    await d.deleteNetwork(net.id);
    expect(sim.state.networks.has(net.id)).toBe(false);
  });

  it('refuses to delete a network instances still use, touching nothing', async () => {
    const { d } = await tenant('netbusy');
    const net = await network(d);
    await instance(d, net.id);
    const { result, journal } = await counting(() => rejection(d.deleteNetwork(net.id)));
    expect(result.code).toBe('CONFLICT');
    expect(journal.filter((op) => op.endsWith('.delete') || op.endsWith('_interface'))).toEqual([]);
  });

  it('adds further subnets to the network router; deleting one removes its interface first', async () => {
    const { d } = await tenant('subnets');
    const net = await network(d);
    const second = await d.createSubnet(net.id, { name: 'b', cidr: '10.0.2.0/24', gatewayIp: '10.0.2.1' });
    const routerPorts = () => [...sim.state.ports.values()].filter((p) => p.deviceId === net.routerId && p.deviceOwner === 'network:router_interface');
    expect(routerPorts().map((p) => p.fixedIps[0].subnet_id).sort()).toEqual([net.subnetIds[0], second.id].sort());
    expect(await d.listSubnets({ parentIds: [net.id] })).toHaveLength(2);
    expect(await d.updateSubnet(second.id, { name: 'b2' })).toMatchObject({ name: 'b2', cidr: '10.0.2.0/24', gatewayIp: '10.0.2.1', enableDhcp: true });
    const overlap = await failure(d.createSubnet(net.id, { name: 'c', cidr: '10.0.2.128/25' }));
    expect(overlap).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { status: 400, code: 'InvalidInput' } });
    await d.deleteSubnet(second.id);
    expect(routerPorts()).toHaveLength(1);
    expect(sim.state.subnets.has(second.id)).toBe(false);
  });

  it('computes IP availability as the admin-only Neutron API does, in 3 calls', async () => {
    const { d } = await tenant('ips');
    const net = await network(d);
    await instance(d, net.id);
    const { result, total } = await counting(() => d.ipAvailability([net.id]));
    expect(total).toBe(3);
    const res = await fetch(`${sim.url}/network/v2.0/network-ip-availabilities/${net.id}`, { headers: { 'x-auth-token': await adminToken() } });
    const truth = ((await res.json()) as { network_ip_availability: { total_ips: number; used_ips: number } }).network_ip_availability;
    expect(result).toEqual([{ networkId: net.id, total: truth.total_ips, used: truth.used_ips, subnets: [expect.objectContaining({ subnetId: net.subnetIds[0], total: 253, used: 3 })] }]);
  });
});

describe('security groups', () => {
  it("maps the default group's four stock rules", async () => {
    const { d } = await tenant('sgdef');
    const [group] = await d.listSecurityGroups();
    expect(group).toMatchObject({ name: 'default', isDefault: true });
    const base = { protocol: 'ANY', portMin: null, portMax: null, cidr: null };
    expect(group.rules).toHaveLength(4);
    expect(group.rules).toEqual(
      expect.arrayContaining([
        { id: expect.any(String), direction: 'EGRESS', ethertype: 'IPv4', remoteGroupId: null, ...base },
        { id: expect.any(String), direction: 'EGRESS', ethertype: 'IPv6', remoteGroupId: null, ...base },
        { id: expect.any(String), direction: 'INGRESS', ethertype: 'IPv4', remoteGroupId: group.id, ...base },
        { id: expect.any(String), direction: 'INGRESS', ethertype: 'IPv6', remoteGroupId: group.id, ...base },
      ]),
    );
  });

  it('writes rules as Neutron expects and reads them back the same', async () => {
    const { d } = await tenant('sgrules');
    const group = await d.createSecurityGroup({ name: 'web', description: 'http' });
    expect(group.rules.map((r) => `${r.direction} ${r.ethertype} ${r.protocol}`).sort()).toEqual(['EGRESS IPv4 ANY', 'EGRESS IPv6 ANY']);
    const specs: [SecurityGroupRuleSpec, Record<string, unknown>][] = [
      [
        { direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' },
        { direction: 'ingress', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' },
      ],
      [
        { direction: 'INGRESS', protocol: 'TCP', portMin: 8000, portMax: 8080, cidr: '10.0.0.0/8', remoteGroupId: null, ethertype: 'IPv4' },
        { direction: 'ingress', protocol: 'tcp', portRangeMin: 8000, portRangeMax: 8080, remoteIpPrefix: '10.0.0.0/8' },
      ],
      [
        { direction: 'INGRESS', protocol: 'ICMP', portMin: 8, portMax: 0, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' },
        { direction: 'ingress', protocol: 'icmp', portRangeMin: 8, portRangeMax: 0 },
      ],
      [
        { direction: 'EGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '::/0', remoteGroupId: null, ethertype: 'IPv6' },
        { direction: 'egress', protocol: 'udp', ethertype: 'IPv6', remoteIpPrefix: '::/0' },
      ],
      [
        { direction: 'INGRESS', protocol: 'ANY', portMin: null, portMax: null, cidr: null, remoteGroupId: group.id, ethertype: 'IPv4' },
        { direction: 'ingress', protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: group.id },
      ],
    ];
    for (const [spec, wire] of specs) {
      const op = await d.addSecurityGroupRule(group.id, spec);
      expect(op.resource).toEqual({ id: expect.any(String), ...spec });
      expect(sim.state.securityGroupRules.get(op.resource!.id)).toMatchObject(wire);
    }
    const [read] = await d.listSecurityGroups({ ids: [group.id] });
    for (const [spec] of specs) expect(read.rules).toContainEqual({ id: expect.any(String), ...spec });

    const dup = await failure(d.addSecurityGroupRule(group.id, specs[0][0]));
    expect(dup).toMatchObject({ code: 'CONFLICT', upstream: { status: 409, code: 'SecurityGroupRuleExists' } });
    const [other] = await d.listSecurityGroups();
    expect((await failure(d.removeSecurityGroupRule(other.id === group.id ? 'x' : other.id, read.rules[0].id))).code).toBe('NOT_FOUND');
    await d.removeSecurityGroupRule(group.id, read.rules[0].id);
    expect(sim.state.securityGroupRules.has(read.rules[0].id)).toBe(false);
    expect(await d.updateSecurityGroup(group.id, { name: 'web2' })).toMatchObject({ name: 'web2', description: 'http' });
    await d.deleteSecurityGroup(group.id);
    expect(await d.listSecurityGroups({ ids: [group.id] })).toEqual([]);
  });

  it('leaves the default group alone: Neutron refuses and the refusal is a CONFLICT with its words', async () => {
    const { d } = await tenant('sgdel');
    const [group] = await d.listSecurityGroups();
    const err = await failure(d.deleteSecurityGroup(group.id));
    expect(err).toMatchObject({
      code: 'CONFLICT',
      upstream: { status: 409, code: 'SecurityGroupCannotRemoveDefault', message: 'Insufficient rights for removing default security group.' },
    });
  });
});

describe('instances', () => {
  it('creates one, stamps the operation id, and a retry with the same id finds it', async () => {
    const { d } = await tenant('vm');
    const net = await network(d);
    const [sg] = await d.listSecurityGroups();
    const spec = { name: 'web-1', imageId: seededImage(), flavorId: '1', networkIds: [net.id], operationId: 'op-123' };
    const op = await d.createInstance(spec);
    expect(op.resource).toMatchObject({ name: 'web-1', status: 'BUILDING', cpu: 1, memoryMb: 512, operationId: 'op-123' });
    expect(await settle(d, op.handle)).toEqual({ done: true, ok: true, resourceId: op.resource!.id });
    expect(sim.state.servers.get(op.resource!.id)?.metadata).toEqual({ ecsgraph_operation: 'op-123' });

    const { result: again, ops } = await counting(() => d.createInstance(spec));
    expect(again.resource?.id).toBe(op.resource!.id);
    expect(ops['nova.servers.create']).toBeUndefined();

    const [vm] = await d.listInstances({ ids: [op.resource!.id] });
    const port = [...sim.state.ports.values()].find((p) => p.deviceId === vm.id)!;
    expect(vm).toMatchObject({
      status: 'RUNNING',
      cloudStatus: 'ACTIVE',
      flavorId: '1',
      imageId: seededImage(),
      zoneId: 'nova',
      securityGroupIds: [sg.id],
      operationId: 'op-123',
      addresses: [{ networkId: net.id, subnetId: net.subnetIds[0], ip: port.fixedIps[0].ip_address, mac: port.macAddress, floating: false }],
    });
    expect(await d.listInstances({ parentIds: [net.id] })).toHaveLength(1);
    expect(await d.listInstances({ parentIds: ['other-network'] })).toEqual([]);
  });

  it("a first attempt stamps its operation id without looking for an earlier attempt's server", async () => {
    const { d } = await tenant('vm-first');
    const net = await network(d);
    const spec = { name: 'web-2', imageId: seededImage(), flavorId: '1', networkIds: [net.id], operationId: 'op-456', firstAttempt: true };
    const { result: op, ops } = await counting(() => d.createInstance(spec));
    expect(ops['nova.servers.detail']).toBeUndefined();
    expect(ops['nova.servers.create']).toBe(1);
    expect(sim.state.servers.get(op.resource!.id)?.metadata).toEqual({ ecsgraph_operation: 'op-456' });
    // A later attempt at the same operation looks, and finds it.
    const { result: again, ops: later } = await counting(() => d.createInstance({ ...spec, firstAttempt: false }));
    expect(again.resource?.id).toBe(op.resource!.id);
    expect(later['nova.servers.create']).toBeUndefined();
  });

  it('follows an instance that fails to ERROR, with the fault as the reason', async () => {
    const { d } = await tenant('broken');
    const net = await network(d);
    const broken = (await d.listImages()).find((i) => i.name === 'broken-image')!;
    const op = await d.createInstance({ name: 'doomed', imageId: broken.id, flavorId: '1', networkIds: [net.id] });
    const status = await settle(d, op.handle);
    expect(status).toMatchObject({ done: true, ok: false, error: { code: 'UPSTREAM_ERROR', upstream: { code: 'ERROR', message: expect.stringContaining('No valid host') } } });
  });

  it('starts, stops, reboots, resizes (confirming), rebuilds, renames and terminates', async () => {
    const { d } = await tenant('actions');
    const net = await network(d);
    const vm = await instance(d, net.id);
    const run = async (op: Promise<{ handle: OperationHandle }>) => expect(await settle(d, (await op).handle)).toMatchObject({ done: true, ok: true });

    const conflict = await failure(d.instanceAction(vm.id, 'START'));
    expect(conflict).toMatchObject({ code: 'CONFLICT', upstream: { status: 409, code: 'conflictingRequest', message: `Cannot 'os-start' instance ${vm.id} while it is in vm_state active` } });

    await run(d.instanceAction(vm.id, 'STOP'));
    expect((await d.listInstances({ ids: [vm.id] }))[0]).toMatchObject({ status: 'STOPPED', cloudStatus: 'SHUTOFF' });
    expect((await failure(d.instanceAction(vm.id, 'REBOOT'))).code).toBe('CONFLICT');
    await run(d.instanceAction(vm.id, 'START'));
    await run(d.instanceAction(vm.id, 'REBOOT'));
    await run(d.instanceAction(vm.id, 'HARD_REBOOT'));
    await run(d.resizeInstance(vm.id, '3'));
    expect((await d.listInstances({ ids: [vm.id] }))[0]).toMatchObject({ status: 'RUNNING', flavorId: '3', cpu: 2, memoryMb: 4096 });
    const ubuntu = [...sim.state.images.values()].find((i) => i.name === 'Ubuntu 22.04')!.id;
    await run(d.rebuildInstance(vm.id, { imageId: ubuntu, adminPassword: 'n3w-Pass', name: 'rebuilt' }));
    expect(await d.renameInstance(vm.id, 'renamed')).toMatchObject({ name: 'renamed', imageId: ubuntu, status: 'RUNNING' });
    const end = await d.terminateInstance(vm.id);
    expect(await settle(d, end.handle)).toEqual({ done: true, ok: true, resourceId: vm.id });
    expect(sim.state.servers.has(vm.id)).toBe(false);
  });

  it('reports a resize Nova rolled back (ACTIVE again, old flavor) as failed, not done', async () => {
    const { d } = await tenant('nohost');
    const net = await network(d);
    const vm = await instance(d, net.id);
    const flavor = await driver.admin().createFlavor({ name: `m1.nohost-${randomUUID().slice(0, 4)}`, cpu: 2, memoryMb: 2048, diskGb: 20 });
    const status = await settle(d, (await d.resizeInstance(vm.id, flavor.id)).handle);
    expect(status).toMatchObject({ done: true, ok: false, error: { code: 'UPSTREAM_ERROR', message: expect.stringMatching(/did not resize it/) } });
    expect((await d.listInstances({ ids: [vm.id] }))[0]).toMatchObject({ status: 'RUNNING', flavorId: '1' });
  });

  it('maps a Nova quota refusal (403 "Quota exceeded for cores") to QUOTA_EXCEEDED', async () => {
    const { d, t } = await tenant('quota');
    const net = await network(d);
    sim.setQuota(t.projectId, { cores: 1 });
    const err = await failure(d.createInstance({ name: 'big', imageId: seededImage(), flavorId: '3', networkIds: [net.id] }));
    expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', upstream: { status: 403, code: 'forbidden', message: expect.stringMatching(/^Quota exceeded for cores/) } });
    expect(await d.quota()).toMatchObject({ cpu: { limit: 1, used: 0 }, instances: { limit: 10, used: 0 }, memoryMb: { limit: 51200, used: 0 }, networks: { used: 1 } });
  });

  it('follows Nova pages past the page limit, and lists 1 or 50 ids in the same number of calls', async () => {
    const { d } = await tenant('pages');
    const net = await network(d);
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await d.createInstance({ name: `p${i}`, imageId: seededImage(), flavorId: '1', networkIds: [net.id] })).resource!.id);
    const { result: all, ops } = await counting(() => d.listInstances());
    expect(all.map((i) => i.id).sort()).toEqual([...made].sort());
    expect(ops['nova.servers.detail']).toBe(2);

    // The count depends on pages, never on how many ids are asked for.
    const one = await counting(() => d.listInstances({ ids: [made[0]] }));
    const fifty = await counting(() => d.listInstances({ ids: [made[0], ...Array.from({ length: 49 }, () => randomUUID())] }));
    expect(one.result).toHaveLength(1);
    expect(fifty.result).toHaveLength(1);
    expect(fifty.total).toBe(one.total);
    expect(fifty.ops).toEqual({ 'nova.servers.detail': 2, 'neutron.ports.list': 1 });
  });
});

describe('key pairs', () => {
  it('generates an Ed25519 pair when no public key is given and returns the private key once', async () => {
    const { d } = await tenant('keys');
    const { keyPair, privateKey } = await d.createKeyPair({ name: 'mine' });
    expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(keyPair.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ mine$/);
    const blob = Buffer.from(keyPair.publicKey!.split(' ')[1], 'base64');
    expect(keyPair.fingerprint).toBe(createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:'));
    // The private key embeds the same public key.
    const body = Buffer.from(privateKey!.split('\n').slice(1, -2).join(''), 'base64');
    expect(body.includes(blob)).toBe(true);

    const imported = await d.createKeyPair({ name: 'imported', publicKey: keyPair.publicKey });
    expect(imported).toEqual({ keyPair: { name: 'imported', fingerprint: keyPair.fingerprint, publicKey: keyPair.publicKey }, privateKey: null });
    expect((await d.listKeyPairs()).map((k) => k.name)).toEqual(['imported', 'mine']);
    expect(await d.listKeyPairs({ ids: ['mine'] })).toEqual([keyPair]);
    expect((await failure(d.createKeyPair({ name: 'mine' }))).code).toBe('CONFLICT');
    await d.deleteKeyPair('mine');
    expect((await failure(d.deleteKeyPair('mine'))).code).toBe('NOT_FOUND');
  });
});

describe('floating IPs', () => {
  it('keeps the bandwidth in the description and associates through the instance port', async () => {
    const { d, t } = await tenant('fip');
    const net = await network(d);
    const vm = await instance(d, net.id);
    const fip = (await d.allocateFloatingIp({ bandwidthMbps: 5 })).resource!;
    expect(fip).toMatchObject({ status: 'DOWN', instanceId: null, bandwidthMbps: 5 });
    expect(sim.state.floatingIps.get(fip.id)?.description).toBe('bandwidth=5');

    const assoc = await d.associateFloatingIp(fip.id, vm.id);
    expect(await settle(d, assoc.handle)).toMatchObject({ done: true, ok: true });
    expect(await d.listFloatingIps({ parentIds: [vm.id] })).toEqual([{ ...fip, status: 'ACTIVE', instanceId: vm.id, networkId: net.id }]);
    const [withFip] = await d.listInstances({ ids: [vm.id] });
    expect(withFip.addresses).toContainEqual(expect.objectContaining({ ip: fip.address, floating: true, networkId: net.id }));

    expect(await settle(d, (await d.disassociateFloatingIp(fip.id)).handle)).toMatchObject({ ok: true });
    expect(await d.listFloatingIps({ parentIds: [vm.id] })).toEqual([]);
    await d.releaseFloatingIp(fip.id);
    expect(await d.listFloatingIps({ ids: [fip.id] })).toEqual([]);

    sim.setQuota(t.projectId, { floatingIps: 1 });
    await d.allocateFloatingIp({ bandwidthMbps: 1 });
    const over = await failure(d.allocateFloatingIp({ bandwidthMbps: 1 }));
    expect(over).toMatchObject({ code: 'QUOTA_EXCEEDED', upstream: { status: 409, code: 'OverQuota', message: "Quota exceeded for resources: ['floatingip']." } });
  });
});

describe('volumes and backups', () => {
  it('creates, attaches, backs up, restores, detaches and deletes', async () => {
    const { d } = await tenant('vol');
    const net = await network(d);
    const vm = await instance(d, net.id);
    const created = await d.createVolume({ name: 'data', sizeGb: 10, type: 'SSD' });
    expect(created.resource).toMatchObject({ status: 'CREATING', type: 'SSD', sizeGb: 10 });
    expect(await settle(d, created.handle)).toMatchObject({ ok: true });
    const vol = created.resource!;

    expect(await settle(d, (await d.attachVolume(vol.id, vm.id)).handle)).toMatchObject({ ok: true });
    expect(await d.listVolumes({ parentIds: [vm.id] })).toEqual([expect.objectContaining({ id: vol.id, status: 'IN_USE', instanceId: vm.id })]);
    expect((await d.listInstances({ ids: [vm.id] }))[0].volumeIds).toEqual([vol.id]);

    const inUse = await failure(d.deleteVolume(vol.id));
    expect(inUse).toMatchObject({ code: 'CONFLICT', upstream: { status: 400, code: 'badRequest', message: expect.stringMatching(/^Invalid volume:/) } });

    const backup = await d.createBackup({ volumeId: vol.id, name: 'nightly', description: 'system disk' });
    expect(await settle(d, backup.handle)).toMatchObject({ ok: true });
    expect(await d.listBackups({ parentIds: [vol.id] })).toEqual([expect.objectContaining({ id: backup.resource!.id, status: 'AVAILABLE', sizeGb: 10, description: 'system disk' })]);
    expect(await d.listBackups({ parentIds: [vol.id, randomUUID()] })).toHaveLength(1);

    const restored = await d.restoreBackup(backup.resource!.id, { name: 'copy' });
    expect(restored.resource).toMatchObject({ name: 'copy', sizeGb: 10 });
    expect(await settle(d, restored.handle)).toMatchObject({ ok: true });

    expect(await settle(d, (await d.detachVolume(vol.id)).handle)).toMatchObject({ ok: true });
    expect((await failure(d.detachVolume(vol.id))).code).toBe('CONFLICT');
    expect(await settle(d, (await d.deleteVolume(vol.id)).handle)).toEqual({ done: true, ok: true, resourceId: vol.id });
    expect(await settle(d, (await d.deleteBackup(backup.resource!.id)).handle)).toMatchObject({ ok: true });
    expect((await d.listVolumes()).map((v) => v.name)).toEqual(['copy']);
  });

  it('reports an attach the compute host rolled back (available again) as failed', async () => {
    const { d } = await tenant('unattachable');
    const net = await network(d);
    const vm = await instance(d, net.id);
    const created = await d.createVolume({ name: 'unattachable-data', sizeGb: 1 });
    await settle(d, created.handle);
    const status = await settle(d, (await d.attachVolume(created.resource!.id, vm.id)).handle);
    expect(status).toMatchObject({ done: true, ok: false });
    expect((await d.listVolumes({ ids: [created.resource!.id] }))[0]).toMatchObject({ status: 'AVAILABLE', instanceId: null });
  });

  it('maps Cinder 413 to QUOTA_EXCEEDED and follows a volume to error', async () => {
    const { d } = await tenant('volq');
    const err = await failure(d.createVolume({ name: 'huge', sizeGb: 2000 }));
    expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', upstream: { status: 413, code: 'overLimit' } });
    const broken = await d.createVolume({ name: 'broken-disk', sizeGb: 1 });
    expect(await settle(d, broken.handle)).toMatchObject({ done: true, ok: false, error: { upstream: { code: 'ERROR' } } });
    expect(await d.quota()).toMatchObject({ volumes: { limit: 10, used: 1 }, volumeGb: { limit: 1000, used: 1 } });
  });
});

describe('catalog', () => {
  it('lists zones and flavors; only the admin creates flavors, and a duplicate is a CONFLICT', async () => {
    const { d } = await tenant('catalog');
    expect(await d.listZones()).toEqual([{ id: 'nova', name: 'nova', available: true }]);
    expect(await d.listFlavors({ ids: ['1', '4'] })).toEqual([
      { id: '1', name: 'm1.tiny', cpu: 1, memoryMb: 512, diskGb: 1 },
      { id: '4', name: 'm1.large', cpu: 4, memoryMb: 8192, diskGb: 80 },
    ]);
    const flavor = await driver.admin().createFlavor({ name: 'c2.m4', cpu: 2, memoryMb: 4096, diskGb: 20 });
    expect(flavor).toMatchObject({ name: 'c2.m4', cpu: 2, memoryMb: 4096, diskGb: 20 });
    expect((await failure(driver.admin().createFlavor({ name: 'c2.m4', cpu: 2, memoryMb: 4096, diskGb: 20 }))).code).toBe('CONFLICT');
  });

  it('follows Glance pages of 25 to the end, and batches ids with id=in:', async () => {
    const { d } = await tenant('images');
    for (let i = 0; i < 30; i++) sim.addImage({ name: `extra-${i}`, properties: { os_type: 'linux' } });
    const total = sim.state.images.size;
    const { result: all, ops } = await counting(() => d.listImages());
    expect(all).toHaveLength(total);
    expect(ops['glance.images.list']).toBe(Math.floor(total / 25) + 1);
    const some = all.slice(0, 3).map((i) => i.id);
    const { result, ops: byId } = await counting(() => d.listImages({ ids: [...some, randomUUID()] }));
    expect(result.map((i) => i.id).sort()).toEqual([...some].sort());
    expect(byId['glance.images.list']).toBe(1);
    expect(all.find((i) => i.name === 'CentOS 7')).toMatchObject({ osType: 'linux', status: 'ACTIVE', minDiskGb: 10, isPublic: true });
  });

  it('reads endpoints from the catalog only (internal ones do not resolve) and batches network ids', async () => {
    const { d } = await tenant('batch');
    const net = await network(d);
    const one = await counting(() => d.listNetworks({ ids: [net.id] }));
    const fifty = await counting(() => d.listNetworks({ ids: [net.id, ...Array.from({ length: 49 }, () => randomUUID())] }));
    expect(one.result).toHaveLength(1);
    expect(fifty.result).toHaveLength(1);
    expect(fifty.total).toBe(one.total);
    expect(fifty.ops).toEqual({ 'neutron.networks.list': 1, 'neutron.subnets.list': 1, 'neutron.ports.list': 1 });
  });
});

describe('errors', () => {
  it('keeps Nova and Neutron error words in upstream', async () => {
    const { d } = await tenant('errs');
    const gone = await failure(d.renameInstance(randomUUID(), 'x'));
    expect(gone).toMatchObject({ code: 'NOT_FOUND', upstream: { status: 404, code: 'itemNotFound', message: expect.stringMatching(/^Instance .* could not be found\.$/) } });
    const missing = await failure(d.updateNetwork(randomUUID(), { name: 'x' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', upstream: { status: 404, code: 'NetworkNotFound' } });
    const badNet = await failure(d.createInstance({ name: 'x', imageId: seededImage(), flavorId: '1', networkIds: [randomUUID()] }));
    expect(badNet).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { status: 400, code: 'badRequest' } });
    sim.setFaults({ outage: true });
    const down = await failure(d.listNetworks());
    expect(down.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('never puts a password or a token in an error or a log line', async () => {
    const secrets = [ADMIN_PASSWORD, ...tenants.map((t) => (t.credentials.kind === 'OPENSTACK' ? t.credentials.password : '')), ...sim.issuedTokens()].filter(Boolean);
    expect(errors.length).toBeGreaterThan(10);
    expect(secrets.length).toBeGreaterThan(10);
    const text = [...errors.map((e) => JSON.stringify({ ...e, message: e.message, stack: e.stack, info: e.toInfo() }) + String(e)), ...logLines].join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
