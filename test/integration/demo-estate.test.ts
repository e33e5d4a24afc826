import { CloudRegistry } from '../../src/clouds/registry';
import { createLogger } from '../../src/logger';
import { startCloudStackSimulator } from '../../src/simulators/cloudstack';
import { seedDemoEstate } from '../../src/simulators/demo';
import { startOpenStackSimulator } from '../../src/simulators/openstack';

const starts = {
  OpenStack: () => startOpenStackSimulator({ timeScale: 0, seed: true }),
  CloudStack: () => startCloudStackSimulator({ timeScale: 0, seed: true }),
};

test.each(Object.keys(starts) as (keyof typeof starts)[])('the %s simulator can be preloaded with a demo estate', async (cloud) => {
  const sim = await starts[cloud]();
  try {
    const driver = new CloudRegistry({ log: createLogger('silent'), observer: null }).driver(sim.endpoint('dc', 'demo'), 'v1');
    const estate = await seedDemoEstate(driver);
    const t = driver.tenant(estate.tenant.credentials);
    const instances = await t.listInstances({ parentIds: [estate.networkId] });
    expect(instances.map((i) => [i.name, i.status]).sort()).toEqual([
      ['demo-db', 'RUNNING'],
      ['demo-web', 'RUNNING'],
    ]);
    // CloudStack lists the root disk too; the data volume is what the estate attached.
    const attached = await t.listVolumes({ parentIds: [estate.instanceIds[0]] });
    expect(attached.filter((v) => !v.bootable).map((v) => [v.id, v.name])).toEqual([[estate.volumeId, 'demo-data']]);
    expect(await t.listFloatingIps({ parentIds: [estate.instanceIds[0]] })).toEqual([
      expect.objectContaining({ id: estate.floatingIpId, bandwidthMbps: 2 }),
    ]);
    expect((await t.listKeyPairs()).map((k) => k.name)).toContain('demo-key');
    // Another tenant sees none of it.
    const other = await driver.admin().provisionTenant({ name: 'ct_other', userName: 'other' });
    expect(await driver.tenant(other.credentials).listInstances()).toEqual([]);
  } finally {
    await sim.close();
  }
});
