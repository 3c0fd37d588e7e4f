import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import type { KubeJson } from '../helpers/kube-api-double.js';
import { type LiveCluster, startLiveCluster } from '../helpers/live-cluster.js';
import { useRepo } from '../helpers/use-repo.js';

const HOMELAB = path.join(PROJECT_ROOT, 'examples/homelab');
const LABEL = 'network-policy.homelab/enforcement';

let live: LiveCluster;
beforeEach(async () => {
  live = await startLiveCluster(HOMELAB);
});
afterEach(async () => {
  await live.close();
});

function cli(args: string[], kubeconfig = live.kubeconfig, repo = HOMELAB) {
  return runCli([...args, '-R', repo, '--kubeconfig', kubeconfig]);
}

/** Times and the double's port vary per run. */
function clean(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, '<clock>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
}

function patches() {
  return live.api.requests.filter((r) => r.method === 'PATCH');
}

function events(): KubeJson[] {
  return [...(live.api.store.get('events.k8s.io/events')?.values() ?? [])];
}

/** Another writer changes the namespace (a new resourceVersion), as a controller or a person would. */
function concurrentLabel(ns: string, key: string, value: string): void {
  const obj = live.api.get('Namespace', ns) as KubeJson;
  live.api.put({ ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata?.labels, [key]: value } } });
}

describe('netpol escape-hatch disable', () => {
  it('shows what the label opens, writes one merge patch with a resourceVersion precondition, records an Event', async () => {
    const rv = live.api.get('Namespace', 'billing')?.metadata?.resourceVersion;
    const r = await cli([
      'escape-hatch',
      'disable',
      'billing',
      '--reason',
      'INC-42: checkout times out',
      '--for',
      '2h',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(clean(r.stdout)).toMatchInlineSnapshot(`
      "Setting network-policy.homelab/enforcement=disabled on namespace billing (context double) opens:
        every egress of its pods, on their own side (CiliumClusterwideNetworkPolicy/baseline-escape-hatch egress[0]  network-policy/baselines/escape-hatch.yaml:28)
        every ingress of its pods, on their own side (CiliumClusterwideNetworkPolicy/baseline-escape-hatch ingress[0]  network-policy/baselines/escape-hatch.yaml:25)
      Flows denied now that become allowed:
        + egress to world:203.0.113.10:80/TCP
        + egress to kube-apiserver:6443/TCP
      Flows that stay denied by the peer's side:
        - ingress from istio-gateway/gateway.networking.k8s.io/gateway-name=external on 80/TCP: egress of istio-gateway/gateway.networking.k8s.io/gateway-name=external allows no such flow (default deny: selected by 3 policies, e.g. CiliumNetworkPolicy/istio-gateway/istio-gateway-default spec.egress  network-policy/platform/istio-gateway.yaml:15)
        - egress to garage:3900/TCP: ingress of garage still requires access.network-policy.homelab/garage-s3="true" (default deny: selected by 4 policies, e.g. CiliumNetworkPolicy/garage/garage-default spec.ingress  network-policy/platform/garage.yaml:11)
        - egress to batch-worker:8080/TCP: ingress of batch-worker allows no such flow (default deny: selected by 2 policies, e.g. CiliumClusterwideNetworkPolicy/baseline-health-probes spec.ingress  network-policy/baselines/health-probes.yaml:18)
      Wrote one merge patch: label network-policy.homelab/enforcement=disabled; annotations netpol.dev/escape-hatch-disabled-by=admin, netpol.dev/escape-hatch-disabled-at=<time>, netpol.dev/escape-hatch-reason=INC-42: checkout times out, netpol.dev/escape-hatch-until=<time>.
      Recorded a Warning Event NetworkPolicyEnforcementDisabled on the namespace.
      Next: watch the flows (netpol drops billing --since 5m), fix the policy in git, then run netpol escape-hatch enable billing.
      "
    `);
    const [patch, ...more] = patches();
    expect(more).toEqual([]);
    expect(patch?.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch?.query.get('fieldManager')).toBe('netpol');
    const body = JSON.parse(patch?.body ?? '{}');
    expect(body.metadata.resourceVersion).toBe(rv);
    expect(Object.keys(body.metadata.labels)).toEqual([LABEL]);
    expect(Object.keys(body.metadata.annotations).sort()).toEqual([
      'netpol.dev/escape-hatch-disabled-at',
      'netpol.dev/escape-hatch-disabled-by',
      'netpol.dev/escape-hatch-reason',
      'netpol.dev/escape-hatch-until',
    ]);
    const ns = live.api.get('Namespace', 'billing');
    expect(ns?.metadata?.labels).toEqual({
      'network-policy.homelab/profile': 'internal-egress',
      'access.network-policy.homelab/postgres': 'true',
      'access.network-policy.homelab/dragonfly': 'true',
      'kubernetes.io/metadata.name': 'billing',
      [LABEL]: 'disabled',
    });
    const at = Date.parse(ns?.metadata?.annotations?.['netpol.dev/escape-hatch-disabled-at'] ?? '');
    const until = Date.parse(ns?.metadata?.annotations?.['netpol.dev/escape-hatch-until'] ?? '');
    expect(until - at).toBe(2 * 3_600_000);
    expect(ns?.metadata?.annotations?.['netpol.dev/escape-hatch-disabled-by']).toBe('admin');
    const [event] = events();
    expect(event).toMatchObject({
      metadata: { namespace: 'default', generateName: 'billing.' },
      type: 'Warning',
      reason: 'NetworkPolicyEnforcementDisabled',
      action: 'DisableEnforcement',
      reportingController: 'netpol.dev/escape-hatch',
      regarding: { apiVersion: 'v1', kind: 'Namespace', name: 'billing' },
      note: `Network policy enforcement disabled by admin (${LABEL}=disabled): INC-42: checkout times out (until ${new Date(until).toISOString()})`,
    });
  });

  it('keeps a label another writer set meanwhile: the conflict (409) re-reads and retries', async () => {
    let first = true;
    live.api.hook = (req) => {
      if (req.method === 'PATCH' && first) {
        first = false;
        concurrentLabel('billing', 'team', 'payments');
      }
      return undefined;
    };
    const r = await cli(['escape-hatch', 'disable', 'billing', '--reason', 'INC-43']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(after 1 conflict(s), re-read and retried)');
    expect(patches()).toHaveLength(2);
    expect(live.api.get('Namespace', 'billing')?.metadata?.labels).toMatchObject({
      team: 'payments',
      [LABEL]: 'disabled',
    });
  });

  it('already disabled: says since when, by whom and why, and changes nothing', async () => {
    await cli(['escape-hatch', 'disable', 'web', '--reason', 'INC-1']);
    const before = live.api.requests.length;
    const r = await cli(['escape-hatch', 'disable', 'web', '--reason', 'INC-2']);
    expect(r.code).toBe(0);
    expect(clean(r.stdout)).toBe(
      'Enforcement is already disabled on namespace web (context double): since <time>, by admin, reason: INC-1.\nNothing was changed.\n',
    );
    expect(live.api.requests.slice(before).map((q) => q.method)).toEqual(['GET']);
    expect(events()).toHaveLength(1);
  });

  it('--dry-run writes nothing', async () => {
    const r = await cli(['escape-hatch', 'disable', 'docs', '--reason', 'INC-3', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dry run: nothing was written.');
    expect(patches()).toEqual([]);
    expect(events()).toEqual([]);
  });

  it.each([
    [
      ['web'],
      'error: --reason is required: say why enforcement is turned off (e.g. "INC-123: checkout cannot reach payments").\n',
    ],
    [
      ['database', '--reason', 'x'],
      'error: "database" is a platform namespace: turning its enforcement off opens a shared service to every pod.\nhint: Fix its CiliumNetworkPolicy instead, or pass --force if this is truly the emergency.\n',
    ],
    [
      ['web', '--reason', 'x', '--for', '1d'],
      'error: "1d" is not a duration like 30m or 4h (Go duration; no d unit).\n',
    ],
  ])('refuses %j', async (args, stderr) => {
    const r = await cli(['escape-hatch', 'disable', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
    expect(patches()).toEqual([]);
  });

  it.each([
    [
      ['disable', 'database', '--reason', 'x'],
      HOMELAB,
      'error: "database" is a platform namespace: turning its enforcement off opens a shared service to every pod.\nhint: Fix its CiliumNetworkPolicy instead, or pass --force if this is truly the emergency.\n',
    ],
    [
      ['disable', 'web', '--reason', 'x'],
      null,
      'error: The repository has no escape-hatch baseline (a CiliumClusterwideNetworkPolicy selecting namespaces by <domain>/enforcement): the label would change nothing.\nhint: Add the baseline (netpol init renders baselines/escape-hatch.yaml) and let it reach the cluster first.\n',
    ],
    [
      ['enable', 'web'],
      null,
      'error: The repository has no escape-hatch baseline (a CiliumClusterwideNetworkPolicy selecting namespaces by <domain>/enforcement): the label would change nothing.\nhint: Add the baseline (netpol init renders baselines/escape-hatch.yaml) and let it reach the cluster first.\n',
    ],
  ])('refuses %j from git alone, before reading a kubeconfig', async (args, root, stderr) => {
    const repo =
      root ?? useRepo({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n' }).root;
    const r = await cli(['escape-hatch', ...args], path.join(repo, 'no-such-kubeconfig'), repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
  });

  it('refuses when the cluster lacks the escape-hatch baseline: the label would change nothing', async () => {
    live.api.store.get('cilium.io/ciliumclusterwidenetworkpolicies')?.delete('/baseline-escape-hatch');
    const r = await cli(['escape-hatch', 'disable', 'web', '--reason', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: The cluster of context "double" has no escape-hatch baseline selecting network-policy.homelab/enforcement=disabled (git has CiliumClusterwideNetworkPolicy/baseline-escape-hatch): the label would change nothing.\nhint: Let GitOps apply the baseline first (flux reconcile), then retry.\n',
    );
    expect(patches()).toEqual([]);
  });

  it('refuses when git lacks the escape-hatch baseline', async () => {
    const repo = useRepo({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n' });
    const r = await cli(['escape-hatch', 'disable', 'web', '--reason', 'x'], live.kubeconfig, repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: The repository has no escape-hatch baseline');
    expect(patches()).toEqual([]);
  });

  it('explains a 403: the missing verb, resource and namespace, and the RBAC rule', async () => {
    await live.close();
    live = await startLiveCluster(HOMELAB, {
      users: {
        'reader-token': {
          username: 'alice',
          rules: [
            { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] },
            { verbs: ['get', 'list', 'watch'], apiGroups: ['cilium.io'], resources: ['*'] },
          ],
        },
      },
    });
    const r = await cli(
      ['escape-hatch', 'disable', 'web', '--reason', 'x'],
      live.writeKubeconfig('reader-token', 'prod'),
    );
    expect(r.code).toBe(2);
    expect(clean(r.stderr)).toBe(
      'error: User "alice" may not patch namespaces "web" on context "prod" (https://127.0.0.1:<port>) (403 Forbidden).\nhint: Grant the RBAC rule {apiGroups: [""], resources: ["namespaces"], verbs: ["patch"]}, e.g. bind the ClusterRole netpol-escape-hatch (deploy/rbac/netpol-escape-hatch.yaml).\n',
    );
  });
});

describe('netpol escape-hatch enable', () => {
  it('removes the label and the annotations, records an Event, says how long it was off and what to run', async () => {
    const obj = live.api.get('Namespace', 'web') as KubeJson;
    const since = new Date(Date.now() - 90 * 60_000).toISOString();
    live.api.put({
      ...obj,
      metadata: {
        ...obj.metadata,
        labels: { ...obj.metadata?.labels, [LABEL]: 'disabled' },
        annotations: {
          'netpol.dev/escape-hatch-disabled-by': 'bob',
          'netpol.dev/escape-hatch-disabled-at': since,
          'netpol.dev/escape-hatch-reason': 'INC-7',
          'team.example/owner': 'web-team',
        },
      },
    });
    const r = await cli(['escape-hatch', 'enable', 'web']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(clean(r.stdout)).toBe(
      [
        'Enforcement re-enabled on namespace web (context double); it was off for 1h30m (since <time>, by bob, reason: INC-7).',
        'Recorded a Normal Event NetworkPolicyEnforcementEnabled on the namespace.',
        'Next: the flows that needed the escape hatch, with their git fixes: netpol drops web --since 1h30m',
        '',
      ].join('\n'),
    );
    const ns = live.api.get('Namespace', 'web');
    expect(ns?.metadata?.labels?.[LABEL]).toBeUndefined();
    expect(ns?.metadata?.annotations).toEqual({ 'team.example/owner': 'web-team' });
    expect(events()).toMatchObject([{ type: 'Normal', reason: 'NetworkPolicyEnforcementEnabled' }]);
  });

  it('a namespace that is not disabled is left alone', async () => {
    const r = await cli(['escape-hatch', 'enable', 'docs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Enforcement is not disabled on namespace docs (context double); nothing was changed.\n',
    );
    expect(patches()).toEqual([]);
  });
});
