import { generateRepo, type RepoShape } from './generate-repo.js';

/**
 * A synthetic repository in the layout real Flux repositories use, with the same namespaces, labels and
 * policies as {@link generateRepo}: a bootstrap (`clusters/prod/flux-system`), a `cluster-apps` Kustomization
 * with post-build variables from a ConfigMap, one folder per namespace (`kubernetes/apps/<ns>`, whose
 * kustomization sets `namespace:` and includes a component), and per namespace a Flux Kustomization
 * (`ks.yaml`, with `targetNamespace`) whose folder has no kustomization file (Flux generates one).
 * About five files per namespace.
 * @param shape - As for {@link generateRepo}.
 * @returns `path → YAML text`.
 */
export function generateFluxRepo(shape: RepoShape): Record<string, string> {
  const flat = generateRepo(shape);
  const files: Record<string, string> = {};
  const ks = (name: string, path: string, extra: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
  files['clusters/prod/flux-system/gotk-sync.yaml'] =
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: ssh://git@example.org/bench/fleet\n---\n${ks('flux-system', './clusters/prod', '')}`;
  files['clusters/prod/flux-system/kustomization.yaml'] = 'resources: [gotk-sync.yaml]\n';
  files['clusters/prod/settings.yaml'] =
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  CLUSTER: prod\n';
  files['clusters/prod/platform.yaml'] = ks('platform', './kubernetes/platform', '');
  files['clusters/prod/apps.yaml'] = ks(
    'cluster-apps',
    './kubernetes/apps',
    '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n',
  );
  for (const name of ['baselines.yaml', 'profiles.yaml', 'access.yaml', 'platform.yaml']) {
    files[`kubernetes/platform/${name}`] = flat[name] as string;
  }
  const nsDocs = (flat['namespaces.yaml'] as string).split('---\n');
  const platformCount = nsDocs.length - shape.namespaces;
  files['kubernetes/platform/namespaces.yaml'] = nsDocs.slice(0, platformCount).join('---\n');
  files['kubernetes/components/baseline/kustomization.yaml'] =
    'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [default-deny.yaml]\n';
  files['kubernetes/components/baseline/default-deny.yaml'] =
    `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  endpointSelector: {}\n  ingress: [{}]\n  description: "cluster \${CLUSTER}"\n`;
  const appDocs = Object.keys(flat)
    .filter((f) => f.startsWith('apps/'))
    .sort()
    .flatMap((f) => (flat[f] as string).split('---\n'));
  const perNs = appDocs.length / shape.namespaces;
  const folders: string[] = [];
  nsDocs.slice(platformCount).forEach((doc, i) => {
    const ns = /name: (\S+)/.exec(doc)?.[1] ?? `ns-${i}`;
    const base = `kubernetes/apps/${ns}`;
    folders.push(ns);
    files[`${base}/namespace.yaml`] = doc;
    files[`${base}/kustomization.yaml`] =
      `namespace: ${ns}\nresources: [namespace.yaml, app/ks.yaml]\ncomponents: [../../components/baseline]\n`;
    files[`${base}/app/ks.yaml`] = ks(ns, `./${base}/app/policies`, `  targetNamespace: ${ns}\n`);
    files[`${base}/app/policies/policies.yaml`] = appDocs
      .slice(i * perNs, (i + 1) * perNs)
      .map((d) => d.replace(/\n {2}namespace: \S+\n/, '\n'))
      .join('---\n');
  });
  files['kubernetes/apps/kustomization.yaml'] = `resources:\n${folders.map((f) => `  - ${f}\n`).join('')}`;
  return files;
}
