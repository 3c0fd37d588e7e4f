import type { NetworkPolicyPeer, PeerRule } from '../../repo/model.js';
import { cidrContains, type ParsedCidr, parseCidr } from '../../repo/values.js';
import { defineRule } from '../define-rule.js';
import { ciliumPolicies, peerRuleLabel, policyRef } from '../policy-walk.js';

/**
 * An allow rule toward endpoints, entities or CIDRs that admits every port: no `toPorts` (and no
 * `icmps`), a `toPorts` entry with no ports, or port 0 (Cilium: "0 means all ports"); for a Kubernetes
 * NetworkPolicy, a rule with no `ports` or a port entry without `port`. Exempt: the escape-hatch policy,
 * and elements whose peers are all health-probe peers (the seed's template leaves them without ports).
 * @see Cilium docs security/policy/language "Layer 4 Examples"; cilium/cilium pkg/policy/api/l4.go (PortProtocol).
 */
export default defineRule({
  id: 'any-port',
  severity: 'error',
  description:
    'An allow rule toward endpoints, entities or CIDRs lists no ports (or port 0), so it allows every port.',
  messages: {
    anyPort: '{{policy}} {{rule}} allows {{direction}} {{peers}} on every port.',
    portZero:
      '{{policy}} {{rule}} allows port 0, which means every {{protocol}} port, {{direction}} {{peers}}.',
  },
  hints: {
    anyPort: 'List the ports the traffic uses ({{portsField}}); the seed: never allow any port.',
    portZero: 'Replace port 0 with the ports the traffic uses.',
  },
  options: {
    /** Entities that may be allowed without ports (health probes and node-local agents). */
    exemptEntities: ['health', 'host', 'remote-node'],
    /** CIDRs whose peers may be allowed without ports. */
    exemptCidrs: ['169.254.0.0/16'],
  },
  optionChecks: {
    exemptCidrs: (list) => {
      const bad = list.find((c) => !parseCidr(c, { bareIp: true }).ok);
      return bad === undefined ? null : `"${bad}" is not a CIDR`;
    },
  },
  check(ctx) {
    const exemptCidrs: ParsedCidr[] = [];
    for (const c of ctx.config.exemptCidrs) {
      const r = parseCidr(c, { bareIp: true });
      if (r.ok) exemptCidrs.push(r.value);
    }
    const exemptEntities = new Set<string>(ctx.config.exemptEntities);
    const cidrExempt = (text: string) => {
      const r = parseCidr(text, { bareIp: true });
      return r.ok && exemptCidrs.some((e) => cidrContains(e, r.value));
    };
    const hatch = new Set(
      (ctx.catalog.escapeHatch?.policies ?? []).map((p) => `${p.kind}/${p.namespace}/${p.name}`),
    );

    for (const p of ciliumPolicies(ctx.repo.policies)) {
      if (hatch.has(`${p.kind}/${p.kind === 'CiliumNetworkPolicy' ? p.namespace : ''}/${p.name}`)) continue;
      for (const rule of p.rules) {
        for (const pr of [...(rule.ingress ?? []), ...(rule.egress ?? [])]) {
          const peers = describeCiliumPeers(pr);
          if (peers === null) continue;
          const exempt =
            (pr.endpoints ?? []).length === 0 &&
            (pr.entities ?? []).every((e) => exemptEntities.has(e)) &&
            (pr.cidrs ?? []).every(
              (c) =>
                c.cidrGroupRef === undefined &&
                c.cidrGroupSelector === undefined &&
                !c.unresolved &&
                cidrExempt(c.cidr),
            );
          if (exempt) continue;
          const data = {
            policy: policyRef(p),
            rule: peerRuleLabel(p, rule, pr),
            direction: pr.direction === 'ingress' ? 'from' : 'to',
            peers,
            portsField: 'toPorts',
          };
          if (pr.toPorts.length === 0 && pr.icmps.length === 0) {
            ctx.report({ at: pr.source, messageId: 'anyPort', data });
            continue;
          }
          for (const portRule of pr.toPorts) {
            if (portRule.ports.length === 0) {
              ctx.report({ at: portRule.source, messageId: 'anyPort', data });
              continue;
            }
            for (const port of portRule.ports) {
              if ((port.port === 0 || port.port === '0') && port.endPort === undefined) {
                ctx.report({
                  at: port.source,
                  messageId: 'portZero',
                  data: { ...data, protocol: port.protocol === 'ANY' ? 'TCP, UDP and SCTP' : port.protocol },
                });
              }
            }
          }
        }
      }
    }

    for (const p of ctx.repo.policies) {
      if (p.kind !== 'NetworkPolicy') continue;
      for (const direction of ['ingress', 'egress'] as const) {
        if (!p.policyTypes.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
        for (const r of p[direction]) {
          const blocks = (r.peers ?? []).map((x) => x.ipBlock);
          const exempt =
            r.peers !== null &&
            blocks.every((b) => b !== null && b.except.length === 0 && cidrExempt(b.cidr));
          if (exempt) continue;
          const data = {
            policy: policyRef(p),
            rule: `${direction}[${r.index}]`,
            direction: direction === 'ingress' ? 'from' : 'to',
            peers: describeKubernetesPeers(r.peers),
            portsField: 'ports',
          };
          if (r.ports === null || r.ports.length === 0) {
            ctx.report({ at: r.source, messageId: 'anyPort', data });
            continue;
          }
          for (const port of r.ports) {
            if (port.port === undefined || port.port === 0) {
              ctx.report({
                at: port.source,
                messageId: 'portZero',
                data: { ...data, protocol: port.protocol },
              });
            }
          }
        }
      }
    }
  },
});

/** The endpoints, entities and CIDRs of an element as text, or null when it selects none of them. */
function describeCiliumPeers(pr: PeerRule): string | null {
  const fields = [pr.endpoints, pr.entities, pr.cidrs];
  if (fields.every((f) => f === null) || fields.some((f) => f !== null && f.length === 0)) return null;
  const parts: string[] = [];
  for (const sel of pr.endpoints ?? []) {
    const labels = [
      ...Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`),
      ...sel.matchExpressions.map(
        (e) => `${e.key} ${e.operator}${e.values.length > 0 ? ` (${e.values.join(', ')})` : ''}`,
      ),
    ];
    parts.push(labels.length === 0 ? 'endpoints {}' : `endpoints ${labels.join(',')}`);
  }
  if ((pr.entities ?? []).length > 0) parts.push(`entities ${(pr.entities ?? []).join(', ')}`);
  for (const c of pr.cidrs ?? [])
    parts.push(
      c.cidrGroupRef !== undefined
        ? `CIDR group ${c.cidrGroupRef}`
        : c.cidrGroupSelector !== undefined
          ? 'CIDR groups by label'
          : c.cidr,
    );
  return parts.join('; ');
}

function describeKubernetesPeers(peers: readonly NetworkPolicyPeer[] | null): string {
  if (peers === null) return 'every peer';
  return peers
    .map((x) =>
      x.ipBlock
        ? x.ipBlock.cidr
        : [x.namespaceSelector ? 'namespaceSelector' : '', x.podSelector ? 'podSelector' : '']
            .filter((s) => s !== '')
            .join(' + '),
    )
    .join('; ');
}
