import { expect } from 'vitest';
import { lintRepo } from '../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../src/workflows/analysis/load.js';

/**
 * Runs `netpol lint` on a repository an authoring command wrote and asserts that it is clean: no error and
 * no warning (the findings are listed on failure).
 * @param root - The repository root.
 */
export async function expectLintClean(root: string): Promise<void> {
  const report = await lintRepo(await loadForAnalysis({ root }));
  const problems = report.findings
    .filter((f) => f.severity !== 'info')
    .map((f) => `${f.source.file}:${f.source.line} ${f.ruleId}: ${f.message}`);
  expect(problems).toEqual([]);
}
