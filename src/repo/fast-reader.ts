/**
 * The fast read-only YAML reader: js-yaml's loader (about ten times faster than the `yaml` parser) builds
 * the light trees of `yaml-tree.ts` through its `listener` option, which reports where each node opens and
 * closes. Plain scalars are resolved by the same YAML 1.1 tags as the `yaml` path (`resolvePlainText`), and
 * every position is the one the `yaml` Composer gives (a differential property test keeps them equal).
 * It reads only what it can reproduce exactly — block and flow collections of single-line plain scalars,
 * quoted and block scalars, with comments — and gives up on the whole text (which then goes to the `yaml`
 * path and its diagnostics) at anything else: any js-yaml error or warning, anchors, aliases, tags,
 * directives, tabs, merge keys, explicit keys, duplicate keys, multi-line plain scalars, empty block
 * sequence items, flow pairs and empty documents without `---`.
 * @module
 */
import jsyaml from 'js-yaml';
import type { RawDocument, RawParse } from './documents.js';
import { resolvePlainText, type ScalarValue, UNRESOLVED } from './scalar.js';
import { keyText, type YamlMapEntry, type YamlNode, type YamlScalarNode } from './yaml-tree.js';

/** The fields of js-yaml's loader state the listener reads (js-yaml 4.3 `lib/loader.js` `State`). */
interface LoaderState {
  readonly input: string;
  readonly position: number;
  readonly kind: 'scalar' | 'sequence' | 'mapping' | null;
  readonly result: unknown;
  readonly tag: string | null;
  readonly anchor: string | null;
}

/** Thrown by the listener to give up on the text. */
const GIVE_UP = new Error('fast reader gives up');

const SPACE = 32;
const LF = 10;
const CR = 13;
const HASH = 35;

/** The tag js-yaml gives a plain scalar it resolved with {@link PLAIN}. */
const PLAIN_TAG = 'tag:netpol.invalid,2026:plain';

/**
 * The only implicit type: every plain scalar, resolved as the `yaml` path resolves it (`resolvePlainText`:
 * YAML 1.1 narrowed to Kubernetes'), so that js-yaml's own values are the documents' plain values.
 */
const PLAIN = new jsyaml.Type(PLAIN_TAG, {
  kind: 'scalar',
  resolve: () => true,
  construct: (text: string) => resolvePlainText(text, false),
});

/** js-yaml options: the failsafe schema and {@link PLAIN}; warnings give up. */
const LOAD_OPTIONS = {
  schema: jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [PLAIN] }),
  onWarning: (): void => {
    throw GIVE_UP;
  },
};

/**
 * Reads YAML text into the light tree of every document with js-yaml, or says it cannot (see the module
 * comment): the result, when there is one, is exactly what the `yaml` path gives for the text.
 * @param text - YAML text without byte-order mark.
 * @param base - Offset of `text` in its file; added to every position. Default: 0.
 * @returns The documents (no diagnostics), or `null` when the text needs the `yaml` path.
 */
export function readYamlFast(text: string, base = 0): RawParse | null {
  // Tabs, directives and NUL: the `yaml` path decides (and reports) what they mean.
  if (text.includes('\t') || text.includes('\0') || text.startsWith('%') || text.includes('\n%')) return null;
  if (hasExplicitKey(text) || hasCommentAfterToken(text) || hasLoneCarriageReturn(text)) return null;
  // Content on a `---` line: js-yaml accepts a block collection there, `yaml` reports it; let `yaml` decide.
  if (hasContentAfterDocumentStart(text) || hasTag(text)) return null;
  const reader = new Reader(text, base);
  try {
    jsyaml.loadAll(text, undefined, { ...LOAD_OPTIONS, listener: reader.listener });
  } catch {
    return null;
  }
  return reader.finish();
}

/** js-yaml's value of each document root the reader built, until {@link takeReadValue} hands it out. */
const READ_VALUES = new WeakMap<YamlNode, unknown>();

/**
 * js-yaml's plain value of a document whose root the fast reader built — the value `toPlain(root)` gives
 * (the property tests check it) — once: the next call returns `undefined`, as the caller may change it.
 * @param root - A document's root node.
 * @returns The value, or `undefined` when the root was not built here or its value was handed out.
 */
export function takeReadValue(root: YamlNode): unknown {
  const value = READ_VALUES.get(root);
  if (value !== undefined) READ_VALUES.delete(root);
  return value;
}

class Reader {
  readonly #text: string;
  readonly #base: number;
  /** Open positions of the frames (js-yaml `composeNode` calls) not closed yet. */
  readonly #opens: number[] = [];
  /** For each open frame, the length of {@link #items} when it opened: its children follow. */
  readonly #marks: number[] = [];
  /**
   * Closed frames whose parent is still open, in three columns (only the first {@link #top} rows are live):
   * the light node (`null` when it has no content), where the frame opened, and js-yaml's value.
   */
  readonly #nodes: (YamlNode | null)[] = [];
  readonly #starts: number[] = [];
  readonly #results: unknown[] = [];
  #top = 0;
  readonly #documents: RawDocument[] = [];
  /** Where the last document's root closed: an empty document after it needs a `---` before it. */
  #lastEnd = 0;
  #failed = false;
  readonly listener: (event: jsyaml.EventType, state: jsyaml.State) => void;

  constructor(text: string, base: number) {
    this.#text = text;
    this.#base = base;
    this.listener = (event, state) => {
      if (event === 'open') {
        this.#opens.push(state.position);
        this.#marks.push(this.#top);
      } else this.#close(state as unknown as LoaderState);
    };
  }

  finish(): RawParse | null {
    if (this.#failed || this.#opens.length > 0) return null;
    return { documents: this.#documents, diagnostics: [] };
  }

  #close(state: LoaderState): void {
    const open = this.#opens.pop() as number;
    const mark = this.#marks.pop() as number;
    const node = this.#build(state, open, mark);
    this.#top = mark;
    if (this.#opens.length > 0) {
      this.#nodes[mark] = node;
      this.#starts[mark] = open;
      this.#results[mark] = state.result;
      this.#top = mark + 1;
      return;
    }
    // A document's root closed.
    // js-yaml reads a document from text holding only comments or a `...`; `yaml` counts them its own way.
    if (node === null && !/(?:^|\n)---(?:[ \r\n]|$)/.test(this.#text.slice(this.#lastEnd, open))) {
      this.#giveUp();
    }
    this.#lastEnd = state.position;
    if (node !== null && node.kind !== 'scalar') READ_VALUES.set(node, state.result);
    this.#documents.push({ root: node, valid: true, aliased: false });
  }

  /** The light node of a frame that closed, from js-yaml's state and the frame's children. */
  #build(state: LoaderState, open: number, mark: number): YamlNode | null {
    const items = this.#nodes;
    const top = this.#top;
    const kind = state.kind;
    if (state.anchor !== null) this.#giveUp();
    if (kind === null) {
      // No content: an empty value (or a key candidate js-yaml tried and dropped, ignored by its parent).
      if (state.result !== null || state.tag !== null) this.#giveUp();
      return null;
    }
    // js-yaml read a block-mapping key candidate that turned out to be the whole node: that child is it.
    const last = items[top - 1];
    if (top > mark && last !== undefined && last !== null && this.#results[top - 1] === state.result) {
      for (let i = mark; i < top - 1; i++) if (items[i] !== null) this.#giveUp();
      return last;
    }
    if (kind === 'scalar') {
      for (let i = mark; i < top; i++) if (items[i] !== null) this.#giveUp();
      return this.#scalar(state, open);
    }
    const start = this.#seek(open);
    const c = this.#text.charCodeAt(start);
    const flow = c === 0x5b || c === 0x7b;
    let from = mark;
    let to = top;
    if (kind === 'sequence') {
      const result = state.result as unknown[];
      // A key candidate js-yaml tried before the flow sequence.
      if (!flow && to - from === result.length + 1 && items[from] === null) from++;
      if (to - from !== result.length || (flow ? c !== 0x5b : c !== 0x2d)) this.#giveUp();
      // js-yaml refuses empty flow entries; an empty child is half of a pair (`[a: b]`, `[: b]`).
      if (flow) for (let i = from; i < to; i++) if (items[i] === null) this.#giveUp();
      const nodes: YamlNode[] = new Array(to - from);
      for (let i = from; i < to; i++) nodes[i - from] = this.#valueOf(i);
      const lastItem = nodes[nodes.length - 1];
      const end = flow ? this.#base + state.position : lastItem ? lastItem.end : this.#giveUp();
      return { kind: 'seq', start: this.#base + start, end, items: nodes };
    }
    if (flow && c !== 0x7b) this.#giveUp();
    if (!flow && items[from] === null) from++;
    if ((to - from) % 2 === 1) {
      if (flow || items[to - 1] !== null) this.#giveUp();
      to--;
    }
    const count = (to - from) / 2;
    const entries: YamlMapEntry[] = new Array(count);
    const keys = count > 16 ? new Set<string>() : undefined;
    for (let i = from; i < to; i += 2) {
      const node = items[i];
      // An implicit key, single-line, opening where its frame did (an explicit `? key` opens before it).
      if (node?.kind !== 'scalar' || node.start !== this.#base + (this.#starts[i] as number)) this.#giveUp();
      const text = keyText(node.value);
      if (node.plain && text === '<<') this.#giveUp();
      // `yaml` rejects keys with equal values, js-yaml only equal texts (`1` and `0x1`).
      if (keys) {
        if (keys.has(text)) this.#giveUp();
        keys.add(text);
      } else for (let j = (i - from) / 2 - 1; j >= 0; j--) if (entries[j]?.key === text) this.#giveUp();
      if ((this.#starts[i + 1] as number) - node.start + this.#base > 1024) this.#giveUp();
      entries[(i - from) / 2] = {
        key: text,
        keyStart: node.start,
        keyEnd: node.end,
        keyPlain: node.plain,
        value: this.#valueOf(i + 1),
      };
    }
    if (flow && entries.length !== Object.keys(state.result as object).length) this.#giveUp();
    const lastEntry = entries[entries.length - 1];
    let end: number;
    if (flow) end = this.#base + state.position;
    else if (lastEntry) end = Math.max(lastEntry.value.end, lastEntry.keyEnd);
    else end = this.#giveUp();
    return { kind: 'map', start: flow ? this.#base + start : (entries[0]?.keyStart ?? end), end, entries };
  }

  /** A child's light node; an empty one is a null scalar after the spaces that follow where it opened. */
  #valueOf(row: number): YamlNode {
    const node = this.#nodes[row];
    if (node) return node;
    let at = this.#starts[row] as number;
    while (this.#text.charCodeAt(at) === SPACE) at++;
    const p = this.#base + at;
    return { kind: 'scalar', start: p, end: p, value: null, plain: true };
  }

  #scalar(state: LoaderState, open: number): YamlScalarNode {
    const text = this.#text;
    const start = this.#seek(open);
    const c = text.charCodeAt(start);
    const base = this.#base;
    const value = state.result;
    if (state.tag === PLAIN_TAG) {
      // Plain: js-yaml stops after the spaces that follow it.
      let end = Math.min(state.position, text.length);
      for (
        let ch = text.charCodeAt(end - 1);
        ch === SPACE || ch === LF || ch === CR;
        ch = text.charCodeAt(end - 1)
      )
        end--;
      if (end <= start || hasLineBreak(text, start, end) || value === UNRESOLVED) this.#giveUp();
      return {
        kind: 'scalar',
        start: base + start,
        end: base + end,
        value: value as ScalarValue,
        plain: true,
      };
    }
    if (state.tag !== null || typeof value !== 'string') this.#giveUp();
    if (c === 0x22 || c === 0x27) {
      return { kind: 'scalar', start: base + start, end: base + state.position, value, plain: false };
    }
    // A block scalar at a document's root may have unindented content, which js-yaml does not read.
    // An empty one ends, for `yaml`, after the blank lines that follow it.
    if ((c === 0x7c || c === 0x3e) && this.#opens.length > 0 && value !== '') {
      const end = this.#blockEnd(start, state.position);
      return { kind: 'scalar', start: base + start, end: base + end, value, plain: false };
    }
    return this.#giveUp();
  }

  /**
   * Where a block scalar ends for `yaml`: after the line break of its last non-blank line, or with the keep
   * indicator (`|+`) of its last line (js-yaml stops inside the indentation of the line after it); or at
   * the end of the text.
   */
  #blockEnd(start: number, position: number): number {
    const text = this.#text;
    const at = Math.min(position, text.length);
    let lineStart = text.lastIndexOf('\n', at - 1) + 1;
    if (!isBlank(text, lineStart, at)) return at;
    if (text.charCodeAt(start + 1) === 0x2b || text.charCodeAt(start + 2) === 0x2b) return lineStart;
    for (;;) {
      if (lineStart === 0) return 0;
      const previous = text.lastIndexOf('\n', lineStart - 2) + 1;
      if (!isBlank(text, previous, lineStart - 1)) return lineStart;
      lineStart = previous;
    }
  }

  /** The first offset at or after `at` that is not a space, line break or comment. */
  #seek(at: number): number {
    const text = this.#text;
    let p = at;
    for (;;) {
      const ch = text.charCodeAt(p);
      if (ch === SPACE || ch === LF || ch === CR) p++;
      else if (ch === HASH) {
        while (p < text.length && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
      } else return p;
    }
  }

  #giveUp(): never {
    this.#failed = true;
    throw GIVE_UP;
  }
}

function hasLineBreak(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch === LF || ch === CR) return true;
  }
  return false;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== SPACE && ch !== CR) return false;
  }
  return true;
}

/**
 * True when `text` may hold a tag (`!` at a line start or after a space or flow indicator): an empty tagged
 * node is an empty string with an "unresolved tag" warning for `yaml`, nothing for js-yaml.
 */
function hasTag(text: string): boolean {
  for (let at = text.indexOf('!'); at !== -1; at = text.indexOf('!', at + 1)) {
    const before = at === 0 ? LF : text.charCodeAt(at - 1);
    if (
      before === SPACE ||
      before === LF ||
      before === CR ||
      before === 0x5b ||
      before === 0x7b ||
      before === 0x2c
    )
      return true;
  }
  return false;
}

/** True when a `---` document marker at a line start has anything but a comment after it on its line. */
function hasContentAfterDocumentStart(text: string): boolean {
  for (let at = text.indexOf('---'); at !== -1; at = text.indexOf('---', at + 3)) {
    if (at > 0 && text.charCodeAt(at - 1) !== LF) continue;
    let i = at + 3;
    const next = text.charCodeAt(i);
    if (i < text.length && next !== SPACE && next !== LF && next !== CR) continue;
    while (text.charCodeAt(i) === SPACE) i++;
    if (
      i < text.length &&
      text.charCodeAt(i) !== LF &&
      text.charCodeAt(i) !== CR &&
      text.charCodeAt(i) !== HASH
    )
      return true;
  }
  return false;
}

/** True when `text` may hold an explicit-key indicator (`? ` after a line start, space or flow indicator). */
function hasExplicitKey(text: string): boolean {
  for (let at = text.indexOf('?'); at !== -1; at = text.indexOf('?', at + 1)) {
    const before = at === 0 ? LF : text.charCodeAt(at - 1);
    const after = at + 1 === text.length ? LF : text.charCodeAt(at + 1);
    const opens =
      before === SPACE ||
      before === LF ||
      before === CR ||
      before === 0x5b ||
      before === 0x7b ||
      before === 0x2c;
    if (opens && (after === SPACE || after === LF || after === CR)) return true;
  }
  return false;
}

/**
 * True when a `#` follows a quote, a flow indicator or a comma: js-yaml reads a comment there, `yaml` wants
 * a space before it.
 */
function hasCommentAfterToken(text: string): boolean {
  for (let at = text.indexOf('#'); at !== -1; at = text.indexOf('#', at + 1)) {
    const before = text.charCodeAt(at - 1);
    if (
      before === 0x22 ||
      before === 0x27 ||
      before === 0x5b ||
      before === 0x5d ||
      before === 0x7b ||
      before === 0x7d ||
      before === 0x2c
    )
      return true;
  }
  return false;
}

/** True when a carriage return is not followed by a line feed: js-yaml breaks the line there, `yaml` does not. */
function hasLoneCarriageReturn(text: string): boolean {
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) {
    if (text.charCodeAt(at + 1) !== LF) return true;
  }
  return false;
}
