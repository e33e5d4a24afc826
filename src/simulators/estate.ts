import type { CatalogReader, CloudDriver, Operation, TenantDriver } from '../clouds/driver';
import { CloudStackClient } from '../clouds/cloudstack/client';
import { Upstream } from '../clouds/upstream';
import type { Logger } from '../logger';
import type { CloudStackSimulator } from './cloudstack';

/*
 * An estate of a given shape built straight through a tenant's own driver (what the graph's
 * mutations do, minus the graph), for the batching test and the benchmarks: per network
 * `subnets` subnets, per subnet `instances` instances, each with a data volume attached and
 * (every `floatingIpEvery`-th) a floating IP associated, and one key pair.
 */

export interface EstateShape {
  networks: number;
  subnets: number;
  instances: number;
  /** A floating IP on every n-th instance (the external network's pool is finite). @default 1 */
  floatingIpEvery?: number;
}

/** OpenStack simulator quotas that hold a thousand-instance estate. */
export const LARGE_QUOTAS = { instances: 2000, cores: 8000, ramMb: 20_000_000, floatingIps: 2000, volumes: 2000, gigabytes: 200_000, ports: 10_000, networks: 200, subnets: 1000, routers: 200 };

/** Follows an operation to its end (simulators at time scale 0 end on the next poll); the id of what it made. */
export async function finish(reader: CatalogReader, op: Operation<unknown>): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const status = await reader.pollOperation(op.handle);
    if (status.done) {
      if (!status.ok) throw new Error(status.error.message);
      return status.resourceId ?? (op.resource as { id: string }).id;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('operation did not finish');
}

export async function buildEstate(driver: CloudDriver, t: TenantDriver, shape: EstateShape): Promise<void> {
  const image = (await t.listImages()).find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name))!;
  const flavor = (await t.listFlavors()).filter((x) => x.diskGb === 0 || x.diskGb >= image.minDiskGb).sort((a, b) => a.cpu - b.cpu || a.memoryMb - b.memoryMb)[0];
  await t.createKeyPair({ name: 'console-key' });
  for (let n = 0; n < shape.networks; n++) {
    const cidr = `10.${n + 1}.0.0/16`;
    await finish(t, await t.createNetwork({ name: `net-${n}`, cidr, subnet: { name: `net-${n}-s0`, cidr: `10.${n + 1}.0.0/24`, gatewayIp: `10.${n + 1}.0.1` } }));
    const network = (await t.listNetworks()).find((x) => x.name === `net-${n}`)!;
    for (let s = 1; s < shape.subnets; s++) await t.createSubnet(network.id, { name: `net-${n}-s${s}`, cidr: `10.${n + 1}.${s}.0/24`, gatewayIp: `10.${n + 1}.${s}.1` });
    const subnets = await t.listSubnets({ parentIds: [network.id] });
    for (const subnet of subnets) {
      for (let i = 0; i < shape.instances; i++) {
        const placement = driver.kind === 'OPENSTACK' ? [network.id] : [subnet.id];
        const instanceId = await finish(t, await t.createInstance({ name: `${subnet.name}-vm${i}`, imageId: image.id, flavorId: flavor.id, networkIds: placement, keyPairName: 'console-key' }));
        const volumeId = await finish(t, await t.createVolume({ name: `${subnet.name}-vm${i}-data`, sizeGb: 1 }));
        await finish(t, await t.attachVolume(volumeId, instanceId));
        if (i % (shape.floatingIpEvery ?? 1) !== 0) continue;
        const ipId = await finish(t, await t.allocateFloatingIp({ bandwidthMbps: 2, networkId: network.id }));
        await finish(t, await t.associateFloatingIp(ipId, instanceId));
      }
    }
  }
}

/** Unlimited CloudStack resources for one account (updateResourceLimit, as a root admin would). */
export async function unlimitCloudStackAccount(cs: CloudStackSimulator, account: string, log: Logger): Promise<void> {
  const client = new CloudStackClient({
    endpoint: cs.endpoint('cs-admin', 'cs'),
    upstream: new Upstream('cs', log, null),
    log,
    auth: { kind: 'keys', apiKey: cs.admin.apiKey, secretKey: cs.admin.secretKey },
    role: 'admin',
  });
  for (const resourcetype of [0, 1, 2, 6, 7, 8, 9, 10]) {
    await client.call('updateResourceLimit', { account, domainid: cs.admin.domainId, resourcetype: String(resourcetype), max: '-1' });
  }
}
