import { KUBERNETES_NAMESPACES } from '../../catalog/derive-catalog.js';
import { defineRule } from '../define-rule.js';

/**
 * An application namespace with neither a profile label nor policies of its own. The engine says what that
 * means for a pod of it: with the baselines in place its ingress is enforced and nothing admits it.
 * Kubernetes' own namespaces (`kube-system`, `kube-public`, `kube-node-lease`) are never application
 * namespaces, even when `catalog.platformNamespaces` leaves them out; `default` is one when the
 * repository defines it (applications run there).
 */
export default defineRule({
  id: 'missing-profile',
  severity: 'warning',
  description:
    'An application namespace has neither a profile label nor policies of its own, so it gets no ingress at all.',
  messages: {
    noIngress:
      'Application namespace "{{namespace}}" has no {{label}} label and no policies of its own, so its pods get no ingress at all (only what the baselines allow).',
    notEnforced:
      'Application namespace "{{namespace}}" has no {{label}} label and no policies of its own, and no rule selects its pods for ingress, so they accept every flow.',
  },
  hints: {
    noIngress:
      'Give it a profile: {{label}}: {{profiles}} (isolated-style profiles make "no ingress" explicit).',
    notEnforced: 'Give it a profile: {{label}}: {{profiles}}.',
  },
  check(ctx) {
    const label = ctx.catalog.profileLabel;
    if (label === null || ctx.catalog.profiles.size === 0) return;
    const platform = new Set([...ctx.catalog.platformNamespaces, ...KUBERNETES_NAMESPACES]);
    const withPolicies = new Set(
      ctx.repo.policies.filter((p) => p.kind !== 'CiliumClusterwideNetworkPolicy').map((p) => p.namespace),
    );
    const profiles = [...ctx.catalog.profiles.keys()].sort().join(' | ');
    for (const ns of ctx.repo.namespaces) {
      if (platform.has(ns.name) || ns.labels[label] !== undefined || withPolicies.has(ns.name)) continue;
      const identity = ctx.engine.identityOf({ kind: 'pod', namespace: ns.name, labels: {} });
      const enforced = ctx.engine.endpointPolicy(identity).ingress.enforced;
      ctx.report({
        at: ctx.locator.locate(ns, ['metadata', 'name']) ?? ns.source,
        messageId: enforced ? 'noIngress' : 'notEnforced',
        data: { namespace: ns.name, label, profiles },
      });
    }
  },
});
