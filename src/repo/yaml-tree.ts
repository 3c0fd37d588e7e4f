/**
 * The light syntax tree the loader keeps for every YAML document: just enough to turn a path
 * (`['spec', 'ingress', 0]`) into a source position, and to build the plain value.
 * Offsets are UTF-16 indices into the file text; `end` is exclusive.
 */

/** A scalar: resolved value (YAML 1.1 core types, as Kubernetes' YAML reader resolves them). */
export interface YamlScalarNode {
  readonly kind: 'scalar';
  readonly start: number;
  readonly end: number;
  /** Resolved value: string, number, boolean or null. */
  readonly value: string | number | boolean | null;
  /** True for an unquoted (plain) scalar: after `${var}` substitution its text is resolved again. */
  readonly plain: boolean;
}

/** One `key: value` entry of a mapping. */
export interface YamlMapEntry {
  /** The key as text (non-string keys are converted with `String`). */
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  /** True when the key is a plain (unquoted) scalar. */
  readonly keyPlain: boolean;
  readonly value: YamlNode;
}

/** A mapping, block or flow. Merge keys (`<<`) are already expanded into `entries`. */
export interface YamlMapNode {
  readonly kind: 'map';
  readonly start: number;
  readonly end: number;
  readonly entries: readonly YamlMapEntry[];
}

/** A sequence, block or flow. */
export interface YamlSeqNode {
  readonly kind: 'seq';
  readonly start: number;
  readonly end: number;
  readonly items: readonly YamlNode[];
}

/** Any node of the light tree. Aliases are resolved: an alias shares the anchored node. */
export type YamlNode = YamlScalarNode | YamlMapNode | YamlSeqNode;

/**
 * Maps offsets to 1-based line and column numbers (columns count UTF-16 code units, as SARIF does).
 */
export class LineIndex {
  readonly #starts: number[];

  /** @param text - The whole file text. */
  constructor(text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.#starts = starts;
  }

  /**
   * The 1-based line and column of an offset.
   * @param offset - A UTF-16 offset into the text.
   * @returns `{ line, column }`, both 1-based.
   */
  position(offset: number): { line: number; column: number } {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }
}

/**
 * The text of a map key (non-string scalar keys are converted with `String`).
 * @param value - The key's resolved value.
 * @returns The key text.
 */
export function keyText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * Light trees packed for a trip between threads: the structure and positions as 32-bit integers in one
 * buffer (transferable without a copy) and the scalar values and keys in a table. Copying the trees as
 * objects (structured clone) costs about four times as much on each side.
 */
export interface PackedTrees {
  /** The nodes in depth-first order (see {@link packTrees}). */
  readonly ints: Int32Array;
  /** Scalar values and keys; a string used more than once is stored once. */
  readonly values: readonly (string | number | boolean | null)[];
}

// Node tags in PackedTrees.ints. A scalar is [tag, start, end, value]; a map [MAP, start, end, count] then
// per entry [key, keyStart, keyEnd, keyPlain] and the value node; a sequence [SEQ, start, end, count] then the
// items; a node met before (through an alias) [REF, its number]; a document [ROOT] then its node, or [EMPTY].
const QUOTED = 0;
const PLAIN = 1;
const MAP = 2;
const SEQ = 3;
const REF = 4;
const EMPTY = 5;
const ROOT = 6;

/**
 * Packs the roots of documents into {@link PackedTrees}. Nodes shared through aliases are packed once and
 * stay shared after {@link unpackTrees}.
 * @param roots - Each document's root (`null` for none) and whether it uses aliases (else nodes are
 *   taken to be unshared, which saves numbering them).
 * @returns The packed trees.
 */
export function packTrees(
  roots: readonly { readonly root: YamlNode | null; readonly aliased: boolean }[],
): PackedTrees {
  let ints = new Int32Array(1024);
  let n = 0;
  const values: (string | number | boolean | null)[] = [];
  const strings = new Map<string, number>();
  let numbers: Map<YamlNode, number> | undefined;
  const push = (x: number) => {
    if (n === ints.length) {
      const grown = new Int32Array(n * 2);
      grown.set(ints);
      ints = grown;
    }
    ints[n++] = x;
  };
  const value = (v: string | number | boolean | null): number => {
    if (typeof v !== 'string') return values.push(v) - 1;
    let at = strings.get(v);
    if (at === undefined) {
      at = values.push(v) - 1;
      strings.set(v, at);
    }
    return at;
  };
  const pack = (node: YamlNode): void => {
    if (numbers) {
      const seen = numbers.get(node);
      if (seen !== undefined) {
        push(REF);
        push(seen);
        return;
      }
      numbers.set(node, numbers.size);
    }
    if (node.kind === 'scalar') {
      push(node.plain ? PLAIN : QUOTED);
      push(node.start);
      push(node.end);
      push(value(node.value));
    } else if (node.kind === 'map') {
      push(MAP);
      push(node.start);
      push(node.end);
      push(node.entries.length);
      for (const e of node.entries) {
        push(value(e.key));
        push(e.keyStart);
        push(e.keyEnd);
        push(e.keyPlain ? 1 : 0);
        pack(e.value);
      }
    } else {
      push(SEQ);
      push(node.start);
      push(node.end);
      push(node.items.length);
      for (const item of node.items) pack(item);
    }
  };
  for (const { root, aliased } of roots) {
    numbers = aliased ? new Map() : undefined;
    if (root) {
      push(ROOT);
      pack(root);
    } else push(EMPTY);
  }
  return { ints: ints.slice(0, n), values };
}

/**
 * Rebuilds the trees {@link packTrees} packed.
 * @param packed - The packed trees.
 * @param aliased - For each document, whether it uses aliases (as given to {@link packTrees}).
 * @returns Each document's root, in order.
 * @throws Error when `packed` is not what {@link packTrees} made of documents with those flags.
 */
export function unpackTrees(packed: PackedTrees, aliased: readonly boolean[]): (YamlNode | null)[] {
  const { ints, values } = packed;
  let p = 0;
  let table: YamlNode[] | undefined;
  const read = (): number => {
    if (p >= ints.length) throw new Error('Packed YAML trees end too early.');
    return ints[p++] as number;
  };
  const unpack = (): YamlNode => {
    const tag = read();
    if (tag === REF) {
      const node = table?.[read()];
      if (!node) throw new Error('Packed YAML trees refer to a node not met yet.');
      return node;
    }
    if (tag !== QUOTED && tag !== PLAIN && tag !== MAP && tag !== SEQ) {
      throw new Error(`Packed YAML trees hold an unknown node tag ${tag}.`);
    }
    const at = table ? table.push(undefined as unknown as YamlNode) - 1 : -1;
    const start = read();
    const end = read();
    let node: YamlNode;
    if (tag === QUOTED || tag === PLAIN) {
      node = { kind: 'scalar', start, end, value: values[read()] ?? null, plain: tag === PLAIN };
      if (table) table[at] = node;
    } else if (tag === MAP) {
      const entries: YamlMapEntry[] = new Array(read());
      node = { kind: 'map', start, end, entries };
      if (table) table[at] = node;
      for (let i = 0; i < entries.length; i++) {
        const key = String(values[read()]);
        const keyStart = read();
        const keyEnd = read();
        const keyPlain = read() === 1;
        entries[i] = { key, keyStart, keyEnd, keyPlain, value: unpack() };
      }
    } else {
      const items: YamlNode[] = new Array(read());
      node = { kind: 'seq', start, end, items };
      if (table) table[at] = node;
      for (let i = 0; i < items.length; i++) items[i] = unpack();
    }
    return node;
  };
  const roots = aliased.map((shared) => {
    table = shared ? [] : undefined;
    const tag = read();
    if (tag === EMPTY) return null;
    if (tag !== ROOT) throw new Error(`Packed YAML trees hold an unknown document tag ${tag}.`);
    return unpack();
  });
  if (p !== ints.length) throw new Error('Packed YAML trees hold more than their documents.');
  return roots;
}
