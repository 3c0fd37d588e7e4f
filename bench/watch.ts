/**
 * `netpol watch` throughput and memory against a replaying Hubble Relay.
 *
 * A Relay stand-in runs in its own process (a grpc-js server on 127.0.0.1 speaking netpol's protos): each `GetFlows`
 * call receives N policy drops of examples/homelab traffic (a pool of 4,096 distinct flows from bench/drops.ts,
 * replayed in turn), written as fast as the stream's flow control allows. Two clients read that same stream, each in
 * its own process so RSS is its own:
 *   - a bare gRPC read loop (grpc-js client, count the responses: the practical limit of the stream),
 *   - `netpol watch` (`startWatch` on examples/homelab: conversion, grouping, metrics), timed until its
 *     `netpol_flows_seen_total` reaches N, with RSS after a GC at N/10 and at N (flat = bounded groups and label sets).
 * Flags: `--flows 1000000` (comma-separated sizes). Run: `npx tsx bench/watch.ts` or `node dist/bench/watch.js`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { parseFlowLine } from '../src/hubble/parse-flow.js';
import { loadHubbleProto } from '../src/hubble/relay-client.js';
import type { HubbleFlow } from '../src/hubble/types.js';
import { startWatch } from '../src/workflows/watch/watch.js';
import { arg, runBenchChild } from './child.js';
import { flowLine } from './drops.js';
import { prng } from './repo/generate-repo.js';

const POOL = 4096;

/** examples/homelab, from bench/ (tsx) or dist/bench/ (compiled). */
function homelabRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, isCompiled() ? '../..' : '..', 'examples', 'homelab');
}

function timestamp(time: string): { seconds: string; nanos: number } {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(time);
  const seconds = Math.floor(Date.parse(`${m?.[1] ?? time}Z`) / 1000);
  return { seconds: String(seconds), nanos: Number((m?.[2] ?? '').padEnd(9, '0')) };
}

/** A normalised flow as the message object grpc-js serialises. */
function toMessage(flow: HubbleFlow): Record<string, unknown> {
  const { time, is_reply, ...rest } = flow;
  return {
    flow: {
      ...rest,
      ...(time !== undefined && { time: timestamp(time) }),
      ...(is_reply !== undefined && { is_reply: { value: is_reply } }),
    },
    node_name: flow.node_name ?? 'homelab/node-1',
  };
}

/** The Relay stand-in: prints its port, then answers each GetFlows call with `n` drops and keeps it open. */
async function relay(n: number): Promise<void> {
  const random = prng(11);
  const start = Date.UTC(2024, 5, 3, 9, 0, 0);
  const pool: Record<string, unknown>[] = [];
  for (let i = 0; i < POOL; i++) {
    const parsed = parseFlowLine(flowLine(random, i, true, start).trimEnd(), i + 1);
    if (parsed.kind === 'flow') pool.push(toMessage(parsed.flow));
  }
  // Messages are serialised once: the stream then costs the Relay only its writes, so both clients meet the
  // same, fast producer.
  const service = loadHubbleProto().observer.Observer.service;
  const getFlows = service.GetFlows as grpc.MethodDefinition<unknown, unknown>;
  const bytes = pool.map((m) => getFlows.responseSerialize(m));
  const server = new grpc.Server();
  server.addService(
    { GetFlows: { ...getFlows, responseSerialize: (b: unknown) => b as Buffer } },
    {
      GetFlows: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        let cancelled = false;
        call.on('cancelled', () => {
          cancelled = true;
        });
        void (async () => {
          for (let i = 0; i < n && !cancelled; i++) {
            if (!call.write(bytes[i % bytes.length])) await once(call, 'drain');
          }
        })();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  process.stdout.write(`${port}\n`);
}

function gcRssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

interface ClientResult {
  readonly flows: number;
  readonly ms: number;
  readonly rssTenthMiB: number;
  readonly rssMiB: number;
  readonly groups: number;
}

/** The bare loop: count GetFlows responses until `n`. */
async function bare(n: number, port: number): Promise<ClientResult> {
  const Client = loadHubbleProto().observer.Observer;
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
    GetFlows(request: object): grpc.ClientReadableStream<unknown>;
    close(): void;
  };
  const t0 = performance.now();
  const call = client.GetFlows({ follow: true, whitelist: [{ verdict: ['DROPPED'] }] });
  let flows = 0;
  let rssTenthMiB = 0;
  try {
    for await (const _ of call) {
      flows++;
      if (flows === Math.floor(n / 10)) rssTenthMiB = gcRssMiB();
      if (flows >= n) break;
    }
  } catch {
    // the cancel at the end
  }
  const ms = performance.now() - t0;
  call.cancel();
  client.close();
  return { flows, ms, rssTenthMiB, rssMiB: gcRssMiB(), groups: 0 };
}

/** `netpol watch` on the same stream, until it has seen `n` flows. */
async function watch(n: number, port: number): Promise<ClientResult> {
  const handle = await startWatch({
    root: homelabRoot(),
    relay: { server: `127.0.0.1:${port}` },
    listen: { host: '127.0.0.1', port: 0 },
    processMetrics: false,
    log: () => undefined,
  });
  const t0 = performance.now();
  let rssTenthMiB = 0;
  while (handle.metrics.flowsSeen < n) {
    if (rssTenthMiB === 0 && handle.metrics.flowsSeen >= n / 10) rssTenthMiB = gcRssMiB();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ms = performance.now() - t0;
  const drops = (await (await fetch(`http://127.0.0.1:${handle.port}/drops`)).json()) as {
    groups: unknown[];
  };
  const rssMiB = gcRssMiB();
  await handle.stop();
  return { flows: handle.metrics.flowsSeen, ms, rssTenthMiB, rssMiB, groups: drops.groups.length };
}

function isCompiled(): boolean {
  return fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`);
}

async function startRelay(n: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', 'relay', String(n)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  return { child, port: Number(line) };
}

function runClient(variant: 'bare' | 'watch', n: number, port: number): ClientResult {
  return runBenchChild<ClientResult>(
    fileURLToPath(import.meta.url),
    ['--child', variant, String(n), String(port)],
    ['--expose-gc', ...process.execArgv.filter((a) => a !== '--expose-gc')],
  );
}

/** One row of the watch benchmark. */
export interface WatchBenchRow {
  readonly flows: number;
  readonly bare: ClientResult;
  readonly watch: ClientResult;
}

/**
 * Measures the bare read loop and `netpol watch` on the same replayed stream, for each size (a fresh Relay each).
 * @param sizes - flows per run, e.g. `[1_000_000]`.
 */
export async function measureWatch(sizes: readonly number[]): Promise<WatchBenchRow[]> {
  if (!isCompiled()) process.stderr.write('(running from source: numbers include tsx; use npm run bench)\n');
  const rows: WatchBenchRow[] = [];
  for (const n of sizes) {
    const measure = async (variant: 'bare' | 'watch'): Promise<ClientResult> => {
      const relayProcess = await startRelay(n);
      try {
        return runClient(variant, n, relayProcess.port);
      } finally {
        relayProcess.child.kill();
      }
    };
    const bareResult = await measure('bare');
    const watchResult = await measure('watch');
    rows.push({ flows: n, bare: bareResult, watch: watchResult });
  }
  return rows;
}

/** The Markdown table of {@link measureWatch}. */
export function formatWatchBench(rows: readonly WatchBenchRow[]): string {
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  let out =
    '| flows | bare gRPC loop flows/s | netpol watch flows/s | watch ÷ bare | watch RSS MiB at N/10 | watch RSS MiB at N | bare RSS MiB at N | groups |\n';
  out += '|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const bareRate = (r.bare.flows / r.bare.ms) * 1000;
    const watchRate = (r.watch.flows / r.watch.ms) * 1000;
    out += `| ${f(r.flows)} | ${f(bareRate)} | ${f(watchRate)} | ${(watchRate / bareRate).toFixed(2)} | ${r.watch.rssTenthMiB.toFixed(0)} | ${r.watch.rssMiB.toFixed(0)} | ${r.bare.rssMiB.toFixed(0)} | ${f(r.watch.groups)} |\n`;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const childAt = process.argv.indexOf('--child');
  if (childAt >= 0) {
    const [variant, n, port] = process.argv.slice(childAt + 1);
    if (variant === 'relay') await relay(Number(n));
    else {
      const result =
        variant === 'bare' ? await bare(Number(n), Number(port)) : await watch(Number(n), Number(port));
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    }
  } else {
    const rows = await measureWatch(arg('flows', '1000000').split(',').map(Number));
    process.stdout.write(formatWatchBench(rows));
  }
}
