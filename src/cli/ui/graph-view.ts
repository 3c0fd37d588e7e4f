import type cytoscape from 'cytoscape';
import type { GraphNode } from '../../workflows/analysis/connectivity-graph.js';
import type { graphJson } from '../output/graph.js';

/**
 * What the connectivity view of `netpol ui` draws, shared by the page (ui/src/views/graph.ts) and the server,
 * which lays out the view a page opens on (src/cli/ui/graph-layout.ts): both build the same cytoscape.js
 * elements in the same order with the same style, so dagre puts every node at the same place on either side.
 * Pure: no DOM, no cytoscape instance.
 */

/** `/api/graph` without the layout: nodes, allowed edges, the matrix. */
export type GraphJson = ReturnType<typeof graphJson>;

/** An edge of {@link GraphJson}. */
export type GraphEdgeJson = GraphJson['edges'][number];

/** The filters of the view; `''` means all. */
export interface GraphFilters {
  /** A matrix row (namespace): only its edges. */
  readonly ns: string;
  /** `5432/TCP`: only edges of this port and protocol. */
  readonly port: string;
  /** `egress` or `ingress`: only edges of this direction. */
  readonly dir: string;
}

/** No filter: the view a page opens on. */
export const NO_FILTERS: GraphFilters = { ns: '', port: '', dir: '' };

/** Above this many namespaces the graph starts grouped by profile. */
export const GROUP_THRESHOLD = 40;

/** A node as drawn: a node of the graph, or a folded group of namespaces (`group:<group>`, `node` null). */
export interface ShownNode {
  readonly node: GraphNode | null;
  readonly id: string;
  label: string;
  readonly group: string;
  /** Namespaces the node stands for (1 for a node of the graph). */
  size: number;
}

/** An edge as drawn: one allowed path, or the paths of folded nodes merged per (source, target, port). */
export interface ShownEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** `5432/TCP`, with ` ×N` when it stands for N paths. */
  label: string;
  /** The allowed paths (matrix cells) the edge stands for. */
  readonly members: GraphEdgeJson[];
}

/** Whether a graph starts grouped by profile: more than {@link GROUP_THRESHOLD} namespaces. */
export function startsGrouped(graph: GraphJson): boolean {
  return graph.nodes.filter((n) => n.kind === 'namespace').length > GROUP_THRESHOLD;
}

/** The groups namespaces fold into (`profile:<name>`, `platform`, `unprofiled`), sorted; peers are in none. */
export function graphGroups(graph: GraphJson): string[] {
  return [...new Set(graph.nodes.map((n) => n.group))].filter((g) => g !== 'peers').sort();
}

/** The title of a group: `profile standard`, `platform namespaces`, `no profile`. */
export function groupTitle(group: string): string {
  if (group.startsWith('profile:')) return `profile ${group.slice('profile:'.length)}`;
  if (group === 'platform') return 'platform namespaces';
  if (group === 'unprofiled') return 'no profile';
  return group;
}

const PALETTE = ['#2f6fb3', '#2e8b57', '#b5651d', '#7b4fa0', '#0f8a8a', '#a23b5a', '#5d6d1e', '#3d4f9f'];

function colourOf(groups: readonly string[], group: string): string {
  if (group === 'platform') return '#555f6d';
  if (group === 'peers') return '#8a8f98';
  return PALETTE[groups.indexOf(group) % PALETTE.length] ?? '#2f6fb3';
}

function edgeMatches(e: GraphEdgeJson, f: GraphFilters): boolean {
  if (f.ns !== '' && e.row !== f.ns) return false;
  if (f.port !== '' && `${e.port}/${e.protocol}` !== f.port) return false;
  if (f.dir !== '' && e.direction !== f.dir) return false;
  return true;
}

/**
 * What the graph draws for the filters and the grouping: namespaces of a folded group become one node
 * `group:<g>` and their edges merge per (source, target, port), keeping the cells they stand for.
 * @param graph - `/api/graph`.
 * @param f - the filters.
 * @param grouped - whether namespaces fold into their groups.
 * @param expanded - groups shown unfolded although `grouped`.
 */
export function shownGraph(
  graph: GraphJson,
  f: GraphFilters,
  grouped: boolean,
  expanded: ReadonlySet<string>,
): { nodes: ShownNode[]; edges: ShownEdge[] } {
  const filtering = f.ns !== '' || f.port !== '' || f.dir !== '';
  const edges = graph.edges.filter((e) => edgeMatches(e, f));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const fold = (id: string): string => {
    const n = byId.get(id);
    if (!grouped || !n || n.group === 'peers' || expanded.has(n.group)) return id;
    return `group:${n.group}`;
  };
  const used = new Set<string>();
  for (const e of edges) {
    used.add(e.source);
    used.add(e.target);
  }
  if (f.ns !== '') used.add(f.ns);
  const visible = graph.nodes.filter((n) =>
    filtering ? used.has(n.id) : n.kind === 'namespace' || used.has(n.id),
  );
  const nodes = new Map<string, ShownNode>();
  for (const n of visible) {
    const id = fold(n.id);
    const existing = nodes.get(id);
    if (existing) existing.size++;
    else if (id === n.id) nodes.set(id, { node: n, id, label: n.label, group: n.group, size: 1 });
    else nodes.set(id, { node: null, id, label: groupTitle(n.group), group: n.group, size: 1 });
  }
  for (const g of nodes.values()) if (g.node === null) g.label = `${g.label} (${g.size})`;
  const merged = new Map<string, ShownEdge>();
  for (const e of edges) {
    const source = fold(e.source);
    const target = fold(e.target);
    const key = source === e.source && target === e.target ? e.id : `${source}→${target}|${e.label}`;
    const m = merged.get(key);
    if (m) m.members.push(e);
    else merged.set(key, { id: key, source, target, label: e.label, members: [e] });
  }
  for (const m of merged.values()) if (m.members.length > 1) m.label = `${m.label} ×${m.members.length}`;
  return { nodes: [...nodes.values()], edges: [...merged.values()] };
}

/**
 * The cytoscape.js elements of a shown graph, nodes then edges in the order of {@link shownGraph} (dagre's
 * result depends on it): node data `kind` (`namespace`, `workload`, `world`, `reserved`, `group`), `group`,
 * `escapeHatch` and `colour`; edge data `cells` (the matrix cells) and `members` (the {@link ShownEdge}). The
 * port label of an edge to or from a peer is drawn at the peer's end (class `at-source`/`at-target`), so the
 * edges fanning out of one gateway share one readable label.
 * @param shown - from {@link shownGraph}.
 * @param groups - from {@link graphGroups} (the colours follow its order).
 */
export function graphElements(
  shown: { readonly nodes: readonly ShownNode[]; readonly edges: readonly ShownEdge[] },
  groups: readonly string[],
): cytoscape.ElementDefinition[] {
  const peers = new Set(shown.nodes.filter((n) => n.group === 'peers').map((n) => n.id));
  return [
    ...shown.nodes.map((n) => ({
      group: 'nodes' as const,
      data: {
        id: n.id,
        label: n.label,
        kind: n.node ? n.node.kind : 'group',
        group: n.group,
        escapeHatch: n.node?.escapeHatch ?? false,
        colour: colourOf(groups, n.group),
      },
    })),
    ...shown.edges.map((e) => ({
      group: 'edges' as const,
      classes: peers.has(e.source) ? 'at-source' : peers.has(e.target) ? 'at-target' : '',
      data: {
        id: `e:${e.id}`,
        source: e.source,
        target: e.target,
        label: e.label,
        cells: e.members.map((m) => m.id),
        members: e,
      },
    })),
  ];
}

/**
 * The drawn elements as one string: node ids, then edges as source→target, each sorted. Two views with the
 * same key have the same layout.
 */
export function elementsKey(elements: readonly cytoscape.ElementDefinition[]): string {
  const nodes: string[] = [];
  const edges: string[] = [];
  for (const el of elements) {
    if (el.group === 'edges') edges.push(`${el.data.source}→${el.data.target}`);
    else nodes.push(String(el.data.id));
  }
  return `${nodes.sort().join('\n')}\n\n${edges.sort().join('\n')}`;
}

/**
 * Layered from left to right by dagre: the peers that only send (gateways, scrapers), the namespaces, the
 * namespaces they reach (shared resources), then the peers that only receive (DNS, world, the API server).
 */
export const GRAPH_LAYOUT = {
  name: 'dagre',
  rankDir: 'LR',
  ranker: 'network-simplex',
  nodeSep: 26,
  rankSep: 120,
  animate: false,
} as cytoscape.LayoutOptions;

/** The graph's cytoscape.js style; node sizes and borders (what dagre reads) are the same on the server. */
export const GRAPH_STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': 11,
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'background-color': 'data(colour)',
      width: 18,
      height: 18,
      color: '#1d232b',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.75,
      'text-background-padding': '1px',
    },
  },
  { selector: 'node[kind = "namespace"]', style: { shape: 'round-rectangle', width: 26, height: 18 } },
  {
    selector: 'node[kind = "group"]',
    style: { shape: 'round-rectangle', width: 46, height: 30, 'font-weight': 'bold' },
  },
  { selector: 'node[kind = "world"], node[kind = "reserved"]', style: { shape: 'diamond' } },
  { selector: 'node[?escapeHatch]', style: { 'border-width': 3, 'border-color': '#c62828' } },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'curve-style': 'bezier',
      'target-arrow-shape': 'triangle',
      'line-color': '#9aa4b2',
      'target-arrow-color': '#9aa4b2',
      label: 'data(label)',
      'font-size': 9,
      color: '#3b4450',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
    },
  },
  {
    selector: 'edge.at-source',
    style: { label: '', 'source-label': 'data(label)', 'source-text-offset': 34 },
  },
  {
    selector: 'edge.at-target',
    style: { label: '', 'target-label': 'data(label)', 'target-text-offset': 34 },
  },
  {
    selector: 'edge:selected, edge.current',
    style: { 'line-color': '#d9480f', 'target-arrow-color': '#d9480f', width: 3, 'z-index': 10 },
  },
  { selector: 'node.focus', style: { 'border-width': 3, 'border-color': '#d9480f' } },
  {
    selector: 'node.kbd',
    style: { 'border-width': 4, 'border-color': '#1c5fd6', 'border-style': 'double' },
  },
  {
    selector: 'edge.kbd',
    style: {
      'line-color': '#1c5fd6',
      'target-arrow-color': '#1c5fd6',
      'line-style': 'dashed',
      width: 3.5,
      'z-index': 11,
    },
  },
];

/** Node positions of a laid-out view, keyed by {@link elementsKey}. */
export interface GraphLayout {
  /** FNV-1a of {@link elementsKey}: the view these positions are for. */
  readonly key: string;
  /** Node id → [x, y] in model coordinates (the page fits them to its canvas). */
  readonly positions: Readonly<Record<string, readonly [number, number]>>;
}

/** FNV-1a (32 bits) of a string, in hex: a short key. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
