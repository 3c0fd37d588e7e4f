import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import {
  Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseAllDocuments,
  type Scalar,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { NetpolError } from '../errors.js';
import type { YamlPath } from './documents.js';

/**
 * One change to a YAML file. `documentIndex` counts documents as `yaml`'s `parseAllDocuments` does (the
 * model's `ObjectMeta.documentIndex`).
 * - `value`: set the value at `path`, creating missing mappings on the way;
 * - `delete`: remove the entry at `path` (nothing happens when it does not exist);
 * - `append`: add an item at the end of the list at `path` (a missing or empty key becomes a one-item list).
 *
 * Values are plain data; a `yaml` `Node` (for instance one carrying `commentBefore`) is written as it is.
 */
export type YamlEdit =
  | {
      readonly documentIndex: number;
      readonly path: YamlPath;
      readonly value: unknown;
    }
  | {
      readonly documentIndex: number;
      readonly path: YamlPath;
      readonly delete: true;
    }
  | {
      readonly documentIndex: number;
      readonly path: YamlPath;
      readonly append: unknown;
    };

/**
 * Applies edits to a YAML text by splicing only the bytes of the values they change: every other byte of
 * the file stays as it was (other documents, comments, key order, quoting, spacing, anchors and aliases,
 * flow or block style, a byte-order mark). Lines it adds take the line ending of the line they follow
 * (CRLF stays CRLF) and the indentation of their neighbours.
 * - A changed scalar is replaced in place and keeps its quote style, anchor and tag.
 * - A new entry of a block mapping (or item of a block list) is a line after the last one, at its indentation;
 *   in a flow collection (`{team: a}`, `[a, b]`) it is added after the last item with the collection's own
 *   separator, so the collection keeps its style and spacing.
 * - A deleted block entry loses its lines (comments above it stay); the last entry of a block mapping
 *   leaves `{}` after its key, the last of a flow collection leaves `{}` or `[]`.
 * - An empty value (`labels:`, `labels: ~`) that receives entries gets them as block lines under its key.
 * @param text - The file text.
 * @param edits - The edits, applied in order.
 * @returns The new text (the same string when nothing changes).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when a document index does not exist or a path cannot be set
 *   (it crosses a scalar, or a list index that does not exist); `NETPOL_WRITE_FAILED` when the document has
 *   YAML syntax errors, or the edit cannot change only its own value: it would go through an alias or
 *   change a node whose anchor an alias uses (that would change the alias too), delete a key that comes
 *   from a merge key (`<<`), or replace a whole block collection.
 */
export function applyYamlEdits(text: string, edits: readonly YamlEdit[]): { text: string } {
  let current = text;
  for (const edit of edits) current = applyOne(current, edit);
  return { text: current };
}

/** Everything one edit needs about its document. */
interface Context {
  readonly text: string;
  readonly doc: Document.Parsed;
  /** Anchors some alias of the document refers to. */
  readonly aliased: ReadonlySet<string>;
  /** Indentation step and sequence style of the document, for new block lines. */
  readonly indent: number;
  readonly indentSeq: boolean;
  readonly path: YamlPath;
}

/** Where a path leads: how many of its keys exist, and the node they reach. */
interface Located {
  /** Number of leading path elements that exist. */
  readonly depth: number;
  /** The node at `path.slice(0, depth)` (null for an empty document). */
  readonly node: Node | null;
  /** The mapping entry holding `node`, when it was reached through a key. */
  readonly pair: Pair | undefined;
  /** The collection holding `node`, if any. */
  readonly parent: YAMLMap | YAMLSeq | undefined;
  /** Every node from the document root to `node`, inclusive. */
  readonly chain: readonly Node[];
}

function applyOne(text: string, edit: YamlEdit): string {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[edit.documentIndex];
  if (!doc) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The file has no YAML document number ${edit.documentIndex} (it has ${list.length}).`,
      'Reload the repository; the file changed since it was read.',
    );
  }
  if (doc.errors.length > 0) {
    throw new NetpolError(
      'NETPOL_WRITE_FAILED',
      `YAML document ${edit.documentIndex} has syntax errors, so it cannot be edited safely.`,
      'Fix the YAML syntax first (`netpol lint` shows where).',
    );
  }
  const docText = text.slice(doc.range[0], doc.range[2]);
  const ctx: Context = {
    text,
    doc,
    aliased: aliasedAnchors(doc),
    indent: detectIndent(docText),
    indentSeq: detectIndentSeq(docText),
    path: edit.path,
  };
  if ('delete' in edit) return deleteAt(ctx);
  if ('append' in edit) return appendAt(ctx, edit.append);
  return setAt(ctx, edit.value);
}

function aliasedAnchors(doc: Document.Parsed): Set<string> {
  const names = new Set<string>();
  visit(doc, {
    Alias(_, alias) {
      names.add(alias.source);
    },
  });
  return names;
}

function refuse(ctx: Context, why: string): NetpolError {
  return new NetpolError(
    'NETPOL_WRITE_FAILED',
    `Cannot edit ${ctx.path.join('.')} without changing other values: ${why}.`,
    'Edit this value by hand.',
  );
}

function badPath(ctx: Context, why: string): NetpolError {
  return new NetpolError(
    'NETPOL_BAD_ARGUMENT',
    `Cannot set ${ctx.path.join('.')}: ${why}.`,
    'The path crosses a value that is not a mapping or list.',
  );
}

function isMergePair(pair: Pair): boolean {
  return isScalar(pair.key) && (typeof pair.key.value === 'symbol' || pair.key.value === '<<');
}

function findPair(map: YAMLMap, key: string | number): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && !isMergePair(p) && String(p.key.value) === String(key)) as
    | Pair
    | undefined;
}

function isNullish(node: Node | null): boolean {
  return node === null || (isScalar(node) && (node.value === null || node.value === undefined));
}

function locate(ctx: Context, upTo: number = ctx.path.length): Located {
  let node = ctx.doc.contents as Node | null;
  let pair: Pair | undefined;
  let parent: YAMLMap | YAMLSeq | undefined;
  const chain: Node[] = node ? [node] : [];
  for (let k = 0; k < upTo; k++) {
    if (node === null || isScalar(node)) return { depth: k, node, pair, parent, chain };
    if (isAlias(node)) throw refuse(ctx, `it goes through the alias *${node.source}`);
    const key = ctx.path[k] as string | number;
    if (isMap(node)) {
      const found = findPair(node, key);
      if (!found) return { depth: k, node, pair, parent, chain };
      parent = node;
      pair = found;
      node = found.value as Node | null;
    } else if (isSeq(node)) {
      if (typeof key !== 'number') throw badPath(ctx, `${ctx.path.slice(0, k).join('.')} is a list`);
      const item = node.items[key] as Node | undefined;
      if (item === undefined) return { depth: k, node, pair, parent, chain };
      parent = node;
      pair = undefined;
      node = item;
    } else {
      return { depth: k, node, pair, parent, chain };
    }
    if (node) chain.push(node);
  }
  return { depth: upTo, node, pair, parent, chain };
}

/** Refuses when a node about to change carries an anchor that an alias uses. */
function checkAnchors(ctx: Context, nodes: readonly Node[]): void {
  for (const node of nodes) {
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor && ctx.aliased.has(anchor)) {
      throw refuse(ctx, `the anchor &${anchor} is used by an alias, which would change too`);
    }
  }
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the line holding `offset` (after its line break), or the end of the text. */
function afterLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/** The line ending of the line holding `offset`, else of the line before it, else `\n`. */
function eolAt(text: string, offset: number): string {
  let nl = text.indexOf('\n', offset);
  if (nl === -1) nl = text.lastIndexOf('\n', offset - 1);
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/** Inserts lines (joined with `\n`, given the line ending of the neighbourhood) at a line start. */
function insertLines(text: string, at: number, lines: readonly string[]): string {
  const eol = eolAt(text, at === 0 ? 0 : at - 1);
  const lead = at === text.length && at > 0 && text[at - 1] !== '\n' ? eol : '';
  return `${text.slice(0, at)}${lead}${lines.join(eol)}${eol}${text.slice(at)}`;
}

function isScalarValue(value: unknown): value is string | number | boolean | null {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** One-line text of a scalar, in the quote style of `like` when it had quotes. */
function renderScalar(ctx: Context, value: string | number | boolean | null, like?: Node | null): string {
  const doc = new Document(null, { version: '1.1' });
  const node = doc.createNode(value) as Scalar;
  const type = like && isScalar(like) ? like.type : undefined;
  if (typeof value === 'string' && (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE')) node.type = type;
  if (typeof value === 'string' && /[\n\r]/.test(value)) node.type = 'QUOTE_DOUBLE';
  doc.contents = node;
  const out = doc.toString({ lineWidth: 0 }).replace(/\n$/, '');
  if (out.includes('\n')) throw badPath(ctx, 'the value cannot be written on one line');
  return out;
}

/** The value as plain data (comments dropped), for flow collections. */
function plain(value: unknown): unknown {
  return isNode(value) ? value.toJSON() : new Document(value, { version: '1.1' }).toJS();
}

/** One-line flow text of a value (`{a: b}`, `[a, b]`, a scalar). */
function renderFlow(ctx: Context, value: unknown): string {
  const doc = new Document(plain(value), { version: '1.1' });
  visit(doc, {
    Map(_, map) {
      map.flow = true;
    },
    Seq(_, seq) {
      seq.flow = true;
    },
  });
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/\n$/, '');
  if (out.includes('\n')) throw badPath(ctx, 'the value cannot be written on one line');
  return out;
}

/** Block lines of a value (a mapping or list), without indentation. */
function renderBlock(ctx: Context, value: unknown): string[] {
  return new Document(value, { version: '1.1' })
    .toString({ lineWidth: 0, indent: ctx.indent, indentSeq: ctx.indentSeq, flowCollectionPadding: false })
    .replace(/\n$/, '')
    .split('\n');
}

function isEmptyCollection(value: unknown): boolean {
  if (isNode(value)) return isCollection(value) && value.items.length === 0;
  if (Array.isArray(value)) return value.length === 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

/** The column of an offset (a byte-order mark at the start of the text takes none). */
function column(text: string, offset: number): number {
  const start = lineStart(text, offset);
  return offset - start - (start === 0 && text.startsWith('\uFEFF') ? 1 : 0);
}

/** End of a node's own text, without the line breaks a block scalar or collection ends with. */
function contentEnd(text: string, node: Node): number {
  const [start, end] = node.range ?? [0, 0];
  let e = end;
  while (e > start && /[\r\n \t]/.test(text[e - 1] ?? '')) e--;
  return e;
}

function entryEnd(entry: Pair | Node): number {
  if (isNode(entry)) return entry.range?.[1] ?? 0;
  const value = entry.value as Node | null;
  return value?.range?.[1] ?? (entry.key as Node | null)?.range?.[1] ?? 0;
}

function entryStart(entry: Pair | Node): number {
  if (isNode(entry)) return entry.range?.[0] ?? 0;
  return (entry.key as Node | null)?.range?.[0] ?? 0;
}

function setAt(ctx: Context, value: unknown): string {
  const { text, path } = ctx;
  const loc = locate(ctx);
  if (loc.depth === path.length) {
    const target = loc.node;
    if (isScalarValue(value) && target && isScalar(target) && target.value === value) return text;
    checkAnchors(ctx, loc.chain);
    return replaceNode(ctx, loc, value);
  }
  const rest = path.slice(loc.depth);
  const [key, ...deeper] = rest;
  if (key === undefined || deeper.some((p) => typeof p !== 'string')) {
    throw badPath(ctx, `${path.slice(0, loc.depth + 1).join('.')} does not exist`);
  }
  let nested: unknown = value;
  for (const p of [...deeper].reverse()) nested = { [p as string]: nested };
  const at = loc.node;
  if (at !== null && isMap(at)) {
    if (typeof key !== 'string') throw badPath(ctx, `${path.slice(0, loc.depth).join('.')} is a mapping`);
    if (deeper.length > 0 && at.items.some(isMergePair)) {
      throw refuse(ctx, `${String(key)} may come from a merge key (<<), which a new key would hide`);
    }
    checkAnchors(ctx, loc.chain);
    return insertEntry(ctx, at, key, nested);
  }
  if (at !== null && isSeq(at)) {
    if (key !== at.items.length || deeper.length > 0) {
      throw badPath(ctx, `${path.slice(0, loc.depth + 1).join('.')} does not exist`);
    }
    checkAnchors(ctx, loc.chain);
    return appendItem(ctx, at, value);
  }
  if (loc.depth > 0 && isNullish(at) && typeof key === 'string') {
    checkAnchors(ctx, loc.chain);
    return replaceNode(ctx, loc, { [key]: nested });
  }
  throw badPath(ctx, `${path.slice(0, loc.depth).join('.') || 'the document'} is not a mapping`);
}

/** Replaces the value at a located path (a scalar, an alias or a flow collection) by a new value. */
function replaceNode(ctx: Context, loc: Located, value: unknown): string {
  const { text } = ctx;
  const node = loc.node;
  if (node === null || !node.range) throw badPath(ctx, 'the value has no place in the text');
  if (isCollection(node) && !node.flow) throw refuse(ctx, 'it replaces a whole block collection');
  const start = node.range[0];
  const end = contentEnd(text, node);
  const keyRange = (loc.pair?.key as Node | null | undefined)?.range;
  const block =
    !isScalarValue(value) &&
    !isEmptyCollection(value) &&
    loc.parent?.flow !== true &&
    isScalar(node) &&
    !node.tag &&
    keyRange &&
    !text.slice(keyRange[1], start).includes('\n');
  if (!block) {
    const inline = isScalarValue(value) ? renderScalar(ctx, value, node) : renderFlow(ctx, value);
    const space = start === end && text[start - 1] === ':' ? ' ' : '';
    return text.slice(0, start) + space + inline + text.slice(end);
  }
  // A mapping or list for an empty value of a block mapping: block lines under its key (a `~` goes).
  let from = start;
  while (start < end && from > 0 && text[from - 1] === ' ') from--;
  const cut = text.slice(0, from) + text.slice(end);
  const keyCol = column(text, keyRange[0]);
  const pad = ' '.repeat(Array.isArray(value) && !ctx.indentSeq ? keyCol : keyCol + ctx.indent);
  return insertLines(
    cut,
    afterLine(cut, from),
    renderBlock(ctx, value).map((l) => (l === '' ? '' : pad + l)),
  );
}

/** Adds `key: value` to an existing mapping, in its style. */
function insertEntry(ctx: Context, map: YAMLMap, key: string, value: unknown): string {
  const { text } = ctx;
  if (map.flow) {
    const entry = renderFlow(ctx, { [key]: value });
    return insertFlowItem(ctx, map, entry.slice(1, -1));
  }
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  if (!first || !last) throw badPath(ctx, 'the mapping has no place in the text');
  const keyCol = column(text, entryStart(first));
  const at = afterLine(text, entryEnd(last));
  const lines = renderBlock(ctx, { [key]: value }).map((l) => ' '.repeat(keyCol) + l);
  return insertLines(text, at, lines);
}

function appendAt(ctx: Context, item: unknown): string {
  const loc = locate(ctx);
  if (loc.depth < ctx.path.length) return setAt(ctx, [item]);
  const node = loc.node;
  if (isNullish(node)) {
    checkAnchors(ctx, loc.chain);
    return replaceNode(ctx, loc, [item]);
  }
  if (node === null || !isSeq(node)) throw badPath(ctx, `${ctx.path.join('.')} is not a list`);
  checkAnchors(ctx, loc.chain);
  return appendItem(ctx, node, item);
}

function appendItem(ctx: Context, seq: YAMLSeq, item: unknown): string {
  const { text } = ctx;
  if (seq.flow) return insertFlowItem(ctx, seq, renderFlow(ctx, item));
  const last = seq.items[seq.items.length - 1] as Node | undefined;
  if (!seq.range || !last) throw badPath(ctx, 'the list has no place in the text');
  const dashCol = column(text, seq.range[0]);
  const at = afterLine(text, entryEnd(last));
  const lines = renderBlock(ctx, [item]);
  return insertLines(
    text,
    at,
    lines.map((l) => (l === '' ? '' : ' '.repeat(dashCol) + l)),
  );
}

/** Adds an item's text to a flow collection after its last item, with the collection's separator. */
function insertFlowItem(ctx: Context, coll: YAMLMap | YAMLSeq, itemText: string): string {
  const { text } = ctx;
  if (!coll.range) throw badPath(ctx, 'the collection has no place in the text');
  const items = coll.items as (Pair | Node)[];
  const last = items[items.length - 1];
  if (last === undefined) {
    const [start, end] = coll.range;
    if (text.slice(start + 1, end - 1).trim() !== '')
      throw refuse(ctx, 'the empty collection holds comments');
    return `${text.slice(0, start + 1)}${itemText}${text.slice(end - 1)}`;
  }
  const prev = items[items.length - 2];
  let sep = ', ';
  if (prev !== undefined) {
    const between = text.slice(entryEnd(prev), entryStart(last));
    if (/^\s*,\s*$/.test(between)) sep = between;
  }
  const at = entryEnd(last);
  return text.slice(0, at) + sep + itemText + text.slice(at);
}

function deleteAt(ctx: Context): string {
  const { text, path } = ctx;
  if (path.length === 0) throw badPath(ctx, 'a whole document cannot be deleted');
  const loc = locate(ctx);
  if (loc.depth < path.length) {
    const at = loc.node;
    if (loc.depth === path.length - 1 && at !== null && isMap(at) && at.items.some(isMergePair)) {
      throw refuse(ctx, 'the key may come from a merge key (<<)');
    }
    return text;
  }
  const parent = loc.parent;
  if (!parent) throw badPath(ctx, 'a whole document cannot be deleted');
  if (isMap(parent) && parent.items.some(isMergePair)) {
    throw refuse(ctx, 'a merge key (<<) may hold the same key, which would show through');
  }
  checkAnchors(ctx, loc.chain);
  const items = parent.items as (Pair | Node)[];
  const index = isMap(parent) ? items.indexOf(loc.pair as Pair) : (path[path.length - 1] as number);
  const entry = items[index];
  if (entry === undefined) return text;
  return parent.flow
    ? deleteFlowItem(ctx, parent, items, index)
    : deleteBlockEntry(ctx, locate(ctx, path.length - 1), items, index);
}

function deleteFlowItem(
  ctx: Context,
  coll: YAMLMap | YAMLSeq,
  items: (Pair | Node)[],
  index: number,
): string {
  const { text } = ctx;
  const [start, end] = coll.range ?? [0, 0];
  if (items.length === 1) {
    const empty = isMap(coll) ? '{}' : '[]';
    if (text.slice(start, end).includes('#')) throw refuse(ctx, 'the collection holds comments');
    return text.slice(0, start) + empty + text.slice(end);
  }
  const entry = items[index] as Pair | Node;
  const next = items[index + 1];
  const [from, to] =
    next !== undefined
      ? [entryStart(entry), entryStart(next)]
      : [entryEnd(items[index - 1] as Pair | Node), entryEnd(entry)];
  if (text.slice(from, to).includes('#')) throw refuse(ctx, 'a comment sits between the items');
  return text.slice(0, from) + text.slice(to);
}

/** The offset where a block entry's line prefix (indentation, `- `, properties) begins, and what it holds. */
function entryPrefix(text: string, entry: Pair | Node): { lineLeading: boolean; start: number } {
  let start = entryStart(entry);
  if (isNode(entry)) {
    // A list item: back over its properties and its `-`.
    const m = /(- +)((?:[&!]\S*[ \t]+)*)$/.exec(text.slice(lineStart(text, start), start));
    if (!m) return { lineLeading: false, start };
    start -= m[0].length;
  }
  return { lineLeading: text.slice(lineStart(text, start), start).trim() === '', start };
}

function deleteBlockEntry(ctx: Context, owner: Located, items: (Pair | Node)[], index: number): string {
  const { text } = ctx;
  const entry = items[index] as Pair | Node;
  const { lineLeading, start } = entryPrefix(text, entry);
  const end = entryEnd(entry);
  const empty = isNode(entry) ? '[]' : '{}';
  if (lineLeading) {
    const cut = text.slice(0, lineStart(text, start)) + text.slice(afterLine(text, end));
    if (items.length > 1) return cut;
    // The collection's last entry: its key gets `{}` (or `[]`); comments inside stay where they were.
    const keyNode = owner.pair?.key as Node | null | undefined;
    if (!keyNode?.range) throw refuse(ctx, 'the emptied collection has no key to hold {}');
    const lineEnd = text.indexOf('\n', keyNode.range[1]);
    const tail = text.slice(keyNode.range[1], lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '');
    const m = /^(\s*:(?:[ \t]+[&!]\S*)*)([ \t]*(?:#.*)?)$/.exec(tail);
    if (!m || lineEnd === -1 || lineEnd >= lineStart(text, start)) {
      throw refuse(ctx, 'the emptied collection has no key to hold {}');
    }
    const at = keyNode.range[1] + (m[1] ?? '').length;
    return `${cut.slice(0, at)} ${empty}${cut.slice(at)}`;
  }
  // The entry shares its line with a `- ` of an enclosing list (or another prefix).
  if (isNode(entry)) throw refuse(ctx, 'the list item shares its line with another item');
  if (items.length === 1) {
    return text.slice(0, start) + empty + text.slice(contentEndOfEntry(text, entry));
  }
  const next = items[index + 1];
  if (index !== 0 || next === undefined) throw refuse(ctx, 'the entry shares its line with another');
  const nextStart = entryStart(next);
  if (text.slice(end, nextStart).includes('#')) throw refuse(ctx, 'a comment follows the entry');
  return text.slice(0, start) + text.slice(nextStart);
}

function contentEndOfEntry(text: string, entry: Pair): number {
  const value = entry.value as Node | null;
  return value?.range ? contentEnd(text, value) : entryEnd(entry);
}

/** The indentation step of a YAML text (2 unless nested lines show another). */
function detectIndent(text: string): number {
  let min = Number.POSITIVE_INFINITY;
  for (const line of text.split('\n')) {
    const m = /^( +)[^ #\-\r]/.exec(line);
    if (m?.[1] && m[1].length < min) min = m[1].length;
  }
  return Number.isFinite(min) && min <= 8 ? min : 2;
}

/** Whether block sequences are indented under their key (`key:\n  - a`) rather than not (`key:\n- a`). */
function detectIndentSeq(text: string): boolean {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const m = /^( *)- /.exec(lines[i] ?? '');
    if (!m) continue;
    for (let j = i - 1; j >= 0; j--) {
      const prev = lines[j] ?? '';
      if (prev.trim() === '' || prev.trim().startsWith('#')) continue;
      const p = /^( *)(- )?[^ ].*:\s*(#.*)?$/.exec(prev);
      if (!p) break;
      const prevIndent = (p[1] ?? '').length + (p[2] ? 2 : 0);
      return (m[1] ?? '').length > prevIndent;
    }
  }
  return true;
}

function normalizeResource(entry: string): string {
  return entry.replace(/^\.\//, '').replace(/\/+$/, '');
}

/**
 * The string entries of a kustomization's `resources` list.
 * @param text - The kustomization's text.
 * @returns The entries, in order (empty when the text is unreadable or has no list).
 */
export function kustomizationResources(text: string): string[] {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  const list = doc?.get('resources', true);
  if (!isSeq(list)) return [];
  return list.items.flatMap((i) => (isScalar(i) && typeof i.value === 'string' ? [i.value] : []));
}

/**
 * Lists an entry in a kustomization's `resources` (through {@link applyYamlEdits}: a new line or flow item
 * in the list's own style, a new key when missing). An entry already listed, with or without `./` or a
 * trailing `/`, leaves the text as it is.
 * @param text - The kustomization's text.
 * @param resource - The entry, relative to the kustomization's folder.
 * @returns The new text.
 * @throws NetpolError as {@link applyYamlEdits}; `NETPOL_BAD_ARGUMENT` when `resources` is not a list.
 */
export function addKustomizationResource(text: string, resource: string): string {
  const wanted = normalizeResource(resource);
  if (kustomizationResources(text).some((r) => normalizeResource(r) === wanted)) return text;
  return applyYamlEdits(text, [{ documentIndex: 0, path: ['resources'], append: resource }]).text;
}

/**
 * A unified diff (`--- a/path`, `+++ b/path`, hunks with 3 lines of context), as `git diff` prints it.
 * @param file - The file's path, shown in the headers.
 * @param before - The old text.
 * @param after - The new text.
 * @returns The diff, or `''` when the texts are equal.
 */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
