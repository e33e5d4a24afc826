import { addImage } from './glance';
import { uuid, type OpenStackState } from './state';
import { isoNow } from './http';

/*
 * What a fresh devstack-like region offers: the m1 flavors, a few public images (one of them,
 * `broken-image`, never boots), and the external network `ext-net` with its public subnet that
 * routers use as gateway.
 */

export function seedCatalog(state: OpenStackState, adminProjectId: string): void {
  const flavors: [string, string, number, number, number][] = [
    ['1', 'm1.tiny', 1, 512, 1],
    ['2', 'm1.small', 1, 2048, 20],
    ['3', 'm1.medium', 2, 4096, 40],
    ['4', 'm1.large', 4, 8192, 80],
    ['5', 'm1.xlarge', 8, 16384, 160],
  ];
  for (const [id, name, vcpus, ram, disk] of flavors) {
    state.flavors.set(id, { id, name, vcpus, ram, disk, swap: 0, ephemeral: 0, rxtxFactor: 1, isPublic: true, disabled: false, description: null });
  }

  const images: [string, Record<string, string>, number, number][] = [
    ['cirros-0.6.2-x86_64-disk', { os_type: 'linux', os_distro: 'cirros', architecture: 'x86_64' }, 1, 21430272],
    ['CentOS 7', { os_type: 'linux', os_distro: 'centos', os_version: '7', architecture: 'x86_64' }, 10, 858783744],
    ['Ubuntu 22.04', { os_type: 'linux', os_distro: 'ubuntu', os_version: '22.04', architecture: 'x86_64' }, 10, 653262848],
    ['Windows Server 2019', { os_type: 'windows', os_distro: 'windows', os_version: '2019', architecture: 'x86_64' }, 40, 10737418240],
    // Servers booted from it always end in ERROR: a deterministic failure for demos and tests.
    ['broken-image', { os_type: 'linux', os_distro: 'cirros', description: 'always fails to boot' }, 1, 21430272],
  ];
  for (const [name, properties, minDisk, size] of images) {
    addImage(state, { name, owner: adminProjectId, minDisk, size, virtualSize: size * 2, properties });
  }

  const now = isoNow();
  const net = {
    id: uuid(),
    name: 'ext-net',
    projectId: adminProjectId,
    description: 'Public network',
    adminStateUp: true,
    shared: false,
    external: true,
    mtu: 1500,
    status: 'ACTIVE',
    azHints: [],
    tags: [],
    revision: 1,
    createdAt: now,
    updatedAt: now,
  };
  state.networks.set(net.id, net);
  const subnetId = uuid();
  state.subnets.set(subnetId, {
    id: subnetId,
    name: 'public-subnet',
    projectId: adminProjectId,
    networkId: net.id,
    ipVersion: 4,
    cidr: '172.24.4.0/24',
    gatewayIp: '172.24.4.1',
    enableDhcp: false,
    dnsNameservers: [],
    allocationPools: [{ start: '172.24.4.2', end: '172.24.4.254' }],
    hostRoutes: [],
    description: '',
    revision: 0,
    createdAt: now,
    updatedAt: now,
  });
}
