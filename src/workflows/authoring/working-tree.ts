import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { NetpolError } from '../../errors.js';
import { unifiedDiff, writeFileAtomic } from '../../repo/edit.js';
import { KUSTOMIZATION_FILES } from '../../repo/kustomize.js';
import { renderKustomization } from './render.js';
import { appendToYamlList } from './yaml-append.js';

/** One file an authoring command writes. */
export interface FileChange {
  /** POSIX path relative to the repository root. */
  readonly path: string;
  /** The content on disk, or null when the file is created. */
  readonly before: string | null;
  readonly after: string;
}

/**
 * The files of a repository as a command is about to leave them: reads see earlier planned writes, and
 * nothing touches the disk until {@link WorkingTree.commit}. So a command checks everything first and
 * writes all of its files or none.
 */
export class WorkingTree {
  private readonly planned = new Map<string, string>();
  private readonly original = new Map<string, string | null>();

  /** @param root - Absolute repository root. */
  constructor(readonly root: string) {}

  /** Absolute path of a repository file. */
  abs(file: string): string {
    return path.join(this.root, ...file.split('/'));
  }

  private disk(file: string): string | null {
    if (this.original.has(file)) return this.original.get(file) ?? null;
    let text: string | null;
    try {
      text = fs.readFileSync(this.abs(file), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new NetpolError(
          'NETPOL_INPUT_UNREADABLE',
          `Cannot read "${file}": ${e instanceof Error ? e.message : String(e)}.`,
          'Check the file permissions.',
        );
      }
      text = null;
    }
    this.original.set(file, text);
    return text;
  }

  /** The file's planned content, else its content on disk, else null. */
  read(file: string): string | null {
    return this.planned.get(file) ?? this.disk(file);
  }

  /** Whether the file exists (planned or on disk). */
  exists(file: string): boolean {
    return this.read(file) !== null;
  }

  /** Plans a write. */
  write(file: string, text: string): void {
    this.disk(file);
    this.planned.set(file, text);
  }

  /** The planned writes that change something, in the order they were first planned. */
  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const [file, after] of this.planned) {
      const before = this.disk(file);
      if (before !== after) out.push({ path: file, before, after });
    }
    return out;
  }

  /**
   * Writes every change atomically (temporary file + rename), creating folders; unchanged files are not
   * touched, so their modification times stay.
   * @returns The changes written.
   * @throws NetpolError `NETPOL_WRITE_FAILED` when a file cannot be written.
   */
  commit(): FileChange[] {
    const changes = this.changes();
    for (const c of changes) {
      try {
        fs.mkdirSync(path.dirname(this.abs(c.path)), { recursive: true });
      } catch (e) {
        throw new NetpolError(
          'NETPOL_WRITE_FAILED',
          `Cannot create the folder of "${c.path}": ${e instanceof Error ? e.message : String(e)}.`,
          'Check that the repository is writable.',
        );
      }
      writeFileAtomic(this.abs(c.path), c.after);
    }
    return changes;
  }
}

/** The unified diff of a list of changes (`/dev/null` as the old name of a created file). */
export function diffOfChanges(changes: readonly FileChange[]): string {
  return changes
    .map((c) => {
      const d = unifiedDiff(c.path, c.before ?? '', c.after);
      return c.before === null ? d.replace(`--- a/${c.path}`, '--- /dev/null') : d;
    })
    .join('');
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? '' : file.slice(0, i);
}

function baseOf(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** The kustomization file of a folder in the working tree, if any. */
export function kustomizationOf(tree: WorkingTree, dir: string): string | null {
  for (const name of KUSTOMIZATION_FILES) {
    const file = dir === '' ? name : `${dir}/${name}`;
    if (tree.exists(file)) return file;
  }
  return null;
}

function normalizeEntry(entry: string): string {
  return entry.replace(/^\.\//, '').replace(/\/+$/, '');
}

/** The `resources` of a kustomization text (empty when unreadable). */
export function kustomizationResources(text: string): string[] {
  const doc = parseDocument(text);
  const list = doc.get('resources');
  const json =
    list && typeof list === 'object' && 'toJSON' in list ? (list as { toJSON(): unknown }).toJSON() : [];
  return Array.isArray(json) ? json.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Plans listing a new file (or folder) in the kustomization of its folder, appending to `resources` with a
 * comment-preserving edit. A folder without a kustomization gets one (and is itself listed in its parent's,
 * up the tree) when the repository root has a kustomization; without a root kustomization every manifest
 * is read anyway, so nothing is created.
 * @param tree - The working tree.
 * @param file - POSIX path relative to the root.
 * @returns Nothing; the edits are planned in `tree`.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when an existing kustomization's `resources` is not a list.
 */
export function listInKustomization(tree: WorkingTree, file: string): void {
  const dir = dirOf(file);
  const entry = baseOf(file);
  const existing = kustomizationOf(tree, dir);
  if (existing) {
    const text = tree.read(existing) ?? '';
    if (kustomizationResources(text).some((r) => normalizeEntry(r) === entry)) return;
    tree.write(existing, appendToYamlList(text, 0, ['resources'], entry));
    return;
  }
  if (dir === '' || kustomizationOf(tree, '') === null) return;
  tree.write(`${dir}/kustomization.yaml`, renderKustomization([entry]));
  listInKustomization(tree, dir);
}
