import { randomBytes } from 'node:crypto';
import { CloudError, type ChildFilter, type Instance, type InstanceAction, type InstanceSpec, type KeyPair, type ListFilter, type Operation } from '../driver';
import type { Offerings } from './catalog';
import type { CloudStackClient } from './client';
import { parseStamp, stampedName, toInstance, toKeyPair } from './mappers';
import { badInput, doneOperation, jobOperation, notFound } from './results';
import { BUILT_IN_LISTS } from './security-groups';
import type { CsKeyPair, CsNetwork, CsVm, CsVolume } from './wire';

/** States of a VM on its way out: a retried create does not count it as made. */
const GONE = new Set(['Destroyed', 'Expunging', 'Expunged']);

/** Virtual machines and SSH key pairs. */
export class InstanceArea {
  constructor(
    private readonly client: CloudStackClient,
    private readonly offerings: Offerings,
  ) {}

  private get dc() {
    return this.client.datacenter;
  }

  /**
   * listVirtualMachines (1, all ids in one call, or all VMs; + pages) + listVolumes (1 + pages, for
   * volume ids; skipped when no VM matched): 2 calls; + listNetworks (1 + pages, for the ACL
   * lists of every tier the VMs have NICs on) when a VM is on a VPC tier. parentIds = networks
   * (VPCs) or tiers.
   */
  async list(filter: ChildFilter = {}): Promise<Instance[]> {
    if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
    // In a snapshot the disks are the account's whole list: read beside the VMs, not after.
    this.client.prefetch('listVolumes', {}, 'volume');
    let vms = filter.ids
      ? await this.client.listByIds<CsVm>('listVirtualMachines', {}, 'virtualmachine', filter.ids)
      : await this.client.list<CsVm>('listVirtualMachines', {}, 'virtualmachine');
    if (filter.parentIds) {
      const parents = new Set(filter.parentIds);
      vms = vms.filter((vm) => (vm.nic ?? []).some((n) => parents.has(n.networkid) || (n.vpcid !== undefined && parents.has(n.vpcid))));
    }
    if (!vms.length) return [];
    const [volumes, acls] = await Promise.all([this.client.list<CsVolume>('listVolumes', {}, 'volume'), this.tierAcls(vms)]);
    const byVm = volumeIdsByVm(volumes);
    return vms.map((vm) => toInstance(vm, byVm.get(vm.id) ?? [], acls));
  }

  /**
   * The ACL list of each VPC tier these VMs have a NIC on: their security groups (see
   * security-groups.ts). NICs carry no `aclid`, their tiers do: one listNetworks (+ pages) for
   * all the VMs, narrowed to the VPC when there is one; none when no NIC is on a VPC tier (the
   * shared networks of SG-enabled zones). The built-in lists are not groups of the tenant.
   */
  private async tierAcls(vms: CsVm[]): Promise<Map<string, string>> {
    const vpcs = [...new Set(vms.flatMap((vm) => (vm.nic ?? []).map((n) => n.vpcid).filter((id): id is string => !!id)))];
    if (!vpcs.length) return new Map();
    const tiers = await this.client.list<CsNetwork>('listNetworks', this.client.narrow(vpcs.length === 1 ? { vpcid: vpcs[0] } : {}), 'network');
    return new Map(tiers.filter((t) => t.vpcid && t.aclid && !BUILT_IN_LISTS.has(t.aclname ?? '')).map((t) => [t.id, t.aclid!]));
  }

  /**
   * With an operationId, unless this is its first attempt: listVirtualMachines by keyword (1) to
   * find a VM an earlier attempt made; then deployVirtualMachine (1). The operation id rides in
   * the display name.
   * A found VM still deploying hands back its job; a settled one is returned done (+ listVolumes,
   * + listNetworks on a VPC tier).
   *
   * Security groups depend on the instance's zone (the cached zone list; see Offerings):
   * - a zone with `securitygroupsenabled` (CloudStack's own groups, zone-security-groups.ts):
   *   deployVirtualMachine carries `securitygroupids` (any number of groups, per instance);
   * - any other zone (groups are network ACL lists of the VPC, security-groups.ts) applies
   *   them PER TIER: with securityGroupIds (one group: a tier has one list), each of the
   *   instance's tiers gets that list first (replaceNetworkACLList + its job: 1 + polls per
   *   tier), which filters every instance on the tier. `securitygroupids` is never sent
   *   there: such zones refuse it.
   */
  async create(spec: InstanceSpec): Promise<Operation<Instance>> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    if (!spec.imageId) throw badInput(this.dc, 'imageId', 'is required');
    if (!spec.flavorId) throw badInput(this.dc, 'flavorId', 'is required');
    if (!spec.networkIds.length) throw badInput(this.dc, 'networkIds', 'CloudStack needs at least one subnet (tier) for the instance');
    if (spec.rootDiskGb != null && (!Number.isInteger(spec.rootDiskGb) || spec.rootDiskGb < 1)) throw badInput(this.dc, 'rootDiskGb', 'must be a whole number of GB');
    const groups = [...new Set(spec.securityGroupIds ?? [])];
    const zoneid = await this.offerings.zoneId(spec.zoneId);
    const perInstance = groups.length > 0 && (await this.offerings.securityGroupsEnabled(zoneid));
    if (groups.length > 1 && !perInstance) throw badInput(this.dc, 'securityGroupIds', 'on CloudStack a group is the network ACL list of a subnet (tier), which has one: give at most one group');
    if (spec.operationId && !spec.firstAttempt) {
      const existing = (await this.client.list<CsVm>('listVirtualMachines', { keyword: spec.operationId }, 'virtualmachine')).find(
        (vm) => parseStamp(vm.displayname ?? '').operationId === spec.operationId && !GONE.has(vm.state ?? ''),
      );
      if (existing) {
        if (existing.jobid) return jobOperation<Instance>({ jobid: existing.jobid }, existing.id);
        if (existing.state === 'Error') {
          const message = `create instance ${spec.name}: the instance ${existing.id} an earlier attempt made is in Error state.`;
          throw new CloudError('UPSTREAM_ERROR', message, { message: 'Error' }, this.dc);
        }
        return doneOperation(existing.id, await this.withVolumes(existing));
      }
    }
    const params: Record<string, string> = {
      zoneid,
      serviceofferingid: spec.flavorId,
      templateid: spec.imageId,
      networkids: spec.networkIds.join(','),
      displayname: stampedName(spec.name, spec.operationId),
      name: hostname(spec.name),
    };
    if (spec.keyPairName) params.keypair = spec.keyPairName;
    if (spec.rootDiskGb) params.rootdisksize = String(spec.rootDiskGb);
    if (spec.adminPassword) params.userdata = passwordUserData(spec.adminPassword);
    if (perInstance) params.securitygroupids = groups.join(',');
    for (const tierId of groups.length && !perInstance ? spec.networkIds : []) {
      const step = `create instance ${spec.name}: apply security group ${groups[0]} to subnet ${tierId}`;
      const { jobid } = await this.client.start('replaceNetworkACLList', { aclid: groups[0], networkid: tierId }, step);
      await this.client.wait(jobid, 'replaceNetworkACLList', step);
    }
    const deployed = await this.client.start('deployVirtualMachine', params, `create instance ${spec.name}`);
    return jobOperation<Instance>(deployed, deployed.id ?? null);
  }

  /** start/stop/rebootVirtualMachine (HARD_REBOOT = forced): 1 call. */
  async action(id: string, action: InstanceAction): Promise<Operation<Instance>> {
    const commands: Record<InstanceAction, [string, Record<string, string>]> = {
      START: ['startVirtualMachine', {}],
      STOP: ['stopVirtualMachine', {}],
      REBOOT: ['rebootVirtualMachine', {}],
      HARD_REBOOT: ['rebootVirtualMachine', { forced: 'true' }],
    };
    const [command, extra] = commands[action];
    return jobOperation<Instance>(await this.client.start(command, { id, ...extra }), id);
  }

  /**
   * restoreVirtualMachine (1; takes `virtualmachineid`), preceded by updateVirtualMachine (1)
   * when a name or password is given: the password goes into cloud-init user data, which the
   * reinstalled root disk reads on first boot.
   */
  async rebuild(id: string, spec: { imageId: string; adminPassword?: string | null; name?: string | null }): Promise<Operation<Instance>> {
    if (!spec.imageId) throw badInput(this.dc, 'imageId', 'is required');
    const update: Record<string, string> = {};
    if (spec.name) update.displayname = spec.name;
    if (spec.adminPassword) update.userdata = passwordUserData(spec.adminPassword);
    if (Object.keys(update).length) await this.client.call('updateVirtualMachine', { id, ...update });
    return jobOperation<Instance>(await this.client.start('restoreVirtualMachine', { virtualmachineid: id, templateid: spec.imageId }), id);
  }

  /** changeServiceForVirtualMachine (1, synchronous; the VM must be stopped) + listVolumes (1) (+ listNetworks on a VPC tier). */
  async resize(id: string, flavorId: string): Promise<Operation<Instance>> {
    const vm = (await this.client.call('changeServiceForVirtualMachine', { id, serviceofferingid: flavorId })).virtualmachine as CsVm;
    return doneOperation(id, await this.withVolumes(vm));
  }

  /** updateVirtualMachine (1) + listVolumes (1) (+ listNetworks on a VPC tier). The operation stamp is dropped: it only serves the create. */
  async rename(id: string, name: string): Promise<Instance> {
    if (!name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const vm = (await this.client.call('updateVirtualMachine', { id, displayname: name })).virtualmachine as CsVm;
    return this.withVolumes(vm);
  }

  /**
   * destroyVirtualMachine without `expunge`: 1 call; its job is the operation. `expunge=true`
   * is refused to users on a stock cloud (allow.user.expunge.recover.vm defaults to false), so
   * the VM goes to Destroyed (listed as DELETED) and leaves the lists when the server's expunge
   * thread removes it (expunge.delay later). deleteNetwork waits for that (see NetworkArea).
   */
  async terminate(id: string): Promise<Operation<null>> {
    return jobOperation<null>(await this.client.start('destroyVirtualMachine', { id }), id);
  }

  /** listSSHKeyPairs: 1 call (+ pages); by `name` when one is asked for. Public keys are not listed by CloudStack. */
  async listKeyPairs(filter: ListFilter = {}): Promise<KeyPair[]> {
    if (filter.ids && !filter.ids.length) return [];
    const keys = await this.client.list<CsKeyPair>('listSSHKeyPairs', filter.ids?.length === 1 ? { name: filter.ids[0] } : {}, 'sshkeypair');
    const names = filter.ids ? new Set(filter.ids) : null;
    return keys.filter((k) => !names || names.has(k.name)).map((k) => toKeyPair(k));
  }

  /** registerSSHKeyPair or createSSHKeyPair: 1 call. */
  async createKeyPair(spec: { name: string; publicKey?: string | null }): Promise<{ keyPair: KeyPair; privateKey: string | null }> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    if (spec.publicKey) {
      const key = (await this.client.call('registerSSHKeyPair', { name: spec.name, publickey: spec.publicKey })).keypair as CsKeyPair;
      return { keyPair: toKeyPair(key, spec.publicKey.trim()), privateKey: null };
    }
    const key = (await this.client.call('createSSHKeyPair', { name: spec.name })).keypair as CsKeyPair;
    return { keyPair: toKeyPair(key), privateKey: key.privatekey ?? null };
  }

  /** deleteSSHKeyPair (by name): 1 call. */
  async deleteKeyPair(name: string): Promise<void> {
    await this.client.call('deleteSSHKeyPair', { name });
  }

  /** listVolumes of the VM (1) + listNetworks (1) when it is on a VPC tier. */
  private async withVolumes(vm: CsVm): Promise<Instance> {
    if (!vm?.id) throw notFound(this.dc, 'Instance');
    const [volumes, acls] = await Promise.all([this.client.list<CsVolume>('listVolumes', { virtualmachineid: vm.id }, 'volume'), this.tierAcls([vm])]);
    return toInstance(vm, volumeIdsByVm(volumes).get(vm.id) ?? [], acls);
  }
}

/** The ids of each VM's volumes, in one pass over the list (not one per VM). */
function volumeIdsByVm(volumes: CsVolume[]): Map<string, string[]> {
  const byVm = new Map<string, string[]>();
  for (const v of volumes) {
    if (!v.virtualmachineid) continue;
    const ids = byVm.get(v.virtualmachineid);
    if (ids) ids.push(v.id);
    else byVm.set(v.virtualmachineid, [v.id]);
  }
  return byVm;
}

/**
 * A hostname CloudStack accepts (letters, digits, hyphens; a letter first; ≤ 63) from any
 * display name, with a random suffix: hostnames must be unique per network, names need not.
 */
export function hostname(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return `${base || 'vm'}-${randomBytes(3).toString('hex')}`;
}

/** cloud-init user data setting the default user's password (base64, as deployVirtualMachine wants it). */
function passwordUserData(password: string): string {
  const yaml = `#cloud-config\npassword: ${JSON.stringify(password)}\nchpasswd: { expire: False }\nssh_pwauth: True\n`;
  return Buffer.from(yaml).toString('base64');
}
