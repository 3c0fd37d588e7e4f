/**
 * Start-up benchmark: whole-process wall time of `netpol --help` and of
 * `netpol trace billing database --port 5432 -R examples/homelab`, each next to `node -e 0` measured in the
 * same rounds (the anchor: what any Node CLI pays before its first module). Runs are interleaved, one of each
 * per round, so a machine's load falls on all three alike; the table gives medians. Goals (issue 13): trace
 * under 0.25 s, `--help` under 0.15 s.
 * Each run's CPU time (user + system, all threads) is read in the child at exit through a preloaded
 * script, so it can be compared on a shared machine where wall time cannot. `--startup-before DIR` adds
 * the same commands run from another build (e.g. main's, built in DIR) to the same rounds.
 * Run: `npm run build && node dist/bench/run.js --only startup [--repeat 7] [--startup-before DIR]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** One measured command: its median whole-process times and the anchor's from the same rounds. */
export interface StartupBenchRow {
  /** The command as a user types it, and which build ran it when there are two. */
  readonly command: string;
  /** Median wall time, ms. */
  readonly medianMs: number;
  /** Median CPU time (user + system, every thread), ms. */
  readonly cpuMs: number;
  /** Median wall time of `node -e 0` in the same rounds, ms. */
  readonly anchorMs: number;
  /** Median CPU time of `node -e 0` in the same rounds, ms. */
  readonly anchorCpuMs: number;
  /** The issue's goal (wall), ms. */
  readonly goalMs: number;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'bin/netpol.js';

const CASES: readonly { readonly args: readonly string[]; readonly goalMs: number }[] = [
  { args: ['--help'], goalMs: 150 },
  { args: ['trace', 'billing', 'database', '--port', '5432', '-R', 'examples/homelab'], goalMs: 250 },
];

// Preloaded into every measured process (netpol and `node -e 0` alike): writes the process's CPU time at exit
// to file descriptor 3.
const CPU_REPORT =
  "process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeSync(3, String(u.user + u.system)); });\n";

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

// trace exits 0 (allowed) or 1 (denied): either is a finished run; 2 (usage or input error) is not.
function timeRun(preload: string, cwd: string, args: readonly string[]): Sample {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['-r', preload, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const wallMs = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`bench: node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  }
  return { wallMs, cpuMs: Number(String(r.output[3])) / 1000 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Times each start-up case `repeat` times (at least 5), interleaved with `node -e 0`: per round the anchor,
 * then each case from this build and, with `before`, from that build too.
 * @param repeat - Rounds; fewer than 5 is raised to 5.
 * @param before - The root of another built checkout (its `bin/netpol.js` runs there), or undefined.
 * @returns One row per case and build, with the anchor of the same rounds.
 */
export function measureStartup(repeat: number, before?: string): StartupBenchRow[] {
  const rounds = Math.max(5, repeat);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netpol-startup-'));
  const preload = path.join(dir, 'cpu-report.cjs');
  writeFileSync(preload, CPU_REPORT);
  try {
    const builds =
      before === undefined
        ? [['', ROOT]]
        : [
            ['after', ROOT],
            ['before', path.resolve(before)],
          ];
    const runs = builds.flatMap(([label, cwd]) => CASES.map((c) => ({ label, cwd, c })));
    const anchor: Sample[] = [];
    const times = runs.map(() => [] as Sample[]);
    for (let i = 0; i < rounds; i++) {
      anchor.push(timeRun(preload, ROOT, ['-e', '0']));
      for (const [j, r] of runs.entries())
        (times[j] as Sample[]).push(timeRun(preload, r.cwd as string, [BIN, ...r.c.args]));
    }
    const anchorMs = median(anchor.map((a) => a.wallMs));
    const anchorCpuMs = median(anchor.map((a) => a.cpuMs));
    return runs.map((r, j) => ({
      command: `netpol ${r.c.args.join(' ')}${r.label ? ` (${r.label})` : ''}`,
      medianMs: median((times[j] as Sample[]).map((t) => t.wallMs)),
      cpuMs: median((times[j] as Sample[]).map((t) => t.cpuMs)),
      anchorMs,
      anchorCpuMs,
      goalMs: r.c.goalMs,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Formats the rows as a Markdown table.
 * @param rows - From {@link measureStartup}.
 * @param rounds - The rounds measured.
 */
export function formatStartupBench(rows: readonly StartupBenchRow[], rounds: number): string {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
  const a = rows[0];
  let out = `median of ${Math.max(5, rounds)} interleaved rounds (node ${process.version}); \`node -e 0\` in the same rounds: ${f(a?.anchorMs ?? 0)} ms wall, ${f(a?.anchorCpuMs ?? 0)} ms CPU\n\n`;
  out +=
    '| command | wall ms | CPU ms | wall above `node -e 0` ms | CPU above `node -e 0` ms | goal (wall) ms | met |\n';
  out += '|---|---:|---:|---:|---:|---:|:---:|\n';
  for (const r of rows) {
    out += `| \`${r.command}\` | ${f(r.medianMs)} | ${f(r.cpuMs)} | ${f(r.medianMs - r.anchorMs)} | ${f(r.cpuMs - r.anchorCpuMs)} | ${f(r.goalMs)} | ${r.medianMs < r.goalMs ? 'yes' : 'no'} |\n`;
  }
  return out;
}
