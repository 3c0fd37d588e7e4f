import { formatPeer } from '../../engine/peer-spec.js';
import type { Flow, Peer } from '../../engine/types.js';
import { defineRule } from '../define-rule.js';
import { enforcedByOthers, ruleName, selectedPods } from '../policy-walk.js';

/**
 * A policy whose rules for a direction are only deny rules (no allow element selects a peer) and that
 * leaves `enableDefaultDeny` on, where it is the only policy putting its pods in default deny for that
 * direction: Cilium switches those pods into default deny as soon as any rule has rules for the direction,
 * deny rules included, so everything the policy does not deny is dropped too (DNS first), not only what
 * it names. The message names a flow the engine now denies. A deny from `all` on every port is a
 * deliberate lock and is left to `explicit-default-deny`.
 * @see docs/semantics.md §5.1 ("deny-only rules also trigger default deny"), §5.2; Cilium docs
 *   security/policy/language "Deny Policies" and "enableDefaultDeny".
 */
export default defineRule({
  id: 'deny-rule-enables-default-deny',
  severity: 'error',
  description:
    'A policy with only deny rules for a direction (and enableDefaultDeny left on) switches its pods into default deny, dropping DNS and everything else it does not allow.',
  messages: {
    switchesOn:
      '{{policy}} has only deny rules for {{direction}}, yet it puts pods {{pod}} in {{direction}} default deny (no other policy does): everything it does not deny is dropped too, e.g. {{flow}}.',
  },
  hints: {
    switchesOn:
      'Add enableDefaultDeny: { {{direction}}: false } to the policy so its deny rules only deny (Cilium ≥ 1.16), or allow what the pods need.',
  },
  options: {
    /**
     * Directions checked. Egress by default: there default deny drops DNS, which every pod needs; pods
     * often need no ingress at all, so a deny-only ingress policy is usually meant to close it.
     */
    directions: ['egress'] as ('ingress' | 'egress')[],
  },
  optionChecks: {
    directions: (list) =>
      list.every((d) => d === 'ingress' || d === 'egress') ? null : 'directions are "ingress" and "egress"',
  },
  check(ctx) {
    if (ctx.engine.settings.policyEnforcementMode !== 'default') return;
    const dns = ctx.catalog.dns?.peer ?? {
      kind: 'pod',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
    };
    for (const rule of ctx.engine.rules) {
      if (rule.host) continue;
      for (const direction of ctx.config.directions) {
        const allow = direction === 'ingress' ? rule.ingress : rule.egress;
        const deny = direction === 'ingress' ? rule.ingressDeny : rule.egressDeny;
        if (deny.length === 0 || !rule.defaultDeny[direction] || allow.some((a) => a.l3 !== 'none')) continue;
        if (deny.some((d) => d.entities.includes('all') && d.ports === null && d.icmps === null)) continue;
        for (const pod of selectedPods(ctx, rule)) {
          if (enforcedByOthers(ctx, rule, pod.identity, direction)) continue;
          const flow = exampleFlow(direction, pod.peer, dns);
          if (ctx.engine.verdict(flow)[direction].verdict !== 'denied') continue;
          ctx.report({
            at: {
              file: deny[0]?.origin.file ?? rule.origin.file,
              line: deny[0]?.line ?? rule.line,
              column: deny[0]?.column ?? rule.column,
            },
            messageId: 'switchesOn',
            data: {
              policy: ruleName(rule),
              direction,
              pod: formatPeer(pod.peer),
              flow: `${formatPeer(flow.source)} → ${formatPeer(flow.destination)} ${flow.port}/${flow.protocol}`,
            },
          });
          break;
        }
      }
    }
  },
});

/** A flow the pod needs in that direction: DNS for egress, another namespace's pod for ingress. */
function exampleFlow(direction: 'ingress' | 'egress', pod: Peer, dns: Peer): Flow {
  return direction === 'egress'
    ? { source: pod, destination: dns, port: 53, protocol: 'UDP' }
    : {
        source: { kind: 'pod', namespace: 'netpol-any-namespace', labels: {} },
        destination: pod,
        port: 8080,
        protocol: 'TCP',
      };
}
