import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFlowLine } from '../../../src/hubble/parse-flow.js';
import type { HubbleFlow } from '../../../src/hubble/types.js';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { type VerifyReport, verifyNamespace } from '../../../src/workflows/flows/verify.js';
import { type FakeRelay, startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
const WEB = flowFixture('homelab-verify-web.jsonl');
let loaded: LoadedRepo;

beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB });
});

const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

const statuses = (r: VerifyReport) =>
  r.checks.map(
    (c) =>
      `${c.id}: ${c.expected} / ${c.observed.forwarded} forwarded, ${c.observed.dropped} dropped → ${c.status}`,
  );

describe('verifyNamespace', () => {
  let report: VerifyReport;
  beforeAll(async () => {
    report = await verifyNamespace(loaded, {
      namespace: 'web',
      input: { kind: 'file', path: WEB, name: 'web.jsonl' },
    });
  });

  it('runs the five checks of the catalogue, each PASS, FAIL or NO DATA', () => {
    expect(statuses(report)).toEqual([
      'dns: allowed / 2 forwarded, 0 dropped → PASS',
      'internet-egress: allowed / 2 forwarded, 0 dropped → PASS',
      'gateway-ingress:internal: allowed / 1 forwarded, 0 dropped → PASS',
      'gateway-ingress:external: allowed / 2 forwarded, 0 dropped → PASS',
      'shared-resource:postgres: denied / 0 forwarded, 2 dropped → PASS',
      'shared-resource:dragonfly: allowed / 2 forwarded, 0 dropped → PASS',
      'shared-resource:garage-s3: allowed / 0 forwarded, 0 dropped → NO DATA',
      'shared-resource:kube-apiserver: denied / 0 forwarded, 0 dropped → NO DATA',
      'prometheus-scrape:prometheus: allowed / 0 forwarded, 1 dropped → FAIL',
    ]);
    expect(report.checks.map((c) => c.title)).toEqual([
      'DNS: kube-system/kube-dns:53/UDP',
      'internet egress: world:443/TCP',
      'gateway ingress: internal gateway (istio-gateway/internal) on 80/TCP',
      'gateway ingress: external gateway (istio-gateway/external) on 80/TCP',
      'shared resource postgres: database:5432/TCP',
      'shared resource dragonfly: cache:6379/TCP',
      'shared resource garage-s3: garage:3900/TCP',
      'shared resource: kube-apiserver:6443/TCP',
      'scrape: from monitoring/prometheus on 8080/TCP',
    ]);
  });

  it('shows the flows behind each check, with what the repository says for each', () => {
    const internet = report.checks.find((c) => c.id === 'internet-egress');
    expect(internet?.because).toBe('allowed by CiliumClusterwideNetworkPolicy/profile-standard');
    expect(
      internet?.flows.map((f) => [f.destination, f.port, f.observed, f.expected, f.agrees, f.count]),
    ).toEqual([['world:api.stripe.com', 443, 'forwarded', 'allowed', true, 2]]);
    const postgres = report.checks.find((c) => c.id === 'shared-resource:postgres');
    expect(postgres?.flows[0]).toMatchObject({
      source: 'web/web',
      destination: 'database/postgres',
      observed: 'dropped',
      expected: 'denied',
      agrees: true,
      count: 2,
      firstSeen: '2024-06-03T10:00:20Z',
      lastSeen: '2024-06-03T10:00:21Z',
      fix: { kind: 'add-label', namespace: 'web', label: 'access.network-policy.homelab/postgres' },
    });
  });

  it('fails a check when Hubble dropped what the repository allows, and says what to check', () => {
    const scrape = report.checks.find((c) => c.kind === 'prometheus-scrape');
    expect(scrape?.flows).toMatchObject([
      {
        source: 'monitoring/prometheus',
        destination: 'web/web',
        port: 8080,
        observed: 'dropped',
        expected: 'allowed',
        agrees: false,
        fix: { kind: 'missing-baseline', baseline: 'baseline-prometheus-scrape', inRepository: true },
      },
    ]);
    expect(scrape?.flows[0]?.note).toContain(
      'git allows it (baseline-prometheus-scrape), but the cluster dropped it at ingress',
    );
  });

  it('counts replies, other flows and unreadable lines of the namespace', () => {
    expect(report.replies).toBe(1);
    // The port-80 drop to the world is no flow of the world:443/TCP check.
    expect(report.otherFlows).toBe(1);
    expect(report.diagnostics.map((d) => d.source?.line)).toEqual([9]);
    expect(report.caveats).toEqual([]);
  });

  it('fails a check when the cluster forwarded what the repository denies', async () => {
    const lines = readFileSync(WEB, 'utf8').split('\r\n');
    // Line 8: web → database:5432 dropped; make it forwarded (enforcement off in the cluster, say).
    const forwarded = (lines[7] as string).replace('"verdict":"DROPPED"', '"verdict":"FORWARDED"');
    const r = await verifyNamespace(loaded, {
      namespace: 'web',
      input: { kind: 'stream', stream: Readable.from([`${forwarded}\n`]) },
    });
    const postgres = r.checks.find((c) => c.id === 'shared-resource:postgres');
    expect(postgres).toMatchObject({ status: 'FAIL', observed: { forwarded: 1, dropped: 0 } });
    expect(postgres?.flows[0]?.note).toBe(
      'the cluster forwarded a flow git denies: enforcement may be disabled for the namespace (escape hatch), or the cluster runs policies git does not have',
    );
    expect(r.checks.filter((c) => c.status === 'NO DATA')).toHaveLength(8);
  });

  it('warns about a namespace the repository does not define', async () => {
    const r = await verifyNamespace(loaded, { namespace: 'ghost', input: { kind: 'file', path: WEB } });
    expect(r.caveats).toEqual([
      'namespace "ghost" is not defined in the repository: it is checked with only its kubernetes.io/metadata.name label',
    ]);
    expect(r.checks.every((c) => c.status === 'NO DATA')).toBe(true);
  });

  it('asks a Hubble Relay for the flows of the namespace, all verdicts', async () => {
    const flows = readFileSync(WEB, 'utf8')
      .split('\r\n')
      .flatMap((line, i) => {
        const p = parseFlowLine(line, i + 1);
        return p.kind === 'flow' ? [p.flow] : [];
      }) as HubbleFlow[];
    const relay = await startFakeRelay({ flows });
    relays.push(relay);
    const r = await verifyNamespace(loaded, {
      namespace: 'web',
      input: { kind: 'relay', server: relay.address },
      filter: { last: 100 },
    });
    expect(relay.requests[0]).toMatchObject({
      number: '100',
      whitelist: [{ source_pod: ['web/'] }, { destination_pod: ['web/'] }],
    });
    expect(statuses(r)).toEqual(statuses(report));
  });
});
