import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRepo } from '../../../bench/repo/generate-repo.js';
import { graphJson } from '../../../src/cli/output/graph.js';
import { layoutGraphView } from '../../../src/cli/ui/graph-layout.js';
import {
  elementsKey,
  fnv1a,
  type GraphFilters,
  type GraphJson,
  graphElements,
  graphGroups,
  NO_FILTERS,
  shownGraph,
  startsGrouped,
} from '../../../src/cli/ui/graph-view.js';
import { connectivityGraph } from '../../../src/workflows/analysis/connectivity-graph.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { useRepo } from '../../helpers/use-repo.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');

async function graphOf(root: string): Promise<GraphJson> {
  const loaded = await loadForAnalysis({ root });
  return graphJson(connectivityGraph(loaded.engine, loaded.catalog, loaded.repo.namespaces));
}

describe('shownGraph', () => {
  it.each<[string, GraphFilters, boolean, string[], [number, number, number]]>([
    ['no filter', NO_FILTERS, false, [], [19, 44, 44]],
    ['egress only', { ns: '', port: '', dir: 'egress' }, false, [], [16, 24, 24]],
    ['one namespace', { ns: 'billing', port: '', dir: '' }, false, [], [7, 6, 6]],
    ['one port', { ns: '', port: '5432/TCP', dir: '' }, false, [], [3, 2, 2]],
    // 5 groups (4 profiles, platform) and 6 peers; paths between namespaces of one group merge into one edge.
    ['grouped', NO_FILTERS, true, [], [11, 24, 44]],
    ['grouped, standard expanded', NO_FILTERS, true, ['profile:standard'], [12, 29, 44]],
  ])('the example, %s: nodes, edges, allowed paths', async (_, filters, grouped, expanded, expected) => {
    const shown = shownGraph(await graphOf(HOMELAB), filters, grouped, new Set(expanded));
    expect([
      shown.nodes.length,
      shown.edges.length,
      shown.edges.reduce((n, e) => n + e.members.length, 0),
    ]).toEqual(expected);
  });
});

describe('layoutGraphView', () => {
  it('places every node of the view a page opens on, keyed by its drawn elements, the same each time', async () => {
    const graph = await graphOf(HOMELAB);
    const layout = layoutGraphView(graph);
    const shown = shownGraph(graph, NO_FILTERS, false, new Set());
    expect(Object.keys(layout.positions).sort()).toEqual(shown.nodes.map((n) => n.id).sort());
    expect(layout.key).toBe(fnv1a(elementsKey(graphElements(shown, graphGroups(graph)))));
    expect(layoutGraphView(graph)).toEqual(layout);
    // Left to right: the gateways that only send, the namespaces, ..., DNS that only receives.
    const xs = Object.values(layout.positions).map(([x]) => x);
    expect(layout.positions['istio-gateway/gateway.networking.k8s.io/gateway-name=external']?.[0]).toBe(
      Math.min(...xs),
    );
    expect(layout.positions['kube-system/k8s-app=kube-dns']?.[0]).toBe(Math.max(...xs));
  });

  it('lays out a large repository grouped by profile, as the page opens it', async () => {
    const graph = await graphOf(useRepo(generateRepo({ namespaces: 120 })).root);
    expect(startsGrouped(graph)).toBe(true);
    const layout = layoutGraphView(graph);
    expect(
      Object.keys(layout.positions)
        .filter((id) => id.startsWith('group:'))
        .sort(),
    ).toEqual([
      'group:platform',
      'group:profile:internal',
      'group:profile:internal-egress',
      'group:profile:isolated',
      'group:profile:standard',
    ]);
    expect(layout.key).not.toBe(layoutGraphView(graph, { grouped: false }).key);
  });
});
