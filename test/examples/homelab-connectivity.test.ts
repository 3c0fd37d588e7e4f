import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTraceText } from '../../src/cli/output/trace.js';
import { testConnectivity } from '../../src/workflows/analysis/connectivity-test.js';
import { type LoadedRepo, loadForAnalysis } from '../../src/workflows/analysis/load.js';
import { traceFlow } from '../../src/workflows/analysis/trace.js';

const root = path.resolve(import.meta.dirname, '../../examples/homelab');
let loaded: LoadedRepo;

beforeAll(async () => {
  loaded = await loadForAnalysis({ root });
});

describe('examples/homelab', () => {
  it('loads without errors or warnings', () => {
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(loaded.repo.namespaces.length).toBe(13);
  });

  it('proves every assertion of connectivity-tests.yaml (the seed profile and access-label tables)', async () => {
    const report = await testConnectivity(loaded.engine, path.join(root, 'connectivity-tests.yaml'));
    const failures = report.results
      .filter((r) => !r.passed)
      .map((r) => `line ${r.assertion.line}: expected ${r.assertion.expect}\n${formatTraceText(r.trace)}`);
    expect(failures).toEqual([]);
    expect(report.diagnostics).toEqual([]);
    expect(report.passed).toBe(78);
  });

  it.each([
    // Profile table (seed "Step 1: Choose a Profile"): Ingress / Egress per profile.
    ['istio-gateway/gateway.networking.k8s.io/gateway-name=internal', 'batch-worker', 8080, 'TCP', 'denied'],
    ['istio-gateway/gateway.networking.k8s.io/gateway-name=internal', 'dashboard', 8080, 'TCP', 'allowed'],
    ['istio-gateway/gateway.networking.k8s.io/gateway-name=external', 'dashboard', 8080, 'TCP', 'denied'],
    ['dashboard', 'world:203.0.113.10', 443, 'TCP', 'denied'],
    ['billing', 'world:203.0.113.10', 443, 'TCP', 'allowed'],
    ['istio-gateway/gateway.networking.k8s.io/gateway-name=external', 'billing', 8080, 'TCP', 'denied'],
    ['istio-gateway/gateway.networking.k8s.io/gateway-name=external', 'web', 8080, 'TCP', 'allowed'],
    ['web', 'world:203.0.113.10', 443, 'TCP', 'allowed'],
    ['batch-worker', 'kube-system/k8s-app=kube-dns', 53, 'UDP', 'allowed'],
    // Access-label table (seed "Step 3"): label → resource port; without the label, denied.
    ['billing', 'database', 5432, 'TCP', 'allowed'],
    ['docs', 'database', 5432, 'TCP', 'denied'],
    ['web', 'cache', 6379, 'TCP', 'allowed'],
    ['dashboard', 'cache', 6379, 'TCP', 'denied'],
    ['wiki', 'garage', 3900, 'TCP', 'allowed'],
    ['billing', 'garage', 3900, 'TCP', 'denied'],
    ['dashboard', 'kube-apiserver', 6443, 'TCP', 'allowed'],
    ['web', 'kube-apiserver', 6443, 'TCP', 'denied'],
    // The seed's drop table says "database:6379" for Dragonfly; the access policy points at cache.
    ['web', 'database', 6379, 'TCP', 'denied'],
  ] as const)('%s → %s:%i/%s is %s', (from, to, port, protocol, want) => {
    const t = traceFlow(loaded.engine, { source: from, destination: to, port, protocol });
    expect(t.verdict.verdict).toBe(want);
  });
});
