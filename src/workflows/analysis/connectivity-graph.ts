import {
  type Catalog,
  escapeHatchOfNamespace,
  grantsOfNamespace,
  profileOfNamespace,
} from '../../catalog/derive-catalog.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { FlowProtocol, Peer } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import type { NamespaceObject } from '../../repo/model.js';
import { computeMatrix, type MatrixColumn, type MatrixResult } from './matrix.js';

/** What a node of the connectivity graph stands for. */
export type GraphNodeKind = 'namespace' | 'workload' | 'world' | 'reserved';

/** A node: a namespace of the repository, or a peer the policies name (a gateway, DNS, world …). */
export interface GraphNode {
  /** The peer in trace syntax without an address: `web`, `kube-system/k8s-app=kube-dns`, `world`, `kube-apiserver`. */
  readonly id: string;
  /** Text to show: the namespace, `kube-system/k8s-app=kube-dns` (label keys without their prefix), `world` … */
  readonly label: string;
  readonly kind: GraphNodeKind;
  /** The namespace of a `namespace` or `workload` node, else null. */
  readonly namespace: string | null;
  /** The namespace's profile label value (namespace nodes only), else null. */
  readonly profile: string | null;
  /** The namespace's access grants (namespace nodes only), sorted. */
  readonly grants: readonly string[];
  /** Whether the namespace is a platform namespace (namespace nodes only). */
  readonly platform: boolean;
  /** Whether the namespace carries the escape-hatch label (enforcement disabled in git). */
  readonly escapeHatch: boolean;
  /**
   * The group the node folds into when a large graph is grouped: `profile:<name>` for a namespace with a
   * profile, `platform` for platform namespaces, `unprofiled` for the other namespaces, `peers` for the rest.
   */
  readonly group: string;
}

/** A cell of the connectivity matrix as a flow from its source to its destination; an edge when allowed. */
export interface GraphEdge {
  /** `<row namespace>|<column id>`: unique, the key of the matrix cell. */
  readonly id: string;
  /** Node id of the flow's source. */
  readonly source: string;
  /** Node id of the flow's destination. */
  readonly target: string;
  /** The matrix row (a namespace) and column the edge is. */
  readonly row: string;
  readonly column: string;
  /** `egress` when the row's namespace is the source, `ingress` when it is the destination. */
  readonly direction: 'egress' | 'ingress';
  readonly port: number;
  readonly protocol: FlowProtocol;
  /** `5432/TCP`. */
  readonly label: string;
  readonly verdict: 'allowed' | 'denied';
  /** The flow in trace syntax, for `traceFlow` (the explanation of the edge). */
  readonly trace: {
    readonly source: string;
    readonly destination: string;
    readonly port: number;
    readonly protocol: FlowProtocol;
  };
}

/** The connectivity graph: the matrix's allowed cells as edges between peers, and the matrix itself. */
export interface ConnectivityGraph {
  readonly nodes: readonly GraphNode[];
  /** The allowed cells. */
  readonly edges: readonly GraphEdge[];
  /** Every cell (allowed or denied), so a denied one can be explained too. */
  readonly cells: readonly GraphEdge[];
  readonly matrix: MatrixResult;
}

function nodeId(peer: Peer): string {
  return peer.kind === 'world' ? 'world' : peer.kind === 'reserved' ? peer.entity : formatPeer(peer);
}

function peerNode(peer: Peer): GraphNode {
  const base = { profile: null, grants: [], platform: false, escapeHatch: false, group: 'peers' };
  if (peer.kind === 'world') return { ...base, id: 'world', label: 'world', kind: 'world', namespace: null };
  if (peer.kind === 'reserved') {
    return { ...base, id: peer.entity, label: peer.entity, kind: 'reserved', namespace: null };
  }
  const labels = Object.entries(peer.labels)
    .map(([k, v]) => `${k.slice(k.lastIndexOf('/') + 1)}=${v}`)
    .join(',');
  return {
    ...base,
    id: nodeId(peer),
    label: `${peer.namespace}/${labels}`,
    kind: 'workload',
    namespace: peer.namespace,
  };
}

/** The peer a cell of `row` was evaluated against (the app→app column names another namespace per row). */
function cellPeer(column: MatrixColumn, row: string, apps: readonly string[]): Peer | null {
  if (column.id !== 'app-namespace') return column.peer;
  const other = apps.find((a) => a !== row);
  return other === undefined ? null : { kind: 'pod', namespace: other, labels: {} };
}

/**
 * The connectivity graph of a repository: every allowed cell of {@link computeMatrix} becomes one edge from the
 * flow's source to its destination (so the graph shows exactly the matrix's allowed paths), labelled with its
 * port. Nodes are the repository's namespaces (a pod with no labels, as in the matrix) and the peers the matrix
 * columns name (gateways, DNS, shared resources' workloads, world, kube-apiserver, scrapers).
 * @param engine - The engine (or a `withNamespaceLabels` view of it).
 * @param catalog - The catalogue of the repository.
 * @param namespaces - The namespaces to show, with the labels to show for them.
 * @returns Nodes sorted by id, edges in matrix order (rows, then columns), and the matrix.
 * @example
 *   const { engine, catalog, repo } = await loadForAnalysis({ root: 'examples/homelab' });
 *   connectivityGraph(engine, catalog, repo.namespaces).edges.find((e) => e.id === 'billing|grant-postgres');
 */
export function connectivityGraph(
  engine: PolicyEngine,
  catalog: Catalog,
  namespaces: readonly NamespaceObject[],
): ConnectivityGraph {
  const matrix = computeMatrix(engine, catalog, namespaces);
  const nodes = new Map<string, GraphNode>();
  const platform = new Set(catalog.platformNamespaces);
  for (const ns of namespaces) {
    const profile = profileOfNamespace(catalog, ns) ?? null;
    const isPlatform = platform.has(ns.name);
    const id = nodeId({ kind: 'pod', namespace: ns.name, labels: {} });
    nodes.set(id, {
      id,
      label: ns.name,
      kind: 'namespace',
      namespace: ns.name,
      profile,
      grants: grantsOfNamespace(catalog, ns),
      platform: isPlatform,
      escapeHatch: escapeHatchOfNamespace(catalog, ns),
      group: isPlatform ? 'platform' : profile !== null ? `profile:${profile}` : 'unprofiled',
    });
  }
  const cells: GraphEdge[] = [];
  for (const row of matrix.rows) {
    const self: Peer = { kind: 'pod', namespace: row.namespace, labels: {} };
    for (const column of matrix.columns) {
      const verdict = row.cells[column.id];
      const peer = cellPeer(column, row.namespace, catalog.applicationNamespaces);
      if (!peer || verdict === undefined) continue;
      const peerId = nodeId(peer);
      if (verdict === 'allowed' && !nodes.has(peerId)) nodes.set(peerId, peerNode(peer));
      const [source, destination] = column.direction === 'egress' ? [self, peer] : [peer, self];
      cells.push({
        id: `${row.namespace}|${column.id}`,
        source: nodeId(source),
        target: nodeId(destination),
        row: row.namespace,
        column: column.id,
        direction: column.direction,
        port: column.port,
        protocol: column.protocol,
        label: `${column.port}/${column.protocol}`,
        verdict,
        trace: {
          source: formatPeer(source),
          destination: formatPeer(destination),
          port: column.port,
          protocol: column.protocol,
        },
      });
    }
  }
  return {
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges: cells.filter((c) => c.verdict === 'allowed'),
    cells,
    matrix,
  };
}
