import type { NamedPort } from '../repo/model.js';
import type { FlowProtocol } from './types.js';

/** L4 protocols a port rule can name; ICMP is matched by `icmps` rules only. */
export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * A compiled port match: a protocol set and a port range, or a named port resolved per destination.
 * Port 0 is "all ports" (`pkg/policy/api/l4.go` PortProtocol; Cilium docs: security/policy/language, Layer 4).
 */
export interface CompiledPort {
  readonly protocols: ReadonlySet<L4Protocol>;
  /** First port of the range; 0 with `last` 65535 for all ports. */
  readonly first: number;
  readonly last: number;
  /** Named port (IANA service name); `first`/`last` unused then. */
  readonly name?: string;
  readonly text: string;
}

const ALL_L4: ReadonlySet<L4Protocol> = new Set(['TCP', 'UDP', 'SCTP']);

/**
 * Compiles one port entry. `protocol` ANY expands to TCP, UDP and SCTP (Cilium's mergeIngress/mergeEgress
 * iterate these three for ProtoAny; ICMP is not covered). A numeric port 0 means every port.
 */
export function compilePort(
  port: number | string | undefined,
  endPort: number | undefined,
  protocol: L4Protocol | 'ANY',
): CompiledPort {
  const protocols = protocol === 'ANY' ? ALL_L4 : new Set<L4Protocol>([protocol]);
  const protoText = protocol === 'ANY' ? 'ANY' : protocol;
  if (typeof port === 'string' && !/^\d+$/.test(port)) {
    return { protocols, first: 0, last: 0, name: port, text: `${port}/${protoText}` };
  }
  const n = port === undefined ? 0 : Number(port);
  if (n === 0) return { protocols, first: 0, last: 65535, text: `*/${protoText}` };
  const last = endPort !== undefined && endPort > n ? endPort : n;
  return { protocols, first: n, last, text: last === n ? `${n}/${protoText}` : `${n}-${last}/${protoText}` };
}

/**
 * Result of matching a flow's port against a compiled port: `match`, `no`, or `unresolved` when the rule
 * names a port the destination's known container ports do not have (the rule then does not match).
 */
export type PortMatch = 'match' | 'no' | 'unresolved';

/**
 * Whether the flow's protocol and destination port fall in the compiled port. A named port is looked up
 * in `namedPorts` of the destination pod, as Cilium does for ingress (the local endpoint) and, from 1.20,
 * for egress (cilium/cilium PR #44429; 1.16–1.19 resolve egress names cluster-wide, see
 * {@link clusterPortMatches}); its protocol must agree with the rule's.
 */
export function portMatches(
  cp: CompiledPort,
  protocol: FlowProtocol,
  port: number,
  namedPorts: readonly NamedPort[] | undefined,
): PortMatch {
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return 'no';
  if (!cp.protocols.has(protocol)) return 'no';
  if (cp.name !== undefined) {
    const np = namedPorts?.find((p) => p.name === cp.name && p.protocol === protocol);
    if (!np) return 'unresolved';
    return np.port === port ? 'match' : 'no';
  }
  return port >= cp.first && port <= cp.last ? 'match' : 'no';
}

/**
 * A cluster-wide index of named ports: `name/protocol` → the port numbers the workloads give that name
 * (what Cilium ≤1.19 resolves egress named ports against).
 */
export type NamedPortIndex = ReadonlyMap<string, ReadonlySet<number>>;

/**
 * Builds a {@link NamedPortIndex} from the named container ports of workloads.
 * @param lists - each workload's named ports.
 */
export function indexNamedPorts(lists: Iterable<readonly NamedPort[]>): NamedPortIndex {
  const index = new Map<string, Set<number>>();
  for (const list of lists) {
    for (const p of list) {
      const key = `${p.name}/${p.protocol}`;
      const set = index.get(key);
      if (set) set.add(p.port);
      else index.set(key, new Set([p.port]));
    }
  }
  return index;
}

/**
 * Result of {@link clusterPortMatches}: as {@link PortMatch}, plus `ambiguous` when the name stands for
 * several numbers in the cluster (Cilium then installs none of them).
 */
export type ClusterPortMatch =
  | { readonly result: 'match' | 'no'; readonly port?: number }
  | { readonly result: 'unresolved' }
  | { readonly result: 'ambiguous'; readonly ports: readonly number[] };

/**
 * Egress named-port matching as Cilium 1.16–1.19 does it: the name is looked up among the named ports of
 * every endpoint in the cluster, not of the destination; one number is then allowed towards every selected
 * destination, and a name with several numbers resolves to none (`ErrDuplicateNamedPorts`).
 * Numeric ports match as in {@link portMatches}.
 * @see cilium/cilium issue #30003 (duplicate named ports drop egress traffic), PR #44429 (1.20 resolves
 *   egress named ports on the selected destinations only).
 */
export function clusterPortMatches(
  cp: CompiledPort,
  protocol: FlowProtocol,
  port: number,
  index: NamedPortIndex,
): ClusterPortMatch {
  if (cp.name === undefined) return { result: portMatches(cp, protocol, port, undefined) as 'match' | 'no' };
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return { result: 'no' };
  if (!cp.protocols.has(protocol)) return { result: 'no' };
  const numbers = index.get(`${cp.name}/${protocol}`);
  if (!numbers || numbers.size === 0) return { result: 'unresolved' };
  if (numbers.size > 1) return { result: 'ambiguous', ports: [...numbers].sort((a, b) => a - b) };
  const only = numbers.values().next().value as number;
  return { result: only === port ? 'match' : 'no', port: only };
}

/** ICMP type names Cilium accepts (`pkg/policy/api/icmp.go`), per family. */
const ICMP_TYPES: Readonly<Record<'IPv4' | 'IPv6', Readonly<Record<string, number>>>> = {
  IPv4: {
    EchoReply: 0,
    DestinationUnreachable: 3,
    Redirect: 5,
    Echo: 8,
    EchoRequest: 8,
    RouterAdvertisement: 9,
    RouterSelection: 10,
    TimeExceeded: 11,
    ParameterProblem: 12,
    Timestamp: 13,
    TimestampReply: 14,
    Photuris: 40,
    ExtendedEchoRequest: 42,
    ExtendedEchoReply: 43,
  },
  IPv6: {
    DestinationUnreachable: 1,
    PacketTooBig: 2,
    TimeExceeded: 3,
    ParameterProblem: 4,
    EchoRequest: 128,
    EchoReply: 129,
    MulticastListenerQuery: 130,
    MulticastListenerReport: 131,
    MulticastListenerDone: 132,
    RouterSolicitation: 133,
    RouterAdvertisement: 134,
    NeighborSolicitation: 135,
    NeighborAdvertisement: 136,
    RedirectMessage: 137,
    RouterRenumbering: 138,
    ICMPNodeInformationQuery: 139,
    ICMPNodeInformationResponse: 140,
    InverseNeighborDiscoverySolicitation: 141,
    InverseNeighborDiscoveryAdvertisement: 142,
    HomeAgentAddressDiscoveryRequest: 144,
    HomeAgentAddressDiscoveryReply: 145,
    MobilePrefixSolicitation: 146,
    MobilePrefixAdvertisement: 147,
    DuplicateAddressRequestCodeSuffix: 157,
    DuplicateAddressConfirmationCodeSuffix: 158,
    ExtendedEchoRequest: 160,
    ExtendedEchoReply: 161,
  },
};

/** Resolves an ICMP type given as number or Cilium CamelCase name; undefined when unknown. */
export function icmpTypeNumber(family: 'IPv4' | 'IPv6', type: number | string): number | undefined {
  if (typeof type === 'number') return type;
  if (/^\d+$/.test(type)) return Number(type);
  return ICMP_TYPES[family][type];
}
