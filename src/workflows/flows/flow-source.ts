import { createReadStream } from 'node:fs';
import type { Flow, Peer } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import type { Diagnostic } from '../../errors.js';
import { NetpolError, STDIN_FILE } from '../../errors.js';
import {
  buildFlowFilter,
  type FlowFilter,
  type FlowFilterFlags,
  matchesFlowFilter,
} from '../../hubble/filter.js';
import { readFlowBatches } from '../../hubble/read-flows.js';
import type { RetryOptions } from '../../hubble/relay-client.js';
import { toEngineFlow, workloadName } from '../../hubble/to-engine.js';
import type {
  FlowSummary,
  HubbleEndpoint,
  HubbleFlow,
  HubbleVerdictName,
  NonFlowEvent,
} from '../../hubble/types.js';

/**
 * Where flows come from: a capture of `hubble observe -o json|jsonpb` (a file, or a stream such as standard
 * input), or a Hubble Relay reached over gRPC (what `hubble observe` itself talks to).
 */
export type FlowInput =
  | {
      readonly kind: 'file';
      /** Path of the capture. */
      readonly path: string;
      /** Name shown in diagnostics and reports. Default: `path`. */
      readonly name?: string;
    }
  | {
      readonly kind: 'stream';
      /** Chunks (or lines ending in `\n`) of the capture, e.g. `process.stdin`. */
      readonly stream: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>;
      /** Name shown in diagnostics and reports. Default: `'-'`. */
      readonly name?: string;
    }
  | {
      readonly kind: 'relay';
      /** `host:port` of Hubble Relay. Default: `'localhost:4245'`. */
      readonly server?: string;
      /** Use TLS. Default: `true` when a TLS file is given, else `false`. */
      readonly tls?: boolean;
      /** PEM files of the CAs that sign the Relay's certificate. Default: the system roots. */
      readonly tlsCaCertFiles?: readonly string[];
      /** Name to check the Relay's certificate against. Default: the host of `server`. */
      readonly tlsServerName?: string;
      /** PEM client certificate for mutual TLS. Default: none. */
      readonly tlsClientCertFile?: string;
      /** PEM client key for mutual TLS. Default: none. */
      readonly tlsClientKeyFile?: string;
      /** Keep streaming new flows; a lost connection is retried with backoff. Default: `false`. */
      readonly follow?: boolean;
      /** Backoff of `follow`. Default: 500 ms doubling to 30 s, unlimited attempts. */
      readonly retry?: RetryOptions;
      /** Stops the stream (the source then ends normally). Default: none. */
      readonly signal?: AbortSignal;
    };

/** Options of {@link openFlowSource}. */
export interface FlowSourceOptions {
  readonly input: FlowInput;
  /** `hubble observe` filter flags (`--namespace`, `--since`, `--last` …), applied with hubble's semantics. Default: none. */
  readonly filter?: FlowFilterFlags;
  /**
   * Verdicts the workflow wants at all (e.g. `['DROPPED']` for `drops`): sent to a Relay as a server-side filter and
   * checked locally before the user's filter; flows with other verdicts are counted as `unselected`. Default: all.
   */
  readonly verdicts?: readonly HubbleVerdictName[];
  /** A cheap test on raw capture lines; lines it rejects are not parsed (see `readFlows`). Default: none. */
  readonly prefilter?: (line: string) => boolean;
  /** The instant `--since 5m` counts back from. Default: the current time. */
  readonly now?: Date;
  /** Called before each reconnection to a Relay in follow mode: attempt (1-based), delay in ms and the error. Default: none. */
  readonly onRetry?: (attempt: number, delayMs: number, error: Error) => void;
}

/** Counts of a flow source, in the last event of {@link openFlowSource}. */
export interface FlowSourceStats {
  /** What was read, e.g. `flows.jsonl`, `<stdin>` or `Hubble Relay at localhost:4245`. */
  readonly source: string;
  /** Capture lines read (0 for a Relay). */
  readonly lines: number;
  /** Lines the pre-filter rejected without parsing them (certainly not what the workflow wants). */
  readonly prefiltered: number;
  /** Flows received (parsed lines that are flows, or Relay responses carrying a flow). */
  readonly flows: number;
  /** Flows whose verdict is not one of `verdicts`. */
  readonly unselected: number;
  /** Flows the user's filter rejected (namespace, port, time window, or dropped by `--last`). */
  readonly filteredOut: number;
  /** Flows handed to the workflow. */
  readonly matched: number;
  /** Node status, lost-events, agent and debug events. */
  readonly nonFlowLines: number;
  /** Lines that could not be read (`FLOW_UNPARSABLE`). */
  readonly unparsable: number;
  /** Events Hubble reported lost (flows it never delivered). */
  readonly lostEvents: number;
  /** Reconnections to the Relay (follow mode). */
  readonly retries: number;
}

/** One event of {@link openFlowSource}. */
export type FlowSourceEvent =
  | {
      readonly kind: 'flow';
      readonly flow: HubbleFlow;
      /** 1-based line of the capture; absent for Relay flows. */
      readonly line?: number;
      /** Set for a summary line of `netpol watch --record`: the flow stands for `summary.count` flows. */
      readonly summary?: FlowSummary;
    }
  | { readonly kind: 'diagnostic'; readonly diagnostic: Diagnostic }
  | { readonly kind: 'stats'; readonly stats: FlowSourceStats };

type Counters = { -readonly [K in keyof FlowSourceStats]: FlowSourceStats[K] };

/** A human name for the input: the file name, `<stdin>` or the Relay address. */
export function describeFlowInput(input: FlowInput): string {
  switch (input.kind) {
    case 'file':
      return input.name ?? input.path;
    case 'stream':
      return input.name === undefined || input.name === '-' ? STDIN_FILE : input.name;
    case 'relay':
      return `Hubble Relay at ${input.server ?? 'localhost:4245'}`;
  }
}

/**
 * Opens a flow source and streams its flows through the workflow's verdict selection and the user's
 * `hubble observe` filter, then ends with one `stats` event. Memory is bounded by the longest line and by `--last`
 * (the last N matching flows are held until the end), never by the number of flows.
 *
 * For a Relay, the namespace, verdict and other filters are also sent as the `GetFlows` whitelist (server-side
 * filtering) with `since`/`until`/`last`/`follow`; the same filter is re-checked locally, which changes nothing for a
 * conforming Relay. Capture lines that cannot be read become `FLOW_UNPARSABLE` diagnostic events and never stop the
 * stream.
 *
 * @param options - input, filter flags, wanted verdicts, pre-filter.
 * @returns an async iterable of flows and diagnostics, ending with the stats.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for bad filter flags (see `buildFlowFilter`) or a Relay request without a
 *   time window, count or follow mode; `NETPOL_INPUT_UNREADABLE` when the capture cannot be read, is not text,
 *   is empty, or has no line that is a flow or a Hubble event (after the whole stream is read);
 *   `NETPOL_HUBBLE_FAILED` when the Relay cannot be reached (or fails for good in follow mode).
 * @example
 * for await (const e of openFlowSource({ input: { kind: 'file', path: 'flows.jsonl' }, filter: { namespace: 'web' } })) {
 *   if (e.kind === 'flow') console.log(e.flow.verdict);
 * }
 */
export async function* openFlowSource(
  options: FlowSourceOptions,
): AsyncGenerator<FlowSourceEvent, void, undefined> {
  for await (const batch of openFlowSourceBatches(options)) {
    for (const event of batch) yield event;
  }
}

/**
 * {@link openFlowSource}, several events at a time (those of one capture chunk; one flow at a time from a Relay):
 * the same events in the same order, for workflows that read millions of lines and should not pay an asynchronous
 * step per line. Batches are never empty; the last one ends with the stats event.
 * @param options - as for {@link openFlowSource}.
 * @throws NetpolError as {@link openFlowSource}.
 */
export async function* openFlowSourceBatches(
  options: FlowSourceOptions,
): AsyncGenerator<FlowSourceEvent[], void, undefined> {
  const flags = options.filter ?? {};
  const filter = buildFlowFilter(flags, options.now ?? new Date());
  const verdicts = options.verdicts && options.verdicts.length > 0 ? new Set(options.verdicts) : undefined;
  const stats: Counters = {
    source: describeFlowInput(options.input),
    lines: 0,
    prefiltered: 0,
    flows: 0,
    unselected: 0,
    filteredOut: 0,
    matched: 0,
    nonFlowLines: 0,
    unparsable: 0,
    lostEvents: 0,
    retries: 0,
  };
  const last = filter.last;
  const ring: { flow: HubbleFlow; line?: number; summary?: FlowSummary }[] = [];
  let ringStart = 0;
  const localFilter: FlowFilter = { ...filter, last: undefined };
  const hasLocalFilter =
    localFilter.whitelist.length > 0 || localFilter.since !== undefined || localFilter.until !== undefined;

  /** Selection, filter and `last`: returns the event to yield now, if any. */
  const accept = (
    flow: HubbleFlow,
    line: number | undefined,
    summary?: FlowSummary,
  ): FlowSourceEvent | undefined => {
    stats.flows++;
    if (verdicts && !verdicts.has(flow.verdict as HubbleVerdictName)) {
      stats.unselected++;
      return undefined;
    }
    if (hasLocalFilter && !matchesFlowFilter(flow, localFilter)) {
      stats.filteredOut++;
      return undefined;
    }
    if (last === undefined) {
      stats.matched++;
      if (line === undefined)
        return summary === undefined ? { kind: 'flow', flow } : { kind: 'flow', flow, summary };
      return summary === undefined ? { kind: 'flow', flow, line } : { kind: 'flow', flow, line, summary };
    }
    const entry = {
      flow,
      ...(line !== undefined && { line }),
      ...(summary !== undefined && { summary }),
    };
    if (ring.length < last) ring.push(entry);
    else {
      ring[ringStart] = entry;
      ringStart = (ringStart + 1) % last;
      stats.filteredOut++;
    }
    return undefined;
  };

  const input = options.input;
  if (input.kind === 'relay') {
    const whitelist = verdicts
      ? buildFlowFilter({
          ...flags,
          since: undefined,
          until: undefined,
          last: undefined,
          verdict: [...verdicts],
        }).whitelist
      : filter.whitelist;
    const onEvent = (event: NonFlowEvent): void => {
      stats.nonFlowLines++;
      stats.lostEvents += event.numEventsLost ?? 0;
    };
    // grpc-js and proto-loader load only when a Relay is read (start-up speed, docs/decisions.md).
    const { observeFlows } = await import('../../hubble/relay-client.js');
    for await (const flow of observeFlows({
      ...(input.server !== undefined && { server: input.server }),
      ...(input.tls !== undefined && { tls: input.tls }),
      ...(input.tlsCaCertFiles !== undefined && { tlsCaCertFiles: input.tlsCaCertFiles }),
      ...(input.tlsServerName !== undefined && { tlsServerName: input.tlsServerName }),
      ...(input.tlsClientCertFile !== undefined && { tlsClientCertFile: input.tlsClientCertFile }),
      ...(input.tlsClientKeyFile !== undefined && { tlsClientKeyFile: input.tlsClientKeyFile }),
      ...(filter.since !== undefined && { since: filter.since }),
      ...(filter.until !== undefined && { until: filter.until }),
      ...(last !== undefined && { last }),
      ...(input.follow !== undefined && { follow: input.follow }),
      ...(input.retry !== undefined && { retry: input.retry }),
      ...(input.signal !== undefined && { signal: input.signal }),
      whitelist,
      onEvent,
      onRetry: (attempt, delayMs, error) => {
        stats.retries++;
        options.onRetry?.(attempt, delayMs, error);
      },
    })) {
      const event = accept(flow, undefined);
      if (event) yield [event];
    }
  } else {
    const name =
      input.name === undefined || input.name === '-'
        ? input.kind === 'file'
          ? input.path
          : STDIN_FILE
        : input.name;
    const stream = input.kind === 'file' ? openFile(input.path, name) : input.stream;
    let firstUnreadable: number | undefined;
    let blankLines = 0;
    for await (const events of readFlowBatches(stream, {
      file: name,
      ...(options.prefilter !== undefined && { prefilter: options.prefilter }),
    })) {
      const batch: FlowSourceEvent[] = [];
      for (const event of events) {
        switch (event.kind) {
          case 'flow': {
            const accepted = accept(event.flow, event.line, event.summary);
            if (accepted) batch.push(accepted);
            break;
          }
          case 'diagnostic':
            firstUnreadable ??= event.diagnostic.source?.line;
            batch.push(event);
            break;
          case 'other':
            break;
          case 'stats':
            blankLines = event.stats.blankLines;
            stats.lines = event.stats.lines;
            stats.prefiltered = event.stats.prefiltered;
            stats.nonFlowLines = event.stats.nonFlowLines;
            stats.unparsable = event.stats.unparsable;
            stats.lostEvents = event.stats.lostEvents;
            break;
        }
      }
      if (batch.length > 0) yield batch;
    }
    // An empty capture, or one of which no line is a flow (another format), is unreadable input, not "no
    // traffic": a failed capture step must not pass `--fail-on-break` or a drops gate (fresh-user reports).
    if (stats.lines === blankLines)
      throw new NetpolError(
        'NETPOL_INPUT_UNREADABLE',
        `${stats.source} is empty: it holds no flow to read.`,
        'Give the output of `hubble observe -o json` (one JSON object per line) or a `netpol watch --record` summary; check the step that wrote it.',
      );
    if (stats.flows === 0 && stats.nonFlowLines === 0 && stats.prefiltered === 0 && stats.unparsable > 0)
      throw new NetpolError(
        'NETPOL_INPUT_UNREADABLE',
        `${stats.source}: none of its ${stats.lines - blankLines} line(s) is a Hubble flow${firstUnreadable !== undefined ? ` (line ${firstUnreadable} is the first that cannot be read)` : ''}.`,
        'Give the output of `hubble observe -o json` (one JSON object per line) or a `netpol watch --record` summary.',
      );
  }
  const tail: FlowSourceEvent[] = [];
  for (let i = 0; i < ring.length; i++) {
    const entry = ring[(ringStart + i) % ring.length];
    if (!entry) continue;
    stats.matched++;
    tail.push({ kind: 'flow', ...entry });
  }
  tail.push({ kind: 'stats', stats: { ...stats } });
  yield tail;
}

function openFile(path: string, name: string): AsyncIterable<string | Uint8Array> {
  const stream = createReadStream(path);
  // Turn "no such file" into the reader's NETPOL_INPUT_UNREADABLE with the name the user gave.
  stream.on('error', () => undefined);
  return wrapErrors(stream, name);
}

async function* wrapErrors(
  stream: NodeJS.ReadableStream,
  name: string,
): AsyncGenerator<string | Uint8Array, void, undefined> {
  try {
    for await (const chunk of stream as AsyncIterable<string | Uint8Array>) yield chunk;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : error instanceof Error
              ? error.message
              : String(error);
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `Cannot read flows from "${name}": ${reason}.`,
      'Give a file written by `hubble observe -o json`, or `--flows -` to read standard input.',
    );
  }
}

/**
 * The display name of a flow side for grouping: `namespace/workload` for pods (see `workloadName`),
 * `world:<first DNS name or IP>` for a world destination, `world` for a world source (internet clients are not told
 * apart, so their groups stay few), the entity name for reserved identities, `host@NODE`/`remote-node@NODE` for a
 * node the engine knows (a Node object or `cluster.nodes` entry, found by name or address: nodes described in git
 * can be judged differently, so they are told apart; other nodes stay one `host` or `remote-node`).
 * @param endpoint - the Hubble side.
 * @param peer - the same side as an engine peer (`toEngineFlow`).
 * @param isSource - whether it is the source of the connection.
 * @param engine - names the nodes it knows (`PolicyEngine.knownNodeOf`). Default: nodes are not named.
 */
export function flowPeerName(
  endpoint: HubbleEndpoint | undefined,
  peer: Peer,
  isSource: boolean,
  engine?: Pick<PolicyEngine, 'knownNodeOf'>,
): string {
  switch (peer.kind) {
    case 'pod':
      return `${peer.namespace}/${workloadName(endpoint) ?? '?'}`;
    case 'world':
      return isSource ? 'world' : `world:${peer.names?.[0] ?? peer.ip}`;
    case 'reserved': {
      const node = engine?.knownNodeOf(peer);
      return node === undefined ? peer.entity : `${peer.entity}@${node}`;
    }
  }
}

/**
 * A sort key for an RFC 3339 UTC time as the flow parser normalises it (`…:05Z`, `…:05.5Z`): the seconds, then the
 * fraction padded to 9 digits, so keys compare as the instants do.
 * @param time - the normalised time.
 */
export function flowTimeSortKey(time: string): string {
  const dot = time.indexOf('.', 19);
  if (dot === -1) return `${time.slice(0, 19)}.000000000`;
  const end = time.indexOf('Z', dot);
  return `${time.slice(0, 19)}.${time.slice(dot + 1, end === -1 ? undefined : end).padEnd(9, '0')}`;
}

/** The statistics of a source that produced nothing (no stats event arrived). */
export function emptyFlowSourceStats(input: FlowInput): FlowSourceStats {
  return {
    source:
      input.kind === 'relay'
        ? `Hubble Relay at ${input.server ?? 'localhost:4245'}`
        : describeFlowInput(input),
    lines: 0,
    prefiltered: 0,
    flows: 0,
    unselected: 0,
    filteredOut: 0,
    matched: 0,
    nonFlowLines: 0,
    unparsable: 0,
    lostEvents: 0,
    retries: 0,
  };
}

/** What {@link requestsOfNamespace} counts besides the flows it yields. */
export interface NamespaceFlowTally {
  /** Replies of connections (not policy decisions). */
  replies: number;
  /** Flows that do not convert into an engine flow (no L4, unknown peers). */
  unconverted: number;
  /** Diagnostics of the source, at most `maxDiagnostics` of them. */
  readonly diagnostics: Diagnostic[];
  /** The source's statistics once it ends. */
  stats: FlowSourceStats | undefined;
}

/**
 * The requests (not replies) of flows from or to namespace `ns`, each with its engine flow: the common
 * first step of `verify` and `discover`. Lines that do not carry the namespace's name are never parsed.
 * Counts replies, unconvertible flows, diagnostics and the final stats into `tally`.
 * @throws NetpolError as {@link openFlowSource}.
 */
export async function* requestsOfNamespace(
  ns: string,
  options: Pick<FlowSourceOptions, 'input' | 'filter' | 'now'> & { readonly maxDiagnostics: number },
  tally: NamespaceFlowTally,
): AsyncGenerator<
  { readonly flow: HubbleFlow; readonly engineFlow: Flow; readonly summary?: FlowSummary },
  void,
  undefined
> {
  for await (const event of openFlowSource({
    input: options.input,
    filter: { ...(options.filter ?? {}), namespace: ns },
    ...(options.now !== undefined && { now: options.now }),
    // A flow from or to the namespace carries its name; other lines need no parsing.
    prefilter: (line) => line.includes(ns),
  })) {
    if (event.kind === 'diagnostic') {
      if (tally.diagnostics.length < options.maxDiagnostics) tally.diagnostics.push(event.diagnostic);
      continue;
    }
    if (event.kind === 'stats') {
      tally.stats = event.stats;
      continue;
    }
    if (event.flow.is_reply === true) {
      tally.replies++;
      continue;
    }
    const converted = toEngineFlow(event.flow);
    if (!converted.ok) {
      tally.unconverted++;
      continue;
    }
    yield {
      flow: event.flow,
      engineFlow: converted.flow,
      ...(event.summary !== undefined && { summary: event.summary }),
    };
  }
}
