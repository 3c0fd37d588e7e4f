import { InvalidArgumentError } from 'commander';
import { readRepoConfig, selectClusters } from '../../workflows/live/cluster-state.js';
import { type NamespaceStatus, namespaceStatus } from '../../workflows/live/status.js';
import type { StatusFlags } from '../commands/status.js';
import type { CommandContext } from '../context.js';
import { repoOptionsOf } from '../options.js';
import { connectCluster } from '../options-cluster.js';
import { formatStatusText } from '../output/live.js';

/** The action of `netpol status`, loaded when the command runs (its registration is in commands/status.ts). */
export async function statusAction(ns: string, flags: StatusFlags, ctx: CommandContext): Promise<void> {
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
}
