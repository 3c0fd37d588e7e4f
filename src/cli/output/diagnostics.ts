import { type Diagnostic, formatSource } from '../../errors.js';
import { boundDiagnostic } from '../../repo/truncate.js';

/**
 * Formats diagnostics one per line: `file:line:col  severity  CODE  message` and an indented hint, then
 * `… and N more` when `omitted` diagnostics were left out (a reader keeps the first 100 of a capture's).
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], omitted = 0): string {
  let out = '';
  for (const raw of diagnostics) {
    const d = boundDiagnostic(raw);
    const where = d.source ? `${formatSource(d.source)}  ` : '';
    out += `${where}${d.severity}  ${d.code}  ${d.message}\n`;
    if (d.hint) out += `    hint: ${d.hint}\n`;
  }
  if (omitted > 0) out += `… and ${omitted} more\n`;
  return out;
}

/** Whether any diagnostic is an error (input could not be fully read: exit code 2). */
export function hasInputErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * The diagnostics of a flow report, then `… and N more` for the unparsable lines counted beyond those kept (a
 * flow reader keeps the first 100 `FLOW_UNPARSABLE` diagnostics and counts them all in `stats.unparsable`).
 */
export function formatFlowDiagnostics(report: {
  readonly diagnostics: readonly Diagnostic[];
  readonly stats: { readonly unparsable: number };
}): string {
  return formatDiagnostics(
    report.diagnostics,
    Math.max(0, report.stats.unparsable - report.diagnostics.length),
  );
}
