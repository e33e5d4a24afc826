import type {
  BackupStatus,
  Flavor,
  FloatingIp,
  FloatingIpStatus,
  Image,
  Instance,
  InstanceAddress,
  InstanceStatus,
  KeyPair,
  Network,
  NetworkStatus,
  Quota,
  QuotaItem,
  Subnet,
  Volume,
  VolumeBackup,
  VolumeStatus,
  Zone,
} from '../driver';
import { cidrOfTier } from './cidr';
import type { CsAccount, CsKeyPair, CsNetwork, CsPublicIp, CsServiceOffering, CsSnapshot, CsTag, CsTemplate, CsVm, CsVolume, CsVpc, CsZone } from './wire';

/* CloudStack objects → the unified model. */

const GiB = 1024 ** 3;

/** Resource tag keys the driver writes. */
export const TAG = { bandwidth: 'bandwidth', description: 'description' } as const;

export function tagValue(tags: CsTag[] | undefined, key: string): string | null {
  return tags?.find((t) => t.key === key)?.value ?? null;
}

/** `2021-10-04T09:24:38+0000` → ISO 8601; null when absent or unreadable. */
export function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/*
 * The operation id rides in the display name, the one free-text field deployVirtualMachine
 * writes atomically with the VM: a retried create finds the VM even if the first attempt
 * died right after the deploy call.
 */
const STAMP = / \[op:([^\]]+)\]$/;

export function stampedName(name: string, operationId: string | null | undefined): string {
  return operationId ? `${name} [op:${operationId}]` : name;
}

export function parseStamp(displayname: string): { name: string; operationId: string | null } {
  const m = STAMP.exec(displayname);
  return m ? { name: displayname.slice(0, m.index), operationId: m[1] } : { name: displayname, operationId: null };
}

export function toZone(z: CsZone): Zone {
  return { id: z.id, name: z.name, available: (z.allocationstate ?? 'Enabled') === 'Enabled' };
}

export function toFlavor(o: CsServiceOffering): Flavor {
  return { id: o.id, name: o.name, cpu: o.cpunumber ?? 0, memoryMb: o.memory ?? 0, diskGb: o.rootdisksize ?? 0 };
}

export function toImage(t: CsTemplate): Image {
  const status = t.isready ? 'ACTIVE' : /error|fail|abandon/i.test(t.status ?? '') ? 'ERROR' : 'PENDING';
  return {
    id: t.id,
    name: t.name,
    osType: t.ostypename ?? null,
    status,
    minDiskGb: t.size ? Math.ceil(t.size / GiB) : 0,
    sizeBytes: t.physicalsize ?? t.size ?? null,
    isPublic: t.ispublic ?? false,
  };
}

function networkStatus(v: CsVpc): NetworkStatus {
  if (v.jobid) return 'BUILD';
  if (v.state === 'Enabled') return 'ACTIVE';
  return 'DOWN';
}

/** A unified network is a VPC; its tiers are the subnets. */
export function toNetwork(v: CsVpc): Network {
  return {
    id: v.id,
    name: v.name,
    description: v.displaytext && v.displaytext !== v.name ? v.displaytext : null,
    cidr: v.cidr ?? null,
    status: networkStatus(v),
    zoneId: v.zoneid ?? null,
    subnetIds: (v.network ?? []).map((n) => n.id),
    routerId: null,
  };
}

/** VPC tiers always run DHCP; their DNS servers are the tier's own when set. */
export function toSubnet(n: CsNetwork): Subnet {
  return {
    id: n.id,
    networkId: n.vpcid ?? n.id,
    name: n.name,
    cidr: n.cidr ?? (n.gateway && n.netmask ? (cidrOfTier(n.gateway, n.netmask) ?? '') : ''),
    gatewayIp: n.gateway ?? null,
    enableDhcp: true,
    dnsNameservers: [n.dns1, n.dns2].filter((d): d is string => Boolean(d)),
  };
}

const VM_STATUS: Record<string, InstanceStatus> = {
  Starting: 'BUILDING',
  Running: 'RUNNING',
  Migrating: 'RUNNING',
  Stopping: 'STOPPED',
  Stopped: 'STOPPED',
  Shutdown: 'STOPPED',
  Restoring: 'REBUILDING',
  Destroyed: 'DELETED',
  Expunging: 'DELETED',
  Expunged: 'DELETED',
  Error: 'ERROR',
};

/**
 * `tierAcls` maps VPC tier ids to their ACL lists: on a VPC tier the list filters the VM
 * (its own `securitygroup` stays empty there), so those are its groups. In SG-enabled zones
 * the VM's own security groups are.
 */
export function toInstance(vm: CsVm, volumeIds: string[], tierAcls: ReadonlyMap<string, string> = new Map()): Instance {
  const { name, operationId } = parseStamp(vm.displayname ?? vm.name ?? vm.id);
  const nics = vm.nic ?? [];
  const addresses: InstanceAddress[] = nics.map((nic) => ({
    networkId: nic.vpcid ?? nic.networkid,
    subnetId: nic.networkid,
    ip: nic.ipaddress ?? '',
    mac: nic.macaddress ?? null,
    floating: false,
  }));
  if (vm.publicip) {
    const natted = nics.find((n) => n.publicip === vm.publicip) ?? nics.find((n) => n.isdefault) ?? nics[0];
    addresses.push({ networkId: natted ? (natted.vpcid ?? natted.networkid) : '', subnetId: natted?.networkid ?? null, ip: vm.publicip, mac: null, floating: true });
  }
  const tierGroups = nics.map((nic) => (nic.vpcid ? tierAcls.get(nic.networkid) : undefined)).filter((id): id is string => !!id);
  const state = vm.state ?? 'Unknown';
  return {
    id: vm.id,
    name,
    status: VM_STATUS[state] ?? 'UNKNOWN',
    cloudStatus: state,
    cpu: vm.cpunumber ?? 0,
    memoryMb: vm.memory ?? 0,
    flavorId: vm.serviceofferingid ?? null,
    imageId: vm.templateid ?? null,
    zoneId: vm.zoneid ?? null,
    keyPairName: vm.keypairs?.split(',')[0]?.trim() || null,
    securityGroupIds: [...new Set([...(vm.securitygroup ?? []).map((g) => g.id), ...tierGroups])],
    volumeIds,
    addresses,
    createdAt: isoDate(vm.created),
    operationId,
  };
}

function volumeStatus(v: CsVolume): VolumeStatus {
  switch (v.state) {
    case 'Allocated':
      return 'AVAILABLE';
    case 'Ready':
    case 'Migrating':
    case 'Resizing':
      return v.virtualmachineid ? 'IN_USE' : 'AVAILABLE';
    case 'Snapshotting':
      return 'BACKING_UP';
    case 'Destroy':
    case 'Expunging':
    case 'Expunged':
      return 'DELETING';
    case 'Error':
    case 'UploadError':
      return 'ERROR';
    default:
      return 'CREATING';
  }
}

export function toVolume(v: CsVolume): Volume {
  return {
    id: v.id,
    name: v.name,
    sizeGb: Math.round((v.size ?? 0) / GiB),
    type: v.diskofferingname ?? null,
    status: volumeStatus(v),
    instanceId: v.virtualmachineid ?? null,
    zoneId: v.zoneid ?? null,
    bootable: v.type === 'ROOT',
  };
}

const BACKUP_STATUS: Record<string, BackupStatus> = {
  BackedUp: 'AVAILABLE',
  Destroying: 'DELETING',
  Destroyed: 'DELETING',
  Error: 'ERROR',
};

export function toBackup(s: CsSnapshot): VolumeBackup {
  return {
    id: s.id,
    volumeId: s.volumeid,
    name: s.name,
    description: tagValue(s.tags, TAG.description),
    status: BACKUP_STATUS[s.state ?? ''] ?? 'CREATING',
    sizeGb: s.virtualsize !== undefined ? Math.round(s.virtualsize / GiB) : null,
    createdAt: isoDate(s.created),
  };
}

function floatingStatus(ip: CsPublicIp): FloatingIpStatus {
  if (ip.jobid || ip.state === 'Allocating' || ip.state === 'Releasing') return 'PENDING';
  if (ip.state === 'Allocated') return ip.isstaticnat ? 'ACTIVE' : 'DOWN';
  return ip.state === 'Free' ? 'DOWN' : 'ERROR';
}

export function toFloatingIp(ip: CsPublicIp): FloatingIp {
  const bandwidth = Number(tagValue(ip.tags, TAG.bandwidth));
  return {
    id: ip.id,
    address: ip.ipaddress,
    status: floatingStatus(ip),
    instanceId: ip.virtualmachineid ?? null,
    networkId: ip.vpcid ?? ip.associatednetworkid ?? null,
    bandwidthMbps: Number.isFinite(bandwidth) && bandwidth > 0 ? bandwidth : null,
  };
}

export function toKeyPair(k: CsKeyPair, publicKey: string | null = null): KeyPair {
  return { name: k.name, fingerprint: k.fingerprint ?? '', publicKey };
}

/** Limits are strings ("Unlimited" or a number), totals numbers. */
function quotaItem(account: CsAccount, prefix: string): QuotaItem {
  const limit = account[`${prefix}limit`];
  const total = account[`${prefix}total`];
  const parsed = typeof limit === 'number' ? limit : typeof limit === 'string' && /^-?\d+$/.test(limit) ? Number(limit) : null;
  return { limit: parsed === null || parsed < 0 ? null : parsed, used: typeof total === 'number' ? total : Number(total ?? 0) || 0 };
}

/** Unified networks are VPCs, so `networks` reads the VPC limit. */
export function toQuota(account: CsAccount): Quota {
  return {
    instances: quotaItem(account, 'vm'),
    cpu: quotaItem(account, 'cpu'),
    memoryMb: quotaItem(account, 'memory'),
    volumes: quotaItem(account, 'volume'),
    volumeGb: quotaItem(account, 'primarystorage'),
    floatingIps: quotaItem(account, 'ip'),
    networks: quotaItem(account, 'vpc'),
  };
}
