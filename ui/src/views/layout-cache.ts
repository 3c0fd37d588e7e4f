import type cytoscape from 'cytoscape';

const PREFIX = 'netpol-layout:';
const INDEX = `${PREFIX}index`;
/** Layouts kept per tab (the oldest goes first). */
const KEEP = 20;

interface Saved {
  readonly edges: number;
  readonly positions: Record<string, readonly [number, number]>;
}

/** The drawn elements as one string: node ids, then edges as source→target, each sorted. */
function elementsKey(cy: cytoscape.Core): string {
  const nodes = cy
    .nodes()
    .map((n) => n.id())
    .sort();
  const edges = cy
    .edges()
    .map((e) => `${e.source().id()}→${e.target().id()}`)
    .sort();
  return `${nodes.join('\n')}\n\n${edges.join('\n')}`;
}

/** FNV-1a (32 bits) of a string, in hex: a short storage key. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function read(key: string): Saved | null {
  try {
    const text = sessionStorage.getItem(key);
    return text ? (JSON.parse(text) as Saved) : null;
  } catch {
    return null;
  }
}

function save(key: string, value: Saved): void {
  try {
    const index = (JSON.parse(sessionStorage.getItem(INDEX) ?? '[]') as string[]).filter((k) => k !== key);
    index.push(key);
    while (index.length > KEEP) sessionStorage.removeItem(index.shift() as string);
    sessionStorage.setItem(key, JSON.stringify(value));
    sessionStorage.setItem(INDEX, JSON.stringify(index));
  } catch {
    // storage full or disabled: the layout is simply computed again next time
  }
}

/**
 * Runs `layout` (dagre) on the drawn elements, or, when this tab already laid out exactly these nodes and edges
 * (sessionStorage, keyed by their ids and ends), puts each node where the layout put it then: a reload of the
 * page, a repository reload that changes no path, or a return to the same filters neither runs the layout again
 * nor moves the picture. At most 20 layouts are kept per tab.
 * @param cy - the graph, with its elements added.
 * @param layout - the layout to run when nothing is saved.
 * @returns whether the saved positions were used.
 */
export function layoutOnce(cy: cytoscape.Core, layout: cytoscape.LayoutOptions): boolean {
  const key = `${PREFIX}${fnv1a(elementsKey(cy))}`;
  const saved = read(key);
  const nodes = cy.nodes();
  if (
    saved &&
    saved.edges === cy.edges().length &&
    Object.keys(saved.positions).length === nodes.length &&
    nodes.every((n) => saved.positions[(n as cytoscape.NodeSingular).id()] !== undefined)
  ) {
    nodes.positions((n) => {
      const [x, y] = saved.positions[(n as cytoscape.NodeSingular).id()] as readonly [number, number];
      return { x, y };
    });
    return true;
  }
  cy.layout(layout).run();
  const positions: Record<string, readonly [number, number]> = {};
  for (const n of nodes) positions[n.id()] = [n.position('x'), n.position('y')];
  save(key, { edges: cy.edges().length, positions });
  return false;
}
