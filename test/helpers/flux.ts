import { yaml } from './use-repo.js';

/**
 * A Flux Kustomization of the repository's own source (`flux-system`), in namespace flux-system.
 * @param name - Its name.
 * @param path - `spec.path`, relative to the source root.
 * @param extra - More `spec` fields, already indented by two spaces.
 * @param sourceKind - The kind of its `flux-system` source. Default: `GitRepository`.
 */
export function fluxKustomization(
  name: string,
  path: string,
  extra = '',
  sourceKind: 'GitRepository' | 'OCIRepository' = 'GitRepository',
): string {
  return (
    yaml`
    apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: ${name}
      namespace: flux-system
    spec:
      path: ${path}
      sourceRef:
        kind: ${sourceKind}
        name: flux-system
  ` + extra
  );
}
