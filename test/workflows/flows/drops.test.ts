import fs, { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropsJson } from '../../../src/cli/output/drops.js';
import { parseFlowLine } from '../../../src/hubble/parse-flow.js';
import type { HubbleFlow } from '../../../src/hubble/types.js';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import {
  applyDropFixes,
  type DropGroup,
  type DropsReport,
  findDrops,
  mightBeDropped,
} from '../../../src/workflows/flows/drops.js';
import { failingFs } from '../../helpers/failing-fs.js';
import { homelabFiles } from '../../helpers/homelab.js';
import { useRepo } from '../../helpers/use-repo.js';
import { type FakeRelay, startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
const DROPS = flowFixture('homelab-drops.jsonl');
let loaded: LoadedRepo;

beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB });
});

const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

function summary(g: DropGroup) {
  return {
    flow: `${g.source} → ${g.destination} ${g.port}/${g.protocol} (${g.direction})`,
    count: g.count,
    deniedAt: g.deniedAt,
    fix:
      g.fix === null
        ? null
        : g.fix.kind === 'policy-change'
          ? `policy-change ${g.fix.namespace}/${g.fix.policy}`
          : g.fix.kind === 'add-label'
            ? `add-label ${g.fix.namespace} ${g.fix.label}`
            : g.fix.kind === 'set-profile'
              ? `set-profile ${g.fix.namespace} ${g.fix.from} → ${g.fix.to}`
              : `missing-baseline ${g.fix.baseline}`,
  };
}

/** Flows of a fixture, for the fake relay. */
function fixtureFlows(name: string): HubbleFlow[] {
  return readFileSync(flowFixture(name), 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      const parsed = parseFlowLine(line, i + 1);
      return parsed.kind === 'flow' ? [parsed.flow] : [];
    });
}

const EXPECTED_GROUPS = [
  {
    flow: 'web/web → database/postgres 5432/TCP (egress)',
    count: 4,
    deniedAt: 'both',
    fix: 'add-label web access.network-policy.homelab/postgres',
  },
  {
    flow: 'docs/docs → cache/dragonfly 6379/TCP (egress)',
    count: 2,
    deniedAt: 'both',
    fix: 'add-label docs access.network-policy.homelab/dragonfly',
  },
  {
    flow: 'wiki/wiki → world:api.github.com 443/TCP (egress)',
    count: 2,
    deniedAt: 'egress',
    fix: 'set-profile wiki internal → internal-egress',
  },
  { flow: 'billing/billing → world:185.60.216.35 443/TCP (egress)', count: 1, deniedAt: 'egress', fix: null },
  { flow: 'docs/docs → database/postgres 6379/TCP (egress)', count: 1, deniedAt: 'both', fix: null },
  {
    flow: 'istio-gateway/internal-istio → batch-worker/worker 8080/TCP (ingress)',
    count: 1,
    deniedAt: 'both',
    fix: 'set-profile batch-worker isolated → internal',
  },
  {
    flow: 'monitoring/grafana → world:grafana.com 443/TCP (egress)',
    count: 1,
    deniedAt: 'egress',
    fix: 'policy-change monitoring/grafana',
  },
  { flow: 'monitoring/prometheus → web/web 9187/TCP (ingress)', count: 1, deniedAt: 'both', fix: null },
  {
    flow: 'web/web → kube-system/kube-dns 53/UDP (egress)',
    count: 1,
    deniedAt: 'egress',
    fix: 'missing-baseline baseline-dns-egress',
  },
];

describe('findDrops', () => {
  let report: DropsReport;
  beforeAll(async () => {
    report = await findDrops(loaded, { input: { kind: 'file', path: DROPS, name: 'homelab-drops.jsonl' } });
  });

  it('groups policy drops by workload, destination, port and direction, sorted by count', () => {
    expect(report.groups.map(summary)).toEqual(EXPECTED_GROUPS);
    expect(report.policyDrops).toBe(14);
  });

  it('keeps first and last seen, world names and addresses, and the policies Hubble named', () => {
    const [web, , wiki, billing] = report.groups as DropGroup[];
    expect(web).toMatchObject({
      firstSeen: '2024-06-03T09:14:02.118223412Z',
      lastSeen: '2024-06-03T09:14:09.000000001Z',
    });
    expect(wiki).toMatchObject({
      destinationNames: ['api.github.com'],
      worldIps: ['140.82.121.6'],
      firstSeen: '2024-06-03T09:16:00.250Z',
      lastSeen: '2024-06-03T09:16:30.750Z',
    });
    expect(billing).toMatchObject({
      drift: true,
      hubbleDeniedBy: ['CiliumNetworkPolicy/billing/block-egress'],
    });
  });

  it('counts what it did not diagnose, and the unreadable lines with their numbers', () => {
    expect(report.skipped).toEqual({
      notDropped: 1,
      replies: 1,
      otherDropReasons: { CT_MAP_INSERTION_FAILED: 1 },
      unidentified: {},
      filteredOut: 0,
      unparsable: 2,
      nonFlowLines: 1,
      lostEvents: 0,
      overflow: 0,
    });
    expect(report.diagnostics.map((d) => [d.code, d.source?.file, d.source?.line])).toEqual([
      ['FLOW_UNPARSABLE', 'homelab-drops.jsonl', 11],
      ['FLOW_UNPARSABLE', 'homelab-drops.jsonl', 21],
    ]);
    // 21 lines: 1 not a drop (not parsed), 2 unreadable, 1 blank, 1 node status, 16 dropped flows.
    expect(report.stats).toMatchObject({ lines: 21, prefiltered: 1, flows: 16, matched: 16, unselected: 0 });
  });

  it('reads the jsonpb shape (lowerCamelCase, numeric enums, bare flows, CRLF) to the same report', async () => {
    const other = await findDrops(loaded, {
      input: { kind: 'file', path: flowFixture('homelab-drops-jsonpb.jsonl'), name: 'homelab-drops.jsonl' },
    });
    expect(dropsJson(other)).toEqual(dropsJson(report));
  });

  it('applies hubble observe filters: -n, --to-namespace, --port, --since, --last', async () => {
    const run = async (filter: Parameters<typeof findDrops>[1]['filter']) =>
      (
        await findDrops(loaded, {
          input: { kind: 'file', path: DROPS },
          filter,
          now: new Date('2024-06-03T09:20:00Z'),
        })
      ).groups.map((g) => `${g.source} → ${g.destination}:${g.port} ×${g.count}`);
    expect(await run({ namespace: 'docs' })).toEqual([
      'docs/docs → cache/dragonfly:6379 ×2',
      'docs/docs → database/postgres:6379 ×1',
    ]);
    expect(await run({ toNamespace: 'database', port: '5432' })).toEqual([
      'web/web → database/postgres:5432 ×4',
    ]);
    // Since 09:17:30 (inclusive), counted back from 09:20:00.
    expect(await run({ since: '2m30s' })).toEqual([
      'billing/billing → world:185.60.216.35:443 ×1',
      'monitoring/grafana → world:grafana.com:443 ×1',
      'monitoring/prometheus → web/web:9187 ×1',
    ]);
    // The last 2 drops of the file (a reply and a CT drop are not policy drops; the last is line 20).
    expect(await run({ last: 2 })).toEqual([
      'billing/billing → world:185.60.216.35:443 ×1',
      'web/web → database/postgres:5432 ×1',
    ]);
  });

  it('reads a stream (standard input) chunk by chunk, split anywhere', async () => {
    const text = readFileSync(DROPS);
    const chunks = [text.subarray(0, 1000), text.subarray(1000, 1001), text.subarray(1001)];
    const fromStream = await findDrops(loaded, {
      input: { kind: 'stream', stream: Readable.from(chunks), name: 'homelab-drops.jsonl' },
    });
    expect(dropsJson(fromStream)).toEqual({ ...dropsJson(report), source: 'homelab-drops.jsonl' });
  });

  it('reports each group once, when it first appears (follow mode)', async () => {
    const seen: string[] = [];
    await findDrops(loaded, {
      input: { kind: 'file', path: DROPS },
      onGroup: (g) => seen.push(`${g.source} → ${g.destination}:${g.port}`),
    });
    expect(seen).toHaveLength(9);
    expect(seen.slice(0, 3)).toEqual([
      'web/web → database/postgres:5432',
      'docs/docs → cache/dragonfly:6379',
      'docs/docs → database/postgres:6379',
    ]);
  });

  it('keeps memory bounded: groups beyond the limit are counted, not kept', async () => {
    const limited = await findDrops(loaded, {
      input: { kind: 'file', path: DROPS },
      maxGroups: 2,
      maxDiagnostics: 1,
    });
    expect(limited.groups.map((g) => g.count)).toEqual([4, 2]);
    expect(limited.skipped.overflow).toBe(8);
    expect(limited.diagnostics).toHaveLength(1);
    expect(limited.skipped.unparsable).toBe(2);
  });

  it('reads a Hubble Relay, asking it for dropped flows of the namespace only', async () => {
    const relay = await startFakeRelay({ flows: fixtureFlows('homelab-drops.jsonl') });
    relays.push(relay);
    const fromRelay = await findDrops(loaded, {
      input: { kind: 'relay', server: relay.address },
      filter: { namespace: 'docs', since: '2024-06-03T09:00:00Z' },
    });
    expect(relay.requests[0]).toMatchObject({
      since: { seconds: String(Date.parse('2024-06-03T09:00:00Z') / 1000) },
      whitelist: [
        { verdict: ['DROPPED'], source_pod: ['docs/'] },
        { verdict: ['DROPPED'], destination_pod: ['docs/'] },
      ],
    });
    expect(fromRelay.source).toBe(`Hubble Relay at ${relay.address}`);
    expect(fromRelay.groups.map(summary)).toEqual([EXPECTED_GROUPS[1], EXPECTED_GROUPS[4]]);
  });
});

describe('mightBeDropped', () => {
  it.each([
    ['{"flow":{"verdict":"DROPPED"}}', true],
    ['{"flow":{"verdict":2,"dropReason":155}}', true],
    ['{"flow":{"verdict" : 2 }}', true],
    ['{"flow":{"verdict":"FORWARDED","drop_reason":133}}', false],
    ['{"flow":{"verdict":20}}', false],
    ['{"flow":{"verdict":4}}', false],
    ['{"flow":{"verdict":"DROPPED_X"}}', false],
    ['{"flow":{"time":"2024-06-03T09:00:00Z","verdict" :\t"DROPPED","drop_reason":155}}', true],
    ['{"flow":{"destination_names":["verdict"],"verdict":2}}', true],
    ['{"flow":{"l7":{"http":{"url":"/?\\"verdict\\":2"}},"verdict":"FORWARDED"}}', false],
    ['{"flow":{"verdict":2.5}}', false],
    ['{"node_status":{"state_change":"NODE_CONNECTED"}}', false],
  ])('%s → %s', (line, expected) => {
    expect(mightBeDropped(line)).toBe(expected);
  });
});

describe('applyDropFixes', () => {
  it('writes the label fixes into the namespace manifests, keeping comments, and returns the diffs', async () => {
    const repo = useRepo(homelabFiles());
    const local = await loadForAnalysis({ root: repo.root });
    const report = await findDrops(local, { input: { kind: 'file', path: DROPS } });
    const outcome = applyDropFixes(local, report);
    expect(outcome.applied.map((a) => [a.namespace, a.file, a.changes])).toEqual([
      [
        'batch-worker',
        'namespaces/batch-worker.yaml',
        [{ label: 'network-policy.homelab/profile', from: 'isolated', to: 'internal' }],
      ],
      [
        'docs',
        'namespaces/docs.yaml',
        [{ label: 'access.network-policy.homelab/dragonfly', from: null, to: 'true' }],
      ],
      [
        'web',
        'namespaces/web.yaml',
        [{ label: 'access.network-policy.homelab/postgres', from: null, to: 'true' }],
      ],
      [
        'wiki',
        'namespaces/wiki.yaml',
        [{ label: 'network-policy.homelab/profile', from: 'internal', to: 'internal-egress' }],
      ],
    ]);
    expect(repo.read('namespaces/web.yaml')).toBe(
      `${readFileSync(path.join(HOMELAB, 'namespaces/web.yaml'), 'utf8')}    access.network-policy.homelab/postgres: "true"\n`,
    );
    expect(outcome.diffs.find((d) => d.file === 'namespaces/docs.yaml')?.diff).toBe(
      [
        '--- a/namespaces/docs.yaml',
        '+++ b/namespaces/docs.yaml',
        '@@ -6,3 +6,4 @@',
        '   name: docs',
        '   labels:',
        '     network-policy.homelab/profile: standard',
        '+    access.network-policy.homelab/dragonfly: "true"',
        '',
      ].join('\n'),
    );
    expect(outcome.policyChanges.map((p) => `${p.namespace}/${p.policy}`)).toEqual(['monitoring/grafana']);
    expect(outcome.refused).toEqual([]);
    // The repository now allows what was dropped.
    const after = await loadForAnalysis({ root: repo.root });
    for (const g of report.groups.filter(
      (x) => x.fix?.kind === 'add-label' || x.fix?.kind === 'set-profile',
    )) {
      expect(after.engine.verdict(g.flow).verdict).toBe('allowed');
    }
    // Re-running the same capture: each drift names only a label whose cluster value denies the flow; the
    // DNS drop of web is a missing baseline, not the postgres grant --fix just added to web.
    const again = await findDrops(after, { input: { kind: 'file', path: DROPS } });
    const dns = again.groups.find((g) => g.destination === 'kube-system/kube-dns');
    expect(dns?.cause).toBe(
      'git allows it (baseline-dns-egress, profile-standard), but the cluster dropped it at egress: the cluster does not run what git says',
    );
    expect(dns?.fix).toMatchObject({ kind: 'missing-baseline', baseline: 'baseline-dns-egress' });
    const web = again.groups.find((g) => g.source === 'web/web' && g.port === 5432);
    expect(web?.cause).toBe(
      'git allows it (access-postgres), but the cluster dropped it at egress: the cluster does not run what git says (namespace web label access.network-policy.homelab/postgres: the cluster lacks it, git has "true")',
    );
  });

  it('keeps CRLF line ends and edits the target of a symbolic link (and says so)', async () => {
    const files = homelabFiles();
    const web = (files['namespaces/web.yaml'] ?? '').replace(/\n/g, '\r\n');
    files['namespaces/web.yaml'] = web;
    files['.shared/docs.yaml'] = files['namespaces/docs.yaml'] ?? '';
    delete files['namespaces/docs.yaml'];
    const repo = useRepo(files);
    fs.symlinkSync('../.shared/docs.yaml', repo.path('namespaces/docs.yaml'));
    const local = await loadForAnalysis({ root: repo.root });
    const report = await findDrops(local, { input: { kind: 'file', path: DROPS } });
    const outcome = applyDropFixes(local, report);
    expect(repo.read('namespaces/web.yaml')).toBe(
      `${web}    access.network-policy.homelab/postgres: "true"\r\n`,
    );
    expect(fs.lstatSync(repo.path('namespaces/docs.yaml')).isSymbolicLink()).toBe(true);
    expect(repo.read('.shared/docs.yaml')).toContain('    access.network-policy.homelab/dragonfly: "true"\n');
    const docs = outcome.diffs.find((d) => d.file === 'namespaces/docs.yaml');
    expect(docs?.linkTarget).toBe('.shared/docs.yaml');
    expect(docs?.diff.split('\n')[0]).toBe(
      '# namespaces/docs.yaml is a symbolic link: its target .shared/docs.yaml is edited (the link is kept)',
    );
  });

  it('writes every namespace manifest or none: a failing rename restores the others', async () => {
    const repo = useRepo(homelabFiles());
    const before = Object.fromEntries(
      ['batch-worker', 'docs', 'web', 'wiki'].map((n) => [n, repo.read(`namespaces/${n}.yaml`)]),
    );
    const local = await loadForAnalysis({ root: repo.root });
    const report = await findDrops(local, { input: { kind: 'file', path: DROPS } });
    const failing = failingFs('renameSync', (t) => t.endsWith('wiki.yaml'));
    expect(() => applyDropFixes(local, report, { fs: failing })).toThrow(
      /^Cannot write "namespaces\/wiki\.yaml": EACCES: .*; nothing was written \("namespaces\/batch-worker\.yaml", "namespaces\/docs\.yaml", "namespaces\/web\.yaml" restored\)\.$/,
    );
    for (const [n, text] of Object.entries(before)) expect(repo.read(`namespaces/${n}.yaml`)).toBe(text);
  });

  it('refuses to edit a Namespace defined in two files, naming both', async () => {
    const files = homelabFiles();
    files['namespaces/web2.yaml'] = files['namespaces/web.yaml'] ?? '';
    // Read without the root kustomization: one kustomize build listing both would fail (fresh-user-3 #6).
    delete files['kustomization.yaml'];
    delete files['connectivity-tests.yaml'];
    const repo = useRepo(files);
    const local = await loadForAnalysis({ root: repo.root });
    const report = await findDrops(local, { input: { kind: 'file', path: DROPS } });
    const outcome = applyDropFixes(local, report);
    expect(outcome.refused).toContainEqual({
      namespace: 'web',
      reason:
        'namespace web is defined 2 times (namespaces/web.yaml:5, namespaces/web2.yaml:5), so netpol does not know which definition to edit; keep one',
    });
    expect(repo.read('namespaces/web.yaml')).toBe(files['namespaces/web.yaml']);
  });

  it('edits one Namespace among several documents of a file and leaves the others alone', async () => {
    const repo = useRepo(homelabFiles());
    const local = await loadForAnalysis({ root: repo.root });
    const flowsFile = repo.path('flows.jsonl');
    const drop = {
      flow: {
        time: '2024-06-03T09:30:00Z',
        verdict: 'DROPPED',
        drop_reason_desc: 'POLICY_DENIED',
        traffic_direction: 'EGRESS',
        IP: { source: '10.42.2.14', destination: '10.42.2.40', ipVersion: 'IPv4' },
        l4: { TCP: { source_port: 40100, destination_port: 3900 } },
        source: {
          namespace: 'cache',
          labels: ['k8s:app.kubernetes.io/name=dragonfly'],
          pod_name: 'dragonfly-0',
        },
        destination: {
          namespace: 'garage',
          labels: ['k8s:app.kubernetes.io/name=garage'],
          pod_name: 'garage-0',
        },
      },
    };
    repo.write('flows.jsonl', `${JSON.stringify(drop)}\n`);
    const report = await findDrops(local, { input: { kind: 'file', path: flowsFile } });
    expect(report.groups.map(summary)).toMatchObject([
      { fix: 'add-label cache access.network-policy.homelab/garage-s3' },
    ]);
    const before = repo.read('namespaces/platform.yaml');
    applyDropFixes(local, report);
    expect(repo.read('namespaces/platform.yaml')).toBe(
      before.replace(
        'kind: Namespace\nmetadata:\n  name: cache\n',
        'kind: Namespace\nmetadata:\n  name: cache\n  labels:\n    access.network-policy.homelab/garage-s3: "true"\n',
      ),
    );
  });

  it('picks one profile when groups of a namespace ask for different ones', async () => {
    const repo = useRepo(homelabFiles());
    const local = await loadForAnalysis({ root: repo.root });
    const report = await findDrops(local, {
      input: { kind: 'file', path: DROPS },
      filter: { namespace: 'wiki' },
    });
    // wiki needs world:443 (internal-egress would do) and, here, the external gateway (only standard does).
    const external = { ...(report.groups[0] as DropGroup) };
    const gateway: DropGroup = {
      ...external,
      source: 'istio-gateway/external-istio',
      destination: 'wiki/wiki',
      flow: {
        source: {
          kind: 'pod',
          namespace: 'istio-gateway',
          labels: { 'gateway.networking.k8s.io/gateway-name': 'external' },
        },
        destination: { kind: 'pod', namespace: 'wiki', labels: {} },
        port: 8080,
        protocol: 'TCP',
      },
      fix: {
        kind: 'set-profile',
        namespace: 'wiki',
        from: 'internal',
        to: 'standard',
        newlyAllowed: [],
        noLongerAllowed: [],
      },
    };
    const outcome = applyDropFixes(local, { groups: [...report.groups, gateway] }, { dryRun: true });
    expect(outcome.applied).toEqual([
      {
        namespace: 'wiki',
        file: 'namespaces/wiki.yaml',
        changes: [{ label: 'network-policy.homelab/profile', from: 'internal', to: 'standard' }],
        groups: 2,
      },
    ]);
    // Dry run: nothing written.
    expect(repo.read('namespaces/wiki.yaml')).toBe(
      readFileSync(path.join(HOMELAB, 'namespaces/wiki.yaml'), 'utf8'),
    );
  });

  it('refuses to edit a namespace the repository does not define, and says so', async () => {
    const outcome = applyDropFixes(loaded, { groups: [shopGroup()] }, { dryRun: true });
    expect(outcome.applied).toEqual([]);
    expect(outcome.refused).toEqual([
      {
        namespace: 'shop',
        reason:
          'namespace shop is not defined in the repository, so there is no manifest to edit; add its Namespace manifest first',
      },
    ]);
  });
});

/** A drop from a namespace the repository does not define, with a label fix. */
function shopGroup(): DropGroup {
  return {
    source: 'shop/storefront',
    destination: 'database/postgres',
    destinationNames: [],
    worldIps: [],
    port: 5432,
    protocol: 'TCP',
    direction: 'egress',
    count: 1,
    firstSeen: null,
    lastSeen: null,
    hubbleDeniedBy: [],
    flow: {
      source: { kind: 'pod', namespace: 'shop', labels: {} },
      destination: { kind: 'pod', namespace: 'database', labels: {} },
      port: 5432,
      protocol: 'TCP',
    },
    deniedAt: 'both',
    drift: false,
    cause: '',
    causeCode: 'missing-access-grant',
    fix: {
      kind: 'add-label',
      namespace: 'shop',
      label: 'access.network-policy.homelab/postgres',
      value: 'true',
      newlyAllowed: [],
    },
    fixReason: null,
    caveats: [],
  };
}

describe('drops from and to nodes', () => {
  // Hubble names no node on a flow side: a remote-node side is the node holding its address, a host side the
  // node that observed the flow (docs/semantics.md §2.5; flow.proto; pkg/node GetAbsoluteNodeName). fromNodes
  // selects remote nodes by their Node's labels (Cilium docs: policy language "Node based"); the local host
  // reaches its pods under allow-localhost (docs: policy language "Entities Based", host).
  const FILES = {
    'nodes.yaml': [
      'apiVersion: v1',
      'kind: Node',
      'metadata: { name: node-a, labels: { role: worker } }',
      'status: { addresses: [{ type: InternalIP, address: 10.0.0.11 }] }',
      '---',
      'apiVersion: v1',
      'kind: Node',
      'metadata: { name: node-b, labels: { role: storage } }',
      'status: { addresses: [{ type: InternalIP, address: 10.0.0.12 }] }',
      '',
    ].join('\n'),
    'app.yaml': [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: app }',
      '---',
      'apiVersion: cilium.io/v2',
      'kind: CiliumNetworkPolicy',
      'metadata: { name: api, namespace: app }',
      'spec:',
      '  endpointSelector: { matchLabels: { app: api } }',
      '  ingress:',
      '    - fromNodes: [{ matchLabels: { role: storage } }]',
      '      toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]',
      '',
    ].join('\n'),
  };
  const drop = (source: object, ip: string, second: number) =>
    JSON.stringify({
      flow: {
        time: `2026-12-01T10:00:0${second}Z`,
        verdict: 'DROPPED',
        drop_reason_desc: 'POLICY_DENIED',
        node_name: 'prod/node-b',
        IP: { source: ip, destination: '10.244.1.5' },
        l4: { TCP: { source_port: 40000 + second, destination_port: 8080 } },
        source,
        destination: { identity: 48000, namespace: 'app', labels: ['k8s:app=api'] },
        traffic_direction: 'INGRESS',
      },
    });
  const REMOTE = { identity: 6, labels: ['reserved:remote-node'] };
  const HOST = { identity: 1, labels: ['reserved:host'] };

  it('tells nodes apart whatever the order of the lines, and names them', async () => {
    const repo = useRepo(FILES);
    const loadedNodes = await loadForAnalysis({ root: repo.root });
    const lines = [drop(REMOTE, '10.0.0.11', 1), drop(REMOTE, '10.0.0.12', 2), drop(REMOTE, '10.0.0.99', 3)];
    const answers = [];
    for (const order of [lines, [...lines].reverse()]) {
      repo.write('flows.jsonl', order.join('\n'));
      const report = await findDrops(loadedNodes, {
        input: { kind: 'file', path: repo.path('flows.jsonl'), name: 'flows.jsonl' },
      });
      answers.push(
        report.groups
          .map((g) => [g.source, g.count, g.drift, g.cause])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual([
      [
        'remote-node',
        1,
        false,
        'no policy of platform namespace app allows ingress of app/api from remote-node on 8080/TCP',
      ],
      [
        'remote-node@node-a',
        1,
        false,
        'no policy of platform namespace app allows ingress of app/api from remote-node@node-a on 8080/TCP',
      ],
      [
        'remote-node@node-b',
        1,
        true,
        'git allows it (app/api), but the cluster dropped it at ingress: the cluster does not run what git says',
      ],
    ]);
  });

  it('says the local host is allowed by allow-localhost when the cluster dropped it anyway', async () => {
    const repo = useRepo({ ...FILES, 'flows.jsonl': drop(HOST, '10.0.0.12', 1) });
    const report = await findDrops(await loadForAnalysis({ root: repo.root }), {
      input: { kind: 'file', path: repo.path('flows.jsonl'), name: 'flows.jsonl' },
    });
    expect(report.groups.map((g) => [g.source, g.drift, g.cause])).toEqual([
      [
        'host@node-b',
        true,
        'git allows it (allow-localhost: the local node (kubelet probes) always reaches its pods), but the cluster dropped it at ingress: the cluster does not run what git says',
      ],
    ]);
  });
});
