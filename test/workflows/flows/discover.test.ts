import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { type DiscoverReport, discoverNamespace } from '../../../src/workflows/flows/discover.js';
import { yaml } from '../../helpers/use-repo.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
let loaded: LoadedRepo;

beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB });
});

const rows = (r: DiscoverReport) =>
  r.flows.map(
    (f) =>
      `${f.allowedByRecommendation ? '✓' : '✗'} ${f.direction} ${f.source} → ${f.destination} ${f.port}/${f.protocol} ×${f.count}${f.allowedNow ? '' : ' (denied today)'}`,
  );

describe('discoverNamespace', () => {
  it('recommends the least privileged profile and the grants a new namespace needs', async () => {
    const r = await discoverNamespace(loaded, {
      namespace: 'shop',
      input: { kind: 'file', path: flowFixture('homelab-discover-shop.jsonl') },
    });
    expect(r.current).toBeNull();
    expect(r.platform).toBe(false);
    expect(r.recommended).toEqual({ profile: 'internal-egress', grants: ['dragonfly', 'postgres'] });
    expect(r.labels).toEqual({
      'network-policy.homelab/profile': 'internal-egress',
      'access.network-policy.homelab/postgres': 'true',
      'access.network-policy.homelab/dragonfly': 'true',
    });
    expect(r.labelsYaml).toBe(yaml`
      metadata:
        labels:
          network-policy.homelab/profile: internal-egress
          access.network-policy.homelab/postgres: "true"
          access.network-policy.homelab/dragonfly: "true"
    `);
    expect(rows(r)).toEqual([
      '✓ egress shop/storefront → database/postgres 5432/TCP ×3 (denied today)',
      '✓ egress shop/storefront → kube-system/kube-dns 53/UDP ×3',
      '✓ ingress istio-gateway/internal-istio → shop/storefront 8080/TCP ×2 (denied today)',
      '✓ egress shop/storefront → world:api.stripe.com 443/TCP ×2 (denied today)',
      '✓ ingress monitoring/prometheus → shop/storefront 8080/TCP ×1',
      '✓ egress shop/order-worker → cache/dragonfly 6379/TCP ×1 (denied today)',
      '✓ egress shop/order-worker → kube-system/kube-dns 53/UDP ×1',
      '✗ egress shop/storefront → billing/billing 8080/TCP ×1 (denied today)',
    ]);
    expect(r.unallowed.map((f) => f.reason)).toEqual([
      'denied at egress of shop/storefront and ingress of billing/billing: no rule allows it; no profile or access grant of the catalogue allows egress of shop to billing/billing on 8080/TCP; no profile or access grant of the catalogue allows ingress of billing from shop/storefront on 8080/TCP',
    ]);
    expect(r.allowedCells).toEqual([
      'DNS kube-system:53/UDP',
      'world:443/TCP',
      'from the internal gateway (istio-gateway) on 80/TCP',
      'postgres: database:5432/TCP',
      'dragonfly: cache:6379/TCP',
      'scrape from prometheus (monitoring) on 8080/TCP',
    ]);
    expect(r.skipped).toEqual({ replies: 1, unidentified: 0, overflow: 0, unparsable: 1 });
    expect(r.diagnostics.map((d) => d.source?.line)).toEqual([16]);
  });

  it('drops what the namespace has but did not use, keeps its other labels', async () => {
    // web in git: standard + dragonfly + garage-s3; observed: both gateways, dragonfly, postgres, no garage.
    const r = await discoverNamespace(loaded, {
      namespace: 'web',
      input: { kind: 'file', path: flowFixture('homelab-verify-web.jsonl') },
    });
    expect(r.current).toEqual({ profile: 'standard', grants: ['dragonfly', 'garage-s3'] });
    expect(r.recommended).toEqual({ profile: 'standard', grants: ['dragonfly', 'postgres'] });
    expect(parse(r.labelsYaml)).toEqual({
      metadata: {
        labels: {
          'network-policy.homelab/profile': 'standard',
          'access.network-policy.homelab/dragonfly': 'true',
          'access.network-policy.homelab/postgres': 'true',
        },
      },
    });
    expect(r.unallowed.map((f) => `${f.destination}:${f.port}`)).toEqual(['world:151.101.1.69:80']);
    expect(r.droppedGrants).toEqual(['garage-s3']);
    expect(r.labelsUnchanged).toBe(false);
  });

  it('never gives a platform namespace a profile; proposes its own CNP rule for what nothing allows', async () => {
    const line = JSON.stringify({
      flow: {
        time: '2024-06-04T15:00:00Z',
        verdict: 'FORWARDED',
        traffic_direction: 'EGRESS',
        IP: { source: '10.42.0.70', destination: '34.120.177.193', ipVersion: 'IPv4' },
        l4: { TCP: { source_port: 40404, destination_port: 443 } },
        source: {
          namespace: 'monitoring',
          labels: ['k8s:app.kubernetes.io/name=grafana'],
          pod_name: 'grafana-0',
        },
        destination: { identity: 2, labels: ['reserved:world'] },
      },
    });
    const r = await discoverNamespace(loaded, {
      namespace: 'monitoring',
      input: { kind: 'stream', stream: Readable.from([`${line}\n`]) },
    });
    expect(r.platform).toBe(true);
    expect(r.recommended).toEqual({ profile: null, grants: [] });
    expect(r.unallowed).toHaveLength(1);
    expect(r.unallowed[0]?.fix).toMatchObject({
      kind: 'policy-change',
      namespace: 'monitoring',
      policy: 'grafana',
      direction: 'egress',
    });
  });

  it('keeps the access grants of a platform namespace, and says when its labels need no change', async () => {
    // database in git: platform, access grant garage-s3 (backups); the capture shows no backup traffic.
    const pod = (namespace: string, label: string) => ({
      namespace,
      labels: [`k8s:${label}`, `k8s:io.kubernetes.pod.namespace=${namespace}`],
      pod_name: 'p',
    });
    const line = (source: object, destination: object, port: number, direction: string) =>
      JSON.stringify({
        flow: {
          time: '2024-06-04T15:00:00Z',
          verdict: 'FORWARDED',
          traffic_direction: direction,
          IP: { source: '10.42.0.1', destination: '10.42.0.2', ipVersion: 'IPv4' },
          l4: { TCP: { source_port: 40000, destination_port: port } },
          source,
          destination,
        },
      });
    const postgres = pod('database', 'app.kubernetes.io/name=postgres');
    const lines = [
      line(pod('billing', 'app.kubernetes.io/name=billing'), postgres, 5432, 'INGRESS'),
      line(pod('docs', 'app.kubernetes.io/name=docs'), postgres, 5432, 'INGRESS'),
    ];
    const r = await discoverNamespace(loaded, {
      namespace: 'database',
      input: { kind: 'stream', stream: Readable.from([`${lines.join('\n')}\n`]) },
    });
    expect(r.platform).toBe(true);
    expect(r.current).toEqual({ profile: null, grants: ['garage-s3'] });
    expect(r.recommended).toEqual({ profile: null, grants: ['garage-s3'] });
    expect(r.droppedGrants).toEqual([]);
    expect(r.labels).toEqual({ 'access.network-policy.homelab/garage-s3': 'true' });
    expect(r.labelsUnchanged).toBe(true);
    // docs lacks the postgres grant: the flow is not allowed by the recommendation, and the fix is docs' label.
    expect(r.unallowed.map((f) => [f.source, f.fix?.kind, f.fix?.namespace])).toEqual([
      ['docs/docs', 'add-label', 'docs'],
    ]);
  });
});
