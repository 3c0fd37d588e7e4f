import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPeer, parsePeer, parsePort, parseProtocol } from '../../src/engine/peer-spec.js';

describe('parsePeer', () => {
  it.each([
    ['shop', { kind: 'pod', namespace: 'shop', labels: {} }],
    ['shop/app=web', { kind: 'pod', namespace: 'shop', labels: { app: 'web' } }],
    [
      'istio-gateway/gateway.networking.k8s.io/gateway-name=internal,tier=edge',
      {
        kind: 'pod',
        namespace: 'istio-gateway',
        labels: { 'gateway.networking.k8s.io/gateway-name': 'internal', tier: 'edge' },
      },
    ],
    ['world:1.1.1.1', { kind: 'world', ip: '1.1.1.1' }],
    ['world:2001:db8::1', { kind: 'world', ip: '2001:db8::1' }],
    ['world:api.github.com', { kind: 'world', ip: '', names: ['api.github.com'] }],
    ['world:api.github.com=140.82.112.5', { kind: 'world', ip: '140.82.112.5', names: ['api.github.com'] }],
    ['world:api.github.com=2001:db8::5', { kind: 'world', ip: '2001:db8::5', names: ['api.github.com'] }],
    ['kube-apiserver', { kind: 'reserved', entity: 'kube-apiserver' }],
    ['host', { kind: 'reserved', entity: 'host' }],
    ['remote-node:10.0.0.5', { kind: 'reserved', entity: 'remote-node', ip: '10.0.0.5' }],
    ['host@worker-1', { kind: 'reserved', entity: 'host', node: 'worker-1' }],
    [
      'remote-node@cp-1.lab:10.0.0.5',
      { kind: 'reserved', entity: 'remote-node', node: 'cp-1.lab', ip: '10.0.0.5' },
    ],
    ['ns:host', { kind: 'pod', namespace: 'host', labels: {} }],
  ])('%s', (text, want) => {
    expect(parsePeer(text)).toEqual({ ok: true, value: want });
  });

  it.each([
    ['', 'the peer is empty'],
    ['world', 'world needs an address'],
    ['world:', 'world: needs an address or a DNS name'],
    ['world:1.2.3.999', '"1.2.3.999" is not an IP address'],
    ['Shop', '"Shop" is not a namespace name'],
    ['shop/', 'no labels after "shop/"'],
    ['shop/app', 'label "app" has no value'],
    ['shop/-bad=x', '"-bad" is not a valid label key'],
    ['shop/app=a b', '"a b" is not a valid label value'],
    ['host:999.1.1.1', '"999.1.1.1" is not an IP address'],
    ['health@worker-1', 'only host and remote-node take a node name (health@worker-1)'],
    ['host@Worker_1', '"Worker_1" is not a node name'],
  ])('rejects %j', (text, error) => {
    const r = parsePeer(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });

  it('formats a namespace named like a reserved entity with ns:', () => {
    expect(formatPeer({ kind: 'pod', namespace: 'host', labels: {} })).toBe('ns:host');
    expect(formatPeer({ kind: 'pod', namespace: 'world', labels: { a: 'b' } })).toBe('ns:world/a=b');
    expect(parsePeer('ns:host/a=b')).toEqual({
      ok: true,
      value: { kind: 'pod', namespace: 'host', labels: { a: 'b' } },
    });
  });

  it('round-trips pod peers through formatPeer (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    const labelKey = fc.stringMatching(/^([a-z]{1,5}\.[a-z]{1,5}\/)?[a-z][a-z0-9]{0,8}$/);
    const labelValue = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?$/);
    fc.assert(
      fc.property(name, fc.dictionary(labelKey, labelValue, { maxKeys: 4 }), (ns, labels) => {
        fc.pre(
          ![
            'host',
            'remote-node',
            'kube-apiserver',
            'health',
            'init',
            'ingress',
            'unmanaged',
            'world',
          ].includes(ns),
        );
        const text = formatPeer({ kind: 'pod', namespace: ns, labels });
        expect(parsePeer(text)).toEqual({ ok: true, value: { kind: 'pod', namespace: ns, labels } });
      }),
    );
  });

  it('round-trips node peers (host@NODE, remote-node@NODE[:IP]) through formatPeer (property)', () => {
    const node = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?(\.[a-z0-9]{1,5}){0,2}$/);
    const ip = fc.option(fc.ipV4(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom('host' as const, 'remote-node' as const),
        node,
        ip,
        (entity, name, addr) => {
          const peer = { kind: 'reserved' as const, entity, node: name, ...(addr ? { ip: addr } : {}) };
          expect(parsePeer(formatPeer(peer))).toEqual({ ok: true, value: peer });
        },
      ),
    );
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parsePeer(s);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

describe('parseProtocol / parsePort', () => {
  it.each([
    ['tcp', 'TCP'],
    ['UDP', 'UDP'],
    ['sctp', 'SCTP'],
    ['icmp', 'ICMPv4'],
    ['ICMPv6', 'ICMPv6'],
  ])('%s → %s', (t, want) => expect(parseProtocol(t)).toEqual({ ok: true, value: want }));

  it('rejects ports out of range and non-numbers', () => {
    expect(parsePort('0', 'TCP').ok).toBe(false);
    expect(parsePort('65536', 'TCP').ok).toBe(false);
    expect(parsePort('http', 'TCP').ok).toBe(false);
    expect(parsePort('65535', 'TCP')).toEqual({ ok: true, value: 65535 });
    expect(parsePort('8', 'ICMPv4')).toEqual({ ok: true, value: 8 });
    expect(parsePort('256', 'ICMPv4').ok).toBe(false);
  });
});
