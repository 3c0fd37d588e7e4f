import fs from 'node:fs';
import path from 'node:path';

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
  /** The names in a directory (unsorted); empty when it cannot be read. */
  list(dir: string): string[];
}

/**
 * A host over a directory on disk.
 * @param root - Absolute root directory.
 * @returns The host.
 */
export function diskHost(root: string): RepoHost {
  const abs = (p: string) => path.join(root, ...p.split('/'));
  return {
    readFile: (file) => fs.readFileSync(abs(file), 'utf8'),
    kind: (file) => {
      try {
        const st = fs.statSync(abs(file));
        return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
      } catch {
        return null;
      }
    },
    list: (dir) => {
      try {
        return fs.readdirSync(abs(dir));
      } catch {
        return [];
      }
    },
  };
}

/**
 * A host over in-memory files (`path → text`); directories are implied by the paths.
 * @param files - File texts by POSIX path relative to the root.
 * @returns The host.
 */
export function memoryHost(files: Readonly<Record<string, string>>): RepoHost {
  const texts = new Map<string, string>();
  const dirs = new Map<string, Set<string>>([['', new Set()]]);
  for (const [raw, text] of Object.entries(files)) {
    const file = path.posix.normalize(raw).replace(/^\.\//, '');
    texts.set(file, text);
    const parts = file.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      let set = dirs.get(dir);
      if (!set) {
        set = new Set();
        dirs.set(dir, set);
      }
      set.add(parts[i] as string);
    }
  }
  return {
    readFile: (file) => {
      const text = texts.get(file);
      if (text === undefined) throw new Error(`ENOENT: no such file "${file}"`);
      return text;
    },
    kind: (file) => (texts.has(file) ? 'file' : dirs.has(file) ? 'dir' : null),
    list: (dir) => [...(dirs.get(dir) ?? [])],
  };
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
