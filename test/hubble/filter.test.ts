import { describe, expect, it } from 'vitest';
import {
  buildFlowFilter,
  type FlowFilterFlags,
  matchesFlowFilter,
  matchesRule,
  parseDuration,
  parseSince,
} from '../../src/hubble/filter.js';
import { fixtureFlow, MIXED_FLOW_LINES } from './helpers/fixtures.js';

// Flag semantics: cilium/cilium hubble/cmd/observe/flows_filter.go (filterTracker: either-side flags split the
// whitelist into a source rule OR a destination rule; namespaces scope the pod filters) and pkg/hubble/filters/
// (k8s.go, port.go, protocol.go, identity.go). Time formats: hubble/pkg/time/time.go (FromString).

const NOW = new Date('2024-05-01T12:00:10Z');

describe('buildFlowFilter', () => {
  it.each<{ flags: FlowFilterFlags; whitelist: object[] }>([
    { flags: {}, whitelist: [] },
    { flags: { namespace: 'shop' }, whitelist: [{ source_pod: ['shop/'] }, { destination_pod: ['shop/'] }] },
    {
      flags: { namespace: ['a', 'b'] },
      whitelist: [{ source_pod: ['a/', 'b/'] }, { destination_pod: ['a/', 'b/'] }],
    },
    { flags: { fromNamespace: 'a' }, whitelist: [{ source_pod: ['a/'] }] },
    {
      flags: { fromNamespace: 'a', toNamespace: 'b' },
      whitelist: [{ source_pod: ['a/'], destination_pod: ['b/'] }],
    },
    { flags: { port: 80 }, whitelist: [{ source_port: ['80'] }, { destination_port: ['80'] }] },
    { flags: { toPort: '5432' }, whitelist: [{ destination_port: ['5432'] }] },
    { flags: { fromPort: 40000 }, whitelist: [{ source_port: ['40000'] }] },
    { flags: { protocol: ['TCP', 'icmp'] }, whitelist: [{ protocol: ['tcp', 'icmp'] }] },
    { flags: { verdict: ['dropped', 'AUDIT'] }, whitelist: [{ verdict: ['DROPPED', 'AUDIT'] }] },
    { flags: { toIdentity: 'world' }, whitelist: [{ destination_identity: [2] }] },
    { flags: { fromIdentity: ['host', 12345] }, whitelist: [{ source_identity: [1, 12345] }] },
    {
      flags: { identity: 'kube-apiserver' },
      whitelist: [{ source_identity: [7] }, { destination_identity: [7] }],
    },
    {
      flags: { namespace: 'shop', port: 80 },
      whitelist: [
        { source_pod: ['shop/'], source_port: ['80'] },
        { destination_pod: ['shop/'], destination_port: ['80'] },
      ],
    },
    {
      flags: { namespace: 'shop', verdict: 'DROPPED' },
      whitelist: [
        { verdict: ['DROPPED'], source_pod: ['shop/'] },
        { verdict: ['DROPPED'], destination_pod: ['shop/'] },
      ],
    },
  ])('$flags → whitelist $whitelist', ({ flags, whitelist }) => {
    expect(buildFlowFilter(flags, NOW).whitelist).toEqual(whitelist);
  });

  it('parses --since, --until and --last', () => {
    expect(buildFlowFilter({ since: '5m', until: '2024-05-01T12:00:05Z', last: '20' }, NOW)).toEqual({
      whitelist: [],
      since: new Date('2024-05-01T11:55:10Z'),
      until: new Date('2024-05-01T12:00:05Z'),
      last: 20,
    });
  });

  it.each<{ flags: FlowFilterFlags; message: string }>([
    {
      flags: { namespace: 'a', fromNamespace: 'b' },
      message: 'Filters --namespace and --from-namespace cannot be combined.',
    },
    {
      flags: { namespace: 'a', toNamespace: 'b' },
      message: 'Filters --namespace and --to-namespace cannot be combined.',
    },
    { flags: { port: 1, toPort: 2 }, message: 'Filters --port and --to-port cannot be combined.' },
    {
      flags: { identity: 1, fromIdentity: 2 },
      message: 'Filters --identity and --from-identity cannot be combined.',
    },
    { flags: { port: '99999' }, message: '--port value "99999" is not a port number.' },
    { flags: { toPort: 'http' }, message: '--to-port value "http" is not a port number.' },
    {
      flags: { protocol: 'icmp4' },
      message: '--protocol value "icmp4" is not a protocol Hubble filters on.',
    },
    { flags: { verdict: 'DENIED' }, message: '--verdict value "DENIED" is not a Hubble verdict.' },
    { flags: { toIdentity: 'worldd' }, message: '--to-identity value "worldd" is not a security identity.' },
    { flags: { namespace: 'a/b' }, message: '--namespace value "a/b" is not a namespace name.' },
    { flags: { since: '1d' }, message: '--since value "1d" is neither a duration nor a timestamp.' },
    {
      flags: { until: 'yesterday' },
      message: '--until value "yesterday" is neither a duration nor a timestamp.',
    },
    { flags: { last: 0 }, message: '--last value "0" is not a positive whole number.' },
    { flags: { last: 'abc' }, message: '--last value "abc" is not a positive whole number.' },
  ])('rejects $flags', ({ flags, message }) => {
    expect(() => buildFlowFilter(flags, NOW)).toThrow(
      expect.objectContaining({ name: 'NetpolError', code: 'NETPOL_BAD_ARGUMENT', message }),
    );
  });

  it('explains that durations have no day unit', () => {
    expect(() => buildFlowFilter({ since: '1d' }, NOW)).toThrow(
      expect.objectContaining({
        hint: 'Durations have no day unit (as in Go and hubble); write 24h for a day.',
      }),
    );
  });
});

describe('matchesFlowFilter', () => {
  const flows = MIXED_FLOW_LINES.map((line) => ({ line, flow: fixtureFlow('mixed.jsonl', line) }));
  const matching = (flags: FlowFilterFlags) => {
    const filter = buildFlowFilter(flags, NOW);
    return flows.filter(({ flow }) => matchesFlowFilter(flow, filter)).map(({ line }) => line);
  };

  // mixed.jsonl: 1 shop→db:5432 DROPPED · 2 shop→payments:8443 DROPPED (181) · 3 shop→kube-system:53/udp ·
  // 4 db:5432→shop reply · 5 shop→world:443 DROPPED · 6 host→shop:8080 DROPPED · 7 shop→db ICMPv4 DROPPED ·
  // 8 shop→monitoring:9090 AUDIT · 16 shop→db ICMPv6
  it.each<{ flag: string; flags: FlowFilterFlags; lines: number[] }>([
    { flag: '-n shop', flags: { namespace: 'shop' }, lines: [1, 2, 3, 4, 5, 6, 7, 8, 16] },
    { flag: '-n db', flags: { namespace: 'db' }, lines: [1, 4, 7, 16] },
    { flag: '-n payments -n monitoring', flags: { namespace: ['payments', 'monitoring'] }, lines: [2, 8] },
    { flag: '--from-namespace db', flags: { fromNamespace: 'db' }, lines: [4] },
    { flag: '--to-namespace db', flags: { toNamespace: 'db' }, lines: [1, 7, 16] },
    {
      flag: '--from-namespace shop --to-namespace db',
      flags: { fromNamespace: 'shop', toNamespace: 'db' },
      lines: [1, 7, 16],
    },
    { flag: '--port 5432', flags: { port: 5432 }, lines: [1, 4] },
    { flag: '--to-port 5432', flags: { toPort: 5432 }, lines: [1] },
    { flag: '--from-port 5432', flags: { fromPort: 5432 }, lines: [4] },
    { flag: '--protocol udp', flags: { protocol: 'udp' }, lines: [3] },
    { flag: '--protocol tcp', flags: { protocol: 'tcp' }, lines: [1, 2, 4, 5, 6, 8] },
    { flag: '--protocol icmp', flags: { protocol: 'icmp' }, lines: [7, 16] },
    { flag: '--protocol icmpv6', flags: { protocol: 'icmpv6' }, lines: [16] },
    { flag: '--protocol http', flags: { protocol: 'http' }, lines: [] },
    { flag: '--verdict DROPPED', flags: { verdict: 'DROPPED' }, lines: [1, 2, 5, 6, 7] },
    { flag: '--verdict AUDIT', flags: { verdict: 'AUDIT' }, lines: [8] },
    {
      flag: '--verdict FORWARDED --verdict AUDIT',
      flags: { verdict: ['FORWARDED', 'AUDIT'] },
      lines: [3, 4, 8, 16],
    },
    { flag: '--to-identity world', flags: { toIdentity: 'world' }, lines: [5] },
    { flag: '--from-identity host', flags: { fromIdentity: 'host' }, lines: [6] },
    { flag: '--identity 20411', flags: { identity: 20411 }, lines: [1, 4, 7, 16] },
    { flag: '--since 2024-05-01T12:00:06Z', flags: { since: '2024-05-01T12:00:06Z' }, lines: [6, 7, 8, 16] },
    { flag: '--until 2024-05-01T12:00:02.5Z', flags: { until: '2024-05-01T12:00:02.5Z' }, lines: [1, 2] },
    { flag: '--since 5s (now 12:00:10)', flags: { since: '5s' }, lines: [5, 6, 7, 8, 16] },
    {
      flag: '-n shop --verdict DROPPED --to-port 443',
      flags: { namespace: 'shop', verdict: 'DROPPED', toPort: 443 },
      lines: [5],
    },
    // (from db AND source port 5432) OR (to db AND destination port 5432)
    { flag: '-n db --port 5432', flags: { namespace: 'db', port: 5432 }, lines: [1, 4] },
    { flag: '-n db --port 53', flags: { namespace: 'db', port: 53 }, lines: [] },
  ])('$flag → lines $lines', ({ flags, lines }) => {
    expect(matching(flags)).toEqual(lines);
  });

  it('drops flows without a time when a time window is set', () => {
    const filter = buildFlowFilter({ since: '1h' }, NOW);
    expect(matchesFlowFilter({ verdict: 'DROPPED' }, filter)).toBe(false);
  });
});

describe('matchesRule', () => {
  it('matches pod entries by namespace and pod-name prefix, never endpoints without namespace and pod', () => {
    const flow = fixtureFlow('mixed.jsonl', 5);
    expect(matchesRule(flow, { source_pod: ['shop/checkout-'] })).toBe(true);
    expect(matchesRule(flow, { source_pod: ['shop/frontend'] })).toBe(false);
    expect(matchesRule(flow, { destination_pod: ['/'] })).toBe(false);
  });
});

describe('parseDuration', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2h45m30.5s', 9_930_500],
    ['300ms', 300],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['10ns', 0.00001],
    ['0', 0],
    ['-5m', -300_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '5', '1d', 'm', '5 m', '1h-5m', '.h', 'forever'])('rejects "%s"', (text) => {
    expect(() => parseDuration(text)).toThrow(
      expect.objectContaining({ code: 'NETPOL_BAD_ARGUMENT', message: `"${text}" is not a duration.` }),
    );
  });
});

describe('parseSince', () => {
  it.each([
    ['5m', '2024-05-01T11:55:10.000Z'],
    ['1h30m', '2024-05-01T10:30:10.000Z'],
    ['2024-04-30', '2024-04-30T00:00:00.000Z'],
    ['2024-05-01T09Z', '2024-05-01T09:00:00.000Z'],
    ['2024-05-01T12:30+02:00', '2024-05-01T10:30:00.000Z'],
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00.123456789Z', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T12:00:00-07:00', '2024-05-01T19:00:00.000Z'],
    ['Wed, 01 May 2024 12:00:00 +0100', '2024-05-01T11:00:00.000Z'],
  ])('%s → %s', (value, iso) => {
    expect(parseSince(value, NOW).toISOString()).toBe(iso);
  });

  it.each(['2024-02-30', '2024-13-01T00:00:00Z', '2024-05-01 12:00', 'last tuesday'])(
    'rejects "%s"',
    (value) => {
      expect(() => parseSince(value, NOW, '--until')).toThrow(
        expect.objectContaining({
          code: 'NETPOL_BAD_ARGUMENT',
          message: `--until value "${value}" is neither a duration nor a timestamp.`,
        }),
      );
    },
  );
});
