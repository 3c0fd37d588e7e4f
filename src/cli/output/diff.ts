import type {
  CellChange,
  CellState,
  ConnectivityDiff,
  DiffColumn,
  DiffRevision,
  NamespaceChange,
  NodeChange,
  PolicyChange,
  ResponsibleRule,
} from '../../workflows/analysis/diff.js';

/**
 * Size limits of the Markdown comment (GitHub rejects comments over 65,536 characters): the table stops
 * after this many characters, the responsible rules after the second; the rest is counted, not shown.
 */
const MARKDOWN_TABLE_BUDGET = 30_000;
const MARKDOWN_DETAILS_BUDGET = 55_000;
const MARKDOWN_TOTAL_BUDGET = 63_000;

/** The marker that starts the Markdown comment, so a CI job can find and update its previous comment. */
export const DIFF_COMMENT_MARKER = '<!-- netpol:diff -->';

function revisionText(r: DiffRevision): string {
  if (r.revision === null) return 'working tree';
  return `${r.revision}${r.commit ? ` (${r.commit.slice(0, 7)})` : ''}${r.exists ? '' : ' [directory absent]'}`;
}

/** `This change opens N paths and closes M.` */
export function diffHeadline(d: ConnectivityDiff): string {
  const n = d.summary.added;
  return `This change opens ${n} ${n === 1 ? 'path' : 'paths'} and closes ${d.summary.removed}.`;
}

function hasChanges(d: ConnectivityDiff): boolean {
  return (
    d.cells.length > 0 ||
    d.namespaces.length > 0 ||
    d.policies.added.length + d.policies.removed.length + d.policies.changed.length > 0 ||
    d.settings.length > 0 ||
    d.nodes.length > 0 ||
    d.columns.added.length + d.columns.removed.length > 0
  );
}

function policyName(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind}/${r.namespace === '' ? '' : `${r.namespace}/`}${r.name}`;
}

function arrow(c: DiffColumn): string {
  return c.direction === 'egress' ? '⇢' : '⇠';
}

function groups(cells: readonly CellChange[]): Map<string, CellChange[]> {
  const m = new Map<string, CellChange[]>();
  for (const c of cells) {
    const list = m.get(c.namespace);
    if (list) list.push(c);
    else m.set(c.namespace, [c]);
  }
  return m;
}

/** `was …` for a rule of the base revision, `now …` for one of the head. */
function ruleVerb(r: ResponsibleRule): string {
  const when = r.revision === 'base' ? 'was' : 'now';
  return r.role === 'allowed'
    ? `${when} allowed by`
    : r.role === 'denied'
      ? `${when} denied by`
      : `${when} default-deny, selected by`;
}

function ruleWhere(r: ResponsibleRule): string {
  return `${r.side} of ${r.endpoint}`;
}

function namespaceSentences(n: NamespaceChange): string[] {
  const out: string[] = [];
  if (n.change === 'added') {
    out.push(`namespace added${n.profile.after ? ` with profile ${n.profile.after}` : ''}`);
    for (const g of n.grants.added) out.push(`access grant ${g}`);
    if (n.escapeHatch.after) out.push('escape hatch on');
    return out;
  }
  if (n.change === 'removed') {
    out.push(`namespace removed${n.profile.before ? ` (profile ${n.profile.before})` : ''}`);
    return out;
  }
  if (n.profile.before !== n.profile.after) {
    out.push(`profile ${n.profile.before ?? '(none)'} → ${n.profile.after ?? '(none)'}`);
  }
  for (const g of n.grants.added) out.push(`access grant ${g} added`);
  for (const g of n.grants.removed) out.push(`access grant ${g} removed`);
  if (n.escapeHatch.before !== n.escapeHatch.after) {
    out.push(n.escapeHatch.after ? 'escape hatch turned on' : 'escape hatch turned off');
  }
  return out;
}

function policyLines(d: ConnectivityDiff): { mark: string; text: string; at: string }[] {
  const at = (p: PolicyChange) => `${p.file}:${p.line}`;
  return [
    ...d.policies.added.map((p) => ({ mark: '+', text: `added ${policyName(p)}`, at: at(p) })),
    ...d.policies.removed.map((p) => ({ mark: '-', text: `removed ${policyName(p)}`, at: at(p) })),
    ...d.policies.changed.map((p) => ({
      mark: '~',
      text: `changed ${policyName(p)} (${p.fields.join(', ')})`,
      at: at(p),
    })),
  ];
}

/** Whether any policy was added, removed or changed (its effect may lie outside the matrix columns). */
export function policiesChanged(d: ConnectivityDiff): boolean {
  return d.policies.added.length + d.policies.removed.length + d.policies.changed.length > 0;
}

/**
 * The headline when no matrix cell flips: "No connectivity change." only when no policy changed either;
 * otherwise it says that the matrix does not cover the change (labelled pods, other ports) and how to check.
 */
export function noFlipHeadline(d: ConnectivityDiff): string {
  const nodes = d.nodes.length;
  if (!policiesChanged(d) && nodes === 0) return 'No connectivity change.';
  const n = d.policies.added.length + d.policies.removed.length + d.policies.changed.length;
  const what = [
    n > 0 ? `${n} ${n === 1 ? 'policy changes' : 'policies change'}` : '',
    nodes > 0
      ? `${nodes} ${nodes === 1 ? "node's labels or addresses change" : "nodes' labels or addresses change"}`
      : '',
  ]
    .filter((x) => x !== '')
    .join(' and ');
  const covers =
    n > 0
      ? "the matrix covers pods without labels on the columns' ports only, so check the changed rules with netpol trace (or netpol test)"
      : 'the matrix has no node columns, so check flows from and to them with netpol trace remote-node@NODE or host@NODE (or netpol diff --flows)';
  return `No matrix cell flips, but ${what}: ${covers}.`;
}

/** A node change in words: `added (role=storage; 10.0.0.12)`, `label role: storage; address 10.0.0.9 removed`. */
export function nodeChangeText(n: NodeChange): string {
  const labels = Object.entries(n.labelsSet).map(([k, v]) => `${k}=${v}`);
  if (n.change !== 'changed') {
    const list = [...labels, ...(n.change === 'added' ? n.addressesAdded : n.addressesRemoved)];
    return `${n.change}${n.change === 'added' && list.length > 0 ? ` (${list.join('; ')})` : ''}`;
  }
  return [
    ...labels.map((l) => `label ${l}`),
    ...n.labelsRemoved.map((k) => `label ${k} removed`),
    ...n.addressesAdded.map((a) => `address ${a} added`),
    ...n.addressesRemoved.map((a) => `address ${a} removed`),
  ].join('; ');
}

/**
 * The diff as text: the headline, the flipped cells grouped by namespace with the rules responsible,
 * then namespace label, policy and setting changes. `No connectivity change.` when nothing changed.
 */
export function formatDiffText(d: ConnectivityDiff): string {
  let out = `netpol diff: ${revisionText(d.base)} → ${revisionText(d.head)}\n`;
  if (!hasChanges(d)) return `${out}No connectivity change.\n`;
  out += d.cells.length > 0 ? `${diffHeadline(d)}\n` : `${noFlipHeadline(d)}\n`;
  for (const [ns, cells] of groups(d.cells)) {
    const nc = d.namespaces.find((n) => n.namespace === ns);
    out += `\n${ns}${nc && nc.change !== 'changed' ? ` (${nc.change})` : ''}\n`;
    for (const c of cells) {
      const sign = c.after === 'allowed' ? '+' : '-';
      out += `  ${sign} ${arrow(c.column)} ${c.column.direction.padEnd(7)} ${c.column.title}  ${c.before} → ${c.after}\n`;
      for (const r of c.because) {
        const rule = r.role === 'selected' ? '' : ` ${r.rule}`;
        out += `      ${ruleVerb(r)} ${policyName(r)}${rule}  ${r.file}:${r.line}  (${ruleWhere(r)})\n`;
      }
    }
  }
  if (d.namespaces.length > 0) {
    out += '\nNamespaces:\n';
    for (const n of d.namespaces)
      out += `  ${n.namespace}: ${namespaceSentences(n).join('; ')}  ${n.file}:${n.line}\n`;
  }
  if (d.columns.added.length + d.columns.removed.length > 0) {
    out += '\nMatrix columns:\n';
    for (const c of d.columns.added) out += `  + ${c.id}  ${c.title}\n`;
    for (const c of d.columns.removed) out += `  - ${c.id}  ${c.title}\n`;
  }
  const pl = policyLines(d);
  if (pl.length > 0) {
    out += '\nPolicies:\n';
    for (const p of pl) out += `  ${p.mark} ${p.text}  ${p.at}\n`;
  }
  if (d.nodes.length > 0) {
    out += '\nNodes:\n';
    for (const n of d.nodes) out += `  ${n.node}: ${nodeChangeText(n)}\n`;
  }
  if (d.settings.length > 0) {
    out += '\nCluster settings:\n';
    for (const s of d.settings)
      out += `  ${s.setting}: ${JSON.stringify(s.before)} → ${JSON.stringify(s.after)}\n`;
  }
  return out;
}

/** Escapes text for a Markdown table cell or list item (pipes, HTML, emphasis characters). */
function md(text: string): string {
  return text.replace(/[\\`*_|<>[\]]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/** A code span that survives any content (GitHub Markdown). */
function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  const pad = ticks.length > 1 ? ' ' : '';
  return `${ticks}${pad}${text.replace(/\|/g, '\\|')}${pad}${ticks}`;
}

function stateMd(s: CellState): string {
  return s === 'allowed' ? '✅ allowed' : s === 'denied' ? '⛔ denied' : '➖ absent';
}

/**
 * The diff as a pull-request comment (GitHub-flavoured Markdown): a marker comment, a headline
 * `This change opens N paths and closes M.`, a table of flipped cells grouped by namespace (✅/⛔), and
 * collapsible details with the responsible rules and the namespace label and policy changes.
 * Nothing but `No connectivity change.` under the heading when nothing changed.
 */
export function formatDiffMarkdown(d: ConnectivityDiff): string {
  let out = `${DIFF_COMMENT_MARKER}\n### netpol diff: ${md(revisionText(d.base))} → ${md(revisionText(d.head))}\n\n`;
  if (d.cells.length === 0 && !policiesChanged(d) && d.nodes.length === 0) {
    out += 'No connectivity change.\n';
  } else if (d.cells.length === 0) {
    out += `**${noFlipHeadline(d)}**\n`;
  } else {
    out += `**${diffHeadline(d)}**\n\n`;
    out += '| namespace | direction | path | before | after |\n|---|---|---|---|---|\n';
    const grouped = groups(d.cells);
    let shown = 0;
    for (const [ns, cells] of grouped) {
      const nc = d.namespaces.find((n) => n.namespace === ns);
      const label = `${code(ns)}${nc && nc.change !== 'changed' ? ` (${nc.change})` : ''}`;
      for (const [i, c] of cells.entries()) {
        if (out.length > MARKDOWN_TABLE_BUDGET) break;
        out += `| ${i === 0 ? label : ''} | ${arrow(c.column)} ${c.column.direction} | ${md(c.column.title)} | ${stateMd(c.before)} | ${stateMd(c.after)} |\n`;
        shown++;
      }
    }
    if (shown < d.cells.length)
      out += `\n…and ${d.cells.length - shown} more; run \`netpol diff\` for the full list.\n`;
    out += '\n<details>\n<summary>Responsible rules</summary>\n\n';
    let explained = 0;
    let full = false;
    for (const [ns, cells] of grouped) {
      for (const c of cells) {
        if (full) break;
        let entry = `**${code(ns)}** ${arrow(c.column)} ${md(c.column.title)}: ${c.before} → ${c.after}\n`;
        if (c.because.length === 0) entry += '- no rule: a cluster setting or the namespace itself changed\n';
        for (const r of c.because) {
          entry += `- ${ruleVerb(r)} ${code(policyName(r))}${r.role === 'selected' ? '' : ` ${code(r.rule)}`} at ${code(`${r.file}:${r.line}`)} (${md(ruleWhere(r))})\n`;
        }
        if (out.length + entry.length > MARKDOWN_DETAILS_BUDGET) {
          full = true;
          break;
        }
        out += `${entry}\n`;
        explained++;
      }
    }
    if (explained < d.cells.length) {
      out += `…and ${d.cells.length - explained} more; run \`netpol diff\` for every rule.\n\n`;
    }
    out += '</details>\n';
  }
  const pl = policyLines(d);
  const other =
    d.namespaces.length +
    pl.length +
    d.settings.length +
    d.nodes.length +
    d.columns.added.length +
    d.columns.removed.length;
  if (other > 0) {
    const parts = [
      d.namespaces.length > 0
        ? `${d.namespaces.length} namespace${d.namespaces.length === 1 ? '' : 's'}`
        : '',
      pl.length > 0 ? `${pl.length} ${pl.length === 1 ? 'policy' : 'policies'}` : '',
      d.settings.length > 0
        ? `${d.settings.length} cluster setting${d.settings.length === 1 ? '' : 's'}`
        : '',
      d.nodes.length > 0 ? `${d.nodes.length} node${d.nodes.length === 1 ? '' : 's'}` : '',
    ].filter((p) => p !== '');
    out += `\n<details>\n<summary>Changed: ${parts.length > 0 ? parts.join(', ') : 'matrix columns'}</summary>\n\n`;
    const items = [
      ...d.namespaces.map(
        (n) =>
          `- ${code(n.namespace)}: ${md(namespaceSentences(n).join('; '))} (${code(`${n.file}:${n.line}`)})\n`,
      ),
      ...d.columns.added.map((c) => `- new matrix column ${code(c.id)}: ${md(c.title)}\n`),
      ...d.columns.removed.map((c) => `- matrix column ${code(c.id)} removed: ${md(c.title)}\n`),
      ...[...d.policies.added, ...d.policies.removed, ...d.policies.changed].map((p) => {
        const what = d.policies.added.includes(p)
          ? 'added'
          : d.policies.removed.includes(p)
            ? 'removed'
            : 'changed';
        const fields = p.fields.length > 0 ? ` (${p.fields.map(code).join(', ')})` : '';
        return `- ${what} ${code(policyName(p))}${fields} at ${code(`${p.file}:${p.line}`)}\n`;
      }),
      ...d.nodes.map((n) => `- node ${code(n.node)}: ${md(nodeChangeText(n))}\n`),
      ...d.settings.map(
        (s) =>
          `- cluster setting ${code(s.setting)}: ${code(JSON.stringify(s.before))} → ${code(JSON.stringify(s.after))}\n`,
      ),
    ];
    let listed = 0;
    for (const item of items) {
      if (out.length + item.length > MARKDOWN_TOTAL_BUDGET) break;
      out += item;
      listed++;
    }
    if (listed < items.length)
      out += `- …and ${items.length - listed} more; run \`netpol diff\` for the full list.\n`;
    out += '\n</details>\n';
  }
  return out;
}

/**
 * The diff as JSON: `{base, head, summary: {added, removed}, namespaces, cells: [{namespace, column,
 * before, after, because}], columns: {added, removed}, policies: {added, removed, changed}, settings, nodes}`.
 */
export function diffJson(d: ConnectivityDiff) {
  return {
    base: d.base,
    head: d.head,
    summary: d.summary,
    namespaces: d.namespaces,
    cells: d.cells.map((c) => ({
      namespace: c.namespace,
      column: c.column,
      before: c.before,
      after: c.after,
      because: c.because,
    })),
    columns: d.columns,
    policies: d.policies,
    settings: d.settings,
    nodes: d.nodes,
  };
}
