import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../../errors.js';
import type { ClusterSettings } from '../../repo/model.js';
import { type LoadedRepo, loadForAnalysis } from '../analysis/load.js';

/** One revision of the repository the watcher answers for. */
export interface RepositoryRevision {
  readonly loaded: LoadedRepo;
  /**
   * The revision: the git commit when the directory is a git-sync worktree (a 40-hex path component) or a git
   * checkout, else `sha256:` and the first 12 hex digits of a digest of the files' paths and contents.
   */
  readonly revision: string;
  /** {@link contentDigest} of the files read. */
  readonly digest: string;
  /** The directory the revision was read from, symbolic links resolved (a git-sync worktree). */
  readonly directory: string;
}

/** The outcome of one load attempt of {@link RepositoryFollower}. */
export type RepositoryLoad =
  | { readonly ok: true; readonly revision: RepositoryRevision; readonly warnings: number }
  | {
      readonly ok: false;
      /** The revision that failed (best effort), or null when the directory could not be read at all. */
      readonly revision: string | null;
      /** Input errors (`file:line` diagnostics), or one fatal message. */
      readonly errors: readonly Diagnostic[];
      readonly message: string;
    };

/** Options of {@link RepositoryFollower}. */
export interface RepositoryFollowerOptions {
  /** Repository root: a directory, or the link a git-sync sidecar or Flux artifact keeps current. */
  readonly root: string;
  /** Flux post-build variables. Default: none. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Overrides of `netpol.config.yaml` `cluster:` settings. Default: none. */
  readonly settings?: Partial<ClusterSettings>;
  /** How often the directory is checked for changes, in milliseconds. Default: `5000`. */
  readonly pollIntervalMs?: number;
  /** Called after every load attempt: a new revision to serve, or a broken one (the last good one stays). */
  readonly onLoad: (load: RepositoryLoad) => void;
}

/** A cheap fingerprint of a directory tree: resolved path, then every file's path, size and mtime. */
function fingerprint(root: string): { real: string; print: string } {
  const real = fs.realpathSync(root);
  const hash = createHash('sha256');
  hash.update(real);
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      hash.update(`\u0000unreadable:${dir}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const full = path.join(dir, entry.name);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(full);
      } catch {
        continue;
      }
      if (stat.isDirectory()) {
        if (!entry.isSymbolicLink()) walk(full);
        continue;
      }
      hash.update(`\u0000${path.relative(real, full)}\u0000${stat.size}\u0000${stat.mtimeMs}`);
    }
  };
  walk(real);
  return { real, print: hash.digest('hex') };
}

/**
 * The git directory of a checkout root: `.git` itself, or where a `.git` file points (`gitdir: …`, as in a
 * linked worktree or a submodule); undefined when `root` has neither.
 */
function gitDirOf(root: string): string | undefined {
  const dotGit = path.join(root, '.git');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dotGit);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return dotGit;
  const target = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'))?.[1]?.trim();
  return target ? path.resolve(root, target) : undefined;
}

/** The commit a ref names in a git directory (loose ref, then packed-refs); undefined when not found. */
function readRef(gitDir: string, ref: string): string | undefined {
  try {
    const commit = fs.readFileSync(path.join(gitDir, ref), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(commit)) return commit;
  } catch {
    // fall through to packed-refs
  }
  try {
    for (const line of fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8').split('\n')) {
      const [commit, name] = line.split(' ');
      if (name === ref && commit && /^[0-9a-f]{40}$/.test(commit)) return commit;
    }
  } catch {
    // no packed-refs
  }
  return undefined;
}

/**
 * The commit of a git checkout's HEAD, read from `.git` without running git: the nearest ancestor of `dir`
 * with a `.git` directory or file (a linked worktree's refs live in its `commondir`); undefined when not found.
 */
function gitHead(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const gitDir = gitDirOf(current);
    if (gitDir) {
      let head: string;
      try {
        head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
      } catch {
        return undefined;
      }
      if (/^[0-9a-f]{40}$/.test(head)) return head;
      const ref = /^ref: (\S+)$/.exec(head)?.[1];
      if (!ref) return undefined;
      const own = readRef(gitDir, ref);
      if (own) return own;
      try {
        const common = fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim();
        return readRef(path.resolve(gitDir, common), ref);
      } catch {
        return undefined;
      }
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * A digest of the files a repository was read from (paths and contents): `sha256:` and 12 hex digits.
 * @param real - the directory with links resolved.
 * @param loaded - the repository read from it.
 */
export function contentDigest(real: string, loaded: LoadedRepo): string {
  const hash = createHash('sha256');
  for (const file of [...loaded.repo.files].sort()) {
    hash.update(`${file}\u0000`);
    try {
      hash.update(fs.readFileSync(path.join(real, file)));
    } catch {
      hash.update('\u0000unreadable');
    }
    hash.update('\u0000');
  }
  return `sha256:${hash.digest('hex').slice(0, 12)}`;
}

/**
 * The revision of a directory: a 40-hex path component (git-sync names its worktrees by commit), else the HEAD of
 * the git checkout it belongs to, else the digest of the files netpol read.
 * @param real - the directory with links resolved.
 * @param digest - its {@link contentDigest}.
 */
export function revisionOf(real: string, digest: string): string {
  const component = real.split(path.sep).find((part) => /^[0-9a-f]{40}$/.test(part));
  if (component) return component;
  return gitHead(real) ?? digest;
}

/**
 * Keeps the repository current for a long-running process: loads it, checks the directory every
 * `pollIntervalMs` (a cheap fingerprint of paths, sizes and mtimes, and where the links point, so a git-sync
 * worktree swap is seen at once) and loads it again when it changed. A load is atomic: it is read from the
 * resolved directory and only a revision without input errors replaces the one served; a broken revision is
 * reported through `onLoad` and the last good revision keeps serving.
 */
export class RepositoryFollower {
  private timer: NodeJS.Timeout | undefined;
  private lastPrint: string | undefined;
  private good: RepositoryRevision | undefined;
  private loading: Promise<void> | undefined;
  private stopped = false;
  private lastFailed = false;

  /** @param options - root, load settings, poll interval and the load callback. */
  constructor(private readonly options: RepositoryFollowerOptions) {}

  /** The revision served now, undefined until one loaded without input errors. */
  get current(): RepositoryRevision | undefined {
    return this.good;
  }

  /** Loads the repository once, then keeps checking it until {@link stop}. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  /** Checks the directory now and loads it when it changed (what the timer does). */
  async check(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = this.checkOnce().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Stops checking; waits for a load in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loading;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.options.pollIntervalMs ?? 5000);
    this.timer.unref();
  }

  private async checkOnce(): Promise<void> {
    let print: { real: string; print: string };
    try {
      print = fingerprint(this.options.root);
    } catch (error) {
      const key = `unreadable:${error instanceof Error ? error.message : String(error)}`;
      if (key === this.lastPrint) return;
      this.lastPrint = key;
      this.lastFailed = true;
      this.options.onLoad({
        ok: false,
        revision: null,
        errors: [],
        message: `Cannot read the repository directory "${this.options.root}": ${error instanceof Error ? error.message : String(error)}.`,
      });
      return;
    }
    if (print.print === this.lastPrint) return;
    this.lastPrint = print.print;
    let loaded: LoadedRepo;
    try {
      loaded = await loadForAnalysis({
        root: print.real,
        ...(this.options.vars !== undefined && { vars: this.options.vars }),
        ...(this.options.settings !== undefined && { settings: this.options.settings }),
      });
    } catch (error) {
      this.lastFailed = true;
      this.options.onLoad({
        ok: false,
        revision: null,
        errors: [],
        message: `Cannot load the repository at "${this.options.root}": ${error instanceof Error ? error.message : String(error)}`,
      });
      return;
    }
    const digest = contentDigest(print.real, loaded);
    const revision = revisionOf(print.real, digest);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      this.lastFailed = true;
      this.options.onLoad({
        ok: false,
        revision,
        errors,
        message: `Revision ${revision} has ${errors.length} input error(s); still serving ${this.good ? `revision ${this.good.revision}` : 'no revision'}.`,
      });
      return;
    }
    const unchanged = this.good?.digest === digest && this.good.revision === revision;
    if (unchanged && !this.lastFailed) return;
    this.lastFailed = false;
    if (!unchanged || !this.good) this.good = { loaded, revision, digest, directory: print.real };
    this.options.onLoad({
      ok: true,
      revision: this.good,
      warnings: loaded.diagnostics.filter((d) => d.severity === 'warning').length,
    });
  }
}
