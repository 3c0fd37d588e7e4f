import path from 'node:path';
import type { Severity } from '../../errors.js';
import type { Rule } from '../../lint/define-rule.js';
import type { LintFinding, LintReport } from '../../workflows/analysis/lint.js';

/** SARIF 2.1.0 `level` of a severity. */
const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/** Options of {@link sarifLog}. */
export interface SarifOptions {
  /** The repository root, to make artifact URIs relative to it. */
  readonly root: string;
  /** The netpol version (`tool.driver.version`). */
  readonly version: string;
  /** Every rule, listed in `tool.driver.rules`. */
  readonly rules: readonly Rule[];
}

/**
 * The lint report as a SARIF 2.1.0 log for code-scanning upload: one run whose `tool.driver.rules` lists
 * every rule (id, descriptions, help, default level) and whose `results` hold one result per finding
 * (`ruleId`, `ruleIndex`, `level`, `message.text` with the hint, and a physical location whose
 * `artifactLocation.uri` is relative to the repository root with `uriBaseId` `%SRCROOT%`, and whose region
 * has 1-based `startLine`/`startColumn`, columns in UTF-16 code units).
 * @param report - The report.
 * @param options - See {@link SarifOptions}.
 * @returns The SARIF log as plain data (serialise with `JSON.stringify`).
 * @see https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
export function sarifLog(report: LintReport, options: SarifOptions) {
  const index = new Map(options.rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0' as const,
    runs: [
      {
        tool: {
          driver: {
            name: 'netpol',
            version: options.version,
            rules: options.rules.map((r) => ({
              id: r.id,
              name: pascal(r.id),
              shortDescription: { text: r.description },
              fullDescription: { text: r.description },
              help: {
                text: `${r.description} Documentation: ${r.docsUrl} in the netpol repository.`,
                markdown: `${r.description}\n\nDocumentation: \`${r.docsUrl}\` in the netpol repository.`,
              },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { fixable: r.fixable === true },
            })),
          },
        },
        columnKind: 'utf16CodeUnits' as const,
        results: report.findings.map((f) => result(f, index, options.root)),
        properties: { suppressed: report.suppressed, fixed: report.fixed },
      },
    ],
  };
}

function result(f: LintFinding, index: ReadonlyMap<string, number>, root: string) {
  const ruleIndex = index.get(f.ruleId);
  const region: Record<string, number> = { startLine: f.source.line, startColumn: f.source.column };
  if (f.source.endLine !== undefined && f.source.endColumn !== undefined) {
    region.endLine = f.source.endLine;
    region.endColumn = f.source.endColumn;
  }
  return {
    ruleId: f.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: LEVEL[f.severity],
    message: { text: f.hint ? `${f.message} Hint: ${f.hint}` : f.message },
    locations: [{ physicalLocation: { artifactLocation: artifact(f.source.file, root), region } }],
  };
}

/** An artifact location: relative to `%SRCROOT%` when inside the root, else a file: URI. */
function artifact(file: string, root: string): { uri: string; uriBaseId?: string } {
  const abs = path.isAbsolute(file) ? file : root !== '' ? path.resolve(root, file) : file;
  const rel = root !== '' && path.isAbsolute(abs) ? path.relative(root, abs) : file;
  const inside = !path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`);
  if (inside) return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  return { uri: `file://${abs.split(path.sep).map(encodeURIComponent).join('/')}` };
}

function pascal(id: string): string {
  return id
    .split('-')
    .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
    .join('');
}
