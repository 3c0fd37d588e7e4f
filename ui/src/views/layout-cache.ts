import type cytoscape from 'cytoscape';
import { elementsKey, fnv1a, type GraphLayout } from '../../../src/cli/ui/graph-view.js';

const PREFIX = 'netpol-layout:';
const INDEX = `${PREFIX}index`;
/** Layouts kept per tab (the oldest goes first). */
const KEEP = 20;

interface Saved {
  readonly edges: number;
  readonly positions: Record<string, readonly [number, number]>;
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

/** Whether `positions` places every node of `cy` (and no other). */
function placesEvery(
  cy: cytoscape.Core,
  positions: Readonly<Record<string, readonly [number, number]>>,
): boolean {
  const nodes = cy.nodes();
  return (
    Object.keys(positions).length === nodes.length &&
    nodes.every((n) => positions[(n as cytoscape.NodeSingular).id()] !== undefined)
  );
}

function place(cy: cytoscape.Core, positions: Readonly<Record<string, readonly [number, number]>>): void {
  cy.nodes().positions((n) => {
    const [x, y] = positions[(n as cytoscape.NodeSingular).id()] as readonly [number, number];
    return { x, y };
  });
}

/**
 * Places the drawn elements without running dagre when their layout is known: first the server's layout of the
 * view a page opens on (`/api/graph`'s `layout`, computed with the same libraries, style and element order),
 * then the positions this tab saved for exactly these nodes and edges (sessionStorage, keyed by their ids and
 * ends: a reload, a repository reload that changes no path, a return to the same filters); otherwise runs
 * `layout` (dagre) and saves its positions. At most 20 layouts are kept per tab.
 * @param cy - the graph, with `elements` added.
 * @param elements - the elements added, as given to cytoscape.
 * @param layout - the layout to run when nothing is known.
 * @param known - the server's layout, or null.
 * @returns `server`, `saved` or `dagre`: where the positions came from.
 */
export function layoutOnce(
  cy: cytoscape.Core,
  elements: readonly cytoscape.ElementDefinition[],
  layout: cytoscape.LayoutOptions,
  known: GraphLayout | null,
): 'server' | 'saved' | 'dagre' {
  const hash = fnv1a(elementsKey(elements));
  if (known && known.key === hash && placesEvery(cy, known.positions)) {
    place(cy, known.positions);
    return 'server';
  }
  const key = `${PREFIX}${hash}`;
  const saved = read(key);
  if (saved && saved.edges === cy.edges().length && placesEvery(cy, saved.positions)) {
    place(cy, saved.positions);
    return 'saved';
  }
  cy.layout(layout).run();
  const positions: Record<string, readonly [number, number]> = {};
  for (const n of cy.nodes()) positions[n.id()] = [n.position('x'), n.position('y')];
  save(key, { edges: cy.edges().length, positions });
  return 'dagre';
}
