import { type Command, InvalidArgumentError } from 'commander';
import { relayErrorText } from '../../hubble/relay-error-text.js';
import { applyDropFixes, findDrops } from '../../workflows/flows/drops.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { addOutputFlag, addRepoFlags, layoutOf, type RepoFlags } from '../options.js';
import { addHubbleFlags, flowSourceOf, type HubbleFlags, namespaceArgument } from '../options-hubble.js';
import { formatFlowDiagnostics } from '../output/diagnostics.js';
import { dropGroupJson, dropsJson, formatDropGroupLine, formatDropsText } from '../output/drops.js';

interface DropsFlags extends RepoFlags, HubbleFlags {
  output: 'text' | 'wide' | 'json';
  fix?: boolean;
}

/** `netpol drops [NS]`: Hubble's policy drops grouped, each with its cause and the git change that fixes it. */
export function registerDrops(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('drops')
    .description(
      'group the policy drops Hubble saw and give each its cause and the git change that allows it (--fix writes the label changes)',
    )
    .argument('[namespace]', 'only flows from or to this namespace (like -n)', namespaceArgument)
    .option('--fix', 'write the label fixes (access grants, profile switches) into the namespace manifests');
  addHubbleFlags(cmd, { filters: true, follow: true });
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (namespace: string | undefined, flags: DropsFlags) => {
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
    const removeStop =
      follow && input.kind === 'relay' ? ctx.io.onStopSignal?.(() => stop.abort()) : undefined;
    const report = await findDrops(loaded, {
      input: input.kind === 'relay' && follow ? { ...input, signal: stop.signal } : input,
      filter,
      ...(follow && {
        onGroup: (group) =>
          ctx.io.stdout(
            flags.output === 'json'
              ? `${JSON.stringify(dropGroupJson(group))}\n`
              : formatDropGroupLine(group),
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
      ctx.io.stdout(
        `${follow ? '\n' : ''}${formatDropsText(report, outcome, layoutOf(ctx.io, flags.output))}`,
      );
    if (report.groups.length > 0) ctx.exit(ExitCode.Findings);
  });
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${ms}ms`;
}
