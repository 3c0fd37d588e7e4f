import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NetpolError } from '../../errors.js';
import { isKustomizationName, isManifestName } from '../../repo/kustomize.js';

/** A directory of a git repository as it was at one revision. */
export interface RevisionTree {
  /** The revision as given (`main`, `origin/main`, `HEAD~1`, a commit id). */
  readonly revision: string;
  /** The full commit id it resolves to. */
  readonly commit: string;
  /** Absolute path of the git work tree's top level. */
  readonly toplevel: string;
  /** The directory inside the work tree, POSIX, without a trailing slash (`''` for the top level). */
  readonly prefix: string;
  /**
   * File texts by POSIX path relative to the directory (to the work tree's top with
   * {@link ReadRevisionOptions.workTree}): every manifest (`*.yaml`, `*.yml`, `*.json`), every
   * kustomization file, and any other file a kustomization of the revision names. Ready for `loadRepoFromText`.
   */
  readonly files: Readonly<Record<string, string>>;
  /** False when the directory does not exist at that revision (then no file of `files` is in it). */
  readonly exists: boolean;
}

/** Options of {@link readRevision}. */
export interface ReadRevisionOptions {
  /** The git executable. Default: `git` (looked up on `PATH`). */
  readonly git?: string;
  /**
   * Read the files of the whole work tree, by path relative to its top (`prefix` then says where the
   * directory is), as the loader reads a folder of a work tree on disk: its kustomizations and Flux paths
   * may reach files above it. Default: false (the directory's files only, relative to it).
   */
  readonly workTree?: boolean;
}

/** A git entry of `ls-tree -r`: a regular file (blob) of the directory. */
interface TreeEntry {
  readonly path: string;
  readonly object: string;
}

const HINT_FETCH =
  'Check the name with `git rev-parse --verify REV`; in CI, fetch the base first (actions/checkout with fetch-depth: 0, or `git fetch origin main`).';

/**
 * Reads a directory of a git repository at a revision, with git itself and a fixed number of processes
 * whatever the size of the tree: `git rev-parse` (commit and the directory's place in the work tree),
 * `git ls-tree -r -z` (the files), then one `git cat-file --batch` for every needed blob.
 * Symbolic links and submodules are skipped; files with other names than manifests are read only when a
 * kustomization of the revision mentions them (kustomize may list any file as a resource).
 * @param dir - A directory inside a git work tree (the repository root netpol reads; it may be a
 *   subdirectory of the work tree).
 * @param revision - Any revision git understands that names a commit.
 * @param options - See {@link ReadRevisionOptions}.
 * @returns The files of `dir` (or of the whole work tree) at `revision`.
 * @throws NetpolError `NETPOL_REPO_NOT_FOUND` when `dir` is not a directory; `NETPOL_GIT_FAILED` when git cannot be run, `dir` is not in a git work tree, or the
 *   revision does not name a commit.
 * @example
 * const base = await readRevision('clusters/prod', 'origin/main');
 * const { repo } = loadRepoFromText(base.files, { root: 'clusters/prod' });
 */
export async function readRevision(
  dir: string,
  revision: string,
  options: ReadRevisionOptions = {},
): Promise<RevisionTree> {
  const git = options.git ?? 'git';
  const cwd = path.resolve(dir);
  const stat = fs.statSync(cwd, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new NetpolError(
      'NETPOL_REPO_NOT_FOUND',
      stat ? `Repository root "${cwd}" is not a directory.` : `Repository root "${cwd}" does not exist.`,
      'Pass -R DIR with the repository directory, or run netpol inside the repository.',
    );
  }
  if (revision === '' || revision.startsWith('-') || /[\s\0]/.test(revision)) {
    throw new NetpolError(
      'NETPOL_GIT_FAILED',
      `"${revision}" is not a git revision.`,
      'Give a branch, tag or commit, e.g. --base origin/main.',
    );
  }
  const parsed = await runGit(git, cwd, [
    'rev-parse',
    '--show-toplevel',
    '--show-prefix',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${revision}^{commit}`,
  ]);
  const lines = parsed.stdout.toString('utf8').split('\n');
  if (parsed.code !== 0) {
    const err = parsed.stderr.toString('utf8');
    if (/not a git repository/i.test(err)) {
      throw new NetpolError(
        'NETPOL_GIT_FAILED',
        `"${cwd}" is not inside a git work tree.`,
        'Run netpol diff in a clone of the repository, or pass -R with a directory of one.',
      );
    }
    if (lines.length >= 2 && parsed.code === 1) {
      throw new NetpolError(
        'NETPOL_GIT_FAILED',
        `git revision "${revision}" does not name a commit of the repository at "${lines[0]}".`,
        HINT_FETCH,
      );
    }
    throw gitFailed('rev-parse', parsed);
  }
  const [toplevel, prefixLine, commit] = lines;
  if (!toplevel || prefixLine === undefined || !commit || !/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new NetpolError(
      'NETPOL_GIT_FAILED',
      `git rev-parse gave an unexpected answer for "${revision}".`,
      'Check that `git rev-parse --show-toplevel` works in the repository directory.',
    );
  }
  const prefix = prefixLine.replace(/\/$/, '');
  const entries = await listTree(git, toplevel, commit, options.workTree ? '' : prefix);
  const manifests = entries.filter(
    (e) => isManifestName(baseName(e.path)) || isKustomizationName(baseName(e.path)),
  );
  const first = await readBlobs(git, toplevel, manifests);
  const kustomizationTexts = manifests
    .filter((e) => isKustomizationName(baseName(e.path)))
    .map((e) => first.get(e.object) ?? '');
  const others = entries.filter(
    (e) =>
      !isManifestName(baseName(e.path)) &&
      !isKustomizationName(baseName(e.path)) &&
      kustomizationTexts.some((t) => t.includes(baseName(e.path))),
  );
  const second = others.length > 0 ? await readBlobs(git, toplevel, others) : new Map<string, string>();
  const files: Record<string, string> = {};
  for (const e of [...manifests, ...others]) {
    const text = first.get(e.object) ?? second.get(e.object);
    if (text !== undefined) files[e.path] = text;
  }
  const inDir = (p: string) => !options.workTree || prefix === '' || p.startsWith(`${prefix}/`);
  return { revision, commit, toplevel, prefix, files, exists: entries.some((e) => inDir(e.path)) };
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The regular files below `prefix` at `commit`, with paths relative to `prefix`. */
async function listTree(git: string, toplevel: string, commit: string, prefix: string): Promise<TreeEntry[]> {
  const args = ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', commit];
  if (prefix !== '') args.push('--', `${prefix}/`);
  const r = await runGit(git, toplevel, args);
  if (r.code !== 0) throw gitFailed('ls-tree', r);
  const out: TreeEntry[] = [];
  const strip = prefix === '' ? 0 : prefix.length + 1;
  for (const record of r.stdout.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, object] = record.slice(0, tab).split(' ');
    // 100644/100755 are regular files; 120000 symbolic links and 160000 submodules are skipped.
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755') || !object) continue;
    out.push({ path: record.slice(tab + 1).slice(strip), object });
  }
  return out;
}

/** Reads blobs with one `git cat-file --batch` process. Returns text by object id. */
async function readBlobs(
  git: string,
  toplevel: string,
  entries: readonly TreeEntry[],
): Promise<Map<string, string>> {
  const ids = [...new Set(entries.map((e) => e.object))];
  const texts = new Map<string, string>();
  if (ids.length === 0) return texts;
  const r = await runGit(git, toplevel, ['cat-file', '--batch'], `${ids.join('\n')}\n`);
  if (r.code !== 0) throw gitFailed('cat-file', r);
  const buf = r.stdout;
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = buf.toString('utf8', at, nl);
    const [id, type, size] = header.split(' ');
    if (type === 'missing' || !id || size === undefined) {
      throw new NetpolError(
        'NETPOL_GIT_FAILED',
        `git cat-file cannot read object ${id ?? header}.`,
        'The clone may be incomplete (partial or shallow clone): fetch the revision again.',
      );
    }
    const start = nl + 1;
    const end = start + Number(size);
    texts.set(id, buf.toString('utf8', start, end));
    at = end + 1;
  }
  return texts;
}

interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly args: readonly string[];
}

function gitFailed(what: string, r: GitResult): NetpolError {
  const err = r.stderr.toString('utf8').trim().split('\n')[0] ?? '';
  return new NetpolError(
    'NETPOL_GIT_FAILED',
    `git ${what} failed${err ? `: ${err.replace(/^fatal:\s*/, '')}` : ` with exit code ${r.code}`}.`,
    `Run \`git ${r.args.join(' ')}\` in the repository to see the problem.`,
  );
}

/** Runs git with `args` in `cwd`, feeding `input` on standard input; never rejects for a non-zero exit. */
function runGit(git: string, cwd: string, args: readonly string[], input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    // The repository is the one around `cwd`: variables a git hook may set (GIT_DIR relative to the hook's
    // directory, GIT_INDEX_FILE …) would point elsewhere. LC_ALL=C keeps git's messages parseable.
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR'])
      delete env[k];
    const child = spawn(git, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new NetpolError(
              'NETPOL_GIT_FAILED',
              `git cannot be run ("${git}" was not found).`,
              'Install git and put it on PATH (netpol diff reads revisions with git).',
            )
          : new NetpolError(
              'NETPOL_GIT_FAILED',
              `git cannot be run: ${e.message}.`,
              'Check that git is installed and the repository directory is readable.',
            ),
      );
    });
    child.stdin.on('error', () => {
      // git exited before reading all of its input; its exit code and stderr say why.
    });
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err), args });
    });
    child.stdin.end(input ?? '');
  });
}
