import { POD_NAMESPACE_LABEL, parseSelectorKey } from '../../engine/identity.js';
import { defineRule } from '../define-rule.js';
import { ciliumPolicies, policyRef, rulePath } from '../policy-walk.js';

/**
 * A CiliumNetworkPolicy `endpointSelector` naming `io.kubernetes.pod.namespace`. Cilium always applies a
 * CNP in its own namespace: a `matchLabels` entry for another namespace is overwritten (the agent logs
 * "illegal namespace match"), one for the policy's own namespace is redundant, and a `matchExpressions`
 * entry is ANDed with the forced namespace.
 * @see docs/semantics.md §2.1; cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go ParseToCiliumRule.
 */
export default defineRule({
  id: 'namespace-in-endpoint-selector',
  severity: 'error',
  description:
    'A CiliumNetworkPolicy endpointSelector names a namespace, which Cilium ignores: the policy always applies in its own namespace.',
  messages: {
    otherNamespace:
      '{{policy}} endpointSelector names namespace "{{value}}", but Cilium applies a CiliumNetworkPolicy in its own namespace "{{namespace}}" and ignores this key.',
    sameNamespace:
      '{{policy}} endpointSelector names its own namespace "{{value}}"; Cilium adds it anyway, so the key is redundant.',
    expression:
      '{{policy}} endpointSelector has a matchExpressions entry on {{key}}; Cilium limits a CiliumNetworkPolicy to namespace "{{namespace}}" and ANDs the entry, which {{effect}}.',
  },
  hints: {
    otherNamespace: 'Move the policy to namespace "{{value}}" (metadata.namespace), or remove the key.',
    sameNamespace: 'Remove the key (netpol lint --fix does it).',
    expression: 'Remove the entry; to select another namespace, put the policy in that namespace.',
  },
  fixable: true,
  check(ctx) {
    for (const p of ciliumPolicies(ctx.repo.policies)) {
      if (p.kind !== 'CiliumNetworkPolicy') continue;
      for (const rule of p.rules) {
        const sel = rule.endpointSelector;
        if (!sel) continue;
        for (const [key, value] of Object.entries(sel.matchLabels)) {
          if (parseSelectorKey(key).key !== POD_NAMESPACE_LABEL) continue;
          const base = rulePath(p, rule, ctx.locator);
          const path = base ? [...base, 'endpointSelector', 'matchLabels', key] : undefined;
          const at = (path && ctx.locator.locate(p, path, { key: true })) ?? sel.source;
          const data = { policy: policyRef(p), value, namespace: p.namespace, key };
          if (value !== p.namespace) {
            ctx.report({ at, messageId: 'otherNamespace', data });
            continue;
          }
          ctx.report({
            at,
            messageId: 'sameNamespace',
            data,
            severity: 'warning',
            ...(path
              ? {
                  fix: {
                    kind: 'yaml' as const,
                    file: p.source.file,
                    edits: [{ documentIndex: p.documentIndex, path, delete: true as const }],
                  },
                }
              : {}),
          });
        }
        sel.matchExpressions.forEach((e, i) => {
          if (parseSelectorKey(e.key).key !== POD_NAMESPACE_LABEL) return;
          const base = rulePath(p, rule, ctx.locator);
          const has = e.values.includes(p.namespace);
          const keeps =
            e.operator === 'Exists' || (e.operator === 'In' && has) || (e.operator === 'NotIn' && !has);
          const path = base ? [...base, 'endpointSelector', 'matchExpressions', i] : undefined;
          ctx.report({
            at: (path && ctx.locator.locate(p, path)) ?? sel.source,
            messageId: 'expression',
            data: {
              policy: policyRef(p),
              key: e.key,
              namespace: p.namespace,
              effect: keeps ? 'changes nothing' : 'makes the selector select nothing',
            },
          });
        });
      }
    }
  },
});
