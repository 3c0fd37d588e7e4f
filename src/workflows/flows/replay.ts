import type { Peer } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import {
  type ConnectivityDiff,
  type DiffOptions,
  type DiffRevision,
  type DiffSide,
  diffLoaded,
  loadDiffSides,
  type ResponsibleRule,
  responsibleRules,
} from '../analysis/diff.js';
import {
  collectObservedTraffic,
  namedSides,
  type ObservedFlow,
  type ObservedTraffic,
  type ObservedTrafficOptions,
  observedWindow,
} from './observed-traffic.js';

/** An observed connection whose verdict differs between the two revisions. */
export interface ReplayedFlow extends ObservedFlow {
  readonly before: 'allowed' | 'denied';
  readonly after: 'allowed' | 'denied';
  /** The rules responsible for the change, base side first (as `netpol diff` names them for a matrix cell). */
  readonly because: readonly ResponsibleRule[];
  /**
   * The pod sides whose recorded labels are those of no workload in git (at either revision): they are
   * matched by the labels Hubble recorded, not by a workload's manifest.
   */
  readonly unmatched: readonly ('source' | 'destination')[];
  /** The engine's caveats at either revision (unknown namespace, unresolved named port …), deduplicated. */
  readonly caveats: readonly string[];
}

/** What a change would have done to the traffic that was observed. */
export interface ReplayReport {
  readonly base: DiffRevision;
  readonly head: DiffRevision;
  /** What was replayed. */
  readonly observed: {
    /** Distinct connections replayed. */
    readonly connections: number;
    /** Flow records they stand for. */
    readonly records: number;
    /** Reply records (not replayed: their connection is). */
    readonly replies: number;
    /** Records that did not convert into a connection. */
    readonly unconverted: number;
    /** Records of connections beyond the memory bound, not replayed. */
    readonly overflow: number;
    readonly firstSeen: string | null;
    readonly lastSeen: string | null;
    /** Distinct connections with a pod side matching no workload in git (see {@link ReplayedFlow.unmatched}). */
    readonly unmatched: number;
    /**
     * Capture lines that are not Hubble flows, skipped (not replayed): how many, the first line numbers, and how
     * many of their warnings were left out after the first 100 (see {@link ObservedTraffic.unreadable}).
     */
    readonly unreadable: {
      readonly lines: number;
      readonly first: readonly number[];
      readonly warningsOmitted: number;
    };
  };
  /** Connections allowed at the base revision that the head revision denies: what the change would break. */
  readonly newlyDenied: readonly ReplayedFlow[];
  /** Connections denied at the base revision that the head revision allows. */
  readonly newlyAllowed: readonly ReplayedFlow[];
}

/** Options of {@link replayRevisions}: those of `diffRevisions` and of the observed traffic. */
export interface ReplayOptions extends DiffOptions, ObservedTrafficOptions {}

function unmatchedSide(peer: Peer, base: PolicyEngine, head: PolicyEngine): boolean {
  return (
    peer.kind === 'pod' &&
    base.workloadFor(peer.namespace, peer.labels) === undefined &&
    head.workloadFor(peer.namespace, peer.labels) === undefined
  );
}

/**
 * Replays observed connections against two loaded revisions (pure: no I/O): each is evaluated by both
 * engines, and those whose verdict differs are reported with the rules responsible (`responsibleRules`,
 * the explanation `netpol diff` gives a matrix cell). A pod side is evaluated with its recorded labels;
 * when they are those of no workload in git, the flow says so in `unmatched`.
 * @param traffic - from {@link collectObservedTraffic}.
 * @param base - the revision the change is compared against.
 * @param head - the revision with the change.
 */
export function replayObserved(traffic: ObservedTraffic, base: DiffSide, head: DiffSide): ReplayReport {
  const newlyDenied: ReplayedFlow[] = [];
  const newlyAllowed: ReplayedFlow[] = [];
  let records = 0;
  let unmatched = 0;
  for (const o of traffic.flows) {
    records += o.count;
    const sides: ('source' | 'destination')[] = [];
    if (unmatchedSide(o.flow.source, base.engine, head.engine)) sides.push('source');
    if (unmatchedSide(o.flow.destination, base.engine, head.engine)) sides.push('destination');
    if (sides.length > 0) unmatched++;
    const vb = base.engine.verdict(o.flow);
    const va = head.engine.verdict(o.flow);
    if (vb.verdict === va.verdict) continue;
    const replayed: ReplayedFlow = {
      ...o,
      ...namedSides(o, head.engine),
      before: vb.verdict,
      after: va.verdict,
      because: responsibleRules(o.flow, vb, va),
      unmatched: sides,
      caveats: [...new Set([...vb.caveats, ...va.caveats])],
    };
    (va.verdict === 'denied' ? newlyDenied : newlyAllowed).push(replayed);
  }
  return {
    base: { revision: base.revision, commit: base.commit, exists: base.exists },
    head: { revision: head.revision, commit: head.commit, exists: head.exists },
    observed: {
      connections: traffic.flows.length,
      records,
      replies: traffic.replies,
      unconverted: traffic.unconverted,
      overflow: traffic.overflow,
      ...observedWindow(traffic.flows),
      unmatched,
      unreadable: { ...traffic.unreadable, warningsOmitted: traffic.diagnosticsOmitted },
    },
    newlyDenied,
    newlyAllowed,
  };
}

/**
 * `netpol diff --flows`: the connectivity diff of two revisions and the replay of observed traffic against
 * them. Both revisions are loaded once and shared by the two.
 * @throws NetpolError as `diffRevisions` and `collectObservedTraffic`.
 * @example
 * const { replay } = await replayRevisions({ root: '.', base: 'origin/main', input: { kind: 'file', path: 'traffic.jsonl' } });
 * replay.newlyDenied.length; // connections seen in the cluster that the change would drop
 */
export async function replayRevisions(options: ReplayOptions): Promise<{
  readonly diff: ConnectivityDiff;
  readonly replay: ReplayReport;
  readonly traffic: ObservedTraffic;
}> {
  const [sides, traffic] = await Promise.all([loadDiffSides(options), collectObservedTraffic(options)]);
  return {
    diff: diffLoaded(sides.base, sides.head),
    replay: replayObserved(traffic, sides.base, sides.head),
    traffic,
  };
}
