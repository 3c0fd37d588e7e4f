/**
 * Verdict benchmark: verdicts per second of one engine on the synthetic repositories of
 * `bench/repo/generate-repo.ts` (N application namespaces × 4 CNPs, loaded from disk).
 * - cold: one flow per pod identity of the repository (every application namespace × every app label,
 *   towards the next namespace's api or a platform peer) on a fresh engine, so every verdict is the first
 *   one of its source identity; median over as many fresh engines as warm passes;
 * - warm: random flows (bench/run.ts's mix: pods, world, platform peers, seven ports, 10 % UDP) evaluated
 *   once to fill the caches, then timed over the same flows, median of the passes.
 * Each pass is timed in wall time and in the process's CPU time (user + system, `process.cpuUsage`): on a
 * shared machine only the CPU rates compare across runs.
 * Run: `npm run bench -- --only verdicts --sizes 5000,20000`, or standalone
 * `npm run build && node dist/bench/verdicts.js --sizes 5000` (add `--cpu-prof` to node to profile).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Flow, Peer } from '../src/engine/types.js';
import { createEngine, type PolicyEngine } from '../src/engine/verdict.js';
import { loadRepo } from '../src/repo/load-repo.js';
import { APP_LABELS, appNamespaceName, generateRepo, prng, writeRepoDir } from './repo/generate-repo.js';

/** One row of the verdict benchmark. */
export interface VerdictBenchRow {
  /** Application namespaces generated. */
  readonly namespaces: number;
  /** Policies of the generated repository. */
  readonly policies: number;
  /** Flows of the cold pass (one per pod identity). */
  readonly coldFlows: number;
  /** Median first verdicts per second of fresh engines (each flow's source identity new to the engine), wall time. */
  readonly coldPerSec: number;
  /** The same per second of the process's CPU time (user + system, all threads). */
  readonly coldPerCpuSec: number;
  /** Flows of each warm pass. */
  readonly warmFlows: number;
  /** Median verdicts per second of the warm passes, wall time. */
  readonly warmPerSec: number;
  /** The same per second of the process's CPU time (user + system, all threads). */
  readonly warmPerCpuSec: number;
  /** Share of allowed verdicts among the warm flows (a sanity check of the generator). */
  readonly allowedShare: number;
}

/**
 * Random flows between generated pods, the world and the platform peers (deterministic for a seed).
 * @param n - Flows to generate.
 * @param namespaces - Application namespaces of the repository.
 * @param seed - PRNG seed.
 */
export function randomFlows(n: number, namespaces: number, seed: number): Flow[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const pod = (): Peer => ({
    kind: 'pod',
    namespace: appNamespaceName(Math.floor(rand() * namespaces)),
    labels: { app: pick(APP_LABELS) },
  });
  const others: Peer[] = [
    { kind: 'world', ip: `203.0.113.${Math.floor(rand() * 250)}` },
    { kind: 'pod', namespace: 'database', labels: {} },
    { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    { kind: 'reserved', entity: 'kube-apiserver' },
  ];
  const ports = [53, 443, 5432, 6379, 8080, 8085, 9090];
  const flows: Flow[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const source = r < 0.1 ? pick(others) : pod();
    const destination = r > 0.6 ? pick(others) : pod();
    flows.push({ source, destination, port: pick(ports), protocol: rand() < 0.1 ? 'UDP' : 'TCP' });
  }
  return flows;
}

/**
 * One flow per pod identity of the repository: each application namespace's pods (one per app label) to
 * the next namespace's api, DNS, the database or the world in turn.
 * @param namespaces - Application namespaces of the repository.
 */
export function coldFlows(namespaces: number): Flow[] {
  const flows: Flow[] = [];
  const targets: Peer[] = [
    { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    { kind: 'pod', namespace: 'database', labels: {} },
    { kind: 'world', ip: '203.0.113.10' },
  ];
  const ports = [53, 5432, 443];
  for (let i = 0; i < namespaces; i++) {
    for (const [a, app] of APP_LABELS.entries()) {
      const source: Peer = { kind: 'pod', namespace: appNamespaceName(i), labels: { app } };
      const t = (i + a) % 4;
      const destination: Peer =
        t === 3
          ? { kind: 'pod', namespace: appNamespaceName((i + 1) % namespaces), labels: { app: 'api' } }
          : (targets[t] as Peer);
      flows.push({ source, destination, port: t === 3 ? 8080 : (ports[t] as number), protocol: 'TCP' });
    }
  }
  return flows;
}

/** Verdicts per second of wall and of CPU time (user + system of the process) over one pass of `flows`. */
function rate(
  engine: PolicyEngine,
  flows: readonly Flow[],
): { perSec: number; perCpuSec: number; allowed: number } {
  let allowed = 0;
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (const f of flows) if (engine.verdict(f).verdict === 'allowed') allowed++;
  const wall = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSec = (used.user + used.system) / 1e6;
  return { perSec: flows.length / wall, perCpuSec: flows.length / Math.max(cpuSec, 1e-6), allowed };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Generates a repository of `n` namespaces on disk, loads it, and measures cold and warm verdict rates.
 * @param n - Application namespaces.
 * @param warmFlows - Random flows per warm pass.
 * @param passes - Timed warm passes (the median is reported).
 * @throws Error when every flow gets the same verdict (the generator would be broken).
 */
export async function measureVerdicts(n: number, warmFlows: number, passes = 5): Promise<VerdictBenchRow> {
  const files = generateRepo({ namespaces: n, policiesPerNamespace: 4 });
  const dir = writeRepoDir(files, 'netpol-bench-verdicts-');
  try {
    const { repo } = await loadRepo({ root: dir });
    const cold = coldFlows(n);
    const coldRates: number[] = [];
    const coldCpuRates: number[] = [];
    for (let i = 0; i < passes; i++) {
      const r = rate(createEngine(repo), cold);
      coldRates.push(r.perSec);
      coldCpuRates.push(r.perCpuSec);
    }
    const engine = createEngine(repo);
    const flows = randomFlows(warmFlows, n, 7);
    const first = rate(engine, flows);
    if (first.allowed === 0 || first.allowed === flows.length)
      throw new Error('bench flows are all one verdict: generator broken');
    const rates: number[] = [];
    const cpuRates: number[] = [];
    for (let i = 0; i < passes; i++) {
      const r = rate(engine, flows);
      rates.push(r.perSec);
      cpuRates.push(r.perCpuSec);
    }
    return {
      namespaces: n,
      policies: repo.policies.length,
      coldFlows: cold.length,
      coldPerSec: median(coldRates),
      coldPerCpuSec: median(coldCpuRates),
      warmFlows: flows.length,
      warmPerSec: median(rates),
      warmPerCpuSec: median(cpuRates),
      allowedShare: first.allowed / flows.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rows as a Markdown table, with the goals beside them (warm ≥ 1,000,000/s at 5,000
 * namespaces and ≥ 300,000/s at 20,000; cold ≥ 200,000/s at 5,000).
 * @param rows - Measured rows.
 * @returns The table, ending with a newline.
 */
export function verdictBenchTable(rows: readonly VerdictBenchRow[]): string {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
  let out =
    '| namespaces | policies | cold flows | cold verdicts/s wall | cold verdicts/CPU s | warm flows | warm verdicts/s wall | warm verdicts/CPU s | allowed |\n';
  out += '|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    out += `| ${f(r.namespaces)} | ${f(r.policies)} | ${f(r.coldFlows)} | ${f(r.coldPerSec)} | ${f(r.coldPerCpuSec)} | ${f(r.warmFlows)} | ${f(r.warmPerSec)} | ${f(r.warmPerCpuSec)} | ${f(r.allowedShare * 100, 1)} % |\n`;
  }
  out +=
    '\nGoals (issue 13): warm ≥ 1,000,000/s at 5,000 namespaces and ≥ 300,000/s at 20,000; cold ≥ 200,000/s at 5,000.\n';
  return out;
}

async function main(): Promise<void> {
  const arg = (name: string, def: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? (process.argv[i + 1] ?? def) : def;
  };
  const rows: VerdictBenchRow[] = [];
  for (const n of arg('sizes', '5000').split(',').map(Number)) {
    rows.push(await measureVerdicts(n, Number(arg('flows', '200000')), Number(arg('passes', '5'))));
    process.stderr.write(`measured verdicts N=${n}\n`);
  }
  process.stdout.write(
    `netpol verdict benchmark (node ${process.version}, ${os.cpus().length} cores)\n\n${verdictBenchTable(rows)}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
