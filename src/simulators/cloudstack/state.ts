import { randomUUID } from 'node:crypto';

/*
 * The simulator's records. They hold what the server stores, not what it answers: answers are
 * built by the views of each command module, so that derived fields (counts, names of related
 * objects, pending jobs, tags) are always current.
 */

export const uuid = (): string => randomUUID();

/** `2021-10-04T09:24:38+0000`, the server's date format. */
export function csDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

export const GiB = 1024 ** 3;

/** Prefixes of the limit fields of listAccounts, in `resourcetype` order (0..11). */
export const LIMIT_NAMES = ['vm', 'ip', 'volume', 'snapshot', 'template', 'project', 'network', 'vpc', 'cpu', 'memory', 'primarystorage', 'secondarystorage'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
/** `resourcetypename` of updateResourceLimit / listResourceLimits. */
export const LIMIT_TYPE_NAMES: Record<LimitName, string> = {
  vm: 'user_vm',
  ip: 'public_ip',
  volume: 'volume',
  snapshot: 'snapshot',
  template: 'template',
  project: 'project',
  network: 'network',
  vpc: 'vpc',
  cpu: 'cpu',
  memory: 'memory',
  primarystorage: 'primary_storage',
  secondarystorage: 'secondary_storage',
};
export type Limits = Record<LimitName, number>;

/** Finite so that tests can reach them; -1 = unlimited. */
export const DEFAULT_LIMITS: Limits = {
  vm: 20,
  ip: 20,
  volume: 40,
  snapshot: 40,
  template: 20,
  project: 10,
  network: 20,
  vpc: 20,
  cpu: 40,
  memory: 81920,
  primarystorage: 400,
  secondarystorage: 800,
};

export interface Domain {
  id: string;
  name: string;
  path: string;
  parentId: string | null;
  level: number;
}

export interface Account {
  id: string;
  name: string;
  domainId: string;
  /** 0 user, 1 root admin, 2 domain admin. */
  accountType: 0 | 1 | 2;
  state: 'enabled' | 'disabled' | 'locked';
  created: number;
  limits: Limits;
}

export interface User {
  id: string;
  username: string;
  password: string;
  accountId: string;
  firstname: string;
  lastname: string;
  email: string;
  apiKey: string | null;
  secretKey: string | null;
  state: 'enabled' | 'disabled';
  created: number;
}

export interface Zone {
  id: string;
  name: string;
  allocationstate: 'Enabled' | 'Disabled';
  networktype: 'Advanced' | 'Basic';
  securitygroupsenabled: boolean;
  dns1: string;
}

export interface ServiceOffering {
  id: string;
  name: string;
  displaytext: string;
  cpunumber: number;
  cpuspeed: number;
  memory: number;
  rootdisksize: number | null;
  storagetype: 'shared' | 'local';
  offerha: boolean;
  created: number;
}

export interface Template {
  id: string;
  name: string;
  displaytext: string;
  ostypeid: string;
  ostypename: string;
  sizeBytes: number;
  physicalSizeBytes: number;
  isPublic: boolean;
  isFeatured: boolean;
  passwordEnabled: boolean;
  /** null = a public template of the system. */
  accountId: string | null;
  zoneIds: string[];
  created: number;
  /** Deploying it fails in the job with 530: a deterministic failure for tests. */
  failsDeploy: boolean;
}

export interface DiskOffering {
  id: string;
  name: string;
  displaytext: string;
  /** GiB; 0 for custom-size offerings. */
  disksize: number;
  iscustomized: boolean;
  storagetype: 'shared' | 'local';
  created: number;
}

export interface VpcOffering {
  id: string;
  name: string;
  displaytext: string;
  isdefault: boolean;
  state: 'Enabled' | 'Disabled';
}

export interface NetworkOffering {
  id: string;
  name: string;
  displaytext: string;
  guestiptype: 'Isolated' | 'Shared';
  forvpc: boolean;
  state: 'Enabled' | 'Disabled';
}

export interface Vpc {
  id: string;
  name: string;
  displaytext: string;
  cidr: string;
  zoneId: string;
  vpcOfferingId: string;
  accountId: string;
  state: 'Enabled' | 'Inactive';
  networkdomain: string;
  created: number;
}

export interface GuestNetwork {
  id: string;
  name: string;
  displaytext: string;
  vpcId: string | null;
  zoneId: string;
  accountId: string;
  cidr: string;
  gateway: string;
  netmask: string;
  networkOfferingId: string;
  /** The network ACL list filtering the tier (VPC tiers only). */
  aclId?: string | null;
  /** A Shared guest network (SG-enabled zone): owned by the admin, listed to and deployable by every account. */
  shared?: boolean;
  state: 'Allocated' | 'Implemented' | 'Destroy';
  dns1: string | null;
  dns2: string | null;
  created: number;
}

/** A network ACL list: built-in ones (default_allow, default_deny) have no VPC and no account. */
export interface AclList {
  id: string;
  name: string;
  description: string;
  vpcId: string | null;
  accountId: string | null;
}

/** One item of a network ACL list. */
export interface AclItem {
  id: string;
  aclId: string;
  accountId: string | null;
  protocol: string;
  startport?: number;
  endport?: number;
  icmptype?: number;
  icmpcode?: number;
  cidrlist: string;
  traffictype: 'Ingress' | 'Egress';
  action: 'Allow' | 'Deny';
  number: number;
  reason?: string;
}

export interface SgRule {
  ruleid: string;
  protocol: string;
  startport?: number;
  endport?: number;
  icmptype?: number;
  icmpcode?: number;
  cidr?: string;
  group?: { account: string; name: string };
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  accountId: string;
  ingress: SgRule[];
  egress: SgRule[];
  created: number;
}

export interface PublicIp {
  id: string;
  address: string;
  zoneId: string;
  accountId: string;
  vpcId: string | null;
  networkId: string | null;
  state: 'Allocating' | 'Allocated' | 'Releasing';
  sourceNat: boolean;
  staticNatVmId: string | null;
  staticNatNetworkId: string | null;
  allocated: number;
}

export interface SshKeyPair {
  id: string;
  name: string;
  accountId: string;
  fingerprint: string;
  publicKey: string;
  created: number;
}

export interface Nic {
  id: string;
  networkId: string;
  ip: string;
  mac: string;
  isdefault: boolean;
}

export type VmState = 'Starting' | 'Running' | 'Stopping' | 'Stopped' | 'Destroyed' | 'Expunging' | 'Error' | 'Restoring';

export interface Vm {
  id: string;
  /** When the VM entered Destroyed (the expunge thread removes it expunge.delay later). */
  destroyedAt?: number;
  name: string;
  displayname: string;
  accountId: string;
  zoneId: string;
  templateId: string;
  serviceOfferingId: string;
  state: VmState;
  created: number;
  keypairs: string[];
  nics: Nic[];
  securityGroupIds: string[];
  group: string | null;
  haenable: boolean;
  userdata: string | null;
  instanceName: string;
}

export type VolumeState = 'Allocated' | 'Creating' | 'Ready' | 'Destroy';

export interface Volume {
  id: string;
  name: string;
  accountId: string;
  zoneId: string;
  type: 'ROOT' | 'DATADISK';
  sizeBytes: number;
  diskOfferingId: string | null;
  state: VolumeState;
  vmId: string | null;
  deviceId: number | null;
  created: number;
}

export type SnapshotState = 'Allocated' | 'BackingUp' | 'BackedUp' | 'Destroying' | 'Error';

export interface Snapshot {
  id: string;
  name: string;
  accountId: string;
  volumeId: string;
  volumeName: string;
  volumeType: 'ROOT' | 'DATADISK';
  sizeBytes: number;
  zoneId: string;
  state: SnapshotState;
  created: number;
}

export interface Tag {
  key: string;
  value: string;
  resourceType: string;
  resourceId: string;
  accountId: string;
}

export interface Session {
  key: string;
  jsessionId: string;
  userId: string;
  lastUsed: number;
}

/** Everything the management server stores. */
export class SimState {
  readonly domains = new Map<string, Domain>();
  readonly accounts = new Map<string, Account>();
  readonly users = new Map<string, User>();
  readonly zones = new Map<string, Zone>();
  readonly serviceOfferings = new Map<string, ServiceOffering>();
  readonly templates = new Map<string, Template>();
  readonly diskOfferings = new Map<string, DiskOffering>();
  readonly vpcOfferings = new Map<string, VpcOffering>();
  readonly networkOfferings = new Map<string, NetworkOffering>();
  readonly vpcs = new Map<string, Vpc>();
  readonly networks = new Map<string, GuestNetwork>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly aclLists = new Map<string, AclList>();
  readonly aclItems = new Map<string, AclItem>();
  readonly publicIps = new Map<string, PublicIp>();
  readonly keyPairs = new Map<string, SshKeyPair>();
  readonly vms = new Map<string, Vm>();
  readonly volumes = new Map<string, Volume>();
  readonly snapshots = new Map<string, Snapshot>();
  tags: Tag[] = [];
  readonly sessions = new Map<string, Session>();
  private macCounter = 1;

  nextMac(): string {
    const n = this.macCounter++;
    const bytes = [0x02, 0x00, (n >> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }

  /** 203.0.113.0/24 (TEST-NET-3): addresses that can never route anywhere real. */
  nextPublicAddress(): string | null {
    const used = new Set([...this.publicIps.values()].map((ip) => ip.address));
    for (let host = 10; host < 255; host++) {
      const address = `203.0.113.${host}`;
      if (!used.has(address)) return address;
    }
    return null;
  }

  userByApiKey(apiKey: string): User | undefined {
    for (const user of this.users.values()) if (user.apiKey === apiKey) return user;
    return undefined;
  }
}
