import { buildFlowFilter } from '../../hubble/filter.js';
import type { ObserveFlowsOptions, RetryOptions } from '../../hubble/relay-client.js';
import { relayErrorText } from '../../hubble/relay-error-text.js';
import type { HubbleFlow, NonFlowEvent } from '../../hubble/types.js';
import type { ClusterSettings } from '../../repo/model.js';
import { DropGrouper } from '../flows/drops.js';
import { dropGroupJson, dropsJson } from '../flows/drops-json.js';
import { describeFix } from '../flows/fix-search.js';
import { emptyFlowSourceStats, type FlowSourceStats } from '../flows/flow-source.js';
import type { ConnectedCluster } from '../live/cluster-state.js';
import { ClusterTracker } from './cluster.js';
import { logEvent, type WatchLogger } from './log.js';
import type { WatchMetrics } from './metrics.js';
import { TrafficRecorder } from './record.js';
import { RepositoryFollower, type RepositoryLoad } from './repository.js';
import { type HttpAnswer, type RunningHttpServer, startHttpServer } from './server.js';

/** The Relay followed when none is given: hubble's default, as for a port-forward. */
const DEFAULT_RELAY = 'localhost:4245';

/** Where and how to reach Hubble Relay (the flags of `hubble observe`, as {@link observeFlows} takes them). */
export type WatchRelayOptions = Pick<
  ObserveFlowsOptions,
  'server' | 'tls' | 'tlsCaCertFiles' | 'tlsServerName' | 'tlsClientCertFile' | 'tlsClientKeyFile'
>;

/** Options of {@link startWatch}. */
export interface WatchOptions {
  /** Repository root (a directory a git-sync sidecar or Flux artifact keeps current). */
  readonly root: string;
  /** Flux post-build variables. Default: none. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Overrides of `netpol.config.yaml` `cluster:` settings. Default: none. */
  readonly settings?: Partial<ClusterSettings>;
  /** The Relay. Default: `localhost:4245` without TLS. */
  readonly relay?: WatchRelayOptions;
  /** Address of the HTTP endpoints. Default: `{ host: '0.0.0.0', port: 9090 }`. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Follow every flow (for `record`), not only drops (the server-side filter). Default: `false`. */
  readonly allFlows?: boolean;
  /**
   * Drop groups kept; drops of later groups are neither diagnosed nor listed, only counted (`/drops`
   * `skipped.overflow`, `netpol_policy_drop_groups_overflow_total`). Default: `10_000`.
   */
  readonly maxGroups?: number;
  /** Label sets of `netpol_policy_drops_total` (later ones count in the overflow counter). Default: `1000`. */
  readonly maxLabelSets?: number;
  /** How often the repository directory is checked for changes, in ms. Default: `5000`. */
  readonly pollIntervalMs?: number;
  /** Backoff of Relay reconnections. Default: 500 ms doubling to 30 s, forever. */
  readonly retry?: Omit<RetryOptions, 'maxAttempts'>;
  /** Keep a traffic summary (see {@link TrafficRecorder}); `intervalMs` is how often it is written. Default: none. */
  readonly record?: {
    readonly file: string;
    readonly maxBytes?: number;
    readonly keep?: number;
    readonly maxEntries?: number;
    readonly intervalMs?: number;
  };
  /** Export prom-client's process metrics. Default: `true`. */
  readonly processMetrics?: boolean;
  /**
   * Cluster access (the read-only role): track the namespaces whose enforcement is off and the drift between the
   * served revision and the cluster ({@link ClusterTracker}), read every `intervalMs` (default `60000`) and after
   * each new revision. Give the client an abort signal that the caller aborts on stop, so a hung request does not
   * hold the process. Default: none (no cluster metrics).
   */
  readonly cluster?: { readonly cluster: ConnectedCluster; readonly intervalMs?: number };
  /** The clock of the cluster metrics, in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
  /** Receives the structured log. */
  readonly log: WatchLogger;
}

/** A running watcher. */
export interface WatchHandle {
  /** The address the HTTP endpoints listen on. */
  readonly host: string;
  readonly port: number;
  /** The metrics (for tests and embedding). */
  readonly metrics: WatchMetrics;
  /** Whether `/readyz` answers 200: a revision is served and the Relay stream is up. */
  ready(): boolean;
  /** The revision served, or null before one loaded. */
  revision(): string | null;
  /**
   * Stops everything (Relay stream, repository checks, HTTP server) and writes the traffic summary; resolves
   * within `timeoutMs` even if something hangs.
   * @param timeoutMs - Default: `4000`.
   */
  stop(timeoutMs?: number): Promise<void>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Starts `netpol watch`: follows Hubble Relay's `GetFlows` (server-side filter: dropped verdicts; every flow with
 * `allFlows`), diagnoses each policy drop with the code of `netpol drops` (group key, cause, least-privilege fix;
 * one diagnosis per group, so a drop storm costs a map lookup per flow), keeps the repository current
 * ({@link RepositoryFollower}: a broken revision keeps the last good one serving), and serves `/metrics`
 * (Prometheus text, see {@link WatchMetrics}), `/drops` (the `netpol drops -o json` object of the current groups),
 * `/healthz` and `/readyz` (200 once a revision is loaded and the Relay stream is up, 503 otherwise). A lost Relay
 * stream is retried with backoff forever; requests the Relay rejects are retried too, at the longest delay.
 * Logs one JSON line per new drop group and per state change.
 *
 * @param options - repository, Relay, listen address, limits and the logger.
 * @returns the running watcher; call `stop()` to end it.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the listen address cannot be bound; `NETPOL_INPUT_UNREADABLE`
 *   for unreadable TLS files.
 * @example
 * const w = await startWatch({ root: '/repo', relay: { server: 'hubble-relay.kube-system:80' }, log: console.log });
 * process.once('SIGTERM', () => void w.stop());
 */
export async function startWatch(options: WatchOptions): Promise<WatchHandle> {
  const log = options.log;
  // prom-client, grpc-js and proto-loader load only when a watcher starts (start-up speed, docs/decisions.md).
  const [{ policyDropLabels, WatchMetrics }, { observeFlows }] = await Promise.all([
    import('./metrics.js'),
    import('../../hubble/relay-client.js'),
  ]);
  const metrics = new WatchMetrics({
    ...(options.maxLabelSets !== undefined && { maxLabelSets: options.maxLabelSets }),
    ...(options.processMetrics !== undefined && { processMetrics: options.processMetrics }),
    ...(options.cluster && { cluster: true }),
    ...(options.now && { now: options.now }),
  });
  const relayServer = options.relay?.server ?? DEFAULT_RELAY;
  const stats: Mutable<FlowSourceStats> = { ...emptyFlowSourceStats({ kind: 'relay', server: relayServer }) };
  const abort = new AbortController();
  let grouper: DropGrouper | undefined;
  let connected = false;
  let following: Promise<void> | undefined;
  const recorder = options.record ? new TrafficRecorder(options.record) : undefined;
  if (recorder) metrics.countRecordOverflow(() => recorder.overflow);

  const onFlow = (flow: HubbleFlow): void => {
    stats.flows++;
    metrics.flowSeen();
    recorder?.add(flow);
    if (flow.verdict !== 'DROPPED' || !grouper) {
      stats.unselected++;
      return;
    }
    stats.matched++;
    const result = grouper.add(flow);
    if (result.kind !== 'grouped') {
      if (result.reason === 'overflow') metrics.policyDropGroupOverflow();
      return;
    }
    metrics.policyDrop(result.group);
    if (!result.isNew) return;
    metrics.setGroups(grouper.size);
    const g = result.group;
    logEvent(
      log,
      'warn',
      'drop.new-group',
      `${g.source} → ${g.destination} ${g.port}/${g.protocol} dropped: ${g.cause}`,
      {
        group: dropGroupJson(g),
        labels: policyDropLabels(g),
        fixText: g.fix ? describeFix(g.fix) : null,
      },
    );
  };

  const setConnected = (value: boolean, fields: Record<string, unknown> = {}): void => {
    if (value === connected) return;
    connected = value;
    metrics.setRelayConnected(value);
    if (value) logEvent(log, 'info', 'relay.connected', `Following Hubble Relay at ${relayServer}.`, fields);
  };

  const follow = async (): Promise<void> => {
    const whitelist = options.allFlows ? [] : buildFlowFilter({ verdict: 'DROPPED' }).whitelist;
    const maxMs = options.retry?.maxMs ?? 30_000;
    const relay = options.relay ?? {};
    while (!abort.signal.aborted) {
      try {
        for await (const flow of observeFlows({
          ...relay,
          server: relayServer,
          follow: true,
          whitelist,
          signal: abort.signal,
          retry: { ...options.retry },
          onConnected: () => setConnected(true),
          onEvent: (event: NonFlowEvent) => {
            stats.nonFlowLines++;
            stats.lostEvents += event.numEventsLost ?? 0;
          },
          onRetry: (attempt, delayMs, error) => {
            stats.retries++;
            metrics.relayReconnect();
            const wasConnected = connected;
            connected = false;
            metrics.setRelayConnected(false);
            logEvent(
              log,
              wasConnected || attempt === 1 ? 'warn' : 'info',
              'relay.lost',
              `Lost Hubble Relay at ${relayServer} (${relayErrorText(error)}); retrying in ${delayMs} ms.`,
              { attempt, delayMs },
            );
          },
        })) {
          onFlow(flow);
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        connected = false;
        metrics.setRelayConnected(false);
        metrics.relayReconnect();
        stats.retries++;
        logEvent(log, 'error', 'relay.failed', `${relayErrorText(error)}. Retrying in ${maxMs} ms.`, {
          delayMs: maxMs,
        });
        await sleep(maxMs, abort.signal);
      }
    }
  };

  const onLoad = (load: RepositoryLoad): void => {
    if (!load.ok) {
      metrics.repositoryLoaded({ ok: false, errors: load.errors.length });
      logEvent(log, 'error', 'repository.broken', load.message, {
        revision: load.revision,
        serving: follower.current?.revision ?? null,
        errors: load.errors.slice(0, 20).map((d) => ({
          code: d.code,
          message: d.message,
          ...(d.source && { file: d.source.file, line: d.source.line, column: d.source.column }),
        })),
      });
      return;
    }
    const { revision, loaded } = load.revision;
    const previous = grouper ? 'changed' : 'first';
    if (grouper) {
      grouper.rediagnose(loaded);
      metrics.forgetGroups();
    } else {
      grouper = new DropGrouper(loaded, {
        ...(options.maxGroups !== undefined && { maxGroups: options.maxGroups }),
      });
    }
    metrics.repositoryLoaded({ ok: true, revision });
    logEvent(log, 'info', 'repository.loaded', `Serving repository revision ${revision}.`, {
      revision,
      policies: loaded.repo.policies.length,
      namespaces: loaded.repo.namespaces.length,
      warnings: load.warnings,
      ...(previous === 'changed' && { rediagnosedGroups: grouper.size }),
    });
    following ??= follow();
    if (tracker) {
      if (previous === 'first') tracker.start();
      else tracker.refresh();
    }
  };

  const tracker = options.cluster
    ? new ClusterTracker({
        cluster: options.cluster.cluster,
        served: () => follower.current?.loaded,
        metrics,
        log,
        ...(options.cluster.intervalMs !== undefined && { intervalMs: options.cluster.intervalMs }),
        ...(options.now && { now: options.now }),
      })
    : undefined;

  const follower = new RepositoryFollower({
    root: options.root,
    ...(options.vars !== undefined && { vars: options.vars }),
    ...(options.settings !== undefined && { settings: options.settings }),
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    onLoad,
  });

  const ready = (): boolean => follower.current !== undefined && connected;
  const json = (status: number, value: unknown, headers?: Record<string, string>): HttpAnswer => ({
    status,
    contentType: 'application/json; charset=utf-8',
    body: `${JSON.stringify(value)}\n`,
    ...(headers && { headers }),
  });
  const server: RunningHttpServer = await startHttpServer(
    options.listen?.host ?? '0.0.0.0',
    options.listen?.port ?? 9090,
    async (path) => {
      switch (path) {
        case '/metrics':
          return {
            status: 200,
            contentType: metrics.registry.contentType,
            body: await metrics.registry.metrics(),
          };
        case '/healthz':
          return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' };
        case '/readyz': {
          const revision = follower.current?.revision ?? null;
          return json(ready() ? 200 : 503, { ready: ready(), revision, relayConnected: connected });
        }
        case '/drops': {
          const revision = follower.current?.revision;
          const report = grouper?.report({ ...stats });
          return json(
            report ? 200 : 503,
            report ? dropsJson(report) : { error: 'no repository revision loaded yet' },
            revision ? { 'x-netpol-revision': revision } : undefined,
          );
        }
        default:
          return undefined;
      }
    },
  );
  if (options.relay?.server === undefined) {
    logEvent(
      log,
      'info',
      'relay.default',
      `No Relay address given: following Hubble Relay at ${DEFAULT_RELAY} (hubble's default, e.g. a port-forward).`,
      { server: DEFAULT_RELAY },
    );
  }
  logEvent(
    log,
    'info',
    'watch.listening',
    `Serving /metrics, /drops, /healthz and /readyz on ${server.host}:${server.port}.`,
    {
      host: server.host,
      port: server.port,
    },
  );

  let recordTimer: NodeJS.Timeout | undefined;
  const flushRecord = (): void => {
    if (!recorder || !options.record) return;
    try {
      const flushed = recorder.flush();
      if (flushed.rotated) {
        logEvent(log, 'info', 'record.rotated', `Rotated ${options.record.file} at ${flushed.bytes} bytes.`, {
          file: options.record.file,
          entries: flushed.entries,
        });
      }
    } catch (error) {
      logEvent(log, 'error', 'record.failed', errorText(error), { file: options.record.file });
    }
  };
  if (recorder && options.record) {
    recordTimer = setInterval(flushRecord, options.record.intervalMs ?? 60_000);
    recordTimer.unref();
  }
  await follower.start();
  if (!follower.current) {
    logEvent(
      log,
      'warn',
      'repository.waiting',
      'No loadable repository revision yet; the Relay is followed once one loads.',
      {
        root: options.root,
      },
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 4000): Promise<void> => {
    stopping ??= (async () => {
      logEvent(log, 'info', 'watch.stopping', 'Stopping.');
      abort.abort();
      if (recordTimer) clearInterval(recordTimer);
      const work = Promise.allSettled([
        follower.stop(),
        server.close(),
        following ?? Promise.resolve(),
        tracker?.stop(),
      ]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        work.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
          timer.unref();
        }),
      ]);
      if (timer) clearTimeout(timer);
      flushRecord();
      logEvent(
        log,
        timedOut ? 'warn' : 'info',
        'watch.stopped',
        timedOut ? 'Stopped (some work did not end in time).' : 'Stopped.',
      );
    })();
    return stopping;
  };

  return {
    host: server.host,
    port: server.port,
    metrics,
    ready,
    revision: () => follower.current?.revision ?? null,
    stop,
  };
}

function errorText(error: unknown): string {
  const details = (error as { details?: unknown })?.details;
  if (typeof details === 'string' && details !== '') return details;
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
