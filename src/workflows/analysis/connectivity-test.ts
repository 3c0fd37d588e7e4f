import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { PolicyEngine } from '../../engine/verdict.js';
import { type Diagnostic, NetpolError, type SourceRef } from '../../errors.js';
import { firstYamlSyntaxError } from '../../repo/documents.js';
import { parseTraceRequest, type TraceResult, traceParsed } from './trace.js';

/** One connectivity assertion as written in the YAML file. */
export interface ConnectivityAssertion {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  /** Default: TCP. */
  readonly protocol: string;
  readonly expect: 'allowed' | 'denied';
  readonly because: string;
  /** 1-based line of the entry in its file. */
  readonly line: number;
  /** 1-based column of the entry. Default (when built by hand): 1. */
  readonly column?: number;
  /** 0-based position of the entry in the list (the `path` of its diagnostics). */
  readonly index?: number;
  /** Where the `from` and `to` values are, for errors in the peers. Default: the entry. */
  readonly values?: { readonly from?: SourceRef; readonly to?: SourceRef };
}

/** The outcome of one assertion. */
export interface AssertionResult {
  readonly assertion: ConnectivityAssertion;
  readonly passed: boolean;
  readonly trace: TraceResult;
}

/** The outcome of a whole file. */
export interface ConnectivityTestReport {
  readonly file: string;
  readonly results: readonly AssertionResult[];
  /** Assertions whose verdict was the expected one. */
  readonly passed: number;
  /** Assertions whose verdict was not the expected one, plus entries that could not be read (each once). */
  readonly failed: number;
  /** Entries that could not be read (counted in `failed` too): an input error, exit 2 in the CLI. */
  readonly invalid: number;
  /** Entries that could not be read (bad field, bad peer), one diagnostic per problem: each entry counts as one failure. */
  readonly diagnostics: readonly Diagnostic[];
}

const FIELDS = new Set(['from', 'to', 'port', 'protocol', 'expect', 'because']);

/**
 * Parses an assertions file: a YAML list of `{from, to, port, protocol?, expect: allowed|denied, because?}`.
 * Bad entries become `BAD_VALUE`/`MISSING_FIELD`/`UNKNOWN_FIELD` diagnostics with their line; good ones are kept.
 * @throws NetpolError NETPOL_INPUT_UNREADABLE when the text is not a YAML list.
 */
export function parseAssertions(
  text: string,
  file: string,
): { assertions: ConnectivityAssertion[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const syntax = firstYamlSyntaxError(file, text);
    const where = syntax?.source ?? at(e?.pos[0]);
    const message =
      syntax?.message ??
      (e?.message.split('\n')[0] ?? 'YAML error').replace(/ at line \d+, column \d+:?$/, '');
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `${file}:${where.line}:${where.column}: ${message}`,
      'fix the YAML syntax of the assertions file',
    );
  }
  if (!isSeq(doc.contents)) {
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `${file} is not a YAML list of assertions`,
      'write one "- from: … to: … port: … expect: allowed|denied" entry per assertion',
    );
  }
  const assertions: ConnectivityAssertion[] = [];
  for (const [index, item] of doc.contents.items.entries()) {
    const offset = (item as { range?: [number, number, number] }).range?.[0];
    const source = at(offset);
    if (!isMap(item)) {
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: 'an assertion must be a mapping with from, to, port and expect',
        source,
        path: [index],
      });
      continue;
    }
    const obj = item.toJSON() as Record<string, unknown>;
    /** Position of a field's value (of its key for an unknown field or an empty value), else of the entry. */
    const fieldAt = (key: string, atKey: boolean) => {
      const pair = item.items.find((p) => isScalar(p.key) && p.key.value === key);
      const node = (atKey ? pair?.key : (pair?.value ?? pair?.key)) as
        | { range?: [number, number, number] }
        | null
        | undefined;
      return node?.range ? at(node.range[0]) : source;
    };
    const before = diagnostics.length;
    const bad = (message: string, field?: string, code: Diagnostic['code'] = 'BAD_VALUE') =>
      diagnostics.push({
        code,
        severity: 'error',
        message,
        source: field ? fieldAt(field, code === 'UNKNOWN_FIELD') : source,
        path: field ? [index, field] : [index],
      });
    for (const k of Object.keys(obj)) {
      if (!FIELDS.has(k))
        bad(`unknown field "${k}" (fields: from, to, port, protocol, expect, because)`, k, 'UNKNOWN_FIELD');
    }
    const { from, to, port, protocol, expect, because } = obj;
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value === undefined || value === null)
        bad(`an assertion needs "${name}"`, undefined, 'MISSING_FIELD');
      else if (typeof value !== 'string') bad(`"${name}" must be a peer such as NS or NS/key=value`, name);
    }
    const portNum =
      typeof port === 'number' ? port : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : NaN;
    if (port === undefined || port === null) bad('an assertion needs "port"', undefined, 'MISSING_FIELD');
    else if (!Number.isInteger(portNum)) bad(`"port" must be a number, not ${JSON.stringify(port)}`, 'port');
    if (protocol !== undefined && typeof protocol !== 'string') {
      bad(`"protocol" must be TCP, UDP, SCTP, ICMP or ICMPv6, not ${JSON.stringify(protocol)}`, 'protocol');
    }
    if (expect === undefined || expect === null) {
      bad('an assertion needs "expect: allowed" or "expect: denied"', undefined, 'MISSING_FIELD');
    } else if (expect !== 'allowed' && expect !== 'denied') {
      bad(`"expect" must be allowed or denied, not ${JSON.stringify(expect)}`, 'expect');
    }
    if (because !== undefined && because !== null && typeof because !== 'string') {
      bad('"because" must be a sentence', 'because');
    }
    // An entry with any problem is reported once per problem and not run: it counts as one failure.
    if (diagnostics.length > before) continue;
    if (typeof from !== 'string' || typeof to !== 'string' || (expect !== 'allowed' && expect !== 'denied')) {
      continue; // unreachable: reported above
    }
    assertions.push({
      from,
      to,
      port: portNum,
      protocol: typeof protocol === 'string' ? protocol : 'TCP',
      expect,
      because: typeof because === 'string' ? because : '',
      line: source.line,
      column: source.column,
      index,
      values: { from: fieldAt('from', false), to: fieldAt('to', false) },
    });
  }
  return { assertions, diagnostics };
}

/**
 * Checks connectivity assertions against the engine. An assertion whose peers or port do not parse is a
 * failure with a diagnostic, never an exception.
 */
export function runAssertions(
  engine: PolicyEngine,
  assertions: readonly ConnectivityAssertion[],
  file: string,
  parseDiagnostics: readonly Diagnostic[] = [],
): ConnectivityTestReport {
  const results: AssertionResult[] = [];
  const diagnostics: Diagnostic[] = [...parseDiagnostics];
  for (const a of assertions) {
    const parsed = parseTraceRequest({
      source: a.from,
      destination: a.to,
      port: a.port,
      protocol: a.protocol,
    });
    if (!parsed.ok) {
      // The error names the peer it is about ("source: …" or "destination: …"): point at that value.
      const value = parsed.error.startsWith('source:')
        ? a.values?.from
        : parsed.error.startsWith('destination:')
          ? a.values?.to
          : undefined;
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: parsed.error,
        source: value ?? { file, line: a.line, column: a.column ?? 1 },
        ...(a.index !== undefined ? { path: [a.index] } : {}),
      });
      continue;
    }
    const trace = traceParsed(engine, parsed.flow);
    results.push({ assertion: a, passed: trace.verdict.verdict === a.expect, trace });
  }
  const passed = results.filter((r) => r.passed).length;
  // One failure per bad entry, however many problems it has (`path[0]` is the entry's index).
  const badEntries = new Set(
    diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => (d.path?.[0] !== undefined ? `#${d.path[0]}` : `@${d.source?.line}:${d.source?.column}`)),
  ).size;
  return {
    file,
    results,
    passed,
    failed: results.length - passed + badEntries,
    invalid: badEntries,
    diagnostics,
  };
}

/**
 * Reads an assertions file and checks it.
 * @throws NetpolError NETPOL_INPUT_UNREADABLE when the file cannot be read or is not a YAML list.
 */
export async function testConnectivity(
  engine: PolicyEngine,
  file: string,
  displayName = file,
): Promise<ConnectivityTestReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `cannot read assertions file "${displayName}" (${why})`,
      'give the path of the assertions file relative to the current directory',
    );
  }
  const { assertions, diagnostics } = parseAssertions(text, displayName);
  return runAssertions(engine, assertions, displayName, diagnostics);
}
