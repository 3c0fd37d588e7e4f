import fs from 'node:fs';
import path from 'node:path';

/**
 * Why a directory symbolic link is not followed:
 * - `outside`: its target resolves outside the repository boundary (e.g. `etc -> /etc`);
 * - `loop`: its target is the link's own directory or one above it (`a/loop -> ..`), so following it
 *   would revisit directories without end;
 * - `revisit`: its target lies inside the walked root, which the walk reaches by its own path anyway
 *   (following it would read the same files twice).
 */
export type SkipReason = 'outside' | 'loop' | 'revisit';

/** A directory link the tree walk did not follow. Paths are absolute. */
export interface SkippedLink {
  /** The link itself. */
  readonly link: string;
  /** What it resolves to (its realpath), or the raw link text when it cannot be resolved. */
  readonly target: string;
  readonly reason: SkipReason;
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
  if (target === null) {
    let raw = '';
    try {
      raw = fs.readlinkSync(entry);
    } catch {
      raw = '?';
    }
    return { link: entry, target: raw, reason: 'outside' };
  }
  const realBoundary = realpath(boundary) ?? boundary;
  if (!isWithin(realBoundary, target)) return { link: entry, target, reason: 'outside' };
  const parent = realpath(path.dirname(entry)) ?? path.dirname(entry);
  if (isWithin(target, parent)) return { link: entry, target, reason: 'loop' };
  const realRoot = realpath(walkRoot) ?? walkRoot;
  if (isWithin(realRoot, target)) return { link: entry, target, reason: 'revisit' };
  return null;
}
