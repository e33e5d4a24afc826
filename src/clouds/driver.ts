/**
 * The one contract between the graph and the clouds. An OpenStack and a CloudStack driver
 * implement it over HTTP (src/clouds/openstack, src/clouds/cloudstack); the graph never sees a
 * wire format. Every id in the unified model is the cloud's own id, as a string.
 *
 * Batching is part of the contract: every list takes a set of ids or parent ids (all optional)
 * and answers for all of them in as few upstream calls as the cloud allows, following
 * pagination to the end. Each driver documents its call count per operation.
 *
 * Long operations return an `Operation`: the resource as first seen plus a handle that
 * `pollOperation` follows to the end (CloudStack: the jobid; OpenStack: the resource id and
 * the statuses that end it).
 */

import type { ReadHorizon } from './read-horizon';

export type CloudKind = 'OPENSTACK' | 'CLOUDSTACK';

// ---------------------------------------------------------------------------------------------
// Credentials

/** What a datacenter row gives a driver: its endpoint and administrator. */
export interface DatacenterEndpoint {
  /** ecsgraph's datacenter id, for logs and metrics. */
  id: string;
  /** Short name, for logs and metrics labels. */
  name: string;
  kind: CloudKind;
  /** OpenStack: Keystone v3 URL (…/v3). CloudStack: …/client/api. */
  serviceUrl: string;
  adminUser: string;
  adminPassword: string;
  /** CloudStack: the administrator's API keys (else the driver logs in with user + password). */
  adminApiKey?: string | null;
  adminSecretKey?: string | null;
  /** OpenStack: the admin project and the domain of tenants (default `Default`). */
  project?: string | null;
  domain?: string | null;
  region?: string | null;
  /** OpenStack: name or id of the external network routers use as gateway. */
  externalNetwork?: string | null;
}

/** The tenant's own credentials, as provisioning returned them; sealed at rest by the caller. */
export type TenantCredentials =
  | { kind: 'OPENSTACK'; userId: string; userName: string; password: string; projectId: string; domain: string }
  | { kind: 'CLOUDSTACK'; accountId: string; userId: string; apiKey: string; secretKey: string; domainId: string };

export interface TenantSpec {
  /** OpenStack project / CloudStack account name: `ct_<ctAccountId>`. */
  name: string;
  /** Login of the tenant's cloud user. */
  userName: string;
  email?: string | null;
}

export interface ProvisionedTenant {
  /** OpenStack project id / CloudStack account id. */
  projectId: string;
  /** The tenant's cloud user id. */
  userId: string;
  credentials: TenantCredentials;
}

// ---------------------------------------------------------------------------------------------
// The unified model

export interface Zone {
  id: string;
  name: string;
  available: boolean;
}

export interface Flavor {
  id: string;
  name: string;
  cpu: number;
  memoryMb: number;
  diskGb: number;
}

export interface FlavorSpec {
  name: string;
  cpu: number;
  memoryMb: number;
  diskGb: number;
}

export type ImageStatus = 'ACTIVE' | 'PENDING' | 'ERROR' | 'DELETED';

export interface Image {
  id: string;
  name: string;
  osType: string | null;
  status: ImageStatus;
  minDiskGb: number;
  sizeBytes: number | null;
  isPublic: boolean;
}

export type NetworkStatus = 'ACTIVE' | 'BUILD' | 'DOWN' | 'ERROR';

export interface Network {
  id: string;
  name: string;
  description: string | null;
  /** The network's address range: CloudStack VPC CIDR; OpenStack: the range kept in the network's `cidr=` tag (Neutron networks have none of their own), else the first subnet's. */
  cidr: string | null;
  status: NetworkStatus;
  zoneId: string | null;
  subnetIds: string[];
  /** OpenStack: the router created with the network (kept in its `router=` tag, else the router its subnets are joined to); CloudStack: null. */
  routerId: string | null;
}

export interface NetworkSpec {
  name: string;
  description?: string | null;
  /** The range of the network, which every subnet must lie in (CloudStack VPC CIDR; OpenStack keeps it as a tag on the network). */
  cidr: string;
  zoneId?: string | null;
  /** The first subnet, created with the network. */
  subnet: SubnetSpec;
}

export interface Subnet {
  id: string;
  networkId: string;
  name: string;
  cidr: string;
  gatewayIp: string | null;
  enableDhcp: boolean;
  dnsNameservers: string[];
}

export interface SubnetSpec {
  name: string;
  cidr: string;
  gatewayIp?: string | null;
  enableDhcp?: boolean;
  dnsNameservers?: string[];
}

export interface IpAvailability {
  networkId: string;
  total: number;
  used: number;
  subnets: { subnetId: string; cidr: string; total: number; used: number }[];
}

export type RuleDirection = 'INGRESS' | 'EGRESS';
export type RuleProtocol = 'TCP' | 'UDP' | 'ICMP' | 'ANY';

export interface SecurityGroupRule {
  id: string;
  direction: RuleDirection;
  protocol: RuleProtocol;
  /** TCP/UDP: first port; ICMP: type; null = any. */
  portMin: number | null;
  /** TCP/UDP: last port; ICMP: code; null = any. */
  portMax: number | null;
  /** Remote CIDR; null with remoteGroupId set, or for "anywhere" in clouds that omit it. */
  cidr: string | null;
  remoteGroupId: string | null;
  ethertype: 'IPv4' | 'IPv6';
}

export type SecurityGroupRuleSpec = Omit<SecurityGroupRule, 'id'>;

export interface SecurityGroup {
  id: string;
  name: string;
  description: string | null;
  isDefault: boolean;
  rules: SecurityGroupRule[];
}

export type FloatingIpStatus = 'ACTIVE' | 'DOWN' | 'PENDING' | 'ERROR';

export interface FloatingIp {
  id: string;
  address: string;
  status: FloatingIpStatus;
  /** The instance it is associated with, if any. */
  instanceId: string | null;
  /** The tenant network it routes into (CloudStack: the VPC; OpenStack: the instance port's network). */
  networkId: string | null;
  /** What the IP was sold with (ecsgraph keeps it in the cloud's own tags/description). */
  bandwidthMbps: number | null;
}

export interface KeyPair {
  /** Key pairs are named: the name is their id in both clouds. */
  name: string;
  fingerprint: string;
  publicKey: string | null;
}

export type InstanceStatus =
  | 'BUILDING'
  | 'RUNNING'
  | 'STOPPED'
  | 'REBOOTING'
  | 'REBUILDING'
  | 'RESIZING'
  | 'ERROR'
  | 'DELETED'
  | 'UNKNOWN';

export interface InstanceAddress {
  networkId: string;
  /** OpenStack: the fixed IP's subnet; CloudStack: the tier (network) id. */
  subnetId: string | null;
  ip: string;
  mac: string | null;
  floating: boolean;
}

export interface Instance {
  id: string;
  name: string;
  status: InstanceStatus;
  /** The cloud's own status word (`ACTIVE`, `Running`, …). */
  cloudStatus: string;
  cpu: number;
  memoryMb: number;
  flavorId: string | null;
  imageId: string | null;
  zoneId: string | null;
  keyPairName: string | null;
  securityGroupIds: string[];
  volumeIds: string[];
  addresses: InstanceAddress[];
  createdAt: string | null;
  /** The operation id ecsgraph stamped at create (Nova metadata / CloudStack displayname), for resuming jobs. */
  operationId: string | null;
}

export interface InstanceSpec {
  name: string;
  imageId: string;
  flavorId: string;
  zoneId?: string | null;
  /** OpenStack network ids / CloudStack tier (network) ids. */
  networkIds: string[];
  securityGroupIds?: string[];
  keyPairName?: string | null;
  adminPassword?: string | null;
  rootDiskGb?: number | null;
  /** Stamped on the instance so a retried create finds it instead of making a second one. */
  operationId?: string | null;
  /** No earlier attempt of the operation can have made it: the look-up for what one made is skipped. */
  firstAttempt?: boolean;
}

export type InstanceAction = 'START' | 'STOP' | 'REBOOT' | 'HARD_REBOOT';

export type VolumeStatus = 'CREATING' | 'AVAILABLE' | 'ATTACHING' | 'IN_USE' | 'DETACHING' | 'DELETING' | 'ERROR' | 'BACKING_UP' | 'RESTORING';

export interface Volume {
  id: string;
  name: string;
  sizeGb: number;
  /** SSD, SATA, … : OpenStack volume type / CloudStack disk offering name. */
  type: string | null;
  status: VolumeStatus;
  instanceId: string | null;
  zoneId: string | null;
  bootable: boolean;
}

export interface VolumeSpec {
  name: string;
  sizeGb: number;
  type?: string | null;
  zoneId?: string | null;
}

export type BackupStatus = 'CREATING' | 'AVAILABLE' | 'RESTORING' | 'DELETING' | 'ERROR';

export interface VolumeBackup {
  id: string;
  volumeId: string;
  name: string;
  description: string | null;
  status: BackupStatus;
  sizeGb: number | null;
  createdAt: string | null;
}

export interface BackupSpec {
  volumeId: string;
  name: string;
  description?: string | null;
}

/** Limits and use; null where the cloud sets no limit. */
export interface Quota {
  instances: QuotaItem;
  cpu: QuotaItem;
  memoryMb: QuotaItem;
  volumes: QuotaItem;
  volumeGb: QuotaItem;
  floatingIps: QuotaItem;
  networks: QuotaItem;
}

export interface QuotaItem {
  limit: number | null;
  used: number;
}

// ---------------------------------------------------------------------------------------------
// Long operations

export type OperationHandle =
  | { kind: 'cloudstack-job'; jobId: string; resourceId: string | null }
  | {
      kind: 'openstack-status';
      resource: 'server' | 'volume' | 'backup' | 'network' | 'floatingip' | 'image';
      id: string;
      /** Statuses that end the operation well (`ACTIVE`), badly (`ERROR`); `DELETED` = a 404 ends it. */
      success: string[];
      failure: string[];
      /** A resize: the flavor the server must have at the end (a rolled-back resize returns to ACTIVE with the old one). */
      flavorName?: string;
    }
  /** Finished when it was returned (a synchronous call). */
  | { kind: 'done'; resourceId: string | null };

export interface Operation<T> {
  handle: OperationHandle;
  /** The resource as the create call returned it; final only when the handle is `done`. */
  resource: T | null;
}

export type OperationStatus =
  | { done: false; progress: number }
  | { done: true; ok: true; resourceId: string | null }
  | { done: true; ok: false; error: CloudErrorInfo };

// ---------------------------------------------------------------------------------------------
// Errors

export type CloudErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'QUOTA_EXCEEDED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE';

export interface CloudErrorInfo {
  code: CloudErrorCode;
  message: string;
  /** The cloud's own words: HTTP status, its error name or code, its message. Never a credential. */
  upstream: { status?: number; code?: string; message?: string };
}

/** Every failure of a driver is one of these. */
export class CloudError extends Error {
  constructor(
    readonly code: CloudErrorCode,
    message: string,
    readonly upstream: CloudErrorInfo['upstream'],
    readonly datacenter: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CloudError';
  }

  toInfo(): CloudErrorInfo {
    return { code: this.code, message: this.message, upstream: this.upstream };
  }
}

// ---------------------------------------------------------------------------------------------
// The drivers

/** Filters of a batched list: ids, or parent ids, or neither (everything the scope sees). */
export interface ListFilter {
  ids?: readonly string[];
}

export interface ChildFilter extends ListFilter {
  /** Parent ids: networks of subnets, instances of volumes and floating IPs, volumes of backups. */
  parentIds?: readonly string[];
}

/** What any credential can do in a datacenter. */
export interface CatalogReader {
  listZones(): Promise<Zone[]>;
  listFlavors(filter?: ListFilter): Promise<Flavor[]>;
  listImages(filter?: ListFilter): Promise<Image[]>;
  pollOperation(handle: OperationHandle): Promise<OperationStatus>;
}

/** The administrator's view: provisioning and catalogue. */
export interface AdminDriver extends CatalogReader {
  /** Idempotent: a tenant that already exists (409 on a retry) is found and completed, not duplicated. */
  provisionTenant(spec: TenantSpec): Promise<ProvisionedTenant>;
  /** Removes the tenant's project/account and user; a tenant already gone is not an error. */
  removeTenant(tenant: { projectId: string; userId: string }): Promise<void>;
  createFlavor(spec: FlavorSpec): Promise<Flavor>;
}

/** A tenant's view, through its own credentials: it sees and touches only its own resources. */
export interface TenantDriver extends CatalogReader {
  /**
   * A view of the same tenant for one request's reads: each collection a list needs is read from
   * the cloud once and every later list of it is answered from that read, filtered here. Writes
   * pass through. A new snapshot sees the cloud as it is now, or (a driver made with a
   * `ReadHorizon`) as it was at some moment after the horizon.
   */
  snapshot(): TenantDriver;
  listNetworks(filter?: ListFilter): Promise<Network[]>;
  /** Network + first subnet + (OpenStack) router with its gateway on the external network and an interface on the subnet. */
  createNetwork(spec: NetworkSpec): Promise<Operation<Network>>;
  updateNetwork(id: string, changes: { name?: string; description?: string | null }): Promise<Network>;
  /** Router interfaces, router gateway, router, remaining ports, subnets, then the network; the first failing step is reported. */
  deleteNetwork(id: string): Promise<Operation<null>>;

  /** parentIds = network ids. */
  listSubnets(filter?: ChildFilter): Promise<Subnet[]>;
  createSubnet(networkId: string, spec: SubnetSpec): Promise<Subnet>;
  updateSubnet(id: string, changes: { name: string }): Promise<Subnet>;
  deleteSubnet(id: string): Promise<Operation<null>>;
  ipAvailability(networkIds: readonly string[]): Promise<IpAvailability[]>;

  listSecurityGroups(filter?: ListFilter): Promise<SecurityGroup[]>;
  createSecurityGroup(spec: { name: string; description?: string | null }): Promise<SecurityGroup>;
  updateSecurityGroup(id: string, changes: { name?: string; description?: string | null }): Promise<SecurityGroup>;
  /** The default group cannot be deleted (CONFLICT). */
  deleteSecurityGroup(id: string): Promise<void>;
  addSecurityGroupRule(groupId: string, rule: SecurityGroupRuleSpec): Promise<Operation<SecurityGroupRule>>;
  removeSecurityGroupRule(groupId: string, ruleId: string): Promise<Operation<null>>;

  /** parentIds = instance ids. */
  listFloatingIps(filter?: ChildFilter): Promise<FloatingIp[]>;
  allocateFloatingIp(spec: { bandwidthMbps: number; networkId?: string | null }): Promise<Operation<FloatingIp>>;
  associateFloatingIp(id: string, instanceId: string): Promise<Operation<FloatingIp>>;
  disassociateFloatingIp(id: string): Promise<Operation<FloatingIp>>;
  releaseFloatingIp(id: string): Promise<Operation<null>>;

  /** ids = names. */
  listKeyPairs(filter?: ListFilter): Promise<KeyPair[]>;
  /** Without a public key the cloud (or the driver) generates one; its private key is returned once. */
  createKeyPair(spec: { name: string; publicKey?: string | null }): Promise<{ keyPair: KeyPair; privateKey: string | null }>;
  deleteKeyPair(name: string): Promise<void>;

  /** parentIds = network ids (instances with an address on them). */
  listInstances(filter?: ChildFilter): Promise<Instance[]>;
  /** A retried create with the same operationId finds the first instance instead of creating another. */
  createInstance(spec: InstanceSpec): Promise<Operation<Instance>>;
  instanceAction(id: string, action: InstanceAction): Promise<Operation<Instance>>;
  rebuildInstance(id: string, spec: { imageId: string; adminPassword?: string | null; name?: string | null }): Promise<Operation<Instance>>;
  resizeInstance(id: string, flavorId: string): Promise<Operation<Instance>>;
  renameInstance(id: string, name: string): Promise<Instance>;
  terminateInstance(id: string): Promise<Operation<null>>;

  /** parentIds = instance ids. */
  listVolumes(filter?: ChildFilter): Promise<Volume[]>;
  createVolume(spec: VolumeSpec): Promise<Operation<Volume>>;
  attachVolume(id: string, instanceId: string): Promise<Operation<Volume>>;
  detachVolume(id: string): Promise<Operation<Volume>>;
  deleteVolume(id: string): Promise<Operation<null>>;

  /** parentIds = volume ids. */
  listBackups(filter?: ChildFilter): Promise<VolumeBackup[]>;
  createBackup(spec: BackupSpec): Promise<Operation<VolumeBackup>>;
  /** Restores into a new volume (both clouds can; OpenStack can also restore over an existing one). */
  restoreBackup(id: string, spec?: { name?: string | null }): Promise<Operation<Volume>>;
  deleteBackup(id: string): Promise<Operation<null>>;

  quota(): Promise<Quota>;
}

export interface CloudDriver {
  readonly kind: CloudKind;
  readonly endpoint: DatacenterEndpoint;
  admin(): AdminDriver;
  /**
   * The tenant's driver. With a horizon, its reads may share identical calls under way that
   * began after it (another request's, of the same credentials); each of its writes moves it on.
   */
  tenant(credentials: TenantCredentials, horizon?: ReadHorizon): TenantDriver;
}
