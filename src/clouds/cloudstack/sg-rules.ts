import type { RuleDirection, SecurityGroupRule, SecurityGroupRuleSpec } from '../driver';
import { cidrOrAnywhere, ethertypeOf, PROTOCOL_FROM_WIRE, portProblem, portsFromWire, protocolAndPortsToWire, refuseProblem, type RuleProblem } from './rules';
import type { Params } from './signing';
import type { CsSecurityGroup, CsSgRule } from './wire';

/**
 * Rules of CloudStack's own security groups (SG-enabled zones; see zone-security-groups.ts)
 * ↔ the unified model. The direction comes from the array a rule is in (`ingressrule` /
 * `egressrule`), never from a port field (the old code wrote `endport` into the direction).
 * Ports: TCP/UDP `startport`/`endport` ↔ portMin/portMax; ICMP `icmptype`/`icmpcode` ↔
 * portMin/portMax with CloudStack's -1 ("any") ↔ null; `all` ↔ ANY. A rule naming a group
 * (`securitygroupname` + `account`, no `cidr`) maps to remoteGroupId. Protocols the unified
 * model cannot express (e.g. GRE as `47`) are left out, never widened to ANY. Protocols,
 * ports and validation are shared with the ACL path (rules.ts).
 */

/** Finds a group's id from the account and name a rule names; null when the caller cannot see it. */
export type GroupResolver = (account: string | undefined, name: string) => string | null;

/** Null for a protocol the unified model cannot express. */
export function ruleFromCloudStack(raw: CsSgRule, direction: RuleDirection, resolve: GroupResolver): SecurityGroupRule | null {
  const protocol = PROTOCOL_FROM_WIRE[(raw.protocol ?? '').toLowerCase()];
  if (!protocol) return null;
  const cidr = raw.cidr || null;
  return {
    id: raw.ruleid,
    direction,
    protocol,
    ...portsFromWire(protocol, raw),
    cidr,
    remoteGroupId: raw.securitygroupname ? resolve(raw.account, raw.securitygroupname) : null,
    ethertype: ethertypeOf(cidr),
  };
}

/** The unified rules of one group: its ingress rules, then its egress rules. */
export function rulesOfGroup(sg: CsSecurityGroup, resolve: GroupResolver): SecurityGroupRule[] {
  const map = (rules: CsSgRule[] | undefined, direction: RuleDirection) =>
    (rules ?? []).map((r) => ruleFromCloudStack(r, direction, resolve)).filter((r): r is SecurityGroupRule => r !== null);
  return [...map(sg.ingressrule, 'INGRESS'), ...map(sg.egressrule, 'EGRESS')];
}

/** A resolver over the groups one list call returned (the caller's own account). */
export function resolverOf(groups: CsSecurityGroup[]): GroupResolver {
  return (account, name) => groups.find((g) => g.name === name && (!account || !g.account || g.account === account))?.id ?? null;
}

/** What is wrong with a security group rule before any call; null when nothing. */
export function sgRuleProblem(spec: SecurityGroupRuleSpec): RuleProblem {
  if (spec.cidr && spec.remoteGroupId) return { field: 'cidr', message: 'give a CIDR or a remote group, not both' };
  return portProblem(spec);
}

export interface RuleRequest {
  command: 'authorizeSecurityGroupIngress' | 'authorizeSecurityGroupEgress';
  params: Params;
}

/**
 * The authorize call for a rule: by CIDR (`cidrlist`; a missing one is "anywhere" of the
 * rule's ethertype) or by the remote group's account and name (`usersecuritygrouplist`).
 */
export function ruleToCloudStack(spec: SecurityGroupRuleSpec, groupId: string, remote: { account: string; name: string } | null, datacenter: string): RuleRequest {
  refuseProblem(sgRuleProblem(spec), datacenter);
  const params: Params = { securitygroupid: groupId, ...protocolAndPortsToWire(spec) };
  if (remote) {
    params['usersecuritygrouplist[0].account'] = remote.account;
    params['usersecuritygrouplist[0].group'] = remote.name;
  } else {
    params.cidrlist = cidrOrAnywhere(spec);
  }
  return { command: spec.direction === 'INGRESS' ? 'authorizeSecurityGroupIngress' : 'authorizeSecurityGroupEgress', params };
}
