import type { Logger } from '../../logger';
import type {
  BackupSpec,
  ChildFilter,
  FloatingIp,
  Instance,
  InstanceAction,
  InstanceSpec,
  IpAvailability,
  KeyPair,
  ListFilter,
  Network,
  NetworkSpec,
  Operation,
  Quota,
  SecurityGroup,
  SecurityGroupRule,
  SecurityGroupRuleSpec,
  Subnet,
  SubnetSpec,
  TenantDriver,
  Volume,
  VolumeBackup,
  VolumeSpec,
} from '../driver';
import { CloudStackCatalog, Offerings, type OfferingCache } from './catalog';
import type { CloudStackClient } from './client';
import { FloatingIpArea } from './floating-ips';
import { InstanceArea } from './instances';
import { toQuota } from './mappers';
import { NetworkArea } from './networks';
import { notFound } from './results';
import { SecurityGroupArea } from './security-groups';
import { ZoneSecurityGroupArea } from './zone-security-groups';
import { VolumeArea } from './volumes';
import type { CsAccount } from './wire';

/** A tenant's calls, signed with its own API keys: the server scopes every list to its account. */
export class CloudStackTenantDriver extends CloudStackCatalog implements TenantDriver {
  private readonly networks: NetworkArea;
  private readonly offerings: Offerings;
  private readonly aclGroups: SecurityGroupArea;
  private readonly zoneGroups: ZoneSecurityGroupArea;
  private readonly ips: FloatingIpArea;
  private readonly instances: InstanceArea;
  private readonly volumes: VolumeArea;

  constructor(
    client: CloudStackClient,
    private readonly cache: OfferingCache,
    private readonly log: Logger,
  ) {
    super(client);
    const offerings = new Offerings(client, cache);
    this.offerings = offerings;
    this.networks = new NetworkArea(client, offerings);
    this.aclGroups = new SecurityGroupArea(client);
    this.zoneGroups = new ZoneSecurityGroupArea(client);
    this.ips = new FloatingIpArea(client, log);
    this.instances = new InstanceArea(client, offerings);
    this.volumes = new VolumeArea(client, offerings);
  }

  snapshot(): TenantDriver {
    return new CloudStackTenantDriver(this.client.snapshot(), this.cache, this.log);
  }

  listNetworks(filter?: ListFilter): Promise<Network[]> {
    return this.networks.listNetworks(filter);
  }
  createNetwork(spec: NetworkSpec): Promise<Operation<Network>> {
    return this.networks.createNetwork(spec);
  }
  updateNetwork(id: string, changes: { name?: string; description?: string | null }): Promise<Network> {
    return this.networks.updateNetwork(id, changes);
  }
  deleteNetwork(id: string): Promise<Operation<null>> {
    return this.networks.deleteNetwork(id);
  }
  listSubnets(filter?: ChildFilter): Promise<Subnet[]> {
    return this.networks.listSubnets(filter);
  }
  createSubnet(networkId: string, spec: SubnetSpec): Promise<Subnet> {
    return this.networks.createSubnet(networkId, spec);
  }
  updateSubnet(id: string, changes: { name: string }): Promise<Subnet> {
    return this.networks.updateSubnet(id, changes);
  }
  deleteSubnet(id: string): Promise<Operation<null>> {
    return this.networks.deleteSubnet(id);
  }
  ipAvailability(networkIds: readonly string[]): Promise<IpAvailability[]> {
    return this.networks.ipAvailability(networkIds);
  }

  /**
   * Security groups dispatch on the tenant's zone (Offerings.tenantUsesSecurityGroups: the
   * zone its resources are in; with one zone, or zones that agree, that zone): CloudStack's
   * own security groups where the zone reports securitygroupsenabled=true, else the network
   * ACL lists of its VPC. The zone flags come from one cached listZones per driver.
   */
  private async groups(): Promise<SecurityGroupArea | ZoneSecurityGroupArea> {
    return (await this.offerings.tenantUsesSecurityGroups()) ? this.zoneGroups : this.aclGroups;
  }

  async listSecurityGroups(filter?: ListFilter): Promise<SecurityGroup[]> {
    return (await this.groups()).list(filter);
  }
  async createSecurityGroup(spec: { name: string; description?: string | null }): Promise<SecurityGroup> {
    return (await this.groups()).create(spec);
  }
  async updateSecurityGroup(id: string, changes: { name?: string; description?: string | null }): Promise<SecurityGroup> {
    return (await this.groups()).update(id, changes);
  }
  async deleteSecurityGroup(id: string): Promise<void> {
    return (await this.groups()).delete(id);
  }
  async addSecurityGroupRule(groupId: string, rule: SecurityGroupRuleSpec): Promise<Operation<SecurityGroupRule>> {
    return (await this.groups()).addRule(groupId, rule);
  }
  async removeSecurityGroupRule(groupId: string, ruleId: string): Promise<Operation<null>> {
    return (await this.groups()).removeRule(groupId, ruleId);
  }

  listFloatingIps(filter?: ChildFilter): Promise<FloatingIp[]> {
    return this.ips.list(filter);
  }
  allocateFloatingIp(spec: { bandwidthMbps: number; networkId?: string | null }): Promise<Operation<FloatingIp>> {
    return this.ips.allocate(spec);
  }
  associateFloatingIp(id: string, instanceId: string): Promise<Operation<FloatingIp>> {
    return this.ips.associate(id, instanceId);
  }
  disassociateFloatingIp(id: string): Promise<Operation<FloatingIp>> {
    return this.ips.disassociate(id);
  }
  releaseFloatingIp(id: string): Promise<Operation<null>> {
    return this.ips.release(id);
  }

  listKeyPairs(filter?: ListFilter): Promise<KeyPair[]> {
    return this.instances.listKeyPairs(filter);
  }
  createKeyPair(spec: { name: string; publicKey?: string | null }): Promise<{ keyPair: KeyPair; privateKey: string | null }> {
    return this.instances.createKeyPair(spec);
  }
  deleteKeyPair(name: string): Promise<void> {
    return this.instances.deleteKeyPair(name);
  }

  listInstances(filter?: ChildFilter): Promise<Instance[]> {
    return this.instances.list(filter);
  }
  createInstance(spec: InstanceSpec): Promise<Operation<Instance>> {
    return this.instances.create(spec);
  }
  instanceAction(id: string, action: InstanceAction): Promise<Operation<Instance>> {
    return this.instances.action(id, action);
  }
  rebuildInstance(id: string, spec: { imageId: string; adminPassword?: string | null; name?: string | null }): Promise<Operation<Instance>> {
    return this.instances.rebuild(id, spec);
  }
  resizeInstance(id: string, flavorId: string): Promise<Operation<Instance>> {
    return this.instances.resize(id, flavorId);
  }
  renameInstance(id: string, name: string): Promise<Instance> {
    return this.instances.rename(id, name);
  }
  terminateInstance(id: string): Promise<Operation<null>> {
    return this.instances.terminate(id);
  }

  listVolumes(filter?: ChildFilter): Promise<Volume[]> {
    return this.volumes.list(filter);
  }
  createVolume(spec: VolumeSpec): Promise<Operation<Volume>> {
    return this.volumes.create(spec);
  }
  attachVolume(id: string, instanceId: string): Promise<Operation<Volume>> {
    return this.volumes.attach(id, instanceId);
  }
  detachVolume(id: string): Promise<Operation<Volume>> {
    return this.volumes.detach(id);
  }
  deleteVolume(id: string): Promise<Operation<null>> {
    return this.volumes.delete(id);
  }
  listBackups(filter?: ChildFilter): Promise<VolumeBackup[]> {
    return this.volumes.listBackups(filter);
  }
  createBackup(spec: BackupSpec): Promise<Operation<VolumeBackup>> {
    return this.volumes.createBackup(spec);
  }
  restoreBackup(id: string, spec?: { name?: string | null }): Promise<Operation<Volume>> {
    return this.volumes.restoreBackup(id, spec);
  }
  deleteBackup(id: string): Promise<Operation<null>> {
    return this.volumes.deleteBackup(id);
  }

  /** listAccounts: 1 call; a user sees its own account with limits and totals. */
  async quota(): Promise<Quota> {
    const [account] = await this.client.list<CsAccount>('listAccounts', {}, 'account');
    if (!account) throw notFound(this.client.datacenter, 'The tenant account');
    return toQuota(account);
  }
}
