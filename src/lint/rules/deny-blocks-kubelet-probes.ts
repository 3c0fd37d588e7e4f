import type { CompiledPeerRule } from '../../engine/normalize.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { Peer } from '../../engine/types.js';
import { defineRule } from '../define-rule.js';
import { ruleName, selectedPods } from '../policy-walk.js';

/**
 * An `ingressDeny` element that matches the local host (`fromEntities: [all]`, `[cluster]`, `[host]`, or no
 * peer field at all) on every port: kubelet liveness and readiness probes come from the local host, and a
 * deny wins over the `allow-localhost` exception that otherwise admits them, so the pods it selects fail
 * their probes and restart. Each repository pod the rule selects is checked through the engine (host →
 * pod on `probePort`, denied by this very element).
 * @see docs/semantics.md §6.1 (deny wins over every allow), §8.5 (allow-localhost admits the local host
 *   unless a deny matches), §4 (`all` and `cluster` include `host`).
 */
export default defineRule({
  id: 'deny-blocks-kubelet-probes',
  severity: 'error',
  description:
    'An ingressDeny from all, cluster or host on every port blocks kubelet probes, since a deny wins over the local-host exception.',
  messages: {
    blocksProbes:
      '{{policy}} {{rule}} denies ingress from {{peers}} on every port, which includes kubelet probes from the local host: host → {{pod}} {{port}}/TCP is denied, so liveness and readiness probes of those pods fail (a deny wins over allow-localhost).',
  },
  hints: {
    blocksProbes:
      'Deny only the peers meant ({{suggestion}}), or give the deny the ports it is about (toPorts); the host stays admitted by allow-localhost.',
  },
  options: {
    /** The TCP port probes are checked on. */
    probePort: 8080,
  },
  optionChecks: {
    probePort: (p) =>
      Number.isInteger(p) && p >= 1 && p <= 65535 ? null : `${p} is not a port between 1 and 65535`,
  },
  check(ctx) {
    const host: Peer = { kind: 'reserved', entity: 'host' };
    const reported = new Set<CompiledPeerRule>();
    for (const rule of ctx.engine.rules) {
      if (rule.host || rule.ingressDeny.length === 0) continue;
      const pods = selectedPods(ctx, rule);
      for (const pod of pods) {
        const v = ctx.engine.verdict({
          source: host,
          destination: pod.peer,
          port: ctx.config.probePort,
          protocol: 'TCP',
        });
        for (const deny of rule.ingressDeny) {
          if (reported.has(deny) || deny.ports !== null) continue;
          if (
            !v.ingress.deniedBy.some(
              (r) => r.file === deny.origin.file && r.line === deny.line && r.column === deny.column,
            )
          )
            continue;
          reported.add(deny);
          const peers =
            deny.l3 === 'wildcard'
              ? 'every peer'
              : deny.entities.length > 0
                ? `the entities ${deny.entities.join(', ')}`
                : 'the host';
          ctx.report({
            at: { file: deny.origin.file, line: deny.line, column: deny.column },
            messageId: 'blocksProbes',
            data: {
              policy: ruleName(rule),
              rule: deny.label,
              peers,
              pod: formatPeer(pod.peer),
              port: ctx.config.probePort,
              suggestion:
                deny.entities.includes('all') || deny.entities.includes('cluster')
                  ? 'world, or the pods by endpoints'
                  : 'remote-node',
            },
          });
        }
      }
    }
  },
});
