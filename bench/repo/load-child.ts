/**
 * One measured load in a process of its own, so that its peak RSS is the loader's and nothing else's:
 * `node dist/bench/repo/load-child.js <repo dir>` loads the repository from disk (`loadRepo`, as the CLI
 * does), compiles the engine, and prints one JSON line `{ loadMs, compileMs, policies, peakRssMiB }`
 * (peak RSS from `process.resourceUsage().maxRSS`, for the whole process). Used by `bench/load.ts`.
 */
import { performance } from 'node:perf_hooks';
import { createEngine } from '../../src/engine/verdict.js';
import { loadRepo } from '../../src/repo/load-repo.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: load-child.js <repo dir>');
const t0 = performance.now();
const { repo } = await loadRepo({ root: dir });
const t1 = performance.now();
createEngine(repo);
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    loadMs: t1 - t0,
    compileMs: t2 - t1,
    policies: repo.policies.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
