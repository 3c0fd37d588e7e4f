import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags } from '../options.js';
import { addClusterFlags, type ClusterFlags } from '../options-cluster.js';
import { namespaceArgument } from '../options-hubble.js';

export interface StatusFlags extends RepoFlags, ClusterFlags {
  live?: boolean;
  output: 'text' | 'json';
}

/** `netpol status NS [--live]`: the seed's "Check Policy Status" in one view. */
export function registerStatus(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('status')
    .description(
      "a namespace's profile, access grants, enforcement, the policies selecting its pods and its matrix row; --live compares with the cluster",
    )
    .argument('<namespace>', 'the namespace', namespaceArgument)
    .option(
      '--live',
      'also read the cluster: its labels, and whether each policy is present, absent or different',
    );
  addRepoFlags(cmd);
  addClusterFlags(cmd, true);
  addOutputFlag(cmd, ['text', 'json'], 'text');
  cmd.action(async (ns: string, flags: StatusFlags) =>
    (await import('../actions/status.js')).statusAction(ns, flags, ctx),
  );
}
