import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { NetpolError } from '../errors.js';
import type { FlowFilterRule } from './filter.js';
import { normalizeFlow, normalizeNonFlow } from './parse-flow.js';
import { relayErrorText } from './relay-error-text.js';
import type { HubbleFlow, NonFlowEvent } from './types.js';

export { relayErrorText };

/** Backoff of {@link observeFlows} when a followed stream is lost. */
export interface RetryOptions {
  /** Delay before the first retry, in milliseconds. Default: `500`. */
  readonly initialMs?: number;
  /** Longest delay between retries (the delay doubles up to it), in milliseconds. Default: `30_000`. */
  readonly maxMs?: number;
  /** Give up after this many retries in a row without receiving anything. Default: unlimited. */
  readonly maxAttempts?: number;
}

/** Options of {@link observeFlows}; the names follow `hubble observe` flags. */
export interface ObserveFlowsOptions {
  /** Hubble Relay address, `host:port`. Default: `'localhost:4245'` (hubble's default, for a port-forward). */
  readonly server?: string;
  /** Use TLS. Default: `true` when any TLS file option is given, else `false`. */
  readonly tls?: boolean;
  /** PEM files of the CAs that sign the Relay's certificate. Default: the system roots. */
  readonly tlsCaCertFiles?: readonly string[];
  /** Name to verify the Relay's certificate against (and to send as authority). Default: the host of `server`. */
  readonly tlsServerName?: string;
  /** PEM client certificate for mutual TLS; needs `tlsClientKeyFile`. Default: none. */
  readonly tlsClientCertFile?: string;
  /** PEM client key for mutual TLS; needs `tlsClientCertFile`. Default: none. */
  readonly tlsClientKeyFile?: string;
  /** Flows observed at or after this instant. Default: none. */
  readonly since?: Date;
  /** Flows observed at or before this instant (ignored with `follow`, as hubble does). Default: none. */
  readonly until?: Date;
  /** The last N flows (`--last`). Default: none. */
  readonly last?: number;
  /** Keep streaming new flows (`--follow`); a lost connection is retried. Default: `false`. */
  readonly follow?: boolean;
  /** Server-side filters (`GetFlowsRequest.whitelist`), e.g. `buildFlowFilter({ namespace: 'shop' }).whitelist`. Default: none. */
  readonly whitelist?: readonly FlowFilterRule[];
  /** Stops the stream; the iterable then ends without an error. Default: none. */
  readonly signal?: AbortSignal;
  /** Backoff for lost connections in follow mode. Default: 500 ms doubling to 30 s, unlimited attempts. */
  readonly retry?: RetryOptions;
  /** Called before each retry with the attempt number (1-based), the delay in ms and the error. Default: none. */
  readonly onRetry?: (attempt: number, delayMs: number, error: Error) => void;
  /** Called for non-flow responses: Relay node status and lost events. Default: none. */
  readonly onEvent?: (event: NonFlowEvent) => void;
  /**
   * Called once per connection when the Relay answers the call (response headers or the first response), so a
   * follower knows it is connected before any flow arrives. Default: none.
   */
  readonly onConnected?: () => void;
}

/** proto-loader options: proto field names as in Hubble's JSON, 64-bit numbers as strings, enums as names. */
export const HUBBLE_PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** The loaded gRPC package of netpol's Hubble protos (see `src/hubble/proto/`). */
export interface HubbleGrpcPackage {
  readonly observer: { readonly Observer: grpc.ServiceClientConstructor };
}

interface TimestampMessage {
  readonly seconds?: string | number;
  readonly nanos?: number;
}

interface GetFlowsResponseMessage {
  readonly flow?: Record<string, unknown> & { readonly time?: TimestampMessage; readonly uuid?: string };
  readonly node_status?: unknown;
  readonly lost_events?: unknown;
  readonly node_name?: string;
  readonly time?: TimestampMessage;
}

interface ObserverClient extends grpc.Client {
  GetFlows(request: object, options?: grpc.CallOptions): grpc.ClientReadableStream<GetFlowsResponseMessage>;
}

let cachedPackage: HubbleGrpcPackage | undefined;

/**
 * Finds netpol's `.proto` files: next to this module (`src/hubble/proto` when run from source), else from the
 * compiled `dist/src/hubble/` or the bundled CLI's `dist/cli/` back to the package's `src/hubble/proto`.
 * @throws NetpolError `NETPOL_HUBBLE_FAILED` when none exists.
 */
export function hubbleProtoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/hubble itself, the bundled CLI in dist/cli, or the compiled module in dist/src/hubble.
  const candidates = [
    join(here, 'proto'),
    join(here, '..', '..', 'src', 'hubble', 'proto'),
    join(here, '..', '..', '..', 'src', 'hubble', 'proto'),
  ];
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'observer.proto'))) return candidate;
  }
  throw new NetpolError(
    'NETPOL_HUBBLE_FAILED',
    `Cannot find netpol's Hubble API definitions (looked in ${candidates.map((c) => `"${c}"`).join(' and ')}).`,
    'Reinstall netpol: its package must include src/hubble/proto.',
  );
}

/**
 * Loads netpol's minimal Hubble protos (`observer.proto`, `flow.proto`, `relay.proto`) with
 * {@link HUBBLE_PROTO_LOADER_OPTIONS}; cached after the first call.
 * @throws NetpolError `NETPOL_HUBBLE_FAILED` when the files are missing.
 */
export function loadHubbleProto(): HubbleGrpcPackage {
  if (!cachedPackage) {
    const dir = hubbleProtoDir();
    const definition = protoLoader.loadSync('observer.proto', {
      ...HUBBLE_PROTO_LOADER_OPTIONS,
      includeDirs: [dir],
    });
    cachedPackage = grpc.loadPackageDefinition(definition) as unknown as HubbleGrpcPackage;
  }
  return cachedPackage;
}

const PORT_FORWARD_HINT =
  'Is Hubble Relay reachable? Start a port-forward with `kubectl port-forward -n kube-system svc/hubble-relay 4245:80`, or pass the Relay address.';

function hubbleError(server: string, error: unknown): NetpolError {
  return new NetpolError(
    'NETPOL_HUBBLE_FAILED',
    `Cannot get flows from Hubble Relay at "${server}": ${relayErrorText(error)}.`,
    PORT_FORWARD_HINT,
  );
}

const NON_RETRYABLE = new Set<number>([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.PERMISSION_DENIED,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNIMPLEMENTED,
  grpc.status.UNAUTHENTICATED,
]);

/** Whether an error ends a followed stream for good (a request the Relay rejects) rather than a lost connection. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code !== 'number' || !NON_RETRYABLE.has(code);
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `Cannot read the ${what} "${file}": ${error instanceof Error ? error.message : String(error)}.`,
      'Check the path and its permissions.',
    );
  }
}

function credentialsFor(options: ObserveFlowsOptions): grpc.ChannelCredentials {
  const anyTlsFile =
    (options.tlsCaCertFiles?.length ?? 0) > 0 ||
    options.tlsClientCertFile !== undefined ||
    options.tlsClientKeyFile !== undefined;
  if (!(options.tls ?? anyTlsFile)) return grpc.credentials.createInsecure();
  if ((options.tlsClientCertFile === undefined) !== (options.tlsClientKeyFile === undefined)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      'A TLS client certificate needs its key, and a key needs its certificate.',
      'Give both the client certificate file and the client key file, or neither.',
    );
  }
  const ca = options.tlsCaCertFiles?.length
    ? Buffer.concat(options.tlsCaCertFiles.map((f) => readPem(f, 'TLS CA certificate file')))
    : null;
  const key = options.tlsClientKeyFile ? readPem(options.tlsClientKeyFile, 'TLS client key file') : null;
  const cert = options.tlsClientCertFile
    ? readPem(options.tlsClientCertFile, 'TLS client certificate file')
    : null;
  return grpc.credentials.createSsl(ca, key, cert);
}

function toTimestamp(date: Date): { seconds: string; nanos: number } {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

function timestampNs(ts: TimestampMessage | undefined): bigint | undefined {
  if (!ts) return undefined;
  return BigInt(ts.seconds ?? 0) * 1_000_000_000n + BigInt(ts.nanos ?? 0);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What tells two flows apart when they share a timestamp: Hubble's `uuid`, else the whole flow. */
function flowKey(flow: HubbleFlow): string {
  return flow.uuid !== undefined ? `u:${flow.uuid}` : `j:${JSON.stringify(flow)}`;
}

/**
 * At most this many further flows sharing the newest timestamp are remembered (as {@link flowKey} strings, so a
 * long follow keeps a few KiB, not flow objects) for de-duplication after a reconnect.
 */
const MAX_REMEMBERED_AT_LAST_TIME = 1024;

/**
 * Streams flows from a Hubble Relay (`observer.Observer/GetFlows`, the API `hubble observe` uses), converted to the
 * same {@link HubbleFlow} shape as the JSON parser (timestamps as RFC 3339 strings, enums as names).
 *
 * With `follow`, a lost connection (or a Relay that closes the stream) is retried with exponential backoff, each
 * retry reported through `onRetry` (e.g. to print "connection lost, retrying in 2s"); the stream resumes with
 * `since` = the newest flow time seen, and flows already yielded at that instant are skipped, so nothing is
 * yielded twice. Requests the Relay rejects (invalid argument, unauthenticated, unimplemented …) are not retried.
 * Aborting `signal` (or leaving the `for await` loop) cancels the call and ends the iterable without an error.
 *
 * @param options - server, TLS, time window, filters, follow and retry settings. One of `since`, `until`, `last` or
 *   `follow` is required (a bare request has no defined size).
 * @returns an async iterable of flows.
 * @throws NetpolError `NETPOL_HUBBLE_FAILED` when the Relay cannot be reached or fails (without `follow`, or with a
 *   non-retryable error or after `retry.maxAttempts`), naming the server, with a port-forward hint;
 *   `NETPOL_BAD_ARGUMENT` for inconsistent options; `NETPOL_INPUT_UNREADABLE` for unreadable TLS files.
 * @example
 * for await (const flow of observeFlows({ since: new Date(Date.now() - 5 * 60_000),
 *   whitelist: buildFlowFilter({ namespace: 'shop', verdict: 'DROPPED' }).whitelist })) {
 *   if (isPolicyDrop(flow)) report(flow);
 * }
 */
export async function* observeFlows(
  options: ObserveFlowsOptions = {},
): AsyncGenerator<HubbleFlow, void, undefined> {
  const server = options.server ?? 'localhost:4245';
  const follow = options.follow ?? false;
  if (!follow && options.since === undefined && options.until === undefined && options.last === undefined) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      'Observing flows needs a time window, a count or follow mode.',
      'Pass --since (e.g. 5m), --last N or --follow.',
    );
  }
  if (options.last !== undefined && !(Number.isSafeInteger(options.last) && options.last > 0)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `--last value "${options.last}" is not a positive whole number.`,
    );
  }
  const initialMs = options.retry?.initialMs ?? 500;
  const maxMs = options.retry?.maxMs ?? 30_000;
  const maxAttempts = options.retry?.maxAttempts ?? Number.POSITIVE_INFINITY;
  const { signal } = options;

  const credentials = credentialsFor(options);
  const channelOptions: grpc.ChannelOptions = {
    ...(options.tlsServerName && {
      'grpc.ssl_target_name_override': options.tlsServerName,
      'grpc.default_authority': options.tlsServerName,
    }),
    // In follow mode, notice a connection that died silently. Go gRPC servers refuse pings more often than every
    // 5 minutes by default (keepalive.EnforcementPolicy.MinTime), so ping every 6.
    ...(follow && { 'grpc.keepalive_time_ms': 360_000, 'grpc.keepalive_timeout_ms': 20_000 }),
  };
  const Client = loadHubbleProto().observer.Observer;
  const client = new Client(server, credentials, channelOptions) as unknown as ObserverClient;

  let attempt = 0;
  let newest: { ns: bigint; time: TimestampMessage } | undefined;
  // The flows yielded at the newest timestamp: the first one (its key is computed only if a second one shares the
  // timestamp or a reconnect needs it) and the keys of the others.
  let newestFirst: HubbleFlow | undefined;
  const newestMore = new Set<string>();
  let resuming = false;
  try {
    while (!signal?.aborted) {
      const request: Record<string, unknown> = {
        follow,
        whitelist: (options.whitelist ?? []).map((rule) => ({ ...rule })),
      };
      if (newest) {
        request.since = newest.time;
      } else {
        if (options.since) request.since = toTimestamp(options.since);
        if (options.last !== undefined) request.number = String(options.last);
      }
      if (options.until && !follow) request.until = toTimestamp(options.until);

      const call = client.GetFlows(request);
      const cancel = (): void => call.cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      let answered = false;
      const connected = (): void => {
        if (answered) return;
        answered = true;
        options.onConnected?.();
      };
      call.once('metadata', connected);
      let failure: unknown;
      try {
        for await (const response of call as AsyncIterable<GetFlowsResponseMessage>) {
          attempt = 0;
          connected();
          if (!response.flow) {
            const event = normalizeNonFlow(response as Record<string, unknown>);
            if (event && !('reason' in event)) options.onEvent?.(event);
            continue;
          }
          const result = normalizeFlow(response.flow, { node_name: response.node_name, time: response.time });
          if (!result.ok) {
            throw new NetpolError(
              'NETPOL_HUBBLE_FAILED',
              `Hubble Relay at "${server}" sent a flow netpol cannot read: ${result.reason}`,
              'Report this with the Hubble version; netpol may need an update.',
            );
          }
          const flow = result.flow;
          const ns = timestampNs(response.flow.time ?? response.time);
          if (ns !== undefined && newest) {
            if (
              resuming &&
              (ns < newest.ns ||
                (ns === newest.ns &&
                  ((newestFirst !== undefined && flowKey(newestFirst) === flowKey(flow)) ||
                    newestMore.has(flowKey(flow)))))
            ) {
              continue;
            }
            if (ns > newest.ns) resuming = false;
          }
          if (ns !== undefined) {
            if (!newest || ns > newest.ns) {
              newest = { ns, time: response.flow.time ?? response.time ?? {} };
              newestFirst = flow;
              newestMore.clear();
            } else if (ns === newest.ns && newestMore.size < MAX_REMEMBERED_AT_LAST_TIME) {
              newestMore.add(flowKey(flow));
            }
          }
          yield flow;
        }
      } catch (error) {
        if (error instanceof NetpolError) throw error;
        failure = error;
      } finally {
        signal?.removeEventListener('abort', cancel);
        call.cancel();
      }
      if (signal?.aborted) return;
      if (failure === undefined) {
        if (!follow) return;
        failure = new Error('the Relay closed the stream');
      }
      if (!follow || !isRetryable(failure)) throw hubbleError(server, failure);
      attempt++;
      if (attempt > maxAttempts) throw hubbleError(server, failure);
      const delayMs = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      options.onRetry?.(attempt, delayMs, failure instanceof Error ? failure : new Error(String(failure)));
      await sleep(delayMs, signal);
      resuming = newest !== undefined;
    }
  } finally {
    client.close();
  }
}
