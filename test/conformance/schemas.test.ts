/**
 * The schema validator itself (test/conformance/cilium-schema.ts) against the official CRD schemas.
 */
import { describe, expect, it } from 'vitest';
import { translateGoPattern, validateManifest } from './cilium-schema.js';

describe('cilium-schema helper', () => {
  it('rewrites Go regex syntax into JavaScript unicode syntax', () => {
    expect(translateGoPattern('^\\PC*$')).toEqual({ source: '^\\P{C}*$', flags: '' });
    expect(translateGoPattern('\\pL\\p{Greek}\\p{Lu}')).toEqual({
      source: '\\p{L}\\p{Script=Greek}\\p{Lu}',
      flags: '',
    });
    expect(translateGoPattern('^(?i)(abort|warn)?$')).toEqual({ source: '^(abort|warn)?$', flags: 'i' });
    expect(translateGoPattern('[[:alpha:]]+')).toEqual({ source: '[A-Za-z]+', flags: '' });
  });

  it('accepts a valid policy and reports each schema violation', () => {
    const cnp = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'ok', namespace: 'web' },
      spec: {
        endpointSelector: {},
        ingress: [{ fromEntities: ['health'] }, { fromCIDR: ['169.254.0.0/16'] }],
        log: { value: 'fine' },
      },
    };
    expect(validateManifest(cnp)).toEqual([]);
    const bad = {
      ...cnp,
      spec: {
        endpointSelector: {},
        ingress: [{ fromEntities: ['wrld'] }, { fromCIDR: ['10.0.0.0/33'] }],
        egress: [{ toPorts: [{ ports: [{ port: '443', protocol: 'HTTPS' }] }] }],
        log: { value: 'bell\u0007' },
      },
    };
    const errors = validateManifest(bad);
    expect(errors.some((e) => e.startsWith('/spec/ingress/0/fromEntities/0'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/spec/ingress/1/fromCIDR/0') && e.includes('cidr'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/spec/egress/0/toPorts/0/ports/0/protocol'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/spec/log/value'))).toBe(true);
    // A rule with neither endpointSelector nor nodeSelector breaks the CRD's oneOf.
    expect(validateManifest({ ...cnp, spec: { ingress: [{}] } })).not.toEqual([]);
    expect(validateManifest({ apiVersion: 'v1', kind: 'ConfigMap' })).toEqual([
      '/: no schema for v1 ConfigMap',
    ]);
  });

  it('checks PrometheusRule durations and the (?i) pattern', () => {
    const rule = (extra: Record<string, unknown>) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'r' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', ...extra }] }] },
    });
    expect(validateManifest(rule({ for: '5m' }))).toEqual([]);
    expect(validateManifest(rule({ for: 'five minutes' }))).not.toEqual([]);
  });
});
