import type { Flow, Peer } from '../../engine/types.js';
import { defineRule } from '../define-rule.js';
import { locateRuleField, ruleName } from '../policy-walk.js';

/**
 * A clusterwide policy whose endpointSelector also selects Cilium's health endpoint (`{}`, or only
 * `NotIn`/`DoesNotExist` expressions, which a reserved identity without pod labels meets) and puts it in
 * default deny for a direction where nothing allows the health traffic: cilium-health probes every node's
 * health endpoint on TCP 4240 and with ICMP echo, from the other nodes (`remote-node`) and the local host.
 * Those probes then fail and `cilium-health status` reports the nodes unreachable. Checked through the
 * engine, which enforces clusterwide rules on the health endpoint like Cilium does.
 * @see Cilium docs examples/policies/kubernetes/clusterwide/health.yaml (allowing health checks when a
 *   clusterwide policy selects the health endpoint); cilium/cilium PR #18061 (`cluster-health-port`,
 *   default 4240, HTTP and ICMP probes to each node's health endpoint); docs/semantics.md §5.
 */
export default defineRule({
  id: 'health-endpoint-default-deny',
  severity: 'error',
  description:
    "A clusterwide policy selects Cilium's health endpoint into default deny without allowing health traffic (4240/TCP and ICMP between nodes).",
  messages: {
    healthDenied:
      "{{policy}} selects Cilium's health endpoint (its endpointSelector {{selector}} matches reserved:health) and puts its {{direction}} in default deny: {{flow}} is denied, so cilium-health reports the nodes unreachable.",
  },
  hints: {
    healthDenied:
      'Exclude the health endpoint (select pods, e.g. io.kubernetes.pod.namespace Exists), or allow {{direction}} {{peerWord}} remote-node and host on 4240/TCP and ICMP echo (Cilium example clusterwide/health.yaml).',
  },
  options: {
    /** cilium-health's port (`cluster-health-port`). */
    healthPort: 4240,
  },
  optionChecks: {
    healthPort: (p) =>
      Number.isInteger(p) && p >= 1 && p <= 65535 ? null : `${p} is not a port between 1 and 65535`,
  },
  check(ctx) {
    const health: Peer = { kind: 'reserved', entity: 'health' };
    const identity = ctx.engine.identityOf(health);
    const policy = ctx.engine.endpointPolicy(identity);
    const remote: Peer = { kind: 'reserved', entity: 'remote-node' };
    const port = ctx.config.healthPort;
    const flows: Record<'ingress' | 'egress', Flow[]> = {
      ingress: [
        { source: remote, destination: health, port, protocol: 'TCP' },
        { source: remote, destination: health, port: 0, protocol: 'ICMPv4', icmpType: 8 },
      ],
      egress: [
        { source: health, destination: remote, port, protocol: 'TCP' },
        { source: health, destination: remote, port: 0, protocol: 'ICMPv4', icmpType: 8 },
      ],
    };
    for (const direction of ['ingress', 'egress'] as const) {
      if (!policy[direction].enforced) continue;
      const denied = flows[direction].find((f) => ctx.engine.verdict(f)[direction].verdict === 'denied');
      if (!denied) continue;
      for (const rule of policy[direction].selectedBy) {
        if (rule.namespace !== '' || !rule.defaultDeny[direction]) continue;
        ctx.report({
          at: locateRuleField(ctx, rule, ['endpointSelector']),
          messageId: 'healthDenied',
          data: {
            policy: ruleName(rule),
            selector: rule.subject.text,
            direction,
            flow: `${denied.source.kind === 'reserved' ? denied.source.entity : 'pod'} → ${denied.destination.kind === 'reserved' ? denied.destination.entity : 'pod'} ${denied.protocol === 'TCP' ? `${denied.port}/TCP` : 'ICMP echo'}`,
            peerWord: direction === 'ingress' ? 'from' : 'to',
          },
        });
      }
    }
  },
});
