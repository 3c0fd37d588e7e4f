import { createReadStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { isPolicyDrop, mightBePolicyDrop } from '../../src/hubble/parse-flow.js';
import { readFlows } from '../../src/hubble/read-flows.js';
import { generateFlows } from './generate-flows.js';

/** One measured run: lines per second and how many policy drops were found. */
export interface Measurement {
  readonly name: string;
  readonly lines: number;
  readonly drops: number;
  readonly ms: number;
  readonly linesPerSecond: number;
}

async function time(
  name: string,
  run: () => Promise<{ lines: number; drops: number }>,
): Promise<Measurement> {
  const start = process.hrtime.bigint();
  const { lines, drops } = await run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { name, lines, drops, ms, linesPerSecond: Math.round((lines / ms) * 1000) };
}

/** The baseline: readline + `JSON.parse` on every line, then the same policy-drop test on the raw object. */
async function bareLoop(file: string): Promise<{ lines: number; drops: number }> {
  let lines = 0;
  let drops = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    lines++;
    const value = JSON.parse(line) as { flow?: { verdict?: string; drop_reason_desc?: string } };
    const flow = value.flow;
    if (
      flow?.verdict === 'DROPPED' &&
      (flow.drop_reason_desc === 'POLICY_DENIED' || flow.drop_reason_desc === 'POLICY_DENY')
    ) {
      drops++;
    }
  }
  return { lines, drops };
}

async function viaReadFlows(file: string, prefilter: boolean): Promise<{ lines: number; drops: number }> {
  let lines = 0;
  let drops = 0;
  for await (const event of readFlows(createReadStream(file), {
    file,
    ...(prefilter && { prefilter: mightBePolicyDrop }),
  })) {
    if (event.kind === 'flow' && isPolicyDrop(event.flow)) drops++;
    if (event.kind === 'stats') lines = event.stats.lines;
  }
  return { lines, drops };
}

/**
 * Generates (once) 10^5-line files at 5 % and 100 % policy drops and times, best of `repeat` runs each: a bare
 * readline + JSON.parse loop, `readFlows` without a pre-filter and `readFlows` with `mightBePolicyDrop`.
 * @param repeat - runs per variant. Default: 3.
 */
export async function measureReadFlows(repeat = 3): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const ratio of [0.05, 1]) {
    const file = join(tmpdir(), `netpol-bench-flows-${ratio}.jsonl`);
    if (!existsSync(file)) await generateFlows({ lines: 100_000, dropRatio: ratio, out: file, seed: 1 });
    const variants: [string, () => Promise<{ lines: number; drops: number }>][] = [
      ['bare readline + JSON.parse', () => bareLoop(file)],
      ['readFlows (no prefilter)', () => viaReadFlows(file, false)],
      ['readFlows + mightBePolicyDrop', () => viaReadFlows(file, true)],
    ];
    for (const [name, run] of variants) {
      let best: Measurement | undefined;
      for (let i = 0; i < repeat; i++) {
        const m = await time(`${Math.round(ratio * 100)}% drops · ${name}`, run);
        if (!best || m.ms < best.ms) best = m;
      }
      if (best) results.push(best);
    }
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const m of await measureReadFlows()) {
    console.log(
      `${m.name.padEnd(48)} ${String(m.linesPerSecond).padStart(9)} lines/s  ${m.ms.toFixed(0).padStart(6)} ms  ${m.drops} drops / ${m.lines} lines`,
    );
  }
}
