/**
 * Start-up benchmark: whole-process wall time of `netpol --help` and of
 * `netpol trace billing database --port 5432 -R examples/homelab`, each next to `node -e 0` measured in the
 * same rounds (the anchor: what any Node CLI pays before its first module). Runs are interleaved, one of each
 * per round, so a machine's load falls on all three alike; the table gives medians. Goals (issue 13): trace
 * under 0.25 s, `--help` under 0.15 s.
 * Run: `npm run build && node dist/bench/run.js --only startup [--repeat 7]`.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** One measured command: its median whole-process time and the anchor's from the same rounds. */
export interface StartupBenchRow {
  /** The command as a user types it. */
  readonly command: string;
  /** Median wall time, ms. */
  readonly medianMs: number;
  /** Median wall time of `node -e 0` in the same rounds, ms. */
  readonly anchorMs: number;
  /** The goal, ms. */
  readonly goalMs: number;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'bin/netpol.js';

const CASES: readonly { readonly args: readonly string[]; readonly goalMs: number }[] = [
  { args: ['--help'], goalMs: 150 },
  { args: ['trace', 'billing', 'database', '--port', '5432', '-R', 'examples/homelab'], goalMs: 250 },
];

// trace exits 0 (allowed) or 1 (denied): either is a finished run; 2 (usage or input error) is not.
function timeRun(args: readonly string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`bench: node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  }
  return ms;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Times each start-up case `repeat` times (at least 5), interleaved with `node -e 0`.
 * @param repeat - Rounds; fewer than 5 is raised to 5.
 * @returns One row per case, with the anchor of the same rounds.
 */
export function measureStartup(repeat: number): StartupBenchRow[] {
  const rounds = Math.max(5, repeat);
  const anchor: number[] = [];
  const times = CASES.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    anchor.push(timeRun(['-e', '0']));
    for (const [j, c] of CASES.entries()) (times[j] as number[]).push(timeRun([BIN, ...c.args]));
  }
  const anchorMs = median(anchor);
  return CASES.map((c, j) => ({
    command: `netpol ${c.args.join(' ')}`,
    medianMs: median(times[j] as number[]),
    anchorMs,
    goalMs: c.goalMs,
  }));
}

/**
 * Formats the rows as a Markdown table.
 * @param rows - From {@link measureStartup}.
 * @param rounds - The rounds measured.
 */
export function formatStartupBench(rows: readonly StartupBenchRow[], rounds: number): string {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
  let out = `median of ${Math.max(5, rounds)} interleaved rounds (node ${process.version})\n\n`;
  out += '| command | median ms | `node -e 0` ms | ÷ `node -e 0` | above `node -e 0` ms | goal ms | met |\n';
  out += '|---|---:|---:|---:|---:|---:|:---:|\n';
  for (const r of rows) {
    out += `| \`${r.command}\` | ${f(r.medianMs)} | ${f(r.anchorMs)} | ${f(r.medianMs / r.anchorMs, 1)} | ${f(r.medianMs - r.anchorMs)} | ${f(r.goalMs)} | ${r.medianMs < r.goalMs ? 'yes' : 'no'} |\n`;
  }
  return out;
}
