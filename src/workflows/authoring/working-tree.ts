import fs from 'node:fs';
import path from 'node:path';
import { NetpolError } from '../../errors.js';
import { addKustomizationResource, unifiedDiff } from '../../repo/edit.js';
import { KUSTOMIZATION_FILES } from '../../repo/kustomize.js';
import { linkNote, resolveWriteTarget, type WriterFs, writeFiles } from '../../repo/write-files.js';
import { checkDerivedNames } from './authoring-values.js';
import { renderKustomization } from './render.js';

/** One file an authoring command writes. */
export interface FileChange {
  /** POSIX path relative to the repository root. */
  readonly path: string;
  /** The content on disk, or null when the file is created. */
  readonly before: string | null;
  readonly after: string;
  /**
   * Set when `path` is a symbolic link (or lies in a linked folder) whose target is inside the repository:
   * the file actually written, relative to the root. The link itself is kept.
   */
  readonly linkTarget?: string;
}

/**
 * The files of a repository as a command is about to leave them: reads see earlier planned writes, and
 * nothing touches the disk until {@link WorkingTree.commit}. So a command checks everything first and
 * writes all of its files or none.
 */
export class WorkingTree {
  private readonly planned = new Map<string, string>();
  private readonly original = new Map<string, string | null>();

  /**
   * @param root - Absolute repository root.
   * @param fs - The file-system calls of {@link WorkingTree.commit}. Default: `node:fs`.
   */
  constructor(
    readonly root: string,
    private readonly fs?: WriterFs,
  ) {}

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

  /**
   * The planned writes that change something, in the order they were first planned. Every object name a
   * change introduces is checked first (`checkDerivedNames`), so nothing invalid is ever written.
   * @throws NetpolError `NETPOL_BAD_ARGUMENT` when a new object's name or namespace is not valid in
   *   Kubernetes; `NETPOL_WRITE_FAILED` when a planned file is a symbolic link leading outside the
   *   repository (or a link that cannot be resolved): netpol never writes there.
   */
  changes(): FileChange[] {
    const out: FileChange[] = [];
    for (const [file, after] of this.planned) {
      const before = this.disk(file);
      if (before === after) continue;
      checkDerivedNames(file, before, after);
      const target = resolveWriteTarget(this.abs(file), {
        boundary: this.root,
        ...(this.fs ? { fs: this.fs } : {}),
      });
      out.push({ path: file, before, after, ...(target.link ? { linkTarget: target.shown } : {}) });
    }
    return out;
  }

  /**
   * Writes every change, all or none (`writeFiles`: every content staged next to its target, then renamed;
   * on a failure, what was renamed is restored), creating folders; a symbolic link inside the repository
   * is kept and its target written. Unchanged files are not touched, so their modification times stay.
   * @returns The changes written.
   * @throws NetpolError `NETPOL_WRITE_FAILED` when a file cannot be written (the message says what was
   *   and was not written) or a link leads outside the repository.
   */
  commit(): FileChange[] {
    const changes = this.changes();
    writeFiles(
      changes.map((c) => ({ file: this.abs(c.path), text: c.after })),
      { boundary: this.root, createFolders: true, ...(this.fs ? { fs: this.fs } : {}) },
    );
    return changes;
  }
}

/**
 * The unified diff of a list of changes (`/dev/null` as the old name of a created file); a change made
 * through a symbolic link is preceded by a `#` line naming the link's target.
 */
export function diffOfChanges(changes: readonly FileChange[]): string {
  return changes
    .map((c) => {
      const d = unifiedDiff(c.path, c.before ?? '', c.after);
      const note = c.linkTarget === undefined ? '' : `${linkNote(c.path, c.linkTarget)}\n`;
      return note + (c.before === null ? d.replace(`--- a/${c.path}`, '--- /dev/null') : d);
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
    const after = addKustomizationResource(text, entry);
    if (after !== text) tree.write(existing, after);
    return;
  }
  if (dir === '' || kustomizationOf(tree, '') === null) return;
  tree.write(`${dir}/kustomization.yaml`, renderKustomization([entry]));
  listInKustomization(tree, dir);
}
