import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { PolicyEngine } from '../engine/verdict.js';
import { type Diagnostic, NetpolError } from '../errors.js';
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
  readonly passed: number;
  readonly failed: number;
  /** Entries that could not be read (bad field, bad peer): they count as failures. */
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
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `${file}:${at(e?.pos[0]).line}: ${e?.message.split('\n')[0] ?? 'YAML error'}`,
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
  for (const item of doc.contents.items) {
    const offset = (item as { range?: [number, number, number] }).range?.[0];
    const source = at(offset);
    if (!isMap(item)) {
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: 'an assertion must be a mapping',
        source,
      });
      continue;
    }
    const obj = item.toJSON() as Record<string, unknown>;
    const bad = (message: string, code: Diagnostic['code'] = 'BAD_VALUE') =>
      diagnostics.push({ code, severity: 'error', message, source });
    for (const k of Object.keys(obj)) {
      if (!FIELDS.has(k))
        bad(`unknown field "${k}" (fields: from, to, port, protocol, expect, because)`, 'UNKNOWN_FIELD');
    }
    const { from, to, port, protocol, expect, because } = obj;
    if (typeof from !== 'string' || typeof to !== 'string') {
      bad('an assertion needs "from" and "to" peers', 'MISSING_FIELD');
      continue;
    }
    const portNum =
      typeof port === 'number' ? port : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : NaN;
    if (!Number.isInteger(portNum)) {
      bad(
        `"port" must be a number, not ${JSON.stringify(port ?? null)}`,
        port === undefined ? 'MISSING_FIELD' : 'BAD_VALUE',
      );
      continue;
    }
    if (expect !== 'allowed' && expect !== 'denied') {
      bad(`"expect" must be allowed or denied, not ${JSON.stringify(expect ?? null)}`);
      continue;
    }
    assertions.push({
      from,
      to,
      port: portNum,
      protocol: typeof protocol === 'string' ? protocol : 'TCP',
      expect,
      because: typeof because === 'string' ? because : '',
      line: source.line,
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
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: parsed.error,
        source: { file, line: a.line, column: 1 },
      });
      continue;
    }
    const trace = traceParsed(engine, parsed.flow);
    results.push({ assertion: a, passed: trace.verdict.verdict === a.expect, trace });
  }
  const passed = results.filter((r) => r.passed).length;
  return { file, results, passed, failed: results.length - passed + diagnostics.length, diagnostics };
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
  } catch {
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `cannot read assertions file "${displayName}"`,
      'check the path',
    );
  }
  const { assertions, diagnostics } = parseAssertions(text, displayName);
  return runAssertions(engine, assertions, displayName, diagnostics);
}
