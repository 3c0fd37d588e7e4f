import { type Catalog, grantsOfNamespace, profileOfNamespace } from '../../catalog/derive-catalog.js';
import type { FlowProtocol, Peer } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import type { NamespaceObject } from '../../repo/model.js';

/** One column of the connectivity matrix: a kind of peer the seed cares about. */
export interface MatrixColumn {
  /** Stable id, the key of `cells`: `dns`, `world-443`, `gateway-internal`, `grant-postgres` … */
  readonly id: string;
  /** Header text, e.g. `postgres database:5432/TCP`. */
  readonly title: string;
  /** Short header for narrow tables, e.g. `postgres`. */
  readonly short: string;
  /** `egress`: the row's pod is the source; `ingress`: the row's pod is the destination. */
  readonly direction: 'egress' | 'ingress';
  readonly peer: Peer;
  readonly port: number;
  readonly protocol: FlowProtocol;
}

/** One row: a namespace, its profile and grants, and each cell's verdict. */
export interface MatrixRow {
  readonly namespace: string;
  readonly profile: string | null;
  readonly grants: readonly string[];
  readonly platform: boolean;
  readonly cells: Readonly<Record<string, 'allowed' | 'denied'>>;
}

/** The matrix. JSON shape: `{ columns, rows }`. */
export interface MatrixResult {
  readonly columns: readonly MatrixColumn[];
  readonly rows: readonly MatrixRow[];
}

/** A public address used for the world columns (TEST-NET-3, RFC 5737). */
export const WORLD_PROBE_IP = '203.0.113.10';

/**
 * The matrix columns, derived from the catalogue: DNS, world:443, world:80, each gateway (ingress), each
 * shared resource on its port, kube-apiserver:6443, each scraper (ingress), and another application
 * namespace. Nothing is hard-coded but the world and API-server probes.
 */
export function matrixColumns(catalog: Catalog, namespaces: readonly NamespaceObject[]): MatrixColumn[] {
  const cols: MatrixColumn[] = [];
  if (catalog.dns) {
    const p = catalog.dns.ports.find((x) => x.protocol === 'UDP') ?? catalog.dns.ports[0];
    if (p) {
      cols.push({
        id: 'dns',
        title: `DNS ${peerText(catalog.dns.peer)}:${p.port}/${p.protocol}`,
        short: 'DNS',
        direction: 'egress',
        peer: catalog.dns.peer,
        port: p.port,
        protocol: p.protocol,
      });
    }
  }
  for (const port of [443, 80]) {
    cols.push({
      id: `world-${port}`,
      title: `world:${port}/TCP`,
      short: `world:${port}`,
      direction: 'egress',
      peer: { kind: 'world', ip: WORLD_PROBE_IP },
      port,
      protocol: 'TCP',
    });
  }
  for (const g of catalog.gateways) {
    const p = g.ports[0] ?? { port: 80, protocol: 'TCP' as const };
    cols.push({
      id: `gateway-${g.name}`,
      title: `from the ${g.name} gateway (${peerText(g.peer)}) on ${p.port}/${p.protocol}`,
      short: `gw ${g.name}`,
      direction: 'ingress',
      peer: g.peer,
      port: p.port,
      protocol: p.protocol,
    });
  }
  for (const grant of catalog.accessGrants.values()) {
    const r = grant.resources.find((x) => x.ports.length > 0);
    if (!r) continue;
    const p = r.ports[0];
    if (!p) continue;
    cols.push({
      id: `grant-${grant.name}`,
      title: `${grant.name}: ${peerText(r.peer)}:${p.port}/${p.protocol}`,
      short: grant.name,
      direction: 'egress',
      peer: r.peer,
      port: p.port,
      protocol: p.protocol,
    });
  }
  cols.push({
    id: 'kube-apiserver',
    title: 'kube-apiserver:6443/TCP',
    short: 'kube-api',
    direction: 'egress',
    peer: { kind: 'reserved', entity: 'kube-apiserver' },
    port: 6443,
    protocol: 'TCP',
  });
  for (const s of catalog.scrapers) {
    const p = s.ports[0];
    if (!p) continue;
    cols.push({
      id: `scrape-${s.name}`,
      title: `scrape from ${s.name} (${peerText(s.peer)}) on ${p.port}/${p.protocol}`,
      short: `scrape`,
      direction: 'ingress',
      peer: s.peer,
      port: p.port,
      protocol: p.protocol,
    });
  }
  const apps = catalog.applicationNamespaces;
  if (apps.length > 1 || (apps.length === 1 && namespaces.length > 1)) {
    cols.push({
      id: 'app-namespace',
      title: 'to another application namespace on 8080/TCP',
      short: 'app→app',
      direction: 'egress',
      // The peer is filled per row (another application namespace than the row's).
      peer: { kind: 'pod', namespace: apps[0] ?? '', labels: {} },
      port: 8080,
      protocol: 'TCP',
    });
  }
  return cols;
}

function peerText(peer: Peer): string {
  return peer.kind === 'pod' ? peer.namespace : peer.kind === 'world' ? 'world' : peer.entity;
}

/**
 * Computes the connectivity matrix: one row per namespace of the repository, one verdict per column.
 * A row's pod is a pod of that namespace with no pod labels (what a new workload gets).
 * Cost: rows × columns verdicts; each namespace's endpoint policy is computed once and cached.
 */
export function computeMatrix(
  engine: PolicyEngine,
  catalog: Catalog,
  namespaces: readonly NamespaceObject[],
): MatrixResult {
  const columns = matrixColumns(catalog, namespaces);
  const platform = new Set(catalog.platformNamespaces);
  const apps = catalog.applicationNamespaces;
  const rows: MatrixRow[] = namespaces.map((ns) => {
    const self: Peer = { kind: 'pod', namespace: ns.name, labels: {} };
    const cells: Record<string, 'allowed' | 'denied'> = {};
    for (const c of columns) {
      let peer = c.peer;
      if (c.id === 'app-namespace') {
        const other = apps.find((a) => a !== ns.name);
        if (!other) continue;
        peer = { kind: 'pod', namespace: other, labels: {} };
      }
      const flow =
        c.direction === 'egress'
          ? { source: self, destination: peer, port: c.port, protocol: c.protocol }
          : { source: peer, destination: self, port: c.port, protocol: c.protocol };
      cells[c.id] = engine.verdict(flow).verdict;
    }
    return {
      namespace: ns.name,
      profile: profileOfNamespace(catalog, ns) ?? null,
      grants: grantsOfNamespace(catalog, ns),
      platform: platform.has(ns.name),
      cells,
    };
  });
  return { columns, rows };
}
