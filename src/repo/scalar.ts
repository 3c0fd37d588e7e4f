import { Document, isMap, isScalar, parseDocument, type ScalarTag } from 'yaml';
import { YAML_READ_OPTIONS } from './yaml-options.js';

/** A resolved scalar value as the loader keeps it. */
export type ScalarValue = string | number | boolean | null;

const cache = new Map<string, ScalarValue>();
const CACHE_LIMIT = 50_000;

/**
 * Resolves the text of a plain (unquoted) scalar the way Kubernetes does: YAML 1.1 rules (`yes`/`on` are
 * booleans, `0777` is octal) with floats that need digits and no base-60 numbers (`YAML_READ_OPTIONS`).
 * Timestamps and other exotic types are kept as their source text. Results are memoised.
 * @param text - The scalar's source text (no quotes, no surrounding spaces).
 * @returns The resolved value.
 */
export function resolvePlainScalar(text: string): ScalarValue {
  const c = text.charCodeAt(0);
  // Words that start with a letter are strings, except the short YAML 1.1 booleans and nulls.
  if (text.length > 5 && ((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) return text;
  const hit = cache.get(text);
  if (hit !== undefined || cache.has(text)) return hit ?? null;
  // Resolved as a mapping value, where the text stands as it did in its file (`---` alone would be a
  // document marker).
  const doc = parseDocument(`k: ${text}`, YAML_READ_OPTIONS);
  const node = isMap(doc.contents) ? doc.contents.items[0]?.value : undefined;
  const value = doc.errors.length === 0 && isScalar(node) ? normalizeScalar(node.value, text) : text;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, value);
  return value;
}

/**
 * Normalises a value the `yaml` package resolved for a scalar into a {@link ScalarValue}:
 * dates, merge-key symbols, binary data and big integers become their source text.
 * @param value - The value from `Scalar.value`.
 * @param source - The scalar's source text, used for values that are not plain JSON types.
 * @returns The normalised value.
 */
export function normalizeScalar(value: unknown, source: string): ScalarValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  return source;
}

const SCHEMA_DOCUMENT = new Document(undefined, YAML_READ_OPTIONS);
const SCALAR_TAGS = SCHEMA_DOCUMENT.schema.tags.filter((t): t is ScalarTag => !t.collection && !!t.default);
const SCALAR_OPTIONS = SCHEMA_DOCUMENT.options;
const valueCache = new Map<string, ScalarValue | typeof UNRESOLVED>();
const keyCache = new Map<string, ScalarValue | typeof UNRESOLVED>();

/** What {@link resolvePlainText} returns for a scalar only the `yaml` Composer can read. */
export const UNRESOLVED: unique symbol = Symbol('unresolved');

/**
 * compose-scalar of `yaml` 2.9 for an untagged plain scalar, as the token path and the fast reader need it:
 * the first of `yaml`'s YAML 1.1 scalar tags (narrowed as in `yaml-options.ts`) whose test matches, its
 * value normalised by {@link normalizeScalar}. Results are memoised.
 * @param text - The plain scalar's value (its folded source text).
 * @param atKey - True for a map key, where `yaml` also tries its key-only tags (the merge key `<<`).
 * @returns The value, or {@link UNRESOLVED} for the merge key and for a tag that reports an error on the
 *   text: the Composer then decides.
 */
export function resolvePlainText(text: string, atKey: boolean): ScalarValue | typeof UNRESOLVED {
  const c = text.charCodeAt(0);
  // Words that start with a letter are strings, except the short YAML 1.1 booleans and nulls.
  if (text.length > 5 && ((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) return text;
  const memo = atKey ? keyCache : valueCache;
  const hit = memo.get(text);
  if (hit !== undefined || memo.has(text)) return hit ?? null;
  const tag = SCALAR_TAGS.find((t) => (t.default === true || atKey) && t.test?.test(text));
  let value: ScalarValue | typeof UNRESOLVED = text;
  if (tag) {
    if (tag.default !== true) value = UNRESOLVED;
    else {
      let failed = false;
      let resolved: unknown;
      try {
        resolved = tag.resolve(
          text,
          () => {
            failed = true;
          },
          SCALAR_OPTIONS,
        );
      } catch {
        failed = true;
      }
      value = failed ? UNRESOLVED : normalizeScalar(isScalar(resolved) ? resolved.value : resolved, text);
    }
  }
  if (memo.size >= CACHE_LIMIT) memo.clear();
  memo.set(text, value);
  return value;
}
