import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { prng } from '../repo/generate-repo.js';

/** Options of {@link generateFlows}. */
export interface GenerateFlowsOptions {
  /** Number of lines to write. */
  readonly lines: number;
  /** Share of lines that are policy drops (0-1). Default: `0.05`. */
  readonly dropRatio?: number;
  /** Output file path (overwritten). */
  readonly out: string;
  /** PRNG seed; the same seed gives the same file. Default: `1`. */
  readonly seed?: number;
}

/** What {@link generateFlows} wrote. */
export interface GenerateFlowsResult {
  readonly lines: number;
  /** Lines that are policy drops (`POLICY_DENIED` or `POLICY_DENY`). */
  readonly drops: number;
  readonly bytes: number;
}

interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  readonly ports: readonly number[];
  readonly identity: number;
}

const WORKLOADS: readonly Workload[] = [
  { namespace: 'shop', name: 'checkout', kind: 'Deployment', ports: [8080], identity: 48123 },
  { namespace: 'shop', name: 'frontend', kind: 'Deployment', ports: [8080, 8443], identity: 51002 },
  { namespace: 'shop', name: 'cart', kind: 'Deployment', ports: [7070], identity: 51007 },
  { namespace: 'db', name: 'postgres', kind: 'StatefulSet', ports: [5432], identity: 20411 },
  { namespace: 'cache', name: 'dragonfly', kind: 'StatefulSet', ports: [6379], identity: 20977 },
  { namespace: 'payments', name: 'api', kind: 'Deployment', ports: [8443], identity: 33001 },
  { namespace: 'search', name: 'opensearch', kind: 'StatefulSet', ports: [9200], identity: 40120 },
  { namespace: 'auth', name: 'keycloak', kind: 'Deployment', ports: [8080], identity: 40777 },
  { namespace: 'monitoring', name: 'prometheus', kind: 'StatefulSet', ports: [9090], identity: 7001 },
  { namespace: 'monitoring', name: 'node-exporter', kind: 'DaemonSet', ports: [9100], identity: 7002 },
  { namespace: 'kube-system', name: 'coredns', kind: 'Deployment', ports: [53], identity: 102 },
  { namespace: 'ingress-nginx', name: 'controller', kind: 'Deployment', ports: [443], identity: 9120 },
];

/** Internet peers the generated flows reach (address and DNS name). */
export const WORLD = [
  { ip: '52.94.236.248', name: 'api.stripe.com' },
  { ip: '140.82.121.4', name: 'github.com' },
  { ip: '151.101.1.69', name: 'registry.npmjs.org' },
];

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** One item of `items`, chosen by `random` (uniform in [0, 1)). */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A pod-name suffix of `length` characters from Kubernetes' safe alphabet. */
export function suffix(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += SAFE[Math.floor(random() * SAFE.length)];
  return s;
}

function endpoint(w: Workload, random: () => number, source: boolean): string {
  const pod =
    w.kind === 'StatefulSet'
      ? `${w.name}-${Math.floor(random() * 3)}`
      : `${w.name}-${suffix(random, 9)}-${suffix(random, 5)}`;
  const app = w.kind === 'StatefulSet' ? `app.kubernetes.io/name=${w.name}` : `app=${w.name}`;
  return source
    ? `{"ID":${100 + Math.floor(random() * 3900)},"identity":${w.identity},"namespace":"${w.namespace}",` +
        `"labels":["k8s:${app}","k8s:io.kubernetes.pod.namespace=${w.namespace}"],"pod_name":"${pod}",` +
        `"workloads":[{"name":"${w.name}","kind":"${w.kind}"}]}`
    : `{"identity":${w.identity},"namespace":"${w.namespace}",` +
        `"labels":["k8s:${app}","k8s:io.kubernetes.pod.namespace=${w.namespace}"],"pod_name":"${pod}"}`;
}

function ip(random: () => number): string {
  return `10.244.${Math.floor(random() * 8)}.${1 + Math.floor(random() * 250)}`;
}

/** One `hubble observe -o json` line (the wrapped `GetFlowsResponse` shape), about 850 bytes. */
function flowLine(random: () => number, index: number, drop: boolean, startMs: number): string {
  const time = new Date(startMs + index * 3)
    .toISOString()
    .replace('Z', `${String(index % 1000).padStart(3, '0')}Z`);
  const src = pick(random, WORKLOADS);
  const toWorld = random() < 0.1;
  const dst = toWorld ? undefined : pick(random, WORKLOADS);
  const world = pick(random, WORLD);
  const dstPort = dst ? pick(random, dst.ports) : 443;
  const udp = dstPort === 53;
  const reply = !drop && random() < 0.3;
  const srcPort = 32768 + Math.floor(random() * 28000);
  const node = `kind/kind-worker${1 + Math.floor(random() * 3)}`;
  const l4 = udp
    ? `{"UDP":{"source_port":${reply ? dstPort : srcPort},"destination_port":${reply ? srcPort : dstPort}}}`
    : `{"TCP":{"source_port":${reply ? dstPort : srcPort},"destination_port":${reply ? srcPort : dstPort},"flags":{${reply ? '"SYN":true,"ACK":true' : '"SYN":true'}}}}`;
  const srcJson = endpoint(src, random, true);
  const dstJson = dst ? endpoint(dst, random, false) : '{"identity":2,"labels":["reserved:world"]}';
  const [a, b] = reply ? [dstJson, srcJson] : [srcJson, dstJson];
  const [ipA, ipB] = reply
    ? [dst ? ip(random) : world.ip, ip(random)]
    : [ip(random), dst ? ip(random) : world.ip];
  const explicitDeny = drop && random() < 0.2;
  const reason = explicitDeny ? 181 : 133;
  const verdict = drop
    ? `"verdict":"DROPPED","drop_reason":${reason}`
    : `"verdict":"${random() < 0.02 ? 'AUDIT' : 'FORWARDED'}"`;
  const event = drop
    ? `"event_type":{"type":1,"sub_type":${reason}}`
    : `"event_type":{"type":4,"sub_type":${reply ? 0 : 3}}`;
  const tail = drop
    ? `,"drop_reason_desc":"${explicitDeny ? 'POLICY_DENY' : 'POLICY_DENIED'}"${explicitDeny ? `,"egress_denied_by":[{"name":"deny-${src.namespace}","namespace":"${src.namespace}","kind":"CiliumNetworkPolicy","revision":"4"}]` : ''}`
    : `,"is_reply":${reply}`;
  return (
    `{"flow":{"time":"${time}",${verdict},` +
    `"IP":{"source":"${ipA}","destination":"${ipB}","ipVersion":"IPv4"},"l4":${l4},` +
    `"source":${a},"destination":${b},"Type":"L3_L4","node_name":"${node}",` +
    `${toWorld && !reply ? `"destination_names":["${world.name}"],` : ''}${event},` +
    `"traffic_direction":"${reply ? 'INGRESS' : 'EGRESS'}"${tail},"Summary":"${udp ? 'UDP' : reply ? 'TCP Flags: SYN, ACK' : 'TCP Flags: SYN'}"},` +
    `"node_name":"${node}","time":"${time}"}\n`
  );
}

/**
 * Writes `lines` realistic `hubble observe -o json` lines (wrapped shape, ~850 bytes each, a dozen workloads in ten
 * namespaces, 10 % world destinations, replies, a few AUDIT verdicts) of which about `dropRatio` are policy drops
 * (80 % `POLICY_DENIED`, 20 % `POLICY_DENY` with `egress_denied_by`). Streams to `out` in batches, honouring
 * back-pressure; never builds the whole file in memory.
 *
 * @param options - line count, drop ratio, output path and seed.
 * @returns the counts written.
 */
export async function generateFlows(options: GenerateFlowsOptions): Promise<GenerateFlowsResult> {
  const random = prng(options.seed ?? 1);
  const dropRatio = options.dropRatio ?? 0.05;
  const startMs = Date.UTC(2024, 4, 1, 12, 0, 0);
  let drops = 0;
  const bytes = await writeLines(options.out, options.lines, (i) => {
    const drop = dropRatio >= 1 || random() < dropRatio;
    if (drop) drops++;
    return flowLine(random, i, drop, startMs);
  });
  return { lines: options.lines, drops, bytes };
}

/**
 * Streams `count` generated lines into the file `out` (overwritten) in 256 KiB writes, honouring back-pressure;
 * never builds the whole file in memory.
 * @param line - the i-th line (0-based), ending in `\n`.
 * @returns the bytes written (UTF-8).
 */
export async function writeLines(out: string, count: number, line: (i: number) => string): Promise<number> {
  const stream = createWriteStream(out);
  let bytes = 0;
  let batch = '';
  for (let i = 0; i < count; i++) {
    const text = line(i);
    bytes += Buffer.byteLength(text);
    batch += text;
    if (batch.length >= 256 * 1024) {
      if (!stream.write(batch)) await once(stream, 'drain');
      batch = '';
    }
  }
  stream.end(batch);
  await once(stream, 'finish');
  return bytes;
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const out = flag(argv, '--out');
  if (!out) {
    console.error(
      'usage: generate-flows.ts --lines 100000 --drop-ratio 0.05 --out /tmp/flows.jsonl [--seed 1]',
    );
    process.exitCode = 2;
  } else {
    const result = await generateFlows({
      lines: Number(flag(argv, '--lines') ?? 100_000),
      dropRatio: Number(flag(argv, '--drop-ratio') ?? 0.05),
      out,
      seed: Number(flag(argv, '--seed') ?? 1),
    });
    console.log(
      `${out}: ${result.lines} lines, ${result.drops} policy drops, ${result.bytes} bytes (${Math.round(result.bytes / result.lines)} B/line)`,
    );
  }
}
