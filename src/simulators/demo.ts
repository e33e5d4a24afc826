import type { CatalogReader, CloudDriver, Operation, ProvisionedTenant } from '../clouds/driver';

export interface DemoEstate {
  tenant: ProvisionedTenant;
  networkId: string;
  instanceIds: string[];
  volumeId: string;
  floatingIpId: string;
}

/**
 * A small estate for demos and console work, made through the driver like any client would:
 * a tenant `ct_demo`, a network with a subnet, a `web` security group allowing SSH, a key
 * pair, two instances, a data volume on the first and a floating IP on it.
 */
export async function seedDemoEstate(driver: CloudDriver): Promise<DemoEstate> {
  const tenant = await driver.admin().provisionTenant({ name: 'ct_demo', userName: 'demo', email: 'demo@example.com' });
  const t = driver.tenant(tenant.credentials);

  await finish(t, await t.createNetwork({ name: 'demo-vpc', cidr: '10.0.0.0/16', subnet: { name: 'demo-subnet', cidr: '10.0.1.0/24' } }));
  const network = (await t.listNetworks()).find((n) => n.name === 'demo-vpc')!;
  const [subnet] = await t.listSubnets({ parentIds: [network.id] });

  const web = await t.createSecurityGroup({ name: 'web', description: 'SSH from anywhere' });
  await finish(
    t,
    await t.addSecurityGroupRule(web.id, { direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' }),
  );
  await t.createKeyPair({ name: 'demo-key' });

  const image = (await t.listImages()).find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name))!;
  const flavor = (await t.listFlavors())
    .filter((f) => f.diskGb === 0 || f.diskGb >= image.minDiskGb)
    .sort((a, b) => a.cpu - b.cpu || a.memoryMb - b.memoryMb)[0];
  const placement = driver.kind === 'OPENSTACK' ? [network.id] : [subnet.id];
  const instanceIds: string[] = [];
  for (const name of ['demo-web', 'demo-db']) {
    const op = await t.createInstance({ name, imageId: image.id, flavorId: flavor.id, networkIds: placement, keyPairName: 'demo-key', securityGroupIds: [web.id] });
    instanceIds.push(await finish(t, op));
  }

  const volumeId = await finish(t, await t.createVolume({ name: 'demo-data', sizeGb: 20, type: 'SSD' }));
  await finish(t, await t.attachVolume(volumeId, instanceIds[0]));
  const floatingIpId = await finish(t, await t.allocateFloatingIp({ bandwidthMbps: 2, networkId: network.id }));
  await finish(t, await t.associateFloatingIp(floatingIpId, instanceIds[0]));
  return { tenant, networkId: network.id, instanceIds, volumeId, floatingIpId };
}

/** Follows an operation to its end; the id of what it made. */
async function finish(reader: CatalogReader, op: Operation<unknown>, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await reader.pollOperation(op.handle);
    if (status.done) {
      if (!status.ok) throw new Error(`demo estate: ${status.error.message}`);
      const id = status.resourceId ?? (op.resource as { id?: string } | null)?.id;
      return id ?? '';
    }
    if (Date.now() > deadline) throw new Error('demo estate: an operation did not finish in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
