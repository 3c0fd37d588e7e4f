import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Peer } from '../../src/engine/types.js';
import { normalizeFlow } from '../../src/hubble/parse-flow.js';
import { EngineFlowConverter, podLabels, toEngineFlow, toEnginePeer } from '../../src/hubble/to-engine.js';
import type { HubbleEndpoint, HubbleFlow } from '../../src/hubble/types.js';
import { normalizeFlow as previousNormalizeFlow } from './helpers/previous/parse-flow.js';
import {
  podLabels as previousPodLabels,
  toEngineFlow as previousToEngineFlow,
  toEnginePeer as previousToEnginePeer,
} from './helpers/previous/to-engine.js';

// The streaming speed-up of issue 13 rewrote the flow normaliser's stores, the label scan of the engine
// conversion and added a per-endpoint cache: these properties hold the new code to the previous one
// (test/hubble/helpers/previous/) on generated flows, value for value and key order for key order.

/**
 * The previous conversion plus the one change made on purpose since: a `host` side is named after the node that
 * observed the flow (`node_name` without its `CLUSTER/` prefix), so host policies and node labels apply.
 */
function previousWithLocalNode(flow: HubbleFlow): ReturnType<typeof previousToEngineFlow> {
  const result = previousToEngineFlow(flow);
  const node = flow.node_name?.slice(flow.node_name.lastIndexOf('/') + 1);
  if (!result.ok || !node) return result;
  const named = (peer: Peer): Peer =>
    peer.kind === 'reserved' && peer.entity === 'host' && peer.node === undefined ? { ...peer, node } : peer;
  return {
    ...result,
    flow: { ...result.flow, source: named(result.flow.source), destination: named(result.flow.destination) },
  };
}

/** Identity labels as Hubble prints them, with the odd shapes the conversion must treat alike. */
const LABELS = [
  'k8s:app=web',
  'k8s:app=api',
  'k8s:app.kubernetes.io/name=postgres',
  'k8s:io.kubernetes.pod.namespace=shop',
  'k8s:io.cilium.k8s.namespace.labels.team=a',
  'k8s:io.cilium.k8s.policy.cluster=default',
  'k8s:io.cilium.k8s.policy.serviceaccount=api',
  'k8s:io.cilium.k8s.policy.serviceaccount',
  'k8s:io.cilium.k8s.policy.serviceaccounts=x',
  'k8s:io.cilium.k8s.policy.serviceaccount=',
  'k8s:empty',
  'k8s:a=b=c',
  'reserved:world',
  'reserved:world-ipv6',
  'reserved:host',
  'reserved:remote-node',
  'reserved:kube-apiserver',
  'reserved:health',
  'reserved:unknown-thing',
  'reserved:host=x',
  'cidr:10.0.0.0/8',
  'app=no-source',
  'a=b:c',
  'container:io.kubernetes.container.name=x',
  'k8s:__proto__=x',
];

const label = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...LABELS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const endpoint = fc.record(
  {
    ID: fc.nat(5000),
    identity: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 16_777_217, max: 16_777_220 })),
    namespace: fc.constantFrom('shop', 'db', '', 'kube-system'),
    labels: fc.array(label, { maxLength: 5 }),
    pod_name: fc.constantFrom('web-7d9f8b6c5d-x2x4q', 'postgres-0', 'api'),
    workloads: fc.constant([{ name: 'web', kind: 'Deployment' }]),
  },
  { requiredKeys: [] },
);

const ports = fc.record(
  {
    source_port: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constant('443')),
    destination_port: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constant(-1)),
    flags: fc.constant({ SYN: true, ACK: false }),
  },
  { requiredKeys: [] },
);

const l4 = fc.oneof(
  ports.map((p) => ({ TCP: p })),
  ports.map((p) => ({ UDP: p })),
  ports.map((p) => ({ SCTP: p })),
  fc.record({ type: fc.nat(140), code: fc.nat(3) }).map((i) => ({ ICMPv4: i })),
  fc.record({ type: fc.nat(140), code: fc.nat(3) }).map((i) => ({ ICMPv6: i })),
  fc.constant({}),
);

/** A raw flow object: mostly valid, in either spelling, with a wrong-typed field now and then. */
const rawFlow = fc
  .record(
    {
      time: fc.constantFrom(
        '2024-05-01T12:00:00Z',
        '2024-05-01T12:00:00.123456789Z',
        '2024-05-01T12:00:00.120Z',
        '2024-05-01t12:00:00+02:00',
        { seconds: 1714564800, nanos: 5_000_000 },
        'yesterday',
      ),
      verdict: fc.constantFrom('FORWARDED', 'DROPPED', 'AUDIT', 2, 1, 'ERROR'),
      drop_reason: fc.constantFrom(133, 181, 0, '133'),
      drop_reason_desc: fc.constantFrom(
        'POLICY_DENIED',
        'POLICY_DENY',
        'CT_MAP_INSERTION_FAILED',
        133,
        '181',
      ),
      traffic_direction: fc.constantFrom('EGRESS', 'INGRESS', 1, 2),
      is_reply: fc.constantFrom(true, false, { value: true }, {}, 'yes'),
      IP: fc.record(
        {
          source: fc.constantFrom('10.0.0.1', '52.94.236.248'),
          destination: fc.constantFrom('10.0.0.2', ''),
        },
        { requiredKeys: [] },
      ),
      l4,
      source: endpoint,
      destination: endpoint,
      Type: fc.constantFrom('L3_L4', 1),
      node_name: fc.constantFrom('kind/kind-worker', 7),
      source_names: fc.array(fc.constantFrom('api.stripe.com', 'github.com'), { maxLength: 2 }),
      destination_names: fc.array(fc.constantFrom('api.stripe.com', 'github.com'), { maxLength: 2 }),
      event_type: fc.record({ type: fc.nat(10), sub_type: fc.nat(200) }, { requiredKeys: [] }),
      egress_denied_by: fc.constant([
        { name: 'deny', namespace: 'shop', kind: 'CiliumNetworkPolicy', revision: '4' },
      ]),
      Summary: fc.constantFrom('TCP Flags: SYN', 5),
      uuid: fc.constant('9b2c'),
    },
    { requiredKeys: [] },
  )
  .chain((flow) =>
    fc.record({
      flow: fc.constant(flow as Record<string, unknown>),
      camel: fc.boolean(),
      outer: fc.record(
        {
          node_name: fc.constantFrom('kind/kind-control-plane'),
          time: fc.constantFrom('2024-05-01T12:00:01Z'),
        },
        { requiredKeys: [] },
      ),
    }),
  )
  .map(({ flow, camel, outer }) => {
    if (!camel) return { flow, outer };
    const renamed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(flow)) {
      renamed[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
    }
    return { flow: renamed, outer };
  });

const SEED = 20_261_207;

describe('normalizeFlow', () => {
  it('equals the previous normaliser on generated flows, key order included (seeded property)', () => {
    fc.assert(
      fc.property(rawFlow, ({ flow, outer }) => {
        const now = normalizeFlow(flow, outer);
        const before = previousNormalizeFlow(flow, outer);
        expect(now).toEqual(before);
        expect(JSON.stringify(now)).toBe(JSON.stringify(before));
      }),
      { seed: SEED, numRuns: 800 },
    );
  });
});

/** Normalised flows (the ones the previous normaliser accepts). */
const hubbleFlow = rawFlow
  .map(({ flow, outer }) => previousNormalizeFlow(flow, outer))
  .filter((r): r is { ok: true; flow: HubbleFlow } => r.ok);

describe('toEngineFlow', () => {
  it('equals the previous conversion on generated flows (seeded property)', () => {
    fc.assert(
      fc.property(hubbleFlow, ({ flow }) => {
        expect(toEngineFlow(flow)).toEqual(previousWithLocalNode(flow));
      }),
      { seed: SEED, numRuns: 800 },
    );
  });
});

describe('toEnginePeer and podLabels', () => {
  it('equal the previous ones on generated endpoints (seeded property)', () => {
    fc.assert(
      fc.property(
        endpoint,
        fc.constantFrom(undefined, '', '10.0.0.9'),
        fc.constantFrom(undefined, [], ['github.com']),
        (ep, ip, names) => {
          const e = ep as HubbleEndpoint;
          expect(toEnginePeer(e, ip, names)).toEqual(previousToEnginePeer(e, ip, names));
          expect(podLabels(e)).toEqual(previousPodLabels(e));
        },
      ),
      { seed: SEED, numRuns: 800 },
    );
  });
});

describe('EngineFlowConverter', () => {
  it('converts a stream of flows as the previous conversion does, flow for flow (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.array(hubbleFlow, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (flows, max) => {
          // A small cache, so entries are evicted and identity hints collide (few identity numbers, many labels).
          const converter = new EngineFlowConverter(max);
          for (const { flow } of flows) expect(converter.flow(flow)).toEqual(previousWithLocalNode(flow));
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('returns the same pod peer for the same endpoint, and a new one for other labels', () => {
    const converter = new EngineFlowConverter();
    const a = { identity: 7, namespace: 'shop', labels: ['k8s:app=web'] };
    const first = converter.peer(a, '10.0.0.1', undefined);
    const again = converter.peer({ ...a, labels: ['k8s:app=web'] }, '10.0.0.2', undefined);
    const other = converter.peer({ ...a, labels: ['k8s:app=api'] }, '10.0.0.1', undefined);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(other).toEqual({ ok: true, peer: { kind: 'pod', namespace: 'shop', labels: { app: 'api' } } });
  });
});
