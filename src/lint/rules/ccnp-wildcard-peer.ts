import { NAMESPACE_LABELS_PREFIX, parseSelectorKey } from '../../engine/identity.js';
import { injectPeerNamespace } from '../../engine/normalize.js';
import { compileSelector } from '../../engine/selector.js';
import type { LabelSelector } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import { ciliumPolicies, peerRuleField, peerRuleLabel, peerRulesOf, policyRef } from '../policy-walk.js';

/**
 * A clusterwide policy's `fromEndpoints`/`toEndpoints` selector that names no namespace (neither
 * `io.kubernetes.pod.namespace` nor a namespace label): the engine's namespace injection gives it
 * `io.kubernetes.pod.namespace Exists`, so it selects matching pods of every namespace, whatever the
 * policy's comments or description say ("same namespace" is a CNP behaviour only).
 * @see docs/semantics.md §2.3.4; cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector.
 */
export default defineRule({
  id: 'ccnp-wildcard-peer',
  severity: 'error',
  description:
    'A clusterwide policy has an empty or namespace-less fromEndpoints/toEndpoints selector, which selects pods of every namespace.',
  messages: {
    emptySelector:
      '{{policy}} {{rule}} {{field}} has the selector {}, which in a clusterwide policy selects every pod of every namespace.',
    namespaceLess:
      '{{policy}} {{rule}} {{field}} selects {{labels}} without a namespace, which in a clusterwide policy means those pods in every namespace.',
  },
  hints: {
    emptySelector:
      'Name the namespace (io.kubernetes.pod.namespace: NS) or a namespace label in the selector; write a CiliumNetworkPolicy if "the same namespace" is meant.',
    namespaceLess:
      'Add io.kubernetes.pod.namespace (or a namespace label) to the selector; write a CiliumNetworkPolicy if "the same namespace" is meant.',
  },
  check(ctx) {
    for (const p of ciliumPolicies(ctx.repo.policies)) {
      if (p.kind !== 'CiliumClusterwideNetworkPolicy') continue;
      for (const rule of p.rules) {
        for (const pr of peerRulesOf(rule)) {
          for (const sel of pr.endpoints ?? []) {
            if (!selectsEveryNamespace(sel)) continue;
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
              },
            });
          }
        }
      }
    }
  },
});

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
