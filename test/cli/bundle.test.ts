/**
 * The bundled CLI (dist/cli, made by `npm run build`; bin/netpol.js runs it) finds what it locates through
 * `import.meta.url` from its own folder: the parse worker beside it (here), dist/ui (test/cli/ui.test.ts) and
 * the Hubble protos (test/cli/watch.test.ts runs it against a Relay double); and `--help` loads two of its files.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ParseResultMessage } from '../../src/repo/parse-pool.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

describe('the bundled CLI', () => {
  it('has its parse worker beside its chunks, and the worker parses a task', async () => {
    const file = path.join(PROJECT_ROOT, 'dist/cli/parse-worker.js');
    expect(existsSync(path.join(PROJECT_ROOT, 'dist/cli/netpol.js'))).toBe(true);
    const worker = new Worker(file);
    try {
      const reply = await new Promise<ParseResultMessage>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ id: 7, pieces: [{ text: 'a: 1\n---\nb: [2\n', base: 0 }] });
      });
      expect([reply.id, reply.error, reply.pieces?.[0]?.documents.map((d) => d.valid)]).toEqual([
        7,
        undefined,
        [true, false],
      ]);
    } finally {
      await worker.terminate();
    }
  });

  it('loads its entry and one shared chunk before a command runs (scripts/bundle-cli.mjs)', () => {
    const dir = path.join(PROJECT_ROOT, 'dist/cli');
    const staticImports = (file: string) =>
      [...readFileSync(path.join(dir, file), 'utf8').matchAll(/(?:^|\n)import\s[^;]*?"\.\/([^"]+)"/g)].map(
        (m) => m[1],
      );
    const chunks = staticImports('netpol.js');
    expect(chunks).toHaveLength(1);
    expect(staticImports(chunks[0] as string)).toEqual([]);
  });
});
