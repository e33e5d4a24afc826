import { randomBytes } from 'node:crypto';
import { idFilter } from './catalog';
import { asyncAnswer, type Commands, type Ctx, type Sim } from './context';
import { CsError, internalError, paramError, permissionDenied } from './envelope';
import { intToIp, isHostOf, parseCidr, sizeOf } from './ip';
import { csDate, GiB, uuid, type GuestNetwork, type Nic, type SimState, type Vm, type VmState } from './state';
import { dropTags, tagsOf } from './tags';
import { attach, removeVolume, volumeRecord } from './volumes';

/* Virtual machines and their life cycle (reference §6 "Virtual machines"). */

const HOSTNAME = /^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const PKG = 'org.apache.cloudstack.api.command';

export function vmView(ctx: Ctx, vm: Vm, extra: Record<string, unknown> = {}) {
  const s = ctx.state;
  const account = s.accounts.get(vm.accountId);
  const template = s.templates.get(vm.templateId);
  const offering = s.serviceOfferings.get(vm.serviceOfferingId);
  const staticNat = [...s.publicIps.values()].find((ip) => ip.staticNatVmId === vm.id);
  const job = ctx.sim.jobs.pendingOn(vm.id);
  return {
    id: vm.id,
    name: vm.name,
    displayname: vm.displayname,
    state: vm.state,
    zoneid: vm.zoneId,
    zonename: s.zones.get(vm.zoneId)?.name,
    templateid: vm.templateId,
    templatename: template?.name,
    templatedisplaytext: template?.displaytext,
    serviceofferingid: vm.serviceOfferingId,
    serviceofferingname: offering?.name,
    cpunumber: offering?.cpunumber,
    cpuspeed: offering?.cpuspeed,
    memory: offering?.memory,
    created: csDate(vm.created),
    account: account?.name,
    domainid: account?.domainId,
    domain: account ? s.domains.get(account.domainId)?.name : undefined,
    keypairs: vm.keypairs.length ? vm.keypairs.join(',') : undefined,
    passwordenabled: template?.passwordEnabled ?? false,
    haenable: vm.haenable,
    hypervisor: 'KVM',
    instancename: ctx.caller.isAdmin ? vm.instanceName : undefined,
    ostypeid: template?.ostypeid,
    group: vm.group ?? undefined,
    publicip: staticNat?.address,
    publicipid: staticNat?.id,
    rootdeviceid: 0,
    rootdevicetype: 'ROOT',
    isdynamicallyscalable: false,
    securitygroup: vm.securityGroupIds.map((id) => s.securityGroups.get(id)).filter(Boolean).map((g) => ({ id: g!.id, name: g!.name, description: g!.description })),
    affinitygroup: [],
    nic: vm.nics.map((nic) => {
      const network = s.networks.get(nic.networkId);
      const natted = staticNat && staticNat.staticNatNetworkId === nic.networkId;
      return {
        id: nic.id,
        networkid: nic.networkId,
        networkname: network?.name,
        ipaddress: nic.ip,
        netmask: network?.netmask,
        gateway: network?.gateway,
        macaddress: nic.mac,
        isdefault: nic.isdefault,
        traffictype: 'Guest',
        type: 'Isolated',
        vpcid: network?.vpcId ?? undefined,
        publicip: natted ? staticNat.address : undefined,
        publicipid: natted ? staticNat.id : undefined,
      };
    }),
    tags: tagsOf(ctx, vm.id),
    jobid: job?.id,
    jobstatus: job ? 0 : undefined,
    ...extra,
  };
}

function allocateIp(ctx: Ctx, network: GuestNetwork, requested: string | undefined): string {
  const cidr = parseCidr(network.cidr)!;
  const used = new Set([network.gateway]);
  for (const vm of ctx.state.vms.values()) for (const nic of vm.nics) if (nic.networkId === network.id) used.add(nic.ip);
  if (requested) {
    if (!isHostOf(cidr, requested)) throw paramError(`IP address ${requested} is not in the range of network ${network.name} (${network.cidr})`);
    if (used.has(requested)) throw new CsError(533, 4255, `IP address ${requested} is already in use in network ${network.name}`);
    return requested;
  }
  for (let n = cidr.base + 1; n < cidr.base + sizeOf(cidr) - 1; n++) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  throw new CsError(533, 4255, `Insufficient address capacity in network ${network.name}`);
}

function requireState(vm: Vm, allowed: VmState[], action: string): void {
  if (!allowed.includes(vm.state)) throw paramError(`Unable to ${action} VM ${vm.id} (${vm.displayname}) in state ${vm.state}`);
}

/** Removes a VM as the expunge thread does: root disk gone, data disks detached, NAT and tags dropped. */
function expunge(state: SimState, vm: Vm): void {
  for (const volume of [...state.volumes.values()]) {
    if (volume.vmId !== vm.id) continue;
    if (volume.type === 'ROOT') {
      state.volumes.delete(volume.id);
      dropTags(state, volume.id);
    } else Object.assign(volume, { vmId: null, deviceId: null });
  }
  for (const ip of state.publicIps.values()) {
    if (ip.staticNatVmId === vm.id) Object.assign(ip, { staticNatVmId: null, staticNatNetworkId: null, networkId: ip.vpcId ? null : ip.networkId });
  }
  state.vms.delete(vm.id);
  dropTags(state, vm.id);
}

/**
 * The server's expunge thread: VMs Destroyed for expunge.delay (settings.expungeDelayMs,
 * scaled by timeScale) are expunged. Runs at the start of every request, like job settling.
 */
export function expungeDestroyed(sim: Sim): void {
  for (const vm of [...sim.state.vms.values()]) {
    if (vm.state !== 'Destroyed' || vm.destroyedAt === undefined || sim.jobs.pendingOn(vm.id)) continue;
    if (sim.clock.elapsed(vm.destroyedAt, sim.settings.expungeDelayMs)) expunge(sim.state, vm);
  }
}

function vmJob(ctx: Ctx, vm: Vm, cmd: string, durationMs: number, steps: { begin?: () => void; finish: () => Record<string, unknown> }) {
  return ctx.submit({ cmd: `${PKG}.${cmd}`, instanceType: 'VirtualMachine', instanceId: vm.id, durationMs, ...steps });
}

function busy(ctx: Ctx, vm: Vm): void {
  if (ctx.sim.jobs.pendingOn(vm.id)) throw paramError(`VM ${vm.id} has another operation in progress (state ${vm.state}); try again later`);
}

function userExpungeAllowed(ctx: Ctx): void {
  if (!ctx.caller.isAdmin && !ctx.sim.settings.allowUserExpunge) {
    throw permissionDenied('Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.');
  }
}

function deploy(ctx: Ctx) {
  const s = ctx.state;
  const owner = ctx.owner();
  const zoneId = ctx.p.required('zoneid');
  const offeringId = ctx.p.required('serviceofferingid');
  const templateId = ctx.p.required('templateid');
  const zone = s.zones.get(zoneId);
  if (!zone) throw ctx.invalidId('zoneid', zoneId);
  if (zone.allocationstate !== 'Enabled') throw permissionDenied(`Cannot perform this operation, Zone is currently disabled: ${zone.id}`);
  const offering = s.serviceOfferings.get(offeringId);
  if (!offering) throw ctx.invalidId('serviceofferingid', offeringId);
  const template = ctx.find(s.templates, templateId, 'templateid');
  if (!template.isPublic && template.accountId !== owner.id) throw permissionDenied(`Account ${owner.name} has no access to template ${template.id}`);
  if (!template.zoneIds.includes(zone.id)) throw paramError(`Template ${template.name} is not available in zone ${zone.name}`);

  const ipToNetwork = ctx.p.map('iptonetworklist').filter((e) => e.networkid);
  const networkIds = ctx.p.list('networkids') ?? ipToNetwork.map((e) => e.networkid);
  if (!networkIds.length) throw paramError("Can't deploy a VM in an advanced zone without specifying networkids");
  // A Shared network is usable by every account; others only by their owner.
  const networks = networkIds.map((id) => (s.networks.get(id)?.shared ? s.networks.get(id)! : ctx.find(s.networks, id, 'networkids')));
  for (const network of networks) if (network.zoneId !== zone.id) throw paramError(`Network ${network.name} is not in zone ${zone.name}`);

  const name = ctx.p.str('name');
  if (name !== undefined && !HOSTNAME.test(name)) {
    throw paramError(
      "Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), " +
        'must be between 1 and 63 characters long, and can\'t start or end with "-" and can\'t start with digit',
    );
  }
  if (name) {
    for (const other of s.vms.values()) {
      if (other.name.toLowerCase() === name.toLowerCase() && other.nics.some((n) => networkIds.includes(n.networkId))) {
        throw paramError(`The vm with hostName ${name} already exists in the network domain: ${s.networks.get(other.nics[0].networkId)?.name}; network=${other.nics[0].networkId}`);
      }
    }
  }
  const keypairs = ctx.p.list('keypairs') ?? (ctx.p.str('keypair') ? [ctx.p.str('keypair')!] : []);
  for (const key of keypairs) {
    if (![...s.keyPairs.values()].some((k) => k.accountId === owner.id && k.name === key)) throw paramError(`Unable to find key pair by name ${key}`);
  }
  let groupIds = ctx.p.list('securitygroupids') ?? [];
  const groupNames = ctx.p.list('securitygroupnames');
  if (groupIds.length && groupNames) throw paramError('securitygroupids parameter is mutually exclusive with securitygroupnames parameter');
  if (groupNames) {
    groupIds = groupNames.map((n) => {
      const g = [...s.securityGroups.values()].find((x) => x.accountId === owner.id && x.name === n);
      if (!g) throw paramError(`Unable to find security group by name ${n}`);
      return g.id;
    });
  }
  if ((groupIds.length || groupNames) && !zone.securitygroupsenabled) {
    throw paramError("Can't create vm with security groups; security group feature is not enabled per zone");
  }
  for (const id of groupIds) ctx.find(s.securityGroups, id, 'securitygroupids');
  if (!groupIds.length && zone.securitygroupsenabled) {
    const def = [...s.securityGroups.values()].find((g) => g.accountId === owner.id && g.name === 'default');
    if (def) groupIds = [def.id];
  }
  const userdata = ctx.p.str('userdata');
  if (userdata !== undefined && !/^[A-Za-z0-9+/]*=*$/.test(userdata)) throw paramError('User data must be base64 encoded');

  const rootGb = ctx.p.int('rootdisksize');
  const templateGb = Math.ceil(template.sizeBytes / GiB);
  if (rootGb !== undefined && rootGb < templateGb) throw paramError(`Root disk size ${rootGb} GB is smaller than the template's ${templateGb} GB`);
  const rootBytes = rootGb !== undefined ? rootGb * GiB : template.sizeBytes;
  const dataOfferingId = ctx.p.str('diskofferingid');
  const dataOffering = dataOfferingId ? s.diskOfferings.get(dataOfferingId) : undefined;
  if (dataOfferingId && !dataOffering) throw ctx.invalidId('diskofferingid', dataOfferingId);
  const dataGb = dataOffering ? (dataOffering.iscustomized ? ctx.p.int('size') : dataOffering.disksize) : undefined;
  if (dataOffering && !dataGb) throw paramError('This disk offering requires a custom size specified');

  ctx.sim.checkLimit(owner, 'vm', 1);
  ctx.sim.checkLimit(owner, 'cpu', offering.cpunumber);
  ctx.sim.checkLimit(owner, 'memory', offering.memory);
  ctx.sim.checkLimit(owner, 'volume', dataGb ? 2 : 1);
  ctx.sim.checkLimit(owner, 'primarystorage', Math.ceil(rootBytes / GiB) + (dataGb ?? 0));

  const id = uuid();
  const nics: Nic[] = networks.map((network, i) => {
    const requested = ipToNetwork.find((e) => e.networkid === network.id)?.ip ?? (i === 0 ? ctx.p.str('ipaddress') : undefined);
    return { id: uuid(), networkId: network.id, ip: allocateIp(ctx, network, requested), mac: s.nextMac(), isdefault: i === 0 };
  });
  const hostname = name ?? `VM-${id}`;
  const vm: Vm = {
    id,
    name: hostname,
    displayname: ctx.p.str('displayname') ?? hostname,
    accountId: owner.id,
    zoneId: zone.id,
    templateId: template.id,
    serviceOfferingId: offering.id,
    state: 'Starting',
    created: ctx.sim.clock.now(),
    keypairs,
    nics,
    securityGroupIds: groupIds,
    group: ctx.p.str('group') ?? null,
    haenable: offering.offerha,
    userdata: userdata ?? null,
    instanceName: `i-${s.vms.size + 2}-${s.vms.size + 3}-VM`,
  };
  s.vms.set(vm.id, vm);
  for (const network of networks) network.state = 'Implemented';
  const disk = { accountId: owner.id, zoneId: zone.id, diskOfferingId: null, vmId: null, deviceId: null };
  const serial = vm.instanceName.split('-')[2];
  volumeRecord(ctx, { ...disk, name: `ROOT-${serial}`, type: 'ROOT', sizeBytes: rootBytes, state: 'Ready', vmId: vm.id, deviceId: 0 });
  if (dataOffering && dataGb) {
    const data = volumeRecord(ctx, { ...disk, name: `DATA-${serial}`, type: 'DATADISK', sizeBytes: dataGb * GiB, diskOfferingId: dataOffering.id, state: 'Allocated' });
    attach(ctx, data, vm.id);
  }
  const start = ctx.p.bool('startvm') ?? true;
  const jobid = vmJob(ctx, vm, 'user.vm.DeployVMCmd', ctx.sim.settings.jobMs.vm, {
    finish: () => {
      if (template.failsDeploy) {
        vm.state = 'Error';
        throw internalError(`Unable to start VM instance ${vm.instanceName}: the template ${template.name} failed to boot on any host`);
      }
      vm.state = start ? 'Running' : 'Stopped';
      const password = template.passwordEnabled ? randomBytes(9).toString('base64url') : undefined;
      return { virtualmachine: vmView(ctx, vm, { password }) };
    },
  });
  return asyncAnswer(jobid, vm.id);
}

export const vmCommands: Commands = {
  deployVirtualMachine: { handler: deploy },

  listVirtualMachines: {
    handler: (ctx) => {
      const match = idFilter(ctx, true);
      const name = ctx.p.str('name')?.toLowerCase();
      const state = ctx.p.str('state')?.toLowerCase();
      const zoneId = ctx.p.str('zoneid');
      const networkId = ctx.p.str('networkid');
      const vpcId = ctx.p.str('vpcid');
      const keypair = ctx.p.str('keypair');
      const templateId = ctx.p.str('templateid');
      const vms = [...ctx.state.vms.values()].filter(
        (vm) =>
          ctx.inScope(vm.accountId) &&
          match(vm.id) &&
          (!name || vm.name.toLowerCase().includes(name) || vm.displayname.toLowerCase().includes(name)) &&
          (!state || vm.state.toLowerCase() === state) &&
          (!zoneId || vm.zoneId === zoneId) &&
          (!networkId || vm.nics.some((n) => n.networkId === networkId)) &&
          (!vpcId || vm.nics.some((n) => ctx.state.networks.get(n.networkId)?.vpcId === vpcId)) &&
          (!keypair || vm.keypairs.includes(keypair)) &&
          (!templateId || vm.templateId === templateId),
      );
      return ctx.list('virtualmachine', vms.map((vm) => vmView(ctx, vm)));
    },
  },

  startVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      busy(ctx, vm);
      return asyncAnswer(
        vmJob(ctx, vm, 'user.vm.StartVMCmd', ctx.sim.settings.jobMs.vm, {
          begin: () => {
            if (vm.state === 'Running') throw paramError(`The virtual machine ${vm.id} (${vm.displayname}) is already running`);
            requireState(vm, ['Stopped'], 'start');
            vm.state = 'Starting';
          },
          finish: () => {
            vm.state = 'Running';
            return { virtualmachine: vmView(ctx, vm) };
          },
        }),
      );
    },
  },

  stopVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      busy(ctx, vm);
      return asyncAnswer(
        vmJob(ctx, vm, 'user.vm.StopVMCmd', ctx.sim.settings.jobMs.short, {
          begin: () => {
            // Stopping a stopped VM succeeds, as in the server.
            requireState(vm, ['Running', 'Stopped', 'Error'], 'stop');
            if (vm.state === 'Running') vm.state = 'Stopping';
          },
          finish: () => {
            vm.state = 'Stopped';
            return { virtualmachine: vmView(ctx, vm) };
          },
        }),
      );
    },
  },

  rebootVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      busy(ctx, vm);
      return asyncAnswer(
        vmJob(ctx, vm, 'user.vm.RebootVMCmd', ctx.sim.settings.jobMs.short, {
          begin: () => requireState(vm, ['Running'], 'reboot'),
          finish: () => ({ virtualmachine: vmView(ctx, vm) }),
        }),
      );
    },
  },

  destroyVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      const expungeNow = ctx.p.bool('expunge') ?? false;
      busy(ctx, vm);
      const dataVolumes = (ctx.p.list('volumeids') ?? []).map((id) => ctx.find(ctx.state.volumes, id, 'volumeids'));
      return asyncAnswer(
        vmJob(ctx, vm, 'user.vm.DestroyVMCmd', ctx.sim.settings.jobMs.short, {
          begin: () => {
            // The server checks the expunge right inside the job: the command is accepted, the job fails.
            if (expungeNow) userExpungeAllowed(ctx);
            if (vm.state === 'Destroyed' && !expungeNow) throw paramError(`VM ${vm.id} is already destroyed`);
            requireState(vm, ['Running', 'Stopped', 'Error', 'Destroyed'], 'destroy');
            vm.state = expungeNow ? 'Expunging' : 'Destroyed';
          },
          finish: () => {
            for (const volume of dataVolumes) if (volume.vmId === vm.id) removeVolume(ctx, volume);
            const view = vmView(ctx, vm);
            if (expungeNow) expunge(ctx.state, vm);
            else {
              vm.destroyedAt = ctx.sim.clock.now();
              for (const volume of ctx.state.volumes.values()) if (volume.vmId === vm.id && volume.type === 'DATADISK') Object.assign(volume, { vmId: null, deviceId: null });
            }
            return { virtualmachine: view };
          },
        }),
      );
    },
  },

  expungeVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      userExpungeAllowed(ctx);
      return asyncAnswer(
        vmJob(ctx, vm, 'admin.vm.ExpungeVMCmd', ctx.sim.settings.jobMs.short, {
          begin: () => {
            if (vm.state !== 'Destroyed') throw paramError(`Please specify a VM that is Destroyed; VM ${vm.id} is ${vm.state}`);
            vm.state = 'Expunging';
          },
          finish: () => {
            expunge(ctx.state, vm);
            return { success: true };
          },
        }),
      );
    },
  },

  recoverVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      if (vm.state !== 'Destroyed') throw paramError(`Unable to recover VM ${vm.id}: it is not in Destroyed state`);
      vm.state = 'Stopped';
      vm.destroyedAt = undefined;
      return { virtualmachine: vmView(ctx, vm) };
    },
  },

  /** Reinstalls the root disk (a new volume) from the same or another template; takes `virtualmachineid`, not `id`. */
  restoreVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('virtualmachineid'), 'virtualmachineid');
      const templateId = ctx.p.str('templateid');
      const template = templateId ? ctx.find(ctx.state.templates, templateId, 'templateid') : ctx.state.templates.get(vm.templateId);
      if (!template) throw paramError(`The template of VM ${vm.id} no longer exists; pass templateid`);
      busy(ctx, vm);
      let before: VmState = vm.state;
      return asyncAnswer(
        vmJob(ctx, vm, 'user.vm.RestoreVMCmd', ctx.sim.settings.jobMs.vm, {
          begin: () => {
            requireState(vm, ['Running', 'Stopped'], 'restore');
            before = vm.state;
            vm.state = 'Restoring';
          },
          finish: () => {
            const root = [...ctx.state.volumes.values()].find((v) => v.vmId === vm.id && v.type === 'ROOT');
            const sizeBytes = Math.max(root?.sizeBytes ?? 0, template.sizeBytes);
            if (root) removeVolume(ctx, root);
            volumeRecord(ctx, {
              name: root?.name ?? `ROOT-${vm.id}`,
              accountId: vm.accountId,
              zoneId: vm.zoneId,
              type: 'ROOT',
              sizeBytes,
              diskOfferingId: null,
              state: 'Ready',
              vmId: vm.id,
              deviceId: 0,
            });
            vm.templateId = template.id;
            vm.state = before;
            return { virtualmachine: vmView(ctx, vm) };
          },
        }),
      );
    },
  },

  updateVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      if (vm.state === 'Destroyed' || vm.state === 'Expunging') throw paramError(`Unable to update VM ${vm.id} in state ${vm.state}`);
      const name = ctx.p.str('name');
      if (name !== undefined && !HOSTNAME.test(name)) throw paramError(`Invalid name ${name}: it must be a valid hostname`);
      const groups = ctx.p.list('securitygroupids');
      if (groups) {
        if (vm.state !== 'Stopped') throw paramError('Virtual machine must be stopped to update its security groups');
        for (const id of groups) ctx.find(ctx.state.securityGroups, id, 'securitygroupids');
        vm.securityGroupIds = groups;
      }
      const userdata = ctx.p.str('userdata');
      if (userdata !== undefined && !/^[A-Za-z0-9+/]*=*$/.test(userdata)) throw paramError('User data must be base64 encoded');
      if (name) vm.name = name;
      if (ctx.p.has('displayname')) vm.displayname = ctx.p.str('displayname') ?? vm.name;
      if (ctx.p.has('group')) vm.group = ctx.p.str('group') ?? null;
      if (ctx.p.bool('haenable') !== undefined) vm.haenable = ctx.p.bool('haenable')!;
      if (userdata !== undefined) vm.userdata = userdata;
      return { virtualmachine: vmView(ctx, vm) };
    },
  },

  changeServiceForVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      const offeringId = ctx.p.required('serviceofferingid');
      const offering = ctx.state.serviceOfferings.get(offeringId);
      if (!offering) throw ctx.invalidId('serviceofferingid', offeringId);
      if (vm.state !== 'Stopped') {
        throw paramError(`Unable to upgrade virtual machine ${vm.instanceName} in state ${vm.state}; make sure the virtual machine is stopped`);
      }
      if (vm.serviceOfferingId === offering.id) throw paramError(`Not upgrading vm ${vm.instanceName} since it already has the requested service offering (${offering.name})`);
      const current = ctx.state.serviceOfferings.get(vm.serviceOfferingId);
      const account = ctx.state.accounts.get(vm.accountId)!;
      ctx.sim.checkLimit(account, 'cpu', offering.cpunumber - (current?.cpunumber ?? 0));
      ctx.sim.checkLimit(account, 'memory', offering.memory - (current?.memory ?? 0));
      vm.serviceOfferingId = offering.id;
      return { virtualmachine: vmView(ctx, vm) };
    },
  },

  scaleVirtualMachine: {
    handler: (ctx) => {
      const vm = ctx.find(ctx.state.vms, ctx.p.required('id'), 'id');
      const offeringId = ctx.p.required('serviceofferingid');
      const offering = ctx.state.serviceOfferings.get(offeringId);
      if (!offering) throw ctx.invalidId('serviceofferingid', offeringId);
      busy(ctx, vm);
      return asyncAnswer(
        vmJob(ctx, vm, 'user.vm.ScaleVMCmd', ctx.sim.settings.jobMs.short, {
          begin: () => {
            if (vm.state === 'Stopped') return;
            // The simulated hypervisor cannot hot-plug: only stopped VMs are scaled.
            throw paramError(`Unable to scale VM ${vm.id}: it is not dynamically scalable`);
          },
          finish: () => {
            vm.serviceOfferingId = offering.id;
            return { success: true };
          },
        }),
      );
    },
  },
};
