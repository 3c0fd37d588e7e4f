import type { CompiledPeerRule, CompiledRule } from '../../engine/normalize.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { SourceRef } from '../../errors.js';
import type { PolicyObject } from '../../repo/model.js';
import { defineRule, type LintInput } from '../define-rule.js';
import { enforcedByOthers, policyRef, ruleName, selectedPods } from '../policy-walk.js';

/**
 * A policy direction whose only effect is to deny, where other policies already deny: the seed's "never
 * create explicit default-deny policies — baselines provide implicit deny". Read from the engine's compiled
 * rules: the rule puts its endpoints in default deny for a direction (`has` rules there, `defaultDeny` on)
 * while none of its allow elements selects any peer (`l3: 'none'`: `ingress: [{}]`, `fromEndpoints: []`, a
 * NetworkPolicy with a `policyTypes` entry and no rules), or it denies everything (`…Deny` to/from the `all`
 * entity, on every port). Reported only when every endpoint it selects (each workload of the repository,
 * and a pod with no labels of each namespace) is put in default deny for that direction by another rule
 * too (or `policyEnforcementMode: always`): where it is the only one, it *is* the repository's default deny
 * and deleting it would open those endpoints. Kubernetes NetworkPolicy default-denies kept for compliance
 * scanners can be let through with the option `allowKubernetesDefaultDeny`.
 * @see docs/semantics.md §1.3 (empty elements allow nothing but count for default deny), §5 (default deny is
 *   requested by any selecting rule), §6 (deny wins); Cilium docs security/policy/language
 *   "Ingress/Egress Default Deny".
 */
export default defineRule({
  id: 'explicit-default-deny',
  severity: 'error',
  description:
    'A policy whose only effect is to deny (empty rules, a NetworkPolicy with policyTypes and no rules, a deny from all) where other policies already deny by default.',
  messages: {
    emptyRules:
      '{{policy}} turns default deny on for the {{direction}} of {{endpoints}}, which {{enforcer}} already puts in default deny; its {{direction}} rules select no peer, so it changes nothing{{rest}}.',
    denyAll:
      '{{policy}} denies all {{direction}} of {{endpoints}}, which {{enforcer}} already puts in default deny; the deny wins over every allow{{overrides}}{{rest}}.',
  },
  hints: {
    emptyRules:
      'Delete the {{direction}} section (or the policy): {{enforcer}} already denies what no rule allows (the seed: never create explicit default-deny policies).',
    denyAll:
      'Delete the {{direction}}Deny rule and let {{enforcer}} deny implicitly; use the escape hatch or a precise deny rule for real incidents.',
  },
  options: {
    /** Let Kubernetes NetworkPolicy default-denies through (kept deliberately for compliance scanners). */
    allowKubernetesDefaultDeny: false,
  },
  check(ctx) {
    if (ctx.engine.settings.policyEnforcementMode === 'never') return;
    // The policy objects by kind, namespace and name, indexed when a finding first needs one.
    let objects: Map<string, PolicyObject> | undefined;
    const objectOf = (r: CompiledRule) => {
      if (!objects) {
        objects = new Map();
        for (const p of ctx.repo.policies) objects.set(`${p.kind}\u0000${p.namespace}\u0000${p.name}`, p);
      }
      return objects.get(
        `${r.origin.kind}\u0000${r.origin.kind === 'CiliumClusterwideNetworkPolicy' ? '' : r.origin.namespace}\u0000${r.origin.name}`,
      );
    };
    for (const rule of ctx.engine.rules) {
      if (rule.host) continue;
      if (rule.origin.kind === 'NetworkPolicy' && ctx.config.allowKubernetesDefaultDeny) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        if (!rule.has[direction]) continue;
        const allow = direction === 'ingress' ? rule.ingress : rule.egress;
        const deny = direction === 'ingress' ? rule.ingressDeny : rule.egressDeny;
        if (!allow.every((p) => p.l3 === 'none')) continue;
        const denyAll = deny.find(
          (p) => p.l3 === 'peers' && p.entities.includes('all') && p.ports === null && p.icmps === null,
        );
        if (deny.length === 0 ? !rule.defaultDeny[direction] : !denyAll) continue;
        const state = enforcedElsewhere(ctx, rule, direction);
        if (!state) continue;
        const object = objectOf(rule);
        const policy = object ? policyRef(object) : `${rule.origin.kind}/${rule.origin.name}`;
        const other = direction === 'ingress' ? 'egress' : 'ingress';
        const otherAllows = (other === 'ingress' ? rule.ingress : rule.egress).filter((p) => p.l3 !== 'none');
        const rest =
          otherAllows.length > 0
            ? ` (its ${other} rules do allow: ${otherAllows.length} rule${otherAllows.length === 1 ? '' : 's'})`
            : '';
        const data = {
          policy,
          direction,
          endpoints: state.endpoints,
          enforcer: state.enforcer,
          rest,
          overrides:
            state.overridden > 0
              ? `, so it also drops what ${state.overridden} allow rule${state.overridden === 1 ? '' : 's'} of other policies admit`
              : '',
        };
        if (denyAll) {
          ctx.report({ at: sourceOf(denyAll), messageId: 'denyAll', data });
          continue;
        }
        const first = allow[0];
        const at: SourceRef = first
          ? sourceOf(first)
          : ((object && ctx.locator.locate(object, ['spec', 'policyTypes'])) ??
            object?.source ?? { file: rule.origin.file, line: rule.line, column: rule.column });
        ctx.report({ at, messageId: 'emptyRules', data });
      }
    }
  },
});

/**
 * Whether every endpoint the rule selects is put in default deny for the direction by another rule too
 * (or by `policyEnforcementMode: always`); null when one is not (the rule is its only default deny) or the
 * rule selects none of the repository's pods.
 */
function enforcedElsewhere(
  ctx: Pick<LintInput, 'repo' | 'engine'>,
  rule: CompiledRule,
  direction: 'ingress' | 'egress',
): { endpoints: string; enforcer: string; overridden: number } | null {
  const always = ctx.engine.settings.policyEnforcementMode === 'always';
  const selected = selectedPods(ctx, rule);
  if (selected.length === 0) return null;
  let enforcer: string | undefined;
  const overridden = new Set<CompiledPeerRule>();
  for (const c of selected) {
    const policy = ctx.engine.endpointPolicy(c.identity)[direction];
    // Other rules of the same policy (a `specs` list opening with its own "default" entry) do not count:
    // that entry states the policy's intent, and only another policy makes it redundant.
    const by = enforcedByOthers(ctx, rule, c.identity, direction);
    if (!always && !by) return null;
    enforcer ??= by ? ruleName(by) : 'policyEnforcementMode "always"';
    for (const a of policy.allow) if (a.l3 !== 'none' && !rule[direction].includes(a)) overridden.add(a);
  }
  const example = selected[0];
  const endpoints =
    selected.length === 1 && example
      ? `pods ${formatPeer(example.peer)}`
      : `${selected.length} kinds of pods (e.g. ${example ? formatPeer(example.peer) : ''})`;
  return { endpoints, enforcer: enforcer ?? 'another policy', overridden: overridden.size };
}

function sourceOf(p: CompiledPeerRule): SourceRef {
  return { file: p.origin.file, line: p.line, column: p.column };
}
