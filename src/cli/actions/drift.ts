import { loadForAnalysis } from '../../workflows/analysis/load.js';
import { selectClusters } from '../../workflows/live/cluster-state.js';
import { compareLoaded } from '../../workflows/live/drift.js';
import type { DriftFlags } from '../commands/drift.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { repoOptionsOf } from '../options.js';
import { connectCluster } from '../options-cluster.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { formatDriftMarkdown, formatDriftText } from '../output/live.js';

/** The action of `netpol drift`, loaded when the command runs (its registration is in commands/drift.ts). */
export async function driftAction(flags: DriftFlags, ctx: CommandContext): Promise<void> {
  const git = await loadForAnalysis(repoOptionsOf(flags, ctx.io));
  ctx.io.stderr(formatDiagnostics(git.diagnostics.filter((d) => d.severity !== 'info')));
  if (hasInputErrors(git.diagnostics)) ctx.exit(ExitCode.Error);
  const targets = await Promise.all(
    selectClusters(git.repo.config, flags.context ?? [], true).map((t) => connectCluster(flags, ctx.io, t)),
  );
  const result = await compareLoaded(git, targets);
  if (flags.output === 'json') ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (flags.output === 'markdown') ctx.io.stdout(formatDriftMarkdown(result));
  else ctx.io.stdout(formatDriftText(result));
  if (result.drifted) ctx.exit(ExitCode.Findings);
}
