import type {
  CIDRGroupObject,
  CiliumPolicyObject,
  CiliumRule,
  Entity,
  FQDNSelector,
  KubernetesNetworkPolicyObject,
  LabelSelector,
  Labels,
  NetworkPolicyRule,
  PeerRule,
  PolicyObject,
} from '../repo/model.js';
import { hasPlaceholder } from '../repo/values.js';
import { type CidrRange, toCidrRange } from './cidr.js';
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL } from './identity.js';
import { type CompiledPort, compilePort } from './ports.js';
import {
  type CompiledSelector,
  compileSelector,
  type Requirement,
  requirement,
  selectorHasKey,
  selectorHasKeyPrefix,
  selectorHasSource,
  selectorOf,
  WILDCARD_SELECTOR,
  withRequirement,
} from './selector.js';
import { resolveToServices, type ServiceCatalog } from './services.js';

/** Where a compiled rule came from, for explanations. */
export interface RuleOrigin {
  readonly kind: PolicyObject['kind'];
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
}

/** A CIDR peer with its exceptions. */
export interface CompiledCidr {
  readonly range: CidrRange;
  readonly except: readonly CidrRange[];
}

/** One compiled ICMP match. */
export interface CompiledIcmp {
  readonly family: 'IPv4' | 'IPv6';
  readonly type: number | string;
}

/** One compiled `toPorts` entry with the caveats a match through it carries. */
export interface CompiledPortRule {
  readonly ports: readonly CompiledPort[];
  /** L7 rules on these ports (`dns` makes Cilium's DNS proxy see lookups, which toFQDNs needs). */
  readonly l7: PeerRule['toPorts'][number]['l7'];
  /** The `rules.http` entries (when `l7` is `http`). */
  readonly http?: PeerRule['toPorts'][number]['http'];
  /** The `rules.dns` entries (when `l7` is `dns`). */
  readonly dns?: PeerRule['toPorts'][number]['dns'];
  /** `L7-filtered (http)`, `TLS SNI-filtered`, … */
  readonly notes: readonly string[];
}

/**
 * One element of ingress/egress(/Deny) in engine form. `l3` says how peers are selected:
 * - `none`: the element selects no peer (`{}`, or an explicitly empty peer list);
 * - `wildcard`: every identity, reserved ones included (an element with ports but no peer field);
 * - `peers`: the union of `endpoints`, `entities`, `cidrs`, `fqdns`, `nodes`.
 * `ports === null` and `icmps === null` make an L3-only element (all protocols and ports, ICMP included).
 * @see cilium/cilium pkg/policy/rule.go mergeIngress/mergeEgress; pkg/policy/api/ingress.go
 */
export interface CompiledPeerRule {
  readonly origin: RuleOrigin;
  readonly direction: 'ingress' | 'egress';
  readonly deny: boolean;
  /** `egress[2]` or `specs[1].egress[2]`. */
  readonly label: string;
  readonly line: number;
  readonly column: number;
  readonly l3: 'none' | 'wildcard' | 'peers';
  /** Namespace-injected endpoint selectors; `fromRequires` of the endpoint are folded in at evaluation. */
  readonly endpoints: readonly CompiledSelector[];
  readonly entities: readonly Entity[];
  readonly cidrs: readonly CompiledCidr[];
  readonly fqdns: readonly FQDNSelector[];
  /** fromNodes/toNodes selectors (node labels are not known offline). */
  readonly nodes: readonly CompiledSelector[];
  /** Parts of the element netpol cannot evaluate offline (toGroups, unresolved placeholders …). */
  readonly unmodelled: readonly string[];
  /**
   * Facts a reader needs when this element does not select the peer, evaluated as Cilium does: a
   * `cidrGroupRef` naming no CiliumCIDRGroup in the repository, a `cidrGroupSelector` matching none.
   */
  readonly peerNotes: readonly string[];
  readonly ports: readonly CompiledPortRule[] | null;
  readonly icmps: readonly CompiledIcmp[] | null;
  readonly authentication?: string;
  /** This element's fromRequires/toRequires, already compiled into requirements. */
  readonly requires: readonly Requirement[];
}

/**
 * A rule (one CNP/CCNP spec, or one Kubernetes NetworkPolicy) in engine form: the subject selector with
 * namespace injection applied, and what it does in each direction.
 */
export interface CompiledRule {
  readonly origin: RuleOrigin;
  /** `spec`, `specs[1]` or `spec` for NetworkPolicy. */
  readonly label: string;
  readonly line: number;
  readonly column: number;
  /** '' for clusterwide rules. */
  readonly namespace: string;
  readonly subject: CompiledSelector;
  /** Host-firewall rule (nodeSelector): kept apart from pod verdicts. */
  readonly host: boolean;
  readonly ingress: readonly CompiledPeerRule[];
  readonly ingressDeny: readonly CompiledPeerRule[];
  readonly egress: readonly CompiledPeerRule[];
  readonly egressDeny: readonly CompiledPeerRule[];
  /** Whether this rule puts its subjects in default-deny for the direction. */
  readonly defaultDeny: { readonly ingress: boolean; readonly egress: boolean };
  /** Whether this rule has any rules for the direction (so it "selects" the endpoint there). */
  readonly has: { readonly ingress: boolean; readonly egress: boolean };
}

/** Options that change normalisation. */
export interface NormalizeOptions {
  /**
   * Whether a CNP peer selector that names namespace labels (`io.cilium.k8s.namespace.labels.*`) is left
   * without the policy's namespace. Default: `true` (current release; see docs/semantics.md).
   */
  readonly namespaceLabelSelectorsCrossNamespaces: boolean;
  /** The repository's CiliumCIDRGroups, for `cidrGroupRef` and `cidrGroupSelector`. Default: none. */
  readonly cidrGroups?: readonly CIDRGroupObject[];
  /** The repository's Services and written endpoints, for `toServices`. Default: none. */
  readonly services?: ServiceCatalog;
  /**
   * The release `toServices` follows: whether Services with a selector are selected (1.17+) and its name for
   * the notes. Default: `{ selectorBackedServices: true, release: '1.19' }`.
   */
  readonly release?: { readonly selectorBackedServices: boolean; readonly release: string };
}

const NO_SERVICES: ServiceCatalog = { services: [], serviceEndpoints: [] };

/** The one empty list compiled rules share: most of an element's lists are empty, and rules live as long as the engine. */
const NONE: readonly never[] = Object.freeze([]);

/** The four `{ ingress, egress }` flag pairs, shared by every compiled rule. */
const DIRECTIONS: readonly { readonly ingress: boolean; readonly egress: boolean }[] = [
  Object.freeze({ ingress: false, egress: false }),
  Object.freeze({ ingress: true, egress: false }),
  Object.freeze({ ingress: false, egress: true }),
  Object.freeze({ ingress: true, egress: true }),
];

/** The shared `{ ingress, egress }` pair. */
function directions(
  ingress: boolean,
  egress: boolean,
): { readonly ingress: boolean; readonly egress: boolean } {
  return DIRECTIONS[(ingress ? 1 : 0) + (egress ? 2 : 0)] as { ingress: boolean; egress: boolean };
}

/** Element labels (`egress[2]`, `specs[1].ingressDeny[0]`) by their parts: the same few repeat in every policy. */
const LABELS = new Map<string, string>();

/** The label of an element, made once per distinct label (the cache is emptied at 10,000 labels). */
function elementLabel(specLabel: string, name: string, index: number): string {
  const id = `${specLabel}${name}[${index}]`;
  const known = LABELS.get(id);
  if (known !== undefined) return known;
  if (LABELS.size >= 10_000) LABELS.clear();
  LABELS.set(id, id);
  return id;
}

/** The list, or the shared empty one when it is empty. */
function lean<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : list;
}

const POD_NS_REQ_KEY = `k8s:${POD_NAMESPACE_LABEL}`;

/**
 * Applies Cilium's namespace injection to a peer selector (`fromEndpoints`, `toEndpoints`, `*Requires`).
 * In a CNP a selector without a namespace key gets `k8s:io.kubernetes.pod.namespace=<ns>`; in a CCNP it gets
 * `k8s:io.kubernetes.pod.namespace Exists`, so `{}` selects every pod of every namespace but no reserved
 * identity. Selectors on `reserved:` labels are left alone.
 * @see cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector
 */
export function injectPeerNamespace(
  selector: CompiledSelector,
  policyNamespace: string,
  options: NormalizeOptions,
): CompiledSelector {
  if (selectorHasSource(selector, 'reserved')) return selector;
  if (selectorHasKey(selector, POD_NAMESPACE_LABEL)) return selector;
  if (
    policyNamespace !== '' &&
    options.namespaceLabelSelectorsCrossNamespaces &&
    selectorHasKeyPrefix(selector, NAMESPACE_LABELS_PREFIX)
  ) {
    return selector;
  }
  if (policyNamespace === '') return withRequirement(selector, requirement(POD_NS_REQ_KEY, 'Exists', []));
  return withRequirement(selector, requirement(POD_NS_REQ_KEY, 'In', [policyNamespace]));
}

/**
 * The subject of a CNP rule: `endpointSelector` plus `k8s:io.kubernetes.pod.namespace=<ns>`. Cilium
 * overwrites a user's `k8s:io.kubernetes.pod.namespace` match with the policy's namespace, but a bare
 * (`any:`) `io.kubernetes.pod.namespace` key is a different key: it stays, ANDed with the forced one, so
 * naming another namespace that way selects no pod at all. A CCNP's endpointSelector is used as written.
 * @see cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go ParseToCiliumRule (GetMatch/AddMatch on the
 *   k8s-prefixed key); pkg/policy/api/selector.go (bare keys get the any source)
 */
export function subjectSelector(selector: LabelSelector, policyNamespace: string): CompiledSelector {
  if (policyNamespace === '') return compileSelector(selector);
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(selector.matchLabels)) {
    if (k === POD_NS_REQ_KEY) continue;
    matchLabels[k] = v;
  }
  const compiled = compileSelector({ ...selector, matchLabels });
  return withRequirement(compiled, requirement(POD_NS_REQ_KEY, 'In', [policyNamespace]));
}

/**
 * Whether a CiliumCIDRGroup's labels match a `cidrGroupSelector` (`matchLabels` and `matchExpressions`;
 * a key may carry the `any:` or `cidrgroup:` source prefix, as the labels Cilium derives from the group do).
 * @see Cilium docs network/kubernetes/ciliumcidrgroup ("CCGs may be selected by names or labels")
 */
export function cidrGroupSelected(selector: LabelSelector, labels: Labels): boolean {
  const bare = (k: string) => k.replace(/^(any|cidrgroup):/, '');
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[bare(k)] !== v) return false;
  for (const e of selector.matchExpressions) {
    const value = labels[bare(e.key)];
    const ok =
      e.operator === 'In'
        ? value !== undefined && e.values.includes(value)
        : e.operator === 'NotIn'
          ? value === undefined || !e.values.includes(value)
          : e.operator === 'Exists'
            ? value !== undefined
            : value === undefined;
    if (!ok) return false;
  }
  return true;
}

/**
 * The CIDRs of one CIDR rule: its own `cidr`, or the `externalCIDRs` of the CiliumCIDRGroup it names
 * (`cidrGroupRef`) or selects (`cidrGroupSelector`), each with the rule's `except` carved out. A group that
 * is absent or empty stands for no address (cilium/cilium PR #29608), which `peerNotes` says.
 */
function compileCidrs(
  peer: PeerRule,
  unmodelled: string[],
  peerNotes: string[],
  groups: readonly CIDRGroupObject[],
): CompiledCidr[] {
  const out: CompiledCidr[] = [];
  const push = (cidr: string, except: readonly CidrRange[]) => {
    const range = toCidrRange(cidr);
    if (range) out.push({ range, except });
  };
  for (const c of peer.cidrs ?? []) {
    const unresolvedExcept = c.except.find(hasPlaceholder);
    if (unresolvedExcept !== undefined) {
      unmodelled.push(`except "${unresolvedExcept}" has an unresolved \${var} placeholder`);
      continue;
    }
    const except = c.except.map(toCidrRange).filter((r): r is CidrRange => r !== null);
    if (c.cidrGroupRef !== undefined) {
      const group = groups.find((g) => g.name === c.cidrGroupRef);
      if (!group) {
        peerNotes.push(
          `cidrGroupRef "${c.cidrGroupRef}" names no CiliumCIDRGroup in the repository, so it selects no address`,
        );
      } else if (group.externalCIDRs.length === 0) {
        peerNotes.push(`CiliumCIDRGroup "${group.name}" has no externalCIDRs, so it selects no address`);
      }
      for (const cidr of group?.externalCIDRs ?? []) push(cidr, except);
      continue;
    }
    if (c.cidrGroupSelector !== undefined) {
      const sel = c.cidrGroupSelector;
      const selected = groups.filter((g) => cidrGroupSelected(sel, g.labels));
      if (selected.length === 0) {
        peerNotes.push(
          'cidrGroupSelector selects no CiliumCIDRGroup in the repository, so it selects no address',
        );
      }
      for (const g of selected) for (const cidr of g.externalCIDRs) push(cidr, except);
      continue;
    }
    if (c.unresolved) {
      unmodelled.push(`CIDR "${c.cidr}" has an unresolved \${var} placeholder`);
      continue;
    }
    push(c.cidr, except);
  }
  return out;
}

function l7Notes(pr: PeerRule['toPorts'][number]): string[] {
  const notes: string[] = [];
  if (pr.l7) notes.push(`L7-filtered (${pr.l7})`);
  if (pr.serverNames.length > 0) notes.push(`TLS SNI-filtered (${pr.serverNames.join(', ')})`);
  if (pr.listener) notes.push('redirected to an Envoy listener');
  return notes;
}

function compilePeerRule(
  peer: PeerRule,
  origin: RuleOrigin,
  policyNamespace: string,
  specLabel: string,
  options: NormalizeOptions,
): CompiledPeerRule {
  const unmodelled: string[] = [];
  const peerNotes: string[] = [];
  const endpoints = (peer.endpoints ?? []).map((s) =>
    injectPeerNamespace(compileSelector(s), policyNamespace, options),
  );
  const requires: Requirement[] = [];
  for (const s of peer.requires ?? []) {
    requires.push(...injectPeerNamespace(compileSelector(s), policyNamespace, options).requirements);
  }
  const cidrs = compileCidrs(peer, unmodelled, peerNotes, options.cidrGroups ?? []);
  const entities = peer.entities ?? [];
  const fqdns = peer.fqdns ?? [];
  const nodes = (peer.nodes ?? []).map((s) => compileSelector(s));
  if (peer.services && peer.services.length > 0) {
    const rel = options.release ?? { selectorBackedServices: true, release: '1.19' };
    const r = resolveToServices(
      peer.services,
      options.services ?? NO_SERVICES,
      rel.selectorBackedServices,
      rel.release,
    );
    endpoints.push(...r.endpoints);
    for (const range of r.cidrs) cidrs.push({ range, except: [] });
    peerNotes.push(...r.notes);
  }
  if (peer.groups) unmodelled.push('toGroups/fromGroups (cloud provider groups are not resolved offline)');

  const peerFields = [peer.endpoints, peer.cidrs, peer.entities, peer.fqdns, peer.nodes, peer.services];
  const anyPeerField = peerFields.some((f) => f !== null) || peer.groups;
  const explicitEmpty = peerFields.some((f) => f !== null && f.length === 0);
  // `icmps: [{}]` is an L4 rule with no port (model.ts `icmpsWithoutFields`): the element allows nothing.
  const noPortL4 = peer.icmpsWithoutFields === true;
  const hasL4 = peer.toPorts.length > 0 || peer.icmps.length > 0 || noPortL4;
  let l3: CompiledPeerRule['l3'];
  if (!anyPeerField) l3 = hasL4 ? 'wildcard' : 'none';
  else if (explicitEmpty) l3 = 'none';
  else l3 = 'peers';

  const ports =
    peer.toPorts.length === 0
      ? peer.icmps.length > 0 || noPortL4
        ? []
        : null
      : peer.toPorts.map((pr) => ({
          ports: pr.ports.map((p) => compilePort(p.port, p.endPort, p.protocol)),
          l7: pr.l7,
          ...(pr.http ? { http: pr.http } : {}),
          ...(pr.dns ? { dns: pr.dns } : {}),
          notes: lean(l7Notes(pr)),
        }));
  const icmps =
    peer.icmps.length === 0
      ? peer.toPorts.length > 0 || noPortL4
        ? []
        : null
      : peer.icmps.map((f) => ({ family: f.family, type: f.type }));

  const name = peer.deny ? `${peer.direction}Deny` : peer.direction;
  return {
    origin,
    direction: peer.direction,
    deny: peer.deny,
    label: elementLabel(specLabel, name, peer.index),
    line: peer.source.line,
    column: peer.source.column,
    l3,
    endpoints: lean(endpoints),
    entities: lean(entities),
    cidrs: lean(cidrs),
    fqdns: lean(fqdns),
    nodes: lean(nodes),
    unmodelled: lean(unmodelled),
    peerNotes: lean(peerNotes),
    ports: ports === null ? null : lean(ports),
    icmps: icmps === null ? null : lean(icmps),
    ...(peer.authentication !== undefined ? { authentication: peer.authentication } : {}),
    requires: lean(requires),
  };
}

function compileCiliumRule(
  policy: CiliumPolicyObject,
  rule: CiliumRule,
  options: NormalizeOptions,
): CompiledRule {
  const ns = policy.kind === 'CiliumNetworkPolicy' ? policy.namespace : '';
  const origin: RuleOrigin = { kind: policy.kind, namespace: ns, name: policy.name, file: rule.source.file };
  const specLabel = policy.rules.length > 1 || rule.index > 0 ? `specs[${rule.index}].` : '';
  const host = rule.endpointSelector === null && rule.nodeSelector !== null;
  const subjectSource = rule.endpointSelector ?? rule.nodeSelector;
  const subject = subjectSource
    ? host
      ? compileSelector(subjectSource)
      : subjectSelector(subjectSource, ns)
    : // A rule without any selector selects nothing.
      selectorOf([requirement('reserved:none', 'Exists', [])]);
  const compile = (list: readonly PeerRule[] | null) =>
    (list ?? []).map((p) => compilePeerRule(p, origin, ns, specLabel, options));
  const ingress = compile(rule.ingress);
  const ingressDeny = compile(rule.ingressDeny);
  const egress = compile(rule.egress);
  const egressDeny = compile(rule.egressDeny);
  const hasIngress = ingress.length > 0 || ingressDeny.length > 0;
  const hasEgress = egress.length > 0 || egressDeny.length > 0;
  return {
    origin,
    label: specLabel === '' ? 'spec' : `specs[${rule.index}]`,
    line: rule.source.line,
    column: rule.source.column,
    namespace: ns,
    subject,
    host,
    ingress: lean(ingress),
    ingressDeny: lean(ingressDeny),
    egress: lean(egress),
    egressDeny: lean(egressDeny),
    defaultDeny: directions(
      hasIngress && rule.enableDefaultDeny.ingress !== false,
      hasEgress && rule.enableDefaultDeny.egress !== false,
    ),
    has: directions(hasIngress, hasEgress),
  };
}

/**
 * Converts a Kubernetes NetworkPolicy peer to an endpoint selector the way Cilium does: `podSelector`
 * alone stays in the policy's namespace; `namespaceSelector` labels become `io.cilium.k8s.namespace.labels.*`
 * requirements (an empty one: every namespace).
 * @see cilium/cilium pkg/k8s/network_policy.go parseNetworkPolicyPeer
 */
function kubernetesPeerSelector(
  podSelector: LabelSelector | null,
  namespaceSelector: LabelSelector | null,
  policyNamespace: string,
): CompiledSelector {
  const pod = podSelector ? compileSelector(podSelector) : WILDCARD_SELECTOR;
  const reqs: Requirement[] = [...pod.requirements];
  if (namespaceSelector) {
    const nsReqs: Requirement[] = [];
    for (const [k, v] of Object.entries(namespaceSelector.matchLabels)) {
      nsReqs.push(requirement(`k8s:${NAMESPACE_LABELS_PREFIX}${k}`, 'In', [v]));
    }
    for (const e of namespaceSelector.matchExpressions) {
      nsReqs.push(requirement(`k8s:${NAMESPACE_LABELS_PREFIX}${e.key}`, e.operator, e.values));
    }
    if (nsReqs.length === 0) nsReqs.push(requirement(POD_NS_REQ_KEY, 'Exists', []));
    reqs.push(...nsReqs);
  } else {
    reqs.push(requirement(POD_NS_REQ_KEY, 'In', [policyNamespace]));
  }
  return selectorOf(reqs);
}

function compileKubernetesRule(
  policy: KubernetesNetworkPolicyObject,
  rule: NetworkPolicyRule,
  direction: 'ingress' | 'egress',
  origin: RuleOrigin,
): CompiledPeerRule {
  const endpoints: CompiledSelector[] = [];
  const cidrs: CompiledCidr[] = [];
  const allPeers = rule.peers === null || rule.peers.length === 0;
  const unmodelled: string[] = [];
  for (const p of rule.peers ?? []) {
    if (p.ipBlock) {
      const unresolved = [p.ipBlock.cidr, ...p.ipBlock.except].find(hasPlaceholder);
      if (unresolved !== undefined) {
        unmodelled.push(`ipBlock "${unresolved}" has an unresolved \${var} placeholder`);
        continue;
      }
      const range = toCidrRange(p.ipBlock.cidr);
      if (range) {
        const except = p.ipBlock.except.map(toCidrRange).filter((r): r is CidrRange => r !== null);
        cidrs.push({ range, except });
      }
    } else {
      endpoints.push(kubernetesPeerSelector(p.podSelector, p.namespaceSelector, policy.namespace));
    }
  }
  const ports =
    rule.ports === null || rule.ports.length === 0
      ? null
      : [{ ports: rule.ports.map((p) => compilePort(p.port, p.endPort, p.protocol)), l7: null, notes: [] }];
  return {
    origin,
    direction,
    deny: false,
    label: elementLabel('', direction, rule.index),
    line: rule.source.line,
    column: rule.source.column,
    l3: allPeers ? 'wildcard' : 'peers',
    endpoints,
    entities: [],
    cidrs,
    fqdns: [],
    nodes: [],
    unmodelled,
    peerNotes: [],
    ports,
    icmps: ports === null ? null : [],
    requires: [],
  };
}

/**
 * A Kubernetes NetworkPolicy as one rule, converted the way Cilium does: subject = podSelector in the
 * policy's namespace; every `ingress`/`egress` rule is converted whatever `policyTypes` says (so a policy
 * with `policyTypes: [Egress]` and ingress rules still enforces them); with no ingress rules, ingress is
 * default-deny when `policyTypes` has Ingress or lacks Egress; with no egress rules, egress is
 * default-deny when `policyTypes` has Egress.
 * @see cilium/cilium pkg/k8s/network_policy.go ParseNetworkPolicy
 */
function compileKubernetesPolicy(policy: KubernetesNetworkPolicyObject): CompiledRule {
  const origin: RuleOrigin = {
    kind: 'NetworkPolicy',
    namespace: policy.namespace,
    name: policy.name,
    file: policy.source.file,
  };
  const subject = withRequirement(
    compileSelector(policy.podSelector),
    requirement(POD_NS_REQ_KEY, 'In', [policy.namespace]),
  );
  const types = policy.policyTypes;
  const ingress = policy.ingress.map((r) => compileKubernetesRule(policy, r, 'ingress', origin));
  const egress = policy.egress.map((r) => compileKubernetesRule(policy, r, 'egress', origin));
  const ingressOn = ingress.length > 0 || types.includes('Ingress') || !types.includes('Egress');
  const egressOn = egress.length > 0 || types.includes('Egress');
  return {
    origin,
    label: 'spec',
    line: policy.source.line,
    column: policy.source.column,
    namespace: policy.namespace,
    subject,
    host: false,
    ingress,
    ingressDeny: [],
    egress,
    egressDeny: [],
    defaultDeny: directions(ingressOn, egressOn),
    has: directions(ingressOn, egressOn),
  };
}

/**
 * Compiles every policy of a repository into engine rules, in repository order.
 * Pure: the same policies always give the same rules.
 */
export function compilePolicies(
  policies: readonly PolicyObject[],
  options: NormalizeOptions = { namespaceLabelSelectorsCrossNamespaces: true },
): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (const p of policies) {
    if (p.kind === 'NetworkPolicy') out.push(compileKubernetesPolicy(p));
    else if (rejectionByRelease(p, options) === undefined)
      for (const r of p.rules) out.push(compileCiliumRule(p, r, options));
  }
  return out;
}

/**
 * Why the configured release rejects a Cilium policy as a whole, or undefined when it accepts it: up to 1.16,
 * an egress element combining `toServices` with `toPorts` fails validation (`l3DependentL4Support`:
 * `ToServices: false`, cilium/cilium issue #20067; accepted from 1.17), and the agent applies none of the
 * policy's rules. Such a policy is left out of the compiled rules.
 * @param policy - a policy of the repository.
 * @param options - the normalisation options (their `release`).
 */
export function rejectionByRelease(policy: PolicyObject, options: NormalizeOptions): string | undefined {
  if (policy.kind === 'NetworkPolicy' || options.release?.selectorBackedServices !== false) return undefined;
  for (const r of policy.rules) {
    for (const e of [...(r.egress ?? []), ...(r.egressDeny ?? [])]) {
      if (e.services !== null && e.services.length > 0 && e.toPorts.length > 0) {
        return `Cilium ${options.release.release} rejects toServices combined with toPorts (cilium/cilium issue #20067, accepted from 1.17), so it applies none of its rules`;
      }
    }
  }
  return undefined;
}
