import { CloudError, type RuleDirection, type RuleProtocol, type SecurityGroupRule, type SecurityGroupRuleSpec } from '../driver';
import type { Params } from './signing';
import type { CsSecurityGroup, CsSgRule } from './wire';

/**
 * Security group rules, CloudStack ↔ unified model. The direction comes from the array a rule
 * is in (`ingressrule` / `egressrule`), never from a port field (the old code wrote `endport`
 * into the direction). Ports: TCP/UDP `startport`/`endport` ↔ portMin/portMax; ICMP
 * `icmptype`/`icmpcode` ↔ portMin/portMax with CloudStack's -1 ("any") ↔ null. A rule naming
 * a group (`securitygroupname` + `account`) has no CIDR and maps to remoteGroupId.
 */

const FROM_WIRE: Record<string, RuleProtocol> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', all: 'ANY', '6': 'TCP', '17': 'UDP', '1': 'ICMP' };
const TO_WIRE: Record<RuleProtocol, string> = { TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', ANY: 'all' };

/** Finds a group's id from the account and name a rule names; null when the caller cannot see it. */
export type GroupResolver = (account: string | undefined, name: string) => string | null;

const anyIsNull = (n: number | undefined) => (n === undefined || n === -1 ? null : n);

/** Null for protocols the unified model cannot express (e.g. GRE as `47`): they are left out, not widened to ANY. */
export function ruleFromCloudStack(raw: CsSgRule, direction: RuleDirection, resolve: GroupResolver): SecurityGroupRule | null {
  const protocol = FROM_WIRE[(raw.protocol ?? '').toLowerCase()];
  if (!protocol) return null;
  let portMin: number | null = null;
  let portMax: number | null = null;
  if (protocol === 'TCP' || protocol === 'UDP') {
    portMin = raw.startport ?? null;
    portMax = raw.endport ?? raw.startport ?? null;
  } else if (protocol === 'ICMP') {
    portMin = anyIsNull(raw.icmptype);
    portMax = anyIsNull(raw.icmpcode);
  }
  const cidr = raw.cidr ?? null;
  return {
    id: raw.ruleid,
    direction,
    protocol,
    portMin,
    portMax,
    cidr,
    remoteGroupId: raw.securitygroupname ? resolve(raw.account, raw.securitygroupname) : null,
    ethertype: cidr?.includes(':') ? 'IPv6' : 'IPv4',
  };
}

export function rulesOfGroup(sg: CsSecurityGroup, resolve: GroupResolver): SecurityGroupRule[] {
  const map = (rules: CsSgRule[] | undefined, direction: RuleDirection) =>
    (rules ?? []).map((r) => ruleFromCloudStack(r, direction, resolve)).filter((r): r is SecurityGroupRule => r !== null);
  return [...map(sg.ingressrule, 'INGRESS'), ...map(sg.egressrule, 'EGRESS')];
}

/** A resolver over the groups one list call returned (the caller's own account). */
export function resolverOf(groups: CsSecurityGroup[]): GroupResolver {
  return (account, name) => groups.find((g) => g.name === name && (!account || !g.account || g.account === account))?.id ?? null;
}

export interface RuleRequest {
  command: 'authorizeSecurityGroupIngress' | 'authorizeSecurityGroupEgress';
  params: Params;
}

/** What is wrong with a rule before any call is made; null when nothing. */
export function ruleProblem(spec: SecurityGroupRuleSpec): { field: string; message: string } | null {
  const { protocol, portMin, portMax } = spec;
  if (protocol === 'TCP' || protocol === 'UDP') {
    for (const [field, port] of [['portMin', portMin], ['portMax', portMax]] as const) {
      if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) return { field, message: 'must be a port number 0-65535' };
    }
    if (portMin !== null && portMax !== null && portMin > portMax) return { field: 'portMax', message: 'must not be below portMin' };
    if (portMin === null && portMax !== null) return { field: 'portMin', message: 'is required with portMax' };
  } else if (protocol === 'ICMP') {
    if (portMin !== null && (!Number.isInteger(portMin) || portMin < 0 || portMin > 255)) return { field: 'portMin', message: 'must be an ICMP type 0-255' };
    if (portMax !== null && (!Number.isInteger(portMax) || portMax < 0 || portMax > 255)) return { field: 'portMax', message: 'must be an ICMP code 0-255' };
  } else if (portMin !== null || portMax !== null) {
    return { field: 'portMin', message: 'ports apply to TCP, UDP and ICMP only' };
  }
  if (spec.cidr && spec.remoteGroupId) return { field: 'cidr', message: 'give a CIDR or a remote group, not both' };
  return null;
}

/**
 * The authorize call for a rule. Any TCP/UDP port is 1-65535 (CloudStack wants a range);
 * a missing CIDR is "anywhere" of the rule's ethertype.
 */
export function ruleToCloudStack(spec: SecurityGroupRuleSpec, groupId: string, remote: { account: string; name: string } | null, datacenter: string): RuleRequest {
  const problem = ruleProblem(spec);
  if (problem) throw new CloudError('BAD_USER_INPUT', `rule.${problem.field}: ${problem.message}`, {}, datacenter);
  const params: Params = { securitygroupid: groupId, protocol: TO_WIRE[spec.protocol] };
  if (spec.protocol === 'TCP' || spec.protocol === 'UDP') {
    params.startport = String(spec.portMin ?? 1);
    params.endport = String(spec.portMax ?? spec.portMin ?? 65535);
  } else if (spec.protocol === 'ICMP') {
    params.icmptype = String(spec.portMin ?? -1);
    params.icmpcode = String(spec.portMax ?? -1);
  }
  if (remote) {
    params['usersecuritygrouplist[0].account'] = remote.account;
    params['usersecuritygrouplist[0].group'] = remote.name;
  } else {
    params.cidrlist = spec.cidr ?? (spec.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0');
  }
  return { command: spec.direction === 'INGRESS' ? 'authorizeSecurityGroupIngress' : 'authorizeSecurityGroupEgress', params };
}
