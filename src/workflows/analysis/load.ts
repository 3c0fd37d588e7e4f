import {
  type Catalog,
  type CatalogConfig,
  deriveCatalog,
  unusedCatalogDomain,
} from '../../catalog/derive-catalog.js';
import { createEngine, type PolicyEngine } from '../../engine/verdict.js';
import { type Diagnostic, NetpolError } from '../../errors.js';
import type { ReadCache } from '../../repo/host.js';
import { type LoadOptions, loadRepo, STDIN_FILE } from '../../repo/load-repo.js';
import type { ClusterSettings, Repo } from '../../repo/model.js';
import { truncateValue } from '../../repo/truncate.js';

/** What every repository-reading command takes. */
export interface RepoOptions {
  /** Repository root. Default: the current directory. */
  readonly root?: string;
  /** Rendered manifest files instead of the tree (`-f`); `-` is stdin. Default: none. */
  readonly files?: readonly string[];
  /** Flux post-build variables (`--var key=value`). Default: none. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Overrides of `netpol.config.yaml` `cluster:` settings. Default: none. */
  readonly settings?: Partial<ClusterSettings>;
  /** Reads standard input (for `-f -`). Default: none (then `-` is an error). */
  readonly readStdin?: () => Promise<string>;
  /**
   * Whether finding no Kubernetes object at all is fatal (`NETPOL_NO_MANIFESTS`): an empty or mistyped
   * `-R`, or an empty standard input, must not pass as "no problems". Default: `true`.
   */
  readonly requireManifests?: boolean;
  /** The Flux cluster to read when the repository holds several (`--cluster`). Default: the only one. */
  readonly cluster?: string;
  /**
   * Keeps the load's file texts and parses (`createReadCache()`) for a later reader of the same tree, such as
   * `lintRepo`, which then reads no file twice; carried as {@link LoadedRepo.readCache}. Default: none.
   */
  readonly readCache?: ReadCache;
}

/** A loaded repository with its engine and catalogue. */
export interface LoadedRepo {
  readonly repo: Repo;
  readonly diagnostics: readonly Diagnostic[];
  readonly engine: PolicyEngine;
  readonly catalog: Catalog;
  /** The load's file texts and parses, when {@link RepoOptions.readCache} was given. */
  readonly readCache?: ReadCache;
}

/** Reads the `catalog:` section of `netpol.config.yaml` (unknown shapes are ignored: the loader reports them). */
export function catalogConfigOf(repo: Repo): CatalogConfig {
  const section = repo.config.catalog;
  if (!section || typeof section !== 'object') return {};
  const c = section as Record<string, unknown>;
  const out: { domain?: string; platformNamespaces?: string[] } = {};
  if (typeof c.domain === 'string') out.domain = c.domain;
  if (Array.isArray(c.platformNamespaces) && c.platformNamespaces.every((x) => typeof x === 'string')) {
    out.platformNamespaces = c.platformNamespaces as string[];
  }
  return out;
}

/**
 * The loader's options for a command's repository options.
 * @param options - The command's options.
 * @returns Options of `loadRepo`.
 */
export function loadOptionsOf(options: RepoOptions): LoadOptions {
  return {
    ...(options.root !== undefined ? { root: options.root } : {}),
    ...(options.files !== undefined && options.files.length > 0 ? { files: [...options.files] } : {}),
    ...(options.vars !== undefined ? { vars: { ...options.vars } } : {}),
    ...(options.settings !== undefined ? { settings: options.settings } : {}),
    ...(options.readStdin !== undefined ? { readStdin: options.readStdin } : {}),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    ...(options.readCache !== undefined ? { readCache: options.readCache } : {}),
  };
}

/**
 * Loads a repository and builds its engine and catalogue: the first step of every command.
 * @throws NetpolError NETPOL_REPO_NOT_FOUND when the root does not exist; NETPOL_CLUSTER_AMBIGUOUS when
 *   the repository holds several Flux clusters and none is picked; NETPOL_NO_MANIFESTS when no Kubernetes
 *   object was found (unless `requireManifests` is false), carrying the loader's diagnostics.
 */
export async function loadForAnalysis(options: RepoOptions): Promise<LoadedRepo> {
  const { repo, diagnostics } = await loadRepo(loadOptionsOf(options));
  if (options.requireManifests !== false) assertManifests(options, repo, diagnostics);
  const engine = createEngine(repo);
  const unused = unusedDomain(repo);
  // Derived when first read: trace and lint never read it.
  let catalog: Catalog | undefined;
  return {
    repo,
    diagnostics: unused ? [...diagnostics, unused] : diagnostics,
    engine,
    get catalog(): Catalog {
      catalog ??= deriveCatalog(repo, catalogConfigOf(repo));
      return catalog;
    },
    ...(options.readCache !== undefined ? { readCache: options.readCache } : {}),
  };
}

/**
 * A `CONFIG_UNUSED_DOMAIN` warning when `catalog.domain` is set but no policy selects a label of that domain
 * (no profile, access grant or escape hatch): a typo there makes every profile silently disappear.
 */
function unusedDomain(repo: Repo): Diagnostic | undefined {
  const source = repo.configSources?.['catalog.domain'];
  if (!source) return undefined;
  const domain = unusedCatalogDomain(repo, catalogConfigOf(repo));
  if (domain === null) return undefined;
  const shown = truncateValue(domain);
  return {
    code: 'CONFIG_UNUSED_DOMAIN',
    severity: 'warning',
    message: `catalog.domain "${shown}" matches no policy: none selects the namespace label ${shown}/profile, access.${shown}/<grant> or ${shown}/enforcement, so there are no profiles or access grants.`,
    source,
    path: ['catalog', 'domain'],
    hint: 'Correct the spelling to the label domain your profile policies select, or remove catalog.domain so it is derived from them.',
  };
}

/**
 * Refuses a repository in which no Kubernetes object was found: an empty or mistyped `-R`, or an empty
 * standard input, must not pass as "no problems".
 * @param options - The command's repository options (they name the place in the message).
 * @param repo - The loaded repository.
 * @param diagnostics - The loader's diagnostics, carried by the error.
 * @throws NetpolError NETPOL_NO_MANIFESTS when the repository holds no object at all.
 */
export function assertManifests(options: RepoOptions, repo: Repo, diagnostics: readonly Diagnostic[]): void {
  if (objectCount(repo) === 0) throw noManifests(options, diagnostics);
}

/** Kubernetes objects read: namespaces, policies, workloads and objects of kinds netpol skips. */
function objectCount(repo: Repo): number {
  const skipped = Object.values(repo.skippedKinds).reduce((a, b) => a + b, 0);
  return repo.namespaces.length + repo.policies.length + repo.workloads.length + skipped;
}

function noManifests(options: RepoOptions, diagnostics: readonly Diagnostic[]): NetpolError {
  const shown = diagnostics.filter((d) => d.severity !== 'info');
  if (options.files !== undefined && options.files.length > 0) {
    const stdin = options.files.includes('-');
    return new NetpolError(
      'NETPOL_NO_MANIFESTS',
      `No Kubernetes object was found in the files given with -f${stdin ? ` (${STDIN_FILE} included)` : ''}.`,
      stdin
        ? 'An empty standard input usually means the command before the pipe failed; run it alone to see its error.'
        : 'Check the -f paths: each must hold Kubernetes manifests (apiVersion, kind, metadata).',
      shown,
    );
  }
  if (shown.some((d) => d.severity === 'error')) {
    // Manifests may well be there: a failing kustomize build, say, loads none of its objects.
    return new NetpolError(
      'NETPOL_NO_MANIFESTS',
      `No Kubernetes object was loaded from "${truncateValue(options.root ?? '.')}": the errors above leave nothing to read.`,
      'Fix the errors above; a kustomize build that fails loads none of its objects, as Flux applies none of them.',
      shown,
    );
  }
  return new NetpolError(
    'NETPOL_NO_MANIFESTS',
    `No Kubernetes manifests were found in "${truncateValue(options.root ?? '.')}".`,
    'Check -R: it must name the repository root (its kustomization.yaml is followed; without one, every *.yaml, *.yml and *.json below it is read).',
    shown,
  );
}
