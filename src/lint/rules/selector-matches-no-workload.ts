import { POD_NAMESPACE_LABEL, parseSelectorKey } from '../../engine/identity.js';
import type { LabelSelector, Labels, WorkloadObject } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import { ciliumPolicies, closeMatches, peerRuleLabel, peerRulesOf, policyRef } from '../policy-walk.js';

/**
 * An endpointSelector or a `fromEndpoints`/`toEndpoints` selector of a namespace whose workloads the
 * repository defines, that matches none of them while one of them carries a label a letter or two away
 * (`app: web-frontnd` against `app: web-frontend`, `app.kubernetes.io/nmae`): a label typo makes the
 * policy select nothing, so the flow it was written for stays denied (or unprotected). Only plain
 * `matchLabels` are compared; namespaces with no workload in the repository, or where a HelmRelease or an
 * Argo CD Application renders workloads, are not judged (their pods are out of netpol's sight).
 * @see docs/semantics.md §3 (selectors match the pod's labels exactly), §2 (namespace of a peer selector).
 */
export default defineRule({
  id: 'selector-matches-no-workload',
  severity: 'warning',
  description:
    'A selector matches no workload of its namespace while a workload there carries a nearly identical label (a likely typo).',
  messages: {
    typo: '{{policy}} {{where}} selects {{labels}} in namespace "{{namespace}}", which no workload of the repository there carries; {{workload}} has {{near}}.',
  },
  hints: {
    typo: 'Write {{near}} if that workload is meant.',
  },
  check(ctx) {
    const byNs = new Map<string, WorkloadObject[]>();
    for (const w of ctx.repo.workloads) {
      const list = byNs.get(w.namespace);
      if (list) list.push(w);
      else byNs.set(w.namespace, [w]);
    }
    // A HelmRelease or an Argo CD Application renders workloads netpol cannot see into its namespace.
    for (const r of ctx.repo.rendering) byNs.delete(r.targetNamespace);
    // Only selectors of a namespace with workloads are judged.
    if (byNs.size === 0) return;
    // The policy and place are named only when reported (building them for every selector is most of the walk).
    const judge = (sel: LabelSelector, namespace: string, policy: () => string, where: () => string) => {
      const workloads = byNs.get(namespace);
      if (!workloads || sel.matchExpressions.length > 0) return;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(sel.matchLabels)) {
        const { source, key } = parseSelectorKey(k);
        if (source === 'reserved') return;
        if (key === POD_NAMESPACE_LABEL || key.startsWith('io.cilium.') || key.startsWith('io.kubernetes.'))
          continue;
        labels[key] = v;
      }
      if (Object.keys(labels).length === 0) return;
      if (workloads.some((w) => carries(w.podLabels, labels))) return;
      for (const w of workloads) {
        const near = nearLabels(labels, w.podLabels);
        if (!near) continue;
        ctx.report({
          at: sel.source,
          messageId: 'typo',
          data: {
            policy: policy(),
            where: where(),
            labels: text(labels),
            namespace,
            workload: `${w.kind}/${w.namespace}/${w.name}`,
            near: text(near),
          },
        });
        return;
      }
    };
    for (const p of ciliumPolicies(ctx.repo.policies)) {
      const ref = () => policyRef(p);
      for (const rule of p.rules) {
        if (p.kind === 'CiliumNetworkPolicy' && rule.endpointSelector)
          judge(rule.endpointSelector, p.namespace, ref, () => 'endpointSelector');
        for (const pr of peerRulesOf(rule)) {
          for (const sel of pr.endpoints ?? []) {
            const pinned = Object.entries(sel.matchLabels).find(
              ([k]) => parseSelectorKey(k).key === POD_NAMESPACE_LABEL,
            )?.[1];
            const namespace = pinned ?? (p.kind === 'CiliumNetworkPolicy' ? p.namespace : undefined);
            if (namespace !== undefined)
              judge(
                sel,
                namespace,
                ref,
                () =>
                  `${peerRuleLabel(p, rule, pr)} ${pr.direction === 'ingress' ? 'fromEndpoints' : 'toEndpoints'}`,
              );
          }
        }
      }
    }
    for (const p of ctx.repo.policies) {
      if (p.kind === 'NetworkPolicy')
        judge(
          p.podSelector,
          p.namespace,
          () => policyRef(p),
          () => 'podSelector',
        );
    }
  },
});

function carries(pod: Labels, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => pod[k] === v);
}

/**
 * The selector's labels with each label the workload lacks replaced by the workload's nearly identical
 * one (same key and a close value, or a close key with the same value); null when some label has no such
 * neighbour, or nothing differs.
 */
function nearLabels(wanted: Readonly<Record<string, string>>, pod: Labels): Record<string, string> | null {
  const out: Record<string, string> = {};
  let changed = false;
  for (const [k, v] of Object.entries(wanted)) {
    if (pod[k] === v) {
      out[k] = v;
      continue;
    }
    const value = pod[k];
    if (value !== undefined && closeMatches(v, [value]).length > 0) {
      out[k] = value;
      changed = true;
      continue;
    }
    const key = closeMatches(
      k,
      Object.keys(pod).filter((pk) => pod[pk] === v),
    )[0];
    if (key === undefined) return null;
    out[key] = v;
    changed = true;
  }
  return changed ? out : null;
}

function text(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
