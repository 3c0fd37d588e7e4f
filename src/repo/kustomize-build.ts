import type { Diagnostic, DiagnosticCode, Severity, SourceRef } from '../errors.js';
import {
  documentValue,
  type ParsedFile,
  parseYamlFile,
  type ScalarTransform,
  sourceAt,
  type YamlDocument,
  type YamlPath,
} from './documents.js';
import { joinOn, joinPath, type RepoHost } from './host.js';
import {
  followListed,
  isKustomizationName,
  isRemoteResource,
  KUSTOMIZATION_FILES,
  kustomizationIn,
} from './kustomize.js';
import type { SubstitutedVariable } from './model.js';
import { CLUSTER_SCOPED_KINDS } from './objects.js';
import type { Origins } from './origins.js';
import {
  applyJsonPatch,
  type PatchSource,
  type ResourceSelector,
  readSelector,
  type SelectableResource,
  selectorOfPatch,
  selects,
  strategicMerge,
} from './patch.js';
import { isRecord, typeName } from './read-context.js';
import { closest } from './values.js';

/**
 * `kustomize build` of a folder on plain objects, the way kustomize (and Flux's kustomize-controller, which
 * runs kustomize) renders it: resources and nested kustomizations first, then components, generators,
 * and the builtin transformers in kustomize's order (kubernetes-sigs/kustomize
 * `api/internal/target/kusttarget_configplugin.go`): `patchesStrategicMerge`, `patches`, `namespace`,
 * `namePrefix`, `nameSuffix`, `labels`/`commonLabels`, `commonAnnotations`, `patchesJson6902`,
 * `replacements`. Each object keeps the document it was read from; values written by a transform are
 * recorded in {@link Origins}, so positions stay exact.
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/
 */

/** One object of a build: its plain value (mutated by transforms) and where it was read. */
export interface Resource extends SelectableResource {
  value: Record<string, unknown>;
  /** The document it was read from. */
  readonly doc: YamlDocument;
  /** Path of the object in its document (`[]`, or `['items', i]` inside a `List`). */
  readonly path: YamlPath;
  readonly previousNames: string[];
  readonly previousNamespaces: string[];
  /**
   * How Flux or Argo CD reached it, for messages: `Kustomization flux-system/apps (clusters/prod/apps.yaml:1)`,
   * or the entry folder. Unset outside a Flux/Argo CD render.
   */
  via?: string;
}

/** A value of a kustomization (or of a Flux Kustomization standing in for one) and where it was written. */
export interface Located<T = unknown> {
  readonly value: T;
  readonly doc: YamlDocument;
  readonly path: YamlPath;
}

/**
 * What a Flux Kustomization adds to the kustomization of its path (fluxcd/pkg `kustomize/kustomize_generator.go`
 * `GenerateManifest`): `targetNamespace` replaces `namespace`, `namePrefix`/`nameSuffix` replace theirs,
 * `patches`, `patchesStrategicMerge`, `patchesJson6902` and `components` are appended.
 */
export interface KustomizationOverlay {
  readonly namespace?: Located<string>;
  readonly namePrefix?: Located<string>;
  readonly nameSuffix?: Located<string>;
  readonly patches: readonly Located[];
  readonly patchesStrategicMerge: readonly Located[];
  readonly patchesJson6902: readonly Located[];
  readonly components: readonly Located[];
  /** Where a generated kustomization is reported (the Flux `spec.path`). */
  readonly at: Located;
}

/** Shared state of the builds of one load. */
export interface BuildContext {
  readonly host: RepoHost;
  readonly diagnostics: Diagnostic[];
  readonly origins: Origins;
  /** Files parsed so far (null: unreadable), so a file read by several builds is parsed once. */
  readonly parsed: Map<string, ParsedFile | null>;
  /** Files whose syntax diagnostics were reported (a file parsed by the Flux scan only is not reported). */
  readonly reported: Set<string>;
  /** True when a root-relative path may be read (inside the repository boundary). */
  readonly inside: (file: string) => boolean;
  /** Every manifest file a build read as a resource, in order of first use. */
  readonly applied: Set<string>;
  /** Every file a kustomization refers to in another way (patches, generator inputs, components' files). */
  readonly referenced: Set<string>;
  /** Kustomization files read. */
  readonly kustomizations: Set<string>;
  /** The Flux variables substituted into scalars, by `file:line:column` (see `Repo.substitutions`). */
  readonly substituted: Map<string, SubstitutedVariable[]>;
  /**
   * Errors so far that make kustomize fail a whole build (a patch without target matching nothing, a JSON
   * patch operation that does not apply, an object listed twice, an unknown kustomization field): a
   * {@link buildFolder} during which this grows yields no objects.
   */
  buildFailures: number;
  /** What a failing build loses, for its messages (set by {@link buildFolder} from {@link BuildOptions.lost}). */
  failureNote: string;
  /**
   * Whether the last {@link buildFolder} failed as kustomize would: its objects are then not applied, and
   * the caller decides what else to keep (the Flux render still follows the Kustomizations it holds).
   */
  lastBuildFailed: boolean;
  /**
   * True once the current build met something netpol does not render (a remote resource, Helm charts, a
   * generator or transformer plugin): a patch that matches nothing may then match an object netpol cannot
   * see, so it stays a warning instead of failing the build.
   */
  partial: boolean;
}

/** Options of one build. */
export interface BuildOptions {
  /** Generate a kustomization (every manifest below, recursively) where the folder has none, as Flux does. */
  readonly generate: boolean;
  /** The Flux Kustomization's additions to the top kustomization. Default: none. */
  readonly overlay?: KustomizationOverlay;
  /** The scalar transform for each document read (Flux post-build substitution). Default: none. */
  readonly transform?: (doc: YamlDocument) => ScalarTransform | undefined;
  /**
   * Read a folder without kustomization as an Argo CD directory application: its `*.yaml`, `*.yml` and
   * `*.json` files (below it too with `recurse`). Default: none.
   */
  readonly directory?: { readonly recurse: boolean };
  /**
   * The top kustomization is the one Flux's kustomize-controller rewrites before building (fluxcd/pkg
   * `kustomize_generator.go` `WriteFile`: a lenient `yaml.Unmarshal`, then `yaml.Marshal`), so an unknown
   * field there is dropped (a warning) rather than failing the build as kustomize's strict reading of every
   * other kustomization does. Default: false.
   */
  readonly fluxRewritesTop?: boolean;
  /**
   * What is lost when the build fails, completing "kustomize fails the build of "dir", so …". Default:
   * `none of its objects are loaded`. The caller drops them (see {@link BuildContext.lastBuildFailed}).
   */
  readonly lost?: string;
}

/**
 * Creates the shared state of a load's builds.
 * @param host - The repository host.
 * @param origins - Positions of transformed values.
 * @param inside - Whether a root-relative path lies inside the repository boundary.
 * @param parsed - Where the parses go (a `ReadCache`'s, for a later reader of the same tree). Default: a new map.
 * @returns The context.
 */
export function createBuildContext(
  host: RepoHost,
  origins: Origins,
  inside: (file: string) => boolean,
  parsed: Map<string, ParsedFile | null> = new Map(),
): BuildContext {
  return {
    host,
    diagnostics: [],
    origins,
    parsed,
    reported: new Set(),
    inside,
    applied: new Set(),
    referenced: new Set(),
    kustomizations: new Set(),
    substituted: new Map(),
    buildFailures: 0,
    failureNote: '',
    lastBuildFailed: false,
    partial: false,
  };
}

/**
 * Parses a file once per load (syntax diagnostics are reported the first time).
 * @param ctx - The build context.
 * @param file - Root-relative path.
 * @returns The parsed file, or null when it cannot be read (reported as `FILE_UNREADABLE`).
 */
export function parseOnce(ctx: BuildContext, file: string): ParsedFile | null {
  const hit = ctx.parsed.get(file);
  if (hit !== undefined) {
    if (hit && !ctx.reported.has(file)) {
      ctx.reported.add(file);
      ctx.diagnostics.push(...hit.diagnostics);
    }
    return hit;
  }
  let text: string;
  try {
    text = ctx.host.readFile(file);
  } catch (e) {
    ctx.diagnostics.push({
      code: 'FILE_UNREADABLE',
      severity: 'error',
      message: `File "${file}" cannot be read: ${e instanceof Error ? e.message : String(e)}.`,
      source: { file, line: 1, column: 1 },
      hint: 'Check that the file exists and is readable.',
    });
    ctx.parsed.set(file, null);
    return null;
  }
  const parsed = parseYamlFile(file, text);
  ctx.diagnostics.push(...parsed.diagnostics);
  ctx.reported.add(file);
  ctx.parsed.set(file, parsed);
  return parsed;
}

/**
 * Parses a file into the context's cache without reporting its syntax diagnostics (they are reported if
 * a build uses the file).
 * @param ctx - The build context.
 * @param file - Root-relative path.
 * @param text - Its text.
 * @returns The parsed file.
 */
export function parseQuietly(ctx: BuildContext, file: string, text: string): ParsedFile {
  const hit = ctx.parsed.get(file);
  if (hit) return hit;
  const parsed = parseYamlFile(file, text);
  ctx.parsed.set(file, parsed);
  return parsed;
}

function report(
  ctx: BuildContext,
  code: DiagnosticCode,
  severity: Severity,
  message: string,
  at: Located | { doc: YamlDocument; path: YamlPath },
  hint?: string,
  key = false,
): void {
  if (code === 'KUSTOMIZE_UNSUPPORTED' || code === 'KUSTOMIZE_REMOTE_RESOURCE') ctx.partial = true;
  ctx.diagnostics.push({
    code,
    severity,
    message,
    source: sourceAt(at.doc, at.path, key ? { key: true } : {}),
    path: [...at.path],
    ...(hint !== undefined ? { hint } : {}),
  });
}

/**
 * Reads the objects of a manifest file as resources (a `List` gives one per item). Documents that are not
 * mappings are skipped here (the object reader reports them).
 * @param ctx - The build context.
 * @param file - Root-relative path.
 * @param transform - Scalar transform per document (substitution).
 * @returns The resources, in document order.
 */
export function readResources(
  ctx: BuildContext,
  file: string,
  transform?: (doc: YamlDocument) => ScalarTransform | undefined,
): Resource[] {
  const parsed = parseOnce(ctx, file);
  if (!parsed) return [];
  ctx.applied.add(file);
  const out: Resource[] = [];
  for (const doc of parsed.documents) {
    if (!doc.valid || doc.root === null) continue;
    const value = documentValue(doc, transform?.(doc));
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      // Kept for the object reader, which reports it.
      out.push(resourceOf(ctx, { __netpolNotAnObject: value }, doc, []));
      continue;
    }
    if (value.kind === 'List' && value.apiVersion === 'v1' && Array.isArray(value.items)) {
      value.items.forEach((item, i) => {
        if (isRecord(item)) out.push(resourceOf(ctx, item, doc, ['items', i]));
      });
      continue;
    }
    out.push(resourceOf(ctx, value, doc, []));
  }
  return out;
}

function resourceOf(
  ctx: BuildContext,
  value: Record<string, unknown>,
  doc: YamlDocument,
  path: YamlPath,
): Resource {
  ctx.origins.root(value, { doc, path });
  return { value, doc, path, previousNames: [], previousNamespaces: [] };
}

/** The plain value of a resource that is not a mapping (see {@link readResources}), or undefined. */
export function notAnObject(resource: Resource): unknown {
  return Object.hasOwn(resource.value, '__netpolNotAnObject')
    ? resource.value.__netpolNotAnObject
    : undefined;
}

/** The fields of a kustomization, each with where it was written. */
interface Spec {
  readonly dir: string;
  readonly at: Located;
  namespace?: Located<string>;
  namePrefix?: Located<string>;
  nameSuffix?: Located<string>;
  readonly lists: Map<string, Located[]>;
  readonly maps: Map<string, Located>;
}

const LIST_FIELDS = [
  'transformers',
  'resources',
  'bases',
  'components',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'labels',
  'replacements',
  'configMapGenerator',
  'secretGenerator',
] as const;

const MAP_FIELDS = ['commonLabels', 'commonAnnotations'] as const;

/** Fields whose output netpol cannot see: reported once, as a warning naming what is missing. */
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  helmCharts: 'the objects of its Helm charts are not rendered',
  helmChartInflationGenerator: 'the objects of its Helm charts are not rendered',
  generators: 'the objects its generator plugins produce are not rendered',
  vars: 'its vars are not substituted',
};

function readSpec(
  ctx: BuildContext,
  dir: string,
  doc: YamlDocument,
  value: Record<string, unknown>,
  file: string,
): Spec {
  const at: Located = { value, doc, path: [] };
  const spec: Spec = { dir, at, lists: new Map(), maps: new Map() };
  for (const field of ['namespace', 'namePrefix', 'nameSuffix'] as const) {
    const v = value[field];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') {
      report(ctx, 'BAD_VALUE', 'error', `${field} must be a string, not ${typeName(v)}.`, {
        doc,
        path: [field],
      });
      continue;
    }
    spec[field] = { value: v, doc, path: [field] };
  }
  for (const field of LIST_FIELDS) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) {
      report(ctx, 'BAD_VALUE', 'error', `${field} must be a list, not ${typeName(v)}.`, {
        doc,
        path: [field],
      });
      continue;
    }
    spec.lists.set(
      field,
      v.map((entry, i) => ({ value: entry, doc, path: [field, i] })),
    );
  }
  for (const field of MAP_FIELDS) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    if (!isRecord(v)) {
      report(ctx, 'BAD_VALUE', 'error', `${field} must be a mapping, not ${typeName(v)}.`, {
        doc,
        path: [field],
      });
      continue;
    }
    spec.maps.set(field, { value: v, doc, path: [field] });
  }
  for (const [field, effect] of Object.entries(UNSUPPORTED_FIELDS)) {
    if (value[field] === undefined || value[field] === null) continue;
    report(
      ctx,
      'KUSTOMIZE_UNSUPPORTED',
      'warning',
      `Kustomization field ${field} is not supported by netpol: ${effect}, so they are missing from the analysis.`,
      { doc, path: [field] },
      'Render the folder with `kustomize build --enable-helm | netpol … -f -` to analyse its output.',
      true,
    );
  }
  ctx.kustomizations.add(file);
  return spec;
}

function list(spec: Spec, field: string): Located[] {
  return spec.lists.get(field) ?? [];
}

function append(spec: Spec, field: string, more: readonly Located[]): void {
  if (more.length === 0) return;
  spec.lists.set(field, [...list(spec, field), ...more]);
}

/**
 * A kustomization listing the files of a folder: the one Flux generates for a folder without one (fluxcd/pkg
 * `scanManifests`: every `.yaml`/`.yml` below, a subfolder with its own kustomization as one resource), or an
 * Argo CD directory application (`*.yaml`, `*.yml`, `*.json` of the folder, and below it with `recurse`).
 */
function listingSpec(ctx: BuildContext, dir: string, at: Located, argo?: { recurse: boolean }): Spec {
  const resources: Located[] = [];
  const walk = (d: string) => {
    for (const name of ctx.host.list(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = joinPath(d, name);
      const kind = ctx.host.kind(p);
      if (kind === 'dir') {
        if (argo) {
          if (argo.recurse) walk(p);
        } else if (kustomizationIn(ctx.host, p)) resources.push({ ...at, value: relativeTo(dir, p) });
        else walk(p);
      } else if (
        kind === 'file' &&
        (argo ? /\.(ya?ml|json)$/i : /\.ya?ml$/i).test(name) &&
        !isKustomizationName(name)
      ) {
        resources.push({ ...at, value: relativeTo(dir, p) });
      }
    }
  };
  walk(dir);
  return { dir, at, lists: new Map([['resources', resources]]), maps: new Map() };
}

function relativeTo(dir: string, p: string): string {
  if (dir === '') return p;
  return p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : p;
}

/**
 * Builds a folder: its kustomization (or, with `generate`, the one Flux generates), with the Flux overlay
 * applied to the top kustomization.
 * @param ctx - The build context.
 * @param dir - Root-relative folder.
 * @param options - See {@link BuildOptions}.
 * @returns The rendered resources, in kustomize's order, also when the build fails as kustomize's would
 *   ({@link BuildContext.lastBuildFailed}: the caller then drops them). Never throws for bad input.
 */
export function buildFolder(ctx: BuildContext, dir: string, options: BuildOptions): Resource[] {
  const failuresBefore = ctx.buildFailures;
  const noteBefore = ctx.failureNote;
  const partialBefore = ctx.partial;
  ctx.partial = false;
  ctx.failureNote = `kustomize fails the build of "${dir === '' ? '.' : dir}", so ${options.lost ?? 'none of its objects are loaded'}`;
  try {
    const resources = buildTop(ctx, dir, options);
    // kustomize stops at the first such error, and Flux applies nothing of a build that fails.
    ctx.lastBuildFailed = ctx.buildFailures > failuresBefore;
    return resources;
  } finally {
    ctx.failureNote = noteBefore;
    ctx.partial = partialBefore;
  }
}

function buildTop(ctx: BuildContext, dir: string, options: BuildOptions): Resource[] {
  const file = kustomizationIn(ctx.host, dir);
  let spec: Spec | null;
  if (file) spec = loadSpec(ctx, dir, file, options.fluxRewritesTop === true);
  else if (options.directory && options.overlay)
    spec = listingSpec(ctx, dir, options.overlay.at, options.directory);
  else if (options.generate && options.overlay) spec = listingSpec(ctx, dir, options.overlay.at);
  else spec = null;
  if (!spec) return [];
  if (options.overlay) applyOverlay(spec, options.overlay);
  return build(ctx, spec, options, [dir]);
}

function loadSpec(ctx: BuildContext, dir: string, file: string, lenient = false): Spec | null {
  const parsed = parseOnce(ctx, file);
  const doc = parsed?.documents.find((d) => d.root !== null && d.valid);
  if (!doc) {
    ctx.kustomizations.add(file);
    return null;
  }
  const value = documentValue(doc);
  if (!isRecord(value)) {
    report(ctx, 'BAD_VALUE', 'error', `A kustomization must be a mapping, not ${typeName(value)}.`, {
      doc,
      path: [],
    });
    return null;
  }
  checkFields(ctx, doc, value, lenient);
  return readSpec(ctx, dir, doc, value, file);
}

/**
 * The fields of kustomize's `Kustomization` type (kubernetes-sigs/kustomize `api/types/kustomization.go`, its
 * json tags), which kustomize reads with `DisallowUnknownFields`: any other top-level field fails the build.
 */
const KUSTOMIZATION_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'openapi',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'patchesStrategicMerge',
  'patchesJson6902',
  'patches',
  'images',
  'imageTags',
  'replacements',
  'replicas',
  'vars',
  'sortOptions',
  'resources',
  'components',
  'crds',
  'bases',
  'configMapGenerator',
  'secretGenerator',
  'helmGlobals',
  'helmCharts',
  'helmChartInflationGenerator',
  'generatorOptions',
  'configurations',
  'generators',
  'transformers',
  'validators',
  'inventory',
  'buildMetadata',
] as const;

/** Known fields by lower case: Go's encoding/json matches field names case-insensitively. */
const KNOWN_FIELDS = new Set<string>(KUSTOMIZATION_FIELDS.map((f) => f.toLowerCase()));

/**
 * Reports top-level fields kustomize does not know: a build failure (kustomize `Kustomization.Unmarshal`
 * decodes with `DisallowUnknownFields`), or with `lenient` (the kustomization Flux rewrites) a warning that
 * Flux drops the field. Fields inside the known ones are not checked.
 */
function checkFields(
  ctx: BuildContext,
  doc: YamlDocument,
  value: Record<string, unknown>,
  lenient: boolean,
): void {
  for (const key of Object.keys(value)) {
    if (KNOWN_FIELDS.has(key.toLowerCase())) continue;
    const near = closest(key, KUSTOMIZATION_FIELDS);
    const hint = near
      ? `Did you mean "${near}"? Fields are those of kustomize's Kustomization type.`
      : "Remove it; fields are those of kustomize's Kustomization type.";
    if (lenient)
      report(
        ctx,
        'UNKNOWN_FIELD',
        'warning',
        `Kustomization field "${key}" is unknown; Flux drops it when it rewrites this kustomization (\`kustomize build\` alone would fail on it).`,
        { doc, path: [key] },
        hint,
        true,
      );
    else
      fail(ctx, 'UNKNOWN_FIELD', `Kustomization field "${key}" is unknown`, { doc, path: [key] }, hint, true);
  }
}

/**
 * Reports an error that makes kustomize fail the whole build: the message (a clause without full stop) gets
 * what the failure loses, and the build yields nothing (see {@link BuildContext.buildFailures}).
 */
function fail(
  ctx: BuildContext,
  code: DiagnosticCode,
  clause: string,
  at: Located | { doc: YamlDocument; path: YamlPath },
  hint?: string,
  key = false,
): void {
  ctx.buildFailures++;
  report(ctx, code, 'error', `${clause}; ${ctx.failureNote}.`, at, hint, key);
}

function applyOverlay(spec: Spec, overlay: KustomizationOverlay): void {
  if (overlay.namespace) spec.namespace = overlay.namespace;
  if (overlay.namePrefix) spec.namePrefix = overlay.namePrefix;
  if (overlay.nameSuffix) spec.nameSuffix = overlay.nameSuffix;
  append(spec, 'patches', overlay.patches);
  append(spec, 'patchesStrategicMerge', overlay.patchesStrategicMerge);
  append(spec, 'patchesJson6902', overlay.patchesJson6902);
  append(spec, 'components', overlay.components);
}

function build(ctx: BuildContext, spec: Spec, options: BuildOptions, stack: string[]): Resource[] {
  const acc: Resource[] = [];
  for (const field of ['resources', 'bases'] as const) {
    for (const entry of list(spec, field))
      accumulate(ctx, acc, resource(ctx, spec, entry, options, stack), entry);
  }
  for (const entry of list(spec, 'components')) component(ctx, spec, entry, acc, options, stack);
  acc.push(...generate(ctx, spec));
  transform(ctx, spec, acc, options);
  return acc;
}

function entryPath(ctx: BuildContext, spec: Spec, entry: Located, what: string): string | null {
  if (typeof entry.value !== 'string' || entry.value === '') {
    report(ctx, 'BAD_VALUE', 'error', `A ${what} entry must be a path, not ${typeName(entry.value)}.`, entry);
    return null;
  }
  if (isRemoteResource(entry.value)) {
    report(
      ctx,
      'KUSTOMIZE_REMOTE_RESOURCE',
      'warning',
      `Remote ${what} "${entry.value}" is not fetched; its objects are not analysed.`,
      entry,
      'Vendor it into the repository, or run `kustomize build | netpol … -f -`.',
    );
    return null;
  }
  const target = joinOn(ctx.host, spec.dir, entry.value);
  if (!ctx.inside(target)) {
    report(
      ctx,
      'KUSTOMIZE_MISSING_RESOURCE',
      'error',
      `${what === 'resource' ? 'Resource' : 'Component'} "${entry.value}" lies outside the repository; it is not loaded.`,
      entry,
      'Point -R at a folder inside the git work tree that contains it.',
    );
    return null;
  }
  return target;
}

function resource(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  options: BuildOptions,
  stack: string[],
): Resource[] {
  const target = entryPath(ctx, spec, entry, 'resource');
  if (target === null) return [];
  const followed = followListed(ctx.host, target, String(entry.value));
  if ('message' in followed) {
    report(ctx, 'KUSTOMIZE_MISSING_RESOURCE', 'error', followed.message, entry, followed.hint);
    return [];
  }
  const { kind } = followed;
  if (kind === 'file') return readResources(ctx, target, options.transform);
  if (kind === 'dir') {
    const inner = kustomizationIn(ctx.host, target);
    // An unreadable folder is a FILE_UNREADABLE error of the load, not a folder without kustomization.
    if (!inner && ctx.host.dirError?.(target) !== undefined) return [];
    if (!inner) {
      report(
        ctx,
        'KUSTOMIZE_MISSING_RESOURCE',
        'error',
        `Folder "${String(entry.value)}" has no kustomization.yaml, so kustomize cannot use it as a resource.`,
        entry,
        `Add ${joinPath(target, 'kustomization.yaml')} listing its files, or list the files themselves.`,
      );
      return [];
    }
    if (stack.includes(target)) {
      report(
        ctx,
        'BAD_VALUE',
        'error',
        `Resource "${String(entry.value)}" leads back to a kustomization that includes it (a cycle); it is skipped.`,
        entry,
      );
      return [];
    }
    const sub = loadSpec(ctx, target, inner);
    if (!sub) return [];
    return build(
      ctx,
      sub,
      { generate: false, ...(options.transform ? { transform: options.transform } : {}) },
      [...stack, target],
    );
  }
  report(
    ctx,
    'KUSTOMIZE_MISSING_RESOURCE',
    'error',
    `Resource "${String(entry.value)}" does not exist.`,
    entry,
    `Create ${target}, or remove the entry.`,
  );
  return [];
}

/**
 * kustomize's identity of an object in a build (`api/resid` `ResId`: group, version, kind, name and the
 * effective namespace: none for a cluster-scoped kind, `default` for an empty one), or null for a document
 * that is not an object with a kind and a name.
 */
function resourceId(r: Resource): string | null {
  if (notAnObject(r) !== undefined) return null;
  const { kind, apiVersion } = r.value;
  const meta = isRecord(r.value.metadata) ? r.value.metadata : {};
  if (typeof kind !== 'string' || typeof meta.name !== 'string' || meta.name === '') return null;
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const effective = CLUSTER_SCOPED_KINDS.has(kind) ? '' : ns === '' ? 'default' : ns;
  return JSON.stringify([String(apiVersion ?? ''), kind, effective, meta.name]);
}

/**
 * Adds the objects of one `resources` entry to a build, failing the build on an object whose identity is
 * already there, as kustomize's resource map does ("may not add resource with an already registered id").
 */
function accumulate(ctx: BuildContext, acc: Resource[], more: readonly Resource[], entry: Located): void {
  const repeated: { r: Resource; first: Resource }[] = [];
  for (const r of more) {
    const id = resourceId(r);
    const first = id === null ? undefined : acc.find((a) => resourceId(a) === id);
    if (first) repeated.push({ r, first });
    else acc.push(r);
  }
  const one = repeated[0];
  if (!one) return;
  // kustomize stops at the first; the others are counted so that the fix is not done one at a time.
  const at = sourceAt(one.first.doc, one.first.path);
  const others = repeated.length > 1 ? `, and ${repeated.length - 1} more objects of this entry are too` : '';
  fail(
    ctx,
    'DUPLICATE_OBJECT',
    `${kindName(one.r.value)} is already in this build, from ${at.file}:${at.line}${others} (kustomize: "may not add resource with an already registered id")`,
    entry,
    'List each object once: remove the entry, or the copy of the object.',
  );
}

/**
 * Applies a component: its resources join the accumulated ones, then its own components, generators and
 * transformers run over everything accumulated so far (kustomize `accumulateComponents`).
 */
function component(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  acc: Resource[],
  options: BuildOptions,
  stack: string[],
): void {
  const target = entryPath(ctx, spec, entry, 'component');
  if (target === null) return;
  const inner = ctx.host.kind(target) === 'dir' ? kustomizationIn(ctx.host, target) : null;
  if (!inner && ctx.host.dirError?.(target) !== undefined) return;
  if (!inner) {
    report(
      ctx,
      'KUSTOMIZE_MISSING_RESOURCE',
      'error',
      `Component "${String(entry.value)}" is not a folder with a kustomization.yaml.`,
      entry,
      `Check the path; a component is a folder whose kustomization has kind: Component.`,
    );
    return;
  }
  if (stack.includes(target)) {
    report(
      ctx,
      'BAD_VALUE',
      'error',
      `Component "${String(entry.value)}" includes itself (a cycle); it is skipped.`,
      entry,
    );
    return;
  }
  const sub = loadSpec(ctx, target, inner);
  if (!sub) return;
  const inherited = { generate: false, ...(options.transform ? { transform: options.transform } : {}) };
  for (const field of ['resources', 'bases'] as const) {
    for (const e of list(sub, field))
      accumulate(ctx, acc, resource(ctx, sub, e, inherited, [...stack, target]), e);
  }
  for (const e of list(sub, 'components')) component(ctx, sub, e, acc, inherited, [...stack, target]);
  acc.push(...generate(ctx, sub));
  transform(ctx, sub, acc, inherited);
}

/** Reads `KEY=VALUE` lines of an env file (comments and blank lines skipped). */
function envPairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) out.push([t.slice(0, eq), t.slice(eq + 1)]);
  }
  return out;
}

/**
 * `configMapGenerator` and `secretGenerator`: a ConfigMap with its `literals`, `envs` and `files` data (read
 * for Flux `substituteFrom`), a Secret with its name only. The name gets no content hash, so only
 * generators with `disableNameSuffixHash` give the name Flux looks up; others are still listed.
 */
function generate(ctx: BuildContext, spec: Spec): Resource[] {
  const out: Resource[] = [];
  for (const field of ['configMapGenerator', 'secretGenerator'] as const) {
    for (const entry of list(spec, field)) {
      const g = entry.value;
      if (!isRecord(g) || typeof g.name !== 'string') continue;
      const data: Record<string, string> = {};
      if (field === 'configMapGenerator') {
        for (const literal of Array.isArray(g.literals) ? g.literals : []) {
          if (typeof literal !== 'string') continue;
          const eq = literal.indexOf('=');
          if (eq > 0) data[literal.slice(0, eq)] = literal.slice(eq + 1);
        }
        const envs = [
          ...(Array.isArray(g.envs) ? g.envs : []),
          ...(typeof g.env === 'string' ? [g.env] : []),
        ];
        for (const env of envs) {
          if (typeof env !== 'string') continue;
          const f = joinOn(ctx.host, spec.dir, env);
          ctx.referenced.add(f);
          try {
            for (const [k, v] of envPairs(ctx.host.readFile(f))) data[k] = v;
          } catch {
            report(
              ctx,
              'KUSTOMIZE_MISSING_RESOURCE',
              'error',
              `Generator input "${env}" cannot be read.`,
              entry,
            );
          }
        }
        for (const fileEntry of Array.isArray(g.files) ? g.files : []) {
          if (typeof fileEntry !== 'string') continue;
          const eq = fileEntry.indexOf('=');
          const key = eq > 0 ? fileEntry.slice(0, eq) : (fileEntry.split('/').pop() ?? fileEntry);
          const source = eq > 0 ? fileEntry.slice(eq + 1) : fileEntry;
          if (isRemoteResource(source)) {
            // kustomize downloads http(s) file sources (api/loader fileLoader.Load); netpol reads no network.
            report(
              ctx,
              'KUSTOMIZE_REMOTE_RESOURCE',
              'warning',
              `Remote generator input "${fileEntry}" is not fetched; key "${key}" is left out of the generated object.`,
              entry,
              'Vendor the file into the repository if its content matters to the policies.',
            );
            continue;
          }
          const f = joinOn(ctx.host, spec.dir, source);
          ctx.referenced.add(f);
          try {
            data[key] = ctx.host.readFile(f);
          } catch {
            report(
              ctx,
              'KUSTOMIZE_MISSING_RESOURCE',
              'error',
              `Generator input "${fileEntry}" cannot be read.`,
              entry,
            );
          }
        }
      }
      const value: Record<string, unknown> = {
        apiVersion: 'v1',
        kind: field === 'configMapGenerator' ? 'ConfigMap' : 'Secret',
        metadata: { name: g.name, ...(typeof g.namespace === 'string' ? { namespace: g.namespace } : {}) },
        ...(field === 'configMapGenerator' ? { data } : {}),
      };
      out.push(resourceOf(ctx, value, entry.doc, entry.path));
    }
  }
  return out;
}

function transform(ctx: BuildContext, spec: Spec, acc: Resource[], options: BuildOptions): void {
  for (const entry of list(spec, 'patchesStrategicMerge')) patchStrategic(ctx, spec, entry, acc, options);
  for (const entry of list(spec, 'patches')) patchEntry(ctx, spec, entry, acc, options);
  if (spec.namespace) setNamespace(acc, spec.namespace, ctx.origins);
  if (spec.namePrefix || spec.nameSuffix) rename(acc, spec.namePrefix, spec.nameSuffix, ctx.origins);
  const common = spec.maps.get('commonLabels');
  if (common) addLabels(ctx, acc, common, true, true);
  for (const entry of list(spec, 'labels')) {
    const l = entry.value;
    if (!isRecord(l) || !isRecord(l.pairs)) continue;
    addLabels(
      ctx,
      acc,
      { ...entry, value: l.pairs, path: [...entry.path, 'pairs'] },
      l.includeSelectors === true,
      l.includeSelectors === true || l.includeTemplates === true,
    );
  }
  const annotations = spec.maps.get('commonAnnotations');
  if (annotations) for (const r of acc) setMetaMap(ctx.origins, r, 'annotations', annotations);
  for (const entry of list(spec, 'patchesJson6902')) patchJson(ctx, spec, entry, acc, options);
  for (const entry of list(spec, 'replacements')) replacement(ctx, spec, entry, acc);
  for (const entry of list(spec, 'transformers')) transformerEntry(ctx, spec, entry, acc, options);
}

/**
 * A `transformers` entry: a file or folder of transformer configurations, or one inline. kustomize's builtin
 * transformers (`apiVersion: builtin`) are applied: NamespaceTransformer, LabelTransformer,
 * AnnotationsTransformer, PrefixSuffixTransformer, PatchTransformer, ReplacementTransformer (kustomize
 * `plugin/builtin/*`); any other plugin is a warning.
 */
function transformerEntry(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  acc: Resource[],
  options: BuildOptions,
): void {
  const configs: Resource[] = [];
  if (typeof entry.value === 'string' && entry.value.includes('\n')) {
    const parsed = parseYamlFile(entry.doc.file, entry.value);
    for (const doc of parsed.documents) {
      const v = doc.valid ? documentValue(doc) : null;
      if (isRecord(v))
        configs.push({
          value: v,
          doc: entry.doc,
          path: entry.path,
          previousNames: [],
          previousNamespaces: [],
        });
    }
  } else {
    // Transformer configurations are inputs of the build, not objects of the cluster.
    const before = new Set(ctx.applied);
    configs.push(
      ...resource(
        ctx,
        spec,
        entry,
        { generate: false, ...(options.transform ? { transform: options.transform } : {}) },
        [spec.dir],
      ),
    );
    for (const f of [...ctx.applied]) {
      if (before.has(f)) continue;
      ctx.applied.delete(f);
      ctx.referenced.add(f);
    }
  }
  for (const config of configs) {
    const c = config.value;
    const at: Located = { value: c, doc: config.doc, path: config.path };
    const kind = typeof c.kind === 'string' ? c.kind : '';
    if (c.apiVersion !== 'builtin') {
      unsupportedTransformer(ctx, at, kind);
      continue;
    }
    const fieldSpecs = (Array.isArray(c.fieldSpecs) ? c.fieldSpecs : []).filter(isRecord);
    const meta = isRecord(c.metadata) ? c.metadata : {};
    switch (kind) {
      case 'NamespaceTransformer': {
        if (typeof meta.namespace !== 'string' || meta.namespace === '') break;
        const ns: Located<string> = {
          value: meta.namespace,
          doc: config.doc,
          path: [...config.path, 'metadata', 'namespace'],
        };
        setNamespace(acc, ns, ctx.origins, c.unsetOnly === true);
        for (const fs of fieldSpecs) {
          if (fs.path === 'metadata/name' && fs.kind === 'Namespace') continue;
          applyFieldSpec(ctx, acc, fs, () => ns.value, ns);
        }
        break;
      }
      case 'LabelTransformer':
      case 'AnnotationsTransformer': {
        const field = kind === 'LabelTransformer' ? 'labels' : 'annotations';
        const pairs = c[field];
        if (!isRecord(pairs)) break;
        for (const fs of fieldSpecs) {
          applyFieldSpec(ctx, acc, fs, (old) => ({ ...(isRecord(old) ? old : {}), ...stringValues(pairs) }), {
            value: pairs,
            doc: config.doc,
            path: [...config.path, field],
          });
        }
        break;
      }
      case 'PrefixSuffixTransformer': {
        const prefix =
          typeof c.prefix === 'string'
            ? ({ value: c.prefix, doc: config.doc, path: [...config.path, 'prefix'] } as Located<string>)
            : undefined;
        const suffix =
          typeof c.suffix === 'string'
            ? ({ value: c.suffix, doc: config.doc, path: [...config.path, 'suffix'] } as Located<string>)
            : undefined;
        rename(acc, prefix, suffix, ctx.origins);
        break;
      }
      case 'PatchTransformer':
        patchEntry(ctx, spec, at, acc, options);
        break;
      case 'ReplacementTransformer':
        for (const [i, r] of (Array.isArray(c.replacements) ? c.replacements : []).entries())
          replacement(
            ctx,
            spec,
            { value: r, doc: config.doc, path: [...config.path, 'replacements', i] },
            acc,
          );
        break;
      default:
        unsupportedTransformer(ctx, at, kind);
    }
  }
}

function stringValues(pairs: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pairs)) out[k] = v === null ? '' : String(v);
  return out;
}

function unsupportedTransformer(ctx: BuildContext, at: Located, kind: string): void {
  report(
    ctx,
    'KUSTOMIZE_UNSUPPORTED',
    'warning',
    `Transformer ${kind === '' ? '(no kind)' : kind} is not a kustomize builtin netpol applies, so the objects it changes are read unchanged.`,
    at,
    'Render the folder with `kustomize build | netpol … -f -` to analyse its output.',
  );
}

/** Sets the field a kustomize field spec names (`spec/targetNamespace`, lists walked) on the objects it selects. */
function applyFieldSpec(
  ctx: BuildContext,
  acc: Resource[],
  fs: Record<string, unknown>,
  next: (old: unknown) => unknown,
  by: Located,
): void {
  if (typeof fs.path !== 'string') return;
  const segments = fs.path.split('/').filter((x) => x !== '');
  const last = segments.pop();
  if (last === undefined) return;
  for (const r of acc) {
    if (notAnObject(r) !== undefined) continue;
    if (typeof fs.kind === 'string' && fs.kind !== r.value.kind) continue;
    if (typeof fs.group === 'string') {
      const apiVersion = typeof r.value.apiVersion === 'string' ? r.value.apiVersion : '';
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      if (group !== fs.group) continue;
    }
    for (const parent of mapsAt(r.value, segments, fs.create === true)) {
      if (parent[last] === undefined && fs.create !== true) continue;
      parent[last] = next(parent[last]);
      ctx.origins.field(parent, last, { doc: by.doc, path: by.path });
    }
  }
}

/** A patch body from `path:` (a file, relative to the kustomization) or inline text. */
function patchBody(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  options: BuildOptions,
): { value: unknown; source: PatchSource }[] | null {
  const e = entry.value;
  // A `patchesStrategicMerge` entry is a file, or the patch itself when no such file exists (kustomize
  // `FixKustomizationPreMarshalling`); a patch spans lines, a path does not.
  if (typeof e === 'string' && e.includes('\n')) return inlinePatch(ctx, entry, e, entry.path, options);
  if (typeof e === 'string') return patchFile(ctx, spec, entry, e, options);
  if (!isRecord(e)) {
    report(ctx, 'BAD_VALUE', 'error', `A patch must be a mapping or a path, not ${typeName(e)}.`, entry);
    return null;
  }
  if (typeof e.path === 'string')
    return patchFile(ctx, spec, { ...entry, path: [...entry.path, 'path'] }, e.path, options);
  if (typeof e.patch === 'string') return inlinePatch(ctx, entry, e.patch, [...entry.path, 'patch'], options);
  if (isRecord(e.patch) || Array.isArray(e.patch)) {
    return [{ value: e.patch, source: { doc: entry.doc, path: [...entry.path, 'patch'], inline: false } }];
  }
  report(ctx, 'MISSING_FIELD', 'error', 'A patch needs "path" or "patch".', entry);
  return null;
}

/** The documents of a patch written inline (`patch: |` or a multi-line `patchesStrategicMerge` entry). */
function inlinePatch(
  ctx: BuildContext,
  entry: Located,
  text: string,
  path: YamlPath,
  options: BuildOptions,
): { value: unknown; source: PatchSource }[] {
  const parsed = parseYamlFile(entry.doc.file, text);
  const out: { value: unknown; source: PatchSource }[] = [];
  for (const doc of parsed.documents) {
    if (!doc.valid || doc.root === null) continue;
    out.push({
      value: documentValue(doc, options.transform?.(doc)),
      source: { doc: entry.doc, path, inline: true },
    });
  }
  if (parsed.diagnostics.length > 0)
    report(ctx, 'YAML_SYNTAX', 'error', 'The inline patch is not valid YAML; it is not applied.', {
      ...entry,
      path,
    });
  return out;
}

function patchFile(
  ctx: BuildContext,
  spec: Spec,
  at: Located,
  rel: string,
  options: BuildOptions,
): { value: unknown; source: PatchSource }[] | null {
  const file = joinOn(ctx.host, spec.dir, rel);
  if (!ctx.inside(file) || ctx.host.kind(file) !== 'file') {
    report(
      ctx,
      'KUSTOMIZE_MISSING_RESOURCE',
      'error',
      `Patch file "${rel}" does not exist.`,
      at,
      `Create ${file}, or remove the entry.`,
    );
    return null;
  }
  ctx.referenced.add(file);
  const parsed = parseOnce(ctx, file);
  if (!parsed) return null;
  return parsed.documents
    .filter((d) => d.valid && d.root !== null)
    .map((doc) => ({
      value: documentValue(doc, options.transform?.(doc)),
      source: { doc, path: [], inline: false },
    }));
}

function noMatch(ctx: BuildContext, at: Located, what: string): void {
  report(
    ctx,
    'KUSTOMIZE_PATCH_NO_MATCH',
    'warning',
    `The ${what} matches no object of this kustomization, so it changes nothing.`,
    at,
    'Check the target (kind, name, namespace).',
  );
}

/**
 * A patch without target (its own kind and name select the object) that matches nothing: kustomize fails
 * the build (`PatchTransformer` looks the object up with `GetById`: "no matches for Id …; failed to find
 * unique target for patch"). Where the build holds objects netpol does not render, it is a warning.
 */
function untargetedNoMatch(ctx: BuildContext, at: Located, patch: Record<string, unknown>): void {
  const wanted = kindName(patch);
  if (ctx.partial) {
    report(
      ctx,
      'KUSTOMIZE_PATCH_NO_MATCH',
      'warning',
      `The patch for ${wanted} matches no object netpol renders in this kustomization; kustomize fails the build unless the object comes from what netpol does not render (see the warnings above).`,
      at,
      "Check the patch's kind, metadata.name and metadata.namespace.",
    );
    return;
  }
  fail(
    ctx,
    'KUSTOMIZE_PATCH_NO_MATCH',
    `The patch for ${wanted} matches no object of this kustomization (kustomize: "no matches for Id")`,
    at,
    "Check the patch's kind, metadata.name and metadata.namespace, or give it a target.",
  );
}

function applyTo(
  ctx: BuildContext,
  acc: Resource[],
  selector: ResourceSelector,
  apply: (r: Resource) => 'patched' | 'deleted',
): number {
  let n = 0;
  for (let i = 0; i < acc.length; i++) {
    const r = acc[i] as Resource;
    if (notAnObject(r) !== undefined || !selects(selector, r)) continue;
    n++;
    if (apply(r) === 'deleted') {
      acc.splice(i, 1);
      i--;
    }
  }
  void ctx;
  return n;
}

function patchStrategic(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  acc: Resource[],
  options: BuildOptions,
): void {
  const bodies = patchBody(ctx, spec, entry, options);
  for (const body of bodies ?? []) {
    if (!isRecord(body.value)) continue;
    const patch = body.value;
    const selector = selectorOfPatch(patch);
    if (!selector) {
      report(
        ctx,
        'MISSING_FIELD',
        'error',
        'A strategic-merge patch without target needs kind and metadata.name.',
        entry,
      );
      continue;
    }
    const n = applyTo(ctx, acc, selector, (r) => strategicMerge(r.value, patch, body.source, ctx.origins));
    if (n === 0) untargetedNoMatch(ctx, entry, patch);
  }
}

function patchEntry(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  acc: Resource[],
  options: BuildOptions,
): void {
  const e = entry.value;
  const target = isRecord(e) && e.target !== undefined ? readSelector(e.target) : null;
  const bodies = patchBody(ctx, spec, entry, options);
  for (const body of bodies ?? []) {
    if (Array.isArray(body.value)) {
      if (!target) {
        report(ctx, 'MISSING_FIELD', 'error', 'A JSON 6902 patch needs a target.', entry);
        continue;
      }
      jsonPatch(ctx, acc, target, body.value, body.source, entry);
      continue;
    }
    if (!isRecord(body.value)) continue;
    const patch = body.value;
    const selector = target ?? selectorOfPatch(patch);
    if (!selector) {
      report(ctx, 'MISSING_FIELD', 'error', 'A patch without target needs kind and metadata.name.', entry);
      continue;
    }
    // With a target, the patch's own name and namespace are placeholders (kustomize patches every target).
    const applied = target ? withoutIdentity(patch) : patch;
    const n = applyTo(ctx, acc, selector, (r) => strategicMerge(r.value, applied, body.source, ctx.origins));
    // kustomize accepts a target that selects nothing; a patch without target must match.
    if (n === 0 && !target) untargetedNoMatch(ctx, entry, patch);
  }
}

function withoutIdentity(patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...patch };
  delete out.apiVersion;
  delete out.kind;
  if (isRecord(out.metadata)) {
    const meta = { ...out.metadata };
    delete meta.name;
    delete meta.namespace;
    out.metadata = meta;
  }
  return out;
}

function jsonPatch(
  ctx: BuildContext,
  acc: Resource[],
  target: ResourceSelector,
  operations: readonly unknown[],
  source: PatchSource,
  entry: Located,
): void {
  const n = applyTo(ctx, acc, target, (r) => {
    const failures = applyJsonPatch(r.value, operations, source, ctx.origins);
    // kustomize applies the operations with evanphx/json-patch, which stops at the first that fails.
    for (const f of failures.slice(0, 1)) {
      fail(
        ctx,
        'KUSTOMIZE_PATCH_NO_MATCH',
        `JSON patch operation ${f.index} does not apply to ${kindName(r.value)}: ${f.reason}`,
        source.inline
          ? { doc: source.doc, path: source.path }
          : { doc: source.doc, path: [...source.path, f.index] },
      );
    }
    return 'patched';
  });
  void n;
  void entry;
}

function patchJson(
  ctx: BuildContext,
  spec: Spec,
  entry: Located,
  acc: Resource[],
  options: BuildOptions,
): void {
  const e = entry.value;
  const target = isRecord(e) ? readSelector(e.target) : null;
  if (!target) {
    report(ctx, 'MISSING_FIELD', 'error', 'A patchesJson6902 entry needs a target.', entry);
    return;
  }
  const bodies = patchBody(ctx, spec, entry, options);
  for (const body of bodies ?? []) {
    if (Array.isArray(body.value)) jsonPatch(ctx, acc, target, body.value, body.source, entry);
    else report(ctx, 'BAD_VALUE', 'error', 'A JSON 6902 patch must be a list of operations.', entry);
  }
}

function kindName(value: Record<string, unknown>): string {
  const meta = isRecord(value.metadata) ? value.metadata : {};
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? `${meta.namespace}/` : '';
  return `${String(value.kind)}/${ns}${String(meta.name)}`;
}

function metadata(ctx: Origins, r: Resource): Record<string, unknown> {
  if (!isRecord(r.value.metadata)) {
    r.value.metadata = {};
    void ctx;
  }
  return r.value.metadata as Record<string, unknown>;
}

/**
 * kustomize's namespace transformer (`api/filters/namespace`): every namespaced object gets the namespace,
 * a `v1/Namespace` gets it as its name (the `metadata/name` field spec for kind Namespace).
 */
function setNamespace(
  acc: Resource[],
  namespace: Located<string>,
  origins: Origins,
  unsetOnly = false,
): void {
  const origin = { doc: namespace.doc, path: namespace.path };
  for (const r of acc) {
    if (notAnObject(r) !== undefined) continue;
    const kind = r.value.kind;
    const meta = metadata(origins, r);
    if (kind === 'Namespace' && r.value.apiVersion === 'v1') {
      if (unsetOnly) continue;
      if (typeof meta.name === 'string' && meta.name !== namespace.value) r.previousNames.push(meta.name);
      meta.name = namespace.value;
      origins.field(meta, 'name', origin);
      continue;
    }
    if (typeof kind === 'string' && CLUSTER_SCOPED_KINDS.has(kind)) continue;
    if (typeof meta.namespace === 'string' && meta.namespace !== namespace.value)
      r.previousNamespaces.push(meta.namespace);
    meta.namespace = namespace.value;
    origins.field(meta, 'namespace', origin);
  }
}

/** `namePrefix`/`nameSuffix`: every name but those of Namespaces, CRDs and APIServices (kustomize's skip list). */
function rename(
  acc: Resource[],
  prefix: Located<string> | undefined,
  suffix: Located<string> | undefined,
  origins: Origins,
): void {
  for (const r of acc) {
    if (notAnObject(r) !== undefined) continue;
    const kind = r.value.kind;
    if (kind === 'Namespace' || kind === 'CustomResourceDefinition' || kind === 'APIService') continue;
    const meta = metadata(origins, r);
    if (typeof meta.name !== 'string') continue;
    r.previousNames.push(meta.name);
    meta.name = `${prefix?.value ?? ''}${meta.name}${suffix?.value ?? ''}`;
    const by = prefix ?? suffix;
    if (by) origins.field(meta, 'name', { doc: by.doc, path: by.path });
  }
}

function setMetaMap(origins: Origins, r: Resource, field: 'labels' | 'annotations', pairs: Located): void {
  if (notAnObject(r) !== undefined || !isRecord(pairs.value)) return;
  const meta = metadata(origins, r);
  if (!isRecord(meta[field])) meta[field] = {};
  const target = meta[field] as Record<string, unknown>;
  for (const [k, v] of Object.entries(pairs.value)) {
    target[k] = v === null ? '' : String(v);
    origins.field(target, k, { doc: pairs.doc, path: [...pairs.path, k] });
  }
}

const TEMPLATE_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  Deployment: [['spec', 'template', 'metadata', 'labels']],
  ReplicaSet: [['spec', 'template', 'metadata', 'labels']],
  DaemonSet: [['spec', 'template', 'metadata', 'labels']],
  StatefulSet: [['spec', 'template', 'metadata', 'labels']],
  Job: [['spec', 'template', 'metadata', 'labels']],
  CronJob: [
    ['spec', 'jobTemplate', 'metadata', 'labels'],
    ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'],
  ],
};

/** NetworkPolicy selector fields kustomize's commonLabels extends when they exist (`create: false`). */
const NETWORK_POLICY_SELECTOR_PATHS: readonly (readonly string[])[] = [
  ['spec', 'podSelector', 'matchLabels'],
  ['spec', 'ingress', 'from', 'podSelector', 'matchLabels'],
  ['spec', 'egress', 'to', 'podSelector', 'matchLabels'],
];

/** The maps at a field-spec path (lists along the way are walked element by element). */
function mapsAt(value: unknown, path: readonly string[], create: boolean): Record<string, unknown>[] {
  if (path.length === 0) return isRecord(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => mapsAt(v, path, create));
  if (!isRecord(value)) return [];
  const [head, ...rest] = path as [string, ...string[]];
  if (value[head] === undefined && create) value[head] = rest.length === 0 || rest[0] !== undefined ? {} : {};
  return mapsAt(value[head], rest, create);
}

/**
 * `commonLabels` and `labels`: metadata labels of every object; with templates, the pod template labels of
 * workloads; with selectors (commonLabels, or `includeSelectors`), also the NetworkPolicy pod selectors
 * that have `matchLabels` (kustomize `builtinpluginconsts/commonlabels.go`, `metadatalabels.go`).
 */
function addLabels(
  ctx: BuildContext,
  acc: Resource[],
  pairs: Located,
  selectors: boolean,
  templates: boolean,
): void {
  if (!isRecord(pairs.value)) return;
  for (const r of acc) {
    if (notAnObject(r) !== undefined) continue;
    setMetaMap(ctx.origins, r, 'labels', pairs);
    const kind = typeof r.value.kind === 'string' ? r.value.kind : '';
    const maps: Record<string, unknown>[] = [];
    if (templates) for (const p of TEMPLATE_PATHS[kind] ?? []) maps.push(...mapsAt(r.value, p, true));
    if (selectors && kind === 'NetworkPolicy') {
      for (const p of NETWORK_POLICY_SELECTOR_PATHS) maps.push(...mapsAt(r.value, p, false));
    }
    for (const m of maps) {
      for (const [k, v] of Object.entries(pairs.value)) {
        m[k] = v === null ? '' : String(v);
        ctx.origins.field(m, k, { doc: pairs.doc, path: [...pairs.path, k] });
      }
    }
  }
}

/** A field path of `replacements` (`metadata.labels.[app.kubernetes.io/name]`, `spec.list.[name=x].field`, `a.0.b`). */
function splitFieldPath(fieldPath: string): string[] {
  const out: string[] = [];
  let i = 0;
  let current = '';
  while (i < fieldPath.length) {
    const c = fieldPath[i] as string;
    if (c === '[') {
      const end = fieldPath.indexOf(']', i);
      if (end === -1) {
        current += fieldPath.slice(i);
        break;
      }
      current += fieldPath.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === '.') {
      out.push(current);
      current = '';
    } else current += c;
    i++;
  }
  out.push(current);
  return out.filter((s) => s !== '').map((s) => (/^\[[^=]+\]$/.test(s) ? s.slice(1, -1) : s));
}

function step(
  value: unknown,
  segment: string,
  create: boolean,
): { parent: object; key: string | number } | null {
  const select = /^\[([^=]+)=(.*)\]$/.exec(segment);
  if (select && Array.isArray(value)) {
    const i = value.findIndex((v) => isRecord(v) && String(v[select[1] as string]) === select[2]);
    return i === -1 ? null : { parent: value, key: i };
  }
  if (Array.isArray(value)) {
    const i = segment === '*' ? -1 : Number(segment);
    return Number.isInteger(i) && i >= 0 && i < value.length ? { parent: value, key: i } : null;
  }
  if (!isRecord(value)) return null;
  if (value[segment] === undefined && !create) return null;
  return { parent: value, key: segment };
}

function getField(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    const s = step(current, segment, false);
    if (!s) return undefined;
    current = (s.parent as Record<string | number, unknown>)[s.key];
  }
  return current;
}

function setField(
  origins: Origins,
  value: unknown,
  path: readonly string[],
  newValue: unknown,
  create: boolean,
  origin: { doc: YamlDocument; path: YamlPath },
): boolean {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    const s = step(current, path[i] as string, create);
    if (!s) return false;
    const container = s.parent as Record<string | number, unknown>;
    if (i === path.length - 1) {
      container[s.key] = newValue;
      origins.field(s.parent, s.key, origin);
      return true;
    }
    if (container[s.key] === undefined) container[s.key] = {};
    current = container[s.key];
  }
  return false;
}

/**
 * kustomize `replacements` (api/filters/replacement): copies a field of one source object into fields of the
 * selected targets, with `options.delimiter`/`index` for part of a value and `options.create`.
 */
function replacement(ctx: BuildContext, spec: Spec, entry: Located, acc: Resource[]): void {
  const items: Located[] = [];
  if (isRecord(entry.value) && typeof entry.value.path === 'string') {
    const file = joinOn(ctx.host, spec.dir, entry.value.path);
    ctx.referenced.add(file);
    const parsed = ctx.inside(file) && ctx.host.kind(file) === 'file' ? parseOnce(ctx, file) : null;
    if (!parsed) {
      report(
        ctx,
        'KUSTOMIZE_MISSING_RESOURCE',
        'error',
        `Replacements file "${entry.value.path}" does not exist.`,
        entry,
      );
      return;
    }
    for (const doc of parsed.documents) {
      const v = doc.valid ? documentValue(doc) : null;
      if (Array.isArray(v)) {
        v.forEach((item, i) => {
          items.push({ value: item, doc, path: [i] });
        });
      } else if (isRecord(v)) items.push({ value: v, doc, path: [] });
    }
  } else items.push(entry);
  for (const item of items) {
    const r = item.value;
    if (!isRecord(r) || !isRecord(r.source) || !Array.isArray(r.targets)) {
      report(ctx, 'BAD_VALUE', 'error', 'A replacement needs a source and a list of targets.', item);
      continue;
    }
    const sourceSelector = readSelector(r.source) ?? {};
    const fieldPath = typeof r.source.fieldPath === 'string' ? r.source.fieldPath : 'metadata.name';
    const sources = acc.filter((res) => notAnObject(res) === undefined && selects(sourceSelector, res));
    const from = sources[0];
    if (!from) {
      noMatch(ctx, { ...item, path: [...item.path, 'source'] }, 'replacement source');
      continue;
    }
    let value = getField(from.value, splitFieldPath(fieldPath));
    const sourceOptions = isRecord(r.source.options) ? r.source.options : {};
    if (typeof value === 'string' && typeof sourceOptions.delimiter === 'string') {
      value = value.split(sourceOptions.delimiter)[Number(sourceOptions.index ?? 0)];
    }
    if (value === undefined) {
      noMatch(ctx, { ...item, path: [...item.path, 'source'] }, `replacement source field "${fieldPath}"`);
      continue;
    }
    r.targets.forEach((t, ti) => {
      if (!isRecord(t)) return;
      const select = readSelector(t.select) ?? {};
      const rejects = (Array.isArray(t.reject) ? t.reject : [])
        .map(readSelector)
        .filter((s): s is ResourceSelector => s !== null);
      const paths = (Array.isArray(t.fieldPaths) ? t.fieldPaths : []).filter(
        (p): p is string => typeof p === 'string',
      );
      const options = isRecord(t.options) ? t.options : {};
      const origin = { doc: item.doc, path: [...item.path, 'source'] };
      let matched = 0;
      for (const res of acc) {
        if (notAnObject(res) !== undefined || !selects(select, res) || rejects.some((s) => selects(s, res)))
          continue;
        matched++;
        for (const p of paths) {
          const segments = splitFieldPath(p);
          let next: unknown = value;
          if (typeof options.delimiter === 'string') {
            const old = getField(res.value, segments);
            const parts = typeof old === 'string' ? old.split(options.delimiter) : [];
            const index = Number(options.index ?? 0);
            while (parts.length <= index) parts.push('');
            parts[index] = String(value);
            next = parts.join(options.delimiter);
          }
          setField(ctx.origins, res.value, segments, structuredClone(next), options.create === true, origin);
        }
      }
      void matched;
      void ti;
    });
  }
}

/** Kustomization file names, re-exported for the Flux reader. */
export const KUSTOMIZATION_FILE_NAMES = KUSTOMIZATION_FILES;

/**
 * The position of a located value, for diagnostics of callers.
 * @param at - The value.
 * @returns Its source reference.
 */
export function locatedSource(at: Located): SourceRef {
  return sourceAt(at.doc, at.path);
}
