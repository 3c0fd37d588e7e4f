import type { Command } from 'commander';
import { discoverNamespace } from '../../workflows/flows/discover.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { addOutputFlag, addRepoFlags, layoutOf, type RepoFlags } from '../options.js';
import { addHubbleFlags, flowSourceOf, type HubbleFlags, namespaceArgument } from '../options-hubble.js';
import { formatFlowDiagnostics } from '../output/diagnostics.js';
import { discoverJson, formatDiscoverText } from '../output/discover.js';

interface DiscoverFlags extends RepoFlags, HubbleFlags {
  output: 'text' | 'wide' | 'json';
}

/** `netpol discover NS`: the least privileged profile and access grants for the flows a namespace was seen making. */
export function registerDiscover(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('discover')
    .description(
      'recommend the least privileged profile and access grants for a namespace from flows observed while its enforcement was disabled',
    )
    .argument('<namespace>', 'the namespace the flows were observed for', namespaceArgument);
  addHubbleFlags(cmd);
  addRepoFlags(cmd);
  addOutputFlag(cmd, ['text', 'wide', 'json'], 'text');
  cmd.action(async (namespace: string, flags: DiscoverFlags) => {
    const { input, filter } = flowSourceOf(flags, ctx.io);
    const loaded = await loadRepoForCommand(flags, ctx);
    const report = await discoverNamespace(loaded, { namespace, input, filter });
    ctx.io.stderr(formatFlowDiagnostics(report));
    if (report.flows.length === 0) {
      // Never recommend stripping a namespace to the least privileged profile from an absence of data.
      ctx.io.stderr(
        `error: no flows of namespace "${namespace}" were observed in ${report.source}: no recommendation\nhint: check the namespace name, --since/--last, and that the capture was taken while the namespace had traffic\n`,
      );
      ctx.exit(ExitCode.Findings);
      return;
    }
    if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(discoverJson(report), null, 2)}\n`);
    else ctx.io.stdout(formatDiscoverText(report, layoutOf(ctx.io, flags.output)));
    if (report.unallowed.length > 0) ctx.exit(ExitCode.Findings);
  });
}
