import { idFilter } from './catalog';
import { asyncAnswer, type Commands, type Ctx } from './context';
import { inUse, paramError, ruleConflict } from './envelope';
import { parseCidr } from './ip';
import { uuid, type SecurityGroup, type SgRule } from './state';
import { dropTags, tagsOf } from './tags';

/* Security groups and their ingress/egress rules (reference §6 "Security groups"). */

type Direction = 'ingress' | 'egress';

function ruleView(ctx: Ctx, rule: SgRule) {
  return {
    ruleid: rule.ruleid,
    protocol: rule.protocol,
    startport: rule.startport,
    endport: rule.endport,
    icmptype: rule.icmptype,
    icmpcode: rule.icmpcode,
    cidr: rule.cidr,
    securitygroupname: rule.group?.name,
    account: rule.group?.account,
    tags: tagsOf(ctx, rule.ruleid),
  };
}

function groupView(ctx: Ctx, sg: SecurityGroup, rules?: { ingress: SgRule[]; egress: SgRule[] }) {
  const account = ctx.state.accounts.get(sg.accountId);
  const vms = [...ctx.state.vms.values()].filter((vm) => vm.securityGroupIds.includes(sg.id) && vm.state !== 'Expunging');
  return {
    id: sg.id,
    name: sg.name,
    description: sg.description,
    account: account?.name,
    domainid: account?.domainId,
    domain: account ? ctx.state.domains.get(account.domainId)?.name : undefined,
    ingressrule: (rules?.ingress ?? sg.ingress).map((r) => ruleView(ctx, r)),
    egressrule: (rules?.egress ?? sg.egress).map((r) => ruleView(ctx, r)),
    virtualmachinecount: vms.length,
    virtualmachineids: vms.map((vm) => vm.id),
    tags: tagsOf(ctx, sg.id),
  };
}

function groupByIdOrName(ctx: Ctx, idParam: string, nameParam: string): SecurityGroup {
  const id = ctx.p.str(idParam);
  if (id) return ctx.find(ctx.state.securityGroups, id, idParam);
  const name = ctx.p.str(nameParam);
  if (!name) throw paramError(`Either ${idParam} or ${nameParam} is required`);
  const owner = ctx.owner();
  const sg = [...ctx.state.securityGroups.values()].find((g) => g.accountId === owner.id && g.name === name);
  if (!sg) throw paramError(`Unable to find security group ${name} of account ${owner.name}`);
  return sg;
}

const PROTOCOLS: Record<string, string> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp', all: 'all', '6': 'tcp', '17': 'udp', '1': 'icmp' };

/** The rules one authorize call asks for: one per CIDR and one per referenced group. */
function requestedRules(ctx: Ctx): SgRule[] {
  const raw = (ctx.p.str('protocol') ?? 'tcp').toLowerCase();
  const protocol = PROTOCOLS[raw] ?? (/^\d+$/.test(raw) && Number(raw) <= 255 ? raw : null);
  if (!protocol) throw paramError(`Invalid protocol ${raw}`);
  const ports: Partial<SgRule> = {};
  if (protocol === 'tcp' || protocol === 'udp') {
    const start = ctx.p.int('startport');
    const end = ctx.p.int('endport') ?? start;
    if (start === undefined || end === undefined || start < 0 || end > 65535 || start > end) {
      throw paramError(`Invalid port range ${start ?? ''}:${end ?? ''}`);
    }
    Object.assign(ports, { startport: start, endport: end });
  } else if (protocol === 'icmp') {
    const type = ctx.p.int('icmptype') ?? -1;
    const code = ctx.p.int('icmpcode') ?? -1;
    if (type < -1 || type > 255 || code < -1 || code > 255) throw paramError(`Invalid ICMP type/code ${type}/${code}`);
    Object.assign(ports, { icmptype: type, icmpcode: code });
  }
  const cidrs = ctx.p.list('cidrlist') ?? [];
  const groups = ctx.p.map('usersecuritygrouplist');
  if (!cidrs.length && !groups.length) throw paramError('At least one cidr or security group must be specified');
  const rules: SgRule[] = [];
  for (const cidr of cidrs) {
    if (!parseCidr(cidr) && !/^[0-9a-f:]+\/\d+$/i.test(cidr)) throw paramError(`Invalid cidr ${cidr}`);
    rules.push({ ruleid: uuid(), protocol, ...ports, cidr });
  }
  for (const entry of groups) {
    const account = [...ctx.state.accounts.values()].find((a) => a.name === entry.account);
    const exists = account && [...ctx.state.securityGroups.values()].some((g) => g.accountId === account.id && g.name === entry.group);
    if (!exists) throw paramError(`Unable to find security group ${entry.group ?? ''} for account ${entry.account ?? ''}`);
    rules.push({ ruleid: uuid(), protocol, ...ports, group: { account: entry.account, name: entry.group } });
  }
  return rules;
}

const sameRule = (a: SgRule, b: SgRule) =>
  a.protocol === b.protocol &&
  a.startport === b.startport &&
  a.endport === b.endport &&
  a.icmptype === b.icmptype &&
  a.icmpcode === b.icmpcode &&
  a.cidr === b.cidr &&
  a.group?.account === b.group?.account &&
  a.group?.name === b.group?.name;

function authorize(direction: Direction, cmd: string) {
  return (ctx: Ctx) => {
    const sg = groupByIdOrName(ctx, 'securitygroupid', 'securitygroupname');
    let rules: SgRule[] = [];
    const jobid = ctx.submit({
      cmd,
      instanceType: 'SecurityGroup',
      instanceId: sg.id,
      durationMs: ctx.sim.settings.jobMs.short,
      begin: () => {
        rules = requestedRules(ctx);
        const existing = direction === 'ingress' ? sg.ingress : sg.egress;
        const dup = rules.find((r) => existing.some((e) => sameRule(e, r)));
        if (dup) throw ruleConflict(`The ${direction} rule ${dup.protocol} ${dup.cidr ?? dup.group?.name} already exists in security group ${sg.name}`);
      },
      finish: () => {
        (direction === 'ingress' ? sg.ingress : sg.egress).push(...rules);
        // The job answers the group with only the rules it added.
        return { securitygroup: groupView(ctx, sg, direction === 'ingress' ? { ingress: rules, egress: [] } : { ingress: [], egress: rules }) };
      },
    });
    return asyncAnswer(jobid);
  };
}

function revoke(direction: Direction, cmd: string) {
  return (ctx: Ctx) => {
    const id = ctx.p.required('id');
    const sg = [...ctx.state.securityGroups.values()].find((g) => (direction === 'ingress' ? g.ingress : g.egress).some((r) => r.ruleid === id));
    if (!sg) throw ctx.invalidId('id', id);
    ctx.find(ctx.state.securityGroups, sg.id, 'id');
    const jobid = ctx.submit({
      cmd,
      instanceType: 'SecurityGroup',
      instanceId: sg.id,
      durationMs: ctx.sim.settings.jobMs.short,
      finish: () => {
        if (direction === 'ingress') sg.ingress = sg.ingress.filter((r) => r.ruleid !== id);
        else sg.egress = sg.egress.filter((r) => r.ruleid !== id);
        dropTags(ctx.state, id);
        return { success: true };
      },
    });
    return asyncAnswer(jobid);
  };
}

export const securityGroupCommands: Commands = {
  listSecurityGroups: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('securitygroupname');
      const vmId = ctx.p.str('virtualmachineid');
      const vm = vmId ? ctx.find(ctx.state.vms, vmId, 'virtualmachineid') : undefined;
      const groups = [...ctx.state.securityGroups.values()].filter(
        (g) => ctx.inScope(g.accountId) && match(g.id) && (!name || g.name === name) && (!vm || vm.securityGroupIds.includes(g.id)),
      );
      return ctx.list('securitygroup', groups.map((g) => groupView(ctx, g)));
    },
  },

  createSecurityGroup: {
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const owner = ctx.owner();
      if ([...ctx.state.securityGroups.values()].some((g) => g.accountId === owner.id && g.name.toLowerCase() === name.toLowerCase())) {
        throw paramError(`Unable to create security group, a group with name ${name} already exists.`);
      }
      const sg: SecurityGroup = { id: uuid(), name, description: ctx.p.str('description') ?? '', accountId: owner.id, ingress: [], egress: [], created: ctx.sim.clock.now() };
      ctx.state.securityGroups.set(sg.id, sg);
      return { securitygroup: groupView(ctx, sg) };
    },
  },

  updateSecurityGroup: {
    // Root admin only on a real server: others get 401 "…does not exist or it is not available for user".
    admin: true,
    handler: (ctx) => {
      const sg = ctx.find(ctx.state.securityGroups, ctx.p.required('id'), 'id');
      const name = ctx.p.str('name');
      if (name && name !== sg.name) {
        if (sg.name === 'default') throw paramError("The default security group can't be renamed");
        if (name.toLowerCase() === 'default') throw paramError('The security group name default is reserved');
        if ([...ctx.state.securityGroups.values()].some((g) => g.accountId === sg.accountId && g.name.toLowerCase() === name.toLowerCase())) {
          throw paramError(`Unable to rename security group, a group with name ${name} already exists.`);
        }
        sg.name = name;
      }
      return { securitygroup: groupView(ctx, sg) };
    },
  },

  deleteSecurityGroup: {
    handler: (ctx) => {
      const sg = groupByIdOrName(ctx, 'id', 'name');
      if (sg.name.toLowerCase() === 'default') throw paramError('The network group default is reserved');
      if ([...ctx.state.vms.values()].some((vm) => vm.securityGroupIds.includes(sg.id))) throw inUse("Cannot delete group when it's in use by virtual machines");
      ctx.state.securityGroups.delete(sg.id);
      dropTags(ctx.state, sg.id);
      return { success: true };
    },
  },

  authorizeSecurityGroupIngress: { handler: authorize('ingress', 'org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupIngressCmd') },
  authorizeSecurityGroupEgress: { handler: authorize('egress', 'org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupEgressCmd') },
  revokeSecurityGroupIngress: { handler: revoke('ingress', 'org.apache.cloudstack.api.command.user.securitygroup.RevokeSecurityGroupIngressCmd') },
  revokeSecurityGroupEgress: { handler: revoke('egress', 'org.apache.cloudstack.api.command.user.securitygroup.RevokeSecurityGroupEgressCmd') },
};
