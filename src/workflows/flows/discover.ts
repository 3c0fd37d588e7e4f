import { stringify } from 'yaml';
import type { Flow, FlowProtocol } from '../../engine/types.js';
import type { Diagnostic } from '../../errors.js';
import type { FlowFilterFlags } from '../../hubble/filter.js';
import type { Labels } from '../../repo/model.js';
import type { LoadedRepo } from '../analysis/load.js';
import { type DropFix, FixSearch, type LabelPlan } from './fix-search.js';
import {
  emptyFlowSourceStats,
  type FlowInput,
  type FlowSourceStats,
  flowPeerName,
  flowTimeSortKey,
  type NamespaceFlowTally,
  requestsOfNamespace,
} from './flow-source.js';

/** Options of {@link discoverNamespace}. */
export interface DiscoverOptions {
  /** The namespace whose enforcement was disabled while the flows were captured. */
  readonly namespace: string;
  /** Where the flows come from. */
  readonly input: FlowInput;
  /** Time window and count (`since`, `until`, `last`). Default: none. */
  readonly filter?: FlowFilterFlags;
  /** The instant `--since 5m` counts back from. Default: now. */
  readonly now?: Date;
  /** How many unparsable-line diagnostics the report keeps. Default: `100`. */
  readonly maxDiagnostics?: number;
  /** How many distinct flows are kept; later new ones are only counted. Default: `10_000`. */
  readonly maxFlows?: number;
}

/** One kind of observed flow of the namespace (requests only, replies are not policy decisions). */
export interface DiscoveredFlow {
  readonly source: string;
  readonly destination: string;
  /** Destination port; the ICMP type for ICMP flows. */
  readonly port: number;
  readonly protocol: FlowProtocol;
  /** `egress` when a pod of the namespace opened the connection, `ingress` when it received it. */
  readonly direction: 'egress' | 'ingress';
  readonly count: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** Whether the repository allows it with the namespace's labels in git today. */
  readonly allowedNow: boolean;
  /** Whether it is allowed with the recommended labels. */
  readonly allowedByRecommendation: boolean;
  /** For a flow the recommendation does not allow: why, and the change elsewhere that would, if any. */
  readonly reason: string | null;
  readonly fix: DropFix | null;
  /** The engine flow. */
  readonly flow: Flow;
}

/** The result of {@link discoverNamespace}. */
export interface DiscoverReport {
  readonly namespace: string;
  readonly source: string;
  /** Whether the namespace is a platform namespace (no profile: its own CNP decides). */
  readonly platform: boolean;
  /** The namespace's labels in git today (null when the repository does not define it). */
  readonly current: { readonly profile: string | null; readonly grants: readonly string[] } | null;
  /**
   * The least privileged profile and access grants that allow the observed flows. A platform namespace keeps the
   * grants it has in git (it takes no profile, and its grants serve traffic a capture window may not show).
   */
  readonly recommended: { readonly profile: string | null; readonly grants: readonly string[] };
  /** Access grants the namespace has in git that the recommendation removes (no observed flow needs them). */
  readonly droppedGrants: readonly string[];
  /** The namespace's labels to commit (the complete map, without `kubernetes.io/metadata.name`). */
  readonly labels: Labels;
  /** The same as a YAML snippet (`metadata.labels`). */
  readonly labelsYaml: string;
  /** Whether `labels` are the namespace's labels in git today (nothing to commit). */
  readonly labelsUnchanged: boolean;
  /** Matrix cells (see `netpol matrix`) the recommendation allows. */
  readonly allowedCells: readonly string[];
  /** Every observed flow, most frequent first. */
  readonly flows: readonly DiscoveredFlow[];
  /**
   * Observed flows the recommendation does not allow: those with a `fix` need a change elsewhere (another
   * namespace's label, a platform namespace's policy), the others are allowed by nothing in the catalogue.
   */
  readonly unallowed: readonly DiscoveredFlow[];
  /** Replies (not policy decisions) and flows that are not requests of the namespace. */
  readonly skipped: {
    readonly replies: number;
    readonly unidentified: number;
    readonly overflow: number;
    readonly unparsable: number;
  };
  readonly diagnostics: readonly Diagnostic[];
  readonly stats: FlowSourceStats;
}

type MutableFlow = {
  -readonly [K in keyof Omit<
    DiscoveredFlow,
    'allowedNow' | 'allowedByRecommendation' | 'reason' | 'fix'
  >]: DiscoveredFlow[K];
};

/**
 * Recommends a namespace's labels from flows observed while its enforcement was disabled (the escape hatch): the
 * least privileged profile and the access grants that allow every observed flow (a platform namespace keeps its
 * current grants and never gets a profile), found by asking the engine
 * (`FixSearch.planLabels`: every profile of the catalogue is tried, grants are added only for flows the profile
 * does not allow, and among the plans leaving the fewest flows unallowed the one allowing the fewest matrix cells
 * wins). Flows nothing in the catalogue allows are listed with the reason and, when the other side is a platform
 * namespace or another namespace's label would do, that change.
 *
 * @param loaded - the repository, engine and catalogue.
 * @param options - the namespace and the flow input.
 * @returns the recommendation, the labels to commit and the flows behind it.
 * @throws NetpolError as `openFlowSource` (bad flags, unreadable capture, Relay failures).
 * @example
 * const r = await discoverNamespace(loaded, { namespace: 'shop', input: { kind: 'file', path: 'shop-flows.jsonl' } });
 * console.log(r.labelsYaml);
 */
export async function discoverNamespace(
  loaded: Pick<LoadedRepo, 'repo' | 'engine' | 'catalog'>,
  options: DiscoverOptions,
): Promise<DiscoverReport> {
  const { engine, catalog, repo } = loaded;
  const ns = options.namespace;
  const search = new FixSearch(loaded);
  const maxDiagnostics = options.maxDiagnostics ?? 100;
  const maxFlows = options.maxFlows ?? 10_000;
  const groups = new Map<string, MutableFlow>();
  const diagnostics: Diagnostic[] = [];
  let unidentified = 0;
  let overflow = 0;

  const tally: NamespaceFlowTally = { replies: 0, unconverted: 0, diagnostics, stats: undefined };
  for await (const { flow, engineFlow: f, summary } of requestsOfNamespace(
    ns,
    { ...options, maxDiagnostics },
    tally,
  )) {
    const egress = f.source.kind === 'pod' && f.source.namespace === ns;
    const ingress = f.destination.kind === 'pod' && f.destination.namespace === ns;
    if (!egress && !ingress) {
      unidentified++;
      continue;
    }
    const source = flowPeerName(flow.source, f.source, true, engine);
    const destination = flowPeerName(flow.destination, f.destination, false, engine);
    const port = f.icmpType ?? f.port;
    const key = `${source}\u0000${destination}\u0000${port}\u0000${f.protocol}`;
    // A summary line of `netpol watch --record` stands for `count` flows seen from `firstSeen` to `lastSeen`.
    const count = summary?.count ?? 1;
    const first = summary?.firstSeen ?? flow.time;
    const last = summary?.lastSeen ?? flow.time;
    const existing = groups.get(key);
    if (existing) {
      existing.count += count;
      if (
        first !== undefined &&
        (existing.firstSeen === null || flowTimeSortKey(first) < flowTimeSortKey(existing.firstSeen))
      )
        existing.firstSeen = first;
      if (
        last !== undefined &&
        (existing.lastSeen === null || flowTimeSortKey(last) > flowTimeSortKey(existing.lastSeen))
      )
        existing.lastSeen = last;
      continue;
    }
    if (groups.size >= maxFlows) {
      overflow++;
      continue;
    }
    groups.set(key, {
      source,
      destination,
      port,
      protocol: f.protocol,
      direction: egress ? 'egress' : 'ingress',
      count,
      firstSeen: first ?? null,
      lastSeen: last ?? null,
      flow: f,
    });
  }

  const observed = [...groups.values()].sort(
    (a, b) =>
      b.count - a.count || a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination),
  );
  const platform = search.isPlatform(ns);
  const plan: LabelPlan = search.planLabels(
    ns,
    observed.map((o) => o.flow),
    platform ? 'keep' : 'fresh',
  );
  const unallowedIndexes = new Set(plan.unallowed);
  const planned = new FixSearch({ repo, catalog, engine: search.view(ns, plan.labels) });
  const flows: DiscoveredFlow[] = observed.map((o, i) => {
    const allowedByRecommendation = !unallowedIndexes.has(i);
    let reason: string | null = null;
    let fix: DropFix | null = null;
    if (!allowedByRecommendation) {
      const d = planned.diagnose(o.flow, {}, { source: o.source, destination: o.destination });
      reason = d.fixReason === null ? d.cause : `${d.cause}; ${d.fixReason}`;
      fix = d.fix;
    }
    return {
      ...o,
      allowedNow: engine.verdict(o.flow).verdict === 'allowed',
      allowedByRecommendation,
      reason,
      fix,
    };
  });
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(plan.labels)) {
    if (key !== 'kubernetes.io/metadata.name') labels[key] = value;
  }
  const defined = engine.hasNamespace(ns);
  const currentLabels = search.labelsOf(ns);
  const finalStats: FlowSourceStats = tally.stats ?? emptyFlowSourceStats(options.input);
  const currentGrants = defined ? search.grantsOf(currentLabels) : [];
  return {
    namespace: ns,
    source: finalStats.source,
    platform,
    current: defined ? { profile: search.profileOf(currentLabels), grants: currentGrants } : null,
    recommended: { profile: plan.profile, grants: plan.grants },
    droppedGrants: currentGrants.filter((g) => !plan.grants.includes(g)),
    labels,
    labelsYaml: stringify({ metadata: { labels } }, { lineWidth: 0 }),
    labelsUnchanged: defined && sameLabelSet(labels, currentLabels),
    allowedCells: plan.allowedCells,
    flows,
    unallowed: flows.filter((f) => !f.allowedByRecommendation),
    skipped: {
      replies: tally.replies,
      unidentified: unidentified + tally.unconverted,
      overflow,
      unparsable: finalStats.unparsable,
    },
    diagnostics,
    stats: finalStats,
  };
}

/** Whether two label maps are equal, ignoring `kubernetes.io/metadata.name` (the API server sets it). */
function sameLabelSet(a: Labels, b: Labels): boolean {
  const keys = (l: Labels) =>
    Object.keys(l)
      .filter((k) => k !== 'kubernetes.io/metadata.name')
      .sort();
  const ka = keys(a);
  const kb = keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
