import type { CatalogPeer } from '../../catalog/derive-catalog.js';
import { parseIp } from '../../engine/cidr.js';
import { POD_NAMESPACE_LABEL, parseSelectorKey } from '../../engine/identity.js';
import { formatPeer, parsePeer } from '../../engine/peer-spec.js';
import type { Flow, Peer } from '../../engine/types.js';
import type { SourceRef } from '../../errors.js';
import type { LabelSelector, Labels, PolicyObject } from '../../repo/model.js';
import { defineRule, type LintInput } from '../define-rule.js';
import {
  checkSeedConvention,
  ciliumPolicies,
  deniedSides,
  describedPods,
  namesScraper,
  policyRef,
  type SeedConvention,
  seedConventionApplies,
} from '../policy-walk.js';

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
  /** `every`: each pod shape of the namespace needs it; `some`: one pod shape allowing it is enough. */
  readonly pods: 'every' | 'some';
}

/** A scraper and where it was found. */
interface Scraper {
  readonly peer: Peer;
  readonly ports: readonly number[];
  /** `configured`, `baseline` (the seed's scrape baseline) or `derived` (repository objects). */
  readonly origin: 'configured' | 'baseline' | 'derived';
}

/**
 * A platform namespace whose own side (its pods' egress or ingress, by the engine's verdicts) denies one
 * of the flows a platform namespace needs: DNS to the catalogue's DNS peer on 53/UDP and 53/TCP; scrapes
 * from the repository's scraper, where the namespace is scraped; kubelet probes from the `host` entity
 * (the local node: allowed by `allowLocalhost` unless a deny rule blocks them); the link-local probe
 * source and HBONE to and from ztunnel when the Namespace is in the Istio ambient mesh (ztunnel rewrites
 * probe sources to a link-local address there). The scraper is `scraperPeers` when configured, else the
 * scrape baseline's peers, else the scrapers the repository shows (Prometheus/VMAgent objects, workloads
 * and ingress peers labelled as scrapers); a namespace is scraped when a ServiceMonitor, PodMonitor,
 * VMServiceScrape or VMPodScrape names it (or, with a configured or baseline scraper and no such object
 * in the repository, always, as the seed says). Without a scraper the scrape requirement is not checked.
 * The pods checked are the namespace's workloads, else the pods its own policies describe (their plain
 * `matchLabels`), else a pod with no labels. The peer's side is the peer's business (kube-dns admitting
 * DNS is kube-system's own requirement).
 * @see docs/semantics.md §8.5 (allow-localhost: kubelet probes come from the local host, `reserved:host`),
 *   §4 (the `health` entity is cilium-health, not kubelet), §6 (a deny wins over the localhost exception).
 */
export default defineRule({
  id: 'platform-required-rules',
  severity: 'error',
  description:
    "A platform namespace does not allow, by the engine's verdicts, the flows every platform namespace needs (DNS, scrapes, kubelet probes, HBONE in the mesh).",
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
    /** The scrapers (trace syntax). Default: derived from the repository (see the docs). */
    scraperPeers: [] as string[],
    /** The TCP port kubelet probes and scrapes are checked on. */
    probePort: 8080,
    /** The address probes come from in the ambient mesh (ztunnel's link-local probe source). */
    probeAddress: '169.254.7.127',
    /** The Namespace label (key=value) that puts a namespace in the ambient mesh. */
    meshLabel: 'istio.io/dataplane-mode=ambient',
    /** The ztunnel peer (trace syntax). */
    ztunnelPeer: 'istio-system/app=ztunnel',
    /** The HBONE port (TCP). */
    hbonePort: 15008,
    /** Where derived platform namespaces are held to the seed's template: `auto` (profiles found), `always`, `never`. */
    seedConvention: 'auto' as SeedConvention,
  },
  optionChecks: {
    dnsPeer: podPeerProblem,
    scraperPeers: (list) => list.map(podPeerProblem).find((p) => p !== null) ?? null,
    ztunnelPeer: podPeerProblem,
    probePort: portProblem,
    hbonePort: portProblem,
    seedConvention: checkSeedConvention,
    probeAddress: (v) => (parseIp(v) ? null : `"${v}" is not an IP address`),
    meshLabel: (v) => (/^[^=]+=[^=]*$/.test(v) ? null : `"${v}" is not key=value`),
  },
  check(ctx) {
    const platform = new Set(ctx.catalog.platformNamespaces);
    if (platform.size === 0) return;
    const o = ctx.config;
    // The requirements are the seed's platform template: derived platform namespaces are held to it only
    // where the repository follows the seed's system (docs/real-repos.md: 49 of 51 findings were false
    // on repositories without it).
    if (
      ctx.catalog.platformNamespacesOrigin === 'derived' &&
      !seedConventionApplies(o.seedConvention, ctx.catalog)
    )
      return;
    // A namespace that objects rendered at runtime (HelmReleases, ResourceSets, other sources) may reach
    // can have policies netpol does not see: its requirements cannot be judged.
    const unseen = new Set(ctx.repo.unseen.flatMap((u) => u.namespaces));
    const dns = ctx.catalog.dns?.peer ?? podPeer(o.dnsPeer);
    const scrapers = scrapersOf(ctx, o.scraperPeers);
    const targets = ctx.repo.monitoring.filter((m) => m.role === 'target');
    const scraped = (ns: string) =>
      targets.length === 0
        ? scrapers.some((s) => s.origin !== 'derived')
        : targets.some((t) => t.targetNamespaces !== 'any' && t.targetNamespaces.includes(ns));
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
      if (!platform.has(ns.name) || unseen.has(ns.name) || unseen.has('*')) continue;
      const policies = policiesByNs.get(ns.name) ?? [];
      const first = policies[0];
      const at = (): SourceRef => first?.source ?? ctx.locator.locate(ns, ['metadata', 'name']) ?? ns.source;
      const ownPorts = ingressPorts(policies);
      const inMesh = ns.labels[meshKey] === meshValue;
      const requirements: Requirement[] = [];
      for (const protocol of ['UDP', 'TCP'] as const) {
        requirements.push({
          what: `DNS to ${formatPeer(dns)} on 53/${protocol}`,
          rule: `an egress rule to ${formatPeer(dns)} on 53/${protocol}`,
          side: 'egress',
          flows: (pod) => [{ source: pod, destination: dns, port: 53, protocol }],
          pods: 'every',
        });
      }
      const others = scrapers.filter((sc) => !(sc.peer.kind === 'pod' && sc.peer.namespace === ns.name));
      const firstScraper = others[0];
      if (scraped(ns.name) && firstScraper) {
        // The namespace needs the scraper that scrapes it, not every scraper of the cluster: one is enough.
        const portsOf = (sc: Scraper) =>
          [...new Set([...sc.ports, ...ownPorts, o.probePort])].sort((a, b) => a - b);
        const more =
          others.length > 1 ? ` or ${others.length - 1} other scraper${others.length > 2 ? 's' : ''}` : '';
        requirements.push({
          what: `scrapes from ${formatPeer(firstScraper.peer)}${more} (on ${portsOf(firstScraper).join(', ')}/TCP)`,
          rule: `an ingress rule from ${formatPeer(firstScraper.peer)} on the metrics port`,
          side: 'ingress',
          flows: (pod) =>
            others.flatMap((sc) =>
              portsOf(sc).map((port) => ({
                source: sc.peer,
                destination: pod,
                port,
                protocol: 'TCP' as const,
              })),
            ),
          pods: 'some',
        });
      }
      const host: Peer = { kind: 'reserved', entity: 'host' };
      requirements.push({
        what: 'kubelet probes from the host',
        rule: ctx.engine.settings.allowLocalhost
          ? 'no deny rule from the host (deny wins over the local-host exception)'
          : 'an ingress rule fromEntities [host]',
        side: 'ingress',
        flows: (pod) => [{ source: host, destination: pod, port: o.probePort, protocol: 'TCP' }],
        pods: 'every',
      });
      if (inMesh) {
        const linkLocal: Peer = { kind: 'world', ip: o.probeAddress };
        requirements.push({
          what: `kubelet probes rewritten by ztunnel to the link-local address ${o.probeAddress}`,
          rule: 'an ingress rule fromCIDR [169.254.0.0/16]',
          side: 'ingress',
          flows: (pod) => [{ source: linkLocal, destination: pod, port: o.probePort, protocol: 'TCP' }],
          pods: 'every',
        });
      }
      if (inMesh && ztunnel.kind === 'pod' && ztunnel.namespace !== ns.name) {
        requirements.push(
          {
            what: `HBONE to ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            rule: `an egress rule to ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            side: 'egress',
            flows: (pod) => [{ source: pod, destination: ztunnel, port: o.hbonePort, protocol: 'TCP' }],
            pods: 'every',
          },
          {
            what: `HBONE from ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            rule: `an ingress rule from ${formatPeer(ztunnel)} on ${o.hbonePort}/TCP`,
            side: 'ingress',
            flows: (pod) => [{ source: ztunnel, destination: pod, port: o.hbonePort, protocol: 'TCP' }],
            pods: 'every',
          },
        );
      }
      const known = [...(podsByNs.get(ns.name)?.values() ?? [])];
      const shapes = known.length > 0 ? known : describedPods(policies, ns.name);
      const pods: Peer[] = shapes.map((labels) => ({ kind: 'pod', namespace: ns.name, labels }));
      if (pods.length === 0) pods.push({ kind: 'pod', namespace: ns.name, labels: {} });
      const partial = known.length === 0;
      for (const req of requirements) {
        const denied = pods.filter(
          (pod) =>
            req.flows(pod).every((f) => ctx.engine.verdict(f)[req.side].verdict !== 'allowed') &&
            !(partial && pod.kind === 'pod' && optInAllows(ctx, pod, req)),
        );
        if (denied.length === 0 || (req.pods === 'some' && denied.length < pods.length)) continue;
        const pod = denied[0];
        const flow = pod ? req.flows(pod)[0] : undefined;
        if (!pod || !flow) continue;
        const verdict = ctx.engine.verdict(flow);
        ctx.report({
          at: at(),
          messageId: 'missing',
          data: {
            namespace: ns.name,
            requirement: req.what,
            pod:
              req.pods === 'some' && pods.length > 1
                ? 'any of its pods'
                : pod.kind === 'pod' && Object.keys(pod.labels).length > 0
                  ? `pods ${formatPeer(pod)}`
                  : 'its pods',
            flow: `${formatPeer(flow.source)} → ${formatPeer(flow.destination)} ${flow.port}/${flow.protocol}`,
            why: deniedSides(verdict, flow.source, flow.destination, req.side),
            rule: req.rule,
            policy: first ? ` (e.g. ${policyRef(first)})` : '',
          },
        });
      }
    }
  },
});

/**
 * The scrapers of the repository: configured, else the scrape baseline's peers, else derived from
 * Prometheus/PrometheusAgent/VMAgent objects, scraper-labelled workloads and namespace-pinned ingress peers
 * labelled as scrapers.
 */
function scrapersOf(ctx: Pick<LintInput, 'repo' | 'catalog'>, configured: readonly string[]): Scraper[] {
  if (configured.length > 0)
    return configured.map((text) => ({ peer: podPeer(text), ports: [], origin: 'configured' }));
  const tcp = (s: CatalogPeer) => s.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port);
  if (ctx.catalog.scrapers.length > 0)
    return ctx.catalog.scrapers.map((s) => ({ peer: s.peer, ports: tcp(s), origin: 'baseline' }));
  const out = new Map<string, Scraper>();
  const add = (peer: Peer) => {
    const key = formatPeer(peer);
    if (!out.has(key)) out.set(key, { peer, ports: [], origin: 'derived' });
  };
  for (const m of ctx.repo.monitoring) {
    if (m.role !== 'scraper') continue;
    const name =
      m.kind === 'VMAgent' ? 'vmagent' : m.kind === 'PrometheusAgent' ? 'prometheus-agent' : 'prometheus';
    add({
      kind: 'pod',
      namespace: m.namespace,
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': m.name },
    });
  }
  for (const w of ctx.repo.workloads) {
    if (namesScraper(w.podLabels)) add({ kind: 'pod', namespace: w.namespace, labels: w.podLabels });
  }
  for (const p of ciliumPolicies(ctx.repo.policies)) {
    for (const rule of p.rules) {
      for (const pr of rule.ingress ?? []) {
        for (const sel of pr.endpoints ?? []) {
          const peer = pinnedPeer(sel);
          if (peer && namesScraper(peer.labels)) add(peer);
        }
      }
    }
  }
  return [...out.values()];
}

/**
 * Whether a pod whose labels the repository only partly knows (its workloads are rendered elsewhere) would
 * be allowed by an opt-in policy: a clusterwide rule that selects pods by a label the chart may put on them
 * (`dns.example/l7: "true"`, `prometheus-scrape: allow`). For each clusterwide rule whose subject asks for
 * pod labels the pod lacks, the pod with those labels added is tried. Namespaced rules selecting other
 * labels are other workloads, not opt-ins.
 */
function optInAllows(ctx: Pick<LintInput, 'engine'>, pod: Peer & { kind: 'pod' }, req: Requirement): boolean {
  for (const rule of ctx.engine.rules) {
    if (rule.host || rule.namespace !== '') continue;
    if ((req.side === 'ingress' ? rule.ingress : rule.egress).length === 0) continue;
    const extra: Record<string, string> = {};
    let applicable = true;
    for (const r of rule.subject.requirements) {
      if (r.source === 'reserved') {
        applicable = false;
        break;
      }
      if (r.key === POD_NAMESPACE_LABEL || r.key.startsWith('io.cilium.') || r.key in pod.labels) continue;
      if (r.operator === 'In') extra[r.key] = [...r.values][0] ?? '';
      else if (r.operator === 'Exists') extra[r.key] = 'true';
    }
    if (!applicable || Object.keys(extra).length === 0) continue;
    const variant: Peer = { ...pod, labels: { ...pod.labels, ...extra } };
    if (req.flows(variant).some((f) => ctx.engine.verdict(f)[req.side].verdict === 'allowed')) return true;
  }
  return false;
}

/** A peer selector pinning one namespace by matchLabels, as a pod peer with its other plain labels. */
function pinnedPeer(sel: LabelSelector): (Peer & { kind: 'pod' }) | undefined {
  let namespace: string | undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel.matchLabels)) {
    const { source, key } = parseSelectorKey(k);
    if (source === 'reserved') return undefined;
    if (key === POD_NAMESPACE_LABEL) namespace = v;
    else if (!key.startsWith('io.cilium.') && !key.startsWith('io.kubernetes.')) labels[key] = v;
  }
  return namespace === undefined || sel.matchExpressions.length > 0
    ? undefined
    : { kind: 'pod', namespace, labels };
}

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
