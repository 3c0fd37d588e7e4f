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

/** Builds a requirement from a raw selector key (which may carry a source prefix). */
export function requirement(
  rawKey: string,
  operator: Requirement['operator'],
  values: readonly string[],
): Requirement {
  const { source, key } = parseSelectorKey(rawKey);
  const set = new Set(values);
  return { source, key, operator, values: set, test: compileTest(source, key, operator, set) };
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

/** Builds a compiled selector (text and predicate) from requirements. */
export function selectorOf(reqs: readonly Requirement[]): CompiledSelector {
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
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels)) reqs.push(requirement(k, 'In', [v]));
  for (const e of selector.matchExpressions) reqs.push(requirement(e.key, e.operator, e.values));
  reqs.push(...extra);
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
