import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFlowFilter } from '../../src/hubble/filter.js';
import {
  HUBBLE_PROTO_LOADER_OPTIONS,
  hubbleProtoDir,
  type ObserveFlowsOptions,
  observeFlows,
} from '../../src/hubble/relay-client.js';
import type { HubbleFlow, NonFlowEvent } from '../../src/hubble/types.js';
import { type FakeRelay, type FakeRelayOptions, startFakeRelay, toTimestamp } from './helpers/fake-relay.js';
import { fixtureFlow, MIXED_FLOW_LINES } from './helpers/fixtures.js';

const FLOWS = MIXED_FLOW_LINES.map((line) => fixtureFlow('mixed.jsonl', line));
const relays: FakeRelay[] = [];

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
});

async function relay(options: FakeRelayOptions): Promise<FakeRelay> {
  const started = await startFakeRelay(options);
  relays.push(started);
  return started;
}

async function collect(options: ObserveFlowsOptions): Promise<HubbleFlow[]> {
  const flows: HubbleFlow[] = [];
  for await (const flow of observeFlows(options)) flows.push(flow);
  return flows;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('proto files', () => {
  // Field numbers from cilium/cilium api/v1/flow/flow.proto, api/v1/observer/observer.proto, api/v1/relay/relay.proto.
  const definition = protoLoader.loadSync('observer.proto', {
    ...HUBBLE_PROTO_LOADER_OPTIONS,
    includeDirs: [hubbleProtoDir()],
  });
  const fieldNumber = (message: string, field: string): number | undefined => {
    const type = (definition[message] as { type?: { field?: { name: string; number: number }[] } }).type;
    return type?.field?.find((f) => f.name === field)?.number;
  };

  it.each([
    ['flow.Flow', 'time', 1],
    ['flow.Flow', 'verdict', 2],
    ['flow.Flow', 'drop_reason', 3],
    ['flow.Flow', 'IP', 5],
    ['flow.Flow', 'l4', 6],
    ['flow.Flow', 'source', 8],
    ['flow.Flow', 'destination', 9],
    ['flow.Flow', 'Type', 10],
    ['flow.Flow', 'node_name', 11],
    ['flow.Flow', 'source_names', 13],
    ['flow.Flow', 'destination_names', 14],
    ['flow.Flow', 'l7', 15],
    ['flow.Flow', 'event_type', 19],
    ['flow.Flow', 'traffic_direction', 22],
    ['flow.Flow', 'drop_reason_desc', 25],
    ['flow.Flow', 'is_reply', 26],
    ['flow.Flow', 'uuid', 34],
    ['flow.Flow', 'egress_allowed_by', 21001],
    ['flow.Flow', 'ingress_allowed_by', 21002],
    ['flow.Flow', 'egress_denied_by', 21004],
    ['flow.Flow', 'ingress_denied_by', 21005],
    ['flow.Flow', 'Summary', 100000],
    ['flow.Endpoint', 'identity', 2],
    ['flow.Endpoint', 'pod_name', 5],
    ['flow.Endpoint', 'workloads', 6],
    ['flow.Endpoint', 'cluster_name', 7],
    ['flow.Layer4', 'ICMPv6', 4],
    ['flow.Layer4', 'SCTP', 5],
    ['flow.Policy', 'kind', 5],
    ['flow.FlowFilter', 'source_pod', 2],
    ['flow.FlowFilter', 'destination_pod', 4],
    ['flow.FlowFilter', 'verdict', 5],
    ['flow.FlowFilter', 'protocol', 12],
    ['flow.FlowFilter', 'destination_port', 14],
    ['flow.FlowFilter', 'destination_identity', 20],
    ['flow.LostEvent', 'num_events_lost', 2],
    ['relay.NodeStatusEvent', 'node_names', 2],
    ['observer.GetFlowsRequest', 'number', 1],
    ['observer.GetFlowsRequest', 'follow', 3],
    ['observer.GetFlowsRequest', 'whitelist', 6],
    ['observer.GetFlowsRequest', 'since', 7],
    ['observer.GetFlowsRequest', 'until', 8],
    ['observer.GetFlowsRequest', 'first', 9],
    ['observer.GetFlowsResponse', 'flow', 1],
    ['observer.GetFlowsResponse', 'node_status', 2],
    ['observer.GetFlowsResponse', 'lost_events', 3],
    ['observer.GetFlowsResponse', 'node_name', 1000],
    ['observer.GetFlowsResponse', 'time', 1001],
  ])('%s.%s = %i', (message, field, number) => {
    expect(fieldNumber(message, field)).toBe(number);
  });

  it('serves /observer.Observer/GetFlows', () => {
    const service = definition['observer.Observer'] as Record<string, { path: string }>;
    expect(service.GetFlows?.path).toBe('/observer.Observer/GetFlows');
  });
});

describe('observeFlows', () => {
  it('returns the last N flows, converted to the same shape the JSON parser gives', async () => {
    const server = await relay({ flows: FLOWS });
    expect(await collect({ server: server.address, last: 3 })).toEqual(FLOWS.slice(-3));
    expect(server.requests[0]).toMatchObject({ number: '3' });
    expect(server.requests[0]?.follow).toBeFalsy();
  });

  it('sends whitelist filters and since to the Relay', async () => {
    const server = await relay({ flows: FLOWS });
    const whitelist = buildFlowFilter({ namespace: 'db', verdict: 'DROPPED' }).whitelist;
    const flows = await collect({
      server: server.address,
      since: new Date('2024-05-01T12:00:00Z'),
      whitelist,
    });
    expect(flows.map((f) => f.time)).toEqual(['2024-05-01T12:00:01.123456789Z', '2024-05-01T12:00:07Z']);
    expect(server.requests[0]).toMatchObject({
      since: { seconds: '1714564800' },
      whitelist: [
        { verdict: ['DROPPED'], source_pod: ['db/'] },
        { verdict: ['DROPPED'], destination_pod: ['db/'] },
      ],
    });
  });

  it('reports node status responses through onEvent', async () => {
    const server = await relay({ flows: FLOWS.slice(0, 1), nodeStatus: true });
    const events: NonFlowEvent[] = [];
    const flows = await collect({ server: server.address, last: 1, onEvent: (e) => events.push(e) });
    expect(flows).toHaveLength(1);
    expect(events).toEqual([
      { what: 'node_status', state: 'NODE_CONNECTED', nodeNames: ['kind/kind-worker'] },
    ]);
  });

  it('with follow, retries a lost stream with backoff and resumes without duplicates', async () => {
    const initial = FLOWS.slice(0, 5); // 12:00:01 … 12:00:05
    const server = await relay({ flows: initial, failures: [{ connection: 1, afterFlows: 3 }] });
    const controller = new AbortController();
    const retries: { attempt: number; delayMs: number; code: unknown }[] = [];
    const live: HubbleFlow = { ...initial[0], time: '2024-05-01T12:00:20Z', uuid: 'live-1' } as HubbleFlow;
    const seen: HubbleFlow[] = [];
    for await (const flow of observeFlows({
      server: server.address,
      follow: true,
      since: new Date('2024-05-01T12:00:00Z'),
      signal: controller.signal,
      retry: { initialMs: 20, maxMs: 100 },
      onRetry: (attempt, delayMs, error) =>
        retries.push({ attempt, delayMs, code: (error as { code?: unknown }).code }),
    })) {
      seen.push(flow);
      if (seen.length === 5) {
        await server.waitForFollowers(1);
        server.push(live);
      }
      if (seen.length === 6) controller.abort();
    }
    expect(seen).toEqual([...initial, live]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 20, code: grpc.status.UNAVAILABLE }]);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]).toMatchObject({ follow: true, since: toTimestamp('2024-05-01T12:00:03Z') });
    expect(server.requests[1]?.number).toBeUndefined();
  });

  it('with follow, resumes without duplicates among flows sharing the newest timestamp (with and without uuid)', async () => {
    const at = '2024-05-01T12:00:03Z';
    const base = FLOWS.slice(0, 4).map((f) => {
      const { uuid: _, ...rest } = f;
      return { ...rest, time: at } as HubbleFlow;
    });
    // Three flows at one instant (one with a uuid, two without), then a later one; the stream dies after the three.
    const initial = [
      { ...(FLOWS[0] as HubbleFlow), time: '2024-05-01T12:00:01Z' },
      { ...(base[1] as HubbleFlow), uuid: 'same-instant-1' },
      base[2] as HubbleFlow,
      base[3] as HubbleFlow,
      { ...(FLOWS[4] as HubbleFlow), time: '2024-05-01T12:00:04Z' },
    ];
    const server = await relay({ flows: initial, failures: [{ connection: 1, afterFlows: 4 }] });
    const controller = new AbortController();
    const seen: HubbleFlow[] = [];
    for await (const flow of observeFlows({
      server: server.address,
      follow: true,
      since: new Date('2024-05-01T12:00:00Z'),
      signal: controller.signal,
      retry: { initialMs: 20, maxMs: 100 },
    })) {
      seen.push(flow);
      if (seen.length === 5) controller.abort();
    }
    expect(seen).toEqual(initial);
    expect(server.requests[1]).toMatchObject({ follow: true, since: toTimestamp(at) });
  });

  it('with follow, survives the Relay going away and coming back on the same port', async () => {
    const [first, second, third, fourth] = FLOWS as [HubbleFlow, HubbleFlow, HubbleFlow, HubbleFlow];
    const server = await relay({ flows: [first, second] });
    const controller = new AbortController();
    const attempts: number[] = [];
    const seen: HubbleFlow[] = [];
    for await (const flow of observeFlows({
      server: server.address,
      follow: true,
      last: 100,
      signal: controller.signal,
      retry: { initialMs: 10, maxMs: 50 },
      onRetry: (attempt) => attempts.push(attempt),
    })) {
      seen.push(flow);
      if (seen.length === 2) {
        await server.restart();
        // Once the client is back, new flows arrive only over the new connection.
        void server.waitForFollowers(1).then(() => {
          server.push(third);
          server.push(fourth);
        });
      }
      if (seen.length === 4) controller.abort();
    }
    expect(seen).toEqual([first, second, third, fourth]);
    expect(attempts[0]).toBe(1);
    expect(server.requests.at(-1)).toMatchObject({ follow: true, since: toTimestamp(second.time ?? '') });
    expect(server.requests.at(-1)?.number).toBeUndefined();
  });

  it('without follow, fails with NETPOL_HUBBLE_FAILED naming the server and how to reach it', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const error = await collect({ server: address, last: 10 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NetpolError', code: 'NETPOL_HUBBLE_FAILED' });
    expect((error as Error).message).toContain(`Cannot get flows from Hubble Relay at "${address}"`);
    expect((error as { hint?: string }).hint).toContain(
      'kubectl port-forward -n kube-system svc/hubble-relay 4245:80',
    );
  });

  it('with follow, gives up after retry.maxAttempts', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const attempts: number[] = [];
    const error = await collect({
      server: address,
      follow: true,
      retry: { initialMs: 5, maxAttempts: 2 },
      onRetry: (attempt) => attempts.push(attempt),
    }).catch((e: unknown) => e);
    expect(attempts).toEqual([1, 2]);
    expect(error).toMatchObject({ code: 'NETPOL_HUBBLE_FAILED' });
  });

  it('does not retry a request the Relay rejects', async () => {
    const server = await relay({ flows: FLOWS, rejectWith: grpc.status.INVALID_ARGUMENT });
    const attempts: number[] = [];
    const error = await collect({
      server: server.address,
      follow: true,
      onRetry: (a) => attempts.push(a),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'NETPOL_HUBBLE_FAILED',
      message: expect.stringContaining('invalid request'),
    });
    expect(attempts).toEqual([]);
  });

  it('needs since, until, last or follow', async () => {
    await expect(collect({ server: '127.0.0.1:1' })).rejects.toMatchObject({ code: 'NETPOL_BAD_ARGUMENT' });
  });

  it('ends quietly when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await collect({ server: '127.0.0.1:1', follow: true, signal: controller.signal })).toEqual([]);
  });

  it('reads TLS files and reports unreadable ones', async () => {
    await expect(
      collect({ server: '127.0.0.1:1', last: 1, tlsCaCertFiles: ['/nonexistent/ca.pem'] }),
    ).rejects.toMatchObject({
      code: 'NETPOL_INPUT_UNREADABLE',
      message: expect.stringContaining('/nonexistent/ca.pem'),
    });
    await expect(
      collect({ server: '127.0.0.1:1', last: 1, tlsClientCertFile: '/x.pem' }),
    ).rejects.toMatchObject({
      code: 'NETPOL_BAD_ARGUMENT',
    });
  });
});
