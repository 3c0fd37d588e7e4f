/**
 * `npm run bench`: measures netpol and prints a Markdown report with baselines measured in the same run.
 * - load (also part of repo): for each size, the load from disk (each in its own process, with its peak RSS)
 *   next to js-yaml's `loadAll` of the same files in the same rounds, their ratio and the growth exponent k
 *   (bench/load.ts; issue 13's goal: load ≤ 2× js-yaml, peak RSS < 1 GiB at 20,000 namespaces);
 * - repo: for N = 100, 1,000 and 5,000 namespaces (4 CNPs each): load time from disk and the heap it keeps,
 *   the same bytes read by the `yaml` parser alone and by JSON.parse of the same objects, verdicts per second
 *   for random flows, and the matrix time;
 * - lint: `lintRepo` on the same repositories (bench/lint.ts);
 * - drops: `netpol drops` on 10^5 and 10^6 Hubble lines against a bare JSON.parse loop and the seed's jq
 *   pipeline (bench/drops.ts);
 * - flux: the same namespaces and policies in a Flux layout (bench/repo/generate-flux-repo.ts: bootstrap,
 *   a folder and a Flux Kustomization per namespace, components, substitution), loaded from the cluster
 *   entry in fresh processes beside js-yaml's `loadAll` of the same files in the same rounds (ratio, wall and
 *   CPU) and beside the flat layout; and a Flux layout of `--flux-files` files (default 600): its load and a
 *   whole-process `netpol lint` against issue 14's goal of 2 s (bench/flux.ts);
 * - watch: `netpol watch` against a replaying Relay (a drop storm with one new flow in 64), flows per second
 *   beside a bare gRPC read loop of the same stream, and RSS and heap after 10^6 and 10^7 flows with the growth
 *   between them (bench/watch.ts; `--watch-flows N` samples at N/10 and N);
 * - startup: whole-process `netpol --help` and `netpol trace … -R examples/homelab` beside `node -e 0` in
 *   the same rounds (bench/startup.ts);
 * - ui: `netpol ui` first renders in Debian's chromium (bench/ui.ts): the example, and 1,000 namespaces grouped;
 * - storm: `netpol drops` on 20,000 drops with distinct identities over 2,000 generated namespaces (bench/drops.ts);
 * - verdicts: cold (first verdict of every pod identity) and warm verdicts per second at `--verdict-sizes`
 *   namespaces (default 5,000 and 20,000; bench/verdicts.ts);
 * - growth: the exponent k of t ∝ N^k for load (`loadForAnalysis`), matrix and lint over `--growth-sizes`
 *   (default 1,000, 5,000 and 20,000), on user CPU, medians of `--repeat` rounds (bench/growth.ts);
 * - replay: `netpol diff --flows` on `--replay-lines` recorded flows (default 10^5, 3·10^5 and 10^6) drawn from
 *   `--replay-keys` distinct connections (default 20,000) against two revisions of a generated repository of
 *   `--replay-namespaces` namespaces (default 1,000), beside a bare JSON.parse loop of the same lines, with the
 *   growth exponent over the sizes (bench/replay.ts);
 * - real: `netpol lint` on repositories checked out on disk (`--real DIR[,DIR…]`, none by default), whole
 *   process, beside js-yaml's parse of the same files, and the share of files the js-yaml reader reads
 *   (bench/real-repo.ts).
 * Flags: `--startup-before DIR` (start-up: also run the build in DIR, e.g. main's, in the same rounds), `--only startup,load,repo,lint,drops,flux,watch,ui,storm,verdicts,growth,replay,real`, `--real DIR[,DIR…]`, `--sizes 100,1000`, `--flows N`,
 * `--load-repeat N`, `--flux-files 600`, `--drop-lines 100000,1000000`, `--repeat N`, `--watch-flows 10000000`, `--ui-sizes 1000`,
 * `--storm NAMESPACESxLINES`, `--verdict-sizes 5000,20000`, `--growth-sizes 1000,5000,20000`,
 * `--replay-lines 100000,300000,1000000`, `--replay-namespaces 1000`, `--replay-keys 20000`.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { deriveCatalog } from '../src/catalog/derive-catalog.js';
import { createEngine } from '../src/engine/verdict.js';
import { loadRepo } from '../src/repo/load-repo.js';
import { computeMatrix } from '../src/workflows/analysis/matrix.js';
import { CHROMIUM } from '../test/helpers/browser.js';
import { formatDropStorm, formatDropsBench, measureDropStorm, measureDrops } from './drops.js';
import { type FluxBenchRow, fluxBenchTable, fluxFilesTable, measureFlux, measureFluxFiles } from './flux.js';
import { growthTable, measureGrowth } from './growth.js';
import { lintBenchTable, measureLint } from './lint.js';
import { type LoadBenchRow, loadBenchTable, measureLoad } from './load.js';
import { measureRealRepo, realRepoBenchTable } from './real-repo.js';
import { formatReplayBench, measureReplay } from './replay.js';
import { generateRepo, writeRepoDir } from './repo/generate-repo.js';
import { formatStartupBench, measureStartup } from './startup.js';
import { measureUi, uiBenchTable } from './ui.js';
import { measureVerdicts, randomFlows, verdictBenchTable } from './verdicts.js';
import { formatWatchBench, measureWatch } from './watch.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function writeRepo(files: Record<string, string>): string {
  return writeRepoDir(files);
}

interface Row {
  n: number;
  policies: number;
  bytes: number;
  loadMs: number;
  yamlOnlyMs: number;
  jsonParseMs: number;
  heapMiB: number;
  verdictsPerSec: number;
  matrixMs: number;
}

async function measure(n: number, flowsCount: number): Promise<Row> {
  const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
  const dir = writeRepo(files);
  try {
    const bytes = Object.values(files).reduce((s, t) => s + Buffer.byteLength(t), 0);
    // Baselines on the same bytes: the yaml parser alone, and JSON.parse of the same objects as JSON.
    let t = performance.now();
    const objects: unknown[] = [];
    for (const rel of Object.keys(files)) {
      for (const d of parseAllDocuments(readFileSync(path.join(dir, rel), 'utf8'))) {
        if (!Array.isArray(d)) objects.push((d as { toJS(): unknown }).toJS());
      }
    }
    const yamlOnlyMs = performance.now() - t;
    const json = objects.map((o) => JSON.stringify(o));
    t = performance.now();
    for (const j of json) JSON.parse(j);
    const jsonParseMs = performance.now() - t;

    const before = heapMiB();
    t = performance.now();
    const { repo } = await loadRepo({ root: dir });
    const engine = createEngine(repo);
    const loadMs = performance.now() - t;
    const heap = heapMiB() - before;

    const flows = randomFlows(flowsCount, n, 7);
    t = performance.now();
    let allowed = 0;
    for (const f of flows) if (engine.verdict(f).verdict === 'allowed') allowed++;
    const verdictsPerSec = flowsCount / ((performance.now() - t) / 1000);
    if (allowed === 0 || allowed === flowsCount)
      throw new Error('bench flows are all one verdict: generator broken');

    let matrixMs = Number.NaN;
    if (n <= 1000) {
      const catalog = deriveCatalog(repo);
      const fresh = createEngine(repo);
      t = performance.now();
      computeMatrix(fresh, catalog, repo.namespaces);
      matrixMs = performance.now() - t;
    }
    return {
      n,
      policies: repo.policies.length,
      bytes,
      loadMs,
      yamlOnlyMs,
      jsonParseMs,
      heapMiB: heap,
      verdictsPerSec,
      matrixMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = new Set(
    arg('only', 'startup,repo,lint,drops,flux,watch,ui,storm,verdicts,growth,replay').split(','),
  );
  const sizes = arg('sizes', '100,1000,5000').split(',').map(Number);
  if (only.has('startup')) {
    const repeat = Number(arg('repeat', '7'));
    process.stdout.write(
      `\n## start-up (whole process)\n\n${formatStartupBench(measureStartup(repeat, process.argv.includes('--startup-before') ? arg('startup-before', '') : undefined), repeat)}`,
    );
  }
  if (only.has('repo') || only.has('load')) loadBench(sizes);
  if (only.has('repo')) await repoBench(sizes);
  if (only.has('lint')) {
    const rows = [];
    for (const n of sizes) rows.push(await measureLint(n));
    process.stdout.write(`\n## lint\n\n${lintBenchTable(rows)}`);
  }
  if (only.has('flux')) fluxBench(sizes);
  if (only.has('real')) {
    const dirs = arg('real', '')
      .split(',')
      .filter((d) => d !== '');
    if (dirs.length === 0)
      process.stdout.write('\n## real repositories\n\nskipped: pass --real DIR[,DIR…]\n');
    else {
      const rows = dirs.map((d) => measureRealRepo(d, Number(arg('repeat', '5'))));
      process.stdout.write(`\n## real repositories (netpol lint)\n\n${realRepoBenchTable(rows)}`);
    }
  }
  if (only.has('drops')) {
    const lines = arg('drop-lines', '100000,1000000').split(',').map(Number);
    const rows = await measureDrops(lines, Number(arg('repeat', '3')));
    process.stdout.write(`\n## drops\n\n${formatDropsBench(rows)}`);
  }
  if (only.has('watch')) {
    const flows = arg('watch-flows', '10000000').split(',').map(Number);
    process.stdout.write(`\n## watch\n\n${formatWatchBench(await measureWatch(flows))}`);
  }
  if (only.has('ui')) {
    if (!existsSync(CHROMIUM)) {
      process.stdout.write(`\n## ui\n\nskipped: ${CHROMIUM} not found (apt-get install chromium)\n`);
    } else {
      const rows = await measureUi(
        arg('ui-sizes', '1000')
          .split(',')
          .filter((n) => n !== '')
          .map(Number),
        Number(arg('repeat', '3')),
      );
      process.stdout.write(`\n## ui (Debian chromium, headless, 1280×800)\n\n${uiBenchTable(rows)}`);
    }
  }
  if (only.has('verdicts')) {
    const rows = [];
    for (const n of arg('verdict-sizes', '5000,20000').split(',').map(Number)) {
      rows.push(await measureVerdicts(n, Number(arg('flows', '200000')), Number(arg('repeat', '5'))));
      process.stderr.write(`measured verdicts N=${n}\n`);
    }
    process.stdout.write(`\n## verdicts\n\n${verdictBenchTable(rows)}`);
  }
  if (only.has('growth')) {
    const growthSizes = arg('growth-sizes', '1000,5000,20000').split(',').map(Number);
    // One unmeasured round at the smallest size, so that the first size does not pay the JIT's warm-up.
    await measureGrowth(Math.min(...growthSizes), 1);
    const rows = [];
    for (const n of growthSizes) {
      rows.push(await measureGrowth(n, Number(arg('repeat', '3'))));
      process.stderr.write(`measured growth N=${n}\n`);
    }
    process.stdout.write(`\n## growth (load, matrix, lint)\n\n${growthTable(rows)}`);
  }
  if (only.has('replay')) {
    const namespaces = Number(arg('replay-namespaces', '1000'));
    const keys = Number(arg('replay-keys', '20000'));
    const rows = await measureReplay(
      arg('replay-lines', '100000,300000,1000000').split(',').map(Number),
      namespaces,
      keys,
      Number(arg('repeat', '3')),
    );
    process.stdout.write(`\n## replay (diff --flows)\n\n${formatReplayBench(rows, namespaces, keys)}`);
  }
  if (only.has('storm')) {
    const [namespaces, lines] = arg('storm', '2000x20000').split('x').map(Number);
    process.stdout.write(`\n## drop storm\n\n${formatDropStorm(measureDropStorm(namespaces, lines))}`);
  }
}

/** Load from disk against js-yaml's parse of the same files, per size (bench/load.ts). */
function loadBench(sizes: readonly number[]): void {
  const repeat = Number(arg('load-repeat', '3'));
  const rows: LoadBenchRow[] = [];
  for (const n of sizes) {
    const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
    const dir = writeRepo(files);
    try {
      rows.push(measureLoad(n, dir, Object.keys(files), repeat));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`measured load N=${n}\n`);
  }
  process.stdout.write(`\n## repository load against js-yaml\n\n${loadBenchTable(rows)}`);
}

/**
 * The Flux layout against js-yaml and the flat layout, per size, and the 600-file case against issue 14's
 * goal (bench/flux.ts).
 */
function fluxBench(sizes: readonly number[]): void {
  const repeat = Number(arg('load-repeat', '3'));
  const rows: FluxBenchRow[] = [];
  for (const n of sizes) {
    rows.push(measureFlux(n, repeat));
    process.stderr.write(`measured Flux N=${n}\n`);
  }
  const files = Number(arg('flux-files', '600'));
  const sized = measureFluxFiles(files, repeat);
  process.stderr.write(`measured Flux ${files} files\n`);
  process.stdout.write(
    `\n## Flux layout against js-yaml\n\n${fluxBenchTable(rows)}\n### a ${files}-file Flux repository\n\n${fluxFilesTable(sized)}`,
  );
}

async function repoBench(sizes: readonly number[]): Promise<void> {
  const flows = Number(arg('flows', '200000'));
  const rows: Row[] = [];
  for (const n of sizes) {
    rows.push(await measure(n, flows));
    process.stderr.write(`measured N=${n}\n`);
  }
  const f = (x: number, d = 0) =>
    Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: d });
  let out = `## repository load, verdicts, matrix\n\nnetpol benchmark (node ${process.version}, ${os.cpus().length} cores, ${f(flows)} random flows per size)\n\n`;
  out +=
    '| namespaces | policies | YAML MiB | load+compile ms | yaml-parse-only ms | JSON.parse ms | load ÷ yaml-only | load ÷ JSON.parse | heap MiB | verdicts/s | matrix ms |\n';
  out += '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    out += `| ${f(r.n)} | ${f(r.policies)} | ${f(r.bytes / 2 ** 20, 1)} | ${f(r.loadMs)} | ${f(r.yamlOnlyMs)} | ${f(r.jsonParseMs)} | ${f(r.loadMs / r.yamlOnlyMs, 2)} | ${f(r.loadMs / r.jsonParseMs, 1)} | ${f(r.heapMiB)} | ${f(r.verdictsPerSec)} | ${f(r.matrixMs)} |\n`;
  }
  if (rows.length > 1) {
    const a = rows[0] as Row;
    const b = rows[rows.length - 1] as Row;
    const k = b.n / a.n;
    out += `\nGrowth from N=${f(a.n)} to N=${f(b.n)} (×${f(k)}): load ×${f(b.loadMs / a.loadMs, 1)}, heap ×${f(b.heapMiB / Math.max(a.heapMiB, 0.1), 1)}, verdicts/s ×${f(b.verdictsPerSec / a.verdictsPerSec, 2)}.\n`;
  }
  process.stdout.write(out);
}

await main();
