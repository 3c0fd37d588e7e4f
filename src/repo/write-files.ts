import fs from 'node:fs';
import path from 'node:path';
import { NetpolError } from '../errors.js';
import { isWithin } from './walk.js';

/**
 * The file-system calls {@link writeFiles} makes, so that a test can make one of them fail (tests run as
 * root, where permissions do not stop a write). Default: {@link nodeWriterFs}.
 */
export interface WriterFs {
  lstatSync(file: string): fs.Stats;
  statSync(file: string): fs.Stats;
  realpathSync(file: string): string;
  mkdirSync(dir: string): void;
  writeFileSync(file: string, text: string, options: { mode?: number }): void;
  chmodSync(file: string, mode: number): void;
  renameSync(from: string, to: string): void;
  linkSync(existing: string, link: string): void;
  copyFileSync(from: string, to: string): void;
  rmSync(file: string): void;
  rmdirSync(dir: string): void;
}

/** {@link WriterFs} over `node:fs`. */
export const nodeWriterFs: WriterFs = {
  lstatSync: (f) => fs.lstatSync(f),
  statSync: (f) => fs.statSync(f),
  realpathSync: (f) => fs.realpathSync(f),
  mkdirSync: (d) => fs.mkdirSync(d),
  writeFileSync: (f, t, o) => fs.writeFileSync(f, t, o),
  chmodSync: (f, m) => fs.chmodSync(f, m),
  renameSync: (a, b) => fs.renameSync(a, b),
  linkSync: (a, b) => fs.linkSync(a, b),
  copyFileSync: (a, b) => fs.copyFileSync(a, b),
  rmSync: (f) => fs.rmSync(f, { force: true }),
  rmdirSync: (d) => fs.rmdirSync(d),
};

/** One file to write: an absolute path and its new content. */
export interface FileWrite {
  readonly file: string;
  readonly text: string;
}

/** Where a write goes. */
export interface WriteTarget {
  /** The path as asked (absolute). */
  readonly file: string;
  /** The real file written: the target of a symbolic link (of the file or a folder on its path). */
  readonly target: string;
  /** True when `target` is reached through a symbolic link, so the link stays and its target changes. */
  readonly link: boolean;
  /** True when the file does not exist yet. */
  readonly created: boolean;
  /** `target` relative to the boundary (POSIX separators) when a boundary is given, else `target`. */
  readonly shown: string;
}

/** Options of {@link writeFiles}. */
export interface WriteFilesOptions {
  /**
   * Folder no write may leave, through links included (the repository root). Paths in messages are
   * relative to it. Default: none (links are followed wherever they lead).
   */
  readonly boundary?: string;
  /** Create missing folders (removed again when the write fails). Default: `false`. */
  readonly createFolders?: boolean;
  /** The file-system calls. Default: {@link nodeWriterFs}. */
  readonly fs?: WriterFs;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function realOrSelf(ops: WriterFs, p: string): string {
  try {
    return ops.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Where a write of `file` lands: a symbolic link (to the file, or to a folder on its path) is followed, so
 * the link is kept and its target edited; a new file lands in the real folder of its nearest existing
 * parent.
 * @param file - Absolute path.
 * @param options - `boundary` to refuse targets outside it; `fs` for the calls.
 * @returns The target.
 * @throws NetpolError `NETPOL_WRITE_FAILED` when `file` is a link whose target does not exist, or when the
 *   target lies outside `boundary`.
 */
export function resolveWriteTarget(file: string, options: WriteFilesOptions = {}): WriteTarget {
  const ops = options.fs ?? nodeWriterFs;
  const show = displayName(file, options.boundary);
  let stat: fs.Stats | undefined;
  try {
    stat = ops.lstatSync(file);
  } catch {
    stat = undefined;
  }
  let target: string;
  if (stat) {
    try {
      target = ops.realpathSync(file);
    } catch (e) {
      throw new NetpolError(
        'NETPOL_WRITE_FAILED',
        `"${show}" is a link whose target cannot be resolved (${errorText(e)}); netpol does not write through it.`,
        'Fix or remove the link.',
      );
    }
  } else {
    const rest = [path.basename(file)];
    let dir = path.dirname(file);
    for (;;) {
      try {
        target = path.join(ops.realpathSync(dir), ...rest);
        break;
      } catch {
        const up = path.dirname(dir);
        if (up === dir) {
          target = file;
          break;
        }
        rest.unshift(path.basename(dir));
        dir = up;
      }
    }
  }
  let link = stat?.isSymbolicLink() ?? false;
  let shown = target;
  if (options.boundary !== undefined) {
    const realBoundary = realOrSelf(ops, options.boundary);
    if (!isWithin(realBoundary, target)) {
      throw new NetpolError(
        'NETPOL_WRITE_FAILED',
        `"${show}" leads outside the repository (to "${target}") through a symbolic link; netpol does not write there.`,
        'Edit the file the link points to by hand, or replace the link with a copy inside the repository.',
      );
    }
    shown = path.relative(realBoundary, target).split(path.sep).join('/');
    link ||= shown !== path.relative(options.boundary, file).split(path.sep).join('/');
  }
  return { file, target, link, created: stat === undefined, shown };
}

function displayName(file: string, boundary: string | undefined): string {
  if (boundary === undefined) return file;
  const rel = path.relative(boundary, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}

interface Staged extends WriteTarget {
  readonly text: string;
  temp?: string;
  backup?: string;
  renamed?: boolean;
}

function scratchName(target: string, suffix: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.netpol-${process.pid}-${Math.random().toString(36).slice(2)}.${suffix}`,
  );
}

/**
 * Writes several files all or none. Every new content is first staged in a temporary file next to its
 * target (and every existing target kept as a hard link or copy); only then are the temporary files renamed
 * over their targets, so a reader never sees half a file. When a step fails, every file already renamed
 * is put back from its backup (a created file is removed), temporary files and created folders are removed,
 * and the error says exactly what was and was not written. A symbolic link is never replaced: its target
 * is written (see {@link resolveWriteTarget}); existing files keep their permissions. A file with more than one
 * hard link is refused (the rename would split its names), before anything is written.
 * @param writes - The files, in order; two paths reaching one target must carry the same text.
 * @param options - The repository boundary and the file-system calls.
 * @returns Where each file was written, in order (a path repeated through a link appears once).
 * @throws NetpolError `NETPOL_WRITE_FAILED` when a target is refused (outside the boundary, a dangling link, a
 *   file with several hard links) or a write fails (nothing written,
 *   unless the message names files that could not be restored).
 */
export function writeFiles(writes: readonly FileWrite[], options: WriteFilesOptions = {}): WriteTarget[] {
  const ops = options.fs ?? nodeWriterFs;
  const show = (f: string) => displayName(f, options.boundary);
  const staged: Staged[] = [];
  const byTarget = new Map<string, Staged>();
  for (const w of writes) {
    const t = resolveWriteTarget(w.file, options);
    const seen = byTarget.get(t.target);
    if (seen) {
      if (seen.text === w.text) continue;
      throw new NetpolError(
        'NETPOL_WRITE_FAILED',
        `"${show(seen.file)}" and "${show(w.file)}" are the same file (through a symbolic link) but were given different contents; nothing was written.`,
        'Edit the file once, by one of its names.',
      );
    }
    if (!t.created) refuseHardLinked(ops, t, show(w.file));
    const s: Staged = { ...t, text: w.text };
    staged.push(s);
    byTarget.set(t.target, s);
  }
  const createdDirs: string[] = [];
  const cleanup = (keepBackups: ReadonlySet<Staged>) => {
    for (const s of staged) {
      if (s.temp && !s.renamed) tryRm(ops, s.temp);
      if (s.backup && !keepBackups.has(s)) tryRm(ops, s.backup);
    }
    for (const d of [...createdDirs].reverse()) {
      try {
        ops.rmdirSync(d);
      } catch {
        // Not empty (a file could not be removed) or already gone: left as it is.
      }
    }
  };

  for (const s of staged) {
    try {
      if (options.createFolders) mkdirs(ops, path.dirname(s.target), createdDirs);
      let mode: number | undefined;
      if (!s.created) mode = ops.statSync(s.target).mode & 0o7777;
      const temp = scratchName(s.target, 'tmp');
      s.temp = temp;
      ops.writeFileSync(temp, s.text, mode !== undefined ? { mode } : {});
      if (mode !== undefined) ops.chmodSync(temp, mode);
      if (!s.created) {
        const backup = scratchName(s.target, 'bak');
        try {
          ops.linkSync(s.target, backup);
        } catch {
          ops.copyFileSync(s.target, backup);
        }
        s.backup = backup;
      }
    } catch (e) {
      cleanup(new Set());
      throw new NetpolError(
        'NETPOL_WRITE_FAILED',
        `Cannot write "${show(s.file)}": ${errorText(e)}; nothing was written.`,
        'Check that the folder exists and is writable, and that the disk has space.',
      );
    }
  }

  for (const [i, s] of staged.entries()) {
    try {
      ops.renameSync(s.temp as string, s.target);
      s.renamed = true;
    } catch (e) {
      const done = staged.slice(0, i);
      const unrestored = new Set<Staged>();
      for (const d of [...done].reverse()) {
        try {
          if (d.backup) ops.renameSync(d.backup, d.target);
          else ops.rmSync(d.target);
        } catch {
          unrestored.add(d);
        }
      }
      cleanup(unrestored);
      const restored = done.filter((d) => !unrestored.has(d));
      let message = `Cannot write "${show(s.file)}": ${errorText(e)}; `;
      if (unrestored.size === 0) {
        message +=
          restored.length === 0
            ? 'nothing was written.'
            : `nothing was written (${restored.map((d) => `"${show(d.file)}"`).join(', ')} restored).`;
      } else {
        const kept = [...unrestored].map(
          (d) =>
            `"${show(d.file)}"${d.backup ? ` (its previous content is in "${show(d.backup)}")` : ' (created)'}`,
        );
        const notWritten = staged.slice(i).map((d) => `"${show(d.file)}"`);
        message += `written and not restored: ${kept.join(', ')}; not written: ${notWritten.join(', ')}${restored.length > 0 ? `; restored: ${restored.map((d) => `"${show(d.file)}"`).join(', ')}` : ''}.`;
      }
      throw new NetpolError(
        'NETPOL_WRITE_FAILED',
        message,
        'Check that the folder is writable and the disk has space, then run the command again.',
      );
    }
  }
  for (const s of staged) if (s.backup) tryRm(ops, s.backup);
  return staged.map(({ file, target, link, created, shown }) => ({ file, target, link, created, shown }));
}

/**
 * Refuses a file with more than one hard link: the rename that replaces it would leave its other names with the
 * old content (a split nobody sees). Checked before anything is staged, so nothing is written.
 */
function refuseHardLinked(ops: WriterFs, t: WriteTarget, shown: string): void {
  const links = ops.statSync(t.target).nlink;
  if (links > 1) {
    throw new NetpolError(
      'NETPOL_WRITE_FAILED',
      `"${shown}" has ${links} hard links: netpol writes a file by replacing it, which would leave its other names with the old content; nothing was written.`,
      'Edit it by hand, or keep one copy and make the other names symbolic links (netpol edits their target).',
    );
  }
}

function tryRm(ops: WriterFs, file: string): void {
  try {
    ops.rmSync(file);
  } catch {
    // Best effort: a leftover temporary file does not change the result.
  }
}

/** Creates a folder and its missing parents, recording those it created (outermost first). */
function mkdirs(ops: WriterFs, dir: string, created: string[]): void {
  const missing: string[] = [];
  let d = dir;
  for (;;) {
    try {
      ops.statSync(d);
      break;
    } catch {
      missing.unshift(d);
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  for (const m of missing) {
    ops.mkdirSync(m);
    created.push(m);
  }
}

/**
 * The line commands print when they edit a file through a symbolic link.
 * @param file - The path as named in the repository.
 * @param target - The link's target, relative to the root.
 * @returns `# FILE is a symbolic link: its target TARGET is edited (the link is kept)`.
 */
export function linkNote(file: string, target: string): string {
  return `# ${file} is a symbolic link: its target ${target} is edited (the link is kept)`;
}

/**
 * Writes one file atomically (a temporary file in the same folder, then a rename), keeping its permissions;
 * a symbolic link is followed, never replaced. {@link writeFiles} for one file, without a boundary.
 * @param file - The file to write.
 * @param text - Its new content.
 * @throws NetpolError `NETPOL_WRITE_FAILED` when the file cannot be written.
 */
export function writeFileAtomic(file: string, text: string): void {
  writeFiles([{ file: path.resolve(file), text }]);
}
