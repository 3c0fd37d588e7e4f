import type { Catalog } from '../../catalog/derive-catalog.js';
import type { CiliumPolicyObject, Repo } from '../../repo/model.js';
import { platformPolicyName } from './render.js';

/** Where `netpol init` puts each part of the system (and where the authoring commands look first). */
export const DEFAULT_LAYOUT = {
  namespaces: 'namespaces',
  platform: 'network-policy/platform',
  sharedResources: 'network-policy/shared-resources',
} as const;

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? '' : file.slice(0, i);
}

/** The folder holding most of the files (ties: the first in sorted order), or `fallback` for none. */
function mostCommonDir(files: readonly string[], fallback: string): string {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(dirOf(f), (counts.get(dirOf(f)) ?? 0) + 1);
  let best: string | undefined;
  for (const [dir, n] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (best === undefined || n > (counts.get(best) ?? 0)) best = dir;
  }
  return best ?? fallback;
}

/** Files outside the repository root (stdin, absolute paths) are never edited. */
function inRepo(file: string): boolean {
  return file !== '' && !file.startsWith('<') && !file.startsWith('/') && !file.startsWith('../');
}

/**
 * Where namespaces live: the folder holding most Namespace manifests. Default: `namespaces`.
 * @param repo - The loaded repository.
 * @returns A POSIX folder relative to the root (`''` is the root itself).
 */
export function namespacesHome(repo: Pick<Repo, 'namespaces'>): string {
  return mostCommonDir(repo.namespaces.map((n) => n.source.file).filter(inRepo), DEFAULT_LAYOUT.namespaces);
}

/**
 * Where platform CNPs live: the folder holding most CiliumNetworkPolicies of platform namespaces.
 * Default: `network-policy/platform`.
 * @param repo - The loaded repository.
 * @param catalog - Its catalogue.
 * @returns A POSIX folder relative to the root.
 */
export function platformHome(
  repo: Pick<Repo, 'policies'>,
  catalog: Pick<Catalog, 'platformNamespaces'>,
): string {
  const platform = new Set(catalog.platformNamespaces);
  return mostCommonDir(
    repo.policies
      .filter((p) => p.kind === 'CiliumNetworkPolicy' && platform.has(p.namespace))
      .map((p) => p.source.file)
      .filter(inRepo),
    DEFAULT_LAYOUT.platform,
  );
}

/**
 * Where access-grant CCNPs live: the folder holding most policies of grants that reach pods (the
 * kube-api grant, an entity, is a baseline). Default: `network-policy/shared-resources`.
 * @param catalog - The catalogue.
 * @returns A POSIX folder relative to the root.
 */
export function sharedResourcesHome(catalog: Pick<Catalog, 'accessGrants'>): string {
  return mostCommonDir(
    [...catalog.accessGrants.values()]
      .filter((g) => g.resources.length > 0)
      .flatMap((g) => g.policies.map((p) => p.file))
      .filter(inRepo),
    DEFAULT_LAYOUT.sharedResources,
  );
}

/**
 * The template policy of a platform namespace: the CNP named `<ns>-default`, else the first CNP of the
 * namespace selecting every pod (`endpointSelector: {}`), else undefined.
 * @param repo - The loaded repository.
 * @param namespace - The platform namespace.
 * @returns The policy or undefined.
 */
export function platformPolicyOf(
  repo: Pick<Repo, 'policies'>,
  namespace: string,
): CiliumPolicyObject | undefined {
  const cnps = repo.policies.filter(
    (p): p is CiliumPolicyObject =>
      p.kind === 'CiliumNetworkPolicy' && p.namespace === namespace && inRepo(p.source.file),
  );
  return (
    cnps.find((p) => p.name === platformPolicyName(namespace)) ??
    cnps.find((p) => {
      const sel = p.rules[0]?.endpointSelector;
      return !!sel && Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0;
    })
  );
}
