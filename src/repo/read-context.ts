import type { Diagnostic, DiagnosticCode, Severity, SourceRef } from '../errors.js';
import { sourceAt, type YamlDocument, type YamlPath } from './documents.js';
import { quoteValue, truncateValue } from './truncate.js';
import { closest } from './values.js';

/** A mutable path under construction; diagnostics copy it. */
export type Path = readonly (string | number)[];

/**
 * What the object readers share while they read one document: the document (for positions), the
 * diagnostics list, and whether field names match case-insensitively (Cilium's agent JSON format is read
 * with Go's `encoding/json`, which folds case; Kubernetes objects are matched exactly).
 */
export class ReadContext {
  readonly doc: YamlDocument;
  readonly diagnostics: Diagnostic[];
  readonly foldCase: boolean;
  readonly #locate: ((path: YamlPath, key: boolean) => SourceRef | undefined) | undefined;

  /**
   * @param doc - The document being read.
   * @param diagnostics - Receives the findings.
   * @param foldCase - Match field names case-insensitively (agent JSON format).
   * @param locate - Positions of a rendered object whose values come from several documents (kustomize
   *   patches); falls back to `doc` when it gives none. Default: positions in `doc`.
   */
  constructor(
    doc: YamlDocument,
    diagnostics: Diagnostic[],
    foldCase: boolean,
    locate?: (path: YamlPath, key: boolean) => SourceRef | undefined,
  ) {
    this.doc = doc;
    this.diagnostics = diagnostics;
    this.foldCase = foldCase;
    this.#locate = locate;
  }

  /**
   * The position of the value at `path` (or of its key).
   * @param path - Path in the document.
   * @param key - Point at the map key of the last element instead of its value.
   * @returns The SourceRef.
   */
  source(path: YamlPath, key = false): SourceRef {
    const located = this.#locate?.(path, key);
    if (located) return located;
    return sourceAt(this.doc, path, key ? { key: true } : {});
  }

  /**
   * Records a finding at the value (or key) at `path`.
   * @param code - The diagnostic code.
   * @param severity - Its severity.
   * @param message - One sentence, without position.
   * @param path - Where it is.
   * @param hint - What to do, one sentence.
   * @param options - `key: true` points at the key.
   */
  report(
    code: DiagnosticCode,
    severity: Severity,
    message: string,
    path: YamlPath,
    hint?: string,
    options: { key?: boolean } = {},
  ): void {
    this.diagnostics.push({
      code,
      severity,
      message,
      source: this.source(path, options.key ?? false),
      path: [...path],
      ...(hint !== undefined ? { hint } : {}),
    });
  }
}

/**
 * `{ ...base, ...extra }` for objects the readers make once per object or rule read: the same keys in the
 * same order, copied with `Object.assign`. In V8's optimised code (Node 20) an object literal that spreads
 * one object and then sets more keys gets a hidden class of its own (a map and a descriptor array, about
 * 300 bytes that live as long as the object and that every full collection visits); one that is assigned
 * key by key shares its class with the others.
 * @param base - The fields that come first (an `ObjectMeta`, a selector).
 * @param extra - The fields that follow, in order; one also in `base` replaces its value and keeps its place.
 * @returns A new object.
 */
export function withFields<A extends object, B extends object>(base: A, extra: B): A & B {
  return Object.assign({}, base, extra);
}

/**
 * The string as a string of its own. A substring V8 cuts from a file's text (js-yaml's scalars of 13
 * characters or more) keeps the whole text alive; a name or label value the model keeps for the life of the
 * repository would keep every file it was read from.
 * @param text - Any string.
 * @returns An equal string that holds no other: `slice` flattens the two-part string into a copy of its own
 *   (shorter strings are copied when cut, so they are returned as they are).
 */
export function ownString(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/**
 * The list without spare room: an array grown by `push` from empty keeps room for 17 items, and the model's
 * lists (rules, peers, selectors, ports) mostly hold one and live as long as the repository.
 * @param list - A list filled by `push`.
 * @returns The same items in an array of their own size (one shared, frozen list when there is none).
 */
export function fitted<T>(list: T[]): readonly T[] {
  return list.length === 0 ? NO_ITEMS : list.slice();
}

/** The one empty list the model's readers share. */
const NO_ITEMS: readonly never[] = Object.freeze([]);

/**
 * True for a plain object (a YAML mapping).
 * @param value - Any plain value.
 * @returns Whether it is a mapping.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A set of known field names with its case-folded index. */
export class FieldSet {
  readonly names: ReadonlySet<string>;
  readonly #folded: ReadonlyMap<string, string>;

  constructor(names: readonly string[]) {
    this.names = new Set(names);
    this.#folded = new Map(names.map((n) => [n.toLowerCase(), n]));
  }

  /** The canonical name for a key as written, or undefined when unknown. */
  canonical(key: string, foldCase: boolean): string | undefined {
    if (this.names.has(key)) return key;
    return foldCase ? this.#folded.get(key.toLowerCase()) : undefined;
  }
}

/**
 * The fields of one mapping, by canonical name, with the key as written (for paths). A mapping has a handful
 * of fields and one is made for every mapping the readers read, so they are kept in one flat array
 * (`name, key, value` per field, looked up by a scan) rather than a `Map` of records.
 */
export class Fields {
  readonly #rows: unknown[] = [];
  readonly path: Path;

  /** @param path - The mapping's path in its document. */
  constructor(path: Path) {
    this.path = path;
  }

  /**
   * Records a field; a name set again replaces the earlier value and key.
   * @param name - The canonical field name.
   * @param key - The key as written.
   * @param value - Its value.
   */
  set(name: string, key: string, value: unknown): void {
    const rows = this.#rows;
    const at = this.#find(name);
    if (at === -1) rows.push(name, key, value);
    else {
      rows[at + 1] = key;
      rows[at + 2] = value;
    }
  }

  /** The value of a field; `undefined` when absent, `null` when written as null. */
  get(name: string): unknown {
    const at = this.#find(name);
    return at === -1 ? undefined : this.#rows[at + 2];
  }

  /** True when the field is present with a non-null value. */
  has(name: string): boolean {
    const v = this.get(name);
    return v !== null && v !== undefined;
  }

  /** The path of a field (with the key as written). */
  at(name: string): Path {
    const at = this.#find(name);
    return [...this.path, at === -1 ? name : (this.#rows[at + 1] as string)];
  }

  #find(name: string): number {
    const rows = this.#rows;
    for (let i = 0; i < rows.length; i += 3) if (rows[i] === name) return i;
    return -1;
  }
}

/**
 * Reads the optional nested mapping `name` of `parent` (e.g. `enableDefaultDeny`, `authentication`).
 * @param what - What the mapping is, for unknown-field messages (`"a listener"`).
 * @returns Its fields; `undefined` when the field is absent or null, or when it is not a mapping, which is
 *   reported as a `BAD_VALUE` error at the field ("`name` must be a mapping, not …").
 */
export function readNestedFields(
  ctx: ReadContext,
  parent: Fields,
  name: string,
  known: FieldSet,
  what: string,
): Fields | undefined {
  const value = parent.get(name);
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    ctx.report('BAD_VALUE', 'error', `${name} must be a mapping, not ${typeName(value)}.`, parent.at(name));
    return undefined;
  }
  return readFields(ctx, value, parent.at(name), known, what);
}

/**
 * Reads a mapping's fields against a list of known names; every other key is reported as
 * `UNKNOWN_FIELD` at the key, with a "did you mean" hint when a known name is close.
 * @param ctx - The read context.
 * @param value - The mapping.
 * @param path - Its path.
 * @param known - The known field names.
 * @param what - What the mapping is, for messages (`"a Cilium egress rule"`).
 * @param severity - Severity of unknown fields. Default: `error`.
 * @returns The fields.
 */
export function readFields(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  known: FieldSet,
  what: string,
  severity: Severity = 'error',
): Fields {
  const fields = new Fields(path);
  for (const key of Object.keys(value)) {
    const name = known.canonical(key, ctx.foldCase);
    if (name !== undefined) {
      fields.set(name, key, value[key]);
      continue;
    }
    const suggestion = closest(key, known.names);
    ctx.report(
      'UNKNOWN_FIELD',
      severity,
      `Field "${key}" is not part of ${what}; it is ignored.`,
      [...path, key],
      suggestion !== undefined
        ? `Did you mean "${suggestion}"? Check the spelling and the indentation.`
        : `Check the spelling and the indentation; known fields: ${[...known.names].join(', ')}.`,
      { key: true },
    );
  }
  return fields;
}

/**
 * Describes a YAML value's type for messages (`a list`, `the string "x"`).
 * @param value - Any plain value.
 * @returns The description.
 */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${quoteValue(value)}`;
  return `${typeof value} ${truncateValue(String(value))}`;
}

/**
 * Shows a YAML value in a message: strings quoted, numbers and booleans as written, collections by type.
 * @param value - Any plain value.
 * @returns The text to put in a message.
 */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quoteValue(value);
  return truncateValue(String(value));
}

/**
 * The hint for a label (or annotation) value that is not a string: quote a number, boolean or null; a
 * list or a mapping is no label value at all.
 * @param key - The label key.
 * @param value - The value as read.
 * @returns One sentence.
 */
export function stringValueHint(key: string, value: unknown): string {
  const k = truncateValue(key);
  if (value !== null && typeof value === 'object') {
    return `A value is one string: write ${k}: "…" (${Array.isArray(value) ? 'a list' : 'a mapping'} cannot be a value).`;
  }
  return `Quote it: ${k}: ${quoteValue(String(value))}.`;
}

/**
 * Reads an optional list: `undefined`/`null` give `null` (absent); a non-list is reported as `BAD_VALUE`
 * and gives `fallback`.
 * @param ctx - The read context.
 * @param value - The value.
 * @param path - Its path.
 * @param what - Its name for the message.
 * @param fallback - What a non-list reads as.
 * @returns The list, null, or the fallback.
 */
export function readList(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  what: string,
  fallback: unknown[] | null,
): unknown[] | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value;
  ctx.report(
    'BAD_VALUE',
    'error',
    `${what} must be a list, not ${typeName(value)}.`,
    path,
    'Write it as a YAML list (`- item`).',
  );
  return fallback;
}

/**
 * Reads an optional string; a non-string is reported as `BAD_VALUE` and gives `undefined`.
 * @param ctx - The read context.
 * @param value - The value.
 * @param path - Its path.
 * @param what - Its name for the message.
 * @returns The string or undefined.
 */
export function readString(ctx: ReadContext, value: unknown, path: Path, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  ctx.report(
    'BAD_VALUE',
    'error',
    `${what} must be a string, not ${typeName(value)}.`,
    path,
    'Quote the value.',
  );
  return undefined;
}

/**
 * Reads an optional boolean; a non-boolean is reported as `BAD_VALUE` and gives `undefined`.
 * @param ctx - The read context.
 * @param value - The value.
 * @param path - Its path.
 * @param what - Its name for the message.
 * @returns The boolean or undefined.
 */
export function readBoolean(ctx: ReadContext, value: unknown, path: Path, what: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  ctx.report('BAD_VALUE', 'error', `${what} must be true or false, not ${typeName(value)}.`, path);
  return undefined;
}
