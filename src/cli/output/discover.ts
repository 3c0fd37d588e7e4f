import type { DiscoveredFlow, DiscoverReport } from '../../workflows/flows/discover.js';
import { describeFix } from '../../workflows/flows/fix-search.js';
import { renderTable, type TextLayout } from './table.js';

function portText(f: Pick<DiscoveredFlow, 'port' | 'protocol'>): string {
  return f.protocol.startsWith('ICMP') ? `${f.protocol} type ${f.port}` : `${f.port}/${f.protocol}`;
}

/** ✓ allowed by the recommendation, ! allowed after a change elsewhere (its fix), ✗ allowed by nothing. */
function mark(f: DiscoveredFlow): string {
  return f.allowedByRecommendation ? '✓' : f.fix !== null ? '!' : '✗';
}

function labelsText(profile: string | null, grants: readonly string[]): string {
  const p = profile === null ? 'no profile' : `profile "${profile}"`;
  return grants.length > 0 ? `${p}, access grants ${grants.join(', ')}` : `${p}, no access grant`;
}

/**
 * The discover report for a terminal: the recommendation (and the grants it removes), the observed flows (✓ allowed
 * by it, ! allowed after a change elsewhere, ✗ allowed by nothing in the catalogue), the flows it does not allow
 * with the reason and the change, and the namespace labels to commit.
 * @param report - from `discoverNamespace`.
 */
export function formatDiscoverText(report: DiscoverReport, layout: TextLayout = {}): string {
  let out = `Namespace ${report.namespace}: ${report.flows.length} kind(s) of flow observed in ${report.source}\n`;
  if (report.platform) {
    out += `${report.namespace} is a platform namespace: it takes no profile; its own CiliumNetworkPolicies decide.\n`;
  }
  out += `Recommended: ${labelsText(report.recommended.profile, report.recommended.grants)}`;
  out += report.current
    ? ` (git today: ${labelsText(report.current.profile, report.current.grants)})\n`
    : ' (the repository does not define this namespace yet)\n';
  if (report.droppedGrants.length > 0) {
    out += `It removes access grant(s) ${report.droppedGrants.join(', ')}: no observed flow needs them; keep them if traffic outside the capture does.\n`;
  }
  if (report.flows.length > 0) {
    const table = renderTable(
      ['', 'count', 'direction', 'flow', 'git today'],
      report.flows.map((f) => [
        mark(f),
        String(f.count),
        f.direction,
        `${f.source} → ${f.destination} ${portText(f)}`,
        f.allowedNow ? 'allowed' : 'denied',
      ]),
      {
        ...(layout.width !== undefined ? { width: layout.width } : {}),
        ...(layout.wide ? {} : { maxWidths: [undefined, undefined, undefined, 60] }),
      },
    );
    const legend = ['✓ allowed by the recommendation'];
    if (report.unallowed.some((f) => f.fix !== null)) legend.push('! allowed after the change shown below');
    if (report.unallowed.some((f) => f.fix === null)) legend.push('✗ allowed by nothing in the catalogue');
    out += `${table}\n${legend.join('  ')}\n`;
  }
  if (report.unallowed.length > 0) {
    out += `\n${report.unallowed.length} flow(s) the recommendation does not allow for ${report.namespace}:\n`;
    for (const f of report.unallowed) {
      out += `  ${mark(f)} ${f.source} → ${f.destination} ${portText(f)}\n      ${f.reason ?? ''}\n`;
      if (f.fix) out += `      fix: ${describeFix(f.fix).replace(/\n/g, '\n      ')}\n`;
    }
  }
  if (report.allowedCells.length > 0) {
    out += `\nThe recommendation allows (matrix): ${report.allowedCells.join('; ')}\n`;
  }
  out += report.labelsUnchanged
    ? `\nNamespace labels (namespace ${report.namespace}): unchanged, git already has them.\n`
    : `\nNamespace labels to commit (namespace ${report.namespace}):\n${report.labelsYaml}`;
  const notes: string[] = [];
  if (report.skipped.replies > 0)
    notes.push(`${report.skipped.replies} ${report.skipped.replies === 1 ? 'reply' : 'replies'} skipped`);
  if (report.skipped.unparsable > 0) {
    const lines = report.diagnostics.map((d) => d.source?.line).filter((l) => l !== undefined);
    notes.push(`${report.skipped.unparsable} unreadable line(s): ${lines.join(', ')}`);
  }
  if (report.skipped.overflow > 0)
    notes.push(`${report.skipped.overflow} flow(s) beyond the limit not considered`);
  if (notes.length > 0) out += `\n${notes.join('; ')}.\n`;
  return out;
}

/**
 * The discover report as JSON: `{namespace, source, platform, current, recommended, droppedGrants, labels, labelsYaml, labelsUnchanged,
 * allowedCells, flows: [...], unallowed: [...], skipped}`.
 * @param report - from `discoverNamespace`.
 */
export function discoverJson(report: DiscoverReport) {
  const flow = (f: DiscoveredFlow) => ({
    source: f.source,
    destination: f.destination,
    port: f.port,
    protocol: f.protocol,
    direction: f.direction,
    count: f.count,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    allowedNow: f.allowedNow,
    allowedByRecommendation: f.allowedByRecommendation,
    ...(f.reason !== null && { reason: f.reason }),
    ...(f.fix !== null && { fix: f.fix }),
  });
  return {
    namespace: report.namespace,
    source: report.source,
    platform: report.platform,
    current: report.current,
    recommended: report.recommended,
    droppedGrants: report.droppedGrants,
    labels: report.labels,
    labelsYaml: report.labelsYaml,
    labelsUnchanged: report.labelsUnchanged,
    allowedCells: report.allowedCells,
    flows: report.flows.map(flow),
    unallowed: report.unallowed.map(flow),
    skipped: {
      ...report.skipped,
      unparsableLines: report.diagnostics.map((d) => ({ line: d.source?.line ?? null, message: d.message })),
    },
  };
}
