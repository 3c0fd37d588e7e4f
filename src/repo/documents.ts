import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type YAMLError,
} from 'yaml';
import type { Diagnostic, SourceRef } from '../errors.js';
import { fastParseYaml } from './fast-yaml.js';
import { normalizeScalar } from './scalar.js';
import {
  keyText,
  LineIndex,
  type YamlMapEntry,
  type YamlNode,
  type YamlScalarNode,
  type YamlSeqNode,
} from './yaml-tree.js';

/** A path inside a YAML document: map keys and sequence indices, e.g. `['spec', 'ingress', 0]`. */
export type YamlPath = readonly (string | number)[];

/**
 * One document of a YAML (or JSON) file, with its light syntax tree so that any path can be turned
 * into a {@link SourceRef}.
 */
export interface YamlDocument {
  /** The file as given to the loader (relative to the repo root). */
  readonly file: string;
  /** 0-based index of the document in its file, as `yaml`'s `parseAllDocuments` counts them. */
  readonly index: number;
  /** The document's root node; `null` for an empty document or one with syntax errors. */
  readonly root: YamlNode | null;
  /** False when the document has YAML syntax errors (its content is then not used). */
  readonly valid: boolean;
  /** Offset → line/column for the file. */
  readonly lines: LineIndex;
  /** True when the document uses aliases (nodes shared between paths). */
  readonly aliased: boolean;
  /** The whole file text (shared by the documents of a file). */
  readonly text: string;
}

/** The documents of one file and the syntax diagnostics found on the way. */
export interface ParsedFile {
  readonly file: string;
  readonly documents: readonly YamlDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Options of {@link parseYamlFile}. */
export interface ParseYamlOptions {
  /** Skip the fast reader and always use the `yaml` package (used by tests). Default: `false`. */
  readonly fullParser?: boolean;
}

/**
 * Parses a multi-document YAML or JSON file. Documents are read with YAML 1.1 rules (as Kubernetes
 * reads manifests), anchors and aliases are resolved and `<<` merge keys expanded. A syntax error becomes
 * a `YAML_SYNTAX` diagnostic at its position and only its document is dropped; the other documents of the
 * file still load. `yaml` warnings become `YAML_WARNING` diagnostics.
 * @param file - The file name used in every {@link SourceRef}.
 * @param source - The file's text (a leading byte-order mark is dropped).
 * @param options - See {@link ParseYamlOptions}.
 * @returns The documents and diagnostics. Never throws for bad input.
 */
export function parseYamlFile(file: string, source: string, options: ParseYamlOptions = {}): ParsedFile {
  // A byte-order mark is not part of the first line as editors count columns.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = new LineIndex(text);
  if (!options.fullParser) {
    const fast = fastParseYaml(text);
    if (fast) {
      return {
        file,
        documents: fast.map((d, index) => ({
          file,
          index,
          root: d.root,
          valid: true,
          lines,
          aliased: false,
          text,
        })),
        diagnostics: [],
      };
    }
  }
  const diagnostics: Diagnostic[] = [];
  const parsed = parseAllDocuments(text, {
    version: '1.1',
    lineCounter: new LineCounter(),
    prettyErrors: false,
  });
  const docs: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const documents = docs.map((doc, index): YamlDocument => {
    for (const error of doc.errors)
      diagnostics.push(yamlDiagnostic(file, lines, error, 'YAML_SYNTAX', 'error'));
    for (const warning of doc.warnings) {
      diagnostics.push(yamlDiagnostic(file, lines, warning, 'YAML_WARNING', 'warning'));
    }
    if (doc.errors.length > 0) return { file, index, root: null, valid: false, lines, aliased: false, text };
    const state: ConvertState = { doc, active: new Map(), diagnostics, file, lines, aliased: false };
    const converted = doc.contents ? convertNode(doc.contents as Node, state) : null;
    // An empty document is a null scalar for `yaml`; the loader treats it as no content.
    const root =
      converted?.kind === 'scalar' && converted.value === null && converted.start === converted.end
        ? null
        : converted;
    return { file, index, root, valid: true, lines, aliased: state.aliased, text };
  });
  return { file, documents, diagnostics };
}

function yamlDiagnostic(
  file: string,
  lines: LineIndex,
  error: YAMLError,
  code: 'YAML_SYNTAX' | 'YAML_WARNING',
  severity: 'error' | 'warning',
): Diagnostic {
  const [start, end] = error.pos;
  const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  return {
    code,
    severity,
    message: message.endsWith('.') ? message : `${message}.`,
    source: rangeSource(file, lines, start, Math.max(end, start)),
    hint:
      code === 'YAML_SYNTAX'
        ? 'Fix the YAML syntax; this document is skipped until then.'
        : 'Check the YAML at this position.',
  };
}

interface ConvertState {
  readonly doc: Document.Parsed;
  /** Converted nodes; `null` while a collection is being converted (to catch recursive aliases). */
  readonly active: Map<Node, YamlNode | null>;
  readonly diagnostics: Diagnostic[];
  readonly file: string;
  readonly lines: LineIndex;
  aliased: boolean;
}

function convertNode(node: Node, state: ConvertState): YamlNode {
  const { doc, active, diagnostics, file, lines } = state;
  if (isAlias(node)) state.aliased = true;
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  if (!resolved)
    return {
      kind: 'scalar',
      start: node.range?.[0] ?? 0,
      end: node.range?.[1] ?? 0,
      value: null,
      plain: true,
    };
  const seen = active.get(resolved);
  if (seen) return seen;
  if (seen === null) {
    const at = node.range?.[0] ?? 0;
    diagnostics.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: 'An alias refers to a node that contains it.',
      source: rangeSource(file, lines, at, node.range?.[1] ?? at),
      hint: 'Remove the recursive alias.',
    });
    return { kind: 'scalar', start: at, end: at, value: null, plain: true };
  }
  const range = resolved.range ?? [0, 0, 0];
  if (isScalar(resolved)) {
    const source = typeof resolved.source === 'string' ? resolved.source : String(resolved.value);
    const out: YamlScalarNode = {
      kind: 'scalar',
      start: range[0],
      end: range[1],
      value: normalizeScalar(resolved.value, source),
      plain: resolved.type === 'PLAIN',
    };
    active.set(resolved, out);
    return out;
  }
  active.set(resolved, null);
  let out: YamlNode;
  if (isMap(resolved)) {
    const entries: YamlMapEntry[] = [];
    const index = new Map<string, number>();
    const merged: YamlMapEntry[] = [];
    for (const pair of resolved.items) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      const keyEnd = keyNode?.range?.[1] ?? range[0];
      const value: YamlNode = valueNode
        ? convertNode(valueNode, state)
        : { kind: 'scalar', start: keyEnd, end: keyEnd, value: null, plain: true };
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        // `<<` merge key: its maps fill in keys the map does not set itself.
        const sources = value.kind === 'seq' ? value.items : [value];
        for (const s of sources) if (s.kind === 'map') merged.push(...s.entries);
        continue;
      }
      const key = keyNode
        ? isScalar(keyNode)
          ? keyText(normalizeScalar(keyNode.value, String(keyNode.source ?? keyNode.value)))
          : String(keyNode)
        : '';
      const entry: YamlMapEntry = {
        key,
        keyStart: keyNode?.range?.[0] ?? range[0],
        keyEnd,
        keyPlain: isScalar(keyNode) ? keyNode.type === 'PLAIN' : false,
        value,
      };
      const existing = index.get(key);
      if (existing === undefined) {
        index.set(key, entries.length);
        entries.push(entry);
      } else entries[existing] = entry;
    }
    for (const entry of merged) {
      if (!index.has(entry.key)) {
        index.set(entry.key, entries.length);
        entries.push(entry);
      }
    }
    const last = entries[entries.length - 1];
    const end = resolved.flow || !last ? range[1] : Math.max(last.value.end, last.keyEnd);
    out = { kind: 'map', start: range[0], end, entries };
  } else if (isSeq(resolved)) {
    const items = resolved.items.map((item) =>
      item
        ? convertNode(item as Node, state)
        : ({ kind: 'scalar', start: range[0], end: range[0], value: null, plain: true } as const),
    );
    const last = items[items.length - 1];
    const end = resolved.flow || !last ? range[1] : last.end;
    out = { kind: 'seq', start: range[0], end, items } satisfies YamlSeqNode;
  } else {
    out = { kind: 'scalar', start: range[0], end: range[1], value: null, plain: true };
  }
  active.set(resolved, out);
  return out;
}

/**
 * The node at a path, following map keys and sequence indices.
 * @param doc - The document.
 * @param path - Keys and indices from the root.
 * @returns The node, or `undefined` when the path does not exist.
 */
export function nodeAt(doc: YamlDocument, path: YamlPath): YamlNode | undefined {
  let node: YamlNode | null = doc.root;
  for (const step of path) {
    if (!node) return undefined;
    const next: YamlNode | undefined = childOf(node, step);
    if (!next) return undefined;
    node = next;
  }
  return node ?? undefined;
}

function childOf(node: YamlNode, step: string | number): YamlNode | undefined {
  if (node.kind === 'map') {
    const key = String(step);
    for (const entry of node.entries) if (entry.key === key) return entry.value;
    return undefined;
  }
  if (node.kind === 'seq' && typeof step === 'number') return node.items[step];
  return undefined;
}

function entryAt(doc: YamlDocument, path: YamlPath): YamlMapEntry | undefined {
  if (path.length === 0) return undefined;
  const parent = nodeAt(doc, path.slice(0, -1));
  if (parent?.kind !== 'map') return undefined;
  const key = String(path[path.length - 1]);
  return parent.entries.find((e) => e.key === key);
}

/**
 * The position of the node at `path`, or of its nearest existing ancestor when the path does not exist
 * (a missing field is reported where it should have been).
 * @param doc - The document.
 * @param path - Keys and indices from the root.
 * @param options - `key: true` points at the map key of the last path element instead of its value.
 * @returns A 1-based SourceRef with start and end.
 */
export function sourceAt(doc: YamlDocument, path: YamlPath, options: { key?: boolean } = {}): SourceRef {
  if (options.key) {
    const entry = entryAt(doc, path);
    if (entry) return rangeSource(doc.file, doc.lines, entry.keyStart, entry.keyEnd);
  }
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, n === path.length ? path : path.slice(0, n));
    if (node) return rangeSource(doc.file, doc.lines, node.start, node.end);
  }
  return rangeSource(doc.file, doc.lines, 0, 0);
}

/**
 * A SourceRef for an offset range of a file.
 * @param file - File name for the SourceRef.
 * @param lines - The file's line index.
 * @param start - Start offset.
 * @param end - End offset (exclusive).
 * @returns The SourceRef with 1-based line/column and end line/column.
 */
export function rangeSource(file: string, lines: LineIndex, start: number, end: number): SourceRef {
  const a = lines.position(start);
  const b = end === start ? a : lines.position(end);
  return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

/**
 * Rewrites string scalars while a document is turned into plain data (used for `${var}` substitution).
 * Receives the scalar text, whether it was plain (unquoted), its start offset and whether it is a map key;
 * returns the replacement value.
 */
export type ScalarTransform = (
  text: string,
  plain: boolean,
  start: number,
  isKey: boolean,
) => string | number | boolean | null;

/**
 * Turns a node into plain JavaScript data (objects, arrays, strings, numbers, booleans, null).
 * @param node - The node (or `null` for an empty document).
 * @param transform - Optional rewrite of string scalars and keys (see {@link ScalarTransform}).
 * @returns The plain value.
 */
export function toPlain(node: YamlNode | null, transform?: ScalarTransform): unknown {
  return plain(node, transform, undefined);
}

/**
 * The plain value of a whole document (see {@link toPlain}). Nodes shared through aliases are converted
 * once and shared, so alias bombs cannot blow up.
 * @param doc - The document.
 * @param transform - Optional rewrite of string scalars and keys.
 * @returns The plain value; `null` for an empty or invalid document.
 */
export function documentValue(doc: YamlDocument, transform?: ScalarTransform): unknown {
  return plain(doc.root, transform, doc.aliased ? new Map() : undefined);
}

function plain(
  node: YamlNode | null,
  transform: ScalarTransform | undefined,
  memo: Map<YamlNode, unknown> | undefined,
): unknown {
  if (!node) return null;
  if (node.kind === 'scalar') {
    if (transform && typeof node.value === 'string')
      return transform(node.value, node.plain, node.start, false);
    return node.value;
  }
  const hit = memo?.get(node);
  if (hit !== undefined) return hit;
  let out: unknown;
  if (node.kind === 'seq') out = node.items.map((item) => plain(item, transform, memo));
  else {
    const obj: Record<string, unknown> = {};
    for (const entry of node.entries) {
      const key = transform ? String(transform(entry.key, entry.keyPlain, entry.keyStart, true)) : entry.key;
      const value = plain(entry.value, transform, memo);
      if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true });
      else obj[key] = value;
    }
    out = obj;
  }
  memo?.set(node, out);
  return out;
}
