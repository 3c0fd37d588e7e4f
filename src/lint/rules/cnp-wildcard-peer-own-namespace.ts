import type { CiliumPolicyObject, CiliumRule } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import { ciliumPolicies, peerRuleLabel, peerRulesOf, policyRef } from '../policy-walk.js';

/** Words that say "every pod of the cluster". */
const ALL_PODS =
  /\b(all|every|any)[ -](pods?|endpoints?|namespaces?|workloads?)\b(?![ -]in (the|this|its|their|same) namespace)|\bcluster[ -]?wide\b|\bfrom anywhere\b|\bin the cluster\b/i;

/**
 * A CiliumNetworkPolicy `fromEndpoints: [{}]` / `toEndpoints: [{}]` (allow or deny) in a policy whose name,
 * description or annotations say "all pods" (or "cluster-wide", "any namespace"): in a namespaced policy
 * Cilium injects the policy's namespace into the empty selector, so it covers only the pods of that
 * namespace, not every pod.
 * @see docs/semantics.md §2.3.4 and §4.5 (CNP `fromEndpoints: [{}]` selects only pods of the policy's
 *   namespace); cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector.
 */
export default defineRule({
  id: 'cnp-wildcard-peer-own-namespace',
  severity: 'error',
  description:
    'A CiliumNetworkPolicy meant for all pods has fromEndpoints/toEndpoints [{}], which covers only the pods of its own namespace.',
  messages: {
    ownNamespaceOnly:
      '{{policy}} {{rule}} {{field}}: [{}] selects only the pods of namespace "{{namespace}}" (Cilium injects the policy\'s namespace), while the policy says "{{words}}".',
  },
  hints: {
    ownNamespaceOnly:
      'For every pod write {{entityField}}: [cluster] (pods and cluster entities) or a selector with io.kubernetes.pod.namespace Exists; keep [{}] if the namespace was meant and reword the policy.',
  },
  check(ctx) {
    for (const p of ciliumPolicies(ctx.repo.policies)) {
      if (p.kind !== 'CiliumNetworkPolicy' || !p.rules.some(hasWildcardPeer)) continue;
      const words = ALL_PODS.exec(wordsOf(p));
      if (!words) continue;
      for (const rule of p.rules) {
        for (const pr of peerRulesOf(rule)) {
          for (const sel of pr.endpoints ?? []) {
            if (Object.keys(sel.matchLabels).length > 0 || sel.matchExpressions.length > 0) continue;
            const from = pr.direction === 'ingress';
            ctx.report({
              at: sel.source,
              messageId: 'ownNamespaceOnly',
              data: {
                policy: policyRef(p),
                rule: peerRuleLabel(p, rule, pr),
                field: from ? 'fromEndpoints' : 'toEndpoints',
                namespace: p.namespace,
                words: words[0],
                entityField: from ? 'fromEntities' : 'toEntities',
              },
            });
          }
        }
      }
    }
  },
});

/** Whether a rule has a `fromEndpoints`/`toEndpoints` selector `{}` (checked before reading the policy's words). */
function hasWildcardPeer(rule: CiliumRule): boolean {
  return peerRulesOf(rule).some((pr) =>
    (pr.endpoints ?? []).some(
      (sel) => Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0,
    ),
  );
}

function wordsOf(p: CiliumPolicyObject): string {
  return [
    p.name.replace(/-/g, ' '),
    ...Object.values(p.annotations),
    ...p.rules.map((r) => r.description ?? ''),
  ].join(' \n ');
}
