/** Severity of a watch log line. */
export type WatchLogLevel = 'info' | 'warn' | 'error';

/**
 * One structured log line of `netpol watch`: `time` (RFC 3339), `level`, `event` (a stable dotted name such as
 * `drop.new-group`, `relay.lost`, `repository.loaded`), `msg` (one sentence) and event-specific fields.
 */
export interface WatchLogEntry {
  readonly time: string;
  readonly level: WatchLogLevel;
  readonly event: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Receives every log entry of the watcher. */
export type WatchLogger = (entry: WatchLogEntry) => void;

/**
 * A logger that writes one JSON object per line (what log collectors such as Loki or Fluent Bit parse).
 * @param write - where lines go, e.g. standard output.
 */
export function jsonLinesLogger(write: (line: string) => void): WatchLogger {
  return (entry) => write(`${JSON.stringify(entry)}\n`);
}

/**
 * Builds and sends one entry, stamped with the current time.
 * @param logger - the receiver.
 * @param level - severity.
 * @param event - stable event name.
 * @param msg - one sentence.
 * @param fields - event-specific fields.
 */
export function logEvent(
  logger: WatchLogger,
  level: WatchLogLevel,
  event: string,
  msg: string,
  fields: Readonly<Record<string, unknown>> = {},
): void {
  logger({ time: new Date().toISOString(), level, event, msg, ...fields });
}
