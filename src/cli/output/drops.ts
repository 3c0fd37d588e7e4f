import type { Diagnostic } from '../../errors.js';
import type { DropFixOutcome, DropGroup, DropsReport, DropsSkipped } from '../../workflows/flows/drops.js';

export { dropGroupJson, dropsJson } from '../../workflows/flows/drops-json.js';

import { type DropFix, describeFix, type PolicyChangeFix } from '../../workflows/flows/fix-search.js';
import { renderTable, type TextLayout } from './table.js';

/** Usual widths of the flow, cause and fix columns (content characters) before their text wraps. */
const FLOW_WIDTH = 28;
const CAUSE_WIDTH = 36;
const FIX_WIDTH = 40;

function portText(g: Pick<DropGroup, 'port' | 'protocol'>): string {
  return g.protocol.startsWith('ICMP') ? `${g.protocol} type ${g.port}` : `${g.port}/${g.protocol}`;
}

/** `HH:MM:SS` of an RFC 3339 time (the date when the range spans days is shown by `seenText`). */
function clock(time: string): string {
  return time.slice(11, 19);
}

function seenText(g: Pick<DropGroup, 'firstSeen' | 'lastSeen'>): string {
  if (g.firstSeen === null || g.lastSeen === null) return '';
  const sameDay = g.firstSeen.slice(0, 10) === g.lastSeen.slice(0, 10);
  if (g.firstSeen === g.lastSeen) return `${g.firstSeen.slice(0, 10)} ${clock(g.firstSeen)}`;
  return sameDay
    ? `${g.firstSeen.slice(0, 10)} ${clock(g.firstSeen)}–${clock(g.lastSeen)}`
    : `${g.firstSeen.slice(0, 19)}–${g.lastSeen.slice(0, 19)}`;
}

function destinationText(g: DropGroup): string {
  if (g.destination.startsWith('world:') && g.worldIps.length > 0) {
    const name = g.destination.slice('world:'.length);
    const ips = g.worldIps.filter((ip) => ip !== name);
    return ips.length > 0 ? `${g.destination} (${ips.join(', ')})` : g.destination;
  }
  return g.destination;
}

/** The fix of a group in one short paragraph (policy changes point to the rule printed below the table). */
function fixCell(fix: DropFix | null, reason: string | null, index: number): string {
  if (!fix) return `none: ${reason ?? 'no label change can allow it'}`;
  if (fix.kind === 'policy-change') {
    const one = (f: PolicyChangeFix) =>
      `${f.newPolicy ? 'create' : 'add an'} ${f.direction} rule ${f.newPolicy ? 'in new' : 'to'} CiliumNetworkPolicy ${f.namespace}/${f.policy}`;
    return `${one(fix)}${fix.also ? ` and ${one(fix.also)}` : ''} (rule [${index}] below; not applied by --fix)`;
  }
  return describeFix(fix);
}

function skippedLines(s: DropsSkipped, diagnostics: readonly Diagnostic[]): string[] {
  const out: string[] = [];
  if (s.notDropped > 0) out.push(`${s.notDropped} flow(s) not dropped`);
  if (s.replies > 0)
    out.push(`${s.replies} dropped repl${s.replies === 1 ? 'y' : 'ies'} (not subject to policy)`);
  const other = Object.entries(s.otherDropReasons).sort(([a], [b]) => a.localeCompare(b));
  if (other.length > 0) {
    out.push(`drops for other reasons: ${other.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  }
  const unidentified = Object.entries(s.unidentified);
  if (unidentified.length > 0) {
    out.push(
      `policy drops netpol cannot place: ${unidentified.map(([reason, n]) => `${n} (${reason})`).join(', ')}`,
    );
  }
  if (s.filteredOut > 0) out.push(`${s.filteredOut} flow(s) outside the filters`);
  if (s.unparsable > 0) {
    const lines = diagnostics.map((d) => d.source?.line).filter((l): l is number => l !== undefined);
    const more = s.unparsable > lines.length ? ` and ${s.unparsable - lines.length} more` : '';
    out.push(`${s.unparsable} unreadable line(s)${lines.length > 0 ? `: ${lines.join(', ')}${more}` : ''}`);
  }
  if (s.lostEvents > 0) out.push(`${s.lostEvents} event(s) lost by Hubble`);
  if (s.overflow > 0) out.push(`${s.overflow} drop(s) in groups beyond the group limit`);
  return out;
}

/**
 * The drops report for a terminal: a summary line, a table sorted by count (flow, where Hubble dropped it, where
 * the engine denies it, the cause and the fix in plain words), the policy-change rules, and what was skipped.
 * @param report - from `findDrops`.
 * @param outcome - from `applyDropFixes`, when `--fix` ran.
 * @param layout - The terminal width to fit, or `-o wide`. Default: the usual column widths.
 */
export function formatDropsText(
  report: DropsReport,
  outcome?: DropFixOutcome,
  layout: TextLayout = {},
): string {
  let out = '';
  const { groups } = report;
  if (groups.length === 0) {
    out += `No policy drops in ${report.source} (${report.stats.flows} flow(s) read).\n`;
  } else {
    out += `${report.policyDrops} policy drop(s) in ${groups.length} group(s) from ${report.source}\n`;
    const rows: string[][] = [];
    const rules: { index: number; fix: PolicyChangeFix }[] = [];
    groups.forEach((g) => {
      let index = 0;
      if (g.fix?.kind === 'policy-change') {
        index = rules.length + 1;
        rules.push({ index, fix: g.fix });
      }
      const seen = seenText(g);
      rows.push([
        String(g.count),
        `${g.source} → ${destinationText(g)} ${portText(g)}${seen ? `\n${seen}` : ''}`,
        `${g.direction}${g.deniedAt && g.deniedAt !== g.direction ? `\ngit: ${g.deniedAt}` : ''}`,
        g.cause,
        fixCell(g.fix, g.fixReason, index),
      ]);
    });
    const table = renderTable(['count', 'flow', 'dropped at', 'cause', 'fix'], rows, {
      ...(layout.width !== undefined ? { width: layout.width } : {}),
      ...(layout.wide ? {} : { maxWidths: [undefined, FLOW_WIDTH, undefined, CAUSE_WIDTH, FIX_WIDTH] }),
    });
    out += `${table}\n`;
    for (const { index, fix } of rules) {
      out += `\n[${index}] ${describeFix(fix)}\n`;
    }
  }
  const skipped = skippedLines(report.skipped, report.diagnostics);
  if (skipped.length > 0) out += `\nSkipped: ${skipped.join('; ')}.\n`;
  if (outcome) out += formatFixOutcome(outcome);
  return out;
}

/** What `--fix` did: per file the namespaces changed and the diff, then what was refused and left to do by hand. */
export function formatFixOutcome(outcome: DropFixOutcome): string {
  let out = '';
  if (outcome.diffs.length === 0 && outcome.refused.length === 0) {
    out += '\n--fix: no label change to write.\n';
  }
  for (const { file, diff } of outcome.diffs) {
    for (const a of outcome.applied.filter((x) => x.file === file)) {
      const changes = a.changes
        .map((c) => `${c.label}: ${c.from === null ? '(none)' : `"${c.from}"`} → "${c.to}"`)
        .join(', ');
      out += `\n--fix wrote ${file}: namespace ${a.namespace}: ${changes}\n`;
    }
    out += diff;
  }
  for (const r of outcome.refused) out += `\n--fix did not change namespace ${r.namespace}: ${r.reason}.\n`;
  if (outcome.policyChanges.length > 0) {
    out += `\n--fix never applies policy changes: make the ${outcome.policyChanges.length} rule change(s) above by hand.\n`;
  }
  return out;
}

/** One line for a group as it first appears (`--follow`). */
export function formatDropGroupLine(g: DropGroup): string {
  const fix = g.fix
    ? g.fix.kind === 'policy-change'
      ? describeFix(g.fix).split('\n')[0]
      : describeFix(g.fix)
    : null;
  return `${g.firstSeen ?? ''}  DROPPED  ${g.source} → ${destinationText(g)} ${portText(g)} (${g.direction})\n  cause: ${g.cause}\n  fix: ${fix ?? `none: ${g.fixReason ?? ''}`}\n`;
}
