import fs from 'node:fs';
import path from 'node:path';
import type { Flow, FlowProtocol, Peer } from '../../engine/types.js';
import type { Diagnostic } from '../../errors.js';
import type { FlowFilterFlags } from '../../hubble/filter.js';
import { isPolicyDrop } from '../../hubble/parse-flow.js';
import { parseIdentityLabels, toEngineFlow } from '../../hubble/to-engine.js';
import type { HubbleEndpoint, HubbleFlow, HubblePolicyRef } from '../../hubble/types.js';
import { otherDefinitions } from '../../repo/duplicates.js';
import { applyYamlEdits, unifiedDiff, type YamlEdit } from '../../repo/edit.js';
import { STDIN_FILE } from '../../repo/load-repo.js';
import type { Labels } from '../../repo/model.js';
import { linkNote, resolveWriteTarget, type WriterFs, writeFiles } from '../../repo/write-files.js';
import type { LoadedRepo } from '../analysis/load.js';
import {
  type DeniedAt,
  type Diagnosis,
  type DropCauseCode,
  type DropFix,
  FixSearch,
  type ObservedDrop,
  type PolicyChangeFix,
} from './fix-search.js';
import {
  emptyFlowSourceStats,
  type FlowInput,
  type FlowSourceStats,
  flowPeerName,
  flowTimeSortKey,
  openFlowSourceBatches,
} from './flow-source.js';

/** Options of {@link findDrops}. */
export interface DropsOptions {
  /** Where the flows come from (a capture file, a stream such as stdin, or a Hubble Relay). */
  readonly input: FlowInput;
  /** `hubble observe` filter flags (`namespace` for `netpol drops NS`, `since`, `port` …). Default: none. */
  readonly filter?: FlowFilterFlags;
  /** The instant `--since 5m` counts back from. Default: now. */
  readonly now?: Date;
  /** Called once per group, when its first flow arrives (after diagnosis): for `--follow`. Default: none. */
  readonly onGroup?: (group: DropGroup) => void;
  /** Called before each reconnection to the Relay in follow mode. Default: none. */
  readonly onRetry?: (attempt: number, delayMs: number, error: Error) => void;
  /** How many unparsable-line diagnostics the report keeps (all are counted). Default: `100`. */
  readonly maxDiagnostics?: number;
  /** How many groups are kept; later new groups are only counted (bounded memory). Default: `10_000`. */
  readonly maxGroups?: number;
}

/** Policy drops of one kind: same source workload, destination, port, protocol and direction. */
export interface DropGroup {
  /** `namespace/workload`, `world` (ingress from outside the cluster) or a reserved entity. */
  readonly source: string;
  /** `namespace/workload`, `world:<first DNS name or IP>` or a reserved entity. */
  readonly destination: string;
  /** DNS names of a world destination (`destination_names`). */
  readonly destinationNames: readonly string[];
  /** Addresses of a world peer seen in the group (at most 5). */
  readonly worldIps: readonly string[];
  /** Destination port; the ICMP type for ICMP flows. */
  readonly port: number;
  readonly protocol: FlowProtocol;
  /** Where Hubble saw the drop (`traffic_direction`). */
  readonly direction: 'egress' | 'ingress' | 'unknown';
  readonly count: number;
  /** RFC 3339 time of the first and last flow of the group (null when the flows carry no time). */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** Deny rules Hubble named (`egress_denied_by`/`ingress_denied_by`), as `kind/namespace/name`. */
  readonly hubbleDeniedBy: readonly string[];
  /** The engine flow the group was diagnosed with (its first flow). */
  readonly flow: Flow;
  readonly deniedAt: DeniedAt | null;
  readonly drift: boolean;
  readonly cause: string;
  /** The kind of cause in one word, for metrics and alerts (see {@link DropCauseCode}). */
  readonly causeCode: DropCauseCode;
  readonly fix: DropFix | null;
  readonly fixReason: string | null;
  readonly caveats: readonly string[];
}

/** What `drops` read but did not diagnose, by reason. */
export interface DropsSkipped {
  /** Flows (and capture lines not even parsed) that were not drops: forwarded, audit, traced … */
  readonly notDropped: number;
  /** Dropped replies (`is_reply: true`): replies are not subject to policy. */
  readonly replies: number;
  /** Drops for other reasons than policy, by drop reason name (e.g. `CT_MAP_INSERTION_FAILED`). */
  readonly otherDropReasons: Readonly<Record<string, number>>;
  /** Policy drops netpol could not turn into an engine flow (no L4, unidentifiable peer), by reason. */
  readonly unidentified: Readonly<Record<string, number>>;
  /** Flows the filter flags rejected. */
  readonly filteredOut: number;
  /** Lines that could not be read; the report keeps the first ones in `diagnostics`. */
  readonly unparsable: number;
  /** Node status and lost-events lines. */
  readonly nonFlowLines: number;
  /** Events Hubble itself lost. */
  readonly lostEvents: number;
  /** Policy drops of groups beyond `maxGroups` (counted, not diagnosed). */
  readonly overflow: number;
}

/** The result of {@link findDrops}. */
export interface DropsReport {
  /** What was read, e.g. `flows.jsonl` or `Hubble Relay at localhost:4245`. */
  readonly source: string;
  /** Policy drops diagnosed (the sum of the group counts). */
  readonly policyDrops: number;
  /** Groups sorted by count (highest first), then source, destination and port. */
  readonly groups: readonly DropGroup[];
  readonly skipped: DropsSkipped;
  /** `FLOW_UNPARSABLE` diagnostics with their line numbers (the first `maxDiagnostics`). */
  readonly diagnostics: readonly Diagnostic[];
  readonly stats: FlowSourceStats;
}

/**
 * A pre-filter for raw capture lines: `false` means the line cannot be a drop, so `drops` never parses it. It
 * reads only up to the flow's `"verdict"` key (near the start of every Hubble line) and looks at its value: the
 * name `"DROPPED"` or the number 2 (lowerCamelCase writers print enums as numbers), with any spacing. Other drop
 * reasons pass, so they can be counted. A Hubble flow has one `verdict` key and no nested message with one, so the
 * first key decides; a string value that merely reads `"verdict"` is not a key (no `:` follows) and is skipped.
 * @param line - one raw line of `hubble observe -o json|jsonpb` output.
 */
export function mightBeDropped(line: string): boolean {
  let at = line.indexOf('"verdict"');
  while (at !== -1) {
    let i = at + 9;
    while (isBlank(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) === 58 /* : */) {
      i++;
      while (isBlank(line.charCodeAt(i))) i++;
      const c = line.charCodeAt(i);
      if (c === 34 /* " */) return line.startsWith('DROPPED"', i + 1);
      if (c === 50 /* 2 */) {
        const next = line.charCodeAt(i + 1);
        return !(next >= 48 && next <= 57) && next !== 46 /* . */;
      }
      return false;
    }
    at = line.indexOf('"verdict"', at + 9);
  }
  return false;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

type MutableGroup = {
  -readonly [K in keyof DropGroup]: DropGroup[K] extends readonly (infer T)[] ? T[] : DropGroup[K];
};

const MAX_WORLD_IPS = 5;

/** A group and the sort keys of its first and last times (kept so each flow compares two strings). */
interface Tracked {
  readonly group: MutableGroup;
  /** What Hubble said about the group's first flow (for a new diagnosis after a repository change). */
  readonly observed: ObservedDrop;
  firstKey: string | null;
  lastKey: string | null;
}

/**
 * The parts of a cheap key for flows that certainly fall in the same group: both security identities (an identity
 * stands for one set of identity labels, so one engine peer), both namespaces, the peer address or DNS name of a
 * non-pod destination (and, when a side is the host or a remote node, the observing node and the source address),
 * the destination port and protocol, and the direction. `undefined` (the full path) when an
 * identity is missing or the flow is not TCP, UDP or SCTP. Pods of two workloads with identical labels share an
 * identity, and so a group.
 */
interface IdentityKey {
  readonly source: number;
  /** Destination identity, port and protocol: one number when they fit (always, for flows Hubble prints). */
  readonly target: number | string;
  readonly sourceNamespace: string;
  readonly destinationNamespace: string;
  readonly peer: string;
  readonly direction: string;
}

const PROTOCOL_CODE = { T: 0, U: 1, S: 2 } as const;
/** Reserved numeric identities (pkg/identity/numericidentity.go): the local host and the other nodes. */
const HOST_IDENTITY = 1;
const REMOTE_NODE_IDENTITY = 6;

function identityKey(flow: HubbleFlow): IdentityKey | undefined {
  const s = flow.source;
  const d = flow.destination;
  const si = s?.identity;
  const di = d?.identity;
  if (!si || !di) return undefined;
  const l4 = flow.l4;
  if (!l4) return undefined;
  const ports = l4.TCP ?? l4.UDP ?? l4.SCTP;
  if (!ports) return undefined;
  const proto = l4.TCP ? 'T' : l4.UDP ? 'U' : 'S';
  const port = ports.destination_port ?? 0;
  const peer = d.namespace ? '' : (flow.destination_names?.[0] ?? flow.IP?.destination ?? '');
  // A host or remote-node side is one node (the observing one, or the one with the address), which the
  // repository may describe and judge apart from the others (flowPeerName names it).
  const node =
    si === HOST_IDENTITY || di === HOST_IDENTITY
      ? `${flow.node_name ?? ''}\u0000${si === REMOTE_NODE_IDENTITY ? (flow.IP?.source ?? '') : ''}`
      : si === REMOTE_NODE_IDENTITY
        ? (flow.IP?.source ?? '')
        : '';
  return {
    source: si,
    target:
      Number.isInteger(di) && di > 0 && di < 2 ** 33 && Number.isInteger(port) && port >= 0 && port <= 65535
        ? di * 262_144 + port * 4 + PROTOCOL_CODE[proto]
        : `${di}\u0000${proto}${port}`,
    sourceNamespace: s.namespace ?? '',
    destinationNamespace: d.namespace ?? '',
    peer: node === '' ? peer : `${peer}\u0001${node}`,
    direction: flow.traffic_direction ?? '',
  };
}

/** Groups by {@link IdentityKey}: numbers through maps, the strings compared in a short list (a map when long). */
class IdentityIndex {
  private readonly bySource = new Map<number, Map<number | string, IdentityBucket>>();
  size = 0;

  get(key: IdentityKey): Tracked | undefined {
    const bucket = this.bySource.get(key.source)?.get(key.target);
    if (bucket === undefined) return undefined;
    if (bucket.map !== undefined) return bucket.map.get(restKey(key));
    for (const hit of bucket.list) {
      if (
        hit.peer === key.peer &&
        hit.sourceNamespace === key.sourceNamespace &&
        hit.destinationNamespace === key.destinationNamespace &&
        hit.direction === key.direction
      ) {
        return hit.tracked;
      }
    }
    return undefined;
  }

  /** Adds a key that {@link get} does not find. */
  add(key: IdentityKey, tracked: Tracked): void {
    let targets = this.bySource.get(key.source);
    if (targets === undefined) {
      targets = new Map();
      this.bySource.set(key.source, targets);
    }
    let bucket = targets.get(key.target);
    if (bucket === undefined) {
      bucket = { list: [] };
      targets.set(key.target, bucket);
    }
    this.size++;
    if (bucket.map === undefined && bucket.list.length < 8) {
      bucket.list.push({ ...key, tracked });
      return;
    }
    if (bucket.map === undefined) {
      bucket.map = new Map(bucket.list.map((hit) => [restKey(hit), hit.tracked]));
      bucket.list = [];
    }
    bucket.map.set(restKey(key), tracked);
  }
}

interface IdentityBucket {
  list: (IdentityKey & { readonly tracked: Tracked })[];
  map?: Map<string, Tracked>;
}

function restKey(key: IdentityKey): string {
  return `${key.sourceNamespace}\u0000${key.destinationNamespace}\u0000${key.peer}\u0000${key.direction}`;
}

/** Options of {@link DropGrouper}. */
export interface DropGrouperOptions {
  /** How many groups are kept; later new groups are only counted (bounded memory). Default: `10_000`. */
  readonly maxGroups?: number;
  /** Called once per group, when its first flow arrives (after diagnosis). Default: none. */
  readonly onGroup?: (group: DropGroup) => void;
}

/** What {@link DropGrouper.add} did with a flow. */
export type DropAddResult =
  | { readonly kind: 'grouped'; readonly group: DropGroup; readonly isNew: boolean }
  | {
      readonly kind: 'skipped';
      readonly reason: 'not-dropped' | 'other-reason' | 'reply' | 'unidentified' | 'overflow';
    };

/**
 * Groups dropped flows one at a time and diagnoses each group once: the incremental core of {@link findDrops}
 * (batch) and of `netpol watch` (forever). A flow whose two security identities, port and direction were seen
 * before joins its group through one map lookup, without being converted again; a new group is diagnosed with
 * {@link FixSearch.diagnose} and the diagnosis is kept with the group (the per-group cache). Memory grows with the
 * number of groups, bounded by `maxGroups`; drops of groups beyond it are counted as `overflow`.
 */
export class DropGrouper {
  private search: FixSearch;
  /** Names the nodes of host and remote-node sides (the engine of the revision groups are diagnosed against). */
  private engine: Pick<LoadedRepo, 'engine'>['engine'];
  private readonly maxGroups: number;
  private readonly onGroup: ((group: DropGroup) => void) | undefined;
  private readonly groups = new Map<string, Tracked>();
  private readonly byIdentity = new IdentityIndex();
  private readonly otherDropReasons: Record<string, number> = {};
  private readonly unidentified: Record<string, number> = {};
  private replies = 0;
  private notDropped = 0;
  private overflow = 0;
  private drops = 0;

  /**
   * @param loaded - the repository, engine and catalogue the groups are diagnosed against.
   * @param options - group limit and new-group callback.
   */
  constructor(loaded: Pick<LoadedRepo, 'repo' | 'engine' | 'catalog'>, options: DropGrouperOptions = {}) {
    this.search = new FixSearch(loaded);
    this.engine = loaded.engine;
    this.maxGroups = options.maxGroups ?? 10_000;
    this.onGroup = options.onGroup;
  }

  /** Policy drops grouped so far (the sum of the group counts). */
  get policyDrops(): number {
    return this.drops;
  }

  /** Number of groups. */
  get size(): number {
    return this.groups.size;
  }

  /**
   * Adds one flow: a policy drop (`POLICY_DENIED`, `POLICY_DENY`, not a reply) joins or opens its group; anything
   * else is counted by reason.
   * @param flow - a normalised Hubble flow.
   * @returns the group and whether it is new, or why the flow was skipped.
   */
  add(flow: HubbleFlow): DropAddResult {
    if (flow.verdict !== 'DROPPED') {
      this.notDropped++;
      return { kind: 'skipped', reason: 'not-dropped' };
    }
    if (!isPolicyDrop(flow)) {
      const reason = flow.drop_reason_desc ?? 'DROP_REASON_UNKNOWN';
      this.otherDropReasons[reason] = (this.otherDropReasons[reason] ?? 0) + 1;
      return { kind: 'skipped', reason: 'other-reason' };
    }
    if (flow.is_reply === true) {
      this.replies++;
      return { kind: 'skipped', reason: 'reply' };
    }
    // Fast path: a flow whose two identities, port and direction were seen before belongs to a known group.
    const fastKey = identityKey(flow);
    const known = fastKey === undefined ? undefined : this.byIdentity.get(fastKey);
    if (known) {
      this.drops++;
      known.group.count++;
      updateGroup(known, flow);
      return { kind: 'grouped', group: known.group, isNew: false };
    }
    const converted = toEngineFlow(flow);
    if (!converted.ok) {
      this.unidentified[converted.reason] = (this.unidentified[converted.reason] ?? 0) + 1;
      return { kind: 'skipped', reason: 'unidentified' };
    }
    const engineFlow = converted.flow;
    const source = flowPeerName(flow.source, engineFlow.source, true, this.engine);
    const destination = flowPeerName(flow.destination, engineFlow.destination, false, this.engine);
    const direction = directionOf(flow);
    const port = engineFlow.icmpType ?? engineFlow.port;
    const key = `${source}\u0000${destination}\u0000${port}\u0000${engineFlow.protocol}\u0000${direction}`;
    let tracked = this.groups.get(key);
    if (!tracked) {
      if (this.groups.size >= this.maxGroups) {
        this.overflow++;
        return { kind: 'skipped', reason: 'overflow' };
      }
      const observed = observedOf(flow, direction);
      const diagnosis = this.search.diagnose(engineFlow, observed, { source, destination });
      const group = newGroup(flow, engineFlow, { source, destination, port, direction }, diagnosis);
      tracked = {
        group,
        observed,
        firstKey: flow.time === undefined ? null : flowTimeSortKey(flow.time),
        lastKey: null,
      };
      tracked.lastKey = tracked.firstKey;
      this.groups.set(key, tracked);
      if (fastKey !== undefined) this.byIdentity.add(fastKey, tracked);
      this.drops++;
      this.onGroup?.(group);
      return { kind: 'grouped', group, isNew: true };
    }
    if (fastKey !== undefined && this.byIdentity.size < this.maxGroups * 8)
      this.byIdentity.add(fastKey, tracked);
    this.drops++;
    tracked.group.count++;
    updateGroup(tracked, flow);
    return { kind: 'grouped', group: tracked.group, isNew: false };
  }

  /**
   * Diagnoses every group again against another revision of the repository (counts and times are kept); later
   * groups are diagnosed against it too. The group objects stay the same, their cause and fix change.
   * @param loaded - the new repository, engine and catalogue.
   */
  rediagnose(loaded: Pick<LoadedRepo, 'repo' | 'engine' | 'catalog'>): void {
    this.search = new FixSearch(loaded);
    this.engine = loaded.engine;
    for (const tracked of this.groups.values()) {
      const g = tracked.group;
      const d = this.search.diagnose(g.flow, tracked.observed, {
        source: g.source,
        destination: g.destination,
      });
      g.deniedAt = d.deniedAt;
      g.drift = d.drift;
      g.cause = d.cause;
      g.causeCode = d.causeCode;
      g.fix = d.fix;
      g.fixReason = d.fixReason;
      g.caveats = [...d.caveats];
    }
  }

  /** The groups sorted by count (highest first), then source, destination and port. */
  sortedGroups(): DropGroup[] {
    return [...this.groups.values()]
      .map((t) => t.group as DropGroup)
      .sort(
        (a, b) =>
          b.count - a.count ||
          a.source.localeCompare(b.source) ||
          a.destination.localeCompare(b.destination) ||
          a.port - b.port,
      );
  }

  /**
   * A drops report of everything added so far.
   * @param stats - the flow source's counts (the skipped counts of lines never parsed come from it).
   * @param diagnostics - the source's diagnostics kept for the report.
   */
  report(stats: FlowSourceStats, diagnostics: readonly Diagnostic[] = []): DropsReport {
    return {
      source: stats.source,
      policyDrops: this.drops,
      groups: this.sortedGroups(),
      skipped: {
        notDropped: stats.prefiltered + stats.unselected + this.notDropped,
        replies: this.replies,
        otherDropReasons: { ...this.otherDropReasons },
        unidentified: { ...this.unidentified },
        filteredOut: stats.filteredOut,
        unparsable: stats.unparsable,
        nonFlowLines: stats.nonFlowLines,
        lostEvents: stats.lostEvents,
        overflow: this.overflow,
      },
      diagnostics: [...diagnostics],
      stats,
    };
  }
}

/**
 * Reads flows and turns every policy drop (`POLICY_DENIED`, `POLICY_DENY`) into a group with its cause and the git
 * change that fixes it (see {@link FixSearch} and {@link DropGrouper}). Replies and other drop reasons are counted,
 * not diagnosed. Streaming: capture lines that cannot be a drop are not parsed, flows are never kept, and memory
 * grows only with the number of groups (bounded by `maxGroups`).
 *
 * @param loaded - the repository, engine and catalogue (`loadForAnalysis`).
 * @param options - the flow input and filters.
 * @returns the groups and what was skipped.
 * @throws NetpolError as {@link openFlowSource} (bad filter flags, unreadable capture, Relay failures).
 * @example
 * const loaded = await loadForAnalysis({ root: 'examples/homelab' });
 * const report = await findDrops(loaded, { input: { kind: 'file', path: 'flows.jsonl' }, filter: { namespace: 'web' } });
 * report.groups[0]?.fix; // { kind: 'add-label', namespace: 'web', label: 'access.network-policy.homelab/postgres', … }
 */
export async function findDrops(
  loaded: Pick<LoadedRepo, 'repo' | 'engine' | 'catalog'>,
  options: DropsOptions,
): Promise<DropsReport> {
  const grouper = new DropGrouper(loaded, {
    ...(options.maxGroups !== undefined && { maxGroups: options.maxGroups }),
    ...(options.onGroup !== undefined && { onGroup: options.onGroup }),
  });
  const maxDiagnostics = options.maxDiagnostics ?? 100;
  const diagnostics: Diagnostic[] = [];
  let stats: FlowSourceStats | undefined;

  for await (const batch of openFlowSourceBatches({
    input: options.input,
    ...(options.filter !== undefined && { filter: options.filter }),
    ...(options.now !== undefined && { now: options.now }),
    ...(options.onRetry !== undefined && { onRetry: options.onRetry }),
    verdicts: ['DROPPED'],
    prefilter: mightBeDropped,
  }))
    for (const event of batch) {
      if (event.kind === 'diagnostic') {
        if (diagnostics.length < maxDiagnostics) diagnostics.push(event.diagnostic);
        continue;
      }
      if (event.kind === 'stats') {
        stats = event.stats;
        continue;
      }
      grouper.add(event.flow);
    }
  return grouper.report(stats ?? emptyFlowSourceStats(options.input), diagnostics);
}

function directionOf(flow: HubbleFlow): 'egress' | 'ingress' | 'unknown' {
  const d = flow.traffic_direction;
  return d === 'EGRESS' ? 'egress' : d === 'INGRESS' ? 'ingress' : 'unknown';
}

function policyRefs(refs: readonly HubblePolicyRef[] | undefined): string[] {
  return (refs ?? []).map((r) => `${r.kind ?? 'CiliumNetworkPolicy'}/${r.namespace ?? ''}/${r.name ?? '?'}`);
}

/** Namespace labels as the cluster had them, from `k8s:io.cilium.k8s.namespace.labels.<key>=<value>`. */
function liveNamespaceLabels(endpoint: HubbleEndpoint | undefined): Labels | undefined {
  const prefix = 'io.cilium.k8s.namespace.labels.';
  let out: Record<string, string> | undefined;
  for (const label of parseIdentityLabels(endpoint?.labels)) {
    if (label.source !== 'k8s' || !label.key.startsWith(prefix)) continue;
    out ??= {};
    out[label.key.slice(prefix.length)] = label.value;
  }
  return out;
}

function observedOf(flow: HubbleFlow, direction: 'egress' | 'ingress' | 'unknown'): ObservedDrop {
  const deniedBy = [...policyRefs(flow.egress_denied_by), ...policyRefs(flow.ingress_denied_by)];
  const source = liveNamespaceLabels(flow.source);
  const destination = liveNamespaceLabels(flow.destination);
  return {
    ...(direction !== 'unknown' && { direction }),
    ...(deniedBy.length > 0 && { deniedBy }),
    ...((source || destination) && {
      liveNamespaceLabels: { ...(source && { source }), ...(destination && { destination }) },
    }),
  };
}

function worldPeer(flow: Flow): Extract<Peer, { kind: 'world' }> | undefined {
  if (flow.destination.kind === 'world') return flow.destination;
  if (flow.source.kind === 'world') return flow.source;
  return undefined;
}

function newGroup(
  flow: HubbleFlow,
  engineFlow: Flow,
  key: { source: string; destination: string; port: number; direction: DropGroup['direction'] },
  diagnosis: Diagnosis,
): MutableGroup {
  const world = worldPeer(engineFlow);
  return {
    source: key.source,
    destination: key.destination,
    destinationNames:
      engineFlow.destination.kind === 'world' ? [...(engineFlow.destination.names ?? [])] : [],
    worldIps: world?.ip ? [world.ip] : [],
    port: key.port,
    protocol: engineFlow.protocol,
    direction: key.direction,
    count: 1,
    firstSeen: flow.time ?? null,
    lastSeen: flow.time ?? null,
    hubbleDeniedBy: [...policyRefs(flow.egress_denied_by), ...policyRefs(flow.ingress_denied_by)],
    flow: engineFlow,
    deniedAt: diagnosis.deniedAt,
    drift: diagnosis.drift,
    cause: diagnosis.cause,
    causeCode: diagnosis.causeCode,
    fix: diagnosis.fix,
    fixReason: diagnosis.fixReason,
    caveats: [...diagnosis.caveats],
  };
}

function updateGroup(tracked: Tracked, flow: HubbleFlow): void {
  const group = tracked.group;
  const time = flow.time;
  // Times of one capture mostly share a precision: equal lengths compare as strings, else via the padded key.
  if (time !== undefined) {
    const first = group.firstSeen;
    if (
      first === null ||
      (time.length === first.length ? time < first : flowTimeSortKey(time) < (tracked.firstKey ?? ''))
    ) {
      tracked.firstKey = flowTimeSortKey(time);
      group.firstSeen = time;
    }
    const last = group.lastSeen;
    if (
      last === null ||
      (time.length === last.length ? time > last : flowTimeSortKey(time) > (tracked.lastKey ?? ''))
    ) {
      tracked.lastKey = flowTimeSortKey(time);
      group.lastSeen = time;
    }
  }
  if (group.worldIps.length > 0 && group.worldIps.length < MAX_WORLD_IPS) {
    const ip = group.flow.destination.kind === 'world' ? flow.IP?.destination : flow.IP?.source;
    if (ip && !group.worldIps.includes(ip)) group.worldIps.push(ip);
  }
  if (group.flow.destination.kind === 'world' && flow.destination_names) {
    for (const name of flow.destination_names) {
      if (!group.destinationNames.includes(name) && group.destinationNames.length < MAX_WORLD_IPS) {
        group.destinationNames.push(name);
      }
    }
  }
  if (flow.egress_denied_by || flow.ingress_denied_by) {
    for (const ref of [...policyRefs(flow.egress_denied_by), ...policyRefs(flow.ingress_denied_by)]) {
      if (!group.hubbleDeniedBy.includes(ref)) group.hubbleDeniedBy.push(ref);
    }
  }
}

/** One namespace manifest edited by {@link applyDropFixes}. */
export interface AppliedLabelChange {
  readonly namespace: string;
  /** The manifest file, relative to the repository root. */
  readonly file: string;
  /** Each label set: its key, the value before (null when absent) and after. */
  readonly changes: readonly { readonly label: string; readonly from: string | null; readonly to: string }[];
  /** Groups this change fixes. */
  readonly groups: number;
}

/** The outcome of {@link applyDropFixes}. */
export interface DropFixOutcome {
  readonly applied: readonly AppliedLabelChange[];
  /**
   * Unified diffs of the edited files, one per file. `linkTarget` is set when the file is a symbolic link:
   * its target (relative to the root) is what was edited, and the diff starts with a `#` line saying so.
   */
  readonly diffs: readonly { readonly file: string; readonly diff: string; readonly linkTarget?: string }[];
  /** Namespaces whose fixes were not applied, with the reason. */
  readonly refused: readonly { readonly namespace: string; readonly reason: string }[];
  /** Policy changes (printed, never applied). */
  readonly policyChanges: readonly PolicyChangeFix[];
}

/** Options of {@link applyDropFixes}. */
export interface ApplyDropFixesOptions {
  /** Compute the edits and diffs without writing. Default: `false`. */
  readonly dryRun?: boolean;
  /** The file-system calls used to write (tests inject failures). Default: `node:fs`. */
  readonly fs?: WriterFs;
}

/**
 * Writes the label fixes of a drops report (`add-label`, `set-profile`) into the namespace manifests of the
 * repository: only the label values change (`applyYamlEdits`: comments, key order, style, line endings and other
 * documents are kept); the files are written all or none, a symbolic link inside the repository is kept and its
 * target written; each file's unified diff is returned. Never touches the live cluster. When several groups ask for different profiles
 * for one namespace, {@link FixSearch.planLabels} picks the profile (and grants) that allow all their flows with
 * the least extra privilege. Policy changes are only returned, never applied.
 *
 * @param loaded - the repository the report was computed against (loaded from a directory, not `-f`).
 * @param report - from {@link findDrops}.
 * @param options - `dryRun` to only compute the diffs.
 * @returns what was edited, the diffs, what was refused and the policy changes to make by hand.
 * @throws NetpolError `NETPOL_WRITE_FAILED` when a manifest cannot be edited or written (then nothing is
 *   written), or is a symbolic link leading outside the repository.
 */
export function applyDropFixes(
  loaded: Pick<LoadedRepo, 'repo' | 'engine' | 'catalog'> & Partial<Pick<LoadedRepo, 'diagnostics'>>,
  report: Pick<DropsReport, 'groups'>,
  options: ApplyDropFixesOptions = {},
): DropFixOutcome {
  const search = new FixSearch(loaded);
  const { repo, catalog } = loaded;
  const byNamespace = new Map<string, DropGroup[]>();
  const policyChanges: PolicyChangeFix[] = [];
  for (const group of report.groups) {
    const fix = group.fix;
    if (!fix) continue;
    if (fix.kind === 'policy-change') {
      policyChanges.push(fix);
      continue;
    }
    if (fix.kind !== 'add-label' && fix.kind !== 'set-profile') continue;
    const list = byNamespace.get(fix.namespace) ?? [];
    list.push(group);
    byNamespace.set(fix.namespace, list);
  }

  const refused: { namespace: string; reason: string }[] = [];
  const planned: {
    namespace: string;
    file: string;
    documentIndex: number;
    changes: AppliedLabelChange['changes'];
    groups: number;
  }[] = [];
  for (const [namespace, groups] of [...byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const object = repo.namespaces.find((n) => n.name === namespace);
    if (!object) {
      refused.push({
        namespace,
        reason: `namespace ${namespace} is not defined in the repository, so there is no manifest to edit; add its Namespace manifest first`,
      });
      continue;
    }
    const twice = otherDefinitions(repo.root, object.source, loaded.diagnostics ?? []);
    if (twice.length > 0) {
      const places = [object.source, ...twice].map((s) => `${s.file}:${s.line}`);
      refused.push({
        namespace,
        reason: `namespace ${namespace} is defined ${places.length} times (${places.join(', ')}), so netpol does not know which definition to edit; keep one`,
      });
      continue;
    }
    if (repo.root === '' || object.source.file === STDIN_FILE) {
      refused.push({
        namespace,
        reason: `namespace ${namespace} was read from ${STDIN_FILE}, not from a file`,
      });
      continue;
    }
    const current = object.labels;
    const target: Record<string, string> = { ...current };
    const profiles = new Set<string>();
    for (const group of groups) {
      const fix = group.fix;
      if (fix?.kind === 'add-label') target[fix.label] = fix.value;
      if (fix?.kind === 'set-profile') profiles.add(fix.to);
    }
    const profileLabel = catalog.profileLabel;
    if (profiles.size === 1 && profileLabel) target[profileLabel] = [...profiles][0] as string;
    const flows = groups.map((g) => g.flow);
    let labels: Labels = target;
    if (profiles.size > 1 || !flows.every((f) => search.allows(namespace, target, f))) {
      const plan = search.planLabels(namespace, flows, 'keep');
      labels = { ...plan.labels };
      if (plan.unallowed.length > 0) {
        refused.push({
          namespace,
          reason: `no single profile of namespace ${namespace} allows all ${flows.length} of its dropped flows; the change allows ${flows.length - plan.unallowed.length}`,
        });
      }
    }
    const changes = Object.keys(labels)
      .filter((key) => labels[key] !== current[key])
      .sort()
      .map((label) => ({ label, from: current[label] ?? null, to: labels[label] as string }));
    if (changes.length === 0) continue;
    planned.push({
      namespace,
      file: object.source.file,
      documentIndex: object.documentIndex,
      changes,
      groups: groups.length,
    });
  }

  const byFile = new Map<string, typeof planned>();
  for (const p of planned) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
  const diffs: { file: string; diff: string; linkTarget?: string }[] = [];
  const writes: { file: string; text: string }[] = [];
  const texts = new Map<string, { before: string; after: string }>();
  for (const [file, entries] of [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const absolute = path.join(repo.root, file);
    let before: string;
    try {
      before = fs.readFileSync(absolute, 'utf8');
    } catch (error) {
      for (const e of entries) {
        refused.push({
          namespace: e.namespace,
          reason: `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      continue;
    }
    const edits: YamlEdit[] = entries.flatMap((e) =>
      e.changes.map((c) => ({
        documentIndex: e.documentIndex,
        path: ['metadata', 'labels', c.label],
        value: c.to,
      })),
    );
    const after = applyYamlEdits(before, edits).text;
    writes.push({ file: absolute, text: after });
    texts.set(file, { before, after });
  }
  // All files or none; a link inside the repository is kept and its target written (and the diff says so).
  const targets = writes.map((w) => resolveWriteTarget(w.file, { boundary: repo.root }));
  if (!options.dryRun) writeFiles(writes, { boundary: repo.root, ...(options.fs ? { fs: options.fs } : {}) });
  for (const [i, [file, { before, after }]] of [...texts].entries()) {
    const target = targets[i];
    const note = target?.link ? `${linkNote(file, target.shown)}\n` : '';
    diffs.push({
      file,
      diff: note + unifiedDiff(file, before, after),
      ...(target?.link ? { linkTarget: target.shown } : {}),
    });
  }
  const written = new Set(diffs.map((d) => d.file));
  return {
    applied: planned
      .filter((p) => written.has(p.file))
      .map((p) => ({ namespace: p.namespace, file: p.file, changes: p.changes, groups: p.groups })),
    diffs,
    refused,
    policyChanges,
  };
}
