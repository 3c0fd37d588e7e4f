import ipaddr from 'ipaddr.js';

/** A parsed CIDR block: family plus the first and last address as integers. */
export interface CidrRange {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
  readonly text: string;
}

function toBigInt(bytes: readonly number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** Parsed addresses by text ({@link parseIp} is on the verdict path of every CIDR element); emptied at 10,000. */
const PARSED_IPS = new Map<string, { readonly family: 4 | 6; readonly value: bigint } | null>();

/**
 * Parses an IP address into family and integer; IPv4-mapped IPv6 addresses become IPv4. The result is
 * cached by text and frozen; null when the text is not an address Go's net.ParseIP accepts.
 */
export function parseIp(ip: string): { readonly family: 4 | 6; readonly value: bigint } | null {
  let parsed = PARSED_IPS.get(ip);
  if (parsed === undefined) {
    parsed = parseIpUncached(ip);
    if (PARSED_IPS.size >= 10_000) PARSED_IPS.clear();
    PARSED_IPS.set(ip, parsed);
  }
  return parsed;
}

function parseIpUncached(ip: string): { readonly family: 4 | 6; readonly value: bigint } | null {
  // Go's net.ParseIP (which Cilium uses) only takes dotted quads: no inet_aton forms like "10.1" or "0x0a.0.0.1".
  if (!ip.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(ip)) return null;
  if (!ipaddr.isValid(ip)) return null;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return Object.freeze({ family: addr.kind() === 'ipv4' ? 4 : 6, value: toBigInt(addr.toByteArray()) });
}

/**
 * Parses `a.b.c.d/n`, `x::/n` or a bare address (a /32 or /128) into a range.
 * Returns null for anything ipaddr.js rejects.
 */
export function toCidrRange(text: string): CidrRange | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const ipText = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIp(ipText);
  if (!ip) return null;
  const bits = ip.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > bits) return null;
  }
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const first = ip.value & ~mask;
  return { family: ip.family, first, last: first | mask, text: t };
}

/** Whether `range` contains the address (same family only). */
export function rangeContainsIp(range: CidrRange, ip: { family: 4 | 6; value: bigint }): boolean {
  return range.family === ip.family && ip.value >= range.first && ip.value <= range.last;
}
