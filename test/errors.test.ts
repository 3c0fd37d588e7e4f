import { describe, expect, it } from 'vitest';
import { formatSource, invariant, NetpolError } from '../src/errors.js';

describe('formatSource', () => {
  it('formats file:line:col', () => {
    expect(formatSource({ file: 'a.yaml', line: 3, column: 5 })).toBe('a.yaml:3:5');
    expect(formatSource(undefined)).toBe('');
  });
});

describe('invariant', () => {
  it('throws an internal error when the condition is false', () => {
    expect(() => invariant(false, 'broken')).toThrow('netpol internal error: broken');
    expect(() => invariant(true, 'fine')).not.toThrow();
  });
});

describe('NetpolError', () => {
  it('keeps code and hint', () => {
    const e = new NetpolError('NETPOL_BAD_ARGUMENT', 'bad flag', 'use --port');
    expect(e).toMatchObject({ code: 'NETPOL_BAD_ARGUMENT', message: 'bad flag', hint: 'use --port' });
  });
});
