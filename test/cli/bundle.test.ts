/**
 * The bundled CLI (dist/cli, made by `npm run build`; bin/netpol.js runs it) finds what it locates through
 * `import.meta.url` from its own folder: the parse worker beside it (here), dist/ui (test/cli/ui.test.ts) and
 * the Hubble protos (test/cli/watch.test.ts runs it against a Relay double).
 */
import { existsSync } from 'node:fs';
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
});
