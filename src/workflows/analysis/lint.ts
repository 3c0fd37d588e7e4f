import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic, SourceRef } from '../../errors.js';
import { applyFixes } from '../../lint/apply-fixes.js';
import type { LintFix } from '../../lint/define-rule.js';
import { type LintConfigResult, readLintConfig } from '../../lint/lint-config.js';
import { buildLintInput } from '../../lint/lint-input.js';
import { rules } from '../../lint/rules/index.js';
import { type Finding, runLint } from '../../lint/run-lint.js';
import { CONFIG_FILE } from '../../repo/config.js';
import { parseYamlFile, type YamlDocument } from '../../repo/documents.js';
import { unifiedDiff } from '../../repo/edit.js';
import { cachingHost, diskHost, type ReadCache, type RepoHost } from '../../repo/host.js';
import { STDIN_FILE } from '../../repo/load-repo.js';
import type { Repo } from '../../repo/model.js';
import { linkNote, type WriterFs, writeFiles } from '../../repo/write-files.js';
import type { LoadedRepo } from './load.js';

/** One lint finding: which rule, how bad, what and where, and whether `--fix` can resolve it. */
export interface LintFinding {
  /** The rule id (`docs/rules/<ruleId>.md`). */
  readonly ruleId: string;
  readonly severity: 'error' | 'warning' | 'info';
  /** One sentence, without position. */
  readonly message: string;
  /** Where: file relative to the repository root (as loaded), 1-based line and column. */
  readonly source: SourceRef;
  /** What to do, one line. */
  readonly hint?: string;
  /** True when `lintRepo(…, { fix: true })` would apply a safe, local fix. */
  readonly fixable: boolean;
}

/** The result of {@link lintRepo}. */
export interface LintReport {
  /** Findings left (after suppressions and, with `fix`, after fixing), sorted by file, line, column, rule. */
  readonly findings: readonly LintFinding[];
  /** Findings suppressed by `netpol.dev/ignore` annotations. */
  readonly suppressed: number;
  /** Findings resolved by fixes written to disk (0 without `fix`). */
  readonly fixed: number;
  /** Unified diffs of the files `fix` changed, one per file (empty without `fix`). */
  readonly diffs: readonly string[];
  readonly errorCount: number;
  readonly warningCount: number;
}

/** Options of {@link lintRepo}. */
export interface LintOptions {
  /** Apply the safe fixes and write them. Default: `false`. */
  readonly fix?: boolean;
  /** The file-system calls used to write fixes (tests inject failures). Default: `node:fs`. */
  readonly fs?: WriterFs;
}

/**
 * Lints a loaded repository: every rule of `docs/rules/` asks the engine and the catalogue about what the
 * policies do, configured by the `lint:` section of `netpol.config.yaml` (severities, `off`, options;
 * bad entries are ignored, see {@link checkLintConfig}), with per-object suppressions
 * (`netpol.dev/ignore` + `netpol.dev/ignore-reason`). With `fix`, safe local fixes (a missing
 * kustomization entry, a misspelt profile value …) are applied: only the edited values change (comments,
 * key order, style, line endings and other documents kept), the changed files are written all or none
 * (a symbolic link inside the repository is kept and its target written, and its diff starts with a `#`
 * line saying so) and their unified diffs returned; the fixed findings leave the report.
 * @param loaded - From `loadForAnalysis`; `loaded.repo.root` is where files are read and written.
 * @param options - `fix: true` writes fixes. Default: `{}` (read only).
 * @returns The report.
 * @throws NetpolError `NETPOL_WRITE_FAILED` when a fixed file cannot be written (nothing is written) or is
 *   a symbolic link leading outside the repository.
 * @example
 * const loaded = await loadForAnalysis({ root: 'examples/homelab' });
 * const report = await lintRepo(loaded);
 * report.errorCount; // 0
 */
export async function lintRepo(loaded: LoadedRepo, options: LintOptions = {}): Promise<LintReport> {
  const host = hostFor(loaded.repo, loaded.readCache);
  const { config } = lintConfigOf(loaded.repo, host);
  const input = buildLintInput(loaded, host, {
    tree: fromTree(loaded.repo),
    ...(loaded.readCache ? { parsed: loaded.readCache.parsed } : {}),
  });
  const run = runLint(input, config, rules);
  let findings: readonly Finding[] = run.findings;
  const diffs: string[] = [];
  let fixed = 0;
  if (options.fix) {
    const withFix = findings.filter((f): f is Finding & { fix: LintFix } => f.fix !== undefined);
    const read = (file: string): string | undefined => {
      try {
        return host.readFile(file);
      } catch {
        return undefined;
      }
    };
    const result = applyFixes(
      withFix.map((f) => f.fix),
      read,
    );
    const done = new Set<Finding>(withFix.filter((_, i) => result.applied[i]));
    const changed = [...result.files];
    const written = writeFiles(
      changed.map(([file, { after }]) => ({ file: path.resolve(loaded.repo.root, file), text: after })),
      { boundary: loaded.repo.root, ...(options.fs ? { fs: options.fs } : {}) },
    );
    for (const [file, { before, after }] of changed) {
      const target = written.find((w) => w.file === path.resolve(loaded.repo.root, file));
      const note = target?.link ? `${linkNote(file, target.shown)}\n` : '';
      diffs.push(note + unifiedDiff(file, before, after));
    }
    fixed = done.size;
    findings = findings.filter((f) => !done.has(f));
  }
  const out: LintFinding[] = findings.map((f) => ({
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    source: f.source,
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
    fixable: f.fix !== undefined,
  }));
  return {
    findings: out,
    suppressed: run.suppressed.length,
    fixed,
    diffs,
    errorCount: out.filter((f) => f.severity === 'error').length,
    warningCount: out.filter((f) => f.severity === 'warning').length,
  };
}

/**
 * The `CONFIG_INVALID` diagnostics of the `lint:` section of `netpol.config.yaml` (unknown rules or
 * options are warnings; bad severities and option values are errors, and {@link lintRepo} ignores them).
 * @param loaded - From `loadForAnalysis`.
 * @returns The diagnostics, with positions in `netpol.config.yaml`.
 */
export function checkLintConfig(loaded: LoadedRepo): readonly Diagnostic[] {
  return lintConfigOf(loaded.repo, hostFor(loaded.repo, loaded.readCache)).diagnostics;
}

function lintConfigOf(repo: Repo, host: RepoHost): LintConfigResult {
  let doc: YamlDocument | undefined;
  try {
    if (repo.root !== '' && host.kind(CONFIG_FILE) === 'file') {
      doc = parseYamlFile(CONFIG_FILE, host.readFile(CONFIG_FILE)).documents.find((d) => d.root !== null);
    }
  } catch {
    doc = undefined;
  }
  return readLintConfig(repo.config.lint, rules, doc);
}

/** Whether the repository was read through its tree (not from `-f` files or standard input). */
function fromTree(repo: Repo): boolean {
  return repo.root !== '' && repo.files.every((f) => f !== STDIN_FILE && !path.isAbsolute(f));
}

/** Reads files by their `SourceRef.file` names: relative to the root, or absolute (`-f`). */
function hostFor(repo: Repo, cache?: ReadCache): RepoHost {
  if (repo.root === '') {
    return {
      readFile: (file) => {
        throw new Error(`"${file}" was read from ${STDIN_FILE}`);
      },
      kind: () => null,
      list: () => [],
      contains: () => false,
      canonical: (file) => file,
    };
  }
  const disk = cachingHost(diskHost(repo.root), cache?.texts);
  return {
    readFile: (file) => (path.isAbsolute(file) ? fs.readFileSync(file, 'utf8') : disk.readFile(file)),
    kind: disk.kind,
    list: disk.list,
    contains: disk.contains,
    canonical: disk.canonical,
  };
}
