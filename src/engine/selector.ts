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
}

/** The selector that selects everything. */
export const WILDCARD_SELECTOR: CompiledSelector = { requirements: [], text: '{}' };

/** Builds a requirement from a raw selector key (which may carry a source prefix). */
export function requirement(
  rawKey: string,
  operator: Requirement['operator'],
  values: readonly string[],
): Requirement {
  const { source, key } = parseSelectorKey(rawKey);
  return { source, key, operator, values: new Set(values) };
}

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
  return { requirements: reqs, text: selectorText(reqs) };
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
  const reqs = [...selector.requirements, req];
  return { requirements: reqs, text: selectorText(reqs) };
}

/**
 * Whether `identity` satisfies every requirement, with Kubernetes label-selector semantics
 * (NotIn and DoesNotExist match when the label is absent).
 * @see k8s.io/apimachinery labels.Requirement.Matches, used by Cilium's EndpointSelector.Matches.
 */
export function selectorMatches(selector: CompiledSelector, identity: Identity): boolean {
  for (const r of selector.requirements) if (!requirementMatches(r, identity)) return false;
  return true;
}

/** Whether one requirement holds for the identity (Kubernetes label-selector semantics). */
export function requirementMatches(r: Requirement, identity: Identity): boolean {
  const v = identityLabel(identity, r.source, r.key);
  switch (r.operator) {
    case 'In':
      return v !== undefined && r.values.has(v);
    case 'NotIn':
      return v === undefined || !r.values.has(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
  }
  return false;
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
