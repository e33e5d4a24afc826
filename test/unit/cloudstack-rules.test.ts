import { CloudError, type SecurityGroupRuleSpec } from '../../src/clouds/driver';
import { ruleSpec } from '../support/rules';
import { ruleProblem, rulesFromAclItem, rulesOfAclList, ruleToAclItem } from '../../src/clouds/cloudstack/rules';
import type { CsAclItem } from '../../src/clouds/cloudstack/wire';

/**
 * A listNetworkACLs answer as a 4.18 management server writes it (ids shortened): ports are
 * strings (NetworkACLItemResponse), ICMP type/code numbers, `cidrlist` comma-separated.
 */
const listed: { listnetworkaclsresponse: { count: number; networkacl: CsAclItem[] } } = {
  listnetworkaclsresponse: {
    count: 11,
    networkacl: [
      { id: 'a-ssh', aclid: 'web', aclname: 'web', protocol: 'tcp', startport: '22', endport: '22', cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Allow', number: 1, state: 'Active', fordisplay: true, tags: [] },
      { id: 'a-range', aclid: 'web', protocol: 'tcp', startport: '8000', endport: '8080', cidrlist: '10.0.0.0/8', traffictype: 'Ingress', action: 'Allow', number: 2, state: 'Active' },
      { id: 'a-icmp-any', aclid: 'web', protocol: 'icmp', icmptype: -1, icmpcode: -1, cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Allow', number: 3, state: 'Active' },
      { id: 'a-ping', aclid: 'web', protocol: 'icmp', icmptype: 8, icmpcode: 0, cidrlist: '192.168.0.0/16', traffictype: 'Ingress', action: 'Allow', number: 4, state: 'Active' },
      { id: 'a-dns6', aclid: 'web', protocol: 'udp', startport: '53', endport: '53', cidrlist: '::/0', traffictype: 'Ingress', action: 'Allow', number: 5, state: 'Active' },
      { id: 'a-two', aclid: 'web', protocol: 'tcp', startport: '443', endport: '443', cidrlist: '10.1.0.0/16,10.2.0.0/16', traffictype: 'Ingress', action: 'Allow', number: 6, state: 'Active' },
      { id: 'a-gre', aclid: 'web', protocol: '47', cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Allow', number: 7, state: 'Active' },
      { id: 'a-deny', aclid: 'web', protocol: 'tcp', startport: '23', endport: '23', cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Deny', number: 8, state: 'Active' },
      { id: 'e-https', aclid: 'web', protocol: 'tcp', startport: '443', endport: '443', cidrlist: '0.0.0.0/0', traffictype: 'Egress', action: 'Allow', number: 9, state: 'Active' },
      { id: 'e-all', aclid: 'web', protocol: 'all', cidrlist: '0.0.0.0/0', traffictype: 'Egress', action: 'Allow', number: 10, state: 'Active' },
      // An item of another list (the built-in default_allow), listed alongside.
      { id: 'b-all', aclid: 'builtin-allow', aclname: 'default_allow', protocol: 'all', cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Allow', number: 1, state: 'Active' },
    ] as CsAclItem[],
  },
};

const items = listed.listnetworkaclsresponse.networkacl;

describe('security group rules, CloudStack ACL items → unified', () => {
  const rules = rulesOfAclList('web', items);
  const byId = (id: string) => rules.filter((r) => r.id === id);

  it('takes the direction from traffictype and keeps only the list’s own items, in number order', () => {
    expect(rules.filter((r) => r.direction === 'INGRESS').map((r) => r.id)).toEqual(['a-ssh', 'a-range', 'a-icmp-any', 'a-ping', 'a-dns6', 'a-two', 'a-two']);
    expect(rules.filter((r) => r.direction === 'EGRESS').map((r) => r.id)).toEqual(['e-https', 'e-all']);
    expect(rules.map((r) => r.id)).not.toContain('b-all');
  });

  it('maps string ports, ICMP type/code with -1 as null, protocols and CIDRs', () => {
    expect(byId('a-ssh')).toEqual([{ id: 'a-ssh', direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' }]);
    expect(byId('a-range')[0]).toMatchObject({ protocol: 'TCP', portMin: 8000, portMax: 8080, cidr: '10.0.0.0/8' });
    expect(byId('a-icmp-any')[0]).toMatchObject({ protocol: 'ICMP', portMin: null, portMax: null });
    expect(byId('a-ping')[0]).toMatchObject({ protocol: 'ICMP', portMin: 8, portMax: 0, cidr: '192.168.0.0/16' });
    expect(byId('a-dns6')[0]).toMatchObject({ protocol: 'UDP', portMin: 53, portMax: 53, cidr: '::/0', ethertype: 'IPv6' });
    expect(byId('e-all')[0]).toMatchObject({ direction: 'EGRESS', protocol: 'ANY', portMin: null, portMax: null });
  });

  it('gives one rule per CIDR of a cidrlist, sharing the item id', () => {
    expect(byId('a-two').map((r) => r.cidr)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
  });

  it('leaves out Deny items and protocols the model cannot express instead of widening them', () => {
    expect(byId('a-gre')).toEqual([]);
    expect(byId('a-deny')).toEqual([]);
    expect(rulesFromAclItem({ id: 'x', protocol: '6', startport: 80, endport: 80, cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Allow' })[0]).toMatchObject({ protocol: 'TCP', portMin: 80 });
  });

  it('reads an empty list (a new default group) as having no rules', () => {
    expect(rulesOfAclList('default', items)).toEqual([]);
  });
});

describe('security group rules, unified → createNetworkACL', () => {
  const spec = ruleSpec;

  it('writes an Allow item with traffictype from the direction, ports and cidrlist', () => {
    expect(ruleToAclItem(spec({}), 'acl1', 'dc')).toEqual({ aclid: 'acl1', protocol: 'tcp', startport: '22', endport: '22', cidrlist: '0.0.0.0/0', traffictype: 'Ingress', action: 'Allow' });
    expect(ruleToAclItem(spec({ direction: 'EGRESS', protocol: 'UDP', portMin: 1000, portMax: 2000, cidr: '10.1.0.0/16' }), 'acl1', 'dc')).toEqual({
      aclid: 'acl1',
      protocol: 'udp',
      startport: '1000',
      endport: '2000',
      cidrlist: '10.1.0.0/16',
      traffictype: 'Egress',
      action: 'Allow',
    });
  });

  it('writes any port as 1-65535, any ICMP as -1, ANY as all, a missing CIDR as anywhere', () => {
    expect(ruleToAclItem(spec({ portMin: null, portMax: null }), 'acl', 'dc')).toMatchObject({ startport: '1', endport: '65535' });
    expect(ruleToAclItem(spec({ protocol: 'ICMP', portMin: null, portMax: null }), 'acl', 'dc')).toEqual({
      aclid: 'acl',
      protocol: 'icmp',
      icmptype: '-1',
      icmpcode: '-1',
      cidrlist: '0.0.0.0/0',
      traffictype: 'Ingress',
      action: 'Allow',
    });
    expect(ruleToAclItem(spec({ protocol: 'ANY', portMin: null, portMax: null, cidr: null, ethertype: 'IPv6' }), 'acl', 'dc')).toEqual({
      aclid: 'acl',
      protocol: 'all',
      cidrlist: '::/0',
      traffictype: 'Ingress',
      action: 'Allow',
    });
  });

  it('round-trips: what is written reads back as the same rule', () => {
    const specs: SecurityGroupRuleSpec[] = [
      spec({}),
      spec({ direction: 'EGRESS', protocol: 'TCP', portMin: 443, portMax: 443 }),
      spec({ protocol: 'ICMP', portMin: 8, portMax: 0 }),
      spec({ protocol: 'ANY', portMin: null, portMax: null, direction: 'EGRESS' }),
      spec({ protocol: 'UDP', portMin: 53, portMax: 53, cidr: '::/0', ethertype: 'IPv6' }),
    ];
    for (const s of specs) {
      const params = ruleToAclItem(s, 'acl', 'dc');
      // What the server stores from those parameters, as listNetworkACLs shows it (ports as strings).
      const stored: CsAclItem = {
        id: 'new',
        aclid: 'acl',
        protocol: params.protocol,
        startport: params.startport,
        endport: params.endport,
        icmptype: params.icmptype !== undefined ? Number(params.icmptype) : undefined,
        icmpcode: params.icmpcode !== undefined ? Number(params.icmpcode) : undefined,
        cidrlist: params.cidrlist,
        traffictype: params.traffictype,
        action: params.action,
        number: 1,
        state: 'Active',
      };
      expect(rulesFromAclItem(stored)).toEqual([{ id: 'new', ...s }]);
    }
  });

  it('refuses impossible rules, and remote groups, before any call', () => {
    expect(ruleProblem(spec({ portMin: 90, portMax: 80 }))).toEqual({ field: 'portMax', message: 'must not be below portMin' });
    expect(ruleProblem(spec({ portMin: 70000 }))?.field).toBe('portMin');
    expect(ruleProblem(spec({ protocol: 'ANY', portMin: 22 }))?.field).toBe('portMin');
    expect(ruleProblem(spec({ protocol: 'ICMP', portMin: 300, portMax: null }))?.field).toBe('portMin');
    expect(ruleProblem(spec({ cidr: null, remoteGroupId: 'g' }))?.field).toBe('remoteGroupId');
    expect(() => ruleToAclItem(spec({ portMin: -1 }), 'acl', 'dc')).toThrow(CloudError);
    expect(() => ruleToAclItem(spec({ remoteGroupId: 'g' }), 'acl', 'dc')).toThrow(/remoteGroupId/);
  });
});
