import { dropVpcAcls, tierAcl } from './acls';
import { idFilter } from './catalog';
import { asyncAnswer, type Commands, type Ctx } from './context';
import { CsError, inUse, paramError } from './envelope';
import { cidrOf, cidrText, contains, isHostOf, overlaps, parseCidr } from './ip';
import { publicIpRecord } from './public-ips';
import { csDate, uuid, type GuestNetwork, type Vpc } from './state';
import { dropTags, tagsOf } from './tags';

/* VPCs and their tiers (guest networks with a vpcid), reference §6 "VPCs and networks". */

function pendingJob(ctx: Ctx, id: string) {
  const job = ctx.sim.jobs.pendingOn(id);
  return job ? { jobid: job.id, jobstatus: 0 } : {};
}

function ownerFields(ctx: Ctx, accountId: string) {
  const account = ctx.state.accounts.get(accountId);
  return { account: account?.name, domainid: account?.domainId, domain: account ? ctx.state.domains.get(account.domainId)?.name : undefined };
}

export function networkView(ctx: Ctx, n: GuestNetwork) {
  const offering = ctx.state.networkOfferings.get(n.networkOfferingId);
  return {
    id: n.id,
    name: n.name,
    displaytext: n.displaytext,
    state: n.state,
    cidr: n.cidr,
    gateway: n.gateway,
    netmask: n.netmask,
    vpcid: n.vpcId ?? undefined,
    vpcname: n.vpcId ? ctx.state.vpcs.get(n.vpcId)?.name : undefined,
    aclid: n.aclId ?? undefined,
    aclname: n.aclId ? ctx.state.aclLists.get(n.aclId)?.name : undefined,
    zoneid: n.zoneId,
    zonename: ctx.state.zones.get(n.zoneId)?.name,
    networkofferingid: n.networkOfferingId,
    networkofferingname: offering?.name,
    type: n.shared ? 'Shared' : 'Isolated',
    traffictype: 'Guest',
    acltype: n.shared ? 'Domain' : 'Account',
    dns1: n.dns1 ?? undefined,
    dns2: n.dns2 ?? undefined,
    ispersistent: false,
    restartrequired: false,
    canusefordeploy: true,
    created: csDate(n.created),
    ...ownerFields(ctx, n.accountId),
    tags: tagsOf(ctx, n.id),
    service: [],
    ...pendingJob(ctx, n.id),
  };
}

export function vpcView(ctx: Ctx, v: Vpc) {
  const tiers = [...ctx.state.networks.values()].filter((n) => n.vpcId === v.id);
  return {
    id: v.id,
    name: v.name,
    displaytext: v.displaytext,
    cidr: v.cidr,
    state: v.state,
    zoneid: v.zoneId,
    zonename: ctx.state.zones.get(v.zoneId)?.name,
    vpcofferingid: v.vpcOfferingId,
    vpcofferingname: ctx.state.vpcOfferings.get(v.vpcOfferingId)?.name,
    networkdomain: v.networkdomain,
    restartrequired: false,
    redundantvpcrouter: false,
    regionlevelvpc: false,
    fordisplay: true,
    created: csDate(v.created),
    ...ownerFields(ctx, v.accountId),
    network: tiers.map((n) => networkView(ctx, n)),
    tags: tagsOf(ctx, v.id),
    ...pendingJob(ctx, v.id),
  };
}

function zoneOf(ctx: Ctx) {
  const id = ctx.p.required('zoneid');
  const zone = ctx.state.zones.get(id);
  if (!zone) throw ctx.invalidId('zoneid', id);
  if (zone.allocationstate !== 'Enabled' && !ctx.caller.isAdmin) throw new CsError(531, 4365, `Cannot perform this operation, Zone is currently disabled: ${zone.id}`);
  return zone;
}

/** The checks of a VPC tier: inside the VPC's range, clear of the other tiers, a real gateway. */
function tierCidr(ctx: Ctx, vpc: Vpc, gateway: string | undefined, netmask: string | undefined, ignore?: string): string {
  if (!gateway || !netmask) throw paramError('Gateway/netmask are required when creating a network for VPC');
  const cidr = cidrOf(gateway, netmask);
  if (!cidr) throw paramError(`Invalid gateway ${gateway} or netmask ${netmask}`);
  if (!isHostOf(cidr, gateway)) throw paramError(`The gateway ${gateway} is not a host address of ${cidrText(cidr)}`);
  const vpcCidr = parseCidr(vpc.cidr)!;
  if (!contains(vpcCidr, cidr)) throw paramError(`Network cidr ${cidrText(cidr)} is not within vpc ${vpc.name} cidr ${vpc.cidr}`);
  for (const other of ctx.state.networks.values()) {
    if (other.vpcId !== vpc.id || other.id === ignore) continue;
    if (overlaps(parseCidr(other.cidr)!, cidr)) {
      throw paramError(`Network cidr ${cidrText(cidr)} crosses other network cidr ${other.cidr} belonging to the same VPC ${vpc.name}`);
    }
  }
  return cidrText(cidr);
}

export const networkCommands: Commands = {
  createVPC: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const cidrParam = ctx.p.required('cidr');
      const offeringId = ctx.p.required('vpcofferingid');
      const zone = zoneOf(ctx);
      if (zone.securitygroupsenabled) throw paramError('Only shared guest network can be created in security group enabled zone');
      const offering = ctx.state.vpcOfferings.get(offeringId);
      if (!offering) throw ctx.invalidId('vpcofferingid', offeringId);
      if (offering.state !== 'Enabled') throw paramError(`VPC offering ${offering.name} is not enabled`);
      const cidr = parseCidr(cidrParam);
      if (!cidr || cidr.prefix > 28) throw paramError(`Invalid CIDR specified ${cidrParam}`);
      const owner = ctx.owner();
      ctx.sim.checkLimit(owner, 'vpc', 1);
      const start = ctx.p.bool('start') ?? true;
      const vpc: Vpc = {
        id: uuid(),
        name,
        displaytext: ctx.p.str('displaytext') ?? name,
        cidr: cidrText(cidr),
        zoneId: zone.id,
        vpcOfferingId: offering.id,
        accountId: owner.id,
        state: 'Inactive',
        networkdomain: ctx.p.str('networkdomain') ?? `${owner.name.replace(/[^a-z0-9-]/gi, '')}.cs.internal`,
        created: ctx.sim.clock.now(),
      };
      ctx.state.vpcs.set(vpc.id, vpc);
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.vpc.CreateVPCCmd',
        instanceType: 'Vpc',
        instanceId: vpc.id,
        accountId: owner.id,
        // Starting the VPC boots its virtual router; without it the job only writes the VPC down.
        durationMs: start ? ctx.sim.settings.jobMs.vpc : ctx.sim.settings.jobMs.short,
        finish: () => {
          if (!ctx.state.vpcs.has(vpc.id)) throw paramError(`VPC ${vpc.id} was removed while being created`);
          publicIpRecord(ctx, { accountId: owner.id, zoneId: zone.id, vpcId: vpc.id, sourceNat: true, state: 'Allocated' });
          vpc.state = 'Enabled';
          return { vpc: vpcView(ctx, vpc) };
        },
      });
      return asyncAnswer(jobid, vpc.id);
    },
  },

  listVPCs: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const zoneId = ctx.p.str('zoneid');
      const state = ctx.p.str('state');
      const vpcs = [...ctx.state.vpcs.values()].filter(
        (v) => ctx.inScope(v.accountId) && match(v.id) && (!name || v.name === name) && (!zoneId || v.zoneId === zoneId) && (!state || v.state === state),
      );
      return ctx.list('vpc', vpcs.map((v) => vpcView(ctx, v)));
    },
  },

  updateVPC: {
    handler: (ctx) => {
      const vpc = ctx.find(ctx.state.vpcs, ctx.p.required('id'), 'id');
      const name = ctx.p.str('name');
      const displaytext = ctx.p.str('displaytext');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.vpc.UpdateVPCCmd',
        instanceType: 'Vpc',
        instanceId: vpc.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          if (name) vpc.name = name;
          if (displaytext !== undefined) vpc.displaytext = displaytext;
          return { vpc: vpcView(ctx, vpc) };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  deleteVPC: {
    handler: (ctx) => {
      const vpc = ctx.find(ctx.state.vpcs, ctx.p.required('id'), 'id');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.vpc.DeleteVPCCmd',
        instanceType: 'Vpc',
        instanceId: vpc.id,
        durationMs: ctx.sim.settings.jobMs.short,
        begin: () => {
          const tiers = [...ctx.state.networks.values()].filter((n) => n.vpcId === vpc.id).length;
          if (tiers) throw inUse(`Can't delete VPC ${vpc.name} as it is used by ${tiers} network(s); delete them first`);
        },
        finish: () => {
          for (const [id, ip] of ctx.state.publicIps) {
            if (ip.vpcId === vpc.id) {
              ctx.state.publicIps.delete(id);
              dropTags(ctx.state, id);
            }
          }
          dropVpcAcls(ctx, vpc.id);
          ctx.state.vpcs.delete(vpc.id);
          dropTags(ctx.state, vpc.id);
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  createNetwork: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const offeringId = ctx.p.required('networkofferingid');
      const zone = zoneOf(ctx);
      const offering = ctx.state.networkOfferings.get(offeringId);
      if (!offering) throw ctx.invalidId('networkofferingid', offeringId);
      if (zone.securitygroupsenabled && offering.guestiptype !== 'Shared') throw paramError('Only shared guest network can be created in security group enabled zone');
      const vpcId = ctx.p.str('vpcid');
      let gateway = ctx.p.str('gateway');
      let netmask = ctx.p.str('netmask');
      let cidr: string;
      let owner = ctx.owner();
      let aclId: string | null = null;
      if (vpcId) {
        const vpc = ctx.find(ctx.state.vpcs, vpcId, 'vpcid');
        owner = ctx.state.accounts.get(vpc.accountId)!;
        if (!offering.forvpc) throw paramError(`Network offering ${offering.name} can't be used for VPC networks`);
        if (vpc.state !== 'Enabled') throw paramError(`Can't create a network in VPC ${vpc.name}: it is not in Enabled state`);
        if (vpc.zoneId !== zone.id) throw paramError(`The network and VPC ${vpc.name} must be in the same zone`);
        cidr = tierCidr(ctx, vpc, gateway, netmask);
        aclId = tierAcl(ctx, vpc.id, ctx.p.str('aclid'));
      } else {
        if (offering.forvpc) throw paramError(`Network offering ${offering.name} can be used for VPC networks only`);
        // An isolated network without a range gets the zone's default guest CIDR.
        gateway ??= '10.1.1.1';
        netmask ??= '255.255.255.0';
        const parsed = cidrOf(gateway, netmask);
        if (!parsed || !isHostOf(parsed, gateway)) throw paramError(`Invalid gateway ${gateway} or netmask ${netmask}`);
        cidr = cidrText(parsed);
      }
      ctx.sim.checkLimit(owner, 'network', 1);
      const network: GuestNetwork = {
        id: uuid(),
        name,
        displaytext: ctx.p.str('displaytext') ?? name,
        vpcId: vpcId ?? null,
        zoneId: zone.id,
        accountId: owner.id,
        cidr,
        gateway: gateway!,
        netmask: netmask!,
        networkOfferingId: offering.id,
        aclId,
        state: 'Allocated',
        dns1: ctx.p.str('dns1') ?? null,
        dns2: ctx.p.str('dns2') ?? null,
        created: ctx.sim.clock.now(),
      };
      ctx.state.networks.set(network.id, network);
      return { network: networkView(ctx, network) };
    },
  },

  listNetworks: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const zoneId = ctx.p.str('zoneid');
      const vpcId = ctx.p.str('vpcid');
      const forvpc = ctx.p.bool('forvpc');
      const networks = [...ctx.state.networks.values()].filter(
        (n) =>
          (n.shared || ctx.inScope(n.accountId)) &&
          match(n.id) &&
          (!name || n.name === name) &&
          (!zoneId || n.zoneId === zoneId) &&
          (!vpcId || n.vpcId === vpcId) &&
          (forvpc === undefined || (n.vpcId !== null) === forvpc),
      );
      return ctx.list('network', networks.map((n) => networkView(ctx, n)));
    },
  },

  updateNetwork: {
    handler: (ctx) => {
      const network = ctx.find(ctx.state.networks, ctx.p.required('id'), 'id');
      const name = ctx.p.str('name');
      const displaytext = ctx.p.str('displaytext');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.network.UpdateNetworkCmd',
        instanceType: 'Network',
        instanceId: network.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          if (name) network.name = name;
          if (displaytext !== undefined) network.displaytext = displaytext;
          return { network: networkView(ctx, network) };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  deleteNetwork: {
    handler: (ctx) => {
      const network = ctx.find(ctx.state.networks, ctx.p.required('id'), 'id');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.network.DeleteNetworkCmd',
        instanceType: 'Network',
        instanceId: network.id,
        durationMs: ctx.sim.settings.jobMs.short,
        begin: () => {
          const users = [...ctx.state.vms.values()].filter((vm) => vm.nics.some((nic) => nic.networkId === network.id)).length;
          if (users) throw inUse(`Unable to delete network ${network.name}: it is in use by ${users} virtual machine(s); not all user vms are expunged`);
        },
        finish: () => {
          for (const ip of ctx.state.publicIps.values()) if (ip.networkId === network.id) ip.networkId = null;
          ctx.state.networks.delete(network.id);
          dropTags(ctx.state, network.id);
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },
};
