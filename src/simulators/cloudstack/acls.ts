import { asyncAnswer, type Commands, type Ctx } from './context';
import { inUse, paramError } from './envelope';
import { parseCidr } from './ip';
import { uuid, type AclItem, type AclList } from './state';

/*
 * Network ACLs of VPC tiers (reference §6 "Security groups (SG-enabled zones) and ACLs (VPC)").
 * Lists belong to one VPC, except the built-in default_allow and default_deny (no VPC, no
 * account, not modifiable). A tier always has one list: createNetwork's `aclid`, else the
 * built-in default_deny. Creates are A-create jobs, deletes and replaceNetworkACLList A jobs.
 */

const PKG = 'org.apache.cloudstack.api.command.user.network';

export function aclListView(ctx: Ctx, l: AclList) {
  return {
    id: l.id,
    name: l.name,
    description: l.description || undefined,
    vpcid: l.vpcId ?? undefined,
    vpcname: l.vpcId ? ctx.state.vpcs.get(l.vpcId)?.name : undefined,
    fordisplay: true,
  };
}

export function aclItemView(ctx: Ctx, i: AclItem) {
  return {
    id: i.id,
    aclid: i.aclId,
    aclname: ctx.state.aclLists.get(i.aclId)?.name,
    protocol: i.protocol,
    // The server's NetworkACLItemResponse carries ports as strings.
    startport: i.startport !== undefined ? String(i.startport) : undefined,
    endport: i.endport !== undefined ? String(i.endport) : undefined,
    icmptype: i.icmptype,
    icmpcode: i.icmpcode,
    cidrlist: i.cidrlist,
    traffictype: i.traffictype,
    action: i.action,
    number: i.number,
    state: 'Active',
    reason: i.reason,
    fordisplay: true,
    tags: [],
  };
}

/** The list an id names, visible to the caller (built-ins are everyone's). */
function aclListOf(ctx: Ctx, id: string, param: string): AclList {
  return ctx.find(ctx.state.aclLists, id, param);
}

function refuseBuiltIn(list: AclList, what: string): void {
  if (list.vpcId === null) throw paramError(`Default ACL cannot be ${what}`);
}

/** The ACL list a tier gets when createNetwork names none (or checks the one it names). */
export function tierAcl(ctx: Ctx, vpcId: string, aclId: string | undefined): string {
  if (aclId) {
    const list = aclListOf(ctx, aclId, 'aclid');
    if (list.vpcId !== null && list.vpcId !== vpcId) throw paramError('Network ACL and network should belong to the same VPC');
    return list.id;
  }
  return [...ctx.state.aclLists.values()].find((l) => l.vpcId === null && l.name === 'default_deny')!.id;
}

/** deleteVPC takes its ACL lists along. */
export function dropVpcAcls(ctx: Ctx, vpcId: string): void {
  for (const [id, list] of ctx.state.aclLists) {
    if (list.vpcId !== vpcId) continue;
    for (const [itemId, item] of ctx.state.aclItems) if (item.aclId === id) ctx.state.aclItems.delete(itemId);
    ctx.state.aclLists.delete(id);
  }
}

const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'all']);

function checkedPort(ctx: Ctx, name: string): number | undefined {
  const port = ctx.p.int(name);
  if (port !== undefined && (port < 0 || port > 65535)) throw paramError(`Invalid port range ${port}`);
  return port;
}

function newItem(ctx: Ctx, list: AclList): AclItem {
  const protocolRaw = ctx.p.required('protocol').toLowerCase();
  const numeric = /^\d+$/.test(protocolRaw);
  if (!PROTOCOLS.has(protocolRaw) && !(numeric && Number(protocolRaw) <= 255)) throw paramError(`Invalid protocol ${protocolRaw}`);
  const startport = checkedPort(ctx, 'startport');
  const endport = checkedPort(ctx, 'endport') ?? startport;
  const icmptype = ctx.p.int('icmptype');
  const icmpcode = ctx.p.int('icmpcode');
  const hasPorts = startport !== undefined || endport !== undefined;
  if (hasPorts && protocolRaw !== 'tcp' && protocolRaw !== 'udp') throw paramError('Can specify start/end port only for protocols TCP and UDP');
  if (startport !== undefined && endport !== undefined && startport > endport) throw paramError(`Start port can't be bigger than end port`);
  if ((icmptype !== undefined || icmpcode !== undefined) && protocolRaw !== 'icmp') throw paramError('Can specify icmpType/icmpCode for ICMP protocol only');
  const cidrs = ctx.p.list('cidrlist') ?? ['0.0.0.0/0'];
  for (const cidr of cidrs) if (!cidr.includes(':') && !parseCidr(cidr)) throw paramError(`Invalid cidr ${cidr}`);
  const traffic = (ctx.p.str('traffictype') ?? 'Ingress').toLowerCase();
  if (traffic !== 'ingress' && traffic !== 'egress') throw paramError(`Invalid traffic type ${ctx.p.str('traffictype')}`);
  const action = (ctx.p.str('action') ?? 'Allow').toLowerCase();
  if (action !== 'allow' && action !== 'deny') throw paramError(`Invalid action ${ctx.p.str('action')}. Valid values are Allow and Deny`);
  const siblings = [...ctx.state.aclItems.values()].filter((i) => i.aclId === list.id);
  const number = ctx.p.int('number') ?? siblings.reduce((max, i) => Math.max(max, i.number), 0) + 1;
  if (siblings.some((i) => i.number === number)) throw paramError(`ACL item with number ${number} already exists in ACL: ${list.id}`);
  return {
    id: uuid(),
    aclId: list.id,
    accountId: list.accountId,
    protocol: protocolRaw,
    startport: protocolRaw === 'tcp' || protocolRaw === 'udp' ? startport : undefined,
    endport: protocolRaw === 'tcp' || protocolRaw === 'udp' ? endport : undefined,
    icmptype: protocolRaw === 'icmp' ? (icmptype ?? -1) : undefined,
    icmpcode: protocolRaw === 'icmp' ? (icmpcode ?? -1) : undefined,
    cidrlist: cidrs.join(','),
    traffictype: traffic === 'ingress' ? 'Ingress' : 'Egress',
    action: action === 'allow' ? 'Allow' : 'Deny',
    number,
    reason: ctx.p.str('reason'),
  };
}

export const aclCommands: Commands = {
  createNetworkACLList: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const vpc = ctx.find(ctx.state.vpcs, ctx.p.required('vpcid'), 'vpcid');
      const list: AclList = { id: uuid(), name, description: ctx.p.str('description') ?? '', vpcId: vpc.id, accountId: vpc.accountId };
      const jobid = ctx.submit({
        cmd: `${PKG}.CreateNetworkACLListCmd`,
        instanceType: 'NetworkAclList',
        instanceId: list.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          if (!ctx.state.vpcs.has(vpc.id)) throw paramError(`Unable to find VPC ${vpc.id}`);
          ctx.state.aclLists.set(list.id, list);
          return { networkacllist: aclListView(ctx, list) };
        },
      });
      return asyncAnswer(jobid, list.id);
    },
  },

  listNetworkACLLists: {
    handler: (ctx) => {
      const id = ctx.p.str('id');
      const name = ctx.p.str('name');
      const vpcId = ctx.p.str('vpcid');
      const networkId = ctx.p.str('networkid');
      const tierAclId = networkId ? ctx.find(ctx.state.networks, networkId, 'networkid').aclId : undefined;
      const lists = [...ctx.state.aclLists.values()].filter(
        (l) =>
          ctx.inScope(l.accountId) &&
          (!id || l.id === id) &&
          (!name || l.name === name) &&
          // Built-in lists belong to every VPC.
          (!vpcId || l.vpcId === vpcId || l.vpcId === null) &&
          (!networkId || l.id === tierAclId),
      );
      return ctx.list('networkacllist', lists.map((l) => aclListView(ctx, l)));
    },
  },

  deleteNetworkACLList: {
    handler: (ctx) => {
      const list = aclListOf(ctx, ctx.p.required('id'), 'id');
      return asyncAnswer(
        ctx.submit({
          cmd: `${PKG}.DeleteNetworkACLListCmd`,
          instanceType: 'NetworkAclList',
          instanceId: list.id,
          durationMs: ctx.sim.settings.jobMs.short,
          begin: () => {
            refuseBuiltIn(list, 'removed');
            const tiers = [...ctx.state.networks.values()].filter((n) => n.aclId === list.id).length;
            if (tiers) throw inUse(`ACL is still associated with ${tiers} network(s); cannot delete it`);
          },
          finish: () => {
            for (const [itemId, item] of ctx.state.aclItems) if (item.aclId === list.id) ctx.state.aclItems.delete(itemId);
            ctx.state.aclLists.delete(list.id);
            return { success: true };
          },
        }),
      );
    },
  },

  replaceNetworkACLList: {
    handler: (ctx) => {
      const list = aclListOf(ctx, ctx.p.required('aclid'), 'aclid');
      const network = ctx.find(ctx.state.networks, ctx.p.required('networkid'), 'networkid');
      return asyncAnswer(
        ctx.submit({
          cmd: `${PKG}.ReplaceNetworkACLListCmd`,
          instanceType: 'Network',
          instanceId: network.id,
          durationMs: ctx.sim.settings.jobMs.short,
          begin: () => {
            if (!network.vpcId) throw paramError(`Network ${network.id} is not part of a VPC`);
            if (list.vpcId !== null && list.vpcId !== network.vpcId) throw paramError('Network ACL and network should belong to the same VPC');
          },
          finish: () => {
            network.aclId = list.id;
            return { success: true };
          },
        }),
      );
    },
  },

  createNetworkACL: {
    handler: (ctx) => {
      const aclId = ctx.p.str('aclid');
      const networkId = ctx.p.str('networkid');
      if (!aclId && !networkId) throw paramError('Please specify either aclid or networkid');
      const list = aclId ? aclListOf(ctx, aclId, 'aclid') : aclListOf(ctx, ctx.find(ctx.state.networks, networkId!, 'networkid').aclId ?? '', 'networkid');
      refuseBuiltIn(list, 'modified');
      const item = newItem(ctx, list);
      const jobid = ctx.submit({
        cmd: `${PKG}.CreateNetworkACLCmd`,
        instanceType: 'NetworkAcl',
        instanceId: item.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          if (!ctx.state.aclLists.has(list.id)) throw paramError(`Unable to find specified ACL ${list.id}`);
          ctx.state.aclItems.set(item.id, item);
          return { networkacl: aclItemView(ctx, item) };
        },
      });
      return asyncAnswer(jobid, item.id);
    },
  },

  listNetworkACLs: {
    handler: (ctx) => {
      const id = ctx.p.str('id');
      const aclId = ctx.p.str('aclid');
      const networkId = ctx.p.str('networkid');
      const traffic = ctx.p.str('traffictype')?.toLowerCase();
      const tierAclId = networkId ? ctx.find(ctx.state.networks, networkId, 'networkid').aclId : undefined;
      if (aclId) aclListOf(ctx, aclId, 'aclid');
      const items = [...ctx.state.aclItems.values()]
        .filter(
          (i) =>
            ctx.inScope(i.accountId) &&
            (!id || i.id === id) &&
            (!aclId || i.aclId === aclId) &&
            (!networkId || i.aclId === tierAclId) &&
            (!traffic || i.traffictype.toLowerCase() === traffic),
        )
        .sort((x, y) => x.number - y.number);
      return ctx.list('networkacl', items.map((i) => aclItemView(ctx, i)));
    },
  },

  deleteNetworkACL: {
    handler: (ctx) => {
      const item = ctx.find(ctx.state.aclItems, ctx.p.required('id'), 'id');
      const list = ctx.state.aclLists.get(item.aclId);
      if (list) refuseBuiltIn(list, 'modified');
      return asyncAnswer(
        ctx.submit({
          cmd: `${PKG}.DeleteNetworkACLCmd`,
          instanceType: 'NetworkAcl',
          instanceId: item.id,
          durationMs: ctx.sim.settings.jobMs.short,
          finish: () => {
            ctx.state.aclItems.delete(item.id);
            return { success: true };
          },
        }),
      );
    },
  },
};


