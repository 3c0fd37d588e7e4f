import { resolvePlainScalar } from './scalar.js';
import { keyText, type YamlMapEntry, type YamlNode, type YamlScalarNode } from './yaml-tree.js';

/**
 * A fast reader for the plain subset of YAML that Kubernetes manifests use almost always: block maps and
 * sequences indented with spaces, one-line plain and quoted scalars, one-line flow collections, comments,
 * `---` separators, and JSON documents. It builds the same light tree as the full `yaml` parser (the
 * `yaml` package parses about 3 MB/s, far too slow for a 20,000-policy repository).
 *
 * Anything outside the subset (anchors, aliases, tags, block scalars, multi-line scalars, complex keys,
 * duplicate keys, tabs, CRLF, directives, syntax errors) makes it give up and return `null`; the caller
 * then parses the file with the `yaml` package, which is the reference. A property test checks that both
 * produce the same tree.
 */

class Bail extends Error {}
const BAIL = new Bail('outside the fast YAML subset');

const SPACE = 32;
const NL = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const BACKSLASH = 92;

/** Characters that may not start a plain scalar (or that start a construct outside the subset). */
function isIndicator(c: number): boolean {
  switch (c) {
    case DASH:
    case 63: // ?
    case COLON:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case DQUOTE:
    case SQUOTE:
    case 37: // %
    case 64: // @
    case 96: // `
      return true;
    default:
      return false;
  }
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

// Tabs, CR, other C0/C1 controls, BOM, NEL and the Unicode line separators are left to the full parser.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/;

/** One document found by the fast reader. */
export interface FastDocument {
  readonly root: YamlNode | null;
}

/**
 * Parses a whole file with the fast reader.
 * @param text - The file text.
 * @returns The documents (as many as `yaml`'s `parseAllDocuments` finds), or `null` when the text is
 *   outside the supported subset.
 */
export function fastParseYaml(text: string): FastDocument[] | null {
  if (UNSUPPORTED_CHARS.test(text)) return null;
  try {
    return new FastParser(text).parseStream();
  } catch (e) {
    if (e instanceof Bail) return null;
    throw e;
  }
}

const LINE_BLANK = 0;
const LINE_CONTENT = 1;
const LINE_MARKER = 2;

class FastParser {
  readonly text: string;
  readonly lineStart: number[] = [];
  readonly lineEnd: number[] = [];
  readonly lineIndent: number[] = [];
  readonly lineKind: number[] = [];
  /** Index of the first line after the current document. */
  docEnd = 0;

  constructor(text: string) {
    this.text = text;
    let start = 0;
    const n = text.length;
    while (start <= n) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = n;
      let i = start;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      let kind = LINE_CONTENT;
      if (i === end || text.charCodeAt(i) === HASH) kind = LINE_BLANK;
      else if (i === start) {
        const c = text.charCodeAt(start);
        if (c === 37) throw BAIL; // % directive
        if (text.startsWith('---', start)) {
          const after = start + 3;
          if (after === end) kind = LINE_MARKER;
          else if (text.charCodeAt(after) === SPACE) {
            let j = after;
            while (j < end && text.charCodeAt(j) === SPACE) j++;
            if (j === end || text.charCodeAt(j) === HASH) kind = LINE_MARKER;
            else throw BAIL;
          } else throw BAIL;
        } else if (text.startsWith('...', start)) throw BAIL;
      }
      this.lineStart.push(start);
      this.lineEnd.push(end);
      this.lineIndent.push(i - start);
      this.lineKind.push(kind);
      if (end === n) break;
      start = end + 1;
    }
  }

  parseStream(): FastDocument[] {
    const docs: FastDocument[] = [];
    const count = this.lineKind.length;
    let from = 0;
    let first = true;
    for (;;) {
      let to = from;
      while (to < count && this.lineKind[to] !== LINE_MARKER) to++;
      this.docEnd = to;
      const contentLine = this.nextContent(from);
      if (!first || contentLine !== -1) {
        docs.push({ root: contentLine === -1 ? null : this.parseDocumentRoot(contentLine) });
      }
      if (to >= count) break;
      from = to + 1;
      first = false;
    }
    return docs;
  }

  nextContent(from: number): number {
    for (let i = from; i < this.docEnd; i++) if (this.lineKind[i] === LINE_CONTENT) return i;
    return -1;
  }

  indentOf(line: number): number {
    return this.lineIndent[line] ?? 0;
  }

  startOf(line: number): number {
    return this.lineStart[line] ?? 0;
  }

  endOf(line: number): number {
    return this.lineEnd[line] ?? 0;
  }

  parseDocumentRoot(line: number): YamlNode {
    const col = this.startOf(line) + this.indentOf(line);
    const c = this.text.charCodeAt(col);
    if (c === LBRACKET || c === LBRACE) {
      const limit = this.docEnd < this.lineKind.length ? this.startOf(this.docEnd) : this.text.length;
      const flow = new FlowReader(this.text, col, limit, false);
      const node = flow.value();
      flow.skipSpace();
      if (flow.pos < flow.limit) throw BAIL;
      return node;
    }
    const { node, next } = this.parseNode(line, col, -1);
    if (next !== -1) throw BAIL;
    return node;
  }

  isSeqDash(pos: number, lineEnd: number): boolean {
    if (this.text.charCodeAt(pos) !== DASH) return false;
    return pos + 1 === lineEnd || this.text.charCodeAt(pos + 1) === SPACE;
  }

  /**
   * Parses the node that starts at `pos` on `line` (the first non-space character of what follows).
   * @returns the node and the next content line after it (-1 at the end of the document).
   */
  parseNode(line: number, pos: number, parentIndent: number): { node: YamlNode; next: number } {
    const lineEnd = this.endOf(line);
    const column = pos - this.startOf(line);
    if (this.isSeqDash(pos, lineEnd)) return this.parseSeq(line, column, false);
    const key = this.scanKey(pos, lineEnd);
    if (key) return this.parseMap(line, column, key);
    const node = this.inlineValue(pos, lineEnd);
    const next = this.nextContent(line + 1);
    if (next !== -1 && this.indentOf(next) > parentIndent) throw BAIL;
    return { node, next };
  }

  parseMap(line: number, indent: number, firstKey: ScannedKey): { node: YamlNode; next: number } {
    const text = this.text;
    const entries: YamlMapEntry[] = [];
    const seen = new Set<string>();
    let key: ScannedKey | null = firstKey;
    let current = line;
    const start = firstKey.start;
    let end = start;
    for (;;) {
      if (!key) throw BAIL;
      if (seen.has(key.text)) throw BAIL;
      seen.add(key.text);
      const lineEnd = this.endOf(current);
      let q = key.colon + 1;
      while (q < lineEnd && text.charCodeAt(q) === SPACE) q++;
      let value: YamlNode;
      let next: number;
      if (q === lineEnd || text.charCodeAt(q) === HASH) {
        const following = this.nextContent(current + 1);
        if (following !== -1 && this.indentOf(following) > indent) {
          const r = this.parseNode(following, this.startOf(following) + this.indentOf(following), indent);
          value = r.node;
          next = r.next;
        } else if (
          following !== -1 &&
          this.indentOf(following) === indent &&
          this.isSeqDash(this.startOf(following) + indent, this.endOf(following))
        ) {
          const r = this.parseSeq(following, indent, true);
          value = r.node;
          next = r.next;
        } else {
          value = nullScalar(q);
          next = following;
        }
      } else {
        value = this.inlineValue(q, lineEnd);
        next = this.nextContent(current + 1);
        if (next !== -1 && this.indentOf(next) > indent) throw BAIL;
      }
      entries.push({ key: key.text, keyStart: key.start, keyEnd: key.end, keyPlain: key.plain, value });
      end = value.end;
      if (next === -1 || this.indentOf(next) < indent)
        return { node: { kind: 'map', start, end, entries }, next };
      if (this.indentOf(next) > indent) throw BAIL;
      current = next;
      const pos = this.startOf(next) + indent;
      if (this.isSeqDash(pos, this.endOf(next))) throw BAIL;
      key = this.scanKey(pos, this.endOf(next));
    }
  }

  parseSeq(line: number, indent: number, indentless: boolean): { node: YamlNode; next: number } {
    const text = this.text;
    const items: YamlNode[] = [];
    let current = line;
    const start = this.startOf(line) + indent;
    let end = start;
    for (;;) {
      const lineEnd = this.endOf(current);
      let q = this.startOf(current) + indent + 1;
      while (q < lineEnd && text.charCodeAt(q) === SPACE) q++;
      let item: YamlNode;
      let next: number;
      if (q === lineEnd || text.charCodeAt(q) === HASH) {
        const following = this.nextContent(current + 1);
        if (following !== -1 && this.indentOf(following) > indent) {
          const r = this.parseNode(following, this.startOf(following) + this.indentOf(following), indent);
          item = r.node;
          next = r.next;
        } else {
          item = nullScalar(q);
          next = following;
        }
      } else if (this.isSeqDash(q, lineEnd)) {
        throw BAIL;
      } else {
        const key = this.scanKey(q, lineEnd);
        if (key) {
          const r = this.parseMap(current, q - this.startOf(current), key);
          item = r.node;
          next = r.next;
        } else {
          item = this.inlineValue(q, lineEnd);
          next = this.nextContent(current + 1);
          if (next !== -1 && this.indentOf(next) > indent) throw BAIL;
        }
      }
      items.push(item);
      end = item.end;
      if (next === -1 || this.indentOf(next) < indent)
        return { node: { kind: 'seq', start, end, items }, next };
      if (this.indentOf(next) > indent) throw BAIL;
      if (!this.isSeqDash(this.startOf(next) + indent, this.endOf(next))) {
        if (indentless) return { node: { kind: 'seq', start, end, items }, next };
        throw BAIL;
      }
      current = next;
    }
  }

  /** A map key at `pos`, or null when the line holds no `key:` there. */
  scanKey(pos: number, lineEnd: number): ScannedKey | null {
    const text = this.text;
    const c = text.charCodeAt(pos);
    if (c === DQUOTE || c === SQUOTE) {
      const q = c === DQUOTE ? readDoubleQuoted(text, pos, lineEnd) : readSingleQuoted(text, pos, lineEnd);
      let i = q.end;
      while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
      if (
        i < lineEnd &&
        text.charCodeAt(i) === COLON &&
        (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE)
      ) {
        return { text: q.value, start: pos, end: q.end, colon: i, plain: false };
      }
      return null;
    }
    if (isIndicator(c) && !(c === DASH && pos + 1 < lineEnd && text.charCodeAt(pos + 1) !== SPACE)) {
      if (c === LBRACKET || c === LBRACE) return null;
      throw BAIL;
    }
    for (let i = pos; i < lineEnd; i++) {
      const ch = text.charCodeAt(i);
      if (ch === COLON) {
        if (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE) {
          let e = i;
          while (e > pos && text.charCodeAt(e - 1) === SPACE) e--;
          const raw = text.slice(pos, e);
          if (raw === '<<') throw BAIL;
          return { text: keyText(resolvePlainScalar(raw)), start: pos, end: e, colon: i, plain: true };
        }
      } else if (ch === HASH && text.charCodeAt(i - 1) === SPACE) {
        return null;
      }
    }
    return null;
  }

  /** A value that must end on this line: quoted or plain scalar, or a one-line flow collection. */
  inlineValue(pos: number, lineEnd: number): YamlNode {
    const text = this.text;
    const c = text.charCodeAt(pos);
    let node: YamlNode;
    let after: number;
    if (c === DQUOTE || c === SQUOTE) {
      const q = c === DQUOTE ? readDoubleQuoted(text, pos, lineEnd) : readSingleQuoted(text, pos, lineEnd);
      node = { kind: 'scalar', start: pos, end: q.end, value: q.value, plain: false };
      after = q.end;
    } else if (c === LBRACKET || c === LBRACE) {
      const flow = new FlowReader(text, pos, lineEnd, true);
      node = flow.value();
      after = flow.pos;
    } else {
      if (isIndicator(c) && !(c === DASH && pos + 1 < lineEnd && text.charCodeAt(pos + 1) !== SPACE))
        throw BAIL;
      let e = lineEnd;
      for (let i = pos + 1; i < lineEnd; i++) {
        const ch = text.charCodeAt(i);
        if (ch === HASH && text.charCodeAt(i - 1) === SPACE) {
          e = i;
          break;
        }
        if (ch === COLON && (i + 1 === lineEnd || text.charCodeAt(i + 1) === SPACE)) throw BAIL;
      }
      while (e > pos && text.charCodeAt(e - 1) === SPACE) e--;
      const raw = text.slice(pos, e);
      return { kind: 'scalar', start: pos, end: e, value: resolvePlainScalar(raw), plain: true };
    }
    let i = after;
    while (i < lineEnd && text.charCodeAt(i) === SPACE) i++;
    if (i < lineEnd && !(text.charCodeAt(i) === HASH && i > after)) throw BAIL;
    return node;
  }
}

interface ScannedKey {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly colon: number;
  readonly plain: boolean;
}

function nullScalar(pos: number): YamlScalarNode {
  return { kind: 'scalar', start: pos, end: pos, value: null, plain: true };
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A double-quoted scalar on one line, with JSON escapes only. */
function readDoubleQuoted(text: string, pos: number, limit: number): { value: string; end: number } {
  let out = '';
  let chunk = pos + 1;
  for (let i = pos + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === DQUOTE) return { value: out + text.slice(chunk, i), end: i + 1 };
    if (c === NL) throw BAIL;
    if (c === BACKSLASH) {
      out += text.slice(chunk, i);
      const e = text.charCodeAt(i + 1);
      switch (e) {
        case DQUOTE:
          out += '"';
          break;
        case BACKSLASH:
          out += '\\';
          break;
        case 47:
          out += '/';
          break;
        case 98:
          out += '\b';
          break;
        case 102:
          out += '\f';
          break;
        case 110:
          out += '\n';
          break;
        case 114:
          out += '\r';
          break;
        case 116:
          out += '\t';
          break;
        case 117: {
          let code = 0;
          for (let k = i + 2; k < i + 6; k++) {
            const h = hexValue(text.charCodeAt(k));
            if (h < 0) throw BAIL;
            code = code * 16 + h;
          }
          out += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          throw BAIL;
      }
      i++;
      chunk = i + 1;
    }
  }
  throw BAIL;
}

/** A single-quoted scalar on one line (`''` is a quote). */
function readSingleQuoted(text: string, pos: number, limit: number): { value: string; end: number } {
  let out = '';
  let chunk = pos + 1;
  for (let i = pos + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === NL) throw BAIL;
    if (c === SQUOTE) {
      if (text.charCodeAt(i + 1) === SQUOTE && i + 1 < limit) {
        out += text.slice(chunk, i + 1);
        i++;
        chunk = i + 1;
        continue;
      }
      return { value: out + text.slice(chunk, i), end: i + 1 };
    }
  }
  throw BAIL;
}

/** Reads a flow collection (`[...]`, `{...}`); JSON documents are read this way too. */
class FlowReader {
  pos: number;
  readonly limit: number;
  readonly text: string;
  /** Inside a block collection the flow must end on its line. */
  readonly oneLine: boolean;

  constructor(text: string, pos: number, limit: number, oneLine: boolean) {
    this.text = text;
    this.pos = pos;
    this.limit = limit;
    this.oneLine = oneLine;
  }

  skipSpace(): void {
    const text = this.text;
    while (this.pos < this.limit) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE) this.pos++;
      else if (c === NL) {
        if (this.oneLine) throw BAIL;
        this.pos++;
      } else if (c === HASH && (this.pos === 0 || isBlank(text.charCodeAt(this.pos - 1)))) {
        const nl = text.indexOf('\n', this.pos);
        if (this.oneLine) throw BAIL;
        this.pos = nl === -1 || nl > this.limit ? this.limit : nl;
      } else break;
    }
  }

  value(): YamlNode {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === LBRACKET) return this.sequence();
    if (c === LBRACE) return this.mapping();
    if (c === DQUOTE || c === SQUOTE) {
      const start = this.pos;
      const q =
        c === DQUOTE ? readDoubleQuoted(text, start, this.limit) : readSingleQuoted(text, start, this.limit);
      this.pos = q.end;
      return { kind: 'scalar', start, end: q.end, value: q.value, plain: false };
    }
    return this.plain();
  }

  plain(): YamlScalarNode {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (this.pos >= this.limit) throw BAIL;
    if (isIndicator(c)) {
      const n = text.charCodeAt(start + 1);
      if (c !== DASH || n === SPACE || n === NL || isFlowIndicator(n) || start + 1 >= this.limit) throw BAIL;
    }
    let i = start;
    for (; i < this.limit; i++) {
      const ch = text.charCodeAt(i);
      if (isFlowIndicator(ch) || ch === NL) break;
      if (ch === COLON) {
        const n = text.charCodeAt(i + 1);
        if (i + 1 >= this.limit || n === SPACE || n === NL || isFlowIndicator(n)) break;
      }
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) break;
    }
    let e = i;
    while (e > start && text.charCodeAt(e - 1) === SPACE) e--;
    if (e === start) throw BAIL;
    this.pos = i;
    if (text.charCodeAt(i) === NL || text.charCodeAt(i) === HASH) {
      // A plain scalar may continue on the next line; only accept it when a flow indicator follows.
      this.skipSpace();
      const n = text.charCodeAt(this.pos);
      if (!(n === COMMA || n === RBRACKET || n === RBRACE)) throw BAIL;
    }
    return { kind: 'scalar', start, end: e, value: resolvePlainScalar(text.slice(start, e)), plain: true };
  }

  sequence(): YamlNode {
    const text = this.text;
    const start = this.pos;
    this.pos++;
    const items: YamlNode[] = [];
    this.skipSpace();
    if (text.charCodeAt(this.pos) === RBRACKET) {
      this.pos++;
      return { kind: 'seq', start, end: this.pos, items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const c = text.charCodeAt(this.pos);
      if (c === RBRACKET) {
        this.pos++;
        return { kind: 'seq', start, end: this.pos, items };
      }
      if (c !== COMMA) throw BAIL;
      this.pos++;
      this.skipSpace();
      if (text.charCodeAt(this.pos) === RBRACKET || this.pos >= this.limit) throw BAIL;
    }
  }

  mapping(): YamlNode {
    const text = this.text;
    const start = this.pos;
    this.pos++;
    const entries: YamlMapEntry[] = [];
    const seen = new Set<string>();
    this.skipSpace();
    if (text.charCodeAt(this.pos) === RBRACE) {
      this.pos++;
      return { kind: 'map', start, end: this.pos, entries };
    }
    for (;;) {
      const keyNode = this.value();
      if (keyNode.kind !== 'scalar') throw BAIL;
      const key = keyText(keyNode.value);
      if (seen.has(key) || (keyNode.plain && key === '<<')) throw BAIL;
      seen.add(key);
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== COLON) throw BAIL;
      this.pos++;
      this.skipSpace();
      const c = text.charCodeAt(this.pos);
      if (c === COMMA || c === RBRACE || this.pos >= this.limit) throw BAIL;
      const value = this.value();
      entries.push({ key, keyStart: keyNode.start, keyEnd: keyNode.end, keyPlain: keyNode.plain, value });
      this.skipSpace();
      const d = text.charCodeAt(this.pos);
      if (d === RBRACE) {
        this.pos++;
        return { kind: 'map', start, end: this.pos, entries };
      }
      if (d !== COMMA) throw BAIL;
      this.pos++;
      this.skipSpace();
      if (text.charCodeAt(this.pos) === RBRACE || this.pos >= this.limit) throw BAIL;
    }
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === NL;
}
