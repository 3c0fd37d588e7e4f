import { InvalidArgumentError } from 'commander';
import { relayErrorText } from '../../hubble/relay-error-text.js';
import { applyDropFixes, findDrops } from '../../workflows/flows/drops.js';
import type { DropsFlags } from '../commands/drops.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { layoutOf } from '../options.js';
import { flowSourceOf } from '../options-hubble.js';
import { formatFlowDiagnostics } from '../output/diagnostics.js';
import { dropGroupJson, dropsJson, formatDropGroupLine, formatDropsText } from '../output/drops.js';

/** The action of `netpol drops`, loaded when the command runs (its registration is in commands/drops.ts). */
export async function dropsAction(
  namespace: string | undefined,
  flags: DropsFlags,
  ctx: CommandContext,
): Promise<void> {
  if (flags.fix && flags.filename) {
    throw new InvalidArgumentError(
      '--fix edits the repository tree; it cannot be combined with -f/--filename.',
    );
  }
  if (flags.fix && flags.follow) {
    throw new InvalidArgumentError('--fix needs the complete report: it cannot be combined with --follow.');
  }
  const { input, filter } = flowSourceOf(flags, ctx.io, namespace === undefined ? [] : [namespace]);
  const loaded = await loadRepoForCommand(flags, ctx);
  const follow = flags.follow === true;
  // A followed Relay stream never ends by itself: a stop (Ctrl-C, or the reader of stdout gone) ends it, and
  // the report of what was seen decides the exit code.
  const stop = new AbortController();
  const removeStop = follow && input.kind === 'relay' ? ctx.io.onStopSignal?.(() => stop.abort()) : undefined;
  const report = await findDrops(loaded, {
    input: input.kind === 'relay' && follow ? { ...input, signal: stop.signal } : input,
    filter,
    ...(follow && {
      onGroup: (group) =>
        ctx.io.stdout(
          flags.output === 'json' ? `${JSON.stringify(dropGroupJson(group))}\n` : formatDropGroupLine(group),
        ),
    }),
    onRetry: (attempt, delayMs, error) =>
      ctx.io.stderr(
        `warning: lost the connection to ${input.kind === 'relay' ? `Hubble Relay at ${input.server}` : 'the flow source'} (${relayErrorText(error)}); retrying in ${formatDelay(delayMs)} (attempt ${attempt})\n`,
      ),
  });
  removeStop?.();
  ctx.io.stderr(formatFlowDiagnostics(report));
  const outcome = flags.fix ? applyDropFixes(loaded, report) : undefined;
  // With --follow, JSON output is one object per line: the groups as they came, then the report.
  if (flags.output === 'json') {
    ctx.io.stdout(`${JSON.stringify(dropsJson(report, outcome), null, follow ? undefined : 2)}\n`);
  } else
    ctx.io.stdout(`${follow ? '\n' : ''}${formatDropsText(report, outcome, layoutOf(ctx.io, flags.output))}`);
  if (report.groups.length > 0) ctx.exit(ExitCode.Findings);
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${ms}ms`;
}
