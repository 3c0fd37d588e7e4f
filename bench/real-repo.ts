/**
 * Real-repository benchmark (issue 14's speed line): `netpol lint -R DIR -o json` on a repository checked out
 * on disk (none ships with netpol: pass public GitOps repositories you cloned), each run a whole process
 * (`repo/lint-child.ts`: wall from process start, CPU of all threads), next to js-yaml's `loadAll` of the
 * same YAML files in a fresh process (`repo/load-child.ts --js-yaml`), interleaved rounds; the table gives
 * medians and their ratio, and how many of the files the js-yaml reader reads (`readYamlFast`) rather than
 * leaving them to the `yaml` path.
 * Run: `npm run bench -- --only real --real DIR[,DIR…] [--repeat 5]`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripBom } from '../src/repo/documents.js';
import { readYamlFast } from '../src/repo/fast-reader.js';

/** One repository's medians. */
export interface RealRepoBenchRow {
  /** The directory's last path segment. */
  readonly name: string;
  readonly files: number;
  readonly mib: number;
  /** Files the js-yaml reader reads (the rest go to the `yaml` path). */
  readonly fastFiles: number;
  /** Whole-process `netpol lint`, wall ms and CPU ms. */
  readonly lintWallMs: number;
  readonly lintCpuMs: number;
  /** js-yaml `loadAll` of the same files, parse-only ms. */
  readonly jsYamlMs: number;
  readonly runs: number;
}

const LOAD_CHILD = fileURLToPath(new URL('./repo/load-child.js', import.meta.url));
const LINT_CHILD = fileURLToPath(new URL('./repo/lint-child.js', import.meta.url));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The YAML files below `dir` (`.git` and `node_modules` left out), relative to it. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((f) => !f.split(path.sep).some((part) => part === '.git' || part === 'node_modules'))
    .sort();
}

/**
 * Measures one repository on disk.
 * @param dir - The repository root (`-R`).
 * @param repeat - Rounds; each runs js-yaml once and `netpol lint` once.
 * @returns The medians.
 */
export function measureRealRepo(dir: string, repeat: number): RealRepoBenchRow {
  const files = yamlFiles(dir);
  let bytes = 0;
  let fastFiles = 0;
  for (const f of files) {
    const raw = readFileSync(path.join(dir, f));
    bytes += raw.length;
    if (readYamlFast(stripBom(raw.toString('utf8')))) fastFiles++;
  }
  const js: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const j = spawnSync(process.execPath, [LOAD_CHILD, '--js-yaml-lenient', dir, ...files], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (j.status !== 0)
      throw new Error(`bench: load-child --js-yaml exited ${j.status}: ${j.stderr.slice(0, 500)}`);
    js.push((JSON.parse(j.stdout) as { jsYamlMs: number }).jsYamlMs);
    const l = spawnSync(process.execPath, [LINT_CHILD, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = l.stderr.trim().split('\n').pop() ?? '';
    if (l.status !== 0 || !line.startsWith('{'))
      throw new Error(`bench: lint-child exited ${l.status}: ${l.stderr.slice(0, 500)}`);
    const r = JSON.parse(line) as { wallMs: number; cpuMs: number; exitCode: number };
    if (r.exitCode > 1) throw new Error(`bench: netpol lint -R ${dir} exited ${r.exitCode}`);
    wall.push(r.wallMs);
    cpu.push(r.cpuMs);
  }
  return {
    name: path.basename(path.resolve(dir)),
    files: files.length,
    mib: bytes / 2 ** 20,
    fastFiles,
    lintWallMs: median(wall),
    lintCpuMs: median(cpu),
    jsYamlMs: median(js),
    runs: repeat,
  };
}

/** The Markdown table. */
export function realRepoBenchTable(rows: readonly RealRepoBenchRow[]): string {
  const f = (x: number, d = 0) =>
    x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  let out = `node ${process.version}; medians of ${rows[0]?.runs ?? 0} interleaved rounds; \`netpol lint -R DIR -o json\` as a whole process (wall from process start, CPU of all threads); js-yaml \`loadAll\` of the same YAML files in a fresh process (parse only).\n\n`;
  out +=
    '| repository | YAML files | MiB | read by js-yaml reader | lint wall ms | lint CPU ms | js-yaml loadAll ms | lint wall ÷ js-yaml |\n';
  out += '|---|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    out += `| ${r.name} | ${f(r.files)} | ${f(r.mib, 1)} | ${f((100 * r.fastFiles) / Math.max(1, r.files), 1)}% | ${f(r.lintWallMs)} | ${f(r.lintCpuMs)} | ${f(r.jsYamlMs)} | ${f(r.lintWallMs / r.jsYamlMs, 1)} |\n`;
  }
  return out;
}
