import type { Diagnostic, DiagnosticCode } from '../errors.js';

/** How `invalid-manifest` groups the loader's codes (its message ids). */
export type ManifestProblem = 'syntax' | 'schema' | 'value' | 'duplicate' | 'kustomization' | 'template';

/**
 * Loader codes that describe a manifest Kubernetes, kustomize or Cilium would not accept as written;
 * `invalid-manifest` reports them (errors and warnings) as lint findings. Other codes (unreadable files,
 * configuration, what netpol does not model) stay diagnostics.
 */
export const MANIFEST_PROBLEMS: Readonly<Partial<Record<DiagnosticCode, ManifestProblem>>> = {
  YAML_SYNTAX: 'syntax',
  YAML_WARNING: 'syntax',
  UNKNOWN_KIND: 'schema',
  MISSING_FIELD: 'schema',
  UNKNOWN_FIELD: 'schema',
  BAD_VALUE: 'value',
  BAD_SELECTOR: 'value',
  BAD_ENTITY: 'value',
  BAD_CIDR: 'value',
  BAD_PORT: 'value',
  BAD_PROTOCOL: 'value',
  DUPLICATE_OBJECT: 'duplicate',
  KUSTOMIZE_MISSING_RESOURCE: 'kustomization',
  // A patch that matches nothing or a JSON patch operation that does not apply fails the kustomize build.
  KUSTOMIZE_PATCH_NO_MATCH: 'kustomization',
  // A Flux Kustomization whose spec.path is not a folder is the same class of problem as a kustomization
  // entry that names nothing or leads back into a cycle (BAD_VALUE): a broken tree, reported as a finding.
  FLUX_PATH_MISSING: 'kustomization',
  // A ResourceSet template that fails (or reads an input an input set lacks) is a manifest in the repository that
  // Flux Operator would not apply: a finding like any other manifest error (exit code 1), not unreadable input.
  RESOURCESET_TEMPLATE_ERROR: 'template',
  RESOURCESET_INPUT_MISSING: 'template',
};

/**
 * Whether `invalid-manifest` turns a loader diagnostic into a finding (a manifest code, not an info,
 * with a position).
 * @param d - A loader diagnostic.
 * @returns True when the diagnostic becomes a lint finding.
 */
export function isManifestProblem(d: Diagnostic): boolean {
  return MANIFEST_PROBLEMS[d.code] !== undefined && d.severity !== 'info' && d.source !== undefined;
}
