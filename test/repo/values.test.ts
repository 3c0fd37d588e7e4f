import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import type { CiliumPolicyObject } from '../../src/repo/model.js';
import {
  cidrContains,
  ciliumSelectorKeyProblem,
  isIanaServiceName,
  labelKeyProblem,
  labelValueProblem,
  parseCidr,
  parseCiliumPort,
  parseKubernetesPort,
} from '../../src/repo/values.js';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet);

/** The network address of an IPv4 address under a prefix, by bit arithmetic (an independent reference). */
function network(octets: number[], prefix: number): string {
  const n = octets.reduce((acc, o) => acc * 256 + o, 0);
  const mask = prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
  const net = Number(BigInt(n) & BigInt(mask));
  return [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
}

describe('parseCidr', () => {
  it('normalises any IPv4 address/prefix to its network address (property)', () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 32 }), (o, p) => {
        const r = parseCidr(`${o.join('.')}/${p}`, { bareIp: false });
        expect(r).toEqual({ ok: true, value: { cidr: `${network(o, p)}/${p}`, family: 4, prefix: p } });
        if (r.ok) {
          expect(parseCidr(r.value.cidr, { bareIp: false })).toEqual(r);
          expect(cidrContains(r.value, r.value)).toBe(true);
        }
      }),
    );
  });

  it('reads a bare address as /32 or /128 only when allowed (property)', () => {
    fc.assert(
      fc.property(ipv4, (o) => {
        const ip = o.join('.');
        expect(parseCidr(ip, { bareIp: true })).toEqual({
          ok: true,
          value: { cidr: `${ip}/32`, family: 4, prefix: 32 },
        });
        expect(parseCidr(ip, { bareIp: false }).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const r = parseCidr(ip, { bareIp: true });
        expect(r.ok && r.value.prefix === 128 && r.value.family === 6).toBe(true);
      }),
    );
  });

  it('rejects prefixes out of range, octets over 255 and leading zeros (property)', () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 33, max: 999 }), (o, p) => {
        expect(parseCidr(`${o.join('.')}/${p}`, { bareIp: true }).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 256, max: 999 }), fc.nat(3), (o, big, i) => {
        const bad = [...o];
        bad[i] = big;
        expect(parseCidr(`${bad.join('.')}/8`, { bareIp: true }).ok).toBe(false);
      }),
    );
    expect(parseCidr('010.0.0.0/8', { bareIp: true }).ok).toBe(false);
    expect(parseCidr('10.0.0.0/08', { bareIp: true }).ok).toBe(false);
    expect(parseCidr('fe80::1%eth0/64', { bareIp: true }).ok).toBe(false);
    expect(parseCidr('2001:DB8::1/32', { bareIp: true })).toEqual({
      ok: true,
      value: { cidr: '2001:db8::/32', family: 6, prefix: 32 },
    });
  });

  it('finds a longer prefix built from a CIDR inside it, and a shorter one outside (property)', () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 32 }), (o, p, extra) => {
        const outer = parseCidr(`${o.join('.')}/${p}`, { bareIp: false });
        const q = Math.min(32, p + extra);
        const inner = parseCidr(`${o.join('.')}/${q}`, { bareIp: false });
        if (!outer.ok || !inner.ok) throw new Error('valid input rejected');
        expect(cidrContains(outer.value, inner.value)).toBe(true);
        expect(cidrContains(inner.value, outer.value)).toBe(q === p);
      }),
    );
    const v4 = parseCidr('10.0.0.0/8', { bareIp: false });
    const v6 = parseCidr('::/0', { bareIp: false });
    if (!v4.ok || !v6.ok) throw new Error('valid input rejected');
    expect(cidrContains(v6.value, v4.value)).toBe(false);
  });
});

/** An independent statement of RFC 6335 §5.1 service names. */
function isServiceNameReference(name: string, lowercaseOnly: boolean): boolean {
  const chars = lowercaseOnly ? /^[a-z0-9-]+$/ : /^[A-Za-z0-9-]+$/;
  return (
    name.length >= 1 &&
    name.length <= 15 &&
    chars.test(name) &&
    /[A-Za-z]/.test(name) &&
    !name.startsWith('-') &&
    !name.endsWith('-') &&
    !name.includes('--')
  );
}

describe('isIanaServiceName', () => {
  it('agrees with RFC 6335 §5.1 (property)', () => {
    const candidate = fc.stringMatching(/^[a-zA-Z0-9-]{0,17}$/);
    fc.assert(
      fc.property(candidate, (name) => {
        expect(isIanaServiceName(name, { caseSensitive: false })).toBe(isServiceNameReference(name, false));
        expect(isIanaServiceName(name, { caseSensitive: true })).toBe(isServiceNameReference(name, true));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseCiliumPort', () => {
  it('accepts every port 0-65535 as a number or a string, and nothing above (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (n) => {
        expect(parseCiliumPort(n)).toEqual({ ok: true, value: n });
        expect(parseCiliumPort(String(n))).toEqual({ ok: true, value: n });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 65536, max: 10_000_000 }), (n) => {
        expect(parseCiliumPort(n).ok).toBe(false);
        expect(parseCiliumPort(String(n)).ok).toBe(false);
      }),
    );
    expect(parseCiliumPort(-1).ok).toBe(false);
    expect(parseCiliumPort(80.5).ok).toBe(false);
    expect(parseCiliumPort('').ok).toBe(false);
    expect(parseCiliumPort(true).ok).toBe(false);
  });

  it('reads service names case-insensitively and lowercases them (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9-]{1,16}$/), (name) => {
        const r = parseCiliumPort(name);
        if (isServiceNameReference(name, false)) expect(r).toEqual({ ok: true, value: name.toLowerCase() });
        else if (/^[0-9]+$/.test(name))
          expect(r.ok).toBe(
            !(name.length > 1 && name.startsWith('0') && /[89]/.test(name)) &&
              Number.parseInt(name, /^0[0-7]+$/.test(name) ? 8 : 10) <= 65535,
          );
        else expect(r.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseKubernetesPort', () => {
  it('accepts numbers 1-65535 and lowercase names, rejects quoted numbers (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (n) => {
        expect(parseKubernetesPort(n)).toEqual({ ok: true, value: n });
        expect(parseKubernetesPort(String(n)).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9-]{1,16}$/), (name) => {
        expect(parseKubernetesPort(name).ok).toBe(isServiceNameReference(name, true));
      }),
      { numRuns: 2000 },
    );
    expect(parseKubernetesPort(0).ok).toBe(false);
  });
});

describe('label keys and values', () => {
  const segment = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
  const name = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/);

  it('accepts every well-formed qualified name (property)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.array(segment, { minLength: 1, maxLength: 4 }), { nil: undefined }),
        name,
        (prefix, n) => {
          const key = prefix ? `${prefix.join('.')}/${n}` : n;
          expect(labelKeyProblem(key)).toBeNull();
          expect(ciliumSelectorKeyProblem(`k8s:${key}`)).toBeNull();
          expect(ciliumSelectorKeyProblem(`io.cilium.k8s.namespace.labels.${key}`)).toBeNull();
          expect(labelValueProblem(n)).toBeNull();
        },
      ),
    );
  });

  it('rejects names with characters outside the alphabet or at the ends (property)', () => {
    fc.assert(
      fc.property(name, fc.constantFrom(' ', '!', '/', ':', '*', 'é'), fc.boolean(), (n, bad, atEnd) => {
        const key = atEnd ? `${n}${bad === '/' ? '-' : bad}` : `${bad === '/' ? '.' : bad}${n}`;
        expect(labelKeyProblem(key)).not.toBeNull();
      }),
    );
    expect(labelKeyProblem('x'.repeat(64))).not.toBeNull();
    expect(labelKeyProblem('Upper.Case/app')).not.toBeNull();
    expect(ciliumSelectorKeyProblem('nosuchsource:app')).not.toBeNull();
    expect(ciliumSelectorKeyProblem('cidr:10.0.0.0/8')).toBeNull();
  });
});

describe('label selector parser (through the loader)', () => {
  const key = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const value = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const requirement = fc.record({
    key,
    operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'in', 'Equals'),
    values: fc.array(value, { maxLength: 3 }),
  });

  it('accepts exactly the valid selectors and returns them as written (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 3 }),
        fc.array(requirement, { maxLength: 3 }),
        (matchLabels, matchExpressions) => {
          const selector = JSON.stringify({ matchLabels, matchExpressions });
          const text = `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  endpointSelector: ${selector}\n  ingress: [{}]\n`;
          const { repo, diagnostics } = loadRepoFromText({ 'p.yaml': text });
          const valid = matchExpressions.every((r) =>
            r.operator === 'In' || r.operator === 'NotIn'
              ? r.values.length > 0
              : (r.operator === 'Exists' || r.operator === 'DoesNotExist') && r.values.length === 0,
          );
          const rules = (repo.policies[0] as CiliumPolicyObject).rules;
          if (valid) {
            expect(diagnostics).toEqual([]);
            expect(rules[0]?.endpointSelector).toMatchObject({ matchLabels, matchExpressions });
          } else {
            expect(diagnostics.length).toBeGreaterThan(0);
            expect(diagnostics.every((d) => d.code === 'BAD_SELECTOR')).toBe(true);
            expect(rules).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
