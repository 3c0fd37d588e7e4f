import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatTimestamp,
  isPolicyAudit,
  isPolicyDrop,
  mightBePolicyDrop,
  mightBePolicyDropOrAudit,
  normalizeFlow,
  parseFlowLine,
} from '../../src/hubble/parse-flow.js';
import { HubbleDropReason, type HubbleFlow, HubbleVerdict } from '../../src/hubble/types.js';
import { fixtureFlow, fixtureLines } from './helpers/fixtures.js';

// Shapes and names checked against cilium/cilium: hubble/pkg/printer/printer.go (jsonpb prints the whole
// GetFlowsResponse, legacy JSON the bare flow), api/v1/flow/flow.pb.json.go (protojson with UseProtoNames),
// api/v1/flow/flow.proto (field and enum numbers).

describe('parseFlowLine', () => {
  const mixed = fixtureLines('mixed.jsonl');

  it('reads a wrapped policy drop (133) with every field it keeps', () => {
    const parsed = parseFlowLine(mixed[0] ?? '', 1, 'mixed.jsonl');
    expect(parsed).toEqual({
      kind: 'flow',
      flow: {
        time: '2024-05-01T12:00:01.123456789Z',
        uuid: '0b6f7f0e-0001-4c1e-9a55-000000000001',
        verdict: 'DROPPED',
        drop_reason: 133,
        drop_reason_desc: 'POLICY_DENIED',
        traffic_direction: 'EGRESS',
        is_reply: false,
        IP: { source: '10.244.1.17', destination: '10.244.2.31', ipVersion: 'IPv4' },
        l4: { TCP: { source_port: 51234, destination_port: 5432, flags: { SYN: true } } },
        source: {
          ID: 1203,
          identity: 48123,
          namespace: 'shop',
          labels: [
            'k8s:app=checkout',
            'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop',
            'k8s:io.cilium.k8s.namespace.labels.netpol.io/profile=standard',
            'k8s:io.cilium.k8s.policy.cluster=default',
            'k8s:io.cilium.k8s.policy.serviceaccount=checkout',
            'k8s:io.kubernetes.pod.namespace=shop',
          ],
          pod_name: 'checkout-7d9f8b6c5-x2kqp',
          workloads: [{ name: 'checkout', kind: 'Deployment' }],
        },
        destination: {
          identity: 20411,
          namespace: 'db',
          labels: [
            'k8s:app.kubernetes.io/name=postgres',
            'k8s:io.cilium.k8s.policy.cluster=default',
            'k8s:io.cilium.k8s.policy.serviceaccount=postgres',
            'k8s:io.kubernetes.pod.namespace=db',
          ],
          pod_name: 'postgres-0',
          workloads: [{ name: 'postgres', kind: 'StatefulSet' }],
        },
        Type: 'L3_L4',
        node_name: 'kind/kind-worker',
        event_type: { type: 1, sub_type: 133 },
        Summary: 'TCP Flags: SYN',
      },
    });
  });

  it.each([
    {
      line: 2,
      what: 'explicit deny (181) with ingress_denied_by',
      expected: {
        verdict: 'DROPPED',
        drop_reason: 181,
        drop_reason_desc: 'POLICY_DENY',
        traffic_direction: 'INGRESS',
        time: '2024-05-01T12:00:02.500Z',
        ingress_denied_by: [
          {
            name: 'deny-shop',
            namespace: 'payments',
            kind: 'CiliumNetworkPolicy',
            revision: 17,
            labels: [
              'k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy',
              'k8s:io.cilium.k8s.policy.name=deny-shop',
              'k8s:io.cilium.k8s.policy.namespace=payments',
            ],
          },
        ],
      },
    },
    {
      line: 3,
      what: 'forwarded UDP',
      expected: {
        verdict: 'FORWARDED',
        l4: { UDP: { source_port: 38211, destination_port: 53 } },
        is_reply: false,
      },
    },
    {
      line: 4,
      what: 'forwarded reply',
      expected: {
        verdict: 'FORWARDED',
        is_reply: true,
        l4: { TCP: { source_port: 5432, destination_port: 51234, flags: { SYN: true, ACK: true } } },
        time: '2024-05-01T12:00:04.000001Z',
      },
    },
    {
      line: 5,
      what: 'world destination with destination_names',
      expected: {
        destination: { identity: 2, labels: ['reserved:world'] },
        destination_names: ['api.stripe.com'],
        IP: { destination: '52.94.236.248' },
      },
    },
    {
      line: 6,
      what: 'reserved:host source',
      expected: { source: { identity: 1, labels: ['reserved:host'] }, traffic_direction: 'INGRESS' },
    },
    {
      line: 7,
      what: 'ICMPv4 drop',
      expected: { l4: { ICMPv4: { type: 8 } }, drop_reason_desc: 'POLICY_DENIED' },
    },
    { line: 8, what: 'AUDIT verdict', expected: { verdict: 'AUDIT', event_type: { type: 5 } } },
    {
      line: 16,
      what: 'ICMPv6 over IPv6',
      expected: { l4: { ICMPv6: { type: 128 } }, IP: { ipVersion: 'IPv6', source: 'fd00:10:244:1::11' } },
    },
  ])('line $line: $what', ({ line, expected }) => {
    const parsed = parseFlowLine(mixed[line - 1] ?? '', line, 'mixed.jsonl');
    expect(parsed.kind).toBe('flow');
    expect(parsed).toMatchObject({ kind: 'flow', flow: expected });
  });

  it.each([
    {
      line: 9,
      expected: {
        kind: 'other',
        what: 'node_status',
        event: {
          what: 'node_status',
          state: 'NODE_UNAVAILABLE',
          nodeNames: ['kind/kind-worker3'],
          message: 'connection refused',
          time: '2024-05-01T12:00:09Z',
        },
      },
    },
    {
      line: 10,
      expected: {
        kind: 'other',
        what: 'lost_events',
        event: {
          what: 'lost_events',
          lostSource: 'HUBBLE_RING_BUFFER',
          numEventsLost: 42,
          nodeName: 'kind/kind-worker',
          time: '2024-05-01T12:00:10Z',
        },
      },
    },
    { line: 11, expected: { kind: 'other', what: 'blank', event: { what: 'blank' } } },
  ])('line $line is a non-flow event', ({ line, expected }) => {
    expect(parseFlowLine(mixed[line - 1] ?? '', line, 'mixed.jsonl')).toEqual(expected);
  });

  it.each([
    {
      line: 12,
      message: /^Line is truncated: the JSON object ends after \d+ characters without being closed\.$/,
    },
    { line: 13, message: /^Line is not valid JSON \(.+\)\.$/ },
    {
      line: 14,
      message: /^Line is a JSON object but neither a Hubble flow nor a known event \(keys "hello"\)\.$/,
    },
    {
      line: 15,
      message: /^Field "flow\.l4\.TCP\.destination_port" is the string "http", expected a number\.$/,
    },
  ])('line $line becomes a FLOW_UNPARSABLE diagnostic at its line', ({ line, message }) => {
    const parsed = parseFlowLine(mixed[line - 1] ?? '', line, 'mixed.jsonl');
    expect(parsed).toMatchObject({
      kind: 'error',
      diagnostic: {
        code: 'FLOW_UNPARSABLE',
        severity: 'warning',
        source: { file: 'mixed.jsonl', line, column: 1 },
      },
    });
    if (parsed.kind === 'error') {
      expect(parsed.diagnostic.message).toMatch(message);
      expect(parsed.diagnostic.hint).toBeTruthy();
    }
  });

  it.each([
    { text: '[1,2]', message: 'Line is valid JSON but an array, not an object.' },
    { text: '42', message: 'Line is valid JSON but a number, not an object.' },
    { text: 'null', message: 'Line is valid JSON but null, not an object.' },
    { text: '{"flow":"x"}', message: 'Field "flow" is the string "x", expected an object.' },
    {
      text: '{"flow":{"verdict":{}}}',
      message: 'Field "flow.verdict" is an object, expected an enum name or number.',
    },
    {
      text: '{"flow":{"verdict":"DROPPED","time":"yesterday"}}',
      message: 'Field "flow.time" is the string "yesterday", expected an RFC 3339 timestamp.',
    },
    {
      text: '{"flow":{"verdict":"DROPPED","source":{"labels":"k8s:app=x"}}}',
      message: 'Field "flow.source.labels" is the string "k8s:app=x", expected a list of strings.',
    },
    {
      text: '{"lost_events":{"num_events_lost":"many"}}',
      message: 'Field "lost_events.num_events_lost" is the string "many", expected a number.',
    },
  ])('reports $text', ({ text, message }) => {
    expect(parseFlowLine(text, 7)).toMatchObject({
      kind: 'error',
      diagnostic: { code: 'FLOW_UNPARSABLE', message, source: { file: '<stdin>', line: 7, column: 1 } },
    });
  });

  it('reads the bare flow shape of older CLIs like the wrapped one', () => {
    const bare = fixtureFlow('legacy-bare.jsonl', 1);
    expect(bare).toMatchObject({
      time: '2023-08-21T12:12:18.510175415Z',
      verdict: 'DROPPED',
      drop_reason: 133,
      drop_reason_desc: 'POLICY_DENIED',
      traffic_direction: 'INGRESS',
      source: { namespace: 'default', pod_name: 'xwing' },
      destination: { pod_name: 'deathstar-7848d6c4d5-th9v2' },
    });
    const line = fixtureLines('legacy-bare.jsonl')[0] ?? '';
    const wrapped = `{"flow":${line},"node_name":"kind-kind/kind-worker","time":"2023-08-21T12:12:18.510175415Z"}`;
    expect(parseFlowLine(wrapped, 1)).toEqual({ kind: 'flow', flow: bare });
  });

  it('accepts lowerCamelCase names, numeric enums and {seconds, nanos} timestamps', () => {
    expect(fixtureFlow('camel-numeric.jsonl', 1)).toEqual({
      time: '2024-05-01T12:00:00.250Z',
      verdict: 'DROPPED',
      drop_reason: 181,
      drop_reason_desc: 'POLICY_DENY',
      traffic_direction: 'EGRESS',
      is_reply: false,
      IP: { source: '10.244.1.17', destination: '10.244.3.8', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40000, destination_port: 8443 } },
      source: {
        identity: 48123,
        namespace: 'shop',
        labels: ['k8s:app=checkout'],
        pod_name: 'checkout-7d9f8b6c5-x2kqp',
      },
      destination: {
        identity: 33001,
        namespace: 'payments',
        labels: ['k8s:app=api'],
        pod_name: 'api-6f5d4c7b2-fghjk',
      },
      Type: 'L3_L4',
      node_name: 'kind/kind-worker',
      event_type: { type: 1, sub_type: 181 },
      egress_denied_by: [
        { name: 'deny-payments', namespace: 'shop', kind: 'CiliumNetworkPolicy', revision: 3 },
      ],
    });
  });

  it('takes time and node_name from the wrapper when the flow has none', () => {
    expect(fixtureFlow('camel-numeric.jsonl', 2)).toMatchObject({
      time: '2024-05-01T12:00:01Z',
      node_name: 'kind/kind-worker',
      verdict: 'FORWARDED',
      destination_names: ['kube-dns.kube-system.svc.cluster.local'],
    });
  });

  it('ignores a trailing CR and a leading BOM', () => {
    const lines = fixtureLines('crlf.jsonl');
    expect(lines[0]?.endsWith('\r')).toBe(true);
    expect(parseFlowLine(lines[0] ?? '', 1)).toMatchObject({ kind: 'flow', flow: { verdict: 'DROPPED' } });
    expect(parseFlowLine(lines[1] ?? '', 2)).toMatchObject({ kind: 'other', what: 'blank' });
  });

  it('keeps enum values it does not know: names as given, numbers as decimal strings', () => {
    const parsed = parseFlowLine(
      '{"flow":{"verdict":9,"drop_reason_desc":250,"traffic_direction":"SIDEWAYS"}}',
      1,
    );
    expect(parsed).toMatchObject({
      kind: 'flow',
      flow: { verdict: '9', drop_reason_desc: '250', drop_reason: 250, traffic_direction: 'SIDEWAYS' },
    });
  });

  it.each([
    ['2024-05-01T12:00:02.5Z', '2024-05-01T12:00:02.500Z'],
    ['2024-05-01T14:00:02.123456789+02:00', '2024-05-01T12:00:02.123456789Z'],
    ['2024-05-01T12:00:02.120000000Z', '2024-05-01T12:00:02.120Z'],
    ['2024-05-01T12:00:02.000Z', '2024-05-01T12:00:02Z'],
    ['2024-05-01T12:00:02Z', '2024-05-01T12:00:02Z'],
  ])('writes time %s the way protojson does: %s', (time, expected) => {
    expect(parseFlowLine(`{"verdict":"FORWARDED","time":"${time}"}`, 1)).toMatchObject({
      flow: { time: expected },
    });
  });

  it('fills drop_reason_desc from the deprecated drop_reason and back', () => {
    expect(parseFlowLine('{"verdict":"DROPPED","drop_reason":181}', 1)).toMatchObject({
      flow: { drop_reason: 181, drop_reason_desc: 'POLICY_DENY' },
    });
    expect(parseFlowLine('{"verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED"}', 1)).toMatchObject({
      flow: { drop_reason: 133, drop_reason_desc: 'POLICY_DENIED' },
    });
  });
});

describe('normalizeFlow', () => {
  it('reads the gRPC-decoded shape (Timestamp objects, BoolValue, uint64 strings, oneof markers)', () => {
    const result = normalizeFlow(
      {
        time: { seconds: '1714564801', nanos: 123456789 },
        verdict: 'DROPPED',
        drop_reason_desc: 'POLICY_DENY',
        is_reply: { value: true },
        l4: { TCP: { destination_port: 443 }, protocol: 'TCP' },
        egress_denied_by: [{ name: 'p', revision: '9007199254740991' }],
      },
      { node_name: 'n1' },
    );
    expect(result).toEqual({
      ok: true,
      flow: {
        time: '2024-05-01T12:00:01.123456789Z',
        verdict: 'DROPPED',
        drop_reason: 181,
        drop_reason_desc: 'POLICY_DENY',
        is_reply: true,
        l4: { TCP: { destination_port: 443 } },
        egress_denied_by: [{ name: 'p', revision: 9007199254740991 }],
        node_name: 'n1',
      },
    });
  });
});

describe('formatTimestamp', () => {
  it.each([
    [0, 0, '1970-01-01T00:00:00Z'],
    [1714564800, 250_000_000, '2024-05-01T12:00:00.250Z'],
    [1714564800, 1000, '2024-05-01T12:00:00.000001Z'],
    [1714564800, 123456789, '2024-05-01T12:00:00.123456789Z'],
  ])('(%i, %i) → %s', (seconds, nanos, expected) => {
    expect(formatTimestamp(seconds, nanos)).toBe(expected);
  });
});

describe('isPolicyDrop', () => {
  it.each([
    { line: 1, drop: true },
    { line: 2, drop: true },
    { line: 3, drop: false },
    { line: 5, drop: true },
    { line: 7, drop: true },
    { line: 8, drop: false },
  ])('mixed.jsonl line $line → $drop', ({ line, drop }) => {
    expect(isPolicyDrop(fixtureFlow('mixed.jsonl', line))).toBe(drop);
  });

  it('is false for drops with other reasons', () => {
    expect(
      isPolicyDrop({ verdict: 'DROPPED', drop_reason: 158, drop_reason_desc: 'SERVICE_BACKEND_NOT_FOUND' }),
    ).toBe(false);
  });
});

describe('isPolicyAudit', () => {
  it('is true only for AUDIT verdicts', () => {
    expect(isPolicyAudit(fixtureFlow('mixed.jsonl', 8))).toBe(true);
    expect(isPolicyAudit(fixtureFlow('mixed.jsonl', 1))).toBe(false);
  });
});

/** JSON with optional protojson-style spacing (`": "` and `", "`), which Go's protojson adds at random. */
function serialize(value: unknown, spaced: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v, spaced)).join(spaced ? ', ' : ',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}${spaced ? ': ' : ':'}${serialize(v, spaced)}`).join(spaced ? ', ' : ',')}}`;
  }
  return JSON.stringify(value);
}

const verdictNames = Object.keys(HubbleVerdict) as (keyof typeof HubbleVerdict)[];
const reasonNames = Object.keys(HubbleDropReason) as (keyof typeof HubbleDropReason)[];

/** Arbitrary Hubble flow lines in every encoding the parser accepts. */
const flowLine = fc
  .record({
    verdict: fc.oneof(fc.constantFrom(...verdictNames), fc.constant('DROPPED' as const)),
    reason: fc.option(
      fc.oneof(fc.constantFrom(...reasonNames), fc.constantFrom('POLICY_DENIED', 'POLICY_DENY')),
    ),
    legacyReason: fc.boolean(),
    enumsAsNumbers: fc.boolean(),
    camel: fc.boolean(),
    wrapped: fc.boolean(),
    spaced: fc.boolean(),
    srcNs: fc.constantFrom('shop', 'db', 'payments', 'kube-system'),
    dstNs: fc.constantFrom('shop', 'db', 'payments', 'kube-system', undefined),
    port: fc.integer({ min: 1, max: 65535 }),
    label: fc.string({ maxLength: 12 }),
    ip: fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.244.${a}.${b}`),
  })
  .map((g) => {
    const name = (snake: string, camel: string) => (g.camel ? camel : snake);
    const flow: Record<string, unknown> = {
      time: '2024-05-01T12:00:00Z',
      verdict: g.enumsAsNumbers ? HubbleVerdict[g.verdict] : g.verdict,
      IP: { source: g.ip, destination: '10.244.9.9', ipVersion: g.enumsAsNumbers ? 1 : 'IPv4' },
      l4: {
        TCP: {
          [name('source_port', 'sourcePort')]: 40000,
          [name('destination_port', 'destinationPort')]: g.port,
        },
      },
      source: { namespace: g.srcNs, labels: [`k8s:app=${g.label}`] },
      destination: g.dstNs ? { namespace: g.dstNs } : { labels: ['reserved:world'] },
      [name('traffic_direction', 'trafficDirection')]: g.enumsAsNumbers ? 2 : 'EGRESS',
    };
    if (g.reason) {
      flow[name('drop_reason_desc', 'dropReasonDesc')] = g.enumsAsNumbers
        ? HubbleDropReason[g.reason]
        : g.reason;
      if (g.legacyReason) flow[name('drop_reason', 'dropReason')] = HubbleDropReason[g.reason];
    }
    const line = g.wrapped
      ? { flow, [name('node_name', 'nodeName')]: 'kind/kind-worker', time: '2024-05-01T12:00:00Z' }
      : flow;
    return serialize(line, g.spaced);
  });

describe('mightBePolicyDrop', () => {
  it.each([
    { line: 1, expected: true },
    { line: 2, expected: true },
    { line: 3, expected: false },
    { line: 4, expected: false },
    { line: 8, expected: false },
    { line: 9, expected: false },
  ])('mixed.jsonl line $line → $expected', ({ line, expected }) => {
    expect(mightBePolicyDrop(fixtureLines('mixed.jsonl')[line - 1] ?? '')).toBe(expected);
  });

  it('recognises numeric verdicts with any spacing', () => {
    expect(mightBePolicyDrop('{"flow":{"verdict" :  2, "drop_reason_desc": 133}}')).toBe(true);
    expect(mightBePolicyDrop('{"flow":{"verdict":21,"drop_reason_desc":133}}')).toBe(false);
    expect(mightBePolicyDrop('{"flow":{"verdict":2,"drop_reason_desc":158}}')).toBe(false);
  });

  it('never rejects a policy drop (property: prefilter false ⇒ parsed flow is not a policy drop)', () => {
    fc.assert(
      fc.property(flowLine, (line) => {
        const parsed = parseFlowLine(line, 1);
        expect(parsed.kind).toBe('flow');
        const flow = (parsed as { flow: HubbleFlow }).flow;
        if (!mightBePolicyDrop(line)) expect(isPolicyDrop(flow)).toBe(false);
        if (!mightBePolicyDropOrAudit(line)) expect(isPolicyDrop(flow) || isPolicyAudit(flow)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects most non-drops (it is worth running)', () => {
    const lines = fc.sample(flowLine, { numRuns: 2000, seed: 42 });
    const nonDrops = lines.filter((line) => {
      const parsed = parseFlowLine(line, 1);
      return parsed.kind === 'flow' && parsed.flow.verdict !== 'DROPPED';
    });
    const rejected = nonDrops.filter((line) => !mightBePolicyDrop(line));
    expect(nonDrops.length).toBeGreaterThan(500);
    expect(rejected.length / nonDrops.length).toBeGreaterThan(0.95);
  });
});
