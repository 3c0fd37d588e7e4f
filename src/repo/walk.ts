import fs from 'node:fs';
import path from 'node:path';

/**
 * Why a symbolic link is not followed:
 * - `outside`: its target resolves outside the repository boundary (e.g. `etc -> /etc`);
 * - `loop`: a directory link's target is the link's own directory or one above it (`a/loop -> ..`), so
 *   following it would revisit directories without end; a file link that leads back to itself (`a -> a`);
 * - `revisit`: a directory link's target lies inside the walked root, which the walk reaches by its own path
 *   anyway (following it would read the same files twice);
 * - `missing`: a file link whose target does not exist (a dangling link).
 */
export type SkipReason = 'outside' | 'loop' | 'revisit' | 'missing';

/** A link the tree walk did not follow. Paths are absolute. */
export interface SkippedLink {
  /** The link itself. */
  readonly link: string;
  /** What it resolves to (its realpath), or the raw link text when it cannot be resolved. */
  readonly target: string;
  readonly reason: SkipReason;
  /** True for a link with a manifest's name that is not a directory (see {@link fileLinkSkip}). */
  readonly file?: boolean;
}

const LINK_REASONS: Readonly<Record<SkipReason, string>> = {
  outside: 'it leads outside the repository',
  loop: 'it leads back to a directory above it (a loop)',
  revisit: 'its target is inside the repository and is read by its own path',
  missing: 'its target does not exist',
};

/**
 * Why a link is not followed, as a clause for messages (`it leads outside the repository`); a file link
 * that loops leads back to itself rather than to a directory above it.
 * @param skip - The skipped link.
 * @returns The clause, without a final full stop.
 */
export function linkSkipClause(skip: Pick<SkippedLink, 'reason' | 'file'>): string {
  if (skip.file && skip.reason === 'loop') return 'it leads back to itself (a loop)';
  return LINK_REASONS[skip.reason];
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * True for a file name the loader reads as manifests (`*.yaml`, `*.yml`, `*.json`).
 * @param name - A file name.
 * @returns Whether it is a manifest name.
 */
export function isManifestName(name: string): boolean {
  const lower = name.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function rawLink(entry: string): string {
  try {
    return fs.readlinkSync(entry);
  } catch {
    return '?';
  }
}

/**
 * Decides whether a symbolic link that is not a directory is read: not when its target does not exist
 * (`missing`), when it leads back to itself (`loop`, the system's ELOOP), or when its realpath lies outside
 * `boundary` (`outside`), as for directory links.
 * @param entry - Absolute path of the directory entry.
 * @param boundary - Absolute directory that links must not leave.
 * @returns Null to read the entry (it is no link, or a link to a file inside `boundary`), else why not. Never throws.
 */
export function fileLinkSkip(entry: string, boundary: string): SkippedLink | null {
  try {
    if (!fs.lstatSync(entry, { throwIfNoEntry: false })?.isSymbolicLink()) return null;
  } catch {
    return null;
  }
  let target: string;
  try {
    target = fs.realpathSync(entry);
  } catch (e) {
    const reason = (e as { code?: unknown }).code === 'ELOOP' ? 'loop' : 'missing';
    return { link: entry, target: rawLink(entry), reason, file: true };
  }
  const realBoundary = realpath(boundary) ?? boundary;
  return isWithin(realBoundary, target) ? null : { link: entry, target, reason: 'outside', file: true };
}

function realpath(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** True when `inner` is `outer` or below it (both absolute, resolved). */
export function isWithin(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Decides whether a tree walk may descend into a directory entry. Entries that are not symbolic links are
 * always followed; a directory link is followed only when its realpath stays inside `boundary`, is not
 * the link's own directory or an ancestor of it, and is not inside `walkRoot` (reached by its own path).
 * Stateless: two walks of the same tree decide the same way. File links are not this function's concern.
 * @param entry - Absolute path of the directory entry (a directory or a link to one).
 * @param boundary - Absolute directory that links must not leave (the repository, or the git work tree
 *   containing it).
 * @param walkRoot - Absolute directory the walk started from (inside `boundary`). Default: `boundary`.
 * @returns Null to follow the entry, else why it is skipped. Never throws: a link that cannot be resolved
 *   is `outside`.
 */
export function directoryLinkSkip(
  entry: string,
  boundary: string,
  walkRoot: string = boundary,
): SkippedLink | null {
  let isLink = false;
  try {
    isLink = fs.lstatSync(entry).isSymbolicLink();
  } catch {
    return null;
  }
  if (!isLink) return null;
  const target = realpath(entry);
  if (target === null) return { link: entry, target: rawLink(entry), reason: 'outside' };
  const realBoundary = realpath(boundary) ?? boundary;
  if (!isWithin(realBoundary, target)) return { link: entry, target, reason: 'outside' };
  const parent = realpath(path.dirname(entry)) ?? path.dirname(entry);
  if (isWithin(target, parent)) return { link: entry, target, reason: 'loop' };
  const realRoot = realpath(walkRoot) ?? walkRoot;
  if (isWithin(realRoot, target)) return { link: entry, target, reason: 'revisit' };
  return null;
}
