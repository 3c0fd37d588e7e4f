import { type Diagnostic, NetpolError } from '../errors.js';
import { type ArgoSource, readArgo } from './argo.js';
import {
  documentValue,
  nodeAt,
  type ParsedFile,
  parseYamlFile,
  rangeSource,
  sourceAt,
  type YamlDocument,
} from './documents.js';
import { joinOn, joinPath, type RepoHost } from './host.js';
import { isRemoteResource, KUSTOMIZATION_FILES } from './kustomize.js';
import {
  type BuildContext,
  buildFolder,
  type KustomizationOverlay,
  type Located,
  notAnObject,
  type Resource,
} from './kustomize-build.js';
import type { UnseenSource } from './model.js';
import { CLUSTER_SCOPED_KINDS } from './objects.js';
import { isRecord } from './read-context.js';
import { expandResourceSet, RESOURCESET_GROUP } from './resourceset.js';
import { SUBSTITUTE_DISABLED_KEY, Substitution } from './substitute.js';
import { linkSkipClause } from './walk.js';

/**
 * Flux: which folder a cluster is reconciled from, and how kustomize-controller renders every
 * `Kustomization` (`kustomize.toolkit.fluxcd.io/v1`, `v1beta2`) it meets, recursively: `spec.path` relative
 * to the source root, `targetNamespace`, `namePrefix`/`nameSuffix`, `patches`, `components` (fluxcd/pkg
 * `kustomize/kustomize_generator.go`), a generated kustomization for a folder without one (every `.yaml`
 * and `.yml` below, a subfolder with its own kustomization as one resource: `scanManifests` there), and
 * post-build substitution from `postBuild.substitute` and `substituteFrom` (fluxcd/pkg
 * `kustomize/kustomize_varsub.go`: ConfigMaps and Secrets in order, then `substitute`; no substitution at
 * all when the Kustomization defines no variable).
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/
 */

/** The API group of Flux Kustomizations. */
export const FLUX_KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';

/** A cluster entry point found in the repository. */
export interface FluxCluster {
  /** Short name (`production` for `clusters/production`), for `--cluster`. */
  readonly name: string;
  /** Root-relative folder Flux reconciles the cluster from. */
  readonly path: string;
  /** Root-relative folder Flux paths are relative to (the source root). */
  readonly sourceRoot: string;
  /** Why it is an entry (`flux-system Kustomization`, `FluxInstance sync`, …). */
  readonly reason: string;
  /** Sources (`Kind/name`) that are this repository: the entry's own source reference. */
  readonly ownSources: readonly string[];
  /**
   * Further root-relative folders rendered as entries of the same cluster: the folders of Argo CD
   * Applications and ApplicationSets that nothing in the repository applies (each is installed by hand or by
   * a bootstrap outside the repository, into the one cluster Argo CD runs in). Default: none.
   */
  readonly extraPaths?: readonly string[];
  /**
   * True when the entry is a plain kustomization that includes Flux Kustomizations from a folder outside
   * it (`resources: [../base]`, patched or replaced per cluster): the Kustomizations exist only as its build
   * renders them, and their paths may lead from another folder than the git work tree (an OCI artifact of
   * a subfolder); load it with the kustomize build first (load-repo `loadKustomize`). Default: false.
   */
  readonly built?: true;
}

/** What the scan of the repository found about Flux. */
export interface FluxScan {
  /** True when any Flux Kustomization, FluxInstance or Argo CD Application is in scope. */
  readonly found: boolean;
  /** True when what was found is Argo CD only (Applications, ApplicationSets): no Flux Kustomization or FluxInstance. */
  readonly argoOnly: boolean;
  readonly clusters: readonly FluxCluster[];
  /** GitRepository objects of the repository: name → normalised URL (see {@link normalizeUrl}). */
  readonly gitRepositories: ReadonlyMap<string, string>;
}

const MARKERS = [
  'kustomize.toolkit.fluxcd.io',
  'fluxcd.controlplane.io',
  'argoproj.io',
  'source.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
];

interface FoundKustomization {
  readonly file: string;
  readonly dir: string;
  readonly name: string;
  /** Its source reference (`Kind/name`). */
  readonly source: string;
  /** Source-relative path, normalised (no leading `./`). */
  readonly path: string;
}

/** The kustomization of a folder and the root-relative paths its `resources`, `bases` and `components` name. */
interface KustomizationIncludes {
  readonly dir: string;
  readonly targets: readonly string[];
}

interface SyncPath {
  readonly file: string;
  readonly path: string;
  readonly reason: string;
  /** 1: bootstrap (flux-system, FluxInstance, flux-instance chart); 2: a Kustomization applying its own folder. */
  readonly tier: 1 | 2;
  /** The source the entry reads (`Kind/name`). */
  readonly source: string;
}

function normalizeFluxPath(p: string): string {
  const j = joinPath('', p.replace(/^\.\/?/, '').replace(/^\/+/, ''));
  return j === '.' ? '' : j;
}

function isUnder(dir: string, file: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

/** The folder above a root-relative folder (`''` for a top folder), or null above the root. */
function parentOf(dir: string): string | null {
  if (dir === '') return null;
  const slash = dir.lastIndexOf('/');
  return slash === -1 ? '' : dir.slice(0, slash);
}

/**
 * Scans the manifests below `scope` for Flux and Argo CD objects (a cheap text test first) and finds the
 * cluster entry points: the path of a `flux-system` Kustomization or of any Kustomization that applies its
 * own file (bootstrap), a FluxInstance's `spec.sync.path`, a flux-operator `flux-instance` HelmRelease's
 * `values.instance.sync.path`; without any of these, the folders of Kustomizations that no other
 * Kustomization's path covers. A `${VAR}` segment in a sync path matches every folder there.
 * @param host - The repository host.
 * @param scope - Root-relative folder to scan (`''`: the `-R` folder).
 * @param sourceRoot - Root-relative source root (the git work tree), e.g. `../..`.
 * @param parse - Parses a file (a cache shared with the builds). Default: `parseYamlFile`.
 * @param ownUrls - Normalised URLs of this repository (its git remotes). Default: none.
 * @returns What was found.
 */
export function scanFlux(
  host: RepoHost,
  scope: string,
  sourceRoot: string,
  parse: (file: string, text: string) => ParsedFile = parseYamlFile,
  ownUrls: readonly string[] = [],
): FluxScan {
  const kustomizations: FoundKustomization[] = [];
  const syncs: SyncPath[] = [];
  const gitRepositories = new Map<string, string>();
  const includes: KustomizationIncludes[] = [];
  let found = false;
  let flux = false;
  const walk = (d: string) => {
    for (const name of host.list(d).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = joinPath(d, name);
      const kind = host.kind(p);
      if (kind === 'dir') walk(p);
      else if (kind === 'file' && (KUSTOMIZATION_FILES as readonly string[]).includes(name)) {
        const targets = includedPaths(host, d, p, parse);
        if (targets.length > 0) includes.push({ dir: d, targets });
      } else if (kind === 'file' && /\.ya?ml$/i.test(name)) {
        let text: string;
        try {
          text = host.readFile(p);
        } catch {
          continue;
        }
        if (!MARKERS.some((m) => text.includes(m))) continue;
        for (const doc of parse(p, text).documents) {
          if (!doc.valid || doc.root === null) continue;
          const value = documentValue(doc);
          if (!isRecord(value)) continue;
          const tool = fluxOrArgo(value);
          found ||= tool !== null;
          flux ||= tool === 'flux';
          collect(p, d, value, kustomizations, syncs);
          if (value.kind === 'GitRepository' && isRecord(value.metadata) && isRecord(value.spec)) {
            const { name } = value.metadata;
            const { url } = value.spec;
            if (typeof name === 'string' && typeof url === 'string')
              gitRepositories.set(name, normalizeUrl(url));
          }
        }
      }
    }
  };
  walk(scope);
  // Kustomizations of a GitRepository defined here with another URL than this repository's are not entries.
  const own = new Set(ownUrls);
  const bootstrapUrl = gitRepositories.get('flux-system');
  if (bootstrapUrl !== undefined) own.add(bootstrapUrl);
  const external = (source: string): boolean => {
    if (own.size === 0 || !source.startsWith('GitRepository/')) return false;
    const url = gitRepositories.get(source.slice('GitRepository/'.length));
    return url !== undefined && !own.has(url);
  };
  return {
    found,
    argoOnly: found && !flux,
    clusters: clustersOf(
      host,
      kustomizations.filter((k) => !external(k.source)),
      syncs.filter((k) => !external(k.source)),
      sourceRoot,
      includes,
    ),
    gitRepositories,
  };
}

/** The root-relative paths a kustomization file's `resources`, `bases` and `components` name (remote ones left out). */
function includedPaths(
  host: RepoHost,
  dir: string,
  file: string,
  parse: (file: string, text: string) => ParsedFile,
): string[] {
  let text: string;
  try {
    text = host.readFile(file);
  } catch {
    return [];
  }
  const targets: string[] = [];
  for (const doc of parse(file, text).documents) {
    if (!doc.valid || doc.root === null) continue;
    const value = documentValue(doc);
    if (!isRecord(value)) continue;
    for (const field of ['resources', 'bases', 'components']) {
      const entries = value[field];
      if (!Array.isArray(entries)) continue;
      for (const e of entries)
        if (typeof e === 'string' && e !== '' && !isRemoteResource(e)) targets.push(joinOn(host, dir, e));
    }
  }
  return targets;
}

/**
 * The top folders whose kustomization builds include a file: the kustomizations whose `resources`, `bases`
 * or `components` name the file or a folder holding it, then, recursively, those that name their folders,
 * up to folders nothing names. kustomize builds only what a kustomization lists (kubernetes-sigs/kustomize
 * api/krusty, "resources"), so the file reaches a cluster with each top folder's build; a `../base` shared
 * by two cluster overlays has two tops. The file's own folder when nothing names it.
 */
function topIncluders(file: string, includes: readonly KustomizationIncludes[]): string[] {
  const tops = new Set<string>();
  const seen = new Set<string>();
  const visit = (target: string, own: string) => {
    const by = includes.filter(
      (k) => k.dir !== own && k.targets.some((t) => t === target || target.startsWith(`${t}/`)),
    );
    if (by.length === 0) {
      tops.add(own);
      return;
    }
    for (const k of by) {
      if (seen.has(k.dir)) continue;
      seen.add(k.dir);
      visit(k.dir, k.dir);
    }
  };
  const slash = file.lastIndexOf('/');
  visit(file, slash === -1 ? '' : file.slice(0, slash));
  return [...tops].sort();
}

function fluxOrArgo(value: Record<string, unknown>): 'flux' | 'argo' | null {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  if (
    (value.kind === 'Kustomization' && apiVersion.startsWith(`${FLUX_KUSTOMIZE_GROUP}/`)) ||
    ((value.kind === 'FluxInstance' || value.kind === 'ResourceSet') &&
      apiVersion.startsWith('fluxcd.controlplane.io/'))
  ) {
    return 'flux';
  }
  return (value.kind === 'Application' || value.kind === 'ApplicationSet') &&
    apiVersion.startsWith('argoproj.io/')
    ? 'argo'
    : null;
}

function collect(
  file: string,
  dir: string,
  value: Record<string, unknown>,
  kustomizations: FoundKustomization[],
  syncs: SyncPath[],
): void {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const spec = isRecord(value.spec) ? value.spec : {};
  const meta = isRecord(value.metadata) ? value.metadata : {};
  if (value.kind === 'Kustomization' && apiVersion.startsWith(`${FLUX_KUSTOMIZE_GROUP}/`)) {
    const path = normalizeFluxPath(typeof spec.path === 'string' ? spec.path : '');
    const name = typeof meta.name === 'string' ? meta.name : '';
    // `spec.sourceRef` is required (Flux Kustomization CRD): a document without it is a patch or a template
    // fragment that a kustomization merges into a real one, not an entry that applies the source root.
    if (!isRecord(spec.sourceRef)) return;
    const sourceRef = spec.sourceRef;
    const sourceKind = typeof sourceRef.kind === 'string' ? sourceRef.kind : 'GitRepository';
    const source = `${sourceKind}/${typeof sourceRef.name === 'string' ? sourceRef.name : ''}`;
    // A Kustomization of another kind of source (but the bootstrap's own OCI artifact) neither applies nor
    // covers anything of this repository.
    if (sourceKind !== 'GitRepository' && source !== 'OCIRepository/flux-system') return;
    kustomizations.push({ file, dir, name, path, source });
    if (name === 'flux-system')
      syncs.push({ file, path, reason: 'flux-system Kustomization', tier: 1, source });
    else if (path !== '' && isUnder(path, dir) && !path.includes('${'))
      syncs.push({ file, path, reason: `Kustomization ${name} applies its own folder`, tier: 2, source });
  }
  if (value.kind === 'Application' && apiVersion.startsWith('argoproj.io/')) {
    const name = typeof meta.name === 'string' ? meta.name : '';
    const sources = [
      ...(isRecord(spec.source) ? [spec.source] : []),
      ...(Array.isArray(spec.sources) ? spec.sources.filter(isRecord) : []),
    ];
    for (const s of sources) {
      if (typeof s.path === 'string')
        kustomizations.push({ file, dir, name, path: normalizeFluxPath(s.path), source: 'argo' });
    }
    if (sources.every((s) => typeof s.path !== 'string'))
      kustomizations.push({ file, dir, name, path: '\u0000', source: 'argo' });
  }
  if (value.kind === 'ApplicationSet' && apiVersion.startsWith('argoproj.io/')) {
    const name = typeof meta.name === 'string' ? meta.name : '';
    const generators = Array.isArray(spec.generators) ? spec.generators.filter(isRecord) : [];
    for (const g of generators) {
      const dirs =
        isRecord(g.git) && Array.isArray(g.git.directories) ? g.git.directories.filter(isRecord) : [];
      for (const d of dirs) {
        if (typeof d.path !== 'string' || d.exclude === true) continue;
        const fixed = d.path.split('/').filter((seg: string) => !/[*?{]/.test(seg));
        kustomizations.push({ file, dir, name, path: normalizeFluxPath(fixed.join('/')), source: 'argo' });
      }
    }
  }
  if (value.kind === 'FluxInstance' && apiVersion.startsWith('fluxcd.controlplane.io/')) {
    const sync = isRecord(spec.sync) ? spec.sync : {};
    if (typeof sync.path === 'string')
      syncs.push({
        file,
        path: normalizeFluxPath(sync.path),
        reason: 'FluxInstance sync path',
        tier: 1,
        source: `${typeof sync.kind === 'string' ? sync.kind : 'GitRepository'}/flux-system`,
      });
  }
  if (value.kind === 'HelmRelease' && apiVersion.startsWith('helm.toolkit.fluxcd.io/')) {
    const values = isRecord(spec.values) ? spec.values : {};
    const instance = isRecord(values.instance) ? values.instance : {};
    const sync = isRecord(instance.sync) ? instance.sync : {};
    if (typeof sync.path === 'string')
      syncs.push({
        file,
        path: normalizeFluxPath(sync.path),
        reason: 'flux-instance HelmRelease sync path',
        tier: 1,
        source: `${typeof sync.kind === 'string' ? sync.kind : 'GitRepository'}/flux-system`,
      });
  }
}

/** Folders matching a path whose segments may be `${VAR}` (any folder name). */
function expandPattern(host: RepoHost, base: string, path: string): { dir: string; bound: string[] }[] {
  const segments = path === '' ? [] : path.split('/');
  let current: { dir: string; bound: string[] }[] = [{ dir: base, bound: [] }];
  for (const segment of segments) {
    const next: { dir: string; bound: string[] }[] = [];
    for (const c of current) {
      if (segment.includes('${')) {
        for (const name of host.list(c.dir).sort()) {
          const p = joinOn(host, c.dir, name);
          if (!name.startsWith('.') && host.kind(p) === 'dir')
            next.push({ dir: p, bound: [...c.bound, name] });
        }
      } else {
        const p = joinOn(host, c.dir, segment);
        if (host.kind(p) === 'dir') next.push({ dir: p, bound: c.bound });
      }
    }
    current = next;
  }
  return current;
}

function clustersOf(
  host: RepoHost,
  kustomizations: readonly FoundKustomization[],
  syncs: readonly SyncPath[],
  sourceRoot: string,
  includes: readonly KustomizationIncludes[],
): FluxCluster[] {
  const found: {
    path: string;
    sourceRoot: string;
    reason: string;
    bound: string[];
    source: string;
    built?: true;
  }[] = [];
  const best = Math.min(...syncs.map((s) => s.tier));
  for (const sync of syncs.filter((s) => s.tier === best)) {
    let matches = expandPattern(host, sourceRoot, sync.path).map((m) => ({ ...m, root: sourceRoot }));
    if (matches.length === 0) {
      // A source whose root is a subfolder (a GitRepository with `spec.ignore`, an OCI artifact of one
      // folder): the first folder above the file from which the path leads to a folder holding the file.
      const parts = sync.file.split('/').slice(0, -1);
      for (let i = 0; i < parts.length && matches.length === 0; i++) {
        const base = parts.slice(0, i).join('/');
        if (base !== '' && !isUnder(sourceRoot, base) && sourceRoot !== '') continue;
        matches = expandPattern(host, base, sync.path)
          .filter((m) => isUnder(m.dir, sync.file) || m.bound.length > 0)
          .map((m) => ({ ...m, root: base }));
      }
    }
    for (const m of matches)
      found.push({
        path: m.dir,
        sourceRoot: m.root,
        reason: sync.reason,
        bound: m.bound,
        source: sync.source,
      });
  }
  if (found.length === 0) {
    // No bootstrap in the repository: the Kustomizations nothing else applies are the entries.
    // A folder is covered when another Kustomization's path is it or a folder above it (`isUnder`).
    const paths = kustomizations.map((other) => joinOn(host, sourceRoot, other.path));
    const applied = new Map<string, number>();
    for (const p of paths) applied.set(p, (applied.get(p) ?? 0) + 1);
    kustomizations.forEach((k, i) => {
      const own = paths[i];
      let covered = false;
      for (let dir: string | null = k.dir; dir !== null && !covered; dir = parentOf(dir)) {
        covered = (applied.get(dir) ?? 0) - (own === dir ? 1 : 0) > 0;
      }
      // A file that a kustomization lists reaches the cluster with the build of the top kustomization that
      // includes it (an Argo CD folder of Applications beside their Helm values file; a cluster overlay of
      // `../base` Kustomizations, one entry per overlay), not as a loose folder of its own.
      if (!covered)
        for (const top of topIncluders(k.file, includes))
          found.push({
            path: top,
            sourceRoot,
            reason: `Kustomization ${k.name} is applied by nothing in the repository`,
            bound: [],
            source: k.source,
            ...(isUnder(top, k.dir) ? {} : { built: true as const }),
          });
    });
  }
  // One entry per folder; an entry inside another entry's folder is part of it.
  const unique = found.filter((f, i) => found.findIndex((g) => g.path === f.path) === i);
  let outer = unique.filter(
    (f) => !unique.some((g) => g !== f && g.path !== f.path && isUnder(g.path, f.path)),
  );
  // Argo CD Applications and ApplicationSets that nothing here applies are all applied to the cluster Argo CD
  // runs in (by hand or by a bootstrap outside the repository): one cluster with several entries, named by
  // the folder they share.
  const argo = outer.filter((f) => f.source === 'argo');
  const argoExtra = new Map<string, { name: string; paths: string[] }>();
  if (argo.length > 1) {
    const [first, ...rest] = argo as [(typeof argo)[number], ...typeof argo];
    const shared = commonFolder(argo.map((f) => f.path));
    outer = [
      ...outer.filter((f) => f.source !== 'argo'),
      { ...first, bound: [], reason: `${argo.length} Argo CD entries applied by nothing in the repository` },
    ];
    argoExtra.set(first.path, {
      name: shared === '' ? 'argocd' : (shared.split('/').pop() as string),
      paths: rest.map((f) => f.path),
    });
  }
  return outer.map((f) => ({
    name: argoExtra.get(f.path)?.name ?? clusterName(f, outer),
    path: f.path,
    sourceRoot: f.sourceRoot,
    reason: f.reason,
    ownSources: [
      ...new Set([
        ...BOOTSTRAP_SOURCES,
        ...found.filter((g) => isUnder(f.path, g.path)).map((g) => g.source),
      ]),
    ],
    ...(argoExtra.has(f.path) ? { extraPaths: argoExtra.get(f.path)?.paths ?? [] } : {}),
    ...(f.built ? { built: true as const } : {}),
  }));
}

/** The deepest folder holding every one of `paths` (`''`: the root). */
function commonFolder(paths: readonly string[]): string {
  const split = paths.map((p) => (p === '' ? [] : p.split('/')));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  return first.slice(0, n).join('/');
}

/**
 * The source root that Flux Kustomization paths lead from, for Kustomizations found outside a bootstrap (a
 * cluster folder that is a plain kustomization): the git work tree if their paths are folders from there,
 * else the folder at or above the entry from which the most of them are (an OCI artifact built from a
 * subfolder, e.g. `flux push artifact --path=./k8s`, has that subfolder as its root). A tie goes to the work
 * tree, then to the folder nearest the entry. Paths with `${VAR}` are not counted.
 * @param host - The repository host.
 * @param sourceRoot - Root-relative git work tree (`''`, `..`, `../..`).
 * @param paths - The Kustomizations' `spec.path` values.
 * @param entry - Root-relative entry folder (the cluster overlay). Default: the `-R` folder.
 * @returns The root chosen, how many paths lead from it to a folder, and how many were counted.
 */
export function guessSourceRoot(
  host: RepoHost,
  sourceRoot: string,
  paths: readonly string[],
  entry = '',
): { root: string; resolved: number; total: number } {
  const counted = paths.filter((p) => !p.includes('${')).map(normalizeFluxPath);
  // The entry and the folders above it, up to the work tree: `k8s/clusters/prod`, `k8s/clusters`, `k8s`, ``.
  const candidates = [sourceRoot];
  for (let dir = entry; dir !== sourceRoot && candidates.length < 64; dir = joinOn(host, dir, '..'))
    candidates.push(dir);
  let best = { root: sourceRoot, resolved: -1, total: counted.length };
  for (const root of candidates) {
    const resolved = counted.filter((p) => host.kind(joinOn(host, root, p)) === 'dir').length;
    if (resolved > best.resolved) best = { root, resolved, total: counted.length };
  }
  return { ...best, resolved: Math.max(0, best.resolved) };
}

/** The names bootstrap (`flux bootstrap`, flux-operator) gives the repository's own source. */
export const BOOTSTRAP_SOURCES: readonly string[] = [
  'GitRepository/flux-system',
  'OCIRepository/flux-system',
];

function clusterName(f: { path: string; bound: string[] }, all: readonly { path: string }[]): string {
  if (f.bound.length > 0) return f.bound.join('/');
  const m = /(?:^|\/)clusters\/([^/]+)/.exec(f.path);
  if (m?.[1]) return m[1];
  const segments = f.path.split('/').filter((s) => s !== '..');
  if (all.length <= 1) return segments[segments.length - 1] ?? f.path;
  for (let i = 0; i < segments.length; i++) {
    const differs = all.some(
      (g) => g.path !== f.path && g.path.split('/').filter((s) => s !== '..')[i] !== segments[i],
    );
    if (differs) return segments[i] as string;
  }
  return f.path;
}

/**
 * Picks the cluster to analyse.
 * @param scan - The scan.
 * @param wanted - `--cluster NAME` or `cluster.path` (a name, or a path relative to the `-R` folder).
 * @returns The cluster, or null when the scan found none (read the `-R` folder itself).
 * @throws NetpolError `NETPOL_CLUSTER_AMBIGUOUS` when several clusters are found and none is chosen;
 *   `NETPOL_BAD_ARGUMENT` when `wanted` names none of them.
 */
export function pickCluster(scan: FluxScan, wanted: string | undefined): FluxCluster | null {
  const list = scan.clusters.map((c) => `${c.name} (${c.path === '' ? '.' : c.path})`).join(', ');
  if (wanted !== undefined && wanted !== '') {
    const w = normalizeFluxPath(wanted);
    const hit =
      scan.clusters.find((c) => c.name === wanted) ??
      scan.clusters.find((c) => c.path === w || c.path.endsWith(`/${w}`));
    if (!hit) {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        scan.clusters.length === 0
          ? `Cluster "${wanted}" was asked for, but the repository has no Flux cluster entry point.`
          : `Cluster "${wanted}" is not one of the repository's clusters: ${list}.`,
        scan.clusters.length === 0
          ? '--cluster picks among Flux clusters (folders holding a flux-system Kustomization); leave it out to read the -R folder as it is.'
          : 'Pass --cluster with one of the names listed, or -R with the cluster folder.',
      );
    }
    return hit;
  }
  if (scan.clusters.length > 1) {
    throw new NetpolError(
      'NETPOL_CLUSTER_AMBIGUOUS',
      `The repository holds ${scan.clusters.length} clusters: ${list}; netpol analyses one at a time.`,
      'Pass --cluster NAME, or set cluster.path in netpol.config.yaml.',
    );
  }
  return scan.clusters[0] ?? null;
}

/** One Flux Kustomization to render. */
interface FluxWork {
  /** Root-relative folder. */
  readonly dir: string;
  readonly namespace: string;
  readonly overlay: KustomizationOverlay;
  readonly postBuild: PostBuild;
  /** The Kustomization's resource (null for the cluster entry itself). */
  readonly resource: Resource | null;
  deferred: boolean;
  /** Set for an Argo CD source: a directory application, and the namespace for objects without one. */
  readonly argo?: ArgoSource;
}

interface PostBuild {
  readonly substitute: Readonly<Record<string, string>>;
  readonly from: readonly Located[];
  readonly defined: boolean;
}

/** What {@link renderFlux} produced. */
export interface FluxRender {
  /** Every object of every build, in build order. */
  readonly resources: readonly Resource[];
  readonly unseen: readonly UnseenSource[];
}

/** Options of {@link renderFlux}. */
export interface FluxRenderOptions {
  /** Root-relative folder of the cluster entry (the sync path, or the `-R` folder). */
  readonly entry: string;
  /** Further root-relative entry folders of the same cluster (see {@link FluxCluster.extraPaths}). Default: none. */
  readonly extraEntries?: readonly string[];
  /** Root-relative source root. */
  readonly sourceRoot: string;
  /** `--var` values; they win over the Kustomizations' own. */
  readonly vars: Readonly<Record<string, string>>;
  /** Where the entry is reported (the first manifest or kustomization of the entry). */
  readonly at: Located;
  /** GitRepository objects of the repository (from {@link scanFlux}). */
  readonly gitRepositories: ReadonlyMap<string, string>;
  /** Sources (`Kind/name`) that are this repository. Default: {@link BOOTSTRAP_SOURCES}. */
  readonly ownSources?: readonly string[];
  /** Normalised URLs of this repository (its git remotes, see {@link normalizeUrl}). Default: none. */
  readonly ownUrls?: readonly string[];
}

/** At most this many objects from one object of a build and the ResourceSets it generates, nested ones included. */
const MAX_GENERATED = 100_000;

const EMPTY_POST_BUILD: PostBuild = { substitute: {}, from: [], defined: false };

/**
 * Renders a cluster the way Flux reconciles it: the entry folder, then every Flux Kustomization found in
 * the rendered objects (breadth first, each `spec.path` with its own overlay and variables), until no new
 * one appears. A Kustomization whose source is not this repository, HelmReleases and other objects rendered
 * at runtime are listed as unseen.
 * @param ctx - The build context (diagnostics go there).
 * @param options - See {@link FluxRenderOptions}.
 * @returns The rendered objects and the unseen sources.
 */
export function renderFlux(ctx: BuildContext, options: FluxRenderOptions): FluxRender {
  const reported = new Set<string>();
  const out: Resource[] = [];
  const unseen: UnseenSource[] = [];
  const done = new Set<string>();
  const diagnosticsStart = ctx.diagnostics.length;
  const entries = [options.entry, ...(options.extraEntries ?? [])];
  const queue: FluxWork[] = entries.map((dir) => ({
    dir,
    namespace: 'flux-system',
    overlay: {
      patches: [],
      patchesStrategicMerge: [],
      patchesJson6902: [],
      components: [],
      at: options.at,
    },
    postBuild: EMPTY_POST_BUILD,
    resource: null,
    deferred: false,
  }));
  for (const dir of entries) done.add(`${dir}\u0000{}`);
  while (queue.length > 0) {
    const work = queue.shift() as FluxWork;
    const vars = variables(ctx, work, out);
    if (vars === 'defer') {
      work.deferred = true;
      queue.push(work);
      continue;
    }
    const unresolved = new Set<string>();
    const substitution =
      vars.defined || Object.keys(options.vars).length > 0
        ? new Substitution(
            { ...vars.values, ...options.vars },
            {
              reported,
              unknown: vars.unknown,
              onExpanded: (doc, start, names) => {
                const at = rangeSource(doc.file, doc.lines, start, start);
                ctx.substituted.set(
                  `${at.file}:${at.line}:${at.column}`,
                  names.map((n) => ({
                    name: n,
                    setIn: Object.hasOwn(options.vars, n) ? '--var' : (vars.setIn[n] ?? 'this Kustomization'),
                  })),
                );
              },
              onUnresolved: (name) => {
                if (vars.unavailable.length === 0) return false;
                unresolved.add(name);
                return true;
              },
            },
          )
        : undefined;
    const resources = buildFolder(ctx, work.dir, {
      generate: work.argo === undefined,
      fluxRewritesTop: work.argo === undefined,
      lost:
        work.resource === null
          ? `none of its objects are read (the Kustomizations and Applications in it are still followed, as the cluster keeps them)`
          : `${work.argo === undefined ? 'Flux' : 'Argo CD'} applies nothing from ${viaOf(work)}`,
      overlay: work.overlay,
      ...(work.argo ? { directory: { recurse: work.argo.recurse } } : {}),
      ...(substitution
        ? {
            transform: (doc: YamlDocument) =>
              substituteDisabled(doc) ? undefined : substitution.transformFor(doc, ctx.diagnostics),
          }
        : {}),
    });
    if (vars.unavailable.length > 0 && unresolved.size > 0) {
      const first = vars.unavailable[0] as Located;
      ctx.diagnostics.push({
        code: 'FLUX_SUBSTITUTE_UNAVAILABLE',
        severity: 'warning',
        message:
          unresolved.size === 1
            ? `Variable "${[...unresolved][0]}" comes from ${vars.unavailable.map(describeRef).join(', ')}, which netpol cannot read, so it is left unresolved.`
            : `Variables ${[...unresolved].map((n) => `"${n}"`).join(', ')} come from ${vars.unavailable.map(describeRef).join(', ')}, which netpol cannot read, so they are left unresolved.`,
        source: sourceAt(first.doc, first.path),
        hint: `Pass them with --var (e.g. --var ${[...unresolved][0]}=<value>).`,
      });
    }
    if (work.argo?.defaultNamespace) defaultNamespace(ctx, resources, work.argo.defaultNamespace);
    const failed = ctx.lastBuildFailed;
    if (work.resource === null && selfApplied(ctx, resources, work, options, queue, done)) continue;
    if (failed) {
      // Flux applies nothing of a build that fails, but the Kustomizations (and Argo CD Applications) it
      // applied before stay in the cluster and keep reconciling their own paths.
      for (const r of resources) follow(ctx, r, work, options, queue, done, unseen, []);
      continue;
    }
    const via = viaOf(work);
    for (const r of resources) {
      r.via = via;
      const generated: Resource[] = [r];
      // Objects a ResourceSet generates are applied (and followed) like the objects of the build.
      for (let i = 0; i < generated.length && i < MAX_GENERATED; i++) {
        const g = generated[i] as Resource;
        out.push(g);
        follow(ctx, g, work, options, queue, done, unseen, generated);
      }
    }
  }
  dropRepeatedDiagnostics(ctx.diagnostics, diagnosticsStart);
  return { resources: out, unseen };
}

/** Removes, from index `start` on, diagnostics equal to an earlier one (same code, place and message). */
function dropRepeatedDiagnostics(diagnostics: Diagnostic[], start: number): void {
  const seen = new Set<string>();
  let kept = start;
  for (let i = start; i < diagnostics.length; i++) {
    const d = diagnostics[i] as Diagnostic;
    const key = JSON.stringify([d.code, d.source?.file, d.source?.line, d.source?.column, d.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics[kept++] = d;
  }
  diagnostics.length = kept;
}

/**
 * For a cluster entry folder holding a Kustomization that applies that same folder with an overlay of its
 * own (`postBuild`, `patches` onto every child Kustomization, …), as a bootstrap file applied once by hand
 * does: Flux reconciles the folder through that Kustomization, so the entry's plain render is dropped (its
 * objects and follow-ups; its diagnostics stay, the re-render's exact repeats are dropped at the end) and
 * only that Kustomization is queued. Returns whether it did so.
 */
function selfApplied(
  ctx: BuildContext,
  resources: readonly Resource[],
  work: FluxWork,
  options: FluxRenderOptions,
  queue: FluxWork[],
  done: Set<string>,
): boolean {
  const probeQueue: FluxWork[] = [];
  const probeDone = new Set(done);
  const diagnosticsAfter = ctx.diagnostics.length;
  for (const r of resources) follow(ctx, r, work, options, probeQueue, probeDone, [], []);
  ctx.diagnostics.length = diagnosticsAfter;
  const self = probeQueue.filter((w) => w.dir === work.dir);
  if (self.length === 0) return false;
  done.delete(`${work.dir}\u0000{}`);
  for (const r of resources) {
    if (self.some((w) => w.resource === r)) follow(ctx, r, work, options, queue, done, [], []);
  }
  return true;
}

/** The Flux Kustomization or Argo CD Application a work item renders, in words with its file:line. */
function viaOf(work: FluxWork): string {
  if (work.resource === null) return `the entry folder "${work.dir}"`;
  const v = work.resource.value;
  const meta = isRecord(v.metadata) ? v.metadata : {};
  const at = sourceAt(work.resource.doc, work.resource.path);
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  return `${String(v.kind)} ${ns}${String(meta.name ?? '')} (${at.file}:${at.line})`;
}

function describeRef(at: Located): string {
  const v = isRecord(at.value) ? at.value : {};
  return `${String(v.kind ?? 'ConfigMap')}/${String(v.name ?? '')}`;
}

function substituteDisabled(doc: YamlDocument): boolean {
  for (const field of ['annotations', 'labels']) {
    const node = nodeAt(doc, ['metadata', field, SUBSTITUTE_DISABLED_KEY]);
    if (node?.kind === 'scalar' && node.value === 'disabled') return true;
  }
  return false;
}

/**
 * The variables of a Kustomization: each `substituteFrom` ConfigMap found among the objects rendered so
 * far (in the Kustomization's namespace), then `substitute`. `defer` once when a ConfigMap is not rendered
 * yet (another Kustomization may create it).
 */
function variables(
  ctx: BuildContext,
  work: FluxWork,
  rendered: readonly Resource[],
):
  | {
      values: Record<string, string>;
      /** Where each value was set, for messages. */
      setIn: Record<string, string>;
      defined: boolean;
      unavailable: Located[];
      unknown: (name: string) => boolean;
    }
  | 'defer' {
  const values: Record<string, string> = {};
  const setIn: Record<string, string> = {};
  const unavailable: Located[] = [];
  // Names that may be set by a source netpol cannot read: the keys of the Secrets found in the tree (SOPS
  // keeps key names in clear), or any name when a Secret is not in the tree.
  const secretKeys = new Set<string>();
  let anyName = false;
  const lookup = (kind: string, name: string) =>
    rendered.find((res) => {
      const v = res.value;
      const meta = isRecord(v.metadata) ? v.metadata : {};
      return v.kind === kind && meta.name === name && (meta.namespace ?? work.namespace) === work.namespace;
    });
  for (const ref of work.postBuild.from) {
    const r = isRecord(ref.value) ? ref.value : {};
    const kind = r.kind;
    const name = typeof r.name === 'string' ? r.name : '';
    if (kind === 'Secret') {
      unavailable.push(ref);
      const secret = lookup('Secret', name);
      if (secret === undefined) anyName ||= r.optional !== true;
      else
        for (const field of ['data', 'stringData'])
          if (isRecord(secret.value[field]))
            for (const k of Object.keys(secret.value[field])) secretKeys.add(k);
      continue;
    }
    const found = lookup('ConfigMap', name);
    if (!found) {
      if (!work.deferred) return 'defer';
      if (r.optional !== true) {
        unavailable.push(ref);
        anyName = true;
      }
      continue;
    }
    const data = isRecord(found.value.data) ? found.value.data : {};
    for (const [k, v] of Object.entries(data)) {
      values[k] = String(v).replace(/\n/g, '');
      const at = sourceAt(found.doc, [...found.path, 'data', k]);
      setIn[k] = `ConfigMap ${work.namespace}/${name} (${at.file}:${at.line})`;
    }
  }
  for (const [k, v] of Object.entries(work.postBuild.substitute)) {
    values[k] = v.replace(/\n/g, '');
    if (work.resource) {
      const at = sourceAt(work.resource.doc, [...work.resource.path, 'spec', 'postBuild', 'substitute', k]);
      setIn[k] = `postBuild.substitute of ${viaOf(work).replace(/ \(.*\)$/, '')} (${at.file}:${at.line})`;
    }
  }
  void ctx;
  const unknown = (n: string) => !Object.hasOwn(values, n) && (anyName || secretKeys.has(n));
  return { values, setIn, defined: work.postBuild.defined, unavailable, unknown };
}

function meta(value: Record<string, unknown>): { name: string; namespace: string } {
  const m = isRecord(value.metadata) ? value.metadata : {};
  return {
    name: typeof m.name === 'string' ? m.name : '',
    namespace: typeof m.namespace === 'string' ? m.namespace : '',
  };
}

function located(r: Resource, ...path: (string | number)[]): Located {
  let v: unknown = r.value;
  for (const p of path)
    v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[p] : undefined;
  return { value: v, doc: r.doc, path: [...r.path, ...path] };
}

function follow(
  ctx: BuildContext,
  r: Resource,
  parent: FluxWork,
  options: FluxRenderOptions,
  queue: FluxWork[],
  done: Set<string>,
  unseen: UnseenSource[],
  generated: Resource[],
): void {
  if (notAnObject(r) !== undefined) return;
  const v = r.value;
  const apiVersion = typeof v.apiVersion === 'string' ? v.apiVersion : '';
  const { name, namespace: ownNs } = meta(v);
  const namespace = ownNs === '' ? parent.namespace : ownNs;
  const spec = isRecord(v.spec) ? v.spec : {};
  const source = sourceAt(r.doc, r.path);
  if (v.kind === 'HelmRelease' && apiVersion.startsWith('helm.toolkit.fluxcd.io/')) {
    const target = typeof spec.targetNamespace === 'string' ? spec.targetNamespace : namespace;
    unseen.push({
      kind: 'HelmRelease',
      namespace,
      name,
      reason: 'rendered by helm-controller at runtime',
      namespaces: [target],
      source,
    });
    return;
  }
  if (v.kind === 'ResourceSet' && apiVersion.startsWith(`${RESOURCESET_GROUP}/`)) {
    const expansion = expandResourceSet(r, namespace, ctx.origins, ctx.diagnostics);
    if (expansion.unseenReason !== undefined) {
      unseen.push({
        kind: 'ResourceSet',
        namespace,
        name,
        reason: expansion.unseenReason,
        namespaces: ['*'],
        source,
      });
    }
    const via = `ResourceSet ${namespace}/${name} (${source.file}:${source.line})`;
    for (const g of expansion.resources) {
      g.via = via;
      generated.push(g);
    }
    return;
  }
  if ((v.kind === 'Application' || v.kind === 'ApplicationSet') && apiVersion.startsWith('argoproj.io/')) {
    followArgo(ctx, r, options, queue, done, unseen);
    return;
  }
  if (v.kind !== 'Kustomization' || !apiVersion.startsWith(`${FLUX_KUSTOMIZE_GROUP}/`)) return;
  const targetNs =
    typeof spec.targetNamespace === 'string' && spec.targetNamespace !== ''
      ? spec.targetNamespace
      : undefined;
  const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
  const sourceKind = typeof sourceRef.kind === 'string' ? sourceRef.kind : 'GitRepository';
  if (!isOwnSource(sourceKind, String(sourceRef.name ?? ''), options)) {
    const ref = `${sourceKind}/${String(sourceRef.name ?? '')}`;
    ctx.diagnostics.push({
      code: 'FLUX_SOURCE_EXTERNAL',
      severity: 'warning',
      message: `Kustomization ${namespace}/${name} applies ${ref}, not this repository; its objects are not analysed.`,
      source: sourceAt(r.doc, [...r.path, 'spec', 'sourceRef']),
      hint: 'Analyse that source separately, or render it and pass it with -f.',
    });
    unseen.push({
      kind: 'Kustomization',
      namespace,
      name,
      reason: `applies ${ref}`,
      namespaces: [targetNs ?? '*'],
      source,
    });
    return;
  }
  const rawPath = typeof spec.path === 'string' ? spec.path : '';
  const dir = joinOn(ctx.host, options.sourceRoot, normalizeFluxPath(rawPath));
  const pathAt = located(r, 'spec', 'path');
  if (!ctx.inside(dir) || ctx.host.kind(dir) !== 'dir') {
    const link = ctx.inside(dir) ? ctx.host.skippedLink?.(dir) : undefined;
    ctx.diagnostics.push({
      code: 'FLUX_PATH_MISSING',
      severity: 'error',
      message: `Kustomization ${namespace}/${name} has path "${rawPath}", ${
        link
          ? `a symbolic link that is not followed (${linkSkipClause(link)})`
          : 'which is not a folder of the repository'
      }; Flux fails to reconcile it, so it applies nothing${
        // The bootstrap Kustomization (flux-system, in the entry folder) applies the entry folder: netpol reads it
        // all the same, as -R names it and the cluster keeps what that Kustomization applied before.
        parent.resource === null && (name === 'flux-system' || source.file.includes('flux-system/'))
          ? `, but netpol still reads the entry folder "${parent.dir === '' ? '.' : parent.dir}" as it stands (the cluster keeps what this Kustomization applied before)`
          : ''
      }.`,
      source: sourceAt(pathAt.doc, pathAt.path),
      hint: 'spec.path is relative to the source root (the repository root for its own GitRepository).',
    });
    return;
  }
  const overlayKey = JSON.stringify([
    dir,
    targetNs,
    spec.namePrefix,
    spec.nameSuffix,
    spec.patches,
    spec.patchesStrategicMerge,
    spec.patchesJson6902,
    spec.components,
    spec.postBuild,
  ]);
  // One render per Kustomization: Flux reconciles an object once, with the spec it last applied (a
  // Kustomization that re-applies itself with patches or variables is the same object, not a second one).
  const identity = `\u0000Kustomization\u0000${namespace}/${name}`;
  if (done.has(identity) || done.has(overlayKey) || (done.has(`${dir}\u0000{}`) && isPlain(spec))) return;
  done.add(overlayKey);
  done.add(identity);
  const listOf = (field: string): Located[] => {
    const list = spec[field];
    return Array.isArray(list) ? list.map((_, i) => located(r, 'spec', field, i)) : [];
  };
  const str = (field: string): Located<string> | undefined => {
    const s = spec[field];
    return typeof s === 'string' && s !== '' ? (located(r, 'spec', field) as Located<string>) : undefined;
  };
  const postBuild = isRecord(spec.postBuild) ? spec.postBuild : {};
  const substitute: Record<string, string> = {};
  if (isRecord(postBuild.substitute))
    for (const [k, val] of Object.entries(postBuild.substitute)) substitute[k] = String(val);
  const from = Array.isArray(postBuild.substituteFrom)
    ? postBuild.substituteFrom.map((_, i) => located(r, 'spec', 'postBuild', 'substituteFrom', i))
    : [];
  const namespaceOverlay = str('targetNamespace');
  const namePrefix = str('namePrefix');
  const nameSuffix = str('nameSuffix');
  queue.push({
    dir,
    namespace,
    overlay: {
      ...(namespaceOverlay ? { namespace: namespaceOverlay } : {}),
      ...(namePrefix ? { namePrefix } : {}),
      ...(nameSuffix ? { nameSuffix } : {}),
      patches: listOf('patches'),
      patchesStrategicMerge: listOf('patchesStrategicMerge'),
      patchesJson6902: listOf('patchesJson6902'),
      components: listOf('components'),
      at: pathAt,
    },
    postBuild: { substitute, from, defined: Object.keys(substitute).length > 0 || from.length > 0 },
    resource: r,
    deferred: false,
  });
}

function followArgo(
  ctx: BuildContext,
  r: Resource,
  options: FluxRenderOptions,
  queue: FluxWork[],
  done: Set<string>,
  unseen: UnseenSource[],
): void {
  const read = readArgo(r, {
    host: ctx.host,
    sourceRoot: options.sourceRoot,
    ownUrls: new Set(options.ownUrls ?? []),
    normalizeUrl,
  });
  unseen.push(...read.unseen);
  for (const n of read.notFollowed) {
    ctx.diagnostics.push({
      code: 'SOURCE_NOT_FOLLOWED',
      severity: 'warning',
      message: n.message,
      source: n.source,
      hint: 'Render it separately and pass it with -f, or check the path.',
    });
  }
  for (const source of read.sources) {
    if (done.has(source.key)) continue;
    done.add(source.key);
    queue.push({
      dir: source.dir,
      namespace: 'argocd',
      overlay: {
        ...(source.kustomize.namespace ? { namespace: source.kustomize.namespace } : {}),
        ...(source.kustomize.namePrefix ? { namePrefix: source.kustomize.namePrefix } : {}),
        ...(source.kustomize.nameSuffix ? { nameSuffix: source.kustomize.nameSuffix } : {}),
        patches: source.kustomize.patches,
        patchesStrategicMerge: [],
        patchesJson6902: [],
        components: source.kustomize.components,
        at: source.at,
      },
      postBuild: EMPTY_POST_BUILD,
      resource: r,
      deferred: false,
      argo: source,
    });
  }
}

/** Argo CD's destination namespace: set on namespaced objects that name none. */
function defaultNamespace(
  ctx: BuildContext,
  resources: readonly Resource[],
  namespace: Located<string>,
): void {
  for (const r of resources) {
    if (notAnObject(r) !== undefined) continue;
    const kind = r.value.kind;
    if (typeof kind !== 'string' || kind === 'Namespace' || CLUSTER_SCOPED_KINDS.has(kind)) continue;
    if (!isRecord(r.value.metadata)) r.value.metadata = {};
    const m = r.value.metadata as Record<string, unknown>;
    if (typeof m.namespace === 'string' && m.namespace !== '') continue;
    m.namespace = namespace.value;
    ctx.origins.field(m, 'namespace', { doc: namespace.doc, path: namespace.path });
  }
}

function isPlain(spec: Record<string, unknown>): boolean {
  return [
    'targetNamespace',
    'namePrefix',
    'nameSuffix',
    'patches',
    'patchesStrategicMerge',
    'patchesJson6902',
    'components',
    'postBuild',
  ].every((f) => spec[f] === undefined || spec[f] === null);
}

/**
 * Whether a `GitRepository` source reference is the repository being read: `flux-system` (bootstrap's
 * name), or any GitRepository not defined in the rendered objects (created outside the repository, as
 * bootstrap and flux-operator do). A GitRepository defined in the repository is another repository unless
 * its URL equals the `flux-system` one.
 */
/**
 * Whether a Flux source reference is the repository being read: a source the entry reads (bootstrap's
 * `flux-system`, or the entry Kustomization's own), or a GitRepository that is not defined in the repository
 * (created outside it, as bootstrap does) or whose URL is one of this repository's (its git remote, the URL
 * of an own GitRepository).
 */
function isOwnSource(kind: string, name: string, options: FluxRenderOptions): boolean {
  const own = options.ownSources ?? BOOTSTRAP_SOURCES;
  if (own.includes(`${kind}/${name}`)) return true;
  if (kind !== 'GitRepository') return false;
  const theirs = options.gitRepositories.get(name);
  if (theirs === undefined) return true;
  const urls = new Set(options.ownUrls ?? []);
  for (const o of own) {
    const url = o.startsWith('GitRepository/')
      ? options.gitRepositories.get(o.slice('GitRepository/'.length))
      : undefined;
    if (url !== undefined) urls.add(url);
  }
  return urls.has(theirs);
}

/**
 * Normalises a git URL for comparison (`ssh://git@host/owner/repo.git`, `https://host/owner/repo` and
 * `git@host:owner/repo` compare equal).
 * @param url - The URL.
 * @returns `host/owner/repo` in lower case.
 */
export function normalizeUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z+]+:\/\//, '')
    .replace(/^[^@/]+@/, '')
    .replace(/:(?!\d)/, '/')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}
