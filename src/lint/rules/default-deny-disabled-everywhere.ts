import { formatPeer } from '../../engine/peer-spec.js';
import { defineRule } from '../define-rule.js';
import { locateRuleField, ruleName, selectedPods } from '../policy-walk.js';

/**
 * A policy that allows in a direction with `enableDefaultDeny.<direction>: false`, where every other
 * policy selecting the same pods does so too: no rule puts those pods in default deny for the direction,
 * so it is not enforced and the allow rules restrict nothing (every flow is allowed). Reported once per
 * policy and direction, naming a pod the engine shows unenforced.
 * @see docs/semantics.md §5.1-5.2 (a rule with enableDefaultDeny false adds its allows but no default deny;
 *   default deny is requested by any selecting rule); Cilium docs security/policy/language "enableDefaultDeny".
 */
export default defineRule({
  id: 'default-deny-disabled-everywhere',
  severity: 'warning',
  description:
    'Every policy that allows a direction for some pods sets enableDefaultDeny false for it, so the direction is not enforced and the allow rules restrict nothing.',
  messages: {
    notEnforced:
      '{{policy}} sets enableDefaultDeny.{{direction}}: false, and so does every other policy selecting pods {{pod}}: their {{direction}} is not enforced, so its {{direction}} allow rules restrict nothing.',
  },
  hints: {
    notEnforced:
      'Let one policy selecting those pods keep default deny for {{direction}} (drop enableDefaultDeny.{{direction}}: false from it) once its rules allow what the pods need; until then nothing is restricted.',
  },
  check(ctx) {
    if (ctx.engine.settings.policyEnforcementMode !== 'default') return;
    for (const rule of ctx.engine.rules) {
      if (rule.host || rule.origin.kind === 'NetworkPolicy') continue;
      for (const direction of ['ingress', 'egress'] as const) {
        const allow = direction === 'ingress' ? rule.ingress : rule.egress;
        if (!rule.has[direction] || rule.defaultDeny[direction] || !allow.some((a) => a.l3 !== 'none'))
          continue;
        const open = selectedPods(ctx, rule).find(
          (p) => !ctx.engine.endpointPolicy(p.identity)[direction].enforced,
        );
        if (!open) continue;
        ctx.report({
          at: locateRuleField(ctx, rule, ['enableDefaultDeny', direction]),
          messageId: 'notEnforced',
          data: { policy: ruleName(rule), direction, pod: formatPeer(open.peer) },
        });
      }
    }
  },
});
