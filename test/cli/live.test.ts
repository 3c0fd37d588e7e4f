import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import type { DoubleRule, KubeJson } from '../helpers/kube-api-double.js';
import { type LiveCluster, startLiveCluster } from '../helpers/live-cluster.js';

const HOMELAB = path.join(PROJECT_ROOT, 'examples/homelab');
const LABEL = 'network-policy.homelab/enforcement';

/** The rules of a shipped ClusterRole (deploy/rbac/), as the double's RBAC table. */
function roleRules(file: string): DoubleRule[] {
  const role = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'deploy/rbac', file), 'utf8')) as {
    rules: DoubleRule[];
  };
  return role.rules;
}

const USERS = {
  'admin-token': { username: 'admin' },
  'reader-token': { username: 'ci-drift', rules: roleRules('netpol-read-only.yaml') },
  'oncall-token': { username: 'alice', rules: roleRules('netpol-escape-hatch.yaml') },
};

/** Times and the double's port vary per run. */
function clean(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, '<clock>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
}

let dev: LiveCluster;
let live: LiveCluster;
let repo: string;
let env: Record<string, string>;

beforeEach(async () => {
  dev = await startLiveCluster(HOMELAB, { users: USERS });
  live = await startLiveCluster(HOMELAB, { users: USERS });
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-live-repo-'));
  fs.cpSync(HOMELAB, repo, { recursive: true });
  fs.appendFileSync(
    path.join(repo, 'netpol.config.yaml'),
    '\nclusters:\n  dev: { context: kind-dev, environment: dev }\n  live: { context: prod, environment: live }\n',
  );
  env = {
    KUBECONFIG: [
      dev.writeKubeconfig('admin-token', 'kind-dev'),
      live.writeKubeconfig('admin-token', 'prod'),
    ].join(path.delimiter),
  };
});
afterEach(async () => {
  await dev.close();
  await live.close();
  fs.rmSync(repo, { recursive: true, force: true });
});

function cli(args: string[], kubeEnv = env) {
  return runCli([...args, '-R', repo], { env: kubeEnv });
}

/** Changes a namespace as someone with kubectl would. */
function setNamespace(
  cluster: LiveCluster,
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
) {
  const obj = cluster.api.get('Namespace', name) as KubeJson;
  cluster.api.put({
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata?.labels, ...labels },
      annotations: { ...obj.metadata?.annotations, ...annotations },
    },
  });
}

describe('netpol escape-hatch list', () => {
  it('lists every disabled namespace of every named cluster: since, by, reason, until (overdue), alert state', async () => {
    const now = Date.now();
    const since = new Date(now - 60 * 60_000).toISOString();
    const until = new Date(now - 10 * 60_000).toISOString();
    setNamespace(
      live,
      'billing',
      { [LABEL]: 'disabled' },
      {
        'netpol.dev/escape-hatch-disabled-by': 'alice',
        'netpol.dev/escape-hatch-disabled-at': since,
        'netpol.dev/escape-hatch-reason': 'INC-42',
        'netpol.dev/escape-hatch-until': until,
      },
    );
    setNamespace(dev, 'web', { [LABEL]: 'disabled' });
    const r = await cli(['escape-hatch', 'list', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(
      json.alertRules.map((a: { alert: string; for: string; severity: string }) => [
        a.alert,
        a.for,
        a.severity,
      ]),
    ).toEqual([
      ['NetworkPolicyEnforcementDisabled', '5m', 'warning'],
      ['NetworkPolicyEnforcementDisabledLong', '24h', 'critical'],
    ]);
    expect(json.disabled).toEqual([
      {
        cluster: 'dev',
        context: 'kind-dev',
        environment: 'dev',
        namespace: 'web',
        record: { since: null, by: null, reason: null, until: null },
        overdue: false,
        alerts: [],
      },
      {
        cluster: 'live',
        context: 'prod',
        environment: 'live',
        namespace: 'billing',
        record: { since, by: 'alice', reason: 'INC-42', until },
        overdue: true,
        alerts: [
          {
            alert: 'NetworkPolicyEnforcementDisabled',
            severity: 'warning',
            state: 'firing',
            at: new Date(now - 55 * 60_000).toISOString(),
          },
          {
            alert: 'NetworkPolicyEnforcementDisabledLong',
            severity: 'critical',
            state: 'pending',
            at: new Date(now + 23 * 3_600_000).toISOString(),
          },
        ],
      },
    ]);
    const text = await cli(['escape-hatch', 'list']);
    expect(clean(text.stdout)).toBe(
      [
        'dev dev  web',
        '  since unknown (set without netpol), by unknown',
        '  reason: none recorded',
        'live live  billing',
        '  since <clock>, by alice',
        '  reason: INC-42',
        '  until <clock>  OVERDUE',
        '  alerts: warning (NetworkPolicyEnforcementDisabled) firing since <clock>; critical (NetworkPolicyEnforcementDisabledLong) at <clock>',
        '',
      ].join('\n'),
    );
    const one = await cli(['escape-hatch', 'list', '--context', 'dev']);
    expect(one.stdout.split('\n')[0]).toBe('dev dev  web');
  });
});

describe('netpol status', () => {
  it('git only: labels, the policies selecting its pods with file:line, the matrix row', async () => {
    const r = await cli(['status', 'billing']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "Namespace billing
        git:     profile internal-egress, access dragonfly, postgres, enforcement enforced  namespaces/billing.yaml:9
      Policies selecting its pods (6):
        CiliumClusterwideNetworkPolicy/baseline-dns-egress  network-policy/baselines/dns-egress.yaml:8
        CiliumClusterwideNetworkPolicy/baseline-health-probes  network-policy/baselines/health-probes.yaml:13
        CiliumClusterwideNetworkPolicy/baseline-prometheus-scrape  network-policy/baselines/prometheus-scrape.yaml:13
        CiliumClusterwideNetworkPolicy/profile-internal-egress  network-policy/profiles/internal-egress.yaml:3
        CiliumClusterwideNetworkPolicy/access-postgres  network-policy/shared-resources/postgres.yaml:4
        CiliumClusterwideNetworkPolicy/access-dragonfly  network-policy/shared-resources/dragonfly.yaml:4
      Connectivity (matrix row):
        ⇢ DNS kube-system:53/UDP                               allowed
        ⇢ world:443/TCP                                        allowed
        ⇢ world:80/TCP                                         denied
        ⇠ from the internal gateway (istio-gateway) on 80/TCP  allowed
        ⇠ from the external gateway (istio-gateway) on 80/TCP  denied
        ⇢ postgres: database:5432/TCP                          allowed
        ⇢ dragonfly: cache:6379/TCP                            allowed
        ⇢ garage-s3: garage:3900/TCP                           denied
        ⇢ kube-apiserver:6443/TCP                              denied
        ⇠ scrape from prometheus (monitoring) on 8080/TCP      allowed
        ⇢ to another application namespace on 8080/TCP         denied
      "
    `);
  });

  it('--live: the cluster labels, the escape hatch, present / absent / different policies, the cluster row', async () => {
    setNamespace(
      live,
      'billing',
      { [LABEL]: 'disabled' },
      {
        'netpol.dev/escape-hatch-disabled-by': 'alice',
        'netpol.dev/escape-hatch-disabled-at': '2026-12-07T14:00:00.000Z',
        'netpol.dev/escape-hatch-reason': 'INC-42',
      },
    );
    live.api.store.get('cilium.io/ciliumclusterwidenetworkpolicies')?.delete('/access-dragonfly');
    const prof = live.api.get('CiliumClusterwideNetworkPolicy', 'profile-internal-egress') as KubeJson;
    const spec = prof.spec as { egress: unknown[] };
    live.api.put(
      {
        ...prof,
        metadata: { ...prof.metadata, managedFields: undefined },
        spec: { ...spec, egress: spec.egress.slice(0, 1) },
      },
      'kubectl-edit',
    );
    const r = await cli(
      [
        'status',
        'billing',
        '--live',
        '--context',
        'live',
        '--kubeconfig',
        live.writeKubeconfig('reader-token', 'prod'),
      ],
      {},
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(clean(r.stdout)).toMatchInlineSnapshot(`
      "Namespace billing
        git:     profile internal-egress, access dragonfly, postgres, enforcement enforced  namespaces/billing.yaml:9
        cluster: profile internal-egress, access dragonfly, postgres, enforcement disabled  (context prod)
        escape hatch: since <time>, by alice, reason: INC-42
      Policies selecting its pods (6):
        CiliumClusterwideNetworkPolicy/baseline-dns-egress  network-policy/baselines/dns-egress.yaml:8  [cluster: present]
        CiliumClusterwideNetworkPolicy/baseline-health-probes  network-policy/baselines/health-probes.yaml:13  [cluster: present]
        CiliumClusterwideNetworkPolicy/baseline-prometheus-scrape  network-policy/baselines/prometheus-scrape.yaml:13  [cluster: present]
        CiliumClusterwideNetworkPolicy/profile-internal-egress  network-policy/profiles/internal-egress.yaml:3  [cluster: DIFFERENT, last written by kubectl-edit]
        CiliumClusterwideNetworkPolicy/access-postgres  network-policy/shared-resources/postgres.yaml:4  [cluster: present]
        CiliumClusterwideNetworkPolicy/access-dragonfly  network-policy/shared-resources/dragonfly.yaml:4  [cluster: ABSENT]
      Connectivity (matrix row):
        ⇢ DNS kube-system:53/UDP                               allowed
        ⇢ world:443/TCP                                        allowed
        ⇢ world:80/TCP                                         denied   cluster: allowed
        ⇠ from the internal gateway (istio-gateway) on 80/TCP  allowed
        ⇠ from the external gateway (istio-gateway) on 80/TCP  denied
        ⇢ postgres: database:5432/TCP                          allowed
        ⇢ dragonfly: cache:6379/TCP                            allowed
        ⇢ garage-s3: garage:3900/TCP                           denied
        ⇢ kube-apiserver:6443/TCP                              denied   cluster: allowed
        ⇠ scrape from prometheus (monitoring) on 8080/TCP      allowed
        ⇢ to another application namespace on 8080/TCP         denied
      "
    `);
  });
});

describe('netpol drift', () => {
  it('a cluster that runs what git says: exit 0', async () => {
    const r = await cli(['drift', '--context', 'live']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'live (context prod, environment live): no drift, the cluster runs what git says.\n',
    );
  });

  it('labels, policies and who changed them, and the connectivity consequence: exit 1', async () => {
    for (const c of [dev, live]) {
      setNamespace(c, 'docs', { 'access.network-policy.homelab/postgres': 'true' });
      c.api.put(
        {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumNetworkPolicy',
          metadata: { name: 'debug-egress', namespace: 'web' },
          spec: {
            endpointSelector: {},
            egress: [{ toEntities: ['world'], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
          },
        },
        'kubectl-client-side-apply',
      );
      c.api.store.get('cilium.io/ciliumclusterwidenetworkpolicies')?.delete('/baseline-escape-hatch');
    }
    const r = await cli(['drift']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(clean(r.stdout)).toMatchInlineSnapshot(`
      "dev (context kind-dev, environment dev): DRIFT
        Namespace labels (git → cluster):
          docs: access grant postgres only in the cluster
        Policies:
          info    CiliumNetworkPolicy/web/debug-egress only in the cluster; last written by kubectl-client-side-apply at <time>
                  kubectl changed it on a dev cluster (allowed there for testing); commit it or let GitOps revert it
          warning CiliumClusterwideNetworkPolicy/baseline-escape-hatch only in git (not applied)  network-policy/baselines/escape-hatch.yaml:15
        Connectivity: the cluster allows 2 flow(s) git denies, denies 0 git allows:
          + docs → database:5432/TCP  git: denied, cluster: allowed  (allowed by CiliumClusterwideNetworkPolicy/access-postgres egress[0] in the cluster; allowed by CiliumNetworkPolicy/database/postgres ingress[0] in the cluster)
          + web → world:203.0.113.10:80/TCP  git: denied, cluster: allowed  (allowed by CiliumNetworkPolicy/web/debug-egress egress[0] in the cluster)
      live (context prod, environment live): DRIFT
        Namespace labels (git → cluster):
          docs: access grant postgres only in the cluster
        Policies:
          error   CiliumNetworkPolicy/web/debug-egress only in the cluster; last written by kubectl-client-side-apply at <time>
                  kubectl changed it on a live cluster: the seed forbids kubectl changes of network policy outside dev; revert it through GitOps
          warning CiliumClusterwideNetworkPolicy/baseline-escape-hatch only in git (not applied)  network-policy/baselines/escape-hatch.yaml:15
        Connectivity: the cluster allows 2 flow(s) git denies, denies 0 git allows:
          + docs → database:5432/TCP  git: denied, cluster: allowed  (allowed by CiliumClusterwideNetworkPolicy/access-postgres egress[0] in the cluster; allowed by CiliumNetworkPolicy/database/postgres ingress[0] in the cluster)
          + web → world:203.0.113.10:80/TCP  git: denied, cluster: allowed  (allowed by CiliumNetworkPolicy/web/debug-egress egress[0] in the cluster)
      "
    `);
    const json = JSON.parse((await cli(['drift', '--context', 'live', '-o', 'json'])).stdout);
    expect(json.drifted).toBe(true);
    expect(
      json.clusters[0].policies.map((p: { kind: string; name: string; drift: string; severity: string }) => [
        p.kind,
        p.name,
        p.drift,
        p.severity,
      ]),
    ).toEqual([
      ['CiliumNetworkPolicy', 'debug-egress', 'cluster-only', 'error'],
      ['CiliumClusterwideNetworkPolicy', 'baseline-escape-hatch', 'git-only', 'warning'],
    ]);
    const md = (await cli(['drift', '--context', 'dev', '-o', 'markdown'])).stdout;
    expect(md).toContain('| info | CiliumNetworkPolicy/web/debug-egress | only in the cluster |');
  });

  it('the read-only ClusterRole is enough for drift, status --live and list; the escape-hatch one for disable', async () => {
    const reader = { KUBECONFIG: live.writeKubeconfig('reader-token', 'prod') };
    expect((await cli(['drift', '--context', 'prod'], reader)).code).toBe(0);
    expect((await cli(['status', 'web', '--live'], reader)).code).toBe(0);
    expect((await cli(['escape-hatch', 'list', '--context', 'live'], reader)).code).toBe(0);
    const denied = await cli(['escape-hatch', 'disable', 'web', '--reason', 'x'], reader);
    expect(denied.code).toBe(2);
    expect(clean(denied.stderr)).toBe(
      'error: User "ci-drift" may not patch namespaces "web" on context "prod" (https://127.0.0.1:<port>) (403 Forbidden).\nhint: Grant the RBAC rule {apiGroups: [""], resources: ["namespaces"], verbs: ["patch"]}, e.g. bind the ClusterRole netpol-escape-hatch (deploy/rbac/netpol-escape-hatch.yaml).\n',
    );
    const oncall = { KUBECONFIG: live.writeKubeconfig('oncall-token', 'prod') };
    expect((await cli(['escape-hatch', 'disable', 'web', '--reason', 'x'], oncall)).code).toBe(0);
    expect((await cli(['escape-hatch', 'enable', 'web'], oncall)).code).toBe(0);
  });

  it('an unreachable server, rejected credentials, a missing CRD: one line, exit 2', async () => {
    live.api.setCilium(false);
    const crd = await cli(['drift', '--context', 'live']);
    expect([crd.code, crd.stderr]).toEqual([
      2,
      'error: The cluster of context "prod" does not serve ciliumnetworkpolicies.cilium.io/v2: Cilium is not installed (its CRDs are missing).\nhint: Install Cilium, or point --context at the cluster that runs it.\n',
    ]);
    const expired = await cli(['drift', '--context', 'dev'], {
      KUBECONFIG: dev.writeKubeconfig('expired-token', 'kind-dev'),
    });
    expect(expired.code).toBe(2);
    expect(clean(expired.stderr).split('\n')[0]).toBe(
      'error: The API server of context "kind-dev" (https://127.0.0.1:<port>) rejected the credentials (401 Unauthorized): they are missing, expired or revoked.',
    );
    const kept = path.join(repo, 'dev.kubeconfig');
    fs.copyFileSync(dev.writeKubeconfig('admin-token', 'kind-dev'), kept);
    await dev.close();
    const down = await cli(['drift', '--context', 'dev'], { KUBECONFIG: kept });
    expect(down.code).toBe(2);
    expect(clean(down.stderr).split('\n')[0]).toBe(
      'error: Cannot reach the API server of context "kind-dev" (https://127.0.0.1:<port>): connection refused.',
    );
    dev = await startLiveCluster(undefined);
  });
});
