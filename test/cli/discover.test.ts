import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const R = ['-R', 'examples/homelab'];
const FLOWS = 'test/fixtures/flows/homelab-discover-shop.jsonl';

describe('netpol discover', () => {
  it('prints the recommendation, the flows, what nothing allows and the labels to commit', async () => {
    const r = await runCli(['discover', 'shop', '--flows', FLOWS, ...R]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${FLOWS}:16:1  warning  FLOW_UNPARSABLE  Line is truncated`);
    expect(r.stdout).toMatchInlineSnapshot(`
      "Namespace shop: 8 kind(s) of flow observed in test/fixtures/flows/homelab-discover-shop.jsonl
      Recommended: profile "internal-egress", access grants dragonfly, postgres (the repository does not define this namespace yet)
      ┌───┬───────┬───────────┬─────────────────────────────────────────────────────────┬───────────┐
      │   │ count │ direction │ flow                                                    │ git today │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 3     │ egress    │ shop/storefront → database/postgres 5432/TCP            │ denied    │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 3     │ egress    │ shop/storefront → kube-system/kube-dns 53/UDP           │ allowed   │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 2     │ ingress   │ istio-gateway/internal-istio → shop/storefront 8080/TCP │ denied    │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 2     │ egress    │ shop/storefront → world:api.stripe.com 443/TCP          │ denied    │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 1     │ ingress   │ monitoring/prometheus → shop/storefront 8080/TCP        │ allowed   │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 1     │ egress    │ shop/order-worker → cache/dragonfly 6379/TCP            │ denied    │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✓ │ 1     │ egress    │ shop/order-worker → kube-system/kube-dns 53/UDP         │ allowed   │
      ├───┼───────┼───────────┼─────────────────────────────────────────────────────────┼───────────┤
      │ ✗ │ 1     │ egress    │ shop/storefront → billing/billing 8080/TCP              │ denied    │
      └───┴───────┴───────────┴─────────────────────────────────────────────────────────┴───────────┘
      ✓ allowed by the recommendation  ✗ allowed by nothing in the catalogue

      1 flow(s) the recommendation does not allow for shop:
        ✗ shop/storefront → billing/billing 8080/TCP
            denied at egress of shop/storefront and ingress of billing/billing: no rule allows it; no profile or access grant of the catalogue allows egress of shop to billing/billing on 8080/TCP; no profile or access grant of the catalogue allows ingress of billing from shop/storefront on 8080/TCP

      The recommendation allows (matrix): DNS kube-system:53/UDP; world:443/TCP; from the internal gateway (istio-gateway) on 80/TCP; postgres: database:5432/TCP; dragonfly: cache:6379/TCP; scrape from prometheus (monitoring) on 8080/TCP

      Namespace labels to commit (namespace shop):
      metadata:
        labels:
          network-policy.homelab/profile: internal-egress
          access.network-policy.homelab/postgres: "true"
          access.network-policy.homelab/dragonfly: "true"

      1 reply skipped; 1 unreadable line(s): 16.
      "
    `);
  });

  it('prints JSON', async () => {
    const r = await runCli(['discover', 'shop', '--flows', FLOWS, '-o', 'json', ...R]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      namespace: 'shop',
      platform: false,
      current: null,
      recommended: { profile: 'internal-egress', grants: ['dragonfly', 'postgres'] },
      labels: {
        'network-policy.homelab/profile': 'internal-egress',
        'access.network-policy.homelab/postgres': 'true',
        'access.network-policy.homelab/dragonfly': 'true',
      },
      skipped: { replies: 1, unidentified: 0, overflow: 0, unparsable: 1 },
    });
    expect(j.flows).toHaveLength(8);
    expect(j.unallowed).toEqual([
      {
        source: 'shop/storefront',
        destination: 'billing/billing',
        port: 8080,
        protocol: 'TCP',
        direction: 'egress',
        count: 1,
        firstSeen: '2024-06-04T14:00:20Z',
        lastSeen: '2024-06-04T14:00:20Z',
        allowedNow: false,
        allowedByRecommendation: false,
        reason:
          'denied at egress of shop/storefront and ingress of billing/billing: no rule allows it; no profile or access grant of the catalogue allows egress of shop to billing/billing on 8080/TCP; no profile or access grant of the catalogue allows ingress of billing from shop/storefront on 8080/TCP',
      },
    ]);
  });

  it('marks a flow the label of another namespace would allow with !, never as allowed by nothing', async () => {
    const r = await runCli([
      'discover',
      'cache',
      '--flows',
      'test/fixtures/flows/homelab-discover-cache.jsonl',
      '-o',
      'wide',
      ...R,
    ]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^(✓ allowed| {2}[!✗] |1 flow|Namespace labels| {6}fix)/.test(l))).toEqual([
      '✓ allowed by the recommendation  ! allowed after the change shown below',
      '1 flow(s) the recommendation does not allow for cache:',
      '  ! docs/docs → cache/dragonfly 6379/TCP',
      '      fix: add label access.network-policy.homelab/dragonfly: "true" to namespace docs (newly allows: dragonfly: cache:6379/TCP)',
      'Namespace labels (namespace cache): unchanged, git already has them.',
    ]);
  });

  it('exits 0 when the recommendation allows every observed flow', async () => {
    const stdin = `${JSON.stringify({
      flow: {
        time: '2024-06-04T14:00:00Z',
        verdict: 'FORWARDED',
        traffic_direction: 'EGRESS',
        IP: { source: '10.42.1.50', destination: '10.42.0.10', ipVersion: 'IPv4' },
        l4: { UDP: { source_port: 40000, destination_port: 53 } },
        source: { namespace: 'shop', labels: ['k8s:app=storefront'], pod_name: 'storefront-0' },
        destination: { namespace: 'kube-system', labels: ['k8s:k8s-app=kube-dns'], pod_name: 'coredns-0' },
      },
    })}\n`;
    const r = await runCli(['discover', 'shop', '--flows', '-', '-o', 'json', ...R], { stdin });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).recommended).toEqual({ profile: 'isolated', grants: [] });
  });

  it.each([
    [['discover', '--flows', FLOWS, ...R], "error: missing required argument 'namespace'"],
    [
      ['discover', 'shop', '--flows', FLOWS, '--server', '127.0.0.1:1', ...R],
      '--flows and --server cannot be combined',
    ],
    [
      ['discover', 'shop', '--flows', FLOWS, '--until', '2024-13-01', ...R],
      '--until value "2024-13-01" is neither a duration nor a timestamp.',
    ],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const r = await runCli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('recommends nothing and exits 1 when no flow of the namespace was observed', async () => {
    // The shop capture holds no flow of namespace web.
    const r = await runCli(['discover', 'web', '-R', 'examples/homelab', '--flows', FLOWS]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: no flows of namespace "web" were observed');
  });

  it('an empty capture is unreadable input (exit 2), not "no flows" (fresh-user report)', async () => {
    const r = await runCli(['discover', 'web', '-R', 'examples/homelab', '--flows', '-'], { stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: <stdin> is empty: it holds no flow to read.');
  });
});
