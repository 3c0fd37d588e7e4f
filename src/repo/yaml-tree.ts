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
