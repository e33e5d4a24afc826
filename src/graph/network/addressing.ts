import ipaddr from 'ipaddr.js';

/*
 * Address checks made before any cloud call (ipaddr.js does the arithmetic): a subnet must be
 * a real range inside its network, apart from its siblings, with a gateway that is one of its
 * host addresses. Each check answers a problem text, or null when the value is good.
 */

export interface ParsedCidr {
  /** Normalised: the network address and prefix, `10.0.1.0/24` for `10.0.1.7/24`. */
  cidr: string;
  kind: 'ipv4' | 'ipv6';
  network: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
}

export function parseCidr(text: string): ParsedCidr | null {
  const value = text.trim();
  if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(value) || !ipaddr.isValidCIDR(value)) return null;
  const [address, prefix] = ipaddr.parseCIDR(value);
  if (address.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(value.split('/')[0])) return null;
  const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(value) : networkOfV6(address as ipaddr.IPv6, prefix);
  return { cidr: `${network.toString()}/${prefix}`, kind: address.kind(), network, prefix };
}

function networkOfV6(address: ipaddr.IPv6, prefix: number): ipaddr.IPv6 {
  const bytes = address.toByteArray();
  for (let bit = prefix; bit < 128; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
}

/** A range able to hold hosts: IPv4 /8 to /29, IPv6 /48 to /126. */
export function rangeProblem(text: string): string | null {
  const parsed = parseCidr(text);
  if (!parsed) return 'must be a CIDR such as 10.0.1.0/24';
  if (parsed.kind === 'ipv4' && (parsed.prefix < 8 || parsed.prefix > 29)) return 'must be between /8 and /29';
  if (parsed.kind === 'ipv6' && (parsed.prefix < 48 || parsed.prefix > 126)) return 'must be between /48 and /126';
  return null;
}

export function contains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  return !!a && !!b && a.kind === b.kind && b.prefix >= a.prefix && b.network.match(a.network, a.prefix);
}

export function overlap(x: string, y: string): boolean {
  const a = parseCidr(x);
  const b = parseCidr(y);
  if (!a || !b || a.kind !== b.kind) return false;
  return a.prefix <= b.prefix ? b.network.match(a.network, a.prefix) : a.network.match(b.network, b.prefix);
}

/** The gateway must be a host of the subnet: inside it, neither its network nor (IPv4) its broadcast address. */
export function gatewayProblem(cidr: string, gateway: string): string | null {
  const range = parseCidr(cidr);
  if (!range) return null;
  if (!ipaddr.isValid(gateway) || (range.kind === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(gateway))) return 'must be an IP address';
  const address = ipaddr.parse(gateway);
  if (address.kind() !== range.kind || !address.match(range.network, range.prefix)) return `must be inside ${range.cidr}`;
  if (address.toString() === range.network.toString()) return 'must not be the network address';
  if (range.kind === 'ipv4' && address.toString() === ipaddr.IPv4.broadcastAddressFromCIDR(range.cidr).toString()) {
    return 'must not be the broadcast address';
  }
  return null;
}

export function isIpAddress(text: string): boolean {
  return ipaddr.isValid(text) && (!/^[\d.]+$/.test(text) || ipaddr.IPv4.isValidFourPartDecimal(text));
}

/** The first host address of a range: the default gateway. */
export function firstHost(cidr: string): string {
  const range = parseCidr(cidr)!;
  const bytes = range.network.toByteArray();
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i] + 1) & 0xff;
    if (bytes[i] !== 0) break;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The same address however it is written (`fe80::1` and `fe80:0:0::1`); false when either is not an address. */
export function sameAddress(a: string, b: string): boolean {
  if (!isIpAddress(a) || !isIpAddress(b)) return false;
  const x = ipaddr.parse(a);
  const y = ipaddr.parse(b);
  return x.kind() === y.kind() && x.toNormalizedString() === y.toNormalizedString();
}

/** The same range however it is written (`10.0.1.7/24` is `10.0.1.0/24`); false when either is not a CIDR. */
export function sameRange(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && x.kind === y.kind && x.prefix === y.prefix && x.network.toNormalizedString() === y.network.toNormalizedString();
}

/** Every address of a family: what a rule without a narrower range admits. */
export function anywhere(kind: ParsedCidr['kind']): string {
  return kind === 'ipv4' ? '0.0.0.0/0' : '::/0';
}
