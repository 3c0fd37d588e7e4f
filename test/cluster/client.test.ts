import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterClient, microTime } from '../../src/cluster/client.js';
import { resolveKubeconfig } from '../../src/cluster/kubeconfig.js';
import { type LiveCluster, startLiveCluster } from '../helpers/live-cluster.js';

let live: LiveCluster;
beforeEach(async () => {
  live = await startLiveCluster(undefined, {
    users: {
      'admin-token': { username: 'admin' },
      'ns-reader': {
        username: 'carol',
        rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['namespaces'] }],
      },
    },
  });
  live.api.put({ kind: 'Namespace', metadata: { name: 'web', labels: { a: '1' } } });
});
afterEach(async () => {
  await live.close();
});

function client(token = 'admin-token', timeoutMs?: number): ClusterClient {
  const kube = resolveKubeconfig({ kubeconfig: live.writeKubeconfig(token, 'ctx'), env: {} });
  return new ClusterClient(kube, timeoutMs !== undefined ? { timeoutMs } : {});
}

/** The one-line error, with the double's port replaced. */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string; hint?: string };
    const clean = (s: string) => s.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
    return { code: err.code, message: clean(err.message), ...(err.hint ? { hint: clean(err.hint) } : {}) };
  }
  throw new Error('expected a failure');
}

describe('ClusterClient', () => {
  it('reads, patches with a precondition (409 is "conflict"), lists and records Events', async () => {
    const c = client();
    const ns = await c.getNamespace('web');
    expect(ns).toMatchObject({
      name: 'web',
      labels: { a: '1', 'kubernetes.io/metadata.name': 'web' },
      annotations: {},
    });
    expect(await c.getNamespace('nope')).toBeNull();
    const after = await c.patchNamespaceMetadata(
      'web',
      ns?.resourceVersion ?? '',
      { a: null, b: '2' },
      { n: 'x' },
    );
    expect(after).toMatchObject({
      labels: { b: '2', 'kubernetes.io/metadata.name': 'web' },
      annotations: { n: 'x' },
    });
    expect(await c.patchNamespaceMetadata('web', ns?.resourceVersion ?? '', { c: '3' }, {})).toBe('conflict');
    expect((await c.listNamespaces('b=2')).map((n) => n.name)).toEqual(['web']);
    expect(await c.listNamespaces('b=3')).toEqual([]);
    expect(await c.whoAmI()).toBe('admin');
    await c.createNamespaceEvent({
      namespace: after === 'conflict' ? (ns as never) : after,
      type: 'Normal',
      reason: 'Test',
      action: 'Test',
      note: 'n',
      time: new Date('2026-01-02T03:04:05.678Z'),
    });
    const [event] = [...(live.api.store.get('events.k8s.io/events')?.values() ?? [])];
    expect(event).toMatchObject({
      eventTime: '2026-01-02T03:04:05.678000Z',
      regarding: { kind: 'Namespace', name: 'web' },
    });
  });

  it('microTime writes the six fractional digits the API server requires', () => {
    expect(microTime(new Date('2026-12-07T14:05:00.120Z'))).toBe('2026-12-07T14:05:00.120000Z');
  });

  it('without SelfSubjectReview (Kubernetes < 1.28) whoAmI is null, so the kubeconfig user is used', async () => {
    await live.close();
    live = await startLiveCluster(undefined, { selfSubjectReview: false });
    expect(await client().whoAmI()).toBeNull();
    expect(client().kubeconfigUser).toBe('ctx-user');
  });

  it.each([
    [
      'rejected credentials (401)',
      () => client('expired-token').listNamespaces(),
      {
        code: 'NETPOL_CLUSTER_UNAUTHORIZED',
        message:
          'The API server of context "ctx" (https://127.0.0.1:<port>) rejected the credentials (401 Unauthorized): they are missing, expired or revoked.',
        hint: 'Log in again (refresh the token, certificate or exec/OIDC login), then retry.',
      },
    ],
    [
      'a missing permission (403)',
      () => client('ns-reader').listPolicies('CiliumClusterwideNetworkPolicy'),
      {
        code: 'NETPOL_CLUSTER_FORBIDDEN',
        message:
          'User "carol" may not list ciliumclusterwidenetworkpolicies.cilium.io in all namespaces on context "ctx" (https://127.0.0.1:<port>) (403 Forbidden).',
        hint: 'Grant the RBAC rule {apiGroups: ["cilium.io"], resources: ["ciliumclusterwidenetworkpolicies"], verbs: ["list"]}, e.g. bind the ClusterRole netpol-read-only (deploy/rbac/netpol-read-only.yaml).',
      },
    ],
    [
      'a missing permission in a namespace (403)',
      () =>
        client('ns-reader').createNamespaceEvent({
          namespace: {
            name: 'web',
            uid: 'u',
            resourceVersion: '1',
            creationTimestamp: '',
            labels: {},
            annotations: {},
          },
          type: 'Normal',
          reason: 'R',
          action: 'A',
          note: 'n',
          time: new Date(),
        }),
      {
        code: 'NETPOL_CLUSTER_FORBIDDEN',
        message:
          'User "carol" may not create events.events.k8s.io in namespace "default" on context "ctx" (https://127.0.0.1:<port>) (403 Forbidden).',
        hint: 'Grant the RBAC rule {apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create"]}, e.g. bind the ClusterRole netpol-escape-hatch (deploy/rbac/netpol-escape-hatch.yaml).',
      },
    ],
  ])('%s is one clear error', async (_name, call, expected) => {
    expect(await failure(call())).toEqual(expected);
  });

  it('a missing Cilium CRD says Cilium is not installed', async () => {
    live.api.setCilium(false);
    expect(await failure(client().listPolicies('CiliumNetworkPolicy'))).toEqual({
      code: 'NETPOL_CLUSTER_FAILED',
      message:
        'The cluster of context "ctx" does not serve ciliumnetworkpolicies.cilium.io/v2: Cilium is not installed (its CRDs are missing).',
      hint: 'Install Cilium, or point --context at the cluster that runs it.',
    });
  });

  it('a dropped connection, a slow server and a closed port are "cannot reach"', async () => {
    live.api.hook = () => 'drop';
    expect(await failure(client().listNamespaces())).toMatchObject({
      code: 'NETPOL_CLUSTER_UNREACHABLE',
      message:
        'Cannot reach the API server of context "ctx" (https://127.0.0.1:<port>): connection reset (dropped).',
    });
    live.api.hook = () => ({ delayMs: 2000 });
    const started = Date.now();
    expect(await failure(client('admin-token', 150).listNamespaces())).toEqual({
      code: 'NETPOL_CLUSTER_UNREACHABLE',
      message: 'The API server of context "ctx" (https://127.0.0.1:<port>) did not answer within 0.15s.',
      hint: 'Check the network path to the API server (VPN, port-forward), or raise --request-timeout.',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    live.api.hook = undefined;
    const c = client();
    await live.close();
    expect(await failure(c.listNamespaces())).toEqual({
      code: 'NETPOL_CLUSTER_UNREACHABLE',
      message: 'Cannot reach the API server of context "ctx" (https://127.0.0.1:<port>): connection refused.',
      hint: 'Check that the cluster is up and reachable from here (VPN, port-forward), as `kubectl get ns` would.',
    });
    live = await startLiveCluster(undefined);
  });
});
