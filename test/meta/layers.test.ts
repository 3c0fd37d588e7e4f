import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** What each layer may import (besides itself and src/errors.ts). DESIGN.md "Layers". */
const ALLOWED: Record<string, readonly string[]> = {
  repo: [],
  engine: ['repo'],
  catalog: ['engine', 'repo'],
  hubble: ['engine', 'repo'],
  cluster: ['engine', 'repo'],
  lint: ['catalog', 'engine', 'repo'],
  workflows: ['lint', 'catalog', 'hubble', 'cluster', 'engine', 'repo'],
  cli: ['workflows', 'lint', 'catalog', 'hubble', 'cluster', 'engine', 'repo'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function layerOf(file: string): string | null {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? (rel[0] ?? null) : null;
}

describe('layer imports', () => {
  it('every import points downwards', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      if (!from) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1] as string);
        const to = layerOf(target);
        if (!to || to === from) continue;
        if (!ALLOWED[from]?.includes(to))
          violations.push(`${path.relative(SRC, file)} imports ${to}/ (${m[1]})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('knows every layer folder', () => {
    const dirs = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const d of dirs) expect(Object.keys(ALLOWED)).toContain(d);
  });
});

describe('docs/diagnostics.md', () => {
  it('documents every DiagnosticCode', () => {
    const errors = readFileSync(path.join(SRC, 'errors.ts'), 'utf8');
    const union = errors.slice(
      errors.indexOf('export type DiagnosticCode'),
      errors.indexOf(';', errors.indexOf('export type DiagnosticCode')),
    );
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(10);
    const doc = readFileSync(path.resolve(SRC, '../docs/diagnostics.md'), 'utf8');
    const missing = codes.filter((c) => !new RegExp(`^## ${c}\\b`, 'm').test(doc));
    expect(missing).toEqual([]);
  });
});
