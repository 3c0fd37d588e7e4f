import { formatPeer } from '../engine/peer-spec.js';
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
import type { SourceLocator } from './define-rule.js';

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

/** Cilium policies of a repository (CNP and CCNP). */
export function ciliumPolicies(policies: readonly PolicyObject[]): CiliumPolicyObject[] {
  return policies.filter((p): p is CiliumPolicyObject => p.kind !== 'NetworkPolicy');
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
