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

/** The fields of one mapping, by canonical name, with the key as written (for paths). */
export class Fields {
  readonly #values = new Map<string, { value: unknown; key: string }>();
  readonly path: Path;

  constructor(path: Path) {
    this.path = path;
  }

  set(name: string, key: string, value: unknown): void {
    this.#values.set(name, { value, key });
  }

  /** The value of a field; `undefined` when absent, `null` when written as null. */
  get(name: string): unknown {
    return this.#values.get(name)?.value;
  }

  /** True when the field is present with a non-null value. */
  has(name: string): boolean {
    const v = this.#values.get(name);
    return v !== undefined && v.value !== null && v.value !== undefined;
  }

  /** The path of a field (with the key as written). */
  at(name: string): Path {
    return [...this.path, this.#values.get(name)?.key ?? name];
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
