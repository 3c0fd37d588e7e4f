/**
 * The API server double is only worth what it is faithful: Debian's kubectl (package kubernetes-client)
 * runs against it for the calls netpol makes, and reads and writes the same state netpol sees.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClusterClient, type LiveObject } from '../../src/cluster/client.js';
import { resolveKubeconfig } from '../../src/cluster/kubeconfig.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { type LiveCluster, startLiveCluster } from '../helpers/live-cluster.js';
import { describeWithTools } from '../helpers/system-tool.js';

const run = promisify(execFile);

function withoutManagedFields(o: LiveObject): LiveObject {
  const { managedFields: _m, ...metadata } = o.metadata ?? {};
  return { ...o, metadata };
}
const HOMELAB = path.join(PROJECT_ROOT, 'examples/homelab');

describeWithTools(['kubectl'], 'kubectl against the API server double', () => {
  let live: LiveCluster;
  let cache: string;
  let client: ClusterClient;
  beforeAll(async () => {
    live = await startLiveCluster(HOMELAB);
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-kubectl-cache-'));
    client = new ClusterClient(resolveKubeconfig({ kubeconfig: live.kubeconfig, env: {} }));
  });
  afterAll(async () => {
    await live.close();
    fs.rmSync(cache, { recursive: true, force: true });
  });

  // kubectl must not block the event loop the double runs on: execFile, never execFileSync.
  const kubectl = async (...args: string[]) =>
    (
      await run('kubectl', ['--kubeconfig', live.kubeconfig, '--cache-dir', cache, ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin', HOME: cache },
      })
    ).stdout;

  it('get ns: the same namespaces netpol lists', async () => {
    const text = await kubectl('get', 'ns');
    const rows = text.trim().split('\n');
    expect(rows[0]?.split(/\s+/)).toEqual(['NAME', 'STATUS', 'AGE']);
    const names = rows.slice(1).map((r) => r.split(/\s+/)[0]);
    expect(names).toEqual((await client.listNamespaces()).map((n) => n.name));
    expect(rows.slice(1).every((r) => r.split(/\s+/)[1] === 'Active')).toBe(true);
    const json = JSON.parse(await kubectl('get', 'ns', 'web', '-o', 'json'));
    expect(json.metadata.labels).toEqual((await client.getNamespace('web'))?.labels);
  });

  it('label ns and annotate ns: kubectl writes, netpol reads the result (and the reverse)', async () => {
    expect(await kubectl('label', 'ns', 'docs', 'team=docs')).toBe('namespace/docs labeled\n');
    expect(await kubectl('annotate', 'ns', 'docs', 'owner=docs-team')).toBe('namespace/docs annotated\n');
    const ns = await client.getNamespace('docs');
    expect(ns?.labels.team).toBe('docs');
    expect(ns?.annotations).toEqual({ owner: 'docs-team' });
    const written = await client.patchNamespaceMetadata(
      'docs',
      ns?.resourceVersion ?? '',
      { team: null, tier: 'web' },
      {},
    );
    expect(written).not.toBe('conflict');
    expect(await kubectl('get', 'ns', 'docs', '-o', 'jsonpath={.metadata.labels}')).toBe(
      JSON.stringify({
        'kubernetes.io/metadata.name': 'docs',
        'network-policy.homelab/profile': 'standard',
        tier: 'web',
      }),
    );
    // kubectl label --resource-version is the same precondition netpol uses: a stale version is a conflict.
    await expect(
      kubectl('label', 'ns', 'docs', 'x=y', '--resource-version', ns?.resourceVersion ?? ''),
    ).rejects.toThrow(/the object has been modified/);
    expect(await client.patchNamespaceMetadata('docs', ns?.resourceVersion ?? '', { x: 'y' }, {})).toBe(
      'conflict',
    );
    // Removing a label: kubectl's `key-` and netpol's null are the same merge patch.
    await kubectl('label', 'ns', 'docs', 'tier-');
    expect((await client.getNamespace('docs'))?.labels.tier).toBeUndefined();
    // Strategic merge patch (kubectl patch's default) merges labels as a merge patch does.
    await kubectl('patch', 'ns', 'docs', '-p', '{"metadata":{"labels":{"s":"1"}}}');
    expect((await client.getNamespace('docs'))?.labels).toMatchObject({
      s: '1',
      'network-policy.homelab/profile': 'standard',
    });
    const managers = (
      live.api.get('Namespace', 'docs')?.metadata as { managedFields?: { manager: string }[] } | undefined
    )?.managedFields?.map((m) => m.manager);
    expect(managers).toEqual([
      'kustomize-controller',
      'kubectl-annotate',
      'netpol',
      'kubectl-label',
      'kubectl-patch',
    ]);
  });

  it('get cnp -A -o json: the same CiliumNetworkPolicies netpol lists', async () => {
    const json = JSON.parse(await kubectl('get', 'cnp', '-A', '-o', 'json'));
    expect(json.kind).toBe('List');
    // kubectl hides managedFields unless --show-managed-fields.
    const ours = (await client.listPolicies('CiliumNetworkPolicy')).map(withoutManagedFields);
    expect(json.items).toEqual(ours);
    expect(
      json.items.map(
        (p: { metadata: { namespace: string; name: string } }) =>
          `${p.metadata.namespace}/${p.metadata.name}`,
      ),
    ).toEqual([
      'cache/cache-default',
      'cache/dragonfly',
      'database/database-default',
      'database/postgres',
      'garage/garage',
      'garage/garage-default',
      'istio-gateway/gateway-external',
      'istio-gateway/gateway-internal',
      'istio-gateway/istio-gateway-default',
      'istio-system/istio-system-default',
      'istio-system/istiod',
      'istio-system/ztunnel',
      'kube-system/coredns',
      'kube-system/kube-system-default',
      'monitoring/grafana',
      'monitoring/monitoring-default',
      'monitoring/prometheus',
    ]);
    const ccnp = JSON.parse(await kubectl('get', 'ccnp', '-o', 'json'));
    expect(ccnp.items).toEqual(
      (await client.listPolicies('CiliumClusterwideNetworkPolicy')).map(withoutManagedFields),
    );
    const full = JSON.parse(await kubectl('get', 'cnp', '-A', '-o', 'json', '--show-managed-fields'));
    expect(full.items).toEqual(await client.listPolicies('CiliumNetworkPolicy'));
  });
});
