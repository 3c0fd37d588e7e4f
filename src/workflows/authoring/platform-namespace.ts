import type { Catalog } from '../../catalog/derive-catalog.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import { CONFIG_FILE } from '../../repo/config.js';
import { applyYamlEdits } from '../../repo/edit.js';
import type { Repo } from '../../repo/model.js';
import { parseTraceRequest, traceParsed } from '../analysis/trace.js';
import {
  HBONE_PORT,
  KUBE_DNS,
  type PeerPortRule,
  PROMETHEUS_LABELS,
  renderNamespace,
  ZTUNNEL,
} from './render.js';
import { namespacesHome } from './repo-layout.js';
import { listInKustomization, type WorkingTree } from './working-tree.js';

/** The Prometheus pods that scrape platform namespaces. */
export interface Scraper {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A flow an authoring command asks the engine about after writing, and the answer. */
export interface EngineCheck {
  /** What the flow proves, one phrase. */
  readonly description: string;
  /** Source peer in the trace syntax. */
  readonly from: string;
  /** Destination peer in the trace syntax. */
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly expected: 'allowed' | 'denied';
  /** The engine's verdict on the side(s) the check looks at. */
  readonly verdict: 'allowed' | 'denied';
  /** `both` (the flow), or only the side the command wrote: the destination's `ingress`, the source's `egress`. */
  readonly side: 'both' | 'ingress' | 'egress';
  /**
   * `error`: the command's own promise (its failure is exit code 1); `warning`: something another policy
   * must change for the whole flow to work.
   */
  readonly severity: 'error' | 'warning';
  /** What to do when the check fails. */
  readonly hint?: string;
}

/**
 * The Prometheus pods the baselines admit (the catalogue's first namespace-pinned scraper), else pods
 * labelled `app.kubernetes.io/name=prometheus` in `catalog.monitoringNamespace` of netpol.config.yaml, else
 * in `monitoring`.
 * @param repo - The loaded repository (for its config).
 * @param catalog - Its catalogue.
 * @returns The scraper.
 */
export function scraperOf(repo: Pick<Repo, 'config'>, catalog: Pick<Catalog, 'scrapers'>): Scraper {
  const s = catalog.scrapers.find((x) => x.peer.kind === 'pod');
  if (s && s.peer.kind === 'pod') return { namespace: s.peer.namespace, labels: s.peer.labels };
  const c = repo.config.catalog as Record<string, unknown> | undefined;
  const ns = typeof c?.monitoringNamespace === 'string' ? c.monitoringNamespace : 'monitoring';
  return { namespace: ns, labels: PROMETHEUS_LABELS };
}

/**
 * Plans what a new platform namespace needs besides its CNP: its Namespace manifest when the repository
 * does not define it (in the folder holding most Namespace manifests, listed in that folder's
 * kustomization; with `istio.io/dataplane-mode: ambient` when it joins the mesh), and its name in
 * `catalog.platformNamespaces` of netpol.config.yaml when that list is pinned there.
 * @param tree - The working tree.
 * @param repo - The loaded repository.
 * @param namespace - The platform namespace.
 * @param mesh - Whether it joins the Istio ambient mesh.
 * @returns The Namespace manifest file when one is created, else null.
 */
export function planPlatformNamespace(
  tree: WorkingTree,
  repo: Pick<Repo, 'namespaces' | 'config'>,
  namespace: string,
  mesh: boolean,
): string | null {
  let created: string | null = null;
  if (!repo.namespaces.some((n) => n.name === namespace)) {
    const dir = namespacesHome(repo);
    const file = dir === '' ? `${namespace}.yaml` : `${dir}/${namespace}.yaml`;
    if (!tree.exists(file)) {
      tree.write(
        file,
        renderNamespace({
          name: namespace,
          ...(mesh ? { labels: { 'istio.io/dataplane-mode': 'ambient' } } : {}),
          comment: 'Platform namespace: no profile label; its policy is a hand-written CNP.',
        }),
      );
      listInKustomization(tree, file);
      created = file;
    }
  }
  const catalog = repo.config.catalog as Record<string, unknown> | undefined;
  const pinned = catalog?.platformNamespaces;
  if (Array.isArray(pinned) && !pinned.includes(namespace)) {
    const text = tree.read(CONFIG_FILE);
    if (text !== null)
      tree.write(
        CONFIG_FILE,
        applyYamlEdits(text, [
          { documentIndex: 0, path: ['catalog', 'platformNamespaces'], append: namespace },
        ]).text,
      );
  }
  return created;
}

/**
 * Asks the engine about one flow.
 * @param engine - The engine of the repository as written.
 * @param check - The flow and what is expected (without the verdict).
 * @returns The check with the engine's verdict.
 */
export function runCheck(engine: PolicyEngine, check: Omit<EngineCheck, 'verdict'>): EngineCheck {
  const parsed = parseTraceRequest({
    source: check.from,
    destination: check.to,
    port: check.port,
    protocol: check.protocol,
  });
  if (!parsed.ok) return { ...check, verdict: 'denied', hint: parsed.error };
  const v = traceParsed(engine, parsed.flow, { closest: false }).verdict;
  const verdict =
    check.side === 'ingress' ? v.ingress.verdict : check.side === 'egress' ? v.egress.verdict : v.verdict;
  return { ...check, verdict };
}

/**
 * The checks every platform namespace must pass (the seed's required rules, on the namespace's side): the
 * scraper reaches each metrics port, DNS to kube-dns works over UDP and TCP.
 * @param engine - The engine of the repository as written.
 * @param namespace - The platform namespace.
 * @param metricsPorts - Its metrics ports.
 * @param scraper - The Prometheus pods.
 * @returns The checks.
 */
export function platformChecks(
  engine: PolicyEngine,
  namespace: string,
  metricsPorts: readonly number[],
  scraper: Scraper,
  extra: {
    readonly mesh?: boolean;
    readonly ingressFrom?: readonly PeerPortRule[];
    readonly egressTo?: readonly PeerPortRule[];
  } = {},
): EngineCheck[] {
  const scraperPeer = `${scraper.namespace}${
    Object.keys(scraper.labels).length > 0
      ? `/${Object.entries(scraper.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`
      : ''
  }`;
  const dns = `${KUBE_DNS.namespace}/k8s-app=${KUBE_DNS.labels['k8s-app']}`;
  const checks: EngineCheck[] = [];
  for (const port of metricsPorts) {
    checks.push(
      runCheck(engine, {
        description: `Prometheus scrape ingress on ${port}/TCP`,
        from: scraperPeer,
        to: namespace,
        port,
        protocol: 'TCP',
        expected: 'allowed',
        side: 'ingress',
        severity: 'error',
      }),
    );
    const full = runCheck(engine, {
      description: `Prometheus egress to ${namespace}:${port}/TCP`,
      from: scraperPeer,
      to: namespace,
      port,
      protocol: 'TCP',
      expected: 'allowed',
      side: 'both',
      severity: 'warning',
      hint: `${scraper.namespace}'s own CNP does not let Prometheus reach ${namespace} on ${port}/TCP: add a toEndpoints rule for it there, as for the other platform metrics ports.`,
    });
    if (full.verdict !== 'allowed') checks.push(full);
  }
  for (const protocol of ['UDP', 'TCP']) {
    checks.push(
      runCheck(engine, {
        description: `DNS egress to kube-dns on 53/${protocol}`,
        from: namespace,
        to: dns,
        port: 53,
        protocol,
        expected: 'allowed',
        side: 'both',
        severity: 'error',
      }),
    );
  }
  if (extra.mesh) {
    const ztunnel = `${ZTUNNEL.namespace}/app=${ZTUNNEL.labels.app}`;
    checks.push(
      runCheck(engine, {
        description: `HBONE from ztunnel on ${HBONE_PORT}/TCP`,
        from: ztunnel,
        to: namespace,
        port: HBONE_PORT,
        protocol: 'TCP',
        expected: 'allowed',
        side: 'ingress',
        severity: 'error',
      }),
      runCheck(engine, {
        description: `HBONE to ztunnel on ${HBONE_PORT}/TCP`,
        from: namespace,
        to: ztunnel,
        port: HBONE_PORT,
        protocol: 'TCP',
        expected: 'allowed',
        side: 'egress',
        severity: 'error',
      }),
    );
  }
  for (const [direction, rules] of [
    ['ingress', extra.ingressFrom ?? []],
    ['egress', extra.egressTo ?? []],
  ] as const) {
    for (const r of rules) {
      const peer = peerText(r.peer);
      if (peer === null) continue;
      for (const p of r.ports) {
        checks.push(
          runCheck(engine, {
            description: `service-specific ${direction} ${direction === 'ingress' ? 'from' : 'to'} ${peer} on ${p.port}/${p.protocol}`,
            from: direction === 'ingress' ? peer : namespace,
            to: direction === 'ingress' ? namespace : peer,
            port: p.port,
            protocol: p.protocol,
            expected: 'allowed',
            side: direction,
            severity: 'error',
          }),
        );
      }
    }
  }
  return checks;
}

/** A rule peer in the trace syntax, or null for an entity the trace syntax cannot name as one peer. */
function peerText(peer: PeerPortRule['peer']): string | null {
  if (peer.kind === 'entity') {
    if (peer.entity === 'world') return 'world:203.0.113.10';
    if (peer.entity === 'cluster') return null;
    return peer.entity;
  }
  const labels = Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`);
  return labels.length === 0 ? peer.namespace : `${peer.namespace}/${labels.join(',')}`;
}
