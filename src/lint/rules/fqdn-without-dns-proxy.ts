import { POD_NAMESPACE_LABEL } from '../../engine/identity.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { Requirement } from '../../engine/selector.js';
import { defineRule } from '../define-rule.js';
import { ruleName, selectedPods } from '../policy-walk.js';

/**
 * An egress `toFQDNs` rule on pods none of whose egress rules carries DNS L7 rules (`toPorts[].rules.dns`):
 * Cilium learns the addresses behind a name only from the DNS answers its DNS proxy sees, and the proxy sees
 * only traffic an egress rule with DNS rules sends to it, so the rule selects no address and allows
 * nothing. Reported once per `toFQDNs` element, naming a pod of the repository the engine shows without DNS
 * visibility and with egress enforced (an unenforced direction allows everything anyway): a workload of
 * the repository, or an assumed pod of a namespace no runtime-rendered source (Helm chart, unreadable
 * source) also fills, since such a source may give its pods the labels a DNS policy selects.
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
    // A pod netpol only assumes (a namespace's pod without labels, a selector's own labels) in a namespace
    // that a Helm chart or other runtime-rendered source also fills may carry the label a DNS policy selects
    // (docs/real-repos.md: apps whose HelmRelease values set the opt-in label of a DNS-proxy baseline).
    const unseenAll = ctx.repo.unseen.some((u) => u.namespaces.includes('*'));
    const unseen = new Set(ctx.repo.unseen.flatMap((u) => u.namespaces));
    const dnsPolicies = ctx.engine.rules.filter(
      (r) => !r.host && r.egress.some((pr) => pr.ports?.some((port) => port.l7 === 'dns') ?? false),
    );
    const workloads = new Set(
      ctx.repo.workloads.map(
        (w) => ctx.engine.identityOf({ kind: 'pod', namespace: w.namespace, labels: w.podLabels }).key,
      ),
    );
    const known = (p: { peer: { namespace: string }; identity: { key: string } }) =>
      workloads.has(p.identity.key) ||
      !(unseenAll || unseen.has(p.peer.namespace)) ||
      !dnsPolicies.some((r) => maySelectNamespace(r.subject.requirements, p.peer.namespace));
    for (const rule of ctx.engine.rules) {
      if (rule.host || rule.origin.kind === 'NetworkPolicy') continue;
      const fqdnRules = rule.egress.filter((pr) => !pr.deny && pr.fqdns.length > 0);
      if (fqdnRules.length === 0) continue;
      const blind = selectedPods(ctx, rule).find((p) => {
        const egress = ctx.engine.endpointPolicy(p.identity).egress;
        return known(p) && egress.enforced && !egress.dnsVisibility;
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

/**
 * Whether a rule's subject may select some pod of a namespace, whatever pod labels it carries: its
 * requirements on `io.kubernetes.pod.namespace` hold for the namespace, and it names no reserved identity.
 * Requirements on pod labels and namespace labels are taken as satisfiable (a chart may set the former;
 * the latter are not judged here).
 */
function maySelectNamespace(requirements: readonly Requirement[], namespace: string): boolean {
  return requirements.every((r) => {
    if (r.source === 'reserved') return r.operator === 'NotIn' || r.operator === 'DoesNotExist';
    if (r.key !== POD_NAMESPACE_LABEL) return true;
    switch (r.operator) {
      case 'In':
        return r.values.has(namespace);
      case 'NotIn':
        return !r.values.has(namespace);
      case 'Exists':
        return true;
      default:
        return false;
    }
  });
}
