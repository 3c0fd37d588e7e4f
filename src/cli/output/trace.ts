import type { ClosestRules, L7SideVerdict, L7Verdict, RuleRef, SideVerdict } from '../../engine/types.js';
import { boundText } from '../../repo/truncate.js';
import type { BatchItem, TraceResult } from '../../workflows/analysis/trace.js';

function policyName(r: RuleRef): string {
  return `${r.kind}/${r.namespace === '' ? '' : `${r.namespace}/`}${r.name}`;
}

function sideText(title: string, side: SideVerdict, closest: ClosestRules | undefined): string {
  let out = `  ${title}: ${side.verdict}${side.enforced ? ' (enforced)' : ' (not enforced)'}\n`;
  for (const reason of side.reasons) out += `    ${reason}\n`;
  for (const r of side.deniedBy) {
    out += `    ✗ denied by ${policyName(r)} ${r.rule}  ${r.file}:${r.line}\n`;
  }
  for (const r of side.allowedBy) {
    const notes = r.notes.length > 0 ? `  [${r.notes.join('; ')}]` : '';
    out += `    ✓ allowed by ${policyName(r)} ${r.rule}  ${r.file}:${r.line}${notes}\n`;
  }
  if (
    side.enforced &&
    side.allowedBy.length === 0 &&
    side.deniedBy.length === 0 &&
    side.selectedBy.length > 0
  ) {
    out += '    selected by:\n';
    for (const r of side.selectedBy) out += `      ${policyName(r)}  ${r.file}:${r.line}\n`;
  }
  if (closest !== undefined && closest.rules.length > 0) {
    out += '    closest rules (the peer matches, the port or protocol does not):\n';
    for (const { rule: r, admits, nothing } of closest.rules) {
      const what = nothing !== undefined ? `nothing: ${nothing}` : `${admits.join(', ')} only`;
      out += `      · ${policyName(r)} ${r.rule} admits ${what}  ${r.file}:${r.line}\n`;
    }
    if (closest.more > 0) out += `      … and ${closest.more} more\n`;
  }
  return out;
}

/** Human-readable trace: the verdict, then each side with the rules that decided it. */
export function formatTraceText(t: TraceResult): string {
  const head = `${t.verdict.verdict.toUpperCase()}  ${t.source} → ${t.destination} ${t.protocol.startsWith('ICMP') ? `${t.protocol} type ${t.port}` : `${t.port}/${t.protocol}`}\n`;
  let out = head;
  out += sideText(`egress of ${t.source} (source)`, t.verdict.egress, t.closest.egress);
  out += sideText(`ingress of ${t.destination} (destination)`, t.verdict.ingress, t.closest.ingress);
  if (t.verdict.l7) out += l7Text(t.verdict.l7, t);
  for (const c of t.verdict.caveats) out += `  warning: ${c}\n`;
  return out;
}

function l7Text(l7: L7Verdict, t: TraceResult): string {
  let out = `  L7 ${l7.request}: ${l7.verdict}\n`;
  const side = (title: string, s: L7SideVerdict) => {
    let text = `    ${title}: ${s.verdict}: ${s.reason}\n`;
    for (const { rule, rules } of s.ruleSet) {
      const mark =
        s.allowedBy.includes(rule) || s.allowedBy.some((a) => a.rule === rule.rule && a.name === rule.name)
          ? '✓'
          : '·';
      text += `      ${mark} ${policyName(rule)} ${rule.rule}  ${rule.file}:${rule.line}: ${rules.join(' | ')}\n`;
    }
    return text;
  };
  out += side(`egress of ${t.source}`, l7.egress);
  out += side(`ingress of ${t.destination}`, l7.ingress);
  return out;
}

function l7SideJson(s: L7SideVerdict) {
  return {
    verdict: s.verdict,
    reason: s.reason,
    ruleSet: s.ruleSet.map((r) => ({ ...refJson(r.rule), rules: r.rules })),
    allowedBy: s.allowedBy.map(refJson),
  };
}

function refJson(r: RuleRef) {
  return {
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    file: r.file,
    line: r.line,
    column: r.column,
    rule: r.rule,
    notes: r.notes,
  };
}

function sideJson(s: SideVerdict, closest: ClosestRules | undefined) {
  return {
    enforced: s.enforced,
    verdict: s.verdict,
    allowedBy: s.allowedBy.map(refJson),
    deniedBy: s.deniedBy.map(refJson),
    selectedBy: s.selectedBy.map(refJson),
    ...(closest !== undefined
      ? {
          closest: {
            rules: closest.rules.map((c) => ({
              ...refJson(c.rule),
              admits: c.admits,
              ...(c.nothing !== undefined ? { nothing: c.nothing } : {}),
            })),
            more: closest.more,
          },
        }
      : {}),
    reasons: s.reasons,
  };
}

/** The JSON object of one trace (stable field order). */
export function traceJson(t: TraceResult) {
  return {
    source: t.source,
    destination: t.destination,
    port: t.port,
    protocol: t.protocol,
    verdict: t.verdict.verdict,
    egress: sideJson(t.verdict.egress, t.closest.egress),
    ingress: sideJson(t.verdict.ingress, t.closest.ingress),
    ...(t.verdict.l7
      ? {
          l7: {
            kind: t.verdict.l7.kind,
            request: t.verdict.l7.request,
            verdict: t.verdict.l7.verdict,
            egress: l7SideJson(t.verdict.l7.egress),
            ingress: l7SideJson(t.verdict.l7.ingress),
          },
        }
      : {}),
    caveats: t.verdict.caveats,
  };
}

/**
 * One batch line: JSON (one object per line) or a short text line. A bad line is `FILE:LINE: error: …` (JSON:
 * `{file, line, input, error}`); a side decided by a rule with notes (`L7-filtered (http)`, `FQDN-matched`) carries
 * them in brackets, as the single trace does.
 */
export function formatBatchItem(item: BatchItem, output: 'text' | 'json'): string {
  if ('error' in item) {
    return output === 'json'
      ? `${JSON.stringify({ file: item.file, line: item.line, input: item.input, error: boundText(item.error) })}\n`
      : `${item.file}:${item.line}: error: ${boundText(item.error)}\n`;
  }
  const t = item.result;
  if (output === 'json') return `${JSON.stringify({ line: item.line, ...traceJson(t) })}\n`;
  const decider = (s: SideVerdict) => {
    const rule = s.deniedBy[0] ?? s.allowedBy[0];
    if (!rule)
      return !s.enforced ? 'not enforced' : s.verdict === 'allowed' ? 'allow-localhost' : 'default deny';
    return rule.notes.length > 0 ? `${rule.name} [${rule.notes.join('; ')}]` : rule.name;
  };
  const l7 = t.verdict.l7;
  const refusedBy = l7
    ? [l7.egress.verdict === 'denied' ? 'egress' : '', l7.ingress.verdict === 'denied' ? 'ingress' : '']
        .filter((x) => x !== '')
        .join(', ')
    : '';
  const l7Text = l7 ? `  L7 ${l7.request}: ${l7.verdict}${refusedBy === '' ? '' : ` (${refusedBy})`}` : '';
  return `${t.verdict.verdict.padEnd(7)}  ${t.source} → ${t.destination} ${t.port}/${t.protocol}  egress: ${t.verdict.egress.verdict} (${decider(t.verdict.egress)})  ingress: ${t.verdict.ingress.verdict} (${decider(t.verdict.ingress)})${l7Text}\n`;
}
