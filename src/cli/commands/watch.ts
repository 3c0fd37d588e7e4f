import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { readRepoConfig, selectClusters } from '../../workflows/live/cluster-state.js';
import { jsonLinesLogger } from '../../workflows/watch/log.js';
import { startWatch } from '../../workflows/watch/watch.js';
import type { CommandContext } from '../context.js';
import { addRepoFlags, type RepoFlags, repoOptionsOf } from '../options.js';
import { addClusterFlags, type ClusterFlags, connectCluster } from '../options-cluster.js';
import { addRelayFlags, type RelayFlags, relayOptionsOf } from '../options-hubble.js';

interface WatchFlags extends RepoFlags, RelayFlags, ClusterFlags {
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

function listenAddress(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]*):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`"${value}" is not HOST:PORT (e.g. 0.0.0.0:9090).`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
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
  cmd.action(async (flags: WatchFlags) => {
    if (flags.filename) {
      throw new InvalidArgumentError(
        'watch reads a repository directory it keeps reloading; -f/--filename cannot be combined with it.',
      );
    }
    const listen = listenAddress(flags.listen);
    const repo = repoOptionsOf(flags, ctx.io);
    // Without --server the watcher follows its default Relay and says so in its first log line.
    const { server, ...relayRest } = relayOptionsOf(flags, ctx.io);
    const relay = flags.server === undefined ? relayRest : { server, ...relayRest };
    const root = repo.root ?? ctx.io.cwd;
    const stopRequests = new AbortController();
    const clusterWanted = flags.live || flags.kubeconfig !== undefined || flags.context !== undefined;
    const cluster = clusterWanted
      ? await connectCluster(
          flags,
          ctx.io,
          selectClusters(readRepoConfig(root), flags.context ?? [], false)[0] ?? {
            name: 'current-context',
            context: undefined,
            environment: undefined,
          },
          stopRequests.signal,
        )
      : undefined;
    const handle = await startWatch({
      root,
      ...(repo.vars !== undefined && { vars: repo.vars }),
      ...(repo.settings !== undefined && { settings: repo.settings }),
      relay,
      listen,
      ...(flags.allFlows && { allFlows: true }),
      ...(flags.maxGroups !== undefined && { maxGroups: flags.maxGroups }),
      ...(flags.maxLabelSets !== undefined && { maxLabelSets: flags.maxLabelSets }),
      pollIntervalMs: flags.pollInterval * 1000,
      ...(flags.record !== undefined && {
        record: {
          file: path.resolve(ctx.io.cwd, flags.record),
          ...(flags.recordMaxBytes !== undefined && { maxBytes: flags.recordMaxBytes }),
          ...(flags.recordKeep !== undefined && { keep: flags.recordKeep }),
          ...(flags.recordInterval !== undefined && { intervalMs: flags.recordInterval * 1000 }),
        },
      }),
      ...(cluster && { cluster: { cluster, intervalMs: flags.clusterInterval * 1000 } }),
      log: jsonLinesLogger(ctx.io.stdout),
    });
    await new Promise<void>((resolve) => {
      const onStop = ctx.io.onStopSignal;
      if (!onStop) return;
      onStop(() => {
        stopRequests.abort();
        void handle.stop().then(resolve);
      });
    });
  });
}
