import type { Diagnostic } from '../errors.js';
import { rangeSource, type ScalarTransform, type YamlDocument } from './documents.js';
import { resolvePlainScalar } from './scalar.js';

/**
 * Flux post-build variable substitution (kustomize-controller `spec.postBuild.substitute`), as implemented
 * by `github.com/fluxcd/pkg/envsubst` (a fork of drone/envsubst):
 *
 * - `${var}`; `${var:=default}` and `${var:-default}` (default when unset or empty); `${var=default}` and
 *   `${var-default}` (default when unset); the default may itself hold `${…}`.
 * - bash string functions: `${#var}`, `${var^}`, `${var^^}`, `${var,}`, `${var,,}`, `${var:n}`,
 *   `${var:n:len}`, `${var#pat}`, `${var##pat}`, `${var%pat}`, `${var%%pat}`, `${var/pat/rep}`,
 *   `${var//pat/rep}`, `${var/#pat/rep}`, `${var/%pat/rep}` (glob patterns `*`, `?`, `[…]`).
 * - `$$` is an escaped `$`: `$${var}` gives the literal text `${var}`.
 *
 * Differences from Flux, on purpose: a variable with no value and no default is left as written (Flux
 * writes an empty string, or fails with `StrictPostBuildSubstitutions`) and reported, so that a policy with
 * a missing variable is visibly unresolved rather than silently different; and defaults apply even when no
 * variable is passed at all (Flux skips substitution entirely when a Kustomization defines no variable).
 *
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#post-build-variable-substitution
 * @see https://github.com/fluxcd/pkg/blob/main/envsubst/README.md
 */

/** The result of expanding one string. */
export interface Expansion {
  /** The text with every resolvable expression replaced. */
  readonly value: string;
  /** Names of variables that had no value and no default, in order of appearance (duplicates kept). */
  readonly unresolved: readonly { readonly name: string; readonly offset: number }[];
}

/** The label or annotation that turns substitution off for one object (Flux's own switch). */
export const SUBSTITUTE_DISABLED_KEY = 'kustomize.toolkit.fluxcd.io/substitute';

const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Expands Flux variables in one string.
 * @param text - The text, e.g. a scalar value.
 * @param vars - Variable values.
 * @param unknown - Names without a value in `vars` that may still be set where netpol cannot read (a key of
 *   a Secret): `${name:=default}` is then left unresolved instead of taking the default, which Flux would
 *   use only if the Secret did not define the name. Default: none.
 * @returns The expanded text and the unresolved variables (left as written in `value`).
 */
export function expandVariables(
  text: string,
  vars: Readonly<Record<string, string>>,
  unknown?: (name: string) => boolean,
): Expansion {
  if (!text.includes('$')) return { value: text, unresolved: [] };
  const unresolved: { name: string; offset: number }[] = [];
  const value = expand(text, 0, text.length, vars, unresolved, unknown);
  return { value, unresolved };
}

function expand(
  text: string,
  from: number,
  to: number,
  vars: Readonly<Record<string, string>>,
  unresolved: { name: string; offset: number }[],
  unknown?: (name: string) => boolean,
): string {
  let out = '';
  let i = from;
  while (i < to) {
    const c = text[i];
    if (c === '$' && text[i + 1] === '$' && i + 1 < to) {
      out += '$';
      i += 2;
      // The escaped dollar never starts an expression: `$${x}` is the text `${x}`.
      if (text[i] === '{') {
        const close = matchingBrace(text, i + 1, to);
        const end = close === -1 ? to : close + 1;
        out += text.slice(i, end);
        i = end;
      }
      continue;
    }
    if (c === '$' && text[i + 1] === '{' && i + 1 < to) {
      const close = matchingBrace(text, i + 2, to);
      if (close === -1) {
        out += text.slice(i, to);
        break;
      }
      const result = evaluate(text, i, i + 2, close, vars, unresolved, unknown);
      out += result ?? text.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Index of the `}` closing an expression whose body starts at `from`, or -1. */
function matchingBrace(text: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Evaluates `${…}` (body from `start` to `close`); null leaves the expression as written. */
function evaluate(
  text: string,
  dollar: number,
  start: number,
  close: number,
  vars: Readonly<Record<string, string>>,
  unresolved: { name: string; offset: number }[],
  unknown?: (name: string) => boolean,
): string | null {
  let j = start;
  const length = text[j] === '#' && close > j + 1;
  if (length) j++;
  const nameStart = j;
  while (j < close && NAME_CHAR.test(text[j] ?? '')) j++;
  const name = text.slice(nameStart, j);
  if (name === '' || /^[0-9]/.test(name)) {
    unresolved.push({ name: text.slice(dollar, close + 1), offset: dollar });
    return null;
  }
  const has = Object.hasOwn(vars, name);
  const value = has ? (vars[name] as string) : undefined;
  const op = text.slice(j, close);
  const missing = (): null => {
    unresolved.push({ name, offset: dollar });
    return null;
  };
  if (length) return op === '' ? (value === undefined ? missing() : String([...value].length)) : missing();
  if (op === '') return value ?? missing();
  const defaultForm = /^(:?)([=-])/.exec(op);
  if (defaultForm) {
    // The value may be set where netpol cannot read it: the default is a guess, so leave it as written.
    if (!has && unknown?.(name)) return missing();
    const useDefault = defaultForm[1] === ':' ? value === undefined || value === '' : value === undefined;
    if (!useDefault) return value ?? '';
    const argStart = j + defaultForm[0].length;
    return expand(text, argStart, close, vars, unresolved, unknown);
  }
  if (value === undefined) return missing();
  switch (op) {
    case '^':
      return value.charAt(0).toUpperCase() + value.slice(1);
    case '^^':
      return value.toUpperCase();
    case ',':
      return value.charAt(0).toLowerCase() + value.slice(1);
    case ',,':
      return value.toLowerCase();
  }
  const substring = /^:\s*(-?\d+)(?::\s*(\d+))?$/.exec(op);
  if (substring) {
    const offset = Number(substring[1]);
    const begin = offset < 0 ? Math.max(0, value.length + offset) : Math.min(offset, value.length);
    return substring[2] === undefined ? value.slice(begin) : value.slice(begin, begin + Number(substring[2]));
  }
  const strip = /^(##?|%%?)(.*)$/s.exec(op);
  if (strip) {
    const pattern = expand(text, j + (strip[1] ?? '').length, close, vars, unresolved);
    return stripPattern(value, pattern, strip[1] ?? '#');
  }
  const replace = /^\/([/#%]?)(.*)$/s.exec(op);
  if (replace) {
    const body = replace[2] ?? '';
    const slash = body.indexOf('/');
    const pattern = slash === -1 ? body : body.slice(0, slash);
    const replacement = slash === -1 ? '' : body.slice(slash + 1);
    return replacePattern(value, pattern, replacement, replace[1] ?? '');
  }
  unresolved.push({ name: text.slice(dollar, close + 1), offset: dollar });
  return null;
}

/** A bash glob (`*`, `?`, `[...]`) as a regular-expression source; `lazy` makes `*` match as little as possible. */
function globSource(pattern: string, lazy: boolean): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += lazy ? '.*?' : '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        let set = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        out += `[${set}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      out += (pattern[i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function stripPattern(value: string, pattern: string, op: string): string {
  const re = new RegExp(`^(?:${globSource(pattern, false)})$`, 's');
  if (op === '#' || op === '##') {
    const lengths = [...Array(value.length + 1).keys()];
    if (op === '##') lengths.reverse();
    for (const n of lengths) if (re.test(value.slice(0, n))) return value.slice(n);
    return value;
  }
  const starts = [...Array(value.length + 1).keys()];
  if (op === '%') starts.reverse();
  for (const n of starts) if (re.test(value.slice(n))) return value.slice(0, n);
  return value;
}

function replacePattern(value: string, pattern: string, replacement: string, mode: string): string {
  if (pattern === '') return value;
  const source = globSource(pattern, false);
  if (mode === '#') return value.replace(new RegExp(`^(?:${source})`, 's'), () => replacement);
  if (mode === '%') return value.replace(new RegExp(`(?:${source})$`, 's'), () => replacement);
  const re = new RegExp(source, mode === '/' ? 'gs' : 's');
  return value.replace(re, () => replacement);
}

/**
 * Substitution over a whole repository: expands string scalars (values and keys) while documents are
 * turned into plain data, and reports each unresolved variable once per repository (`UNRESOLVED_VARIABLE`,
 * warning, at its first occurrence).
 */
export class Substitution {
  readonly #vars: Readonly<Record<string, string>>;
  readonly #reported: Set<string>;
  readonly #onUnresolved: ((name: string) => boolean) | undefined;
  readonly #unknown: ((name: string) => boolean) | undefined;
  readonly #onExpanded: ((doc: YamlDocument, start: number, names: readonly string[]) => void) | undefined;

  /**
   * @param vars - Variable values (`--var key=value`, or a Flux Kustomization's variables).
   * @param options - `reported`: names already reported (shared between the substitutions of one load, so
   *   each variable is reported once); `onUnresolved`: called with each unresolved name, returns true when
   *   the caller reports it itself (no `UNRESOLVED_VARIABLE` then); `unknown`: names that may be set where
   *   netpol cannot read (see {@link expandVariables}). Default: a fresh set, no callbacks.
   */
  constructor(
    vars: Readonly<Record<string, string>>,
    options: {
      readonly reported?: Set<string>;
      readonly onUnresolved?: (name: string) => boolean;
      readonly unknown?: (name: string) => boolean;
      /** Told the variables substituted into a scalar (by name), with the scalar's document and offset. */
      readonly onExpanded?: (doc: YamlDocument, start: number, names: readonly string[]) => void;
    } = {},
  ) {
    this.#onExpanded = options.onExpanded;
    this.#vars = vars;
    this.#reported = options.reported ?? new Set();
    this.#onUnresolved = options.onUnresolved;
    this.#unknown = options.unknown;
  }

  /**
   * The scalar transform for one document. A plain (unquoted) scalar whose text changed is resolved again,
   * as Flux substitutes text before parsing: `port: ${PORT}` with `PORT=80` becomes the number 80.
   * @param doc - The document being converted (for positions).
   * @param diagnostics - Receives `UNRESOLVED_VARIABLE` warnings.
   * @returns A transform for `documentValue`.
   */
  transformFor(doc: YamlDocument, diagnostics: Diagnostic[]): ScalarTransform {
    return (text, plain, start) => {
      if (!text.includes('$')) return text;
      const { value, unresolved } = expandVariables(text, this.#vars, this.#unknown);
      for (const u of unresolved) {
        if (this.#onUnresolved?.(u.name)) continue;
        if (this.#reported.has(u.name)) continue;
        this.#reported.add(u.name);
        diagnostics.push(this.#diagnostic(doc, u.name, start, text, u.offset));
      }
      if (value === text) return text;
      if (this.#onExpanded) {
        const skipped = new Set(unresolved.map((u) => u.name));
        const names = [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)]
          .map((m) => m[1] as string)
          .filter((n) => !skipped.has(n) && Object.hasOwn(this.#vars, n));
        if (names.length > 0) this.#onExpanded(doc, start, [...new Set(names)]);
      }
      return plain ? resolvePlainScalar(value) : value;
    };
  }

  #diagnostic(doc: YamlDocument, name: string, start: number, text: string, offset: number): Diagnostic {
    // Point at the `${` itself when the scalar's source text holds it at the expected place.
    const quoted = doc.text[start] === '"' || doc.text[start] === "'";
    const at = start + (quoted ? 1 : 0) + offset;
    const exact = doc.text.startsWith(text.slice(offset, offset + 2), at);
    const from = exact ? at : start;
    const expression = name.startsWith('${') ? name : `\${${name}}`;
    const isName = !name.startsWith('${');
    return {
      code: 'UNRESOLVED_VARIABLE',
      severity: 'warning',
      message: isName
        ? `Variable "${name}" has no value and no default, so "${expression}" is left as written.`
        : `Expression "${name}" is not a substitution netpol understands, so it is left as written.`,
      source: rangeSource(doc.file, doc.lines, from, exact ? from + expression.length : from),
      hint: isName
        ? `Pass --var ${name}=<value>, or give a default with \${${name}:=<value>}.`
        : `Use \${var}, \${var:=default} or \${var:-default}; escape a literal with $\${…}.`,
    };
  }
}
