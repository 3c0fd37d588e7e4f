/**
 * `netpol watch` throughput and memory against a replaying Hubble Relay.
 *
 * A Relay stand-in runs in its own process (a grpc-js server on 127.0.0.1 speaking netpol's protos): each `GetFlows`
 * call receives N policy drops of examples/homelab traffic, written as fast as the stream's flow control allows.
 * Most of them replay a pool of 4,096 distinct flows from bench/drops.ts (a drop storm: a few hundred groups);
 * one in 64 is a flow never seen before (a pool flow to a new destination port, like a port scan), so the groups,
 * the label sets of `netpol_policy_drops_total` and the identity fast path keep meeting new keys and the caps
 * (`--max-groups` 10,000, `--max-label-sets` 1,000) are what keeps memory flat. Two clients read that same
 * stream, each in its own process so RSS is its own:
 *   - a bare gRPC read loop (grpc-js client, count the responses: the practical limit of the stream),
 *   - `netpol watch` (`startWatch` on examples/homelab: conversion, grouping, metrics), timed until its
 *     `netpol_flows_seen_total` reaches N.
 * Both report, after a full GC, RSS and the V8 heap in use at N/10 and at N (10^6 and 10^7 by default): the heap is
 * what the process keeps, RSS adds V8's young generation (up to 32 MiB of semi-spaces, grown and shrunk with the
 * allocation rate), code and grpc-js's buffers. Flags: `--flows 10000000` (comma-separated sizes).
 * Run: `npx tsx bench/watch.ts` or `node --expose-gc dist/bench/watch.js`.
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

/** One flow in this many is new (a pool flow to a port not seen before). */
const SPREAD = 64;

/** The `k`-th new flow: pool flow `k mod 4096` to destination port `1 + k mod 65535` (TCP and UDP flows). */
function spreadMessage(pool: readonly HubbleFlow[], k: number): Record<string, unknown> {
  const flow = pool[k % pool.length] as HubbleFlow;
  const port = 1 + (k % 65_535);
  const l4 = flow.l4;
  if (l4?.TCP) return toMessage({ ...flow, l4: { TCP: { ...l4.TCP, destination_port: port } } });
  if (l4?.UDP) return toMessage({ ...flow, l4: { UDP: { ...l4.UDP, destination_port: port } } });
  return toMessage(flow);
}

/** The Relay stand-in: prints its port, then answers each GetFlows call with `n` drops and keeps it open. */
async function relay(n: number): Promise<void> {
  const random = prng(11);
  const start = Date.UTC(2024, 5, 3, 9, 0, 0);
  const pool: HubbleFlow[] = [];
  for (let i = 0; i < POOL; i++) {
    const parsed = parseFlowLine(flowLine(random, i, true, start).trimEnd(), i + 1);
    if (parsed.kind === 'flow') pool.push(parsed.flow);
  }
  // Pool messages are serialised once (the new ones, 1 in 64, as they are sent): the stream then costs the Relay
  // little more than its writes, so both clients meet the same, fast producer.
  const service = loadHubbleProto().observer.Observer.service;
  const getFlows = service.GetFlows as grpc.MethodDefinition<unknown, unknown>;
  const bytes = pool.map((f) => getFlows.responseSerialize(toMessage(f)));
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
            const message =
              i % SPREAD === SPREAD - 1
                ? getFlows.responseSerialize(spreadMessage(pool, Math.floor(i / SPREAD)))
                : bytes[i % bytes.length];
            if (!call.write(message)) await once(call, 'drain');
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

/** RSS and V8 heap in use after a full GC, in MiB. */
interface Memory {
  readonly rssMiB: number;
  readonly heapMiB: number;
}

function memoryAfterGc(): Memory {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}

interface ClientResult {
  readonly flows: number;
  readonly ms: number;
  /** Memory after N/10 flows and after N. */
  readonly tenth: Memory;
  readonly end: Memory;
  /** What the watcher tracked at the end (0 for the bare loop). */
  readonly groups: number;
  readonly labelSets: number;
  /** Drops of groups beyond `--max-groups`, and of label sets beyond `--max-label-sets`. */
  readonly groupOverflow: number;
  readonly labelSetOverflow: number;
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
  let tenth: Memory = { rssMiB: 0, heapMiB: 0 };
  try {
    for await (const _ of call) {
      flows++;
      if (flows === Math.floor(n / 10)) tenth = memoryAfterGc();
      if (flows >= n) break;
    }
  } catch {
    // the cancel at the end
  }
  const ms = performance.now() - t0;
  call.cancel();
  client.close();
  return {
    flows,
    ms,
    tenth,
    end: memoryAfterGc(),
    groups: 0,
    labelSets: 0,
    groupOverflow: 0,
    labelSetOverflow: 0,
  };
}

/** The value of an unlabelled sample of a Prometheus text exposition (0 when absent). */
function sampleOf(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
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
  let tenth: Memory | undefined;
  while (handle.metrics.flowsSeen < n) {
    if (tenth === undefined && handle.metrics.flowsSeen >= n / 10) tenth = memoryAfterGc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ms = performance.now() - t0;
  const end = memoryAfterGc();
  const metrics = await (await fetch(`http://127.0.0.1:${handle.port}/metrics`)).text();
  await handle.stop();
  return {
    flows: handle.metrics.flowsSeen,
    ms,
    tenth: tenth ?? end,
    end,
    groups: sampleOf(metrics, 'netpol_policy_drop_groups'),
    labelSets: handle.metrics.labelSetCount,
    groupOverflow: sampleOf(metrics, 'netpol_policy_drop_groups_overflow_total'),
    labelSetOverflow: sampleOf(metrics, 'netpol_policy_drops_overflow_total'),
  };
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
 * @param sizes - flows per run, e.g. `[10_000_000]` (memory is sampled at a tenth of each and at its end).
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

/** The Markdown tables of {@link measureWatch}: speed, then memory at N/10 and N with the growth between them. */
export function formatWatchBench(rows: readonly WatchBenchRow[]): string {
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  const m = (x: number) => x.toFixed(1);
  const d = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  let out =
    '| flows | bare gRPC loop flows/s | netpol watch flows/s | watch ÷ bare | groups (cap 10,000) | label sets (cap 1,000) | drops beyond the group cap | drops beyond the label-set cap |\n';
  out += '|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const bareRate = (r.bare.flows / r.bare.ms) * 1000;
    const watchRate = (r.watch.flows / r.watch.ms) * 1000;
    out += `| ${f(r.flows)} | ${f(bareRate)} | ${f(watchRate)} | ${(watchRate / bareRate).toFixed(2)} | ${f(r.watch.groups)} | ${f(r.watch.labelSets)} | ${f(r.watch.groupOverflow)} | ${f(r.watch.labelSetOverflow)} |\n`;
  }
  out +=
    '\n| after flows | watch RSS MiB | watch heap MiB | bare loop RSS MiB | bare loop heap MiB |\n|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const tenth = Math.floor(r.flows / 10);
    out += `| ${f(tenth)} | ${m(r.watch.tenth.rssMiB)} | ${m(r.watch.tenth.heapMiB)} | ${m(r.bare.tenth.rssMiB)} | ${m(r.bare.tenth.heapMiB)} |\n`;
    out += `| ${f(r.flows)} | ${m(r.watch.end.rssMiB)} | ${m(r.watch.end.heapMiB)} | ${m(r.bare.end.rssMiB)} | ${m(r.bare.end.heapMiB)} |\n`;
    out += `| growth | ${d(r.watch.end.rssMiB - r.watch.tenth.rssMiB)} | ${d(r.watch.end.heapMiB - r.watch.tenth.heapMiB)} | ${d(r.bare.end.rssMiB - r.bare.tenth.rssMiB)} | ${d(r.bare.end.heapMiB - r.bare.tenth.heapMiB)} |\n`;
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
    const rows = await measureWatch(arg('flows', '10000000').split(',').map(Number));
    process.stdout.write(formatWatchBench(rows));
  }
}
