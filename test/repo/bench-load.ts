/**
 * Load-speed check for the repo layer (not a vitest file): writes the benchmark repository
 * (`bench/repo/generate-repo.ts`, N namespaces × 4 CNPs) to a temporary directory, then for each run times
 * `loadRepo` from disk (YAML parsed on worker threads) followed by `createEngine`, and `loadRepoFromText`
 * (the same files parsed on this thread); and once the `yaml` package alone on the same files (YAML 1.1, as
 * the loader reads them). After each load+compile it prints the process's peak resident memory so far
 * (workers included): the first run's figure is the peak of one load.
 * Target: 5,000 namespaces load and compile in under 5 s and 1 GiB on 2 cores.
 * Run: `npx tsx test/repo/bench-load.ts [namespaces] [runs]` (default 5000, 3). From the TypeScript sources
 * the workers start through tsx, which adds about half a second; the compiled build (`npm run bench`) does not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generateRepo } from '../../bench/repo/generate-repo.js';
import { createEngine } from '../../src/engine/verdict.js';
import { loadRepo, loadRepoFromText } from '../../src/repo/load-repo.js';

const n = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 3);
const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-load-'));
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
try {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const bytes = Object.values(files).reduce((s, t) => s + Buffer.byteLength(t), 0);
  process.stdout.write(
    `${n} namespaces, ${(bytes / 2 ** 20).toFixed(1)} MiB of YAML, ${os.availableParallelism()} cores\n`,
  );
  for (let run = 1; run <= runs; run++) {
    let t = performance.now();
    const disk = await loadRepo({ root: dir });
    const loadMs = performance.now() - t;
    createEngine(disk.repo);
    const diskMs = performance.now() - t;
    const rss = process.resourceUsage().maxRSS * 1024;
    t = performance.now();
    const memory = loadRepoFromText(files);
    const memoryMs = performance.now() - t;
    process.stdout.write(
      `run ${run}: ${disk.repo.namespaces.length} namespaces, ${disk.repo.policies.length} policies: ` +
        `loadRepo ${loadMs.toFixed(0)} ms + createEngine = ${diskMs.toFixed(0)} ms (peak RSS so far ${mib(rss)} MiB); ` +
        `loadRepoFromText ${memoryMs.toFixed(0)} ms; ` +
        `${disk.diagnostics.length + memory.diagnostics.length} diagnostics\n`,
    );
  }
  const t = performance.now();
  for (const text of Object.values(files)) parseAllDocuments(text, { version: '1.1', prettyErrors: false });
  process.stdout.write(
    `yaml parseAllDocuments alone, one thread: ${(performance.now() - t).toFixed(0)} ms\n`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
