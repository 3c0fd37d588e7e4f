import { formatPeer } from '../../engine/peer-spec.js';
import type { Flow, FlowProtocol, Peer } from '../../engine/types.js';
import type { Diagnostic } from '../../errors.js';
import type { FlowFilterFlags } from '../../hubble/filter.js';
import { toEngineFlow } from '../../hubble/to-engine.js';
import {
  emptyFlowSourceStats,
  type FlowInput,
  type FlowSourceStats,
  flowTimeSortKey,
  openFlowSource,
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

interface Entry {
  readonly flow: Flow;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  firstKey: string | null;
  lastKey: string | null;
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
  const entries = new Map<string, Entry>();
  const diagnostics: Diagnostic[] = [];
  let replies = 0;
  let unconverted = 0;
  let overflow = 0;
  let stats: FlowSourceStats | undefined;
  for await (const event of openFlowSource({
    input: options.input,
    ...(options.filter !== undefined && { filter: options.filter }),
    ...(options.now !== undefined && { now: options.now }),
  })) {
    if (event.kind === 'diagnostic') {
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
    const converted = toEngineFlow(event.flow);
    if (!converted.ok) {
      unconverted += count;
      continue;
    }
    const flow: Flow = {
      ...converted.flow,
      source: sortedPeer(converted.flow.source),
      destination: sortedPeer(converted.flow.destination),
    };
    const key = `${peerKey(flow.source)}\u0000${peerKey(flow.destination)}\u0000${flow.protocol}\u0000${flow.icmpType ?? flow.port}`;
    const first = (event.summary ? event.summary.firstSeen : event.flow.time) ?? null;
    const last = (event.summary ? event.summary.lastSeen : event.flow.time) ?? null;
    let entry = entries.get(key);
    if (!entry) {
      if (entries.size >= maxEntries) {
        overflow += count;
        continue;
      }
      entry = {
        flow,
        count: 0,
        firstSeen: null,
        lastSeen: null,
        firstKey: null,
        lastKey: null,
        verdicts: {},
      };
      entries.set(key, entry);
    }
    entry.count += count;
    entry.verdicts[event.flow.verdict] = (entry.verdicts[event.flow.verdict] ?? 0) + count;
    if (first !== null) {
      const k = flowTimeSortKey(first);
      if (entry.firstKey === null || k < entry.firstKey) {
        entry.firstKey = k;
        entry.firstSeen = first;
      }
    }
    if (last !== null) {
      const k = flowTimeSortKey(last);
      if (entry.lastKey === null || k > entry.lastKey) {
        entry.lastKey = k;
        entry.lastSeen = last;
      }
    }
  }
  const flows = [...entries.values()].map(
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
