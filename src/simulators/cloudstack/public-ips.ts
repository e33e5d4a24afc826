import { idFilter } from './catalog';
import { asyncAnswer, type Commands, type Ctx } from './context';
import { CsError, paramError, ruleConflict } from './envelope';
import { csDate, uuid, type PublicIp } from './state';
import { dropTags, tagsOf } from './tags';

/* Public IP addresses and static NAT (reference §6 "Public IPs / static NAT"). */

export function publicIpRecord(
  ctx: Ctx,
  spec: { accountId: string; zoneId: string; vpcId: string | null; networkId?: string | null; sourceNat: boolean; state: PublicIp['state'] },
): PublicIp {
  const address = ctx.state.nextPublicAddress();
  if (!address) throw new CsError(533, 4255, `Insufficient address capacity in zone ${spec.zoneId}`);
  const ip: PublicIp = {
    id: uuid(),
    address,
    zoneId: spec.zoneId,
    accountId: spec.accountId,
    vpcId: spec.vpcId,
    networkId: spec.networkId ?? null,
    state: spec.state,
    sourceNat: spec.sourceNat,
    staticNatVmId: null,
    staticNatNetworkId: null,
    allocated: ctx.sim.clock.now(),
  };
  ctx.state.publicIps.set(ip.id, ip);
  return ip;
}

export function publicIpView(ctx: Ctx, ip: PublicIp) {
  const account = ctx.state.accounts.get(ip.accountId);
  const vm = ip.staticNatVmId ? ctx.state.vms.get(ip.staticNatVmId) : undefined;
  const nic = vm?.nics.find((n) => n.networkId === ip.staticNatNetworkId);
  const job = ctx.sim.jobs.pendingOn(ip.id);
  return {
    id: ip.id,
    ipaddress: ip.address,
    allocated: csDate(ip.allocated),
    zoneid: ip.zoneId,
    zonename: ctx.state.zones.get(ip.zoneId)?.name,
    issourcenat: ip.sourceNat,
    isstaticnat: ip.staticNatVmId !== null,
    issystem: false,
    forvirtualnetwork: true,
    state: ip.state,
    account: account?.name,
    domainid: account?.domainId,
    virtualmachineid: vm?.id,
    virtualmachinename: vm?.name,
    virtualmachinedisplayname: vm?.displayname,
    vmipaddress: nic?.ip,
    associatednetworkid: ip.networkId ?? undefined,
    associatednetworkname: ip.networkId ? ctx.state.networks.get(ip.networkId)?.name : undefined,
    vpcid: ip.vpcId ?? undefined,
    vpcname: ip.vpcId ? ctx.state.vpcs.get(ip.vpcId)?.name : undefined,
    tags: tagsOf(ctx, ip.id),
    jobid: job?.id,
    jobstatus: job ? 0 : undefined,
  };
}

export const publicIpCommands: Commands = {
  associateIpAddress: {
    handler: (ctx) => {
      const vpcId = ctx.p.str('vpcid');
      const networkId = ctx.p.str('networkid');
      let zoneId = ctx.p.str('zoneid');
      let owner = ctx.owner();
      if (vpcId) {
        const vpc = ctx.find(ctx.state.vpcs, vpcId, 'vpcid');
        if (vpc.state !== 'Enabled') throw paramError(`Can't acquire an IP for VPC ${vpc.name}: it is not in Enabled state`);
        zoneId = vpc.zoneId;
        owner = ctx.state.accounts.get(vpc.accountId)!;
      } else if (networkId) {
        const network = ctx.find(ctx.state.networks, networkId, 'networkid');
        zoneId = network.zoneId;
        owner = ctx.state.accounts.get(network.accountId)!;
      } else if (!zoneId) {
        throw paramError('Unable to execute API command associateipaddress: one of vpcid, networkid or zoneid is required');
      } else if (!ctx.state.zones.has(zoneId)) {
        throw ctx.invalidId('zoneid', zoneId);
      }
      ctx.sim.checkLimit(owner, 'ip', 1);
      const ip = publicIpRecord(ctx, { accountId: owner.id, zoneId: zoneId!, vpcId: vpcId ?? null, networkId: networkId ?? null, sourceNat: false, state: 'Allocating' });
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd',
        instanceType: 'IpAddress',
        instanceId: ip.id,
        accountId: owner.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          ip.state = 'Allocated';
          return { ipaddress: publicIpView(ctx, ip) };
        },
      });
      return asyncAnswer(jobid, ip.id);
    },
  },

  listPublicIpAddresses: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const address = ctx.p.str('ipaddress');
      const vpcId = ctx.p.str('vpcid');
      const networkId = ctx.p.str('associatednetworkid');
      const staticNat = ctx.p.bool('isstaticnat');
      const sourceNat = ctx.p.bool('issourcenat');
      const zoneId = ctx.p.str('zoneid');
      const ips = [...ctx.state.publicIps.values()].filter(
        (ip) =>
          ctx.inScope(ip.accountId) &&
          match(ip.id) &&
          (!address || ip.address === address) &&
          (!vpcId || ip.vpcId === vpcId) &&
          (!networkId || ip.networkId === networkId) &&
          (staticNat === undefined || (ip.staticNatVmId !== null) === staticNat) &&
          (sourceNat === undefined || ip.sourceNat === sourceNat) &&
          (!zoneId || ip.zoneId === zoneId),
      );
      return ctx.list('publicipaddress', ips.map((ip) => publicIpView(ctx, ip)));
    },
  },

  enableStaticNat: {
    handler: (ctx) => {
      const ip = ctx.find(ctx.state.publicIps, ctx.p.required('ipaddressid'), 'ipaddressid');
      const vm = ctx.find(ctx.state.vms, ctx.p.required('virtualmachineid'), 'virtualmachineid');
      const networkId = ctx.p.str('networkid');
      if (ip.state !== 'Allocated') throw paramError(`Unable to enable static NAT for the ip address id=${ip.id}: it is in state ${ip.state}`);
      if (ip.sourceNat) throw paramError(`Can't enable static NAT on the source NAT ip address ${ip.address}`);
      if (ip.staticNatVmId) throw ruleConflict(`Failed to enable static nat for the ip address id=${ip.id} as it's already assigned to vm id=${ip.staticNatVmId}`);
      if (!['Running', 'Stopped'].includes(vm.state)) throw paramError(`Invalid state of VM ${vm.id} for static NAT: ${vm.state}`);
      if (ip.vpcId && !networkId) throw paramError('Network id is required for enabling static NAT on an IP address of a VPC');
      const nic = networkId ? vm.nics.find((n) => n.networkId === networkId) : vm.nics.find((n) => n.isdefault);
      if (networkId && !ctx.state.networks.has(networkId)) throw ctx.invalidId('networkid', networkId);
      if (!nic) throw paramError(`Virtual machine ${vm.id} is not in network id=${networkId}`);
      if (ip.vpcId && ctx.state.networks.get(nic.networkId)?.vpcId !== ip.vpcId) {
        throw paramError(`Network ${nic.networkId} does not belong to the VPC of the ip address ${ip.address}`);
      }
      for (const other of ctx.state.publicIps.values()) {
        if (other.staticNatVmId === vm.id) {
          throw ruleConflict(`Failed to enable static nat for the ip address id=${ip.id} as vm id=${vm.id} is already associated with ip id=${other.id}`);
        }
      }
      ip.staticNatVmId = vm.id;
      ip.staticNatNetworkId = nic.networkId;
      ip.networkId = nic.networkId;
      return { success: true };
    },
  },

  disableStaticNat: {
    handler: (ctx) => {
      const ip = ctx.find(ctx.state.publicIps, ctx.p.required('ipaddressid'), 'ipaddressid');
      if (!ip.staticNatVmId) throw paramError(`Specified IP address id is not associated with any vm Id`);
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.nat.DisableStaticNatCmd',
        instanceType: 'IpAddress',
        instanceId: ip.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          ip.staticNatVmId = null;
          ip.staticNatNetworkId = null;
          if (ip.vpcId) ip.networkId = null;
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  disassociateIpAddress: {
    handler: (ctx) => {
      const ip = ctx.find(ctx.state.publicIps, ctx.p.required('id'), 'id');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.address.DisassociateIPAddrCmd',
        instanceType: 'IpAddress',
        instanceId: ip.id,
        durationMs: ctx.sim.settings.jobMs.short,
        begin: () => {
          if (ip.sourceNat) throw paramError(`Can't release the source NAT ip address ${ip.address}: it is used for source NAT of its network`);
          ip.state = 'Releasing';
        },
        finish: () => {
          ctx.state.publicIps.delete(ip.id);
          dropTags(ctx.state, ip.id);
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },
};
