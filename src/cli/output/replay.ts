import type { ResponsibleRule } from '../../workflows/analysis/diff.js';
import type { ReplayedFlow, ReplayReport } from '../../workflows/flows/replay.js';

/** Rows of the Markdown tables; the rest is counted (the whole comment must stay under GitHub's 65,536). */
const MARKDOWN_ROWS = 50;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function records(flows: readonly ReplayedFlow[]): number {
  return flows.reduce((n, f) => n + f.count, 0);
}

function target(f: ReplayedFlow): string {
  return f.protocol === 'ICMPv4' || f.protocol === 'ICMPv6'
    ? `${f.protocol} type ${f.port}`
    : `${f.port}/${f.protocol}`;
}

function verdictCounts(f: ReplayedFlow): string {
  return Object.entries(f.verdicts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([v, n]) => `${v} ${n}`)
    .join(', ');
}

function ruleText(r: ResponsibleRule): string {
  const when = r.revision === 'base' ? 'was' : 'now';
  const verb =
    r.role === 'allowed'
      ? `${when} allowed by`
      : r.role === 'denied'
        ? `${when} denied by`
        : `${when} default-deny, selected by`;
  const name = `${r.kind}/${r.namespace === '' ? '' : `${r.namespace}/`}${r.name}`;
  return `${verb} ${name}${r.role === 'selected' ? '' : ` ${r.rule}`}  ${r.file}:${r.line}  (${r.side} of ${r.endpoint})`;
}

function unmatchedNote(f: ReplayedFlow): string {
  return f.unmatched.length === 0
    ? ''
    : `  [${f.unmatched.join(' and ')} matched by recorded labels: no workload in git has them]`;
}

/** `seen between A and B` / `seen` when the records carried no time. */
function window(r: ReplayReport): string {
  const { firstSeen, lastSeen } = r.observed;
  if (firstSeen === null || lastSeen === null) return 'seen';
  return firstSeen === lastSeen ? `seen at ${firstSeen}` : `seen between ${firstSeen} and ${lastSeen}`;
}

/** The headline of the replay: what the change would have dropped of the traffic seen. */
export function replayHeadline(r: ReplayReport): string {
  const denied = records(r.newlyDenied);
  const allowed = records(r.newlyAllowed);
  if (r.newlyDenied.length === 0 && r.newlyAllowed.length === 0) {
    return `This change would not have changed the verdict of any of the ${plural(r.observed.records, 'flow')} ${window(r)}.`;
  }
  const parts: string[] = [];
  if (r.newlyDenied.length > 0) {
    parts.push(
      `This change would have dropped ${plural(denied, 'flow')} ${window(r)} (${plural(r.newlyDenied.length, 'connection')})`,
    );
  }
  if (r.newlyAllowed.length > 0) {
    const lead = r.newlyDenied.length > 0 ? 'and would newly allow' : 'This change would newly allow';
    parts.push(`${lead} ${plural(allowed, 'flow')} (${plural(r.newlyAllowed.length, 'connection')})`);
  }
  return `${parts.join(' ')}.`;
}

function textSection(title: string, sign: string, flows: readonly ReplayedFlow[]): string {
  if (flows.length === 0) return '';
  let out = `\n${title}\n`;
  for (const f of flows) {
    const last = f.lastSeen === null ? '' : `, last seen ${f.lastSeen}`;
    out += `  ${sign} ${f.source} → ${f.destination} ${target(f)}  ${plural(f.count, 'flow')}${last} (${verdictCounts(f)})${unmatchedNote(f)}\n`;
    for (const r of f.because) out += `      ${ruleText(r)}\n`;
    for (const c of f.caveats) out += `      note: ${c}\n`;
  }
  return out;
}

/** `3 lines that are not Hubble flows, skipped (lines 2, 5, 9)`: the capture lines left out of the replay. */
function unreadableText(r: ReplayReport): string {
  const { lines, first } = r.observed.unreadable;
  const more = lines > first.length ? ', …' : '';
  return `${plural(lines, 'line that is not a Hubble flow', 'lines that are not Hubble flows')}, skipped (${first.length === 1 && lines === 1 ? 'line' : 'lines'} ${first.join(', ')}${more})`;
}

/**
 * The replay as text, printed after the connectivity diff: what was replayed, the headline, then the
 * connections the change newly denies (`-`) and newly allows (`+`), each with its flow count, last time
 * seen, Hubble's verdicts and the rules responsible. What was not replayed is counted in the first line (replies,
 * unconvertible records, capture lines that are not flows with their first line numbers).
 */
export function formatReplayText(r: ReplayReport, source: string): string {
  const o = r.observed;
  let out = `\nObserved traffic (${source}): ${plural(o.connections, 'connection')}, ${plural(o.records, 'flow')}`;
  const left: string[] = [];
  if (o.replies > 0) left.push(`${plural(o.replies, 'reply', 'replies')} not replayed`);
  if (o.unconverted > 0) left.push(`${o.unconverted} without a port or peer`);
  if (o.overflow > 0) left.push(`${o.overflow} beyond the memory bound, not replayed`);
  if (o.unreadable.lines > 0) left.push(unreadableText(r));
  out += `${left.length > 0 ? ` (${left.join(', ')})` : ''}.\n${replayHeadline(r)}\n`;
  if (o.unmatched > 0) {
    out += `${plural(o.unmatched, 'connection')} had a pod whose labels match no workload in git: matched by the labels Hubble recorded.\n`;
  }
  out += textSection('Newly denied (seen in the cluster):', '-', r.newlyDenied);
  out += textSection('Newly allowed:', '+', r.newlyAllowed);
  return out;
}

function md(text: string): string {
  return text.replace(/[\\`*_|<>[\]]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

function mdTable(flows: readonly ReplayedFlow[], budget: number): string {
  let out = '| source | destination | port | flows | last seen |\n|---|---|---|---|---|\n';
  let shown = 0;
  for (const f of flows) {
    const mark = f.unmatched.length > 0 ? ' †' : '';
    const row = `| ${md(f.source)}${f.unmatched.includes('source') ? mark : ''} | ${md(f.destination)}${f.unmatched.includes('destination') ? mark : ''} | ${md(target(f))} | ${f.count} | ${f.lastSeen ?? '–'} |\n`;
    if (shown >= MARKDOWN_ROWS || out.length + row.length > budget) break;
    out += row;
    shown++;
  }
  if (shown < flows.length) {
    out += `\n…and ${flows.length - shown} more; run \`netpol diff --flows\` for the full list.\n`;
  }
  return out;
}

/**
 * The replay as a section of the pull-request comment: a headline such as "This change would have dropped
 * 31 flows seen between … and …", a table of the newly denied connections (at most 50 rows), and the
 * newly allowed ones in a collapsible block; `†` marks a pod matched by its recorded labels. Capture lines that are
 * not flows are counted under the headline.
 * @param budget - characters the section may take (the comment it joins must stay under GitHub's 65,536);
 *   each table gets at most half of it and counts the rows left out. Default: 20,000.
 */
export function formatReplayMarkdown(r: ReplayReport, source: string, budget = 20_000): string {
  let out = `\n#### Observed traffic (${md(source)})\n\n**${md(replayHeadline(r))}**\n`;
  if (r.observed.unreadable.lines > 0) out += `\n⚠️ ${md(unreadableText(r))}.\n`;
  const half = Math.max(400, Math.floor((budget - out.length - 300) / 2));
  if (r.newlyDenied.length > 0) out += `\n${mdTable(r.newlyDenied, half)}`;
  if (r.newlyAllowed.length > 0) {
    out += `\n<details>\n<summary>Newly allowed: ${plural(r.newlyAllowed.length, 'connection')}</summary>\n\n${mdTable(r.newlyAllowed, half)}\n</details>\n`;
  }
  if ([...r.newlyDenied, ...r.newlyAllowed].some((f) => f.unmatched.length > 0)) {
    out += '\n† no workload in git has these labels: matched by the labels Hubble recorded.\n';
  }
  return out;
}

/** The replay as JSON (the `replay` member of `netpol diff --flows -o json`). */
export function replayJson(r: ReplayReport, source: string) {
  const flow = (f: ReplayedFlow) => ({
    source: f.source,
    destination: f.destination,
    port: f.port,
    protocol: f.protocol,
    count: f.count,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    verdicts: f.verdicts,
    before: f.before,
    after: f.after,
    unmatched: f.unmatched,
    because: f.because,
    caveats: f.caveats,
  });
  return {
    source,
    observed: r.observed,
    newlyDenied: r.newlyDenied.map(flow),
    newlyAllowed: r.newlyAllowed.map(flow),
  };
}
