import { defineRule } from '../define-rule.js';
import { labelSource } from '../policy-walk.js';

/**
 * The escape-hatch label (`<domain>/enforcement=disabled`, as the catalogue's escape-hatch policy selects
 * it) committed on a Namespace: the escape hatch is a temporary action on the live cluster.
 */
export default defineRule({
  id: 'enforcement-disabled-in-git',
  severity: 'error',
  description:
    'A Namespace in git carries the escape-hatch label that disables enforcement; the escape hatch is a temporary, live action.',
  messages: {
    enforcementDisabled:
      'Namespace "{{namespace}}" carries {{label}}={{value}} in git, so every Flux apply turns its network policy enforcement off{{policies}}.',
  },
  hints: {
    enforcementDisabled:
      'Remove the label from git; set it with kubectl only during an incident (escape-hatch runbook) and fix the missing rule in a PR.',
  },
  check(ctx) {
    const hatch = ctx.catalog.escapeHatch;
    const label = hatch?.label ?? (ctx.catalog.domain !== null ? `${ctx.catalog.domain}/enforcement` : null);
    if (label === null) return;
    const value = hatch?.value ?? 'disabled';
    const policies = hatch
      ? ` (${hatch.policies.map((p) => p.name).join(', ')} then allow all its traffic)`
      : '';
    for (const ns of ctx.repo.namespaces) {
      if (ns.labels[label] !== value) continue;
      ctx.report({
        at: labelSource(ns, label, ctx.locator),
        messageId: 'enforcementDisabled',
        data: { namespace: ns.name, label, value, policies },
      });
    }
  },
});
