/**
 * `startWatch` with cluster access: the in-process Kubernetes API server double (test/helpers/kube-api-double.ts)
 * seeded with examples/homelab as kustomize-controller applies it, read with the token of the read-only ClusterRole
 * the project ships (deploy/rbac/netpol-read-only.yaml); the Relay is the in-process one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ClusterClient } from '../../../src/cluster/client.js';
import { resolveKubeconfig } from '../../../src/cluster/kubeconfig.js';
import type { ConnectedCluster } from '../../../src/workflows/live/cluster-state.js';
import { startWatch, type WatchHandle } from '../../../src/workflows/watch/watch.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { HOMELAB_ROOT, homelabFiles } from '../../helpers/homelab.js';
import type { DoubleRule, KubeJson } from '../../helpers/kube-api-double.js';
import { type LiveCluster, startLiveCluster } from '../../helpers/live-cluster.js';
import { useRepo } from '../../helpers/use-repo.js';
import { startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { eventually, fixtureFlows, get, memoryLog, sample, testWatchOptions } from './helpers.js';

const LABEL = 'network-policy.homelab/enforcement';
const NOW = Date.parse('2026-12-07T15:00:00.000Z');
const READ_ONLY = (
  parse(fs.readFileSync(path.join(PROJECT_ROOT, 'deploy/rbac/netpol-read-only.yaml'), 'utf8')) as {
    rules: DoubleRule[];
  }
).rules;
const USERS = {
  'admin-token': { username: 'admin' },
  'reader-token': { username: 'system:serviceaccount:netpol:netpol-watch', rules: READ_ONLY },
  'nobody-token': { username: 'nobody', rules: [] },
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setNamespace(
  cluster: LiveCluster,
  name: string,
  labels: Record<string, string | null>,
  annotations: Record<string, string> = {},
) {
  const obj = cluster.api.get('Namespace', name) as KubeJson;
  const merged: Record<string, string> = { ...(obj.metadata?.labels as Record<string, string>) };
  for (const [k, v] of Object.entries(labels)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  cluster.api.put(
    {
      ...obj,
      metadata: {
        ...obj.metadata,
        labels: merged,
        annotations: { ...obj.metadata?.annotations, ...annotations },
      },
    },
    'kubectl-label',
  );
}

async function setup(token: keyof typeof USERS) {
  const cluster = await startLiveCluster(HOMELAB_ROOT, { users: USERS });
  cleanups.push(() => cluster.close());
  const relay = await startFakeRelay({ flows: fixtureFlows('homelab-drops.jsonl'), nodeStatus: true });
  cleanups.push(() => relay.close());
  const repo = useRepo(homelabFiles());
  const kubeconfig = cluster.writeKubeconfig(token, 'prod');
  const stop = new AbortController();
  const client = new ClusterClient(resolveKubeconfig({ env: {}, kubeconfig }), { signal: stop.signal });
  const connected: ConnectedCluster = { name: 'live', context: 'prod', environment: 'live', client };
  const logs = memoryLog();
  const start = () =>
    startWatch({
      ...testWatchOptions(repo.root, relay.address, logs.log),
      cluster: { cluster: connected, intervalMs: 100 },
      now: () => NOW,
    }).then((w: WatchHandle) => {
      cleanups.push(() => {
        stop.abort();
        return w.stop();
      });
      return w;
    });
  return { cluster, repo, logs, start };
}

async function metrics(watch: WatchHandle): Promise<string> {
  return (await get(watch.port, '/metrics')).text;
}

describe('startWatch with cluster access', () => {
  it('exports the age of each disabled namespace and the drift count, and follows their changes', async () => {
    const { cluster, logs, start } = await setup('reader-token');
    // Disabled through netpol an hour ago (annotation), and by hand with kubectl (no annotation).
    setNamespace(
      cluster,
      'web',
      { [LABEL]: 'disabled' },
      { 'netpol.dev/escape-hatch-disabled-at': '2026-12-07T14:00:00.000Z' },
    );
    setNamespace(cluster, 'docs', { [LABEL]: 'disabled' });
    const watch = await start();

    const first = await eventually('a cluster read', async () => {
      const text = await metrics(watch);
      return sample(text, 'netpol_cluster_reads_total{result="ok"}') ? text : undefined;
    });
    expect(sample(first, 'netpol_escape_hatch_disabled_seconds{namespace="web"}')).toBe(3600);
    expect(sample(first, 'netpol_escape_hatch_disabled_seconds{namespace="docs"}')).toBe(0);
    // The two labels differ from git.
    expect(sample(first, 'netpol_drift_objects')).toBe(2);
    expect(sample(first, 'netpol_cluster_reads_total{result="failed"}')).toBe(0);
    expect(logs.entries.filter((e) => e.event === 'escape-hatch.disabled')).toMatchObject([
      { level: 'warn', namespace: 'docs', since: '2026-12-07T15:00:00.000Z' },
      { level: 'warn', namespace: 'web', since: '2026-12-07T14:00:00.000Z' },
    ]);
    expect(logs.entries.find((e) => e.event === 'drift.changed')).toMatchObject({
      level: 'warn',
      objects: ['Namespace/docs: changed', 'Namespace/web: changed'],
    });

    // Someone edits a policy with kubectl; web gets its enforcement back.
    const cnp = cluster.api.get('CiliumNetworkPolicy', 'postgres', 'database') as KubeJson;
    expect(cnp).toBeDefined();
    cluster.api.put(
      { ...cnp, spec: { ...(cnp.spec as object), ingress: [{ fromEntities: ['world'] }] } },
      'kubectl-edit',
    );
    setNamespace(cluster, 'web', { [LABEL]: null });
    await eventually('web enabled again', () =>
      logs.entries.find((e) => e.event === 'escape-hatch.enabled' && e.namespace === 'web'),
    );
    await eventually(
      'the drift of the edited policy',
      async () =>
        sample(await metrics(watch), 'netpol_drift_objects') === 2 &&
        logs.entries.some(
          (e) =>
            e.event === 'drift.changed' &&
            JSON.stringify(e.objects) ===
              JSON.stringify(['Namespace/docs: changed', 'CiliumNetworkPolicy/database/postgres: different']),
        ),
    );
    const text = await metrics(watch);
    expect(sample(text, 'netpol_escape_hatch_disabled_seconds{namespace="web"}')).toBeUndefined();
    expect(sample(text, 'netpol_escape_hatch_disabled_seconds{namespace="docs"}')).toBe(0);
    expect(logs.entries.filter((e) => e.event === 'cluster.read')).toHaveLength(1);
  });

  it('counts and logs a read the role forbids, once, and keeps serving drops', async () => {
    const { logs, start } = await setup('nobody-token');
    const watch = await start();
    await eventually(
      'two failed reads',
      async () => (sample(await metrics(watch), 'netpol_cluster_reads_total{result="failed"}') ?? 0) >= 2,
    );
    const failed = logs.entries.filter((e) => e.event === 'cluster.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'error', context: 'prod' });
    expect(String(failed[0]?.msg)).toMatch(/^User "nobody" may not list namespaces on context "prod"/);
    expect(String(failed[0]?.hint)).toContain('netpol-read-only');
    await eventually('ready', async () => (await get(watch.port, '/readyz')).status === 200);
    const text = await metrics(watch);
    expect(sample(text, 'netpol_cluster_reads_total{result="ok"}')).toBe(0);
    expect(text).not.toContain('netpol_escape_hatch_disabled_seconds{');
  });

  it('has no cluster metrics without cluster access', async () => {
    const relay = await startFakeRelay({ flows: [], nodeStatus: true });
    cleanups.push(() => relay.close());
    const repo = useRepo(homelabFiles());
    const watch = await startWatch(testWatchOptions(repo.root, relay.address, () => {}));
    cleanups.push(() => watch.stop());
    const text = await metrics(watch);
    expect(text).not.toContain('netpol_drift_objects');
    expect(text).not.toContain('netpol_escape_hatch_disabled_seconds');
  });
});
