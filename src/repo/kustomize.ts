import type { Diagnostic, SourceRef } from '../errors.js';
import { CONFIG_FILE } from './config.js';
import {
  documentValue,
  type ParsedFile,
  parseYamlFile,
  sourceAt,
  type YamlDocument,
  type YamlPath,
} from './documents.js';
import { joinPath, type RepoHost } from './host.js';
import { isRecord, typeName } from './read-context.js';
import { isManifestName, linkSkipClause } from './walk.js';

/**
 * Which manifest files make up the repository. With a kustomization at the root, the files it lists
 * (following `resources`, `bases` and `components`, folders through their own kustomization), each with
 * the `namespace:` kustomize gives it; without one, every YAML/JSON file below the root.
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/
 */

/** File names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** A manifest file to load and the namespace kustomize sets on its namespaced objects. */
export interface ManifestRef {
  /** POSIX path relative to the root. */
  readonly file: string;
  /** The effective kustomization `namespace:` (the outermost one wins, as in kustomize). */
  readonly namespace?: string;
}

/** The manifests of a repository and what was found while collecting them. */
export interface ManifestPlan {
  /** Manifest files in load order (a file listed by two kustomizations appears twice). */
  readonly manifests: readonly ManifestRef[];
  /** Kustomization files read, in traversal order. */
  readonly kustomizations: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Kustomization fields that change objects in ways netpol does not model. */
const NOT_MODELLED_FIELDS: Readonly<Record<string, string>> = {
  commonLabels: 'commonLabels (labels added to every object and selector)',
  labels: 'labels (labels added to every object)',
  patches: 'patches',
  patchesStrategicMerge: 'patchesStrategicMerge',
  patchesJson6902: 'patchesJson6902',
  configMapGenerator: 'configMapGenerator',
  secretGenerator: 'secretGenerator',
  generators: 'generators',
  transformers: 'transformers',
  replacements: 'replacements',
  vars: 'vars',
  namePrefix: 'namePrefix (renames every object)',
  nameSuffix: 'nameSuffix (renames every object)',
  helmCharts: 'helmCharts (objects rendered from Helm charts)',
};

export { isManifestName } from './walk.js';

/**
 * True for a kustomization file name (`kustomization.yaml`, `kustomization.yml`, `Kustomization`).
 * @param name - A file name.
 * @returns Whether kustomize reads it as a kustomization.
 */
export function isKustomizationName(name: string): boolean {
  return (KUSTOMIZATION_FILES as readonly string[]).includes(name);
}

/**
 * The kustomization file of a directory, if any.
 * @param host - The repository host.
 * @param dir - POSIX directory relative to the root (`''` = root).
 * @returns The file's path relative to the root, or null.
 */
export function kustomizationIn(host: RepoHost, dir: string): string | null {
  for (const name of KUSTOMIZATION_FILES) {
    const file = joinPath(dir, name);
    if (host.kind(file) === 'file') return file;
  }
  return null;
}

/**
 * True for a resource that kustomize fetches from a remote location (URL, git, OCI).
 * @param entry - A `resources` entry.
 * @returns Whether it is remote.
 */
export function isRemoteResource(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    entry.startsWith('git@') ||
    entry.startsWith('github.com/') ||
    entry.startsWith('gitlab.com/') ||
    entry.startsWith('bitbucket.org/') ||
    /[?&]ref=/.test(entry)
  );
}

/**
 * Lists the manifest files of a repository: through the root kustomization when there is one, else
 * every `*.yaml`/`*.yml`/`*.json` below the root, sorted by path, skipping hidden files and folders,
 * `node_modules`, kustomization files, `netpol.config.yaml`, and the patches and generator inputs that
 * kustomizations in the tree refer to (they are fragments, not objects).
 * Missing resources are `KUSTOMIZE_MISSING_RESOURCE` errors at their list entry; remote resources are
 * `KUSTOMIZE_REMOTE_RESOURCE` warnings; fields that change objects in ways netpol does not model
 * (patches, generators, `commonLabels` …) are `NOT_MODELLED` infos at their key.
 * @param host - The repository host.
 * @returns The plan. Never throws for bad input.
 */
export function planManifests(host: RepoHost): ManifestPlan {
  const rootKustomization = kustomizationIn(host, '');
  if (!rootKustomization) {
    // Patches and generator inputs of the kustomizations in the tree are not objects of their own.
    const kustomizations: string[] = [];
    const inputs = new Set<string>();
    const ignored: Diagnostic[] = [];
    const walk = (d: string) => {
      const k = kustomizationIn(host, d);
      if (k) {
        kustomizations.push(k);
        const parsed = readKustomization(host, k, ignored);
        if (parsed) for (const f of referencedFiles(d, parsed.value, false)) inputs.add(f);
      }
      for (const name of host.list(d).sort()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        const p = joinPath(d, name);
        if (host.kind(p) === 'dir') walk(p);
      }
    };
    walk('');
    return {
      manifests: scanManifests(host, '')
        .filter((file) => !inputs.has(file))
        .map((file) => ({ file })),
      kustomizations,
      diagnostics: [],
    };
  }
  const state: TraversalState = { host, manifests: [], kustomizations: [], diagnostics: [], stack: [] };
  traverse(state, '', rootKustomization, undefined);
  return { manifests: state.manifests, kustomizations: state.kustomizations, diagnostics: state.diagnostics };
}

/**
 * Every manifest file below a directory, sorted, skipping hidden entries, `node_modules`, kustomization
 * files and the root `netpol.config.yaml`.
 * @param host - The repository host.
 * @param dir - POSIX directory relative to the root.
 * @returns POSIX paths relative to the root.
 */
export function scanManifests(host: RepoHost, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of host.list(d)) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = joinPath(d, name);
      const kind = host.kind(p);
      if (kind === 'dir') walk(p);
      else if (kind === 'file' && isManifestName(name) && !isKustomizationName(name) && p !== CONFIG_FILE)
        out.push(p);
    }
  };
  walk(dir);
  return out.sort(comparePaths);
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface TraversalState {
  readonly host: RepoHost;
  readonly manifests: ManifestRef[];
  readonly kustomizations: string[];
  readonly diagnostics: Diagnostic[];
  /** Kustomization directories being traversed (to catch cycles). */
  readonly stack: string[];
}

/** A parsed kustomization file: its first document and its plain value (a mapping), if usable. */
interface Kustomization {
  readonly doc: YamlDocument;
  readonly value: Record<string, unknown>;
}

/**
 * Parses a file's text: `parseYamlFile`, or a cache in front of it (the load's parses, for a reader after it).
 * @param file - Root-relative path (names the positions).
 * @param text - The file's text.
 * @returns The parsed file.
 */
export type ParseFile = (file: string, text: string) => ParsedFile;

function readKustomization(
  host: RepoHost,
  file: string,
  diagnostics: Diagnostic[],
  parse: ParseFile = parseYamlFile,
): Kustomization | null {
  let text: string;
  try {
    text = host.readFile(file);
  } catch (e) {
    diagnostics.push(unreadable(file, e));
    return null;
  }
  const parsed = parse(file, text);
  diagnostics.push(...parsed.diagnostics);
  const doc = parsed.documents.find((d) => d.root !== null);
  if (!doc) return null;
  const value = documentValue(doc);
  if (!isRecord(value)) {
    diagnostics.push({
      code: 'BAD_VALUE',
      severity: 'error',
      message: `A kustomization must be a mapping, not ${typeName(value)}.`,
      source: sourceAt(doc, []),
    });
    return null;
  }
  return { doc, value };
}

/**
 * A `FILE_UNREADABLE` diagnostic for a file that could not be read.
 * @param file - The file as given.
 * @param error - The read error.
 * @returns The diagnostic.
 */
export function unreadable(file: string, error: unknown): Diagnostic {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    code: 'FILE_UNREADABLE',
    severity: 'error',
    message: `File "${file}" cannot be read: ${reason}.`,
    source: { file, line: 1, column: 1 },
    hint: 'Check that the file exists and is readable.',
  };
}

function at(doc: YamlDocument, p: YamlPath, key = false): SourceRef {
  return sourceAt(doc, p, key ? { key: true } : {});
}

function traverse(state: TraversalState, dir: string, file: string, inherited: string | undefined): void {
  const { host, diagnostics } = state;
  state.kustomizations.push(file);
  const k = readKustomization(host, file, diagnostics);
  if (!k) return;
  const { doc, value } = k;
  let namespace = inherited;
  if (value.namespace !== undefined && value.namespace !== null) {
    if (typeof value.namespace === 'string' && value.namespace !== '')
      namespace = inherited ?? value.namespace;
    else {
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: `The kustomization namespace must be a string, not ${typeName(value.namespace)}.`,
        source: at(doc, ['namespace']),
        path: ['namespace'],
      });
    }
  }
  for (const [field, what] of Object.entries(NOT_MODELLED_FIELDS)) {
    if (value[field] === undefined || value[field] === null) continue;
    diagnostics.push({
      code: 'NOT_MODELLED',
      severity: 'info',
      message: `Kustomize ${what} is not applied by netpol; objects are read as written in their files.`,
      source: at(doc, [field], true),
      path: [field],
      hint: 'Run `kustomize build | netpol … -f -` to analyse the rendered objects.',
    });
  }
  state.stack.push(dir);
  for (const field of ['resources', 'bases', 'components'] as const) {
    const list = value[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: `${field} must be a list, not ${typeName(list)}.`,
        source: at(doc, [field]),
        path: [field],
      });
      continue;
    }
    list.forEach((entry, i) => {
      resource(state, doc, dir, field, i, entry, namespace);
    });
  }
  state.stack.pop();
}

function resource(
  state: TraversalState,
  doc: YamlDocument,
  dir: string,
  field: string,
  i: number,
  entry: unknown,
  namespace: string | undefined,
): void {
  const { host, diagnostics } = state;
  const p: YamlPath = [field, i];
  if (typeof entry !== 'string' || entry === '') {
    diagnostics.push({
      code: 'BAD_VALUE',
      severity: 'error',
      message: `A ${field} entry must be a path, not ${typeName(entry)}.`,
      source: at(doc, p),
      path: p,
    });
    return;
  }
  if (isRemoteResource(entry)) {
    diagnostics.push({
      code: 'KUSTOMIZE_REMOTE_RESOURCE',
      // A warning, not an info: the analysis misses whatever the remote base holds, and every command
      // shows warnings.
      severity: 'warning',
      message: `Remote resource "${entry}" is not fetched; its objects are not analysed.`,
      source: at(doc, p),
      path: p,
      hint: 'Vendor it into the repository, or run `kustomize build | netpol … -f -`.',
    });
    return;
  }
  const target = joinPath(dir, entry);
  if (!host.contains(target)) {
    diagnostics.push({
      code: 'KUSTOMIZE_MISSING_RESOURCE',
      severity: 'error',
      message: `Resource "${entry}" lies outside the repository (the git work tree holding -R); it is not loaded.`,
      source: at(doc, p),
      path: p,
      hint: 'Point -R at a folder inside the git work tree that contains it.',
    });
    return;
  }
  const followed = followListed(host, target, entry);
  if ('message' in followed) {
    diagnostics.push({
      code: 'KUSTOMIZE_MISSING_RESOURCE',
      severity: 'error',
      message: followed.message,
      source: at(doc, p),
      path: p,
      hint: followed.hint,
    });
    return;
  }
  const kind = followed.kind;
  if (kind === 'file') {
    state.manifests.push(namespace !== undefined ? { file: target, namespace } : { file: target });
    return;
  }
  if (kind === 'dir') {
    const inner = kustomizationIn(host, target);
    // An unreadable folder is a FILE_UNREADABLE error of the load, not a folder without kustomization.
    if (!inner && host.dirError?.(target) !== undefined) return;
    if (!inner) {
      diagnostics.push({
        code: 'KUSTOMIZE_MISSING_RESOURCE',
        severity: 'error',
        message: `Folder "${entry}" has no kustomization.yaml, so kustomize cannot use it as a resource.`,
        source: at(doc, p),
        path: p,
        hint: `Add ${joinPath(target, 'kustomization.yaml')} listing its files, or list the files themselves.`,
      });
      return;
    }
    if (state.stack.includes(target)) {
      diagnostics.push({
        code: 'BAD_VALUE',
        severity: 'error',
        message: `Resource "${entry}" leads back to a kustomization that includes it (a cycle); it is skipped.`,
        source: at(doc, p),
        path: p,
      });
      return;
    }
    traverse(state, target, inner, namespace);
    return;
  }
  diagnostics.push({
    code: 'KUSTOMIZE_MISSING_RESOURCE',
    severity: 'error',
    message: `Resource "${entry}" does not exist.`,
    source: at(doc, p),
    path: p,
    hint: `Create ${target}, or remove the entry.`,
  });
}

/**
 * What a path listed in a kustomization is. A symbolic link the tree walk does not follow (it leaves the
 * repository, loops, dangles, or leads to a folder read by its own path) is a message saying which: Flux's
 * source artifacts hold no symbolic links at all (fluxcd/source-controller archives regular files and
 * folders only), so listing the link's target is the portable spelling.
 * @param host - The repository host.
 * @param target - The listed path, root-relative.
 * @param entry - The entry as written, for the message.
 * @returns The path's kind (null: nothing there), or the message and hint for a link not followed.
 */
export function followListed(
  host: RepoHost,
  target: string,
  entry: string,
): { kind: 'file' | 'dir' | null } | { message: string; hint: string } {
  const kind = host.kind(target);
  if (kind !== null) return { kind };
  const link = host.skippedLink?.(target);
  if (!link) return { kind };
  return {
    message: `Resource "${entry}" is a symbolic link that is not followed: ${linkSkipClause(link)}.`,
    hint:
      link.reason === 'outside'
        ? 'Copy its target into the repository, or remove the entry.'
        : link.targetPath !== undefined
          ? `List the folder it points to ("${link.targetPath}" from the repository root) instead; Flux sources hold no symbolic links.`
          : 'Fix the link or remove the entry.',
  };
}

/** A manifest file that no kustomization lists, and the kustomization that should list it. */
export interface UnlistedManifest {
  /** POSIX path relative to the root. */
  readonly file: string;
  /** The nearest kustomization file in the file's folder or above. */
  readonly kustomization: string;
}

/**
 * Files every kustomization refers to in any way (resources, components, patches, generator inputs …),
 * as paths relative to the root.
 */
function referencedFiles(dir: string, value: Record<string, unknown>, resources = true): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v !== 'string' || v === '' || isRemoteResource(v)) return;
    const eq = v.indexOf('=');
    out.push(joinPath(dir, eq > 0 && !v.slice(0, eq).includes('/') ? v.slice(eq + 1) : v));
  };
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  for (const f of [
    ...(resources ? ['resources', 'bases', 'components'] : []),
    'patchesStrategicMerge',
    'crds',
    'configurations',
    'generators',
    'transformers',
    'validators',
  ]) {
    list(value[f]).forEach(add);
  }
  for (const f of ['patches', 'patchesJson6902', 'replacements']) {
    for (const item of list(value[f])) if (isRecord(item)) add(item.path);
  }
  for (const f of ['configMapGenerator', 'secretGenerator']) {
    for (const item of list(value[f])) {
      if (!isRecord(item)) continue;
      list(item.files).forEach(add);
      list(item.envs).forEach(add);
      add(item.env);
    }
  }
  for (const item of list(value.helmCharts)) if (isRecord(item)) add(item.valuesFile);
  if (isRecord(value.openapi)) add(value.openapi.path);
  return out;
}

/**
 * Lists the manifest files that sit under a kustomization tree but that no kustomization refers to
 * (kustomize ignores them, so they never reach the cluster). A file is under a tree when its folder or a
 * folder above it has a kustomization; it is listed when any kustomization in the repository refers to it
 * (as a resource, component, patch, generator input …).
 * @param host - The repository host.
 * @param dir - The directory to examine, relative to the root. Default: the root.
 * @param parse - Parses the kustomizations read (the load's cache). Default: `parseYamlFile`.
 * @returns Unlisted files (sorted) with the nearest kustomization that should list them.
 */
export function findUnlistedManifests(
  host: RepoHost,
  dir = '',
  parse: ParseFile = parseYamlFile,
): UnlistedManifest[] {
  const referenced = new Set<string>();
  const nearest = new Map<string, string | null>();
  const files: string[] = [];
  const ignored: Diagnostic[] = [];
  const walk = (d: string, inherited: string | null) => {
    const own = kustomizationIn(host, d);
    if (own) {
      const k = readKustomization(host, own, ignored, parse);
      if (k) for (const f of referencedFiles(d, k.value)) referenced.add(f);
    }
    const current = own ?? inherited;
    for (const name of host.list(d)) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = joinPath(d, name);
      const kind = host.kind(p);
      if (kind === 'dir') walk(p, current);
      else if (kind === 'file' && isManifestName(name) && !isKustomizationName(name) && p !== CONFIG_FILE) {
        files.push(p);
        nearest.set(p, current);
      }
    }
  };
  // Kustomizations above `dir` may list its files too.
  let inherited: string | null = null;
  const parts = dir === '' ? [] : dir.split('/');
  for (let i = 0; i < parts.length; i++) {
    const up = parts.slice(0, i).join('/');
    const k = kustomizationIn(host, up);
    if (k) {
      inherited = k;
      const parsed = readKustomization(host, k, ignored, parse);
      if (parsed) for (const f of referencedFiles(up, parsed.value)) referenced.add(f);
    }
  }
  walk(dir, inherited);
  return files
    .filter((f) => nearest.get(f) && !referenced.has(f))
    .sort(comparePaths)
    .map((file) => ({ file, kustomization: nearest.get(file) as string }));
}
