import { formatPeer } from '../../engine/peer-spec.js';
import { defineRule } from '../define-rule.js';
import { ruleName, selectedPods } from '../policy-walk.js';

/**
 * An egress `toFQDNs` rule on pods none of whose egress rules carries DNS L7 rules (`toPorts[].rules.dns`):
 * Cilium learns the addresses behind a name only from the DNS answers its DNS proxy sees, and the proxy sees
 * only traffic an egress rule with DNS rules sends to it, so the rule selects no address and allows
 * nothing. Reported once per `toFQDNs` element, naming a pod of the repository the engine shows without DNS
 * visibility and with egress enforced (an unenforced direction allows everything anyway).
 * @see Cilium docs security/policy/language "DNS based" (the IPs of toFQDNs names come from the DNS proxy,
 *   which needs a DNS L7 rule on the endpoint's egress); docs/semantics.md §9.4 (toFQDNs needs an egress DNS L7 rule);
 *   src/engine/verdict.ts (the same condition gives trace its caveat).
 */
export default defineRule({
  id: 'fqdn-without-dns-proxy',
  severity: 'error',
  description:
    'A toFQDNs rule selects pods whose egress has no DNS L7 rule, so Cilium never learns the addresses and the rule allows nothing.',
  messages: {
    blind:
      "{{policy}} {{rule}} allows toFQDNs for pods {{pod}}, but no egress rule of those pods has DNS rules (toPorts rules.dns), so Cilium's DNS proxy never sees their lookups and the rule allows nothing.",
  },
  hints: {
    blind:
      'Add an egress rule to the DNS server on port 53 with `rules: { dns: [{ matchPattern: "*" }] }` for those pods (the DNS baseline is the usual place).',
  },
  check(ctx) {
    if (ctx.engine.settings.policyEnforcementMode === 'never') return;
    for (const rule of ctx.engine.rules) {
      if (rule.host || rule.origin.kind === 'NetworkPolicy') continue;
      const fqdnRules = rule.egress.filter((pr) => !pr.deny && pr.fqdns.length > 0);
      if (fqdnRules.length === 0) continue;
      const blind = selectedPods(ctx, rule).find((p) => {
        const egress = ctx.engine.endpointPolicy(p.identity).egress;
        return egress.enforced && !egress.dnsVisibility;
      });
      if (!blind) continue;
      for (const pr of fqdnRules) {
        ctx.report({
          at: { file: rule.origin.file, line: pr.line, column: pr.column },
          messageId: 'blind',
          data: { policy: ruleName(rule), rule: pr.label, pod: formatPeer(blind.peer) },
        });
      }
    }
  },
});
