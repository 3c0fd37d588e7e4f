import { InvalidArgumentError } from 'commander';
import type { Diagnostic } from '../../errors.js';
import { diffRevisions } from '../../workflows/analysis/diff.js';
import { describeFlowInput } from '../../workflows/flows/flow-source.js';
import { replayRevisions } from '../../workflows/flows/replay.js';
import type { DiffFlags } from '../commands/diff.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { repoOptionsOf } from '../options.js';
import { flowSourceOf } from '../options-hubble.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { diffJson, formatDiffMarkdown, formatDiffText } from '../output/diff.js';
import { formatReplayMarkdown, formatReplayText, replayJson } from '../output/replay.js';

/** The action of `netpol diff`, loaded when the command runs (its registration is in commands/diff.ts). */
export async function diffAction(flags: DiffFlags, ctx: CommandContext): Promise<void> {
  if (flags.filename !== undefined) {
    throw new InvalidArgumentError(
      'diff reads both revisions from git: -f/--filename cannot be used with it.',
    );
  }
  if (flags.flows === undefined) {
    for (const [flag, set] of [
      ['--since', flags.since !== undefined],
      ['--until', flags.until !== undefined],
      ['--fail-on-break', flags.failOnBreak === true],
    ] as const) {
      if (set)
        throw new InvalidArgumentError(
          `${flag} applies to --flows: give the observed traffic with --flows FILE.`,
        );
    }
  }
  const options = repoOptionsOf(flags, ctx.io);
  const diffOptions = {
    root: options.root ?? ctx.io.cwd,
    base: flags.base,
    ...(flags.head !== undefined ? { head: flags.head } : {}),
    ...(options.vars !== undefined ? { vars: options.vars } : {}),
    ...(options.settings !== undefined ? { settings: options.settings } : {}),
    // Both revisions are read with the same cluster (`cluster.path` of the config otherwise, per side).
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
  };
  const source = flags.flows === undefined ? undefined : flowSourceOf(flags, ctx.io);
  const replayed = source ? await replayRevisions({ ...diffOptions, ...source }) : undefined;
  const diff = replayed ? replayed.diff : await diffRevisions(diffOptions);
  const flowsName = source ? describeFlowInput(source.input) : '';
  if (replayed)
    ctx.io.stderr(formatDiagnostics(replayed.traffic.diagnostics, replayed.traffic.diagnosticsOmitted));
  const { base, head } = diff.diagnostics;
  ctx.io.stderr(formatDiagnostics(visible(head)));
  const headKeys = new Set(head.map(diagnosticKey));
  const baseOnly = visible(base).filter((d) => !headKeys.has(diagnosticKey(d)));
  if (baseOnly.length > 0) {
    ctx.io.stderr(
      formatDiagnostics(baseOnly)
        .split('\n')
        .map((l) => (l === '' ? l : `[base ${flags.base}] ${l}`))
        .join('\n'),
    );
  }
  if (hasInputErrors(head)) ctx.exit(ExitCode.Error);
  const replay = replayed?.replay;
  if (flags.output === 'json') {
    const json = replay ? { ...diffJson(diff), replay: replayJson(replay, flowsName) } : diffJson(diff);
    ctx.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  } else if (flags.output === 'markdown') {
    // GitHub rejects comments over 65,536 characters: the replay gets what the diff leaves.
    const comment = formatDiffMarkdown(diff);
    const budget = Math.max(1_500, 65_400 - comment.length);
    ctx.io.stdout(comment + (replay ? formatReplayMarkdown(replay, flowsName, budget) : ''));
  } else ctx.io.stdout(formatDiffText(diff) + (replay ? formatReplayText(replay, flowsName) : ''));
  // A path opens when a cell flips to allowed; a policy change that adds an allow element or drops a
  // deny (PolicyChange.mayOpen) may open paths the matrix does not show, so it counts too.
  const p = diff.policies;
  const mayOpen = [...p.added, ...p.removed, ...p.changed].some((c) => c.mayOpen);
  if (flags.failOnOpen && (diff.summary.added > 0 || mayOpen)) ctx.exit(ExitCode.Findings);
  if (flags.failOnBreak && replay && replay.newlyDenied.length > 0) ctx.exit(ExitCode.Findings);
}

function visible(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity !== 'info');
}

function diagnosticKey(d: Diagnostic): string {
  return `${d.code}\u0000${d.source?.file ?? ''}\u0000${d.message}`;
}
