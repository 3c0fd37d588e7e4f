/**
 * Load-speed check for the repo layer (not a vitest file): writes the benchmark repository
 * (`bench/repo/generate-repo.ts`, N namespaces × 4 CNPs) to a temporary directory and times `loadRepo` on it.
 * Run: `npx tsx test/repo/bench-load.ts [namespaces]` (default 5000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from '../../bench/repo/generate-repo.js';
import { loadRepo, loadRepoFromText } from '../../src/repo/load-repo.js';

const n = Number(process.argv[2] ?? 5000);
const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-load-'));
try {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const bytes = Object.values(files).reduce((s, t) => s + Buffer.byteLength(t), 0);
  for (let run = 1; run <= 3; run++) {
    let t = performance.now();
    const disk = await loadRepo({ root: dir });
    const diskMs = performance.now() - t;
    t = performance.now();
    const memory = loadRepoFromText(files);
    const memoryMs = performance.now() - t;
    process.stdout.write(
      `run ${run}: ${disk.repo.namespaces.length} namespaces, ${disk.repo.policies.length} policies, ` +
        `${(bytes / 2 ** 20).toFixed(1)} MiB: loadRepo ${diskMs.toFixed(0)} ms, loadRepoFromText ${memoryMs.toFixed(0)} ms, ` +
        `${disk.diagnostics.length + memory.diagnostics.length} diagnostics\n`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
