import type { Diagnostic } from '../../errors.js';
import { loadRepo } from '../../repo/load-repo.js';
import type { RenderedObject, RepoEntry, UnseenSource } from '../../repo/model.js';
import { TYPED_KIND_NAMES } from '../../repo/objects.js';
import { assertManifests, loadOptionsOf, type RepoOptions } from './load.js';

/** Options of {@link renderRepository}. */
export interface RenderOptions extends RepoOptions {
  /**
   * Every object read (Services, ConfigMaps, Flux objects …), not only those netpol analyses (Namespaces,
   * policies, workloads). Default: false.
   */
  readonly all?: boolean;
}

/** What {@link renderRepository} returns. */
export interface RenderResult {
  /** The objects in load order, each with where it starts. */
  readonly objects: readonly RenderedObject[];
  /** Sources netpol cannot see offline (HelmReleases, other repositories). */
  readonly unseen: readonly UnseenSource[];
  /** How the tree was read (entry folder, cluster). */
  readonly entry: RepoEntry;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The objects netpol analyses, as Flux or kustomize render them (kustomizations, Flux Kustomizations,
 * patches, namespaces, labels and post-build substitution applied), for comparison with `flux build` or
 * `kustomize build`.
 * @param options - See {@link RenderOptions}.
 * @returns The rendered objects, the unseen sources and the diagnostics.
 * @throws NetpolError `NETPOL_REPO_NOT_FOUND` when the root does not exist; `NETPOL_CLUSTER_AMBIGUOUS`
 *   when the repository holds several clusters and none is picked; `NETPOL_NO_MANIFESTS` when no
 *   Kubernetes object was found.
 * @example
 * const { objects } = await renderRepository({ root: 'fleet', cluster: 'production' });
 */
export async function renderRepository(options: RenderOptions): Promise<RenderResult> {
  const { repo, diagnostics, rendered } = await loadRepo({ ...loadOptionsOf(options), render: true });
  assertManifests(options, repo, diagnostics);
  const objects = (rendered ?? []).filter((o) => {
    if (options.all) return true;
    const kind =
      typeof o.value === 'object' && o.value !== null ? (o.value as { kind?: unknown }).kind : undefined;
    return typeof kind === 'string' && TYPED_KIND_NAMES.has(kind);
  });
  return { objects, unseen: repo.unseen, entry: repo.entry, diagnostics };
}
