import { Document, isMap, isScalar, type Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/**
 * A value the authoring renderers write: plain data (key order is kept), with comments and forced double
 * quotes marked where wanted. Plain objects must not have integer-like keys (JavaScript would reorder them).
 */
export type RenderValue =
  | string
  | number
  | boolean
  | null
  | Commented
  | Quoted
  | readonly RenderValue[]
  | { readonly [key: string]: RenderValue };

/** A value with a comment written on the lines before it (before its key in a mapping, its `-` in a list). */
export class Commented {
  constructor(
    /** The comment, one or more lines, without `#`. */
    readonly comment: string,
    readonly value: RenderValue,
  ) {}
}

/** A string always written in double quotes (descriptions, as the seed's template writes them). */
export class Quoted {
  constructor(readonly text: string) {}
}

/**
 * Marks a value with a comment.
 * @param comment - One or more lines, without `#`.
 * @param value - The value.
 * @returns The marked value.
 */
export function commented(comment: string, value: RenderValue): Commented {
  return new Commented(comment, value);
}

/**
 * Marks a string to be written in double quotes.
 * @param text - The string.
 * @returns The marked string.
 */
export function quoted(text: string): Quoted {
  return new Quoted(text);
}

/** Comment lines for `yaml`: long lines wrapped at {@link COMMENT_WIDTH}, empty lines kept as a bare `#`. */
function commentText(comment: string): string {
  return comment
    .split('\n')
    .flatMap((line) => wrap(line, COMMENT_WIDTH))
    .map((line) => (line === '' ? ' ' : ` ${line}`))
    .join('\n');
}

/** Width at which comment lines are wrapped (without the `# ` and the indentation). */
const COMMENT_WIDTH = 96;

function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = /^ */.exec(line)?.[0] ?? '';
  const out: string[] = [];
  let current = '';
  for (const word of line.trimStart().split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = indent + word;
    } else current = current === '' ? indent + word : `${current} ${word}`;
  }
  if (current !== '') out.push(current);
  return out;
}

function toNode(doc: Document, value: RenderValue): { node: Node; comment?: string } {
  if (value instanceof Commented) {
    const inner = toNode(doc, value.value);
    return { node: inner.node, comment: value.comment };
  }
  if (value instanceof Quoted) {
    const s = new Scalar(value.text);
    s.type = 'QUOTE_DOUBLE';
    return { node: s };
  }
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    for (const item of value as readonly RenderValue[]) {
      const { node, comment } = toNode(doc, item);
      if (comment !== undefined) node.commentBefore = commentText(comment);
      seq.items.push(node);
    }
    return { node: seq };
  }
  if (value !== null && typeof value === 'object') {
    const map = new YAMLMap();
    for (const [k, v] of Object.entries(value as { readonly [key: string]: RenderValue })) {
      const { node, comment } = toNode(doc, v);
      const key = new Scalar(k);
      if (comment !== undefined) key.commentBefore = commentText(comment);
      map.items.push(new Pair(key, node));
    }
    return { node: map };
  }
  return { node: doc.createNode(value) as Scalar };
}

/**
 * A value as a `yaml` node, its comment (if it is `Commented`) kept as the node's `commentBefore`, for
 * `applyYamlEdits` to write into an existing file.
 * @param value - The value.
 * @returns The node.
 */
export function toYamlNode(value: RenderValue): Node {
  const { node, comment } = toNode(new Document(null, { version: '1.1' }), value);
  if (comment !== undefined) node.commentBefore = commentText(comment);
  return node;
}

/**
 * Writes one YAML document: block style, 2-space indentation, sequences indented under their key, no line
 * folding, strings quoted only where YAML 1.1 would misread them (`"53"`, `"true"`). The output is a pure
 * function of the input.
 * @param value - The document's content.
 * @param header - Comment lines written before the first key. Default: none.
 * @returns The text, ending with a newline.
 */
export function toYaml(value: RenderValue, header?: string): string {
  const doc = new Document(null, { version: '1.1' });
  const { node } = toNode(doc, value);
  doc.contents = node;
  if (header !== undefined) {
    const first = isMap(node) ? node.items[0] : undefined;
    if (first && isScalar(first.key)) first.key.commentBefore = commentText(header);
    else doc.commentBefore = commentText(header);
  }
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
}

/**
 * Joins documents into one multi-document file with `---` separators.
 * @param documents - Rendered documents, each ending with a newline.
 * @returns The file text.
 */
export function joinDocuments(documents: readonly string[]): string {
  return documents.join('---\n');
}
