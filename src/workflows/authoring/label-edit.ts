import {
  Document,
  isAlias,
  isMap,
  isScalar,
  type Node,
  type Pair,
  parseAllDocuments,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { NetpolError } from '../../errors.js';
import { applyYamlEdits } from '../../repo/edit.js';

/** One entry of a flat string map to set (`value`) or delete (`value: null`). */
export interface MapEntryChange {
  readonly key: string;
  readonly value: string | null;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the line holding `offset` (after its newline), or the end of the text. */
function afterLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

function scalarText(value: string, like?: Scalar): string {
  const doc = new Document(null, { version: '1.1' });
  const node = doc.createNode(value) as Scalar;
  if (like && (like.type === 'QUOTE_DOUBLE' || like.type === 'QUOTE_SINGLE')) node.type = like.type;
  doc.contents = node;
  return doc.toString({ lineWidth: 0 }).replace(/\n$/, '');
}

function entryText(key: string, value: string): string {
  return new Document({ [key]: value }, { version: '1.1' }).toString({ lineWidth: 0 }).replace(/\n$/, '');
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
}

/** Whether an alias anywhere in the document refers to `anchor`. */
function anchorUsed(doc: Document.Parsed, anchor: string): boolean {
  let used = false;
  const visit = (node: unknown): void => {
    if (used || node === null || typeof node !== 'object') return;
    if (isAlias(node)) {
      if (node.source === anchor) used = true;
      return;
    }
    if (isMap(node)) for (const p of node.items) visit(p.value);
    else if ('items' in (node as object)) for (const i of (node as { items: unknown[] }).items) visit(i);
  };
  visit(doc.contents);
  return used;
}

/**
 * Sets and deletes entries of a flat string map (such as `metadata.labels`) in one document of a YAML file,
 * changing only the lines of those entries: everything else (other documents, comments, anchors and
 * aliases, quoting, spacing, key order) stays byte for byte. A changed value keeps its quote style; a new
 * entry is a line after the map's last entry; a deleted entry's line goes (comments above it stay); a map
 * that loses its last entry becomes `{}`; a missing map is added after the parent's last entry. Shapes a
 * line edit cannot take (flow maps, a map that is not a block mapping) go through `applyYamlEdits`.
 * @param text - The file text.
 * @param documentIndex - The document, counted as `parseAllDocuments` counts.
 * @param mapPath - Path of the map, e.g. `['metadata', 'labels']`.
 * @param changes - The entries to set or delete, in order.
 * @returns The new text.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the document does not exist or the path is not a map;
 *   `NETPOL_WRITE_FAILED` when the document has syntax errors or a changed value carries an anchor that an
 *   alias uses (changing it would change the alias too).
 */
export function editMapEntries(
  text: string,
  documentIndex: number,
  mapPath: readonly string[],
  changes: readonly MapEntryChange[],
): string {
  // Edit with LF line ends and give a CRLF file its line ends back, so only the asked-for lines change.
  const crlf = text.includes('\r\n');
  let current = crlf ? text.replace(/\r\n/g, '\n') : text;
  for (const change of changes) current = editOne(current, documentIndex, mapPath, change);
  return crlf ? current.replace(/\n/g, '\r\n') : current;
}

function editOne(
  text: string,
  documentIndex: number,
  mapPath: readonly string[],
  change: MapEntryChange,
): string {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[documentIndex];
  if (!doc) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The file has no YAML document number ${documentIndex} (it has ${list.length}).`,
      'Reload the repository; the file changed since it was read.',
    );
  }
  if (doc.errors.length > 0) {
    throw new NetpolError(
      'NETPOL_WRITE_FAILED',
      `YAML document ${documentIndex} has syntax errors, so it cannot be edited safely.`,
      'Fix the YAML syntax first.',
    );
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const fallback = () =>
    applyYamlEdits(
      text,
      change.value === null
        ? [{ documentIndex, path: [...mapPath, change.key], delete: true }]
        : [{ documentIndex, path: [...mapPath, change.key], value: change.value }],
    ).text;
  const map = doc.getIn(mapPath, true) as Node | null | undefined;
  if (
    map === undefined ||
    map === null ||
    (isScalar(map) && (map.value === null || map.value === undefined))
  ) {
    if (change.value === null) return text;
    return addMap(text, doc, mapPath, change.key, change.value, eol) ?? fallback();
  }
  if (!isMap(map)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `${mapPath.join('.')} is not a mapping in YAML document ${documentIndex}.`,
      'Fix the manifest so that it holds a mapping there.',
    );
  }
  const pair = findPair(map, change.key);
  if (pair) {
    const value = pair.value as Node | null;
    if (value && isScalar(value) && value.anchor && anchorUsed(doc, value.anchor)) {
      throw new NetpolError(
        'NETPOL_WRITE_FAILED',
        `The value of ${change.key} carries the anchor &${value.anchor}, which an alias uses; changing it would change that alias too.`,
        'Edit this label by hand.',
      );
    }
    if (change.value === null) return deleteEntry(text, map, pair) ?? fallback();
    if (value && isScalar(value) && value.value === change.value) return text;
    if (map.flow || !value?.range) return fallback();
    if (isScalar(value) && (value.type === 'BLOCK_LITERAL' || value.type === 'BLOCK_FOLDED'))
      return fallback();
    const [start, end] = value.range;
    if (text.slice(start, end).includes('\n')) return fallback();
    const anchor = isScalar(value) && value.anchor ? `&${value.anchor} ` : '';
    const rendered = scalarText(change.value, isScalar(value) ? value : undefined);
    const from = anchor ? text.lastIndexOf(`&${value.anchor ?? ''}`, start) : start;
    return text.slice(0, from) + anchor + rendered + text.slice(end);
  }
  if (change.value === null) return text;
  if (map.flow || map.items.length === 0)
    return emptyOrFlow(text, map, change.key, change.value, eol) ?? fallback();
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  if (!first || !last || !isScalar(first.key) || !first.key.range || !isScalar(last.key) || !last.key.range) {
    return fallback();
  }
  const keyStart = first.key.range[0];
  const indent = keyStart - lineStart(text, keyStart);
  const at = afterLine(text, (last.value as Node | null)?.range?.[1] ?? last.key.range[1]);
  const newline = at === text.length && !text.endsWith('\n') ? eol : '';
  return `${text.slice(0, at)}${newline}${' '.repeat(indent)}${entryText(change.key, change.value)}${eol}${text.slice(at)}`;
}

function deleteEntry(text: string, map: YAMLMap, pair: Pair): string | null {
  if (map.flow || !isScalar(pair.key) || !pair.key.range) return null;
  const keyStart = pair.key.range[0];
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') return null;
  const value = pair.value as Node | null;
  const end = afterLine(text, value?.range?.[1] ?? pair.key.range[1]);
  const rest = text.slice(0, start) + text.slice(end);
  if (map.items.length > 1) return rest;
  // The map's last entry: the key before it gets `{}` (comments inside the map stay where they were).
  const colon = text.lastIndexOf(':', start);
  if (colon === -1) return null;
  const lineEnd = text.indexOf('\n', colon);
  const tail = text.slice(colon + 1, lineEnd === -1 ? start : lineEnd).replace(/\r$/, '');
  if (tail.trim() !== '' && !tail.trim().startsWith('#')) return null;
  return `${rest.slice(0, colon + 1)} {}${rest.slice(colon + 1)}`;
}

/** Adds an entry to `{}` or a flow map by writing a block mapping in its place. */
function emptyOrFlow(text: string, map: YAMLMap, key: string, value: string, eol: string): string | null {
  if (!map.range || map.items.length > 0) return null;
  const [start, end] = map.range;
  if (text.slice(start, end).trim() !== '{}') return null;
  const ownerLine = lineStart(text, start);
  const ownerIndent = /^ */.exec(text.slice(ownerLine))?.[0].length ?? 0;
  const body = `${eol}${' '.repeat(ownerIndent + 2)}${entryText(key, value)}`;
  const before = text.slice(0, start).replace(/ +$/, '');
  return before + body + text.slice(end);
}

/** Adds a missing map (`labels:` and its first entry) after the parent mapping's last entry. */
function addMap(
  text: string,
  doc: Document.Parsed,
  mapPath: readonly string[],
  key: string,
  value: string,
  eol: string,
): string | null {
  const parentPath = mapPath.slice(0, -1);
  const name = mapPath[mapPath.length - 1];
  if (name === undefined) return null;
  const parent = (parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true)) as Node | null;
  if (!parent || !isMap(parent) || parent.flow || parent.items.length === 0) return null;
  const existing = findPair(parent, name);
  const first = parent.items[0];
  if (!first || !isScalar(first.key) || !first.key.range) return null;
  const indent = first.key.range[0] - lineStart(text, first.key.range[0]);
  const block = `${' '.repeat(indent + 2)}${entryText(key, value)}${eol}`;
  if (existing) {
    // `labels:` with no value: the entry goes on the next line.
    if (!isScalar(existing.key) || !existing.key.range) return null;
    const at = afterLine(text, existing.key.range[1]);
    const newline = at === text.length && !text.endsWith('\n') ? eol : '';
    return `${text.slice(0, at)}${newline}${block}${text.slice(at)}`;
  }
  const last = parent.items[parent.items.length - 1];
  if (!last || !isScalar(last.key) || !last.key.range) return null;
  const at = afterLine(text, (last.value as Node | null)?.range?.[1] ?? last.key.range[1]);
  const newline = at === text.length && !text.endsWith('\n') ? eol : '';
  return `${text.slice(0, at)}${newline}${' '.repeat(indent)}${name}:${eol}${block}${text.slice(at)}`;
}
