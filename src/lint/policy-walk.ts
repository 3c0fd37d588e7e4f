import type { Catalog } from '../catalog/derive-catalog.js';
import { type Identity, POD_NAMESPACE_LABEL, parseSelectorKey } from '../engine/identity.js';
import type { CompiledRule } from '../engine/normalize.js';
import { formatPeer } from '../engine/peer-spec.js';
import { type CompiledSelector, selectorMatches } from '../engine/selector.js';
import type { Peer, SideVerdict, Verdict } from '../engine/types.js';
import type { SourceRef } from '../errors.js';
import type { YamlPath } from '../repo/documents.js';
import type {
  CiliumPolicyObject,
  CiliumRule,
  LabelSelector,
  Labels,
  NamespaceObject,
  ObjectMeta,
  PeerRule,
  PolicyObject,
} from '../repo/model.js';
import { editDistance } from '../repo/values.js';
import type { LintInput, SourceLocator } from './define-rule.js';

/** Label keys or values that name a metrics scraper (Prometheus, its agent, vmagent, Alloy, OTel collectors). */
export const SCRAPER_WORD =
  /^(prometheus(-agent)?|kube-prometheus-stack-prometheus|vmagent|vmsingle|victoria-?metrics(-agent)?|alloy|grafana-agent|otel-?collector|opentelemetry-collector)$/;

/**
 * Whether labels name a metrics scraper: a key (its Cilium source prefix such as `k8s:` dropped) or a value
 * matching {@link SCRAPER_WORD}.
 * @param labels - Pod labels, or the `matchLabels` of a selector.
 */
export function namesScraper(labels: Labels): boolean {
  return Object.entries(labels).some(
    ([k, v]) => SCRAPER_WORD.test(parseSelectorKey(k).key) || SCRAPER_WORD.test(v),
  );
}

/** Label values that name a prober, which probes arbitrary targets and ports by design (blackbox exporters). */
export const PROBER_WORD = /^((prometheus-)?blackbox(-exporter)?|smokeping(-prober)?|gatus|uptime-kuma)$/;

/**
 * Where a rule applies the seed's own conventions (its anti-pattern list: every port listed, no address
 * named) beyond what Cilium makes a problem: `auto` where the repository follows the seed's system (the
 * catalogue found profile policies), `always`, `never`. Rules take it as their `seedConvention` option.
 */
export type SeedConvention = 'auto' | 'always' | 'never';

/** Whether the seed's conventions apply to this repository (see {@link SeedConvention}). */
export function seedConventionApplies(mode: SeedConvention, catalog: Pick<Catalog, 'profiles'>): boolean {
  return mode === 'always' || (mode === 'auto' && catalog.profiles.size > 0);
}

/** The option check of `seedConvention`: null when the value is one of auto, always, never. */
export function checkSeedConvention(value: string): string | null {
  return ['auto', 'always', 'never'].includes(value) ? null : `"${value}" is not one of auto, always, never`;
}

/**
 * A policy written as `kind/namespace/name` (`kind/name` when clusterwide), as messages name objects.
 * @param p - The policy.
 * @returns The reference text.
 */
export function policyRef(p: Pick<PolicyObject, 'kind' | 'namespace' | 'name'>): string {
  return p.kind === 'CiliumClusterwideNetworkPolicy' || p.namespace === ''
    ? `${p.kind}/${p.name}`
    : `${p.kind}/${p.namespace}/${p.name}`;
}

/**
 * The YAML path of a Cilium rule in its document: `['spec']`, or `['specs', i]` when the policy uses
 * `specs` (told apart by the rule's position, since `index` is 0 for both `spec` and `specs[0]`).
 * @param policy - The policy.
 * @param rule - One of its rules.
 * @param locator - Finds `spec` in the document.
 * @returns The path, or undefined when it cannot be told (the document text is unknown).
 */
export function rulePath(
  policy: CiliumPolicyObject,
  rule: CiliumRule,
  locator: SourceLocator,
): YamlPath | undefined {
  const spec = locator.locate(policy, ['spec']);
  if (spec && spec.line === rule.source.line && spec.column === rule.source.column) return ['spec'];
  const specs = locator.locate(policy, ['specs', rule.index]);
  if (specs && specs.line === rule.source.line && specs.column === rule.source.column)
    return ['specs', rule.index];
  return undefined;
}

/** The list field of a peer rule: `ingress`, `ingressDeny`, `egress` or `egressDeny`. */
export function peerRuleField(pr: Pick<PeerRule, 'direction' | 'deny'>): string {
  return pr.deny ? `${pr.direction}Deny` : pr.direction;
}

/**
 * The label of a peer rule as verdict explanations write it: `egress[2]`, or `specs[1].egress[2]`.
 * @param policy - The policy.
 * @param rule - The rule holding the element.
 * @param pr - The element.
 * @returns The label.
 */
export function peerRuleLabel(policy: CiliumPolicyObject, rule: CiliumRule, pr: PeerRule): string {
  const prefix = policy.rules.length > 1 || rule.index > 0 ? `specs[${rule.index}].` : '';
  return `${prefix}${peerRuleField(pr)}[${pr.index}]`;
}

/** Every element of `ingress`, `ingressDeny`, `egress` and `egressDeny` of a rule, in that order. */
export function peerRulesOf(rule: CiliumRule): PeerRule[] {
  return [
    ...(rule.ingress ?? []),
    ...(rule.ingressDeny ?? []),
    ...(rule.egress ?? []),
    ...(rule.egressDeny ?? []),
  ];
}

/**
 * The pod shapes a namespace's own policies describe: the plain `matchLabels` of each CiliumNetworkPolicy
 * endpointSelector and NetworkPolicy podSelector of the namespace (selectors with expressions, reserved
 * or namespace keys are skipped), deduplicated, in repository order. Where the repository does not define
 * a namespace's workloads (a Helm release renders them), these are the pods its policies are written for.
 * @param policies - The repository's policies.
 * @param namespace - The namespace.
 * @returns Pod label sets, none empty.
 */
export function describedPods(policies: readonly PolicyObject[], namespace: string): Labels[] {
  const out = new Map<string, Labels>();
  const add = (sel: LabelSelector | null) => {
    if (!sel || sel.matchExpressions.length > 0) return;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(sel.matchLabels)) {
      const key = k.replace(/^(k8s|any):/, '');
      if (key.includes(':') || key.startsWith('io.kubernetes.') || key.startsWith('io.cilium.')) return;
      labels[key] = v;
    }
    if (Object.keys(labels).length === 0) return;
    out.set(JSON.stringify(Object.entries(labels).sort()), labels);
  };
  for (const p of policies) {
    if (p.namespace !== namespace) continue;
    if (p.kind === 'NetworkPolicy') add(p.podSelector);
    else if (p.kind === 'CiliumNetworkPolicy') for (const r of p.rules) add(r.endpointSelector);
  }
  return [...out.values()];
}

const ciliumCache = new WeakMap<readonly PolicyObject[], readonly CiliumPolicyObject[]>();

/**
 * Cilium policies of a repository (CNP and CCNP), in repository order. Computed once per policy list (most
 * rules walk them) and shared, hence read-only.
 */
export function ciliumPolicies(policies: readonly PolicyObject[]): readonly CiliumPolicyObject[] {
  const cached = ciliumCache.get(policies);
  if (cached) return cached;
  const out = policies.filter((p): p is CiliumPolicyObject => p.kind !== 'NetworkPolicy');
  ciliumCache.set(policies, out);
  return out;
}

/**
 * The position of a namespace label's key, or of the Namespace when it cannot be found.
 * @param ns - The Namespace.
 * @param key - The label key.
 * @param locator - The locator.
 * @returns The position.
 */
export function labelSource(ns: NamespaceObject, key: string, locator: SourceLocator): SourceRef {
  return locator.locate(ns, ['metadata', 'labels', key], { key: true }) ?? ns.source;
}

/**
 * A YAML edit path to a label value, when the locator confirms the path exists in the object's document
 * (objects read from a `List` or a text the locator cannot see get no fix).
 * @param object - The object.
 * @param key - The label key.
 * @param locator - The locator.
 * @returns The path, or undefined.
 */
export function editableLabelPath(
  object: Pick<ObjectMeta, 'source' | 'documentIndex'>,
  key: string,
  locator: SourceLocator,
): YamlPath | undefined {
  const p: YamlPath = ['metadata', 'labels', key];
  return locator.locate(object, p) ? p : undefined;
}

/**
 * Why a denied verdict was denied, side by side: `egress of billing (no egress rule … allows the flow)`.
 * @param verdict - A denied verdict.
 * @param source - The flow's source, for naming the egress side.
 * @param destination - The flow's destination.
 * @param only - Describe this side only. Default: both.
 * @returns One phrase per denying side, joined with "; ".
 */
export function deniedSides(
  verdict: Verdict,
  source: Peer,
  destination: Peer,
  only?: 'egress' | 'ingress',
): string {
  const parts: string[] = [];
  const side = (name: string, s: SideVerdict) => {
    if (s.verdict !== 'denied') return;
    const deny = s.deniedBy[0];
    const why = deny
      ? `denied by ${deny.kind}/${deny.namespace === '' ? '' : `${deny.namespace}/`}${deny.name} ${deny.rule}`
      : (s.reasons[s.reasons.length - 1] ?? 'denied');
    parts.push(`${name} (${why})`);
  };
  if (only !== 'ingress') side(`egress of ${formatPeer(source)}`, verdict.egress);
  if (only !== 'egress') side(`ingress of ${formatPeer(destination)}`, verdict.ingress);
  return parts.join('; ');
}

/**
 * Levenshtein-close candidates of a word (case-insensitive; at most max(1, ⌊length/4⌋) edits), nearest
 * first; an exact case-insensitive match is the only result when there is one.
 * @param word - The word as written.
 * @param candidates - Valid words.
 * @returns The close candidates.
 */
export function closeMatches(word: string, candidates: Iterable<string>): string[] {
  const lower = word.toLowerCase();
  const limit = Math.max(1, Math.floor(word.length / 4));
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d === 0) return [c];
    if (d <= limit) scored.push({ c, d });
  }
  return scored.sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1)).map((s) => s.c);
}

/**
 * A compiled rule's policy as messages name it: `kind/namespace/name`, or `kind/name` when clusterwide.
 * @param r - The rule.
 * @returns The reference text.
 */
export function ruleName(r: Pick<CompiledRule, 'origin'>): string {
  return r.origin.kind === 'CiliumClusterwideNetworkPolicy'
    ? `${r.origin.kind}/${r.origin.name}`
    : `${r.origin.kind}/${r.origin.namespace}/${r.origin.name}`;
}

/** A pod of the repository as a peer, with its identity. */
export interface RepoPod {
  readonly peer: Peer & { readonly kind: 'pod' };
  readonly identity: Identity;
}

const podsCache = new WeakMap<object, RepoPod[]>();

/**
 * The pods a repository may run, for rules that judge what policies do to them: each workload's pod
 * labels, and a pod with no labels of each namespace the repository defines or has policies in
 * (deduplicated by identity; computed once per repository and engine).
 * @param ctx - The repository and its engine.
 * @returns The pods.
 */
export function repoPods(ctx: Pick<LintInput, 'repo' | 'engine'>): RepoPod[] {
  const cached = podsCache.get(ctx.engine);
  if (cached) return cached;
  const out = new Map<string, RepoPod>();
  const add = (peer: Peer & { kind: 'pod' }) => {
    const identity = ctx.engine.identityOf(peer);
    if (!out.has(identity.key)) out.set(identity.key, { peer, identity });
  };
  for (const w of ctx.repo.workloads) add({ kind: 'pod', namespace: w.namespace, labels: w.podLabels });
  const namespaces = new Set([
    ...ctx.repo.namespaces.map((n) => n.name),
    ...ctx.repo.policies.map((p) => p.namespace).filter((n) => n !== ''),
  ]);
  for (const ns of namespaces) add({ kind: 'pod', namespace: ns, labels: {} });
  const pods = [...out.values()];
  podsCache.set(ctx.engine, pods);
  return pods;
}

/**
 * The pods of the repository a rule selects ({@link repoPods}), plus the pod its own namespaced selector
 * describes (its single-valued `In` requirements on pod labels), so a selector no workload of the
 * repository matches is still judged for the pods it names.
 * @param ctx - The repository and its engine.
 * @param rule - The rule.
 * @returns The selected pods, workloads first.
 */
export function selectedPods(ctx: Pick<LintInput, 'repo' | 'engine'>, rule: CompiledRule): RepoPod[] {
  const selected = candidatePods(ctx, rule.subject).filter((c) => selectorMatches(rule.subject, c.identity));
  const described = describedPod(rule);
  if (described) {
    const identity = ctx.engine.identityOf(described);
    if (selectorMatches(rule.subject, identity) && !selected.some((c) => c.identity.key === identity.key))
      selected.push({ peer: described, identity });
  }
  return selected;
}

const podsByNamespaceCache = new WeakMap<object, ReadonlyMap<string, readonly RepoPod[]> | null>();

/**
 * The pods {@link repoPods} lists, by the value of their identity's `io.kubernetes.pod.namespace` label, each
 * list in that order; null when a pod lacks the label (then no selector is narrowed by it).
 */
function podsByNamespace(
  ctx: Pick<LintInput, 'repo' | 'engine'>,
): ReadonlyMap<string, readonly RepoPod[]> | null {
  const cached = podsByNamespaceCache.get(ctx.engine);
  if (cached !== undefined) return cached;
  let out: Map<string, RepoPod[]> | null = new Map();
  for (const pod of repoPods(ctx)) {
    const ns = pod.identity.k8s.get(POD_NAMESPACE_LABEL);
    if (ns === undefined) {
      out = null;
      break;
    }
    const list = out.get(ns);
    if (list) list.push(pod);
    else out.set(ns, [pod]);
  }
  podsByNamespaceCache.set(ctx.engine, out);
  return out;
}

/**
 * The pods a selector may select, in {@link repoPods} order: those of one namespace when the selector requires
 * `io.kubernetes.pod.namespace` to be one value (a CNP's subject always does), else all. A namespaced rule is
 * so matched against its namespace's pods only, not against every pod of the repository.
 */
function candidatePods(
  ctx: Pick<LintInput, 'repo' | 'engine'>,
  subject: CompiledSelector,
): readonly RepoPod[] {
  for (const r of subject.requirements) {
    if (r.key !== POD_NAMESPACE_LABEL || r.operator !== 'In' || r.values.size !== 1) continue;
    if (r.source !== 'k8s' && r.source !== 'any') continue;
    const byNs = podsByNamespace(ctx);
    if (!byNs) break;
    const [ns] = r.values;
    return (ns !== undefined && byNs.get(ns)) || [];
  }
  return repoPods(ctx);
}

function describedPod(rule: CompiledRule): (Peer & { kind: 'pod' }) | undefined {
  if (rule.namespace === '') return undefined;
  const labels: Record<string, string> = {};
  for (const r of rule.subject.requirements) {
    if (r.source === 'reserved' || r.key === POD_NAMESPACE_LABEL || r.key.startsWith('io.cilium.')) continue;
    if (r.operator !== 'In' || r.values.size !== 1) return undefined;
    labels[r.key] = [...r.values][0] ?? '';
  }
  return Object.keys(labels).length > 0 ? { kind: 'pod', namespace: rule.namespace, labels } : undefined;
}

/**
 * A rule of another policy that puts the pod in default deny for the direction (rules of the same policy,
 * such as a `specs` entry stating "default deny", do not count), or undefined.
 * @param ctx - The engine.
 * @param rule - The rule under judgement.
 * @param identity - The pod's identity.
 * @param direction - The direction.
 */
export function enforcedByOthers(
  ctx: Pick<LintInput, 'engine'>,
  rule: CompiledRule,
  identity: Identity,
  direction: 'ingress' | 'egress',
): CompiledRule | undefined {
  return ctx.engine
    .endpointPolicy(identity)
    [direction].selectedBy.find((r) => !sameObject(r, rule) && r.defaultDeny[direction]);
}

function sameObject(a: CompiledRule, b: CompiledRule): boolean {
  return (
    a.origin.kind === b.origin.kind &&
    a.origin.namespace === b.origin.namespace &&
    a.origin.name === b.origin.name
  );
}

/**
 * Whether an element's `toPorts` entries all lack ports and everything above L4 (L7 rules, server names, a
 * listener): such an element matches no port (docs/semantics.md §7, item 2).
 * @param pr - A Cilium allow or deny element.
 * @returns True when the element matches no port.
 */
export function matchesNoPort(pr: PeerRule): boolean {
  return (
    pr.toPorts.length > 0 &&
    pr.toPorts.every(
      (t) => t.ports.length === 0 && t.l7 === null && t.serverNames.length === 0 && !t.listener,
    )
  );
}

/**
 * The position of a field of a compiled Cilium rule in its file (`endpointSelector`,
 * `['enableDefaultDeny', 'ingress']`), for findings that concern that field rather than the whole rule: the
 * rule's policy object is found by kind, namespace, name and the rule's own position, and the field under its
 * `spec` (or `specs[i]`).
 * @param ctx - The repository and the locator.
 * @param rule - The compiled rule.
 * @param field - Keys below the rule's mapping.
 * @returns The field's key position, or the rule's position when the field or the file text is unknown.
 */
export function locateRuleField(
  ctx: Pick<LintInput, 'repo' | 'locator'>,
  rule: CompiledRule,
  field: YamlPath,
): SourceRef {
  const at: SourceRef = { file: rule.origin.file, line: rule.line, column: rule.column };
  for (const p of ciliumPolicies(ctx.repo.policies)) {
    if (p.kind !== rule.origin.kind || p.name !== rule.origin.name) continue;
    if (p.kind === 'CiliumNetworkPolicy' && p.namespace !== rule.origin.namespace) continue;
    const r = p.rules.find((x) => x.source.line === rule.line && x.source.column === rule.column);
    if (!r) continue;
    const spec = r.index > 0 || p.rules.length > 1 ? ['specs', r.index] : ['spec'];
    return ctx.locator.locate(p, [...spec, ...field], { key: true }) ?? at;
  }
  return at;
}
