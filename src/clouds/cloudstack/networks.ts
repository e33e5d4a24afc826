import { CloudError, type ChildFilter, type IpAvailability, type ListFilter, type Network, type NetworkSpec, type Operation, type Subnet, type SubnetSpec } from '../driver';
import { pick, type Offerings } from './catalog';
import { cidrContains, cidrsOverlap, parseCidr, tierAddressing, usableHosts, type TierAddressing } from './cidr';
import type { CloudStackClient } from './client';
import { toNetwork, toSubnet } from './mappers';
import { badInput, doneOperation, jobOperation, notFound } from './results';
import { DEFAULT_GROUP } from './security-groups';
import type { CsAclList, CsNetwork, CsVm, CsVpc } from './wire';

/** States of a terminated VM that still holds its NICs until the server expunges it. */
const EXPUNGE_PENDING = new Set(['Destroyed', 'Expunging']);

/** Unified networks = VPCs, subnets = VPC tiers (guest networks with a vpcid). */
export class NetworkArea {
  constructor(
    private readonly client: CloudStackClient,
    private readonly offerings: Offerings,
  ) {}

  private get dc() {
    return this.client.datacenter;
  }

  /** listVPCs: 1 call (+ pages); VPCs carry their tiers, so subnet ids come along. */
  async listNetworks(filter: ListFilter = {}): Promise<Network[]> {
    if (filter.ids && !filter.ids.length) return [];
    const vpcs = await this.client.list<CsVpc>('listVPCs', filter.ids?.length === 1 ? { id: filter.ids[0] } : {}, 'vpc');
    return pick(vpcs, filter.ids).map(toNetwork);
  }

  /**
   * createVPC (start=false, so the job only records it) + its job polled + createNetworkACLList
   * `default` (the tenant's default security group, see security-groups.ts) + its job polled +
   * createNetwork for the first tier with that `aclid`: 5 calls and the polls (+ zone and
   * offerings on a cold cache). A step the server refuses takes the VPC away again (deleteVPC,
   * not awaited; its ACL lists go with it) and is reported as the failing step.
   */
  async createNetwork(spec: NetworkSpec): Promise<Operation<Network>> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const range = parseCidr(spec.cidr);
    if (!range || range[1] > 28) throw badInput(this.dc, 'cidr', 'must be an IPv4 CIDR of /28 or larger, such as 10.0.0.0/16');
    const tier = this.tier(spec.subnet, spec.cidr, [], 'subnet');
    const [zoneId, vpcOfferingId, tierOfferingId] = await Promise.all([this.offerings.zoneId(spec.zoneId), this.offerings.vpcOfferingId(), this.offerings.tierOfferingId()]);
    const step = `create network ${spec.name}`;
    const created = await this.client.start(
      'createVPC',
      { name: spec.name, displaytext: spec.description || spec.name, cidr: spec.cidr, vpcofferingid: vpcOfferingId, zoneid: zoneId, start: 'false' },
      step,
    );
    const vpc = (await this.client.wait(created.jobid, 'createVPC', step)).vpc as CsVpc | undefined;
    const vpcId = vpc?.id ?? created.id;
    if (!vpcId) throw new CloudError('UPSTREAM_ERROR', `${step}: createVPC named no VPC.`, {}, this.dc);
    let subnet: CsNetwork;
    try {
      const aclStep = `create the default security group of network ${spec.name}`;
      const acl = await this.client.start('createNetworkACLList', { name: DEFAULT_GROUP, description: `Default security group of ${spec.name}`, vpcid: vpcId }, aclStep);
      const list = (await this.client.wait(acl.jobid, 'createNetworkACLList', aclStep)).networkacllist as CsAclList | undefined;
      const aclId = list?.id ?? acl.id;
      subnet = await this.createTier(vpcId, zoneId, tierOfferingId, spec.subnet, tier, `create subnet ${spec.subnet.name} of network ${spec.name}`, aclId);
    } catch (err) {
      await this.client.start('deleteVPC', { id: vpcId }).catch(() => undefined);
      throw err;
    }
    const network = toNetwork({ ...(vpc ?? { id: vpcId, name: spec.name, cidr: spec.cidr, zoneid: zoneId, state: 'Enabled' }), network: [subnet] });
    return doneOperation(vpcId, network);
  }

  /** updateVPC + its job: 2+ calls; 3+ when the description is cleared without a new name (the name is read first). */
  async updateNetwork(id: string, changes: { name?: string; description?: string | null }): Promise<Network> {
    if (changes.name !== undefined && !changes.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const params: Record<string, string> = { id };
    if (changes.name) params.name = changes.name;
    if (changes.description) params.displaytext = changes.description;
    else if (changes.description === null) {
      // CloudStack has no empty display text: the name stands in for "no description".
      params.displaytext = changes.name ?? (await this.getVpc(id)).name;
    }
    const { jobid } = await this.client.start('updateVPC', params);
    const vpc = (await this.client.wait(jobid, 'updateVPC', `update network ${id}`)).vpc as CsVpc | undefined;
    return toNetwork(vpc ?? (await this.getVpc(id)));
  }

  /**
   * listNetworks of the VPC (1), then per tier deleteNetwork + its job (1 + polls each), then
   * deleteVPC (1) whose job is the returned operation. The first failing step ends it and is named.
   *
   * Terminated instances stay Destroyed, holding their NICs, until the server expunges them
   * (expunge.delay). A tier job failing with 536 (in use) makes one listVirtualMachines of the
   * tier: when every VM still on it is Destroyed/Expunging the delete is tried again after a
   * pause (growing to 5 s) until the job wait's deadline (JobWaitOptions.timeoutMs); a live VM
   * on it ends the operation at once with the server's CONFLICT.
   */
  async deleteNetwork(id: string): Promise<Operation<null>> {
    const tiers = await this.client.list<CsNetwork>('listNetworks', { vpcid: id }, 'network');
    // Newest first: the first tier, where instances usually live, is the last to go.
    for (const tier of tiers.filter((t) => t.vpcid === id).reverse()) {
      const step = `delete network ${id}: delete subnet ${tier.name} (${tier.id})`;
      const deadline = Date.now() + this.client.jobTimeoutMs;
      for (let pause = 100; ; pause = Math.min(pause * 2, 5000)) {
        try {
          const { jobid } = await this.client.start('deleteNetwork', { id: tier.id }, step);
          await this.client.wait(jobid, 'deleteNetwork', step);
          break;
        } catch (err) {
          const inUse = err instanceof CloudError && err.upstream?.status === 536;
          if (!inUse || Date.now() + pause > deadline) throw err;
          const vms = await this.client.list<CsVm>('listVirtualMachines', { networkid: tier.id }, 'virtualmachine');
          if (vms.some((vm) => !EXPUNGE_PENDING.has(vm.state ?? ''))) throw err;
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
    }
    const job = await this.client.start('deleteVPC', { id }, `delete network ${id}: delete the VPC`);
    return jobOperation<null>(job, id);
  }

  /** listNetworks: 1 call (+ pages), narrowed to the VPC when one parent is given. */
  async listSubnets(filter: ChildFilter = {}): Promise<Subnet[]> {
    if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
    const params = this.client.narrow(filter.parentIds?.length === 1 ? { vpcid: filter.parentIds[0] } : {});
    const parents = filter.parentIds ? new Set(filter.parentIds) : null;
    const tiers = await this.client.list<CsNetwork>('listNetworks', params, 'network');
    return pick(tiers, filter.ids)
      .filter((t) => t.vpcid && (!parents || parents.has(t.vpcid)))
      .map(toSubnet);
  }

  /**
   * listVPCs (1, for its range and tiers, checked before the call) + listNetworkACLLists (1,
   * the VPC's `default` list, given as `aclid`; without one the server gives default_deny) +
   * createNetwork (1).
   */
  async createSubnet(networkId: string, spec: SubnetSpec): Promise<Subnet> {
    const vpc = await this.getVpc(networkId);
    const tier = this.tier(spec, vpc.cidr ?? '', (vpc.network ?? []).map((n) => n.cidr ?? ''));
    const [tierOfferingId, lists] = await Promise.all([
      this.offerings.tierOfferingId(),
      this.client.list<CsAclList>('listNetworkACLLists', { vpcid: vpc.id, name: DEFAULT_GROUP }, 'networkacllist'),
    ]);
    const aclId = lists.find((l) => l.vpcid === vpc.id && l.name === DEFAULT_GROUP)?.id;
    const zoneId = vpc.zoneid ?? (await this.offerings.zoneId());
    return toSubnet(await this.createTier(vpc.id, zoneId, tierOfferingId, spec, tier, `create subnet ${spec.name} of network ${vpc.name}`, aclId));
  }

  /** updateNetwork (async) + its job: 2+ calls. */
  async updateSubnet(id: string, changes: { name: string }): Promise<Subnet> {
    if (!changes.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const { jobid } = await this.client.start('updateNetwork', { id, name: changes.name, displaytext: changes.name });
    const network = (await this.client.wait(jobid, 'updateNetwork', `rename subnet ${id}`)).network as CsNetwork | undefined;
    if (network) return toSubnet(network);
    const [found] = await this.listSubnets({ ids: [id] });
    if (!found) throw notFound(this.dc, `Subnet ${id}`);
    return found;
  }

  /** deleteNetwork: 1 call; its job is the operation. */
  async deleteSubnet(id: string): Promise<Operation<null>> {
    return jobOperation<null>(await this.client.start('deleteNetwork', { id }), id);
  }

  /**
   * listNetworks (1) + listVirtualMachines (1), pages followed: a tier's total is its hosts
   * less network, broadcast and gateway; used = VM NICs on it. Unknown ids are left out.
   */
  async ipAvailability(networkIds: readonly string[]): Promise<IpAvailability[]> {
    if (!networkIds.length) return [];
    const wanted = new Set(networkIds);
    const scope = this.client.narrow(networkIds.length === 1 ? { vpcid: networkIds[0] } : {});
    const [tiers, vms] = await Promise.all([
      this.client.list<CsNetwork>('listNetworks', scope, 'network'),
      this.client.list<CsVm>('listVirtualMachines', scope, 'virtualmachine'),
    ]);
    const usedByTier = new Map<string, number>();
    for (const vm of vms) for (const nic of vm.nic ?? []) usedByTier.set(nic.networkid, (usedByTier.get(nic.networkid) ?? 0) + 1);
    const byNetwork = new Map<string, IpAvailability>();
    for (const tier of tiers) {
      if (!tier.vpcid || !wanted.has(tier.vpcid)) continue;
      const entry = byNetwork.get(tier.vpcid) ?? { networkId: tier.vpcid, total: 0, used: 0, subnets: [] };
      const cidr = toSubnet(tier).cidr;
      const total = usableHosts(cidr);
      const used = usedByTier.get(tier.id) ?? 0;
      entry.subnets.push({ subnetId: tier.id, cidr, total, used });
      entry.total += total;
      entry.used += used;
      byNetwork.set(tier.vpcid, entry);
    }
    return networkIds.filter((id) => byNetwork.has(id)).map((id) => byNetwork.get(id)!);
  }

  private async getVpc(id: string): Promise<CsVpc> {
    const [vpc] = await this.client.list<CsVpc>('listVPCs', { id }, 'vpc');
    if (!vpc) throw notFound(this.dc, `Network ${id}`);
    return vpc;
  }

  /** What the server would refuse about a tier, refused here first with the field named. */
  private tier(spec: SubnetSpec, vpcCidr: string, siblings: string[], path = ''): TierAddressing {
    const field = (name: string) => (path ? `${path}.${name}` : name);
    if (!spec.name.trim()) throw badInput(this.dc, field('name'), 'must not be empty');
    if (spec.enableDhcp === false) throw badInput(this.dc, field('enableDhcp'), 'CloudStack tiers always run DHCP');
    if ((spec.dnsNameservers?.length ?? 0) > 2) throw badInput(this.dc, field('dnsNameservers'), 'CloudStack takes at most two DNS servers');
    const tier = tierAddressing(spec.cidr, spec.gatewayIp);
    if ('problem' in tier) throw badInput(this.dc, field(tier.field), tier.problem);
    if (!cidrContains(vpcCidr, tier.cidr)) throw badInput(this.dc, field('cidr'), `must lie inside the network's range ${vpcCidr}`);
    const clash = siblings.find((s) => s && cidrsOverlap(s, tier.cidr));
    if (clash) throw badInput(this.dc, field('cidr'), `overlaps the subnet ${clash} of the same network`);
    return tier;
  }

  private async createTier(vpcId: string, zoneId: string, offeringId: string, spec: SubnetSpec, tier: TierAddressing, step: string, aclId?: string): Promise<CsNetwork> {
    const params: Record<string, string> = {
      name: spec.name,
      displaytext: spec.name,
      networkofferingid: offeringId,
      zoneid: zoneId,
      vpcid: vpcId,
      gateway: tier.gateway,
      netmask: tier.netmask,
    };
    if (aclId) params.aclid = aclId;
    const [dns1, dns2] = spec.dnsNameservers ?? [];
    if (dns1) params.dns1 = dns1;
    if (dns2) params.dns2 = dns2;
    return (await this.client.call('createNetwork', params, step)).network as CsNetwork;
  }
}
