import * as grpc from '@grpc/grpc-js';
import { loadHubbleProto } from '../../../src/hubble/relay-client.js';
import type { HubbleFlow } from '../../../src/hubble/types.js';

/** A GetFlows request as the fake relay received it (proto field names, enums as names, 64-bit as strings). */
export interface RecordedRequest {
  readonly number?: string;
  readonly follow?: boolean;
  readonly whitelist?: readonly Record<string, unknown>[];
  readonly since?: { seconds: string; nanos?: number };
  readonly until?: { seconds: string; nanos?: number };
}

/** On a given connection (1-based), end the call with a gRPC status after sending some flows. */
export interface FakeFailure {
  readonly connection: number;
  readonly afterFlows: number;
  /** Default: UNAVAILABLE. */
  readonly code?: grpc.status;
}

export interface FakeRelayOptions {
  /** Flows the relay has in its ring buffer, oldest first. */
  readonly flows: readonly HubbleFlow[];
  readonly failures?: readonly FakeFailure[];
  /** Reject every request with this status (e.g. INVALID_ARGUMENT). */
  readonly rejectWith?: grpc.status;
  /** Send a node status response before the flows. */
  readonly nodeStatus?: boolean;
}

export interface FakeRelay {
  readonly address: string;
  readonly requests: RecordedRequest[];
  /** Appends a flow to the buffer and sends it to every open follow stream that matches. */
  push(flow: HubbleFlow): void;
  /** Kills the server (every connection drops) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Kills the server (every connection drops); `start()` brings it back on the same port. */
  kill(): void;
  /** Starts a killed server again on the same port. */
  start(): Promise<void>;
  /** Resolves when `n` follow streams are open. */
  waitForFollowers(n: number): Promise<void>;
  close(): Promise<void>;
}

/** RFC 3339 → protobuf Timestamp, keeping nanoseconds. */
export function toTimestamp(time: string): { seconds: string; nanos: number } {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) throw new Error(`bad time ${time}`);
  const seconds = Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000);
  return { seconds: String(seconds), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

function nanosOf(ts: { seconds: string | number; nanos?: number }): bigint {
  return BigInt(ts.seconds) * 1_000_000_000n + BigInt(ts.nanos ?? 0);
}

/** A normalised flow back into the message object grpc-js serialises (the inverse of the client's conversion). */
export function toProtoFlow(flow: HubbleFlow): Record<string, unknown> {
  const { time, is_reply, ...rest } = flow;
  return {
    ...rest,
    ...(time !== undefined && { time: toTimestamp(time) }),
    ...(is_reply !== undefined && { is_reply: { value: is_reply } }),
  };
}

/** An independent, deliberately simple reading of the whitelist: namespace pod entries and verdicts only. */
function matchesWhitelist(
  flow: HubbleFlow,
  whitelist: readonly Record<string, unknown>[] | undefined,
): boolean {
  if (!whitelist || whitelist.length === 0) return true;
  return whitelist.some((rule) => {
    const verdicts = rule.verdict as string[] | undefined;
    if (verdicts?.length && !verdicts.includes(flow.verdict)) return false;
    const src = rule.source_pod as string[] | undefined;
    if (src?.length && !src.includes(`${flow.source?.namespace}/`)) return false;
    const dst = rule.destination_pod as string[] | undefined;
    if (dst?.length && !dst.includes(`${flow.destination?.namespace}/`)) return false;
    return true;
  });
}

/**
 * Starts an in-process Hubble Relay stand-in on 127.0.0.1 (random port) implementing `observer.Observer/GetFlows`
 * from netpol's own protos: honours `number` (last N), `since`/`until`, `whitelist` (namespace, verdict) and `follow`.
 */
export async function startFakeRelay(options: FakeRelayOptions): Promise<FakeRelay> {
  const pkg = loadHubbleProto();
  const buffer = [...options.flows];
  const requests: RecordedRequest[] = [];
  const followers = new Set<{ call: grpc.ServerWritableStream<RecordedRequest, unknown>; sent: number }>();
  const followerWaiters: (() => void)[] = [];
  let connections = 0;
  let server: grpc.Server;
  let port = 0;

  const send = (
    follower: { call: grpc.ServerWritableStream<RecordedRequest, unknown>; sent: number },
    flow: HubbleFlow,
  ): boolean => {
    const failure = options.failures?.find((f) => f.connection === connectionOf.get(follower.call));
    if (failure && follower.sent >= failure.afterFlows) {
      followers.delete(follower);
      follower.call.emit('error', {
        code: failure.code ?? grpc.status.UNAVAILABLE,
        details: 'connection reset',
      });
      return false;
    }
    follower.call.write({ flow: toProtoFlow(flow), node_name: flow.node_name ?? 'kind/kind-worker' });
    follower.sent++;
    return true;
  };
  const connectionOf = new WeakMap<object, number>();

  const getFlows = (call: grpc.ServerWritableStream<RecordedRequest, unknown>): void => {
    connections++;
    connectionOf.set(call, connections);
    const request = call.request;
    requests.push(request);
    if (options.rejectWith !== undefined) {
      call.emit('error', { code: options.rejectWith, details: 'invalid request' });
      return;
    }
    if (options.nodeStatus) {
      call.write({ node_status: { state_change: 'NODE_CONNECTED', node_names: ['kind/kind-worker'] } });
    }
    const since = request.since ? nanosOf(request.since) : undefined;
    const until = request.until ? nanosOf(request.until) : undefined;
    let selected = buffer.filter((flow) => {
      if (!matchesWhitelist(flow, request.whitelist)) return false;
      const t = flow.time ? nanosOf(toTimestamp(flow.time)) : undefined;
      if (since !== undefined && (t === undefined || t < since)) return false;
      if (until !== undefined && (t === undefined || t > until)) return false;
      return true;
    });
    if (request.number !== undefined && Number(request.number) > 0)
      selected = selected.slice(-Number(request.number));
    const follower = { call, sent: 0 };
    for (const flow of selected) {
      if (!send(follower, flow)) return;
    }
    if (!request.follow) {
      call.end();
      return;
    }
    followers.add(follower);
    call.on('cancelled', () => followers.delete(follower));
    for (const wake of followerWaiters.splice(0)) wake();
  };

  const start = async (): Promise<void> => {
    server = new grpc.Server();
    server.addService(pkg.observer.Observer.service, { GetFlows: getFlows });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  };
  const kill = (): void => {
    followers.clear();
    server.forceShutdown();
  };
  const restart = async (): Promise<void> => {
    kill();
    await start();
  };
  await start();

  return {
    address: `127.0.0.1:${port}`,
    requests,
    push(flow) {
      buffer.push(flow);
      for (const follower of [...followers]) {
        if (matchesWhitelist(flow, follower.call.request.whitelist)) send(follower, flow);
      }
    },
    restart,
    kill,
    start,
    async waitForFollowers(n) {
      while (followers.size < n) await new Promise<void>((resolve) => followerWaiters.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 200).unref();
      }),
  };
}
