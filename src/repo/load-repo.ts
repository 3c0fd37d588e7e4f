import fs from 'node:fs';
import path from 'node:path';
import { type Diagnostic, invariant, NetpolError, type SourceRef, STDIN_FILE } from '../errors.js';
import { CONFIG_FILE, readConfig } from './config.js';
import {
  documentValue,
  nodeAt,
  type ParsedFile,
  parseYamlFile,
  rangeSource,
  readYamlFileFast,
  sourceAt,
  type YamlDocument,
} from './documents.js';
import {
  FLUX_KUSTOMIZE_GROUP,
  type FluxCluster,
  type FluxScan,
  guessSourceRoot,
  normalizeUrl,
  pickCluster,
  renderFlux,
  scanFlux,
} from './flux.js';
import {
  cachingHost,
  diskHost,
  gitRemoteUrls,
  gitTopLevel,
  memoryHost,
  type ReadCache,
  type RepoHost,
} from './host.js';
import { kustomizationIn, type ManifestRef, planManifests, scanManifests, unreadable } from './kustomize.js';
import {
  type BuildContext,
  buildFolder,
  createBuildContext,
  notAnObject,
  parseQuietly,
  type Resource,
} from './kustomize-build.js';
import type {
  CIDRGroupObject,
  ClusterSettings,
  LoadResult,
  MonitoringObject,
  NamespaceObject,
  NodeObject,
  PolicyObject,
  RenderedObject,
  RenderingObject,
  Repo,
  RepoEntry,
  ServiceEndpointsObject,
  ServiceObject,
  SubstitutedVariable,
  UnseenSource,
  WorkloadObject,
} from './model.js';
import {
  isCidrGroupObject,
  isMonitoringObject,
  isNamespaceObject,
  isNetworkObject,
  isPolicyObject,
  isRenderingObject,
  isWorkloadObject,
  type ObjectIdentity,
  type ReadObjectsResult,
  readObjects,
} from './objects.js';
import { Origins } from './origins.js';
import { MIN_PARALLEL_CHARS, parseYamlFiles, type YamlSource } from './parse-pool.js';
import { isRecord } from './read-context.js';
import { RESOURCESET_GROUP } from './resourceset.js';
import { SUBSTITUTE_DISABLED_KEY, Substitution } from './substitute.js';
import { boundDiagnostic, truncateValue } from './truncate.js';
import { linkSkipClause } from './walk.js';

/** Options of {@link loadRepo}. */
export interface LoadOptions {
  /** Repository root: where the kustomization tree and `netpol.config.yaml` are. Default: the current directory. */
  readonly root?: string;
  /**
   * Explicit manifest files (rendered manifests, e.g. `kustomize build | netpol … -f -`) instead of the
   * tree: paths relative to `root` (a folder means every manifest below it), `-` for standard input.
   * `netpol.config.yaml` is still read from the root. Default: none (read the tree).
   */
  readonly files?: readonly string[];
  /** Flux post-build variables (`--var key=value`). Default: none. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Cluster settings from flags; they win over `netpol.config.yaml`. Default: none. */
  readonly settings?: Partial<ClusterSettings>;
  /** Reads standard input, for `-` in `files`. Default: none (then `-` is an error). */
  readonly readStdin?: () => Promise<string>;
  /**
   * The cluster to read when the repository holds several Flux cluster entry points (`--cluster`): its
   * name or its path. Default: `cluster.path` of `netpol.config.yaml`, else the only cluster.
   */
  readonly cluster?: string;
  /** Keep every object read, as `LoadResult.rendered` (for `netpol render`). Default: false. */
  readonly render?: boolean;
  /**
   * Where the load keeps the file texts and parses of the tree, for a later reader of the same tree in the
   * same state (`createReadCache()`; lint reads the kustomizations and unlisted files from it). Pass a fresh
   * cache to each load. Default: none (nothing is kept after the load).
   */
  readonly readCache?: ReadCache;
}

/** Options of {@link loadRepoFromText}. */
export interface LoadFromTextOptions {
  /** Value of `Repo.root`. Default: `''`. */
  readonly root?: string;
  /**
   * The folder of the file map to read as the root (POSIX, relative to the top of the map), as {@link loadRepo}
   * reads a folder of a git work tree: file names are relative to it, and kustomizations and Flux paths may
   * reach the rest of the map, whose top is the source root. Default: `''` (the top).
   */
  readonly dir?: string;
  /** Keys of the file map to load as manifests instead of the tree. Default: none (read the tree). */
  readonly files?: readonly string[];
  /** Flux post-build variables. Default: none. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Cluster settings that win over `netpol.config.yaml`. Default: none. */
  readonly settings?: Partial<ClusterSettings>;
  /** See {@link LoadOptions.cluster}. */
  readonly cluster?: string;
  /** See {@link LoadOptions.render}. */
  readonly render?: boolean;
  /**
   * Normalised URLs of the repository's git remotes (see `normalizeUrl`): a GitRepository with one of them is
   * this repository, as `loadRepo` finds from the work tree. Default: none.
   */
  readonly ownUrls?: readonly string[];
}

/** What every load takes besides the host. */
interface HostOptions {
  /** Normalised URLs of the repository's git remotes. */
  readonly ownUrls?: readonly string[];
  readonly vars?: Readonly<Record<string, string>>;
  readonly settings?: Partial<ClusterSettings>;
  readonly cluster?: string;
  readonly render?: boolean;
  readonly readCache?: ReadCache;
}

/** The name used in SourceRefs for standard input. */
export { STDIN_FILE };

/**
 * Loads a GitOps repository the way Cilium would see it once Flux applied it: follows the root
 * kustomization (or reads every manifest below the root), substitutes Flux `${var}` placeholders, and
 * types Namespaces, Cilium and Kubernetes network policies and workloads, each with its file:line.
 * Every problem is a diagnostic and the rest of the repository is still read. Manifests adding up to more
 * than 1 MiB are parsed on worker threads (`parse-pool.ts`), which are stopped before the promise settles;
 * the result is the same as {@link loadRepoFromText}'s.
 * @param options - See {@link LoadOptions}.
 * @returns The repository and its diagnostics.
 * @throws NetpolError `NETPOL_REPO_NOT_FOUND` when the root does not exist or is not a directory;
 *   `NETPOL_BAD_ARGUMENT` when `-` is given without `readStdin`; `NETPOL_INPUT_UNREADABLE` when standard
 *   input cannot be read.
 * @example
 * const { repo, diagnostics } = await loadRepo({ root: 'clusters/prod', vars: { cluster_env: 'prod' } });
 */
export async function loadRepo(options: LoadOptions = {}): Promise<LoadResult> {
  const root = path.resolve(options.root ?? process.cwd());
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(root);
  } catch {
    stat = undefined;
  }
  if (!stat?.isDirectory()) {
    throw new NetpolError(
      'NETPOL_REPO_NOT_FOUND',
      stat ? `Repository root "${root}" is not a directory.` : `Repository root "${root}" does not exist.`,
      'Pass -R DIR with the repository directory, or run netpol inside the repository.',
    );
  }
  const boundary = gitTopLevel(root);
  const host = cachingHost(diskHost(root, boundary), options.readCache?.texts);
  const sourceRoot = path.relative(root, boundary).split(path.sep).join('/');
  let explicit: ExplicitFile[] | undefined;
  if (options.files !== undefined) {
    explicit = [];
    for (const given of options.files) {
      if (given === '-') {
        if (!options.readStdin) {
          throw new NetpolError(
            'NETPOL_BAD_ARGUMENT',
            'Standard input ("-") was given but cannot be read here.',
            'Pass a file instead of "-".',
          );
        }
        let text: string;
        try {
          text = await options.readStdin();
        } catch (e) {
          throw new NetpolError(
            'NETPOL_INPUT_UNREADABLE',
            `Standard input cannot be read: ${e instanceof Error ? e.message : String(e)}.`,
            'Pipe the manifests into netpol, e.g. `kustomize build . | netpol lint -f -`.',
          );
        }
        explicit.push({ name: STDIN_FILE, text });
      } else explicit.push(...explicitFromDisk(root, given));
    }
  }
  const stdinOnly =
    options.files !== undefined && options.files.length > 0 && options.files.every((f) => f === '-');
  return loadFromHostParallel(
    host,
    stdinOnly ? '' : root,
    { ...options, ownUrls: gitRemoteUrls(boundary).map(normalizeUrl) },
    explicit,
    sourceRoot,
  );
}

/** An explicit manifest: its name for SourceRefs and its text, or the error that prevented reading it. */
interface ExplicitFile {
  readonly name: string;
  readonly text?: string;
  readonly error?: unknown;
}

function explicitFromDisk(root: string, given: string): ExplicitFile[] {
  const abs = path.resolve(root, given);
  let isDir = false;
  try {
    isDir = fs.statSync(abs).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) {
    const dirHost = diskHost(abs, root);
    return scanManifests(dirHost, '').map((rel) => {
      const name = path.posix.join(given.split(path.sep).join('/'), rel);
      try {
        return { name, text: dirHost.readFile(rel) };
      } catch (error) {
        return { name, error };
      }
    });
  }
  if (!fs.existsSync(abs)) {
    // A file named on the command line that does not exist is fatal: analysing the rest would answer
    // for a repository the user did not mean.
    throw new NetpolError('NETPOL_INPUT_UNREADABLE', `File "${given}" does not exist.`, 'Check the -f path.');
  }
  try {
    return [{ name: given, text: fs.readFileSync(abs, 'utf8') }];
  } catch (error) {
    return [{ name: given, error }];
  }
}

/**
 * Loads a repository from in-memory files (`path → text`), synchronously: the same as {@link loadRepo}
 * on a directory holding those files. A `kustomization.yaml` and a `netpol.config.yaml` at the root (the top,
 * or {@link LoadFromTextOptions.dir}) are followed and read, as on disk. Used by `netpol diff` for a git
 * revision, by tests and benchmarks.
 * @param files - File texts by POSIX path relative to the top of the map (the root without `dir`).
 * @param options - See {@link LoadFromTextOptions}.
 * @returns The repository and its diagnostics. Never throws for bad input.
 */
export function loadRepoFromText(
  files: Readonly<Record<string, string>>,
  options: LoadFromTextOptions = {},
): LoadResult {
  const dir = options.dir ?? '';
  const host = cachingHost(memoryHost(files, dir));
  const explicit = options.files?.map((name): ExplicitFile => {
    try {
      return { name, text: host.readFile(name) };
    } catch (error) {
      return { name, error };
    }
  });
  // The top of the map seen from the root, as `loadRepo` sees the work tree from `-R` (`../..`).
  const sourceRoot = dir === '' ? '' : path.posix.relative(`/${dir}`, '/');
  return loadFromHost(host, options.root ?? '', options, explicit, sourceRoot);
}

interface Collected {
  readonly files: string[];
  readonly namespaces: NamespaceObject[];
  readonly policies: PolicyObject[];
  readonly workloads: WorkloadObject[];
  readonly cidrGroups: CIDRGroupObject[];
  readonly services: ServiceObject[];
  readonly serviceEndpoints: ServiceEndpointsObject[];
  readonly nodes: NodeObject[];
  readonly monitoring: MonitoringObject[];
  readonly rendering: RenderingObject[];
  readonly skippedKinds: Record<string, number>;
  readonly diagnostics: Diagnostic[];
  readonly seen: Map<
    string,
    { readonly source: SourceRef; readonly resource?: unknown; readonly via?: string }
  >;
  /** Every object read, when the load renders (see {@link LoadOptions.render}). */
  readonly rendered: RenderedObject[] | undefined;
}

/** One manifest to load, in load order: its text or why it could not be read. */
interface Step {
  readonly name: string;
  readonly ref: ManifestRef | undefined;
  readonly text?: string;
  readonly error?: unknown;
  /** False when the same file was met earlier: it is loaded again from the earlier parse. */
  readonly first: boolean;
}

/** Everything read before the manifests are parsed: the settings, the manifests in order. */
interface Prepared {
  readonly root: string;
  readonly config: ReturnType<typeof readConfig>;
  readonly steps: readonly Step[];
  readonly out: Collected;
  readonly substitution: Substitution;
  readonly mode: RepoEntry['mode'];
}

function prepare(
  host: RepoHost,
  root: string,
  options: HostOptions,
  explicit: readonly ExplicitFile[] | undefined,
): Prepared {
  const { config, diagnostics } = readHostConfig(host, options);
  const out = collected(diagnostics, options);
  const steps: Step[] = [];
  const met = new Set<string>();
  if (explicit) {
    for (const f of explicit) {
      if (f.text === undefined) {
        // Not remembered: an unreadable explicit file is reported each time it is given.
        steps.push({
          name: f.name,
          ref: undefined,
          error: f.error ?? new Error('unknown error'),
          first: true,
        });
        continue;
      }
      steps.push({ name: f.name, ref: undefined, text: f.text, first: !met.has(f.name) });
      met.add(f.name);
    }
  } else {
    const plan = planManifests(host);
    diagnostics.push(...plan.diagnostics);
    diagnostics.push(...linkDiagnostics(host, root), ...unreadableDirDiagnostics(host));
    for (const ref of plan.manifests) {
      if (met.has(ref.file)) {
        steps.push({ name: ref.file, ref, first: false });
        continue;
      }
      met.add(ref.file);
      try {
        steps.push({ name: ref.file, ref, text: host.readFile(ref.file), first: true });
      } catch (error) {
        steps.push({ name: ref.file, ref, error, first: true });
      }
    }
  }
  return {
    root,
    config,
    steps,
    out,
    substitution: new Substitution(options.vars ?? {}),
    mode: explicit ? 'files' : kustomizationIn(host, '') ? 'kustomize' : 'plain',
  };
}

/** The texts of every manifest below the root (unreadable ones left out: the builds report them). */
function manifestTexts(host: RepoHost): YamlSource[] {
  const out: YamlSource[] = [];
  for (const file of scanManifests(host, '')) {
    try {
      out.push({ file, text: host.readFile(file) });
    } catch {
      // Reported as FILE_UNREADABLE when a build reads it.
    }
  }
  return out;
}

/** Reads `netpol.config.yaml` at the root (through the host). */
function readHostConfig(
  host: RepoHost,
  options: HostOptions,
): { config: ReturnType<typeof readConfig>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let configText: string | undefined;
  if (host.kind(CONFIG_FILE) === 'file') {
    try {
      configText = host.readFile(CONFIG_FILE);
    } catch (e) {
      diagnostics.push(unreadable(CONFIG_FILE, e));
    }
  }
  const config = readConfig(
    configText !== undefined ? CONFIG_FILE : undefined,
    configText,
    options.settings ?? {},
  );
  diagnostics.push(...config.diagnostics);
  return { config, diagnostics };
}

function collected(diagnostics: Diagnostic[], options: HostOptions): Collected {
  return {
    files: [],
    namespaces: [],
    policies: [],
    workloads: [],
    cidrGroups: [],
    services: [],
    serviceEndpoints: [],
    nodes: [],
    monitoring: [],
    rendering: [],
    skippedKinds: {},
    diagnostics,
    seen: new Map(),
    rendered: options.render ? [] : undefined,
  };
}

/** The cluster to read with Flux, or null to read the tree as plain kustomize/manifests. */
interface FluxEntry {
  readonly scan: FluxScan;
  readonly cluster: FluxCluster | null;
  readonly sourceRoot: string;
  /** The build context, holding the files the scan parsed. */
  readonly ctx: BuildContext;
}

/**
 * Whether the tree below the root is read the Flux way: when it holds Flux or Argo CD objects, or a cluster
 * is asked for. Throws when several clusters are found and none is picked.
 */
function fluxEntry(
  host: RepoHost,
  options: HostOptions,
  sourceRoot: string,
  ctx: BuildContext,
): FluxEntry | null {
  let wanted = options.cluster;
  if (wanted === undefined && host.kind(CONFIG_FILE) === 'file') {
    const { config } = readHostConfig(host, options);
    const cluster = config.config.cluster;
    if (isRecord(cluster) && typeof cluster.path === 'string') wanted = cluster.path;
  }
  const scan = scanFlux(host, '', sourceRoot, (file, text) => parseQuietly(ctx, file, text), options.ownUrls);
  if (!scan.found && wanted === undefined) return null;
  return { scan, cluster: pickCluster(scan, wanted), sourceRoot, ctx };
}

/** Loads the objects Flux applies from the entry (see `flux.ts`). */
function loadFlux(host: RepoHost, root: string, options: HostOptions, flux: FluxEntry): LoadResult {
  const { ctx } = flux;
  const entry = flux.cluster?.path ?? '';
  const entryFile = kustomizationIn(host, entry) ?? (entry === '' ? '.' : entry);
  const placeholder = parseYamlFile(entryFile, '{}').documents[0];
  invariant(placeholder, 'a one-document text parses to one document');
  const render = renderFlux(ctx, {
    entry,
    sourceRoot: flux.cluster?.sourceRoot ?? flux.sourceRoot,
    vars: options.vars ?? {},
    at: { value: null, doc: placeholder, path: [] },
    gitRepositories: flux.scan.gitRepositories,
    ...(flux.cluster ? { ownSources: flux.cluster.ownSources } : {}),
    ...(flux.cluster?.extraPaths ? { extraEntries: flux.cluster.extraPaths } : {}),
    ownUrls: options.ownUrls ?? [],
  });
  return loadBuilt(host, root, options, ctx, render.resources, render.unseen, {
    mode: flux.scan.argoOnly ? 'argo' : 'flux',
    path: entry,
    ...(flux.cluster ? { cluster: flux.cluster.name } : {}),
  });
}

/**
 * Loads a tree with a root kustomization the way `kustomize build` renders it. When the build yields Flux
 * objects (a cluster folder that is a plain kustomization of `../base` Kustomizations, patched per cluster),
 * the folder is a Flux entry: it is loaded the Flux way, each Kustomization followed from the source root
 * its paths lead from (see {@link guessSourceRoot}).
 */
function loadKustomize(
  host: RepoHost,
  root: string,
  options: HostOptions,
  ctx: BuildContext,
  sourceRoot: string,
  cluster?: FluxCluster,
): LoadResult {
  const substitution = new Substitution(options.vars ?? {}, {
    onExpanded: (doc, start, names) => {
      const at = rangeSource(doc.file, doc.lines, start, start);
      ctx.substituted.set(
        `${at.file}:${at.line}:${at.column}`,
        names.map((name) => ({ name, setIn: '--var' })),
      );
    },
  });
  const entry = cluster?.path ?? '';
  const resources = buildFolder(ctx, entry, {
    generate: false,
    transform: (doc) =>
      substitutionDisabled(doc) ? undefined : substitution.transformFor(doc, ctx.diagnostics),
  });
  const failed = ctx.lastBuildFailed;
  const flux = fluxOfBuild(host, sourceRoot, ctx, resources, entry);
  // The Flux render builds the folder again: the first build's diagnostics repeat and are dropped then.
  if (flux)
    return loadFlux(
      host,
      root,
      options,
      cluster ? { ...flux, cluster: { ...cluster, sourceRoot: flux.sourceRoot } } : flux,
    );
  // kustomize fails the whole build: none of its objects are read.
  return loadBuilt(host, root, options, ctx, failed ? [] : resources, [], { mode: 'kustomize', path: entry });
}

/**
 * The Flux entry of a built kustomization: null when the build yields no Flux Kustomization or ResourceSet,
 * else the `-R` folder as the entry, with the source root its Kustomizations' paths lead from (an info names
 * it when it is not the git work tree, as for an OCI artifact built from a subfolder).
 */
function fluxOfBuild(
  host: RepoHost,
  sourceRoot: string,
  ctx: BuildContext,
  resources: readonly Resource[],
  entry: string,
): FluxEntry | null {
  const kustomizations: Resource[] = [];
  const gitRepositories = new Map<string, string>();
  let found = false;
  for (const r of resources) {
    if (notAnObject(r) !== undefined) continue;
    const v = r.value;
    const apiVersion = typeof v.apiVersion === 'string' ? v.apiVersion : '';
    if (v.kind === 'Kustomization' && apiVersion.startsWith(`${FLUX_KUSTOMIZE_GROUP}/`)) {
      found = true;
      kustomizations.push(r);
    } else if (v.kind === 'ResourceSet' && apiVersion.startsWith(`${RESOURCESET_GROUP}/`)) found = true;
    else if (v.kind === 'GitRepository' && isRecord(v.metadata) && isRecord(v.spec)) {
      const { name } = v.metadata;
      const { url } = v.spec;
      if (typeof name === 'string' && typeof url === 'string') gitRepositories.set(name, normalizeUrl(url));
    }
  }
  if (!found) return null;
  const paths = kustomizations.map((r) => {
    const spec = isRecord(r.value.spec) ? r.value.spec : {};
    return typeof spec.path === 'string' ? spec.path : '';
  });
  const guess = guessSourceRoot(host, sourceRoot, paths, entry);
  if (guess.root !== sourceRoot) {
    const first = kustomizations[0] as Resource;
    ctx.diagnostics.push({
      code: 'FLUX_SOURCE_ROOT',
      severity: 'info',
      message: `The Flux Kustomizations this kustomization renders have paths that lead from "${guess.root}" (${guess.resolved} of ${guess.total}), not from the repository root; they are read from there, as from a source built of that folder (an OCI artifact).`,
      source: sourceAt(first.doc, [...first.path, 'spec', 'path']),
      hint: 'If the source root is another folder, pass -R with the folder the cluster reconciles and check the paths.',
    });
  }
  // The GitRepositories of the whole source tell this repository's sources from others (a tenant's own
  // repository applied with `path: ./` must not render this source root).
  const sourceScan = scanFlux(host, guess.root, guess.root, (file, text) => parseQuietly(ctx, file, text));
  for (const [name, url] of sourceScan.gitRepositories)
    if (!gitRepositories.has(name)) gitRepositories.set(name, url);
  const scan: FluxScan = { found: true, argoOnly: false, clusters: [], gitRepositories };
  return { scan, cluster: null, sourceRoot: guess.root, ctx };
}

/** Types the rendered resources of a build into the repository model. */
function loadBuilt(
  host: RepoHost,
  root: string,
  options: HostOptions,
  ctx: BuildContext,
  resources: readonly Resource[],
  unseen: readonly UnseenSource[],
  entry: RepoEntry,
): LoadResult {
  const { config, diagnostics } = readHostConfig(host, options);
  const out = collected(diagnostics, options);
  out.diagnostics.push(...ctx.diagnostics);
  out.diagnostics.push(...linkDiagnostics(host, root), ...unreadableDirDiagnostics(host));
  for (const resource of resources) loadResource(resource, ctx.origins, out);
  if (unseen.length > 0) {
    const first = unseen[0] as UnseenSource;
    out.diagnostics.push({
      code: 'RUNTIME_RENDERED',
      severity: 'info',
      message: `${unseen.length} source(s) are rendered at runtime or come from elsewhere (first: ${first.kind}/${first.namespace}/${first.name}, ${first.reason}); their objects are not analysed.`,
      source: first.source,
      hint: 'List them with -v, or in JSON output under "unseen"; traces into their namespaces carry a caveat.',
    });
  }
  out.files.push(...ctx.applied);
  return resultOf(root, out, config, unseen, entry, ctx.substituted);
}

/** The load result of the collected objects. */
function resultOf(
  root: string,
  out: Collected,
  config: ReturnType<typeof readConfig>,
  unseen: readonly UnseenSource[],
  entry: RepoEntry,
  substitutions?: ReadonlyMap<string, readonly SubstitutedVariable[]>,
): LoadResult {
  const repo: Repo = {
    root,
    files: out.files,
    namespaces: out.namespaces,
    policies: out.policies,
    workloads: out.workloads,
    cidrGroups: out.cidrGroups,
    services: out.services,
    serviceEndpoints: out.serviceEndpoints,
    nodes: out.nodes,
    monitoring: out.monitoring,
    rendering: out.rendering,
    skippedKinds: out.skippedKinds,
    appliedFiles: [...out.files],
    unseen,
    entry,
    settings: config.settings,
    config: config.config,
    configSources: config.sources,
    ...(substitutions && substitutions.size > 0 ? { substitutions } : {}),
  };
  return {
    repo,
    diagnostics: dedupe(out.diagnostics).map(boundDiagnostic),
    ...(out.rendered ? { rendered: out.rendered } : {}),
  };
}

/** Types one rendered resource into the model (duplicates reported as in {@link loadFile}). */
function loadResource(resource: Resource, origins: Origins, out: Collected): void {
  const raw = notAnObject(resource);
  const value = raw !== undefined ? raw : resource.value;
  const result = readObjects(
    resource.doc,
    value,
    out.diagnostics,
    raw !== undefined ? {} : { locate: (p, key) => origins.locate(resource.value, p, key) },
  );
  if (raw === undefined) {
    out.rendered?.push({
      value: resource.value,
      source: origins.locate(resource.value, []) ?? sourceAt(resource.doc, resource.path),
    });
  }
  collect(result, out, { resource: resource.value, ...(resource.via ? { via: resource.via } : {}) });
  if (result.agentFormat) out.diagnostics.push(agentFormatInfo(resource.doc));
}

/** At most this many `LINK_NOT_FOLLOWED` warnings, then one summary. */
const MAX_LINK_DIAGNOSTICS = 20;

/**
 * One `FILE_UNREADABLE` error at 1:1 of each folder that exists but could not be listed (no read or search
 * permission): its files are missing from the load, and it is neither "missing" nor "without kustomization".
 */
function unreadableDirDiagnostics(host: RepoHost): Diagnostic[] {
  return (host.unreadableDirs?.() ?? []).map(({ dir, reason }) => ({
    code: 'FILE_UNREADABLE',
    severity: 'error',
    message: `Folder "${truncateValue(dir)}" cannot be read: ${reason}; its files are not loaded.`,
    source: { file: dir, line: 1, column: 1 },
    hint: 'Check its permissions: netpol needs to list the folder and read its files (chmod a+rX).',
  }));
}

/** One `LINK_NOT_FOLLOWED` warning at 1:1 of each link the walk skipped, bounded. */
function linkDiagnostics(host: RepoHost, root: string): Diagnostic[] {
  const skipped = host.skippedLinks?.() ?? [];
  const rel = (p: string) => (root === '' ? p : path.relative(root, p).split(path.sep).join('/'));
  const out: Diagnostic[] = skipped.slice(0, MAX_LINK_DIAGNOSTICS).map((s) => ({
    code: 'LINK_NOT_FOLLOWED',
    severity: 'warning',
    message: s.file
      ? `File link "${truncateValue(rel(s.link))}" is not read: ${linkSkipClause(s)}.`
      : `Directory link "${truncateValue(rel(s.link))}" is not followed: ${linkSkipClause(s)}.`,
    hint: !s.file
      ? 'Copy the files into the repository or list them in a kustomization; links to files are followed.'
      : s.reason === 'outside'
        ? 'Copy the file into the repository.'
        : 'Fix or remove the link.',
    source: { file: rel(s.link), line: 1, column: 1 },
  }));
  if (skipped.length > MAX_LINK_DIAGNOSTICS) {
    out.push({
      code: 'LINK_NOT_FOLLOWED',
      severity: 'warning',
      message: `${skipped.length - MAX_LINK_DIAGNOSTICS} more links are not followed.`,
    });
  }
  return out;
}

/** The files to parse: each readable manifest once, in load order. */
function sourcesOf(prepared: Prepared): YamlSource[] {
  const sources: YamlSource[] = [];
  for (const step of prepared.steps) {
    if (step.first && step.text !== undefined) sources.push({ file: step.name, text: step.text });
  }
  return sources;
}

/**
 * Loads one manifest into the model.
 * @param parsed - The file's parse when this is its first step and it was readable.
 * @param parsedFiles - Earlier parses by file name (`null`: the file could not be read).
 */
function loadStep(
  prepared: Prepared,
  step: Step,
  parsed: ParsedFile | undefined,
  parsedFiles: Map<string, ParsedFile | null>,
): void {
  const { out, substitution } = prepared;
  if (!step.first) {
    const earlier = parsedFiles.get(step.name);
    if (earlier) loadFile(earlier, step.ref, substitution, out);
    return;
  }
  if (!parsed) {
    out.diagnostics.push(unreadable(step.name, step.error ?? new Error('unknown error')));
    if (!parsedFiles.has(step.name)) parsedFiles.set(step.name, null);
    return;
  }
  out.diagnostics.push(...parsed.diagnostics);
  out.files.push(step.name);
  parsedFiles.set(step.name, parsed);
  loadFile(parsed, step.ref, substitution, out);
}

function loadFromHost(
  host: RepoHost,
  root: string,
  options: HostOptions,
  explicit: readonly ExplicitFile[] | undefined,
  sourceRoot: string,
): LoadResult {
  if (!explicit) {
    const ctx = createBuildContext(host, new Origins(), (f) => host.contains(f), options.readCache?.parsed);
    const flux = fluxEntry(host, options, sourceRoot, ctx);
    if (flux?.cluster?.built) return loadKustomize(host, root, options, ctx, sourceRoot, flux.cluster);
    if (flux) return loadFlux(host, root, options, flux);
    if (kustomizationIn(host, '')) return loadKustomize(host, root, options, ctx, sourceRoot);
  }
  const prepared = prepare(host, root, options, explicit);
  const parsedFiles = new Map<string, ParsedFile | null>();
  for (const step of prepared.steps) {
    const parsed = step.first && step.text !== undefined ? parseYamlFile(step.name, step.text) : undefined;
    loadStep(prepared, step, parsed, parsedFiles);
  }
  if (!explicit) keepParses(options, parsedFiles);
  return finish(prepared);
}

/** {@link loadFromHost}, parsing the manifests on worker threads when they are many (see `parse-pool.ts`). */
async function loadFromHostParallel(
  host: RepoHost,
  root: string,
  options: HostOptions,
  explicit: readonly ExplicitFile[] | undefined,
  sourceRoot: string,
): Promise<LoadResult> {
  if (!explicit) {
    const ctx = createBuildContext(host, new Origins(), (f) => host.contains(f), options.readCache?.parsed);
    const texts = manifestTexts(host);
    if (texts.length > 0 && texts.reduce((n, t) => n + t.text.length, 0) >= MIN_PARALLEL_CHARS) {
      // Parse every manifest below the root first, with the js-yaml reader on this thread and the rest on
      // worker threads; the builds then find them parsed.
      const parses = parseYamlFiles(readQuickly(texts, (parsed) => ctx.parsed.set(parsed.file, parsed)));
      try {
        for (;;) {
          const next = await parses.next();
          if (next.done) break;
          ctx.parsed.set(next.value.file, next.value);
        }
      } finally {
        await parses.return();
      }
    }
    const flux = fluxEntry(host, options, sourceRoot, ctx);
    if (flux?.cluster?.built) return loadKustomize(host, root, options, ctx, sourceRoot, flux.cluster);
    if (flux) return loadFlux(host, root, options, flux);
    if (kustomizationIn(host, '')) return loadKustomize(host, root, options, ctx, sourceRoot);
  }
  const prepared = prepare(host, root, options, explicit);
  const parsedFiles = new Map<string, ParsedFile | null>();
  const quick = new Map<string, ParsedFile>();
  let sources = sourcesOf(prepared);
  if (sources.reduce((n, t) => n + t.text.length, 0) >= MIN_PARALLEL_CHARS) {
    sources = readQuickly(sources, (parsed) => quick.set(parsed.file, parsed));
  }
  const parses = parseYamlFiles(sources);
  try {
    for (const step of prepared.steps) {
      let parsed: ParsedFile | undefined;
      if (step.first && step.text !== undefined) {
        parsed = quick.get(step.name);
        if (!parsed) {
          const next = await parses.next();
          parsed = next.done ? undefined : next.value;
        }
      }
      loadStep(prepared, step, parsed, parsedFiles);
    }
  } finally {
    await parses.return();
  }
  if (!explicit) keepParses(options, parsedFiles);
  return finish(prepared);
}

/** Keeps the parses of a tree read without kustomization in the caller's {@link ReadCache}. */
function keepParses(options: HostOptions, parsedFiles: ReadonlyMap<string, ParsedFile | null>): void {
  const kept = options.readCache?.parsed;
  if (kept) for (const [file, parsed] of parsedFiles) kept.set(file, parsed);
}

/**
 * Reads with the js-yaml reader, on this thread, every file it can read (`readYamlFileFast`): it is about as
 * fast as unpacking a worker's trees, so only the files it leaves to the `yaml` path are worth a worker.
 * @param sources - The files.
 * @param done - Receives each file read.
 * @returns The files left to the `yaml` path, in order.
 */
function readQuickly(sources: readonly YamlSource[], done: (parsed: ParsedFile) => void): YamlSource[] {
  const rest: YamlSource[] = [];
  for (const source of sources) {
    const parsed = readYamlFileFast(source.file, source.text);
    if (parsed) done(parsed);
    else rest.push(source);
  }
  return rest;
}

function finish(prepared: Prepared): LoadResult {
  return resultOf(prepared.root, prepared.out, prepared.config, [], { mode: prepared.mode, path: '' });
}

function loadFile(
  parsed: ParsedFile,
  ref: ManifestRef | undefined,
  substitution: Substitution,
  out: Collected,
): void {
  let agentFormat: YamlDocument | undefined;
  for (const doc of parsed.documents) {
    if (!doc.valid || doc.root === null) continue;
    const transform = substitutionDisabled(doc) ? undefined : substitution.transformFor(doc, out.diagnostics);
    const value = documentValue(doc, transform);
    const result = readObjects(
      doc,
      value,
      out.diagnostics,
      ref?.namespace !== undefined ? { namespace: ref.namespace } : {},
    );
    if (result.agentFormat && !agentFormat) agentFormat = doc;
    if (out.rendered && isRecord(value)) {
      if (value.kind === 'List' && Array.isArray(value.items)) {
        value.items.forEach((item, i) => {
          out.rendered?.push({ value: item, source: sourceAt(doc, ['items', i]) });
        });
      } else out.rendered?.push({ value, source: sourceAt(doc, []) });
    }
    collect(result, out);
  }
  if (agentFormat) out.diagnostics.push(agentFormatInfo(agentFormat));
}

/**
 * How a rendered object was reached: the rendered resource (complete and not changed afterwards; compared by
 * content only when one document is rendered twice, see {@link sameContent}) and the path that rendered it.
 */
interface Rendering {
  readonly resource?: unknown;
  readonly via?: string;
}

/** True when two renderings have the same content (key order aside), or neither is a rendered resource. */
function sameContent(a: Rendering, b: Rendering): boolean {
  if (a.resource === undefined || b.resource === undefined) return a.resource === b.resource;
  return a.resource === b.resource || stableJson(a.resource) === stableJson(b.resource);
}

/** JSON with object keys sorted, so two renderings of one document compare by content. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function collect(result: ReadObjectsResult, out: Collected, rendering: Rendering = {}): void {
  for (const kind of result.skippedKinds) out.skippedKinds[kind] = (out.skippedKinds[kind] ?? 0) + 1;
  const duplicates = new Set<ObjectIdentity>();
  for (const id of result.identities) if (isDuplicate(id, out, rendering)) duplicates.add(id);
  for (const object of result.objects) {
    const dup = [...duplicates].some((d) => d.source === object.source);
    if (dup) continue;
    if (isNamespaceObject(object)) out.namespaces.push(object);
    else if (isPolicyObject(object)) out.policies.push(object);
    else if (isWorkloadObject(object)) out.workloads.push(object);
    else if (isCidrGroupObject(object)) out.cidrGroups.push(object);
    else if (isMonitoringObject(object)) out.monitoring.push(object);
    else if (isRenderingObject(object)) out.rendering.push(object);
    else if (isNetworkObject(object)) {
      if (object.kind === 'Service') out.services.push(object);
      else if (object.kind === 'Node') out.nodes.push(object);
      else out.serviceEndpoints.push(object);
    }
  }
}

function agentFormatInfo(doc: YamlDocument): Diagnostic {
  return {
    code: 'NOT_MODELLED',
    severity: 'info',
    message:
      'This file is a list of Cilium rules in the agent API format (`cilium policy import`); the rules are validated but not evaluated.',
    source: sourceAt(doc, []),
    hint: 'Wrap the rules in a CiliumNetworkPolicy (one per rule, or `specs:`) to have them evaluated.',
  };
}

function isDuplicate(id: ObjectIdentity, out: Collected, rendering: Rendering): boolean {
  const key = `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
  const seen = out.seen.get(key);
  if (!seen) {
    out.seen.set(key, { source: id.source, ...rendering });
    return false;
  }
  const first = seen.source;
  const ref = `${id.kind}/${id.namespace === '' ? '' : `${id.namespace}/`}${id.name}`;
  if (first.file === id.source.file && first.line === id.source.line && first.column === id.source.column) {
    // The same document rendered again through another path (an entry kustomization listing a folder that an
    // Application or Kustomization in it also applies) with the same content: one object, applied twice (as
    // Flux or kubectl apply would), not a second definition.
    // Rendered through two Flux Kustomizations with a name their unreadable variables would tell apart.
    if (unresolvedName(id) && seen.via !== rendering.via) return false;
    if (sameContent(seen, rendering)) return true;
    out.diagnostics.push({
      code: 'DUPLICATE_OBJECT',
      severity: 'warning',
      message: `${ref} is rendered twice from this document with different content, through ${seen.via ?? 'one path'} and through ${rendering.via ?? 'another'}; the second rendering is ignored.`,
      source: id.source,
      hint: 'Render it through one of them only, or make both render it alike (same patches, namespace and variables).',
      related: [first],
    });
    return true;
  }
  if (unresolvedName(id)) return false;
  out.diagnostics.push({
    code: 'DUPLICATE_OBJECT',
    severity: 'warning',
    message: `${ref} is defined more than once; this definition is ignored.`,
    source: id.source,
    hint: `The first definition is at ${first.file}:${first.line}:${first.column}; keep one of them.`,
    related: [first],
  });
  return true;
}

/**
 * Whether an object's name or namespace still holds a `${VAR}` reference that no variable resolved (a
 * component whose names Flux substitutes per application from a Secret netpol cannot read): two such
 * objects with the same unresolved text are different objects in the cluster as far as git tells, so they
 * are both kept, not reported as duplicates (docs/real-repos.md: four false DUPLICATE_OBJECT warnings).
 */
function unresolvedName(id: ObjectIdentity): boolean {
  return /\$\{[^}]*\}/.test(id.name) || /\$\{[^}]*\}/.test(id.namespace);
}

/** Flux skips substitution for an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
function substitutionDisabled(doc: YamlDocument): boolean {
  for (const field of ['annotations', 'labels']) {
    const node = nodeAt(doc, ['metadata', field, SUBSTITUTE_DISABLED_KEY]);
    if (node?.kind === 'scalar' && node.value === 'disabled') return true;
  }
  return false;
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.code}\u0000${d.source?.file}\u0000${d.source?.line}\u0000${d.source?.column}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}
