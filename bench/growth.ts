/**
 * Growth benchmark (issue 13: k ≤ 1.1 from 1,000 to 20,000 namespaces): how load, `netpol matrix` and
 * `netpol lint` scale with the repository, as the exponent k of t ∝ N^k fitted by least squares over log–log,
 * on N application namespaces (bench/repo/generate-repo.ts, 4 CNPs each). Each size is generated on disk; each
 * of `repeat` rounds loads it with `loadForAnalysis` (read, parse, compile, catalogue: what every command does
 * first), computes the matrix on a fresh engine (every verdict a first one) and lints on another fresh engine,
 * timing each on the process's user CPU (the machine is shared, so wall time measures the other sessions too)
 * and on the wall clock; the figures are medians. The caller warms the process up first (one unmeasured round
 * at the smallest size), so the smallest size does not carry the JIT's start-up and bend k down.
 * Run: `npm run bench -- --only growth --growth-sizes 1000,5000,20000 [--repeat 3]`.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../src/engine/verdict.js';
import { lintRepo } from '../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../src/workflows/analysis/load.js';
import { computeMatrix } from '../src/workflows/analysis/matrix.js';
import { growthExponent } from './exponent.js';
import { generateRepo, writeRepoDir } from './repo/generate-repo.js';

/** One measured phase: medians over the rounds, ms. */
export interface GrowthTime {
  /** User CPU time of the process (worker threads included), ms. */
  readonly cpuMs: number;
  /** Wall-clock time, ms. */
  readonly wallMs: number;
}

/** One size of the growth benchmark. */
export interface GrowthRow {
  readonly namespaces: number;
  readonly policies: number;
  /** Matrix cells (namespaces × columns). */
  readonly cells: number;
  /** `loadForAnalysis` from disk. */
  readonly load: GrowthTime;
  /** `computeMatrix` on a fresh engine. */
  readonly matrix: GrowthTime;
  /** `lintRepo` on a fresh engine. */
  readonly lint: GrowthTime;
  /** Rounds measured. */
  readonly runs: number;
}

/** The phases of a row, in table order. */
const PHASES = ['load', 'matrix', 'lint'] as const;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `work` after a collection (when `--expose-gc`), timing it on user CPU and the wall clock. */
async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; cpuMs: number; wallMs: number }> {
  gc();
  const cpu = process.cpuUsage().user;
  const wall = performance.now();
  const value = await work();
  return { value, cpuMs: (process.cpuUsage().user - cpu) / 1000, wallMs: performance.now() - wall };
}

/**
 * Measures load, matrix and lint at one size.
 * @param n - Application namespaces.
 * @param repeat - Rounds (the median of each phase is kept).
 * @returns The row.
 */
export async function measureGrowth(n: number, repeat: number): Promise<GrowthRow> {
  const dir = writeRepoDir(generateRepo({ namespaces: n, policiesPerNamespace: 4 }), 'netpol-bench-growth-');
  try {
    const times = { load: [] as GrowthTime[], matrix: [] as GrowthTime[], lint: [] as GrowthTime[] };
    let policies = 0;
    let cells = 0;
    for (let i = 0; i < repeat; i++) {
      const load = await timed(() => loadForAnalysis({ root: dir }));
      const loaded = load.value;
      times.load.push(load);
      policies = loaded.repo.policies.length;
      let engine = createEngine(loaded.repo);
      const matrix = await timed(() => computeMatrix(engine, loaded.catalog, loaded.repo.namespaces));
      times.matrix.push(matrix);
      cells = matrix.value.rows.length * matrix.value.columns.length;
      engine = createEngine(loaded.repo);
      times.lint.push(await timed(() => lintRepo({ ...loaded, engine })));
    }
    const med = (xs: readonly GrowthTime[]): GrowthTime => ({
      cpuMs: median(xs.map((x) => x.cpuMs)),
      wallMs: median(xs.map((x) => x.wallMs)),
    });
    return {
      namespaces: n,
      policies,
      cells,
      load: med(times.load),
      matrix: med(times.matrix),
      lint: med(times.lint),
      runs: repeat,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The fitted exponents of each phase over the rows.
 * @param rows - Measured rows.
 * @param clock - `cpuMs` or `wallMs`.
 * @returns k per phase (NaN with fewer than two sizes).
 */
export function growthExponents(
  rows: readonly GrowthRow[],
  clock: keyof GrowthTime,
): Record<(typeof PHASES)[number], number> {
  const k = (phase: (typeof PHASES)[number]) =>
    growthExponent(rows.map((r) => ({ n: r.namespaces, ms: r[phase][clock] })));
  return { load: k('load'), matrix: k('matrix'), lint: k('lint') };
}

/**
 * The rows as a Markdown table (user CPU, and k between consecutive sizes) and the exponents fitted over all
 * sizes, on user CPU and on the wall clock (issue 13: each at most 1.1).
 * @param rows - Measured rows, smallest first.
 * @returns The text, ending with a newline.
 */
export function growthTable(rows: readonly GrowthRow[]): string {
  const f = (x: number, d = 0) =>
    Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  let out = `node ${process.version}; user CPU ms, medians of ${rows[0]?.runs ?? 0} rounds after a warm-up round; k is the exponent of t ∝ N^k.\n\n`;
  out +=
    '| namespaces | policies | matrix cells | load CPU ms | matrix CPU ms | lint CPU ms | load k | matrix k | lint k |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const [i, r] of rows.entries()) {
    const prev = rows[i - 1];
    const local = PHASES.map((phase) => (prev ? f(growthExponents([prev, r], 'cpuMs')[phase], 2) : '—'));
    out += `| ${f(r.namespaces)} | ${f(r.policies)} | ${f(r.cells)} | ${f(r.load.cpuMs)} | ${f(r.matrix.cpuMs)} | ${f(r.lint.cpuMs)} | ${local.join(' | ')} |\n`;
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first && last && rows.length > 1) {
    const sizes = rows.map((r) => f(r.namespaces)).join(', ');
    const line = (clock: keyof GrowthTime) => {
      const k = growthExponents(rows, clock);
      return PHASES.map((phase) => `${phase} ${f(k[phase], 2)}`).join(', ');
    };
    const worst = Math.max(...Object.values(growthExponents(rows, 'cpuMs')));
    out += `\n(The k columns: between that size and the one before.) Exponent k fitted over ${sizes} namespaces (least squares over log–log), user CPU: ${line('cpuMs')}; wall clock: ${line('wallMs')}. Goal ≤ 1.1 on CPU: ${worst <= 1.1 ? 'met' : 'not met'}.\n`;
  }
  return out;
}
