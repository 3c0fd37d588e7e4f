import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { DropGroup } from '../flows/drops.js';
import type { DropFix } from '../flows/fix-search.js';

/** The labels of `netpol_policy_drops_total`, one set per kind of drop a person acts on. */
export interface PolicyDropLabels {
  /** Namespace of the source pod, or `world` / the reserved entity (`host`, `remote-node` …). */
  readonly source_namespace: string;
  /** Namespace of the destination pod, or `world` / the reserved entity. */
  readonly destination_namespace: string;
  /** `egress`, `ingress` or `unknown` (where Hubble saw the drop). */
  readonly direction: string;
  /** Destination port (the ICMP type for ICMP). */
  readonly port: string;
  readonly protocol: string;
  /** The cause in one word (`DropCauseCode`: `missing-access-grant`, `profile`, `drift` …). */
  readonly cause: string;
  /** The fix in a few words (`web: access.network-policy.homelab/postgres=true`), empty when there is none. */
  readonly fix: string;
}

/** A counter kept as a plain number on the hot path and handed to prom-client when scraped. */
interface PendingCount {
  count: number;
  reported: number;
}

/** Options of {@link WatchMetrics}. */
export interface WatchMetricsOptions {
  /** Distinct label sets of `netpol_policy_drops_total`; drops of further sets count in the overflow counter. Default: `1000`. */
  readonly maxLabelSets?: number;
  /** Also export prom-client's process metrics (`process_resident_memory_bytes` …). Default: `true`. */
  readonly processMetrics?: boolean;
  /**
   * Export the cluster metrics (`netpol_escape_hatch_disabled_seconds`, `netpol_drift_objects`,
   * `netpol_cluster_reads_total`): only a watcher with cluster access has them. Default: `false`.
   */
  readonly cluster?: boolean;
  /** The clock of `netpol_escape_hatch_disabled_seconds`, in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
}

/** A namespace whose enforcement is off, as `netpol_escape_hatch_disabled_seconds` reports it. */
export interface DisabledSince {
  readonly namespace: string;
  /** When enforcement was turned off, in ms since the epoch. */
  readonly sinceMs: number;
}

/**
 * The metrics of `netpol watch`, in their own prom-client {@link Registry}:
 * `netpol_policy_drops_total{source_namespace, destination_namespace, direction, port, protocol, cause, fix}` (at most
 * `maxLabelSets` label sets; drops beyond them count in `netpol_policy_drops_overflow_total`),
 * `netpol_policy_drop_groups_overflow_total` (drops of groups beyond the watcher's `maxGroups`),
 * `netpol_record_overflow_total` (flows the `--record` summary left out), `netpol_flows_seen_total`,
 * `netpol_policy_drop_groups`, `netpol_relay_connected`, `netpol_relay_reconnects_total`,
 * `netpol_repository_info{revision}`, `netpol_repository_load_errors`, `netpol_repository_loads_total{result}`;
 * with `cluster`, also `netpol_escape_hatch_disabled_seconds{namespace}` (computed when scraped),
 * `netpol_drift_objects` and `netpol_cluster_reads_total{result}`.
 *
 * Counting a flow costs an increment of a plain number (the label set of a group is resolved once per group); the
 * numbers are handed to prom-client when `/metrics` is scraped.
 */
export class WatchMetrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  private readonly maxLabelSets: number;
  private readonly labelSets = new Map<string, PendingCount & { labels: PolicyDropLabels }>();
  private readonly byGroup = new Map<DropGroup, PendingCount>();
  private readonly overflow: PendingCount = { count: 0, reported: 0 };
  private readonly groupOverflow: PendingCount = { count: 0, reported: 0 };
  private readonly recordOverflow: PendingCount = { count: 0, reported: 0 };
  private recordOverflowOf: () => number = () => 0;
  private readonly flows: PendingCount = { count: 0, reported: 0 };
  private readonly relayConnected: Gauge;
  private readonly reconnects: Counter;
  private readonly repositoryInfo: Gauge<'revision'>;
  private readonly loadErrors: Gauge;
  private readonly loads: Counter<'result'>;
  private readonly groups: Gauge;
  private disabled: readonly DisabledSince[] = [];
  private readonly driftObjects: Gauge | undefined;
  private readonly clusterReads: Counter<'result'> | undefined;

  /** @param options - label-set cap and process metrics. */
  constructor(options: WatchMetricsOptions = {}) {
    this.maxLabelSets = options.maxLabelSets ?? 1000;
    const registers = [this.registry];
    const sync = (counter: Counter<string>, pending: PendingCount, labels?: PolicyDropLabels): void => {
      if (pending.count > pending.reported) {
        if (labels) counter.inc({ ...labels }, pending.count - pending.reported);
        else counter.inc(pending.count - pending.reported);
        pending.reported = pending.count;
      }
    };
    const labelSets = this.labelSets;
    const overflow = this.overflow;
    const groupOverflow = this.groupOverflow;
    const recordOverflow = this.recordOverflow;
    const flows = this.flows;
    const self = this;
    new Counter({
      name: 'netpol_policy_drops_total',
      help: 'Policy drops seen by netpol watch, by namespaces, direction, port, protocol, cause and fix.',
      labelNames: [
        'source_namespace',
        'destination_namespace',
        'direction',
        'port',
        'protocol',
        'cause',
        'fix',
      ],
      registers,
      collect() {
        for (const entry of labelSets.values()) sync(this as Counter<string>, entry, entry.labels);
      },
    });
    new Counter({
      name: 'netpol_policy_drops_overflow_total',
      help: 'Policy drops not counted in netpol_policy_drops_total because its label sets reached the cap.',
      registers,
      collect() {
        sync(this, overflow);
      },
    });
    new Counter({
      name: 'netpol_policy_drop_groups_overflow_total',
      help: 'Policy drops of groups beyond --max-groups: counted here only, neither diagnosed nor listed in /drops.',
      registers,
      collect() {
        sync(this, groupOverflow);
      },
    });
    new Counter({
      name: 'netpol_record_overflow_total',
      help: 'Flows left out of the --record summary because it holds its maximum of distinct entries.',
      registers,
      collect() {
        recordOverflow.count = self.recordOverflowOf();
        sync(this, recordOverflow);
      },
    });
    new Counter({
      name: 'netpol_flows_seen_total',
      help: 'Flows received from Hubble Relay.',
      registers,
      collect() {
        sync(this, flows);
      },
    });
    this.groups = new Gauge({
      name: 'netpol_policy_drop_groups',
      help: 'Groups of policy drops (source workload, destination, port, protocol, direction) currently tracked.',
      registers,
    });
    this.relayConnected = new Gauge({
      name: 'netpol_relay_connected',
      help: '1 while the watcher follows Hubble Relay, 0 while it is reconnecting.',
      registers,
    });
    this.reconnects = new Counter({
      name: 'netpol_relay_reconnects_total',
      help: 'Reconnections to Hubble Relay after a lost stream.',
      registers,
    });
    this.repositoryInfo = new Gauge({
      name: 'netpol_repository_info',
      help: 'Always 1; the revision label names the repository revision the watcher answers for.',
      labelNames: ['revision'],
      registers,
    });
    this.loadErrors = new Gauge({
      name: 'netpol_repository_load_errors',
      help: 'Input errors of the newest repository revision; 0 once the newest revision is the one served.',
      registers,
    });
    this.loads = new Counter({
      name: 'netpol_repository_loads_total',
      help: 'Repository loads, by result (ok, failed).',
      labelNames: ['result'],
      registers,
    });
    this.relayConnected.set(0);
    this.loadErrors.set(0);
    this.groups.set(0);
    this.loads.inc({ result: 'ok' }, 0);
    this.loads.inc({ result: 'failed' }, 0);
    if (options.cluster) {
      const now = options.now ?? Date.now;
      new Gauge({
        name: 'netpol_escape_hatch_disabled_seconds',
        help: 'Seconds since network-policy enforcement was turned off, per namespace with the escape-hatch label (read from the cluster).',
        labelNames: ['namespace'],
        registers,
        collect() {
          this.reset();
          const t = now();
          for (const d of self.disabled)
            this.set({ namespace: d.namespace }, Math.max(0, (t - d.sinceMs) / 1000));
        },
      });
      this.driftObjects = new Gauge({
        name: 'netpol_drift_objects',
        help: 'Namespaces and policies whose cluster state differs from the served repository revision (netpol drift), at the last cluster read.',
        registers,
      });
      this.clusterReads = new Counter({
        name: 'netpol_cluster_reads_total',
        help: 'Reads of the cluster (namespaces and policies) for escape hatches and drift, by result (ok, failed).',
        labelNames: ['result'],
        registers,
      });
      this.clusterReads.inc({ result: 'ok' }, 0);
      this.clusterReads.inc({ result: 'failed' }, 0);
    }
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Records a successful cluster read: the namespaces with enforcement off and the number of drifted objects.
   * @param disabled - Namespaces with the escape-hatch label and since when.
   * @param driftObjects - Namespaces plus policies that differ from the served revision.
   */
  clusterRead(disabled: readonly DisabledSince[], driftObjects: number): void {
    this.disabled = disabled;
    this.driftObjects?.set(driftObjects);
    this.clusterReads?.inc({ result: 'ok' });
  }

  /** Counts a failed cluster read (the last values stay exported). */
  clusterReadFailed(): void {
    this.clusterReads?.inc({ result: 'failed' });
  }

  /** Flows counted by {@link flowSeen} so far. */
  get flowsSeen(): number {
    return this.flows.count;
  }

  /** Counts one flow received from the Relay. */
  flowSeen(): void {
    this.flows.count++;
  }

  /**
   * Counts one policy drop of a group. The group's label set is resolved on its first drop (and after
   * {@link forgetGroups}); when the cap is reached, the drop counts as overflow.
   * @param group - the group the drop joined (`DropGrouper.add`).
   */
  policyDrop(group: DropGroup): void {
    let pending = this.byGroup.get(group);
    if (!pending) {
      pending = this.labelSetOf(group);
      this.byGroup.set(group, pending);
    }
    pending.count++;
  }

  /** Counts one policy drop of a group beyond `--max-groups` (not diagnosed: `DropGrouper` skipped it). */
  policyDropGroupOverflow(): void {
    this.groupOverflow.count++;
  }

  /**
   * Exports `netpol_record_overflow_total` from the traffic recorder's own count, read when scraped.
   * @param overflow - flows the recorder left out so far (never decreasing).
   */
  countRecordOverflow(overflow: () => number): void {
    this.recordOverflowOf = overflow;
  }

  /** Forgets which label set each group counts in (their cause and fix changed with a new repository revision). */
  forgetGroups(): void {
    this.byGroup.clear();
  }

  /** Sets the number of tracked groups. */
  setGroups(n: number): void {
    this.groups.set(n);
  }

  /** Sets whether the Relay stream is up. */
  setRelayConnected(connected: boolean): void {
    this.relayConnected.set(connected ? 1 : 0);
  }

  /** Counts a reconnection to the Relay. */
  relayReconnect(): void {
    this.reconnects.inc();
  }

  /**
   * Records a repository load.
   * @param result - `ok` with the revision now served, or `failed` with the number of input errors.
   */
  repositoryLoaded(result: { ok: true; revision: string } | { ok: false; errors: number }): void {
    if (result.ok) {
      this.repositoryInfo.reset();
      this.repositoryInfo.set({ revision: result.revision }, 1);
      this.loadErrors.set(0);
      this.loads.inc({ result: 'ok' });
    } else {
      this.loadErrors.set(Math.max(1, result.errors));
      this.loads.inc({ result: 'failed' });
    }
  }

  /** Distinct label sets of `netpol_policy_drops_total` so far. */
  get labelSetCount(): number {
    return this.labelSets.size;
  }

  private labelSetOf(group: DropGroup): PendingCount {
    const labels = policyDropLabels(group);
    const key = `${labels.source_namespace}\u0000${labels.destination_namespace}\u0000${labels.direction}\u0000${labels.port}\u0000${labels.protocol}\u0000${labels.cause}\u0000${labels.fix}`;
    let entry = this.labelSets.get(key);
    if (entry) return entry;
    if (this.labelSets.size >= this.maxLabelSets) return this.overflow;
    entry = { labels, count: 0, reported: 0 };
    this.labelSets.set(key, entry);
    return entry;
  }
}

function sideName(peer: DropGroup['flow']['source']): string {
  switch (peer.kind) {
    case 'pod':
      return peer.namespace;
    case 'world':
      return 'world';
    case 'reserved':
      return peer.entity;
  }
}

/**
 * The fix in a few words for a metric label: `web: access.network-policy.homelab/postgres=true`,
 * `web: profile=standard`, `database/postgres: ingress rule`, `baseline allow-dns`; empty when there is none.
 * @param fix - the group's fix.
 */
export function shortFix(fix: DropFix | null): string {
  if (!fix) return '';
  switch (fix.kind) {
    case 'add-label':
      return `${fix.namespace}: ${fix.label}=${fix.value}`;
    case 'set-profile':
      return `${fix.namespace}: profile=${fix.to}`;
    case 'policy-change':
      return `${fix.namespace}/${fix.policy}: ${fix.direction} rule${fix.also ? ` + ${fix.also.namespace}/${fix.also.policy}: ${fix.also.direction} rule` : ''}`;
    case 'missing-baseline':
      return `baseline ${fix.baseline ?? fix.purpose}`;
  }
}

/**
 * The `netpol_policy_drops_total` labels of a group.
 * @param group - a drop group.
 */
export function policyDropLabels(group: DropGroup): PolicyDropLabels {
  return {
    source_namespace: sideName(group.flow.source),
    destination_namespace: sideName(group.flow.destination),
    direction: group.direction,
    port: String(group.port),
    protocol: group.protocol,
    cause: group.causeCode,
    fix: shortFix(group.fix),
  };
}
