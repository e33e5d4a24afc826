import { createAccountRecord, createUserRecord, newApiKeys } from './accounts';
import type { Sim } from './context';
import { GiB, uuid, type Domain, type User } from './state';

/** The ROOT domain and the root administrator: what a fresh management server has. */
export function seedAdmin(sim: Sim, password: string): { user: User; domain: Domain } {
  const domain: Domain = { id: uuid(), name: 'ROOT', path: 'ROOT', parentId: null, level: 0 };
  sim.state.domains.set(domain.id, domain);
  const account = createAccountRecord(sim, { name: 'admin', domainId: domain.id, accountType: 1 });
  const user = createUserRecord(sim, account.id, { username: 'admin', password, firstname: 'Admin', lastname: 'User', email: 'admin@cloudstack.invalid' });
  Object.assign(user, newApiKeys());
  return { user, domain };
}

/**
 * A small cloud to work in: one enabled and one disabled zone, compute offerings from 1c/1G
 * up, two public templates plus `broken` (its deploy job fails with 530), disk offerings
 * SSD/SATA/Custom (custom size) and two fixed sizes, and the VPC offerings.
 */
export function seedCatalog(sim: Sim, options: { securityGroupZone?: boolean; adminAccountId?: string } = {}): void {
  const s = sim.state;
  const now = sim.clock.now();
  const zones = [
    { id: uuid(), name: 'zone-1', allocationstate: 'Enabled' as const },
    { id: uuid(), name: 'zone-2', allocationstate: 'Disabled' as const },
  ];
  // Advanced zones with VPCs: security groups are off there; VPC tiers are filtered by network ACLs.
  for (const z of zones) s.zones.set(z.id, { ...z, networktype: 'Advanced', securitygroupsenabled: false, dns1: '8.8.8.8' });
  seedDefaultAcls(sim);
  const allZones = zones.map((z) => z.id);
  if (options.securityGroupZone) {
    if (!options.adminAccountId) throw new Error('seedCatalog: the SG zone needs the admin account for its shared network');
    allZones.push(seedSecurityGroupZone(sim, options.adminAccountId));
  }

  for (const [cpu, memGb] of [
    [1, 1],
    [1, 2],
    [2, 4],
    [4, 8],
    [8, 16],
  ]) {
    const id = uuid();
    const name = `${cpu}C${memGb}G`;
    const displaytext = `${cpu} vCPU, ${memGb} GB RAM`;
    s.serviceOfferings.set(id, { id, name, displaytext, cpunumber: cpu, cpuspeed: 2000, memory: memGb * 1024, rootdisksize: null, storagetype: 'shared', offerha: false, created: now });
  }

  const templates = [
    { name: 'CentOS 7', ostypename: 'CentOS 7 (64-bit)', gb: 8, passwordEnabled: true, failsDeploy: false },
    { name: 'Ubuntu 22.04', ostypename: 'Ubuntu 22.04 LTS', gb: 10, passwordEnabled: false, failsDeploy: false },
    { name: 'broken', ostypename: 'Other Linux (64-bit)', gb: 2, passwordEnabled: false, failsDeploy: true },
  ];
  for (const t of templates) {
    const id = uuid();
    s.templates.set(id, {
      id,
      name: t.name,
      displaytext: t.name,
      ostypeid: uuid(),
      ostypename: t.ostypename,
      sizeBytes: t.gb * GiB,
      physicalSizeBytes: Math.round(t.gb * GiB * 0.3),
      isPublic: true,
      isFeatured: t.name !== 'broken',
      passwordEnabled: t.passwordEnabled,
      accountId: null,
      zoneIds: allZones,
      created: now,
      failsDeploy: t.failsDeploy,
    });
  }

  for (const [name, disksize] of [
    ['SSD', 0],
    ['SATA', 0],
    ['Custom', 0],
    ['Small', 5],
    ['Medium', 20],
  ] as const) {
    const id = uuid();
    const displaytext = disksize ? `${name} disk, ${disksize} GB` : `${name} disk, any size`;
    s.diskOfferings.set(id, { id, name, displaytext, disksize, iscustomized: disksize === 0, storagetype: 'shared', created: now });
  }

  for (const [name, isdefault] of [
    ['Default VPC offering', true],
    ['Redundant VPC offering', false],
  ] as const) {
    const id = uuid();
    s.vpcOfferings.set(id, { id, name, displaytext: name, isdefault, state: 'Enabled' });
  }
  for (const [name, forvpc] of [
    ['DefaultIsolatedNetworkOfferingForVpcNetworks', true],
    ['DefaultIsolatedNetworkOfferingWithSourceNatService', false],
  ] as const) {
    const id = uuid();
    s.networkOfferings.set(id, { id, name, displaytext: name, guestiptype: 'Isolated', forvpc, state: 'Enabled' });
  }
}

/**
 * An Advanced zone with security groups (`zone-sg`): no VPCs, one Shared guest network the
 * admin made (SG offering) that every account sees and deploys into with securitygroupids.
 * Returns the zone's id.
 */
function seedSecurityGroupZone(sim: Sim, adminAccountId: string): string {
  const s = sim.state;
  const zone = { id: uuid(), name: 'zone-sg', allocationstate: 'Enabled' as const, networktype: 'Advanced' as const, securitygroupsenabled: true, dns1: '8.8.8.8' };
  s.zones.set(zone.id, zone);
  const offering = { id: uuid(), name: 'DefaultSharedNetworkOfferingWithSGService', displaytext: 'Offering for Shared Security group enabled networks', guestiptype: 'Shared' as const, forvpc: false, state: 'Enabled' as const };
  s.networkOfferings.set(offering.id, offering);
  const id = uuid();
  s.networks.set(id, {
    id,
    name: 'sg-shared',
    displaytext: 'Shared network with security groups',
    vpcId: null,
    zoneId: zone.id,
    accountId: adminAccountId,
    cidr: '10.200.0.0/20',
    gateway: '10.200.0.1',
    netmask: '255.255.240.0',
    networkOfferingId: offering.id,
    aclId: null,
    shared: true,
    state: 'Implemented',
    dns1: '8.8.8.8',
    dns2: null,
    created: sim.clock.now(),
  });
  return zone.id;
}

/** The built-in ACL lists every server has: default_allow (all allowed) and default_deny (all denied). */
export function seedDefaultAcls(sim: Sim): void {
  const s = sim.state;
  const lists = [
    { name: 'default_allow', description: 'Default Network ACL Allow All', action: 'Allow' as const },
    { name: 'default_deny', description: 'Default Network ACL Deny All', action: 'Deny' as const },
  ];
  for (const l of lists) {
    const id = uuid();
    s.aclLists.set(id, { id, name: l.name, description: l.description, vpcId: null, accountId: null });
    let number = 1;
    for (const traffictype of ['Ingress', 'Egress'] as const) {
      const item = uuid();
      s.aclItems.set(item, { id: item, aclId: id, accountId: null, protocol: 'all', cidrlist: '0.0.0.0/0', traffictype, action: l.action, number: number++ });
    }
  }
}
