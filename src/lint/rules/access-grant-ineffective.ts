import type { CatalogPeer } from '../../catalog/derive-catalog.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { Flow, Peer } from '../../engine/types.js';
import type { Repo } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import { deniedSides, labelSource, policyRef } from '../policy-walk.js';

/** The namespace the rule invents to test a grant on its own (a name no real namespace can clash with). */
const PROBE_NAMESPACE = 'netpol-lint-access-probe';

/**
 * An access grant that does not reach its resource. First the grant itself: in a what-if view of the
 * engine (`withNamespaceLabels`) a new namespace carrying only the grant label sends a flow to each
 * resource peer and port of the grant; a denied side (typically the resource namespace's policy not
 * admitting the label) is reported at the grant's policy. Then, for a grant that works, each namespace
 * carrying it: a pod of that namespace must reach every resource of the grant.
 */
export default defineRule({
  id: 'access-grant-ineffective',
  severity: 'error',
  description:
    'An access grant does not reach its resource: a namespace with the label is still denied on one side.',
  messages: {
    grantDenied:
      'Access grant "{{grant}}" does not reach {{resource}}: a namespace labelled {{label}}="true" is denied at the {{why}}.',
    namespaceDenied:
      'Namespace "{{namespace}}" carries the access grant "{{grant}}" but cannot reach {{resource}}: denied at the {{why}}.',
  },
  hints: {
    grantDenied:
      'Admit the label on the resource side too (an ingress rule fromEndpoints {{label}}: "true" on {{port}} in namespace "{{resourceNamespace}}").',
    namespaceDenied:
      'Find the rule of namespace "{{namespace}}" that denies it with: netpol trace {{namespace}} {{resourcePeer}} --port {{portNumber}} --protocol {{protocol}}.',
  },
  check(ctx) {
    for (const grant of ctx.catalog.accessGrants.values()) {
      const targets = grant.resources.flatMap((r) =>
        r.ports.map((p) => ({
          peer: destinationOf(ctx.repo, r, p.port),
          port: p.port,
          protocol: p.protocol,
        })),
      );
      if (targets.length === 0) continue;
      const view = ctx.engine.withNamespaceLabels({
        [PROBE_NAMESPACE]: { 'kubernetes.io/metadata.name': PROBE_NAMESPACE, [grant.label]: 'true' },
      });
      const ref = grant.policies[0];
      const object =
        ref &&
        ctx.repo.policies.find(
          (p) => p.kind === ref.kind && p.name === ref.name && p.namespace === ref.namespace,
        );
      let broken = false;
      for (const t of targets) {
        const flow: Flow = {
          source: { kind: 'pod', namespace: PROBE_NAMESPACE, labels: {} },
          destination: t.peer,
          port: t.port,
          protocol: t.protocol,
        };
        const v = view.verdict(flow);
        if (v.verdict === 'allowed') continue;
        broken = true;
        ctx.report({
          at: object?.source ?? { file: ref?.file ?? '', line: ref?.line ?? 1, column: 1 },
          messageId: 'grantDenied',
          data: {
            grant: grant.name,
            label: grant.label,
            resource: `${formatPeer(t.peer)}:${t.port}/${t.protocol}`,
            why: deniedSides(v, flow.source, flow.destination).replaceAll(
              PROBE_NAMESPACE,
              `a ${grant.name} client`,
            ),
            port: `${t.port}/${t.protocol}`,
            resourceNamespace: t.peer.kind === 'pod' ? t.peer.namespace : '',
          },
          ...(v.ingress.verdict === 'allowed'
            ? {
                hint: `Allow the egress in the grant's policy ${object ? policyRef(object) : grant.name}: a client of the grant is denied on its own side.`,
              }
            : {}),
        });
      }
      if (broken) continue;
      for (const ns of ctx.repo.namespaces) {
        if (ns.labels[grant.label] !== 'true') continue;
        for (const t of targets) {
          const flow: Flow = {
            source: { kind: 'pod', namespace: ns.name, labels: {} },
            destination: t.peer,
            port: t.port,
            protocol: t.protocol,
          };
          const v = ctx.engine.verdict(flow);
          if (v.verdict === 'allowed') continue;
          ctx.report({
            at: labelSource(ns, grant.label, ctx.locator),
            messageId: 'namespaceDenied',
            data: {
              namespace: ns.name,
              grant: grant.name,
              resource: `${formatPeer(t.peer)}:${t.port}/${t.protocol}`,
              resourcePeer: formatPeer(t.peer),
              portNumber: t.port,
              protocol: t.protocol,
              why: deniedSides(v, flow.source, flow.destination),
            },
          });
          break;
        }
      }
    }
  },
});

/**
 * The pod a grant's flow goes to: a workload of the resource namespace whose pod labels include the
 * grant's selector labels and that listens on the port, else the selector's labels as they are.
 */
function destinationOf(repo: Repo, r: CatalogPeer, port: number): Peer {
  const peer = r.peer;
  if (peer.kind !== 'pod') return peer;
  const wanted = Object.entries(peer.labels);
  const w = repo.workloads.find(
    (x) =>
      x.namespace === peer.namespace &&
      wanted.every(([k, v]) => x.podLabels[k] === v) &&
      x.namedPorts.some((p) => p.port === port),
  );
  return w ? { kind: 'pod', namespace: peer.namespace, labels: w.podLabels } : peer;
}
