import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { CloudStackDriver } from '../../src/clouds/cloudstack';
import { CloudStackClient } from '../../src/clouds/cloudstack/client';
import { encodeQuery, signParams } from '../../src/clouds/cloudstack/signing';
import {
  CloudError,
  type AdminDriver,
  type DatacenterEndpoint,
  type Operation,
  type OperationStatus,
  type ProvisionedTenant,
  type TenantCredentials,
  type TenantDriver,
} from '../../src/clouds/driver';
import { Upstream } from '../../src/clouds/upstream';
import { createLogger, type Logger } from '../../src/logger';
import { startCloudStackSimulator, type CloudStackSimulator } from '../../src/simulators/cloudstack';

/*
 * The CloudStack driver against the simulator over HTTP. The breaker keeps a low threshold:
 * CloudStack's refusals (531 permission, 532 limit, 536 in use) are verdicts, not failures,
 * and must not open it.
 */

const log = createLogger('silent');
const upstreamOptions = { maxAttempts: 2, backoffInitialMs: 5, breakerThreshold: 3 };

let sim: CloudStackSimulator;
let driver: CloudStackDriver;
let admin: AdminDriver;
let adminRaw: CloudStackClient;
let a: TenantDriver;
let b: TenantDriver;
let tenantA: ProvisionedTenant;
/** Every CloudError a test saw, checked at the end for leaked credentials. */
const seenErrors: CloudError[] = [];

function makeDriver(endpoint: DatacenterEndpoint, logger: Logger = log) {
  return new CloudStackDriver(endpoint, { log: logger, upstream: new Upstream(endpoint.name, logger, null, upstreamOptions) });
}

function rawClient(target: CloudStackSimulator, auth: { apiKey: string; secretKey: string }, role: 'admin' | 'tenant' = 'admin') {
  const endpoint = target.endpoint('raw', 'raw');
  return new CloudStackClient({ endpoint, upstream: new Upstream('raw', log, null, upstreamOptions), log, auth: { kind: 'keys', apiKey: auth.apiKey, secretKey: auth.secretKey }, role });
}

async function failure(promise: Promise<unknown>): Promise<CloudError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof CloudError)) throw err;
    seenErrors.push(err);
    return err;
  }
  throw new Error('expected a CloudError');
}

async function settle(tenant: { pollOperation: TenantDriver['pollOperation'] }, op: Operation<unknown>): Promise<OperationStatus> {
  for (let i = 0; i < 200; i++) {
    const status = await tenant.pollOperation(op.handle);
    if (status.done) {
      if (!status.ok) seenErrors.push(new CloudError(status.error.code, status.error.message, status.error.upstream, 'job'));
      return status;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('operation did not finish');
}

async function ok(tenant: TenantDriver, op: Operation<unknown>): Promise<string | null> {
  const status = await settle(tenant, op);
  if (!status.done || !status.ok) throw new Error(`operation failed: ${JSON.stringify(status)}`);
  return status.resourceId;
}

function calls(target: CloudStackSimulator) {
  const before = target.stats.snapshot();
  return (operation?: string) => {
    const after = target.stats.snapshot();
    return operation ? (after.operations[operation] ?? 0) - (before.operations[operation] ?? 0) : after.total - before.total;
  };
}

/** An OpenSSH `ssh-ed25519` public key line, as a user would paste it. */
function openSshEd25519(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const field = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} user@host`;
}

/** The id a create made, known from its handle before the job ends. */
function resourceIdOf(op: Operation<unknown>): string {
  if (op.handle.kind === 'openstack-status' || !op.handle.resourceId) throw new Error('no resource id');
  return op.handle.resourceId;
}

const creds = (t: ProvisionedTenant) => t.credentials as Extract<TenantCredentials, { kind: 'CLOUDSTACK' }>;

async function environment(tenant: TenantDriver, name: string, cidr = '10.1.0.0/16', subnet = '10.1.1.0/24') {
  const op = await tenant.createNetwork({ name, cidr, subnet: { name: `${name}-web`, cidr: subnet } });
  const network = op.resource!;
  const [flavor] = (await tenant.listFlavors()).filter((f) => f.cpu === 1);
  const image = (await tenant.listImages()).find((i) => i.name === 'Ubuntu 22.04')!;
  return { network, subnetId: network.subnetIds[0], flavorId: flavor.id, imageId: image.id };
}

beforeAll(async () => {
  sim = await startCloudStackSimulator({ timeScale: 0 });
  driver = makeDriver(sim.endpoint('dc-cs', 'cs-test'));
  admin = driver.admin();
  adminRaw = rawClient(sim, sim.admin);
  tenantA = await admin.provisionTenant({ name: 'ct_A', userName: 'alice' });
  a = driver.tenant(tenantA.credentials);
  b = driver.tenant((await admin.provisionTenant({ name: 'ct_B', userName: 'bob', email: 'bob@example.com' })).credentials);
});

afterAll(async () => {
  await sim?.close();
});

describe('authentication', () => {
  it('refuses a driver with a wrong secret as FORBIDDEN, mapped from 401', async () => {
    const wrong = driver.tenant({ ...creds(tenantA), secretKey: 'not-the-secret' });
    const err = await failure(wrong.listZones());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.upstream).toMatchObject({ status: 401, message: 'unable to verify user credentials and/or request signature' });
  });

  it('answers a tampered or expired request with the 401 envelope', async () => {
    const signed = signParams({ command: 'listZones', response: 'json' }, sim.admin.apiKey, sim.admin.secretKey);
    const good = await fetch(`${sim.apiUrl}?${encodeQuery(signed)}`);
    expect(good.status).toBe(200);

    const tampered = await fetch(`${sim.apiUrl}?${encodeQuery({ ...signed, name: 'zone-1' })}`);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual({
      listzonesresponse: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' },
    });

    const expired = signParams({ command: 'listZones', response: 'json' }, sim.admin.apiKey, sim.admin.secretKey, { expiresInMs: -60_000 });
    expect((await fetch(`${sim.apiUrl}?${encodeQuery(expired)}`)).status).toBe(401);
    const unexpiring = signParams({ command: 'listZones', response: 'json', signatureversion: '3' }, sim.admin.apiKey, sim.admin.secretKey);
    expect((await fetch(`${sim.apiUrl}?${encodeQuery(unexpiring)}`)).status).toBe(401);
  });

  it('logs the admin in with a session when the endpoint has no API keys, once', async () => {
    const count = calls(sim);
    const sessionAdmin = makeDriver({ ...sim.endpoint('dc-s', 'cs-session'), adminApiKey: null, adminSecretKey: null }).admin();
    expect((await sessionAdmin.listZones()).map((z) => z.name)).toEqual(['zone-1', 'zone-2']);
    expect((await sessionAdmin.listFlavors()).length).toBeGreaterThan(0);
    expect(count('login')).toBe(1);

    const bad = makeDriver({ ...sim.endpoint('dc-s', 'cs-session'), adminApiKey: null, adminSecretKey: null, adminPassword: 'wrong' }).admin();
    const err = await failure(bad.listZones());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.upstream.status).toBe(531);
  });

  it('follows the login rules of the server: POST only, 531 on bad credentials, session cookie required', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await fetch(`${sim.apiUrl}?command=login&username=admin&password=x&response=json`)).status).toBe(405);
    const bad = await fetch(sim.apiUrl, { method: 'POST', headers: form, body: 'command=login&username=admin&password=nope&domain=%2F&response=json' });
    expect(bad.status).toBe(531);
    expect(((await bad.json()) as { loginresponse: unknown }).loginresponse).toMatchObject({ errorcode: 531 });

    const good = await fetch(sim.apiUrl, { method: 'POST', headers: form, body: encodeQuery({ command: 'login', username: 'admin', password: sim.admin.password, domain: '/', response: 'json' }) });
    const { sessionkey } = ((await good.json()) as { loginresponse: { sessionkey: string } }).loginresponse;
    const jsession = good.headers.getSetCookie().find((c) => c.startsWith('JSESSIONID='))!.split(';')[0];
    const url = `${sim.apiUrl}?command=listZones&response=json&sessionkey=${encodeURIComponent(sessionkey)}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { cookie: jsession } })).status).toBe(200);
  });
});

describe('tenant provisioning', () => {
  it('is idempotent: a second run finds the account, the user and the same keys', async () => {
    const count = calls(sim);
    const again = await admin.provisionTenant({ name: 'ct_A', userName: 'alice' });
    expect(again).toEqual(tenantA);
    expect(count('createAccount')).toBe(0);
    expect(count('registerUserKeys')).toBe(0);
    const accounts = (await adminRaw.list<{ name: string }>('listAccounts', { listall: 'true' }, 'account')).filter((x) => x.name === 'ct_A');
    expect(accounts).toHaveLength(1);
  });

  it('completes a tenant a failed attempt left without keys or without its user', async () => {
    await adminRaw.call('createAccount', { accounttype: '0', account: 'ct_half', username: 'someone', password: 'p4ss-W0rd', email: 'x@y.z', firstname: 'a', lastname: 'b' });
    const done = await admin.provisionTenant({ name: 'ct_half', userName: 'half' });
    expect(creds(done)).toMatchObject({ kind: 'CLOUDSTACK', accountId: done.projectId, userId: done.userId });
    expect((await driver.tenant(done.credentials).quota()).instances.limit).toBe(20);
    await admin.removeTenant({ projectId: done.projectId, userId: done.userId });
    await admin.removeTenant({ projectId: done.projectId, userId: done.userId });
    expect(await failure(driver.tenant(done.credentials).listZones())).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('creates flavors as the admin', async () => {
    const flavor = await admin.createFlavor({ name: '3C6G', cpu: 3, memoryMb: 6144, diskGb: 40 });
    expect(flavor).toMatchObject({ name: '3C6G', cpu: 3, memoryMb: 6144, diskGb: 40 });
    expect((await a.listFlavors({ ids: [flavor.id] })).map((f) => f.name)).toEqual(['3C6G']);
    expect((await failure(admin.createFlavor({ name: 'x', cpu: 0, memoryMb: 512, diskGb: 0 }))).code).toBe('BAD_USER_INPUT');
  });
});

describe('networks', () => {
  it('creates a VPC and its first tier with the netmask and gateway from the CIDR', async () => {
    const count = calls(sim);
    const op = await a.createNetwork({ name: 'net1', description: 'first', cidr: '10.0.0.0/16', subnet: { name: 'web', cidr: '10.0.1.0/24', dnsNameservers: ['1.1.1.1'] } });
    expect(op.handle.kind).toBe('done');
    expect(op.resource).toMatchObject({ name: 'net1', description: 'first', cidr: '10.0.0.0/16', status: 'ACTIVE', routerId: null });
    expect(count('createVPC')).toBe(1);
    expect(count('createNetwork')).toBe(1);
    expect(count('createNetworkACLList')).toBe(1);
    const network = op.resource!;
    // The VPC's `default` ACL list (the tenant's default security group) filters the first tier.
    const tenantRaw = rawClient(sim, creds(tenantA), 'tenant');
    const [tierRaw] = await tenantRaw.list<{ aclid: string; aclname: string }>('listNetworks', { vpcid: network.id }, 'network');
    expect(tierRaw.aclname).toBe('default');
    const [def] = await tenantRaw.list<{ id: string; vpcid: string }>('listNetworkACLLists', { vpcid: network.id, name: 'default' }, 'networkacllist');
    expect(def).toMatchObject({ id: tierRaw.aclid, vpcid: network.id });
    const [subnet] = await a.listSubnets({ parentIds: [network.id] });
    expect(subnet).toEqual({ id: network.subnetIds[0], networkId: network.id, name: 'web', cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1', enableDhcp: true, dnsNameservers: ['1.1.1.1'] });
    const [tier] = await rawClient(sim, { apiKey: creds(tenantA).apiKey, secretKey: creds(tenantA).secretKey }, 'tenant').list<{ netmask: string }>('listNetworks', { id: subnet.id }, 'network');
    expect(tier.netmask).toBe('255.255.255.0');

    const second = await a.createSubnet(network.id, { name: 'db', cidr: '10.0.2.0/25', gatewayIp: '10.0.2.126' });
    expect(second).toMatchObject({ cidr: '10.0.2.0/25', gatewayIp: '10.0.2.126', networkId: network.id });
    expect((await a.listNetworks({ ids: [network.id] }))[0].subnetIds.sort()).toEqual([subnet.id, second.id].sort());

    const renamed = await a.updateNetwork(network.id, { name: 'net-one', description: null });
    expect(renamed).toMatchObject({ name: 'net-one', description: null });
    expect(await a.updateSubnet(second.id, { name: 'database' })).toMatchObject({ name: 'database' });
    const [availability] = await a.ipAvailability([network.id]);
    expect(availability).toMatchObject({ networkId: network.id, total: 253 + 125, used: 0 });
  });

  it('refuses overlapping or outside tiers before calling, and the server refuses them too', async () => {
    const { network } = await environment(a, 'net2', '10.2.0.0/16', '10.2.1.0/24');
    const count = calls(sim);
    expect(await failure(a.createSubnet(network.id, { name: 'x', cidr: '10.2.1.128/25' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('cidr') });
    expect(await failure(a.createSubnet(network.id, { name: 'x', cidr: '10.3.0.0/24' }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await failure(a.createSubnet(network.id, { name: 'x', cidr: '10.2.5.0/24', gatewayIp: '10.2.6.1' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('gatewayIp') });
    expect(count('createNetwork')).toBe(0);

    const tenantRaw = rawClient(sim, creds(tenantA), 'tenant');
    const [offering] = await tenantRaw.list<{ id: string }>('listNetworkOfferings', { forvpc: 'true' }, 'networkoffering');
    const err = await failure(
      tenantRaw.call('createNetwork', { name: 'x', networkofferingid: offering.id, zoneid: network.zoneId!, vpcid: network.id, gateway: '10.2.1.129', netmask: '255.255.255.128' }),
    );
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { status: 431 } });
    expect(err.message).toContain('crosses other network cidr');
  });

  it('deletes tiers, then the VPC, and reports the failing step', async () => {
    const env = await environment(a, 'net3', '10.3.0.0/16', '10.3.1.0/24');
    const extra = await a.createSubnet(env.network.id, { name: 'spare', cidr: '10.3.2.0/24' });
    const vm = await ok(a, await a.createInstance({ name: 'blocker', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] }));

    const err = await failure(a.deleteNetwork(env.network.id));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(`delete subnet net3-web (${env.subnetId})`);
    expect(err.upstream.status).toBe(536);
    // The tier without VMs went first; the VPC and the busy tier stay.
    expect((await a.listNetworks({ ids: [env.network.id] }))[0].subnetIds).toEqual([env.subnetId]);
    expect((await a.listSubnets({ ids: [extra.id] }))).toEqual([]);

    await ok(a, await a.terminateInstance(vm!));
    const count = calls(sim);
    const op = await a.deleteNetwork(env.network.id);
    expect(op.handle.kind).toBe('cloudstack-job');
    expect(await settle(a, op)).toEqual({ done: true, ok: true, resourceId: env.network.id });
    expect(count('deleteNetwork')).toBe(1);
    expect(count('deleteVPC')).toBe(1);
    expect(await a.listNetworks({ ids: [env.network.id] })).toEqual([]);
  });

  it('refuses deleteVPC while tiers exist (the job fails with 536)', async () => {
    const { network } = await environment(a, 'net4', '10.4.0.0/16', '10.4.1.0/24');
    const tenantRaw = rawClient(sim, creds(tenantA), 'tenant');
    const { jobid } = await tenantRaw.start('deleteVPC', { id: network.id });
    const status = await a.pollOperation({ kind: 'cloudstack-job', jobId: jobid, resourceId: network.id });
    expect(status).toMatchObject({ done: true, ok: false, error: { code: 'CONFLICT', upstream: { status: 536 } } });
  });
});

describe('instances and async jobs', () => {
  it('deploys through a job to Running, with NICs, and finds a retried create by its operation id', async () => {
    const env = await environment(a, 'compute', '10.5.0.0/16', '10.5.1.0/24');
    const op = await a.createInstance({ name: 'web server 1', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId], operationId: 'op-123' });
    expect(op.handle).toMatchObject({ kind: 'cloudstack-job', resourceId: expect.any(String) });
    const id = await ok(a, op);
    expect(id).toBe(resourceIdOf(op));

    const [vm] = await a.listInstances({ ids: [id!] });
    expect(vm).toMatchObject({ name: 'web server 1', status: 'RUNNING', cloudStatus: 'Running', cpu: 1, operationId: 'op-123', imageId: env.imageId, flavorId: env.flavorId });
    expect(vm.volumeIds).toHaveLength(1);
    expect(vm.addresses).toEqual([{ networkId: env.network.id, subnetId: env.subnetId, ip: '10.5.1.2', mac: expect.stringMatching(/^02:00:/), floating: false }]);

    const count = calls(sim);
    const retried = await a.createInstance({ name: 'web server 1', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId], operationId: 'op-123' });
    expect(retried.handle).toEqual({ kind: 'done', resourceId: id });
    expect(count('deployVirtualMachine')).toBe(0);
    expect((await a.listInstances({ parentIds: [env.network.id] })).map((i) => i.id)).toEqual([id]);
  });

  it("a first attempt stamps its operation id without looking for an earlier attempt's VM", async () => {
    const env = await environment(a, 'first-try', '10.9.0.0/16', '10.9.1.0/24');
    const count = calls(sim);
    const spec = { name: 'web server 2', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId], operationId: 'op-789', firstAttempt: true };
    const id = await ok(a, await a.createInstance(spec));
    expect(count('listVirtualMachines')).toBe(0);
    expect(count('deployVirtualMachine')).toBe(1);
    const later = calls(sim);
    const retried = await a.createInstance({ ...spec, firstAttempt: false });
    expect(retried.handle).toEqual({ kind: 'done', resourceId: id });
    expect(later('deployVirtualMachine')).toBe(0);
  });

  it('reports a failed job (jobstatus 2) with its errorcode', async () => {
    const env = await environment(a, 'broken-net', '10.6.0.0/16', '10.6.1.0/24');
    const broken = (await a.listImages()).find((i) => i.name === 'broken')!;
    const spec = { name: 'doomed', imageId: broken.id, flavorId: env.flavorId, networkIds: [env.subnetId], operationId: 'op-doomed' };
    const op = await a.createInstance(spec);
    const status = await settle(a, op);
    expect(status).toMatchObject({ done: true, ok: false, error: { code: 'UPSTREAM_ERROR', upstream: { status: 530 } } });
    const [vm] = await a.listInstances({ ids: [resourceIdOf(op)] });
    expect(vm.status).toBe('ERROR');
    expect(await failure(a.createInstance(spec))).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('Error state') });
  });

  it('runs the life cycle: stop, resize, start, reboot, rebuild, rename; refuses what the state forbids', async () => {
    const env = await environment(a, 'life', '10.7.0.0/16', '10.7.1.0/24');
    const id = (await ok(a, await a.createInstance({ name: 'life', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] })))!;
    const bigger = (await a.listFlavors()).find((f) => f.cpu === 2)!;

    const running = await failure(a.resizeInstance(id, bigger.id));
    expect(running).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('make sure the virtual machine is stopped') });
    const startAgain = await settle(a, await a.instanceAction(id, 'START'));
    expect(startAgain).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('already running') } });

    await ok(a, await a.instanceAction(id, 'STOP'));
    expect((await a.listInstances({ ids: [id] }))[0].status).toBe('STOPPED');
    const resized = await a.resizeInstance(id, bigger.id);
    expect(resized.resource).toMatchObject({ cpu: 2, flavorId: bigger.id });
    await ok(a, await a.instanceAction(id, 'START'));
    await ok(a, await a.instanceAction(id, 'HARD_REBOOT'));
    const centos = (await a.listImages()).find((i) => i.name === 'CentOS 7')!;
    await ok(a, await a.rebuildInstance(id, { imageId: centos.id, name: 'reborn', adminPassword: 'S3cret-pass' }));
    expect((await a.listInstances({ ids: [id] }))[0]).toMatchObject({ name: 'reborn', imageId: centos.id, status: 'RUNNING' });
    expect(await a.renameInstance(id, 'renamed')).toMatchObject({ name: 'renamed' });
    await ok(a, await a.terminateInstance(id));
    expect(await a.listInstances({ ids: [id] })).toEqual([]);
  });

  it('shows pending jobs as not done, then done', async () => {
    const slow = await startCloudStackSimulator({ timeScale: 0.05 });
    try {
      const slowDriver = makeDriver(slow.endpoint('dc-slow', 'cs-slow'));
      const t = slowDriver.tenant((await slowDriver.admin().provisionTenant({ name: 'ct_slow', userName: 'slow' })).credentials);
      const env = await environment(t, 'slow', '10.8.0.0/16', '10.8.1.0/24');
      const spec = { name: 'slow', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId], operationId: 'op-slow' };
      const op = await t.createInstance(spec);
      expect(await t.pollOperation(op.handle)).toEqual({ done: false, progress: 0 });
      expect((await t.listInstances())[0].status).toBe('BUILDING');
      // A worker resuming the step finds the running job instead of deploying again.
      expect((await t.createInstance(spec)).handle).toEqual(op.handle);
      expect(await settle(t, op)).toMatchObject({ done: true, ok: true });
    } finally {
      await slow.close();
    }
  });
});

describe('tenant isolation', () => {
  it('keeps A’s VPC, VM and volume invisible and untouchable for B', async () => {
    const env = await environment(a, 'private', '10.9.0.0/16', '10.9.1.0/24');
    const vm = (await ok(a, await a.createInstance({ name: 'private', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] })))!;
    const volume = (await ok(a, await a.createVolume({ name: 'private-data', sizeGb: 5, type: 'SSD' })))!;

    expect((await b.listNetworks()).map((n) => n.id)).not.toContain(env.network.id);
    expect(await b.listNetworks({ ids: [env.network.id] })).toEqual([]);
    expect(await b.listInstances({ ids: [vm] })).toEqual([]);
    expect(await b.listVolumes({ ids: [volume] })).toEqual([]);
    expect(await b.listSubnets({ parentIds: [env.network.id] })).toEqual([]);

    const bEnv = await environment(b, 'b-net', '10.9.0.0/16', '10.9.1.0/24');
    const attempts = [
      b.deleteNetwork(env.network.id),
      b.createSubnet(env.network.id, { name: 'sneaky', cidr: '10.9.9.0/24' }),
      b.terminateInstance(vm),
      b.instanceAction(vm, 'STOP'),
      b.renameInstance(vm, 'mine'),
      b.deleteVolume(volume),
      b.attachVolume(volume, vm),
      b.createInstance({ name: 'x', imageId: bEnv.imageId, flavorId: bEnv.flavorId, networkIds: [env.subnetId] }),
    ];
    for (const attempt of attempts) {
      const err = await failure(attempt);
      expect(err.code).toBe('NOT_FOUND');
      expect(err.upstream).toEqual({});
      expect(err.message).not.toMatch(/permission|ct_A/);
    }
    expect((await a.listInstances({ ids: [vm] }))[0].status).toBe('RUNNING');
  });
});

describe('quotas', () => {
  it('maps 532 to QUOTA_EXCEEDED and reads limits from listAccounts', async () => {
    const provisioned = await admin.provisionTenant({ name: 'ct_quota', userName: 'quota' });
    const t = driver.tenant(provisioned.credentials);
    await adminRaw.call('updateResourceLimit', { account: 'ct_quota', domainid: creds(provisioned).domainId, resourcetype: '0', max: '1' });
    await adminRaw.call('updateResourceLimit', { account: 'ct_quota', domainid: creds(provisioned).domainId, resourcetype: '8', max: '-1' });
    const env = await environment(t, 'q', '10.10.0.0/16', '10.10.1.0/24');
    await ok(t, await t.createInstance({ name: 'one', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] }));
    const err = await failure(t.createInstance({ name: 'two', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] }));
    expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', upstream: { status: 532 } });
    expect(err.message).toContain("'user_vm'");

    // The VPC is made, its first tier is refused: the VPC goes again and the step is named.
    await adminRaw.call('updateResourceLimit', { account: 'ct_quota', domainid: creds(provisioned).domainId, resourcetype: '6', max: '1' });
    const tierRefused = await failure(t.createNetwork({ name: 'q2', cidr: '10.30.0.0/16', subnet: { name: 'q2-web', cidr: '10.30.1.0/24' } }));
    expect(tierRefused).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringContaining('create subnet q2-web of network q2') });
    expect((await t.listNetworks()).map((n) => n.name)).toEqual(['q']);

    const quota = await t.quota();
    expect(quota.instances).toEqual({ limit: 1, used: 1 });
    expect(quota.cpu).toEqual({ limit: null, used: 1 });
    expect(quota.memoryMb).toEqual({ limit: 81920, used: 1024 });
    expect(quota.networks).toEqual({ limit: 20, used: 1 });
    expect(quota.volumes.used).toBe(1);
  });
});

describe('batching and paging', () => {
  it('lists 1 or 50 volumes by id in the same number of calls', async () => {
    await adminRaw.call('updateResourceLimit', { account: 'ct_B', domainid: sim.admin.domainId, resourcetype: '2', max: '100' });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const op = await b.createVolume({ name: `bulk-${i}`, sizeGb: 1 });
      ids.push(resourceIdOf(op));
    }
    const one = calls(sim);
    expect((await b.listVolumes({ ids: ids.slice(0, 1) })).length).toBe(1);
    const oneCalls = one();
    const fifty = calls(sim);
    const volumes = await b.listVolumes({ ids });
    expect(volumes.length).toBe(50);
    expect(fifty()).toBe(oneCalls);
    expect(fifty('listVolumes')).toBe(1);
    // More ids than the old 100 a call: still one POST.
    const many = calls(sim);
    const fakeIds = Array.from({ length: 250 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(await b.listInstances({ ids: fakeIds })).toEqual([]);
    expect(many('listVirtualMachines')).toBe(1);
    expect(volumes.every((v) => v.sizeGb === 1 && v.status === 'AVAILABLE' && v.type === 'Custom')).toBe(true);

    const env = await environment(b, 'bulk', '10.20.0.0/16', '10.20.1.0/24');
    for (let i = 0; i < 3; i++) await ok(b, await b.createInstance({ name: `bulk-${i}`, imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] }));
    const vms = await b.listInstances();
    expect(vms.length).toBe(3);
    const oneVm = calls(sim);
    await b.listInstances({ ids: vms.slice(0, 1).map((v) => v.id) });
    const oneVmCalls = oneVm();
    const allVms = calls(sim);
    await b.listInstances({ ids: vms.map((v) => v.id) });
    expect(allVms()).toBe(oneVmCalls);
    // VMs, their disks, and their tiers for the ACL lists (the tiers' security groups).
    expect(oneVmCalls).toBe(3);
    expect(allVms('listNetworks')).toBe(1);
  });

  it('asks for every item of a list in one call, whatever the server page size', async () => {
    const small = await startCloudStackSimulator({ timeScale: 0, defaultPageSize: 3 });
    try {
      const smallDriver = makeDriver(small.endpoint('dc-small', 'cs-small'));
      const t = smallDriver.tenant((await smallDriver.admin().provisionTenant({ name: 'ct_pages', userName: 'pages' })).credentials);
      await environment(t, 'pages', '10.15.0.0/16', '10.15.1.0/24');
      for (let i = 0; i < 7; i++) await t.createSecurityGroup({ name: `g${i}` });
      const count = calls(small);
      const groups = await t.listSecurityGroups();
      expect(groups.map((g) => g.name).sort()).toEqual(['default', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
      // 8 lists of the VPC + the 2 built-in ones, 3 a page at most without pagesize=-1: one call.
      expect(count('listNetworkACLLists')).toBe(1);
      expect(count('listNetworkACLs')).toBe(1);

      const volumeIds: string[] = [];
      for (let i = 0; i < 7; i++) volumeIds.push(resourceIdOf(await t.createVolume({ name: `v${i}`, sizeGb: 2, type: 'SATA' })));
      const byIds = calls(small);
      expect((await t.listVolumes({ ids: volumeIds })).map((v) => v.name).sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
      expect(byIds('listVolumes')).toBe(1);

      const raw = rawClient(small, small.admin);
      expect(await failure(raw.call('listZones', { page: '1' }))).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { status: 431 } });
      expect(await failure(raw.call('listZones', { page: '1', pagesize: '4' }))).toMatchObject({ upstream: { status: 431 } });
      expect(await failure(raw.call('listZones', { page: '1', pagesize: '-1' }))).toMatchObject({ upstream: { status: 431 } });
      expect(await raw.call('listZones', { page: '9', pagesize: '3' })).toEqual({ count: 2 });
      expect(await raw.call('listZones', { name: 'nowhere' })).toEqual({});
    } finally {
      await small.close();
    }
  });

  it('follows pages from a server that caps a list asked for every item', async () => {
    const capping = await startCloudStackSimulator({ timeScale: 0, defaultPageSize: 3, unlimitedPageSize: false });
    try {
      const cappingDriver = makeDriver(capping.endpoint('dc-capping', 'cs-capping'));
      const t = cappingDriver.tenant((await cappingDriver.admin().provisionTenant({ name: 'ct_capped', userName: 'capped' })).credentials);
      await environment(t, 'capped', '10.15.0.0/16', '10.15.1.0/24');
      const volumeIds: string[] = [];
      for (let i = 0; i < 7; i++) volumeIds.push(resourceIdOf(await t.createVolume({ name: `v${i}`, sizeGb: 2, type: 'SATA' })));
      const byIds = calls(capping);
      expect((await t.listVolumes({ ids: volumeIds })).map((v) => v.name).sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
      // 3, then pages 2 and 3 of 3.
      expect(byIds('listVolumes')).toBe(3);
    } finally {
      await capping.close();
    }
  });
});

describe('security groups (network ACL lists of the VPC)', () => {
  it('maps rules to ACL items through the server and protects the default group', async () => {
    const provisioned = await admin.provisionTenant({ name: 'ct_SG', userName: 'sgadmin' });
    const t = driver.tenant(provisioned.credentials);
    const tenantRaw = rawClient(sim, creds(provisioned), 'tenant');
    // No VPC yet: the group's network cannot be chosen.
    expect((await failure(t.createSecurityGroup({ name: 'early' }))).code).toBe('BAD_USER_INPUT');
    const env = await environment(t, 'sg', '10.16.0.0/16', '10.16.1.0/24');

    const web = await t.createSecurityGroup({ name: 'web', description: 'web servers' });
    expect(web).toMatchObject({ name: 'web', description: 'web servers', isDefault: false, rules: [] });
    const [rawList] = await tenantRaw.list<{ id: string; vpcid: string }>('listNetworkACLLists', { id: web.id }, 'networkacllist');
    expect(rawList.vpcid).toBe(env.network.id);
    const [def] = (await t.listSecurityGroups()).filter((g) => g.isDefault);
    expect(def).toMatchObject({ name: 'default', rules: [] });
    // The built-in default_allow / default_deny are not groups of the tenant.
    expect((await t.listSecurityGroups()).map((g) => g.name).sort()).toEqual(['default', 'web']);

    const add = async (rule: Partial<Parameters<TenantDriver['addSecurityGroupRule']>[1]>) => {
      const status = await settle(t, await t.addSecurityGroupRule(web.id, { direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4', ...rule }));
      if (!status.done || !status.ok) throw new Error(JSON.stringify(status));
      return status.resourceId!;
    };
    const ssh = await add({});
    const ping = await add({ protocol: 'ICMP', portMin: 8, portMax: 0 });
    const https = await add({ direction: 'EGRESS', portMin: 443, portMax: 443, cidr: '10.0.0.0/8' });
    const remote = await failure(t.addSecurityGroupRule(web.id, { direction: 'INGRESS', protocol: 'TCP', portMin: 3306, portMax: 3306, cidr: null, remoteGroupId: def.id, ethertype: 'IPv4' }));
    expect(remote).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('remoteGroupId') });

    const [listed] = await t.listSecurityGroups({ ids: [web.id] });
    const rule = (id: string) => listed.rules.find((r) => r.id === id);
    expect(rule(ssh)).toEqual({ id: ssh, direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' });
    expect(rule(ping)).toMatchObject({ direction: 'INGRESS', protocol: 'ICMP', portMin: 8, portMax: 0 });
    expect(rule(https)).toMatchObject({ direction: 'EGRESS', protocol: 'TCP', portMin: 443, portMax: 443, cidr: '10.0.0.0/8' });
    const items = await tenantRaw.list<Record<string, unknown>>('listNetworkACLs', { aclid: web.id }, 'networkacl');
    expect(items.find((i) => i.id === https)).toMatchObject({ protocol: 'tcp', startport: '443', endport: '443', traffictype: 'Egress', action: 'Allow', cidrlist: '10.0.0.0/8' });

    // Another tenant can neither see nor change the list.
    expect(await b.listSecurityGroups({ ids: [web.id] })).toEqual([]);
    expect((await failure(b.addSecurityGroupRule(web.id, { direction: 'INGRESS', protocol: 'TCP', portMin: 80, portMax: 80, cidr: null, remoteGroupId: null, ethertype: 'IPv4' }))).code).toBe('NOT_FOUND');

    await ok(t, await t.removeSecurityGroupRule(web.id, https));
    expect((await t.listSecurityGroups({ ids: [web.id] }))[0].rules.map((r) => r.id)).not.toContain(https);
    expect((await failure(t.removeSecurityGroupRule(web.id, https))).code).toBe('NOT_FOUND');

    expect(await failure(t.updateSecurityGroup(web.id, { name: 'frontend' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^name:/) });
    expect(await failure(t.updateSecurityGroup(web.id, { description: 'x' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^description:/) });
    expect(await t.updateSecurityGroup(web.id, { name: 'web' })).toMatchObject({ id: web.id, name: 'web' });
    expect((await failure(t.deleteSecurityGroup(def.id))).code).toBe('CONFLICT');
    await t.deleteSecurityGroup(web.id);
    expect(await t.listSecurityGroups({ ids: [web.id] })).toEqual([]);

    // A second network: a new group's network cannot be chosen any more.
    await environment(t, 'sg2', '10.17.0.0/16', '10.17.1.0/24');
    expect((await failure(t.createSecurityGroup({ name: 'late' }))).code).toBe('BAD_USER_INPUT');
  });

  it('applies a group to an instance by replacing its tier’s ACL list, never with securitygroupids', async () => {
    const provisioned = await admin.provisionTenant({ name: 'ct_SGVM', userName: 'sgvm' });
    const t = driver.tenant(provisioned.credentials);
    const tenantRaw = rawClient(sim, creds(provisioned), 'tenant');
    const env = await environment(t, 'sgvm', '10.18.0.0/16', '10.18.1.0/24');
    const app = await t.createSecurityGroup({ name: 'app' });
    const other = await t.createSecurityGroup({ name: 'other' });
    const spec = { name: 'guarded', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] };
    expect(await failure(t.createInstance({ ...spec, securityGroupIds: [app.id, other.id] }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^securityGroupIds:/) });

    const count = calls(sim);
    const vm = await ok(t, await t.createInstance({ ...spec, securityGroupIds: [app.id] }));
    expect(count('replaceNetworkACLList')).toBe(1);
    expect(count('deployVirtualMachine')).toBe(1);
    const [tier] = await tenantRaw.list<{ aclid: string }>('listNetworks', { id: env.subnetId }, 'network');
    expect(tier.aclid).toBe(app.id);
    expect((await t.listInstances({ ids: [vm!] }))[0].status).toBe('RUNNING');
    // The tier uses it: the server refuses to delete the list.
    expect((await failure(t.deleteSecurityGroup(app.id))).code).toBe('CONFLICT');
  });

  it('reads an instance’s groups off the ACL lists of its tiers, in one more call for all instances', async () => {
    const provisioned = await admin.provisionTenant({ name: 'ct_SGREAD', userName: 'sgread' });
    const t = driver.tenant(provisioned.credentials);
    const tenantRaw = rawClient(sim, creds(provisioned), 'tenant');
    const env = await environment(t, 'sgread', '10.21.0.0/16', '10.21.1.0/24');
    const second = await t.createSubnet(env.network.id, { name: 'sgread-app', cidr: '10.21.2.0/24' });
    const [def] = await t.listSecurityGroups();
    expect(def.isDefault).toBe(true);
    const app = await t.createSecurityGroup({ name: 'app' });
    const deploy = (name: string, networkIds: string[], securityGroupIds?: string[]) =>
      t.createInstance({ name, imageId: env.imageId, flavorId: env.flavorId, networkIds, securityGroupIds }).then((op) => ok(t, op));

    const plain = (await deploy('plain', [env.subnetId]))!;
    const guarded = (await deploy('guarded', [second.id], [app.id]))!;
    const straddling = (await deploy('straddling', [env.subnetId, second.id]))!;
    const count = calls(sim);
    const listed = await t.listInstances();
    expect(count()).toBe(3);
    expect(count('listNetworks')).toBe(1);
    const groupsOf = (id: string) => listed.find((i) => i.id === id)!.securityGroupIds;
    expect(groupsOf(plain)).toEqual([def.id]);
    expect(groupsOf(guarded)).toEqual([app.id]);
    expect([...groupsOf(straddling)].sort()).toEqual([def.id, app.id].sort());

    // The list filters the tier, so every instance on it has the group from then on.
    const { jobid } = await tenantRaw.start('replaceNetworkACLList', { aclid: app.id, networkid: env.subnetId });
    await tenantRaw.wait(jobid, 'replaceNetworkACLList');
    expect((await t.listInstances({ ids: [plain] }))[0].securityGroupIds).toEqual([app.id]);
    const rename = calls(sim);
    expect((await t.renameInstance(plain, 'still-guarded')).securityGroupIds).toEqual([app.id]);
    expect(rename()).toBe(3);

    // A tier left on a built-in list (made without aclid) gives its instances no group of the tenant.
    const [offering] = await tenantRaw.list<{ id: string }>('listNetworkOfferings', { forvpc: 'true' }, 'networkoffering');
    const bare = (await tenantRaw.call('createNetwork', { name: 'bare', networkofferingid: offering.id, zoneid: env.network.zoneId!, vpcid: env.network.id, gateway: '10.21.3.1', netmask: '255.255.255.0' })).network as { id: string; aclname: string };
    expect(bare.aclname).toBe('default_deny');
    const exposed = (await deploy('exposed', [bare.id]))!;
    expect((await t.listInstances({ ids: [exposed] }))[0].securityGroupIds).toEqual([]);

    // Instances of several networks: still one listNetworks, now of the whole account.
    const other = await environment(t, 'sgread2', '10.22.0.0/16', '10.22.1.0/24');
    const elsewhere = (await deploy('elsewhere', [other.subnetId]))!;
    const [otherDefault] = await tenantRaw.list<{ id: string }>('listNetworkACLLists', { vpcid: other.network.id, name: 'default' }, 'networkacllist');
    const both = calls(sim);
    const all = await t.listInstances({ ids: [guarded, elsewhere] });
    expect(both('listNetworks')).toBe(1);
    expect(Object.fromEntries(all.map((i) => [i.id, i.securityGroupIds]))).toEqual({ [guarded]: [app.id], [elsewhere]: [otherDefault.id] });
  });

  it('the simulator refuses what a VPC zone refuses', async () => {
    const provisioned = await admin.provisionTenant({ name: 'ct_SGZ', userName: 'sgz' });
    const t = driver.tenant(provisioned.credentials);
    const tenantRaw = rawClient(sim, creds(provisioned), 'tenant');
    const env = await environment(t, 'sgz', '10.19.0.0/16', '10.19.1.0/24');
    const [zone] = await tenantRaw.list<{ id: string; securitygroupsenabled: boolean }>('listZones', { available: 'true' }, 'zone');
    expect(zone.securitygroupsenabled).toBe(false);
    const [sg] = await tenantRaw.list<{ id: string }>('listSecurityGroups', { securitygroupname: 'default' }, 'securitygroup');
    const deploy = await failure(
      tenantRaw.call('deployVirtualMachine', { zoneid: zone.id, serviceofferingid: env.flavorId, templateid: env.imageId, networkids: env.subnetId, securitygroupids: sg.id }),
    );
    expect(deploy).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { status: 431, message: "Can't create vm with security groups; security group feature is not enabled per zone" } });
    const update = await failure(tenantRaw.call('updateSecurityGroup', { id: sg.id, name: 'renamed' }));
    expect(update).toMatchObject({ code: 'FORBIDDEN', upstream: { status: 401, message: expect.stringContaining('does not exist or it is not available for user') } });
    // Built-in lists cannot be changed; a tier made without aclid gets default_deny.
    const [deny] = await tenantRaw.list<{ id: string; name: string }>('listNetworkACLLists', { name: 'default_deny' }, 'networkacllist');
    expect(await failure(tenantRaw.start('createNetworkACL', { aclid: deny.id, protocol: 'tcp', startport: '1', endport: '2' }).then(({ jobid }) => tenantRaw.wait(jobid, 'createNetworkACL')))).toMatchObject({ code: 'BAD_USER_INPUT' });
    const [offering] = await tenantRaw.list<{ id: string }>('listNetworkOfferings', { forvpc: 'true' }, 'networkoffering');
    const bare = (await tenantRaw.call('createNetwork', { name: 'bare', networkofferingid: offering.id, zoneid: zone.id, vpcid: env.network.id, gateway: '10.19.2.1', netmask: '255.255.255.0' })).network as { aclid: string };
    expect(bare.aclid).toBe(deny.id);
  });
});

describe('security groups in an SG-enabled zone (CloudStack security groups)', () => {
  let sgSim: CloudStackSimulator;
  let sgDriver: CloudStackDriver;

  beforeAll(async () => {
    sgSim = await startCloudStackSimulator({ timeScale: 0, securityGroupZone: true });
    sgDriver = makeDriver(sgSim.endpoint('dc-cs-sg', 'cs-sg'));
  });

  afterAll(async () => {
    await sgSim?.close();
  });

  it('lists, creates, authorizes, reads back, revokes, deploys with securitygroupids and protects the default group', async () => {
    const provisioned = await sgDriver.admin().provisionTenant({ name: 'ct_SGZONE', userName: 'sgzone' });
    const t = sgDriver.tenant(provisioned.credentials);
    const tenantRaw = rawClient(sgSim, creds(provisioned), 'tenant');

    const zones = await tenantRaw.list<{ id: string; name: string; securitygroupsenabled: boolean }>('listZones', {}, 'zone');
    const zone = zones.find((z) => z.name === 'zone-sg')!;
    expect(zone.securitygroupsenabled).toBe(true);
    const [shared] = await tenantRaw.list<{ id: string; type: string; zoneid: string }>('listNetworks', { zoneid: zone.id }, 'network');
    expect(shared).toMatchObject({ type: 'Shared', zoneid: zone.id });
    // No VPC in an SG-enabled zone, as on a real server.
    const [vpcOffering] = await tenantRaw.list<{ id: string }>('listVPCOfferings', {}, 'vpcoffering');
    const vpc = await failure(tenantRaw.call('createVPC', { name: 'v', cidr: '10.50.0.0/16', vpcofferingid: vpcOffering.id, zoneid: zone.id }));
    expect(vpc).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { status: 431, message: 'Only shared guest network can be created in security group enabled zone' } });

    const count = calls(sgSim);
    const [def] = await t.listSecurityGroups();
    expect(def).toMatchObject({ name: 'default', isDefault: true, rules: [] });
    expect(count('listSecurityGroups')).toBe(1);
    expect(count('listNetworkACLLists')).toBe(0);

    const web = await t.createSecurityGroup({ name: 'web', description: 'web servers' });
    expect(web).toMatchObject({ name: 'web', description: 'web servers', isDefault: false, rules: [] });
    const rule = { remoteGroupId: null, ethertype: 'IPv4' as const };
    const ssh = await ok(t, await t.addSecurityGroupRule(web.id, { direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', ...rule }));
    const dns = await ok(t, await t.addSecurityGroupRule(web.id, { direction: 'EGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '0.0.0.0/0', ...rule }));
    expect(ssh).toBeTruthy();
    expect(dns).toBeTruthy();

    const [listed] = await t.listSecurityGroups({ ids: [web.id] });
    expect(listed.rules).toEqual([
      { id: ssh, direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' },
      { id: dns, direction: 'EGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' },
    ]);
    const [raw] = await tenantRaw.list<{ ingressrule: unknown[]; egressrule: unknown[] }>('listSecurityGroups', { id: web.id }, 'securitygroup');
    expect(raw.ingressrule).toEqual([expect.objectContaining({ ruleid: ssh, protocol: 'tcp', startport: 22, endport: 22, cidr: '0.0.0.0/0' })]);
    expect(raw.egressrule).toEqual([expect.objectContaining({ ruleid: dns, protocol: 'udp', startport: 53, endport: 53, cidr: '0.0.0.0/0' })]);

    await ok(t, await t.removeSecurityGroupRule(web.id, dns!));
    expect((await t.listSecurityGroups({ ids: [web.id] }))[0].rules.map((r) => r.id)).toEqual([ssh]);
    expect((await failure(t.removeSecurityGroupRule(web.id, dns!))).code).toBe('NOT_FOUND');
    expect(await failure(t.updateSecurityGroup(web.id, { name: 'frontend' }))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^name:/) });

    const [flavor] = (await t.listFlavors()).filter((f) => f.cpu === 1);
    const image = (await t.listImages()).find((i) => i.name === 'Ubuntu 22.04')!;
    const deploys = calls(sgSim);
    const vm = await ok(t, await t.createInstance({ name: 'guarded', imageId: image.id, flavorId: flavor.id, zoneId: zone.id, networkIds: [shared.id], securityGroupIds: [web.id] }));
    expect(deploys('deployVirtualMachine')).toBe(1);
    expect(deploys('replaceNetworkACLList')).toBe(0);
    const [vmRaw] = await tenantRaw.list<{ zoneid: string; securitygroup: { id: string }[] }>('listVirtualMachines', { id: vm! }, 'virtualmachine');
    expect(vmRaw.zoneid).toBe(zone.id);
    expect(vmRaw.securitygroup.map((g) => g.id)).toEqual([web.id]);
    // The VM's own groups, as the server lists them: no tier to look up.
    const reads = calls(sgSim);
    expect((await t.listInstances({ ids: [vm!] }))[0].securityGroupIds).toEqual([web.id]);
    expect(reads('listNetworks')).toBe(0);
    expect(reads()).toBe(2);

    expect((await failure(t.deleteSecurityGroup(def.id))).code).toBe('CONFLICT');
    expect((await t.listSecurityGroups()).map((g) => g.name).sort()).toEqual(['default', 'web']);
  });

  it('keeps a tenant with a VPC on network ACL lists in a datacenter that also has an SG zone', async () => {
    const provisioned = await sgDriver.admin().provisionTenant({ name: 'ct_SGVPC', userName: 'sgvpc' });
    const t = sgDriver.tenant(provisioned.credentials);
    await environment(t, 'mixed', '10.60.0.0/16', '10.60.1.0/24');
    const groups = await t.listSecurityGroups();
    expect(groups.map((g) => g.name)).toEqual(['default']);
    const [acl] = await rawClient(sgSim, creds(provisioned), 'tenant').list<{ id: string }>('listNetworkACLLists', { name: 'default' }, 'networkacllist');
    expect(groups[0].id).toBe(acl.id);
  });
});

describe('floating IPs, key pairs, volumes and backups', () => {
  it('allocates a floating IP with its bandwidth, associates it by static NAT, releases it', async () => {
    const env = await environment(a, 'edge', '10.11.0.0/16', '10.11.1.0/24');
    const vm = (await ok(a, await a.createInstance({ name: 'edge', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] })))!;
    const op = await a.allocateFloatingIp({ bandwidthMbps: 5, networkId: env.network.id });
    const id = (await ok(a, op))!;
    const [ip] = await a.listFloatingIps({ ids: [id] });
    expect(ip).toMatchObject({ id, status: 'DOWN', bandwidthMbps: 5, networkId: env.network.id, instanceId: null, address: expect.stringMatching(/^203\.0\.113\./) });

    const associated = await a.associateFloatingIp(id, vm);
    expect(associated.resource).toMatchObject({ status: 'ACTIVE', instanceId: vm });
    expect((await a.listFloatingIps({ parentIds: [vm] })).map((f) => f.id)).toEqual([id]);
    const [inst] = await a.listInstances({ ids: [vm] });
    expect(inst.addresses.find((x) => x.floating)).toMatchObject({ ip: ip.address, networkId: env.network.id });

    await ok(a, await a.disassociateFloatingIp(id));
    expect((await a.listFloatingIps({ ids: [id] }))[0]).toMatchObject({ status: 'DOWN', instanceId: null });
    await ok(a, await a.releaseFloatingIp(id));
    expect(await a.listFloatingIps({ ids: [id] })).toEqual([]);
    expect((await failure(a.allocateFloatingIp({ bandwidthMbps: 0, networkId: env.network.id }))).code).toBe('BAD_USER_INPUT');
  });

  it('creates, registers, lists and deletes key pairs by name', async () => {
    const created = await a.createKeyPair({ name: 'laptop' });
    expect(created.privateKey).toContain('PRIVATE KEY');
    expect(created.keyPair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const publicKey = openSshEd25519();
    const registered = await a.createKeyPair({ name: 'desk', publicKey });
    expect(registered).toEqual({ keyPair: { name: 'desk', fingerprint: expect.any(String), publicKey }, privateKey: null });
    expect((await failure(a.createKeyPair({ name: 'junk', publicKey: 'ssh-rsa not-base64!' }))).code).toBe('BAD_USER_INPUT');
    expect((await a.listKeyPairs({ ids: ['laptop', 'desk'] })).map((k) => k.name).sort()).toEqual(['desk', 'laptop']);
    expect((await failure(a.createKeyPair({ name: 'laptop' }))).code).toBe('CONFLICT');
    await a.deleteKeyPair('laptop');
    expect((await failure(a.deleteKeyPair('laptop'))).code).toBe('NOT_FOUND');
  });

  it('creates, attaches, backs up, restores, detaches and deletes volumes', async () => {
    const env = await environment(a, 'store', '10.12.0.0/16', '10.12.1.0/24');
    const vm = (await ok(a, await a.createInstance({ name: 'store', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] })))!;
    const volume = (await ok(a, await a.createVolume({ name: 'data', sizeGb: 20, type: 'medium' })))!;
    expect((await failure(a.createVolume({ name: 'bad', sizeGb: 7, type: 'Medium' }))).code).toBe('BAD_USER_INPUT');
    expect((await failure(a.createVolume({ name: 'bad', sizeGb: 7, type: 'NVMe' }))).message).toContain('SSD');

    await ok(a, await a.attachVolume(volume, vm));
    expect((await a.listVolumes({ parentIds: [vm] })).map((v) => [v.name.startsWith('ROOT') ? 'root' : v.name, v.status, v.bootable])).toEqual(
      expect.arrayContaining([
        ['root', 'IN_USE', true],
        ['data', 'IN_USE', false],
      ]),
    );
    expect((await failure(a.deleteVolume(volume))).message).toContain('not attached');

    const backup = (await ok(a, await a.createBackup({ volumeId: volume, name: 'nightly', description: 'before upgrade' })))!;
    const [listed] = await a.listBackups({ parentIds: [volume] });
    expect(listed).toMatchObject({ id: backup, volumeId: volume, name: 'nightly', description: 'before upgrade', status: 'AVAILABLE', sizeGb: 20 });
    const restoredOp = await a.restoreBackup(backup, { name: 'restored' });
    const restored = (await ok(a, restoredOp))!;
    expect((await a.listVolumes({ ids: [restored] }))[0]).toMatchObject({ name: 'restored', sizeGb: 20, status: 'AVAILABLE', type: 'Medium' });

    await ok(a, await a.detachVolume(volume));
    await ok(a, await a.deleteBackup(backup));
    expect(await a.listBackups({ ids: [backup] })).toEqual([]);
    expect((await a.deleteVolume(volume)).handle).toEqual({ kind: 'done', resourceId: volume });
    expect(await a.listVolumes({ ids: [volume] })).toEqual([]);
  });
});

describe('credentials never leak', () => {
  it('keeps keys, secrets, signatures and session keys out of errors and logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const debugLog = createLogger('debug', sink);
    const endpoint = { ...sim.endpoint('dc-leak', 'cs-leak'), adminApiKey: null, adminSecretKey: null };
    const leaky = makeDriver(endpoint, debugLog);
    const sessionAdmin = leaky.admin();
    await sessionAdmin.listZones();
    expect((await failure(sessionAdmin.provisionTenant({ name: 'ct_A', userName: 'bob' }))).code).toBe('CONFLICT');
    const t = leaky.tenant(tenantA.credentials);
    expect((await failure(t.deleteVolume('00000000-0000-0000-0000-000000000000'))).code).toBe('NOT_FOUND');
    expect((await failure(leaky.tenant({ ...creds(tenantA), secretKey: 'wrong-secret-value' }).listZones())).code).toBe('FORBIDDEN');

    const secrets = [sim.admin.apiKey, sim.admin.secretKey, sim.admin.password, creds(tenantA).apiKey, creds(tenantA).secretKey, 'wrong-secret-value'];
    const text = lines.join('\n') + JSON.stringify(seenErrors.map((e) => ({ message: e.message, upstream: e.upstream })));
    expect(seenErrors.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/signature=|sessionkey=|JSESSIONID=/i);
    expect(lines.some((l) => l.includes('upstream call'))).toBe(true);
  });
});

describe('simulator wire facts', () => {
  const signedUrl = (params: Record<string, string>, keys: { apiKey: string; secretKey: string } = sim.admin) =>
    `${sim.apiUrl}?${encodeQuery(signParams(params, keys.apiKey, keys.secretKey))}`;

  it('answers XML without response=json, 432 errorresponse for unknown commands', async () => {
    const xml = await fetch(signedUrl({ command: 'listZones' }));
    expect(xml.headers.get('content-type')).toContain('xml');
    expect(await xml.text()).toMatch(/^<\?xml[^>]*\?><listzonesresponse [^>]*><count>2<\/count><zone><id>/);
    const unknown = await fetch(signedUrl({ command: 'listUnicorns', response: 'json' }));
    expect(unknown.status).toBe(432);
    expect(await unknown.json()).toMatchObject({ errorresponse: { errorcode: 432, cserrorcode: 9999 } });
    expect(unknown.headers.get('x-description')).toContain('listUnicorns');
  });

  it('lists a template once per zone and the driver once', async () => {
    const raw = await adminRaw.call('listTemplates', { templatefilter: 'executable', name: 'CentOS 7' });
    expect(raw.count).toBe(2);
    expect(new Set((raw.template as { id: string }[]).map((t) => t.id)).size).toBe(1);
    expect((await a.listImages()).filter((i) => i.name === 'CentOS 7')).toHaveLength(1);
  });

  it('reports jobs with jobstatus, result code, instance and command; lists them', async () => {
    const tenantRaw = rawClient(sim, creds(tenantA), 'tenant');
    const { id, jobid } = await tenantRaw.start('createVolume', { name: 'jobbed', zoneid: (await a.listZones())[0].id, diskofferingid: (await tenantRaw.list<{ id: string; name: string }>('listDiskOfferings', { name: 'Small' }, 'diskoffering'))[0].id });
    const job = await tenantRaw.queryJob(jobid);
    expect(job).toMatchObject({ jobid, jobstatus: 1, jobresultcode: 0, jobresulttype: 'object', jobinstancetype: 'Volume', jobinstanceid: id, cmd: 'org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd' });
    expect((job.jobresult as { volume: { size: number; state: string } }).volume).toMatchObject({ size: 5 * 1024 ** 3, state: 'Allocated' });
    const listed = await tenantRaw.list<{ jobid: string }>('listAsyncJobs', {}, 'asyncjobs');
    expect(listed.map((j) => j.jobid)).toContain(jobid);
    const bobKeys = creds(await admin.provisionTenant({ name: 'ct_B', userName: 'bob' }));
    expect((await failure(rawClient(sim, bobKeys, 'tenant').queryJob(jobid))).code).toBe('NOT_FOUND');
  });

  it('gives each VPC a source NAT address that cannot be released', async () => {
    const { network } = await environment(a, 'snat', '10.13.0.0/16', '10.13.1.0/24');
    const tenantRaw = rawClient(sim, creds(tenantA), 'tenant');
    const [snat] = await tenantRaw.list<{ id: string; issourcenat: boolean }>('listPublicIpAddresses', { vpcid: network.id, issourcenat: 'true' }, 'publicipaddress');
    expect(snat.issourcenat).toBe(true);
    expect(await a.listFloatingIps()).not.toContainEqual(expect.objectContaining({ id: snat.id }));
    const status = await settle(a, await a.releaseFloatingIp(snat.id));
    expect(status).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('source NAT') } });
  });

  it('terminates without expunge on a stock cloud: Destroyed reads DELETED, and deleteNetwork waits for the expunge', async () => {
    // allow.user.expunge.recover.vm is false by default; expunge.delay 30 s scaled to 0.3 s.
    const stock = await startCloudStackSimulator({ timeScale: 0.01 });
    try {
      const stockDriver = makeDriver(stock.endpoint('dc-stock', 'cs-stock'));
      const provisioned = await stockDriver.admin().provisionTenant({ name: 'ct_stock', userName: 'stock' });
      const t = stockDriver.tenant(provisioned.credentials);
      const env = await environment(t, 'stock', '10.14.0.0/16', '10.14.1.0/24');
      const vm = (await ok(t, await t.createInstance({ name: 'stock', imageId: env.imageId, flavorId: env.flavorId, networkIds: [env.subnetId] })))!;

      // What the old driver sent: a user's expunge=true fails inside the job, as FORBIDDEN.
      const tenantRaw = rawClient(stock, creds(provisioned), 'tenant');
      const { jobid } = await tenantRaw.start('destroyVirtualMachine', { id: vm, expunge: 'true' });
      const refused = await tenantRaw.wait(jobid, 'destroyVirtualMachine').then(
        () => null,
        (e: unknown) => e as CloudError,
      );
      expect(refused).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('expunge') });

      const count = calls(stock);
      await ok(t, await t.terminateInstance(vm));
      expect(count('destroyVirtualMachine')).toBe(1);
      expect(count('expungeVirtualMachine')).toBe(0);
      const [destroyed] = await t.listInstances({ ids: [vm] });
      expect(destroyed).toMatchObject({ status: 'DELETED', cloudStatus: 'Destroyed' });

      // The Destroyed VM holds its NIC until expunged: the tier delete is retried within the operation.
      await ok(t, await t.deleteNetwork(env.network.id));
      expect(count('deleteNetwork')).toBeGreaterThanOrEqual(1);
      expect(await t.listNetworks({ ids: [env.network.id] })).toEqual([]);
      expect(await t.listInstances({ ids: [vm] })).toEqual([]);
    } finally {
      await stock.close();
    }
  });
});
