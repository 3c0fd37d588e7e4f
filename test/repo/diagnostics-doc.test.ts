import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('docs/diagnostics.md', () => {
  it('documents every DiagnosticCode as a ## heading, and nothing else', () => {
    const errors = fs.readFileSync(path.join(ROOT, 'src/errors.ts'), 'utf8');
    const union = /export type DiagnosticCode =([^;]+);/.exec(errors)?.[1] ?? '';
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    const doc = fs.readFileSync(path.join(ROOT, 'docs/diagnostics.md'), 'utf8');
    const headings = [...doc.matchAll(/^## ([A-Z_]+)$/gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(15);
    expect(headings).toEqual(codes);
  });
});
