import { type Catalog, type CatalogConfig, deriveCatalog } from '../../catalog/derive-catalog.js';
import { createEngine, type PolicyEngine } from '../../engine/verdict.js';
import type { Diagnostic } from '../../errors.js';
import { loadRepo } from '../../repo/load-repo.js';
import type { ClusterSettings, Repo } from '../../repo/model.js';

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
}

/** A loaded repository with its engine and catalogue. */
export interface LoadedRepo {
  readonly repo: Repo;
  readonly diagnostics: readonly Diagnostic[];
  readonly engine: PolicyEngine;
  readonly catalog: Catalog;
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
 * Loads a repository and builds its engine and catalogue: the first step of every command.
 * @throws NetpolError NETPOL_REPO_NOT_FOUND when the root does not exist.
 */
export async function loadForAnalysis(options: RepoOptions): Promise<LoadedRepo> {
  const { repo, diagnostics } = await loadRepo({
    ...(options.root !== undefined ? { root: options.root } : {}),
    ...(options.files !== undefined && options.files.length > 0 ? { files: [...options.files] } : {}),
    ...(options.vars !== undefined ? { vars: { ...options.vars } } : {}),
    ...(options.settings !== undefined ? { settings: options.settings } : {}),
    ...(options.readStdin !== undefined ? { readStdin: options.readStdin } : {}),
  });
  const engine = createEngine(repo);
  const catalog = deriveCatalog(repo, catalogConfigOf(repo));
  return { repo, diagnostics, engine, catalog };
}
