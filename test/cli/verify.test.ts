import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFlowLine } from '../../src/hubble/parse-flow.js';
import type { HubbleFlow } from '../../src/hubble/types.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { type FakeRelay, startFakeRelay } from '../hubble/helpers/fake-relay.js';

const R = ['-R', 'examples/homelab'];
const FLOWS = 'test/fixtures/flows/homelab-verify-web.jsonl';

const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

describe('netpol verify', () => {
  it('prints one row per check, then the flows behind each, and exits 1 when a check fails', async () => {
    const r = await runCli(['verify', 'web', '--flows', FLOWS, ...R]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${FLOWS}:9:1  warning  FLOW_UNPARSABLE  Line is not valid JSON`);
    expect(r.stdout).toMatchInlineSnapshot(`
      "Connectivity of namespace web: the repository against test/fixtures/flows/homelab-verify-web.jsonl
      ┌──────────────────────────────────────────────────┬─────────────────┬─────────────┬─────────┐
      │ check                                            │ repository says │ Hubble saw  │ status  │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ DNS: kube-system/kube-dns:53/UDP                 │ allowed         │ 2 forwarded │ PASS    │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ internet egress: world:443/TCP                   │ allowed         │ 2 forwarded │ PASS    │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ gateway ingress: internal gateway                │ allowed         │ 1 forwarded │ PASS    │
      │ (istio-gateway/internal) on 80/TCP               │                 │             │         │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ gateway ingress: external gateway                │ allowed         │ 2 forwarded │ PASS    │
      │ (istio-gateway/external) on 80/TCP               │                 │             │         │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ shared resource postgres: database:5432/TCP      │ denied          │ 2 dropped   │ PASS    │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ shared resource dragonfly: cache:6379/TCP        │ allowed         │ 2 forwarded │ PASS    │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ shared resource garage-s3: garage:3900/TCP       │ allowed         │ no data     │ NO DATA │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ shared resource: kube-apiserver:6443/TCP         │ denied          │ no data     │ NO DATA │
      ├──────────────────────────────────────────────────┼─────────────────┼─────────────┼─────────┤
      │ scrape: from monitoring/prometheus on 8080/TCP   │ allowed         │ 1 dropped   │ FAIL    │
      └──────────────────────────────────────────────────┴─────────────────┴─────────────┴─────────┘

      PASS  DNS: kube-system/kube-dns:53/UDP
        repository: allowed by CiliumClusterwideNetworkPolicy/baseline-dns-egress, CiliumClusterwideNetworkPolicy/profile-standard, CiliumNetworkPolicy/kube-system/coredns
        ✓ 2× web/web → kube-system/kube-dns 53/UDP: Hubble forwarded, repository allowed

      PASS  internet egress: world:443/TCP
        repository: allowed by CiliumClusterwideNetworkPolicy/profile-standard
        ✓ 2× web/web → world:api.stripe.com 443/TCP: Hubble forwarded, repository allowed

      PASS  gateway ingress: internal gateway (istio-gateway/internal) on 80/TCP
        repository: allowed by CiliumNetworkPolicy/istio-gateway/gateway-internal, CiliumClusterwideNetworkPolicy/profile-standard
        ✓ 1× istio-gateway/internal-istio → web/web 8080/TCP: Hubble forwarded, repository allowed

      PASS  gateway ingress: external gateway (istio-gateway/external) on 80/TCP
        repository: allowed by CiliumNetworkPolicy/istio-gateway/gateway-external, CiliumClusterwideNetworkPolicy/profile-standard
        ✓ 2× istio-gateway/external-istio → web/web 8080/TCP: Hubble forwarded, repository allowed

      PASS  shared resource postgres: database:5432/TCP
        repository: denied at egress and ingress: no rule allows it
        ✓ 2× web/web → database/postgres 5432/TCP: Hubble dropped, repository denied
            namespace web lacks access grant "postgres", which allows egress to database/postgres on 5432/TCP; fix: add label access.network-policy.homelab/postgres: "true" to namespace web (newly allows: postgres: database:5432/TCP)

      PASS  shared resource dragonfly: cache:6379/TCP
        repository: allowed by CiliumClusterwideNetworkPolicy/access-dragonfly, CiliumNetworkPolicy/cache/dragonfly
        ✓ 2× web/web → cache/dragonfly 6379/TCP: Hubble forwarded, repository allowed

      FAIL  scrape: from monitoring/prometheus on 8080/TCP
        repository: allowed by CiliumNetworkPolicy/monitoring/prometheus, CiliumClusterwideNetworkPolicy/baseline-prometheus-scrape
        ✗ 1× monitoring/prometheus → web/web 8080/TCP: Hubble dropped, repository allowed
            git allows it (baseline-prometheus-scrape), but the cluster dropped it at ingress: the cluster does not run what git says; fix: should not happen: check that baseline baseline-prometheus-scrape (scrapes from monitoring/prometheus on 8080/TCP, 9090/TCP, 9100/TCP, 15020/TCP) exists in the cluster and matches git (network-policy/baselines/prometheus-scrape.yaml:13)

      1 other flow(s) of web belong to no check; 1 reply not compared; 1 unreadable line(s): 9.
      "
    `);
  });

  it('prints JSON with each check, its status and its flows', async () => {
    const r = await runCli(['verify', 'web', '--flows', FLOWS, '-o', 'json', ...R]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual([
      'namespace',
      'source',
      'checks',
      'otherFlows',
      'replies',
      'unparsable',
      'caveats',
    ]);
    expect(j.checks.map((c: { id: string; status: string }) => `${c.id} ${c.status}`)).toEqual([
      'dns PASS',
      'internet-egress PASS',
      'gateway-ingress:internal PASS',
      'gateway-ingress:external PASS',
      'shared-resource:postgres PASS',
      'shared-resource:dragonfly PASS',
      'shared-resource:garage-s3 NO DATA',
      'shared-resource:kube-apiserver NO DATA',
      'prometheus-scrape:prometheus FAIL',
    ]);
    expect(j.checks[0]).toEqual({
      id: 'dns',
      kind: 'dns',
      title: 'DNS: kube-system/kube-dns:53/UDP',
      expected: 'allowed',
      because:
        'allowed by CiliumClusterwideNetworkPolicy/baseline-dns-egress, CiliumClusterwideNetworkPolicy/profile-standard, CiliumNetworkPolicy/kube-system/coredns',
      observed: { forwarded: 2, dropped: 0, audit: 0, otherDrops: 0 },
      status: 'PASS',
      flows: [
        {
          source: 'web/web',
          destination: 'kube-system/kube-dns',
          port: 53,
          protocol: 'UDP',
          observed: 'forwarded',
          expected: 'allowed',
          agrees: true,
          count: 2,
          firstSeen: '2024-06-03T10:00:01.104Z',
          lastSeen: '2024-06-03T10:00:02.300Z',
          note: null,
          fix: null,
        },
      ],
    });
    expect(j.unparsable).toEqual({
      count: 1,
      lines: [
        {
          line: 9,
          message:
            "Line is not valid JSON (Expected ',' or '}' after property value in JSON at position 160).",
        },
      ],
    });
  });

  it('exits 0 when every check passes or has no data', async () => {
    const dns = readFileSync(path.join(PROJECT_ROOT, FLOWS), 'utf8').split('\r\n').slice(0, 3).join('\n');
    const r = await runCli(['verify', 'web', '--flows', '-', '-o', 'json', ...R], { stdin: dns });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).checks.map((c: { status: string }) => c.status)).toEqual([
      'PASS',
      'NO DATA',
      'NO DATA',
      'NO DATA',
      'NO DATA',
      'NO DATA',
      'NO DATA',
      'NO DATA',
      'NO DATA',
    ]);
  });

  it('reads a Hubble Relay', async () => {
    const flows = readFileSync(path.join(PROJECT_ROOT, FLOWS), 'utf8')
      .split('\r\n')
      .flatMap((line, i) => {
        const p = parseFlowLine(line, i + 1);
        return p.kind === 'flow' ? [p.flow] : [];
      }) as HubbleFlow[];
    const relay = await startFakeRelay({ flows });
    relays.push(relay);
    const r = await runCli([
      'verify',
      'web',
      '--server',
      relay.address,
      '--since',
      '2024-06-03T10:00:00Z',
      '-o',
      'json',
      ...R,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(relay.requests[0]).toMatchObject({
      whitelist: [{ source_pod: ['web/'] }, { destination_pod: ['web/'] }],
    });
    expect(
      JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === 'prometheus-scrape:prometheus').status,
    ).toBe('FAIL');
  });

  it.each([
    [['verify', '--flows', FLOWS, ...R], "error: missing required argument 'namespace'"],
    [['verify', 'Web', '--flows', FLOWS, ...R], '"Web" is not a namespace name.'],
    [
      ['verify', 'web', '--flows', FLOWS, '--since', 'yesterday', ...R],
      '--since value "yesterday" is neither a duration nor a timestamp.',
    ],
    [
      ['verify', 'web', '--flows', 'missing.jsonl', ...R],
      'Cannot read flows from "missing.jsonl": no such file.',
    ],
    [['verify', 'web', '--follow', ...R], "error: unknown option '--follow'"],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const r = await runCli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
