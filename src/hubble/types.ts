/**
 * A typed subset of Hubble's `flow.Flow` message, in the shape `hubble observe -o json` / `-o jsonpb` prints it:
 * protojson with the proto field names (`drop_reason_desc`, `IP`, `ipVersion`, `Type`, `ID`), enums as their
 * names, timestamps as RFC 3339 strings, `google.protobuf.BoolValue` as a plain boolean, unset fields left out.
 *
 * Both the JSON line parser (`parse-flow.ts`) and the Relay client (`relay-client.ts`) produce this one shape,
 * so downstream code has a single flow type.
 *
 * Enum numbers are Cilium's own: cilium/cilium `api/v1/flow/flow.proto` (enums `Verdict`, `DropReason`,
 * `TrafficDirection`, `IPVersion`, `FlowType`) and `api/v1/relay/relay.proto` (`NodeState`).
 */

/**
 * Flow verdicts, name → number, from cilium/cilium `api/v1/flow/flow.proto` (enum `Verdict`).
 * `AUDIT` marks a flow that policy would have dropped if audit mode were off.
 */
export const HubbleVerdict = {
  VERDICT_UNKNOWN: 0,
  FORWARDED: 1,
  DROPPED: 2,
  ERROR: 3,
  AUDIT: 4,
  REDIRECTED: 5,
  TRACED: 6,
  TRANSLATED: 7,
} as const;

/** A verdict name known to this version of netpol (see {@link HubbleVerdict}). */
export type HubbleVerdictName = keyof typeof HubbleVerdict;

/**
 * Drop reasons, name → number, from cilium/cilium `api/v1/flow/flow.proto` (enum `DropReason`, values shared
 * with `pkg/monitor/api/drop.go` and `bpf/lib/common.h`). `POLICY_DENIED` (133) is a default deny (no rule allowed
 * the flow); `POLICY_DENY` (181) is an explicit deny rule (`ingressDeny`/`egressDeny`).
 */
export const HubbleDropReason = {
  DROP_REASON_UNKNOWN: 0,
  INVALID_SOURCE_MAC: 130,
  INVALID_DESTINATION_MAC: 131,
  INVALID_SOURCE_IP: 132,
  POLICY_DENIED: 133,
  INVALID_PACKET_DROPPED: 134,
  CT_TRUNCATED_OR_INVALID_HEADER: 135,
  CT_MISSING_TCP_ACK_FLAG: 136,
  CT_UNKNOWN_L4_PROTOCOL: 137,
  CT_CANNOT_CREATE_ENTRY_FROM_PACKET: 138,
  UNSUPPORTED_L3_PROTOCOL: 139,
  MISSED_TAIL_CALL: 140,
  ERROR_WRITING_TO_PACKET: 141,
  UNKNOWN_L4_PROTOCOL: 142,
  UNKNOWN_ICMPV4_CODE: 143,
  UNKNOWN_ICMPV4_TYPE: 144,
  UNKNOWN_ICMPV6_CODE: 145,
  UNKNOWN_ICMPV6_TYPE: 146,
  ERROR_RETRIEVING_TUNNEL_KEY: 147,
  ERROR_RETRIEVING_TUNNEL_OPTIONS: 148,
  INVALID_GENEVE_OPTION: 149,
  UNKNOWN_L3_TARGET_ADDRESS: 150,
  STALE_OR_UNROUTABLE_IP: 151,
  NO_MATCHING_LOCAL_CONTAINER_FOUND: 152,
  ERROR_WHILE_CORRECTING_L3_CHECKSUM: 153,
  ERROR_WHILE_CORRECTING_L4_CHECKSUM: 154,
  CT_MAP_INSERTION_FAILED: 155,
  INVALID_IPV6_EXTENSION_HEADER: 156,
  IP_FRAGMENTATION_NOT_SUPPORTED: 157,
  SERVICE_BACKEND_NOT_FOUND: 158,
  NO_TUNNEL_OR_ENCAPSULATION_ENDPOINT: 160,
  FAILED_TO_INSERT_INTO_PROXYMAP: 161,
  REACHED_EDT_RATE_LIMITING_DROP_HORIZON: 162,
  UNKNOWN_CONNECTION_TRACKING_STATE: 163,
  LOCAL_HOST_IS_UNREACHABLE: 164,
  NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION: 165,
  UNSUPPORTED_L2_PROTOCOL: 166,
  NO_MAPPING_FOR_NAT_MASQUERADE: 167,
  UNSUPPORTED_PROTOCOL_FOR_NAT_MASQUERADE: 168,
  FIB_LOOKUP_FAILED: 169,
  ENCAPSULATION_TRAFFIC_IS_PROHIBITED: 170,
  INVALID_IDENTITY: 171,
  UNKNOWN_SENDER: 172,
  NAT_NOT_NEEDED: 173,
  IS_A_CLUSTERIP: 174,
  FIRST_LOGICAL_DATAGRAM_FRAGMENT_NOT_FOUND: 175,
  FORBIDDEN_ICMPV6_MESSAGE: 176,
  DENIED_BY_LB_SRC_RANGE_CHECK: 177,
  SOCKET_LOOKUP_FAILED: 178,
  SOCKET_ASSIGN_FAILED: 179,
  PROXY_REDIRECTION_NOT_SUPPORTED_FOR_PROTOCOL: 180,
  POLICY_DENY: 181,
  VLAN_FILTERED: 182,
  INVALID_VNI: 183,
  INVALID_TC_BUFFER: 184,
  NO_SID: 185,
  MISSING_SRV6_STATE: 186,
  NAT46: 187,
  NAT64: 188,
  AUTH_REQUIRED: 189,
  CT_NO_MAP_FOUND: 190,
  SNAT_NO_MAP_FOUND: 191,
  INVALID_CLUSTER_ID: 192,
  UNSUPPORTED_PROTOCOL_FOR_DSR_ENCAP: 193,
  NO_EGRESS_GATEWAY: 194,
  UNENCRYPTED_TRAFFIC: 195,
  TTL_EXCEEDED: 196,
  NO_NODE_ID: 197,
  DROP_RATE_LIMITED: 198,
  IGMP_HANDLED: 199,
  IGMP_SUBSCRIBED: 200,
  MULTICAST_HANDLED: 201,
  DROP_HOST_NOT_READY: 202,
  DROP_EP_NOT_READY: 203,
  DROP_NO_EGRESS_IP: 204,
  DROP_PUNT_PROXY: 205,
  DROP_FRAG_NOT_FOUND_WORLD: 207,
} as const;

/** A drop reason name known to this version of netpol (see {@link HubbleDropReason}). */
export type HubbleDropReasonName = keyof typeof HubbleDropReason;

/** Traffic directions, name → number, from cilium/cilium `api/v1/flow/flow.proto` (enum `TrafficDirection`). */
export const HubbleTrafficDirection = {
  TRAFFIC_DIRECTION_UNKNOWN: 0,
  INGRESS: 1,
  EGRESS: 2,
} as const;

/** A traffic direction name (see {@link HubbleTrafficDirection}). */
export type HubbleTrafficDirectionName = keyof typeof HubbleTrafficDirection;

/** IP versions, name → number, from cilium/cilium `api/v1/flow/flow.proto` (enum `IPVersion`). */
export const HubbleIPVersion = {
  IP_NOT_USED: 0,
  IPv4: 1,
  IPv6: 2,
} as const;

/** An IP version name (see {@link HubbleIPVersion}). */
export type HubbleIPVersionName = keyof typeof HubbleIPVersion;

/** Flow types, name → number, from cilium/cilium `api/v1/flow/flow.proto` (enum `FlowType`). */
export const HubbleFlowType = {
  UNKNOWN_TYPE: 0,
  L3_L4: 1,
  L7: 2,
  SOCK: 3,
} as const;

/** A flow type name (see {@link HubbleFlowType}). */
export type HubbleFlowTypeName = keyof typeof HubbleFlowType;

/** Relay node states, name → number, from cilium/cilium `api/v1/relay/relay.proto` (enum `NodeState`). */
export const HubbleNodeState = {
  UNKNOWN_NODE_STATE: 0,
  NODE_CONNECTED: 1,
  NODE_UNAVAILABLE: 2,
  NODE_GONE: 3,
  NODE_ERROR: 4,
} as const;

/** A Relay node state name (see {@link HubbleNodeState}). */
export type HubbleNodeStateName = keyof typeof HubbleNodeState;

/** Lost-event sources, name → number, from cilium/cilium `api/v1/flow/flow.proto` (enum `LostEventSource`). */
export const HubbleLostEventSource = {
  UNKNOWN_LOST_EVENT_SOURCE: 0,
  PERF_EVENT_RING_BUFFER: 1,
  OBSERVER_EVENTS_QUEUE: 2,
  HUBBLE_RING_BUFFER: 3,
} as const;

/** A lost-event source name (see {@link HubbleLostEventSource}). */
export type HubbleLostEventSourceName = keyof typeof HubbleLostEventSource;

/**
 * An enum value as netpol keeps it: the name when it is known, otherwise the name a newer Hubble printed, or the
 * decimal number as a string when only an unknown number was given (protojson prints unknown enum numbers as numbers).
 */
export type EnumValue<Name extends string> = Name | (string & {});

/** A workload owning an endpoint (`flow.Workload`): e.g. `{ name: 'checkout', kind: 'Deployment' }`. */
export interface HubbleWorkload {
  readonly name?: string;
  readonly kind?: string;
}

/**
 * One side of a flow (`flow.Endpoint`). `labels` are Cilium identity labels with their source prefix:
 * `k8s:app=checkout`, `k8s:io.kubernetes.pod.namespace=shop`, `reserved:world`, `reserved:host`.
 */
export interface HubbleEndpoint {
  /** Cilium endpoint ID (local to a node); absent for peers that are not endpoints. */
  readonly ID?: number;
  /** Numeric security identity: 1 host, 2 world, 6 remote-node, 9/10 world-ipv4/ipv6, ≥ 256 allocated. */
  readonly identity?: number;
  readonly cluster_name?: string;
  readonly namespace?: string;
  readonly labels?: readonly string[];
  readonly pod_name?: string;
  readonly workloads?: readonly HubbleWorkload[];
}

/** Layer-3 addresses (`flow.IP`). */
export interface HubbleIP {
  readonly source?: string;
  readonly destination?: string;
  readonly ipVersion?: EnumValue<HubbleIPVersionName>;
  readonly encrypted?: boolean;
}

/** TCP flags as Hubble prints them (`flow.TCPFlags`); only set flags are present. */
export interface HubbleTCPFlags {
  readonly SYN?: boolean;
  readonly ACK?: boolean;
  readonly FIN?: boolean;
  readonly RST?: boolean;
  readonly PSH?: boolean;
  readonly URG?: boolean;
  readonly ECE?: boolean;
  readonly CWR?: boolean;
  readonly NS?: boolean;
}

/** Ports of a TCP, UDP or SCTP flow (1-65535; absent means 0). */
export interface HubblePorts {
  readonly source_port?: number;
  readonly destination_port?: number;
}

/** ICMP type and code (e.g. type 8 = echo request for ICMPv4, 128 for ICMPv6). */
export interface HubbleICMP {
  readonly type?: number;
  readonly code?: number;
}

/** Layer 4 (`flow.Layer4`): exactly one member is set. */
export interface HubbleLayer4 {
  readonly TCP?: HubblePorts & { readonly flags?: HubbleTCPFlags };
  readonly UDP?: HubblePorts;
  readonly SCTP?: HubblePorts;
  readonly ICMPv4?: HubbleICMP;
  readonly ICMPv6?: HubbleICMP;
}

/** The L7 record of a flow (`flow.Layer7`), reduced to what filters and reports need. */
export interface HubbleLayer7 {
  /** `REQUEST`, `RESPONSE` or `SAMPLE`. */
  readonly type?: string;
  readonly dns?: { readonly query?: string; readonly rcode?: number };
  readonly http?: {
    readonly code?: number;
    readonly method?: string;
    readonly url?: string;
    readonly protocol?: string;
  };
  readonly kafka?: { readonly topic?: string; readonly api_key?: string };
}

/**
 * A policy that Hubble correlated with a flow (`flow.Policy`, in `egress_denied_by` and friends):
 * `kind` is `CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy` or `NetworkPolicy`.
 */
export interface HubblePolicyRef {
  readonly name?: string;
  readonly namespace?: string;
  readonly kind?: string;
  readonly labels?: readonly string[];
  readonly revision?: number;
}

/** The Cilium monitor event a flow came from (`flow.CiliumEventType`): type 1 = drop, 4 = trace, 5 = policy verdict. */
export interface HubbleEventType {
  readonly type?: number;
  readonly sub_type?: number;
}

/** A Kubernetes service attached to a flow side (`flow.Service`). */
export interface HubbleService {
  readonly name?: string;
  readonly namespace?: string;
}

/**
 * One Hubble flow, normalised. Field names are the proto field names (as `hubble observe -o json` prints them);
 * the parser also accepts the lowerCamelCase JSON names and numeric enums, and converts both to this shape.
 */
export interface HubbleFlow {
  /** RFC 3339 timestamp with up to nanosecond precision, e.g. `2024-05-01T12:00:00.123456789Z`. */
  readonly time?: string;
  readonly uuid?: string;
  readonly verdict: EnumValue<HubbleVerdictName>;
  /** Deprecated numeric drop reason (`drop_reason`); filled from `drop_reason_desc` when absent. */
  readonly drop_reason?: number;
  /** Drop reason name (`drop_reason_desc`), e.g. `POLICY_DENIED`; filled from `drop_reason` when absent. */
  readonly drop_reason_desc?: EnumValue<HubbleDropReasonName>;
  readonly traffic_direction?: EnumValue<HubbleTrafficDirectionName>;
  /** Whether the packet is a reply; absent when Hubble does not know. */
  readonly is_reply?: boolean;
  readonly IP?: HubbleIP;
  readonly l4?: HubbleLayer4;
  readonly l7?: HubbleLayer7;
  readonly source?: HubbleEndpoint;
  readonly destination?: HubbleEndpoint;
  readonly Type?: EnumValue<HubbleFlowTypeName>;
  /** Node that observed the flow, `cluster/node` behind a Relay. */
  readonly node_name?: string;
  /** DNS names the source IP is known by. */
  readonly source_names?: readonly string[];
  /** DNS names the destination IP is known by (what `toFQDNs` rules match). */
  readonly destination_names?: readonly string[];
  readonly source_service?: HubbleService;
  readonly destination_service?: HubbleService;
  readonly event_type?: HubbleEventType;
  readonly egress_allowed_by?: readonly HubblePolicyRef[];
  readonly ingress_allowed_by?: readonly HubblePolicyRef[];
  readonly egress_denied_by?: readonly HubblePolicyRef[];
  readonly ingress_denied_by?: readonly HubblePolicyRef[];
  /** Hubble's one-line summary (`Summary`, deprecated upstream), e.g. `TCP Flags: SYN`. */
  readonly Summary?: string;
}

/**
 * The counts of a summary line written by `netpol watch --record`: the line's flow stands for `count` flows seen
 * between `firstSeen` and `lastSeen` (RFC 3339).
 */
export interface FlowSummary {
  readonly count: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/** What a non-flow line or response was. */
export type NonFlowKind = 'node_status' | 'lost_events' | 'agent_event' | 'debug_event' | 'blank';

/**
 * A non-flow event of a Hubble stream: Relay node status (`relay.NodeStatusEvent`), lost events
 * (`flow.LostEvent`), agent or debug events, or a blank line.
 */
export interface NonFlowEvent {
  readonly what: NonFlowKind;
  /** For `node_status`: the new state, e.g. `NODE_UNAVAILABLE`. */
  readonly state?: EnumValue<HubbleNodeStateName>;
  /** For `node_status`: the nodes the state applies to. */
  readonly nodeNames?: readonly string[];
  /** For `node_status`: the error text, if any. */
  readonly message?: string;
  /** For `lost_events`: where events were lost, e.g. `HUBBLE_RING_BUFFER`. */
  readonly lostSource?: EnumValue<HubbleLostEventSourceName>;
  /** For `lost_events`: how many events were lost. */
  readonly numEventsLost?: number;
  /** Node that reported the event, when given. */
  readonly nodeName?: string;
  /** RFC 3339 time of the event, when given. */
  readonly time?: string;
}

const reverseTables = new WeakMap<object, ReadonlyMap<number, string>>();

/**
 * Returns the name for an enum number, or the number as a decimal string when netpol does not know it.
 * @param table - one of {@link HubbleVerdict}, {@link HubbleDropReason}, {@link HubbleTrafficDirection}, …
 * @param value - the enum number.
 */
export function enumName<T extends Readonly<Record<string, number>>>(
  table: T,
  value: number,
): EnumValue<keyof T & string> {
  let reverse = reverseTables.get(table);
  if (!reverse) {
    reverse = new Map(Object.entries(table).map(([name, number]) => [number, name]));
    reverseTables.set(table, reverse);
  }
  return reverse.get(value) ?? String(value);
}
