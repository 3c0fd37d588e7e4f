import { describe, expect, it } from 'vitest';
import { deriveCatalog } from '../../src/catalog/derive-catalog.js';
import { createEngine } from '../../src/engine/verdict.js';
import type { Severity } from '../../src/errors.js';
import { applyFixes } from '../../src/lint/apply-fixes.js';
import type { Rule } from '../../src/lint/define-rule.js';
import { readLintConfig } from '../../src/lint/lint-config.js';
import { buildLintInput } from '../../src/lint/lint-input.js';
import { rules } from '../../src/lint/rules/index.js';
import { type Finding, runLint } from '../../src/lint/run-lint.js';
import { memoryHost } from '../../src/repo/host.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { catalogConfigOf } from '../../src/workflows/analysis/load.js';

/** A repository as `path → text` (a top-level kustomization.yaml and netpol.config.yaml are honoured). */
export type Files = Readonly<Record<string, string>>;

/** A case that must report nothing. */
export interface ValidCase {
  /** Shown in the test name. Default: the first file's name. */
  readonly name?: string;
  readonly code: Files;
  /** The rule's options (over its defaults and over `lint.<rule-id>` of the code's netpol.config.yaml). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** One expected finding. */
export interface ExpectedError {
  readonly messageId: string;
  readonly line: number;
  readonly column: number;
  /** Default: not checked. */
  readonly file?: string;
  /** Default: not checked. */
  readonly severity?: Severity;
}

/** A case that must report exactly `errors` (in file/line/column order), and, with fixes, `output`. */
export interface InvalidCase extends ValidCase {
  readonly errors: readonly ExpectedError[];
  /** The files a fix changes, after `--fix` (other files must stay as they are). */
  readonly output?: Files;
}

/**
 * Runs one rule over an in-memory repository the way `lintRepo` does (loader, engine, catalogue,
 * unlisted manifests, suppressions), with only this rule enabled (a rule of the `suppressions` phase runs
 * after every other rule, as it does in `lintRepo`).
 * @returns The findings of this rule.
 */
export function lintWith(rule: Rule, code: Files, options?: Readonly<Record<string, unknown>>): Finding[] {
  const loaded = loadRepoFromText(code);
  const repo = loaded.repo;
  const engine = createEngine(repo);
  const catalog = deriveCatalog(repo, catalogConfigOf(repo));
  const input = buildLintInput({ ...loaded, engine, catalog }, memoryHost(code), { tree: true });
  const { config } = readLintConfig(repo.config.lint, rules);
  const merged = {
    severities: config.severities,
    options: { ...config.options, [rule.id]: { ...(config.options[rule.id] ?? {}), ...(options ?? {}) } },
  };
  // Rules that examine suppressions need to know which suppressions the other rules used: run them all.
  const registry = rule.phase === 'suppressions' ? { ...rules, [rule.id]: rule } : { [rule.id]: rule };
  return runLint(input, merged, registry).findings.filter((f) => f.ruleId === rule.id);
}

/**
 * What is wrong with a case, as sentences (empty when it passes): an invalid case that reports nothing,
 * an unknown message id (expected or reported), a fix from a rule that is not `fixable`, findings that
 * differ from the expected ones, a fix without `output` (or `output` without a fix), output that differs.
 */
export function checkCase(rule: Rule, kind: 'valid' | 'invalid', c: ValidCase | InvalidCase): string[] {
  const problems: string[] = [];
  const expected = kind === 'invalid' ? ((c as InvalidCase).errors ?? []) : [];
  for (const e of expected) {
    if (!(e.messageId in rule.messages))
      problems.push(`expected messageId "${e.messageId}" is not a message of ${rule.id}`);
  }
  if (kind === 'invalid' && expected.length === 0)
    problems.push('an invalid case must expect at least one error');
  let findings: Finding[];
  try {
    findings = lintWith(rule, c.code, c.options);
  } catch (e) {
    return [...problems, `the rule threw: ${e instanceof Error ? e.message : String(e)}`];
  }
  for (const f of findings) {
    if (!(f.messageId in rule.messages))
      problems.push(`reported messageId "${f.messageId}" is not a message of ${rule.id}`);
    if (f.fix !== undefined && rule.fixable !== true)
      problems.push(`${rule.id} returned a fix but is not fixable`);
  }
  if (kind === 'invalid' && findings.length === 0) problems.push('the invalid case reported nothing');
  const actual = findings.map((f, i) => {
    const e = expected[i];
    return {
      messageId: f.messageId,
      line: f.source.line,
      column: f.source.column,
      ...(e?.file !== undefined ? { file: f.source.file } : {}),
      ...(e?.severity !== undefined ? { severity: f.severity } : {}),
    };
  });
  if (JSON.stringify(actual) !== JSON.stringify(expected.map((e) => ({ ...e })))) {
    problems.push(
      `findings differ:\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}\n  messages ${JSON.stringify(findings.map((f) => f.message))}`,
    );
  }
  const fixes = findings.flatMap((f) => (f.fix ? [f.fix] : []));
  const output = kind === 'invalid' ? (c as InvalidCase).output : undefined;
  if (fixes.length > 0 && output === undefined) problems.push('the rule fixed the code: add `output`');
  if (output !== undefined) {
    if (fixes.length === 0) problems.push('`output` is given but the rule returned no fix');
    const applied = applyFixes(fixes, (file) => c.code[file]);
    const after: Record<string, string> = { ...c.code };
    for (const [file, { after: text }] of applied.files) after[file] = text;
    for (const [file, text] of Object.entries(output)) {
      if (after[file] !== text)
        problems.push(`output of ${file} differs:\n--- expected\n${text}\n--- actual\n${after[file]}`);
    }
    for (const file of applied.files.keys()) {
      if (!(file in output)) problems.push(`the fix changed ${file}, which \`output\` does not list`);
    }
  }
  return problems;
}

/** Case keys that occur more than once (same code and options). */
export function duplicateCases(cases: readonly ValidCase[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const c of cases) {
    const key = JSON.stringify([Object.entries(c.code).sort(), c.options ?? null]);
    if (seen.has(key)) dups.push(c.name ?? Object.keys(c.code)[0] ?? '');
    seen.add(key);
  }
  return dups;
}

/** ESLint's RuleTester, for netpol rules: one vitest test per case. */
export const ruleTester = {
  run(rule: Rule, cases: { valid: readonly ValidCase[]; invalid: readonly InvalidCase[] }): void {
    describe(rule.id, () => {
      it('has no duplicated case', () => {
        expect(duplicateCases([...cases.valid, ...cases.invalid])).toEqual([]);
      });
      for (const [kind, list] of [
        ['valid', cases.valid],
        ['invalid', cases.invalid],
      ] as const) {
        list.forEach((c, i) => {
          it(`${kind} #${i + 1}: ${c.name ?? Object.keys(c.code)[0] ?? ''}`, () => {
            expect(checkCase(rule, kind, c)).toEqual([]);
          });
        });
      }
    });
  },
};
