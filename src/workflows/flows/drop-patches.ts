import { grantsOfNamespace, profileOfNamespace } from '../../catalog/derive-catalog.js';
import { NetpolError } from '../../errors.js';
import type { LoadedRepo } from '../analysis/load.js';
import { type WhatIfResult, whatIf } from '../analysis/what-if.js';

/** The label fix of a drop group as JSON carries it (`netpol drops -o json`, `netpol watch`'s `/drops`). */
export interface DropFixJson {
  readonly kind: string;
  readonly namespace?: string;
  /** `add-label`: the full label key, e.g. `access.network-policy.homelab/postgres`. */
  readonly label?: string;
  /** `set-profile`: the profile asked for. */
  readonly to?: string;
}

/** The label patch for one namespace: the what-if of the label fixes its drop groups ask for. */
export interface DropLabelPatch {
  readonly namespace: string;
  /** How many groups ask for a change of this namespace. */
  readonly groups: number;
  /** The profile and complete grants after the change. */
  readonly profile: string | null;
  readonly grants: readonly string[];
  /** The what-if of the change: paths opened and closed, and the `namespace set --dry-run` patch. */
  readonly whatIf: WhatIfResult;
}

/** What {@link dropLabelPatches} computed. */
export interface DropLabelPatches {
  readonly patches: readonly DropLabelPatch[];
  /** Namespaces whose fixes cannot be turned into a patch here, with the reason. */
  readonly refused: readonly { readonly namespace: string; readonly reason: string }[];
}

/**
 * The label patches for the `add-label` and `set-profile` fixes of drop groups read as JSON (from a running
 * `netpol watch`, which diagnoses but never writes): per namespace, its current profile with the asked profile, and
 * its current grants with every asked grant, through {@link whatIf} (so the patch is `netpol namespace set
 * --dry-run`'s and the opened and closed paths are the engine's). Unlike `applyDropFixes`, which needs the flows,
 * nothing is searched: two groups asking different profiles for one namespace are refused. Other fixes are ignored.
 * @param loaded - the repository the patches are computed against (it may be newer than the watcher's revision).
 * @param groups - drop groups with their `fix`.
 * @returns the patches (by namespace name) and the refusals.
 */
export async function dropLabelPatches(
  loaded: LoadedRepo,
  groups: readonly { readonly fix: DropFixJson | null }[],
): Promise<DropLabelPatches> {
  const { catalog, repo } = loaded;
  const asked = new Map<string, { profiles: Set<string>; labels: Set<string>; groups: number }>();
  for (const g of groups) {
    const fix = g.fix;
    if (!fix || typeof fix.namespace !== 'string') continue;
    if (fix.kind !== 'add-label' && fix.kind !== 'set-profile') continue;
    const a = asked.get(fix.namespace) ?? { profiles: new Set(), labels: new Set(), groups: 0 };
    a.groups++;
    if (fix.kind === 'set-profile' && typeof fix.to === 'string') a.profiles.add(fix.to);
    if (fix.kind === 'add-label' && typeof fix.label === 'string') a.labels.add(fix.label);
    asked.set(fix.namespace, a);
  }
  const grantOfLabel = new Map([...catalog.accessGrants.values()].map((g) => [g.label, g.name]));
  const patches: DropLabelPatch[] = [];
  const refused: { namespace: string; reason: string }[] = [];
  for (const [namespace, a] of [...asked.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    const ns = repo.namespaces.find((n) => n.name === namespace);
    if (!ns) {
      refused.push({ namespace, reason: `namespace ${namespace} is not defined in the repository` });
      continue;
    }
    if (a.profiles.size > 1) {
      refused.push({
        namespace,
        reason: `the drops ask for different profiles (${[...a.profiles].sort().join(', ')}); run netpol drops --fix on a capture to pick one`,
      });
      continue;
    }
    const unknown = [...a.labels].filter((l) => !grantOfLabel.has(l));
    if (unknown.length > 0) {
      refused.push({
        namespace,
        reason: `no access grant of the repository uses the label ${unknown.sort().join(', ')}`,
      });
      continue;
    }
    const profile = [...a.profiles][0] ?? profileOfNamespace(catalog, ns) ?? null;
    const grants = [
      ...new Set([
        ...grantsOfNamespace(catalog, ns),
        ...[...a.labels].map((l) => grantOfLabel.get(l) as string),
      ]),
    ].sort();
    try {
      const result = await whatIf(loaded, {
        namespace,
        ...(profile !== null ? { profile } : {}),
        grants,
      });
      patches.push({ namespace, groups: a.groups, profile, grants, whatIf: result });
    } catch (e) {
      if (!(e instanceof NetpolError)) throw e;
      refused.push({ namespace, reason: e.message });
    }
  }
  return { patches, refused };
}
