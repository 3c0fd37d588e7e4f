import { yaml } from './use-repo.js';

/**
 * A Flux Kustomization of the repository's own GitRepository (`flux-system`), in namespace flux-system.
 * @param name - Its name.
 * @param path - `spec.path`, relative to the source root.
 * @param extra - More `spec` fields, already indented by two spaces.
 */
export function fluxKustomization(name: string, path: string, extra = ''): string {
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
        kind: GitRepository
        name: flux-system
  ` + extra
  );
}
