import { describe, expect, it } from 'vitest';
import { guessSourceRoot } from '../../src/repo/flux.js';
import { memoryHost } from '../../src/repo/host.js';
import { loadRepo } from '../../src/repo/load-repo.js';
import { fluxKustomization } from '../helpers/flux.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

/*
 * A cluster folder that is a plain kustomization (`../base` plus per-cluster patches and replacements) whose
 * build yields Flux Kustomizations: Flux applies those Kustomizations, so netpol follows them (their
 * spec.path from the source root, postBuild substitution from a ConfigMap another Kustomization applies), as
 * kustomize-controller does (fluxcd.io/flux/components/kustomize/kustomizations). The source is an OCI
 * artifact built from `k8s/` (`flux push artifact --path=./k8s`), so paths lead from `k8s/`, not from the
 * git work tree. Expected objects written by hand from that reading.
 */

const ks = (name: string, path: string, extra = '') => fluxKustomization(name, path, extra, 'OCIRepository');

const cnp = (name: string, namespace: string, port: string) => yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: ${name}
    namespace: ${namespace}
  spec:
    endpointSelector: {}
    ingress:
      - toPorts:
          - ports:
              - port: "${port}"
`;

const tree: Record<string, string> = {
  '.git/config': '[remote "origin"]\n\turl = https://example.org/org/platform.git\n',
  'k8s/clusters/base/kustomization.yaml': 'resources: [meta.yaml, bootstrap.yaml, apps.yaml]\n',
  'k8s/clusters/base/meta.yaml': yaml`
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: cluster-meta
      namespace: flux-system
      annotations:
        config.kubernetes.io/local-config: "true"
    data:
      cluster: __CLUSTER__
  `,
  'k8s/clusters/base/bootstrap.yaml': ks('bootstrap', 'clusters/__CLUSTER__/bootstrap'),
  'k8s/clusters/base/apps.yaml': ks(
    'apps',
    'providers/__CLUSTER__/apps',
    '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n',
  ),
  'k8s/clusters/prod/kustomization.yaml': yaml`
    resources: [../base]
    patches:
      - patch: |
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: cluster-meta
            namespace: flux-system
          data:
            cluster: prod
    replacements:
      - source:
          kind: ConfigMap
          name: cluster-meta
          fieldPath: data.cluster
        targets:
          - select:
              kind: Kustomization
            fieldPaths: [spec.path]
            options:
              delimiter: /
              index: 1
  `,
  'k8s/clusters/prod/bootstrap/vars.yaml': yaml`
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: cluster-vars
      namespace: flux-system
    data:
      web_port: "8080"
  `,
  'k8s/providers/prod/apps/web/policy.yaml': cnp('web', 'web', '${web_port}'),
  // A tenant Kustomization of another repository with `path: ./`: not this source, never its root.
  'k8s/providers/prod/apps/tenant.yaml': yaml`
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    metadata:
      name: tenant
      namespace: tenant
    spec:
      url: https://example.org/org/tenant
    ---
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: tenant
      namespace: tenant
    spec:
      path: ./
      targetNamespace: tenant
      sourceRef:
        kind: GitRepository
        name: tenant
  `,
  // Another cluster's folder: never applied to prod.
  'k8s/providers/staging/apps/web/policy.yaml': cnp('web-staging', 'web', '9090'),
};

describe('loadRepo of a plain kustomization that renders Flux Kustomizations', () => {
  it('follows them from the source root their paths lead from, with postBuild substitution', async () => {
    const repo = useRepo(tree);
    const { repo: loaded, diagnostics } = await loadRepo({ root: repo.path('k8s/clusters/prod') });
    expect(loaded.entry).toEqual({ mode: 'flux', path: '' });
    expect(
      loaded.policies.map((p) => ({
        id: `${p.namespace}/${p.name}`,
        at: `${p.source.file}:${p.source.line}`,
        ports:
          p.kind === 'CiliumNetworkPolicy'
            ? p.rules
                .flatMap((r) => r.ingress ?? [])
                .flatMap((i) => i.toPorts.flatMap((t) => t.ports.map((x) => x.port)))
            : [],
      })),
    ).toEqual([{ id: 'web/web', at: '../../providers/prod/apps/web/policy.yaml:1', ports: [8080] }]);
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`])).toEqual([
      ['FLUX_SOURCE_ROOT', 'info', '../base/bootstrap.yaml:7'],
      ['FLUX_SOURCE_EXTERNAL', 'warning', '../../providers/prod/apps/tenant.yaml:18'],
      ['RUNTIME_RENDERED', 'info', '../../providers/prod/apps/tenant.yaml:9'],
    ]);
  });

  it('says so when the Kustomizations lead nowhere (never loads nothing silently)', async () => {
    const repo = useRepo({
      ...tree,
      'k8s/clusters/base/apps.yaml': ks('apps', 'nowhere/apps'),
      'k8s/clusters/base/bootstrap.yaml': ks('bootstrap', 'nowhere/bootstrap'),
    });
    const { repo: loaded, diagnostics } = await loadRepo({ root: repo.path('k8s/clusters/prod') });
    expect(loaded.policies).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`])).toEqual([
      ['FLUX_PATH_MISSING', 'error', '../base/bootstrap.yaml:7'],
      ['FLUX_PATH_MISSING', 'error', '../base/apps.yaml:7'],
    ]);
  });

  it('a kustomization without Flux objects is still read as plain kustomize', async () => {
    const repo = useRepo({
      '.git/config': '',
      'app/kustomization.yaml': 'resources: [policy.yaml]\n',
      'app/policy.yaml': cnp('web', 'web', '80'),
    });
    const { repo: loaded, diagnostics } = await loadRepo({ root: repo.path('app') });
    expect(loaded.entry).toEqual({ mode: 'kustomize', path: '' });
    expect(loaded.policies.map((p) => p.name)).toEqual(['web']);
    expect(diagnostics).toEqual([]);
  });
});

/*
 * The same repository read from its root: the Flux Kustomizations exist only in `k8s/clusters/base`, which
 * both cluster overlays include with `../base`, so each overlay is a cluster entry (kustomize builds only
 * what a kustomization lists: kubernetes-sigs/kustomize api/krusty "resources"), and netpol asks which one
 * rather than mixing them. A Kustomization patch fragment (no `spec.sourceRef`, which the Flux CRD requires)
 * is not an entry applying the source root.
 */
const twoClusters: Record<string, string> = {
  ...tree,
  'k8s/clusters/staging/kustomization.yaml': (tree['k8s/clusters/prod/kustomization.yaml'] as string).replace(
    'cluster: prod',
    'cluster: staging',
  ),
  'k8s/patches/protect-apps.yaml': yaml`
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: apps
      namespace: flux-system
    spec:
      prune: false
  `,
};

describe('loadRepo from the root of a repository whose clusters are overlays of Flux Kustomizations', () => {
  it('lists the overlays as clusters and exits rather than mixing them', async () => {
    const repo = useRepo(twoClusters);
    await expect(loadRepo({ root: repo.path('') })).rejects.toMatchObject({
      code: 'NETPOL_CLUSTER_AMBIGUOUS',
      message:
        'The repository holds 2 clusters: prod (k8s/clusters/prod), staging (k8s/clusters/staging); netpol analyses one at a time.',
    });
  });

  it('--cluster prod reads what -R k8s/clusters/prod reads, from the source root its paths lead from', async () => {
    const repo = useRepo(twoClusters);
    const { repo: loaded, diagnostics } = await loadRepo({ root: repo.path(''), cluster: 'prod' });
    expect(loaded.entry).toEqual({ mode: 'flux', path: 'k8s/clusters/prod', cluster: 'prod' });
    expect(
      loaded.policies.map((p) => [`${p.namespace}/${p.name}`, `${p.source.file}:${p.source.line}`]),
    ).toEqual([['web/web', 'k8s/providers/prod/apps/web/policy.yaml:1']]);
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`])).toEqual([
      ['FLUX_SOURCE_ROOT', 'info', 'k8s/clusters/base/bootstrap.yaml:7'],
      ['FLUX_SOURCE_EXTERNAL', 'warning', 'k8s/providers/prod/apps/tenant.yaml:18'],
      ['RUNTIME_RENDERED', 'info', 'k8s/providers/prod/apps/tenant.yaml:9'],
    ]);
  });
});

describe('guessSourceRoot', () => {
  const host = memoryHost({
    'k8s/clusters/prod/kustomization.yaml': '',
    'k8s/providers/prod/apps/a.yaml': '',
    'clusters/prod/x.yaml': '',
  });
  it.each([
    [
      'the git work tree when the paths lead from it',
      '',
      ['clusters/prod'],
      { root: '', resolved: 1, total: 1 },
    ],
    [
      'a tie goes to the work tree',
      '',
      ['./clusters/prod', 'k8s/providers/prod/apps'],
      { root: '', resolved: 2, total: 2 },
    ],
    ['variables are not counted', '', ['${X}/apps'], { root: '', resolved: 0, total: 0 }],
  ])('%s', (_name, sourceRoot, paths, expected) => {
    expect(guessSourceRoot(host, sourceRoot, paths)).toEqual(expected);
  });
  it.each([
    [
      'an overlay below the root: the folder above it the paths lead from',
      'k8s/clusters/prod',
      ['providers/prod/apps'],
      { root: 'k8s', resolved: 1, total: 1 },
    ],
    [
      'an overlay below the root whose paths lead from the work tree',
      'k8s/clusters/prod',
      ['clusters/prod'],
      { root: '', resolved: 1, total: 1 },
    ],
  ])('from an entry folder: %s', (_name, entry, paths, expected) => {
    expect(guessSourceRoot(host, '', paths, entry)).toEqual(expected);
  });
});
