/**
 * `netpol --help` and `netpol <command> --help` load only commander and the registrations: each command's
 * action (src/cli/actions/) and everything it uses is imported when the command runs (issue 13's start-up
 * goal; docs/decisions.md, "Start-up"). This walks the static imports from what bin/netpol.js runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** The modules a file imports when it is loaded: static imports that are not `import type`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)) {
    if (m[1] || !m[2]) continue;
    out.push(m[2].startsWith('.') ? path.resolve(path.dirname(file), m[2].replace(/\.js$/, '.ts')) : m[2]);
  }
  return out;
}

/** Every module loaded with `entry`, as paths below src/ or package names. */
function closure(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [path.join(SRC, entry)];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (path.isAbsolute(file)) todo.push(...staticImports(file));
  }
  return [...seen].map((f) => (path.isAbsolute(f) ? path.relative(SRC, f) : f)).sort();
}

describe('the CLI entry', () => {
  it('loads commander, the registrations and the flag helpers only', () => {
    const loaded = closure('cli/entry.ts');
    const commands = loaded.filter((f) => f.startsWith('cli/commands/'));
    expect(commands).toHaveLength(19);
    expect(loaded.filter((f) => !f.startsWith('cli/commands/'))).toEqual([
      'cli/entry.ts',
      'cli/exit-codes.ts',
      'cli/io.ts',
      'cli/main.ts',
      'cli/options-cluster.ts',
      'cli/options-hubble.ts',
      'cli/options.ts',
      'cli/output/diagnostics.ts',
      'commander',
      'errors.ts',
      'hubble/filter.ts',
      'hubble/types.ts',
      'node:fs',
      'node:path',
      'node:readline',
      'repo/truncate.ts',
      'workflows/authoring/port-values.ts',
    ]);
  });
});
