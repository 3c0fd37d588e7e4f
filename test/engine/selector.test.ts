import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIp, rangeContainsIp, toCidrRange } from '../../src/engine/cidr.js';
import { matchFqdn } from '../../src/engine/fqdn.js';
import { parseSelectorKey, podIdentity, reservedIdentity, worldIdentity } from '../../src/engine/identity.js';
import { compileSelector, requirement, selectorMatches } from '../../src/engine/selector.js';

const src = { file: 't.yaml', line: 1, column: 1 };
const sel = (
  matchLabels: Record<string, string>,
  matchExpressions: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values: string[];
  }[] = [],
) => compileSelector({ matchLabels, matchExpressions, source: src });
const pod = (labels: Record<string, string>, ns = 'shop', nsLabels: Record<string, string> = {}) =>
  podIdentity({
    namespace: ns,
    podLabels: labels,
    namespaceLabels: nsLabels,
    serviceAccount: 'default',
    clusterName: 'default',
  });

describe('parseSelectorKey (cilium/cilium pkg/labels/labels.go parseSource)', () => {
  it.each([
    ['app', 'any', 'app'],
    ['k8s:app', 'k8s', 'app'],
    ['any:app', 'any', 'app'],
    ['reserved:host', 'reserved', 'host'],
    ['$host', 'reserved', 'host'],
    ['app.kubernetes.io/name', 'any', 'app.kubernetes.io/name'],
    ['example.com:weird', 'any', 'example.com:weird'],
  ])('%s → %s:%s', (raw, source, key) => expect(parseSelectorKey(raw)).toEqual({ source, key }));
});

describe('podIdentity', () => {
  it('adds namespace, namespace labels, service account and cluster labels (docs/semantics.md §3)', () => {
    const id = podIdentity({
      namespace: 'shop',
      podLabels: { app: 'web', 'pod-template-hash': 'abc' },
      namespaceLabels: { team: 'a', 'kubernetes.io/metadata.name': 'shop' },
      serviceAccount: 'web-sa',
      clusterName: 'homelab',
    });
    expect(Object.fromEntries(id.k8s)).toEqual({
      app: 'web',
      'io.kubernetes.pod.namespace': 'shop',
      'io.cilium.k8s.namespace.labels.team': 'a',
      'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'shop',
      'io.cilium.k8s.policy.serviceaccount': 'web-sa',
      'io.cilium.k8s.policy.cluster': 'homelab',
    });
  });
});

describe('selectorMatches', () => {
  it('matchLabels: matches exactly when every pair is present (property)', () => {
    const key = fc.constantFrom('app', 'tier', 'env', 'team');
    const val = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(fc.dictionary(key, val), fc.dictionary(key, val), (want, have) => {
        const expected = Object.entries(want).every(([k, v]) => have[k] === v);
        expect(selectorMatches(sel(want), pod(have))).toBe(expected);
      }),
    );
  });

  it('NotIn is the negation of In, Exists of DoesNotExist (property)', () => {
    const val = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(
        fc.option(val, { nil: undefined }),
        fc.array(val, { minLength: 1, maxLength: 3 }),
        (have, values) => {
          const id = pod(have === undefined ? {} : { tier: have });
          const inSel = sel({}, [{ key: 'tier', operator: 'In', values }]);
          const notIn = sel({}, [{ key: 'tier', operator: 'NotIn', values }]);
          expect(selectorMatches(notIn, id)).toBe(!selectorMatches(inSel, id));
          const exists = sel({}, [{ key: 'tier', operator: 'Exists', values: [] }]);
          const dne = sel({}, [{ key: 'tier', operator: 'DoesNotExist', values: [] }]);
          expect(selectorMatches(dne, id)).toBe(!selectorMatches(exists, id));
        },
      ),
    );
  });

  it('source prefixes pick the label source', () => {
    expect(selectorMatches(sel({ 'k8s:app': 'web' }), pod({ app: 'web' }))).toBe(true);
    expect(selectorMatches(sel({ 'reserved:app': '' }), pod({ app: 'web' }))).toBe(false);
    expect(selectorMatches(sel({ 'reserved:host': '' }), reservedIdentity('host'))).toBe(true);
    expect(selectorMatches(sel({ host: '' }), reservedIdentity('host'))).toBe(true);
    expect(selectorMatches(sel({ 'k8s:host': '' }), reservedIdentity('host'))).toBe(false);
    expect(selectorMatches(sel({}), worldIdentity('1.1.1.1'))).toBe(true);
    expect(
      selectorMatches(
        compileSelector({ matchLabels: {}, matchExpressions: [], source: src }, [
          requirement('k8s:io.kubernetes.pod.namespace', 'Exists', []),
        ]),
        worldIdentity('1.1.1.1'),
      ),
    ).toBe(false);
  });
});

describe('CIDR', () => {
  it('contains exactly the addresses of the block (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (base, prefix, ip) => {
        const range = toCidrRange(`${base}/${prefix}`);
        expect(range).not.toBeNull();
        const a = parseIp(ip);
        const b = parseIp(base);
        if (!range || !a || !b) return;
        const mask = prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
        expect(rangeContainsIp(range, a)).toBe((a.value & mask) === (b.value & mask));
      }),
    );
  });

  it.each(['10.0.0.0/33', '10.0.0/8', 'abc', '10.0.0.0/-1', '::/129'])('rejects %s', (t) =>
    expect(toCidrRange(t)).toBeNull(),
  );

  it('keeps families apart and maps IPv4-mapped IPv6', () => {
    const r = toCidrRange('10.0.0.0/8');
    expect(r && rangeContainsIp(r, parseIp('::ffff:10.1.1.1') as never)).toBe(true);
    expect(r && rangeContainsIp(r, parseIp('2001:db8::1') as never)).toBe(false);
  });
});

describe('matchFqdn (Cilium docs security/policy/language "DNS based")', () => {
  it.each([
    [{ matchName: 'api.github.com' }, ['API.GitHub.com.'], true],
    [{ matchName: 'api.github.com' }, ['github.com'], false],
    [{ matchPattern: '*.example.com' }, ['a.example.com'], true],
    [{ matchPattern: '*.example.com' }, ['a.b.example.com'], false],
    [{ matchPattern: '*.example.com' }, ['example.com'], false],
    [{ matchPattern: '*' }, ['anything.at.all'], true],
    [{ matchPattern: 'api-*.svc.io' }, ['api-eu.svc.io'], true],
  ])('%j ~ %j = %s', (s, names, want) => expect(matchFqdn({ ...s, source: src }, names)).toBe(want));

  it.each([
    ['**.example.com', 'a.example.com', true, true],
    ['**.example.com', 'b.a.example.com', true, true],
    ['**.example.com', 'example.com', true, false],
    ['**.example.com', 'b.a.example.com', false, false],
    ['**.example.com', 'a.example.com', false, true],
    ['api.**.com', 'api.x.y.com', true, false],
  ])(
    '%s ~ %s with the 1.19 multi-level prefix %s = %s (cilium/cilium PR #43420: only a leading **. spans labels)',
    (pattern, name, multiLevelPrefix, want) =>
      expect(matchFqdn({ matchPattern: pattern, source: src }, [name], { multiLevelPrefix })).toBe(want),
  );
});

describe('requirement and selectorOf: equal ones are shared', () => {
  it('gives the same requirement for the same key, operator and values, another for any difference', () => {
    const a = requirement('k8s:app', 'In', ['web']);
    expect(requirement('k8s:app', 'In', ['web'])).toBe(a);
    expect(requirement('app', 'In', ['web'])).not.toBe(a);
    expect(requirement('k8s:app', 'NotIn', ['web'])).not.toBe(a);
    expect(requirement('k8s:app', 'In', ['web', 'api'])).not.toBe(
      requirement('k8s:app', 'In', ['api', 'web']),
    );
    expect(requirement('k8s:app', 'In', ['a\u0000b'])).not.toBe(requirement('k8s:app', 'In', ['a', 'b']));
    expect(requirement('k8s:app', 'In', ['2\u0000a\u0000b'])).not.toBe(
      requirement('k8s:app', 'In', ['a', 'b']),
    );
    expect(requirement('k8s:app', 'In', ['a\u0000b', 'c'])).not.toBe(
      requirement('k8s:app', 'In', ['a', 'b\u0000c']),
    );
    expect([...a.values]).toEqual(['web']);
  });

  it('gives the same compiled selector for the same requirements in the same order', () => {
    const web = sel({ app: 'web', tier: 'front' });
    expect(sel({ app: 'web', tier: 'front' })).toBe(web);
    expect(sel({ tier: 'front', app: 'web' })).not.toBe(web);
    expect(web.text).toBe('{app=web, tier=front}');
    expect(selectorMatches(web, pod({ app: 'web', tier: 'front' }))).toBe(true);
    expect(selectorMatches(sel({ app: 'web', tier: 'back' }), pod({ app: 'web', tier: 'front' }))).toBe(
      false,
    );
  });
});
