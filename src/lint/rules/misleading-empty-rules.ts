import type { CompiledRule } from '../../engine/normalize.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { PolicyObject } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import {
  matchesNoPort,
  peerRuleLabel,
  peerRulesOf,
  policyRef,
  ruleName,
  selectedPods,
} from '../policy-walk.js';

/** Words that present a policy as a deny. */
const DENY_WORDS =
  /\b(default[ -]?deny|deny[ -]?all|block(s|ed)?[ -]?all|isolat(e|ed|ion)|lock(ed)?[ -]?down|deny)\b/i;
/** Words that present a policy as allowing everything. */
const ALLOW_ALL_WORDS = /\b(allow|permit|open)[ -]?(all|everything|any)\b/i;

/**
 * Empty rules that look like a default deny but do something else:
 * - `ingress: []` / `egress: []` in a Cilium policy: an empty list is the same as no list (no default deny,
 *   nothing allowed), reported where the engine shows pods it selects left unenforced in that direction; a
 *   list whose elements were all dropped as invalid (BAD_ENTITY, BAD_PORT …) is not written empty, and its
 *   loader errors are the whole report;
 * - `ingress: [{}]` / `egress: [{}]` in a Cilium policy whose name or description says "allow all": the
 *   empty element allows nothing and turns default deny on, the opposite;
 * - `ingress: [{}]` / `egress: [{}]` in a Kubernetes NetworkPolicy whose name or description says "deny": a
 *   rule without peers and ports allows every peer on every port there;
 * - `icmps: [{}]` (entries without fields) in any Cilium element: meant as "ping" or "all ICMP", it is a port
 *   rule without ports, so the element allows (or denies) nothing at all (model.ts `icmpsWithoutFields`,
 *   docs/semantics.md §7.6);
 * - `toPorts: [{}]` / `toPorts: [{ ports: [] }]` (every entry without ports, L7 rules, server names or
 *   listener) in any Cilium element: meant as "every port", it matches no port, so the element allows (or
 *   denies) nothing (docs/semantics.md §7.2).
 * @see docs/semantics.md §5.1 (`ingress: []` is the same as absent; `[{}]` gives default deny), §1.3
 *   (an empty element allows nothing), §10 (Kubernetes NetworkPolicy: an empty rule allows all); Cilium docs
 *   security/policy/language "Ingress/Egress Default Deny"; Kubernetes docs "Network Policies" (allow all).
 */
export default defineRule({
  id: 'misleading-empty-rules',
  severity: 'error',
  description:
    'An empty rule list or element presented as a default deny (or as allow-all) does nothing or the opposite: ingress: [] enables nothing, [{}] denies in Cilium and allows all in a NetworkPolicy; icmps: [{}] and toPorts: [{}] match nothing.',
  messages: {
    emptyList:
      '{{policy}} has {{direction}}: [], which Cilium reads as no {{direction}} rules at all: it turns no default deny on, and {{open}} to every {{direction}} flow.',
    emptyElementDenies:
      '{{policy}} is presented as "{{words}}", but {{direction}}: [{}] allows nothing in a Cilium policy and turns default deny on for the pods it selects: it denies every {{direction}} flow no other rule allows.',
    networkPolicyAllowsAll:
      '{{policy}} is presented as "{{words}}", but its {{direction}} rule without peers and ports allows every peer on every port (Kubernetes NetworkPolicy semantics).',
    icmpsWithoutFields:
      '{{policy}} {{rule}} has icmps entries without fields: Cilium turns each into a port rule with no ports, so this element {{verb}} nothing, neither ICMP nor any port.',
    toPortsWithoutPorts:
      '{{policy}} {{rule}} has toPorts entries without ports: Cilium matches no port with them (an absent toPorts would mean every port), so this element {{verb}} nothing.',
  },
  hints: {
    emptyList:
      'To deny, write {{direction}}: [{}] (or let a baseline deny); to allow nothing special, delete the empty list.',
    emptyElementDenies:
      'To allow everything, write {{direction}}: [{ {{entityField}}: [all] }]; to deny, rename the policy.',
    networkPolicyAllowsAll:
      'To deny, list the policy type in policyTypes and leave the {{direction}} rules out.',
    icmpsWithoutFields:
      'Name the ICMP types, for example icmps: [{ fields: [{ type: 8, family: IPv4 }] }] for IPv4 echo requests.',
    toPortsWithoutPorts:
      'List the ports, for example toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]; for every port, leave toPorts out.',
  },
  check(ctx) {
    // The compiled rule of a Cilium rule, by its policy and position; indexed when first asked.
    let compiledIndex: Map<string, CompiledRule> | undefined;
    const compiledAt = (kind: string, namespace: string, name: string, line: number, column: number) => {
      const key = (k: string, ns: string, n: string, l: number, c: number) =>
        `${k}\u0000${ns}\u0000${n}\u0000${l}\u0000${c}`;
      if (!compiledIndex) {
        compiledIndex = new Map();
        for (const r of ctx.engine.rules) {
          const k = key(r.origin.kind, r.origin.namespace, r.origin.name, r.line, r.column);
          if (!compiledIndex.has(k)) compiledIndex.set(k, r);
        }
      }
      return compiledIndex.get(key(kind, namespace, name, line, column));
    };
    for (const p of ctx.repo.policies) {
      // The words are read only where a rule could contradict them (most policies have none).
      let words: string | undefined;
      const wordsOfP = () => {
        words ??= wordsOf(p);
        return words;
      };
      if (p.kind === 'NetworkPolicy') {
        for (const direction of ['ingress', 'egress'] as const) {
          const open = p[direction].find(
            (r) => (r.peers === null || r.peers.length === 0) && (r.ports === null || r.ports.length === 0),
          );
          if (!open) continue;
          const deny = DENY_WORDS.exec(wordsOfP());
          if (!deny) break;
          ctx.report({
            at: open.source,
            messageId: 'networkPolicyAllowsAll',
            data: { policy: policyRef(p), words: deny[0], direction },
          });
        }
        continue;
      }
      let allowAll: RegExpExecArray | null | undefined;
      const allowAllOfP = () => {
        if (allowAll === undefined) allowAll = ALLOW_ALL_WORDS.exec(wordsOfP());
        return allowAll;
      };
      for (const rule of p.rules) {
        for (const pr of peerRulesOf(rule)) {
          const messageId = pr.icmpsWithoutFields
            ? 'icmpsWithoutFields'
            : matchesNoPort(pr)
              ? 'toPortsWithoutPorts'
              : null;
          if (messageId === null) continue;
          ctx.report({
            at: pr.source,
            messageId,
            data: {
              policy: policyRef(p),
              rule: peerRuleLabel(p, rule, pr),
              verb: pr.deny ? 'denies' : 'allows',
            },
          });
        }
        for (const direction of ['ingress', 'egress'] as const) {
          const list = rule[direction];
          const denyList = direction === 'ingress' ? rule.ingressDeny : rule.egressDeny;
          if (list !== null && list.length === 0 && (denyList === null || denyList.length === 0)) {
            const listPath = [
              ...(rule.index > 0 || p.rules.length > 1 ? ['specs', rule.index] : ['spec']),
              direction,
            ];
            // Elements written but each dropped as invalid (the loader reports them): not an empty list.
            if (ctx.locator.locate(p, [...listPath, 0]) !== undefined) continue;
            const compiled = compiledAt(
              p.kind,
              p.kind === 'CiliumNetworkPolicy' ? p.namespace : '',
              p.name,
              rule.source.line,
              rule.source.column,
            );
            const open = compiled
              ? selectedPods(ctx, compiled).find(
                  (c) => !ctx.engine.endpointPolicy(c.identity)[direction].enforced,
                )
              : undefined;
            if (!open || !compiled) continue;
            ctx.report({
              at: ctx.locator.locate(p, listPath, { key: true }) ?? rule.source,
              messageId: 'emptyList',
              data: {
                policy: ruleName(compiled),
                direction,
                // The label-less pod stands for a pod no workload of the repository describes: say so rather
                // than name the namespace as if its known pods were open (fresh-user report).
                open:
                  Object.keys(open.peer.labels).length === 0
                    ? `a pod of ${open.peer.namespace} that no other policy selects stays open`
                    : `pods ${formatPeer(open.peer)} stay open`,
              },
            });
            continue;
          }
          if (list === null) continue;
          const empty = list.find(
            (pr) =>
              pr.toPorts.length === 0 &&
              pr.icmps.length === 0 &&
              [pr.endpoints, pr.cidrs, pr.entities, pr.fqdns, pr.nodes, pr.services].every(
                (f) => f === null,
              ) &&
              !pr.groups,
          );
          if (!empty) continue;
          const allow = allowAllOfP();
          if (!allow) continue;
          ctx.report({
            at: empty.source,
            messageId: 'emptyElementDenies',
            data: {
              policy: policyRef(p),
              words: allow[0],
              direction,
              entityField: direction === 'ingress' ? 'fromEntities' : 'toEntities',
            },
          });
        }
      }
    }
  },
});

/** The name, descriptions and annotations of a policy, where its intent is written. */
function wordsOf(p: PolicyObject): string {
  const parts = [p.name, ...Object.values(p.annotations)];
  if (p.kind !== 'NetworkPolicy') for (const r of p.rules) if (r.description) parts.push(r.description);
  return parts.join(' \n ');
}
