import { randomBytes, randomUUID } from 'node:crypto';
import { SimClock } from '../common';

/*
 * Everything one simulated OpenStack region remembers. Services read and write it directly:
 * Nova creates Neutron ports and Cinder volumes the way the real services call each other.
 * Time-driven transitions (BUILD → ACTIVE, creating → available…) are queued with `schedule`
 * and applied by `tick()` at the start of every request, so a timeScale of 0 finishes them by
 * the next call and no timer ever runs in the background.
 */

export interface Project {
  id: string;
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
  parentId: string;
  tags: string[];
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  password: string;
  enabled: boolean;
  defaultProjectId: string | null;
  email: string | null;
  description: string | null;
}

export interface Role {
  id: string;
  name: string;
}

export interface Token {
  value: string;
  userId: string;
  projectId: string;
  issuedAt: number;
  expiresAt: number;
}

export interface RequestContext {
  token: Token | null;
  userId: string;
  projectId: string;
  isAdmin: boolean;
  roles: Role[];
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  swap: number;
  ephemeral: number;
  rxtxFactor: number;
  isPublic: boolean;
  disabled: boolean;
  description: string | null;
}

export interface KeyPair {
  id: number;
  name: string;
  userId: string;
  publicKey: string;
  fingerprint: string;
  type: string;
  createdAt: string;
}

export interface ServerVolume {
  volumeId: string;
  device: string;
  attachmentId: string;
  deleteOnTermination: boolean;
  root: boolean;
}

export interface Server {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  flavor: Flavor;
  /** Before a resize is confirmed: the flavor to go back to. */
  oldFlavor: Flavor | null;
  /** '' when booted from volume. */
  imageId: string;
  keyName: string | null;
  securityGroups: string[];
  az: string;
  metadata: Record<string, string>;
  vmState: string;
  taskState: string | null;
  powerState: number;
  /** What a resize or rebuild returns to. */
  previousVmState: string | null;
  createdAt: number;
  updatedAt: number;
  /** Start and length of the running transition, for `progress`. */
  transition: { since: number; ms: number } | null;
  fault: { code: number; message: string; created: string } | null;
  hostId: string;
  volumes: ServerVolume[];
  accessIPv4: string;
  accessIPv6: string;
  description: string | null;
}

export interface Image {
  id: string;
  name: string;
  status: string;
  visibility: string;
  owner: string;
  minDisk: number;
  minRam: number;
  size: number | null;
  virtualSize: number | null;
  diskFormat: string;
  containerFormat: string;
  protected: boolean;
  osHidden: boolean;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  checksum: string | null;
  properties: Record<string, string>;
}

export interface Network {
  id: string;
  name: string;
  projectId: string;
  description: string;
  adminStateUp: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  status: string;
  azHints: string[];
  /** standard-attr-tag: a set kept in the order first written. */
  tags: string[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface Subnet {
  id: string;
  name: string;
  projectId: string;
  networkId: string;
  ipVersion: 4 | 6;
  cidr: string;
  gatewayIp: string | null;
  enableDhcp: boolean;
  dnsNameservers: string[];
  allocationPools: { start: string; end: string }[];
  hostRoutes: { destination: string; nexthop: string }[];
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface Port {
  id: string;
  name: string;
  projectId: string;
  networkId: string;
  macAddress: string;
  fixedIps: { subnet_id: string; ip_address: string }[];
  deviceId: string;
  deviceOwner: string;
  status: string;
  securityGroups: string[];
  adminStateUp: boolean;
  portSecurity: boolean;
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface Router {
  id: string;
  name: string;
  projectId: string;
  description: string;
  adminStateUp: boolean;
  status: string;
  /** The gateway port carries the external fixed IPs. */
  gateway: { networkId: string; enableSnat: boolean; portId: string } | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface FloatingIp {
  id: string;
  projectId: string;
  address: string;
  floatingNetworkId: string;
  portId: string | null;
  fixedIp: string | null;
  routerId: string | null;
  status: string;
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  projectId: string;
  description: string;
  stateful: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface SecurityGroupRule {
  id: string;
  securityGroupId: string;
  projectId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface VolumeAttachment {
  id: string;
  serverId: string;
  device: string;
  attachedAt: string;
}

export interface Volume {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  description: string | null;
  size: number;
  status: string;
  typeId: string;
  az: string;
  bootable: boolean;
  attachments: VolumeAttachment[];
  metadata: Record<string, string>;
  snapshotId: string | null;
  sourceVolid: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Backup {
  id: string;
  name: string;
  projectId: string;
  description: string | null;
  volumeId: string;
  status: string;
  size: number;
  az: string;
  incremental: boolean;
  failReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface VolumeType {
  id: string;
  name: string;
  description: string | null;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
}

/** Per-project limits; every service reads its own. */
export interface Quotas {
  instances: number;
  cores: number;
  ramMb: number;
  keyPairs: number;
  networks: number;
  subnets: number;
  ports: number;
  routers: number;
  floatingIps: number;
  securityGroups: number;
  securityGroupRules: number;
  volumes: number;
  gigabytes: number;
  backups: number;
  backupGigabytes: number;
}

export const DEFAULT_QUOTAS: Quotas = {
  instances: 10,
  cores: 20,
  ramMb: 51200,
  keyPairs: 100,
  networks: 100,
  subnets: 100,
  ports: 500,
  routers: 10,
  floatingIps: 50,
  securityGroups: 10,
  securityGroupRules: 100,
  volumes: 10,
  gigabytes: 1000,
  backups: 10,
  backupGigabytes: 1000,
};

/** How long transitions take at timeScale 1, ms. */
export const DURATIONS = {
  build: 3000,
  start: 2500,
  stop: 1000,
  reboot: 2000,
  rebuild: 3000,
  resize: 3000,
  confirm: 500,
  delete: 1000,
  volumeCreate: 2000,
  volumeAttach: 1000,
  volumeDelete: 1000,
  backupCreate: 2000,
  backupRestore: 2000,
  backupDelete: 1000,
  fipAssociate: 500,
};

interface Pending {
  due: { since: number; ms: number };
  run: () => void;
}

export interface StateOptions {
  timeScale: number;
  tokenTtlSeconds: number;
  maxLimit: number;
  quotas: Partial<Quotas>;
}

export class OpenStackState {
  readonly clock: SimClock;
  /** Set once the server listens: the catalog is built from it. */
  baseUrl = 'http://127.0.0.1';
  tokenTtlSeconds: number;
  maxLimit: number;
  defaultQuotas: Quotas;

  readonly domains = new Map<string, { id: string; name: string }>([['default', { id: 'default', name: 'Default' }]]);
  readonly projects = new Map<string, Project>();
  readonly users = new Map<string, User>();
  readonly roles = new Map<string, Role>();
  /** `${projectId}/${userId}/${roleId}` */
  readonly assignments = new Set<string>();
  readonly tokens = new Map<string, Token>();

  readonly flavors = new Map<string, Flavor>();
  readonly keypairs = new Map<string, KeyPair>();
  readonly servers = new Map<string, Server>();
  readonly images = new Map<string, Image>();
  readonly zones = ['nova'];

  readonly networks = new Map<string, Network>();
  readonly subnets = new Map<string, Subnet>();
  readonly ports = new Map<string, Port>();
  readonly routers = new Map<string, Router>();
  readonly floatingIps = new Map<string, FloatingIp>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly securityGroupRules = new Map<string, SecurityGroupRule>();

  readonly volumes = new Map<string, Volume>();
  readonly backups = new Map<string, Backup>();
  readonly volumeTypes = new Map<string, VolumeType>();

  readonly quotaOverrides = new Map<string, Partial<Quotas>>();
  /** Every call's operation name in arrival order, for tests that check an order of steps. */
  readonly journal: string[] = [];

  private pending: Pending[] = [];
  private keypairSeq = 0;

  constructor(options: StateOptions) {
    this.clock = new SimClock(options.timeScale);
    this.tokenTtlSeconds = options.tokenTtlSeconds;
    this.maxLimit = options.maxLimit;
    this.defaultQuotas = { ...DEFAULT_QUOTAS, ...options.quotas };
  }

  /** Runs `run` once `ms` (scaled) have passed, at the start of a later request. */
  schedule(ms: number, run: () => void): { since: number; ms: number } {
    const due = { since: this.clock.now(), ms };
    this.pending.push({ due, run });
    return due;
  }

  /** Applies every transition that is due; a transition may queue the next one. */
  tick(): void {
    for (let round = 0; round < 10 && this.pending.length; round++) {
      const ready = this.pending.filter((p) => this.clock.elapsed(p.due.since, p.due.ms));
      if (!ready.length) return;
      this.pending = this.pending.filter((p) => !ready.includes(p));
      for (const p of ready) p.run();
    }
  }

  quotas(projectId: string): Quotas {
    return { ...this.defaultQuotas, ...this.quotaOverrides.get(projectId) };
  }

  nextKeypairId(): number {
    return ++this.keypairSeq;
  }

  roleNamesOf(userId: string, projectId: string): Role[] {
    const out: Role[] = [];
    for (const role of this.roles.values()) if (this.assignments.has(`${projectId}/${userId}/${role.id}`)) out.push(role);
    return out;
  }

  /** A validated token's context, or null when missing, expired, revoked or its scope is gone. */
  authenticate(value: string | undefined): RequestContext | null {
    if (!value) return null;
    const token = this.tokens.get(value);
    if (!token || token.expiresAt <= Date.now()) return null;
    const user = this.users.get(token.userId);
    const project = this.projects.get(token.projectId);
    if (!user?.enabled || !project?.enabled) return null;
    const roles = this.roleNamesOf(user.id, project.id);
    if (!roles.length) return null;
    return { token, userId: user.id, projectId: project.id, isAdmin: roles.some((r) => r.name === 'admin'), roles };
  }
}

/** Keystone ids are 32 hex digits; the other services use dashed UUIDs. */
export const keystoneId = (): string => randomUUID().replace(/-/g, '');
export const uuid = (): string => randomUUID();
export const macAddress = (): string => `fa:16:3e:${[0, 0, 0].map(() => randomBytes(1).toString('hex')).join(':')}`;
export const hostId = (): string => randomBytes(28).toString('hex');
