import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseAllDocuments,
  type Scalar,
  visit,
  type YAMLMap,
} from 'yaml';
import { NetpolError } from '../errors.js';

/**
 * One change to a YAML file: set the value at a path (creating missing maps on the way) or delete it.
 * `documentIndex` counts documents as `yaml`'s `parseAllDocuments` does (the model's
 * `ObjectMeta.documentIndex`).
 */
export type YamlEdit =
  | {
      readonly documentIndex: number;
      readonly path: readonly (string | number)[];
      readonly value: unknown;
    }
  | {
      readonly documentIndex: number;
      readonly path: readonly (string | number)[];
      readonly delete: true;
    };

/**
 * Applies edits to a YAML text and keeps everything else byte for byte: other documents, comments, key
 * order, quoting, spacing and anchors. A scalar is replaced in place (keeping its quote style); a new key
 * is inserted as a line after the last key of its block mapping; a deleted key's lines are removed. Edits
 * the text cannot take that way (flow collections, sequences, aliases, the last key of a mapping) go
 * through `yaml`'s Document API for that one document only.
 * @param text - The file text.
 * @param edits - The edits, applied in order.
 * @returns The new text.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when a document index does not exist or a path cannot be set;
 *   `NETPOL_WRITE_FAILED` when the target document has YAML syntax errors.
 */
export function applyYamlEdits(text: string, edits: readonly YamlEdit[]): { text: string } {
  let current = text;
  for (const edit of edits) current = applyOne(current, edit);
  return { text: current };
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
  const aliased = usesAliases(doc);
  if (!aliased) {
    const spliced =
      'delete' in edit ? deleteInText(text, doc, edit.path) : setInText(text, doc, edit.path, edit.value);
    if (spliced !== null) return spliced;
  }
  // Fallback: the Document API on this document only, spliced back in place.
  if ('delete' in edit) {
    if (!doc.hasIn(edit.path)) return text;
    doc.deleteIn(edit.path);
  } else {
    try {
      // An empty value on the way (`labels:`) becomes a mapping, so the path can go through it.
      for (let k = 1; k < edit.path.length; k++) {
        const node = doc.getIn(edit.path.slice(0, k), true);
        if (isScalar(node) && (node.value === null || node.value === undefined))
          doc.setIn(edit.path.slice(0, k), doc.createNode({}));
      }
      doc.setIn(edit.path, edit.value);
    } catch (e) {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        `Cannot set ${edit.path.join('.')}: ${e instanceof Error ? e.message : String(e)}.`,
        'The path crosses a value that is not a mapping or list.',
      );
    }
  }
  const start = edit.documentIndex === 0 ? 0 : (list[edit.documentIndex - 1]?.range[2] ?? 0);
  const end = doc.range[2];
  const original = text.slice(start, end);
  let rendered = doc.toString({
    lineWidth: 0,
    indent: detectIndent(original),
    indentSeq: detectIndentSeq(original),
  });
  if (!original.endsWith('\n') && rendered.endsWith('\n')) rendered = rendered.slice(0, -1);
  return text.slice(0, start) + rendered + text.slice(end);
}

function usesAliases(doc: Document.Parsed): boolean {
  let found = false;
  visit(doc, {
    Alias() {
      found = true;
      return visit.BREAK;
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') {
        found = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the end of the line holding `offset` (after its `\n`, or the end of the text). */
function afterLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

function isScalarValue(value: unknown): value is string | number | boolean | null {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

function renderScalar(value: string | number | boolean | null, like?: Scalar): string | null {
  const doc = new Document(null, { version: '1.1' });
  const node = doc.createNode(value) as Scalar;
  if (like && typeof value === 'string' && (like.type === 'QUOTE_DOUBLE' || like.type === 'QUOTE_SINGLE')) {
    node.type = like.type;
  }
  doc.contents = node;
  const out = doc.toString({ lineWidth: 0 }).replace(/\n$/, '');
  return out.includes('\n') ? null : out;
}

function findPair(map: YAMLMap, key: string | number): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key)) as Pair | undefined;
}

function setInText(
  text: string,
  doc: Document.Parsed,
  path: readonly (string | number)[],
  value: unknown,
): string | null {
  const target = doc.getIn(path, true) as Node | undefined;
  if (target !== undefined) {
    if (!isScalar(target) || !isScalarValue(value) || !target.range) return null;
    if (target.type === 'BLOCK_LITERAL' || target.type === 'BLOCK_FOLDED') return null;
    const [start, end] = target.range;
    if (text.slice(start, end).includes('\n')) return null;
    const rendered = renderScalar(value, target);
    if (rendered === null) return null;
    return text.slice(0, start) + rendered + text.slice(end);
  }
  // Find the deepest existing block mapping on the path and insert the rest under it.
  for (let k = path.length - 1; k >= 0; k--) {
    const parent = k === 0 ? doc.contents : (doc.getIn(path.slice(0, k), true) as Node | undefined);
    if (parent === undefined || parent === null) continue;
    if (!isMap(parent) || parent.flow || parent.items.length === 0) return null;
    const key = path[k];
    if (typeof key !== 'string' || path.slice(k + 1).some((p) => typeof p !== 'string')) return null;
    let nested: unknown = value;
    for (const p of path.slice(k + 1).reverse()) nested = { [p as string]: nested };
    return insertEntry(text, parent, key, nested);
  }
  return null;
}

function insertEntry(text: string, map: YAMLMap, key: string, value: unknown): string | null {
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  if (!first || !last || !isScalar(first.key) || !first.key.range || !isScalar(last.key) || !last.key.range)
    return null;
  const keyStart = first.key.range[0];
  const indent = keyStart - lineStart(text, keyStart);
  const lastEnd = (last.value as Node | null)?.range?.[1] ?? last.key.range[1];
  const at = afterLine(text, lastEnd);
  const doc = new Document({ [key]: value }, { version: '1.1' });
  const mapText = text.slice(lineStart(text, keyStart), at);
  const body = doc
    .toString({ lineWidth: 0, indent: detectIndent(mapText), indentSeq: detectIndentSeq(mapText) })
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => ' '.repeat(indent) + line)
    .join('\n');
  const needsNewline = at === text.length && !text.endsWith('\n') && text.length > 0;
  return `${text.slice(0, at)}${needsNewline ? '\n' : ''}${body}\n${text.slice(at)}`;
}

function deleteInText(text: string, doc: Document.Parsed, path: readonly (string | number)[]): string | null {
  if (path.length === 0) return null;
  const parent = path.length === 1 ? doc.contents : (doc.getIn(path.slice(0, -1), true) as Node | undefined);
  if (parent === undefined || parent === null) return text;
  if (isSeq(parent)) return null;
  if (!isMap(parent)) return text;
  const pair = findPair(parent, path[path.length - 1] as string | number);
  if (!pair) return text;
  if (parent.flow || !isScalar(pair.key) || !pair.key.range) return null;
  if (parent.items.length === 1) return emptyMapInText(text, doc, path.slice(0, -1), parent);
  const keyStart = pair.key.range[0];
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') return null;
  const value = pair.value as Node | null;
  if (value && isAlias(value)) return null;
  const end = afterLine(text, value?.range?.[1] ?? pair.key.range[1]);
  return text.slice(0, start) + text.slice(end);
}

/** Replaces a block mapping that loses its last key by `{}` after its key (`labels: {}`). */
function emptyMapInText(
  text: string,
  doc: Document.Parsed,
  mapPath: readonly (string | number)[],
  map: YAMLMap,
): string | null {
  if (mapPath.length === 0) return null;
  const owner =
    mapPath.length === 1 ? doc.contents : (doc.getIn(mapPath.slice(0, -1), true) as Node | undefined);
  if (!owner || !isMap(owner) || owner.flow) return null;
  const pair = findPair(owner, mapPath[mapPath.length - 1] as string | number);
  if (!pair || pair.value !== map || !isScalar(pair.key) || !pair.key.range) return null;
  const colon = text.indexOf(':', pair.key.range[1]);
  const lineEnd = text.indexOf('\n', colon);
  const rest = text.slice(colon + 1, lineEnd === -1 ? text.length : lineEnd).trim();
  if (colon === -1 || (rest !== '' && !rest.startsWith('#'))) return null;
  const last = map.items[map.items.length - 1];
  const lastEnd = (last?.value as Node | null)?.range?.[1] ?? (last?.key as Node | null)?.range?.[1];
  if (lastEnd === undefined) return null;
  const end = afterLine(text, lastEnd);
  return `${text.slice(0, colon + 1)} {}${rest === '' ? '' : ` ${rest}`}\n${text.slice(end)}`;
}

/** The indentation step of a YAML text (2 unless nested lines show another). */
function detectIndent(text: string): number {
  let min = Number.POSITIVE_INFINITY;
  for (const line of text.split('\n')) {
    const m = /^( +)[^ #-]/.exec(line);
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

/**
 * Writes a file atomically: the text goes to a temporary file in the same folder, which then replaces
 * the target (so a reader never sees half a file). The target's permissions are kept.
 * @param file - The file to write.
 * @param text - Its new content.
 * @throws NetpolError `NETPOL_WRITE_FAILED` when the file cannot be written.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(file);
  const temp = path.join(
    dir,
    `.${path.basename(file)}.netpol-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`,
  );
  try {
    let mode: number | undefined;
    try {
      mode = fs.statSync(file).mode & 0o7777;
    } catch {
      mode = undefined;
    }
    fs.writeFileSync(temp, text, mode !== undefined ? { mode } : {});
    if (mode !== undefined) fs.chmodSync(temp, mode);
    fs.renameSync(temp, file);
  } catch (e) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // The temporary file may not exist; nothing to clean up.
    }
    throw new NetpolError(
      'NETPOL_WRITE_FAILED',
      `Cannot write "${file}": ${e instanceof Error ? e.message : String(e)}.`,
      'Check that the folder exists and is writable.',
    );
  }
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
