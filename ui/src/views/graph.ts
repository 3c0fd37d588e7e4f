import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import type { GraphNode } from '../../../src/workflows/analysis/connectivity-graph.js';
import { api, type GraphAnswer, type GraphEdgeJson } from '../api.js';
import { h, replace } from '../dom.js';
import { explanation } from '../explain.js';
import type { ViewContext } from '../main.js';
import { graphKeyboard } from './graph-keyboard.js';
import { layoutOnce } from './layout-cache.js';

cytoscape.use(dagre);

/** Above this many namespaces the graph starts grouped by profile. */
export const GROUP_THRESHOLD = 40;
/** At most this many matrix rows are drawn at once (a filter shows the others). */
const MATRIX_ROW_LIMIT = 150;

const PALETTE = ['#2f6fb3', '#2e8b57', '#b5651d', '#7b4fa0', '#0f8a8a', '#a23b5a', '#5d6d1e', '#3d4f9f'];

interface Filters {
  ns: string;
  port: string;
  dir: string;
}

interface ShownEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  members: GraphEdgeJson[];
}

function groupTitle(group: string): string {
  if (group.startsWith('profile:')) return `profile ${group.slice('profile:'.length)}`;
  if (group === 'platform') return 'platform namespaces';
  if (group === 'unprofiled') return 'no profile';
  return group;
}

function colourOf(groups: string[], group: string): string {
  if (group === 'platform') return '#555f6d';
  if (group === 'peers') return '#8a8f98';
  return PALETTE[groups.indexOf(group) % PALETTE.length] ?? '#2f6fb3';
}

function edgeMatches(e: GraphEdgeJson, f: Filters): boolean {
  if (f.ns !== '' && e.row !== f.ns) return false;
  if (f.port !== '' && `${e.port}/${e.protocol}` !== f.port) return false;
  if (f.dir !== '' && e.direction !== f.dir) return false;
  return true;
}

/**
 * What the graph draws for the filters and the grouping: namespaces of a folded group become one node
 * `group:<g>` and their edges merge per (source, target, port), keeping the cells they stand for.
 */
export function shownGraph(
  graph: GraphAnswer,
  f: Filters,
  grouped: boolean,
  expanded: ReadonlySet<string>,
): {
  nodes: { node: GraphNode | null; id: string; label: string; group: string; size: number }[];
  edges: ShownEdge[];
} {
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
  const nodes = new Map<
    string,
    { node: GraphNode | null; id: string; label: string; group: string; size: number }
  >();
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

/** The connectivity view: filters, the graph (cytoscape.js), the explanation panel and the matrix. */
export async function renderGraph(
  main: HTMLElement,
  params: URLSearchParams,
  ctx: ViewContext,
): Promise<void> {
  const started = performance.now();
  const graph = await api.graph();
  const groups = [...new Set(graph.nodes.map((n) => n.group))].filter((g) => g !== 'peers').sort();
  const namespaceCount = graph.nodes.filter((n) => n.kind === 'namespace').length;
  const groupSize = new Map<string, number>();
  for (const n of graph.nodes)
    if (n.group !== 'peers') groupSize.set(n.group, (groupSize.get(n.group) ?? 0) + 1);
  const filters: Filters = {
    ns: params.get('ns') ?? '',
    port: params.get('port') ?? '',
    dir: params.get('dir') ?? '',
  };
  let grouped = params.has('grouped') ? params.get('grouped') === '1' : namespaceCount > GROUP_THRESHOLD;
  const expanded = new Set((params.get('expand') ?? '').split(',').filter((g) => g !== ''));
  let selected = params.get('cell') ?? '';

  const saveQuery = () =>
    ctx.setQuery({
      ns: filters.ns,
      port: filters.port,
      dir: filters.dir,
      grouped: grouped === namespaceCount > GROUP_THRESHOLD ? '' : grouped ? '1' : '0',
      expand: [...expanded].join(','),
      cell: selected,
    });

  const ports = [...new Set(graph.matrix.columns.map((c) => `${c.port}/${c.protocol}`))].sort(
    (a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b),
  );
  const namespaces = graph.matrix.rows.map((r) => r.namespace);
  const select = (
    id: string,
    label: string,
    value: string,
    options: [string, string][],
    on: (v: string) => void,
  ) =>
    h(
      'label',
      null,
      `${label} `,
      h(
        'select',
        { id, onchange: (e: Event) => on((e.target as HTMLSelectElement).value) },
        options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
      ),
    );
  const panel = h(
    'aside',
    { class: 'panel', 'aria-labelledby': 'explain-title', id: 'explain' },
    h('h2', { id: 'explain-title' }, 'Explanation'),
    h('div', { id: 'explain-body' }, h('p', { class: 'muted' }, 'Click an edge or a cell of the matrix.')),
  );
  const explainBody = panel.querySelector('#explain-body') as HTMLElement;
  const groupBar = h('div', { class: 'groups', id: 'groups' });
  const canvas = h('div', {
    id: 'cy',
    class: 'graph',
    role: 'application',
    'aria-roledescription': 'graph',
    'aria-label':
      'Connectivity graph: allowed paths between namespaces and peers (the matrix below lists the same). Up and down arrows move between nodes, right and left arrows through the edges of a node, Enter explains an edge or expands a group, typing a name jumps to it.',
    'aria-describedby': 'graph-cursor',
  });
  const cursorLine = h(
    'p',
    { class: 'cursor muted', id: 'graph-cursor', 'aria-live': 'polite' },
    'Keyboard: Tab into the graph; ↑↓ nodes, →← their edges, Enter explains, or type a name.',
  );
  const legend = h('p', { class: 'muted legend', id: 'graph-summary' });
  const matrixBox = h('div', { class: 'matrix-box', id: 'matrix' });
  replace(
    main,
    h(
      'div',
      { class: 'toolbar', role: 'group', 'aria-label': 'Filters' },
      select(
        'f-ns',
        'Namespace',
        filters.ns,
        [['', 'all'], ...namespaces.map((n): [string, string] => [n, n])],
        (v) => {
          filters.ns = v;
          update();
        },
      ),
      select(
        'f-port',
        'Port',
        filters.port,
        [['', 'all'], ...ports.map((p): [string, string] => [p, p])],
        (v) => {
          filters.port = v;
          update();
        },
      ),
      select(
        'f-dir',
        'Direction',
        filters.dir,
        [
          ['', 'both'],
          ['egress', 'egress (namespace → peer)'],
          ['ingress', 'ingress (peer → namespace)'],
        ],
        (v) => {
          filters.dir = v;
          update();
        },
      ),
      h(
        'label',
        null,
        h('input', {
          type: 'checkbox',
          id: 'f-grouped',
          checked: grouped,
          onchange: (e: Event) => {
            grouped = (e.target as HTMLInputElement).checked;
            update();
          },
        }),
        ' group by profile',
      ),
    ),
    groupBar,
    h('div', { class: 'graph-row' }, h('div', { class: 'graph-col' }, canvas, cursorLine, legend), panel),
    h('h2', null, 'Matrix'),
    h(
      'p',
      { class: 'muted' },
      'One row per namespace (a pod with no labels), one column per kind of peer; ✓ allowed, · denied. Arrow keys move between cells, Enter explains.',
    ),
    matrixBox,
  );

  const cy = cytoscape({
    container: canvas,
    minZoom: 0.1,
    maxZoom: 3,
    style: [
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
    ],
  });
  (window as unknown as { netpolGraph: unknown }).netpolGraph = { cy, graph };

  async function explainCell(id: string): Promise<void> {
    selected = id;
    saveQuery();
    cy.$('edge.current').removeClass('current');
    cy.edges()
      .filter((e) => (e.data('cells') as string[]).includes(id))
      .addClass('current');
    for (const b of matrixBox.querySelectorAll('.cell.current')) b.classList.remove('current');
    matrixBox.querySelector(`[data-cell="${CSS.escape(id)}"]`)?.classList.add('current');
    replace(explainBody, h('p', { class: 'muted' }, 'tracing…'));
    try {
      const answer = await api.explain(id);
      const r = answer.cell.request;
      const link = `#/trace?${new URLSearchParams({ ...r, port: String(r.port) }).toString()}`;
      replace(
        explainBody,
        h(
          'p',
          { class: 'muted' },
          `Matrix cell ${answer.cell.row} × ${answer.cell.column}. `,
          h('a', { href: link }, 'open in Trace'),
        ),
        explanation(answer),
      );
    } catch (e) {
      replace(explainBody, h('p', { class: 'error', role: 'alert' }, (e as Error).message));
    }
  }

  function showMembers(edge: ShownEdge): void {
    replace(
      explainBody,
      h(
        'p',
        null,
        `${edge.members.length} paths (${edge.label.replace(/ ×\d+$/, '')}) from ${edge.source} to ${edge.target}:`,
      ),
      h(
        'ul',
        { class: 'members' },
        edge.members
          .slice(0, 100)
          .map((m) =>
            h(
              'li',
              null,
              h(
                'button',
                { type: 'button', class: 'link', onclick: () => void explainCell(m.id) },
                `${m.source} → ${m.target} ${m.label}`,
              ),
            ),
          ),
      ),
      edge.members.length > 100
        ? h('p', { class: 'muted' }, `… and ${edge.members.length - 100} more`)
        : null,
    );
  }

  function activateEdge(edge: cytoscape.EdgeSingular): void {
    const members = edge.data('members') as ShownEdge;
    if (members.members.length === 1 && members.members[0]) void explainCell(members.members[0].id);
    else showMembers(members);
  }
  function expandGroup(node: cytoscape.NodeSingular): boolean {
    if (node.data('kind') !== 'group') return false;
    expanded.add(node.data('group') as string);
    update();
    return true;
  }
  const keys = graphKeyboard(cy, canvas, {
    activateEdge,
    activateNode: expandGroup,
    announce: (text) => {
      cursorLine.classList.remove('muted');
      cursorLine.textContent = text;
    },
  });
  cy.on('tap', 'edge', (e) => {
    keys.moveTo(e.target);
    activateEdge(e.target);
  });
  cy.on('tap', 'node[kind = "group"]', (e) => {
    expandGroup(e.target);
  });

  function drawMatrix(): void {
    const columns = graph.matrix.columns.filter(
      (c) =>
        (filters.dir === '' || c.direction === filters.dir) &&
        (filters.port === '' || `${c.port}/${c.protocol}` === filters.port),
    );
    const rows = graph.matrix.rows.filter((r) => filters.ns === '' || r.namespace === filters.ns);
    const shown = rows.slice(0, MATRIX_ROW_LIMIT);
    const table = h(
      'table',
      { class: 'matrix' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'namespace'),
          columns.map((c) => h('th', { scope: 'col', title: c.title }, c.short)),
        ),
      ),
      h(
        'tbody',
        null,
        shown.map((r) =>
          h(
            'tr',
            null,
            h(
              'th',
              { scope: 'row' },
              r.namespace,
              h('span', { class: 'muted' }, r.platform ? ' platform' : r.profile ? ` ${r.profile}` : ''),
            ),
            columns.map((c) => {
              const id = `${r.namespace}|${c.id}`;
              const verdict = r.cells[c.id];
              if (verdict === undefined) return h('td', null, '');
              return h(
                'td',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: `cell ${verdict}${id === selected ? ' current' : ''}`,
                    'data-cell': id,
                    tabindex: -1,
                    'aria-label': `${r.namespace}, ${c.title}: ${verdict}`,
                    onclick: () => void explainCell(id),
                  },
                  verdict === 'allowed' ? '✓' : '·',
                ),
              );
            }),
          ),
        ),
      ),
    );
    const first =
      table.querySelector<HTMLButtonElement>('.current') ?? table.querySelector<HTMLButtonElement>('.cell');
    if (first) first.tabIndex = 0;
    table.addEventListener('keydown', (e) => matrixKeys(table, e));
    replace(
      matrixBox,
      table,
      rows.length > shown.length
        ? h(
            'p',
            { class: 'muted' },
            `${shown.length} of ${rows.length} rows; choose a namespace to see the others.`,
          )
        : null,
    );
  }

  function update(): void {
    saveQuery();
    const shown = shownGraph(graph, filters, grouped, expanded);
    const isPeer = (id: string) => shown.nodes.find((n) => n.id === id)?.group === 'peers';
    cy.batch(() => {
      cy.elements().remove();
      cy.add([
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
          // The port is written next to the peer: edges fanning out of one gateway share one readable label.
          classes: isPeer(e.source) ? 'at-source' : isPeer(e.target) ? 'at-target' : '',
          data: {
            id: `e:${e.id}`,
            source: e.source,
            target: e.target,
            label: e.label,
            cells: e.members.map((m) => m.id),
            members: e,
          },
        })),
      ]);
    });
    if (filters.ns !== '') cy.$id(filters.ns).addClass('focus');
    // Layered from left to right by dagre: the peers that only send (gateways, scrapers), the namespaces, the
    // namespaces they reach (shared resources), then the peers that only receive (DNS, world, the API server).
    const reused = layoutOnce(cy, {
      name: 'dagre',
      rankDir: 'LR',
      ranker: 'network-simplex',
      nodeSep: 26,
      rankSep: 120,
      animate: false,
    } as cytoscape.LayoutOptions);
    document.body.dataset.layout = reused ? 'saved' : 'dagre';
    cy.fit(undefined, 20);
    const folded = groups.filter((g) => grouped && !expanded.has(g));
    replace(
      groupBar,
      grouped && groups.length > 0
        ? [
            h('span', { class: 'muted' }, 'Groups: '),
            groups.map((g) =>
              h(
                'button',
                {
                  type: 'button',
                  'aria-pressed': expanded.has(g) ? 'true' : 'false',
                  onclick: () => {
                    if (expanded.has(g)) expanded.delete(g);
                    else expanded.add(g);
                    update();
                  },
                },
                `${expanded.has(g) ? 'fold' : 'expand'} ${groupTitle(g)} (${groupSize.get(g) ?? 0})`,
              ),
            ),
          ]
        : null,
    );
    legend.textContent = `${shown.edges.length} edges (${shown.edges.reduce((n, e) => n + e.members.length, 0)} allowed paths), ${shown.nodes.length} nodes${folded.length > 0 ? `; ${folded.length} groups folded` : ''}. Shapes: rectangle namespace, circle workload, diamond world or reserved identity; red border: escape hatch on.`;
    keys.refresh();
    drawMatrix();
    document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  }

  update();
  if (selected !== '') await explainCell(selected);
}

function matrixKeys(table: HTMLTableElement, e: KeyboardEvent): void {
  const target = e.target as HTMLElement;
  if (!target.classList.contains('cell')) return;
  const cell = target.closest('td') as HTMLTableCellElement;
  const row = cell.parentElement as HTMLTableRowElement;
  let r = row.sectionRowIndex;
  let c = cell.cellIndex;
  const body = table.tBodies[0] as HTMLTableSectionElement;
  const moves: Record<string, [number, number]> = {
    ArrowUp: [-1, 0],
    ArrowDown: [1, 0],
    ArrowLeft: [0, -1],
    ArrowRight: [0, 1],
  };
  const move = moves[e.key];
  if (!move) return;
  e.preventDefault();
  for (let step = 0; step < 200; step++) {
    r += move[0];
    c += move[1];
    const next = body.rows[r]?.cells[c]?.querySelector<HTMLButtonElement>('.cell');
    if (!body.rows[r] || c < 1 || c >= (body.rows[r]?.cells.length ?? 0)) return;
    if (next) {
      target.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
      return;
    }
  }
}
