import { DEFAULT_CLUSTER_SETTINGS } from '../repo/config.js';
import type { ClusterNode, ClusterSettings, Labels, NamedPort, Repo, WorkloadObject } from '../repo/model.js';
import { parseIp, rangeContainsIp } from './cidr.js';
import { getOrCreate } from './collections.js';
import { entityMatches } from './entity.js';
import { type FqdnMatchOptions, matchFqdn } from './fqdn.js';
import {
  type Identity,
  isIdentityRelevantPodLabel,
  kubeApiServerIdentity,
  NAMESPACE_LABELS_PREFIX,
  nodeIdentity,
  podIdentity,
  reservedIdentity,
  worldIdentity,
} from './identity.js';
import {
  describeDnsRule,
  describeHttpRule,
  describeL7Request,
  dnsRuleMatches,
  httpRuleMatches,
  type L7Request,
} from './l7.js';
import {
  type CompiledPeerRule,
  type CompiledPortRule,
  type CompiledRule,
  compilePolicies,
  rejectionByRelease,
} from './normalize.js';
import {
  type CompiledPort,
  clusterPortMatches,
  icmpTypeNumber,
  indexNamedPorts,
  type NamedPortIndex,
  portMatches,
} from './ports.js';
import { type ReleaseSemantics, releaseSemantics } from './releases.js';
import { type Requirement, selectorHasKeyPrefix, selectorMatches } from './selector.js';
import type {
  ClosestRule,
  ClosestRules,
  Flow,
  L7SideVerdict,
  L7Verdict,
  Peer,
  RuleRef,
  SideVerdict,
  Verdict,
} from './types.js';

/** Default cluster settings: those of the current Cilium release (see docs/semantics.md). */
export const DEFAULT_SETTINGS: ClusterSettings = DEFAULT_CLUSTER_SETTINGS;

/** The policy state of one endpoint in one direction, computed once per identity and cached. */
export interface DirectionPolicy {
  /** Whether traffic not allowed by a rule is dropped. */
  readonly enforced: boolean;
  /** Rules that select the endpoint and have rules in this direction. */
  readonly selectedBy: readonly CompiledRule[];
  /** The same as rule references, built once. */
  readonly selectedByRefs: readonly RuleRef[];
  readonly allow: readonly CompiledPeerRule[];
  readonly deny: readonly CompiledPeerRule[];
  /** `fromRequires`/`toRequires` of all selecting rules, folded into every endpoint selector. */
  readonly requirements: readonly Requirement[];
  readonly requirementsDeny: readonly Requirement[];
  /**
   * Whether an allow rule of this direction carries DNS L7 rules, so Cilium's DNS proxy sees the
   * endpoint's lookups: toFQDNs selectors learn addresses only from those (docs: policy language, DNS based).
   */
  readonly dnsVisibility: boolean;
  readonly reason: string;
  /** The explanation sentences of each outcome, built once (verdicts share them). */
  readonly reasons: {
    readonly base: readonly string[];
    readonly allowed: readonly string[];
    readonly denied: readonly string[];
    readonly deniedByRule: readonly string[];
    readonly localhost: readonly string[];
  };
  /**
   * The side verdicts of flows no allow or deny element of this direction matches (the outcome then
   * depends on the policy alone), built once and shared, frozen, by every such verdict.
   */
  readonly unmatched: {
    /** Not enforced (or enforcement mode `never`): allowed. */
    readonly allowed: SideVerdict;
    /** Enforced: denied by default deny. */
    readonly denied: SideVerdict;
    /** Ingress from the local host under allow-localhost. */
    readonly localhost: SideVerdict;
  };
}

/** The policy of one endpoint (identity): both directions. */
export interface EndpointPolicy {
  readonly ingress: DirectionPolicy;
  readonly egress: DirectionPolicy;
}

/** Why a peer rule matched, with the caveats of that match. */
interface PeerMatch {
  readonly notes: readonly string[];
}

const PLAIN_MATCH: PeerMatch = Object.freeze({ notes: Object.freeze([]) as readonly string[] });

const MAX_CACHE = 200_000;

/** An address's family and value as one string, so that `::1` and `0::1` are one key; `undefined` for a non-address. */
function addressKey(ip: string): string | undefined {
  const parsed = parseIp(ip);
  return parsed === null ? undefined : `${parsed.family}:${parsed.value}`;
}
/** Verdicts kept per engine (all peers together) before the peer cache, which holds them, is dropped. */
const MAX_VERDICTS = 500_000;

/** A peer's identity as cached by the engine, with the verdicts already computed from it. */
interface ResolvedPeer {
  readonly identity: Identity;
  readonly caveat: string | undefined;
  /** The identity's policy cache entry, kept here once a verdict looked it up (saves hashing the identity key). */
  policies: IdentityPolicies | undefined;
  /** Number of this resolved peer within its engine (the destination part of a cached verdict's key). */
  readonly id: number;
  /**
   * Verdicts of flows from this peer, by the destination's {@link id}, then by {@link l4Key}: those of the
   * first destination inline ({@link firstDestination}), the others in {@link verdicts}, created for a second
   * destination (most peers of a cold pass only ever have one). The resolved peer lives in one engine (a view
   * has its own), so what-if views never see these.
   */
  firstDestination: number;
  firstVerdicts: CachedVerdict | undefined;
  verdicts: Map<number, CachedVerdict> | undefined;
}

/** A cached verdict of one source and destination, and those of the pair's other ports or protocols. */
interface CachedVerdict {
  readonly l4: number;
  readonly verdict: Verdict;
  next: CachedVerdict | undefined;
}

/**
 * A trie node whose first child is kept inline ({@link step}, {@link child}) and the others in {@link next}:
 * most nodes of the engine's tries have one child (the one label key of a namespace's pods, the one rule of a
 * namespace selecting an app), and a Map each would be most of the memory they take.
 */
interface InlineTrieNode<K, N> {
  step: K | undefined;
  child: N | undefined;
  next: Map<K, N> | undefined;
}

/** The child of `node` by `step`, made by `make` when missing. */
function trieStep<K, N extends InlineTrieNode<K, N>>(node: N, step: K, make: () => N): N {
  if (node.step === step) return node.child as N;
  if (node.step === undefined) {
    node.step = step;
    node.child = make();
    return node.child;
  }
  if (node.next === undefined) node.next = new Map();
  let child = node.next.get(step);
  if (child === undefined) {
    child = make();
    node.next.set(step, child);
  }
  return child;
}

/** A node of the engine's peer cache: one step of a peer's fields (see `PolicyEngine.peerNode`). */
interface PeerTrieNode extends InlineTrieNode<string, PeerTrieNode> {
  peer: ResolvedPeer | undefined;
}

function newPeerTrieNode(): PeerTrieNode {
  return { step: undefined, child: undefined, next: undefined, peer: undefined };
}

/** The roots of an engine's peer cache, by kind of peer (pods with an explicit service account apart). */
function newPeerTrie() {
  return {
    pods: newPeerTrieNode(),
    accounts: newPeerTrieNode(),
    world: newPeerTrieNode(),
    reserved: newPeerTrieNode(),
  };
}

function trieChild(node: PeerTrieNode, step: string): PeerTrieNode {
  return trieStep(node, step, newPeerTrieNode);
}

/** The rules selecting one identity, and its direction policies once a verdict or a caller asked for them. */
interface IdentityPolicies {
  readonly selecting: readonly CompiledRule[];
  ingress: DirectionPolicy | undefined;
  egress: DirectionPolicy | undefined;
  /** The {@link EndpointPolicy} handed to callers of `endpointPolicy`, built on the first call. */
  both: EndpointPolicy | undefined;
}

/**
 * A node of a selection trie: one step per selecting rule with rules in the trie's direction, clusterwide
 * rules first (the steps many namespaces share).
 */
interface SelectionNode extends InlineTrieNode<CompiledRule, SelectionNode> {
  policy: DirectionPolicy | undefined;
}

/** The policy caches of an engine, shared by its what-if views (they change identities, never rules). */
interface PolicyCaches {
  /** By identity key. */
  readonly byIdentity: Map<string, IdentityPolicies>;
  /** Direction policies by their selecting rules, one trie per direction. */
  selections: { ingress: SelectionNode; egress: SelectionNode };
  /** Direction policies built since the tries were last emptied. */
  selectionCount: number;
}

function newSelectionNode(): SelectionNode {
  return { step: undefined, child: undefined, next: undefined, policy: undefined };
}

function newPolicyCaches(): PolicyCaches {
  return {
    byIdentity: new Map(),
    selections: { ingress: newSelectionNode(), egress: newSelectionNode() },
    selectionCount: 0,
  };
}

/** Protocol code of {@link l4Key} (TCP 0, UDP 1, SCTP 2, ICMPv4 3, ICMPv6 4); -1 for another protocol. */
function protocolCode(protocol: string): number {
  switch (protocol) {
    case 'TCP':
      return 0;
    case 'UDP':
      return 1;
    case 'SCTP':
      return 2;
    case 'ICMPv4':
      return 3;
    case 'ICMPv6':
      return 4;
    default:
      return -1;
  }
}

/**
 * The verdict-cache key of a flow's L4 part: port (the ICMP type for ICMP) and protocol packed into one
 * small integer; -1 when the flow cannot be keyed (an explicit `namedPorts` list on the destination, an
 * unknown protocol, a port or type outside its range).
 */
function l4Key(flow: Flow): number {
  const dest = flow.destination;
  if (dest.kind === 'pod' && dest.namedPorts !== undefined) return -1;
  const code = protocolCode(flow.protocol);
  if (code < 0) return -1;
  const slot = code >= 3 ? (flow.icmpType ?? 8) : flow.port;
  if (!Number.isInteger(slot) || slot < 0 || slot > 65535) return -1;
  return slot * 8 + code;
}

/** Freezes a verdict computed once and handed to every later caller of the same flow. */
function freezeVerdict(v: Verdict): Verdict {
  for (const side of [v.egress, v.ingress]) {
    if (Object.isFrozen(side)) continue;
    Object.freeze(side.allowedBy);
    Object.freeze(side.deniedBy);
    Object.freeze(side);
  }
  Object.freeze(v.caveats);
  return Object.freeze(v);
}
const NO_NOTES: readonly string[] = Object.freeze([]);
const NO_REFS: readonly RuleRef[] = Object.freeze([]);
const NO_RULES: readonly CompiledRule[] = Object.freeze([]);
const NO_PEER_RULES: readonly CompiledPeerRule[] = Object.freeze([]);
const NO_REQUIREMENTS: readonly Requirement[] = Object.freeze([]);
/** The explanation sentences of a direction's outcomes, by direction and enforcement reason; shared. */
const REASONS = new Map<string, DirectionPolicy['reasons']>();
/** Side verdicts of endpoints outside policy (world, reserved), by direction and wording; shared, frozen. */
const UNMANAGED_SIDES = new Map<string, SideVerdict>();
/** The rule reference of a peer rule matched without notes, built once per compiled element. */
const PLAIN_REFS = new WeakMap<CompiledPeerRule, RuleRef>();
const FQDN_NOTES: readonly string[] = Object.freeze(['FQDN-matched']);

/**
 * Evaluates flows against a repository's policies with Cilium's semantics. Construction compiles the
 * policies once (O(rules)); each verdict looks only at the rules of the two endpoints' namespaces plus the
 * clusterwide rules, and caches each identity's endpoint policy, so repeated verdicts cost microseconds.
 * Pure and synchronous: no I/O, no clock.
 * @see Cilium docs: security/policy/intro (policy enforcement modes), security/policy/language.
 */
export class PolicyEngine {
  /** The compiled rules, in repository order. */
  readonly rules: readonly CompiledRule[];
  readonly settings: ClusterSettings;
  private byNamespace = new Map<string, CompiledRule[]>();
  private clusterwide: CompiledRule[] = [];
  /** Namespace labels: every namespace in the engine itself; only the overridden ones in a view. */
  private namespaceLabels = new Map<string, Labels>();
  /** In a view, the labels of the engine the view was made from (shared, never copied); undefined otherwise. */
  private inheritedLabels: ReadonlyMap<string, Labels> | undefined;
  private workloadsByNamespace = new Map<string, WorkloadObject[]>();
  /** Selecting rules and direction policies by identity and by selection; shared with views (a view changes identities, never rules). */
  private readonly policyCaches: PolicyCaches = newPolicyCaches();
  /** Resolved peers, found by {@link peerNode}; each engine and view has its own. */
  private peerTrie = newPeerTrie();
  /** Resolved peers in {@link peerTrie}. */
  private peerCount = 0;
  /** Numbers handed to resolved peers so far (never reused, so a dropped peer's key cannot come back). */
  private resolvedPeers = 0;
  /** Verdicts held by the resolved peers of {@link peerTrie}. */
  private cachedVerdicts = 0;
  private hasHostPolicies: boolean;
  /** Host policies (nodeSelector rules), evaluated for host endpoints when `settings.hostFirewall` is set. */
  private hostRules: CompiledRule[] = [];
  /** Nodes by name: Node objects of the repository, replaced by `cluster.nodes` entries of the same name. */
  private nodes = new Map<string, ClusterNode>();
  /**
   * Node names by address (`parseIp` family and value), from the addresses of {@link nodes}: a `host` or
   * `remote-node` peer that carries only an address (a Hubble flow's side) is the node that has it.
   */
  private nodeByAddress = new Map<string, string>();
  /**
   * Whether any rule selects by node labels (host policies, `fromNodes`/`toNodes`): only then does a node
   * without known labels leave a verdict uncertain.
   */
  private selectsNodes = false;
  /** Per namespace ('' for clusterwide), policies the configured release rejects as a whole. */
  private rejectedCaveats = new Map<string, string[]>();
  /** Per namespace, the caveat naming the sources of objects netpol cannot see that target it. */
  private unseenCaveats = new Map<string, string>();
  /** The release behaviours verdicts follow (`cluster.ciliumVersion`, or the nearest modelled release). */
  readonly release: ReleaseSemantics;
  /** How DNS patterns match at the configured release (the `**.` prefix from 1.19). */
  private readonly fqdnOptions: FqdnMatchOptions;
  /** Named ports of every workload in the repository, for egress under `release.egressNamedPorts: cluster`. */
  private namedPortIndex: NamedPortIndex;

  /**
   * @param repo - a loaded repository (see `loadRepo`). Its `settings` are used unless overridden.
   * @param settings - overrides of the repository's cluster settings.
   */
  constructor(
    repo: Pick<Repo, 'namespaces' | 'policies' | 'workloads'> & {
      settings?: ClusterSettings;
      unseen?: Repo['unseen'];
      cidrGroups?: Repo['cidrGroups'];
      services?: Repo['services'];
      serviceEndpoints?: Repo['serviceEndpoints'];
      nodes?: Repo['nodes'];
    },
    settings?: Partial<ClusterSettings>,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...(repo.settings ?? {}), ...(settings ?? {}) };
    this.release = releaseSemantics(this.settings.ciliumVersion);
    this.fqdnOptions = { multiLevelPrefix: this.release.dnsMultiLevelPrefix };
    this.rules = compilePolicies(repo.policies, {
      namespaceLabelSelectorsCrossNamespaces: true,
      cidrGroups: repo.cidrGroups ?? [],
      services: { services: repo.services ?? [], serviceEndpoints: repo.serviceEndpoints ?? [] },
      release: this.release,
    });
    this.namedPortIndex = indexNamedPorts(repo.workloads.map((w) => w.namedPorts));
    for (const r of this.rules) {
      if (r.host) {
        this.hostRules.push(r);
        continue;
      }
      if (r.namespace === '') {
        this.clusterwide.push(r);
        continue;
      }
      getOrCreate(this.byNamespace, r.namespace, () => []).push(r);
    }
    this.hasHostPolicies = this.hostRules.length > 0;
    for (const n of repo.nodes ?? []) this.nodes.set(n.name, n);
    for (const n of this.settings.nodes ?? []) this.nodes.set(n.name, n);
    for (const n of this.nodes.values()) {
      for (const a of n.addresses) {
        const key = addressKey(a);
        if (key !== undefined && !this.nodeByAddress.has(key)) this.nodeByAddress.set(key, n.name);
      }
    }
    this.selectsNodes =
      this.hasHostPolicies ||
      this.rules.some((r) =>
        [r.ingress, r.ingressDeny, r.egress, r.egressDeny].some((list) =>
          list.some((pr) => pr.nodes.length > 0),
        ),
      );
    for (const ns of repo.namespaces) this.namespaceLabels.set(ns.name, ns.labels);
    for (const w of repo.workloads) {
      getOrCreate(this.workloadsByNamespace, w.namespace, () => []).push(w);
    }
    const unseen = new Map<string, string[]>();
    for (const u of repo.unseen ?? []) {
      for (const ns of u.namespaces)
        if (ns !== '*') getOrCreate(unseen, ns, () => []).push(`${u.kind}/${u.namespace}/${u.name}`);
    }
    const compileOptions = { namespaceLabelSelectorsCrossNamespaces: true, release: this.release };
    for (const p of repo.policies) {
      const why = rejectionByRelease(p, compileOptions);
      if (why === undefined) continue;
      const ns = p.kind === 'CiliumNetworkPolicy' ? p.namespace : '';
      getOrCreate(this.rejectedCaveats, ns, () => []).push(
        `${p.kind}/${ns === '' ? '' : `${ns}/`}${p.name}: ${why}`,
      );
    }
    for (const [ns, sources] of unseen) {
      const shown =
        sources.slice(0, 3).join(', ') + (sources.length > 3 ? ` and ${sources.length - 3} more` : '');
      this.unseenCaveats.set(
        ns,
        `namespace "${ns}" also gets objects netpol cannot see offline (${shown}); policies they create are not evaluated`,
      );
    }
  }

  /**
   * A view of this engine in which some namespaces carry other labels: the answer to "what if namespace
   * X had label Y?" (profile switches, access grants). The compiled rules and the namespace labels are
   * shared, so a view costs O(overrides), neither a recompilation nor a copy of every namespace (a
   * drop storm over thousands of namespaces makes tens of thousands of views); it has its own identity
   * cache. Unknown namespaces may be added.
   * @param overrides - namespace name → its complete new label map.
   */
  withNamespaceLabels(overrides: Readonly<Record<string, Labels>>): PolicyEngine {
    const view = new PolicyEngine({ namespaces: [], policies: [], workloads: [] }, this.settings);
    Object.assign(view, { rules: this.rules, policyCaches: this.policyCaches });
    view.byNamespace = this.byNamespace;
    view.clusterwide = this.clusterwide;
    view.workloadsByNamespace = this.workloadsByNamespace;
    view.hasHostPolicies = this.hasHostPolicies;
    view.hostRules = this.hostRules;
    view.nodes = this.nodes;
    view.nodeByAddress = this.nodeByAddress;
    view.selectsNodes = this.selectsNodes;
    view.unseenCaveats = this.unseenCaveats;
    view.rejectedCaveats = this.rejectedCaveats;
    view.namedPortIndex = this.namedPortIndex;
    view.inheritedLabels = this.inheritedLabels ?? this.namespaceLabels;
    view.namespaceLabels = this.inheritedLabels ? new Map(this.namespaceLabels) : new Map();
    for (const [ns, labels] of Object.entries(overrides)) view.namespaceLabels.set(ns, labels);
    return view;
  }

  /** Whether the repository defines the namespace. */
  hasNamespace(name: string): boolean {
    return this.namespaceLabels.has(name) || this.inheritedLabels?.has(name) === true;
  }

  /** Labels of a namespace as the repository defines them; for an unknown one, only `kubernetes.io/metadata.name`. */
  labelsOfNamespace(name: string): Labels {
    return (
      this.namespaceLabels.get(name) ??
      this.inheritedLabels?.get(name) ?? { 'kubernetes.io/metadata.name': name }
    );
  }

  /** The workloads the repository defines in `namespace` (Deployments, StatefulSets … with their pod labels). */
  workloadsOf(namespace: string): readonly WorkloadObject[] {
    return this.workloadsByNamespace.get(namespace) ?? [];
  }

  /** The first workload of `namespace` whose pod labels include all of `labels`. */
  workloadFor(namespace: string, labels: Labels): WorkloadObject | undefined {
    const list = this.workloadsByNamespace.get(namespace);
    if (!list) return undefined;
    const entries = Object.entries(labels);
    // A peer without labels is "a pod with no labels", not whichever workload the namespace has.
    if (entries.length === 0) return undefined;
    return list.find((w) => entries.every(([k, v]) => w.podLabels[k] === v));
  }

  /**
   * The security identity Cilium would give the peer. Pod and world identities are cached per peer (a
   * namespace's labels are fixed for the engine's life), so repeated flows reuse one object and its key.
   */
  identityOf(peer: Peer): Identity {
    return this.resolvePeer(peer).identity;
  }

  /**
   * The node that has an address: a Node object of the repository or a `cluster.nodes` entry listing it
   * (`status.addresses`, `addresses`). Hubble names the node of a `remote-node` side by nothing but its address.
   * @param ip - an IPv4 or IPv6 address in any textual form; `undefined` gives `undefined`.
   * @returns the node's name, or `undefined` when no node known to the engine has the address.
   */
  nodeOfAddress(ip: string | undefined): string | undefined {
    if (ip === undefined || this.nodeByAddress.size === 0) return undefined;
    const key = addressKey(ip);
    return key === undefined ? undefined : this.nodeByAddress.get(key);
  }

  /**
   * The node a `host` or `remote-node` peer is, when the engine knows it: the peer's own node name if a Node
   * object or `cluster.nodes` entry has it, else the node holding its address ({@link nodeOfAddress}).
   * @param peer - any peer; other kinds give `undefined`.
   * @returns the node's name, or `undefined` (not a node peer, or a node the repository does not describe).
   */
  knownNodeOf(peer: Peer): string | undefined {
    if (peer.kind !== 'reserved' || (peer.entity !== 'host' && peer.entity !== 'remote-node'))
      return undefined;
    if (peer.node !== undefined && this.nodes.has(peer.node)) return peer.node;
    return this.nodeOfAddress(peer.ip);
  }

  /** The cached identity of a peer, with the caveat its namespace carries when the repository lacks it. */
  private resolvePeer(peer: Peer): ResolvedPeer {
    const node = this.peerNode(peer);
    const cached = node.peer;
    if (cached) return cached;
    const resolved: ResolvedPeer = {
      id: this.resolvedPeers++,
      policies: undefined,
      firstDestination: -1,
      firstVerdicts: undefined,
      verdicts: undefined,
      identity: this.buildIdentity(peer),
      caveat:
        peer.kind === 'pod' && !this.hasNamespace(peer.namespace)
          ? `namespace "${peer.namespace}" is not defined in the repository: it is traced with only its kubernetes.io/metadata.name label`
          : peer.kind === 'reserved' &&
              peer.node !== undefined &&
              this.selectsNodes &&
              !this.nodes.has(peer.node)
            ? `node "${peer.node}" is neither a Node object in the repository nor in cluster.nodes of netpol.config.yaml: it is traced without node labels`
            : peer.kind === 'reserved' && peer.entity === 'kube-apiserver'
              ? this.settings.kubeAPIServer === 'external'
                ? 'kube-apiserver is modelled outside the cluster (identity kube-apiserver + world, so world and CIDR rules match it too); set cluster.kubeAPIServer: nodes in netpol.config.yaml if it runs on cluster nodes'
                : 'kube-apiserver is modelled on cluster nodes (identity kube-apiserver + remote-node); set cluster.kubeAPIServer: external in netpol.config.yaml for a managed control plane'
              : undefined,
    };
    if (this.peerCount >= MAX_CACHE) {
      this.dropPeerCache();
      this.peerNode(peer).peer = resolved;
    } else node.peer = resolved;
    this.peerCount++;
    return resolved;
  }

  /**
   * The node of {@link peerTrie} for a peer: by kind, then (service account and) namespace and each label
   * key and value in the peer's order for pods (another order only costs a miss), address and names for
   * world peers, entity, address and node for reserved ones. A walk of map lookups on the peer's own strings: no key is built on the warm path.
   */
  private peerNode(peer: Peer): PeerTrieNode {
    let node: PeerTrieNode;
    switch (peer.kind) {
      case 'pod': {
        // No service account (the workload's, else `default`) and an explicit one are different peers.
        node =
          peer.serviceAccount === undefined
            ? trieChild(this.peerTrie.pods, peer.namespace)
            : trieChild(trieChild(this.peerTrie.accounts, peer.serviceAccount), peer.namespace);
        const labels = peer.labels;
        for (const key in labels) node = trieChild(trieChild(node, key), labels[key] as string);
        return node;
      }
      case 'world':
        node = trieChild(this.peerTrie.world, peer.ip);
        return peer.names === undefined || peer.names.length === 0
          ? node
          : trieChild(node, peer.names.join('\u0000'));
      case 'reserved':
        node = trieChild(trieChild(this.peerTrie.reserved, peer.entity), peer.ip ?? '\u0000');
        return trieChild(node, peer.node ?? '\u0000');
    }
  }

  /** Forgets every resolved peer and the verdicts they hold. */
  private dropPeerCache(): void {
    this.peerTrie = newPeerTrie();
    this.peerCount = 0;
    this.cachedVerdicts = 0;
  }

  private buildIdentity(peer: Peer): Identity {
    switch (peer.kind) {
      case 'pod':
        return podIdentity({
          namespace: peer.namespace,
          podLabels: peer.labels,
          namespaceLabels: this.labelsOfNamespace(peer.namespace),
          serviceAccount:
            peer.serviceAccount ?? this.workloadFor(peer.namespace, peer.labels)?.serviceAccount ?? 'default',
          clusterName: this.settings.clusterName,
        });
      case 'world':
        return worldIdentity(peer.ip, peer.names ?? []);
      case 'reserved':
        if (peer.entity === 'kube-apiserver')
          return kubeApiServerIdentity(this.settings.kubeAPIServer, peer.ip);
        if (peer.entity === 'host' || peer.entity === 'remote-node') {
          const name = peer.node ?? this.nodeOfAddress(peer.ip);
          if (name !== undefined) {
            const node = this.nodes.get(name);
            return nodeIdentity(peer.entity, name, node?.labels ?? {}, peer.ip ?? node?.addresses[0]);
          }
        }
        return reservedIdentity(peer.entity, peer.ip);
    }
  }

  /**
   * The endpoint policy of a pod identity: for each direction, whether it is enforced, and the allow
   * and deny elements of every rule that selects it.
   * Default deny: an endpoint is enforced in a direction once a rule selecting it has rules for that
   * direction (allow or deny), unless that rule sets `enableDefaultDeny.<dir>: false`; `always` enforces
   * every endpoint, `never` none.
   * @see cilium/cilium pkg/policy/repository.go (computePolicyEnforcementAndRules), pkg/policy/api/rule.go
   *   (EnableDefaultDeny); Cilium docs: security/policy/intro "Policy Enforcement Modes".
   */
  endpointPolicy(identity: Identity): EndpointPolicy {
    const entry = this.identityPolicies(identity);
    entry.both ??= { ingress: this.directionOf(entry, 'ingress'), egress: this.directionOf(entry, 'egress') };
    return entry.both;
  }

  /** One direction of {@link endpointPolicy}: a verdict needs the source's egress and the destination's ingress only. */
  private directionPolicyOf(identity: Identity, dir: 'ingress' | 'egress'): DirectionPolicy {
    return this.directionOf(this.identityPolicies(identity), dir);
  }

  /** One direction of an identity's cache entry, found on first use. */
  private directionOf(entry: IdentityPolicies, dir: 'ingress' | 'egress'): DirectionPolicy {
    const known = entry[dir];
    if (known !== undefined) return known;
    const policy = this.selectionPolicy(entry.selecting, dir);
    entry[dir] = policy;
    return policy;
  }

  /** The cache entry of an identity (by its key): the rules selecting it, found once. */
  private identityPolicies(identity: Identity): IdentityPolicies {
    const caches = this.policyCaches;
    let entry = caches.byIdentity.get(identity.key);
    if (entry === undefined) {
      entry = {
        selecting: this.selectingRules(identity),
        ingress: undefined,
        egress: undefined,
        both: undefined,
      };
      if (caches.byIdentity.size >= MAX_CACHE) caches.byIdentity.clear();
      caches.byIdentity.set(identity.key, entry);
    }
    return entry;
  }

  /** The rules whose subject selects the identity: its namespace's and the clusterwide ones, or the host rules for a node. */
  private selectingRules(identity: Identity): CompiledRule[] {
    const selecting: CompiledRule[] = [];
    if (identity.kind === 'pod' || !isNodeIdentity(identity)) {
      for (const r of this.byNamespace.get(identity.namespace) ?? NO_RULES) {
        if (selectorMatches(r.subject, identity)) selecting.push(r);
      }
      for (const r of this.clusterwide) if (selectorMatches(r.subject, identity)) selecting.push(r);
    } else {
      for (const r of this.hostRules) if (selectorMatches(r.subject, identity)) selecting.push(r);
    }
    return selecting;
  }

  /**
   * The direction policy of a selection, shared by every identity whose selecting rules with rules in that
   * direction are the same (an ingress policy made of clusterwide rules alone is one object for the pods of
   * every namespace): found by a walk of {@link PolicyCaches.selections} on those rules.
   */
  private selectionPolicy(selecting: readonly CompiledRule[], dir: 'ingress' | 'egress'): DirectionPolicy {
    const caches = this.policyCaches;
    let node = caches.selections[dir];
    // Backwards: `selecting` ends with the clusterwide rules, which many namespaces' pods share.
    for (let i = selecting.length - 1; i >= 0; i--) {
      const r = selecting[i] as CompiledRule;
      if (r.has[dir]) node = trieStep(node, r, newSelectionNode);
    }
    if (node.policy !== undefined) return node.policy;
    const policy = this.directionPolicy(selecting, dir);
    if (caches.selectionCount >= MAX_CACHE) {
      caches.selections = { ingress: newSelectionNode(), egress: newSelectionNode() };
      caches.selectionCount = 0;
    } else node.policy = policy;
    caches.selectionCount++;
    return policy;
  }

  private directionPolicy(selecting: readonly CompiledRule[], dir: 'ingress' | 'egress'): DirectionPolicy {
    const selectedBy: CompiledRule[] = [];
    const allow: CompiledPeerRule[] = [];
    const deny: CompiledPeerRule[] = [];
    const requirements: Requirement[] = [];
    const requirementsDeny: Requirement[] = [];
    for (const r of selecting) {
      if (!r.has[dir]) continue;
      selectedBy.push(r);
      for (const p of dir === 'ingress' ? r.ingress : r.egress) {
        allow.push(p);
        for (const q of p.requires) requirements.push(q);
      }
      for (const p of dir === 'ingress' ? r.ingressDeny : r.egressDeny) {
        deny.push(p);
        for (const q of p.requires) requirementsDeny.push(q);
      }
    }
    const mode = this.settings.policyEnforcementMode;
    let enforced: boolean;
    let reason: string;
    if (mode === 'never') {
      enforced = false;
      reason = 'policyEnforcementMode is "never": no policy is enforced';
    } else if (mode === 'always') {
      enforced = true;
      reason = 'policyEnforcementMode is "always": every endpoint denies what no rule allows';
    } else if (selectedBy.some((r) => r.defaultDeny[dir])) {
      enforced = true;
      reason = `default deny: ${selectedBy.filter((r) => r.defaultDeny[dir]).length} rule(s) with ${dir} rules select this endpoint`;
    } else if (selectedBy.length > 0) {
      enforced = false;
      reason = `not enforced: every rule with ${dir} rules selecting this endpoint sets enableDefaultDeny.${dir}: false`;
    } else {
      enforced = false;
      reason = `not enforced: no rule with ${dir} rules selects this endpoint`;
    }
    const selectedByRefs =
      selectedBy.length > 0 ? Object.freeze(selectedBy.map((r) => ruleRefOfRule(r, dir))) : NO_REFS;
    const dnsVisibility = allow.some((p) => p.ports?.some((pr) => pr.l7 === 'dns') ?? false);
    const reasons = getOrCreate(REASONS, `${dir}\u0000${reason}`, () => ({
      base: Object.freeze([reason]),
      allowed: Object.freeze([reason, 'allowed by the rules listed']),
      denied: Object.freeze([reason, `no ${dir} rule selecting this endpoint allows the flow`]),
      deniedByRule: Object.freeze([reason, 'a deny rule matches: deny rules win over any allow']),
      localhost: Object.freeze([
        reason,
        'allow-localhost: the local node (kubelet probes) always reaches its pods',
      ]),
    }));
    const unmatchedSide = (enforcedHere: boolean, verdict: 'allowed' | 'denied', why: readonly string[]) =>
      Object.freeze({
        enforced: enforcedHere,
        verdict,
        allowedBy: NO_REFS,
        deniedBy: NO_REFS,
        selectedBy: selectedByRefs,
        reasons: why,
      });
    const unmatched = {
      allowed: unmatchedSide(false, 'allowed', reasons.base),
      denied: unmatchedSide(true, 'denied', reasons.denied),
      localhost: unmatchedSide(enforced, 'allowed', reasons.localhost),
    };
    // Empty lists are shared: a direction policy is kept for every distinct selection (one or more per namespace).
    return {
      enforced,
      selectedBy: selectedBy.length > 0 ? selectedBy : NO_RULES,
      selectedByRefs,
      allow: allow.length > 0 ? allow : NO_PEER_RULES,
      deny: deny.length > 0 ? deny : NO_PEER_RULES,
      requirements: requirements.length > 0 ? requirements : NO_REQUIREMENTS,
      requirementsDeny: requirementsDeny.length > 0 ? requirementsDeny : NO_REQUIREMENTS,
      dnsVisibility,
      reason,
      reasons,
      unmatched,
    };
  }

  /**
   * The verdict Cilium gives the first packet of `flow`: the source's egress AND the destination's ingress
   * must allow it; on each side a matching deny rule wins over every allow. Replies of an allowed
   * connection are not subject to policy and are not modelled here.
   * Verdicts are cached per (source peer, destination peer, port or ICMP type, protocol) in this engine
   * (a what-if view has its own cache) and returned frozen: the same flow gets the same object again. A
   * destination with an explicit `namedPorts` list is evaluated afresh each time.
   * @see Cilium docs: security/policy/language (Deny Policies), security/policy/intro.
   */
  verdict(flow: Flow): Verdict {
    const source = this.resolvePeer(flow.source);
    const destination = this.resolvePeer(flow.destination);
    const l4 = l4Key(flow);
    // An L7 request (trace --http/--dns) is evaluated afresh: the cache holds L4 verdicts only.
    if (l4 < 0 || flow.l7 !== undefined) return this.computeVerdict(flow, source, destination);
    const inline = source.firstDestination === destination.id;
    const first = inline ? source.firstVerdicts : source.verdicts?.get(destination.id);
    for (let c = first; c !== undefined; c = c.next) if (c.l4 === l4) return c.verdict;
    const verdict = freezeVerdict(this.computeVerdict(flow, source, destination));
    if (this.cachedVerdicts >= MAX_VERDICTS) this.dropPeerCache();
    else {
      const cached: CachedVerdict = { l4, verdict, next: first };
      if (inline || source.firstDestination < 0) {
        source.firstDestination = destination.id;
        source.firstVerdicts = cached;
      } else {
        source.verdicts ??= new Map();
        source.verdicts.set(destination.id, cached);
      }
      this.cachedVerdicts++;
    }
    return verdict;
  }

  /** {@link verdict} without its cache: a pure function of the two resolved peers and the flow's L4. */
  private computeVerdict(flow: Flow, source: ResolvedPeer, destination: ResolvedPeer): Verdict {
    const caveats: string[] = [];
    const src = source.identity;
    const dst = betweenNodes(src, destination.identity, caveats);
    const dstPorts = this.namedPortsOf(flow.destination);
    if (source.caveat) caveats.push(source.caveat);
    if (destination.caveat && destination.caveat !== source.caveat) caveats.push(destination.caveat);
    if (this.release.unknownVersion) caveats.push(this.release.unknownVersion);
    for (const peer of [flow.source, flow.destination]) {
      const unseen = peer.kind === 'pod' ? this.unseenCaveats.get(peer.namespace) : undefined;
      if (unseen && !caveats.includes(unseen)) caveats.push(unseen);
    }
    if (this.rejectedCaveats.size > 0) this.rejectionCaveats(flow, caveats);
    const egress = this.side('egress', src, source, dst, flow, dstPorts, caveats);
    const ingress = this.side('ingress', dst, destination, src, flow, dstPorts, caveats);
    const l4 = egress.verdict === 'allowed' && ingress.verdict === 'allowed' ? 'allowed' : 'denied';
    if (flow.l7 !== undefined && l4 === 'allowed') {
      const l7 = this.l7Verdict(flow, flow.l7, src, dst, dstPorts, caveats);
      return { verdict: l7.verdict, egress, ingress, l7, caveats: [...new Set(caveats)] };
    }
    return {
      verdict: l4,
      egress,
      ingress,
      caveats: caveats.length === 0 ? NO_NOTES : caveats.length === 1 ? caveats : [...new Set(caveats)],
    };
  }

  /**
   * The closest rules of one side of a flow's verdict, for its explanation: when the side is denied by default
   * deny (no deny rule matches), the allow elements of the rules selecting the endpoint in that direction whose
   * peer matches the flow's peer (the verdict's own peer matching: endpoints with namespace injection and
   * `fromRequires`/`toRequires`, entities, CIDRs, FQDNs, services, nodes) but whose L4 part does not admit the
   * flow, each with what it admits. Not part of {@link verdict}: computed on demand, O(allow elements of the
   * endpoint in that direction), and never cached.
   * @param flow - the flow whose verdict is explained.
   * @param dir - the side: `egress` of the source or `ingress` of the destination.
   * @param limit - how many elements to list; the rest are counted in `more`. Default: `5`.
   * @returns null when the side is allowed or a deny rule denies it (its `deniedBy` says why).
   * @see docs/semantics.md §1.5 (peer and ports are ANDed within an element), §5 (default deny), §7 (L4).
   */
  closestRules(flow: Flow, dir: 'ingress' | 'egress', limit = 5): ClosestRules | null {
    const side = this.verdict(flow)[dir];
    if (side.verdict !== 'denied' || side.deniedBy.length > 0 || !side.enforced) return null;
    const src = this.resolvePeer(flow.source).identity;
    const dst = betweenNodes(src, this.resolvePeer(flow.destination).identity, []);
    const local = dir === 'egress' ? src : dst;
    let remote = dir === 'egress' ? dst : src;
    // As `side` does for a host endpoint under the host firewall: another node's host is a remote node there.
    if (
      local.kind === 'reserved' &&
      this.settings.hostFirewall === true &&
      this.hasHostPolicies &&
      isNodeIdentity(local)
    ) {
      remote = seenFromNode(local, remote);
    }
    const policy = this.directionPolicyOf(local, dir);
    const dstPorts = this.namedPortsOf(flow.destination);
    // Caveats of these matches are already on the verdict.
    const scratch: string[] = [];
    const rules: ClosestRule[] = [];
    let more = 0;
    for (const pr of policy.allow) {
      if (pr.l3 === 'none') continue;
      if (
        pr.l3 === 'peers' &&
        this.l3Matches(pr, remote, policy.requirements, policy.dnsVisibility, scratch) === null
      )
        continue;
      const admitted = this.peerRuleMatches(
        pr,
        remote,
        flow,
        dstPorts,
        policy.requirements,
        policy.dnsVisibility,
        scratch,
      );
      if (admitted !== null) continue;
      if (rules.length >= limit) more++;
      else rules.push({ rule: ruleRef(pr, NO_NOTES), ...admitsOf(pr) });
    }
    return { rules, more };
  }

  /**
   * The L7 verdict of a request the flow carries, once L4 allows the flow: on each side, the allowing elements
   * whose port rule carries L7 rules form the rule set in force; an allowing element with no L7 rules on the
   * port (or an L3-only one) lets every request through, as does the local host at a pod's ingress under
   * allow-localhost; otherwise one matching rule suffices.
   * @see Cilium docs security/policy/language "Layer 7 Examples" ("the layer 7 portions of the latter rule will
   *   have no effect"; a request is permitted if at least one rule matches); cilium/cilium pkg/policy
   *   (hostWildcardL7); pkg/envoy (getHTTPRule, getWildcardNetworkPolicyRule).
   */
  private l7Verdict(
    flow: Flow,
    req: L7Request,
    src: Identity,
    dst: Identity,
    dstPorts: readonly NamedPort[] | undefined,
    caveats: string[],
  ): L7Verdict {
    const egress = this.l7Side('egress', src, dst, flow, req, dstPorts, caveats);
    const ingress = this.l7Side('ingress', dst, src, flow, req, dstPorts, caveats);
    return {
      kind: req.kind,
      request: describeL7Request(req),
      verdict: egress.verdict === 'allowed' && ingress.verdict === 'allowed' ? 'allowed' : 'denied',
      egress,
      ingress,
    };
  }

  private l7Side(
    dir: 'ingress' | 'egress',
    local: Identity,
    remote: Identity,
    flow: Flow,
    req: L7Request,
    dstPorts: readonly NamedPort[] | undefined,
    caveats: string[],
  ): L7SideVerdict {
    const isEndpoint = local.kind === 'pod' || local.reserved.has('health') || local.reserved.has('ingress');
    if (!isEndpoint) {
      return { verdict: 'allowed', ruleSet: [], allowedBy: [], reason: 'no L7 policy on this side' };
    }
    if (dir === 'ingress' && this.settings.allowLocalhost && remote.reserved.has('host')) {
      return {
        verdict: 'allowed',
        ruleSet: [],
        allowedBy: [],
        reason: 'allow-localhost: L7 rules are an allow-all for the local host (hostWildcardL7)',
      };
    }
    const policy = this.directionPolicyOf(local, dir);
    const scratch: string[] = [];
    const wildcard: RuleRef[] = [];
    const sets: { pr: CompiledPeerRule; port: CompiledPortRule }[] = [];
    for (const pr of policy.allow) {
      const m = this.peerRuleMatches(
        pr,
        remote,
        flow,
        dstPorts,
        policy.requirements,
        policy.dnsVisibility,
        scratch,
      );
      if (!m) continue;
      if (pr.ports === null) {
        wildcard.push(ruleRef(pr, []));
        continue;
      }
      for (const port of pr.ports) {
        if (!this.portRuleMatches(pr, port, flow, dstPorts)) continue;
        const empty =
          port.l7 === null ||
          (port.l7 === 'http' && (port.http ?? []).length === 0) ||
          (port.l7 === 'dns' && (port.dns ?? []).length === 0);
        if (empty) wildcard.push(ruleRef(pr, []));
        else sets.push({ pr, port });
      }
    }
    const ruleSet = sets.map(({ pr, port }) => ({
      rule: ruleRef(pr, port.notes),
      rules:
        port.l7 === 'http'
          ? (port.http ?? []).map(describeHttpRule)
          : port.l7 === 'dns'
            ? (port.dns ?? []).map(describeDnsRule)
            : [`${port.l7} rules (not evaluated by netpol)`],
    }));
    if (sets.length === 0) {
      return {
        verdict: 'allowed',
        ruleSet,
        allowedBy: wildcard,
        reason:
          wildcard.length > 0
            ? `no L7 rule applies on ${dir} for this peer and port`
            : `no L7 policy on ${dir}`,
      };
    }
    if (wildcard.length > 0) {
      return {
        verdict: 'allowed',
        ruleSet,
        allowedBy: wildcard,
        reason: `an element without L7 rules on this port lets every request through (its L7 rules have no effect, Cilium docs "Layer 7 Examples")`,
      };
    }
    const allowedBy: RuleRef[] = [];
    for (const { pr, port } of sets) {
      const ref = ruleRef(pr, port.notes);
      if (port.l7 === 'http' && req.kind === 'http') {
        for (const rule of port.http ?? []) {
          const r = httpRuleMatches(rule, req.http);
          if (r.caveat) caveats.push(`${pr.origin.name} ${pr.label}: ${r.caveat}`);
          if (r.match) {
            allowedBy.push(ref);
            break;
          }
        }
      } else if (port.l7 === 'dns' && req.kind === 'dns') {
        if ((port.dns ?? []).some((rule) => dnsRuleMatches(rule, req.name, this.fqdnOptions)))
          allowedBy.push(ref);
      } else {
        caveats.push(
          `${pr.origin.name} ${pr.label}: ${port.l7} rules are in force on this port and the request is ${req.kind === 'http' ? 'HTTP' : 'DNS'}: not evaluated`,
        );
        allowedBy.push(ref);
      }
    }
    if (allowedBy.length > 0) {
      return {
        verdict: 'allowed',
        ruleSet,
        allowedBy,
        reason: 'a rule of the L7 rule set matches the request',
      };
    }
    return {
      verdict: 'denied',
      ruleSet,
      allowedBy,
      reason: `the request matches none of the L7 rules in force on ${dir} (${req.kind === 'http' ? 'HTTP 403 from the proxy' : 'DNS REFUSED from the DNS proxy'})`,
    };
  }

  /** Whether one `toPorts` entry of an element covers the flow's port (as `peerRuleMatches` decides L4). */
  private portRuleMatches(
    pr: CompiledPeerRule,
    portRule: CompiledPortRule,
    flow: Flow,
    dstPorts: readonly NamedPort[] | undefined,
  ): boolean {
    const clusterWide = pr.direction === 'egress' && this.release.egressNamedPorts === 'cluster';
    return portRule.ports.some((p) =>
      clusterWide && p.name !== undefined
        ? clusterPortMatches(p, flow.protocol, flow.port, this.namedPortIndex).result === 'match'
        : portMatches(p, flow.protocol, flow.port, dstPorts) === 'match',
    );
  }

  private namedPortsOf(peer: Peer): readonly NamedPort[] | undefined {
    if (peer.kind !== 'pod') return undefined;
    return peer.namedPorts ?? this.workloadFor(peer.namespace, peer.labels)?.namedPorts;
  }

  private side(
    dir: 'ingress' | 'egress',
    local: Identity,
    /** The resolved peer `local` came from; its cached policy entry is used when its identity is `local`. */
    localPeer: ResolvedPeer,
    remote: Identity,
    flow: Flow,
    dstPorts: readonly NamedPort[] | undefined,
    caveats: string[],
  ): SideVerdict {
    // The cilium-health and Cilium Ingress endpoints are real endpoints: clusterwide rules with a matching
    // endpointSelector (`{}` included) enforce their policy (cilium/cilium PR #11099 / #12199 and
    // examples clusterwide/health.yaml; Cilium docs servicemesh "Ingress and network policy").
    const isReservedEndpoint =
      local.kind === 'reserved' && (local.reserved.has('health') || local.reserved.has('ingress'));
    // A host endpoint under the host firewall: its node's host policies decide, without the local host's
    // ingress exception (cilium/cilium pkg/policy/resolve.go: determineAllowLocalhostIngress only `if !isHost`).
    const isHost =
      local.kind === 'reserved' &&
      this.settings.hostFirewall === true &&
      this.hasHostPolicies &&
      isNodeIdentity(local);
    if (local.kind !== 'pod' && !isReservedEndpoint && !isHost) {
      return this.unmanagedSide(dir, local, caveats);
    }
    if (isHost) {
      remote = seenFromNode(local, remote);
      this.hostSideCaveats(local, caveats);
    }
    let entry: IdentityPolicies;
    if (localPeer.identity === local) {
      localPeer.policies ??= this.identityPolicies(local);
      entry = localPeer.policies;
    } else entry = this.identityPolicies(local);
    const policy = this.directionOf(entry, dir);
    const selectedBy = policy.selectedByRefs;
    let deniedBy: RuleRef[] | undefined;
    for (const pr of policy.deny) {
      const m = this.peerRuleMatches(
        pr,
        remote,
        flow,
        dstPorts,
        policy.requirementsDeny,
        policy.dnsVisibility,
        caveats,
      );
      if (m) {
        deniedBy ??= [];
        deniedBy.push(ruleRef(pr, m.notes));
      }
    }
    let allowedBy: RuleRef[] | undefined;
    for (const pr of policy.allow) {
      const m = this.peerRuleMatches(
        pr,
        remote,
        flow,
        dstPorts,
        policy.requirements,
        policy.dnsVisibility,
        caveats,
      );
      if (m) {
        allowedBy ??= [];
        allowedBy.push(ruleRef(pr, m.notes));
      }
    }
    this.releaseSideCaveats(dir, policy, allowedBy !== undefined, caveats);
    const localhost =
      dir === 'ingress' &&
      !isHost &&
      this.settings.allowLocalhost &&
      remote.kind === 'reserved' &&
      remote.reserved.has('host');
    const never = this.settings.policyEnforcementMode === 'never';
    if (allowedBy === undefined && deniedBy === undefined) {
      if (never || (!localhost && !policy.enforced)) return policy.unmatched.allowed;
      return localhost ? policy.unmatched.localhost : policy.unmatched.denied;
    }
    const allowed = allowedBy ?? NO_REFS;
    const denied = deniedBy ?? NO_REFS;
    const r = policy.reasons;
    if (never) {
      return {
        enforced: false,
        verdict: 'allowed',
        allowedBy: allowed,
        deniedBy: NO_REFS,
        selectedBy,
        reasons: r.base,
      };
    }
    if (denied.length > 0) {
      return {
        enforced: true,
        verdict: 'denied',
        allowedBy: allowed,
        deniedBy: denied,
        selectedBy,
        reasons: r.deniedByRule,
      };
    }
    if (localhost) {
      return {
        enforced: policy.enforced,
        verdict: 'allowed',
        allowedBy: allowed,
        deniedBy: denied,
        selectedBy,
        reasons: r.localhost,
      };
    }
    if (!policy.enforced) {
      return {
        enforced: false,
        verdict: 'allowed',
        allowedBy: allowed,
        deniedBy: denied,
        selectedBy,
        reasons: r.base,
      };
    }
    return {
      enforced: true,
      verdict: 'allowed',
      allowedBy: allowed,
      deniedBy: denied,
      selectedBy,
      reasons: r.allowed,
    };
  }

  /** Caveats on behaviours the configured release may evaluate differently (docs/semantics.md §15). */
  private releaseSideCaveats(
    dir: 'ingress' | 'egress',
    policy: DirectionPolicy,
    allowed: boolean,
    caveats: string[],
  ): void {
    const rel = this.release;
    if (
      !rel.requiresAcrossRulesConfirmed &&
      (policy.requirements.length > 0 || policy.requirementsDeny.length > 0)
    ) {
      const field = dir === 'ingress' ? 'fromRequires' : 'toRequires';
      caveats.push(
        `${field} is deprecated since Cilium 1.19 (cilium/cilium #43167) and netpol did not confirm how Cilium ${rel.release} applies it: it is folded into every ${dir} rule selecting the endpoint, as Cilium 1.18 does`,
      );
    }
    if (!rel.emptyElementAllowsNothingConfirmed && !allowed && policy.enforced) {
      const empty = policy.allow.find(
        (p) => p.l3 === 'none' && p.ports === null && p.icmps === null && p.requires.length === 0,
      );
      if (empty) {
        caveats.push(
          `${empty.origin.name} ${empty.label}: the empty element ({}) is evaluated as allowing nothing (default deny only), as Cilium 1.19 and the docs say; netpol did not confirm this in Cilium ${rel.release}'s policy-entry code`,
        );
      }
    }
  }

  /** Names the policies the release rejects that could select either pod of the flow. */
  private rejectionCaveats(flow: Flow, caveats: string[]): void {
    for (const peer of [flow.source, flow.destination]) {
      if (peer.kind !== 'pod') continue;
      for (const ns of [peer.namespace, '']) {
        for (const c of this.rejectedCaveats.get(ns) ?? []) if (!caveats.includes(c)) caveats.push(c);
      }
    }
  }

  /** Says when the host side cannot tell which host policies select the node. */
  private hostSideCaveats(local: Identity, caveats: string[]): void {
    if (local.node !== undefined) {
      this.filteredNodeLabelCaveats(local, caveats);
      return;
    }
    if (this.hostRules.some((r) => r.subject.requirements.length > 0)) {
      caveats.push(
        'the node is not named (trace host@NODE or remote-node@NODE), so host policies whose nodeSelector names node labels are not applied to it',
      );
    }
  }

  /**
   * Says when a host policy selects (or leaves out) this node only through a node label Cilium's default
   * identity-label filter drops (`kubernetes.io/os`, `kubernetes.io/hostname`, `*.beta.kubernetes.io/…`,
   * `k8s.io/…`: cilium/cilium pkg/labelsfilter defaultLabelPrefixCfg). The agent gives the host endpoint its
   * node labels through that filter (pkg/endpoint InitWithNodeLabels, PR #10994), so with the default label
   * configuration such a nodeSelector would select no node; whether the host identity gains the dropped labels
   * another way (node labels in the ipcache with `enable-node-selector-labels`, a custom `labels` setting) is
   * not confirmed, so the verdict keeps the Node's labels and names the doubt (docs/semantics.md §11.6).
   */
  private filteredNodeLabelCaveats(local: Identity, caveats: string[]): void {
    let filtered: Identity | undefined;
    for (const r of this.hostRules) {
      const key = r.subject.requirements.find(
        (q) => (q.source === 'any' || q.source === 'k8s') && !isIdentityRelevantPodLabel(q.key),
      )?.key;
      if (key === undefined) continue;
      filtered ??= {
        ...local,
        k8s: new Map([...local.k8s].filter(([k]) => isIdentityRelevantPodLabel(k))),
        key: `${local.key}\u0000filtered`,
      };
      const now = r.subject.test(local);
      if (now === r.subject.test(filtered)) continue;
      const c = `${r.origin.kind}/${r.origin.name} ${now ? 'selects' : 'leaves out'} node ${local.node} by "${key}", a label Cilium's default identity-label filter drops from the host endpoint (pkg/labelsfilter): with the default label configuration it ${now ? 'would select no such node' : 'would select it'}; netpol uses the Node's labels, as this is not confirmed for every agent setting`;
      if (!caveats.includes(c)) caveats.push(c);
    }
  }

  private unmanagedSide(dir: 'ingress' | 'egress', local: Identity, caveats: string[]): SideVerdict {
    const what =
      local.kind === 'world'
        ? 'an address outside the cluster'
        : `the reserved identity "${[...local.reserved][0]}"`;
    if (local.kind === 'reserved' && (local.reserved.has('host') || local.reserved.has('remote-node'))) {
      if (this.hasHostPolicies && this.settings.hostFirewall !== true) {
        caveats.push(
          'host policies (nodeSelector) exist but cluster.hostFirewall is not set in netpol.config.yaml, so the node side is not evaluated (set it when Cilium runs with hostFirewall.enabled=true)',
        );
      }
    }
    return getOrCreate(UNMANAGED_SIDES, `${dir}\u0000${what}`, () =>
      Object.freeze({
        enforced: false,
        verdict: 'allowed' as const,
        allowedBy: NO_REFS,
        deniedBy: NO_REFS,
        selectedBy: NO_REFS,
        reasons: Object.freeze([
          `not enforced: the ${dir} side of ${what} is not subject to endpoint policy`,
        ]),
      }),
    );
  }

  /**
   * Whether one ingress/egress element matches the remote peer and the flow's L4.
   * @see cilium/cilium pkg/policy/rule.go mergeIngress (L3-only elements; ports-only elements are L3
   *   wildcards; ICMP needs an `icmps` entry once the element restricts L4).
   */
  private peerRuleMatches(
    pr: CompiledPeerRule,
    remote: Identity,
    flow: Flow,
    dstPorts: readonly NamedPort[] | undefined,
    requirements: readonly Requirement[],
    dnsVisibility: boolean,
    caveats: string[],
  ): PeerMatch | null {
    if (pr.l3 === 'none') return null;
    // L4 first: an integer test that rules most elements out before any label lookup.
    let l4Notes: readonly string[] = NO_NOTES;
    if (pr.ports === null && pr.icmps === null) {
      // L3-only element: all protocols and ports, ICMP included.
    } else if (flow.protocol === 'ICMPv4' || flow.protocol === 'ICMPv6') {
      const family = flow.protocol === 'ICMPv4' ? 'IPv4' : 'IPv6';
      const ok = (pr.icmps ?? []).some(
        (f) => f.family === family && icmpTypeNumber(f.family, f.type) === (flow.icmpType ?? 8),
      );
      if (!ok) return null;
    } else {
      let matched: CompiledPortRule | undefined;
      const clusterWide = pr.direction === 'egress' && this.release.egressNamedPorts === 'cluster';
      for (const portRule of pr.ports ?? []) {
        for (const p of portRule.ports) {
          if (clusterWide && p.name !== undefined) {
            if (this.clusterNamedPortMatches(pr, p, flow, caveats)) {
              matched = portRule;
              break;
            }
            continue;
          }
          const m = portMatches(p, flow.protocol, flow.port, dstPorts);
          if (m === 'unresolved') {
            caveats.push(
              `${pr.origin.name} ${pr.label}: named port "${p.name}" is not a container port of the destination known to the repository`,
            );
          } else if (m === 'match') {
            matched = portRule;
            break;
          }
        }
        if (matched) break;
      }
      if (!matched) return null;
      l4Notes = matched.notes;
    }
    let l3Notes: readonly string[] = NO_NOTES;
    if (pr.l3 === 'peers') {
      const l3 = this.l3Matches(pr, remote, requirements, dnsVisibility, caveats);
      if (!l3) {
        for (const u of pr.unmodelled) caveats.push(`${pr.origin.name} ${pr.label}: ${u} is not evaluated`);
        for (const n of pr.peerNotes) caveats.push(`${pr.origin.name} ${pr.label}: ${n}`);
        return null;
      }
      l3Notes = l3;
    }
    if (l3Notes.length === 0 && l4Notes.length === 0 && !pr.authentication) return PLAIN_MATCH;
    const notes = [...l3Notes, ...l4Notes];
    if (pr.authentication) notes.push(`requires authentication (${pr.authentication})`);
    return { notes };
  }

  /**
   * An egress named port under Cilium 1.16–1.19: resolved among the named ports of every workload in the
   * repository (Cilium: every endpoint of the cluster), with a caveat saying so when it decides.
   * @see cilium/cilium issue #30003; PR #44429 (1.20 resolves on the selected destinations).
   */
  private clusterNamedPortMatches(
    pr: CompiledPeerRule,
    p: CompiledPort,
    flow: Flow,
    caveats: string[],
  ): boolean {
    const m = clusterPortMatches(p, flow.protocol, flow.port, this.namedPortIndex);
    const where = `${pr.origin.name} ${pr.label}: named port "${p.name}"`;
    const release = this.release.release;
    if (m.result === 'unresolved') {
      caveats.push(
        `${where} is not a container port of any workload in the repository (Cilium ${release} resolves egress named ports over every endpoint of the cluster)`,
      );
    } else if (m.result === 'ambiguous') {
      caveats.push(
        `${where} stands for several ports among the repository's workloads (${m.ports.join(', ')}): Cilium ${release} resolves egress named ports over the whole cluster and then allows none of them (cilium/cilium #30003; 1.20 resolves them on the selected destinations, #44429)`,
      );
    } else if (m.result === 'match') {
      caveats.push(
        `${where} resolved to ${m.port} over every workload in the repository, as Cilium ${release} does for egress (cilium/cilium #30003, changed in 1.20 by #44429): a pod outside the repository giving the name another number would make Cilium allow none`,
      );
      return true;
    }
    return false;
  }

  /** L3 match of a `peers` element: returns the match notes, or null. */
  private l3Matches(
    pr: CompiledPeerRule,
    remote: Identity,
    requirements: readonly Requirement[],
    dnsVisibility: boolean,
    caveats: string[],
  ): readonly string[] | null {
    for (const sel of pr.endpoints) {
      if (sel.test(remote) && (requirements.length === 0 || requirements.every((r) => r.test(remote)))) {
        if (
          !this.release.namespaceLabelPeersConfirmed &&
          pr.origin.kind === 'CiliumNetworkPolicy' &&
          remote.namespace !== pr.origin.namespace &&
          selectorHasKeyPrefix(sel, NAMESPACE_LABELS_PREFIX)
        ) {
          caveats.push(
            `${pr.origin.name} ${pr.label}: a namespace-label selector in a CiliumNetworkPolicy selects pods of other namespaces, as Cilium 1.16–1.19's code does (docs/semantics.md §2.3); netpol did not re-read this in Cilium ${this.release.release}`,
          );
        }
        return NO_NOTES;
      }
    }
    const cluster = this.settings.clusterName;
    for (const e of pr.entities) if (entityMatches(e, remote, cluster)) return NO_NOTES;
    if (pr.cidrs.length > 0 && remote.ip !== undefined) {
      const cidrSelectsRemote =
        remote.reserved.has('world') ||
        (this.settings.policyCIDRMatchMode.includes('nodes') &&
          (remote.reserved.has('host') || remote.reserved.has('remote-node')));
      const ip = cidrSelectsRemote ? parseIp(remote.ip) : null;
      if (ip) {
        for (const c of pr.cidrs) {
          if (rangeContainsIp(c.range, ip) && !c.except.some((x) => rangeContainsIp(x, ip))) return NO_NOTES;
        }
      }
    }
    if (pr.fqdns.length > 0 && remote.kind === 'world') {
      for (const f of pr.fqdns) {
        if (!matchFqdn(f, remote.names ?? [], this.fqdnOptions)) continue;
        if (pr.direction === 'egress' && !pr.deny && !dnsVisibility) {
          caveats.push(
            `${pr.origin.name} ${pr.label}: toFQDNs matches the name, but no egress rule of this endpoint has DNS L7 rules (toPorts rules.dns), so Cilium's DNS proxy never learns the address and the rule selects nothing`,
          );
          return null;
        }
        return FQDN_NOTES;
      }
    }
    // fromNodes/toNodes select remote nodes only (never the local host), by the node's labels from a Node
    // object or cluster.nodes (docs/semantics.md §2.5, §11).
    if (pr.nodes.length > 0 && remote.reserved.has('remote-node')) {
      for (const n of pr.nodes) {
        if (n.requirements.length === 0 || n.test(remote)) return NO_NOTES;
      }
      if (remote.node === undefined) {
        caveats.push(
          `${pr.origin.name} ${pr.label}: the remote node is not named (trace remote-node@NODE), so the node labels its ${pr.direction === 'ingress' ? 'fromNodes' : 'toNodes'} selector needs are unknown`,
        );
      }
    }
    return null;
  }
}

/**
 * The Cilium release netpol writes into a new `netpol.config.yaml` and uses when none is configured: the
 * release whose code docs/semantics.md was researched against. Every release of `KNOWN_CILIUM_RELEASES`
 * is modelled (docs/semantics.md §15).
 */
export const MODELLED_CILIUM_VERSION = '1.19';

function ruleRef(pr: CompiledPeerRule, notes: readonly string[]): RuleRef {
  if (notes.length === 0) {
    let ref = PLAIN_REFS.get(pr);
    if (ref === undefined) {
      ref = Object.freeze(buildRuleRef(pr, NO_NOTES));
      PLAIN_REFS.set(pr, ref);
    }
    return ref;
  }
  return buildRuleRef(pr, notes);
}

/**
 * What an allow element's L4 part admits, in words (see {@link ClosestRule}): its `toPorts` ports, then its ICMP
 * types; for an element with L4 entries that name nothing, why it admits nothing (docs/semantics.md §7.2, §7.6).
 */
function admitsOf(pr: CompiledPeerRule): Pick<ClosestRule, 'admits' | 'nothing'> {
  if (pr.ports === null && pr.icmps === null) return { admits: ['every port and protocol'] };
  const admits = new Set<string>();
  for (const portRule of pr.ports ?? []) for (const p of portRule.ports) admits.add(p.text);
  for (const f of pr.icmps ?? []) admits.add(`${f.family === 'IPv6' ? 'ICMPv6' : 'ICMPv4'} type ${f.type}`);
  if (admits.size > 0) return { admits: [...admits] };
  return {
    admits: [],
    nothing: (pr.ports ?? []).length > 0 ? 'toPorts with ports: []' : 'icmps entries without fields',
  };
}

/** Whether the identity is a node's: the local host or a remote node (not the kube-apiserver alone). */
function isNodeIdentity(identity: Identity): boolean {
  return identity.reserved.has('host') || identity.reserved.has('remote-node');
}

/**
 * The remote side as the host endpoint of `local`'s node sees it: another node's host is a remote node there
 * (Cilium gives every other node the `remote-node` identity), with its labels.
 */
function seenFromNode(local: Identity, remote: Identity): Identity {
  if (!local.reserved.has('remote-node') || !remote.reserved.has('host')) return remote;
  return asRemoteNode(remote);
}

/** A `host` identity as another node sees it: `remote-node`, with the same node, labels and address. */
function asRemoteNode(host: Identity): Identity {
  const reserved = new Set(host.reserved);
  reserved.delete('host');
  reserved.add('remote-node');
  return { ...host, reserved, key: `${host.key}\u0000seen-as-remote-node` };
}

/**
 * The destination of a flow between two named nodes, as the source's node sees it (docs/semantics.md §11.5):
 * `host@a → host@b` names two nodes' hosts, but from a every other node's host is `remote-node` (Cilium gives
 * every other node that identity, pkg/identity reserved identities), so it is evaluated as
 * `host@a → remote-node@b`, with a caveat saying so. A node is never a remote node of itself:
 * `remote-node@a → host@a` (or `host@a → remote-node@a`) is evaluated as written, with a caveat.
 * @param src - the source identity.
 * @param dst - the destination identity.
 * @param caveats - where the caveat goes.
 * @returns the destination to evaluate.
 */
function betweenNodes(src: Identity, dst: Identity, caveats: string[]): Identity {
  if (src.node === undefined || dst.node === undefined || src.kind !== 'reserved' || dst.kind !== 'reserved')
    return dst;
  const srcHost = src.reserved.has('host');
  const dstHost = dst.reserved.has('host');
  if (src.node !== dst.node) {
    if (!srcHost || !dstHost) return dst;
    caveats.push(
      `host@${dst.node} is another node's host: seen from ${src.node} it is remote-node, so the flow is evaluated as host@${src.node} → remote-node@${dst.node}`,
    );
    return asRemoteNode(dst);
  }
  if (srcHost !== dstHost && (src.reserved.has('remote-node') || dst.reserved.has('remote-node'))) {
    caveats.push(
      `both sides are node ${src.node}, which is never a remote node of itself: Cilium sees no such flow (trace host@${src.node} for the node's own host, or name another node)`,
    );
  }
  return dst;
}

function buildRuleRef(pr: CompiledPeerRule, notes: readonly string[]): RuleRef {
  return {
    kind: pr.origin.kind,
    namespace: pr.origin.namespace,
    name: pr.origin.name,
    file: pr.origin.file,
    line: pr.line,
    column: pr.column,
    rule: pr.label,
    notes: [...new Set(notes)],
  };
}

/** The rule references of compiled rules as selecting rules, per direction, built once. */
const SELECTING_REFS = new WeakMap<CompiledRule, { ingress?: RuleRef; egress?: RuleRef }>();

function ruleRefOfRule(r: CompiledRule, dir: 'ingress' | 'egress'): RuleRef {
  let refs = SELECTING_REFS.get(r);
  if (refs === undefined) {
    refs = {};
    SELECTING_REFS.set(r, refs);
  }
  refs[dir] ??= Object.freeze(buildRuleRefOfRule(r, dir));
  return refs[dir];
}

function buildRuleRefOfRule(r: CompiledRule, dir: 'ingress' | 'egress'): RuleRef {
  return {
    kind: r.origin.kind,
    namespace: r.origin.namespace,
    name: r.origin.name,
    file: r.origin.file,
    line: r.line,
    column: r.column,
    rule: `${r.label}.${dir}`,
    notes: r.defaultDeny[dir] ? [] : [`enableDefaultDeny.${dir}: false`],
  };
}

/**
 * Builds a policy engine for a repository.
 * @param repo - from `loadRepo`/`loadRepoFromText`.
 * @param settings - overrides of `repo.settings` (e.g. from CLI flags).
 */
export function createEngine(
  repo: ConstructorParameters<typeof PolicyEngine>[0],
  settings?: Partial<ClusterSettings>,
): PolicyEngine {
  return new PolicyEngine(repo, settings);
}
