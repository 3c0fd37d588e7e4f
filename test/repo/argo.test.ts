import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { yaml } from '../helpers/use-repo.js';

/*
 * Argo CD applications, with the objects written by hand from the Argo CD documentation
 * (user-guide/application-specification: source.path, directory.recurse, kustomize.namePrefix,
 * destination.namespace for objects without one; operator-manual/applicationset/Generators-Git: git
 * directories generator with {{path}} and {{path.basename}}; Generators-List).
 */

const app = (name: string, source: string, namespace: string) => yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: ${name}
    namespace: argocd
  spec:
    project: default
    destination:
      server: https://kubernetes.default.svc
      namespace: ${namespace}
    source:
      repoURL: https://example.org/org/fleet.git
${source.replace(/^/gm, '      ')}
`;

const cnp = (name: string) => yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: ${name}
  spec:
    endpointSelector: {}
    ingress:
      - fromEndpoints: [{}]
`;

/** An ApplicationSet applying each folder under `dir` (git directories generator) into the namespace of its name. */
const appSet = (name: string, dir: string) => yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: ApplicationSet
  metadata:
    name: ${name}
    namespace: argocd
  spec:
    generators:
      - git:
          repoURL: https://example.org/org/fleet.git
          directories:
            - path: ${dir}/*
    template:
      metadata:
        name: '{{path.basename}}'
      spec:
        destination:
          server: https://kubernetes.default.svc
          namespace: '{{path.basename}}'
        source:
          repoURL: https://example.org/org/fleet.git
          path: '{{path}}'
`;

const files: Record<string, string> = {
  'argocd/app-of-apps.yaml': app('root', 'path: apps', 'argocd'),
  'apps/web.yaml': app('web', 'path: manifests/web', 'web'),
  'apps/shop.yaml': app('shop', 'path: manifests/shop\nkustomize:\n  namePrefix: shop-', 'shop'),
  'apps/monitoring.yaml': app(
    'monitoring',
    'chart: kube-prometheus-stack\ntargetRevision: 60.0.0',
    'monitoring',
  ),
  'apps/teams.yaml': yaml`
    apiVersion: argoproj.io/v1alpha1
    kind: ApplicationSet
    metadata:
      name: teams
      namespace: argocd
    spec:
      generators:
        - git:
            repoURL: https://example.org/org/fleet.git
            directories:
              - path: manifests/teams/*
              - path: manifests/teams/retired
                exclude: true
      template:
        metadata:
          name: 'team-{{path.basename}}'
        spec:
          destination:
            namespace: '{{path.basename}}'
          source:
            repoURL: https://example.org/org/fleet.git
            path: '{{path}}'
  `,
  'manifests/web/cnp.yaml': cnp('web-default'),
  // Not read: a directory application is not recursive unless directory.recurse is set.
  'manifests/web/nested/cnp.yaml': cnp('nested'),
  'manifests/shop/kustomization.yaml': 'resources: [cnp.yaml]\n',
  'manifests/shop/cnp.yaml': cnp('default'),
  'manifests/teams/alpha/cnp.yaml': cnp('alpha-default'),
  'manifests/teams/beta/cnp.yaml': cnp('beta-default'),
  'manifests/teams/retired/cnp.yaml': cnp('retired'),
};

describe('loadRepo with Argo CD', () => {
  it('follows the app of apps to directory and kustomize applications and expands an ApplicationSet', () => {
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(repo.entry).toEqual({ mode: 'argo', path: 'argocd', cluster: 'argocd' });
    // Breadth first: the Applications of apps/ in file order, the ApplicationSet's in generator order.
    expect(repo.policies.map((p) => `${p.namespace}/${p.name} ${p.source.file}`)).toEqual([
      'shop/shop-default manifests/shop/cnp.yaml',
      'alpha/alpha-default manifests/teams/alpha/cnp.yaml',
      'beta/beta-default manifests/teams/beta/cnp.yaml',
      'web/web-default manifests/web/cnp.yaml',
    ]);
    expect(repo.unseen).toMatchObject([
      {
        kind: 'Application',
        name: 'monitoring',
        reason: 'Helm chart kube-prometheus-stack',
        namespaces: ['monitoring'],
      },
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual(['RUNTIME_RENDERED']);
  });

  it('reads Argo CD entries that nothing applies as one cluster (two ApplicationSets installed by hand)', () => {
    const { repo } = loadRepoFromText({
      'k8s/infra/kustomization.yaml': 'resources: [application-set.yaml]\n',
      'k8s/infra/application-set.yaml': appSet('infra', 'k8s/infra/parts'),
      'k8s/infra/parts/dns/cnp.yaml': cnp('dns-default'),
      'k8s/apps/kustomization.yaml': 'resources: [application-set.yaml]\n',
      'k8s/apps/application-set.yaml': appSet('apps', 'k8s/apps/parts'),
      'k8s/apps/parts/shop/cnp.yaml': cnp('shop-default'),
    });
    expect(repo.entry).toEqual({ mode: 'argo', path: 'k8s/apps', cluster: 'k8s' });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual([
      'shop/shop-default',
      'dns/dns-default',
    ]);
  });

  it('reads a document that the entry kustomization and an Application both apply as one object, without a duplicate warning', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'argocd/kustomization.yaml': 'resources: [root.yaml, ../manifests/web]\n',
      'argocd/root.yaml': app('web', 'path: manifests/web', 'web'),
      'manifests/web/kustomization.yaml': 'namespace: web\nresources: [cnp.yaml]\n',
      'manifests/web/cnp.yaml': cnp('web-default'),
    });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name} ${p.source.file}`)).toEqual([
      'web/web-default manifests/web/cnp.yaml',
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual([]);
  });

  it('reports a document rendered twice with different content, naming both paths (fresh-user-2 #4)', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'argocd/kustomization.yaml': 'resources: [root.yaml, ../manifests/web]\ncommonLabels: {team: a}\n',
      'argocd/root.yaml': app('web', 'path: manifests/web', 'web'),
      'manifests/web/kustomization.yaml': 'namespace: web\nresources: [cnp.yaml]\n',
      'manifests/web/cnp.yaml': cnp('web-default'),
    });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name} ${p.source.file}`)).toEqual([
      'web/web-default manifests/web/cnp.yaml',
    ]);
    expect(
      diagnostics.map((d) => [d.code, `${d.source?.file}:${d.source?.line}`, d.message, d.hint]),
    ).toEqual([
      [
        'DUPLICATE_OBJECT',
        'manifests/web/cnp.yaml:1',
        'CiliumNetworkPolicy/web/web-default is rendered twice from this document with different content, through the entry folder "argocd" and through Application argocd/web (argocd/root.yaml:1); the second rendering is ignored.',
        'Render it through one of them only, or make both render it alike (same patches, namespace and variables).',
      ],
    ]);
  });

  it('reads an entry Application file through the kustomization that lists it, not its loose folder (a Helm values file beside it is no manifest)', () => {
    // kustomize builds only what a kustomization lists (kubernetes-sigs/kustomize api/krusty); the values file
    // is a helmCharts input. Found on a public Argo CD repository (docs/real-repos.md, sholdee/home-ops).
    const { repo, diagnostics } = loadRepoFromText({
      'apps/argocd/kustomization.yaml':
        'namespace: argocd\nresources: [manifests/app-set.yaml, manifests/cnp.yaml]\nhelmCharts:\n  - name: argo-cd\n    valuesFile: manifests/values.yaml\n',
      'apps/argocd/manifests/app-set.yaml': appSet('apps', 'apps'),
      'apps/argocd/manifests/cnp.yaml': cnp('argocd-default'),
      'apps/argocd/manifests/values.yaml': 'server:\n  replicas: 2\n',
      'apps/web/cnp.yaml': cnp('web-default'),
    });
    expect(repo.entry).toEqual({ mode: 'argo', path: 'apps/argocd', cluster: 'argocd' });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name} ${p.source.file}`)).toEqual([
      'argocd/argocd-default apps/argocd/manifests/cnp.yaml',
      'web/web-default apps/web/cnp.yaml',
    ]);
    expect(diagnostics.map((d) => [d.code, d.source?.file])).toEqual([
      ['KUSTOMIZE_UNSUPPORTED', 'apps/argocd/kustomization.yaml'],
    ]);
  });

  it('reports an Application whose path is not a folder', () => {
    const { diagnostics } = loadRepoFromText({
      'argocd/root.yaml': app('root', 'path: apps/missing', 'argocd'),
    });
    expect(diagnostics.map((d) => [d.code, d.source?.file, d.source?.line])).toEqual([
      ['SOURCE_NOT_FOLLOWED', 'argocd/root.yaml', 13],
    ]);
  });
});
