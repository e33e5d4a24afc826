import {
  anywhere,
  contains,
  firstHost,
  gatewayProblem,
  isIpAddress,
  overlap,
  parseCidr,
  rangeProblem,
  sameAddress,
  sameRange,
} from '../../src/graph/network/addressing';

describe('parseCidr', () => {
  it('normalises a range to its network address', () => {
    expect(parseCidr('10.0.1.7/24')?.cidr).toBe('10.0.1.0/24');
    expect(parseCidr(' 192.168.0.0/16 ')?.cidr).toBe('192.168.0.0/16');
    expect(parseCidr('2001:db8::17/64')).toMatchObject({ cidr: '2001:db8::/64', kind: 'ipv6', prefix: 64 });
    expect(parseCidr('0.0.0.0/0')?.cidr).toBe('0.0.0.0/0');
  });

  it('refuses what is not a CIDR', () => {
    for (const text of ['10.0.1.0', '10.0.1.0/33', '10.0.1/24', '10.0.1.0/2a', '010.0.1.0/24', 'ten/8', '', '2001:db8::/129']) {
      expect(parseCidr(text)).toBeNull();
    }
  });
});

describe('rangeProblem', () => {
  it('takes ranges able to hold hosts and says why others are refused', () => {
    expect(rangeProblem('10.0.0.0/16')).toBeNull();
    expect(rangeProblem('10.0.0.0/29')).toBeNull();
    expect(rangeProblem('10.0.0.0/30')).toBe('must be between /8 and /29');
    expect(rangeProblem('10.0.0.0/7')).toBe('must be between /8 and /29');
    expect(rangeProblem('2001:db8::/64')).toBeNull();
    expect(rangeProblem('2001:db8::/127')).toBe('must be between /48 and /126');
    expect(rangeProblem('nonsense')).toMatch(/CIDR/);
  });
});

describe('contains and overlap', () => {
  it('tells a range inside another from one beside it', () => {
    expect(contains('10.0.0.0/16', '10.0.1.0/24')).toBe(true);
    expect(contains('10.0.0.0/16', '10.0.0.0/16')).toBe(true);
    expect(contains('10.0.1.0/24', '10.0.0.0/16')).toBe(false);
    expect(contains('10.0.0.0/16', '10.1.0.0/24')).toBe(false);
    expect(contains('10.0.0.0/16', '2001:db8::/64')).toBe(false);
  });

  it('finds overlaps in either order, and none between families or neighbours', () => {
    expect(overlap('10.0.0.0/16', '10.0.5.0/24')).toBe(true);
    expect(overlap('10.0.5.0/24', '10.0.0.0/16')).toBe(true);
    expect(overlap('10.0.1.0/24', '10.0.2.0/24')).toBe(false);
    expect(overlap('10.0.1.0/25', '10.0.1.128/25')).toBe(false);
    expect(overlap('10.0.0.0/8', '2001:db8::/64')).toBe(false);
  });
});

describe('gateways', () => {
  it('wants a host address of the subnet', () => {
    expect(gatewayProblem('10.0.1.0/24', '10.0.1.1')).toBeNull();
    expect(gatewayProblem('10.0.1.0/24', '10.0.1.254')).toBeNull();
    expect(gatewayProblem('10.0.1.0/24', '10.0.1.0')).toBe('must not be the network address');
    expect(gatewayProblem('10.0.1.0/24', '10.0.1.255')).toBe('must not be the broadcast address');
    expect(gatewayProblem('10.0.1.0/24', '10.0.2.1')).toBe('must be inside 10.0.1.0/24');
    expect(gatewayProblem('10.0.1.0/24', '10.0.1.300')).toBe('must be an IP address');
    expect(gatewayProblem('10.0.1.0/24', '2001:db8::1')).not.toBeNull();
  });

  it('defaults to the first host, carrying across octets', () => {
    expect(firstHost('10.0.1.0/24')).toBe('10.0.1.1');
    expect(firstHost('10.0.1.7/24')).toBe('10.0.1.1');
    expect(firstHost('2001:db8::/64')).toBe('2001:db8::1');
  });
});

describe('sameAddress and sameRange', () => {
  it('compares addresses however they are written', () => {
    expect(sameAddress('10.0.1.1', '10.0.1.1')).toBe(true);
    expect(sameAddress('2001:db8:0:0::1', '2001:db8::1')).toBe(true);
    expect(sameAddress('10.0.1.1', '10.0.1.2')).toBe(false);
    expect(sameAddress('10.0.1.1', 'not an address')).toBe(false);
    expect(sameAddress('0.0.0.0', '::')).toBe(false);
  });

  it('compares ranges by network and prefix', () => {
    expect(sameRange('10.0.1.7/24', '10.0.1.0/24')).toBe(true);
    expect(sameRange('2001:db8:0::/64', '2001:db8::5/64')).toBe(true);
    expect(sameRange('10.0.1.0/24', '10.0.1.0/25')).toBe(false);
    expect(sameRange('10.0.1.0/24', 'junk')).toBe(false);
    expect(sameRange(anywhere('ipv4'), '0.0.0.0/0')).toBe(true);
    expect(sameRange(anywhere('ipv6'), '::/0')).toBe(true);
  });

  it('knows an IP address from a CIDR or a loose number', () => {
    expect(isIpAddress('8.8.8.8')).toBe(true);
    expect(isIpAddress('2001:4860:4860::8888')).toBe(true);
    expect(isIpAddress('8.8.8.8/32')).toBe(false);
    expect(isIpAddress('134744072')).toBe(false);
  });
});
