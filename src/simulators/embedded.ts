import type { Config } from '../config';
import { DatacenterService } from '../graph/datacenter/datacenter.service';
import type { AppDeps } from '../graph/services';
import { startCloudStackSimulator } from './cloudstack';
import { startOpenStackSimulator } from './openstack';

export interface EmbeddedClouds {
  openstackUrl: string;
  cloudstackUrl: string;
  close(): Promise<void>;
}

/**
 * Embedded mode's datacenters: a simulated OpenStack and CloudStack, seeded with flavors,
 * images and zones, registered (or brought up to date) as datacenters `sim-os` and `sim-cs`.
 * Their state lives in memory: resources made in them are gone after a restart.
 */
export async function startEmbeddedClouds(deps: AppDeps, options: Config['simulators']): Promise<EmbeddedClouds> {
  const openstack = await startOpenStackSimulator({ port: options.openstackPort, timeScale: options.timeScale, seed: true });
  const cloudstack = await startCloudStackSimulator({ port: options.cloudstackPort, timeScale: options.timeScale, seed: true }).catch(
    async (err: unknown) => {
      await openstack.close();
      throw err;
    },
  );
  const datacenters = new DatacenterService(deps);
  await datacenters.upsertByUuid({
    uuid: 'simulated-openstack',
    name: 'Simulated OpenStack',
    shortName: 'sim-os',
    kind: 'OPENSTACK' as never,
    serviceUrl: openstack.identityUrl,
    adminUser: openstack.admin.user,
    password: openstack.admin.password,
    project: openstack.admin.project,
    domain: openstack.admin.domain,
    externalNetwork: openstack.externalNetworkName,
    idcTypeName: 'OpenStack (simulated)',
  });
  await datacenters.upsertByUuid({
    uuid: 'simulated-cloudstack',
    name: 'Simulated CloudStack',
    shortName: 'sim-cs',
    kind: 'CLOUDSTACK' as never,
    serviceUrl: cloudstack.apiUrl,
    adminUser: cloudstack.admin.user,
    password: cloudstack.admin.password,
    apiKey: cloudstack.admin.apiKey,
    secretKey: cloudstack.admin.secretKey,
    idcTypeName: 'CloudStack (simulated)',
  });
  deps.log.info({ openstack: openstack.url, cloudstack: cloudstack.url }, 'simulated datacenters registered');
  return {
    openstackUrl: openstack.url,
    cloudstackUrl: cloudstack.url,
    close: async () => {
      await Promise.all([openstack.close(), cloudstack.close()]);
    },
  };
}
