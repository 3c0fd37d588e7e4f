import { type Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from '../context.js';
import { addRepoFlags, type RepoFlags } from '../options.js';
import { addClusterFlags, type ClusterFlags } from '../options-cluster.js';
import { addRelayFlags, type RelayFlags } from '../options-hubble.js';

export interface WatchFlags extends RepoFlags, RelayFlags, ClusterFlags {
  live?: boolean;
  clusterInterval: number;
  listen: string;
  allFlows?: boolean;
  maxGroups?: number;
  maxLabelSets?: number;
  pollInterval: number;
  record?: string;
  recordMaxBytes?: number;
  recordKeep?: number;
  recordInterval?: number;
}

function positiveInteger(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n > 0))
    throw new InvalidArgumentError(`"${value}" is not a positive whole number.`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`"${value}" is not a positive number of seconds.`);
  return n;
}

/** `netpol watch`: follow Hubble Relay in the cluster, diagnose drops as they happen, serve metrics. */
export function registerWatch(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('watch')
    .description(
      'follow Hubble Relay, diagnose every policy drop against the repository (kept current), and serve /metrics, /drops, /healthz and /readyz',
    )
    .option('--listen <host:port>', 'address of the HTTP endpoints', '0.0.0.0:9090')
    .option('--all-flows', 'follow every flow, not only drops (for --record)')
    .option('--max-groups <n>', 'drop groups kept (default: 10000)', positiveInteger)
    .option(
      '--max-label-sets <n>',
      'label sets of netpol_policy_drops_total (default: 1000)',
      positiveInteger,
    )
    .option('--poll-interval <seconds>', 'how often the repository is checked for changes', seconds, 5)
    .option(
      '--record <file>',
      'keep a traffic summary in FILE (JSON lines, readable by netpol discover --flows)',
    )
    .option(
      '--record-max-bytes <n>',
      'rotate the summary beyond this size (default: 67108864)',
      positiveInteger,
    )
    .option('--record-keep <n>', 'rotated summaries kept (default: 3)', positiveInteger)
    .option('--record-interval <seconds>', 'how often the summary is written (default: 60)', seconds)
    .option(
      '--live',
      'read the cluster (read-only role) for escape-hatch namespaces and drift; implied by --kubeconfig or --context',
    )
    .option('--cluster-interval <seconds>', 'how often the cluster is read', seconds, 60);
  addRelayFlags(cmd);
  addClusterFlags(cmd, false);
  addRepoFlags(cmd);
  cmd.action(async (flags: WatchFlags) => (await import('../actions/watch.js')).watchAction(flags, ctx));
}
