import ipaddr from 'ipaddr.js';

/** IPv4 arithmetic of tiers and VPCs, on 32-bit integers. */

export interface Cidr {
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  return ipaddr.IPv4.parse(ip).octets.reduce((n, o) => n * 256 + o, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Null unless an IPv4 CIDR; the base is the network address whatever host bits were given. */
export function parseCidr(text: string): Cidr | null {
  if (!ipaddr.IPv4.isValidCIDR(text)) return null;
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(ipToInt(addr.toString()) / size) * size, prefix };
}

export function cidrText(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export const sizeOf = (c: Cidr): number => 2 ** (32 - c.prefix);

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + sizeOf(inner) <= outer.base + sizeOf(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + sizeOf(b) && b.base < a.base + sizeOf(a);
}

export function isHostOf(c: Cidr, ip: string): boolean {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return false;
  const n = ipToInt(ip);
  return n > c.base && n < c.base + sizeOf(c) - 1;
}

/** gateway + netmask → the tier's CIDR; null when the netmask is not a contiguous mask. */
export function cidrOf(gateway: string, netmask: string): Cidr | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(gateway) || !ipaddr.IPv4.isValidFourPartDecimal(netmask)) return null;
  const prefix = ipaddr.IPv4.parse(netmask).prefixLengthFromSubnetMask();
  if (prefix === null) return null;
  return parseCidr(`${gateway}/${prefix}`);
}
