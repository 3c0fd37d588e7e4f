import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/errors.js';
import { diskHost, memoryHost } from '../../src/repo/host.js';
import {
  findUnlistedManifests,
  isRemoteResource,
  planManifests,
  scanManifests,
} from '../../src/repo/kustomize.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { yaml } from '../helpers/use-repo.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/repos/flux-tenants');

function found(diagnostics: readonly Diagnostic[]) {
  return diagnostics.map((d) => [d.code, d.severity, d.source?.file, d.source?.line, d.source?.column]);
}

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const cnp = (name: string, namespace?: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}spec: {endpointSelector: {}, ingress: [{}]}\n`;

describe('planManifests', () => {
  it('follows resources in order: files, folders through their kustomization, components', () => {
    const host = memoryHost({
      'kustomization.yaml': 'resources:\n  - b.yaml\n  - sub\n  - a.yaml\ncomponents:\n  - comp\n',
      'a.yaml': ns('a'),
      'b.yaml': ns('b'),
      'sub/kustomization.yml': 'resources: [x.yaml]\n',
      'sub/x.yaml': ns('x'),
      'comp/Kustomization': 'resources: [c.yaml]\n',
      'comp/c.yaml': ns('c'),
      'ignored.yaml': ns('ignored'),
    });
    const plan = planManifests(host);
    expect(plan.diagnostics).toEqual([]);
    expect(plan.manifests).toEqual([
      { file: 'b.yaml' },
      { file: 'sub/x.yaml' },
      { file: 'a.yaml' },
      { file: 'comp/c.yaml' },
    ]);
    expect(plan.kustomizations).toEqual([
      'kustomization.yaml',
      'sub/kustomization.yml',
      'comp/Kustomization',
    ]);
  });

  it('reports missing files, folders without a kustomization, remote and escaping resources at their entry', () => {
    const host = memoryHost({
      'kustomization.yaml': yaml`
        resources:
          - gone.yaml
          - plain-folder
          - https://github.com/org/repo//deploy?ref=v1
          - github.com/org/repo/base?ref=main
          - ../outside.yaml
          - 42
      `,
      'plain-folder/x.yaml': ns('x'),
    });
    expect(found(planManifests(host).diagnostics)).toEqual([
      ['KUSTOMIZE_MISSING_RESOURCE', 'error', 'kustomization.yaml', 2, 5],
      ['KUSTOMIZE_MISSING_RESOURCE', 'error', 'kustomization.yaml', 3, 5],
      ['KUSTOMIZE_REMOTE_RESOURCE', 'warning', 'kustomization.yaml', 4, 5],
      ['KUSTOMIZE_REMOTE_RESOURCE', 'warning', 'kustomization.yaml', 5, 5],
      ['KUSTOMIZE_MISSING_RESOURCE', 'error', 'kustomization.yaml', 6, 5],
      ['BAD_VALUE', 'error', 'kustomization.yaml', 7, 5],
    ]);
  });

  it('reports kustomize features it does not apply, at their key', () => {
    const host = memoryHost({
      'kustomization.yaml': yaml`
        namespace: a
        resources: [a.yaml]
        commonLabels: {team: x}
        patches:
          - path: p.yaml
        configMapGenerator: []
        images: [{name: x, newTag: "2"}]
      `,
      'a.yaml': ns('a'),
    });
    expect(found(planManifests(host).diagnostics)).toEqual([
      ['NOT_MODELLED', 'info', 'kustomization.yaml', 3, 1],
      ['NOT_MODELLED', 'info', 'kustomization.yaml', 4, 1],
      ['NOT_MODELLED', 'info', 'kustomization.yaml', 6, 1],
    ]);
  });

  it('stops at a cycle', () => {
    const host = memoryHost({
      'kustomization.yaml': 'resources: [a]\n',
      'a/kustomization.yaml': 'resources: [../b]\n',
      'b/kustomization.yaml': 'resources: [../a]\n',
    });
    expect(found(planManifests(host).diagnostics)).toEqual([
      ['BAD_VALUE', 'error', 'b/kustomization.yaml', 1, 13],
    ]);
  });

  it('without a root kustomization reads every manifest below the root, sorted', () => {
    const host = memoryHost({
      'z.yaml': ns('z'),
      'apps/b.yml': ns('b'),
      'apps/a.json': '{}',
      'apps/kustomization.yaml': 'resources: []\n',
      'apps/readme.md': 'x',
      '.github/workflows/ci.yaml': 'on: push\n',
      'node_modules/pkg/x.yaml': 'a: 1\n',
      'apps/.hidden.yaml': 'a: 1\n',
      'netpol.config.yaml': 'cluster: {}\n',
      'sub/netpol.config.yaml': ns('s'),
    });
    expect(planManifests(host).manifests.map((m) => m.file)).toEqual([
      'apps/a.json',
      'apps/b.yml',
      'sub/netpol.config.yaml',
      'z.yaml',
    ]);
    expect(scanManifests(host, 'apps')).toEqual(['apps/a.json', 'apps/b.yml']);
  });

  it('without a root kustomization skips the patches and generator inputs of the kustomizations in the tree', () => {
    const host = memoryHost({
      'overlay/kustomization.yaml':
        'resources: [../base]\npatches:\n  - path: patch.yaml\npatchesStrategicMerge: [psm.yaml]\n',
      'overlay/patch.yaml': 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\n',
      'overlay/psm.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n',
      'overlay/extra.yaml': ns('extra'),
      'base/kustomization.yaml': 'resources: [ns.yaml]\n',
      'base/ns.yaml': ns('base'),
    });
    const plan = planManifests(host);
    expect(plan.manifests.map((m) => m.file)).toEqual(['base/ns.yaml', 'overlay/extra.yaml']);
    expect(plan.kustomizations).toEqual(['base/kustomization.yaml', 'overlay/kustomization.yaml']);
  });
});

describe('kustomize namespace', () => {
  it('sets the namespace of namespaced objects and renames Namespaces; the outermost one wins', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'kustomization.yaml': 'resources: [inner, root.yaml]\n',
      'root.yaml': cnp('at-root', 'kept'),
      'inner/kustomization.yaml': 'namespace: inner\nresources: [objects.yaml, deeper]\n',
      'inner/objects.yaml': [
        ns('placeholder'),
        cnp('p', 'overridden'),
        cnp('q'),
        'apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: c}\nspec: {endpointSelector: {}, ingress: [{}]}\n',
      ].join('---\n'),
      'inner/deeper/kustomization.yaml': 'namespace: deeper\nresources: [d.yaml]\n',
      'inner/deeper/d.yaml': cnp('d'),
    });
    expect(diagnostics).toEqual([]);
    expect(repo.namespaces.map((n) => [n.name, n.labels['kubernetes.io/metadata.name']])).toEqual([
      ['inner', 'inner'],
    ]);
    expect(repo.policies.map((p) => `${p.kind}/${p.namespace}/${p.name}`)).toEqual([
      'CiliumNetworkPolicy/inner/p',
      'CiliumNetworkPolicy/inner/q',
      'CiliumClusterwideNetworkPolicy//c',
      'CiliumNetworkPolicy/inner/d',
      'CiliumNetworkPolicy/kept/at-root',
    ]);
  });

  it('reports objects that a kustomization namespace makes identical', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'kustomization.yaml': 'namespace: one\nresources: [a.yaml, b.yaml]\n',
      'a.yaml': `${cm('settings')}  namespace: a\n`,
      'b.yaml': `${cm('settings')}  namespace: b\n`,
    });
    expect(found(diagnostics)).toEqual([['DUPLICATE_OBJECT', 'warning', 'b.yaml', 1, 1]]);
    expect(repo.skippedKinds).toEqual({ ConfigMap: 2 });
  });

  it('fails the build on an object listed twice, as kustomize does (fresh-user-3 #6)', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'kustomization.yaml': 'resources: [ns.yaml, a.yaml, b.yaml]\n',
      'ns.yaml': ns('web'),
      'a.yaml': cm('settings'),
      // An empty namespace is kustomize's `default`.
      'b.yaml': `${cm('settings')}  namespace: default\n`,
    });
    expect(
      diagnostics.map((d) => [d.code, d.severity, `${d.source?.file}:${d.source?.line}`, d.message]),
    ).toEqual([
      [
        'DUPLICATE_OBJECT',
        'error',
        'kustomization.yaml:1',
        'ConfigMap/default/settings is already in this build, from a.yaml:1 (kustomize: "may not add resource with an already registered id"); kustomize fails the build of ".", so none of its objects are loaded.',
      ],
    ]);
    expect(repo.namespaces).toEqual([]);
  });
});

describe('isRemoteResource', () => {
  it.each([
    ['https://example.com/x.yaml', true],
    ['git@github.com:org/repo.git', true],
    ['github.com/org/repo/base?ref=v1', true],
    ['oci://registry/x', true],
    ['../base', false],
    ['apps/x.yaml', false],
  ])('%s → %s', (entry, remote) => {
    expect(isRemoteResource(entry)).toBe(remote);
  });
});

describe('findUnlistedManifests', () => {
  it('lists manifests under a kustomization tree that no kustomization refers to', () => {
    const host = memoryHost({
      'kustomization.yaml': 'resources: [apps, listed.yaml]\n',
      'listed.yaml': ns('a'),
      'forgotten.yaml': ns('b'),
      'apps/kustomization.yaml':
        'resources: [web.yaml]\npatches:\n  - path: patch.yaml\nconfigMapGenerator:\n  - name: c\n    files: [conf=settings.json]\n',
      'apps/web.yaml': ns('c'),
      'apps/patch.yaml': 'a: 1\n',
      'apps/settings.json': '{}',
      'apps/extra/more.yaml': ns('d'),
      'apps/extra/sub/kustomization.yaml': 'resources: [x.yaml]\n',
      'apps/extra/sub/x.yaml': ns('x'),
      'apps/extra/sub/y.yaml': ns('y'),
    });
    expect(findUnlistedManifests(host)).toEqual([
      { file: 'apps/extra/more.yaml', kustomization: 'apps/kustomization.yaml' },
      { file: 'apps/extra/sub/y.yaml', kustomization: 'apps/extra/sub/kustomization.yaml' },
      { file: 'forgotten.yaml', kustomization: 'kustomization.yaml' },
    ]);
  });

  it('ignores files outside any kustomization tree', () => {
    expect(findUnlistedManifests(memoryHost({ 'a.yaml': ns('a'), 'b/c.yaml': ns('c') }))).toEqual([]);
  });

  it('finds the stray file of the fixture repository', () => {
    expect(findUnlistedManifests(diskHost(FIXTURE))).toEqual([
      { file: 'apps/shop/stray.yaml', kustomization: 'apps/shop/kustomization.yaml' },
    ]);
  });
});
