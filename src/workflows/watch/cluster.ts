import type { LoadedRepo } from '../analysis/load.js';
import { type ConnectedCluster, readClusterState } from '../live/cluster-state.js';
import { compareWithCluster } from '../live/drift.js';
import { hatchRecordOf } from '../live/escape-hatch.js';
import { logEvent, type WatchLogger } from './log.js';
import type { DisabledSince, WatchMetrics } from './metrics.js';

/** What one cluster read found. */
export interface ClusterReading {
  /** Namespaces with the escape-hatch label, by name; `sinceMs` from netpol's annotation, else first seen. */
  readonly disabled: readonly DisabledSince[];
  /** Drifted namespaces and policies (`netpol drift`'s entries), as `Kind/namespace/name: drift`. */
  readonly drift: readonly string[];
}

/** Options of {@link ClusterTracker}. */
export interface ClusterTrackerOptions {
  /** The cluster, read with the read-only role (deploy/rbac/netpol-read-only.yaml). */
  readonly cluster: ConnectedCluster;
  /** The repository revision served now (undefined before one loads: nothing is read). */
  readonly served: () => LoadedRepo | undefined;
  readonly metrics: WatchMetrics;
  readonly log: WatchLogger;
  /** Time between reads, in ms. Default: `60000`. */
  readonly intervalMs?: number;
  /** The clock, in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
}

/**
 * Tracks, for `netpol watch` with cluster access, the namespaces whose enforcement is off (the escape-hatch label
 * of the served revision's catalogue) and the drift between the served revision and the cluster. Every
 * `intervalMs`, and at once after {@link refresh}, it reads the cluster as `netpol drift` does (four list requests)
 * and compares it with {@link compareWithCluster}. It logs one line per change: `escape-hatch.disabled`,
 * `escape-hatch.enabled`, `drift.changed`, `cluster.failed` (first failure and changed messages), `cluster.read`
 * (the first read, and the first after failures). A failed read keeps the last values.
 */
export class ClusterTracker {
  private readonly options: ClusterTrackerOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastError: string | null = null;
  private reads = 0;
  private readonly firstSeen = new Map<string, number>();
  private previous: ClusterReading | undefined;

  /** @param options - see {@link ClusterTrackerOptions}. */
  constructor(options: ClusterTrackerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** The last successful reading, or undefined before one. */
  get last(): ClusterReading | undefined {
    return this.previous;
  }

  /** Reads now and then every `intervalMs`. Calling it again does nothing. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.refresh(), this.options.intervalMs ?? 60_000);
    this.timer.unref();
    this.refresh();
  }

  /** Reads the cluster again as soon as the read in flight (if any) ends: a new revision changes the drift. */
  refresh(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readOnce();
      } while (this.again && !this.stopped);
      this.reading = undefined;
    })();
  }

  /** Stops reading; resolves when the read in flight (aborted by the client's signal) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.reading;
  }

  private async readOnce(): Promise<void> {
    const loaded = this.options.served();
    if (!loaded) return;
    const { cluster, metrics, log } = this.options;
    let reading: ClusterReading;
    try {
      const state = await readClusterState(cluster.client);
      const hatch = loaded.catalog.escapeHatch;
      const t = this.now();
      const disabled: DisabledSince[] = [];
      const names = new Set<string>();
      for (const ns of state.namespaces) {
        if (!hatch || ns.labels[hatch.label] !== hatch.value) continue;
        names.add(ns.name);
        const since = Date.parse(hatchRecordOf(ns).since ?? '');
        let seen = this.firstSeen.get(ns.name);
        if (seen === undefined) {
          seen = t;
          this.firstSeen.set(ns.name, t);
        }
        disabled.push({ namespace: ns.name, sinceMs: Number.isNaN(since) ? seen : since });
      }
      for (const name of this.firstSeen.keys()) if (!names.has(name)) this.firstSeen.delete(name);
      const d = compareWithCluster(
        loaded,
        { name: cluster.name, environment: cluster.environment, context: cluster.client.context },
        state,
      );
      reading = {
        disabled,
        drift: [
          ...d.namespaces.map((n) => `Namespace/${n.namespace}: ${n.change}`),
          ...d.policies.map(
            (p) => `${p.kind}/${p.namespace === '' ? '' : `${p.namespace}/`}${p.name}: ${p.drift}`,
          ),
        ],
      };
    } catch (error) {
      if (this.stopped) return;
      metrics.clusterReadFailed();
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) {
        logEvent(log, 'error', 'cluster.failed', message, {
          context: cluster.client.context,
          ...((error as { hint?: unknown }).hint !== undefined && {
            hint: (error as { hint?: unknown }).hint,
          }),
        });
      }
      this.lastError = message;
      return;
    }
    metrics.clusterRead(reading.disabled, reading.drift.length);
    this.reads++;
    if (this.reads === 1 || this.lastError !== null) {
      logEvent(
        log,
        'info',
        'cluster.read',
        `Reading cluster ${cluster.name} (context ${cluster.client.context}).`,
        {
          context: cluster.client.context,
          disabled: reading.disabled.length,
          driftObjects: reading.drift.length,
        },
      );
    }
    this.lastError = null;
    this.logChanges(reading);
    this.previous = reading;
  }

  private logChanges(reading: ClusterReading): void {
    const { log } = this.options;
    const before = new Set((this.previous?.disabled ?? []).map((d) => d.namespace));
    const now = new Set(reading.disabled.map((d) => d.namespace));
    for (const d of reading.disabled) {
      if (before.has(d.namespace)) continue;
      logEvent(
        log,
        'warn',
        'escape-hatch.disabled',
        `Network-policy enforcement is off in namespace "${d.namespace}".`,
        {
          namespace: d.namespace,
          since: new Date(d.sinceMs).toISOString(),
        },
      );
    }
    for (const name of before) {
      if (now.has(name)) continue;
      logEvent(
        log,
        'info',
        'escape-hatch.enabled',
        `Network-policy enforcement is on again in namespace "${name}".`,
        {
          namespace: name,
        },
      );
    }
    const old = this.previous?.drift ?? [];
    if (old.length !== reading.drift.length || old.some((x, i) => x !== reading.drift[i])) {
      logEvent(
        log,
        reading.drift.length > 0 ? 'warn' : 'info',
        'drift.changed',
        reading.drift.length > 0
          ? `${reading.drift.length} object(s) differ between the repository and the cluster.`
          : 'The cluster matches the repository.',
        { objects: reading.drift.slice(0, 50) },
      );
    }
  }
}
