import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFlowLine } from '../../../src/hubble/parse-flow.js';
import type { HubbleFlow } from '../../../src/hubble/types.js';

/** Absolute path of a file under `test/fixtures/flows/`. */
export function flowFixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/flows/${name}`, import.meta.url));
}

/** The lines of a fixture file (split on `\n`, the `\r` kept), 1-based through `lines[n - 1]`. */
export function fixtureLines(name: string): string[] {
  return readFileSync(flowFixture(name), 'utf8').split('\n');
}

/** The flow on line `n` (1-based) of a fixture; throws when that line is not a flow. */
export function fixtureFlow(name: string, n: number): HubbleFlow {
  const parsed = parseFlowLine(fixtureLines(name)[n - 1] ?? '', n, name);
  if (parsed.kind !== 'flow') throw new Error(`${name}:${n} is not a flow: ${JSON.stringify(parsed)}`);
  return parsed.flow;
}

/** Line numbers of the flows in `test/fixtures/flows/mixed.jsonl`. */
export const MIXED_FLOW_LINES = [1, 2, 3, 4, 5, 6, 7, 8, 16] as const;
