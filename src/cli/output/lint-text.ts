import { formatSource } from '../../errors.js';
import type { LintReport } from '../../workflows/analysis/lint.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The lint report for a terminal: with `--fix`, the diffs first; then one line per finding,
 * `file:line:col  severity  rule-id  message`, with its hint on the next line, grouped by file (a blank
 * line between files); then a summary line.
 * @param report - The report.
 * @param inputErrors - Error diagnostics printed on stderr (the repository was not fully read). Default: 0.
 * @param inputWarnings - Warning diagnostics printed on stderr. Default: 0.
 * @returns The text, ending with a newline.
 */
export function formatLintText(report: LintReport, inputErrors = 0, inputWarnings = 0): string {
  let out = '';
  for (const diff of report.diffs) out += diff.endsWith('\n') ? diff : `${diff}\n`;
  if (report.diffs.length > 0) out += '\n';
  let file: string | undefined;
  for (const f of report.findings) {
    if (file !== undefined && f.source.file !== file) out += '\n';
    file = f.source.file;
    out += `${formatSource(f.source)}  ${f.severity}  ${f.ruleId}  ${f.message}\n`;
    if (f.hint) out += `    hint: ${f.hint}\n`;
  }
  if (report.findings.length > 0) out += '\n';
  return `${out}${lintSummary(report, inputErrors, inputWarnings)}\n`;
}

/**
 * The summary line: `3 problems (2 errors, 1 warning, 0 infos); 1 suppressed; 1 fixable with --fix`.
 * "no problems" only when nothing was found, the input was read whole and no warning about it was printed:
 * otherwise the line says "no findings" and how many input errors or warnings were printed on stderr.
 * @param report - The report.
 * @param inputErrors - Error diagnostics printed on stderr. Default: 0.
 * @param inputWarnings - Warning diagnostics printed on stderr. Default: 0.
 * @returns The line, without newline.
 */
export function lintSummary(report: LintReport, inputErrors = 0, inputWarnings = 0): string {
  const n = report.findings.length;
  const infos = n - report.errorCount - report.warningCount;
  const parts = [
    n === 0
      ? inputErrors === 0 && inputWarnings === 0
        ? 'no problems'
        : 'no findings'
      : `${plural(n, 'problem')} (${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')}, ${plural(infos, 'info')})`,
    `${report.suppressed} suppressed`,
  ];
  if (inputErrors > 0) {
    parts.push(`${plural(inputErrors, 'input error')}: the repository was not read whole`);
  }
  if (inputWarnings > 0) parts.push(`${plural(inputWarnings, 'input warning')} above`);
  const fixable = report.findings.filter((f) => f.fixable).length;
  if (fixable > 0) parts.push(`${fixable} fixable with --fix`);
  if (report.fixed > 0) parts.push(`${report.fixed} fixed`);
  return parts.join('; ');
}
