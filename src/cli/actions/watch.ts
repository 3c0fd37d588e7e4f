import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { readRepoConfig, selectClusters } from '../../workflows/live/cluster-state.js';
import { jsonLinesLogger } from '../../workflows/watch/log.js';
import { startWatch } from '../../workflows/watch/watch.js';
import type { WatchFlags } from '../commands/watch.js';
import type { CommandContext } from '../context.js';
import { repoOptionsOf } from '../options.js';
import { connectCluster } from '../options-cluster.js';
import { relayOptionsOf } from '../options-hubble.js';

/** The action of `netpol watch`, loaded when the command runs (its registration is in commands/watch.ts). */
export async function watchAction(flags: WatchFlags, ctx: CommandContext): Promise<void> {
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
}

function listenAddress(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]*):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`"${value}" is not HOST:PORT (e.g. 0.0.0.0:9090).`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}
