import { type Command, InvalidArgumentError } from 'commander';
import { readRepoConfig, selectClusters } from '../../workflows/live/cluster-state.js';
import { type NamespaceStatus, namespaceStatus } from '../../workflows/live/status.js';
import type { CommandContext } from '../context.js';
import { addOutputFlag, addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { addClusterFlags, type ClusterFlags, connectCluster } from '../options-cluster.js';
import { namespaceArgument } from '../options-hubble.js';
import { formatStatusText } from '../output/live.js';

interface StatusFlags extends RepoFlags, ClusterFlags {
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
  cmd.action(async (ns: string, flags: StatusFlags) => {
    const options = { ...repoOptionsOf(flags, ctx.io), namespace: ns };
    const results: NamespaceStatus[] = [];
    if (!flags.live) {
      if (flags.context !== undefined) throw new InvalidArgumentError('--context needs --live.');
      results.push(await namespaceStatus(options, undefined));
    } else {
      const targets = selectClusters(readRepoConfig(options.root ?? ctx.io.cwd), flags.context ?? [], false);
      for (const t of targets)
        results.push(await namespaceStatus(options, await connectCluster(flags, ctx.io, t)));
    }
    if (flags.output === 'json') {
      ctx.io.stdout(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    } else ctx.io.stdout(results.map(formatStatusText).join('\n'));
  });
}
