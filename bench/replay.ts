/**
 * `netpol diff --flows` replay throughput: recorded Hubble flows replayed against two revisions of a generated
 * repository (bench/repo/generate-repo.ts).
 *
 * The base revision is the generated repository of `--namespaces` namespaces; the head revision moves every
 * fifth `standard` namespace to the `internal` profile (no more egress to the world on 443, no ingress from the
 * external gateway), every fifth `isolated` one to `standard`, and drops every fourth postgres grant, so part of
 * the observed traffic changes verdict both ways.
 * The capture (`hubble observe -o json`, wrapped shape, about 1,100 bytes a line, with the identity labels Cilium adds) draws its lines from a fixed set of
 * `--replay-keys` distinct connections (source identity, destination, port, protocol), popular ones more often
 * (a squared uniform index), with fresh pod names, source ports, addresses and times on every line; 30 % of the
 * lines are replies and 3 % drops. For each size it times, each in its own process (peak RSS is the process's
 * own), best of `--repeat` runs on CPU time:
 *   - `replay`: `collectObservedTraffic` (read, convert, deduplicate) then `replayObserved` (both engines), what
 *     `netpol diff --flows` runs after loading the two revisions (loading is reported apart);
 *   - `bare`: a readline + `JSON.parse` loop over the same lines that tests `is_reply` (the parse-only anchor).
 * Growth: the exponent k of t ∝ N^k over the sizes (bench/exponent.ts).
 * Run: `npm run bench -- --only replay`, or `node dist/bench/replay.js --sizes 100000,1000000` after
 * `npm run build` (add `--cpu-prof` to node and `--child replay FILE` to profile one run).
 */
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DiffSide } from '../src/workflows/analysis/diff.js';
import { loadForAnalysis } from '../src/workflows/analysis/load.js';
import { collectObservedTraffic } from '../src/workflows/flows/observed-traffic.js';
import { replayObserved } from '../src/workflows/flows/replay.js';
import { arg, runBenchChild } from './child.js';
import { growthExponent } from './exponent.js';
import { suffix, WORLD, writeLines } from './flows/generate-flows.js';
import { APP_LABELS, appNamespaceName, generateRepo, prng, writeRepoDir } from './repo/generate-repo.js';

/** One endpoint of a generated connection. */
interface Side {
  /** Namespace, or empty for the world. */
  readonly namespace: string;
  /** Pod label `k=v`, or empty. */
  readonly label: string;
  readonly identity: number;
  /** World address, for a world destination. */
  readonly ip?: string;
  readonly name?: string;
  readonly statefulSet?: boolean;
}

/** One distinct connection the capture repeats. */
interface Connection {
  readonly source: Side;
  readonly destination: Side;
  readonly port: number;
  readonly udp: boolean;
}

const PLATFORM: readonly Side[] = [
  { namespace: 'kube-system', label: 'k8s-app=kube-dns', identity: 102 },
  { namespace: 'database', label: 'app.kubernetes.io/name=postgres', identity: 20411, statefulSet: true },
  { namespace: 'cache', label: 'app.kubernetes.io/name=dragonfly', identity: 20977, statefulSet: true },
  { namespace: 'garage', label: 'app.kubernetes.io/name=garage', identity: 21044, statefulSet: true },
  {
    namespace: 'istio-gateway',
    label: 'gateway.networking.k8s.io/gateway-name=external',
    identity: 9120,
  },
  {
    namespace: 'monitoring',
    label: 'app.kubernetes.io/name=prometheus',
    identity: 7001,
    statefulSet: true,
  },
];

function appSide(ns: number, app: number): Side {
  return {
    namespace: appNamespaceName(ns),
    label: `app=${APP_LABELS[app]}`,
    identity: 100_000 + ns * APP_LABELS.length + app,
  };
}

/**
 * `count` distinct connections of a generated repository of `namespaces` namespaces: web → api and cron → the
 * neighbour's api on 8080, pods to DNS (UDP 53), postgres, dragonfly and garage, to the world on 443 (one of 2,000
 * addresses), and the gateway and prometheus into pods.
 */
export function replayConnections(namespaces: number, count: number, seed = 3): Connection[] {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const seen = new Set<string>();
  const out: Connection[] = [];
  const platform = (name: string) => PLATFORM.find((p) => p.namespace === name) as Side;
  for (let attempts = 0; out.length < count && attempts < count * 50; attempts++) {
    const ns = int(namespaces);
    const app = int(APP_LABELS.length);
    const self = appSide(ns, app);
    const r = random();
    let c: Connection;
    if (r < 0.2) c = { source: appSide(ns, 0), destination: appSide(ns, 1), port: 8080, udp: false };
    else if (r < 0.3)
      c = {
        source: appSide(ns, 3),
        destination: appSide((ns + 1) % namespaces, 1),
        port: 8080,
        udp: false,
      };
    else if (r < 0.45) c = { source: self, destination: platform('kube-system'), port: 53, udp: true };
    else if (r < 0.55) c = { source: self, destination: platform('database'), port: 5432, udp: false };
    else if (r < 0.6) c = { source: self, destination: platform('cache'), port: 6379, udp: false };
    else if (r < 0.63) c = { source: self, destination: platform('garage'), port: 3900, udp: false };
    else if (r < 0.8) {
      const w = WORLD[int(WORLD.length)] as (typeof WORLD)[number];
      const ip = `${w.ip.split('.').slice(0, 3).join('.')}.${1 + int(250)}`;
      c = {
        source: self,
        destination: { namespace: '', label: '', identity: 16_777_217 + int(8), ip, name: w.name },
        port: 443,
        udp: false,
      };
    } else if (r < 0.9) c = { source: platform('istio-gateway'), destination: self, port: 8080, udp: false };
    else c = { source: platform('monitoring'), destination: self, port: 9090, udp: false };
    const key = `${c.source.identity}/${c.destination.identity}/${c.destination.ip ?? ''}/${c.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

function endpointJson(side: Side, random: () => number): string {
  if (side.namespace === '') return `{"identity":${side.identity},"labels":["reserved:world"]}`;
  const name = side.label.slice(side.label.indexOf('=') + 1);
  const pod = side.statefulSet
    ? `${name}-${Math.floor(random() * 3)}`
    : `${name}-${suffix(random, 9)}-${suffix(random, 5)}`;
  return (
    `{"ID":${100 + Math.floor(random() * 3900)},"identity":${side.identity},"namespace":"${side.namespace}",` +
    `"labels":["k8s:${side.label}","k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${side.namespace}",` +
    `"k8s:io.cilium.k8s.policy.cluster=default","k8s:io.cilium.k8s.policy.serviceaccount=${name}",` +
    `"k8s:io.kubernetes.pod.namespace=${side.namespace}"],"pod_name":"${pod}",` +
    `"workloads":[{"name":"${name}","kind":"${side.statefulSet ? 'StatefulSet' : 'Deployment'}"}]}`
  );
}

function podIp(random: () => number): string {
  return `10.42.${Math.floor(random() * 64)}.${1 + Math.floor(random() * 250)}`;
}

/** One capture line of `connection` (wrapped `{flow, node_name, time}` shape). */
function replayLine(c: Connection, random: () => number, index: number, startMs: number): string {
  const time = new Date(startMs + index * 3)
    .toISOString()
    .replace('Z', `${String(index % 1000).padStart(3, '0')}Z`);
  const reply = random() < 0.3;
  const drop = !reply && random() < 0.03;
  const srcPort = 32768 + Math.floor(random() * 28000);
  const node = `bench/node-${1 + Math.floor(random() * 12)}`;
  const [sp, dp] = reply ? [c.port, srcPort] : [srcPort, c.port];
  const l4 = c.udp
    ? `{"UDP":{"source_port":${sp},"destination_port":${dp}}}`
    : `{"TCP":{"source_port":${sp},"destination_port":${dp},"flags":{${reply ? '"SYN":true,"ACK":true' : '"SYN":true'}}}}`;
  const src = endpointJson(c.source, random);
  const dst = endpointJson(c.destination, random);
  const srcIp = podIp(random);
  const dstIp = c.destination.ip ?? podIp(random);
  const [a, b, ipA, ipB] = reply ? [dst, src, dstIp, srcIp] : [src, dst, srcIp, dstIp];
  const names = c.destination.name
    ? `"${reply ? 'source_names' : 'destination_names'}":["${c.destination.name}"],`
    : '';
  const verdict = drop ? `"verdict":"DROPPED","drop_reason":133` : `"verdict":"FORWARDED"`;
  const tail = drop ? `,"drop_reason_desc":"POLICY_DENIED"` : `,"is_reply":${reply}`;
  return (
    `{"flow":{"time":"${time}",${verdict},` +
    `"IP":{"source":"${ipA}","destination":"${ipB}","ipVersion":"IPv4"},"l4":${l4},` +
    `"source":${a},"destination":${b},"Type":"L3_L4","node_name":"${node}",${names}` +
    `"event_type":{"type":${drop ? 1 : 4},"sub_type":${drop ? 133 : reply ? 0 : 3}},` +
    `"traffic_direction":"${reply ? 'INGRESS' : 'EGRESS'}"${tail}},` +
    `"node_name":"${node}","time":"${time}"}\n`
  );
}

/**
 * Writes a replay capture of `lines` lines drawn from `connections` (see the module comment), streaming to `out`.
 * @returns the bytes written.
 */
export async function generateReplayFlows(options: {
  readonly connections: readonly Connection[];
  readonly lines: number;
  readonly out: string;
  readonly seed?: number;
}): Promise<number> {
  const random = prng(options.seed ?? 11);
  const startMs = Date.UTC(2024, 5, 3, 9, 0, 0);
  const list = options.connections;
  return writeLines(options.out, options.lines, (i) => {
    const r = random();
    return replayLine(list[Math.floor(r * r * list.length)] as Connection, random, i, startMs);
  });
}

/**
 * The head revision of the bench: every fifth `standard` namespace moved to `internal`, every fifth `isolated`
 * one to `standard`, every fourth postgres grant removed.
 * @param files - the base revision (generateRepo).
 */
export function headRevision(files: Readonly<Record<string, string>>): Record<string, string> {
  const out = { ...files };
  let standard = 0;
  let isolated = 0;
  let postgres = 0;
  out['namespaces.yaml'] = (files['namespaces.yaml'] ?? '')
    .replace(/network-policy\.bench\/profile: (standard|isolated)/g, (m, profile: string) =>
      profile === 'standard'
        ? standard++ % 5 === 0
          ? m.replace('standard', 'internal')
          : m
        : isolated++ % 5 === 0
          ? m.replace('isolated', 'standard')
          : m,
    )
    .replace(/\n {4}access\.network-policy\.bench\/postgres: "true"/g, (m) =>
      postgres++ % 4 === 0 ? '' : m,
    );
  return out;
}

interface ChildResult {
  /** CPU milliseconds (user + system) of the timed part. */
  readonly cpuMs: number;
  readonly ms: number;
  /** CPU milliseconds of reading, converting and deduplicating (replay only). */
  readonly collectCpuMs: number;
  /** CPU milliseconds of evaluating the distinct connections on both revisions (replay only). */
  readonly evaluateCpuMs: number;
  readonly lines: number;
  readonly connections: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  readonly loadMs: number;
  readonly maxRssMiB: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** Runs in a child process: one variant on one capture, printing a ChildResult as JSON. */
async function child(variant: string, file: string, base: string, head: string): Promise<void> {
  const empty = { collectCpuMs: 0, evaluateCpuMs: 0, connections: 0, newlyDenied: 0, newlyAllowed: 0 };
  if (variant === 'bare') {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let lines = 0;
    let requests = 0;
    for await (const line of createInterface({
      input: createReadStream(file),
      crlfDelay: Number.POSITIVE_INFINITY,
    })) {
      lines++;
      const value = JSON.parse(line) as { flow?: { is_reply?: boolean } };
      if (value.flow?.is_reply !== true) requests++;
    }
    print({
      ...empty,
      cpuMs: cpuMs(c0),
      ms: performance.now() - t0,
      lines,
      connections: requests,
      loadMs: 0,
    });
    return;
  }
  const t0 = performance.now();
  const side = async (root: string): Promise<DiffSide> => ({
    ...(await loadForAnalysis({ root })),
    revision: null,
    commit: null,
    exists: true,
  });
  const [b, h] = [await side(base), await side(head)];
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const traffic = await collectObservedTraffic({ input: { kind: 'file', path: file } });
  const collectCpuMs = cpuMs(c1);
  const c2 = process.cpuUsage();
  const report = replayObserved(traffic, b, h);
  const evaluateCpuMs = cpuMs(c2);
  print({
    cpuMs: cpuMs(c1),
    ms: performance.now() - t1,
    collectCpuMs,
    evaluateCpuMs,
    lines: traffic.stats.lines,
    connections: report.observed.connections,
    newlyDenied: report.newlyDenied.length,
    newlyAllowed: report.newlyAllowed.length,
    loadMs,
  });
}

function print(r: Omit<ChildResult, 'maxRssMiB'>): void {
  process.stdout.write(`${JSON.stringify({ ...r, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

function runChild(variant: string, file: string, base: string, head: string): ChildResult {
  return runBenchChild<ChildResult>(fileURLToPath(import.meta.url), ['--child', variant, file, base, head]);
}

/** One row of the replay benchmark. */
export interface ReplayBenchRow {
  readonly lines: number;
  readonly bytesPerLine: number;
  /** Distinct connections replayed (requests only). */
  readonly connections: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  /** Best run of each variant, CPU milliseconds. */
  readonly replayCpuMs: number;
  readonly collectCpuMs: number;
  readonly evaluateCpuMs: number;
  readonly bareCpuMs: number;
  readonly replayRssMiB: number;
  readonly bareRssMiB: number;
  /** Loading both revisions (wall, not in the rates). */
  readonly loadMs: number;
}

/**
 * Generates the two revisions and the captures, and measures both variants, alternating, best of `repeat`.
 * @param sizes - capture lines. Default: 10^5, 3·10^5 and 10^6.
 * @param namespaces - namespaces of the generated repository. Default: 1,000.
 * @param keys - distinct connections of the capture. Default: 20,000.
 * @param repeat - runs per variant. Default: 3.
 */
export async function measureReplay(
  sizes = [100_000, 300_000, 1_000_000],
  namespaces = 1_000,
  keys = 20_000,
  repeat = 3,
): Promise<ReplayBenchRow[]> {
  const files = generateRepo({ namespaces });
  const base = writeRepoDir(files, 'netpol-bench-replay-base-');
  const head = writeRepoDir(headRevision(files), 'netpol-bench-replay-head-');
  const connections = replayConnections(namespaces, keys);
  const rows: ReplayBenchRow[] = [];
  try {
    for (const lines of sizes) {
      const file = path.join(os.tmpdir(), `netpol-bench-replay-${namespaces}-${keys}-${lines}.jsonl`);
      const bytes = existsSync(file)
        ? statSync(file).size
        : await generateReplayFlows({ connections, lines, out: file });
      let replay: ChildResult | undefined;
      let bare: ChildResult | undefined;
      let replayRss = 0;
      let bareRss = 0;
      for (let i = 0; i < repeat; i++) {
        const r = runChild('replay', file, base, head);
        replayRss = Math.max(replayRss, r.maxRssMiB);
        if (!replay || r.cpuMs < replay.cpuMs) replay = r;
        const b = runChild('bare', file, base, head);
        bareRss = Math.max(bareRss, b.maxRssMiB);
        if (!bare || b.cpuMs < bare.cpuMs) bare = b;
      }
      if (!replay || !bare) throw new Error('no run');
      if (replay.newlyDenied === 0)
        throw new Error('the head revision denies nothing observed: generator broken');
      rows.push({
        lines,
        bytesPerLine: Math.round(bytes / lines),
        connections: replay.connections,
        newlyDenied: replay.newlyDenied,
        newlyAllowed: replay.newlyAllowed,
        replayCpuMs: replay.cpuMs,
        collectCpuMs: replay.collectCpuMs,
        evaluateCpuMs: replay.evaluateCpuMs,
        bareCpuMs: bare.cpuMs,
        replayRssMiB: replayRss,
        bareRssMiB: bareRss,
        loadMs: replay.loadMs,
      });
      process.stderr.write(`measured replay of ${lines} lines\n`);
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(head, { recursive: true, force: true });
  }
  return rows;
}

/** The report as Markdown: rates on CPU time, the ratio to the parse-only anchor, and the growth exponent. */
export function formatReplayBench(rows: readonly ReplayBenchRow[], namespaces: number, keys: number): string {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d });
  let out =
    `netpol diff --flows replay against two revisions of a generated repository of ${f(namespaces)} namespaces, ` +
    `captures drawn from ${f(keys)} distinct connections (node ${process.version}, ${os.cpus().length} cores)\n` +
    'CPU time, best of the runs; loading the two revisions is not in the rates.\n\n' +
    '| lines | B/line | connections | newly denied | newly allowed | replay CPU ms | of which read+dedupe | of which evaluate | replay lines/s | bare JSON.parse lines/s | replay ÷ JSON.parse | replay peak RSS MiB | JSON.parse peak RSS MiB |\n' +
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const rate = (r.lines / r.replayCpuMs) * 1000;
    const bare = (r.lines / r.bareCpuMs) * 1000;
    out += `| ${f(r.lines)} | ${r.bytesPerLine} | ${f(r.connections)} | ${f(r.newlyDenied)} | ${f(r.newlyAllowed)} | ${f(r.replayCpuMs)} | ${f(r.collectCpuMs)} | ${f(r.evaluateCpuMs)} | ${f(rate)} | ${f(bare)} | ${f(rate / bare, 2)} | ${f(r.replayRssMiB)} | ${f(r.bareRssMiB)} |\n`;
  }
  if (rows.length > 1) {
    const k = growthExponent(rows.map((r) => ({ n: r.lines, ms: r.replayCpuMs })));
    const kb = growthExponent(rows.map((r) => ({ n: r.lines, ms: r.bareCpuMs })));
    out += `\nGrowth over ${rows.map((r) => f(r.lines)).join(', ')} lines: replay t ∝ N^${f(k, 2)}, bare JSON.parse t ∝ N^${f(kb, 2)}.\n`;
  }
  if (rows[0]) out += `Loading both revisions (wall): ${f(rows[0].loadMs)} ms.\n`;
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const childAt = process.argv.indexOf('--child');
  if (childAt >= 0) {
    const [variant = '', file = '', base = '', head = ''] = process.argv.slice(childAt + 1);
    await child(variant, file, base, head);
  } else {
    const sizes = arg('sizes', '100000,300000,1000000').split(',').map(Number);
    const namespaces = Number(arg('namespaces', '1000'));
    const keys = Number(arg('keys', '20000'));
    const rows = await measureReplay(sizes, namespaces, keys, Number(arg('repeat', '3')));
    process.stdout.write(formatReplayBench(rows, namespaces, keys));
  }
}
