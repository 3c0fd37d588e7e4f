import { parseIp } from './cidr.js';
import type { FlowProtocol, Peer, ReservedEntity } from './types.js';

const RESERVED: readonly ReservedEntity[] = [
  'host',
  'remote-node',
  'kube-apiserver',
  'health',
  'init',
  'ingress',
  'unmanaged',
];

/** DNS-1123 subdomain: a valid node name. */
const NODE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1123 label: a valid namespace name. */
const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Kubernetes label key: optional DNS prefix + '/' + name. */
const LABEL_KEY_RE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A parse result: the value, or a one-sentence error. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/**
 * Parses a peer in netpol's trace syntax:
 * - `NS` — a pod of namespace NS with no pod labels; `NS/key=value[,key=value…]` — a pod with those
 *   labels (keys may contain `/` and `.`);
 * - `world:IP` — an address outside the cluster; `world:NAME` or `world:NAME=IP` — one reached by DNS
 *   name (for toFQDNs), optionally with its address;
 * - `host`, `remote-node`, `kube-apiserver`, `health`, `init`, `ingress`, `unmanaged`, optionally `:IP`;
 *   `host@NODE` and `remote-node@NODE` name the node (its labels come from a Node object or `cluster.nodes`).
 *   A namespace with one of these names is written `ns:NAME`.
 * Never throws; returns `{ ok: false, error }` with a sentence naming the bad part.
 */
export function parsePeer(text: string): ParseResult<Peer> {
  const t = text.trim();
  if (t === '') return { ok: false, error: 'the peer is empty' };
  if (t.startsWith('world:')) return parseWorld(t.slice('world:'.length));
  if (t === 'world')
    return { ok: false, error: 'world needs an address: write world:IP, e.g. world:1.1.1.1' };
  const colon = t.indexOf(':');
  const head = colon < 0 ? t : t.slice(0, colon);
  const at = head.indexOf('@');
  const entityName = at < 0 ? head : head.slice(0, at);
  if ((RESERVED as readonly string[]).includes(entityName)) {
    const entity = entityName as ReservedEntity;
    const node = at < 0 ? undefined : head.slice(at + 1);
    if (node !== undefined) {
      if (entity !== 'host' && entity !== 'remote-node')
        return { ok: false, error: `only host and remote-node take a node name (${entity}@${node})` };
      if (!NODE_NAME_RE.test(node)) return { ok: false, error: `"${node}" is not a node name` };
    }
    const base = { kind: 'reserved' as const, entity, ...(node !== undefined ? { node } : {}) };
    if (colon < 0) return { ok: true, value: base };
    const ip = t.slice(colon + 1);
    if (!parseIp(ip)) return { ok: false, error: `"${ip}" is not an IP address` };
    return { ok: true, value: { ...base, ip } };
  }
  const body = t.startsWith('ns:') ? t.slice(3) : t;
  const slash = body.indexOf('/');
  const ns = slash < 0 ? body : body.slice(0, slash);
  if (!NAMESPACE_RE.test(ns)) {
    return { ok: false, error: `"${ns}" is not a namespace name, a reserved entity or world:IP` };
  }
  const labels: Record<string, string> = {};
  if (slash >= 0) {
    const rest = body.slice(slash + 1);
    if (rest === '') return { ok: false, error: `no labels after "${ns}/": write ${ns}/key=value` };
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) return { ok: false, error: `label "${part}" has no value: write key=value` };
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (!LABEL_KEY_RE.test(key)) return { ok: false, error: `"${key}" is not a valid label key` };
      if (!LABEL_VALUE_RE.test(value)) return { ok: false, error: `"${value}" is not a valid label value` };
      if (key in labels) return { ok: false, error: `label "${key}" is given twice` };
      labels[key] = value;
    }
  }
  return { ok: true, value: { kind: 'pod', namespace: ns, labels } };
}

function parseWorld(rest: string): ParseResult<Peer> {
  if (rest === '') return { ok: false, error: 'world: needs an address or a DNS name' };
  if (parseIp(rest)) return { ok: true, value: { kind: 'world', ip: rest } };
  const eq = rest.indexOf('=');
  const name = eq < 0 ? rest : rest.slice(0, eq);
  if (/^[\d.]+$/.test(name) || name.includes(':'))
    return { ok: false, error: `"${name}" is not an IP address` };
  const ip = eq < 0 ? '' : rest.slice(eq + 1);
  if (!/^[A-Za-z0-9_]([-A-Za-z0-9_.]*[A-Za-z0-9])?\.?$/.test(name)) {
    return { ok: false, error: `"${rest}" is neither an IP address nor a DNS name` };
  }
  if (ip !== '' && !parseIp(ip)) return { ok: false, error: `"${ip}" is not an IP address` };
  return { ok: true, value: { kind: 'world', ip, names: [name] } };
}

/**
 * Parses a protocol name: TCP, UDP, SCTP, ICMP (= ICMPv4), ICMPv4, ICMPv6; case-insensitive.
 */
export function parseProtocol(text: string): ParseResult<FlowProtocol> {
  const u = text.trim().toUpperCase();
  if (u === 'TCP' || u === 'UDP' || u === 'SCTP') return { ok: true, value: u };
  if (u === 'ICMP' || u === 'ICMPV4') return { ok: true, value: 'ICMPv4' };
  if (u === 'ICMPV6') return { ok: true, value: 'ICMPv6' };
  return { ok: false, error: `"${text}" is not a protocol: use TCP, UDP, SCTP, ICMP or ICMPv6` };
}

/** Parses a destination port 1-65535 (or 0..255 as an ICMP type for ICMP flows). */
export function parsePort(text: string, protocol: FlowProtocol): ParseResult<number> {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return { ok: false, error: `"${text}" is not a port number` };
  const n = Number(t);
  if (protocol === 'ICMPv4' || protocol === 'ICMPv6') {
    if (n > 255) return { ok: false, error: `"${text}" is not an ICMP type (0-255)` };
    return { ok: true, value: n };
  }
  if (n < 1 || n > 65535) return { ok: false, error: `port ${n} is out of range 1-65535` };
  return { ok: true, value: n };
}

/** Formats a peer back into the trace syntax. */
export function formatPeer(peer: Peer): string {
  switch (peer.kind) {
    case 'pod': {
      const labels = Object.entries(peer.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const ns =
        (RESERVED as readonly string[]).includes(peer.namespace) || peer.namespace === 'world'
          ? `ns:${peer.namespace}`
          : peer.namespace;
      return labels === '' ? ns : `${ns}/${labels}`;
    }
    case 'world':
      if (peer.names && peer.names.length > 0) return `world:${peer.names[0]}${peer.ip ? `=${peer.ip}` : ''}`;
      return `world:${peer.ip}`;
    case 'reserved': {
      const name = peer.node !== undefined ? `${peer.entity}@${peer.node}` : peer.entity;
      return peer.ip ? `${name}:${peer.ip}` : name;
    }
  }
}
