import type { ConnectivityGraph } from '../../workflows/analysis/connectivity-graph.js';
import { matrixJson } from './matrix.js';

/**
 * The graph as the page needs it: nodes, the allowed edges without their flow (`/api/explain?cell=` traces
 * a cell by id), and the matrix as `netpol matrix -o json` prints it. For 1,000 namespaces this is about a
 * quarter of the full object.
 */
export function graphJson(g: ConnectivityGraph) {
  return {
    nodes: g.nodes,
    edges: g.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      row: e.row,
      column: e.column,
      direction: e.direction,
      port: e.port,
      protocol: e.protocol,
      label: e.label,
    })),
    matrix: matrixJson(g.matrix),
  };
}
