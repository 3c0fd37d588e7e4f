import { readFileSync } from 'node:fs';
import { parseFlowLine } from '../../../src/hubble/parse-flow.js';
import type { HubbleFlow } from '../../../src/hubble/types.js';
import { flowTimeSortKey } from '../../../src/workflows/flows/flow-source.js';
import type { WatchLogEntry, WatchLogger } from '../../../src/workflows/watch/log.js';
import type { WatchOptions } from '../../../src/workflows/watch/watch.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';

/** The flows of a fixture file, oldest first (a Relay's ring buffer is in time order). */
export function fixtureFlows(name: string): HubbleFlow[] {
  return readFileSync(flowFixture(name), 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      const parsed = parseFlowLine(line, i + 1);
      return parsed.kind === 'flow' ? [parsed.flow] : [];
    })
    .sort((a, b) => flowTimeSortKey(a.time ?? '').localeCompare(flowTimeSortKey(b.time ?? '')));
}

/** Polls `check` every 20 ms until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A logger that keeps entries, for assertions. */
export function memoryLog(): {
  entries: WatchLogEntry[];
  log: (e: WatchLogEntry) => void;
  events: () => string[];
} {
  const entries: WatchLogEntry[] = [];
  return { entries, log: (e) => entries.push(e), events: () => entries.map((e) => e.event) };
}

/** GETs a path of the watcher: status, headers and text. */
export async function get(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * The value of one sample of a Prometheus text exposition: `name{labels}` exactly as printed (labels in
 * declaration order), or the bare name; undefined when absent.
 */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/**
 * Options of a watcher under test: the repository and Relay given, endpoints on 127.0.0.1 (any port), repository
 * polls every 50 ms, Relay retries from 20 to 100 ms, no process metrics.
 */
export function testWatchOptions(root: string, relayAddress: string, log: WatchLogger): WatchOptions {
  return {
    root,
    relay: { server: relayAddress },
    listen: { host: '127.0.0.1', port: 0 },
    pollIntervalMs: 50,
    retry: { initialMs: 20, maxMs: 100 },
    processMetrics: false,
    log,
  };
}
