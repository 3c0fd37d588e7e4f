import type { VerifyCheck, VerifyFlowGroup, VerifyReport } from '../../workflows/flows/verify.js';
import { renderTable, type TextLayout } from './table.js';

/** At most this many flows are listed under a check in text output (all are in the JSON). */
const MAX_FLOWS_SHOWN = 5;

function observedText(c: VerifyCheck): string {
  const parts: string[] = [];
  if (c.observed.forwarded > 0) parts.push(`${c.observed.forwarded} forwarded`);
  if (c.observed.dropped > 0) parts.push(`${c.observed.dropped} dropped`);
  if (c.observed.audit > 0) parts.push(`${c.observed.audit} audit`);
  if (c.observed.otherDrops > 0) parts.push(`${c.observed.otherDrops} dropped (not policy)`);
  return parts.length > 0 ? parts.join(', ') : 'no data';
}

function portText(g: Pick<VerifyFlowGroup, 'port' | 'protocol'>): string {
  return g.protocol.startsWith('ICMP') ? `${g.protocol} type ${g.port}` : `${g.port}/${g.protocol}`;
}

/**
 * The verify report for a terminal: one row per check (what the repository says, what Hubble saw, the status),
 * then the flows behind each check that has data, disagreements first.
 * @param report - from `verifyNamespace`.
 */
export function formatVerifyText(report: VerifyReport, layout: TextLayout = {}): string {
  let out = `Connectivity of namespace ${report.namespace}: the repository against ${report.source}\n`;
  const table = renderTable(
    ['check', 'repository says', 'Hubble saw', 'status'],
    report.checks.map((c) => [c.title, c.expected, observedText(c), c.status]),
    {
      ...(layout.width !== undefined ? { width: layout.width } : {}),
      ...(layout.wide ? {} : { maxWidths: [48, 15, 28, 7] }),
    },
  );
  out += `${table}\n`;
  for (const c of report.checks) {
    if (c.flows.length === 0) continue;
    out += `\n${c.status}  ${c.title}\n  repository: ${c.because}\n`;
    for (const f of c.flows.slice(0, MAX_FLOWS_SHOWN)) {
      const mark = f.agrees ? '✓' : '✗';
      out += `  ${mark} ${f.count}× ${f.source} → ${f.destination} ${portText(f)}: Hubble ${f.observed}, repository ${f.expected}\n`;
      if (f.note) out += `      ${f.note.replace(/\n/g, '\n      ')}\n`;
    }
    if (c.flows.length > MAX_FLOWS_SHOWN)
      out += `  … and ${c.flows.length - MAX_FLOWS_SHOWN} more (see -o json)\n`;
  }
  const notes: string[] = [];
  if (report.otherFlows > 0)
    notes.push(`${report.otherFlows} other flow(s) of ${report.namespace} belong to no check`);
  if (report.replies > 0)
    notes.push(`${report.replies} repl${report.replies === 1 ? 'y' : 'ies'} not compared`);
  if (report.stats.unparsable > 0) {
    const lines = report.diagnostics.map((d) => d.source?.line).filter((l) => l !== undefined);
    notes.push(`${report.stats.unparsable} unreadable line(s): ${lines.join(', ')}`);
  }
  if (notes.length > 0) out += `\n${notes.join('; ')}.\n`;
  for (const caveat of report.caveats) out += `warning: ${caveat}\n`;
  return out;
}

/**
 * The verify report as JSON: `{namespace, source, checks: [{id, kind, title, expected, because, observed, status,
 * flows}], otherFlows, replies, unparsable, caveats}`.
 * @param report - from `verifyNamespace`.
 */
export function verifyJson(report: VerifyReport) {
  return {
    namespace: report.namespace,
    source: report.source,
    checks: report.checks.map((c) => ({
      id: c.id,
      kind: c.kind,
      title: c.title,
      expected: c.expected,
      because: c.because,
      observed: c.observed,
      status: c.status,
      flows: c.flows,
    })),
    otherFlows: report.otherFlows,
    replies: report.replies,
    unparsable: {
      count: report.stats.unparsable,
      lines: report.diagnostics.map((d) => ({ line: d.source?.line ?? null, message: d.message })),
    },
    caveats: report.caveats,
  };
}
