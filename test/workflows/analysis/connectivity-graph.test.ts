import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectivityGraph } from '../../../src/workflows/analysis/connectivity-graph.js';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { computeMatrix } from '../../../src/workflows/analysis/matrix.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
let loaded: LoadedRepo;
beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB });
});

describe('connectivityGraph', () => {
  it('has one edge per allowed matrix cell and nothing else', () => {
    const g = connectivityGraph(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    const allowed = m.rows.flatMap((r) =>
      Object.entries(r.cells)
        .filter(([, v]) => v === 'allowed')
        .map(([c]) => `${r.namespace}|${c}`),
    );
    expect(g.edges.map((e) => e.id).sort()).toEqual(allowed.sort());
    expect(g.edges).toHaveLength(44);
    expect(g.cells).toHaveLength(143);
    for (const e of g.edges) {
      expect(g.nodes.some((n) => n.id === e.source)).toBe(true);
      expect(g.nodes.some((n) => n.id === e.target)).toBe(true);
    }
  });

  it('draws each edge from the flow source to its destination with the port, and keeps the flow to trace', () => {
    const g = connectivityGraph(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    expect(g.edges.filter((e) => e.row === 'billing')).toMatchObject([
      {
        id: 'billing|dns',
        source: 'billing',
        target: 'kube-system/k8s-app=kube-dns',
        label: '53/UDP',
        direction: 'egress',
      },
      {
        id: 'billing|world-443',
        source: 'billing',
        target: 'world',
        label: '443/TCP',
        trace: { destination: 'world:203.0.113.10' },
      },
      {
        id: 'billing|gateway-internal',
        source: 'istio-gateway/gateway.networking.k8s.io/gateway-name=internal',
        target: 'billing',
        direction: 'ingress',
        label: '80/TCP',
      },
      { id: 'billing|grant-postgres', source: 'billing', target: 'database', label: '5432/TCP' },
      { id: 'billing|grant-dragonfly', source: 'billing', target: 'cache', label: '6379/TCP' },
      {
        id: 'billing|scrape-prometheus',
        source: 'monitoring/app.kubernetes.io/name=prometheus',
        target: 'billing',
      },
    ]);
    expect(g.edges.find((e) => e.id === 'billing|grant-postgres')?.trace).toEqual({
      source: 'billing',
      destination: 'database',
      port: 5432,
      protocol: 'TCP',
    });
  });

  it('puts namespaces in groups by profile, platform namespaces apart, and peers in their own group', () => {
    const g = connectivityGraph(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    const groups = Object.fromEntries(g.nodes.map((n) => [n.id, n.group]));
    expect(groups).toMatchObject({
      web: 'profile:standard',
      docs: 'profile:standard',
      billing: 'profile:internal-egress',
      'batch-worker': 'profile:isolated',
      database: 'platform',
      world: 'peers',
      'kube-apiserver': 'peers',
      'istio-gateway/gateway.networking.k8s.io/gateway-name=external': 'peers',
    });
    expect(g.nodes.find((n) => n.id === 'kube-system/k8s-app=kube-dns')).toMatchObject({
      kind: 'workload',
      namespace: 'kube-system',
      label: 'kube-system/k8s-app=kube-dns',
    });
    expect(g.nodes.find((n) => n.id === 'web')).toMatchObject({
      kind: 'namespace',
      profile: 'standard',
      grants: ['dragonfly', 'garage-s3'],
      platform: false,
      escapeHatch: false,
    });
  });
});
