import { formatSource } from '../../errors.js';
import type { AssertionResult, ConnectivityTestReport } from '../../workflows/analysis/connectivity-test.js';
import { badEntries } from './test-report.js';
import { formatTraceText } from './trace.js';

/** Characters XML 1.0 does not allow at all (even escaped): most C0 controls and lone surrogates. */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Escapes text for XML content and attribute values (`&`, `<`, `>`, `"`, `'`); characters XML cannot
 * carry are replaced by U+FFFD.
 */
export function xmlEscape(text: string): string {
  return text.replace(INVALID_XML, '\uFFFD').replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&apos;';
    }
  });
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

/** The JUnit test-case name of an assertion: `from → to:port/proto`. */
export function junitCaseName(r: AssertionResult): string {
  return `${r.assertion.from} → ${r.assertion.to}:${r.trace.port}/${r.trace.protocol}`;
}

/**
 * The report as JUnit XML for CI test reporters: one `<testsuite>` named after the file, one `<testcase>`
 * per assertion (`name` = `from → to:port/proto`, `classname` = the file, plus `file` and `line`), a
 * `<failure>` with the engine's explanation for each failed assertion, and an `<error>` test case for each
 * entry that could not be read. Every name and text is XML-escaped.
 */
export function formatJunit(report: ConnectivityTestReport): string {
  const bad = badEntries(report);
  const failures = report.results.filter((r) => !r.passed).length;
  const tests = report.results.length + bad.length;
  const cases: { line: number; xml: string }[] = [];
  for (const r of report.results) {
    const head = `    <testcase${attrs({ name: junitCaseName(r), classname: report.file, file: report.file, line: r.assertion.line })}`;
    if (r.passed) {
      cases.push({ line: r.assertion.line, xml: `${head}/>\n` });
      continue;
    }
    const message = `expected ${r.assertion.expect}, got ${r.trace.verdict.verdict}`;
    const because = r.assertion.because === '' ? '' : `because: ${r.assertion.because}\n`;
    const body = `${report.file}:${r.assertion.line}: ${message}\n${because}${formatTraceText(r.trace)}`;
    cases.push({
      line: r.assertion.line,
      xml: `${head}>\n      <failure${attrs({ message, type: 'AssertionFailed' })}>${xmlEscape(body)}</failure>\n    </testcase>\n`,
    });
  }
  for (const e of bad) {
    const first = e.diagnostics[0];
    const message = first ? first.message : 'unreadable entry';
    const body = e.diagnostics.map((d) => `${formatSource(d.source)}  ${d.code}  ${d.message}\n`).join('');
    cases.push({
      line: e.line,
      xml: `    <testcase${attrs({ name: `${report.file}:${e.line}`, classname: report.file, file: report.file, line: e.line })}>\n      <error${attrs({ message, type: first?.code ?? 'BAD_VALUE' })}>${xmlEscape(body)}</error>\n    </testcase>\n`,
    });
  }
  cases.sort((a, b) => a.line - b.line);
  const counts = { tests, failures, errors: bad.length };
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: 'netpol test', ...counts })}>\n` +
    `  <testsuite${attrs({ name: report.file, ...counts, skipped: 0 })}>\n` +
    cases.map((c) => c.xml).join('') +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
}
