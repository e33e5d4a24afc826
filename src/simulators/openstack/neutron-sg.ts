import { isoNow, json, neutronError, noContent, route, str, wrapped, type Route } from './http';
import { parseCidr } from './ip';
import { NETWORK_BASE, addRule, listResponse, notFound, overQuota, owns, ruleView, securityGroupView } from './neutron-core';
import { uuid, type OpenStackState, type SecurityGroup, type SecurityGroupRule } from './state';

/*
 * Security groups and their rules, validated the way Neutron validates them: protocol names or
 * numbers, port ranges only with a protocol, ICMP type/code, prefix family matching the
 * ethertype, remote group xor prefix, no duplicates.
 */

const PROTOCOLS: Record<string, number> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ipip: 4, ipv6_encap: 41, ipv6_frag: 44,
  ipv6_icmp: 58, 'ipv6-icmp': 58, icmpv6: 58, ipv6_nonxt: 59, ipv6_opts: 60, ipv6_route: 43, ospf: 89, pgm: 113,
  rsvp: 46, sctp: 132, tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};

export function securityGroupRoutes(state: OpenStackState): Route[] {
  const r = (method: string, path: string, op: string, handle: Route['handle']) => route('neutron', method, `${NETWORK_BASE}${path}`, op, handle);
  const count = <T extends { projectId: string }>(items: Iterable<T>, projectId: string) => [...items].filter((x) => x.projectId === projectId).length;
  const ownedGroup = (ctx: Parameters<Route['handle']>[1], id: string) => {
    const g = state.securityGroups.get(id);
    return g && owns(ctx, g.projectId) ? g : undefined;
  };

  return [
    r('GET', '/security-groups', 'neutron.security_groups.list', (req, ctx) =>
      listResponse(
        state,
        req,
        'security_groups',
        [...state.securityGroups.values()].filter((g) => owns(ctx, g.projectId)).map((g) => securityGroupView(state, g)),
      ),
    ),
    r('GET', '/security-groups/:id', 'neutron.security_groups.show', (_req, ctx, { id }) => {
      const g = ownedGroup(ctx, id);
      return g ? json(200, { security_group: securityGroupView(state, g) }) : notFound('SecurityGroup', id);
    }),
    r('POST', '/security-groups', 'neutron.security_groups.create', (req, ctx) => {
      const body = wrapped(req, 'security_group');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      const name = str(body.name) ?? '';
      const projectId = (ctx.isAdmin && str(body.project_id)) || ctx.projectId;
      if (name === 'default') return neutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
      if (count(state.securityGroups.values(), projectId) >= state.quotas(projectId).securityGroups) return overQuota('security_group');
      const now = isoNow();
      const group: SecurityGroup = {
        id: uuid(),
        name,
        projectId,
        description: str(body.description) ?? '',
        stateful: body.stateful !== false,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      };
      state.securityGroups.set(group.id, group);
      addRule(state, group, { direction: 'egress', ethertype: 'IPv4' });
      addRule(state, group, { direction: 'egress', ethertype: 'IPv6' });
      return json(201, { security_group: securityGroupView(state, group) });
    }),
    r('PUT', '/security-groups/:id', 'neutron.security_groups.update', (req, ctx, { id }) => {
      const g = ownedGroup(ctx, id);
      if (!g) return notFound('SecurityGroup', id);
      const body = wrapped(req, 'security_group');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      if (typeof body.name === 'string' && body.name !== g.name) {
        if (g.name === 'default') return neutronError(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
        if (body.name === 'default') return neutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
        g.name = body.name;
      }
      if ('description' in body) g.description = str(body.description) ?? '';
      g.revision++;
      g.updatedAt = isoNow();
      return json(200, { security_group: securityGroupView(state, g) });
    }),
    r('DELETE', '/security-groups/:id', 'neutron.security_groups.delete', (_req, ctx, { id }) => {
      const g = ownedGroup(ctx, id);
      if (!g) return notFound('SecurityGroup', id);
      if (g.name === 'default' && !ctx.isAdmin) {
        return neutronError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
      }
      if ([...state.ports.values()].some((p) => p.securityGroups.includes(id))) {
        return neutronError(409, 'SecurityGroupInUse', `Security Group ${id} in use.`);
      }
      for (const rule of [...state.securityGroupRules.values()]) {
        if (rule.securityGroupId === id || rule.remoteGroupId === id) state.securityGroupRules.delete(rule.id);
      }
      state.securityGroups.delete(id);
      return noContent();
    }),

    r('GET', '/security-group-rules', 'neutron.security_group_rules.list', (req, ctx) =>
      listResponse(
        state,
        req,
        'security_group_rules',
        [...state.securityGroupRules.values()].filter((x) => owns(ctx, x.projectId)).map((x) => ruleView(state, x)),
      ),
    ),
    r('GET', '/security-group-rules/:id', 'neutron.security_group_rules.show', (_req, ctx, { id }) => {
      const rule = state.securityGroupRules.get(id);
      return rule && owns(ctx, rule.projectId) ? json(200, { security_group_rule: ruleView(state, rule) }) : notFound('SecurityGroupRule', id);
    }),
    r('POST', '/security-group-rules', 'neutron.security_group_rules.create', (req, ctx) => {
      const body = wrapped(req, 'security_group_rule');
      if (!body) return neutronError(400, 'HTTPBadRequest', 'Resource body required');
      const groupId = str(body.security_group_id);
      if (!groupId) return neutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'security_group_id' not specified");
      const group = ownedGroup(ctx, groupId);
      if (!group) return notFound('SecurityGroup', groupId);
      const parsed = parseRule(body);
      if ('error' in parsed) return parsed.error;
      if (parsed.remoteGroupId) {
        const remote = ownedGroup(ctx, parsed.remoteGroupId);
        if (!remote) return notFound('SecurityGroup', parsed.remoteGroupId);
      }
      const duplicate = [...state.securityGroupRules.values()].find((x) => x.securityGroupId === group.id && sameRule(x, parsed));
      if (duplicate) return neutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${duplicate.id}.`);
      if (count(state.securityGroupRules.values(), group.projectId) >= state.quotas(group.projectId).securityGroupRules) {
        return overQuota('security_group_rule');
      }
      const rule = addRule(state, group, { ...parsed, description: str(body.description) ?? '' });
      return json(201, { security_group_rule: ruleView(state, rule) });
    }),
    r('DELETE', '/security-group-rules/:id', 'neutron.security_group_rules.delete', (_req, ctx, { id }) => {
      const rule = state.securityGroupRules.get(id);
      if (!rule || !owns(ctx, rule.projectId)) return notFound('SecurityGroupRule', id);
      state.securityGroupRules.delete(id);
      return noContent();
    }),
  ];
}

type ParsedRule = Pick<SecurityGroupRule, 'direction' | 'ethertype' | 'protocol' | 'portRangeMin' | 'portRangeMax' | 'remoteIpPrefix' | 'remoteGroupId'>;

function parseRule(body: Record<string, unknown>): ParsedRule | { error: ReturnType<typeof neutronError> } {
  const bad = (type: string, message: string) => ({ error: neutronError(400, type, message) });
  const direction = body.direction;
  if (direction !== 'ingress' && direction !== 'egress') {
    return bad('HTTPBadRequest', `Invalid input for direction. Reason: '${String(direction)}' is not in ['ingress', 'egress'].`);
  }
  const ethertype = body.ethertype ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') {
    return bad('HTTPBadRequest', `Invalid input for ethertype. Reason: '${String(ethertype)}' is not in ['IPv4', 'IPv6'].`);
  }
  let protocol: string | null = null;
  if (body.protocol !== null && body.protocol !== undefined && body.protocol !== '' && body.protocol !== 'any') {
    const raw = String(body.protocol).toLowerCase();
    const known = raw in PROTOCOLS || (/^\d+$/.test(raw) && Number(raw) <= 255);
    if (!known) {
      return bad(
        'SecurityGroupRuleInvalidProtocol',
        `Security group rule protocol ${raw} not supported. Only protocol values [None, ${Object.keys(PROTOCOLS).map((p) => `'${p}'`).join(', ')}] and integer representations [0 to 255] are supported.`,
      );
    }
    protocol = raw;
  }
  const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
  const min = num(body.port_range_min);
  const max = num(body.port_range_max);
  if ((min !== null && !Number.isInteger(min)) || (max !== null && !Number.isInteger(max))) {
    return bad('SecurityGroupInvalidPortValue', `Invalid value for port ${String(body.port_range_min ?? body.port_range_max)}`);
  }
  const number = protocol === null ? null : PROTOCOLS[protocol] ?? Number(protocol);
  if ((min !== null || max !== null) && protocol === null) {
    return bad('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  }
  if (number === 6 || number === 17 || number === 132 || number === 33 || number === 136) {
    if (min !== null && (min < 1 || min > 65535)) return bad('SecurityGroupInvalidPortValue', `Invalid value for port ${min}`);
    if (max !== null && (max < 1 || max > 65535)) return bad('SecurityGroupInvalidPortValue', `Invalid value for port ${max}`);
    if (min !== null && max !== null && min > max) {
      return bad('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
    }
  } else if (number === 1 || number === 58) {
    if (min === null && max !== null) return bad('SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`);
    for (const [field, v] of [['type', min], ['code', max]] as const) {
      if (v !== null && (v < 0 || v > 255)) return bad('SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (port-range-${field === 'type' ? 'min' : 'max'}): ${v}. It must be 0 to 255.`);
    }
  } else if (min !== null || max !== null) {
    return bad('SecurityGroupInvalidProtocolForPort', `Invalid protocol ${protocol} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`);
  }
  const prefix = str(body.remote_ip_prefix) ?? null;
  const remoteGroupId = str(body.remote_group_id) ?? null;
  if (prefix && remoteGroupId) return bad('SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
  if (prefix) {
    const cidr = parseCidr(prefix.includes('/') ? prefix : `${prefix}/${prefix.includes(':') ? 128 : 32}`);
    if (!cidr) return bad('HTTPBadRequest', `Invalid input for remote_ip_prefix. Reason: '${prefix}' is not a valid IP subnet.`);
    if ((cidr.version === 4) !== (ethertype === 'IPv4')) {
      return bad('SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${ethertype} for CIDR ${prefix}`);
    }
  }
  return { direction, ethertype, protocol, portRangeMin: min, portRangeMax: max, remoteIpPrefix: prefix, remoteGroupId };
}

function sameRule(a: SecurityGroupRule, b: ParsedRule): boolean {
  const norm = (p: string | null) => (p ? parseCidr(p.includes('/') ? p : `${p}/${p.includes(':') ? 128 : 32}`)?.text ?? p : null);
  const proto = (p: string | null) => (p === null ? null : String(PROTOCOLS[p] ?? p));
  return (
    a.direction === b.direction &&
    a.ethertype === b.ethertype &&
    proto(a.protocol) === proto(b.protocol) &&
    a.portRangeMin === b.portRangeMin &&
    a.portRangeMax === b.portRangeMax &&
    norm(a.remoteIpPrefix) === norm(b.remoteIpPrefix) &&
    a.remoteGroupId === b.remoteGroupId
  );
}

