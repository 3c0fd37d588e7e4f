import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { type Diagnostic, NetpolError } from '../errors.js';
import { notTextReason } from '../repo/documents.js';
import { type FlowFilter, matchesFlowFilter } from './filter.js';
import { parseFlowLine } from './parse-flow.js';
import type { FlowSummary, HubbleFlow, NonFlowEvent, NonFlowKind } from './types.js';

/** Counts kept while reading a flow stream; the last event of {@link readFlows} carries them. */
export interface FlowStats {
  /** Lines read, blank lines included. */
  readonly lines: number;
  readonly blankLines: number;
  /** Lines that parsed as flows (before the filter). */
  readonly flows: number;
  /** Flows yielded (after the filter and `last`). */
  readonly matched: number;
  /** Flows the filter rejected, or that `last` dropped. */
  readonly filteredOut: number;
  /** Lines the pre-filter rejected without parsing them. */
  readonly prefiltered: number;
  /** Node status, lost events, agent and debug event lines. */
  readonly nonFlowLines: number;
  /** Lines that became `FLOW_UNPARSABLE` diagnostics. */
  readonly unparsable: number;
  /** Sum of `num_events_lost` over lost-events lines: flows Hubble itself never delivered. */
  readonly lostEvents: number;
}

/** One event of {@link readFlows}. Line numbers are 1-based. */
export type FlowEvent =
  | {
      readonly kind: 'flow';
      readonly flow: HubbleFlow;
      readonly line: number;
      /** Set for a summary line of `netpol watch --record`: the flow stands for `summary.count` flows. */
      readonly summary?: FlowSummary;
    }
  | {
      readonly kind: 'other';
      readonly what: NonFlowKind;
      readonly event: NonFlowEvent;
      readonly line: number;
    }
  | { readonly kind: 'diagnostic'; readonly diagnostic: Diagnostic }
  | { readonly kind: 'stats'; readonly stats: FlowStats };

/** Options of {@link readFlows}. */
export interface ReadFlowsOptions {
  /** Name of the input for diagnostics, e.g. the file path or `-` for standard input. */
  readonly file: string;
  /** Keep only flows matching this filter (see `buildFlowFilter`). Default: keep every flow. */
  readonly filter?: FlowFilter;
  /**
   * A cheap test on the raw line (e.g. `mightBePolicyDrop`); lines it rejects are counted and not parsed. It is only
   * applied to lines that look like one complete JSON object and are not node-status or lost-events lines, so
   * truncated and malformed lines are still reported and lost events still counted. Default: none.
   */
  readonly prefilter?: (line: string) => boolean;
  /** Lines longer than this many characters are skipped with a diagnostic. Default: `8_388_608` (8 Mi). */
  readonly maxLineLength?: number;
}

type Counters = { -readonly [K in keyof FlowStats]: FlowStats[K] };

const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;

/**
 * Streams `hubble observe -o json|jsonpb` output line by line and yields its flows, non-flow events and
 * diagnostics, then one final `{ kind: 'stats' }` event. Memory stays bounded by the longest line (and by `last`
 * when the filter sets it: the last N matching flows are held and yielded at the end); lines are never collected.
 *
 * Input chunks may be strings or bytes (UTF-8, split anywhere, even inside a character); lines end at `\n`, with an
 * optional `\r` before it. A bad line never stops the stream: it becomes a `FLOW_UNPARSABLE` diagnostic event.
 *
 * @param input - a Node readable stream (e.g. `process.stdin`, `fs.createReadStream`) or any async iterable of
 *   string or byte chunks (chunks, not lines: lines are split on `\n`).
 * @param options - file name for diagnostics, filter and pre-filter.
 * @returns an async iterable of {@link FlowEvent}s, ending with the stats event.
 * @throws NetpolError `NETPOL_INPUT_UNREADABLE` when the input stream itself fails (not for bad lines).
 * @example
 * for await (const event of readFlows(process.stdin, { file: '-', prefilter: mightBePolicyDrop })) {
 *   if (event.kind === 'flow' && isPolicyDrop(event.flow)) report(event.flow);
 * }
 */
export async function* readFlows(
  input: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>,
  options: ReadFlowsOptions,
): AsyncGenerator<FlowEvent, void, undefined> {
  for await (const batch of readFlowBatches(input, options)) {
    for (const event of batch) yield event;
  }
}

/**
 * {@link readFlows}, one array of events per input chunk (a 64 KiB read holds about sixty capture lines): the same
 * events in the same order, for consumers that handle millions of lines and should not pay an asynchronous step per
 * line. Batches are never empty; the last one ends with the stats event.
 * @param input - as for {@link readFlows}.
 * @param options - as for {@link readFlows}.
 * @throws NetpolError `NETPOL_INPUT_UNREADABLE` when the input stream itself fails (not for bad lines).
 */
export async function* readFlowBatches(
  input: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>,
  options: ReadFlowsOptions,
): AsyncGenerator<FlowEvent[], void, undefined> {
  const { file, filter, prefilter } = options;
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const last = filter?.last;
  const ring: (FlowEvent & { kind: 'flow' })[] = [];
  let ringStart = 0;
  const stats: Counters = {
    lines: 0,
    blankLines: 0,
    flows: 0,
    matched: 0,
    filteredOut: 0,
    prefiltered: 0,
    nonFlowLines: 0,
    unparsable: 0,
    lostEvents: 0,
  };

  const handle = (text: string, lineNumber: number): FlowEvent | undefined => {
    if (prefilter && isPrefilterable(text) && !prefilter(text)) {
      stats.prefiltered++;
      return undefined;
    }
    const parsed = parseFlowLine(text, lineNumber, file);
    if (parsed.kind === 'error') {
      stats.unparsable++;
      return { kind: 'diagnostic', diagnostic: parsed.diagnostic };
    }
    if (parsed.kind === 'other') {
      if (parsed.what === 'blank') {
        stats.blankLines++;
        return undefined;
      }
      stats.nonFlowLines++;
      stats.lostEvents += parsed.event.numEventsLost ?? 0;
      return { kind: 'other', what: parsed.what, event: parsed.event, line: lineNumber };
    }
    stats.flows++;
    if (filter && !matchesFlowFilter(parsed.flow, filter)) {
      stats.filteredOut++;
      return undefined;
    }
    const event = {
      kind: 'flow',
      flow: parsed.flow,
      line: lineNumber,
      ...(parsed.summary !== undefined && { summary: parsed.summary }),
    } as const;
    if (last === undefined) {
      stats.matched++;
      return event;
    }
    if (ring.length < last) ring.push(event);
    else {
      ring[ringStart] = event;
      ringStart = (ringStart + 1) % last;
      stats.filteredOut++;
    }
    return undefined;
  };

  const decoder = new StringDecoder('utf8');
  let pending = '';
  let overlong = false;
  let sniffed = false;
  try {
    for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
      if (!sniffed && text.length > 0) {
        // A binary file is not a capture with bad lines: one error, not a warning per "line" and a clean
        // report of 0 flows (a failed capture step must not pass a CI gate; fresh-user report).
        sniffed = true;
        const why = notTextReason(text);
        if (why !== null)
          throw new NetpolError(
            'NETPOL_INPUT_UNREADABLE',
            `${file} is not a Hubble capture: ${why}; it is not read.`,
            'Give the output of `hubble observe -o json` (one JSON object per line) or a `netpol watch --record` summary.',
          );
      }
      const batch: FlowEvent[] = [];
      let start = 0;
      let newline = text.indexOf('\n');
      while (newline !== -1) {
        stats.lines++;
        if (overlong) {
          overlong = false;
          stats.unparsable++;
          batch.push(overlongDiagnostic(file, stats.lines, maxLineLength));
        } else {
          const line =
            pending.length === 0 ? text.slice(start, newline) : pending + text.slice(start, newline);
          pending = '';
          const event = handle(line, stats.lines);
          if (event) batch.push(event);
        }
        start = newline + 1;
        newline = text.indexOf('\n', start);
      }
      if (!overlong && start < text.length) {
        pending = pending.length === 0 ? text.slice(start) : pending + text.slice(start);
        if (pending.length > maxLineLength) {
          overlong = true;
          pending = '';
        }
      }
      if (batch.length > 0) yield batch;
    }
    pending += decoder.end();
  } catch (error) {
    if (error instanceof NetpolError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `Cannot read flows from "${file}": ${reason}.`,
      'Check that the file exists and is readable, or pipe `hubble observe -o json` into netpol.',
    );
  }
  const tail: FlowEvent[] = [];
  if (overlong) {
    stats.lines++;
    stats.unparsable++;
    tail.push(overlongDiagnostic(file, stats.lines, maxLineLength));
  } else if (pending.length > 0) {
    stats.lines++;
    const event = handle(pending, stats.lines);
    if (event) tail.push(event);
  }

  for (let i = 0; i < ring.length; i++) {
    const event = ring[(ringStart + i) % ring.length];
    if (event) {
      stats.matched++;
      tail.push(event);
    }
  }
  tail.push({ kind: 'stats', stats: { ...stats } });
  yield tail;
}

/**
 * Opens a file of `hubble observe -o json` output and reads it with {@link readFlows} (for standard input, pass
 * `process.stdin` to `readFlows` directly).
 * @param path - file path.
 * @param options - as for {@link readFlows}; `file` defaults to `path`.
 * @throws NetpolError `NETPOL_INPUT_UNREADABLE` when the file cannot be opened or read.
 */
export function readFlowFile(
  path: string,
  options: Omit<ReadFlowsOptions, 'file'> & { readonly file?: string } = {},
): AsyncGenerator<FlowEvent, void, undefined> {
  return readFlows(createReadStream(path), { ...options, file: options.file ?? path });
}

function overlongDiagnostic(file: string, line: number, max: number): FlowEvent {
  return {
    kind: 'diagnostic',
    diagnostic: {
      code: 'FLOW_UNPARSABLE',
      severity: 'warning',
      message: `Line is longer than ${max} characters and was skipped.`,
      source: { file, line, column: 1 },
      hint: 'Each line must be one JSON object as printed by `hubble observe -o json`; check that the input is a flow capture.',
    },
  };
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 0xfeff;
}

/**
 * Whether the pre-filter may judge this line: it looks like one complete JSON object (first non-space `{`, last
 * non-space `}`) and is not a node-status or lost-events response (their first key), which are always parsed.
 */
function isPrefilterable(line: string): boolean {
  let i = 0;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 123 /* { */) return false;
  let j = line.length - 1;
  while (j > i && isSpace(line.charCodeAt(j))) j--;
  if (line.charCodeAt(j) !== 125 /* } */) return false;
  i++;
  while (isSpace(line.charCodeAt(i))) i++;
  return !(line.startsWith('"lost', i) || line.startsWith('"node', i));
}
