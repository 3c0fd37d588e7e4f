import { parseIp } from '../../engine/cidr.js';
import { formatPeer, parsePeer } from '../../engine/peer-spec.js';
import type { Flow, Peer } from '../../engine/types.js';
import type { SourceRef } from '../../errors.js';
import type { Labels, PolicyObject } from '../../repo/model.js';
import { defineRule } from '../define-rule.js';
import { deniedSides, policyRef } from '../policy-walk.js';

/** One rule every platform namespace needs (seed: "Every platform CNP must include"). */
interface Requirement {
  /** What is required, for the message: `DNS to kube-system/k8s-app=kube-dns on 53/UDP`. */
  readonly what: string;
  /** The rule to add, for the hint. */
  readonly rule: string;
  /** The namespace's side of the flows: the pod's egress (it is the source) or ingress. */
  readonly side: 'egress' | 'ingress';
  /** The flows for a pod of the namespace; one flow its side allows is enough. */
  readonly flows: (pod: Peer) => Flow[];
}

/**
 * A platform namespace whose own side (its pods' egress or ingress, by the engine's verdicts) denies one
 * of the flows the seed requires of every platform namespace: DNS to the catalogue's DNS peer on 53/UDP and 53/TCP, scrapes
 * from the catalogue's scraper on a port the namespace's policies (or the scrape baseline) admit it on,
 * health probes from the `health` entity and from the link-local range, and HBONE to and from ztunnel
 * when the Namespace is in the ambient mesh. Every pod shape of the namespace (each workload's pod labels,
 * or a pod with no labels) is checked; a flow any policy allows on that side (a baseline included) counts.
 * The peer's side is the peer's business (kube-dns admitting DNS is kube-system's own requirement).
 */
export default defineRule({
  id: 'platform-required-rules',
  severity: 'error',
  description:
    "A platform namespace does not allow, by the engine's verdicts, the flows every platform namespace needs (DNS, scrapes, health probes, HBONE in the mesh).",
  messages: {
    missing:
      'Platform namespace "{{namespace}}" does not allow {{requirement}} for {{pod}}: {{flow}} is denied at the {{why}}.',
  },
  hints: {
    missing:
      'Add {{rule}} to a CiliumNetworkPolicy of namespace "{{namespace}}"{{policy}} (the seed\'s platform template has it).',
  },
  options: {
    /** The DNS peer (trace syntax), used when the catalogue derives none from the baselines. */
    dnsPeer: 'kube-system/k8s-app=kube-dns',
    /** The scraper peer (trace syntax), used when the catalogue derives none from the baselines. */
    scraperPeer: 'monitoring/app.kubernetes.io/name=prometheus',
    /** The TCP port health probes are checked on. */
    probePort: 8080,
    /** An address of the link-local range probes come from. */
    probeAddress: '169.254.0.1',
    /** The Namespace label (key=value) that puts a namespace in the ambient mesh. */
    meshLabel: 'istio.io/dataplane-mode=ambient',
    /** The ztunnel peer (trace syntax). */
    ztunnelPeer: 'istio-system/app=ztunnel',
    /** The HBONE port (TCP). */
    hbonePort: 15008,
  },
  optionChecks: {
    dnsPeer: podPeerProblem,
    scraperPeer: podPeerProblem,
    ztunnelPeer: podPeerProblem,
    probePort: portProblem,
    hbonePort: portProblem,
    probeAddress: (v) => (parseIp(v) ? null : `"${v}" is not an IP address`),
    meshLabel: (v) => (/^[^=]+=[^=]*$/.test(v) ? null : `"${v}" is not key=value`),
  },
  check(ctx) {
    const platform = new Set(ctx.catalog.platformNamespaces);
    if (platform.size === 0) return;
    const o = ctx.config;
    const dns = ctx.catalog.dns?.peer ?? podPeer(o.dnsPeer);
    const scrapers = ctx.catalog.scrapers.length > 0 ? ctx.catalog.scrapers : null;
    const scraperPeers: { peer: Peer; ports: number[] }[] = scrapers
      ? scrapers.map((s) => ({
          peer: s.peer,
          ports: s.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port),
        }))
      : [{ peer: podPeer(o.scraperPeer), ports: [] }];
    const ztunnel = podPeer(o.ztunnelPeer);
    const [meshKey, meshValue] = o.meshLabel.split('=') as [string, string];
    const policiesByNs = new Map<string, PolicyObject[]>();
    for (const p of ctx.repo.policies) {
      if (p.kind === 'CiliumClusterwideNetworkPolicy') continue;
      const list = policiesByNs.get(p.namespace) ?? [];
      list.push(p);
      policiesByNs.set(p.namespace, list);
    }
    const podsByNs = new Map<string, Map<string, Labels>>();
    for (const w of ctx.repo.workloads) {
      const m = podsByNs.get(w.namespace) ?? new Map<string, Labels>();
      m.set(JSON.stringify(Object.entries(w.podLabels).sort()), w.podLabels);
      podsByNs.set(w.namespace, m);
    }

    for (const ns of ctx.repo.namespaces) {
      if (!platform.has(ns.name)) continue;
      const policies = policiesByNs.get(ns.name) ?? [];
      const first = policies[0];
      const at = (): SourceRef => first?.source ?? ctx.locator.locate(ns, ['metadata', 'name']) ?? ns.source;
      const ownPorts = ingressPorts(policies);
      const requirements: Requirement[] = [];
      for (const protocol of ['UDP', 'TCP'] as const) {
        requirements.push({
          what: `DNS to ${formatPeer(dns)} on 53/${protocol}`,
          rule: `an egress rule to ${formatPeer(dns)} on 53/${protocol}`,
          side: 'egress',
          flows: (pod) => [{ source: pod, destination: dns, port: 53, protocol }],
        });
      }
      for (const s of scraperPeers) {
        const ports = [...new Set([...s.ports, ...ownPorts, o.probePort])].sort((a, b) => a - b);
        requirements.push({
          what: `scrapes from ${formatPeer(s.peer)} (on ${ports.join(', ')}/TCP)`,
          rule: `an ingress rule from ${formatPeer(s.peer)} on the metrics port`,
          side: 'ingress',
          flows: (pod) =>
            ports.map((port) => ({ source: s.peer, destination: pod, port, protocol: 'TCP' as const })),
        });
      }
      const health: Peer = { kind: 'reserved', entity: 'health' };
      const linkLocal: Peer = { kind: 'world', ip: o.probeAddress };
      requirements.push(
        {
          what: 'health probes from the health entity',
          rule: 'an ingress rule fromEntities [health]',
          side: 'ingress',
          flows: (pod) => [{ source: health, destination: pod, port: o.probePort, protocol: 'TCP' }],
        },
        {
          what: `health probes from the link-local address ${o.probeAddress}`,
          rule: 'an ingress rule fromCIDR [169.254.0.0/16]',
          side: 'ingress',
          flows: (pod) => [{ source: linkLocal, destination: pod, port: o.probePort, protocol: 'TCP' }],
        },
      );
      if (ns.labels[meshKey] === meshValue && ztunnel.kind === 'pod' && ztunnel.namespace !== ns.name) {
        requirements.push(
          {
            what: `HBONE to ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            rule: `an egress rule to ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            side: 'egress',
            flows: (pod) => [{ source: pod, destination: ztunnel, port: o.hbonePort, protocol: 'TCP' }],
          },
          {
            what: `HBONE from ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            rule: `an ingress rule from ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            side: 'ingress',
            flows: (pod) => [{ source: ztunnel, destination: pod, port: o.hbonePort, protocol: 'TCP' }],
          },
        );
      }
      const pods: Peer[] = [...(podsByNs.get(ns.name)?.values() ?? [])].map((labels) => ({
        kind: 'pod',
        namespace: ns.name,
        labels,
      }));
      if (pods.length === 0) pods.push({ kind: 'pod', namespace: ns.name, labels: {} });
      for (const req of requirements) {
        for (const pod of pods) {
          const flows = req.flows(pod);
          const verdicts = flows.map((f) => ctx.engine.verdict(f));
          if (verdicts.some((v) => v[req.side].verdict === 'allowed')) continue;
          const flow = flows[0];
          const verdict = verdicts[0];
          if (!flow || !verdict) continue;
          ctx.report({
            at: at(),
            messageId: 'missing',
            data: {
              namespace: ns.name,
              requirement: req.what,
              pod:
                pod.kind === 'pod' && Object.keys(pod.labels).length > 0
                  ? `pods ${formatPeer(pod)}`
                  : 'its pods',
              flow: `${formatPeer(flow.source)} → ${formatPeer(flow.destination)} ${flow.port}/${flow.protocol}`,
              why: deniedSides(verdict, flow.source, flow.destination, req.side),
              rule: req.rule,
              policy: first ? ` (e.g. ${policyRef(first)})` : '',
            },
          });
          break;
        }
      }
    }
  },
});

function podPeer(text: string): Peer {
  const r = parsePeer(text);
  // Option values are checked when the configuration is read; the defaults parse.
  return r.ok ? r.value : { kind: 'pod', namespace: text, labels: {} };
}

function podPeerProblem(text: string): string | null {
  const r = parsePeer(text);
  if (!r.ok) return `"${text}" is not a peer (${r.error})`;
  return r.value.kind === 'pod' ? null : `"${text}" is not a pod peer (NS/key=value)`;
}

function portProblem(port: number): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? null
    : `${port} is not a port between 1 and 65535`;
}

/** Numeric TCP (or any-protocol) ports named in the ingress rules of a namespace's own policies. */
function ingressPorts(policies: readonly PolicyObject[]): number[] {
  const out: number[] = [];
  const add = (port: number | string | undefined, protocol: string) => {
    const n = typeof port === 'number' ? port : port !== undefined && /^\d+$/.test(port) ? Number(port) : 0;
    if (n > 0 && (protocol === 'TCP' || protocol === 'ANY')) out.push(n);
  };
  for (const p of policies) {
    if (p.kind === 'NetworkPolicy') {
      for (const r of p.ingress) for (const port of r.ports ?? []) add(port.port, port.protocol);
      continue;
    }
    for (const rule of p.rules)
      for (const pr of rule.ingress ?? [])
        for (const t of pr.toPorts) for (const port of t.ports) add(port.port, port.protocol);
  }
  return out;
}
