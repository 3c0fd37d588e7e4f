/**
 * The fast read-only YAML reader: js-yaml's loader (about ten times faster than the `yaml` parser) builds
 * the light trees of `yaml-tree.ts` through its `listener` option, which reports where each node opens and
 * closes. Plain scalars are resolved by the same YAML 1.1 tags as the `yaml` path (`resolvePlainText`), and
 * every position is the one the `yaml` Composer gives (differential property tests keep them equal).
 * It reads block and flow collections of plain (also multi-line), quoted and block scalars with comments,
 * anchors and aliases (resolved as `yaml` resolves them, within `yaml`'s alias-count limit), and gives up on
 * the whole text (which then goes to the `yaml` path and its diagnostics) at anything else: any js-yaml
 * error or warning, tags, directives, tabs, merge keys, explicit keys, anchored or aliased keys, duplicate
 * keys, empty block sequence items, flow pairs, a comment right after a token and empty documents without
 * `---`.
 * @module
 */
import jsyaml from 'js-yaml';
import { CST } from 'yaml';
import type { RawDocument, RawParse } from './documents.js';
import { resolvePlainText, type ScalarValue, UNRESOLVED } from './scalar.js';
import { MAX_ALIAS_COUNT } from './yaml-options.js';
import {
  keyText,
  type YamlMapEntry,
  type YamlMapNode,
  type YamlNode,
  type YamlScalarNode,
  type YamlSeqNode,
} from './yaml-tree.js';

/** The fields of js-yaml's loader state the listener reads (js-yaml 4.3 `lib/loader.js` `State`). */
interface LoaderState {
  readonly input: string;
  readonly position: number;
  readonly kind: 'scalar' | 'sequence' | 'mapping' | null;
  readonly result: unknown;
  /** `undefined` before the first node. */
  readonly tag: string | null | undefined;
  readonly anchor: string | null;
}

/** Thrown by the listener to give up on the text. */
const GIVE_UP = new Error('fast reader gives up');

const SPACE = 32;
const LF = 10;
const CR = 13;
const HASH = 35;
const STAR = 0x2a;
const AMPERSAND = 0x26;
const BANG = 0x21;
const QUESTION = 0x3f;

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
  if (hasLoneCarriageReturn(text)) return null;
  // Content on a `---` line: js-yaml accepts a block collection there, `yaml` reports it; let `yaml` decide.
  if (hasContentAfterDocumentStart(text)) return null;
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

/** What the reader keeps of an anchored node, for the aliases that follow (see {@link Reader}). */
interface Anchor {
  readonly node: YamlNode;
  /** js-yaml's value of the node: an alias must get the same one, else the two readers disagree. */
  readonly result: unknown;
  /** When it was set (a count of anchors set in the document): an anchor set inside it came later. */
  readonly stamp: number;
  /** `yaml`'s bookkeeping for its alias-count check: aliases of it so far, plus one. */
  count: number;
  /** `yaml`'s alias count of the node, 0 until its first alias (`getAliasCount`). */
  aliasCount: number;
  /** The aliases inside the node: their rows in {@link Reader}'s alias list, `from` (inclusive) to `to`. */
  readonly from: number;
  readonly to: number;
  /** True when the node holds no alias and no other anchor. */
  readonly clean: boolean;
}

class Reader {
  readonly #text: string;
  readonly #base: number;
  /** Open positions of the frames (js-yaml `composeNode` calls) not closed yet. */
  readonly #opens: number[] = [];
  /** For each open frame, the length of {@link #nodes} when it opened: its children follow. */
  readonly #marks: number[] = [];
  /** For each open frame, the anchor stamp and the length of the alias list when it opened. */
  readonly #openStamps: number[] = [];
  readonly #openAliases: number[] = [];
  /**
   * Closed frames whose parent is still open, in columns (only the first {@link #top} rows are live):
   * the light node (`null` when it has no content), where the frame opened, js-yaml's value, and whether
   * the node is an alias.
   */
  readonly #nodes: (YamlNode | null)[] = [];
  readonly #starts: number[] = [];
  readonly #results: unknown[] = [];
  readonly #aliases: boolean[] = [];
  #top = 0;
  readonly #documents: RawDocument[] = [];
  /** Where the last document's root closed: an empty document after it needs a `---` before it. */
  #lastEnd = 0;
  #failed = false;
  /** The current document's anchors by name (the last one set), and how many were set. */
  readonly #anchors = new Map<string, Anchor>();
  #stamp = 0;
  /** Set by {@link #build} when the node that closed is an alias. */
  #alias = false;
  /** The current document's anchored nodes. */
  readonly #anchorOf = new Map<YamlNode, Anchor>();
  /** True when the current document has a merge key: js-yaml's value then keeps `<<` as a key. */
  #merged = false;
  /** See {@link #indicatorsOf}. */
  #indicators: number[] | undefined;
  /** The anchors the current document's aliases name, in document order. */
  readonly #aliasTargets: Anchor[] = [];
  readonly listener: (event: jsyaml.EventType, state: jsyaml.State) => void;

  constructor(text: string, base: number) {
    this.#text = text;
    this.#base = base;
    this.listener = (event, state) => {
      if (event === 'open') {
        // A tag the parent read: js-yaml may drop it (a key candidate that finds nothing resets it). Before
        // the first node, the tag is undefined.
        const tag = (state as unknown as LoaderState).tag;
        if (tag != null && tag !== PLAIN_TAG) this.#giveUp();
        this.#opens.push(state.position);
        this.#marks.push(this.#top);
        this.#openStamps.push(this.#stamp);
        this.#openAliases.push(this.#aliasTargets.length);
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
    const stamp = this.#openStamps.pop() as number;
    const aliasesBefore = this.#openAliases.pop() as number;
    this.#alias = false;
    const node = this.#build(state, open, mark, stamp, aliasesBefore);
    const alias = this.#alias;
    this.#top = mark;
    if (this.#opens.length > 0) {
      this.#nodes[mark] = node;
      this.#starts[mark] = open;
      this.#results[mark] = state.result;
      this.#aliases[mark] = alias;
      this.#top = mark + 1;
      return;
    }
    // A document's root closed.
    // js-yaml reads a document from text holding only comments or a `...`; `yaml` counts them its own way.
    if (node === null && !/(?:^|\n)---(?:[ \r\n]|$)/.test(this.#text.slice(this.#lastEnd, open))) {
      this.#giveUp();
    }
    this.#lastEnd = state.position;
    const aliased = this.#aliasTargets.length > 0;
    if (node !== null && node.kind !== 'scalar' && !this.#merged) READ_VALUES.set(node, state.result);
    this.#documents.push({ root: node, valid: true, aliased });
    this.#merged = false;
    this.#anchors.clear();
    this.#anchorOf.clear();
    this.#aliasTargets.length = 0;
    this.#stamp = 0;
  }

  /** The light node of a frame that closed, from js-yaml's state and the frame's children. */
  #build(
    state: LoaderState,
    open: number,
    mark: number,
    stamp: number,
    aliasesBefore: number,
  ): YamlNode | null {
    const items = this.#nodes;
    const top = this.#top;
    const kind = state.kind;
    // Tags: `yaml` resolves (and warns about) them its own way.
    if (state.tag !== null && state.tag !== PLAIN_TAG) this.#giveUp();
    if (kind === null) {
      const at = this.#seekContent(open);
      if (this.#text.charCodeAt(at) === STAR && state.position > at) {
        // An alias; children, if any, are key candidates js-yaml tried on it: the same alias, read once.
        this.#alias = true;
        for (let i = mark; i < top; i++) {
          if (items[i] === null) continue;
          if (i !== top - 1 || !this.#aliases[i] || !Object.is(this.#results[i], state.result))
            this.#giveUp();
          return items[i] as YamlNode;
        }
        return this.#resolveAlias(state, at);
      }
      // No content: an empty value (or a key candidate js-yaml tried and dropped, ignored by its parent).
      if (state.result !== null || state.anchor !== null) this.#giveUp();
      return null;
    }
    const node = this.#content(state, open, mark, top);
    if (state.anchor !== null) this.#setAnchor(state, node, stamp, aliasesBefore);
    return node;
  }

  #content(state: LoaderState, open: number, mark: number, top: number): YamlNode {
    const items = this.#nodes;
    const kind = state.kind;
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
    const start = this.#seekContent(open);
    const c = this.#text.charCodeAt(start);
    const flow = c === 0x5b || c === 0x7b;
    // Properties on a block collection: `yaml` wants the collection on a later line.
    if (!flow && state.anchor !== null && !this.#lineBreakBefore(start)) this.#giveUp();
    if (kind === 'sequence') return this.#sequence(state, start, flow, mark, top);
    if (flow && c !== 0x7b) this.#giveUp();
    let from = mark;
    let to = top;
    if (!flow && items[from] === null) from++;
    if ((to - from) % 2 === 1) {
      if (flow || items[to - 1] !== null) this.#giveUp();
      to--;
    }
    const first = items[from];
    const count = (to - from) / 2;
    // Sized up front: an array grown by `push` from empty keeps room for 17 entries, and most maps hold one
    // to three (the trees of a whole repository are alive at once while it loads).
    const entries: YamlMapEntry[] = new Array(count);
    let filled = 0;
    const keys = count > 16 ? new Set<string>() : undefined;
    let sources: YamlMapNode[] | undefined;
    for (let i = from; i < to; i += 2) {
      const node = this.#implicitKey(i);
      const text = keyText(node.value);
      if (node.plain && text === '<<') {
        // A merge key (YAML 1.1, as `yaml` reads it): its maps fill in the keys the map does not set.
        if (sources) this.#giveUp();
        sources = this.#mergeSources(i + 1);
        this.#merged = true;
        continue;
      }
      // `yaml` rejects keys with equal values, js-yaml only equal texts (`1` and `0x1`).
      if (keys) {
        if (keys.has(text)) this.#giveUp();
        keys.add(text);
      } else for (let j = filled - 1; j >= 0; j--) if (entries[j]?.key === text) this.#giveUp();
      entries[filled++] = {
        key: text,
        keyStart: node.start,
        keyEnd: node.end,
        keyPlain: node.plain,
        value: this.#valueOf(i + 1),
      };
    }
    // A merge key took no entry of its own.
    if (filled < count) entries.length = filled;
    if (flow && count !== Object.keys(state.result as object).length) this.#giveUp();
    if (sources) {
      const own = new Set(entries.map((e) => e.key));
      for (const source of sources) {
        for (const entry of source.entries) {
          if (own.has(entry.key)) continue;
          own.add(entry.key);
          entries.push(entry);
        }
      }
    }
    const lastEntry = entries[entries.length - 1];
    let end: number;
    if (flow) {
      end = this.#base + state.position;
      this.#checkFlow(start, state.position, from, to);
    } else if (lastEntry) end = Math.max(lastEntry.value.end, lastEntry.keyEnd);
    else end = this.#giveUp();
    return { kind: 'map', start: flow ? this.#base + start : (first as YamlNode).start, end, entries };
  }

  /** A sequence's node from its rows (`from`–`to`); in a flow sequence, a `key: value` pair is a one-entry map. */
  #sequence(state: LoaderState, start: number, flow: boolean, mark: number, top: number): YamlSeqNode {
    const items = this.#nodes;
    const result = state.result as unknown[];
    let from = mark;
    // A key candidate js-yaml tried before the flow sequence.
    if (!flow && top - from === result.length + 1 && items[from] === null) from++;
    if (flow ? this.#text.charCodeAt(start) !== 0x5b : this.#text.charCodeAt(start) !== 0x2d) this.#giveUp();
    if (!flow && top - from !== result.length) this.#giveUp();
    const nodes: YamlNode[] = new Array(result.length);
    let row = from;
    for (let i = 0; i < result.length; i++) {
      // js-yaml refuses empty flow entries; an empty child is half of a pair (`[: b]`, `[a: ]`).
      if (row >= top || (flow && items[row] === null)) this.#giveUp();
      if (flow && !Object.is(this.#results[row], result[i])) {
        nodes[i] = this.#flowPair(row, top, result[i]);
        row += 2;
      } else nodes[i] = this.#valueOf(row++);
    }
    if (row !== top) this.#giveUp();
    const lastItem = nodes[nodes.length - 1];
    const end = flow ? this.#base + state.position : lastItem ? lastItem.end : this.#giveUp();
    if (flow) this.#checkFlow(start, state.position, from, top);
    return { kind: 'seq', start: this.#base + start, end, items: nodes };
  }

  /**
   * A `key: value` pair in a flow sequence (rows `row` and `row + 1`), which `yaml` reads as a flow map from
   * the key to the value: one single-line implicit key, and a value (not empty, not an alias).
   */
  #flowPair(row: number, top: number, element: unknown): YamlMapNode {
    const key = this.#implicitKey(row);
    const value = this.#nodes[row + 1];
    const text = keyText(key.value);
    if (row + 1 >= top || !value || this.#aliases[row + 1] || (key.plain && text === '<<')) this.#giveUp();
    if (hasLineBreak(this.#text, key.start - this.#base, this.#starts[row + 1] as number)) this.#giveUp();
    // js-yaml's value is the same pair.
    const keys = element !== null && typeof element === 'object' ? Object.keys(element) : [];
    if (keys.length !== 1 || keys[0] !== text) this.#giveUp();
    return {
      kind: 'map',
      start: key.start,
      end: value.end,
      entries: [{ key: text, keyStart: key.start, keyEnd: key.end, keyPlain: key.plain, value }],
    };
  }

  /**
   * The key at a row: a single-line scalar, opening where its frame did (an explicit `? key` opens before
   * it, an alias or an anchored key elsewhere), at most 1024 characters before its value.
   */
  #implicitKey(row: number): YamlScalarNode {
    const node = this.#nodes[row];
    if (node?.kind !== 'scalar' || node.start !== this.#base + (this.#starts[row] as number)) this.#giveUp();
    if ((this.#starts[row + 1] as number) - node.start + this.#base > 1024) this.#giveUp();
    return node;
  }

  /**
   * The maps a merge key's value (at `row`) merges: an alias of an anchored map, or a sequence of anchored
   * maps. Each must hold no alias and no anchor: `yaml` converts a merged map again, which would count
   * those twice in its alias-count check.
   */
  #mergeSources(row: number): YamlMapNode[] {
    const value = this.#nodes[row];
    if (!value) return this.#giveUp();
    const list = this.#aliases[row] ? [value] : value.kind === 'seq' ? value.items : this.#giveUp();
    const sources: YamlMapNode[] = [];
    for (const node of list) {
      if (node.kind !== 'map' || this.#anchorOf.get(node)?.clean !== true) this.#giveUp();
      sources.push(node);
    }
    return sources;
  }

  /**
   * The anchored node an alias at `at` names, as `yaml` resolves it (the last node with that anchor before
   * the alias), after checking that js-yaml resolved the same one and that `yaml`'s alias-count check
   * (`Alias.resolve` with `maxAliasCount`, which the `yaml` path runs) passes.
   */
  #resolveAlias(state: LoaderState, at: number): YamlNode {
    const text = this.#text;
    let end = at + 1;
    for (let ch = text.charCodeAt(end); end < text.length && !isNameEnd(ch); ch = text.charCodeAt(++end));
    const name = text.slice(at + 1, end);
    const anchor = this.#anchors.get(name);
    // An alias ending in `:` is a warning for `yaml`; js-yaml must have resolved the node `yaml` does.
    if (anchor === undefined || name.endsWith(':') || !Object.is(anchor.result, state.result)) this.#giveUp();
    anchor.count++;
    if (anchor.aliasCount === 0) {
      // getAliasCount of `yaml` 2.9: the most any alias inside adds (scalars count 1; anchored collections
      // without a scalar, which count 0, are left to the `yaml` path).
      let most = 1;
      for (let i = anchor.from; i < anchor.to; i++) {
        const inner = this.#aliasTargets[i] as Anchor;
        most = Math.max(most, inner.count * inner.aliasCount);
      }
      anchor.aliasCount = most;
    }
    if (anchor.count * anchor.aliasCount > MAX_ALIAS_COUNT) this.#giveUp();
    this.#aliasTargets.push(anchor);
    return anchor.node;
  }

  #setAnchor(state: LoaderState, node: YamlNode, stamp: number, aliasesBefore: number): void {
    const name = state.anchor as string;
    const previous = this.#anchors.get(name);
    if (previous?.node === node) return;
    // The same name set inside the node: `yaml` resolves a later alias to the inner node, js-yaml to this one.
    if (previous !== undefined && previous.stamp > stamp) this.#giveUp();
    if (!hasScalar(node)) this.#giveUp();
    const anchor: Anchor = {
      node,
      result: state.result,
      stamp: ++this.#stamp,
      count: 1,
      aliasCount: 0,
      from: aliasesBefore,
      to: this.#aliasTargets.length,
      clean: aliasesBefore === this.#aliasTargets.length && this.#stamp === stamp + 1,
    };
    this.#anchors.set(name, anchor);
    this.#anchorOf.set(node, anchor);
  }

  /**
   * Checks a flow collection's own text (outside its items) for what js-yaml reads and `yaml` does not: a
   * `#` right after `[`, `{` or `,` (a comment for js-yaml, an error for `yaml`) and an explicit key `?`.
   */
  #checkFlow(start: number, end: number, from: number, to: number): void {
    const text = this.#text;
    if (text.charCodeAt(end) === HASH) this.#giveUp();
    // Most flow collections hold neither character: look them up rather than reading every one.
    const marks = this.#indicatorsOf();
    let lo = 0;
    let hi = marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((marks[mid] as number) < start) lo = mid + 1;
      else hi = mid;
    }
    let child = from;
    for (let m = lo; m < marks.length && (marks[m] as number) < end; m++) {
      let p = marks[m] as number;
      const ch = text.charCodeAt(p);
      // Skip to the child that may hold `p` (children are in text order; an alias's node is elsewhere).
      while (child < to && (this.#aliases[child] || (this.#nodes[child]?.end ?? 0) <= this.#base + p))
        child++;
      const node = child < to ? this.#nodes[child] : null;
      if (node && node.start <= this.#base + p && this.#base + p < node.end) continue;
      if (ch === QUESTION) this.#giveUp();
      const before = text.charCodeAt(p - 1);
      if (before !== SPACE && before !== LF && before !== CR) this.#giveUp();
      // A comment: skip to its end.
      while (p < end && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
      while (m + 1 < marks.length && (marks[m + 1] as number) < p) m++;
    }
  }

  /** The offsets of every `#` and `?` in the text, in order (found once, on the first flow collection). */
  #indicatorsOf(): readonly number[] {
    if (this.#indicators) return this.#indicators;
    const text = this.#text;
    const marks: number[] = [];
    let hash = text.indexOf('#');
    let question = text.indexOf('?');
    while (hash !== -1 || question !== -1) {
      if (question === -1 || (hash !== -1 && hash < question)) {
        marks.push(hash);
        hash = text.indexOf('#', hash + 1);
      } else {
        marks.push(question);
        question = text.indexOf('?', question + 1);
      }
    }
    this.#indicators = marks;
    return marks;
  }

  /** True when a line break comes between the node's properties and `start`. */
  #lineBreakBefore(start: number): boolean {
    const text = this.#text;
    for (let p = start - 1; p >= 0; p--) {
      const ch = text.charCodeAt(p);
      if (ch === LF || ch === CR) return true;
      if (ch !== SPACE) return false;
    }
    return true;
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
    const start = this.#seekContent(open);
    const c = text.charCodeAt(start);
    const base = this.#base;
    let value = state.result;
    if (state.tag === PLAIN_TAG) {
      // Plain: js-yaml stops after the spaces that follow it.
      let end = Math.min(state.position, text.length);
      for (
        let ch = text.charCodeAt(end - 1);
        ch === SPACE || ch === LF || ch === CR;
        ch = text.charCodeAt(end - 1)
      )
        end--;
      if (end <= start || value === UNRESOLVED) this.#giveUp();
      if (hasLineBreak(text, start, end)) value = this.#multiLine(start, end, value);
      return {
        kind: 'scalar',
        start: base + start,
        end: base + end,
        value: value as ScalarValue,
        plain: true,
      };
    }
    if (typeof value !== 'string') this.#giveUp();
    if (c === 0x22 || c === 0x27) {
      // A comment right after the closing quote: js-yaml reads it, `yaml` wants a space before it.
      if (text.charCodeAt(state.position) === HASH) this.#giveUp();
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
   * A plain scalar over several lines: its value as `yaml` folds the lines (`CST.resolveAsScalar`), which
   * must be the one js-yaml folded.
   */
  #multiLine(start: number, end: number, value: unknown): ScalarValue {
    const source = this.#text.slice(start, end);
    const folded = CST.resolveAsScalar({ type: 'scalar', offset: 0, indent: 0, source }, true, () => {
      this.#giveUp();
    });
    const resolved = folded ? resolvePlainText(folded.value, false) : UNRESOLVED;
    if (resolved === UNRESOLVED || !Object.is(resolved, value)) this.#giveUp();
    return resolved;
  }

  /**
   * Where a block scalar ends for `yaml`: after the line break of its last non-blank line, or with the keep
   * indicator (`|+`) of its last line (js-yaml stops inside the indentation of the line after it); or at
   * the end of the text.
   */
  #blockEnd(start: number, position: number): number {
    const text = this.#text;
    // A comment right after the header's indicators: js-yaml reads it, `yaml` wants a space before it.
    for (let p = start + 1; p < text.length; p++) {
      const ch = text.charCodeAt(p);
      if (ch === SPACE || ch === LF || ch === CR) break;
      if (ch === HASH) this.#giveUp();
    }
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

  /** Where a node's content starts: {@link #seek}, then past its anchor and tag properties. */
  #seekContent(at: number): number {
    const text = this.#text;
    let p = this.#seek(at);
    for (let ch = text.charCodeAt(p); ch === AMPERSAND || ch === BANG; ch = text.charCodeAt(p)) {
      while (p < text.length && !isNameEnd(text.charCodeAt(p))) p++;
      p = this.#seek(p);
    }
    return p;
  }

  #giveUp(): never {
    this.#failed = true;
    throw GIVE_UP;
  }
}

/** True for the characters that end an anchor or alias name (js-yaml's and `yaml`'s: space, line break, flow indicator). */
function isNameEnd(ch: number): boolean {
  return (
    ch === SPACE ||
    ch === LF ||
    ch === CR ||
    ch === 0x09 ||
    ch === 0x2c ||
    ch === 0x5b ||
    ch === 0x5d ||
    ch === 0x7b ||
    ch === 0x7d
  );
}

/**
 * True when a node is or holds a scalar (a key, an item, an empty value) or an alias: else `yaml`'s alias count
 * of it is 0, which its check treats apart. (An alias names a node this holds for.)
 */
function hasScalar(node: YamlNode): boolean {
  if (node.kind === 'scalar') return true;
  if (node.kind === 'map') return node.entries.length > 0;
  return node.items.some(hasScalar);
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

/** True when a carriage return is not followed by a line feed: js-yaml breaks the line there, `yaml` does not. */
function hasLoneCarriageReturn(text: string): boolean {
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) {
    if (text.charCodeAt(at + 1) !== LF) return true;
  }
  return false;
}
