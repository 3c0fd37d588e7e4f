import Table from 'cli-table3';
import type { Diagnostic } from '../../errors.js';
import type { DropFixOutcome, DropGroup, DropsReport, DropsSkipped } from '../../workflows/flows/drops.js';

export { dropGroupJson, dropsJson } from '../../workflows/flows/drops-json.js';

import { type DropFix, describeFix, type PolicyChangeFix } from '../../workflows/flows/fix-search.js';

const CAUSE_WIDTH = 38;
const FIX_WIDTH = 42;
const FLOW_WIDTH = 30;

/**
 * Wraps text to `width` columns (cell padding excluded) at spaces; a word longer than a line is broken after a
 * `/`, `-`, `.` or `,` when it can be, else at the width, so paths and policy names are never cut off.
 */
export function wrapText(text: string, width: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      let rest = word;
      while (rest.length > 0) {
        const sep = line === '' ? '' : ' ';
        if (line.length + sep.length + rest.length <= width) {
          line += sep + rest;
          rest = '';
        } else if (rest.length <= width) {
          lines.push(line);
          line = rest;
          rest = '';
        } else {
          const room = width - line.length - sep.length;
          if (room < 8) {
            if (line !== '') lines.push(line);
            line = '';
            continue;
          }
          let cut = -1;
          for (let i = room; i > 0; i--) {
            if ('/-.,'.includes(rest.charAt(i - 1))) {
              cut = i;
              break;
            }
          }
          if (cut <= 0) cut = room;
          line += sep + rest.slice(0, cut);
          lines.push(line);
          line = '';
          rest = rest.slice(cut);
        }
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}

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
 */
export function formatDropsText(report: DropsReport, outcome?: DropFixOutcome): string {
  let out = '';
  const { groups } = report;
  if (groups.length === 0) {
    out += `No policy drops in ${report.source} (${report.stats.flows} flow(s) read).\n`;
  } else {
    out += `${report.policyDrops} policy drop(s) in ${groups.length} group(s) from ${report.source}\n`;
    const table = new Table({
      head: ['count', 'flow', 'dropped at', 'cause', 'fix'],
      colWidths: [7, FLOW_WIDTH, 12, CAUSE_WIDTH, FIX_WIDTH],
      style: { head: [], border: [] },
    });
    const rules: { index: number; fix: PolicyChangeFix }[] = [];
    groups.forEach((g) => {
      let index = 0;
      if (g.fix?.kind === 'policy-change') {
        index = rules.length + 1;
        rules.push({ index, fix: g.fix });
      }
      const seen = seenText(g);
      table.push([
        String(g.count),
        wrapText(
          `${g.source} → ${destinationText(g)} ${portText(g)}${seen ? `\n${seen}` : ''}`,
          FLOW_WIDTH - 2,
        ),
        `${g.direction}${g.deniedAt && g.deniedAt !== g.direction ? `\ngit: ${g.deniedAt}` : ''}`,
        wrapText(g.cause, CAUSE_WIDTH - 2),
        wrapText(fixCell(g.fix, g.fixReason, index), FIX_WIDTH - 2),
      ]);
    });
    out += `${table.toString()}\n`;
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
