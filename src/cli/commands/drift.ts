import type { Command } from 'commander';
import { loadForAnalysis } from '../../workflows/analysis/load.js';
import { selectClusters } from '../../workflows/live/cluster-state.js';
import { compareLoaded } from '../../workflows/live/drift.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { addOutputFlag, addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { addClusterFlags, type ClusterFlags, connectCluster } from '../options-cluster.js';
import { formatDiagnostics, hasInputErrors } from '../output/diagnostics.js';
import { formatDriftMarkdown, formatDriftText } from '../output/live.js';

interface DriftFlags extends RepoFlags, ClusterFlags {
  output: 'text' | 'json' | 'markdown';
}

/** `netpol drift`: git against each cluster; exit 1 on drift (the scheduled CI check). */
export function registerDrift(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('drift')
    .description(
      'compare git with the cluster(s): namespace labels, policies (and who changed them), and the connectivity consequence; exit 1 on drift',
    );
  addRepoFlags(cmd);
  addClusterFlags(cmd, true);
  addOutputFlag(cmd, ['text', 'json', 'markdown'], 'text');
  cmd.action(async (flags: DriftFlags) => {
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
  });
}
