import ipaddr from 'ipaddr.js';
import type { Entity } from './model.js';

/**
 * Pure validators for the values found in policies: CIDRs, ports, protocols, label keys and values,
 * entities. They return data (never throw) so the object readers can turn a failure into a diagnostic.
 */

/** A parsed CIDR: normalised text (network address / prefix), family and prefix length. */
export interface ParsedCidr {
  readonly cidr: string;
  readonly family: 4 | 6;
  readonly prefix: number;
}

/** The result of a value parser: the value, or the reason it is invalid. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

function ipFamily(text: string): 4 | 6 | null {
  if (text.includes(':')) return !text.includes('%') && ipaddr.IPv6.isValid(text) ? 6 : null;
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? 4 : null;
}

/**
 * Parses a CIDR (`10.0.0.0/8`, `2001:db8::/32`) and normalises it to its network address
 * (`10.1.2.3/8` → `10.0.0.0/8`). Addresses follow Go's `net.ParseCIDR`: dotted-quad IPv4 without
 * leading zeros, IPv6 without zone.
 * @param text - The CIDR text.
 * @param options - `bareIp: true` accepts an address without prefix as a /32 or /128 (Cilium's `toCIDR`
 *   does; Kubernetes `ipBlock.cidr` does not).
 * @returns The parsed CIDR or the reason it is invalid.
 */
export function parseCidr(text: string, options: { readonly bareIp: boolean }): Parsed<ParsedCidr> {
  const key = options.bareIp ? `b${text}` : `s${text}`;
  const hit = cidrCache.get(key);
  if (hit) return hit;
  const result = parseCidrUncached(text, options);
  if (cidrCache.size >= 10_000) cidrCache.clear();
  cidrCache.set(key, result);
  return result;
}

const cidrCache = new Map<string, Parsed<ParsedCidr>>();

function parseCidrUncached(text: string, options: { readonly bareIp: boolean }): Parsed<ParsedCidr> {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = ipFamily(address);
  if (family === null) return { ok: false, reason: `"${address}" is not an IP address` };
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash === -1) {
    if (!options.bareIp) return { ok: false, reason: 'the prefix length (/N) is missing' };
  } else {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > bits) {
      return { ok: false, reason: `"/${p}" is not a prefix length between 0 and ${bits}` };
    }
    prefix = Number(p);
  }
  const network =
    family === 4
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
  return { ok: true, value: { cidr: `${network.toString()}/${prefix}`, family, prefix } };
}

/**
 * Whether `inner` lies inside `outer` (same family, longer or equal prefix, matching network bits).
 * @param outer - The enclosing CIDR.
 * @param inner - The CIDR to test.
 * @returns True when every address of `inner` is in `outer`.
 */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  if (outer.family === 4) {
    const [address] = ipaddr.IPv4.parseCIDR(inner.cidr);
    return address.match(ipaddr.IPv4.parseCIDR(outer.cidr));
  }
  const [address] = ipaddr.IPv6.parseCIDR(inner.cidr);
  return address.match(ipaddr.IPv6.parseCIDR(outer.cidr));
}

/**
 * True when the text still holds a Flux `${…}` placeholder (an unresolved variable).
 * @param text - A value after substitution.
 * @returns Whether a placeholder is left.
 */
export function hasPlaceholder(text: string): boolean {
  return text.includes('${');
}

const CILIUM_SVC_NAME = /^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/;
const K8S_PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Whether a port name is an IANA service name (RFC 6335 §5.1): 1-15 characters, letters, digits and
 * single inner dashes, at least one letter.
 * @param name - The candidate name.
 * @param options - `caseSensitive: true` demands lowercase letters (Kubernetes `IsValidPortName`);
 *   Cilium accepts any case and lowercases (`cilium/cilium pkg/iana/svcname.go`).
 * @returns True for a valid name.
 */
export function isIanaServiceName(name: string, options: { readonly caseSensitive: boolean }): boolean {
  if (name.length === 0 || name.length > 15) return false;
  if (options.caseSensitive) return K8S_PORT_NAME.test(name) && !name.includes('--') && /[a-z]/.test(name);
  return CILIUM_SVC_NAME.test(name);
}

/**
 * Parses a Cilium `toPorts[].ports[].port`: a number 0-65535 (0 = all ports) given as a string or a
 * number, or a named port. Follows `PortProtocol.Validate` in `cilium/cilium pkg/policy/api/l4.go`:
 * a service name is tried first (and lowercased), then an integer in Go's base-0 syntax (`010` is octal).
 * @param value - The YAML value.
 * @returns The port number or lowercased name, or the reason it is invalid.
 */
export function parseCiliumPort(value: unknown): Parsed<number | string> {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 65535) return { ok: true, value };
    return { ok: false, reason: `${value} is not a port number between 0 and 65535` };
  }
  if (typeof value !== 'string') return { ok: false, reason: 'a port must be a string or a number' };
  if (value === '') return { ok: false, reason: 'the port is empty' };
  if (isIanaServiceName(value, { caseSensitive: false })) return { ok: true, value: value.toLowerCase() };
  if (!/^[0-9]+$/.test(value)) {
    return { ok: false, reason: `"${value}" is neither a port number nor an IANA service name` };
  }
  let n: number;
  if (value.length > 1 && value.startsWith('0')) {
    if (!/^[0-7]+$/.test(value))
      return { ok: false, reason: `"${value}" is not a valid number (a leading 0 means octal)` };
    n = Number.parseInt(value, 8);
  } else n = Number(value);
  if (n > 65535) return { ok: false, reason: `${value} is not a port number between 0 and 65535` };
  return { ok: true, value: n };
}

/**
 * Parses a Kubernetes NetworkPolicy port (`IntOrString`): a number 1-65535 or a lowercase IANA service name.
 * A string of digits is a name for Kubernetes, and so invalid.
 * @param value - The YAML value.
 * @returns The port number or name, or the reason it is invalid.
 */
export function parseKubernetesPort(value: unknown): Parsed<number | string> {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 65535) return { ok: true, value };
    return { ok: false, reason: `${value} is not a port number between 1 and 65535` };
  }
  if (typeof value !== 'string') return { ok: false, reason: 'a port must be a number or a port name' };
  if (isIanaServiceName(value, { caseSensitive: true })) return { ok: true, value };
  if (/^[0-9]+$/.test(value)) {
    return { ok: false, reason: `"${value}" is a string; write the port number without quotes` };
  }
  return { ok: false, reason: `"${value}" is not a valid port name (lowercase IANA service name)` };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Whether a name is a DNS-1123 subdomain (lowercase labels separated by dots, at most 253 characters).
 * @param name - The candidate.
 * @returns True when valid.
 */
export function isDnsSubdomain(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  // Most names hold no dot: no split (a name is checked for every object read).
  if (!name.includes('.')) return DNS_LABEL.test(name);
  return name.split('.').every((part) => DNS_LABEL.test(part));
}

/**
 * Whether a name is a DNS-1123 label (lowercase letters, digits and `-`, at most 63 characters), as
 * Namespace names must be.
 * @param name - The candidate.
 * @returns True when valid.
 */
export function isDnsLabel(name: string): boolean {
  return name.length > 0 && name.length <= 63 && DNS_LABEL.test(name);
}

/**
 * Checks a Kubernetes label key (a qualified name: optional DNS-subdomain prefix and `/`, then a name of
 * at most 63 characters).
 * @param key - The key.
 * @returns null when valid, else the reason.
 */
export function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? null : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== null && !isDnsSubdomain(prefix)) {
    return `the prefix "${prefix}" must be a DNS subdomain (lowercase letters, digits, "-" and ".")`;
  }
  if (name.length === 0 || name.length > 63) return 'the name part must have 1 to 63 characters';
  if (!NAME_PART.test(name)) {
    return 'the name part must start and end with a letter or digit and hold only letters, digits, "-", "_" and "."';
  }
  return null;
}

/**
 * Checks a Kubernetes label value (at most 63 characters, letters, digits, `-`, `_`, `.`, starting and
 * ending with a letter or digit; empty is allowed).
 * @param value - The value.
 * @returns null when valid, else the reason.
 */
export function labelValueProblem(value: string): string | null {
  if (value.length > 63) return 'a label value has at most 63 characters';
  if (!LABEL_VALUE.test(value)) {
    return 'a label value must start and end with a letter or digit and hold only letters, digits, "-", "_" and "."';
  }
  return null;
}

/** Cilium label sources a selector key may start with (`cilium/cilium pkg/labels`). */
const CILIUM_SOURCES = new Set([
  'any',
  'k8s',
  'reserved',
  'unspec',
  'container',
  'cni',
  'cidr',
  'cidrgroup',
  'node',
  'fqdn',
  'cilium-generated',
  'kvstore',
]);

/** Key prefix of the namespace labels Cilium copies into every pod identity. */
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

/**
 * Checks a key of a Cilium selector: an optional label source (`k8s:`, `any:`, `reserved:` …), then a
 * Kubernetes label key; for `io.cilium.k8s.namespace.labels.<key>` the namespace label key is checked.
 * Keys of the `cidr`, `cidrgroup` and `fqdn` sources are not label keys and are accepted as written.
 * @param key - The selector key.
 * @returns null when valid, else the reason.
 */
export function ciliumSelectorKeyProblem(key: string): string | null {
  let rest = key;
  const colon = key.indexOf(':');
  if (colon !== -1) {
    const source = key.slice(0, colon);
    if (!CILIUM_SOURCES.has(source)) return `"${source}" is not a Cilium label source (k8s, any, reserved …)`;
    if (source === 'cidr' || source === 'cidrgroup' || source === 'fqdn') return null;
    rest = key.slice(colon + 1);
  }
  if (rest.startsWith(NAMESPACE_LABELS_PREFIX) && rest.length > NAMESPACE_LABELS_PREFIX.length) {
    return labelKeyProblem(rest.slice(NAMESPACE_LABELS_PREFIX.length));
  }
  return labelKeyProblem(rest);
}

/** Every Cilium entity, as the model's {@link Entity} union lists them (`pkg/policy/api/entity.go`). */
export const ENTITIES: readonly Entity[] = [
  'all',
  'world',
  'world-ipv4',
  'world-ipv6',
  'cluster',
  'host',
  'init',
  'ingress',
  'unmanaged',
  'remote-node',
  'health',
  'none',
  'kube-apiserver',
];

const ENTITY_SET: ReadonlySet<string> = new Set(ENTITIES);

/**
 * Narrows a string to an {@link Entity}.
 * @param value - The candidate.
 * @returns True when it is one of Cilium's entities.
 */
export function isEntity(value: unknown): value is Entity {
  return typeof value === 'string' && ENTITY_SET.has(value);
}

/** ICMP type names Cilium accepts per family (`cilium/cilium pkg/policy/api/icmp.go`). */
export const ICMP_TYPE_NAMES: Readonly<Record<'IPv4' | 'IPv6', ReadonlySet<string>>> = {
  IPv4: new Set([
    'EchoReply',
    'DestinationUnreachable',
    'Redirect',
    'Echo',
    'EchoRequest',
    'RouterAdvertisement',
    'RouterSelection',
    'TimeExceeded',
    'ParameterProblem',
    'Timestamp',
    'TimestampReply',
    'Photuris',
    'ExtendedEchoRequest',
    'ExtendedEchoReply',
  ]),
  IPv6: new Set([
    'DestinationUnreachable',
    'PacketTooBig',
    'TimeExceeded',
    'ParameterProblem',
    'EchoRequest',
    'EchoReply',
    'MulticastListenerQuery',
    'MulticastListenerReport',
    'MulticastListenerDone',
    'RouterSolicitation',
    'RouterAdvertisement',
    'NeighborSolicitation',
    'NeighborAdvertisement',
    'RedirectMessage',
    'RouterRenumbering',
    'ICMPNodeInformationQuery',
    'ICMPNodeInformationResponse',
    'InverseNeighborDiscoverySolicitation',
    'InverseNeighborDiscoveryAdvertisement',
    'HomeAgentAddressDiscoveryRequest',
    'HomeAgentAddressDiscoveryReply',
    'MobilePrefixSolicitation',
    'MobilePrefixAdvertisement',
    'DuplicateAddressRequestCodeSuffix',
    'DuplicateAddressConfirmationCodeSuffix',
    'ExtendedEchoRequest',
    'ExtendedEchoReply',
  ]),
};

/**
 * Edit distance between two short strings (for "did you mean" hints).
 * @param a - First string.
 * @param b - Second string.
 * @returns The Levenshtein distance.
 */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The closest candidate to a misspelt word, if one is close enough to suggest.
 * @param word - The word as written.
 * @param candidates - Valid words.
 * @returns The suggestion or undefined.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    if (c.toLowerCase() === lower) return c;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 4)) ? best : undefined;
}
