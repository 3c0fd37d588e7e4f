import type { L7Request } from '../../engine/l7.js';
import { formatPeer, parsePeer, parsePort, parseProtocol } from '../../engine/peer-spec.js';
import type { ClosestRules, Flow, FlowProtocol, Peer, Verdict } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import { NetpolError, STDIN_FILE } from '../../errors.js';
import { notTextReason } from '../../repo/documents.js';

/** A trace request in the CLI's words. */
export interface TraceRequest {
  /** Source peer in trace syntax (`NS`, `NS/k=v`, `world:IP`, `host` …). */
  readonly source: string;
  /** Destination peer in trace syntax. */
  readonly destination: string;
  /** Destination port (ICMP type for ICMP). */
  readonly port: string | number;
  /** Protocol name. Default: `TCP`. */
  readonly protocol?: string;
  /** An HTTP request to evaluate against L7 rules (`--http METHOD PATH`). Default: none (L4 only). */
  readonly http?: {
    readonly method: string;
    readonly path: string;
    /** `--http-host`. */
    readonly host?: string;
    /** `--http-header K:V`, as given. */
    readonly headers?: readonly string[];
  };
  /** A DNS query name to evaluate against DNS rules (`--dns NAME`). Default: none. */
  readonly dns?: string;
}

/** The answer to one trace: the flow as understood, the engine's verdict and warnings about the input. */
export interface TraceResult {
  readonly source: string;
  readonly destination: string;
  readonly port: number;
  readonly protocol: FlowProtocol;
  readonly flow: Flow;
  /** The engine's verdict; its `caveats` carry warnings such as a namespace the repository does not define. */
  readonly verdict: Verdict;
  /**
   * For each side denied by default deny, the allow elements whose peer matches but whose ports or protocols do
   * not (`PolicyEngine.closestRules`): what came closest to allowing the flow. A side is absent when it is allowed,
   * denied by a deny rule (see its `deniedBy`), or when the trace was made without them (`traceBatch`).
   */
  readonly closest: { readonly egress?: ClosestRules; readonly ingress?: ClosestRules };
}

/** Options of {@link traceParsed}. */
export interface TraceOptions {
  /** Whether to find the closest rules of denied sides (`TraceResult.closest`). Default: `true`. */
  readonly closest?: boolean;
}

/** The trace peer syntax, for hints. */
export const PEER_SYNTAX =
  'NS, NS/key=value[,key=value], world:IP, world:NAME[=IP], kube-apiserver, host[@NODE], remote-node[@NODE], health or ns:NAME';

/**
 * Parses a trace request into a flow. Returns an error sentence instead of throwing.
 */
export function parseTraceRequest(
  req: TraceRequest,
): { ok: true; flow: Flow } | { ok: false; error: string } {
  const proto = parseProtocol(req.protocol ?? 'TCP');
  if (!proto.ok) return proto;
  const src = parsePeer(req.source);
  if (!src.ok) return { ok: false, error: `source: ${src.error}` };
  const dst = parsePeer(req.destination);
  if (!dst.ok) return { ok: false, error: `destination: ${dst.error}` };
  const port = parsePort(String(req.port), proto.value);
  if (!port.ok) return port;
  const icmp = proto.value === 'ICMPv4' || proto.value === 'ICMPv6';
  const l7 = parseL7(req, proto.value);
  if (!l7.ok) return l7;
  return {
    ok: true,
    flow: {
      source: src.value,
      destination: dst.value,
      protocol: proto.value,
      port: icmp ? 0 : port.value,
      ...(icmp ? { icmpType: port.value } : {}),
      ...(l7.value ? { l7: l7.value } : {}),
    },
  };
}

const METHOD_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The L7 request of a trace request (`--http`, `--dns`), or an error sentence. */
function parseL7(
  req: TraceRequest,
  protocol: FlowProtocol,
): { ok: true; value: L7Request | undefined } | { ok: false; error: string } {
  if (req.http !== undefined && req.dns !== undefined)
    return { ok: false, error: '--http and --dns ask about different requests: give one of them' };
  if (req.dns !== undefined) {
    if (protocol !== 'UDP' && protocol !== 'TCP')
      return { ok: false, error: '--dns needs --protocol UDP or TCP' };
    const name = req.dns.trim();
    if (!/^[A-Za-z0-9_]([-A-Za-z0-9_.]*[A-Za-z0-9_])?\.?$/.test(name))
      return { ok: false, error: `--dns "${req.dns}" is not a DNS name` };
    return { ok: true, value: { kind: 'dns', name } };
  }
  if (req.http === undefined) return { ok: true, value: undefined };
  if (protocol !== 'TCP')
    return { ok: false, error: '--http needs --protocol TCP (HTTP rules are TCP-only)' };
  const { method, path, host } = req.http;
  if (!METHOD_RE.test(method)) return { ok: false, error: `--http method "${method}" is not an HTTP method` };
  if (!path.startsWith('/')) return { ok: false, error: `--http path "${path}" must start with /` };
  const headers: [string, string][] = [];
  for (const h of req.http.headers ?? []) {
    const colon = h.indexOf(':');
    const name = colon < 0 ? '' : h.slice(0, colon).trim();
    if (!HEADER_NAME_RE.test(name)) return { ok: false, error: `--http-header "${h}" is not NAME:VALUE` };
    headers.push([name, h.slice(colon + 1).trim()]);
  }
  return {
    ok: true,
    value: { kind: 'http', http: { method, path, ...(host !== undefined ? { host } : {}), headers } },
  };
}

/**
 * Traces one flow through the engine.
 * @throws NetpolError NETPOL_BAD_ARGUMENT when a peer, port or protocol does not parse.
 * @example
 *   const { engine } = await loadForAnalysis({ root: 'examples/homelab' });
 *   traceFlow(engine, { source: 'billing', destination: 'database', port: 5432 }).verdict.verdict; // 'allowed'
 */
export function traceFlow(engine: PolicyEngine, req: TraceRequest): TraceResult {
  const parsed = parseTraceRequest(req);
  if (!parsed.ok) {
    const aboutPeer = parsed.error.startsWith('source:') || parsed.error.startsWith('destination:');
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      parsed.error,
      aboutPeer
        ? `peers are ${PEER_SYNTAX}`
        : parsed.error.startsWith('--')
          ? 'L7 requests: --http METHOD PATH [--http-host HOST] [--http-header NAME:VALUE] with TCP, or --dns NAME with UDP or TCP'
          : 'give --port a number (1-65535, or the ICMP type with --protocol ICMP) and --protocol TCP, UDP, SCTP, ICMP or ICMPv6',
    );
  }
  return traceParsed(engine, parsed.flow);
}

/** At most this many workloads are named in {@link unknownLabelsHint}. */
const MAX_WORKLOADS_NAMED = 5;

/**
 * A hint for a pod peer whose labels no workload of its namespace carries, while the namespace has workloads:
 * the verdict stands, but it is probably about pods that do not exist (a label mistyped or taken from another
 * repository). Names the pod labels the namespace's workloads do carry.
 */
function unknownLabelsHint(engine: PolicyEngine, peer: Peer): string | null {
  if (peer.kind !== 'pod' || Object.keys(peer.labels).length === 0) return null;
  const workloads = engine.workloadsOf(peer.namespace);
  if (workloads.length === 0 || engine.workloadFor(peer.namespace, peer.labels)) return null;
  const shown = [
    ...new Set(
      workloads.map((w) =>
        Object.entries(w.podLabels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ),
    ),
  ];
  const more = shown.length > MAX_WORKLOADS_NAMED ? ` (and ${shown.length - MAX_WORKLOADS_NAMED} more)` : '';
  const wanted = Object.entries(peer.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `no workload of ${peer.namespace} has ${wanted}; workloads there: ${shown.slice(0, MAX_WORKLOADS_NAMED).join('; ')}${more}`;
}

/**
 * Traces an already parsed flow.
 * @param options - {@link TraceOptions}; the closest rules cost a second look at a denied side's rules, so callers
 *   that show no explanation turn them off.
 */
export function traceParsed(engine: PolicyEngine, flow: Flow, options: TraceOptions = {}): TraceResult {
  const traced = engine.verdict(flow);
  const closest: { egress?: ClosestRules; ingress?: ClosestRules } = {};
  if (options.closest !== false && traced.verdict === 'denied') {
    for (const dir of ['egress', 'ingress'] as const) {
      const c = engine.closestRules(flow, dir);
      if (c !== null && c.rules.length > 0) closest[dir] = c;
    }
  }
  const hints = [flow.source, flow.destination]
    .map((p) => unknownLabelsHint(engine, p))
    .filter((h): h is string => h !== null);
  const verdict = hints.length === 0 ? traced : { ...traced, caveats: [...traced.caveats, ...hints] };
  return {
    source: formatPeer(flow.source),
    destination: formatPeer(flow.destination),
    port: flow.icmpType ?? flow.port,
    protocol: flow.protocol,
    flow,
    verdict,
    closest,
  };
}

/** One line of a batch: its result, or an error naming the file and line. */
export type BatchItem =
  | { readonly line: number; readonly result: TraceResult }
  | { readonly file: string; readonly line: number; readonly error: string; readonly input: string };

/** What a batch line asks: the trace request, or why the line is not one. */
export type BatchLine =
  | { readonly ok: true; readonly request: TraceRequest | null }
  | { readonly ok: false; readonly error: string };

const BATCH_SHAPE = 'expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)';
const BATCH_L7 =
  'batch lines take --http METHOD PATH, --http-host HOST, --http-header NAME:VALUE (repeatable) and --dns NAME after the flow';

/**
 * Splits a batch line into words: blanks separate them, `'…'` and `"…"` group (inside `"…"`, `\"` and `\\`
 * escape), and `#` outside quotes starts a comment.
 */
const BLANK = /\s/;

function batchWords(line: string): { ok: true; words: string[] } | { ok: false; error: string } {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '#') break;
    if (BLANK.test(c)) {
      if (word !== null) words.push(word);
      word = null;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = c === "'" ? line.indexOf("'", i + 1) : closingQuote(line, i + 1);
      if (end === -1) return { ok: false, error: `unclosed ${c} quote` };
      const inner = line.slice(i + 1, end);
      word = (word ?? '') + (c === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner);
      i = end;
      continue;
    }
    word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return { ok: true, words };
}

function closingQuote(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

/**
 * Parses one line of a trace batch: `SOURCE DESTINATION PORT [PROTOCOL]`, optionally followed by the L7 request
 * of `netpol trace` in the same words: `--http METHOD PATH [--http-host HOST] [--http-header NAME:VALUE]…` or
 * `--dns NAME`. Words are separated by blanks; a value with blanks (a header) is quoted (`'…'` or `"…"`); `#`
 * starts a comment. A blank or comment-only line is `{ ok: true, request: null }`.
 * @param line - one line of the batch input.
 * @returns the request (not yet checked: {@link parseTraceRequest} does that), or an error sentence.
 * @example
 * parseBatchLine("web api 80 --http GET /health --http-header 'X-Env: prod'");
 * // { ok: true, request: { source: 'web', destination: 'api', port: '80', http: { method: 'GET', path: '/health', headers: ['X-Env: prod'] } } }
 */
export function parseBatchLine(line: string): BatchLine {
  const split = batchWords(line);
  if (!split.ok) return split;
  const words = split.words;
  if (words.length === 0) return { ok: true, request: null };
  let positional = 0;
  while (positional < words.length && !(words[positional] as string).startsWith('--')) positional++;
  if (positional < 3 || positional > 4) return { ok: false, error: BATCH_SHAPE };
  const [source, destination, written] = words as [string, string, string];
  // `5432/TCP` (the form `netpol who-can-reach` and Kubernetes write) is port and protocol in one word.
  const slash = /^([^/]+)\/([A-Za-z0-9]+)$/.exec(written);
  if (slash && positional === 4)
    return {
      ok: false,
      error: `the protocol is given twice ("${written}" and "${words[3]}"): write PORT PROTOCOL or PORT/PROTOCOL`,
    };
  const port = slash ? (slash[1] as string) : written;
  const protocol = slash ? slash[2] : positional === 4 ? words[3] : undefined;
  let http: { method: string; path: string } | undefined;
  let host: string | undefined;
  const headers: string[] = [];
  let dns: string | undefined;
  for (let i = positional; i < words.length; ) {
    const flag = words[i] as string;
    const value = (n: number): string[] | undefined => {
      const values = words.slice(i + 1, i + 1 + n);
      return values.length === n && values.every((v) => !v.startsWith('--')) ? values : undefined;
    };
    const twice = { ok: false, error: `${flag} is given twice` } as const;
    let taken: string[] | undefined;
    if (flag === '--http') {
      if (http !== undefined) return twice;
      taken = value(2);
      if (!taken) return { ok: false, error: '--http takes METHOD PATH, e.g. --http GET /api/v1' };
      http = { method: taken[0] as string, path: taken[1] as string };
    } else if (flag === '--http-host' || flag === '--http-header' || flag === '--dns') {
      taken = value(1);
      if (!taken) return { ok: false, error: `${flag} takes a value` };
      const v = taken[0] as string;
      if (flag === '--http-header') headers.push(v);
      else if (flag === '--http-host') {
        if (host !== undefined) return twice;
        host = v;
      } else {
        if (dns !== undefined) return twice;
        dns = v;
      }
    } else {
      return { ok: false, error: `unknown option "${flag}": ${BATCH_L7}` };
    }
    i += 1 + taken.length;
  }
  if (http === undefined && (host !== undefined || headers.length > 0))
    return {
      ok: false,
      error: '--http-host and --http-header describe an --http request: add --http METHOD PATH',
    };
  return {
    ok: true,
    request: {
      source,
      destination,
      port,
      ...(protocol !== undefined ? { protocol } : {}),
      ...(http !== undefined ? { http: { ...http, ...(host !== undefined ? { host } : {}), headers } } : {}),
      ...(dns !== undefined ? { dns } : {}),
    },
  };
}

/**
 * A trace error worded for a batch line, which has no `--protocol` flag: the protocol is the word after the
 * port (`web api 80 TCP --http GET /`) or joined to it (`80/TCP`).
 */
function batchWording(error: string): string {
  return error.replace(
    /--protocol ([A-Za-z0-9]+(?: or [A-Za-z0-9]+)?)/,
    (_, p: string) =>
      `the protocol ${p} after the port (SOURCE DESTINATION PORT ${p.split(' ')[0]}, or PORT/${p.split(' ')[0]})`,
  );
}

/** Options of {@link traceBatch}. */
export interface TraceBatchOptions {
  /** The batch input's name in errors (`FILE:LINE: …`). Default: `<stdin>`. */
  readonly file?: string;
}

/**
 * Traces many flows against one loaded repository. Each input line is `SOURCE DESTINATION PORT [PROTOCOL]`
 * (tabs or spaces), optionally with an L7 request as `netpol trace` takes it (see {@link parseBatchLine});
 * blank lines and `#` comments are skipped. A bad line yields an item with `error`, the file and its 1-based line
 * number (a line that is not text is one, and is not echoed). Streaming: lines are consumed and results yielded
 * one at a time.
 * @param engine - the loaded repository's engine.
 * @param lines - the batch input, one flow a line.
 * @param options - the input's name.
 * @throws NetpolError `NETPOL_INPUT_UNREADABLE` when the first line that is not blank is not text (a binary file,
 *   UTF-16: see `notTextReason`), instead of one error per "line"; `NETPOL_BAD_ARGUMENT` when the input holds no
 *   flow at all (empty, or only blank lines and comments), so an empty batch never passes as "nothing denied".
 */
export async function* traceBatch(
  engine: PolicyEngine,
  lines: AsyncIterable<string> | Iterable<string>,
  options: TraceBatchOptions = {},
): AsyncGenerator<BatchItem> {
  const file = options.file ?? STDIN_FILE;
  const what = file === STDIN_FILE ? 'standard input' : `batch file "${file}"`;
  let n = 0;
  let items = 0;
  for await (const raw of lines) {
    n++;
    const notText = notTextReason(raw);
    if (notText !== null) {
      if (items === 0)
        throw new NetpolError(
          'NETPOL_INPUT_UNREADABLE',
          `${what} is not text (line ${n}: ${notText}); it is not read.`,
          'Give a text file with one flow a line: SOURCE DESTINATION PORT [PROTOCOL].',
        );
      items++;
      yield { file, line: n, input: '', error: `the line is not text (${notText})` };
      continue;
    }
    const line = parseBatchLine(raw);
    if (!line.ok) {
      items++;
      yield { file, line: n, input: raw, error: line.error };
      continue;
    }
    if (line.request === null) continue;
    items++;
    const parsed = parseTraceRequest(line.request);
    if (!parsed.ok) {
      yield { file, line: n, input: raw, error: batchWording(parsed.error) };
      continue;
    }
    yield { line: n, result: traceParsed(engine, parsed.flow, { closest: false }) };
  }
  if (items === 0)
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `${what} has no flow to trace (${n === 0 ? 'it is empty' : `its ${n === 1 ? 'one line is' : `${n} lines are`} blank or comments`}).`,
      'Write one flow a line: SOURCE DESTINATION PORT [PROTOCOL].',
    );
}
