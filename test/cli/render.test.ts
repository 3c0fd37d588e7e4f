import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fluxKustomization } from '../helpers/flux.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

const fluxKs = fluxKustomization;

const fleet = {
  'clusters/prod/flux-system/gotk-sync.yaml': fluxKs('flux-system', './clusters/prod'),
  'clusters/staging/flux-system/gotk-sync.yaml': fluxKs('flux-system', './clusters/staging'),
  'clusters/prod/apps.yaml': fluxKs('apps', './apps', '  targetNamespace: web\n'),
  'clusters/staging/apps.yaml': fluxKs('apps', './apps', '  targetNamespace: web-staging\n'),
  'apps/cnp.yaml': yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: allow-dns
    spec:
      endpointSelector: {}
      egress:
        - toEntities: [cluster]
  `,
  'apps/release.yaml': yaml`
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: podinfo
    spec:
      chart:
        spec:
          chart: podinfo
  `,
};

describe('netpol render', () => {
  it('lists the clusters and exits 2 when the repository holds several', async () => {
    const repo = useRepo(fleet);
    const { code, stderr, stdout } = await runCli(['render', '-R', repo.root]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'The repository holds 2 clusters: prod (clusters/prod), staging (clusters/staging); netpol analyses one at a time.',
    );
  });

  it('prints the objects Flux applies to the chosen cluster, each with its source', async () => {
    const repo = useRepo(fleet);
    const { code, stdout, stderr } = await runCli(['render', '-R', repo.root, '--cluster', 'staging', '-v']);
    expect(code).toBe(0);
    expect(stdout).toBe(yaml`
      # source: apps/cnp.yaml:1
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata:
        name: allow-dns
        namespace: web-staging
      spec:
        endpointSelector: {}
        egress:
          - toEntities:
              - cluster
    `);
    expect(stderr).toBe(
      'unseen  HelmRelease/web-staging/podinfo  rendered by helm-controller at runtime  → web-staging  apps/release.yaml:1:1\n',
    );
  });

  it('reads a cluster folder given as -R inside a git work tree, with paths above it, and gives trace a caveat for a namespace a HelmRelease targets', async () => {
    const repo = useRepo({ ...fleet, '.git/HEAD': 'ref: refs/heads/main\n' });
    const { code, stdout } = await runCli([
      'trace',
      'web',
      'kube-system',
      '--port',
      '53',
      '-R',
      `${repo.root}/clusters/prod`,
      '-o',
      'json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).caveats).toContain(
      'namespace "web" also gets objects netpol cannot see offline (HelmRelease/web/podinfo); policies they create are not evaluated',
    );
  });
});
