import ipaddr from 'ipaddr.js';

/**
 * A VPC tier is created from `gateway` + `netmask`, not from a CIDR: these derive them from
 * the unified subnet's CIDR, and check before any call what the server would refuse.
 */

export interface TierAddressing {
  /** Normalised: the network address, e.g. `10.0.1.0/24` for `10.0.1.7/24`. */
  cidr: string;
  gateway: string;
  netmask: string;
  /** Usable host addresses: all but network, broadcast and the gateway. */
  hosts: number;
}

/** Null for anything but an IPv4 CIDR. */
export function parseCidr(text: string): [ipaddr.IPv4, number] | null {
  if (!ipaddr.IPv4.isValidCIDR(text)) return null;
  const [, prefix] = ipaddr.IPv4.parseCIDR(text);
  return [ipaddr.IPv4.networkAddressFromCIDR(text), prefix];
}

export function cidrContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  return Boolean(a && b && b[1] >= a[1] && b[0].match(a));
}

export function cidrsOverlap(x: string, y: string): boolean {
  const a = parseCidr(x);
  const b = parseCidr(y);
  if (!a || !b) return false;
  return a[1] <= b[1] ? b[0].match(a) : a[0].match(b);
}

/**
 * The tier parameters of a subnet CIDR; the gateway defaults to the first host address.
 * Returns a problem text instead when the CIDR or the gateway cannot make a tier.
 */
export function tierAddressing(cidrText: string, gatewayIp?: string | null): TierAddressing | { problem: string; field: 'cidr' | 'gatewayIp' } {
  const parsed = parseCidr(cidrText);
  if (!parsed) return { problem: 'must be an IPv4 CIDR such as 10.0.1.0/24', field: 'cidr' };
  const [network, prefix] = parsed;
  if (prefix > 29) return { problem: 'must leave room for hosts (a /29 or larger)', field: 'cidr' };
  const size = 2 ** (32 - prefix);
  const base = toInt(network);
  let gateway = gatewayIp ?? fromInt(base + 1);
  if (gatewayIp) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(gatewayIp)) return { problem: 'must be an IPv4 address', field: 'gatewayIp' };
    const g = toInt(ipaddr.IPv4.parse(gatewayIp));
    if (g <= base || g >= base + size - 1) return { problem: `must be a host address inside ${network.toString()}/${prefix}`, field: 'gatewayIp' };
    gateway = ipaddr.IPv4.parse(gatewayIp).toString();
  }
  return {
    cidr: `${network.toString()}/${prefix}`,
    gateway,
    netmask: ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toString(),
    hosts: size - 3,
  };
}

/** gateway + netmask (what a tier reports) → its CIDR; null if they do not make one. */
export function cidrOfTier(gateway: string, netmask: string): string | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(gateway) || !ipaddr.IPv4.isValidFourPartDecimal(netmask)) return null;
  const prefix = ipaddr.IPv4.parse(netmask).prefixLengthFromSubnetMask();
  if (prefix === null) return null;
  return `${ipaddr.IPv4.networkAddressFromCIDR(`${gateway}/${prefix}`).toString()}/${prefix}`;
}

/** Hosts a tier can give to VMs: the network, broadcast and gateway (the router) addresses are taken. */
export function usableHosts(cidr: string): number {
  const parsed = parseCidr(cidr);
  return parsed ? Math.max(0, 2 ** (32 - parsed[1]) - 3) : 0;
}

function toInt(ip: ipaddr.IPv4): number {
  return ip.octets.reduce((n, o) => n * 256 + o, 0);
}

function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
