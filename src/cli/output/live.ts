import type { RuleRef } from '../../engine/types.js';
import type { CellChange } from '../../workflows/analysis/diff.js';
import type { DriftResult } from '../../workflows/live/drift.js';
import type { DisableResult, EnableResult, HatchRecord } from '../../workflows/live/escape-hatch.js';
import { goDuration } from '../../workflows/live/escape-hatch.js';
import type { EscapeHatchList } from '../../workflows/live/escape-hatch-list.js';
import type { HatchFlow } from '../../workflows/live/escape-hatch-view.js';
import type { NamespaceLabelsView, NamespaceStatus } from '../../workflows/live/status.js';

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

function labelsText(v: NamespaceLabelsView): string {
  return `profile ${v.profile ?? '(none)'}, access ${v.grants.length > 0 ? v.grants.join(', ') : '(none)'}, enforcement ${v.enforcement}`;
}

function policyText(p: { kind: string; namespace: string; name: string }): string {
  return `${p.kind}/${p.namespace === '' ? '' : `${p.namespace}/`}${p.name}`;
}

/** The text report of `netpol status`. */
export function formatStatusText(s: NamespaceStatus): string {
  const lines: string[] = [`Namespace ${s.namespace}${s.platform ? ' (platform namespace)' : ''}`];
  lines.push(
    s.git
      ? `  git:     ${labelsText(s.git)}  ${s.git.file}:${s.git.line}`
      : '  git:     not defined in the repository',
  );
  if (s.live) {
    lines.push(
      s.live.exists
        ? `  cluster: ${labelsText(s.live)}  (context ${s.live.context})`
        : `  cluster: no such namespace (context ${s.live.context})`,
    );
    if (s.live.escapeHatch) lines.push(`  escape hatch: ${recordText(s.live.escapeHatch)}`);
  }
  lines.push(`Policies selecting its pods (${s.policies.length}):`);
  for (const p of s.policies) {
    const where = p.file !== '' ? `  ${p.file}:${p.line}` : '';
    const live =
      p.live === null
        ? ''
        : p.live === 'present'
          ? '  [cluster: present]'
          : p.live === 'absent'
            ? '  [cluster: ABSENT]'
            : p.live === 'different'
              ? `  [cluster: DIFFERENT${p.manager ? `, last written by ${p.manager}` : ''}]`
              : `  [cluster only${p.manager ? `, written by ${p.manager}` : ''}]`;
    lines.push(`  ${policyText(p)}${where}${live}`);
  }
  lines.push('Connectivity (matrix row):');
  const width = Math.max(...s.matrix.map((c) => c.column.title.length), 0);
  for (const c of s.matrix) {
    const live = c.live === null ? '' : c.live === c.git ? '' : `   cluster: ${c.live}`;
    lines.push(
      `  ${c.column.direction === 'egress' ? '⇢' : '⇠'} ${c.column.title.padEnd(width)}  ${c.git}${live}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function cellLine(c: CellChange): string {
  const flow =
    c.column.direction === 'egress'
      ? `${c.namespace} → ${c.column.peer}:${c.column.port}/${c.column.protocol}`
      : `${c.column.peer} → ${c.namespace} on ${c.column.port}/${c.column.protocol}`;
  const because = c.because
    .map(
      (r) =>
        `${r.role === 'allowed' ? 'allowed' : r.role === 'denied' ? 'denied' : 'selected'} by ${policyText(r)} ${r.rule} in ${r.revision === 'base' ? 'git' : 'the cluster'}`,
    )
    .join('; ');
  return `${flow}  git: ${c.before}, cluster: ${c.after}${because ? `  (${because})` : ''}`;
}

const DRIFT_TITLES = {
  'cluster-only': 'only in the cluster',
  'git-only': 'only in git (not applied)',
  different: 'different in the cluster',
} as const;

/** The text report of `netpol drift` (one section per cluster). */
export function formatDriftText(r: DriftResult): string {
  const out: string[] = [];
  for (const c of r.clusters) {
    const env = c.environment ? `, environment ${c.environment}` : '';
    if (!c.drifted) {
      out.push(`${c.cluster} (context ${c.context}${env}): no drift, the cluster runs what git says.`);
      continue;
    }
    out.push(`${c.cluster} (context ${c.context}${env}): DRIFT`);
    if (c.namespaces.length > 0) {
      out.push('  Namespace labels (git → cluster):');
      for (const n of c.namespaces) {
        const parts: string[] = [];
        if (n.change === 'added') parts.push('only in the cluster');
        else if (n.change === 'removed') parts.push('only in git (missing in the cluster)');
        else {
          if (n.profile.before !== n.profile.after)
            parts.push(`profile ${n.profile.before ?? '(none)'} → ${n.profile.after ?? '(none)'}`);
          for (const g of n.grants.added) parts.push(`access grant ${g} only in the cluster`);
          for (const g of n.grants.removed) parts.push(`access grant ${g} only in git`);
          if (n.escapeHatch.before !== n.escapeHatch.after)
            parts.push(
              n.escapeHatch.after ? 'enforcement disabled in the cluster' : 'enforcement disabled in git',
            );
        }
        out.push(`    ${n.namespace}: ${parts.join('; ')}`);
      }
    }
    if (c.policies.length > 0) {
      out.push('  Policies:');
      for (const p of c.policies) {
        const at = p.file !== '' ? `  ${p.file}:${p.line}` : '';
        const fields = p.fields.length > 0 ? ` (${p.fields.join(', ')})` : '';
        const by = p.manager ? `; last written by ${p.manager.manager} at ${p.manager.time}` : '';
        out.push(`    ${p.severity.padEnd(7)} ${policyText(p)} ${DRIFT_TITLES[p.drift]}${fields}${at}${by}`);
        if (p.severity !== 'warning' || p.manager) out.push(`            ${p.note}`);
      }
    }
    const cells = c.connectivity.cells;
    if (cells.length > 0) {
      out.push(
        `  Connectivity: the cluster allows ${c.connectivity.summary.added} flow(s) git denies, denies ${c.connectivity.summary.removed} git allows:`,
      );
      for (const cell of cells) out.push(`    ${cell.after === 'allowed' ? '+' : '-'} ${cellLine(cell)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** `netpol drift -o markdown`: a report for a CI job summary or an issue. */
export function formatDriftMarkdown(r: DriftResult): string {
  const out: string[] = ['## netpol drift', ''];
  for (const c of r.clusters) {
    out.push(
      `### ${c.cluster} (\`${c.context}\`${c.environment ? `, ${c.environment}` : ''}): ${c.drifted ? 'drift' : 'no drift'}`,
      '',
    );
    if (!c.drifted) continue;
    if (c.namespaces.length + c.policies.length > 0) {
      out.push('| severity | object | drift | git | last writer |', '|---|---|---|---|---|');
      for (const n of c.namespaces) {
        out.push(
          `| warning | Namespace/${n.namespace} | labels differ | ${n.file ? `\`${n.file}:${n.line}\`` : ''} | |`,
        );
      }
      for (const p of c.policies) {
        out.push(
          `| ${p.severity} | ${policyText(p)} | ${DRIFT_TITLES[p.drift]}${p.fields.length > 0 ? ` (${p.fields.join(', ')})` : ''} | ${p.file ? `\`${p.file}:${p.line}\`` : ''} | ${p.manager ? `${p.manager.manager}` : ''} |`,
        );
      }
      out.push('');
    }
    if (c.connectivity.cells.length > 0) {
      out.push('Connectivity:', '');
      for (const cell of c.connectivity.cells)
        out.push(`- ${cell.after === 'allowed' ? '➕' : '➖'} ${cellLine(cell)}`);
      out.push('');
    }
  }
  return `${out.join('\n')}\n`;
}
