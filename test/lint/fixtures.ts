import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LintReport, lintRepo } from '../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../src/workflows/analysis/load.js';
import { useRepo } from '../helpers/use-repo.js';

/** Where the lint fixtures live: `base/` (a clean repository) and `<rule-id>/{invalid,valid}/` overlays. */
export const LINT_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/lint');

function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) Object.assign(out, readTree(path.join(dir, e.name), rel));
    else out[rel] = fs.readFileSync(path.join(dir, e.name), 'utf8');
  }
  return out;
}

/**
 * The files of a fixture: the clean base repository with the rule's overlay (`invalid` holds one
 * violation, `valid` its fixed twin) written over it.
 */
export function fixtureFiles(ruleId: string, variant: 'invalid' | 'valid'): Record<string, string> {
  return {
    ...readTree(path.join(LINT_FIXTURES, 'base')),
    ...readTree(path.join(LINT_FIXTURES, ruleId, variant)),
  };
}

/** Writes a fixture to a temporary directory and lints it with every rule, as `netpol lint` does. */
export async function lintFixture(
  ruleId: string,
  variant: 'invalid' | 'valid',
  options: { fix?: boolean } = {},
): Promise<{ report: LintReport; read: (file: string) => string; root: string }> {
  const repo = useRepo(fixtureFiles(ruleId, variant));
  const report = await lintRepo(await loadForAnalysis({ root: repo.root }), options);
  return { report, read: repo.read, root: repo.root };
}

/**
 * The fixture pair of a rule: linting the invalid fixture with every rule reports exactly one finding, of
 * this rule, at `file:line`; its fixed twin reports nothing (`suppressed` findings are counted apart).
 */
export function describeFixturePair(
  ruleId: string,
  expected: { readonly file: string; readonly line: number; readonly column: number },
  twin: { readonly suppressed?: number } = {},
): void {
  describe(`fixture ${ruleId}`, () => {
    it('the violation reports exactly this rule at its file:line:column', async () => {
      const { report } = await lintFixture(ruleId, 'invalid');
      expect(
        report.findings.map((f) => ({
          ruleId: f.ruleId,
          file: f.source.file,
          line: f.source.line,
          column: f.source.column,
        })),
      ).toEqual([{ ruleId, ...expected }]);
    });
    it('the fixed twin reports nothing', async () => {
      const { report } = await lintFixture(ruleId, 'valid');
      expect(report.findings).toEqual([]);
      expect(report.suppressed).toBe(twin.suppressed ?? 0);
    });
  });
}
