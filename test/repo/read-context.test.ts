import { describe, expect, it } from 'vitest';
import { Fields, fitted, ownString, withFields } from '../../src/repo/read-context.js';

describe('Fields', () => {
  it('keeps the first place of a name set twice, with the later key and value', () => {
    const f = new Fields(['spec']);
    f.set('ingress', 'ingress', 1);
    f.set('egress', 'Egress', null);
    f.set('ingress', 'Ingress', 2);
    expect(f.get('ingress')).toBe(2);
    expect(f.at('ingress')).toEqual(['spec', 'Ingress']);
    expect(f.has('egress')).toBe(false);
    expect(f.get('egress')).toBeNull();
    expect(f.get('missing')).toBeUndefined();
    expect(f.at('missing')).toEqual(['spec', 'missing']);
  });
});

describe('withFields', () => {
  it('gives the keys of a spread, in the same order, a repeated key keeping its place', () => {
    const meta = { apiVersion: 'v1', name: 'a', labels: { x: '1' } };
    const made = withFields(meta, { kind: 'Namespace', labels: { y: '2' } });
    expect(Object.keys(made)).toEqual(['apiVersion', 'name', 'labels', 'kind']);
    expect(made).toEqual({ ...meta, kind: 'Namespace', labels: { y: '2' } });
    expect(made).not.toBe(meta);
  });
});

describe('fitted', () => {
  it('copies a filled list and gives one shared frozen list for every empty one', () => {
    const list = [1];
    expect(fitted(list)).toEqual([1]);
    expect(fitted(list)).not.toBe(list);
    expect(fitted([])).toEqual([]);
    expect(fitted([])).toBe(fitted([]));
    expect(Object.isFrozen(fitted([]))).toBe(true);
  });
});

describe('ownString', () => {
  it('returns an equal string, short or long', () => {
    const text = 'metadata:\n  name: a-name-of-some-length\n';
    const cut = text.slice(18, 39);
    expect(ownString(cut)).toBe('a-name-of-some-length');
    expect(ownString('short')).toBe('short');
    expect(ownString('')).toBe('');
  });
});
