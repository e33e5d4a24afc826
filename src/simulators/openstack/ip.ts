import ipaddr from 'ipaddr.js';

/*
 * Address arithmetic for subnets and pools, IPv4 and IPv6 alike, on BigInt so a /64 works.
 */

export interface Cidr {
  version: 4 | 6;
  /** Network address as a number. */
  base: bigint;
  prefix: number;
  /** Number of addresses in the block. */
  size: bigint;
  text: string;
}

export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string' || !ipaddr.isValidCIDR(text)) return null;
  const [addr, prefix] = ipaddr.parseCIDR(text);
  const version = addr.kind() === 'ipv4' ? 4 : 6;
  const bits = version === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - prefix);
  const base = (toBig(addr.toByteArray()) / size) * size;
  return { version, base, prefix, size, text: `${fromBig(base, version)}/${prefix}` };
}

export function parseIp(text: string): { version: 4 | 6; value: bigint } | null {
  if (typeof text !== 'string' || !ipaddr.isValid(text)) return null;
  const addr = ipaddr.parse(text);
  return { version: addr.kind() === 'ipv4' ? 4 : 6, value: toBig(addr.toByteArray()) };
}

export function contains(cidr: Cidr, ip: string): boolean {
  const parsed = parseIp(ip);
  return !!parsed && parsed.version === cidr.version && parsed.value >= cidr.base && parsed.value < cidr.base + cidr.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.base < b.base + b.size && b.base < a.base + a.size;
}

export function fromBig(value: bigint, version: 4 | 6): string {
  const bytes: number[] = [];
  let v = value;
  for (let i = 0; i < (version === 4 ? 4 : 16); i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

function toBig(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** Neutron's defaults: the gateway is the first host, the pool is the rest (IPv4 keeps broadcast out). */
export function defaultPool(cidr: Cidr, gateway: string | null): { start: string; end: string }[] {
  const first = cidr.base + 1n;
  const last = cidr.version === 4 ? cidr.base + cidr.size - 2n : cidr.base + cidr.size - 1n;
  if (last < first) return [];
  const gw = gateway ? parseIp(gateway)?.value ?? null : null;
  const ranges: [bigint, bigint][] = [];
  if (gw !== null && gw >= first && gw <= last) {
    if (gw > first) ranges.push([first, gw - 1n]);
    if (gw < last) ranges.push([gw + 1n, last]);
  } else ranges.push([first, last]);
  return ranges.map(([s, e]) => ({ start: fromBig(s, cidr.version), end: fromBig(e, cidr.version) }));
}

export function poolSize(pools: { start: string; end: string }[]): bigint {
  let total = 0n;
  for (const pool of pools) {
    const s = parseIp(pool.start);
    const e = parseIp(pool.end);
    if (s && e && e.value >= s.value) total += e.value - s.value + 1n;
  }
  return total;
}

/** The lowest pool address not in `used`, or null when the pools are exhausted. */
export function firstFree(pools: { start: string; end: string }[], used: Set<string>, version: 4 | 6): string | null {
  const taken = new Set([...used].map((ip) => parseIp(ip)?.value).filter((v): v is bigint => v !== undefined));
  for (const pool of pools) {
    const s = parseIp(pool.start);
    const e = parseIp(pool.end);
    if (!s || !e) continue;
    // Bounded scan: a simulator never fills more than a few thousand addresses.
    for (let v = s.value, n = 0; v <= e.value && n < 65536; v++, n++) {
      if (!taken.has(v)) return fromBig(v, version);
    }
  }
  return null;
}
