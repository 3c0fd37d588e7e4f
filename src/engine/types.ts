import type { Labels, NamedPort } from '../repo/model.js';
import type { L7Request } from './l7.js';

/**
 * A peer of a flow, as the engine sees it. A pod peer is given by its namespace and pod labels; the engine
 * derives its full identity (namespace labels, service account, cluster) from the repository.
 * Reserved peers are Cilium's reserved identities (`pkg/identity/numericidentity.go`).
 */
export type Peer =
  | {
      readonly kind: 'pod';
      readonly namespace: string;
      /** Pod labels as on the Pod (no source prefix). */
      readonly labels: Labels;
      /** Service account; default `default`. */
      readonly serviceAccount?: string;
      /** Named container ports, for named-port rules. Filled from a matching workload when omitted. */
      readonly namedPorts?: readonly NamedPort[];
    }
  | {
      /** An address outside the cluster (`reserved:world`). */
      readonly kind: 'world';
      readonly ip: string;
      /** DNS names the address was resolved from (for `toFQDNs`). */
      readonly names?: readonly string[];
    }
  | {
      readonly kind: 'reserved';
      readonly entity: ReservedEntity;
      /** Optional address (e.g. a node IP, for CIDR rules under policyCIDRMatchMode=nodes). */
      readonly ip?: string;
      /**
       * For `host` and `remote-node`: the node's name (a Node object or a `cluster.nodes` entry), whose labels
       * `fromNodes`/`toNodes` and host policies (`nodeSelector`) select.
       */
      readonly node?: string;
    };

/** Reserved identities a trace can name directly. */
export type ReservedEntity =
  | 'host'
  | 'remote-node'
  | 'kube-apiserver'
  | 'health'
  | 'init'
  | 'ingress'
  | 'unmanaged';

/** Protocol of a flow. ICMP flows carry `icmpType` instead of a port. */
export type FlowProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4' | 'ICMPv6';

/** A connection attempt: the first packet of a flow from `source` to `destination`. */
export interface Flow {
  readonly source: Peer;
  readonly destination: Peer;
  readonly protocol: FlowProtocol;
  /** Destination port (1-65535); 0 for ICMP. */
  readonly port: number;
  /** ICMP type for ICMP flows (e.g. 8 = echo request). */
  readonly icmpType?: number;
  /**
   * An L7 request carried by the flow (`netpol trace --http`/`--dns`): the verdict then also evaluates the L7
   * rules on the port. Default: none (the verdict is L4; L7 rules are noted as `L7-filtered`).
   */
  readonly l7?: L7Request;
}

/** A reference to the rule that decided a side of a verdict. Lines are 1-based. */
export interface RuleRef {
  readonly kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy' | 'NetworkPolicy';
  /** Empty string for clusterwide policies. */
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `ingress`, `egress`, `ingressDeny` or `egressDeny`, and the element index: `egress[2]`. */
  readonly rule: string;
  /** Caveats that hold for this match: `L7-filtered (http)`, `FQDN-matched`, `TLS SNI-filtered` … */
  readonly notes: readonly string[];
}

/** The verdict of one side (egress of the source, or ingress of the destination). */
export interface SideVerdict {
  /**
   * Whether policy is enforced on this side. `false` for a side outside Cilium's control (world),
   * for an endpoint no rule selects in that direction (default mode), or under `never`.
   */
  readonly enforced: boolean;
  readonly verdict: 'allowed' | 'denied';
  /** Rules that allow the flow (all of them, so a reader sees every reason). */
  readonly allowedBy: readonly RuleRef[];
  /** Deny rules that match the flow; any one wins over every allow. */
  readonly deniedBy: readonly RuleRef[];
  /** Policies that select this endpoint in this direction (and so make it default-deny). */
  readonly selectedBy: readonly RuleRef[];
  /** Plain sentences on why: the enforcement state, the default-deny reason, settings that applied. */
  readonly reasons: readonly string[];
}

/**
 * An allow element that came closest to allowing a side denied by default deny: it selects the endpoint in that
 * direction and its peer matches the flow's peer, but its L4 part (`toPorts`, `icmps`) does not admit the flow.
 * @see docs/semantics.md §1.5 (peer and ports are ANDed within an element), §7 (ports, protocols, ICMP).
 */
export interface ClosestRule {
  /** The element, as `kind/namespace/name` with its `ingress[i]`/`egress[i]` label and file:line. */
  readonly rule: RuleRef;
  /**
   * What the element admits for the peer, in repository order without repeats: `5432/TCP`, `8000-8100/UDP`,
   * `53/ANY` (TCP, UDP and SCTP), `http/TCP` (a named port), `ICMPv4 type 8`; port `*` is every port of
   * the protocol. Empty when it admits nothing.
   */
  readonly admits: readonly string[];
  /**
   * Why the element admits nothing: `toPorts with ports: []` (docs/semantics.md §7.2) or `icmps entries without
   * fields` (§7.6). Absent when `admits` is not empty.
   */
  readonly nothing?: string;
}

/** The closest rules of one denied side, in the order of the selecting rules, capped. */
export interface ClosestRules {
  /** At most the cap (5 by default) of {@link ClosestRule}. */
  readonly rules: readonly ClosestRule[];
  /** How many more elements qualify beyond the cap (0 when all are listed). */
  readonly more: number;
}

/** How one side's L7 rules treat the request of a flow. */
export interface L7SideVerdict {
  readonly verdict: 'allowed' | 'denied';
  /**
   * The L7 rule set in force on this side for the flow's peer and port: every allowing element with L7 rules
   * on that port, with its rules in words. Empty when no L7 rule applies.
   */
  readonly ruleSet: readonly { readonly rule: RuleRef; readonly rules: readonly string[] }[];
  /** The elements that let the request through (an element with no L7 rules on the port lets every request through). */
  readonly allowedBy: readonly RuleRef[];
  /** One sentence on why. */
  readonly reason: string;
}

/** The L7 part of a verdict, when the flow carries a request (`Flow.l7`). */
export interface L7Verdict {
  readonly kind: 'http' | 'dns';
  /** The request in words: `GET /api (host example.com)`, `DNS query example.com`. */
  readonly request: string;
  readonly verdict: 'allowed' | 'denied';
  readonly egress: L7SideVerdict;
  readonly ingress: L7SideVerdict;
}

/** The engine's answer for a flow. */
export interface Verdict {
  /** `denied` when L4 denies the flow, or when its L7 request (`Flow.l7`) is refused. */
  readonly verdict: 'allowed' | 'denied';
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
  /** The L7 evaluation, when the flow carries a request and L4 allows it. */
  readonly l7?: L7Verdict;
  /** Things the engine is unsure of or did not model for this flow (never guessed silently). */
  readonly caveats: readonly string[];
}
