import { createLogger } from '../../src/logger';
import { CloudRegistry } from '../../src/clouds/registry';
import {
  CloudError,
  type AdminDriver,
  type CatalogReader,
  type CloudDriver,
  type Flavor,
  type Image,
  type Network,
  type Operation,
  type OperationStatus,
  type Subnet,
  type TenantDriver,
} from '../../src/clouds/driver';
import type { RunningSim } from '../../src/simulators/common';
import { ruleSpec } from '../support/rules';
import { startCloudStackSimulator } from '../../src/simulators/cloudstack';
import { startOpenStackSimulator } from '../../src/simulators/openstack';

/*
 * One contract, two clouds: every test below runs against the OpenStack driver and the
 * CloudStack driver alike, over HTTP, against their simulators. What differs between the
 * clouds lives in the fixtures; the assertions do not know which cloud they talk to.
 */

interface Fixture {
  sim: RunningSim;
  driver: CloudDriver;
  admin: AdminDriver;
  a: TenantDriver;
  b: TenantDriver;
  /** Where an instance is placed: OpenStack takes network ids, CloudStack tier (subnet) ids. */
  placement(network: Network, subnet: Subnet): string[];
  /** Secrets that must never appear in an error or a result. */
  secrets: string[];
  close(): Promise<void>;
}

const log = createLogger('silent');
const upstream = { timeoutMs: 500, maxAttempts: 2, backoffInitialMs: 5, backoffMaxMs: 20, breakerThreshold: 4, breakerHalfOpenAfterMs: 300 };

async function provisioned(admin: AdminDriver, driver: CloudDriver, name: string) {
  const tenant = await admin.provisionTenant({ name: `ct_${name}`, userName: `user_${name}`, email: `${name}@example.com` });
  return { tenant, driver: driver.tenant(tenant.credentials) };
}

const fixtures: Record<'OpenStack' | 'CloudStack', () => Promise<Fixture>> = {
  async OpenStack() {
    const sim = await startOpenStackSimulator({ timeScale: 0, seed: true });
    const driver = new CloudRegistry({ log, observer: null, upstream }).driver(sim.endpoint('dc-os', 'sim-os'), 'v1');
    const admin = driver.admin();
    const a = await provisioned(admin, driver, 'alpha');
    const b = await provisioned(admin, driver, 'beta');
    const secrets = [sim.admin.password];
    for (const t of [a, b]) if (t.tenant.credentials.kind === 'OPENSTACK') secrets.push(t.tenant.credentials.password);
    return { sim, driver, admin, a: a.driver, b: b.driver, placement: (network) => [network.id], secrets, close: () => sim.close() };
  },
  async CloudStack() {
    const sim = await startCloudStackSimulator({ timeScale: 0, seed: true });
    const driver = new CloudRegistry({ log, observer: null, upstream }).driver(sim.endpoint('dc-cs', 'sim-cs'), 'v1');
    const admin = driver.admin();
    const a = await provisioned(admin, driver, 'alpha');
    const b = await provisioned(admin, driver, 'beta');
    const secrets = [sim.admin.password, sim.admin.secretKey];
    for (const t of [a, b]) if (t.tenant.credentials.kind === 'CLOUDSTACK') secrets.push(t.tenant.credentials.secretKey);
    return { sim, driver, admin, a: a.driver, b: b.driver, placement: (_network, subnet) => [subnet.id], secrets, close: () => sim.close() };
  },
};

/** Follows an operation to its end (the simulators run with time scale 0: a few polls). */
async function settle(reader: CatalogReader, op: Operation<unknown>): Promise<Extract<OperationStatus, { done: true }>> {
  for (let i = 0; i < 50; i++) {
    const status = await reader.pollOperation(op.handle);
    if (status.done) return status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('operation did not finish');
}

async function settleOk(reader: CatalogReader, op: Operation<unknown>) {
  const status = await settle(reader, op);
  if (!status.ok) throw new Error(`operation failed: ${JSON.stringify(status.error)}`);
  return status;
}

const calls = async (sim: RunningSim) => (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { total: number; operations: Record<string, number> };

async function rejection(promise: Promise<unknown>): Promise<CloudError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloudError);
  return err as CloudError;
}

describe.each(Object.keys(fixtures) as (keyof typeof fixtures)[])('the %s driver', (cloud) => {
  let f: Fixture;
  let flavor: Flavor;
  let image: Image;
  let network: Network;
  let subnet: Subnet;
  const errors: unknown[] = [];

  beforeAll(async () => {
    f = await fixtures[cloud]();
    image = (await f.a.listImages()).find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name))!;
    // The smallest flavor whose disk holds the image (a flavor without a disk size takes the image's).
    flavor = (await f.a.listFlavors())
      .filter((x) => x.diskGb === 0 || x.diskGb >= image.minDiskGb)
      .sort((x, y) => x.cpu - y.cpu || x.memoryMb - y.memoryMb)[0];
    const created = await f.a.createNetwork({
      name: 'main',
      description: 'the first network',
      cidr: '10.10.0.0/16',
      subnet: { name: 'main-a', cidr: '10.10.1.0/24', dnsNameservers: ['8.8.8.8'] },
    });
    await settleOk(f.a, created);
    network = (await f.a.listNetworks()).find((n) => n.name === 'main')!;
    subnet = (await f.a.listSubnets({ parentIds: [network.id] }))[0];
  }, 60_000);
  afterAll(async () => {
    await f?.close();
  });
  afterEach(async () => {
    await fetch(`${f.sim.url}/_sim/faults`, { method: 'POST', body: '{}' });
  });

  describe('catalogue', () => {
    it('lists zones, flavors and images, and images by id', async () => {
      expect((await f.a.listZones()).length).toBeGreaterThan(0);
      expect(flavor).toMatchObject({ cpu: expect.any(Number), memoryMb: expect.any(Number) });
      expect(flavor.cpu).toBeGreaterThan(0);
      const images = await f.a.listImages();
      expect(images.length).toBeGreaterThan(1);
      const picked = await f.a.listImages({ ids: [images[0].id] });
      expect(picked.map((i) => i.id)).toEqual([images[0].id]);
    });

    it('creates a flavor as administrator', async () => {
      const created = await f.admin.createFlavor({ name: `c2m3-${cloud}`, cpu: 2, memoryMb: 3072, diskGb: 20 });
      expect(created).toMatchObject({ name: `c2m3-${cloud}`, cpu: 2, memoryMb: 3072 });
      expect((await f.admin.listFlavors()).map((x) => x.id)).toContain(created.id);
    });
  });

  describe('tenants', () => {
    it('provisioning the same tenant again finds it instead of failing or duplicating', async () => {
      const first = await f.admin.provisionTenant({ name: 'ct_gamma', userName: 'user_gamma' });
      const again = await f.admin.provisionTenant({ name: 'ct_gamma', userName: 'user_gamma' });
      expect(again.projectId).toBe(first.projectId);
      expect(again.userId).toBe(first.userId);
      // The credentials from the second run work.
      expect(Array.isArray(await f.driver.tenant(again.credentials).listNetworks())).toBe(true);
    });

    it('removes a tenant, and removing it again is not an error', async () => {
      const t = await f.admin.provisionTenant({ name: 'ct_delta', userName: 'user_delta' });
      await f.admin.removeTenant({ projectId: t.projectId, userId: t.userId });
      await f.admin.removeTenant({ projectId: t.projectId, userId: t.userId });
    });
  });

  describe('networks and subnets', () => {
    it('created a network with its first subnet, gateway and DNS', () => {
      expect(network).toMatchObject({ name: 'main', cidr: '10.10.0.0/16', subnetIds: [subnet.id] });
      expect(subnet).toMatchObject({ networkId: network.id, name: 'main-a', cidr: '10.10.1.0/24', gatewayIp: '10.10.1.1' });
    });

    it('adds, renames and deletes a subnet, and reports IP availability', async () => {
      expect((await rejection(f.a.createSubnet(network.id, { name: 'outside', cidr: '10.11.2.0/24' }))).code).toBe('BAD_USER_INPUT');
      const second = await f.a.createSubnet(network.id, { name: 'main-b', cidr: '10.10.2.0/24' });
      expect(second).toMatchObject({ networkId: network.id, cidr: '10.10.2.0/24', gatewayIp: '10.10.2.1' });
      expect((await f.a.updateSubnet(second.id, { name: 'main-b2' })).name).toBe('main-b2');
      const [availability] = await f.a.ipAvailability([network.id]);
      expect(availability.networkId).toBe(network.id);
      expect(availability.total).toBeGreaterThan(400);
      expect(availability.used).toBeGreaterThanOrEqual(0);
      await settleOk(f.a, await f.a.deleteSubnet(second.id));
      expect((await f.a.listSubnets({ parentIds: [network.id] })).map((s) => s.id)).toEqual([subnet.id]);
    });

    it('renames a network', async () => {
      const renamed = await f.a.updateNetwork(network.id, { name: 'main' });
      expect(renamed.id).toBe(network.id);
    });

    it('creates and deletes a whole network', async () => {
      const op = await f.a.createNetwork({ name: 'temp', cidr: '10.20.0.0/16', subnet: { name: 'temp-a', cidr: '10.20.1.0/24' } });
      await settleOk(f.a, op);
      const temp = (await f.a.listNetworks()).find((n) => n.name === 'temp')!;
      await settleOk(f.a, await f.a.deleteNetwork(temp.id));
      expect((await f.a.listNetworks()).map((n) => n.name)).not.toContain('temp');
      expect(await f.a.listSubnets({ parentIds: [temp.id] })).toEqual([]);
    });
  });

  describe('credentials', () => {
    it('a tenant whose secret is wrong is refused as FORBIDDEN, and the secret is nowhere in the error', async () => {
      const t = await f.admin.provisionTenant({ name: 'ct_wrong', userName: 'user_wrong' });
      const forged =
        t.credentials.kind === 'OPENSTACK'
          ? { ...t.credentials, password: 'not-the-password-1' }
          : { ...t.credentials, secretKey: 'not-the-secret-key-1' };
      const err = await rejection(f.driver.tenant(forged).listNetworks());
      expect(err.code).toBe('FORBIDDEN');
      expect(JSON.stringify({ ...err, message: err.message })).not.toMatch(/not-the-(password|secret-key)-1/);
    });
  });

  describe('tenant isolation', () => {
    it('tenant B neither sees nor touches tenant A’s network', async () => {
      expect((await f.b.listNetworks()).map((n) => n.id)).not.toContain(network.id);
      expect(await f.b.listNetworks({ ids: [network.id] })).toEqual([]);
      expect((await rejection(f.b.updateNetwork(network.id, { name: 'stolen' }))).code).toBe('NOT_FOUND');
      expect((await rejection(f.b.deleteNetwork(network.id))).code).toBe('NOT_FOUND');
      expect((await f.a.listNetworks({ ids: [network.id] }))[0].name).toBe('main');
    });
  });

  describe('security groups', () => {
    it('maps rules both ways and keeps the default group', async () => {
      const group = await f.a.createSecurityGroup({ name: 'web', description: 'web servers' });
      const ssh = await f.a.addSecurityGroupRule(group.id, ruleSpec());
      await settleOk(f.a, ssh);
      const udp = await f.a.addSecurityGroupRule(group.id, ruleSpec({ direction: 'EGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '10.0.0.0/8' }));
      await settleOk(f.a, udp);
      const [listed] = await f.a.listSecurityGroups({ ids: [group.id] });
      expect(listed).toMatchObject({ name: 'web', isDefault: false });
      expect(listed.rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0' }),
          expect.objectContaining({ direction: 'EGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '10.0.0.0/8' }),
        ]),
      );
      const rule = listed.rules.find((r) => r.protocol === 'TCP' && r.portMin === 22)!;
      await settleOk(f.a, await f.a.removeSecurityGroupRule(group.id, rule.id));
      const [after] = await f.a.listSecurityGroups({ ids: [group.id] });
      expect(after.rules.find((r) => r.id === rule.id)).toBeUndefined();

      const groups = await f.a.listSecurityGroups();
      const defaultGroup = groups.find((g) => g.isDefault);
      expect(defaultGroup).toBeDefined();
      expect((await rejection(f.a.deleteSecurityGroup(defaultGroup!.id))).code).toBe('CONFLICT');
      await f.a.deleteSecurityGroup(group.id);
      expect((await f.a.listSecurityGroups()).map((g) => g.id)).not.toContain(group.id);
    });
  });

  describe('key pairs', () => {
    it('generates a key pair, returns its private key once, lists and deletes it', async () => {
      const { keyPair, privateKey } = await f.a.createKeyPair({ name: 'deploy' });
      expect(keyPair.name).toBe('deploy');
      expect(keyPair.fingerprint).toBeTruthy();
      expect(privateKey).toMatch(/PRIVATE KEY/);
      const listed = await f.a.listKeyPairs({ ids: ['deploy'] });
      expect(listed.map((k) => k.name)).toEqual(['deploy']);
      expect(JSON.stringify(listed)).not.toContain(privateKey!);
      await f.a.deleteKeyPair('deploy');
      expect(await f.a.listKeyPairs({ ids: ['deploy'] })).toEqual([]);
    });
  });

  describe('instances, volumes, backups, floating IPs', () => {
    let instanceId: string;

    it('creates an instance and finds it running on the network', async () => {
      const op = await f.a.createInstance({
        name: 'web-1',
        imageId: image.id,
        flavorId: flavor.id,
        networkIds: f.placement(network, subnet),
        operationId: `op-${cloud}-1`,
      });
      await settleOk(f.a, op);
      const found = (await f.a.listInstances()).find((i) => i.name === 'web-1')!;
      expect(found).toMatchObject({ status: 'RUNNING', cpu: flavor.cpu, memoryMb: flavor.memoryMb, imageId: image.id, operationId: `op-${cloud}-1` });
      expect(found.addresses.some((a) => a.networkId === network.id && a.ip.startsWith('10.10.1.'))).toBe(true);
      // Placed without a group, it is in the tenant's default one.
      const defaultGroup = (await f.a.listSecurityGroups()).find((g) => g.isDefault)!;
      expect(found.securityGroupIds).toEqual([defaultGroup.id]);
      instanceId = found.id;
      expect((await f.a.listInstances({ parentIds: [network.id] })).map((i) => i.id)).toContain(instanceId);
    });

    it('a snapshot answers a request’s lists as the cloud does, reading each collection once, and a new one sees a change', async () => {
      const reads = (t: TenantDriver) =>
        Promise.all([
          t.listNetworks(),
          t.listSubnets({ parentIds: [network.id] }),
          t.listSubnets({ ids: [subnet.id] }),
          t.ipAvailability([network.id]),
          t.listInstances({ parentIds: [network.id] }),
          t.listInstances(),
          t.listVolumes({ parentIds: [instanceId] }),
          t.listVolumes(),
        ]);
      const direct = await reads(f.a);
      const snapshot = f.a.snapshot();
      const before = await calls(f.sim);
      const shared = await reads(snapshot);
      const after = await calls(f.sim);
      expect(shared).toEqual(direct);
      const made = Object.entries(after.operations).filter(([op, n]) => n !== (before.operations[op] ?? 0)).map(([op, n]) => [op, n - (before.operations[op] ?? 0)]);
      expect(made.length).toBeGreaterThan(0);
      expect(made.filter(([, n]) => n !== 1)).toEqual([]);
      // The same reads again cost nothing: the snapshot answers them.
      await reads(snapshot);
      expect((await calls(f.sim)).total).toBe(after.total);
      // A change is not in the old snapshot, and is in a new one.
      await settleOk(f.a, await f.a.createVolume({ name: 'snap-vol', sizeGb: 1 }));
      expect((await snapshot.listVolumes()).some((v) => v.name === 'snap-vol')).toBe(false);
      const fresh = await f.a.snapshot().listVolumes();
      expect(fresh.some((v) => v.name === 'snap-vol')).toBe(true);
      await settleOk(f.a, await f.a.deleteVolume(fresh.find((v) => v.name === 'snap-vol')!.id));
    });

    it('an instance placed with a group reads back with that group', async () => {
      const group = await f.a.createSecurityGroup({ name: 'app', description: 'app servers' });
      const op = await f.a.createInstance({ name: 'app-1', imageId: image.id, flavorId: flavor.id, networkIds: f.placement(network, subnet), securityGroupIds: [group.id] });
      await settleOk(f.a, op);
      const found = (await f.a.listInstances()).find((i) => i.name === 'app-1')!;
      expect(found.securityGroupIds).toEqual([group.id]);
      expect((await f.a.listInstances({ ids: [found.id] }))[0].securityGroupIds).toEqual([group.id]);
      await settleOk(f.a, await f.a.terminateInstance(found.id));
    });

    it('a create retried with the same operation id finds the first instance', async () => {
      const before = (await f.a.listInstances()).length;
      const op = await f.a.createInstance({ name: 'web-1', imageId: image.id, flavorId: flavor.id, networkIds: f.placement(network, subnet), operationId: `op-${cloud}-1` });
      const status = await settleOk(f.a, op);
      expect(status.resourceId ?? (op.resource as { id: string } | null)?.id).toBe(instanceId);
      expect((await f.a.listInstances()).length).toBe(before);
    });

    it('stops, starts, reboots and renames it', async () => {
      await settleOk(f.a, await f.a.instanceAction(instanceId, 'STOP'));
      expect((await f.a.listInstances({ ids: [instanceId] }))[0].status).toBe('STOPPED');
      await settleOk(f.a, await f.a.instanceAction(instanceId, 'START'));
      expect((await f.a.listInstances({ ids: [instanceId] }))[0].status).toBe('RUNNING');
      await settleOk(f.a, await f.a.instanceAction(instanceId, 'REBOOT'));
      expect((await f.a.listInstances({ ids: [instanceId] }))[0].status).toBe('RUNNING');
      expect((await f.a.renameInstance(instanceId, 'web-one')).name).toBe('web-one');
    });

    it('tenant B cannot see or act on the instance', async () => {
      expect(await f.b.listInstances({ ids: [instanceId] })).toEqual([]);
      expect((await rejection(f.b.instanceAction(instanceId, 'STOP'))).code).toBe('NOT_FOUND');
      expect((await rejection(f.b.terminateInstance(instanceId))).code).toBe('NOT_FOUND');
    });

    it('creates a volume, attaches, detaches; backs it up and restores the backup into a new volume', async () => {
      const created = await f.a.createVolume({ name: 'data', sizeGb: 10, type: 'SSD' });
      await settleOk(f.a, created);
      const volume = (await f.a.listVolumes()).find((v) => v.name === 'data')!;
      expect(volume).toMatchObject({ sizeGb: 10, status: 'AVAILABLE', instanceId: null });

      await settleOk(f.a, await f.a.attachVolume(volume.id, instanceId));
      expect((await f.a.listVolumes({ ids: [volume.id] }))[0]).toMatchObject({ status: 'IN_USE', instanceId });
      expect((await f.a.listVolumes({ parentIds: [instanceId] })).map((v) => v.id)).toContain(volume.id);
      await settleOk(f.a, await f.a.detachVolume(volume.id));
      expect((await f.a.listVolumes({ ids: [volume.id] }))[0]).toMatchObject({ status: 'AVAILABLE', instanceId: null });

      await settleOk(f.a, await f.a.createBackup({ volumeId: volume.id, name: 'nightly', description: 'before upgrade' }));
      const [backup] = await f.a.listBackups({ parentIds: [volume.id] });
      expect(backup).toMatchObject({ volumeId: volume.id, name: 'nightly', status: 'AVAILABLE' });
      const restore = await f.a.restoreBackup(backup.id, { name: 'restored' });
      await settleOk(f.a, restore);
      expect((await f.a.listVolumes()).length).toBeGreaterThanOrEqual(2);
      await settleOk(f.a, await f.a.deleteBackup(backup.id));
      expect(await f.a.listBackups({ parentIds: [volume.id] })).toEqual([]);
      await settleOk(f.a, await f.a.deleteVolume(volume.id));
      expect(await f.a.listVolumes({ ids: [volume.id] })).toEqual([]);
    });

    it('allocates a floating IP with its bandwidth, associates and releases it', async () => {
      const allocated = await f.a.allocateFloatingIp({ bandwidthMbps: 2, networkId: network.id });
      await settleOk(f.a, allocated);
      const [fip] = await f.a.listFloatingIps();
      expect(fip).toMatchObject({ bandwidthMbps: 2, instanceId: null });
      expect(fip.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      await settleOk(f.a, await f.a.associateFloatingIp(fip.id, instanceId));
      expect((await f.a.listFloatingIps({ parentIds: [instanceId] })).map((x) => x.id)).toEqual([fip.id]);
      await settleOk(f.a, await f.a.disassociateFloatingIp(fip.id));
      expect((await f.a.listFloatingIps({ ids: [fip.id] }))[0].instanceId).toBeNull();
      await settleOk(f.a, await f.a.releaseFloatingIp(fip.id));
      expect(await f.a.listFloatingIps({ ids: [fip.id] })).toEqual([]);
    });

    it('counts the instance in the quota', async () => {
      const quota = await f.a.quota();
      expect(quota.instances.used).toBeGreaterThanOrEqual(1);
      expect(quota.cpu.used).toBeGreaterThanOrEqual(flavor.cpu);
    });

    it('terminates the instance', async () => {
      await settleOk(f.a, await f.a.terminateInstance(instanceId));
      const left = await f.a.listInstances({ ids: [instanceId] });
      expect(left.every((i) => i.status === 'DELETED')).toBe(true);
    });

    it('an instance whose build fails ends its operation with the cloud’s error', async () => {
      const broken = (await f.a.listImages()).find((i) => /broken/i.test(i.name));
      expect(broken).toBeDefined();
      const op = await f.a.createInstance({ name: 'doomed', imageId: broken!.id, flavorId: flavor.id, networkIds: f.placement(network, subnet) });
      const status = await settle(f.a, op);
      expect(status.ok).toBe(false);
      if (!status.ok) {
        expect(status.error.code).toMatch(/UPSTREAM_ERROR|QUOTA_EXCEEDED|CONFLICT/);
        errors.push(status.error);
      }
    });
  });

  describe('batching', () => {
    const fakeIds = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

    it.each([
      ['listInstances', (t: TenantDriver, ids: string[]) => t.listInstances({ ids })],
      ['listVolumes', (t: TenantDriver, ids: string[]) => t.listVolumes({ ids })],
      ['listNetworks', (t: TenantDriver, ids: string[]) => t.listNetworks({ ids })],
      ['listSubnets by network', (t: TenantDriver, ids: string[]) => t.listSubnets({ parentIds: ids })],
      ['listSecurityGroups', (t: TenantDriver, ids: string[]) => t.listSecurityGroups({ ids })],
      ['listFloatingIps by instance', (t: TenantDriver, ids: string[]) => t.listFloatingIps({ parentIds: ids })],
      ['listVolumes by instance', (t: TenantDriver, ids: string[]) => t.listVolumes({ parentIds: ids })],
      ['listBackups by volume', (t: TenantDriver, ids: string[]) => t.listBackups({ parentIds: ids })],
      ['listImages', (t: TenantDriver, ids: string[]) => t.listImages({ ids })],
    ])('%s makes as many calls for 50 ids as for 1', async (_name, list) => {
      await list(f.a, fakeIds(1)); // warm the token and any catalogue look-up
      const before1 = await calls(f.sim);
      await list(f.a, fakeIds(1));
      const one = (await calls(f.sim)).total - before1.total;
      const before50 = await calls(f.sim);
      await list(f.a, fakeIds(50));
      const fifty = (await calls(f.sim)).total - before50.total;
      expect(one).toBeGreaterThan(0);
      expect(fifty).toBe(one);
    });
  });

  describe('failures', () => {
    const faults = (body: object) => fetch(`${f.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(body) });

    it('a read that does not answer in time is tried again, then reported UPSTREAM_UNAVAILABLE', async () => {
      await f.a.listZones(); // a token or session in hand first
      await faults({ hangMs: 1500 });
      const before = await calls(f.sim);
      const started = Date.now();
      const err = await rejection(f.a.listZones());
      expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { message: 'timeout' } });
      expect(Date.now() - started).toBeLessThan(1400);
      expect((await calls(f.sim)).total - before.total).toBe(2);
      errors.push(err);
    });

    it('a read answered 503 is tried again before it is reported', async () => {
      await f.a.listZones();
      const before = await calls(f.sim);
      await faults({ errorRate: 1, errorStatus: 503 });
      const err = await rejection(f.a.listZones());
      expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
      expect((await calls(f.sim)).total - before.total).toBe(2);
      await faults({});
      expect((await f.a.listZones()).length).toBeGreaterThan(0);
    });

    it('an outage fails calls as UPSTREAM_UNAVAILABLE and opens the breaker', async () => {
      await fetch(`${f.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ outage: true }) });
      for (let i = 0; i < 4; i++) {
        const err = await rejection(f.a.listNetworks());
        expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
        errors.push(err);
      }
      const before = await calls(f.sim);
      const open = await rejection(f.a.listNetworks());
      expect(open.upstream.message).toBe('circuit open');
      // The open breaker answered without sending anything (control calls are not counted).
      expect((await calls(f.sim)).total - before.total).toBe(0);
      await fetch(`${f.sim.url}/_sim/faults`, { method: 'POST', body: '{}' });
      await new Promise((r) => setTimeout(r, 350));
      expect((await f.a.listNetworks()).map((n) => n.id)).toContain(network.id);
    });

    it('a failing operation is reported with the cloud’s status', async () => {
      await fetch(`${f.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) });
      const err = await rejection(f.a.listNetworks());
      expect(err.code).toBe('UPSTREAM_ERROR');
      expect(err.upstream.status).toBe(500);
      errors.push(err);
    });

    it('no error or result carries a credential', () => {
      const text = JSON.stringify(errors.map((e) => (e instanceof Error ? { ...e, message: e.message, stack: e.stack } : e)));
      expect(errors.length).toBeGreaterThan(0);
      for (const secret of f.secrets) expect(text).not.toContain(secret);
    });
  });
});
