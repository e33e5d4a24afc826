import { CloudError, type RuleDirection, type RuleProtocol, type SecurityGroupRule, type SecurityGroupRuleSpec } from '../driver';
import type { Params } from './signing';
import type { CsAclItem } from './wire';

/**
 * Security group rules ↔ network ACL items (CloudStack VPC tiers are filtered by ACL lists;
 * see security-groups.ts). Direction from `traffictype` (Ingress/Egress). Ports: TCP/UDP
 * `startport`/`endport` (strings on the wire) ↔ portMin/portMax; ICMP `icmptype`/`icmpcode`
 * ↔ portMin/portMax with -1 ("any") ↔ null. `cidrlist` (comma-separated) → one unified rule
 * per CIDR, all carrying the item's id (removing one removes the item). Items the unified
 * model cannot express are left out, never widened: `action` Deny (security groups only
 * allow) and protocols other than tcp/udp/icmp/all (e.g. GRE as `47`). ACL items never name
 * a group: remoteGroupId is always null, and asking for one is refused.
 */

/*
 * What both rule paths share (this file's ACL items and sg-rules.ts's security group rules):
 * protocols, the port/ICMP fields and the validation of a rule before any call.
 */

/** Wire protocol → unified; anything else (e.g. GRE as `47`) is left out, never widened to ANY. */
export const PROTOCOL_FROM_WIRE: Record<string, RuleProtocol> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', all: 'ANY', '6': 'TCP', '17': 'UDP', '1': 'ICMP' };
const TO_WIRE: Record<RuleProtocol, string> = { TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', ANY: 'all' };
const DIRECTION: Record<string, RuleDirection> = { ingress: 'INGRESS', egress: 'EGRESS' };

function int(v: string | number | undefined): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) ? n : null;
}

const anyIsNull = (n: number | null) => (n === null || n === -1 ? null : n);

/** The wire's port fields (strings on ACL items, numbers on SG rules) → portMin/portMax: TCP/UDP ports, ICMP type/code with -1 as null. */
export function portsFromWire(
  protocol: RuleProtocol,
  raw: { startport?: string | number; endport?: string | number; icmptype?: string | number; icmpcode?: string | number },
): { portMin: number | null; portMax: number | null } {
  if (protocol === 'TCP' || protocol === 'UDP') {
    const portMin = int(raw.startport);
    return { portMin, portMax: int(raw.endport) ?? portMin };
  }
  if (protocol === 'ICMP') return { portMin: anyIsNull(int(raw.icmptype)), portMax: anyIsNull(int(raw.icmpcode)) };
  return { portMin: null, portMax: null };
}

/** protocol + port/ICMP parameters of a create/authorize call: any TCP/UDP port is 1-65535 (CloudStack wants a range), any ICMP -1. */
export function protocolAndPortsToWire(spec: SecurityGroupRuleSpec): Params {
  const params: Params = { protocol: TO_WIRE[spec.protocol] };
  if (spec.protocol === 'TCP' || spec.protocol === 'UDP') {
    params.startport = String(spec.portMin ?? 1);
    params.endport = String(spec.portMax ?? spec.portMin ?? 65535);
  } else if (spec.protocol === 'ICMP') {
    params.icmptype = String(spec.portMin ?? -1);
    params.icmpcode = String(spec.portMax ?? -1);
  }
  return params;
}

/** A missing CIDR is "anywhere" of the rule's ethertype. */
export const cidrOrAnywhere = (spec: SecurityGroupRuleSpec): string => spec.cidr ?? (spec.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0');

export const ethertypeOf = (cidr: string | null): 'IPv4' | 'IPv6' => (cidr?.includes(':') ? 'IPv6' : 'IPv4');

export type RuleProblem = { field: string; message: string } | null;

/** What is wrong with a rule's protocol and ports, on either path; null when nothing. */
export function portProblem(spec: SecurityGroupRuleSpec): RuleProblem {
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
  return null;
}

/** Throws BAD_USER_INPUT naming `rule.<field>` for a problem. */
export function refuseProblem(problem: RuleProblem, datacenter: string): void {
  if (problem) throw new CloudError('BAD_USER_INPUT', `rule.${problem.field}: ${problem.message}`, {}, datacenter);
}

/** The unified rules of one ACL item: none for a Deny item or an unmappable protocol. */
export function rulesFromAclItem(raw: CsAclItem): SecurityGroupRule[] {
  if ((raw.action ?? 'Allow').toLowerCase() !== 'allow') return [];
  const protocol = PROTOCOL_FROM_WIRE[(raw.protocol ?? '').toLowerCase()];
  const direction = DIRECTION[(raw.traffictype ?? 'Ingress').toLowerCase()];
  if (!protocol || !direction) return [];
  const { portMin, portMax } = portsFromWire(protocol, raw);
  const cidrs = (raw.cidrlist ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  return (cidrs.length ? cidrs : [null]).map((cidr) => ({
    id: raw.id,
    direction,
    protocol,
    portMin,
    portMax,
    cidr,
    remoteGroupId: null,
    ethertype: ethertypeOf(cidr),
  }));
}

/** The rules of one ACL list, in the order of the items' `number`. */
export function rulesOfAclList(aclId: string, items: CsAclItem[]): SecurityGroupRule[] {
  return items
    .filter((i) => i.aclid === aclId)
    .sort((x, y) => (x.number ?? 0) - (y.number ?? 0))
    .flatMap(rulesFromAclItem);
}

/** What is wrong with an ACL rule before any call is made; null when nothing. ACL items never name a group. */
export function ruleProblem(spec: SecurityGroupRuleSpec): RuleProblem {
  if (spec.remoteGroupId) return { field: 'remoteGroupId', message: 'CloudStack network ACLs filter by CIDR only; a rule cannot name a security group' };
  return portProblem(spec);
}

/**
 * createNetworkACL parameters for a rule: an Allow item of the list. Any TCP/UDP port is
 * 1-65535 (CloudStack wants a range); a missing CIDR is "anywhere" of the rule's ethertype;
 * `number` is left to the server (the next free one).
 */
export function ruleToAclItem(spec: SecurityGroupRuleSpec, aclId: string, datacenter: string): Params {
  refuseProblem(ruleProblem(spec), datacenter);
  return {
    aclid: aclId,
    ...protocolAndPortsToWire(spec),
    cidrlist: cidrOrAnywhere(spec),
    traffictype: spec.direction === 'INGRESS' ? 'Ingress' : 'Egress',
    action: 'Allow',
  };
}
