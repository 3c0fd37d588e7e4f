import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import { addClusterFlags, type ClusterFlags } from '../options-cluster.js';

export interface DriftFlags extends RepoFlags, ClusterFlags {
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
  cmd.action(async (flags: DriftFlags) => (await import('../actions/drift.js')).driftAction(flags, ctx));
}
