import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetpolError } from '../../src/errors.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { fluxKustomization } from '../helpers/flux.js';
import { yaml } from '../helpers/use-repo.js';

/*
 * Flux layouts, with the objects Flux applies written by hand from the Flux documentation
 * (fluxcd.io/flux/components/kustomize/kustomizations: spec.path from the source root, targetNamespace,
 * postBuild substitution, patches; the generated kustomization when a folder has none) and checked against
 * fluxcd/pkg kustomize/kustomize_generator.go (GenerateManifest, scanManifests) and
 * kustomize/kustomize_varsub.go (SubstituteVariables, LoadVariables).
 */

const gitRepository = yaml`
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: GitRepository
  metadata:
    name: flux-system
    namespace: flux-system
  spec:
    url: ssh://git@example.org/org/fleet
`;

const sync = (path: string) => `${gitRepository}---\n${fluxKustomization('flux-system', path)}`;

const fluxKs = fluxKustomization;

const cnp = (name: string, namespace?: string) => yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: ${name}
    ${namespace ? `namespace: ${namespace}` : ''}
  spec:
    endpointSelector: {}
    ingress:
      - fromEndpoints: [{}]
`;

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

function policyIds(files: Record<string, string>, options = {}) {
  const { repo } = loadRepoFromText(files, options);
  return repo.policies.map((p) => `${p.kind}/${p.namespace}/${p.name} ${p.source.file}:${p.source.line}`);
}

function codes(files: Record<string, string>, options = {}) {
  return loadRepoFromText(files, options).diagnostics.map((d) => [
    d.code,
    d.severity,
    `${d.source?.file}:${d.source?.line}`,
  ]);
}

const bootstrapped: Record<string, string> = {
  'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prod'),
  'clusters/prod/flux-system/kustomization.yaml': 'resources: [gotk-sync.yaml]\n',
  'clusters/prod/apps.yaml': fluxKs('apps', './apps/prod', '  targetNamespace: web\n'),
  // No kustomization: Flux generates one with every manifest below, recursively.
  'apps/prod/policy.yaml': cnp('allow-web'),
  'apps/prod/nested/deeper.yaml': cnp('deeper', 'ignored-by-target'),
  'apps/prod/namespace.yaml': ns('placeholder'),
  // Never applied: no Kustomization points here.
  'apps/staging/policy.yaml': cnp('staging-only', 'web'),
};

describe('loadRepo with Flux', () => {
  it('follows the bootstrap Kustomization and spec.path from the source root, with targetNamespace', () => {
    const { repo, diagnostics } = loadRepoFromText(bootstrapped);
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(repo.entry).toEqual({ mode: 'flux', path: 'clusters/prod', cluster: 'prod' });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name} ${p.source.file}:${p.source.line}`)).toEqual([
      // The generated kustomization lists files in walk order: folders and files sorted by name.
      'web/deeper apps/prod/nested/deeper.yaml:1',
      'web/allow-web apps/prod/policy.yaml:1',
    ]);
    // targetNamespace renames a Namespace object, as kustomize's namespace transformer does.
    expect(repo.namespaces.map((n) => n.name)).toEqual(['web']);
    expect(repo.appliedFiles).toEqual([
      'clusters/prod/apps.yaml',
      'clusters/prod/flux-system/gotk-sync.yaml',
      'apps/prod/namespace.yaml',
      'apps/prod/nested/deeper.yaml',
      'apps/prod/policy.yaml',
    ]);
  });

  it('reads a cluster folder given as -R with the repository above it (source root = git work tree)', () => {
    const files = Object.fromEntries(Object.entries(bootstrapped).map(([k, v]) => [`repo/${k}`, v]));
    // In memory the boundary is the root; loading from the repository root finds the one cluster.
    expect(policyIds(files)).toEqual([
      'CiliumNetworkPolicy/web/deeper repo/apps/prod/nested/deeper.yaml:1',
      'CiliumNetworkPolicy/web/allow-web repo/apps/prod/policy.yaml:1',
    ]);
  });

  it('lists several clusters and refuses to mix them; --cluster picks one by name or path', () => {
    const files = {
      ...bootstrapped,
      'clusters/staging/flux-system/gotk-sync.yaml': sync('./clusters/staging'),
      'clusters/staging/apps.yaml': fluxKs('apps', './apps/staging'),
    };
    let error: unknown;
    try {
      loadRepoFromText(files);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetpolError);
    expect((error as NetpolError).code).toBe('NETPOL_CLUSTER_AMBIGUOUS');
    expect((error as NetpolError).message).toBe(
      'The repository holds 2 clusters: prod (clusters/prod), staging (clusters/staging); netpol analyses one at a time.',
    );
    expect(policyIds(files, { cluster: 'staging' })).toEqual([
      'CiliumNetworkPolicy/web/staging-only apps/staging/policy.yaml:1',
    ]);
    expect(policyIds(files, { cluster: 'clusters/prod' })).toHaveLength(2);
    expect(() => loadRepoFromText(files, { cluster: 'dev' })).toThrow(
      /is not one of the repository's clusters/,
    );
  });

  it('takes cluster.path from netpol.config.yaml', () => {
    const files = {
      ...bootstrapped,
      'clusters/staging/flux-system/gotk-sync.yaml': sync('./clusters/staging'),
      'clusters/staging/apps.yaml': fluxKs('apps', './apps/staging'),
      'netpol.config.yaml': 'cluster:\n  path: clusters/staging\n',
    };
    expect(loadRepoFromText(files).repo.entry).toEqual({
      mode: 'flux',
      path: 'clusters/staging',
      cluster: 'staging',
    });
  });

  it('finds the entry of a flux-operator repository from the flux-instance HelmRelease sync path', () => {
    const files = {
      'kubernetes/apps/flux-system/flux-instance/helmrelease.yaml': yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: flux-instance
          namespace: flux-system
        spec:
          values:
            instance:
              sync:
                kind: GitRepository
                path: kubernetes/flux/cluster
      `,
      'kubernetes/apps/flux-system/kustomization.yaml':
        'namespace: flux-system\nresources: [flux-instance/helmrelease.yaml]\n',
      'kubernetes/apps/kustomization.yaml': 'resources: [flux-system, web]\n',
      'kubernetes/apps/web/kustomization.yaml': 'namespace: web\nresources: [app/ks.yaml]\n',
      'kubernetes/apps/web/app/ks.yaml': fluxKs(
        'web',
        './kubernetes/apps/web/app/policies',
        '  targetNamespace: web\n',
      ),
      'kubernetes/apps/web/app/policies/kustomization.yaml': 'resources: [cnp.yaml]\n',
      'kubernetes/apps/web/app/policies/cnp.yaml': cnp('web-default'),
      'kubernetes/flux/cluster/ks.yaml': fluxKs('cluster-apps', './kubernetes/apps'),
      'archive/old/ks.yaml': fluxKs('old', './archive/old/app'),
    };
    const { repo } = loadRepoFromText(files);
    expect(repo.entry).toEqual({ mode: 'flux', path: 'kubernetes/flux/cluster', cluster: 'cluster' });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['web/web-default']);
    expect(repo.unseen).toMatchObject([
      { kind: 'HelmRelease', namespace: 'flux-system', name: 'flux-instance', namespaces: ['flux-system'] },
    ]);
  });

  it('substitutes postBuild variables: substituteFrom ConfigMaps, then substitute; a Secret is one warning', () => {
    const files = {
      'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prod'),
      'clusters/prod/settings.yaml': yaml`
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cluster-settings
          namespace: flux-system
        data:
          CIDR: 10.0.0.0/8
          TEAM: from-configmap
      `,
      'clusters/prod/apps.yaml': fluxKs(
        'apps',
        './apps',
        yaml`
          postBuild:
            substitute:
              TEAM: payments
            substituteFrom:
              - kind: ConfigMap
                name: cluster-settings
              - kind: Secret
                name: cluster-secrets
      `.replace(/^/gm, '  '),
      ),
      'apps/cnp.yaml': yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: \${TEAM}-egress
          namespace: \${TEAM}
        spec:
          endpointSelector: {}
          egress:
            - toCIDR: ["\${CIDR}", "\${SECRET_CIDR}"]
      `,
    };
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['payments/payments-egress']);
    expect(diagnostics.filter((d) => d.code !== 'RUNTIME_RENDERED').map((d) => [d.code, d.message])).toEqual([
      [
        'FLUX_SUBSTITUTE_UNAVAILABLE',
        'Variable "SECRET_CIDR" comes from Secret/cluster-secrets, which netpol cannot read, so it is left unresolved.',
      ],
    ]);
  });

  // fluxcd/pkg envsubst: `${VAR:=default}` takes the default only when VAR is unset; a Secret netpol cannot
  // read may set it. SOPS keeps a Secret's key names in clear, so a Secret in the tree says which names it
  // sets (fresh-user report: JJGadgets/Biohazard's `${IP_ROUTER_VLAN_K8S:=127.0.0.1}` became 127.0.0.1).
  it.each([
    [
      'a key of the Secret in the tree: left unresolved, not the default',
      'ESP_CIDR',
      ['${ESP_CIDR:=127.0.0.1/32}'],
      ['ESP_CIDR'],
    ],
    ['a name the Secret in the tree does not set: the default', 'OTHER', ['127.0.0.1/32'], []],
    [
      'no Secret in the tree: any default is a guess, left unresolved',
      null,
      ['${ESP_CIDR:=127.0.0.1/32}'],
      ['ESP_CIDR'],
    ],
  ])('a default beside a Secret source: %s', (_name, key, cidrs, unresolved) => {
    const files: Record<string, string> = {
      'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prod'),
      'clusters/prod/apps.yaml': fluxKs(
        'apps',
        './apps',
        '  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: cluster-secrets\n',
      ),
      'apps/cnp.yaml': yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: esp
          namespace: iot
        spec:
          endpointSelector: {}
          ingress:
            - fromCIDR: ["\${ESP_CIDR:=127.0.0.1/32}"]
      `,
    };
    if (key !== null)
      files['clusters/prod/secrets.sops.yaml'] = yaml`
        apiVersion: v1
        kind: Secret
        metadata:
          name: cluster-secrets
          namespace: flux-system
        stringData:
          ${key}: ENC[AES256_GCM,data:xyz,type:str]
        sops:
          version: 3.9.0
      `;
    const { repo, diagnostics } = loadRepoFromText(files);
    const policy = repo.policies[0];
    const written =
      policy?.kind === 'CiliumNetworkPolicy'
        ? (policy.rules[0]?.ingress ?? []).flatMap((i) => (i.cidrs ?? []).map((c) => c.cidr))
        : [];
    expect(written).toEqual(cidrs);
    expect(diagnostics.filter((d) => d.code === 'FLUX_SUBSTITUTE_UNAVAILABLE').map((d) => d.message)).toEqual(
      unresolved.map(
        (n) =>
          `Variable "${n}" comes from Secret/cluster-secrets, which netpol cannot read, so it is left unresolved.`,
      ),
    );
  });

  it('keeps objects whose names keep a variable from an unreadable Secret apart, without a duplicate warning', () => {
    // Flux substitutes APP per Kustomization (kustomize-controller postBuild); netpol cannot read the Secret,
    // so both renderings are named "${APP}-gatus": different objects in the cluster, not one defined twice
    // (docs/real-repos.md, haraldkoch/kochhaus-home: four false DUPLICATE_OBJECT warnings).
    const post = yaml`
      postBuild:
        substituteFrom:
          - kind: Secret
            name: app-vars
    `.replace(/^/gm, '  ');
    const files = {
      'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prod'),
      'clusters/prod/web.yaml': fluxKs('web', './apps/web', post),
      'clusters/prod/shop.yaml': fluxKs('shop', './apps/shop', post),
      'apps/web/kustomization.yaml':
        'namespace: web\nresources: [cnp.yaml]\ncomponents: [../../components/gatus]\n',
      'apps/web/cnp.yaml': cnp('web-default'),
      'apps/shop/kustomization.yaml':
        'namespace: web\nresources: [cnp.yaml]\ncomponents: [../../components/gatus]\n',
      'apps/shop/cnp.yaml': cnp('shop-default'),
      'components/gatus/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cnp.yaml]\n',
      'components/gatus/cnp.yaml': cnp(`\${APP}-gatus`),
    };
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(repo.policies.map((p) => `${p.namespace}/${p.name} ${p.source.file}`)).toEqual([
      'web/shop-default apps/shop/cnp.yaml',
      `web/\${APP}-gatus components/gatus/cnp.yaml`,
      'web/web-default apps/web/cnp.yaml',
      `web/\${APP}-gatus components/gatus/cnp.yaml`,
    ]);
    expect(diagnostics.map((d) => d.code).filter((c) => c !== 'RUNTIME_RENDERED')).toEqual([
      'FLUX_SUBSTITUTE_UNAVAILABLE',
      'FLUX_SUBSTITUTE_UNAVAILABLE',
    ]);
  });

  it('applies Flux patches to policies, and positions point at the patch', () => {
    const files = {
      'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prod'),
      'clusters/prod/apps.yaml': fluxKs(
        'apps',
        './apps',
        yaml`
          patches:
            - target:
                kind: CiliumNetworkPolicy
                name: web-.*
              patch: |
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: _
                spec:
                  ingress:
                    - fromEntities: [world]
        `.replace(/^/gm, '  '),
      ),
      'apps/kustomization.yaml': 'namespace: web\nresources: [a.yaml, b.yaml]\n',
      'apps/a.yaml': cnp('web-a'),
      'apps/b.yaml': cnp('other-b'),
    };
    const { repo } = loadRepoFromText(files);
    const [a, b] = repo.policies;
    expect(a?.kind === 'CiliumNetworkPolicy' && a.rules[0]?.ingress?.[0]?.entities).toEqual(['world']);
    // The patched rule is reported at the inline patch in the Flux Kustomization.
    expect(a?.kind === 'CiliumNetworkPolicy' && a.rules[0]?.ingress?.[0]?.source.file).toBe(
      'clusters/prod/apps.yaml',
    );
    expect(b?.kind === 'CiliumNetworkPolicy' && b.rules[0]?.ingress?.[0]?.endpoints).toHaveLength(1);
    expect(b?.kind === 'CiliumNetworkPolicy' && b.rules[0]?.ingress?.[0]?.source.file).toBe('apps/b.yaml');
  });

  it('reports a missing path and an external source, and lists what it cannot see', () => {
    const files = {
      'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prod'),
      'clusters/prod/apps.yaml': fluxKs('apps', './apps/gone'),
      'clusters/prod/infra.yaml': yaml`
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: infra
          namespace: flux-system
        spec:
          path: ./
          targetNamespace: infra
          sourceRef:
            kind: OCIRepository
            name: platform
      `,
    };
    expect(codes(files)).toEqual([
      ['FLUX_PATH_MISSING', 'error', 'clusters/prod/apps.yaml:7'],
      ['FLUX_SOURCE_EXTERNAL', 'warning', 'clusters/prod/infra.yaml:10'],
      ['RUNTIME_RENDERED', 'info', 'clusters/prod/infra.yaml:1'],
    ]);
    expect(loadRepoFromText(files).repo.unseen).toMatchObject([
      {
        kind: 'Kustomization',
        name: 'infra',
        reason: 'applies OCIRepository/platform',
        namespaces: ['infra'],
      },
    ]);
  });

  it('says that the entry folder is still read when flux-system names a missing path, and what Flux does (fresh-user-3 #17)', () => {
    const files = {
      'clusters/prod/flux-system/gotk-sync.yaml': sync('./clusters/prdo'),
      'clusters/prod/apps.yaml': fluxKs('apps', './apps/gone'),
      'clusters/prod/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n',
    };
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(repo.namespaces.map((n) => n.name)).toEqual(['web']);
    expect(diagnostics.filter((d) => d.code === 'FLUX_PATH_MISSING').map((d) => d.message)).toEqual([
      'Kustomization flux-system/apps has path "./apps/gone", which is not a folder of the repository; Flux fails to reconcile it, so it applies nothing.',
      'Kustomization flux-system/flux-system has path "./clusters/prdo", which is not a folder of the repository; Flux fails to reconcile it, so it applies nothing, but netpol still reads the entry folder "clusters/prod" as it stands (the cluster keeps what this Kustomization applied before).',
    ]);
  });

  it("takes the entry Kustomization's own GitRepository and an OCIRepository named flux-system as this repository", () => {
    const files = {
      'k8s/flux/config/cluster.yaml': yaml`
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: GitRepository
        metadata:
          name: home-kubernetes
          namespace: flux-system
        spec:
          url: https://example.org/org/home
        ---
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: GitRepository
        metadata:
          name: upstream-crds
          namespace: flux-system
        spec:
          url: https://example.org/vendor/crds
      `,
      'k8s/flux/config/ks.yaml': fluxKs('cluster', './k8s/flux').replace(
        'name: flux-system\n',
        'name: home-kubernetes\n',
      ),
      'k8s/flux/apps.yaml': fluxKs('apps', './k8s/apps').replace(
        'kind: GitRepository',
        'kind: OCIRepository',
      ),
      'k8s/flux/crds.yaml': fluxKs('crds', './').replace('name: flux-system\n', 'name: upstream-crds\n'),
      'k8s/apps/cnp.yaml': cnp('apps', 'web'),
    };
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(repo.entry).toEqual({ mode: 'flux', path: 'k8s/flux', cluster: 'flux' });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['web/apps']);
    expect(diagnostics.map((d) => [d.code, d.source?.file])).toEqual([
      ['FLUX_SOURCE_EXTERNAL', 'k8s/flux/crds.yaml'],
      ['RUNTIME_RENDERED', 'k8s/flux/crds.yaml'],
    ]);
  });

  it('renders a bootstrap folder once, through the Kustomization that re-applies it with its own variables', () => {
    // The entry file is applied by hand once; from then on Flux reconciles the folder through the
    // Kustomization in it, whose postBuild variables apply to everything the folder renders.
    const files = {
      'clusters/home/flux/kustomization.yaml': 'resources: [bootstrap.yaml, ../../../apps/web]\n',
      'clusters/home/flux/bootstrap.yaml': `${gitRepository}---\n${fluxKs(
        'cluster-config',
        './clusters/home/flux',
        '  postBuild:\n    substitute: {ZONE: home}\n',
      )}`,
      'apps/web/kustomization.yaml': 'resources: [ks.yaml]\n',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Flux ${var} placeholder, not a template.
      'apps/web/ks.yaml': fluxKs('web', './apps/web/app', '  targetNamespace: ${ZONE}\n'),
      'apps/web/app/policy.yaml': cnp('allow-web'),
    };
    const { repo, diagnostics } = loadRepoFromText(files);
    expect(repo.entry).toEqual({ mode: 'flux', path: 'clusters/home/flux', cluster: 'home' });
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['home/allow-web']);
    expect(diagnostics.map((d) => d.code)).toEqual([]);
  });

  it("keeps today's reading of a plain folder without Flux objects", () => {
    const { repo } = loadRepoFromText({ 'a.yaml': cnp('a', 'x'), 'b/c.yaml': cnp('c', 'y') });
    expect(repo.entry).toEqual({ mode: 'plain', path: '' });
    expect(repo.policies.map((p) => p.name)).toEqual(['a', 'c']);
  });

  it('renders the same objects whatever the order files are met in', () => {
    const entries = Object.entries(bootstrapped);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }),
        (shuffled) => {
          const a = loadRepoFromText(Object.fromEntries(entries), { render: true }).rendered;
          const b = loadRepoFromText(Object.fromEntries(shuffled), { render: true }).rendered;
          expect(b).toEqual(a);
        },
      ),
      { seed: 14, numRuns: 20 },
    );
  });
});
