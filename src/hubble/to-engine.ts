import type { Flow, FlowProtocol, Peer, ReservedEntity } from '../engine/types.js';
import { truncateValue } from '../repo/truncate.js';
import type { HubbleEndpoint, HubbleFlow } from './types.js';

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

/** A pod's service account label, as Hubble prints it (`k8s:` source, value after `=`). */
const SERVICE_ACCOUNT_KEY = 'k8s:io.cilium.k8s.policy.serviceaccount';

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
  const list = endpoint?.labels;
  if (list === undefined) return labels;
  for (let i = 0; i < list.length; i++) {
    const label = list[i] as string;
    if (!label.startsWith('k8s:')) continue;
    const eq = label.indexOf('=', 4);
    const key = eq === -1 ? label.slice(4) : label.slice(4, eq);
    if (isIdentityOnlyKey(key)) continue;
    labels[key] = eq === -1 ? '' : label.slice(eq + 1);
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
  // One pass over the labels, allocating nothing for the common case (a pod with k8s labels only).
  const list = endpoint?.labels;
  let firstReserved: string | undefined;
  let reservedWorld = false;
  let entityRank = RESERVED_ENTITY_ORDER.length;
  let serviceAccount: string | undefined;
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const label = list[i] as string;
      const colon = label.indexOf(':');
      if (colon === -1) continue;
      const eq = label.indexOf('=');
      if (eq !== -1 && eq < colon) continue; // no source: `unspec`
      if (colon === 8 && label.startsWith('reserved')) {
        const restEq = label.indexOf('=', 9);
        const key = restEq === -1 ? label.slice(9) : label.slice(9, restEq);
        firstReserved ??= key;
        if (WORLD_LABELS.has(key)) reservedWorld = true;
        const rank = RESERVED_ENTITY_ORDER.indexOf(key as ReservedEntity);
        if (rank !== -1 && rank < entityRank) entityRank = rank;
      } else if (
        serviceAccount === undefined &&
        colon === 3 &&
        label.startsWith(SERVICE_ACCOUNT_KEY) &&
        (label.length === SERVICE_ACCOUNT_KEY.length || label.charCodeAt(SERVICE_ACCOUNT_KEY.length) === 61)
      ) {
        serviceAccount = label.slice(SERVICE_ACCOUNT_KEY.length + 1);
      }
    }
  }
  const world = (): ToPeerResult =>
    ip
      ? { ok: true, peer: { kind: 'world', ip, ...(names && names.length > 0 && { names: [...names] }) } }
      : { ok: false, reason: 'the world peer has no IP address' };
  const entity = (e: ReservedEntity): ToPeerResult => ({
    ok: true,
    peer: { kind: 'reserved', entity: e, ...(ip && { ip }) },
  });

  if (reservedWorld) return world();
  const ranked = RESERVED_ENTITY_ORDER[entityRank];
  if (ranked !== undefined) return entity(ranked);
  if (firstReserved !== undefined) {
    return {
      ok: false,
      reason: `the peer has reserved label "reserved:${firstReserved}", which netpol does not model`,
    };
  }
  const namespace = endpoint?.namespace;
  if (namespace) {
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
  return convertFlow(flow, toEnginePeer);
}

function convertFlow(flow: HubbleFlow, peerOf: typeof toEnginePeer): ToEngineResult {
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

  const source = peerOf(flow.source, flow.IP?.source, flow.source_names);
  if (!source.ok) return { ok: false, reason: `source: ${source.reason}` };
  const destination = peerOf(flow.destination, flow.IP?.destination, flow.destination_names);
  if (!destination.ok) return { ok: false, reason: `destination: ${destination.reason}` };

  const local = localNodeName(flow.node_name);
  const sourcePeer = local === undefined ? source.peer : onNode(source.peer, local);
  const destinationPeer = local === undefined ? destination.peer : onNode(destination.peer, local);
  const from = reversed ? destinationPeer : sourcePeer;
  const to = reversed ? sourcePeer : destinationPeer;
  const engineFlow: Flow =
    icmpType === undefined
      ? { source: from, destination: to, protocol, port }
      : { source: from, destination: to, protocol, port, icmpType };
  return { ok: true, reversed, flow: engineFlow };
}

/**
 * The name of the node that observed a flow, from Hubble's `node_name`: Cilium writes `CLUSTER/NODE` when a
 * cluster name other than `default` is configured and `NODE` otherwise (cilium/cilium pkg/node
 * `GetAbsoluteNodeName`, set as the flow's node name by the Hubble observer), and a node name never holds `/`.
 * @param nodeName - the flow's `node_name`, if any.
 * @returns the node's own name, or `undefined` when the flow names none.
 */
export function localNodeName(nodeName: string | undefined): string | undefined {
  if (!nodeName) return undefined;
  const name = nodeName.slice(nodeName.lastIndexOf('/') + 1);
  return name === '' ? undefined : name;
}

/**
 * A `host` peer named after the node that observed the flow: the `reserved:host` identity is the observing
 * node's own host (a packet from another node's host carries `reserved:remote-node`; docs: policy language
 * "Entities Based"). Other peers, and a host peer already named, are returned as they are.
 */
function onNode(peer: Peer, node: string): Peer {
  return peer.kind === 'reserved' && peer.entity === 'host' && peer.node === undefined
    ? { ...peer, node }
    : peer;
}

/**
 * Converts Hubble flows and sides exactly as {@link toEngineFlow} and {@link toEnginePeer} do, remembering the pod
 * peer of each distinct endpoint (namespace and identity labels), so a stream of flows between a few thousand
 * identities converts each identity's labels once. A pod peer depends on nothing else (not on the address, the
 * DNS names or the numeric identity); world and reserved peers, which carry the address, are converted every time.
 * The peers returned are shared between calls and must not be changed. Memory is bounded: the cache is emptied
 * when it holds `maxEntries` endpoints.
 */
export class EngineFlowConverter {
  /** Pod peers by numeric identity (a hint only: namespace and labels are compared in full). */
  private readonly pods = new Map<number, PodEntry[]>();
  private size = 0;
  private readonly maxEntries: number;
  private readonly peerOf: typeof toEnginePeer;

  /** @param maxEntries - distinct endpoints remembered. Default: `16_384`. */
  constructor(maxEntries = 16_384) {
    this.maxEntries = maxEntries;
    this.peerOf = (endpoint, ip, names) => this.peer(endpoint, ip, names);
  }

  /** As {@link toEnginePeer}; a pod peer may be one returned before. */
  peer(
    endpoint: HubbleEndpoint | undefined,
    ip: string | undefined,
    names: readonly string[] | undefined,
  ): ToPeerResult {
    const namespace = endpoint?.namespace;
    if (!namespace) return toEnginePeer(endpoint, ip, names);
    const labels = endpoint.labels ?? NO_LABELS;
    const hint = endpoint.identity ?? -1;
    const bucket = this.pods.get(hint);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        if (entry.namespace === namespace && sameLabels(entry.labels, labels)) return entry.result;
      }
    }
    const result = toEnginePeer(endpoint, ip, names);
    if (result.ok && result.peer.kind === 'pod' && (bucket === undefined || bucket.length < 8)) {
      if (this.size >= this.maxEntries) {
        this.pods.clear();
        this.size = 0;
      }
      const entry: PodEntry = { namespace, labels, result };
      const list = this.pods.get(hint);
      if (list === undefined) this.pods.set(hint, [entry]);
      else list.push(entry);
      this.size++;
    }
    return result;
  }

  /** As {@link toEngineFlow}; pod peers may be shared with flows converted before. */
  flow(flow: HubbleFlow): ToEngineResult {
    return convertFlow(flow, this.peerOf);
  }
}

interface PodEntry {
  readonly namespace: string;
  readonly labels: readonly string[];
  readonly result: ToPeerResult;
}

const NO_LABELS: readonly string[] = [];

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const WORKLOAD_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app'];
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

/**
 * The name of the workload behind an endpoint, for grouping: the first of `workloads[].name`, the labels
 * `app.kubernetes.io/name`, `app`, `k8s-app`, or the pod name without its generated ReplicaSet/StatefulSet/DaemonSet suffix.
 * @param endpoint - a flow side.
 * @returns the name, or `undefined` when the endpoint names nothing.
 */
export function workloadName(endpoint: HubbleEndpoint | undefined): string | undefined {
  const fromWorkload = endpoint?.workloads?.find((w) => w.name)?.name;
  if (fromWorkload) return fromWorkload;
  const labels = podLabels(endpoint);
  for (const key of WORKLOAD_LABELS) {
    const value = labels[key];
    if (value) return value;
  }
  const pod = endpoint?.pod_name;
  if (!pod) return undefined;
  // Generated suffixes use Kubernetes' vowel-free alphabet (k8s.io/apimachinery `util/rand`, `SafeEncodeString`).
  const deployment = new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`).exec(pod);
  if (deployment?.[1]) return deployment[1];
  const statefulSet = /^(.+)-\d+$/.exec(pod);
  if (statefulSet?.[1]) return statefulSet[1];
  const generated = new RegExp(`^(.+)-${SAFE}{5}$`).exec(pod);
  if (generated?.[1]) return generated[1];
  return pod;
}

function sideKey(
  endpoint: HubbleEndpoint | undefined,
  ip: string | undefined,
  names: readonly string[] | undefined,
): string {
  const peer = toEnginePeer(endpoint, ip, names);
  if (!peer.ok) return '?';
  switch (peer.peer.kind) {
    case 'pod':
      return `${peer.peer.namespace}/${workloadName(endpoint) ?? '?'}`;
    case 'world':
      return `world:${peer.peer.names?.[0] ?? peer.peer.ip}`;
    case 'reserved':
      return `reserved:${peer.peer.entity}`;
  }
}

/**
 * A grouping key for a flow: `source → destination:port/protocol (direction)`, e.g.
 * `shop/checkout → db/postgres:5432/TCP (egress)` or `shop/checkout → world:api.stripe.com:443/TCP (egress)`.
 * Pods are named `namespace/workload` (see {@link workloadName}), world peers by their first DNS name or their IP,
 * reserved peers as `reserved:<entity>`. Replies are keyed in their connection's direction, like {@link toEngineFlow}.
 * ICMP flows use the type instead of a port (`icmp-8/ICMPv4`).
 *
 * @param flow - a normalised Hubble flow.
 */
export function flowKey(flow: HubbleFlow): string {
  const reversed = flow.is_reply === true;
  let source = sideKey(flow.source, flow.IP?.source, flow.source_names);
  let destination = sideKey(flow.destination, flow.IP?.destination, flow.destination_names);
  if (reversed) [source, destination] = [destination, source];
  const l4 = flow.l4;
  const ports = l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
  let target = 'any';
  if (ports) {
    const protocol = l4?.TCP ? 'TCP' : l4?.UDP ? 'UDP' : 'SCTP';
    target = `${(reversed ? ports.source_port : ports.destination_port) ?? 0}/${protocol}`;
  } else if (l4?.ICMPv4 || l4?.ICMPv6) {
    const protocol = l4.ICMPv4 ? 'ICMPv4' : 'ICMPv6';
    const type = (l4.ICMPv4 ?? l4.ICMPv6)?.type ?? 0;
    target = `icmp-${reversed ? (ICMP_REPLY_TO_REQUEST[`${protocol}:${type}`] ?? type) : type}/${protocol}`;
  }
  const direction = (flow.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN')
    .toLowerCase()
    .replace('traffic_direction_unknown', 'unknown');
  return `${source} → ${destination}:${target} (${direction})`;
}
