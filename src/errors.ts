/**
 * A position in a user's file. Lines and columns are 1-based, as editors and SARIF count them.
 * `file` is the path as given to the loader (relative to the repo root when loaded from a directory).
 */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}

/**
 * Every kind of finding netpol reports about its input. Each value is documented in `docs/diagnostics.md`
 * (a meta-test keeps the two in step).
 */
export type DiagnosticCode =
  | 'YAML_SYNTAX'
  | 'YAML_WARNING'
  | 'FILE_UNREADABLE'
  | 'NOT_TEXT'
  | 'LINK_NOT_FOLLOWED'
  | 'UNKNOWN_KIND'
  | 'MISSING_FIELD'
  | 'UNKNOWN_FIELD'
  | 'BAD_VALUE'
  | 'BAD_SELECTOR'
  | 'BAD_ENTITY'
  | 'BAD_CIDR'
  | 'BAD_PORT'
  | 'BAD_PROTOCOL'
  | 'NOT_MODELLED'
  | 'UNRESOLVED_VARIABLE'
  | 'KUSTOMIZE_MISSING_RESOURCE'
  | 'KUSTOMIZE_REMOTE_RESOURCE'
  | 'KUSTOMIZE_UNSUPPORTED'
  | 'KUSTOMIZE_PATCH_NO_MATCH'
  | 'FLUX_PATH_MISSING'
  | 'FLUX_SOURCE_EXTERNAL'
  | 'FLUX_SUBSTITUTE_UNAVAILABLE'
  | 'FLUX_SOURCE_ROOT'
  | 'SOURCE_NOT_FOLLOWED'
  | 'RUNTIME_RENDERED'
  | 'RESOURCESET_TEMPLATE_ERROR'
  | 'RESOURCESET_INPUT_MISSING'
  | 'RESOURCESET_INPUTS_EXTERNAL'
  | 'DUPLICATE_OBJECT'
  | 'UNKNOWN_NAMESPACE'
  | 'FLOW_UNPARSABLE'
  | 'CONFIG_INVALID'
  | 'CONFIG_UNUSED_DOMAIN'
  | 'CILIUM_VERSION_UNKNOWN';

/** How bad a finding is. Maps to SARIF `error | warning | note`. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * A finding is data, never an exception: loaders return `{ value, diagnostics }` and keep going.
 * `message` is one sentence without a position; formatters add `file:line:col` from `source`.
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly source?: SourceRef;
  /** Path inside the YAML document to the offending node, e.g. `['spec', 'ingress', 0, 'toPorts']`. */
  readonly path?: readonly (string | number)[];
  readonly ruleId?: string;
  /** What to do about it, one sentence. */
  readonly hint?: string;
  /** Other places the finding is about (SARIF `relatedLocations`), e.g. the first of two definitions. */
  readonly related?: readonly SourceRef[];
}

/** Codes of fatal errors (exit code 2). */
export type NetpolErrorCode =
  | 'NETPOL_REPO_NOT_FOUND'
  | 'NETPOL_NO_MANIFESTS'
  | 'NETPOL_INPUT_UNREADABLE'
  | 'NETPOL_BAD_ARGUMENT'
  | 'NETPOL_BAD_CONFIG'
  | 'NETPOL_CLUSTER_AMBIGUOUS'
  | 'NETPOL_WRITE_FAILED'
  | 'NETPOL_GIT_FAILED'
  | 'NETPOL_HUBBLE_FAILED'
  | 'NETPOL_CLUSTER_FAILED'
  | 'NETPOL_CLUSTER_UNREACHABLE'
  | 'NETPOL_CLUSTER_UNAUTHORIZED'
  | 'NETPOL_CLUSTER_FORBIDDEN'
  | 'NETPOL_CONFLICT'
  | 'NETPOL_REFUSED';

/**
 * A fatal error: the command cannot go on (missing repo root, unreadable input, bad flag).
 * The CLI prints `message` and `hint` and exits with code 2; never a stack trace.
 */
export class NetpolError extends Error {
  readonly code: NetpolErrorCode;
  readonly hint: string | undefined;
  /** Diagnostics that explain the error (e.g. the files that could not be read), printed before it. */
  readonly diagnostics: readonly Diagnostic[];
  constructor(
    code: NetpolErrorCode,
    message: string,
    hint?: string,
    diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'NetpolError';
    this.code = code;
    this.hint = hint;
    this.diagnostics = diagnostics;
  }
}

/**
 * Asserts an internal invariant; a failure is a bug in netpol, not bad input.
 * @throws Error when `condition` is false.
 */
export function invariant(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new Error(`netpol internal error: ${reason}`);
}

/** How standard input (`-` on the command line) is named in positions, reports and messages. */
export const STDIN_FILE = '<stdin>';

/** Formats a source reference as `file:line:col`. */
export function formatSource(source: SourceRef | undefined): string {
  if (!source) return '';
  return `${source.file}:${source.line}:${source.column}`;
}
