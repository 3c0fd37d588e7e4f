import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { yaml } from '../helpers/use-repo.js';

/*
 * kustomize semantics on policies and Namespaces, with the rendered objects written by hand from the
 * kustomize reference (kubectl.docs.kubernetes.io/references/kustomize/kustomization/) and checked against
 * kubernetes-sigs/kustomize: the transformer order of api/internal/target/kusttarget_configplugin.go, the
 * namespace filter (api/filters/namespace: a Namespace object is renamed), the commonLabels field specs
 * (api/internal/konfig/builtinpluginconsts/commonlabels.go: NetworkPolicy podSelector matchLabels), the
 * prefix skip list (plugin/builtin/prefixtransformer), and merge2 without InferAssociativeLists (lists of
 * custom resources are replaced by a strategic-merge patch).
 */

const cnp = (name: string, extra = '') =>
  yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: ${name}
  spec:
    endpointSelector: {}
    ingress:
      - fromEndpoints: [{}]
      - fromEntities: [cluster]
` + extra;

const ns = (name: string, labels = '') =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${labels ? `  labels:\n${labels}` : ''}`;

function rendered(files: Record<string, string>) {
  const result = loadRepoFromText(files, { render: true });
  return { ...result, values: (result.rendered ?? []).map((r) => r.value) };
}

describe('kustomize build', () => {
  it('gives a nested kustomization its namespace, the outer one winning, and renames Namespaces', () => {
    const { repo } = rendered({
      'kustomization.yaml': 'resources: [team-a, team-b]\n',
      'team-a/kustomization.yaml': 'namespace: team-a\nresources: [ns.yaml, cnp.yaml]\n',
      'team-a/ns.yaml': ns('_'),
      'team-a/cnp.yaml': cnp('default-deny'),
      'team-b/kustomization.yaml': 'namespace: team-b\nresources: [../team-a]\n',
    });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual([
      'team-a/default-deny',
      'team-b/default-deny',
    ]);
    expect(repo.namespaces.map((n) => n.name)).toEqual(['team-a', 'team-b']);
  });

  it('adds commonLabels and labels to Namespaces, and commonLabels to NetworkPolicy matchLabels', () => {
    const { repo, values } = rendered({
      'kustomization.yaml': yaml`
        resources: [ns.yaml, np.yaml]
        commonLabels:
          network-policy/profile: standard
        labels:
          - pairs:
              access/postgres: "true"
      `,
      'ns.yaml': ns('shop'),
      'np.yaml': yaml`
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: web
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: web
      `,
    });
    expect(repo.namespaces[0]?.labels).toEqual({
      'network-policy/profile': 'standard',
      'access/postgres': 'true',
      'kubernetes.io/metadata.name': 'shop',
    });
    expect(values[1]).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'web',
        namespace: 'shop',
        labels: { 'network-policy/profile': 'standard', 'access/postgres': 'true' },
      },
      // labels without includeSelectors leave selectors alone; commonLabels extends matchLabels.
      spec: { podSelector: { matchLabels: { app: 'web', 'network-policy/profile': 'standard' } } },
    });
  });

  it('replaces a CiliumNetworkPolicy list with a strategic-merge patch, and deletes with null', () => {
    const { values, repo } = rendered({
      'kustomization.yaml': 'namespace: web\nresources: [cnp.yaml]\npatchesStrategicMerge: [patch.yaml]\n',
      'cnp.yaml': cnp('allow', '  description: old\n'),
      'patch.yaml': yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: allow
        spec:
          description: null
          ingress:
            - fromEntities: [world]
      `,
    });
    expect(values[0]).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'allow', namespace: 'web' },
      spec: { endpointSelector: {}, ingress: [{ fromEntities: ['world'] }] },
    });
    const rule = repo.policies[0]?.kind === 'CiliumNetworkPolicy' ? repo.policies[0].rules[0] : undefined;
    expect(rule?.ingress?.[0]?.source).toMatchObject({ file: 'patch.yaml', line: 8 });
  });

  it('applies JSON 6902 patches to Namespace labels', () => {
    const { repo, diagnostics } = rendered({
      'kustomization.yaml': yaml`
        resources: [ns.yaml]
        patches:
          - target:
              kind: Namespace
              name: shop
            patch: |
              - op: add
                path: /metadata/labels/profile
                value: internal
              - op: test
                path: /metadata/labels
                value: {profile: internal, team: a}
      `,
      'ns.yaml': ns('shop', '    team: a\n'),
    });
    expect(repo.namespaces[0]?.labels).toEqual({
      team: 'a',
      profile: 'internal',
      'kubernetes.io/metadata.name': 'shop',
    });
    expect(diagnostics).toEqual([]);
  });

  /**
   * kustomize fails the whole build, and Flux then applies nothing from the Kustomization (fresh-user-3 #6):
   * a patch without target that matches nothing (api/internal/builtins/PatchTransformer.go: `GetById`), a JSON
   * 6902 operation that does not apply (evanphx/json-patch stops at the first), an unknown kustomization field
   * (api/types/kustomization.go: `DisallowUnknownFields`).
   */
  it.each([
    {
      case: 'a JSON 6902 remove of a missing path',
      kustomization:
        'resources: [ns.yaml]\npatches:\n  - target: {kind: Namespace}\n    patch: |\n      - op: remove\n        path: /metadata/labels/missing\n      - op: remove\n        path: /metadata/labels/other\n',
      at: 'kustomization.yaml:4',
      message:
        'JSON patch operation 0 does not apply to Namespace/shop: path "/metadata/labels/missing" does not exist; kustomize fails the build of ".", so none of its objects are loaded.',
    },
    {
      case: 'a JSON 6902 test that fails',
      kustomization:
        'resources: [ns.yaml]\npatches:\n  - target: {kind: Namespace}\n    patch: |\n      - op: test\n        path: /metadata/labels/team\n        value: b\n',
      at: 'kustomization.yaml:4',
      message:
        'JSON patch operation 0 does not apply to Namespace/shop: test of "/metadata/labels/team" failed; kustomize fails the build of ".", so none of its objects are loaded.',
    },
    {
      case: 'a strategic-merge patch matching nothing',
      kustomization:
        'resources: [ns.yaml]\npatchesStrategicMerge:\n  - |\n    apiVersion: v1\n    kind: Namespace\n    metadata: {name: shpo}\n',
      at: 'kustomization.yaml:3',
      message:
        'The patch for Namespace/shpo matches no object of this kustomization (kustomize: "no matches for Id"); kustomize fails the build of ".", so none of its objects are loaded.',
    },
    {
      case: 'an unknown field',
      kustomization: 'resources: [ns.yaml]\nnamespce: shop\n',
      at: 'kustomization.yaml:2',
      message:
        'Kustomization field "namespce" is unknown; kustomize fails the build of ".", so none of its objects are loaded.',
    },
  ])('fails the build on $case', ({ kustomization, at, message }) => {
    const { repo, diagnostics } = rendered({
      'kustomization.yaml': kustomization,
      'ns.yaml': ns('shop', '    team: a\n'),
    });
    expect(repo.namespaces).toEqual([]);
    expect(diagnostics.map((d) => [`${d.source?.file}:${d.source?.line}`, d.severity, d.message])).toEqual([
      [at, 'error', message],
    ]);
  });

  it('drops the objects of a failing Flux build but follows the Kustomizations it holds (the cluster keeps them)', () => {
    const ks = (name: string, path: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec: {path: ${path}, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
    const { repo, diagnostics } = rendered({
      'clusters/prod/apps.yaml': ks('apps', './apps'),
      'apps/kustomization.yaml': 'resources: [ns.yaml, ns.yaml, child.yaml]\n',
      'apps/ns.yaml': ns('shop'),
      'apps/child.yaml': ks('child', './child'),
      'child/ns.yaml': ns('child'),
    });
    expect(repo.namespaces.map((n) => n.name)).toEqual(['child']);
    expect(diagnostics.map((d) => [`${d.source?.file}:${d.source?.line}`, d.code, d.message])).toEqual([
      [
        'apps/kustomization.yaml:1',
        'DUPLICATE_OBJECT',
        'Namespace/shop is already in this build, from apps/ns.yaml:1 (kustomize: "may not add resource with an already registered id"); kustomize fails the build of "apps", so Flux applies nothing from Kustomization flux-system/apps (clusters/prod/apps.yaml:1).',
      ],
    ]);
  });

  it('keeps a patch matching nothing a warning where the build holds objects netpol does not render', () => {
    const { repo, diagnostics } = rendered({
      'kustomization.yaml':
        'resources: [ns.yaml, https://example.com/app.yaml]\npatches:\n  - patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: app}\n',
      'ns.yaml': ns('shop'),
    });
    expect(repo.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['KUSTOMIZE_REMOTE_RESOURCE', 'warning'],
      ['KUSTOMIZE_PATCH_NO_MATCH', 'warning'],
    ]);
  });

  it('reads names case-insensitively and calls an unknown field a warning where Flux rewrites the kustomization', () => {
    const { repo, diagnostics } = rendered({
      'clusters/prod/apps.yaml':
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {path: ./apps, sourceRef: {kind: GitRepository, name: flux-system}}\n',
      'apps/kustomization.yaml': 'resources: [ns.yaml]\nBuildMetadata: []\nextra: 1\n',
      'apps/ns.yaml': ns('shop'),
    });
    expect(repo.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(
      diagnostics.map((d) => [`${d.source?.file}:${d.source?.line}`, d.code, d.severity, d.message]),
    ).toEqual([
      [
        'apps/kustomization.yaml:3',
        'UNKNOWN_FIELD',
        'warning',
        'Kustomization field "extra" is unknown; Flux drops it when it rewrites this kustomization (`kustomize build` alone would fail on it).',
      ],
    ]);
  });

  it('reads a component only through the kustomization that includes it (its placeholder namespace never loads)', () => {
    const { repo } = rendered({
      'kustomization.yaml': 'namespace: shop\nresources: [ns.yaml]\ncomponents: [components/deny]\n',
      'ns.yaml': ns('shop'),
      'components/deny/kustomization.yaml': yaml`
        apiVersion: kustomize.config.k8s.io/v1alpha1
        kind: Component
        resources: [cnp.yaml]
        patches:
          - target:
              kind: Namespace
            patch: |
              apiVersion: v1
              kind: Namespace
              metadata:
                name: _
                labels:
                  profile: isolated
      `,
      'components/deny/cnp.yaml': cnp('deny', '').replace(
        'name: deny',
        'name: deny\n  namespace: placeholder.invalid',
      ),
    });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['shop/deny']);
    expect(repo.namespaces.map((n) => [n.name, n.labels.profile])).toEqual([['shop', 'isolated']]);
  });

  it('replaces metadata.namespace and a label from another object (replacements)', () => {
    const { repo } = rendered({
      'kustomization.yaml': yaml`
        resources: [settings.yaml, ns.yaml, cnp.yaml]
        replacements:
          - source:
              kind: ConfigMap
              name: settings
              fieldPath: data.namespace
            targets:
              - select:
                  kind: CiliumNetworkPolicy
                fieldPaths: [metadata.namespace]
                options:
                  create: true
              - select:
                  kind: Namespace
                fieldPaths: [metadata.name]
          - source:
              kind: ConfigMap
              name: settings
              fieldPath: data.profile
            targets:
              - select:
                  kind: Namespace
                fieldPaths: ["metadata.labels.[network-policy/profile]"]
                options:
                  create: true
      `,
      'settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  namespace: billing\n  profile: standard\n',
      'ns.yaml': ns('placeholder'),
      'cnp.yaml': cnp('allow'),
    });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['billing/allow']);
    expect(repo.namespaces.map((n) => [n.name, n.labels['network-policy/profile']])).toEqual([
      ['billing', 'standard'],
    ]);
  });

  it('renames with namePrefix/nameSuffix except Namespaces, and warns on what it cannot render', () => {
    const { repo, diagnostics } = rendered({
      'kustomization.yaml': yaml`
        namePrefix: team-
        resources: [ns.yaml, cnp.yaml]
        helmCharts:
          - name: podinfo
        patchesStrategicMerge: [gone-patch.yaml]
      `,
      'ns.yaml': ns('shop'),
      'cnp.yaml': cnp('allow').replace('name: allow', 'name: allow\n  namespace: shop'),
      'gone-patch.yaml': 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: nothing\n',
    });
    expect(repo.policies.map((p) => p.name)).toEqual(['team-allow']);
    expect(repo.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`])).toEqual([
      ['KUSTOMIZE_UNSUPPORTED', 'warning', 'kustomization.yaml:3'],
      ['KUSTOMIZE_PATCH_NO_MATCH', 'warning', 'kustomization.yaml:5'],
    ]);
  });

  it('leaves a generator input given by URL unfetched with a warning, not a read error (kustomize downloads it)', () => {
    const { values, diagnostics } = rendered({
      'kustomization.yaml': yaml`
        namespace: shop
        resources: [cnp.yaml]
        configMapGenerator:
          - name: dashboards
            files:
              - overview.json=https://example.org/dashboards/overview.json
              - local.json
      `,
      'cnp.yaml': cnp('allow'),
      'local.json': '{}\n',
    });
    expect(values.map((v) => [v.kind, v.metadata?.name])).toEqual([
      ['CiliumNetworkPolicy', 'allow'],
      ['ConfigMap', 'dashboards'],
    ]);
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`])).toEqual([
      ['KUSTOMIZE_REMOTE_RESOURCE', 'warning', 'kustomization.yaml:4'],
    ]);
  });

  it('applies builtin transformers: a NamespaceTransformer with field specs, from a folder', () => {
    // kustomize plugin/builtin/namespacetransformer: metadata.namespace of namespaced objects, the names of
    // Namespaces, and the extra field specs (here a Flux Kustomization's targetNamespace, which Flux then
    // gives to the objects of its path).
    const { repo } = rendered({
      'kustomization.yaml': 'resources: [ns.yaml, cnp.yaml, ks.yaml]\ntransformers: [./transformers]\n',
      'ns.yaml': ns('.invalid'),
      'cnp.yaml': cnp('allow'),
      'ks.yaml': yaml`
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: app
        spec:
          path: ./app
          sourceRef:
            kind: GitRepository
            name: flux-system
      `,
      'app/cnp.yaml': cnp('app-allow'),
      'transformers/kustomization.yaml': 'namespace: media\nresources: [transformer.yaml]\n',
      'transformers/transformer.yaml': yaml`
        apiVersion: builtin
        kind: NamespaceTransformer
        metadata:
          name: apply-ns
          namespace: .invalid
        fieldSpecs:
          - path: metadata/name
            kind: Namespace
            create: true
          - path: spec/targetNamespace
            group: kustomize.toolkit.fluxcd.io
            kind: Kustomization
            create: true
      `,
    });
    expect(repo.namespaces.map((n) => n.name)).toEqual(['media']);
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['media/allow', 'media/app-allow']);
    expect(repo.appliedFiles).not.toContain('transformers/transformer.yaml');
  });

  it('loads ../base above -R when it is inside the repository boundary', () => {
    // In memory the boundary is the root: a path above it is refused with a diagnostic, never a crash.
    const { diagnostics } = rendered({ 'kustomization.yaml': 'resources: [../base]\n' });
    expect(diagnostics.map((d) => d.code)).toEqual(['KUSTOMIZE_MISSING_RESOURCE']);
  });
});
