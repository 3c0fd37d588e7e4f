import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAssertions, runAssertions } from '../../../src/workflows/analysis/connectivity-test.js';
import { loadDiffSides } from '../../../src/workflows/analysis/diff.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { collectObservedTraffic } from '../../../src/workflows/flows/observed-traffic.js';
import { replayObserved, replayRevisions } from '../../../src/workflows/flows/replay.js';
import { assertionsFromTraffic } from '../../../src/workflows/flows/tests-from-flows.js';
import {
  dropInternalEgressHttps,
  grantPostgresToDocs,
  HOMELAB,
  useGitRepo,
} from '../../fixtures/diff/git-repo.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';

/**
 * homelab-replay.jsonl: a `netpol watch --record` line (billing → world:443, 31 flows), two plain Hubble
 * drops docs → database:5432 and their reply, a node-status line, a recorded DNS line (web → kube-dns, 5)
 * and one flow of a billing pod whose labels no workload in git has (billing-canary → world:443).
 */
const REPLAY = {
  kind: 'file',
  path: flowFixture('homelab-replay.jsonl'),
  name: 'homelab-replay.jsonl',
} as const;

describe('collectObservedTraffic', () => {
  it('deduplicates by source identity, destination, port and protocol; recorded lines weigh their count', async () => {
    const t = await collectObservedTraffic({ input: REPLAY });
    expect(
      t.flows.map((f) => [
        f.source,
        f.destination,
        f.port,
        f.protocol,
        f.count,
        f.firstSeen,
        f.lastSeen,
        f.verdicts,
      ]),
    ).toEqual([
      [
        'billing/app.kubernetes.io/name=billing',
        'world:203.0.113.10',
        443,
        'TCP',
        31,
        '2026-12-01T08:00:00Z',
        '2026-12-07T09:59:00Z',
        { FORWARDED: 31 },
      ],
      [
        'web/app.kubernetes.io/name=web',
        'kube-system/k8s-app=kube-dns',
        53,
        'UDP',
        5,
        '2026-12-05T09:00:00Z',
        '2026-12-07T09:00:00Z',
        { FORWARDED: 5 },
      ],
      [
        'docs/app.kubernetes.io/name=docs',
        'database/app.kubernetes.io/name=postgres',
        5432,
        'TCP',
        2,
        '2026-12-06T10:00:00Z',
        '2026-12-06T11:00:00Z',
        { DROPPED: 2 },
      ],
      [
        'billing/app.kubernetes.io/name=billing-canary',
        'world:203.0.113.10',
        443,
        'TCP',
        1,
        '2026-12-07T08:00:00Z',
        '2026-12-07T08:00:00Z',
        { FORWARDED: 1 },
      ],
    ]);
    expect([t.replies, t.unconverted, t.overflow, t.diagnostics]).toEqual([1, 0, 0, []]);
    expect(t.stats.nonFlowLines).toBe(1);
  });

  it.each([
    [
      'binary bytes',
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x0a, 0x00, 0xff, 0xfe, 0x0a])],
      /^capture\.jsonl is not a Hubble capture: it contains NUL bytes; it is not read\.$/,
    ],
    [
      'lines of another format',
      ['time=1 level=info msg=hello\n', 'not json either\n'],
      /^capture\.jsonl: none of its 2 line\(s\) is a Hubble flow \(line 1 is the first that cannot be read\)\.$/,
    ],
    ['nothing', [], /^capture\.jsonl is empty: it holds no flow to read\.$/],
    ['blank lines only', ['\n', '  \n'], /^capture\.jsonl is empty: it holds no flow to read\.$/],
  ])(
    'refuses a capture of which no line is a flow (%s): unreadable input, not "no traffic"',
    async (_name, chunks: (string | Buffer)[], message) => {
      // fresh-user report: `diff --flows BINARY --fail-on-break` replayed 0 flows and exited 0.
      const input = {
        kind: 'stream',
        stream: (async function* () {
          yield* chunks;
        })(),
        name: 'capture.jsonl',
      } as const;
      await expect(collectObservedTraffic({ input })).rejects.toMatchObject({
        code: 'NETPOL_INPUT_UNREADABLE',
        message: expect.stringMatching(message),
      });
    },
  );

  it('keeps at most maxEntries connections and counts the records of the others', async () => {
    const t = await collectObservedTraffic({ input: REPLAY, maxEntries: 2 });
    expect(t.flows.map((f) => f.count)).toEqual([31, 2]);
    expect(t.overflow).toBe(6);
  });
});

describe('replayRevisions', () => {
  it('replays observed traffic against main and the working tree: newly denied and newly allowed connections', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    grantPostgresToDocs(repo);
    dropInternalEgressHttps(repo);
    const { replay, diff } = await replayRevisions({ root: repo.top, base: 'main', input: REPLAY });
    expect(diff.summary).toEqual({ added: 1, removed: 1 });
    expect(replay.observed).toEqual({
      connections: 4,
      records: 39,
      replies: 1,
      unconverted: 0,
      overflow: 0,
      firstSeen: '2026-12-01T08:00:00Z',
      lastSeen: '2026-12-07T09:59:00Z',
      unmatched: 1,
      unreadable: { lines: 0, first: [], warningsOmitted: 0 },
    });
    expect(
      replay.newlyDenied.map((f) => [
        f.source,
        f.destination,
        f.port,
        f.count,
        f.lastSeen,
        f.unmatched,
        f.because.map((r) => `${r.revision} ${r.role} ${r.name} ${r.rule} ${r.file}:${r.line}`),
      ]),
    ).toEqual([
      [
        'billing/app.kubernetes.io/name=billing',
        'world:203.0.113.10',
        443,
        31,
        '2026-12-07T09:59:00Z',
        [],
        ['base allowed profile-internal-egress egress[1] network-policy/profiles/internal-egress.yaml:39'],
      ],
      [
        'billing/app.kubernetes.io/name=billing-canary',
        'world:203.0.113.10',
        443,
        1,
        '2026-12-07T08:00:00Z',
        ['source'],
        ['base allowed profile-internal-egress egress[1] network-policy/profiles/internal-egress.yaml:39'],
      ],
    ]);
    expect(
      replay.newlyAllowed.map((f) => [
        f.source,
        f.destination,
        f.port,
        f.before,
        f.after,
        f.because.map((r) => `${r.revision} ${r.role} ${r.name} ${r.rule}`),
      ]),
    ).toEqual([
      [
        'docs/app.kubernetes.io/name=docs',
        'database/app.kubernetes.io/name=postgres',
        5432,
        'denied',
        'allowed',
        ['head allowed access-postgres egress[0]', 'head allowed postgres ingress[0]'],
      ],
    ]);
  });

  it('reports nothing when both revisions judge every observed connection alike', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    const sides = await loadDiffSides({ root: repo.top, base: 'main', head: 'main' });
    const r = replayObserved(await collectObservedTraffic({ input: REPLAY }), sides.base, sides.head);
    expect([r.newlyDenied, r.newlyAllowed, r.observed.connections]).toEqual([[], [], 4]);
  });
});

describe('assertionsFromTraffic', () => {
  it('writes the forwarded connections the repository allows, in the format netpol test reads', async () => {
    const { engine } = await loadForAnalysis({ root: HOMELAB });
    const written = assertionsFromTraffic(
      await collectObservedTraffic({ input: REPLAY }),
      engine,
      'homelab-replay.jsonl',
    );
    expect(written.yaml).toBe(
      [
        '# Connectivity assertions written by netpol test --from-flows from homelab-replay.jsonl:',
        '# each connection Hubble forwarded and the repository allows. Check them with: netpol test FILE',
        '- from: billing/app.kubernetes.io/name=billing',
        '  to: world:203.0.113.10',
        '  port: 443',
        '  protocol: TCP',
        '  expect: allowed',
        '  because: observed 31 times, last 2026-12-07T09:59:00Z',
        '- from: web/app.kubernetes.io/name=web',
        '  to: kube-system/k8s-app=kube-dns',
        '  port: 53',
        '  protocol: UDP',
        '  expect: allowed',
        '  because: observed 5 times, last 2026-12-07T09:00:00Z',
        '- from: billing/app.kubernetes.io/name=billing-canary',
        '  to: world:203.0.113.10',
        '  port: 443',
        '  protocol: TCP',
        '  expect: allowed',
        '  because: observed once, last 2026-12-07T08:00:00Z',
        '',
      ].join('\n'),
    );
    expect([written.notForwarded, written.skipped]).toEqual([1, []]);
    const parsed = parseAssertions(written.yaml, 'connectivity-tests.yaml');
    expect(parsed.diagnostics).toEqual([]);
    const report = runAssertions(engine, parsed.assertions, 'connectivity-tests.yaml');
    expect([report.passed, report.failed]).toEqual([3, 0]);
  });
});

describe('replay of flows from nodes', () => {
  // A remote-node side of a Hubble flow carries the node's address only, a host side is the observing node
  // (flow.proto Endpoint has no node name; node_name is pkg/node GetAbsoluteNodeName). fromNodes selects remote
  // nodes by the labels of their Node (Cilium docs: policy language "Node based"; getNodeSelector).
  const NODES = `apiVersion: v1
kind: Node
metadata: { name: cp-1, labels: { node-role.kubernetes.io/control-plane: "" } }
status: { addresses: [{ type: InternalIP, address: 192.168.1.10 }] }
---
apiVersion: v1
kind: Node
metadata: { name: worker-1, labels: { zone: b } }
status: { addresses: [{ type: InternalIP, address: 192.168.1.11 }] }
`;
  const POLICY = `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: from-nodes, namespace: shop }
spec:
  endpointSelector: {}
  ingress:
    - fromNodes:
        - matchLabels: { node-role.kubernetes.io/control-plane: "" }
`;
  const line = (ip: string, time: string) =>
    JSON.stringify({
      flow: {
        time,
        verdict: 'FORWARDED',
        node_name: 'prod/worker-2',
        IP: { source: ip, destination: '10.244.1.5' },
        l4: { TCP: { source_port: 40000, destination_port: 8080 } },
        source: { identity: 6, labels: ['reserved:remote-node'] },
        destination: { identity: 48000, namespace: 'shop', labels: ['k8s:app=api'] },
        traffic_direction: 'INGRESS',
      },
    });

  it('finds the node of a remote-node flow by its address and evaluates fromNodes with its labels', async () => {
    const repo = useGitRepo({ 'nodes.yaml': NODES, 'shop.yaml': POLICY });
    repo.edit('shop.yaml', 'node-role.kubernetes.io/control-plane: ""', 'zone: b');
    repo.commit('from the zone-b nodes instead of the control plane');
    const capture = path.join(repo.top, 'flows.jsonl');
    fs.writeFileSync(
      capture,
      [line('192.168.1.10', '2026-12-07T10:00:00Z'), line('192.168.1.11', '2026-12-07T10:01:00Z')].join('\n'),
    );
    const sides = await loadDiffSides({ root: repo.top, base: 'HEAD~1', head: 'HEAD' });
    const r = replayObserved(
      await collectObservedTraffic({ input: { kind: 'file', path: capture, name: 'flows.jsonl' } }),
      sides.base,
      sides.head,
    );
    const show = (f: (typeof r.newlyDenied)[number]) => [
      f.source,
      f.destination,
      f.port,
      f.before,
      f.after,
      f.caveats,
    ];
    expect([r.newlyDenied.map(show), r.newlyAllowed.map(show)]).toEqual([
      [['remote-node@cp-1:192.168.1.10', 'shop/app=api', 8080, 'allowed', 'denied', []]],
      [['remote-node@worker-1:192.168.1.11', 'shop/app=api', 8080, 'denied', 'allowed', []]],
    ]);
    // netpol test --from-flows names the node too, and netpol test reads the name back.
    const traffic = await collectObservedTraffic({
      input: { kind: 'file', path: capture, name: 'flows.jsonl' },
    });
    const written = assertionsFromTraffic(traffic, sides.head.engine, 'flows.jsonl');
    expect(written.assertions.map((a) => a.from)).toEqual(['remote-node@worker-1:192.168.1.11']);
    const parsed = parseAssertions(written.yaml, 'connectivity-tests.yaml');
    expect(parsed.diagnostics).toEqual([]);
    const report = runAssertions(sides.head.engine, parsed.assertions, 'connectivity-tests.yaml');
    expect([report.passed, report.failed]).toEqual([1, 0]);
  });
});
