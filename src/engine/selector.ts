import type { LabelSelector } from '../repo/model.js';
import {
  type Identity,
  identityLabel,
  type LabelSource,
  POD_NAMESPACE_LABEL,
  parseSelectorKey,
} from './identity.js';

/** One requirement of a compiled selector; `values` is empty for Exists/DoesNotExist. */
export interface Requirement {
  readonly source: LabelSource;
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: ReadonlySet<string>;
  /** The requirement compiled into a predicate (built once; matching is the engine's hot path). */
  readonly test: (identity: Identity) => boolean;
}

/**
 * A label selector compiled for matching identities: a conjunction of requirements.
 * `wildcard` selectors (no requirement) select every identity, reserved ones included
 * (Cilium's WildcardEndpointSelector, `pkg/policy/api/selector.go`).
 */
export interface CompiledSelector {
  readonly requirements: readonly Requirement[];
  /** Human-readable form, e.g. `{k8s:app=web, io.kubernetes.pod.namespace=shop}`. */
  readonly text: string;
  /** All requirements compiled into one predicate. */
  readonly test: (identity: Identity) => boolean;
}

/**
 * Requirements already built, by key, operator and values. A requirement is immutable and its predicate
 * pure, so equal ones are shared: a repository repeats a few (`app=web`, each policy's namespace) thousands
 * of times, and each costs a set and two closures. Emptied when it reaches {@link MAX_INTERNED}, so a
 * long-lived process that compiles many repositories keeps it bounded.
 */
const INTERNED = new Map<string, Requirement>();
const MAX_INTERNED = 100_000;
/** A serial number per interned requirement, for {@link SELECTORS}' keys. */
const SERIALS = new WeakMap<Requirement, number>();
let serial = 0;
/**
 * Compiled selectors by their requirements' serial numbers: a selector is as immutable as its requirements,
 * and a repository repeats the same ones (`{app=web, pod namespace=ns}`) in every policy of a namespace.
 * Emptied at {@link MAX_INTERNED}, as {@link INTERNED}.
 */
const SELECTORS = new Map<string, CompiledSelector>();

/**
 * The key of a requirement in {@link INTERNED}: its parts joined by NUL, or as JSON when a part holds a NUL
 * (a quoted YAML string may), so that two different requirements never share a key.
 */
function requirementId(rawKey: string, operator: Requirement['operator'], values: readonly string[]): string {
  const plain = !rawKey.includes('\0') && values.every((v) => !v.includes('\0'));
  if (!plain) return JSON.stringify([operator, rawKey, values]);
  return values.length === 1
    ? `${operator}\0${rawKey}\0${values[0]}`
    : `${operator}\0${rawKey}\0${values.length}\0${values.join('\0')}`;
}

/**
 * Builds a requirement from a raw selector key (which may carry a source prefix); equal requirements are
 * the same object (see {@link INTERNED}).
 * @param rawKey - The selector key as written (`k8s:app`, `app`, `reserved:world`).
 * @param operator - The operator.
 * @param values - Its values (empty for Exists/DoesNotExist).
 * @returns The requirement with its compiled predicate.
 */
export function requirement(
  rawKey: string,
  operator: Requirement['operator'],
  values: readonly string[],
): Requirement {
  const id = requirementId(rawKey, operator, values);
  const known = INTERNED.get(id);
  if (known) return known;
  const { source, key } = parseSelectorKey(rawKey);
  const set = new Set(values);
  const made: Requirement = {
    source,
    key,
    operator,
    values: set,
    test: compileTest(source, key, operator, set),
  };
  if (INTERNED.size >= MAX_INTERNED) INTERNED.clear();
  INTERNED.set(id, made);
  SERIALS.set(made, serial++);
  return made;
}

function compileTest(
  source: LabelSource,
  key: string,
  operator: Requirement['operator'],
  values: ReadonlySet<string>,
): (identity: Identity) => boolean {
  const get = (id: Identity) => identityLabel(id, source, key);
  const single = values.size === 1 ? (values.values().next().value as string) : undefined;
  switch (operator) {
    case 'In':
      if (single !== undefined && source === 'k8s') return (id) => id.k8s.get(key) === single;
      if (single !== undefined) return (id) => get(id) === single;
      return (id) => {
        const v = get(id);
        return v !== undefined && values.has(v);
      };
    case 'NotIn':
      return (id) => {
        const v = get(id);
        return v === undefined || !values.has(v);
      };
    case 'Exists':
      return (id) => get(id) !== undefined;
    case 'DoesNotExist':
      return (id) => get(id) === undefined;
  }
}

/**
 * Builds a compiled selector (text and predicate) from requirements; the same requirements in the same
 * order give the same object (see {@link SELECTORS}), whose `requirements` may be an earlier, equal array.
 * @param reqs - The requirements, ANDed.
 * @returns The compiled selector.
 */
export function selectorOf(reqs: readonly Requirement[]): CompiledSelector {
  let id = '';
  for (const r of reqs) {
    const n = SERIALS.get(r);
    if (n === undefined) return makeSelector(reqs);
    id += `${n},`;
  }
  const known = SELECTORS.get(id);
  if (known) return known;
  const made = makeSelector(reqs);
  if (SELECTORS.size >= MAX_INTERNED) SELECTORS.clear();
  SELECTORS.set(id, made);
  return made;
}

function makeSelector(reqs: readonly Requirement[]): CompiledSelector {
  const tests = reqs.map((r) => r.test);
  let test: (identity: Identity) => boolean;
  if (tests.length === 0) test = () => true;
  else if (tests.length === 1) test = tests[0] as (identity: Identity) => boolean;
  else {
    test = (id) => {
      for (const t of tests) if (!t(id)) return false;
      return true;
    };
  }
  return { requirements: reqs, text: selectorText(reqs), test };
}

/** The selector that selects everything. */
export const WILDCARD_SELECTOR: CompiledSelector = selectorOf([]);

/**
 * Compiles a Kubernetes-style label selector: `matchLabels` become `In` requirements with one value
 * (`pkg/policy/api/selector.go` NewESFromK8sLabelSelector), `matchExpressions` keep their operator.
 */
export function compileSelector(
  selector: LabelSelector,
  extra: readonly Requirement[] = [],
): CompiledSelector {
  const labels = Object.entries(selector.matchLabels);
  const expressions = selector.matchExpressions;
  // Sized up front: compiled selectors live as long as the engine.
  const reqs: Requirement[] = new Array(labels.length + expressions.length + extra.length);
  let n = 0;
  for (const [k, v] of labels) reqs[n++] = requirement(k, 'In', [v]);
  for (const e of expressions) reqs[n++] = requirement(e.key, e.operator, e.values);
  for (const r of extra) reqs[n++] = r;
  return selectorOf(reqs);
}

/** Whether the selector names `key` (any source prefix accepted for `any`, `k8s`). */
export function selectorHasKey(selector: CompiledSelector, key: string): boolean {
  return selector.requirements.some((r) => r.key === key && (r.source === 'any' || r.source === 'k8s'));
}

/** Whether any requirement's key uses the given source (e.g. `reserved`). */
export function selectorHasSource(selector: CompiledSelector, source: LabelSource): boolean {
  return selector.requirements.some((r) => r.source === source);
}

/** Whether any requirement's bare key starts with `prefix` (source k8s or any). */
export function selectorHasKeyPrefix(selector: CompiledSelector, prefix: string): boolean {
  return selector.requirements.some(
    (r) => r.key.startsWith(prefix) && (r.source === 'any' || r.source === 'k8s'),
  );
}

/** Returns the selector with one more requirement. */
export function withRequirement(selector: CompiledSelector, req: Requirement): CompiledSelector {
  return selectorOf([...selector.requirements, req]);
}

/**
 * Whether `identity` satisfies every requirement, with Kubernetes label-selector semantics
 * (NotIn and DoesNotExist match when the label is absent).
 * @see k8s.io/apimachinery labels.Requirement.Matches, used by Cilium's EndpointSelector.Matches.
 */
export function selectorMatches(selector: CompiledSelector, identity: Identity): boolean {
  return selector.test(identity);
}

/** Whether one requirement holds for the identity (Kubernetes label-selector semantics). */
export function requirementMatches(r: Requirement, identity: Identity): boolean {
  return r.test(identity);
}

/** The namespace a selector pins by `io.kubernetes.pod.namespace=<ns>`, if exactly one. */
export function selectorNamespace(selector: CompiledSelector): string | undefined {
  for (const r of selector.requirements) {
    if (
      r.key === POD_NAMESPACE_LABEL &&
      r.operator === 'In' &&
      r.values.size === 1 &&
      r.source !== 'reserved'
    ) {
      return [...r.values][0];
    }
  }
  return undefined;
}

function selectorText(reqs: readonly Requirement[]): string {
  if (reqs.length === 0) return '{}';
  const parts = reqs.map((r) => {
    const k = r.source === 'any' ? r.key : `${r.source}:${r.key}`;
    switch (r.operator) {
      case 'In':
        return r.values.size === 1 ? `${k}=${[...r.values][0]}` : `${k} in (${[...r.values].join(',')})`;
      case 'NotIn':
        return `${k} notin (${[...r.values].join(',')})`;
      case 'Exists':
        return k;
      case 'DoesNotExist':
        return `!${k}`;
    }
    return k;
  });
  return `{${parts.join(', ')}}`;
}
