import { defineRule } from '../define-rule.js';
import { labelSource } from '../policy-walk.js';

/**
 * A platform namespace carrying a profile label. Platform namespaces are the catalogue's (configured in
 * `catalog.platformNamespaces`, else derived: namespaces with their own CNPs and no profile) plus the
 * rule's `namespaces` option (Kubernetes' own namespaces by default).
 */
export default defineRule({
  id: 'profile-on-platform-namespace',
  severity: 'error',
  description:
    'A platform namespace carries a profile label; platform namespaces need hand-written policies, never a profile.',
  messages: {
    profileOnPlatform:
      'Platform namespace "{{namespace}}" carries the profile label {{label}}: {{profile}}; platform namespaces get their own CiliumNetworkPolicies, never a profile.',
  },
  hints: {
    profileOnPlatform:
      'Remove the label {{label}} from namespace "{{namespace}}" and allow its traffic in its own CiliumNetworkPolicy (the seed\'s platform template).',
  },
  options: {
    /** Namespaces that are always platform namespaces, in addition to the catalogue's. */
    namespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
  },
  check(ctx) {
    const label = ctx.catalog.profileLabel;
    if (label === null) return;
    const platform = new Set([...ctx.catalog.platformNamespaces, ...ctx.config.namespaces]);
    for (const ns of ctx.repo.namespaces) {
      const profile = ns.labels[label];
      if (profile === undefined || !platform.has(ns.name)) continue;
      ctx.report({
        at: labelSource(ns, label, ctx.locator),
        messageId: 'profileOnPlatform',
        data: { namespace: ns.name, label, profile },
      });
    }
  },
});
