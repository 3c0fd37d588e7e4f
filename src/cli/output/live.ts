import type { RuleRef } from '../../engine/types.js';
import type { DisableResult, EnableResult, HatchRecord } from '../../workflows/live/escape-hatch.js';
import { goDuration } from '../../workflows/live/escape-hatch.js';
import type { EscapeHatchList } from '../../workflows/live/escape-hatch-list.js';
import type { HatchFlow } from '../../workflows/live/escape-hatch-view.js';

function ref(r: RuleRef): string {
  const name = r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
  return `${name} ${r.rule}  ${r.file}:${r.line}`;
}

function flowText(f: HatchFlow): string {
  return f.direction === 'egress'
    ? `egress to ${f.peer}:${f.port}/${f.protocol}`
    : `ingress from ${f.peer} on ${f.port}/${f.protocol}`;
}

/** `since …, by …, reason …, until …` of a record. */
export function recordText(r: HatchRecord): string {
  const parts = [
    `since ${r.since ?? 'unknown (set without netpol)'}`,
    `by ${r.by ?? 'unknown'}`,
    `reason: ${r.reason ?? 'none recorded'}`,
  ];
  if (r.until) parts.push(`until ${r.until}`);
  return parts.join(', ');
}

/** The text report of `netpol escape-hatch disable`. */
export function formatDisableText(r: DisableResult): string {
  const lines: string[] = [];
  if (r.outcome === 'already-disabled') {
    lines.push(
      `Enforcement is already disabled on namespace ${r.namespace} (context ${r.context}): ${recordText(r.record)}.`,
    );
    lines.push('Nothing was changed.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `Setting ${r.label.key}=${r.label.value} on namespace ${r.namespace} (context ${r.context}) opens:`,
  );
  for (const dir of ['egress', 'ingress'] as const) {
    const rules = r.opening.ownSide[dir];
    lines.push(
      `  every ${dir} of its pods, on their own side${rules.length > 0 ? ` (${rules.map(ref).join('; ')})` : ''}`,
    );
  }
  if (r.opening.opened.length > 0) {
    lines.push('Flows denied now that become allowed:');
    for (const f of r.opening.opened) lines.push(`  + ${flowText(f)}`);
  }
  if (r.opening.stillDenied.length > 0) {
    lines.push("Flows that stay denied by the peer's side:");
    for (const f of r.opening.stillDenied) {
      const d = f.deniedBy;
      const why = !d
        ? ''
        : d.how === 'deny-rule'
          ? `${d.side} of ${d.endpoint} denied by ${d.rules.map(ref).join('; ')}`
          : `${d.side} of ${d.endpoint} ${d.requires ? `still requires ${d.requires}="true"` : 'allows no such flow'} (default deny: selected by ${d.rules.length} polic${d.rules.length === 1 ? 'y' : 'ies'}${d.rules[0] ? `, e.g. ${ref(d.rules[0])}` : ''})`;
      lines.push(`  - ${flowText(f)}: ${why}`);
    }
  }
  if (r.patch) {
    lines.push(
      `${r.outcome === 'dry-run' ? 'Would write' : 'Wrote'} one merge patch: label ${r.label.key}=${r.label.value}; annotations ${Object.entries(
        r.patch.annotations,
      )
        .map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`))
        .join(', ')}${r.conflicts > 0 ? ` (after ${r.conflicts} conflict(s), re-read and retried)` : ''}.`,
    );
  }
  if (r.outcome === 'dry-run') lines.push('Dry run: nothing was written.');
  else {
    lines.push('Recorded a Warning Event NetworkPolicyEnforcementDisabled on the namespace.');
    lines.push(
      `Next: watch the flows (netpol drops ${r.namespace} --since 5m), fix the policy in git, then run netpol escape-hatch enable ${r.namespace}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The text report of `netpol escape-hatch enable`. */
export function formatEnableText(r: EnableResult): string {
  if (r.outcome === 'not-disabled') {
    return `Enforcement is not disabled on namespace ${r.namespace} (context ${r.context}); nothing was changed.\n`;
  }
  const off = r.offForMs !== null ? goDuration(r.offForMs) : 'an unknown time (no netpol annotation)';
  return [
    `Enforcement re-enabled on namespace ${r.namespace} (context ${r.context}); it was off for ${off} (${recordText(r.record)}).`,
    'Recorded a Normal Event NetworkPolicyEnforcementEnabled on the namespace.',
    `Next: the flows that needed the escape hatch, with their git fixes: ${r.next}`,
    '',
  ].join('\n');
}

/** A time as `2026-12-07 14:05 UTC`. */
function clock(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The text report of `netpol escape-hatch list`. */
export function formatListText(l: EscapeHatchList): string {
  if (l.disabled.length === 0) return `No namespace carries ${l.label}.\n`;
  const lines: string[] = [];
  for (const d of l.disabled) {
    const env = d.environment ? ` ${d.environment}` : '';
    lines.push(`${d.cluster}${env}  ${d.namespace}`);
    lines.push(
      `  since ${d.record.since ? clock(d.record.since) : 'unknown (set without netpol)'}, by ${d.record.by ?? 'unknown'}`,
    );
    lines.push(`  reason: ${d.record.reason ?? 'none recorded'}`);
    if (d.record.until) lines.push(`  until ${clock(d.record.until)}${d.overdue ? '  OVERDUE' : ''}`);
    if (d.alerts.length > 0) {
      lines.push(
        `  alerts: ${d.alerts
          .map((a) =>
            a.state === 'firing'
              ? `${a.severity} (${a.alert}) firing since ${clock(a.at)}`
              : `${a.severity} (${a.alert}) at ${clock(a.at)}`,
          )
          .join('; ')}`,
      );
    } else if (l.alertRules.length === 0) lines.push('  alerts: none in git for this label');
  }
  return `${lines.join('\n')}\n`;
}
