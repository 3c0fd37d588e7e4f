import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import {
  GRAPH_LAYOUT,
  GRAPH_STYLE,
  type GraphFilters,
  graphElements,
  graphGroups,
  groupTitle,
  type ShownEdge,
  shownGraph,
  startsGrouped,
} from '../../../src/cli/ui/graph-view.js';
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { explanation } from '../explain.js';
import type { ViewContext } from '../main.js';
import { graphKeyboard } from './graph-keyboard.js';
import { layoutOnce } from './layout-cache.js';

cytoscape.use(dagre);

/** At most this many matrix rows are drawn at once (a filter shows the others). */
const MATRIX_ROW_LIMIT = 150;

/** The connectivity view: filters, the graph (cytoscape.js), the explanation panel and the matrix. */
export async function renderGraph(
  main: HTMLElement,
  params: URLSearchParams,
  ctx: ViewContext,
): Promise<void> {
  const started = performance.now();
  const graph = await api.graph();
  performance.mark('graph:data');
  const groups = graphGroups(graph);
  const groupedFirst = startsGrouped(graph);
  const groupSize = new Map<string, number>();
  for (const n of graph.nodes)
    if (n.group !== 'peers') groupSize.set(n.group, (groupSize.get(n.group) ?? 0) + 1);
  const filters: { -readonly [K in keyof GraphFilters]: GraphFilters[K] } = {
    ns: params.get('ns') ?? '',
    port: params.get('port') ?? '',
    dir: params.get('dir') ?? '',
  };
  let grouped = params.has('grouped') ? params.get('grouped') === '1' : groupedFirst;
  const expanded = new Set((params.get('expand') ?? '').split(',').filter((g) => g !== ''));
  let selected = params.get('cell') ?? '';

  const saveQuery = () =>
    ctx.setQuery({
      ns: filters.ns,
      port: filters.port,
      dir: filters.dir,
      grouped: grouped === groupedFirst ? '' : grouped ? '1' : '0',
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
    style: GRAPH_STYLE,
  });
  performance.mark('graph:cytoscape');
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
    const elements = graphElements(shown, groups);
    cy.batch(() => {
      cy.elements().remove();
      cy.add(elements);
    });
    performance.mark('graph:elements');
    if (filters.ns !== '') cy.$id(filters.ns).addClass('focus');
    // Known when the view is the one the server laid out (the first render) or one this tab laid out before.
    const from = layoutOnce(cy, elements, GRAPH_LAYOUT, graph.layout);
    performance.mark('graph:layout');
    document.body.dataset.layout = from;
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
    performance.mark('graph:matrix');
    document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  }

  // Ready once cytoscape has drawn its first frame (or after 500 ms, should no frame come): the graph is on screen.
  const drawn = new Promise<void>((resolve) => {
    cy.one('render', () => resolve());
    setTimeout(resolve, 500);
  });
  update();
  await drawn;
  performance.mark('graph:drawn');
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
