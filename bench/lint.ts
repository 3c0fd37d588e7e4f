/**
 * Lint benchmark: `netpol lint` on the synthetic repositories of `bench/repo/generate-repo.ts`
 * (N application namespaces × 4 CNPs, written to a temporary directory). For each N it times
 * `loadForAnalysis` (read, parse, compile, catalogue) and `lintRepo` (every rule), the first run and the
 * best of three, and prints a Markdown table. The target: 5,000 namespaces lint in under 10 s.
 * Run: `npm run build && node dist/bench/lint.js [--sizes 100,1000,5000]`, or `npx tsx bench/lint.ts`.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { lintRepo } from '../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../src/workflows/analysis/load.js';
import { generateRepo, writeRepoDir } from './repo/generate-repo.js';

/** One row of the lint benchmark. */
export interface LintBenchRow {
  /** Application namespaces generated. */
  readonly namespaces: number;
  readonly policies: number;
  /** `loadForAnalysis` on the directory, ms. */
  readonly loadMs: number;
  /** First `lintRepo` on the loaded repository, ms. */
  readonly lintFirstMs: number;
  /** Best of three `lintRepo` runs, ms. */
  readonly lintBestMs: number;
  /** Findings of the run, by rule id. */
  readonly findings: Readonly<Record<string, number>>;
}

/**
 * Generates a repository of `n` namespaces on disk, loads it and lints it.
 * @param n - Application namespaces.
 * @returns The timings and findings.
 */
export async function measureLint(n: number): Promise<LintBenchRow> {
  const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
  const dir = writeRepoDir(files, 'netpol-bench-lint-');
  try {
    let t = performance.now();
    const loaded = await loadForAnalysis({ root: dir });
    const loadMs = performance.now() - t;
    const times: number[] = [];
    let findings: Record<string, number> = {};
    for (let run = 0; run < 3; run++) {
      t = performance.now();
      const report = await lintRepo(loaded);
      times.push(performance.now() - t);
      findings = {};
      for (const f of report.findings) findings[f.ruleId] = (findings[f.ruleId] ?? 0) + 1;
    }
    return {
      namespaces: n,
      policies: loaded.repo.policies.length,
      loadMs,
      lintFirstMs: times[0] ?? Number.NaN,
      lintBestMs: Math.min(...times),
      findings,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rows as a Markdown table.
 * @param rows - Measured rows.
 * @returns The table, ending with a newline.
 */
export function lintBenchTable(rows: readonly LintBenchRow[]): string {
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  let out =
    '| namespaces | policies | load ms | lint ms (first) | lint ms (best of 3) | load + lint ms | findings |\n';
  out += '|---:|---:|---:|---:|---:|---:|---|\n';
  for (const r of rows) {
    const findings = Object.entries(r.findings)
      .map(([id, count]) => `${id} ${f(count)}`)
      .join(', ');
    out += `| ${f(r.namespaces)} | ${f(r.policies)} | ${f(r.loadMs)} | ${f(r.lintFirstMs)} | ${f(r.lintBestMs)} | ${f(r.loadMs + r.lintFirstMs)} | ${findings || '—'} |\n`;
  }
  return out;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--sizes');
  const sizes = (i >= 0 ? (process.argv[i + 1] ?? '') : '100,1000,5000').split(',').map(Number);
  const rows: LintBenchRow[] = [];
  for (const n of sizes) {
    rows.push(await measureLint(n));
    process.stderr.write(`measured lint N=${n}\n`);
  }
  process.stdout.write(
    `netpol lint benchmark (node ${process.version}, ${os.cpus().length} cores)\n\n${lintBenchTable(rows)}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
