import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL, parseSelectorKey } from '../../engine/identity.js';
import { injectPeerNamespace } from '../../engine/normalize.js';
import { compileSelector, selectorMatches } from '../../engine/selector.js';
import type { CiliumPolicyObject, CiliumRule, LabelSelector } from '../../repo/model.js';
import { defineRule, type LintInput } from '../define-rule.js';
import { ciliumPolicies, peerRuleField, peerRuleLabel, peerRulesOf, policyRef } from '../policy-walk.js';

/** Words of a description, name or annotation that say "the same namespace". */
const SAME_NAMESPACE =
  /\b(same|own|this|its|their)[ -]namespace|\bwithin (the |its |their )?namespace|\bintra-?namespace|\bnamespace[ -](local|internal|only)\b/i;
/**
 * Words that say "every namespace", which win over the ones above; negated ones ("not cluster-wide") do not
 * (docs/real-repos.md: an intra-namespace baseline whose description says "same-namespace endpoints only
 * (not cluster-wide)" while its `{}` peers open every pod to every pod).
 */
const EVERY_NAMESPACE =
  /(?<!\b(not|nor|never|no)\s+)(\b(all|every|any|other) namespaces?\b|\bcluster[ -]?wide\b|\bin the cluster\b)/i;

/**
 * A clusterwide policy's `fromEndpoints`/`toEndpoints` selector that names no namespace (neither
 * `io.kubernetes.pod.namespace` nor a namespace label) where the policy means "the same namespace": the
 * engine's namespace injection gives it `io.kubernetes.pod.namespace Exists`, so it selects matching pods
 * of every namespace ("same namespace" is a CNP behaviour only). A clusterwide policy often means "every
 * pod" (ingress to DNS, a gateway wherever it runs), so the intent is read from the policy: its
 * description, name or annotations say "same/own namespace", or the pods the selector names run, in the
 * repository, only in the one namespace the policy's endpointSelector pins. The option `intent` reports
 * every such selector (`same-namespace`) or none (`every-namespace`).
 * @see docs/semantics.md §2.3.4; cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector.
 */
export default defineRule({
  id: 'ccnp-wildcard-peer',
  severity: 'error',
  description:
    'A clusterwide policy meant for the same namespace has an empty or namespace-less fromEndpoints/toEndpoints selector, which selects pods of every namespace.',
  messages: {
    emptySelector:
      '{{policy}} {{rule}} {{field}} has the selector {}, which in a clusterwide policy selects every pod of every namespace, while {{intent}}.',
    namespaceLess:
      '{{policy}} {{rule}} {{field}} selects {{labels}} without a namespace, which in a clusterwide policy means those pods in every namespace, while {{intent}}.',
  },
  hints: {
    emptySelector:
      'Name the namespace (io.kubernetes.pod.namespace: NS) or a namespace label in the selector; write a CiliumNetworkPolicy if "the same namespace" is meant.',
    namespaceLess:
      'Add io.kubernetes.pod.namespace (or a namespace label) to the selector; write a CiliumNetworkPolicy if "the same namespace" is meant.',
  },
  options: {
    /**
     * What namespace-less peers of clusterwide policies mean in this repository: `derive` (from each
     * policy's words and the workloads its selectors name), `same-namespace` (report them all) or
     * `every-namespace` (report none).
     */
    intent: 'derive' as 'derive' | 'same-namespace' | 'every-namespace',
  },
  optionChecks: {
    intent: (v) =>
      ['derive', 'same-namespace', 'every-namespace'].includes(v)
        ? null
        : `"${v}" is not one of derive, same-namespace, every-namespace`,
  },
  check(ctx) {
    if (ctx.config.intent === 'every-namespace') return;
    for (const p of ciliumPolicies(ctx.repo.policies)) {
      if (p.kind !== 'CiliumClusterwideNetworkPolicy') continue;
      const words = wordsIntent(p);
      for (const rule of p.rules) {
        for (const pr of peerRulesOf(rule)) {
          for (const sel of pr.endpoints ?? []) {
            if (!selectsEveryNamespace(sel)) continue;
            const intent =
              ctx.config.intent === 'same-namespace'
                ? 'the configured intent (lint.ccnp-wildcard-peer.intent) is "same namespace"'
                : (words ?? workloadIntent(ctx, rule, sel));
            if (intent === null) continue;
            const labels = selectorText(sel);
            ctx.report({
              at: sel.source,
              messageId: labels === '' ? 'emptySelector' : 'namespaceLess',
              data: {
                policy: policyRef(p),
                rule: peerRuleLabel(p, rule, pr),
                field: `${pr.direction === 'ingress' ? 'from' : 'to'}Endpoints`,
                labels,
                list: peerRuleField(pr),
                intent,
              },
            });
          }
        }
      }
    }
  },
});

/** The "same namespace" intent a policy states in words, or null. */
function wordsIntent(p: CiliumPolicyObject): string | null {
  const texts = [...p.rules.map((r) => r.description ?? ''), ...Object.values(p.annotations)];
  for (const t of texts) {
    const m = SAME_NAMESPACE.exec(t);
    if (m && !EVERY_NAMESPACE.test(t)) return `the policy says "${m[0]}"`;
  }
  return null;
}

/**
 * "Same namespace" read from the repository: the rule's endpointSelector pins one namespace, the peer
 * selector names pod labels, and the workloads of the repository carrying them all run in that namespace.
 */
function workloadIntent(
  ctx: Pick<LintInput, 'repo' | 'engine'>,
  rule: CiliumRule,
  sel: LabelSelector,
): string | null {
  const ns = pinnedNamespace(rule.endpointSelector);
  if (ns === undefined || (Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0))
    return null;
  const compiled = compileSelector(sel);
  const namespaces = new Set<string>();
  for (const w of ctx.repo.workloads) {
    const identity = ctx.engine.identityOf({ kind: 'pod', namespace: w.namespace, labels: w.podLabels });
    if (selectorMatches(compiled, identity)) namespaces.add(w.namespace);
  }
  if (namespaces.size !== 1 || !namespaces.has(ns)) return null;
  return `the policy selects namespace "${ns}" and the repository runs those pods only there`;
}

/** The one namespace a subject selector pins (`io.kubernetes.pod.namespace` or the metadata.name label). */
function pinnedNamespace(sel: LabelSelector | null): string | undefined {
  if (!sel) return undefined;
  for (const [k, v] of Object.entries(sel.matchLabels)) {
    const key = parseSelectorKey(k).key;
    if (key === POD_NAMESPACE_LABEL || key === `${NAMESPACE_LABELS_PREFIX}kubernetes.io/metadata.name`)
      return v;
  }
  for (const e of sel.matchExpressions) {
    const key = parseSelectorKey(e.key).key;
    if (key === POD_NAMESPACE_LABEL && e.operator === 'In' && e.values.length === 1) return e.values[0];
  }
  return undefined;
}

/** Whether the engine widens the selector to every namespace and no namespace label narrows it. */
function selectsEveryNamespace(sel: LabelSelector): boolean {
  const keys = [...Object.keys(sel.matchLabels), ...sel.matchExpressions.map((e) => e.key)].map(
    (k) => parseSelectorKey(k).key,
  );
  if (keys.some((k) => k.startsWith(NAMESPACE_LABELS_PREFIX))) return false;
  const compiled = compileSelector(sel);
  const injected = injectPeerNamespace(compiled, '', { namespaceLabelSelectorsCrossNamespaces: true });
  return injected.requirements.length > compiled.requirements.length;
}

function selectorText(sel: LabelSelector): string {
  return [
    ...Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`),
    ...sel.matchExpressions.map(
      (e) => `${e.key} ${e.operator}${e.values.length > 0 ? ` (${e.values.join(', ')})` : ''}`,
    ),
  ].join(',');
}
