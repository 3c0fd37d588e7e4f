import fs from 'node:fs';
import path from 'node:path';
import type { ParsedFile } from './documents.js';
import { directoryLinkSkip, fileLinkSkip, isManifestName, isWithin, type SkippedLink } from './walk.js';

/**
 * The file system the loader reads, with paths relative to the repository root in POSIX form
 * (`apps/web/kustomization.yaml`; `''` is the root). A disk host and an in-memory host implement it.
 */
export interface RepoHost {
  /**
   * Reads a file as UTF-8.
   * @throws Error when the file cannot be read (the loader turns it into `FILE_UNREADABLE`).
   */
  readFile(file: string): string;
  /** `'file'`, `'dir'`, or null when nothing exists at the path. */
  kind(file: string): 'file' | 'dir' | null;
  /** The names in a directory (unsorted); empty when it cannot be read (see {@link RepoHost.dirError}). */
  list(dir: string): string[];
  /**
   * Why an existing directory cannot be listed (`EACCES: permission denied, scandir '…'`), or undefined when
   * it can, or does not exist. Absent for hosts whose directories are always readable.
   */
  dirError?(dir: string): string | undefined;
  /**
   * The existing directories that could not be listed so far (by {@link RepoHost.list} or
   * {@link RepoHost.dirError}), root-relative, in the order met, with the reason.
   */
  unreadableDirs?(): readonly { readonly dir: string; readonly reason: string }[];
  /**
   * The directory links that {@link RepoHost.kind} refused to follow so far (it reports them as nothing),
   * in the order met, each once. Absent for hosts without links.
   */
  skippedLinks?(): readonly SkippedLink[];
  /**
   * The link at a root-relative path that {@link RepoHost.kind} refused to follow (after `kind` was asked
   * about that path), with `targetPath`, its target relative to the root, when the target is inside the
   * root (for a hint naming it). Undefined for any other path, and absent for hosts without links.
   */
  skippedLink?(file: string): (SkippedLink & { readonly targetPath?: string }) | undefined;
  /**
   * True when a root-relative path (which may climb above the root with `..`) lies inside the repository
   * boundary: the git work tree holding the root on disk, the root itself in memory.
   */
  contains(file: string): boolean;
  /**
   * The shortest root-relative spelling of a path: `../../clusters/prod/x` read from root `clusters/prod`
   * is `x`. Paths inside the root never climb.
   */
  canonical(file: string): string;
}

/**
 * Joins a path onto a root-relative folder and gives its canonical spelling (see {@link RepoHost.canonical}).
 * @param host - The host.
 * @param dir - Root-relative folder.
 * @param name - Relative path inside it (may climb with `..`).
 * @returns The root-relative path.
 */
export function joinOn(host: RepoHost, dir: string, name: string): string {
  const joined = joinPath(dir, name);
  return joined.startsWith('..') ? host.canonical(joined) : joined;
}

/**
 * A host over a directory on disk. A directory symbolic link that leaves `boundary`, loops back to a
 * directory above it, or points inside `root` (reached by its own path) is not followed: `kind` says
 * null for it and {@link RepoHost.skippedLinks} lists it (see {@link directoryLinkSkip}). A link with a
 * manifest's name whose target is missing, is itself, or lies outside `boundary` is treated the same way
 * (see {@link fileLinkSkip}); other links to files are followed. The kind of a plain file or folder that a
 * listing met is its entry's type (no stat); links are looked up as above.
 * @param root - Absolute root directory.
 * @param boundary - Absolute directory that directory links must stay inside. Default: `root`.
 * @returns The host.
 */
export function diskHost(root: string, boundary: string = root): RepoHost {
  const abs = (p: string) => path.join(root, ...p.split('/'));
  const skipped = new Map<string, SkippedLink>();
  // Kinds of the plain files and folders a listing met (its entries' types, no stat): a link is looked up.
  const listed = new Map<string, 'file' | 'dir'>();
  // Directories that exist but cannot be listed (permissions), with the error's message.
  const unreadable = new Map<string, string>();
  const listError = (dir: string, e: unknown): void => {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    if (!unreadable.has(dir)) unreadable.set(dir, e instanceof Error ? e.message : String(e));
  };
  return {
    dirError: (dir) => {
      if (!unreadable.has(dir)) {
        try {
          fs.readdirSync(abs(dir));
        } catch (e) {
          listError(dir, e);
        }
      }
      return unreadable.get(dir);
    },
    unreadableDirs: () => [...unreadable].map(([dir, reason]) => ({ dir, reason })),
    readFile: (file) => fs.readFileSync(abs(file), 'utf8'),
    contains: (file) => isWithin(boundary, abs(file)),
    canonical: (file) => {
      const rel = path.relative(root, abs(file)).split(path.sep).join('/');
      return rel === '' ? '' : rel;
    },
    skippedLinks: () => [...skipped.values()],
    skippedLink: (file) => {
      // A dangling folder link has no manifest's name, so `kind` did not note it: look it up now.
      const skip = skipped.get(abs(file)) ?? fileLinkSkip(abs(file), boundary) ?? undefined;
      if (!skip) return undefined;
      let realRoot = root;
      try {
        realRoot = fs.realpathSync(root);
      } catch {
        // The root itself was read, so this is not expected; the plain path is the best guess.
      }
      const rel = path.relative(realRoot, skip.target);
      return skip.reason !== 'revisit' || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)
        ? skip
        : { ...skip, targetPath: rel.split(path.sep).join('/') };
    },
    kind: (file) => {
      const seen = listed.get(file);
      if (seen !== undefined) return seen;
      const note = (skip: SkippedLink | null): boolean => {
        if (skip && !skipped.has(skip.link)) skipped.set(skip.link, skip);
        return skip !== null;
      };
      const manifest = file !== '' && isManifestName(path.posix.basename(file));
      let st: fs.Stats | undefined;
      try {
        // Most lookups of a missing path are kustomization names probed in every folder: no error object.
        st = fs.statSync(abs(file), { throwIfNoEntry: false });
      } catch {
        st = undefined;
      }
      if (st === undefined) {
        // A dangling or self-looping link with a manifest's name is said once, not passed over.
        if (manifest) note(fileLinkSkip(abs(file), boundary));
        return null;
      }
      if (st.isDirectory() && file !== '')
        return note(directoryLinkSkip(abs(file), boundary, root)) ? null : 'dir';
      if (st.isFile() && manifest && note(fileLinkSkip(abs(file), boundary))) return null;
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
    },
    list: (dir) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(abs(dir), { withFileTypes: true });
      } catch (e) {
        listError(dir, e);
        return [];
      }
      const names: string[] = [];
      for (const entry of entries) {
        names.push(entry.name);
        // The spelling of joinPath(dir, name): a listed name has no slash and is never `.` or `..`.
        const p = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isFile()) listed.set(p, 'file');
        else if (entry.isDirectory()) listed.set(p, 'dir');
      }
      return names;
    },
  };
}

/**
 * A host over in-memory files (`path → text`); directories are implied by the paths.
 * @param files - File texts by POSIX path relative to the top of the map.
 * @param dir - The folder of the map that is the root (POSIX, `''` for the top), as `-R` picks a folder of a
 *   git work tree on disk: paths are relative to it and may climb with `..` up to the top of the map, which
 *   is the boundary (what {@link diskHost} does with the work tree). Default: `''`.
 * @returns The host.
 */
export function memoryHost(files: Readonly<Record<string, string>>, dir = ''): RepoHost {
  const texts = new Map<string, string>();
  const dirs = new Map<string, Set<string>>([['', new Set()]]);
  for (const [raw, text] of Object.entries(files)) {
    const file = path.posix.normalize(raw).replace(/^\.\//, '');
    texts.set(file, text);
    const parts = file.split('/');
    for (let i = 0; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      let set = dirs.get(folder);
      if (!set) {
        set = new Set();
        dirs.set(folder, set);
      }
      set.add(parts[i] as string);
    }
  }
  const top = dir === '' ? '' : path.posix.normalize(dir).replace(/\/$/, '');
  // A root-relative path as a path of the map ('' for the top); it escapes when it climbs above the top.
  const inMap = (file: string): string => {
    if (top === '') return file;
    const joined = path.posix.normalize(path.posix.join(top, file));
    return joined === '.' ? '' : joined.replace(/\/$/, '');
  };
  return {
    readFile: (file) => {
      const text = texts.get(inMap(file));
      if (text === undefined) throw new Error(`ENOENT: no such file "${file}"`);
      return text;
    },
    kind: (file) => {
      const at = inMap(file);
      // The root is a folder even when the map holds nothing below it.
      return texts.has(at) ? 'file' : dirs.has(at) || at === top ? 'dir' : null;
    },
    list: (folder) => [...(dirs.get(inMap(folder)) ?? [])],
    contains: (file) => !escapesRoot(inMap(file)),
    canonical: (file) => {
      const at = inMap(file);
      return top === '' || escapesRoot(at) ? file : path.posix.relative(`/${top}`, `/${at}`);
    },
  };
}

/**
 * The git work tree holding a directory: the nearest folder at or above it with a `.git` entry (a folder,
 * or a file for worktrees and submodules).
 * @param dir - An absolute directory.
 * @returns The work tree's top folder, or `dir` itself when it is in none.
 */
export function gitTopLevel(dir: string): string {
  let current = dir;
  for (;;) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    const up = path.dirname(current);
    if (up === current) return dir;
    current = up;
  }
}

/**
 * The URLs of a git work tree's remotes, read from its `.git/config` (a `.git` file pointing elsewhere,
 * as in worktrees, is followed to its common directory).
 * @param top - The work tree's top folder.
 * @returns The remote URLs as written; empty when there is none or the config cannot be read.
 */
export function gitRemoteUrls(top: string): string[] {
  let gitDir = path.join(top, '.git');
  try {
    if (fs.statSync(gitDir).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(gitDir, 'utf8'))?.[1]?.trim();
      if (!pointer) return [];
      gitDir = path.resolve(top, pointer);
      const common = path.join(gitDir, 'commondir');
      if (fs.existsSync(common)) gitDir = path.resolve(gitDir, fs.readFileSync(common, 'utf8').trim());
    }
    const config = fs.readFileSync(path.join(gitDir, 'config'), 'utf8');
    return [...config.matchAll(/^\s*url\s*=\s*(.+)$/gm)]
      .map((m) => (m[1] ?? '').trim())
      .filter((u) => u !== '');
  } catch {
    return [];
  }
}

/**
 * Wraps a host so that every file is read, every path's kind looked up and every directory listed once
 * (the Flux scan, the builds and the kustomization walks go over the same tree): for one load of a
 * repository that does not change meanwhile. A listing is handed out as a copy.
 * @param host - The host.
 * @param texts - File texts by root-relative path, read and filled (a {@link ReadCache}'s, so that a later
 *   reader of the same tree finds them). Default: a new map.
 * @returns The caching host.
 */
export function cachingHost(host: RepoHost, texts: Map<string, string> = new Map()): RepoHost {
  const kinds = new Map<string, 'file' | 'dir' | null>();
  const lists = new Map<string, string[]>();
  const contained = new Map<string, boolean>();
  return {
    ...host,
    readFile: (file) => {
      const hit = texts.get(file);
      if (hit !== undefined) return hit;
      const text = host.readFile(file);
      texts.set(file, text);
      return text;
    },
    kind: (file) => {
      const hit = kinds.get(file);
      if (hit !== undefined) return hit;
      const kind = host.kind(file);
      kinds.set(file, kind);
      return kind;
    },
    list: (dir) => {
      let names = lists.get(dir);
      if (names === undefined) {
        names = host.list(dir);
        lists.set(dir, names);
      }
      return [...names];
    },
    contains: (file) => {
      let inside = contained.get(file);
      if (inside === undefined) {
        inside = host.contains(file);
        contained.set(file, inside);
      }
      return inside;
    },
  };
}

/**
 * What one load of a repository read and parsed, kept for a later reader of the same tree in the same state
 * (`netpol lint` reads the kustomizations and the files no kustomization lists after the load): file texts
 * and parses by root-relative path (`null`: unreadable). Held only as long as its owner holds it.
 */
export interface ReadCache {
  readonly texts: Map<string, string>;
  readonly parsed: Map<string, ParsedFile | null>;
}

/**
 * An empty {@link ReadCache}.
 * @returns The cache.
 */
export function createReadCache(): ReadCache {
  return { texts: new Map(), parsed: new Map() };
}

/**
 * Joins POSIX path segments relative to the root (`''` is the root) and normalises `.` and `..`.
 * @param dir - A directory relative to the root.
 * @param name - A relative path inside it.
 * @returns The joined path.
 */
export function joinPath(dir: string, name: string): string {
  const joined = path.posix.normalize(dir === '' ? name : `${dir}/${name}`).replace(/\/$/, '');
  return joined === '.' ? '' : joined;
}

/**
 * True when a relative POSIX path climbs above the root.
 * @param file - A normalised relative path.
 * @returns Whether it leaves the root.
 */
export function escapesRoot(file: string): boolean {
  return file === '..' || file.startsWith('../') || path.posix.isAbsolute(file);
}
