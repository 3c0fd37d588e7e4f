/**
 * Flux-layout benchmark (issue 14's speed line, issue 13's anchor): the generated Flux layout of N namespaces
 * (`repo/generate-flux-repo.ts`: bootstrap, a folder and a Flux Kustomization per namespace, components,
 * substitution) loaded from its cluster entry, each load and each js-yaml `loadAll` of the same files in a
 * fresh process, in the same interleaved rounds (`load.ts`), beside the flat layout of the same policies; and
 * a repository sized like a 600-file Flux repository, its load and a whole-process `netpol lint` against
 * issue 14's goal (under 2 s). CPU times are user and system time of all threads: on a shared machine they
 * move less than wall times.
 * Run: `npm run bench -- --only flux [--sizes 1000,5000] [--flux-files 600] [--load-repeat 3]`.
 */
import { rmSync } from 'node:fs';
import { type LoadBenchRow, measureLoad } from './load.js';
import { measureRealRepo, type RealRepoBenchRow } from './real-repo.js';
import { generateFluxRepo } from './repo/generate-flux-repo.js';
import { generateRepo, writeRepoDir } from './repo/generate-repo.js';

/** One size: the Flux layout and the flat layout of the same namespaces, with their anchors. */
export interface FluxBenchRow {
  readonly namespaces: number;
  readonly files: number;
  readonly flux: LoadBenchRow;
  readonly flat: LoadBenchRow;
}

/** The 600-file case: its load (with its anchor) and a whole-process `netpol lint`. */
export interface FluxFilesRow {
  readonly namespaces: number;
  readonly files: number;
  readonly load: LoadBenchRow;
  readonly lint: RealRepoBenchRow;
}

/** Issue 14: loading a 600-file Flux repository stays under 2 s. */
export const FLUX_GOAL_MS = 2000;

/**
 * Writes the generated Flux layout of `namespaces` namespaces to a temporary folder, measures it, and removes it.
 * @param namespaces - Application namespaces.
 * @param measure - Receives the folder and the files' paths relative to it.
 * @returns What `measure` returns.
 */
function inFluxRepo<T>(namespaces: number, measure: (dir: string, files: string[]) => T): T {
  const files = generateFluxRepo({ namespaces, policiesPerNamespace: 4 });
  const dir = writeRepoDir(files);
  try {
    return measure(dir, Object.keys(files));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Measures the Flux and the flat layout of `namespaces` namespaces.
 * @param namespaces - Application namespaces.
 * @param repeat - Rounds per layout (each a js-yaml process and a load process).
 * @returns The medians.
 */
export function measureFlux(namespaces: number, repeat: number): FluxBenchRow {
  const flux = inFluxRepo(namespaces, (dir, files) => ({
    files: files.length,
    row: measureLoad(namespaces, dir, files, repeat),
  }));
  const flatFiles = generateRepo({ namespaces, policiesPerNamespace: 4 });
  const flatDir = writeRepoDir(flatFiles);
  try {
    const flat = measureLoad(namespaces, flatDir, Object.keys(flatFiles), repeat);
    return { namespaces, files: flux.files, flux: flux.row, flat };
  } finally {
    rmSync(flatDir, { recursive: true, force: true });
  }
}

/**
 * The namespaces of the generated Flux layout with at least `files` files (about four per namespace).
 * @param files - The wanted file count.
 * @returns The smallest namespace count that reaches it.
 */
export function namespacesForFiles(files: number): number {
  const one = Object.keys(generateFluxRepo({ namespaces: 1 })).length;
  const perNamespace = Object.keys(generateFluxRepo({ namespaces: 2 })).length - one;
  let n = Math.max(1, Math.ceil((files - one) / perNamespace) + 1);
  while (n > 1 && Object.keys(generateFluxRepo({ namespaces: n - 1 })).length >= files) n--;
  return n;
}

/**
 * Measures the generated Flux layout with about `files` files: its load beside js-yaml, and `netpol lint`
 * as a whole process (module loading included).
 * @param files - The wanted file count (600 for issue 14).
 * @param repeat - Rounds.
 * @returns The medians.
 */
export function measureFluxFiles(files: number, repeat: number): FluxFilesRow {
  const namespaces = namespacesForFiles(files);
  return inFluxRepo(namespaces, (dir, written) => ({
    namespaces,
    files: written.length,
    load: measureLoad(namespaces, dir, written, repeat),
    lint: measureRealRepo(dir, repeat),
  }));
}

const f = (x: number, d = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The Markdown table of {@link measureFlux}'s rows. */
export function fluxBenchTable(rows: readonly FluxBenchRow[]): string {
  let out = `node ${process.version}; medians of ${rows[0]?.flux.runs ?? 0} interleaved rounds; each load (\`loadRepo\` from the cluster entry) and each js-yaml \`loadAll\` of the same files in a fresh process; CPU is user + system of all threads.\n\n`;
  out +=
    '| namespaces | files | policies | YAML MiB | js-yaml loadAll ms | Flux load ms | load ÷ js-yaml | js-yaml CPU ms | load CPU ms | CPU ÷ js-yaml CPU | flat layout load ms | Flux ÷ flat | peak RSS MiB |\n';
  out += '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const x = r.flux;
    out += `| ${f(r.namespaces)} | ${f(r.files)} | ${f(x.policies)} | ${f(x.mib, 1)} | ${f(x.jsYamlMs)} | ${f(x.loadMs)} | ${f(x.loadMs / x.jsYamlMs, 2)} | ${f(x.jsYamlCpuMs)} | ${f(x.loadCpuMs)} | ${f(x.loadCpuMs / x.jsYamlCpuMs, 2)} | ${f(r.flat.loadMs)} | ${f(x.loadMs / r.flat.loadMs, 2)} | ${f(x.peakRssMiB)} |\n`;
  }
  return out;
}

/** The Markdown table of the 600-file case, against {@link FLUX_GOAL_MS}. */
export function fluxFilesTable(r: FluxFilesRow): string {
  const met = (ms: number) => (ms < FLUX_GOAL_MS ? 'yes' : 'no');
  let out = `Generated Flux layout of ${f(r.namespaces)} namespaces (${f(r.files)} files, ${f(r.load.mib, 1)} MiB, ${f(r.load.policies)} policies); medians of ${r.load.runs} interleaved rounds; goal (issue 14): under ${f(FLUX_GOAL_MS)} ms.\n\n`;
  out +=
    '| what | wall ms | CPU ms | js-yaml loadAll ms (same files, same rounds) | wall ÷ js-yaml | under 2 s (wall / CPU) |\n';
  out += '|---|---:|---:|---:|---:|:---:|\n';
  out += `| \`loadRepo\` from the cluster entry (fresh process) | ${f(r.load.loadMs)} | ${f(r.load.loadCpuMs)} | ${f(r.load.jsYamlMs)} | ${f(r.load.loadMs / r.load.jsYamlMs, 2)} | ${met(r.load.loadMs)} / ${met(r.load.loadCpuMs)} |\n`;
  out += `| \`netpol lint -R DIR -o json\`, whole process | ${f(r.lint.lintWallMs)} | ${f(r.lint.lintCpuMs)} | ${f(r.lint.jsYamlMs)} | ${f(r.lint.lintWallMs / r.lint.jsYamlMs, 2)} | ${met(r.lint.lintWallMs)} / ${met(r.lint.lintCpuMs)} |\n`;
  return out;
}
