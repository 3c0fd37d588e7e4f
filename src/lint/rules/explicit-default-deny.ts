import type { CompiledPeerRule, CompiledRule } from '../../engine/normalize.js';
import type { SourceRef } from '../../errors.js';
import type { PolicyObject } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import { policyRef } from '../policy-walk.js';

/**
 * A policy direction whose only effect is to deny. Read from the engine's compiled rules: the rule puts its
 * endpoints in default deny for a direction (`has` rules there, `defaultDeny` on) while none of its allow
 * elements selects any peer (`l3: 'none'`: `ingress: [{}]`, `fromEndpoints: []`, a NetworkPolicy with a
 * `policyTypes` entry and no rules), or while it denies everything (`…Deny` to/from the `all` entity, on
 * every port) and allows nothing. The baselines already make every pod default-deny.
 * @see docs/semantics.md §1.3 (empty elements allow nothing but count for default deny), §3 (default deny);
 *   Cilium docs security/policy/language "Ingress/Egress Default Deny".
 */
export default defineRule({
  id: 'explicit-default-deny',
  severity: 'error',
  description:
    'A policy whose only effect is to deny (empty rules, a NetworkPolicy with policyTypes and no rules): the baselines already deny implicitly.',
  messages: {
    emptyRules:
      '{{policy}} only turns default deny on for the {{direction}} of the endpoints it selects: its {{direction}} rules select no peer.',
    denyAll: '{{policy}} denies all {{direction}} of the endpoints it selects and allows nothing.',
  },
  hints: {
    emptyRules:
      'Delete the {{direction}} section (or the policy): the baselines already deny what no rule allows (the seed: never create explicit default-deny policies).',
    denyAll:
      'Delete the policy and let the baselines deny implicitly; use the escape hatch or a precise deny rule for real incidents.',
  },
  check(ctx) {
    const objects = new Map<string, PolicyObject>();
    for (const p of ctx.repo.policies) objects.set(`${p.kind}\u0000${p.namespace}\u0000${p.name}`, p);
    const objectOf = (r: CompiledRule) =>
      objects.get(
        `${r.origin.kind}\u0000${r.origin.kind === 'CiliumClusterwideNetworkPolicy' ? '' : r.origin.namespace}\u0000${r.origin.name}`,
      );
    for (const rule of ctx.engine.rules) {
      if (rule.host) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        if (!rule.has[direction]) continue;
        const allow = direction === 'ingress' ? rule.ingress : rule.egress;
        const deny = direction === 'ingress' ? rule.ingressDeny : rule.egressDeny;
        if (!allow.every((p) => p.l3 === 'none')) continue;
        const object = objectOf(rule);
        const policy = object ? policyRef(object) : `${rule.origin.kind}/${rule.origin.name}`;
        const data = { policy, direction };
        if (deny.length === 0) {
          if (!rule.defaultDeny[direction]) continue;
          const first = allow[0];
          const at: SourceRef = first
            ? sourceOf(first)
            : ((object && ctx.locator.locate(object, ['spec', 'policyTypes'])) ??
              object?.source ?? { file: rule.origin.file, line: rule.line, column: rule.column });
          ctx.report({ at, messageId: 'emptyRules', data });
          continue;
        }
        const denyAll = deny.find(
          (p) => p.l3 === 'peers' && p.entities.includes('all') && p.ports === null && p.icmps === null,
        );
        if (denyAll) ctx.report({ at: sourceOf(denyAll), messageId: 'denyAll', data });
      }
    }
  },
});

function sourceOf(p: CompiledPeerRule): SourceRef {
  return { file: p.origin.file, line: p.line, column: p.column };
}
