import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { fluxKustomization } from '../helpers/flux.js';
import { yaml } from '../helpers/use-repo.js';

/*
 * Flux Operator ResourceSets, with the objects the operator applies written by hand from its documentation
 * (controlplaneio-fluxcd/flux-operator docs/api/v1/resourceset.md: "Resources configuration", "Templating
 * functions", "Resource deduplication", "Conditional resource exclusion", "Built-in input fields",
 * "Resources template") and checked against internal/builder/resourceset.go (BuildResourceSet: resources
 * before resourcesTemplate, dedup by group/kind/namespace/name, missingkey=error) and internal/inputs
 * (provider fields, Permute).
 */

const bootstrap = `${yaml`
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: GitRepository
  metadata:
    name: flux-system
    namespace: flux-system
  spec:
    url: ssh://git@example.org/org/fleet
`}---\n${fluxKustomization('flux-system', './clusters/prod')}`;

/** A repository whose cluster entry holds `rset.yaml`. */
const repoWith = (rset: string, more: Record<string, string> = {}) => ({
  'clusters/prod/flux-system/gotk-sync.yaml': bootstrap,
  'clusters/prod/rset.yaml': rset,
  ...more,
});

/** The objects netpol renders from a ResourceSet (everything but the bootstrap's own objects). */
function rendered(files: Record<string, string>) {
  const result = loadRepoFromText(files, { render: true });
  return {
    objects: (result.rendered ?? [])
      .filter(
        (o) =>
          !o.source.file.endsWith('gotk-sync.yaml') && (o.value as { kind?: string }).kind !== 'ResourceSet',
      )
      .map((o) => ({ line: o.source.line, file: o.source.file, value: o.value })),
    diagnostics: result.diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`]),
    unseen: result.repo.unseen.map((u) => `${u.kind}/${u.namespace}/${u.name}: ${u.reason}`),
  };
}

const header = yaml`
  apiVersion: fluxcd.controlplane.io/v1
  kind: ResourceSet
  metadata:
    name: tenants
    namespace: flux-system
`;

describe('expandResourceSet (through loadRepo)', () => {
  it('renders spec.resources once per input set (docs: Resources configuration)', () => {
    const { objects, diagnostics } = rendered(
      repoWith(
        header +
          yaml`
          spec:
            inputs:
              - tenant: team1
                role: admin
              - tenant: team2
                role: cluster-admin
            resources:
              - apiVersion: v1
                kind: Namespace
                metadata:
                  name: << inputs.tenant >>
              - apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata:
                  name: flux
                  namespace: << inputs.tenant >>
                roleRef:
                  kind: ClusterRole
                  name: << inputs.role >>
                  apiGroup: rbac.authorization.k8s.io
        `,
      ),
    );
    expect(diagnostics).toEqual([]);
    const roleBinding = (tenant: string, role: string) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'flux', namespace: tenant },
      roleRef: { kind: 'ClusterRole', name: role, apiGroup: 'rbac.authorization.k8s.io' },
    });
    // Items in order, each for every input set; each object points at its item in the ResourceSet (a
    // `resources` item is one YAML text made from the item, so the item's first line is its position).
    expect(objects).toEqual([
      {
        file: 'clusters/prod/rset.yaml',
        line: 13,
        value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team1' } },
      },
      {
        file: 'clusters/prod/rset.yaml',
        line: 13,
        value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team2' } },
      },
      { file: 'clusters/prod/rset.yaml', line: 17, value: roleBinding('team1', 'admin') },
      { file: 'clusters/prod/rset.yaml', line: 17, value: roleBinding('team2', 'cluster-admin') },
    ]);
  });

  it('renders resourcesTemplate with range and if, pointing each object at its template line (docs: Resources template)', () => {
    const { objects, diagnostics } = rendered(
      repoWith(
        header +
          yaml`
          spec:
            inputs:
              - bundle: addons
                decryption: false
                components: [ingress, certs]
              - bundle: apps
                decryption: true
                components: [frontend]
            resourcesTemplate: |
              ---
              apiVersion: source.toolkit.fluxcd.io/v1
              kind: OCIRepository
              metadata:
                name: << inputs.bundle >>
                namespace: flux-system
              <<- range $component := inputs.components >>
              ---
              apiVersion: kustomize.toolkit.fluxcd.io/v1
              kind: Kustomization
              metadata:
                name: << $component >>
                namespace: flux-system
              spec:
                <<- if inputs.decryption >>
                decryption:
                  provider: sops
                <<- end >>
                sourceRef:
                  kind: OCIRepository
                  name: << inputs.bundle >>
                path: ./<< $component >>
              <<- end >>
        `,
      ),
    );
    const oci = (name: string) => ({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name, namespace: 'flux-system' },
    });
    const ks = (name: string, bundle: string, decryption: boolean) => ({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: 'flux-system' },
      spec: {
        ...(decryption ? { decryption: { provider: 'sops' } } : {}),
        sourceRef: { kind: 'OCIRepository', name: bundle },
        path: `./${name}`,
      },
    });
    // The template starts on line 15 ("---"); the OCIRepository's first key is on line 16, the
    // Kustomization's on line 23.
    expect(objects.map((o) => [o.line, o.value])).toEqual([
      [16, oci('addons')],
      [23, ks('ingress', 'addons', false)],
      [23, ks('certs', 'addons', false)],
      [16, oci('apps')],
      [23, ks('frontend', 'apps', true)],
    ]);
    // The Kustomizations apply an OCIRepository of the ResourceSet, not this repository: each is one warning.
    expect(diagnostics.map((d) => d[0])).toEqual([
      'FLUX_SOURCE_EXTERNAL',
      'FLUX_SOURCE_EXTERNAL',
      'FLUX_SOURCE_EXTERNAL',
      'RUNTIME_RENDERED',
    ]);
  });

  it('deduplicates, excludes disabled objects, and defaults with get | default (docs: deduplication, exclusion, functions)', () => {
    const { objects, diagnostics } = rendered(
      repoWith(
        header +
          yaml`
          spec:
            inputs:
              - namespace: team1
              - namespace: team2
                name: custom
            resources:
              - apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: shared
                  namespace: default
              - apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: << get inputs "name" | default inputs.namespace >>
                  namespace: << inputs.namespace >>
                  annotations:
                    fluxcd.controlplane.io/reconcile: << if eq inputs.namespace "team1" >>enabled<< else >>disabled<< end >>
                data:
                  provider: << inputs.provider.kind >>/<< inputs.provider.namespace >>/<< inputs.provider.name >>
                  quoted: << inputs.namespace | upper | quote >>
        `,
      ),
    );
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => o.value)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'team1',
          namespace: 'team1',
          annotations: { 'fluxcd.controlplane.io/reconcile': 'enabled' },
        },
        data: { provider: 'ResourceSet/flux-system/tenants', quoted: 'TEAM1' },
      },
    ]);
  });

  it('nests structured inputs with toYaml | nindent, and sets commonMetadata (docs: functions, Common metadata)', () => {
    const { objects } = rendered(
      repoWith(
        header +
          yaml`
          spec:
            commonMetadata:
              labels:
                app.kubernetes.io/name: podinfo
            inputs:
              - tenant: team1
                selector:
                  operation: copy
                  mediaType: helm
            resourcesTemplate: |
              apiVersion: source.toolkit.fluxcd.io/v1
              kind: OCIRepository
              metadata:
                name: << inputs.tenant >>
                namespace: flux-system
                labels:
                  tier: << inputs.tenant | slugify >>
              spec:
                layerSelector: << inputs.selector | toYaml | nindent 4 >>
        `,
      ),
    );
    expect(objects.map((o) => o.value)).toEqual([
      {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        metadata: {
          name: 'team1',
          namespace: 'flux-system',
          labels: { tier: 'team1', 'app.kubernetes.io/name': 'podinfo' },
        },
        spec: { layerSelector: { mediaType: 'helm', operation: 'copy' } },
      },
    ]);
  });

  it('renders the templates once when there are no inputs, and Permute nests inputs under the normalised name', () => {
    const none = rendered(
      repoWith(
        header +
          yaml`
          spec:
            resources:
              - apiVersion: v1
                kind: Namespace
                metadata:
                  name: fixed
        `,
      ),
    );
    expect(none.objects.map((o) => o.value)).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fixed' } },
    ]);
    const permuted = rendered(
      repoWith(
        yaml`
          apiVersion: fluxcd.controlplane.io/v1
          kind: ResourceSet
          metadata:
            name: My-RSet
            namespace: flux-system
          spec:
            inputStrategy:
              name: Permute
            inputs:
              - id: id1
            resources:
              - apiVersion: v1
                kind: Namespace
                metadata:
                  name: ns-<< inputs.my_rset.id >>-<< inputs.id >>
        `,
      ),
    );
    // id = adler32("my_rset=0") in decimal (internal/inputs/permuter.go collectPermutation, id.go).
    expect(permuted.objects.map((o) => o.value)).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-id1-314835825' } },
    ]);
  });

  it('follows the Kustomizations a ResourceSet generates, and their policies point at their own files', () => {
    const files = repoWith(
      header +
        yaml`
        spec:
          inputs:
            - name: policies
              path: platform/policies
          resourcesTemplate: |
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata:
              name: << inputs.name >>
              namespace: << inputs.provider.namespace >>
            spec:
              path: << inputs.path >>
              sourceRef:
                kind: GitRepository
                name: flux-system
      `,
      {
        'platform/policies/dns.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata:
            name: dns
          spec:
            endpointSelector: {}
            egress:
              - toEntities: [cluster]
        `,
      },
    );
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(diagnostics).toEqual([]);
    expect(repo.unseen).toEqual([]);
    expect(repo.policies.map((p) => `${p.kind}/${p.name} ${p.source.file}:${p.source.line}`)).toEqual([
      'CiliumClusterwideNetworkPolicy/dns platform/policies/dns.yaml:1',
    ]);
  });

  it.each([
    [
      'a missing input key fails the ResourceSet (missingkey=error), at the line of its action in the item',
      yaml`
        spec:
          inputs:
            - name: a
          resources:
            - apiVersion: v1
              kind: Namespace
              metadata:
                name: << inputs.tenant >>
      `,
      ['RESOURCESET_INPUT_MISSING', 'error', 'clusters/prod/rset.yaml:13'],
    ],
    [
      'an unknown function in a resources item, at the line of its action (not the item)',
      yaml`
        spec:
          inputs: [{ name: a }]
          resources:
            - kind: Namespace
              apiVersion: v1
              metadata:
                labels: { team: << inputs.name >> }
                name: << inputs.name | nosuchfunc >>
      `,
      ['RESOURCESET_TEMPLATE_ERROR', 'error', 'clusters/prod/rset.yaml:13'],
    ],
    [
      'a template syntax error, at its template line',
      yaml`
        spec:
          inputs:
            - name: a
          resourcesTemplate: |
            apiVersion: v1
            kind: Namespace
            metadata:
              name: << if inputs.name >>x
      `,
      ['RESOURCESET_TEMPLATE_ERROR', 'error', 'clusters/prod/rset.yaml:13'],
    ],
    [
      'a template that renders invalid YAML',
      yaml`
        spec:
          inputs:
            - name: a
          resourcesTemplate: |
            apiVersion: v1
            kind: Namespace
            metadata:
              name: << inputs.name >>
             bad: [
      `,
      ['RESOURCESET_TEMPLATE_ERROR', 'error', 'clusters/prod/rset.yaml:14'],
    ],
  ])('%s', (_name, spec, expected) => {
    const { objects, diagnostics, unseen } = rendered(repoWith(header + spec));
    expect(objects).toEqual([]);
    expect(diagnostics[0]).toEqual(expected);
    expect(unseen).toEqual(['ResourceSet/flux-system/tenants: its templates fail to render']);
  });

  it('a namespaced object without namespace is not applied (no default namespace, flux-operator #183)', () => {
    const { objects, diagnostics } = rendered(
      repoWith(
        header +
          yaml`
          spec:
            resources:
              - apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: orphan
        `,
      ),
    );
    expect(objects).toEqual([]);
    expect(diagnostics).toEqual([['RESOURCESET_TEMPLATE_ERROR', 'warning', 'clusters/prod/rset.yaml:8']]);
  });

  it('inputsFrom is one warning at spec.inputsFrom, and the ResourceSet stays unseen', () => {
    const { objects, diagnostics, unseen } = rendered(
      repoWith(
        header +
          yaml`
          spec:
            inputsFrom:
              - kind: ResourceSetInputProvider
                name: pull-requests
            resources:
              - apiVersion: v1
                kind: Namespace
                metadata:
                  name: << inputs.id >>
        `,
      ),
    );
    expect(objects).toEqual([]);
    expect(diagnostics).toEqual([
      ['RESOURCESET_INPUTS_EXTERNAL', 'warning', 'clusters/prod/rset.yaml:8'],
      ['RUNTIME_RENDERED', 'info', 'clusters/prod/rset.yaml:1'],
    ]);
    expect(unseen).toEqual(['ResourceSet/flux-system/tenants: inputs from ResourceSetInputProviders']);
  });

  it('renders the same objects whatever the order of the input sets (seeded property)', () => {
    const template = (inputs: readonly string[]) =>
      repoWith(
        header +
          `spec:\n  inputs:\n${inputs.map((n) => `    - name: ${n}\n`).join('')}` +
          [
            '  resourcesTemplate: |',
            '    apiVersion: v1',
            '    kind: Namespace',
            '    metadata:',
            '      name: << inputs.name >>',
            '      labels:',
            '        profile: << if hasPrefix "ns-a" inputs.name >>standard<< else >>isolated<< end >>',
            '',
          ].join('\n'),
      );
    const names = (files: Record<string, string>) =>
      loadRepoFromText(files)
        .repo.namespaces.map((n) => `${n.name}:${n.labels.profile}`)
        .sort();
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).map((s) => `ns-${s}`),
          { minLength: 1, maxLength: 6 },
        ),
        fc.nat(),
        (inputs, seed) => {
          const shuffled = [...inputs].sort(
            (a, b) =>
              ((a.charCodeAt(0) * 31 + seed) % 7) - ((b.charCodeAt(0) * 31 + seed) % 7) || a.localeCompare(b),
          );
          const expected = inputs.map((n) => `${n}:${n.startsWith('ns-a') ? 'standard' : 'isolated'}`).sort();
          expect(names(template(inputs))).toEqual(expected);
          expect(names(template(shuffled))).toEqual(expected);
        },
      ),
      { seed: 1407, numRuns: 40 },
    );
  });
});

describe('expandResourceSet on hostile templates', () => {
  it.each([
    [
      'a template nested deeper than the stack',
      `    name: ${'<< if true >>'.repeat(20000)}x${'<< end >>'.repeat(20000)}\n`,
    ],
    ['a template that renders a huge output', `    name: << range 5000 >>${'x'.repeat(4000)}<< end >>\n`],
    // fresh-user report: `until 100000000` allocated a 10^8-element list and ran node out of memory (exit 134).
    ['until of a huge number', '    name: << range until 100000000 >><< end >>x\n'],
    ['repeat of a huge count', '    name: << repeat 100000000 "ab" >>\n'],
  ])('%s is a diagnostic, not a crash', (_name, line) => {
    const { objects, diagnostics } = rendered(
      repoWith(
        `${header}spec:\n  resourcesTemplate: |\n    apiVersion: v1\n    kind: Namespace\n    metadata:\n  ${line}`,
      ),
    );
    expect(objects).toEqual([]);
    expect(diagnostics[0]?.slice(0, 2)).toEqual(['RESOURCESET_TEMPLATE_ERROR', 'error']);
  });
});

describe('a ResourceSet outside a Flux tree', () => {
  it('makes the tree a Flux one: a folder holding only a ResourceSet renders its objects (fresh-user report: it was silently ignored)', () => {
    const { repo } = loadRepoFromText({
      'rset.yaml': `${header}spec:\n  inputs:\n    - name: alpha\n  resources:\n    - apiVersion: v1\n      kind: Namespace\n      metadata:\n        name: << inputs.name >>\n`,
    });
    expect(repo.namespaces.map((n) => `${n.name} ${n.source.file}`)).toEqual(['alpha rset.yaml']);
  });
});
