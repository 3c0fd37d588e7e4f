import { isMap, isScalar, parseDocument } from 'yaml';
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
