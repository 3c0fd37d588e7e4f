import { grantsOfNamespace, profileOfNamespace } from '../../catalog/derive-catalog.js';
import { NetpolError } from '../../errors.js';
import type { Labels, NamespaceObject } from '../../repo/model.js';
import { type NamespaceSetResult, setNamespaceLabels } from '../authoring/namespace-set.js';
import { connectivityGraph, type GraphEdge } from './connectivity-graph.js';
import type { LoadedRepo } from './load.js';

/** A what-if question: a namespace with another profile and/or another set of access grants. */
export interface WhatIfRequest {
  /** A namespace of the repository. */
  readonly namespace: string;
  /** The profile it would carry. Default: its current profile. */
  readonly profile?: string;
  /** The complete set of access grants it would carry. Default: its current grants. */
  readonly grants?: readonly string[];
}

/** The answer: the labels before and after, the paths that open and close, and the label patch to commit. */
export interface WhatIfResult {
  readonly namespace: string;
  readonly before: { readonly profile: string | null; readonly grants: readonly string[] };
  readonly after: { readonly profile: string | null; readonly grants: readonly string[] };
  /** Edges of the connectivity graph allowed after the change and not before (matrix order). */
  readonly opened: readonly GraphEdge[];
  /** Edges allowed before and not after. */
  readonly closed: readonly GraphEdge[];
  /**
   * `netpol namespace set … --dry-run` for the same change: the unified diff to commit, or its refusal
   * (e.g. a profile on a platform namespace). Null when nothing changes.
   */
  readonly patch: NamespaceSetResult | null;
}

/**
 * What changes if a namespace carried another profile or other access grants: both connectivity graphs
 * are computed, the second on the engine's `withNamespaceLabels` view (the compiled rules are shared), and
 * the edges that appear or disappear are returned with the label patch `netpol namespace set` would write
 * (computed with `dryRun`, nothing is written).
 * @param loaded - A repository loaded from a directory (`loadForAnalysis({ root })`).
 * @param request - See {@link WhatIfRequest}.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for a namespace the repository does not define, or a profile or
 *   access grant the catalogue does not know.
 * @example
 *   const loaded = await loadForAnalysis({ root: 'examples/homelab' });
 *   const r = await whatIf(loaded, { namespace: 'web', grants: ['dragonfly', 'garage-s3', 'postgres'] });
 *   r.opened.map((e) => e.id); // ['web|grant-postgres']
 */
export async function whatIf(loaded: LoadedRepo, request: WhatIfRequest): Promise<WhatIfResult> {
  const { repo, catalog, engine } = loaded;
  const ns = repo.namespaces.find((n) => n.name === request.namespace);
  if (!ns) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The repository does not define namespace "${request.namespace}".`,
      `Known namespaces: ${repo.namespaces.map((n) => n.name).join(', ')}.`,
    );
  }
  if (request.profile !== undefined && !catalog.profiles.has(request.profile)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `Unknown profile "${request.profile}".`,
      `Known profiles: ${[...catalog.profiles.keys()].join(', ')}.`,
    );
  }
  const unknownGrant = (request.grants ?? []).find((g) => !catalog.accessGrants.has(g));
  if (unknownGrant !== undefined) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `Unknown access grant "${unknownGrant}".`,
      `Known access grants: ${[...catalog.accessGrants.keys()].join(', ')}.`,
    );
  }
  const beforeProfile = profileOfNamespace(catalog, ns) ?? null;
  const beforeGrants = grantsOfNamespace(catalog, ns);
  const profile = request.profile ?? beforeProfile;
  const grants = [...new Set(request.grants ?? beforeGrants)].sort();
  const labels: Record<string, string> = { ...ns.labels };
  if (catalog.profileLabel !== null && profile !== null) labels[catalog.profileLabel] = profile;
  if (catalog.accessPrefix !== null) {
    for (const g of beforeGrants) delete labels[`${catalog.accessPrefix}${g}`];
    for (const g of grants) labels[`${catalog.accessPrefix}${g}`] = 'true';
  }
  const namespacesAfter = repo.namespaces.map(
    (n): NamespaceObject => (n === ns ? { ...n, labels: labels as Labels } : n),
  );
  const before = connectivityGraph(engine, catalog, repo.namespaces);
  const after = connectivityGraph(
    engine.withNamespaceLabels({ [ns.name]: labels }),
    catalog,
    namespacesAfter,
  );
  const beforeIds = new Set(before.edges.map((e) => e.id));
  const afterIds = new Set(after.edges.map((e) => e.id));
  const added = grants.filter((g) => !beforeGrants.includes(g));
  const removed = beforeGrants.filter((g) => !grants.includes(g));
  const profileChanged = profile !== beforeProfile;
  const patch =
    profileChanged || added.length > 0 || removed.length > 0
      ? await setNamespaceLabels({
          root: repo.root,
          namespace: ns.name,
          ...(profileChanged && profile !== null ? { profile } : {}),
          access: added,
          removeAccess: removed,
          dryRun: true,
        })
      : null;
  return {
    namespace: ns.name,
    before: { profile: beforeProfile, grants: beforeGrants },
    after: { profile, grants },
    opened: after.edges.filter((e) => !beforeIds.has(e.id)),
    closed: before.edges.filter((e) => !afterIds.has(e.id)),
    patch,
  };
}
