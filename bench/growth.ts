/**
 * Growth benchmark: how `netpol matrix` and `netpol lint` scale with the repository, as the exponent k of
 * t ∝ N^k fitted over N application namespaces (bench/repo/generate-repo.ts, 4 CNPs each; issue 13 asks
 * k ≤ 1.1 from 1,000 to 20,000). Each size is generated on disk and loaded once with `loadForAnalysis`;
 * the matrix is computed on a fresh engine (so every verdict is a first one) and lint is its first run,
 * each the median of `repeat` runs.
 * Run: `npm run bench -- --only growth --growth-sizes 1000,5000,20000`.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../src/engine/verdict.js';
import { lintRepo } from '../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../src/workflows/analysis/load.js';
import { computeMatrix } from '../src/workflows/analysis/matrix.js';
import { growthExponent } from './exponent.js';
import { generateRepo, writeRepoDir } from './repo/generate-repo.js';

/** One size of the growth benchmark. */
export interface GrowthRow {
  readonly namespaces: number;
  readonly policies: number;
  /** Matrix cells (namespaces × columns). */
  readonly cells: number;
  /** Median `computeMatrix` time on a fresh engine, ms. */
  readonly matrixMs: number;
  /** Median first-run `lintRepo` time (each on a fresh load's engine), ms. */
  readonly lintMs: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Measures matrix and lint at one size.
 * @param n - Application namespaces.
 * @param repeat - Runs per figure (the median is kept).
 */
export async function measureGrowth(n: number, repeat: number): Promise<GrowthRow> {
  const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
  const dir = writeRepoDir(files, 'netpol-bench-growth-');
  try {
    const loaded = await loadForAnalysis({ root: dir });
    const matrix: number[] = [];
    const lint: number[] = [];
    let cells = 0;
    for (let i = 0; i < repeat; i++) {
      const engine = createEngine(loaded.repo);
      let t = performance.now();
      const m = computeMatrix(engine, loaded.catalog, loaded.repo.namespaces);
      matrix.push(performance.now() - t);
      cells = m.rows.length * m.columns.length;
      const fresh = { ...loaded, engine: createEngine(loaded.repo) };
      t = performance.now();
      await lintRepo(fresh);
      lint.push(performance.now() - t);
    }
    return {
      namespaces: n,
      policies: loaded.repo.policies.length,
      cells,
      matrixMs: median(matrix),
      lintMs: median(lint),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rows as a Markdown table and the fitted exponents (issue 13: each at most 1.1).
 * @param rows - Measured rows, smallest first.
 * @returns The text, ending with a newline.
 */
export function growthTable(rows: readonly GrowthRow[]): string {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
  let out =
    '| namespaces | policies | matrix cells | matrix ms | lint ms | matrix k since previous size | lint k since previous size |\n|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const [i, r] of rows.entries()) {
    const prev = rows[i - 1];
    const local = (pick: (x: GrowthRow) => number) =>
      prev
        ? f(
            growthExponent([
              { n: prev.namespaces, ms: pick(prev) },
              { n: r.namespaces, ms: pick(r) },
            ]),
            2,
          )
        : '—';
    out += `| ${f(r.namespaces)} | ${f(r.policies)} | ${f(r.cells)} | ${f(r.matrixMs)} | ${f(r.lintMs)} | ${local((x) => x.matrixMs)} | ${local((x) => x.lintMs)} |\n`;
  }
  const k = (pick: (r: GrowthRow) => number) =>
    f(growthExponent(rows.map((r) => ({ n: r.namespaces, ms: pick(r) }))), 2);
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first && last && rows.length > 1) {
    out += `\nExponent k of t ∝ N^k from ${f(first.namespaces)} to ${f(last.namespaces)} namespaces (least squares over log–log): matrix ${k((r) => r.matrixMs)}, lint ${k((r) => r.lintMs)} (goal: ≤ 1.1).\n`;
  }
  return out;
}
