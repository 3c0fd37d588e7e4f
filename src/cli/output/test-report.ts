import { type Diagnostic, formatSource } from '../../errors.js';
import { boundText } from '../../repo/truncate.js';
import type { AssertionResult, ConnectivityTestReport } from '../../workflows/analysis/connectivity-test.js';
import { formatTraceText, traceJson } from './trace.js';

/** An entry of the assertions file that could not be read or run, with every problem found in it. */
export interface BadEntry {
  readonly line: number;
  readonly column: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** The bad entries of a report, one per entry (its problems grouped), in file order. */
export function badEntries(report: ConnectivityTestReport): BadEntry[] {
  const byEntry = new Map<string, Diagnostic[]>();
  for (const d of report.diagnostics) {
    const key = d.path?.[0] !== undefined ? `#${d.path[0]}` : `@${d.source?.line}:${d.source?.column}`;
    const list = byEntry.get(key);
    if (list) list.push(d);
    else byEntry.set(key, [d]);
  }
  const position = (d: Diagnostic) => (d.source?.line ?? 0) * 1e6 + (d.source?.column ?? 0);
  return [...byEntry.values()]
    .map((list) => {
      const diagnostics = [...list].sort((a, b) => position(a) - position(b));
      const first = diagnostics[0];
      return { line: first?.source?.line ?? 0, column: first?.source?.column ?? 0, diagnostics };
    })
    .sort((a, b) => a.line - b.line);
}

/** `from → to port/proto` of an assertion, with the protocol as the engine understood it. */
export function assertionFlowText(r: AssertionResult): string {
  const t = r.trace;
  const what = t.protocol.startsWith('ICMP') ? `${t.protocol} type ${t.port}` : `${t.port}/${t.protocol}`;
  return `${r.assertion.from} → ${r.assertion.to} ${what}`;
}

/** `expected X` for a pass, `expected X, got Y` for a failure. */
export function expectationText(r: AssertionResult): string {
  return r.passed
    ? `expected ${r.assertion.expect}`
    : `expected ${r.assertion.expect}, got ${r.trace.verdict.verdict}`;
}

/** The last line of the report, read by CI: `N passed, N failed`. */
export function summaryLine(report: ConnectivityTestReport): string {
  return `${report.passed} passed, ${report.failed} failed${report.invalid > 0 ? ` (${report.invalid} of them invalid entries)` : ''}`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `${by}${l}`))
    .join('\n');
}

/**
 * The report as a test runner prints it: one line per assertion in file order (`✓`/`✗`, the flow, the
 * expectation, the `because`), each failure followed by the engine's explanation, each unreadable entry as
 * `✗ file:line:col  CODE  message`, and the last line `N passed, N failed`.
 */
export function formatTestReportText(report: ConnectivityTestReport): string {
  const items: { line: number; text: string }[] = [];
  for (const r of report.results) {
    const because = r.assertion.because === '' ? '' : `  — ${r.assertion.because}`;
    let text = `${r.passed ? '✓' : '✗'} ${assertionFlowText(r)}  ${expectationText(r)}${because}\n`;
    if (!r.passed) text += indent(formatTraceText(r.trace), '    ');
    items.push({ line: r.assertion.line, text });
  }
  for (const e of badEntries(report)) {
    let text = '';
    for (const d of e.diagnostics)
      text += `✗ ${formatSource(d.source)}  ${d.code}  ${boundText(d.message)}\n`;
    items.push({ line: e.line, text });
  }
  items.sort((a, b) => a.line - b.line);
  const body = items.map((i) => i.text).join('');
  return `${body}${body === '' ? '' : '\n'}${summaryLine(report)}\n`;
}

/**
 * The report as JSON: `{file, passed, failed, invalid, results: [{line, from, to, port, protocol, expect, because,
 * verdict, passed, trace}], errors: [{file, line, column, code, message}]}` (`trace` as `netpol trace -o json`).
 */
export function testReportJson(report: ConnectivityTestReport) {
  return {
    file: report.file,
    passed: report.passed,
    failed: report.failed,
    invalid: report.invalid,
    results: report.results.map((r) => ({
      line: r.assertion.line,
      from: r.assertion.from,
      to: r.assertion.to,
      port: r.trace.port,
      protocol: r.trace.protocol,
      expect: r.assertion.expect,
      because: r.assertion.because,
      verdict: r.trace.verdict.verdict,
      passed: r.passed,
      trace: traceJson(r.trace),
    })),
    errors: [...report.diagnostics]
      .sort((a, b) => (a.source?.line ?? 0) - (b.source?.line ?? 0))
      .map((d) => ({
        file: d.source?.file ?? report.file,
        line: d.source?.line ?? 0,
        column: d.source?.column ?? 0,
        code: d.code,
        message: d.message,
      })),
  };
}
