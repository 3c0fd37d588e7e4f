import fs from 'node:fs';
import type { HubbleEndpoint, HubbleFlow } from '../../hubble/types.js';
import { writeFileAtomic } from '../../repo/write-files.js';
import { flowTimeSortKey } from '../flows/flow-source.js';

/** Options of {@link TrafficRecorder}. */
export interface TrafficRecorderOptions {
  /** The summary file (JSON lines, readable by `netpol discover --flows FILE`). */
  readonly file: string;
  /** When a written summary exceeds this many bytes it is rotated to `FILE.1` and a new one starts. Default: 64 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept (`FILE.1` … `FILE.N`). Default: `3`. */
  readonly keep?: number;
  /** Distinct entries kept in memory; flows of further ones are only counted. Default: `50_000`. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly flow: HubbleFlow;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  firstKey: string | null;
  lastKey: string | null;
}

/** What a {@link TrafficRecorder.flush} wrote. */
export interface RecordFlush {
  readonly entries: number;
  readonly bytes: number;
  /** True when the file was rotated after this write (the summary starts over). */
  readonly rotated: boolean;
}

function sideKey(
  endpoint: HubbleEndpoint | undefined,
  ip: string | undefined,
  names: readonly string[] | undefined,
): string {
  if (endpoint?.namespace) {
    const labels = [...(endpoint.labels ?? [])].sort().join(',');
    return `${endpoint.namespace}\u0001${labels}`;
  }
  const labels = [...(endpoint?.labels ?? [])].sort().join(',');
  return `${labels}\u0001${names?.[0] ?? ip ?? ''}`;
}

function portOf(flow: HubbleFlow): string {
  const l4 = flow.l4;
  const ports = l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
  if (ports) return `${l4?.TCP ? 'TCP' : l4?.UDP ? 'UDP' : 'SCTP'}/${ports.destination_port ?? 0}`;
  if (l4?.ICMPv4) return `ICMPv4/${l4.ICMPv4.type ?? 0}`;
  if (l4?.ICMPv6) return `ICMPv6/${l4.ICMPv6.type ?? 0}`;
  return 'none';
}

/** The fields of a flow the summary keeps (what `discover` and `drops` read), without per-packet details. */
function compact(flow: HubbleFlow): HubbleFlow {
  const side = (e: HubbleEndpoint | undefined): HubbleEndpoint | undefined =>
    e && {
      ...(e.identity !== undefined && { identity: e.identity }),
      ...(e.namespace !== undefined && { namespace: e.namespace }),
      ...(e.labels !== undefined && { labels: e.labels }),
      ...(e.pod_name !== undefined && { pod_name: e.pod_name }),
      ...(e.workloads !== undefined && { workloads: e.workloads }),
    };
  const l4 = flow.l4;
  const strip = <T extends { flags?: unknown }>(p: T): Omit<T, 'flags'> => {
    const { flags: _flags, ...rest } = p;
    return rest;
  };
  const source = side(flow.source);
  const destination = side(flow.destination);
  return {
    verdict: flow.verdict,
    ...(flow.drop_reason_desc !== undefined && { drop_reason_desc: flow.drop_reason_desc }),
    ...(flow.traffic_direction !== undefined && { traffic_direction: flow.traffic_direction }),
    ...(flow.is_reply !== undefined && { is_reply: flow.is_reply }),
    ...(flow.IP !== undefined && { IP: { ...flow.IP } }),
    ...(l4 !== undefined && { l4: l4.TCP ? { TCP: strip(l4.TCP) } : { ...l4 } }),
    ...(source !== undefined && { source }),
    ...(destination !== undefined && { destination }),
    ...(flow.destination_names !== undefined && { destination_names: flow.destination_names }),
  };
}

/**
 * A compact summary of the traffic `netpol watch` sees (`--record FILE`): flows deduplicated by source identity
 * labels, destination (identity labels, or address / DNS name outside the cluster), port, protocol, verdict and
 * reply flag, each with a count and its first and last time. Replies count in the entry of their own direction.
 *
 * The file is JSON lines in the shape of `hubble observe -o jsonpb` (`{"flow": {...}, "time": …}`) with a
 * `netpol_summary: {count, first_seen, last_seen}` member, so `netpol discover --flows FILE` reads it (each line
 * weighs its count) and any Hubble tool reads one representative flow per entry; the flow's `time` is its last
 * sighting, so `--since` keeps entries seen recently. {@link flush} rewrites the file atomically; once it exceeds
 * `maxBytes` it becomes `FILE.1` (older ones shift up to `FILE.<keep>`) and the summary starts over. Memory is
 * bounded by `maxEntries`.
 */
export class TrafficRecorder {
  private entries = new Map<string, Entry>();
  private dropped = 0;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly maxEntries: number;

  /** @param options - file, rotation and memory bounds. */
  constructor(private readonly options: TrafficRecorderOptions) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.keep = options.keep ?? 3;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  /** Distinct entries in the current summary. */
  get size(): number {
    return this.entries.size;
  }

  /** Flows not recorded because the summary was full. */
  get overflow(): number {
    return this.dropped;
  }

  /**
   * Counts one flow into its entry.
   * @param flow - a normalised flow.
   */
  add(flow: HubbleFlow): void {
    const key = `${sideKey(flow.source, flow.IP?.source, flow.source_names)}\u0000${sideKey(flow.destination, flow.IP?.destination, flow.destination_names)}\u0000${portOf(flow)}\u0000${flow.verdict}\u0000${flow.is_reply === true ? 'r' : ''}`;
    const entry = this.entries.get(key);
    const time = flow.time ?? null;
    if (!entry) {
      if (this.entries.size >= this.maxEntries) {
        this.dropped++;
        return;
      }
      const timeKey = time === null ? null : flowTimeSortKey(time);
      this.entries.set(key, {
        flow: compact(flow),
        count: 1,
        firstSeen: time,
        lastSeen: time,
        firstKey: timeKey,
        lastKey: timeKey,
      });
      return;
    }
    entry.count++;
    if (time === null) return;
    const timeKey = flowTimeSortKey(time);
    if (entry.firstKey === null || timeKey < entry.firstKey) {
      entry.firstKey = timeKey;
      entry.firstSeen = time;
    }
    if (entry.lastKey === null || timeKey > entry.lastKey) {
      entry.lastKey = timeKey;
      entry.lastSeen = time;
    }
  }

  /**
   * Writes the summary (atomically) and rotates the file when it exceeds `maxBytes`.
   * @returns what was written.
   * @throws NetpolError `NETPOL_WRITE_FAILED` when the file cannot be written.
   */
  flush(): RecordFlush {
    let text = '';
    for (const entry of this.entries.values()) {
      const flow = entry.lastSeen === null ? entry.flow : { ...entry.flow, time: entry.lastSeen };
      text += `${JSON.stringify({
        flow,
        ...(entry.lastSeen !== null && { time: entry.lastSeen }),
        netpol_summary: { count: entry.count, first_seen: entry.firstSeen, last_seen: entry.lastSeen },
      })}\n`;
    }
    writeFileAtomic(this.options.file, text);
    const bytes = Buffer.byteLength(text);
    const entries = this.entries.size;
    if (bytes <= this.maxBytes) return { entries, bytes, rotated: false };
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = `${this.options.file}.${i}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.options.file}.${i + 1}`);
    }
    if (this.keep > 0) fs.renameSync(this.options.file, `${this.options.file}.1`);
    writeFileAtomic(this.options.file, '');
    this.entries = new Map();
    return { entries, bytes, rotated: true };
  }
}
