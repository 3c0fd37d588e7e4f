import type cytoscape from 'cytoscape';

/** What the keys do to the graph's elements (the same as a click). */
export interface GraphKeyboardActions {
  /** Enter on an edge: explain it (or list the paths a merged edge stands for). */
  activateEdge(edge: cytoscape.EdgeSingular): void;
  /** Enter on a folded group: expand it. Returns false when the node has nothing to do on Enter. */
  activateNode(node: cytoscape.NodeSingular): boolean;
  /** Says what the cursor is on, in a sentence (shown under the graph, in a polite live region). */
  announce(text: string): void;
}

/** The keyboard cursor of a graph canvas. */
export interface GraphKeyboard {
  /** Keeps the cursor on its element after the elements were replaced (filters, folding), else forgets it. */
  refresh(): void;
  /** Puts the cursor on an element, e.g. the edge a click chose. */
  moveTo(ele: cytoscape.SingularElementArgument): void;
}

/** How long typed letters make one word for jumping to a node by its name. */
const TYPEAHEAD_MS = 1000;

function kindText(node: cytoscape.NodeSingular): string {
  const kind = node.data('kind') as string;
  if (kind === 'group') return 'folded group';
  if (kind === 'world') return 'outside the cluster';
  if (kind === 'reserved') return 'reserved identity';
  return kind;
}

/**
 * Makes the graph canvas usable by keyboard: the container is one tab stop (`role="application"`, so screen
 * readers pass the keys through), and a cursor walks the drawn elements. ↑/↓ (and Home/End) move between nodes in
 * reading order (the layout's columns, left to right, each top to bottom); →/← move through the edges of the
 * node (outgoing first), Escape goes back to the node; Enter on an edge does what a click does (the explanation),
 * on a folded group expands it, on another node goes to its first edge; typing a name (spaces included once a name
 * is begun) jumps to the first node whose label starts with it. The cursor is drawn with the `kbd` class and kept in view, and each move is announced.
 * @param cy - the graph.
 * @param container - the element cytoscape draws in (gets `tabindex="0"` and the key handler).
 * @param actions - what Enter does, and where the cursor is announced.
 */
export function graphKeyboard(
  cy: cytoscape.Core,
  container: HTMLElement,
  actions: GraphKeyboardActions,
): GraphKeyboard {
  let nodeId: string | null = null;
  let edgeId: string | null = null;
  let typed = '';
  let typedAt = 0;
  container.tabIndex = 0;

  const nodesInOrder = (): cytoscape.NodeSingular[] =>
    cy
      .nodes()
      .toArray()
      .map((n) => n as cytoscape.NodeSingular)
      .sort((a, b) => a.position('x') - b.position('x') || a.position('y') - b.position('y'));

  const edgesOf = (node: cytoscape.NodeSingular): cytoscape.EdgeSingular[] => {
    const y = (e: cytoscape.EdgeSingular, out: boolean) => (out ? e.target() : e.source()).position('y');
    const out = node
      .outgoers('edge')
      .toArray()
      .map((e) => e as cytoscape.EdgeSingular)
      .sort((a, b) => y(a, true) - y(b, true));
    const incoming = node
      .incomers('edge')
      .toArray()
      .map((e) => e as cytoscape.EdgeSingular)
      .sort((a, b) => y(a, false) - y(b, false));
    return [...out, ...incoming];
  };

  const current = (): cytoscape.SingularElementArgument | null => {
    const id = edgeId ?? nodeId;
    if (id === null) return null;
    const ele = cy.getElementById(id);
    return ele.nonempty() ? (ele as cytoscape.SingularElementArgument) : null;
  };

  const describe = (): string => {
    const node = nodeId === null ? null : cy.getElementById(nodeId);
    if (!node || node.empty() || !node.isNode()) return 'No element: the graph is empty for these filters.';
    const edges = edgesOf(node);
    if (edgeId !== null) {
      const edge = cy.getElementById(edgeId) as cytoscape.EdgeSingular;
      const at = edges.findIndex((e) => e.id() === edgeId) + 1;
      const merged = (edge.data('cells') as string[]).length;
      return `Edge ${edge.source().data('label')} → ${edge.target().data('label')}, ${edge.data('label')} (edge ${at} of ${edges.length} of ${node.data('label')}). Enter ${merged > 1 ? `lists its ${merged} paths` : 'explains it'}, Escape goes back to the node.`;
    }
    const out = node.outgoers('edge').length;
    const incoming = node.incomers('edge').length;
    const enter =
      node.data('kind') === 'group' ? ' Enter expands it.' : edges.length > 0 ? ' → walks its edges.' : '';
    return `${node.data('label')} (${kindText(node)}): ${out} edge(s) out, ${incoming} in.${enter}`;
  };

  const show = (): void => {
    cy.elements('.kbd').removeClass('kbd');
    const ele = current();
    if (!ele) {
      actions.announce(describe());
      return;
    }
    ele.addClass('kbd');
    const box = ele.renderedBoundingBox({});
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height()) cy.center(ele);
    actions.announce(describe());
  };

  const moveNode = (to: cytoscape.NodeSingular | undefined): void => {
    if (!to) return;
    nodeId = to.id();
    edgeId = null;
    show();
  };

  const step = (list: readonly cytoscape.SingularElementArgument[], id: string | null, by: number) => {
    const at = list.findIndex((e) => e.id() === id);
    if (at === -1) return by > 0 ? list[0] : list[list.length - 1];
    return list[(at + by + list.length) % list.length];
  };

  const moveEdge = (by: number): void => {
    const node = nodeId === null ? null : cy.getElementById(nodeId);
    if (!node || node.empty() || !node.isNode()) return;
    const next = step(edgesOf(node), edgeId, by);
    if (!next) return;
    edgeId = next.id();
    show();
  };

  container.addEventListener('focus', () => {
    if (current() === null) moveNode(nodesInOrder()[0]);
    else show();
  });

  container.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const nodes = nodesInOrder();
    const typing = typed !== '' && e.timeStamp - typedAt <= TYPEAHEAD_MS;
    if (e.key.length === 1 && (e.key !== ' ' || typing)) {
      typed = typing ? typed + e.key : e.key;
      typedAt = e.timeStamp;
      const word = typed.toLowerCase();
      moveNode(nodes.find((n) => String(n.data('label')).toLowerCase().startsWith(word)));
      e.preventDefault();
      return;
    }
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        moveNode(step(nodes, nodeId, 1) as cytoscape.NodeSingular | undefined);
        break;
      case 'ArrowUp':
        moveNode(step(nodes, nodeId, -1) as cytoscape.NodeSingular | undefined);
        break;
      case 'Home':
        moveNode(nodes[0]);
        break;
      case 'End':
        moveNode(nodes[nodes.length - 1]);
        break;
      case 'ArrowRight':
        moveEdge(1);
        break;
      case 'ArrowLeft':
        moveEdge(-1);
        break;
      case 'Escape':
        if (edgeId === null) handled = false;
        else {
          edgeId = null;
          show();
        }
        break;
      case 'Enter':
      case ' ': {
        const ele = current();
        if (ele?.isEdge()) actions.activateEdge(ele);
        else if (ele?.isNode() && !actions.activateNode(ele)) moveEdge(1);
        break;
      }
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  });

  return {
    refresh: () => {
      if (nodeId !== null && cy.getElementById(nodeId).empty()) nodeId = null;
      if (edgeId !== null && cy.getElementById(edgeId).empty()) edgeId = null;
      if (document.activeElement === container) {
        if (nodeId === null) moveNode(nodesInOrder()[0]);
        else show();
      } else if (current() !== null) show();
    },
    moveTo: (ele) => {
      if (ele.isNode()) {
        nodeId = ele.id();
        edgeId = null;
      } else {
        const edge = ele as cytoscape.EdgeSingular;
        if (nodeId !== edge.source().id() && nodeId !== edge.target().id()) nodeId = edge.source().id();
        edgeId = edge.id();
      }
      show();
    },
  };
}
