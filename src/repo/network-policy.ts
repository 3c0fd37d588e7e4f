import type { LabelSelector, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule } from './model.js';
import {
  FieldSet,
  isRecord,
  type Path,
  type ReadContext,
  readFields,
  readList,
  show,
  typeName,
} from './read-context.js';
import { readLabelSelector } from './selectors.js';
import { cidrContains, hasPlaceholder, parseCidr, parseKubernetesPort } from './values.js';

/**
 * Reads the `spec` of a Kubernetes `networking.k8s.io/v1` NetworkPolicy, with the API server's validation
 * and defaulting (`policyTypes`: Ingress always, Egress when egress rules exist; protocol TCP).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */

const SPEC_FIELDS = new FieldSet(['podSelector', 'policyTypes', 'ingress', 'egress']);
const INGRESS_RULE_FIELDS = new FieldSet(['from', 'ports']);
const EGRESS_RULE_FIELDS = new FieldSet(['to', 'ports']);
const PEER_FIELDS = new FieldSet(['podSelector', 'namespaceSelector', 'ipBlock']);
const IP_BLOCK_FIELDS = new FieldSet(['cidr', 'except']);
const PORT_FIELDS = new FieldSet(['port', 'endPort', 'protocol']);
const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
/** Marks a list field that is not a list. */
const MALFORMED: unknown[] = [];

/** The typed content of a NetworkPolicy spec. */
export interface NetworkPolicySpec {
  readonly podSelector: LabelSelector;
  readonly policyTypes: readonly ('Ingress' | 'Egress')[];
  readonly ingress: readonly NetworkPolicyRule[];
  readonly egress: readonly NetworkPolicyRule[];
}

/**
 * Reads a NetworkPolicy spec.
 * @param ctx - The read context.
 * @param value - The `spec` value.
 * @param path - Its path (`['spec']`).
 * @returns The spec; problems are diagnostics and the broken elements are dropped.
 */
export function readNetworkPolicySpec(ctx: ReadContext, value: unknown, path: Path): NetworkPolicySpec {
  const empty: LabelSelector = { matchLabels: {}, matchExpressions: [], source: ctx.source(path) };
  if (!isRecord(value)) {
    ctx.report(
      value === undefined || value === null ? 'MISSING_FIELD' : 'BAD_VALUE',
      'error',
      value === undefined || value === null
        ? 'A NetworkPolicy has no spec.'
        : `The spec of a NetworkPolicy must be a mapping, not ${typeName(value)}.`,
      path,
    );
    return { podSelector: empty, policyTypes: ['Ingress'], ingress: [], egress: [] };
  }
  const f = readFields(ctx, value, path, SPEC_FIELDS, 'a NetworkPolicy spec');
  let podSelector: LabelSelector | null = null;
  if (!f.has('podSelector')) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      'A NetworkPolicy has no podSelector; read as `{}` (every pod of the namespace).',
      path,
      'Add `podSelector: {}` to select every pod of the namespace.',
    );
  } else podSelector = readLabelSelector(ctx, f.get('podSelector'), f.at('podSelector'), 'kubernetes');
  const ingress = readRules(ctx, f, 'ingress');
  const egress = readRules(ctx, f, 'egress');
  let policyTypes: ('Ingress' | 'Egress')[];
  const rawTypes = readList(ctx, f.get('policyTypes'), f.at('policyTypes'), 'policyTypes', null);
  if (rawTypes === null) {
    policyTypes = egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  } else {
    policyTypes = [];
    rawTypes.forEach((t, i) => {
      if (t === 'Ingress' || t === 'Egress') {
        if (!policyTypes.includes(t)) policyTypes.push(t);
      } else {
        ctx.report('BAD_VALUE', 'error', `policyTypes entry ${show(t)} is not Ingress or Egress.`, [
          ...f.at('policyTypes'),
          i,
        ]);
      }
    });
  }
  return { podSelector: podSelector ?? empty, policyTypes, ingress, egress };
}

function readRules(
  ctx: ReadContext,
  f: ReturnType<typeof readFields>,
  direction: 'ingress' | 'egress',
): NetworkPolicyRule[] {
  const list = readList(ctx, f.get(direction), f.at(direction), direction, []) ?? [];
  const out: NetworkPolicyRule[] = [];
  list.forEach((item, index) => {
    const path: Path = [...f.at(direction), index];
    const peerField = direction === 'ingress' ? 'from' : 'to';
    if (!isRecord(item)) {
      if (item !== null && item !== undefined) {
        ctx.report(
          'BAD_VALUE',
          'error',
          `A ${direction} rule must be a mapping, not ${typeName(item)}.`,
          path,
        );
        return;
      }
      out.push({ peers: null, ports: null, index, source: ctx.source(path) });
      return;
    }
    const rf = readFields(
      ctx,
      item,
      path,
      direction === 'ingress' ? INGRESS_RULE_FIELDS : EGRESS_RULE_FIELDS,
      `a NetworkPolicy ${direction} rule`,
    );
    let peers: NetworkPolicyPeer[] | null = null;
    const rawPeers = readList(ctx, rf.get(peerField), rf.at(peerField), peerField, MALFORMED);
    // A malformed list would read as "all peers" or "all ports": drop the rule instead.
    if (rawPeers === MALFORMED) return;
    if (rawPeers !== null && rawPeers.length > 0) {
      peers = [];
      rawPeers.forEach((p, i) => {
        const peer = readPeer(ctx, p, [...rf.at(peerField), i]);
        if (peer) peers?.push(peer);
      });
      // An empty peer list means "all peers": never widen a rule because its peers were broken.
      if (peers.length === 0) return;
    }
    let ports: NetworkPolicyPort[] | null = null;
    const rawPorts = readList(ctx, rf.get('ports'), rf.at('ports'), 'ports', MALFORMED);
    if (rawPorts === MALFORMED) return;
    if (rawPorts !== null) {
      ports = [];
      rawPorts.forEach((p, i) => {
        const port = readPort(ctx, p, [...rf.at('ports'), i]);
        if (port) ports?.push(port);
      });
      if (rawPorts.length > 0 && ports.length === 0) return;
    }
    out.push({ peers, ports, index, source: ctx.source(path) });
  });
  return out;
}

function readPeer(ctx: ReadContext, value: unknown, path: Path): NetworkPolicyPeer | null {
  if (!isRecord(value)) {
    ctx.report('BAD_VALUE', 'error', `A NetworkPolicy peer must be a mapping, not ${typeName(value)}.`, path);
    return null;
  }
  const f = readFields(ctx, value, path, PEER_FIELDS, 'a NetworkPolicy peer');
  const hasPod = f.has('podSelector');
  const hasNs = f.has('namespaceSelector');
  const hasBlock = f.has('ipBlock');
  if (!hasPod && !hasNs && !hasBlock) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      'A NetworkPolicy peer needs podSelector, namespaceSelector or ipBlock.',
      path,
    );
    return null;
  }
  if (hasBlock && (hasPod || hasNs)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      'A NetworkPolicy peer may not combine ipBlock with podSelector or namespaceSelector.',
      f.at('ipBlock'),
      'Put the ipBlock in its own peer entry.',
      { key: true },
    );
    return null;
  }
  let podSelector: LabelSelector | null = null;
  let namespaceSelector: LabelSelector | null = null;
  if (hasPod) {
    podSelector = readLabelSelector(ctx, f.get('podSelector'), f.at('podSelector'), 'kubernetes');
    if (!podSelector) return null;
  }
  if (hasNs) {
    namespaceSelector = readLabelSelector(
      ctx,
      f.get('namespaceSelector'),
      f.at('namespaceSelector'),
      'kubernetes',
    );
    if (!namespaceSelector) return null;
  }
  let ipBlock: { cidr: string; except: string[] } | null = null;
  if (hasBlock) {
    ipBlock = readIpBlock(ctx, f.get('ipBlock'), f.at('ipBlock'));
    if (!ipBlock) return null;
  }
  return { podSelector, namespaceSelector, ipBlock, source: ctx.source(path) };
}

function readIpBlock(
  ctx: ReadContext,
  value: unknown,
  path: Path,
): { cidr: string; except: string[] } | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_CIDR',
      'error',
      `ipBlock must be a mapping with cidr and except, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const f = readFields(ctx, value, path, IP_BLOCK_FIELDS, 'an ipBlock');
  const cidr = f.get('cidr');
  if (typeof cidr !== 'string') {
    ctx.report(
      cidr === undefined || cidr === null ? 'MISSING_FIELD' : 'BAD_CIDR',
      'error',
      cidr === undefined || cidr === null
        ? 'An ipBlock has no cidr.'
        : `ipBlock.cidr must be a string, not ${typeName(cidr)}.`,
      cidr === undefined ? path : f.at('cidr'),
    );
    return null;
  }
  if (hasPlaceholder(cidr)) return { cidr, except: [] };
  const outer = parseCidr(cidr, { bareIp: false });
  if (!outer.ok) {
    ctx.report(
      'BAD_CIDR',
      'error',
      `"${cidr}" is not a valid CIDR: ${outer.reason}.`,
      f.at('cidr'),
      'Write it as address/prefix, e.g. 10.0.0.0/8.',
    );
    return null;
  }
  const except: string[] = [];
  const raw = readList(ctx, f.get('except'), f.at('except'), 'except', []) ?? [];
  raw.forEach((e, i) => {
    const at: Path = [...f.at('except'), i];
    if (typeof e !== 'string') {
      ctx.report('BAD_CIDR', 'error', `An except entry must be a string, not ${typeName(e)}.`, at);
      return;
    }
    if (hasPlaceholder(e)) {
      // A ${var} Flux did not substitute (FLUX_SUBSTITUTE_UNAVAILABLE says which): kept, not judged.
      except.push(e);
      return;
    }
    const inner = parseCidr(e, { bareIp: false });
    if (!inner.ok) {
      ctx.report('BAD_CIDR', 'error', `"${e}" is not a valid CIDR: ${inner.reason}.`, at);
      return;
    }
    if (!cidrContains(outer.value, inner.value) || inner.value.prefix === outer.value.prefix) {
      ctx.report(
        'BAD_CIDR',
        'error',
        `except "${e}" is not a strict subset of "${outer.value.cidr}".`,
        at,
        'Kubernetes requires every except CIDR to lie strictly inside ipBlock.cidr.',
      );
      return;
    }
    except.push(inner.value.cidr);
  });
  return { cidr: outer.value.cidr, except };
}

function readPort(ctx: ReadContext, value: unknown, path: Path): NetworkPolicyPort | null {
  if (!isRecord(value)) {
    ctx.report('BAD_PORT', 'error', `A NetworkPolicy port must be a mapping, not ${typeName(value)}.`, path);
    return null;
  }
  const f = readFields(ctx, value, path, PORT_FIELDS, 'a NetworkPolicy port');
  let protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP';
  const proto = f.get('protocol');
  if (proto !== undefined && proto !== null) {
    if (typeof proto !== 'string' || !PROTOCOLS.has(proto)) {
      ctx.report(
        'BAD_PROTOCOL',
        'error',
        `Protocol ${show(proto)} is not one of TCP, UDP, SCTP.`,
        f.at('protocol'),
        typeof proto === 'string' && PROTOCOLS.has(proto.toUpperCase())
          ? `Write it in capitals: ${proto.toUpperCase()}.`
          : undefined,
      );
      return null;
    }
    protocol = proto as 'TCP' | 'UDP' | 'SCTP';
  }
  let port: number | string | undefined;
  const raw = f.get('port');
  if (raw !== undefined && raw !== null) {
    if (typeof raw === 'string' && hasPlaceholder(raw)) port = raw;
    else {
      const r = parseKubernetesPort(raw);
      if (!r.ok) {
        ctx.report('BAD_PORT', 'error', `Port ${show(raw)} is invalid: ${r.reason}.`, f.at('port'));
        return null;
      }
      port = r.value;
    }
  }
  let endPort: number | undefined;
  const rawEnd = f.get('endPort');
  if (rawEnd !== undefined && rawEnd !== null) {
    if (typeof rawEnd !== 'number' || !Number.isInteger(rawEnd) || rawEnd < 1 || rawEnd > 65535) {
      ctx.report(
        'BAD_PORT',
        'error',
        `endPort ${show(rawEnd)} must be a number between 1 and 65535.`,
        f.at('endPort'),
      );
      return null;
    }
    if (typeof port !== 'number') {
      ctx.report(
        'BAD_PORT',
        'error',
        'endPort needs a numeric port.',
        f.at('endPort'),
        'Set port to the first port of the range.',
      );
      return null;
    }
    if (rawEnd < port) {
      ctx.report('BAD_PORT', 'error', `endPort ${rawEnd} is below port ${port}.`, f.at('endPort'));
      return null;
    }
    endPort = rawEnd;
  }
  return {
    ...(port !== undefined ? { port } : {}),
    ...(endPort !== undefined ? { endPort } : {}),
    protocol,
    source: ctx.source(path),
  };
}
