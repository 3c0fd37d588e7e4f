import {
  type Alias,
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  Parser,
  visit,
  type YAMLError,
} from 'yaml';
import type { Diagnostic, SourceRef } from '../errors.js';
import { readYamlFast, takeReadValue } from './fast-reader.js';
import { normalizeScalar, resolvePlainText, type ScalarValue, UNRESOLVED } from './scalar.js';
import { MAX_ALIAS_COUNT, YAML_READ_OPTIONS } from './yaml-options.js';
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

/**
 * Options of {@link parseYamlFile}.
 * @deprecated Every file is read by the `yaml` package now; the options are accepted and ignored.
 */
export interface ParseYamlOptions {
  /** Ignored: every file is read by the `yaml` package. Kept for callers of the earlier fast reader. */
  readonly fullParser?: boolean;
}

/**
 * One document as the YAML reader returns it before it is tied to its file: plain data (a structured
 * clone of it crosses a worker boundary unchanged, aliased nodes stay shared).
 */
export interface RawDocument {
  /** See {@link YamlDocument.root}. */
  readonly root: YamlNode | null;
  /** See {@link YamlDocument.valid}. */
  readonly valid: boolean;
  /** See {@link YamlDocument.aliased}. */
  readonly aliased: boolean;
}

/** A syntax diagnostic with UTF-16 offsets into the file instead of a {@link SourceRef}. */
export interface RawDiagnostic {
  readonly code: 'YAML_SYNTAX' | 'YAML_WARNING';
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly hint: string;
  /** Start offset in the file. */
  readonly start: number;
  /** End offset in the file (exclusive, never before `start`). */
  readonly end: number;
}

/** What the YAML reader found in one piece of a file: its documents and syntax diagnostics, in order. */
export interface RawParse {
  readonly documents: readonly RawDocument[];
  readonly diagnostics: readonly RawDiagnostic[];
}

/**
 * Drops a leading byte-order mark: it is not part of the first line as editors count columns.
 * @param source - A file's text.
 * @returns The text without a leading U+FEFF.
 */
export function stripBom(source: string): string {
  return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}

/**
 * Parses a multi-document YAML or JSON file. Documents are read with YAML 1.1 rules (as Kubernetes
 * reads manifests), anchors and aliases are resolved and `<<` merge keys expanded. A syntax error becomes
 * a `YAML_SYNTAX` diagnostic at its position and only its document is dropped; the other documents of the
 * file still load. `yaml` warnings become `YAML_WARNING` diagnostics.
 * @param file - The file name used in every {@link SourceRef}.
 * @param source - The file's text (a leading byte-order mark is dropped).
 * @param _options - Ignored (see {@link ParseYamlOptions}).
 * @returns The documents and diagnostics. Never throws for bad input.
 */
export function parseYamlFile(file: string, source: string, _options: ParseYamlOptions = {}): ParsedFile {
  const text = stripBom(source);
  return notTextFile(file, text) ?? assembleParsedFile(file, text, [parseYamlText(text)]);
}

/** How many characters {@link notTextFile} looks at for invalid UTF-8 and control characters (as git's 8000 bytes). */
const TEXT_SNIFF_CHARS = 8000;

/**
 * Why a text is not text, or null when it is: it has a NUL character anywhere (git's test for binary), or more than a
 * tenth of its first 8000 characters are invalid UTF-8 (read as U+FFFD) or control characters YAML does not allow
 * (C0 other than tab, line feed and carriage return; DEL). A text with a few such characters (a Latin-1 label) is
 * text. Used for manifests ({@link notTextFile}) and for other line-based inputs (`trace --batch`).
 * @param text - The input read as UTF-8 (a whole file, or its first line).
 * @returns A clause such as `it contains NUL bytes`, or null.
 */
export function notTextReason(text: string): string | null {
  if (text.includes('\u0000')) return 'it contains NUL bytes';
  const head = text.slice(0, TEXT_SNIFF_CHARS);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is counted
  const bad = head.match(/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/g)?.length ?? 0;
  return bad * 10 > head.length
    ? `${bad} of its first ${head.length} characters are invalid UTF-8 or control characters`
    : null;
}

/**
 * A file that is not text ({@link notTextReason}), as one `NOT_TEXT` error at 1:1 and no documents, instead of the
 * dozens of syntax errors the YAML reader would give. A text file with a few invalid characters is read as YAML,
 * and its values are checked where they are.
 * @param file - The file name for the position.
 * @param text - The file's text, read as UTF-8.
 * @returns The parsed file with the one diagnostic, or null for text.
 */
export function notTextFile(file: string, text: string): ParsedFile | null {
  const why = notTextReason(text);
  if (why === null) return null;
  return {
    file,
    documents: [],
    diagnostics: [
      {
        code: 'NOT_TEXT',
        severity: 'error',
        message: `The file is not text (${why}); it is not read as YAML.`,
        hint: 'Remove it, or give it a name that does not end in .yaml, .yml or .json.',
        source: { file, line: 1, column: 1 },
      },
    ],
  };
}

/**
 * {@link parseYamlFile} for a file the js-yaml reader can read (`fast-reader.ts`), else null: then the
 * file needs the `yaml` path (and may have diagnostics).
 * @param file - The file name used in every {@link SourceRef}.
 * @param source - The file's text (a leading byte-order mark is dropped).
 * @returns The parsed file, the same {@link parseYamlFile} returns, or null.
 */
export function readYamlFileFast(file: string, source: string): ParsedFile | null {
  const text = stripBom(source);
  if (notTextFile(file, text)) return null;
  const raw = readYamlFast(text);
  return raw ? assembleParsedFile(file, text, [raw]) : null;
}

/**
 * The first YAML syntax error of a text as the loader reports it (an unclosed quote where it opens, an alias bomb
 * at its first alias), for readers that then use the `yaml` Document API themselves (`netpol test` files,
 * `netpol init`'s configuration), so every command points at the same place.
 * @param file - The file name for the position.
 * @param source - The file's text (a byte-order mark is skipped).
 * @returns The diagnostic, or null when the text has no syntax error.
 */
export function firstYamlSyntaxError(file: string, source: string): Diagnostic | null {
  return parseYamlFile(file, source).diagnostics.find((d) => d.code === 'YAML_SYNTAX') ?? null;
}

/**
 * Ties what the YAML reader found in the consecutive pieces of a file to that file: numbers the
 * documents across the pieces and turns diagnostic offsets into {@link SourceRef}s.
 * @param file - The file name used in every {@link SourceRef}.
 * @param text - The whole file text, without byte-order mark (see {@link stripBom}).
 * @param pieces - The results of {@link parseYamlText} for the file's pieces, in file order, with offsets
 *   already relative to the whole text.
 * @returns The parsed file.
 */
export function assembleParsedFile(file: string, text: string, pieces: readonly RawParse[]): ParsedFile {
  const lines = new LineIndex(text);
  const documents: YamlDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const piece of pieces) {
    for (const d of piece.documents) {
      documents.push({
        file,
        index: documents.length,
        root: d.root,
        valid: d.valid,
        lines,
        aliased: d.aliased,
        text,
      });
    }
    for (const d of piece.diagnostics) {
      diagnostics.push({
        code: d.code,
        severity: d.severity,
        message: d.message,
        source: rangeSource(file, lines, d.start, d.end),
        hint: d.hint,
      });
    }
  }
  return { file, documents, diagnostics };
}

const SYNTAX_HINT = 'Fix the YAML syntax; this document is skipped until then.';

/**
 * Reads YAML text (YAML 1.1 rules, as Kubernetes reads manifests) into the light tree of every document:
 * with js-yaml when the text needs nothing it cannot reproduce exactly (`fast-reader.ts`), else straight
 * from the `yaml` parser's tokens when the text needs nothing from the Composer (see {@link readYamlTokens}),
 * else through the `yaml` Composer's Documents, which give every diagnostic. The three give the same
 * trees (differential property tests). Pure and self-contained, so it runs in a worker thread as well.
 * @param text - The text to read: a whole file, or a run of whole documents cut out of one at a
 *   `---` line (see `parse-pool.ts`), without byte-order mark.
 * @param base - Offset of `text` in its file; added to every position. Default: 0.
 * @param reader - `'composer'` always goes through the Composer, `'tokens'` skips the js-yaml reader
 *   (tests compare the ways). Default: `'auto'`.
 * @returns The documents and diagnostics. Never throws: should the `yaml` package itself fail, the text
 *   gets one `YAML_SYNTAX` diagnostic and no document.
 */
export function parseYamlText(
  text: string,
  base = 0,
  reader: 'auto' | 'tokens' | 'composer' = 'auto',
): RawParse {
  try {
    const quick = reader === 'auto' ? readYamlFast(text, base) : null;
    if (quick) return quick;
    // The tokens are read as the parser makes them, so that each document's can go once read; the
    // Composer, when needed, parses the text again.
    const fast = reader !== 'composer' ? readTokens(new Parser().parse(text), base) : null;
    return fast ?? composeTokens(new Parser().parse(text), base);
  } catch (e) {
    // Not reached for any input we know of: the `yaml` package reports problems as errors, not throws.
    const reason = e instanceof Error ? e.message : String(e);
    const diagnostic: RawDiagnostic = {
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `The YAML reader failed on this text: ${reason.replace(/\.$/, '')}.`,
      hint: SYNTAX_HINT,
      start: base,
      end: base,
    };
    return { documents: [], diagnostics: [diagnostic] };
  }
}

/**
 * The light trees of a text read straight from the `yaml` parser's tokens, skipping the Composer (about
 * twice as fast): only for texts on which the Composer would report nothing and that use no anchor,
 * alias, tag, merge key, explicit key, directive or tab.
 * @param text - YAML text without byte-order mark.
 * @param base - Offset of `text` in its file. Default: 0.
 * @returns The documents (no diagnostics), or `null` when the text needs the Composer.
 */
export function readYamlTokens(text: string, base = 0): RawParse | null {
  return readTokens(new Parser().parse(text), base);
}

/** Options of every `yaml` pass: YAML 1.1 as Kubernetes reads manifests (see `yaml-options.ts`). */
const YAML_OPTIONS = YAML_READ_OPTIONS;

/** The `yaml` Composer's reading of the parsed tokens: Documents, then their light trees. */
function composeTokens(tokens: Iterable<CST.Token>, base: number): RawParse {
  const diagnostics: RawDiagnostic[] = [];
  const list = Array.from(tokens);
  const docs = Array.from(new Composer(YAML_OPTIONS).compose(list));
  const documents = docs.map((doc): RawDocument => {
    const unclosed = new Set<number>();
    for (const error of doc.errors) {
      diagnostics.push(
        unclosedQuote(error, list, base) ??
          unclosedFlow(error, list, base, unclosed) ??
          yamlDiagnostic(error, base, 'YAML_SYNTAX', 'error'),
      );
    }
    for (const warning of doc.warnings) {
      diagnostics.push(yamlDiagnostic(warning, base, 'YAML_WARNING', 'warning'));
    }
    if (doc.errors.length > 0) return { root: null, valid: false, aliased: false };
    const state: ConvertState = { doc, active: new Map(), diagnostics, base, aliased: false };
    const converted = doc.contents ? convertNode(doc.contents as Node, state) : null;
    if (state.aliased) {
      const bomb = aliasBomb(doc, base);
      if (bomb) {
        diagnostics.push(bomb);
        return { root: null, valid: false, aliased: false };
      }
    }
    return { root: rootOf(converted), valid: true, aliased: state.aliased };
  });
  return { documents, diagnostics };
}

export { MAX_ALIAS_COUNT };

/**
 * A `YAML_SYNTAX` error for a document whose aliases cannot be expanded, found by the `yaml` library's own
 * check (`toJS({ maxAliasCount })`, which counts before expanding), so the loader never expands it: at the
 * first alias naming no anchor set before it (`*pvc` without `&pvc`, which every YAML reader refuses), else at
 * the first alias when expanding would exceed {@link MAX_ALIAS_COUNT} (an "alias bomb" such as nested
 * `&a [*a, *a, …]`).
 */
function aliasBomb(doc: Document.Parsed, base: number): RawDiagnostic | null {
  try {
    // mapAsMap: a collection used as a key (`*list : x`) is kept as a Map key, not stringified with a process
    // warning on stderr; only the alias check matters here.
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT, mapAsMap: true });
    return null;
  } catch (e) {
    if (!(e instanceof ReferenceError)) return null;
    let at: [number, number] = [0, 0];
    let unresolved: string | null = null;
    visit(doc, {
      Alias(_key, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        at = [node.range?.[0] ?? 0, node.range?.[1] ?? 0];
        unresolved = node.source;
        return visit.BREAK;
      },
    });
    if (unresolved !== null) {
      return {
        code: 'YAML_SYNTAX',
        severity: 'error',
        message: `Alias "*${unresolved}" names no anchor set before it; the document is not read.`,
        hint: `Define the anchor (&${unresolved}) earlier in the same document, or write the value out.`,
        start: base + at[0],
        end: base + Math.max(at[0], at[1]),
      };
    }
    visit(doc, {
      Alias(_key, node) {
        at = [node.range?.[0] ?? 0, node.range?.[1] ?? 0];
        return visit.BREAK;
      },
    });
    return {
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `Aliases expand this document beyond ${MAX_ALIAS_COUNT} nodes (an alias bomb); the document is not read.`,
      hint: 'Write the values out instead of nesting aliases of aliases.',
      start: base + at[0],
      end: base + Math.max(at[0], at[1]),
    };
  }
}

/** An empty document is a null scalar for `yaml`; the loader treats it as no content. */
function rootOf(node: YamlNode | null): YamlNode | null {
  return node?.kind === 'scalar' && node.value === null && node.start === node.end ? null : node;
}

/** The last (innermost) token, by offset, of the parsed tokens that `accepts`; undefined when none does. */
function lastToken<T extends { offset: number }>(
  tokens: readonly CST.Token[],
  accepts: (token: Record<string, unknown>) => token is Record<string, unknown> & T,
): T | undefined {
  let found: T | undefined;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const token = value as Record<string, unknown>;
    if (accepts(token) && (found === undefined || token.offset > found.offset)) found = token;
    for (const v of Object.values(token)) if (v !== null && typeof v === 'object') walk(v);
  };
  walk(tokens);
  return found;
}

/**
 * For `yaml`'s "Missing closing quote" error, which it places where the text ends: the same error at the
 * quote that opens the unclosed string (the quoted-scalar token that runs up to the error), so an editor jumps
 * to the typo rather than to the end of the file. Null for other errors.
 */
function unclosedQuote(error: YAMLError, tokens: readonly CST.Token[], base: number): RawDiagnostic | null {
  const quote = /^Missing closing (["'])quote/.exec(error.message)?.[1];
  if (error.code !== 'MISSING_CHAR' || quote === undefined) return null;
  const type = quote === '"' ? 'double-quoted-scalar' : 'single-quoted-scalar';
  const open = lastToken(
    tokens,
    (t): t is Record<string, unknown> & { offset: number } =>
      t.type === type &&
      typeof t.offset === 'number' &&
      typeof t.source === 'string' &&
      t.offset <= error.pos[0] &&
      t.offset + t.source.length >= error.pos[0],
  )?.offset;
  if (open === undefined) return null;
  const kind = quote === '"' ? 'double' : 'single';
  return {
    code: 'YAML_SYNTAX',
    severity: 'error',
    message: `The ${kind}-quoted string that starts here is never closed (missing closing ${quote}).`,
    hint: SYNTAX_HINT,
    start: base + open,
    end: base + open + 1,
  };
}

/**
 * For `yaml`'s "Flow map/sequence in block collection must … end with a }/]" error about a flow collection
 * that is never closed, which it places where the next block line (or the text) starts: the error at the `{`
 * or `[` that opens it (the innermost unclosed flow collection of that kind before the error not reported yet;
 * `reported` collects their offsets), so an editor jumps to the typo. Null for other errors, and for a
 * collection that is closed but badly indented (the library's position is right for that one).
 */
function unclosedFlow(
  error: YAMLError,
  tokens: readonly CST.Token[],
  base: number,
  reported: Set<number>,
): RawDiagnostic | null {
  const m =
    /^Flow (map|sequence) in block collection must be sufficiently indented and end with a ([}\]])/.exec(
      error.message,
    );
  if (m === null) return null;
  const [, what, close] = m;
  const open = close === '}' ? '{' : '[';
  const endType = close === '}' ? 'flow-map-end' : 'flow-seq-end';
  const token = lastToken(
    tokens,
    (t): t is Record<string, unknown> & { offset: number } =>
      t.type === 'flow-collection' &&
      typeof t.offset === 'number' &&
      t.offset <= error.pos[0] &&
      !reported.has(t.offset) &&
      (t.start as { source?: unknown } | undefined)?.source === open &&
      !(Array.isArray(t.end) && t.end.some((e: { type?: unknown }) => e.type === endType)),
  );
  if (token === undefined) return null;
  reported.add(token.offset);
  return {
    code: 'YAML_SYNTAX',
    severity: 'error',
    message: `The flow ${what} that starts here with ${open} is never closed (missing closing ${close}).`,
    hint: SYNTAX_HINT,
    start: base + token.offset,
    end: base + token.offset + 1,
  };
}

function yamlDiagnostic(
  error: YAMLError,
  base: number,
  code: 'YAML_SYNTAX' | 'YAML_WARNING',
  severity: 'error' | 'warning',
): RawDiagnostic {
  const [start, end] = error.pos;
  const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  return {
    code,
    severity,
    message: message.endsWith('.') ? message : `${message}.`,
    hint: code === 'YAML_SYNTAX' ? SYNTAX_HINT : 'Check the YAML at this position.',
    start: base + start,
    end: base + Math.max(end, start),
  };
}

interface ConvertState {
  readonly doc: Document.Parsed;
  /** Converted nodes; `null` while a collection is being converted (to catch recursive aliases). */
  readonly active: Map<Node, YamlNode | null>;
  readonly diagnostics: RawDiagnostic[];
  /** Offset of the parsed text in its file, added to every position. */
  readonly base: number;
  aliased: boolean;
}

function nullAt(at: number): YamlScalarNode {
  return { kind: 'scalar', start: at, end: at, value: null, plain: true };
}

function convertNode(node: Node, state: ConvertState): YamlNode {
  const { doc, active, diagnostics, base } = state;
  if (isAlias(node)) state.aliased = true;
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  if (!resolved) {
    return {
      kind: 'scalar',
      start: base + (node.range?.[0] ?? 0),
      end: base + (node.range?.[1] ?? 0),
      value: null,
      plain: true,
    };
  }
  const seen = active.get(resolved);
  if (seen) return seen;
  if (seen === null) {
    const at = base + (node.range?.[0] ?? 0);
    diagnostics.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: 'An alias refers to a node that contains it.',
      hint: 'Remove the recursive alias.',
      start: at,
      end: Math.max(at, base + (node.range?.[1] ?? 0)),
    });
    return nullAt(at);
  }
  const start = base + (resolved.range?.[0] ?? 0);
  const rangeEnd = base + (resolved.range?.[1] ?? 0);
  if (isScalar(resolved)) {
    const source = typeof resolved.source === 'string' ? resolved.source : String(resolved.value);
    const out: YamlScalarNode = {
      kind: 'scalar',
      start,
      end: rangeEnd,
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
      const written = pair.key as Node | null;
      // An alias used as a key is the anchored node (YAML 1.2 §3.2.2.2), as `yaml`'s toJS reads it; its
      // position stays where the alias is written.
      const keyNode = isAlias(written) ? aliasedKey(written, state) : written;
      const valueNode = pair.value as Node | null;
      const keyEnd = written?.range ? base + written.range[1] : start;
      const value: YamlNode = valueNode ? convertNode(valueNode, state) : nullAt(keyEnd);
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
        keyStart: written?.range ? base + written.range[0] : start,
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
    const end = resolved.flow || !last ? rangeEnd : Math.max(last.value.end, last.keyEnd);
    out = { kind: 'map', start, end, entries };
  } else if (isSeq(resolved)) {
    const items = resolved.items.map((item) => (item ? convertNode(item as Node, state) : nullAt(start)));
    const last = items[items.length - 1];
    const end = resolved.flow || !last ? rangeEnd : last.end;
    out = { kind: 'seq', start, end, items } satisfies YamlSeqNode;
  } else {
    out = { kind: 'scalar', start, end: rangeEnd, value: null, plain: true };
  }
  active.set(resolved, out);
  return out;
}

/**
 * The scalar an alias used as a map key names, whose value is the key (the document is marked aliased, so
 * an alias naming no anchor is refused by `aliasBomb`). An alias of a collection, or of nothing, stays the
 * alias: `yaml`'s toJS then keys the entry by the alias's text (`*name`), and so does the caller.
 */
function aliasedKey(alias: Alias, state: ConvertState): Node {
  state.aliased = true;
  const target = alias.resolve(state.doc);
  return isScalar(target) ? target : alias;
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
  // The deepest node on the path that exists (one walk, no prefix copies).
  let node: YamlNode | null = doc.root;
  if (!node) return rangeSource(doc.file, doc.lines, 0, 0);
  for (const step of path) {
    const next = childOf(node, step);
    if (!next) break;
    node = next;
  }
  return rangeSource(doc.file, doc.lines, node.start, node.end);
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
  // A transform only rewrites texts holding a `$` (Flux substitution): without one the values stay as read.
  const rewrite =
    transform && doc.root && hasDollar(doc.text, doc.root.start, doc.root.end) ? transform : undefined;
  if (!rewrite && doc.root) {
    const read = takeReadValue(doc.root);
    if (read !== undefined) return read;
  }
  return plain(doc.root, rewrite, doc.aliased ? new Map() : undefined);
}

function hasDollar(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 0x24) return true;
  return false;
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

/*
 * The light trees straight from the `yaml` parser's tokens (its CST), for the documents that need nothing
 * from the Composer: block and flow collections of plain, quoted and block scalars, with comments. It
 * follows the Composer's own steps (compose-doc, resolve-block-map, resolve-block-seq,
 * resolve-flow-collection, resolve-props, resolve-end of `yaml` 2.9) with `yaml`'s scalar reader
 * (`CST.resolveAsScalar`) and the YAML 1.1 schema's tags, and gives up on the whole text — which then goes to
 * the Composer — at anything else: anchors, aliases, tags, merge keys, explicit keys, directives, tabs,
 * duplicate keys, error tokens, and every condition on which the Composer would report an error or a
 * warning. It never reports anything itself, so every diagnostic comes from the Composer.
 */

/** Thrown to give up on the token path. */
const GIVE_UP = Symbol('give up');

/** A node with the end of its trailing comments (the `range[2]` the Composer carries on). */
interface Built {
  readonly node: YamlNode;
  readonly after: number;
}

interface Props {
  readonly found: CST.SourceToken | null;
  readonly comma: CST.SourceToken | null;
  readonly hasNewline: boolean;
  readonly hasComment: boolean;
  /** End offset of the tokens (or the given offset when there are none). */
  readonly end: number;
}

function giveUp(): never {
  throw GIVE_UP;
}

/**
 * The documents of a parsed text, or `null` when the Composer is needed (see above).
 */
function readTokens(tokens: Iterable<CST.Token>, base: number): RawParse | null {
  const documents: RawDocument[] = [];
  try {
    for (const token of tokens) {
      switch (token.type) {
        case 'byte-order-mark':
        case 'space':
        case 'comment':
        case 'newline':
          break;
        case 'document':
          documents.push({ root: rootOf(readDocument(token, base)), valid: true, aliased: false });
          break;
        case 'doc-end':
          if (documents.length === 0) giveUp();
          endOf(token.end, token.offset + token.source.length, true);
          break;
        default:
          giveUp();
      }
    }
  } catch {
    // GIVE_UP, or a stack overflow on deep nesting, which the Composer reports as an error.
    return null;
  }
  return { documents, diagnostics: [] };
}

function readDocument(doc: CST.Document, base: number): YamlNode {
  const props = propsOf(doc.start, 'doc-start', doc.offset, true, false);
  if (
    props.found &&
    doc.value &&
    (doc.value.type === 'block-map' || doc.value.type === 'block-seq') &&
    !props.hasNewline
  )
    giveUp();
  const built = doc.value ? readNode(doc.value, base, false) : emptyNode(props.end, doc.start, props, base);
  endOf(doc.end, built.after - base, false);
  return built.node;
}

/** resolve-end: what may follow a node on its line. */
function endOf(end: readonly CST.SourceToken[] | undefined, offset: number, reqSpace: boolean): number {
  let at = offset;
  let hasSpace = false;
  for (const token of end ?? []) {
    if (token.type === 'space' || token.type === 'newline') hasSpace = true;
    else if (token.type !== 'comment' || (reqSpace && !hasSpace)) giveUp();
    at += token.source.length;
  }
  return at;
}

/** resolve-props, for tokens without anchors, tags or tabs. */
function propsOf(
  tokens: readonly CST.SourceToken[],
  indicator: 'doc-start' | 'explicit-key-ind' | 'map-value-ind' | 'seq-item-ind',
  offset: number,
  startOnNewline: boolean,
  flow: boolean,
): Props {
  let hasSpace = startOnNewline;
  let hasNewline = false;
  let hasComment = false;
  let found: CST.SourceToken | null = null;
  let comma: CST.SourceToken | null = null;
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
        if (token.source.includes('\t')) giveUp();
        hasSpace = true;
        break;
      case 'comment':
        if (!hasSpace) giveUp();
        hasComment = true;
        break;
      case 'newline':
        hasNewline = true;
        hasSpace = true;
        break;
      case 'comma':
        if (!flow || comma) giveUp();
        comma = token;
        hasSpace = false;
        break;
      default:
        if (token.type !== indicator || found) giveUp();
        found = token;
        hasSpace = false;
    }
  }
  const last = tokens[tokens.length - 1];
  return { found, comma, hasNewline, hasComment, end: last ? last.offset + last.source.length : offset };
}

/**
 * util-empty-scalar-position, then compose-empty-node: a null scalar. Its comment (in `props`) moves the end
 * the Composer carries on.
 */
function emptyNode(
  offset: number,
  before: readonly CST.SourceToken[] | undefined,
  props: Props,
  base: number,
): Built {
  let at = offset;
  if (before) {
    for (let i = before.length - 1; i >= 0; --i) {
      let token = before[i] as CST.SourceToken;
      if (token.type === 'space' || token.type === 'comment' || token.type === 'newline') {
        at -= token.source.length;
        continue;
      }
      token = before[++i] as CST.SourceToken;
      while (token?.type === 'space') {
        at += token.source.length;
        token = before[++i] as CST.SourceToken;
      }
      break;
    }
  }
  // The empty plain scalar resolves to null in every YAML schema.
  const node: YamlScalarNode = { kind: 'scalar', start: base + at, end: base + at, value: null, plain: true };
  return { node, after: base + (props.hasComment ? props.end : at) };
}

function readNode(token: CST.Token, base: number, atKey: boolean): Built {
  switch (token.type) {
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
    case 'block-scalar':
      return readScalar(token, base, atKey);
    case 'block-map':
      return readBlockMap(token, base);
    case 'block-seq':
      return readBlockSeq(token, base);
    case 'flow-collection':
      return readFlowCollection(token, base);
    default:
      return giveUp();
  }
}

function readScalar(
  token: CST.FlowScalar | CST.BlockScalar,
  base: number,
  atKey: boolean,
): Built & { node: YamlScalarNode } {
  const scalar = CST.resolveAsScalar(token, true, giveUp);
  if (!scalar) return giveUp();
  const [start, end, after] = scalar.range;
  const plain = scalar.type === 'PLAIN';
  const value = plain ? resolvePlain(scalar.value, atKey) : scalar.value;
  return {
    node: { kind: 'scalar', start: base + start, end: base + end, value, plain },
    after: base + after,
  };
}

/** compose-scalar for an untagged plain scalar (see {@link resolvePlainText}). */
function resolvePlain(text: string, atKey: boolean): ScalarValue {
  const value = resolvePlainText(text, atKey);
  return value === UNRESOLVED ? giveUp() : value;
}

/** A map key: a one-line plain or quoted scalar. */
function readKey(key: CST.Token | null | undefined, base: number): Built & { node: YamlScalarNode } {
  if (
    !key ||
    (key.type !== 'scalar' && key.type !== 'single-quoted-scalar' && key.type !== 'double-quoted-scalar') ||
    key.source.includes('\n') ||
    key.end?.some((t) => t.type === 'newline')
  )
    return giveUp();
  return readScalar(key, base, true);
}

/** Collects the entries of a map as the converter does: a later key with the same text replaces an earlier one. */
class EntryList {
  readonly entries: YamlMapEntry[] = [];
  readonly #index = new Map<string, number>();
  readonly #values: ScalarValue[] = [];

  add(key: YamlScalarNode, value: YamlNode): void {
    // Map keys must be unique (util-map-includes compares the resolved values).
    if (this.#values.includes(key.value)) giveUp();
    this.#values.push(key.value);
    const text = keyText(key.value);
    const entry: YamlMapEntry = {
      key: text,
      keyStart: key.start,
      keyEnd: key.end,
      keyPlain: key.plain,
      value,
    };
    const at = this.#index.get(text);
    if (at === undefined) {
      this.#index.set(text, this.entries.length);
      this.entries.push(entry);
    } else this.entries[at] = entry;
  }
}

function readBlockMap(map: CST.BlockMap, base: number): Built {
  let offset = map.offset;
  let commentEnd: number | null = null;
  const list = new EntryList();
  for (const item of map.items) {
    const { start, key, sep, value } = item;
    if (item.explicitKey) giveUp();
    const keyProps = propsOf(start, 'explicit-key-ind', offset, true, false);
    if (keyProps.found) giveUp();
    if (!sep) {
      // A comment line: the Composer reports one followed by more entries.
      if (key) giveUp();
      commentEnd = keyProps.end;
      continue;
    }
    if (key && key.type !== 'block-seq' && 'indent' in key && key.indent !== map.indent) giveUp();
    const keyBuilt = readKey(key, base);
    const valueProps = propsOf(sep, 'map-value-ind', keyBuilt.after - base, false, false);
    offset = valueProps.end;
    if (!valueProps.found) giveUp();
    if (value?.type === 'block-map' && !valueProps.hasNewline) giveUp();
    if (keyProps.end < valueProps.found.offset - 1024) giveUp();
    const valueBuilt = value ? readNode(value, base, false) : emptyNode(offset, sep, valueProps, base);
    offset = valueBuilt.after - base;
    list.add(keyBuilt.node, valueBuilt.node);
  }
  if (commentEnd !== null && commentEnd < offset) giveUp();
  const last = list.entries[list.entries.length - 1];
  const end = last ? Math.max(last.value.end, last.keyEnd) : base + offset;
  return {
    node: { kind: 'map', start: base + map.offset, end, entries: list.entries },
    after: base + offset,
  };
}

function readBlockSeq(seq: CST.BlockSequence, base: number): Built {
  let offset = seq.offset;
  const items: YamlNode[] = [];
  for (const { start, value } of seq.items) {
    const props = propsOf(start, 'seq-item-ind', offset, true, false);
    if (!props.found) {
      if (value) giveUp();
      continue;
    }
    const built = value ? readNode(value, base, false) : emptyNode(props.end, start, props, base);
    offset = built.after - base;
    items.push(built.node);
  }
  const last = items[items.length - 1];
  const end = last ? last.end : base + offset;
  return { node: { kind: 'seq', start: base + seq.offset, end, items }, after: base + offset };
}

function readFlowCollection(fc: CST.FlowCollection, base: number): Built {
  const isMap = fc.start.source === '{';
  let offset = fc.offset + fc.start.source.length;
  const items: YamlNode[] = [];
  const list = new EntryList();
  fc.items.forEach((item, i) => {
    const { start, key, sep, value } = item;
    const props = propsOf(start, 'explicit-key-ind', offset, false, true);
    if (props.found) giveUp();
    if (!sep && !value) {
      // Only a trailing comma may leave an empty item.
      if (key || (i === 0 && props.comma) || i < fc.items.length - 1) giveUp();
      offset = props.end;
      return;
    }
    if (i === 0 ? props.comma !== null : props.comma === null) giveUp();
    if (!isMap) {
      if (sep || key || !value || value.type === 'block-map' || value.type === 'block-seq') giveUp();
      const built = readNode(value, base, false);
      items.push(built.node);
      offset = built.after - base;
      return;
    }
    const keyBuilt = readKey(key, base);
    const valueProps = propsOf(sep ?? [], 'map-value-ind', keyBuilt.after - base, false, true);
    if (!valueProps.found || valueProps.comma) giveUp();
    if (value?.type === 'block-map' || value?.type === 'block-seq') giveUp();
    const valueBuilt = value
      ? readNode(value, base, false)
      : emptyNode(valueProps.end, sep, valueProps, base);
    list.add(keyBuilt.node, valueBuilt.node);
    offset = valueBuilt.after - base;
  });
  const [close, ...rest] = fc.end;
  if (close?.source !== (isMap ? '}' : ']')) giveUp();
  const closeEnd = close.offset + close.source.length;
  const after = rest.length > 0 ? endOf(rest, closeEnd, true) : closeEnd;
  const node: YamlNode = isMap
    ? { kind: 'map', start: base + fc.offset, end: base + closeEnd, entries: list.entries }
    : { kind: 'seq', start: base + fc.offset, end: base + closeEnd, items };
  return { node, after: base + after };
}
