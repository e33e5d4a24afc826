import type { ListFilter, Operation, RuleProtocol, SecurityGroup, SecurityGroupRule, SecurityGroupRuleSpec } from '../driver';
import { badInput, notFound, nullIfEmpty, type Ctx } from './context';
import { neutronList, projectId } from './neutron';

/*
 * Neutron security groups in the unified rule model. Both directions of the mapping live here,
 * next to each other, because the old platform got them wrong: protocol null ⇄ ANY, ports ⇄
 * port_range_min/max (ICMP: type/code), remote_ip_prefix ⇄ cidr, remote_group_id ⇄
 * remoteGroupId, ethertype as is.
 */

export interface WireRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface WireSecurityGroup {
  id: string;
  name: string;
  description: string;
  security_group_rules: WireRule[];
}

const PROTOCOL_FROM_WIRE: Record<string, RuleProtocol> = {
  tcp: 'TCP',
  '6': 'TCP',
  udp: 'UDP',
  '17': 'UDP',
  icmp: 'ICMP',
  '1': 'ICMP',
  icmpv6: 'ICMP',
  'ipv6-icmp': 'ICMP',
  ipv6_icmp: 'ICMP',
  '58': 'ICMP',
  any: 'ANY',
};

/** Null for a protocol the unified model cannot say (gre, esp…): such rules are left out of the model. */
export function ruleFromWire(r: WireRule): SecurityGroupRule | null {
  const protocol = r.protocol === null || r.protocol === '' ? 'ANY' : PROTOCOL_FROM_WIRE[String(r.protocol).toLowerCase()];
  if (!protocol) return null;
  return {
    id: r.id,
    direction: r.direction === 'ingress' ? 'INGRESS' : 'EGRESS',
    protocol,
    portMin: r.port_range_min ?? null,
    portMax: r.port_range_max ?? null,
    cidr: r.remote_ip_prefix ?? null,
    remoteGroupId: r.remote_group_id ?? null,
    ethertype: r.ethertype,
  };
}

export function ruleToWire(groupId: string, spec: SecurityGroupRuleSpec): Record<string, unknown> {
  const protocol = { ANY: null, TCP: 'tcp', UDP: 'udp', ICMP: spec.ethertype === 'IPv6' ? 'ipv6-icmp' : 'icmp' }[spec.protocol];
  const body: Record<string, unknown> = {
    security_group_id: groupId,
    direction: spec.direction === 'INGRESS' ? 'ingress' : 'egress',
    ethertype: spec.ethertype,
    protocol,
    port_range_min: spec.portMin,
    port_range_max: spec.portMax,
  };
  if (spec.cidr) body.remote_ip_prefix = spec.cidr;
  if (spec.remoteGroupId) body.remote_group_id = spec.remoteGroupId;
  return body;
}

export function groupFromWire(ctx: Ctx, g: WireSecurityGroup): SecurityGroup {
  const rules: SecurityGroupRule[] = [];
  for (const wire of g.security_group_rules ?? []) {
    const rule = ruleFromWire(wire);
    if (rule) rules.push(rule);
    else ctx.log.debug({ datacenter: ctx.endpoint.name, rule: wire.id, protocol: wire.protocol }, 'security group rule with a protocol the model cannot express left out');
  }
  return { id: g.id, name: g.name, description: nullIfEmpty(g.description), isDefault: g.name === 'default', rules };
}

function validateRule(ctx: Ctx, spec: SecurityGroupRuleSpec): void {
  if (spec.cidr && spec.remoteGroupId) throw badInput(ctx, 'rule: give cidr or remoteGroupId, not both.');
  if (spec.protocol === 'ANY' && (spec.portMin !== null || spec.portMax !== null)) throw badInput(ctx, 'rule.portMin: ports need a protocol (TCP, UDP or ICMP).');
  if ((spec.protocol === 'TCP' || spec.protocol === 'UDP') && spec.portMin !== null && spec.portMax !== null && spec.portMin > spec.portMax) {
    throw badInput(ctx, 'rule.portMax: must not be below portMin.');
  }
}

/** 1 call per 100 ids (+ pages); rules come embedded. */
export async function listSecurityGroups(ctx: Ctx, filter: ListFilter = {}): Promise<SecurityGroup[]> {
  if (filter.ids && !filter.ids.length) return [];
  const project = await projectId(ctx);
  const groups = await neutronList<WireSecurityGroup>(ctx, 'security_groups', 'neutron.security_groups.list', { project_id: project }, { key: 'id', values: filter.ids });
  return groups.map((g) => groupFromWire(ctx, g));
}

export async function createSecurityGroup(ctx: Ctx, spec: { name: string; description?: string | null }): Promise<SecurityGroup> {
  const { body } = await ctx.session.call<{ security_group: WireSecurityGroup }>('network', {
    operation: 'neutron.security_groups.create',
    method: 'POST',
    path: '/security-groups',
    body: { security_group: { name: spec.name, description: spec.description ?? '' } },
    what: `Creating security group "${spec.name}"`,
  });
  return groupFromWire(ctx, body.security_group);
}

export async function updateSecurityGroup(ctx: Ctx, id: string, changes: { name?: string; description?: string | null }): Promise<SecurityGroup> {
  const group: Record<string, unknown> = {};
  if (changes.name !== undefined) group.name = changes.name;
  if (changes.description !== undefined) group.description = changes.description ?? '';
  const { body } = await ctx.session.call<{ security_group: WireSecurityGroup }>('network', {
    operation: 'neutron.security_groups.update',
    method: 'PUT',
    path: `/security-groups/${encodeURIComponent(id)}`,
    body: { security_group: group },
    what: `Updating security group ${id}`,
  });
  return groupFromWire(ctx, body.security_group);
}

/** Neutron itself refuses the default group (409 SecurityGroupCannotRemoveDefault) and groups in use. */
export async function deleteSecurityGroup(ctx: Ctx, id: string): Promise<void> {
  await ctx.session.call('network', {
    operation: 'neutron.security_groups.delete',
    method: 'DELETE',
    path: `/security-groups/${encodeURIComponent(id)}`,
    what: `Deleting security group ${id}`,
  });
}

export async function addSecurityGroupRule(ctx: Ctx, groupId: string, spec: SecurityGroupRuleSpec): Promise<Operation<SecurityGroupRule>> {
  validateRule(ctx, spec);
  const { body } = await ctx.session.call<{ security_group_rule: WireRule }>('network', {
    operation: 'neutron.security_group_rules.create',
    method: 'POST',
    path: '/security-group-rules',
    body: { security_group_rule: ruleToWire(groupId, spec) },
    what: `Adding a rule to security group ${groupId}`,
  });
  const rule = ruleFromWire(body.security_group_rule);
  return { handle: { kind: 'done', resourceId: body.security_group_rule.id }, resource: rule };
}

/** Checks the rule belongs to the group before deleting it: 2 calls. */
export async function removeSecurityGroupRule(ctx: Ctx, groupId: string, ruleId: string): Promise<Operation<null>> {
  const what = `Removing rule ${ruleId} from security group ${groupId}`;
  const { body } = await ctx.session.call<{ security_group_rule: WireRule }>('network', {
    operation: 'neutron.security_group_rules.show',
    method: 'GET',
    path: `/security-group-rules/${encodeURIComponent(ruleId)}`,
    what,
  });
  if (body.security_group_rule.security_group_id !== groupId) throw notFound(ctx, `${what}: the rule is not in that group.`);
  await ctx.session.call('network', {
    operation: 'neutron.security_group_rules.delete',
    method: 'DELETE',
    path: `/security-group-rules/${encodeURIComponent(ruleId)}`,
    what,
  });
  return { handle: { kind: 'done', resourceId: ruleId }, resource: null };
}
