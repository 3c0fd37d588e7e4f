// The Hubble flow conversion as it was before the streaming speed-up (issue 13): a frozen oracle for the
// equivalence properties of test/hubble/fast-conversion.test.ts. Do not change or import it elsewhere.
import type { Flow, FlowProtocol, Peer, ReservedEntity } from '../../../../src/engine/types.js';
import type { HubbleEndpoint, HubbleFlow } from '../../../../src/hubble/types.js';
import { truncateValue } from '../../../../src/repo/truncate.js';

/** Pod labels as the engine takes them (`key → value`, no source prefix). */
type PodLabels = Extract<Peer, { kind: 'pod' }>['labels'];

/** One Cilium identity label split into its parts: `k8s:app=shop` → `{ source: 'k8s', key: 'app', value: 'shop' }`. */
export interface IdentityLabel {
  readonly source: string;
  readonly key: string;
  /** Empty for labels without a value, e.g. `reserved:world`. */
  readonly value: string;
}

/** The result of {@link toEngineFlow}. */
export type ToEngineResult =
  | {
      readonly ok: true;
      readonly flow: Flow;
      /** True when the Hubble flow was a reply and was turned around into its connection's direction. */
      readonly reversed: boolean;
    }
  | { readonly ok: false; readonly reason: string };

/** The result of {@link toEnginePeer}. */
export type ToPeerResult =
  | { readonly ok: true; readonly peer: Peer }
  | { readonly ok: false; readonly reason: string };

/** Reserved labels and the engine entity they stand for, most specific first (kube-apiserver nodes also carry remote-node or host). */
const RESERVED_ENTITY_ORDER: readonly ReservedEntity[] = [
  'kube-apiserver',
  'host',
  'remote-node',
  'health',
  'init',
  'ingress',
  'unmanaged',
];

const WORLD_LABELS = new Set(['world', 'world-ipv4', 'world-ipv6']);

/** Reserved numeric identities (cilium/cilium `pkg/identity/numericidentity.go`), for endpoints without labels. */
const RESERVED_BY_IDENTITY: Readonly<Record<number, ReservedEntity | 'world'>> = {
  1: 'host',
  2: 'world',
  3: 'unmanaged',
  4: 'health',
  5: 'init',
  6: 'remote-node',
  7: 'kube-apiserver',
  8: 'ingress',
  9: 'world',
  10: 'world',
};

/** Label keys Cilium derives for the identity, which are not labels on the Pod (`pkg/k8s/apis/cilium.io/const.go`). */
function isIdentityOnlyKey(key: string): boolean {
  return (
    key === 'io.kubernetes.pod.namespace' ||
    key.startsWith('io.cilium.k8s.namespace.labels.') ||
    key.startsWith('io.cilium.k8s.policy.')
  );
}

/**
 * Splits Cilium identity labels (`source:key=value`) into parts. A label without `=` has an empty value; a label
 * without a source gets source `unspec`.
 * @param labels - labels as Hubble prints them, e.g. `['k8s:app=shop', 'reserved:world']`.
 */
export function parseIdentityLabels(labels: readonly string[] | undefined): IdentityLabel[] {
  const out: IdentityLabel[] = [];
  for (const label of labels ?? []) {
    const colon = label.indexOf(':');
    const eq = label.indexOf('=');
    const hasSource = colon !== -1 && (eq === -1 || colon < eq);
    const source = hasSource ? label.slice(0, colon) : 'unspec';
    const rest = hasSource ? label.slice(colon + 1) : label;
    const restEq = rest.indexOf('=');
    out.push(
      restEq === -1
        ? { source, key: rest, value: '' }
        : { source, key: rest.slice(0, restEq), value: rest.slice(restEq + 1) },
    );
  }
  return out;
}

/**
 * The Pod's own labels from an endpoint's identity labels: `k8s:` labels without the keys Cilium adds for the
 * identity (`io.kubernetes.pod.namespace`, `io.cilium.k8s.namespace.labels.*`, `io.cilium.k8s.policy.*`).
 * @param endpoint - a flow side.
 */
export function podLabels(endpoint: HubbleEndpoint | undefined): PodLabels {
  const labels: Record<string, string> = {};
  for (const label of parseIdentityLabels(endpoint?.labels)) {
    if (label.source === 'k8s' && !isIdentityOnlyKey(label.key)) labels[label.key] = label.value;
  }
  return labels;
}

/**
 * Converts one side of a Hubble flow into an engine {@link Peer}:
 * - `reserved:world` / `world-ipv4` / `world-ipv6` labels, or no namespace but an IP → `{ kind: 'world', ip, names }`;
 * - `reserved:host`, `remote-node`, `kube-apiserver`, `health`, `init`, `ingress`, `unmanaged` →
 *   `{ kind: 'reserved', entity }` (kube-apiserver wins over the host/remote-node label it comes with);
 * - an endpoint with a namespace → `{ kind: 'pod', namespace, labels }` (see {@link podLabels}), with
 *   `serviceAccount` from `io.cilium.k8s.policy.serviceaccount`;
 * - otherwise a reserved numeric identity (1-10) decides.
 *
 * @param endpoint - the flow side (`source` or `destination`).
 * @param ip - that side's address from `IP`.
 * @param names - that side's DNS names (`source_names` / `destination_names`).
 * @returns the peer, or a reason when the side cannot be identified.
 */
export function toEnginePeer(
  endpoint: HubbleEndpoint | undefined,
  ip: string | undefined,
  names: readonly string[] | undefined,
): ToPeerResult {
  const labels = parseIdentityLabels(endpoint?.labels);
  const reserved = new Set(labels.filter((l) => l.source === 'reserved').map((l) => l.key));
  const world = (): ToPeerResult =>
    ip
      ? { ok: true, peer: { kind: 'world', ip, ...(names && names.length > 0 && { names: [...names] }) } }
      : { ok: false, reason: 'the world peer has no IP address' };
  const entity = (e: ReservedEntity): ToPeerResult => ({
    ok: true,
    peer: { kind: 'reserved', entity: e, ...(ip && { ip }) },
  });

  if ([...reserved].some((key) => WORLD_LABELS.has(key))) return world();
  for (const e of RESERVED_ENTITY_ORDER) {
    if (reserved.has(e)) return entity(e);
  }
  if (reserved.size > 0) {
    return {
      ok: false,
      reason: `the peer has reserved label "reserved:${[...reserved][0]}", which netpol does not model`,
    };
  }
  const namespace = endpoint?.namespace;
  if (namespace) {
    const serviceAccount = labels.find(
      (l) => l.source === 'k8s' && l.key === 'io.cilium.k8s.policy.serviceaccount',
    )?.value;
    return {
      ok: true,
      peer: {
        kind: 'pod',
        namespace,
        labels: podLabels(endpoint),
        ...(serviceAccount && { serviceAccount }),
      },
    };
  }
  const byIdentity = endpoint?.identity === undefined ? undefined : RESERVED_BY_IDENTITY[endpoint.identity];
  if (byIdentity === 'world') return world();
  if (byIdentity) return entity(byIdentity);
  if (ip) return world();
  return { ok: false, reason: 'the peer has no namespace, no reserved label and no IP address' };
}

const ICMP_REPLY_TO_REQUEST: Readonly<Record<string, number>> = {
  'ICMPv4:0': 8, // echo reply → echo request
  'ICMPv6:129': 128, // echo reply → echo request
};

/**
 * Converts a Hubble flow into the engine's {@link Flow} (the connection attempt the engine judges): both sides via
 * {@link toEnginePeer}, protocol and destination port from `l4` (ICMPv4/ICMPv6 → port 0 and `icmpType`). A reply
 * (`is_reply: true`) is turned around into its connection's direction: sides swapped, the server port taken from
 * the source port, an ICMP echo reply mapped to its echo request.
 *
 * @param flow - a normalised Hubble flow.
 * @returns `{ ok: true, flow, reversed }`, or `{ ok: false, reason }` (no L4, no port, unidentifiable peer …).
 */
export function toEngineFlow(flow: HubbleFlow): ToEngineResult {
  const reversed = flow.is_reply === true;
  const l4 = flow.l4;
  let protocol: FlowProtocol;
  let port = 0;
  let icmpType: number | undefined;
  const ports = l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
  if (ports) {
    protocol = l4?.TCP ? 'TCP' : l4?.UDP ? 'UDP' : 'SCTP';
    port = (reversed ? ports.source_port : ports.destination_port) ?? 0;
    if (port === 0) return { ok: false, reason: `the ${protocol} flow has no destination port` };
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return {
        ok: false,
        reason: `the ${protocol} flow's destination port ${truncateValue(String(port))} is invalid (a port is 1-65535)`,
      };
    }
  } else if (l4?.ICMPv4 || l4?.ICMPv6) {
    protocol = l4.ICMPv4 ? 'ICMPv4' : 'ICMPv6';
    const type = (l4.ICMPv4 ?? l4.ICMPv6)?.type ?? 0;
    icmpType = reversed ? (ICMP_REPLY_TO_REQUEST[`${protocol}:${type}`] ?? type) : type;
  } else {
    return { ok: false, reason: 'the flow has no L4 protocol (TCP, UDP, SCTP, ICMPv4 or ICMPv6)' };
  }

  const source = toEnginePeer(flow.source, flow.IP?.source, flow.source_names);
  if (!source.ok) return { ok: false, reason: `source: ${source.reason}` };
  const destination = toEnginePeer(flow.destination, flow.IP?.destination, flow.destination_names);
  if (!destination.ok) return { ok: false, reason: `destination: ${destination.reason}` };

  const [from, to] = reversed ? [destination.peer, source.peer] : [source.peer, destination.peer];
  return {
    ok: true,
    reversed,
    flow: { source: from, destination: to, protocol, port, ...(icmpType !== undefined && { icmpType }) },
  };
}
