import { formatPeer } from '../../engine/peer-spec.js';
import type { Flow, FlowProtocol, Peer } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import type { Diagnostic } from '../../errors.js';
import type { FlowFilterFlags } from '../../hubble/filter.js';
import { EngineFlowConverter } from '../../hubble/to-engine.js';
import {
  emptyFlowSourceStats,
  type FlowInput,
  type FlowSourceStats,
  flowTimeSortKey,
  openFlowSourceBatches,
} from './flow-source.js';

/**
 * One connection observed in Hubble flows, deduplicated by source identity (namespace, pod labels, service
 * account; or the reserved entity / world address), destination, port and protocol.
 */
export interface ObservedFlow {
  /** The connection as the engine judges it (pod labels sorted by key). */
  readonly flow: Flow;
  /** The source in trace syntax (`billing/app=api`, `world:203.0.113.7`, `host` …). */
  readonly source: string;
  /** The destination in trace syntax. */
  readonly destination: string;
  /** Destination port; the ICMP type for ICMP. */
  readonly port: number;
  readonly protocol: FlowProtocol;
  /** Hubble flow records counted (a recorded summary line counts its `netpol_summary.count`). */
  readonly count: number;
  /** Earliest time seen (RFC 3339), or null when no record carried a time. */
  readonly firstSeen: string | null;
  /** Latest time seen (RFC 3339), or null. */
  readonly lastSeen: string | null;
  /** Hubble's verdicts of the records, name → count (`FORWARDED`, `DROPPED`, `AUDIT` …). */
  readonly verdicts: Readonly<Record<string, number>>;
}

/** The deduplicated connections of a flow source, with what was left out. */
export interface ObservedTraffic {
  /** Distinct connections, most records first (then by source, destination, port). */
  readonly flows: readonly ObservedFlow[];
  /** Records of replies (not policy decisions; their requests are what is judged). */
  readonly replies: number;
  /** Records that do not convert into a connection (no L4 port, unidentifiable peer). */
  readonly unconverted: number;
  /** Records of connections beyond `maxEntries`, counted and not kept. */
  readonly overflow: number;
  /** Diagnostics of the source (unparsable lines), at most `maxDiagnostics`. */
  readonly diagnostics: readonly Diagnostic[];
  /** Diagnostics left out of `diagnostics` beyond `maxDiagnostics` (counted, for "… and N more"). */
  readonly diagnosticsOmitted: number;
  /**
   * Capture lines that are not Hubble flows (`FLOW_UNPARSABLE`: not JSON, or JSON without a flow's fields), skipped:
   * how many, and the line numbers of the first {@link UNREADABLE_LINES_SHOWN}.
   */
  readonly unreadable: { readonly lines: number; readonly first: readonly number[] };
  readonly stats: FlowSourceStats;
}

/** Options of {@link collectObservedTraffic}. */
export interface ObservedTrafficOptions {
  /** Where the flows come from: a `hubble observe -o json|jsonpb` capture or a `netpol watch --record` summary. */
  readonly input: FlowInput;
  /** `hubble observe` filter flags (`since`, `until`, namespaces …). Default: none. */
  readonly filter?: FlowFilterFlags;
  /** The instant `since` counts back from. Default: now. */
  readonly now?: Date;
  /** Distinct connections kept; records of further ones are counted in `overflow`. Default: `100_000`. */
  readonly maxEntries?: number;
  /** Diagnostics kept. Default: `100`. */
  readonly maxDiagnostics?: number;
}

/** How many line numbers of unreadable lines {@link ObservedTraffic.unreadable} lists. */
export const UNREADABLE_LINES_SHOWN = 5;

interface Entry {
  readonly flow: Flow;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  readonly verdicts: Record<string, number>;
}

/** The peer with its pod labels sorted by key, so equal identities format and key equally. */
function sortedPeer(peer: Peer): Peer {
  if (peer.kind !== 'pod') return peer;
  const labels: Record<string, string> = {};
  for (const k of Object.keys(peer.labels).sort()) labels[k] = peer.labels[k] as string;
  return { ...peer, labels };
}

function peerKey(peer: Peer): string {
  return peer.kind === 'pod' ? `${formatPeer(peer)}\u0001${peer.serviceAccount ?? ''}` : formatPeer(peer);
}

/** One side of an observed connection: its peer as kept (labels sorted), its key and, once stored, its id. */
interface Side {
  readonly peer: Peer;
  readonly key: string;
  id: number | undefined;
}

const PROTOCOL_INDEX: Readonly<Record<FlowProtocol, number>> = {
  TCP: 0,
  UDP: 1,
  SCTP: 2,
  ICMPv4: 3,
  ICMPv6: 4,
};

/**
 * The key of a connection under its source: destination peer id, port (or ICMP type) and protocol, as one
 * number when the port is a whole number 0-65535 (always, for flows Hubble prints), else as a string.
 */
function connectionKey(destination: number, flow: Flow): number | string {
  const port = flow.icmpType ?? flow.port;
  if (Number.isInteger(port) && port >= 0 && port <= 65535) {
    return destination * 524_288 + port * 8 + PROTOCOL_INDEX[flow.protocol];
  }
  return `${destination}/${flow.protocol}/${port}`;
}

/** Whether time `a` is before time `b` (both normalised RFC 3339; equal lengths compare as strings). */
function earlier(a: string, b: string): boolean {
  return a.length === b.length ? a < b : flowTimeSortKey(a) < flowTimeSortKey(b);
}

/**
 * Reads a flow source and deduplicates its connection attempts: each record that is not a reply is
 * converted into the engine's flow (`toEngineFlow`) and counted under its source identity, destination,
 * port and protocol, with its first and last time and Hubble's verdicts. Lines of a `netpol watch --record`
 * summary count as their `netpol_summary.count` flows seen between its `first_seen` and `last_seen`.
 * Memory is bounded by `maxEntries`.
 * @throws NetpolError as `openFlowSource` (`NETPOL_INPUT_UNREADABLE`, `NETPOL_BAD_ARGUMENT`, `NETPOL_HUBBLE_FAILED`).
 * @example
 * const t = await collectObservedTraffic({ input: { kind: 'file', path: 'traffic.jsonl' } });
 * t.flows[0]; // { source: 'billing/app=api', destination: 'database/app=postgres', port: 5432, count: 31, … }
 */
export async function collectObservedTraffic(options: ObservedTrafficOptions): Promise<ObservedTraffic> {
  const maxEntries = options.maxEntries ?? 100_000;
  const maxDiagnostics = options.maxDiagnostics ?? 100;
  // Entries in the order they were first seen (the report's tie-break), found through two maps keyed by
  // numbers: source peer id → (destination peer id, port, protocol) → entry. Peer ids are given to the peers of
  // stored entries only, so memory stays bounded by `maxEntries`.
  const entries: Entry[] = [];
  const bySource = new Map<number, Map<number | string, Entry>>();
  const peerIds = new Map<string, number>();
  const diagnostics: Diagnostic[] = [];
  // Pod peers are shared between flows of one endpoint (EngineFlowConverter): their sorted form, key and id are
  // computed once per peer object.
  const converter = new EngineFlowConverter();
  const pods = new WeakMap<Peer, Side>();
  const sideOf = (peer: Peer): Side => {
    if (peer.kind !== 'pod') {
      const key = peerKey(peer);
      return { peer, key, id: peerIds.get(key) };
    }
    let side = pods.get(peer);
    if (side === undefined) {
      const sorted = sortedPeer(peer);
      const key = peerKey(sorted);
      side = { peer: sorted, key, id: peerIds.get(key) };
      pods.set(peer, side);
    } else if (side.id === undefined) side.id = peerIds.get(side.key);
    return side;
  };
  const intern = (side: Side): number => {
    let id = side.id ?? peerIds.get(side.key);
    if (id === undefined) {
      id = peerIds.size;
      peerIds.set(side.key, id);
    }
    side.id = id;
    return id;
  };
  let diagnosticsSeen = 0;
  let replies = 0;
  let unconverted = 0;
  let overflow = 0;
  let stats: FlowSourceStats | undefined;
  for await (const batch of openFlowSourceBatches({
    input: options.input,
    ...(options.filter !== undefined && { filter: options.filter }),
    ...(options.now !== undefined && { now: options.now }),
  }))
    for (const event of batch) {
      if (event.kind === 'diagnostic') {
        diagnosticsSeen++;
        if (diagnostics.length < maxDiagnostics) diagnostics.push(event.diagnostic);
        continue;
      }
      if (event.kind === 'stats') {
        stats = event.stats;
        continue;
      }
      const count = event.summary?.count ?? 1;
      if (event.flow.is_reply === true) {
        replies += count;
        continue;
      }
      const converted = converter.flow(event.flow);
      if (!converted.ok) {
        unconverted += count;
        continue;
      }
      const c = converted.flow;
      const source = sideOf(c.source);
      const destination = sideOf(c.destination);
      const first = (event.summary ? event.summary.firstSeen : event.flow.time) ?? null;
      const last = (event.summary ? event.summary.lastSeen : event.flow.time) ?? null;
      let entry =
        source.id === undefined || destination.id === undefined
          ? undefined
          : bySource.get(source.id)?.get(connectionKey(destination.id, c));
      if (!entry) {
        if (entries.length >= maxEntries) {
          overflow += count;
          continue;
        }
        entry = {
          flow: { ...c, source: source.peer, destination: destination.peer },
          count: 0,
          firstSeen: null,
          lastSeen: null,
          verdicts: {},
        };
        const sourceId = intern(source);
        let byDestination = bySource.get(sourceId);
        if (byDestination === undefined) {
          byDestination = new Map();
          bySource.set(sourceId, byDestination);
        }
        byDestination.set(connectionKey(intern(destination), c), entry);
        entries.push(entry);
      }
      entry.count += count;
      entry.verdicts[event.flow.verdict] = (entry.verdicts[event.flow.verdict] ?? 0) + count;
      if (first !== null && (entry.firstSeen === null || earlier(first, entry.firstSeen)))
        entry.firstSeen = first;
      if (last !== null && (entry.lastSeen === null || earlier(entry.lastSeen, last))) entry.lastSeen = last;
    }
  const flows = entries.map(
    (e): ObservedFlow => ({
      flow: e.flow,
      source: formatPeer(e.flow.source),
      destination: formatPeer(e.flow.destination),
      port: e.flow.icmpType ?? e.flow.port,
      protocol: e.flow.protocol,
      count: e.count,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      verdicts: e.verdicts,
    }),
  );
  flows.sort(compareObserved);
  return {
    flows,
    replies,
    unconverted,
    overflow,
    diagnostics,
    diagnosticsOmitted: diagnosticsSeen - diagnostics.length,
    unreadable: {
      lines: stats?.unparsable ?? 0,
      first: diagnostics
        .filter((d) => d.code === 'FLOW_UNPARSABLE' && d.source !== undefined)
        .slice(0, UNREADABLE_LINES_SHOWN)
        .map((d) => d.source?.line ?? 0),
    },
    stats: stats ?? emptyFlowSourceStats(options.input),
  };
}

/** Most records first, then source, destination, protocol and port (a stable report order). */
export function compareObserved(a: ObservedFlow, b: ObservedFlow): number {
  return (
    b.count - a.count ||
    cmp(a.source, b.source) ||
    cmp(a.destination, b.destination) ||
    cmp(a.protocol, b.protocol) ||
    a.port - b.port
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The earliest `firstSeen` and latest `lastSeen` of some observed flows (null when none has a time). */
export function observedWindow(flows: readonly ObservedFlow[]): {
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
} {
  let firstSeen: string | null = null;
  let lastSeen: string | null = null;
  for (const f of flows) {
    if (
      f.firstSeen !== null &&
      (firstSeen === null || flowTimeSortKey(f.firstSeen) < flowTimeSortKey(firstSeen))
    )
      firstSeen = f.firstSeen;
    if (f.lastSeen !== null && (lastSeen === null || flowTimeSortKey(f.lastSeen) > flowTimeSortKey(lastSeen)))
      lastSeen = f.lastSeen;
  }
  return { firstSeen, lastSeen };
}

/**
 * The sides of an observed connection in trace syntax, with the nodes an engine knows named: a `remote-node` (or
 * `host`) side recorded by its address alone becomes `remote-node@NODE:IP` when a Node object or `cluster.nodes`
 * entry of that engine's repository has the address (`PolicyEngine.knownNodeOf`). Other sides are as recorded.
 * @param o - an observed connection.
 * @param engine - the repository whose nodes name the sides.
 * @returns `{ source, destination }` in trace syntax.
 */
export function namedSides(
  o: ObservedFlow,
  engine: Pick<PolicyEngine, 'knownNodeOf'>,
): { readonly source: string; readonly destination: string } {
  const name = (peer: Peer, recorded: string): string => {
    if (peer.kind !== 'reserved' || peer.node !== undefined) return recorded;
    const node = engine.knownNodeOf(peer);
    return node === undefined ? recorded : formatPeer({ ...peer, node });
  };
  return { source: name(o.flow.source, o.source), destination: name(o.flow.destination, o.destination) };
}
