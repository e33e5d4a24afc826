import type { SecurityGroupRuleSpec } from '../../src/clouds/driver';

/** A rule spec: SSH in from anywhere, unless told otherwise. */
export function ruleSpec(over: Partial<SecurityGroupRuleSpec> = {}): SecurityGroupRuleSpec {
  return { direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4', ...over };
}
