import { CloudError, type SecurityGroupRuleSpec } from '../../src/clouds/driver';
import { ruleSpec } from '../support/rules';
import { ruleProblem as aclRuleProblem } from '../../src/clouds/cloudstack/rules';
import { resolverOf, ruleFromCloudStack, rulesOfGroup, ruleToCloudStack, sgRuleProblem as ruleProblem } from '../../src/clouds/cloudstack/sg-rules';
import type { CsSecurityGroup } from '../../src/clouds/cloudstack/wire';

/** A listSecurityGroups answer as a 4.18 management server writes it (ids shortened). */
const listed: { listsecuritygroupsresponse: { count: number; securitygroup: CsSecurityGroup[] } } = {
  listsecuritygroupsresponse: {
    count: 2,
    securitygroup: [
      {
        id: '0b5e2f6a-default',
        name: 'default',
        description: 'Default Security Group',
        account: 'ct_1001',
        ingressrule: [],
        egressrule: [],
      },
      {
        id: '7c1d9e40-web',
        name: 'web',
        description: 'web servers',
        account: 'ct_1001',
        ingressrule: [
          { ruleid: 'r-ssh', protocol: 'tcp', startport: 22, endport: 22, cidr: '0.0.0.0/0' },
          { ruleid: 'r-range', protocol: 'tcp', startport: 8000, endport: 8080, cidr: '10.0.0.0/8' },
          { ruleid: 'r-icmp-any', protocol: 'icmp', icmptype: -1, icmpcode: -1, cidr: '0.0.0.0/0' },
          { ruleid: 'r-ping', protocol: 'icmp', icmptype: 8, icmpcode: 0, cidr: '0.0.0.0/0' },
          { ruleid: 'r-db', protocol: 'tcp', startport: 3306, endport: 3306, securitygroupname: 'default', account: 'ct_1001' },
          { ruleid: 'r-dns6', protocol: 'udp', startport: 53, endport: 53, cidr: '::/0' },
          { ruleid: 'r-gre', protocol: '47', cidr: '0.0.0.0/0' },
        ],
        egressrule: [
          { ruleid: 'e-all', protocol: 'all', cidr: '0.0.0.0/0' },
          { ruleid: 'e-https', protocol: 'tcp', startport: 443, endport: 443, cidr: '0.0.0.0/0' },
          { ruleid: 'e-dns', protocol: 'udp', startport: 53, endport: 53, cidr: '10.0.0.2/32' },
          { ruleid: 'e-ntp6', protocol: 'udp', startport: 123, endport: 123, cidr: '2001:db8::/32' },
          { ruleid: 'e-sctp', protocol: '132', cidr: '0.0.0.0/0' },
        ],
      },
    ],
  },
};

const groups = listed.listsecuritygroupsresponse.securitygroup;
const web = groups[1];

describe('security group rules, CloudStack → unified', () => {
  const rules = rulesOfGroup(web, resolverOf(groups));
  const byId = (id: string) => rules.find((r) => r.id === id);

  it('takes the direction from the array, never from a port', () => {
    expect(rules.filter((r) => r.direction === 'INGRESS').map((r) => r.id)).toEqual(['r-ssh', 'r-range', 'r-icmp-any', 'r-ping', 'r-db', 'r-dns6']);
    expect(byId('e-https')).toMatchObject({ direction: 'EGRESS', portMin: 443, portMax: 443 });
    expect(rules.filter((r) => r.direction === 'EGRESS').map((r) => r.id)).toEqual(['e-all', 'e-https', 'e-dns', 'e-ntp6']);
    // The old code wrote endport into the direction: a port never leaks into it.
    for (const rule of rules) expect(['INGRESS', 'EGRESS']).toContain(rule.direction);
  });

  it('maps ports, ICMP type/code with -1 as null, protocols and CIDRs', () => {
    expect(byId('r-ssh')).toEqual({ id: 'r-ssh', direction: 'INGRESS', protocol: 'TCP', portMin: 22, portMax: 22, cidr: '0.0.0.0/0', remoteGroupId: null, ethertype: 'IPv4' });
    expect(byId('r-range')).toMatchObject({ protocol: 'TCP', portMin: 8000, portMax: 8080, cidr: '10.0.0.0/8' });
    expect(byId('r-icmp-any')).toMatchObject({ protocol: 'ICMP', portMin: null, portMax: null });
    expect(byId('r-ping')).toMatchObject({ protocol: 'ICMP', portMin: 8, portMax: 0 });
    expect(byId('r-dns6')).toMatchObject({ protocol: 'UDP', portMin: 53, portMax: 53, cidr: '::/0', ethertype: 'IPv6' });
    expect(byId('e-all')).toMatchObject({ direction: 'EGRESS', protocol: 'ANY', portMin: null, portMax: null });
    expect(byId('e-dns')).toEqual({ id: 'e-dns', direction: 'EGRESS', protocol: 'UDP', portMin: 53, portMax: 53, cidr: '10.0.0.2/32', remoteGroupId: null, ethertype: 'IPv4' });
    expect(byId('e-ntp6')).toMatchObject({ direction: 'EGRESS', protocol: 'UDP', portMin: 123, portMax: 123, cidr: '2001:db8::/32', ethertype: 'IPv6' });
  });

  it('turns a group reference into remoteGroupId with no CIDR', () => {
    expect(byId('r-db')).toMatchObject({ protocol: 'TCP', portMin: 3306, cidr: null, remoteGroupId: '0b5e2f6a-default' });
  });

  it('leaves out protocols the model cannot express instead of widening them to ANY', () => {
    expect(byId('r-gre')).toBeUndefined();
    expect(byId('e-sctp')).toBeUndefined();
    expect(rules).toHaveLength(10);
    expect(ruleFromCloudStack({ ruleid: 'x', protocol: '6', startport: 80, endport: 80, cidr: '0.0.0.0/0' }, 'INGRESS', () => null)).toMatchObject({ protocol: 'TCP' });
  });

  it('reads the default group as having no rules', () => {
    expect(rulesOfGroup(groups[0], resolverOf(groups))).toEqual([]);
  });
});

describe('security group rules, unified → CloudStack', () => {
  const spec = ruleSpec;

  it('authorizes ingress or egress by direction, with ports and cidrlist', () => {
    expect(ruleToCloudStack(spec({}), 'sg1', null, 'dc')).toEqual({
      command: 'authorizeSecurityGroupIngress',
      params: { securitygroupid: 'sg1', protocol: 'tcp', startport: '22', endport: '22', cidrlist: '0.0.0.0/0' },
    });
    expect(ruleToCloudStack(spec({ direction: 'EGRESS', protocol: 'UDP', portMin: 1000, portMax: 2000, cidr: '10.1.0.0/16' }), 'sg1', null, 'dc')).toEqual({
      command: 'authorizeSecurityGroupEgress',
      params: { securitygroupid: 'sg1', protocol: 'udp', startport: '1000', endport: '2000', cidrlist: '10.1.0.0/16' },
    });
  });

  it('writes any port as 1-65535, any ICMP as -1, ANY as all, a missing CIDR as anywhere', () => {
    expect(ruleToCloudStack(spec({ portMin: null, portMax: null }), 'sg', null, 'dc').params).toMatchObject({ startport: '1', endport: '65535' });
    expect(ruleToCloudStack(spec({ protocol: 'ICMP', portMin: null, portMax: null }), 'sg', null, 'dc').params).toEqual({
      securitygroupid: 'sg',
      protocol: 'icmp',
      icmptype: '-1',
      icmpcode: '-1',
      cidrlist: '0.0.0.0/0',
    });
    expect(ruleToCloudStack(spec({ protocol: 'ANY', portMin: null, portMax: null, cidr: null, ethertype: 'IPv6' }), 'sg', null, 'dc').params).toEqual({
      securitygroupid: 'sg',
      protocol: 'all',
      cidrlist: '::/0',
    });
  });

  it('names a remote group by account and name', () => {
    const request = ruleToCloudStack(spec({ cidr: null, remoteGroupId: '0b5e2f6a-default', portMin: 3306, portMax: 3306 }), 'sg', { account: 'ct_1001', name: 'default' }, 'dc');
    expect(request.params).toEqual({
      securitygroupid: 'sg',
      protocol: 'tcp',
      startport: '3306',
      endport: '3306',
      'usersecuritygrouplist[0].account': 'ct_1001',
      'usersecuritygrouplist[0].group': 'default',
    });
  });

  it('round-trips: what is written reads back as the same rule', () => {
    const specs: SecurityGroupRuleSpec[] = [
      spec({}),
      spec({ direction: 'EGRESS', protocol: 'TCP', portMin: 443, portMax: 443 }),
      spec({ protocol: 'ICMP', portMin: 8, portMax: 0 }),
      spec({ protocol: 'ANY', portMin: null, portMax: null, direction: 'EGRESS' }),
      spec({ protocol: 'UDP', portMin: 53, portMax: 53, cidr: '::/0', ethertype: 'IPv6' }),
      spec({ direction: 'EGRESS', protocol: 'UDP', portMin: 1000, portMax: 2000, cidr: '10.1.0.0/16' }),
      spec({ protocol: 'ICMP', portMin: null, portMax: null }),
    ];
    for (const s of specs) {
      const { command, params } = ruleToCloudStack(s, 'sg', null, 'dc');
      // What the server stores from those parameters, as listSecurityGroups shows it.
      const stored = {
        ruleid: 'new',
        protocol: params.protocol,
        startport: params.startport ? Number(params.startport) : undefined,
        endport: params.endport ? Number(params.endport) : undefined,
        icmptype: params.icmptype ? Number(params.icmptype) : undefined,
        icmpcode: params.icmpcode ? Number(params.icmpcode) : undefined,
        cidr: params.cidrlist,
      };
      const direction = command === 'authorizeSecurityGroupIngress' ? 'INGRESS' : 'EGRESS';
      expect(ruleFromCloudStack(stored, direction, () => null)).toEqual({ id: 'new', ...s });
    }
  });

  it('round-trips every rule of a realistic listed group through authorize and back', () => {
    const resolve = resolverOf(groups);
    const account = (id: string | null) => groups.find((g) => g.id === id);
    for (const rule of rulesOfGroup(web, resolve)) {
      const { id, ...ruleSpec } = rule;
      const remote = account(rule.remoteGroupId);
      const { command, params } = ruleToCloudStack(ruleSpec, web.id, remote ? { account: remote.account!, name: remote.name } : null, 'dc');
      expect(command).toBe(rule.direction === 'INGRESS' ? 'authorizeSecurityGroupIngress' : 'authorizeSecurityGroupEgress');
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      const stored = {
        ruleid: id,
        protocol: params.protocol,
        startport: num(params.startport),
        endport: num(params.endport),
        icmptype: num(params.icmptype),
        icmpcode: num(params.icmpcode),
        cidr: params.cidrlist,
        securitygroupname: params['usersecuritygrouplist[0].group'],
        account: params['usersecuritygrouplist[0].account'],
      };
      expect(ruleFromCloudStack(stored, rule.direction, resolve)).toEqual(rule);
    }
  });

  it('refuses impossible rules before any call', () => {
    expect(ruleProblem(spec({ portMin: 90, portMax: 80 }))).toEqual({ field: 'portMax', message: 'must not be below portMin' });
    expect(ruleProblem(spec({ portMin: 70000 }))?.field).toBe('portMin');
    expect(ruleProblem(spec({ protocol: 'ANY', portMin: 22 }))?.field).toBe('portMin');
    expect(ruleProblem(spec({ protocol: 'ICMP', portMin: 300, portMax: null }))?.field).toBe('portMin');
    expect(ruleProblem(spec({ remoteGroupId: 'g' }))?.field).toBe('cidr');
    expect(ruleProblem(spec({ cidr: null, remoteGroupId: 'g' }))).toBeNull();
    expect(() => ruleToCloudStack(spec({ portMin: -1 }), 'sg', null, 'dc')).toThrow('rule.portMin: must be a port number 0-65535');
  });

  it('shares port validation with the ACL path, which alone refuses remote groups', () => {
    for (const bad of [spec({ portMin: 90, portMax: 80 }), spec({ portMin: 70000 }), spec({ protocol: 'ANY', portMin: 22 }), spec({ protocol: 'ICMP', portMin: 300, portMax: null })]) {
      expect(aclRuleProblem(bad)).toEqual(ruleProblem(bad));
    }
    expect(aclRuleProblem(spec({ cidr: null, remoteGroupId: 'g' }))?.field).toBe('remoteGroupId');
    expect(() => ruleToCloudStack(spec({ portMin: -1 }), 'sg', null, 'dc')).toThrow(CloudError);
  });
});
