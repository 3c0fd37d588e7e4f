import type { AccessNewResult } from '../../workflows/authoring/access-new.js';
import type { InitResult } from '../../workflows/authoring/init.js';
import type { NamespaceSetResult, Refusal } from '../../workflows/authoring/namespace-set.js';
import type { EngineCheck } from '../../workflows/authoring/platform-namespace.js';
import type { PlatformNewResult } from '../../workflows/authoring/platform-new.js';
import type { ProfileSuggestion } from '../../workflows/authoring/profile-suggest.js';
import { formatPort } from '../../workflows/authoring/render.js';
import type { FileChange } from '../../workflows/authoring/working-tree.js';

/** `error: …` and `hint: …` lines for a refusal (printed on stderr). */
export function formatRefusal(refusal: Refusal): string {
  return `error: ${refusal.message}\nhint: ${refusal.hint}\n`;
}

function writtenLine(files: readonly FileChange[], written: boolean): string {
  if (files.length === 0) return 'nothing to change\n';
  const created = files.filter((f) => f.before === null).length;
  const counts = `${created} created, ${files.length - created} changed`;
  return written
    ? `wrote ${files.length} file(s): ${counts}\n`
    : `dry run: nothing written (without --dry-run: ${counts})\n`;
}

/** Whether every check that is the command's own promise holds. */
export function checksPassed(checks: readonly EngineCheck[]): boolean {
  return checks.every((c) => c.severity !== 'error' || c.verdict === c.expected);
}

/** One line per engine check: `✓`, `✗` (failed promise) or `!` (another policy must change), with hints. */
export function formatChecks(checks: readonly EngineCheck[]): string {
  if (checks.length === 0) return '';
  let out = 'checked with the engine:\n';
  for (const c of checks) {
    const ok = c.verdict === c.expected;
    const mark = ok ? '✓' : c.severity === 'error' ? '✗' : '!';
    out += `  ${mark} ${c.description}: ${c.verdict}${ok ? '' : ` (expected ${c.expected})`}\n`;
    if (!ok && c.hint) out += `      hint: ${c.hint}\n`;
  }
  return out;
}

function checksJson(checks: readonly EngineCheck[]) {
  return checks.map((c) => ({
    description: c.description,
    from: c.from,
    to: c.to,
    port: c.port,
    protocol: c.protocol,
    side: c.side,
    severity: c.severity,
    expected: c.expected,
    verdict: c.verdict,
    passed: c.verdict === c.expected,
    ...(c.hint ? { hint: c.hint } : {}),
  }));
}

/** `netpol init` as text: one line per file that is not unchanged, then a summary. */
export function formatInitText(r: InitResult): string {
  const count = (s: string) => r.files.filter((f) => f.status === s).length;
  const conflicts = r.files.filter((f) => f.status === 'conflict');
  let out = '';
  if (conflicts.length > 0) {
    out += `${conflicts.length} file(s) differ from what netpol init writes; nothing was written:\n`;
    for (const f of conflicts) out += `  ${f.path}\n`;
    return out;
  }
  for (const f of r.files) if (f.status !== 'unchanged') out += `${f.status.padEnd(12)}${f.path}\n`;
  const summary = `${count('created')} created, ${count('updated')} updated, ${count('overwritten')} overwritten, ${count('unchanged')} unchanged`;
  if (count('unchanged') === r.files.length) return `nothing to change: ${r.files.length} files unchanged\n`;
  return `${out}${r.written ? '' : 'dry run: nothing written; '}${summary}\n`;
}

/** `netpol init -o json`. */
export function initJson(r: InitResult) {
  return {
    root: r.root,
    options: {
      ...r.options,
      sharedResources: r.options.sharedResources.map((s) => ({ ...s, port: formatPort(s.port) })),
    },
    configRead: r.configRead,
    written: r.written,
    files: r.files.map((f) => ({ path: f.path, status: f.status })),
  };
}

/** `netpol profile suggest` as text: the profile, the answers that led to it, the labels to commit. */
export function formatProfileText(s: ProfileSuggestion): string {
  let out = `profile: ${s.profile}\n\nwhy (the seed's decision tree):\n`;
  for (const a of s.answers) {
    out += `  ${a.step}. ${a.question} ${a.answer ? 'yes' : 'no'}${a.step === s.step ? `  → ${s.seedProfile}` : ''}\n`;
  }
  out += `  ${s.seedProfile}: ingress ${s.row.ingress}, egress ${s.row.egress} (use case: ${s.row.useCase})\n`;
  if (s.match.by === 'behaviour' && s.profile !== s.seedProfile) {
    out += `  the repository calls it "${s.profile}" (it admits the same flows)\n`;
  }
  if (s.match.note) out += `  note: ${s.match.note}\n`;
  out += '\nnamespace labels to commit:\n  metadata:\n    labels:\n';
  for (const [k, v] of Object.entries(s.labels)) out += `      ${k}: ${v}\n`;
  out += `\nor: netpol namespace set <namespace> --profile ${s.profile}\n`;
  return out;
}

/** `netpol profile suggest -o json`. */
export function profileJson(s: ProfileSuggestion) {
  return {
    profile: s.profile,
    seedProfile: s.seedProfile,
    step: s.step,
    answers: s.answers,
    row: s.row,
    domain: s.domain,
    label: s.label,
    labels: s.labels,
    match: s.match,
  };
}

/** `netpol namespace set` as text: the diff and what was written. */
export function formatNamespaceSetText(r: NamespaceSetResult): string {
  if (r.files.length === 0) return `namespace/${r.namespace} already has these labels; nothing to change\n`;
  return `${r.diff}${writtenLine(r.files, r.written)}`;
}

/** `netpol namespace set -o json`. */
export function namespaceSetJson(r: NamespaceSetResult) {
  return {
    namespace: r.namespace,
    file: r.file,
    created: r.created,
    written: r.written,
    changes: r.changes,
    files: r.files.map((f) => f.path),
    diff: r.diff,
    ...(r.refusal ? { refusal: r.refusal } : {}),
  };
}

/** `netpol platform new` as text: the diff, what was written and the engine's checks. */
export function formatPlatformNewText(r: PlatformNewResult): string {
  return `${r.diff}${writtenLine(r.files, r.written)}${formatChecks(r.checks)}`;
}

/** `netpol platform new -o json`. */
export function platformNewJson(r: PlatformNewResult) {
  return {
    namespace: r.namespace,
    policy: r.policy,
    file: r.file,
    written: r.written,
    files: r.files.map((f) => f.path),
    diff: r.diff,
    checks: checksJson(r.checks),
    ...(r.refusal ? { refusal: r.refusal } : {}),
  };
}

/** `netpol access new` as text: the diff, what was written and the engine's proof. */
export function formatAccessNewText(r: AccessNewResult): string {
  return `${r.diff}${writtenLine(r.files, r.written)}${formatChecks(r.checks)}`;
}

/** `netpol access new -o json`. */
export function accessNewJson(r: AccessNewResult) {
  return {
    name: r.name,
    label: r.label,
    namespace: r.namespace,
    port: formatPort(r.port),
    clientFile: r.clientFile,
    serverFile: r.serverFile,
    serverCreated: r.serverCreated,
    written: r.written,
    files: r.files.map((f) => f.path),
    diff: r.diff,
    checks: checksJson(r.checks),
    ...(r.refusal ? { refusal: r.refusal } : {}),
  };
}
