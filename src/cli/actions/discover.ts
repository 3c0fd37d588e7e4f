import { discoverNamespace } from '../../workflows/flows/discover.js';
import type { DiscoverFlags } from '../commands/discover.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadRepoForCommand } from '../load.js';
import { layoutOf } from '../options.js';
import { flowSourceOf } from '../options-hubble.js';
import { formatFlowDiagnostics } from '../output/diagnostics.js';
import { discoverJson, formatDiscoverText } from '../output/discover.js';

/** The action of `netpol discover`, loaded when the command runs (its registration is in commands/discover.ts). */
export async function discoverAction(
  namespace: string,
  flags: DiscoverFlags,
  ctx: CommandContext,
): Promise<void> {
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
}
