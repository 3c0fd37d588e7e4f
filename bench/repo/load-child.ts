/**
 * One measured load in a process of its own, so that its peak RSS is the loader's and nothing else's, and
 * so that the loader and its anchor both start cold (a process's first second runs mostly unoptimised code):
 * - `node dist/bench/repo/load-child.js <repo dir>` loads the repository from disk (`loadRepo`, as the CLI
 *   does), compiles the engine, and prints one JSON line
 *   `{ loadMs, loadCpuMs, compileMs, loadCompileCpuMs, policies, loadPeakRssMiB, peakRssMiB }` (CPU: user and
 *   system time of all threads during the load, and during the load and the compile; peak RSS from
 *   `process.resourceUsage().maxRSS`, for the whole process, after the load and at the end);
 * - `node dist/bench/repo/load-child.js --js-yaml <repo dir> <file>…` reads the files and parses them with
 *   js-yaml's `loadAll` (default schema), and prints `{ jsYamlMs, jsYamlCpuMs, peakRssMiB }`;
 *   `--js-yaml-lenient` goes on past a file js-yaml refuses (real repositories have custom tags).
 * Used by `bench/load.ts`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import jsyaml from 'js-yaml';
import { createEngine } from '../../src/engine/verdict.js';
import { loadRepo } from '../../src/repo/load-repo.js';

/** User and system CPU time of the process so far (all threads), ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

if (process.argv[2] === '--js-yaml' || process.argv[2] === '--js-yaml-lenient') {
  const lenient = process.argv[2] === '--js-yaml-lenient';
  const [root, ...files] = process.argv.slice(3);
  if (!root) throw new Error('usage: load-child.js --js-yaml[-lenient] <repo dir> <file>…');
  const c = cpuMs();
  const t = performance.now();
  for (const rel of files) {
    try {
      jsyaml.loadAll(readFileSync(path.join(root, rel), 'utf8'));
    } catch (e) {
      // A real repository's file js-yaml refuses (a custom tag): its time up to the error counts.
      if (!lenient) throw e;
    }
  }
  const jsYamlMs = performance.now() - t;
  const jsYamlCpuMs = cpuMs() - c;
  process.stdout.write(
    `${JSON.stringify({ jsYamlMs, jsYamlCpuMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
  process.exit(0);
}
const dir = process.argv[2];
if (!dir) throw new Error('usage: load-child.js <repo dir>');
const c0 = cpuMs();
const t0 = performance.now();
const { repo } = await loadRepo({ root: dir });
const t1 = performance.now();
const loadCpuMs = cpuMs() - c0;
const loadPeakRssMiB = process.resourceUsage().maxRSS / 1024;
createEngine(repo);
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    loadMs: t1 - t0,
    loadCpuMs,
    compileMs: t2 - t1,
    loadCompileCpuMs: cpuMs() - c0,
    policies: repo.policies.length,
    loadPeakRssMiB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
