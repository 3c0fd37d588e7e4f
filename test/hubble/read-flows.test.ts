import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetpolError } from '../../src/errors.js';
import { buildFlowFilter } from '../../src/hubble/filter.js';
import { mightBePolicyDrop } from '../../src/hubble/parse-flow.js';
import { type FlowEvent, type FlowStats, readFlowFile, readFlows } from '../../src/hubble/read-flows.js';
import { flowFixture } from './helpers/fixtures.js';

async function collect(iterable: AsyncIterable<FlowEvent>): Promise<FlowEvent[]> {
  const events: FlowEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

function statsOf(events: readonly FlowEvent[]): FlowStats {
  const last = events.at(-1);
  if (last?.kind !== 'stats') throw new Error('no stats event at the end');
  return last.stats;
}

const flowLines = (events: readonly FlowEvent[]) =>
  events.flatMap((e) => (e.kind === 'flow' ? [e.line] : []));
const diagnosticLines = (events: readonly FlowEvent[]) =>
  events.flatMap((e) => (e.kind === 'diagnostic' ? [e.diagnostic.source?.line] : []));

async function* chunksOf(parts: readonly (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

describe('readFlows', () => {
  it('streams flows, non-flow events and diagnostics with line numbers, then stats', async () => {
    const events = await collect(readFlowFile(flowFixture('mixed.jsonl'), { file: 'mixed.jsonl' }));
    expect(flowLines(events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 16]);
    expect(events.filter((e) => e.kind === 'other')).toMatchObject([
      { what: 'node_status', line: 9 },
      { what: 'lost_events', line: 10, event: { numEventsLost: 42 } },
    ]);
    expect(diagnosticLines(events)).toEqual([12, 13, 14, 15]);
    expect(events.filter((e) => e.kind === 'diagnostic')).toMatchObject(
      [12, 13, 14, 15].map((line) => ({
        diagnostic: { code: 'FLOW_UNPARSABLE', source: { file: 'mixed.jsonl', line, column: 1 } },
      })),
    );
    expect(statsOf(events)).toEqual({
      lines: 16,
      blankLines: 1,
      flows: 9,
      matched: 9,
      filteredOut: 0,
      prefiltered: 0,
      nonFlowLines: 2,
      unparsable: 4,
      lostEvents: 42,
    });
  });

  it('reads CRLF files with a BOM and a truncated last line', async () => {
    const events = await collect(readFlowFile(flowFixture('crlf.jsonl')));
    expect(flowLines(events)).toEqual([1, 3]);
    expect(diagnosticLines(events)).toEqual([4]);
    expect(statsOf(events)).toMatchObject({ lines: 4, blankLines: 1, flows: 2, unparsable: 1 });
  });

  it('gives the same events however the bytes are chunked (even inside a UTF-8 character)', async () => {
    const text = `${readFileSync(flowFixture('mixed.jsonl'), 'utf8')}{"flow":{"verdict":"DROPPED","source":{"namespace":"café-☕"}}}\n`;
    const bytes = Buffer.from(text, 'utf8');
    const whole = await collect(readFlows(chunksOf([bytes]), { file: 'x' }));
    expect(whole.at(-2)).toMatchObject({ kind: 'flow', flow: { source: { namespace: 'café-☕' } } });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
        async (cuts) => {
          const sorted = [...cuts].sort((a, b) => a - b);
          const parts: Uint8Array[] = [];
          let from = 0;
          for (const cut of [...sorted, bytes.length]) {
            parts.push(bytes.subarray(from, cut));
            from = cut;
          }
          expect(await collect(readFlows(chunksOf(parts), { file: 'x' }))).toEqual(whole);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts a Node readable stream and string chunks', async () => {
    const text = readFileSync(flowFixture('legacy-bare.jsonl'), 'utf8');
    const fromStream = await collect(
      readFlows(Readable.from([text.slice(0, 100), text.slice(100)]), { file: 's' }),
    );
    expect(flowLines(fromStream)).toEqual([1, 2]);
  });

  it('applies the pre-filter only to complete lines, so truncated and malformed lines are still reported', async () => {
    const events = await collect(
      readFlowFile(flowFixture('mixed.jsonl'), { file: 'mixed.jsonl', prefilter: mightBePolicyDrop }),
    );
    expect(flowLines(events)).toEqual([1, 2, 5, 6, 7]);
    expect(diagnosticLines(events)).toEqual([12, 13, 15]);
    expect(events.filter((e) => e.kind === 'other').map((e) => (e.kind === 'other' ? e.line : 0))).toEqual([
      9, 10,
    ]);
    const stats = statsOf(events);
    expect(stats).toMatchObject({ prefiltered: 5, flows: 5, unparsable: 3, nonFlowLines: 2, lostEvents: 42 });
    // Every line is accounted for in the summary.
    expect(stats.blankLines + stats.flows + stats.nonFlowLines + stats.unparsable + stats.prefiltered).toBe(
      stats.lines,
    );
  });

  it('applies a filter built from hubble flags', async () => {
    const events = await collect(
      readFlowFile(flowFixture('mixed.jsonl'), { filter: buildFlowFilter({ namespace: 'payments' }) }),
    );
    expect(flowLines(events)).toEqual([2]);
    expect(statsOf(events)).toMatchObject({ flows: 9, matched: 1, filteredOut: 8 });
  });

  it('keeps only the last N matching flows with --last, yielded after the stream ends', async () => {
    const events = await collect(
      readFlowFile(flowFixture('mixed.jsonl'), { filter: buildFlowFilter({ verdict: 'DROPPED', last: 2 }) }),
    );
    expect(flowLines(events)).toEqual([6, 7]);
    expect(events.findIndex((e) => e.kind === 'flow')).toBeGreaterThan(
      events.findLastIndex((e) => e.kind === 'diagnostic'),
    );
    expect(statsOf(events)).toMatchObject({ matched: 2, filteredOut: 7 });
  });

  it('is lazy: it reads no further ahead than the consumer needs (bounded memory on huge inputs)', async () => {
    let produced = 0;
    const line = `${readFileSync(flowFixture('mixed.jsonl'), 'utf8').split('\n')[0]}\n`;
    async function* million(): AsyncGenerator<string> {
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        yield line;
      }
    }
    let seen = 0;
    for await (const event of readFlows(million(), { file: 'huge' })) {
      if (event.kind === 'flow') seen++;
      if (seen === 10) break;
    }
    expect(seen).toBe(10);
    expect(produced).toBeLessThanOrEqual(11);
  });

  it('skips an over-long line with a diagnostic and goes on', async () => {
    const long = `{"flow":{"Summary":"${'x'.repeat(500)}"}}`;
    const events = await collect(
      readFlows(chunksOf([`${long.slice(0, 200)}`, `${long.slice(200)}\n{"verdict":"FORWARDED"}\n`]), {
        file: 'long',
        maxLineLength: 100,
      }),
    );
    expect(events[0]).toMatchObject({
      kind: 'diagnostic',
      diagnostic: {
        code: 'FLOW_UNPARSABLE',
        source: { line: 1 },
        message: 'Line is longer than 100 characters and was skipped.',
      },
    });
    expect(events[1]).toMatchObject({ kind: 'flow', line: 2, flow: { verdict: 'FORWARDED' } });
  });

  it('reads a last line without a newline', async () => {
    const events = await collect(
      readFlows(chunksOf(['{"verdict":"DROPPED"}\n{"verdict":"AUDIT"}']), { file: 'x' }),
    );
    expect(events.filter((e) => e.kind === 'flow')).toMatchObject([
      { line: 1, flow: { verdict: 'DROPPED' } },
      { line: 2, flow: { verdict: 'AUDIT' } },
    ]);
  });

  it('throws NETPOL_INPUT_UNREADABLE when the input itself fails, not for bad lines', async () => {
    await expect(collect(readFlowFile('/nonexistent/flows.jsonl'))).rejects.toMatchObject({
      name: 'NetpolError',
      code: 'NETPOL_INPUT_UNREADABLE',
    });
    async function* failing(): AsyncGenerator<string> {
      yield '{"verdict":"DROPPED"}\n';
      throw new Error('EIO: i/o error');
    }
    const error = await collect(readFlows(failing(), { file: 'dev' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetpolError);
    expect(error).toMatchObject({
      code: 'NETPOL_INPUT_UNREADABLE',
      message: 'Cannot read flows from "dev": EIO: i/o error.',
    });
  });
});
