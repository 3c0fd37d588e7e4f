/**
 * Load benchmark (issue 13's load goal): for each size, the load of a generated repository from disk next
 * to js-yaml's parse-only time of the same files (`readFileSync` + `loadAll` with its default schema), both
 * measured in the same rounds, interleaved so that a loaded machine weighs on both alike; the table gives
 * medians and their ratio. Each load and each js-yaml parse runs in a fresh process of its own
 * (`repo/load-child.ts`): both start cold, as a CLI run does, and the load's peak RSS is the loader's. The
 * growth exponent k (t ∝ N^k) is fitted between the smallest and largest size.
 * Run: `npm run bench -- --only load --sizes 1000,5000,20000 [--load-repeat 3]`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { growthExponent } from './exponent.js';

/** One size's medians. */
export interface LoadBenchRow {
  readonly namespaces: number;
  readonly policies: number;
  readonly mib: number;
  /** js-yaml `loadAll` of the same files (read from disk, in a fresh process), ms. */
  readonly jsYamlMs: number;
  /** The same, user and system CPU time, ms. */
  readonly jsYamlCpuMs: number;
  /** `loadRepo` from disk, ms. */
  readonly loadMs: number;
  /** The same, user and system CPU time of all threads, ms. */
  readonly loadCpuMs: number;
  /** `loadRepo` and `createEngine`, ms. */
  readonly loadCompileMs: number;
  /** The same, user and system CPU time of all threads, ms. */
  readonly loadCompileCpuMs: number;
  /** Peak RSS of the process that loaded and compiled, MiB (the highest of the runs). */
  readonly peakRssMiB: number;
  readonly runs: number;
}

const CHILD = fileURLToPath(new URL('./repo/load-child.js', import.meta.url));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function jsYamlOnce(dir: string, files: readonly string[]): { jsYamlMs: number; jsYamlCpuMs: number } {
  const r = spawnSync(process.execPath, [CHILD, '--js-yaml', dir, ...files], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`bench: load-child --js-yaml exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout) as { jsYamlMs: number; jsYamlCpuMs: number };
}

interface ChildResult {
  readonly loadMs: number;
  readonly loadCpuMs: number;
  readonly compileMs: number;
  readonly loadCompileCpuMs: number;
  readonly policies: number;
  readonly peakRssMiB: number;
}

function loadOnce(dir: string): ChildResult {
  const r = spawnSync(process.execPath, [CHILD, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench: load-child exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout) as ChildResult;
}

/**
 * Measures one generated repository already written to `dir`.
 * @param namespaces - Its size (for the table).
 * @param dir - The repository root.
 * @param files - Its YAML files, relative to `dir`.
 * @param repeat - Rounds; each round runs js-yaml once and one load process.
 * @returns The medians.
 */
export function measureLoad(
  namespaces: number,
  dir: string,
  files: readonly string[],
  repeat: number,
): LoadBenchRow {
  const js: { jsYamlMs: number; jsYamlCpuMs: number }[] = [];
  const children: ChildResult[] = [];
  let bytes = 0;
  for (const rel of files) bytes += readFileSync(path.join(dir, rel)).length;
  for (let i = 0; i < repeat; i++) {
    js.push(jsYamlOnce(dir, files));
    children.push(loadOnce(dir));
  }
  return {
    namespaces,
    policies: children[0]?.policies ?? 0,
    mib: bytes / 2 ** 20,
    jsYamlMs: median(js.map((j) => j.jsYamlMs)),
    jsYamlCpuMs: median(js.map((j) => j.jsYamlCpuMs)),
    loadMs: median(children.map((c) => c.loadMs)),
    loadCpuMs: median(children.map((c) => c.loadCpuMs)),
    loadCompileMs: median(children.map((c) => c.loadMs + c.compileMs)),
    loadCompileCpuMs: median(children.map((c) => c.loadCompileCpuMs)),
    peakRssMiB: Math.max(...children.map((c) => c.peakRssMiB)),
    runs: repeat,
  };
}

/** The Markdown table, with the goal (load ≤ 2× js-yaml, peak RSS < 1 GiB at 20,000) and k. */
export function loadBenchTable(rows: readonly LoadBenchRow[]): string {
  const f = (x: number, d = 0) =>
    x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  let out = `node ${process.version}; medians of ${rows[0]?.runs ?? 0} interleaved rounds; each load and each js-yaml parse in a fresh process. Goal: load ≤ 2× js-yaml, peak RSS < 1,024 MiB at 20,000 namespaces.\n\n`;
  out +=
    '| namespaces | policies | YAML MiB | js-yaml loadAll ms | load ms | load ÷ js-yaml | load+compile ms | load+compile ÷ js-yaml | js-yaml CPU ms | load+compile CPU ms | CPU ÷ js-yaml CPU | peak RSS MiB |\n';
  out += '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    out += `| ${f(r.namespaces)} | ${f(r.policies)} | ${f(r.mib, 1)} | ${f(r.jsYamlMs)} | ${f(r.loadMs)} | ${f(r.loadMs / r.jsYamlMs, 2)} | ${f(r.loadCompileMs)} | ${f(r.loadCompileMs / r.jsYamlMs, 2)} | ${f(r.jsYamlCpuMs)} | ${f(r.loadCompileCpuMs)} | ${f(r.loadCompileCpuMs / r.jsYamlCpuMs, 2)} | ${f(r.peakRssMiB)} |\n`;
  }
  const a = rows[0];
  const b = rows[rows.length - 1];
  if (a && b && b.namespaces > a.namespaces) {
    const k = (t1: number, t2: number) =>
      f(
        growthExponent([
          { n: a.namespaces, ms: t1 },
          { n: b.namespaces, ms: t2 },
        ]),
        2,
      );
    out += `\nGrowth exponent k (t ∝ N^k) from N=${f(a.namespaces)} to N=${f(b.namespaces)}: load ${k(a.loadMs, b.loadMs)}, load+compile ${k(a.loadCompileMs, b.loadCompileMs)}, js-yaml ${k(a.jsYamlMs, b.jsYamlMs)}.\n`;
  }
  return out;
}
