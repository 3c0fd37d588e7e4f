import fs from 'node:fs';
import path from 'node:path';
import { deriveCatalog } from '../../catalog/derive-catalog.js';
import type {
  ClusterClient,
  LiveNamespace,
  LiveObject,
  ManagedFieldsEntry,
  PolicyKind,
} from '../../cluster/client.js';
import { createEngine } from '../../engine/verdict.js';
import { NetpolError } from '../../errors.js';
import { CONFIG_FILE, readConfig } from '../../repo/config.js';
import { loadRepoFromText } from '../../repo/load-repo.js';
import type { Repo } from '../../repo/model.js';
import { type ConnectivityDiff, diffLoaded } from '../analysis/diff.js';
import { catalogConfigOf, type LoadedRepo } from '../analysis/load.js';

/** An environment a named cluster belongs to: `live` forbids `kubectl` changes of policies (the seed). */
export type ClusterEnvironment = 'dev' | 'integration' | 'live';

/** A cluster of `netpol.config.yaml` `clusters:` (or the context given on the command line). */
export interface ClusterTarget {
  /** The `clusters:` key, or the context name when the cluster is not named there. */
  readonly name: string;
  /** The kubeconfig context. Undefined: the kubeconfig's current context. */
  readonly context: string | undefined;
  /** Undefined when the configuration does not say. */
  readonly environment: ClusterEnvironment | undefined;
}

/** A connected cluster target. */
export interface ConnectedCluster extends ClusterTarget {
  readonly client: ClusterClient;
}

/**
 * The parsed `netpol.config.yaml` of a repository root (`{}` when absent), without loading the repository:
 * what a writing command needs to resolve `--context` through `clusters:`.
 */
export function readRepoConfig(root: string): Readonly<Record<string, unknown>> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, CONFIG_FILE), 'utf8');
  } catch {
    return {};
  }
  return readConfig(CONFIG_FILE, text).config;
}

const ENVIRONMENTS: readonly string[] = ['dev', 'integration', 'live'];

/**
 * Reads `clusters:` of `netpol.config.yaml`: `{dev: {context: kind-dev, environment: dev}, …}`.
 * @throws NetpolError `NETPOL_BAD_CONFIG` for an entry that is not a mapping with a string `context`, or
 *   an environment other than dev, integration, live.
 */
export function clustersOfConfig(config: Readonly<Record<string, unknown>>): ClusterTarget[] {
  const section = config.clusters;
  if (section === undefined || section === null) return [];
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw new NetpolError(
      'NETPOL_BAD_CONFIG',
      'netpol.config.yaml: clusters must be a mapping of name to {context, environment}.',
    );
  }
  return Object.entries(section as Record<string, unknown>).map(([name, v]) => {
    const entry = (v ?? {}) as Record<string, unknown>;
    if (typeof entry !== 'object' || Array.isArray(entry)) {
      throw new NetpolError('NETPOL_BAD_CONFIG', `netpol.config.yaml: clusters.${name} must be a mapping.`);
    }
    const context = entry.context;
    if (context !== undefined && typeof context !== 'string') {
      throw new NetpolError(
        'NETPOL_BAD_CONFIG',
        `netpol.config.yaml: clusters.${name}.context must be a string.`,
      );
    }
    const env = entry.environment;
    if (env !== undefined && (typeof env !== 'string' || !ENVIRONMENTS.includes(env))) {
      throw new NetpolError(
        'NETPOL_BAD_CONFIG',
        `netpol.config.yaml: clusters.${name}.environment "${String(env)}" is not one of dev, integration, live.`,
      );
    }
    return { name, context: context ?? name, environment: env as ClusterEnvironment | undefined };
  });
}

/**
 * The clusters a command talks to: each `--context` value (a `clusters:` name, else a kubeconfig context);
 * without one, `all` asks for every named cluster, else the current context.
 */
export function selectClusters(
  config: Readonly<Record<string, unknown>>,
  contexts: readonly string[],
  all: boolean,
): ClusterTarget[] {
  const named = clustersOfConfig(config);
  if (contexts.length === 0) {
    if (all && named.length > 0) return named;
    return [{ name: 'current-context', context: undefined, environment: undefined }];
  }
  return contexts.map(
    (c) =>
      named.find((n) => n.name === c) ??
      named.find((n) => n.context === c) ?? { name: c, context: c, environment: undefined },
  );
}

/** Everything netpol analyses, as read from one cluster. */
export interface ClusterState {
  readonly namespaces: readonly LiveNamespace[];
  /** Policies of the three kinds, as wire JSON. */
  readonly policies: readonly LiveObject[];
}

const POLICY_KINDS: readonly PolicyKind[] = [
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'NetworkPolicy',
];

/**
 * Reads namespaces and every policy from a cluster (four list requests, in parallel).
 * @throws NetpolError from the client (unreachable, 401, 403, Cilium CRD missing).
 */
export async function readClusterState(client: ClusterClient): Promise<ClusterState> {
  const [namespaces, ...lists] = await Promise.all([
    client.listNamespaces(),
    ...POLICY_KINDS.map((k) => client.listPolicies(k)),
  ]);
  return { namespaces, policies: lists.flat() };
}

/** The file name a cluster object gets in positions: `cluster:<name>/<Kind>/<namespace>/<name>`. */
export function clusterFileOf(cluster: string, kind: string, namespace: string, name: string): string {
  return `cluster:${cluster}/${kind}/${namespace === '' ? '_' : namespace}/${name}`;
}

/** The object without what the server adds: status, managedFields, uid, versions, timestamps. */
function manifestOf(o: LiveObject): Record<string, unknown> {
  const {
    status: _s,
    metadata,
    ...rest
  } = o as Record<string, unknown> & { metadata?: Record<string, unknown> };
  const m = { ...(metadata ?? {}) };
  for (const k of [
    'managedFields',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'selfLink',
  ]) {
    delete m[k];
  }
  if (m.annotations && typeof m.annotations === 'object') {
    const a = { ...(m.annotations as Record<string, string>) };
    delete a['kubectl.kubernetes.io/last-applied-configuration'];
    m.annotations = a;
  }
  return { ...rest, metadata: m };
}

/**
 * Loads a cluster's state through the repository loader, so the cluster is analysed exactly as git is
 * (same parser, same engine), with git's cluster settings and catalogue configuration. Namespaces are
 * kept when git defines them or when they carry a label of `domainPrefix` (others, such as
 * `kube-node-lease`, would only add noise to a comparison).
 * @param cluster - The cluster's name, used in the file names of positions.
 * @param state - What {@link readClusterState} read.
 * @param git - The repository the cluster is compared with (settings, config, namespaces).
 */
export function loadClusterState(
  cluster: string,
  state: ClusterState,
  git: Pick<Repo, 'settings' | 'config' | 'namespaces'>,
  domain: string | null,
): LoadedRepo {
  const gitNamespaces = new Set(git.namespaces.map((n) => n.name));
  const files: Record<string, string> = {};
  for (const ns of state.namespaces) {
    const inDomain =
      domain !== null &&
      Object.keys(ns.labels).some((k) => k.startsWith(`${domain}/`) || k.startsWith(`access.${domain}/`));
    if (!gitNamespaces.has(ns.name) && !inDomain) continue;
    files[clusterFileOf(cluster, 'Namespace', '', ns.name)] = JSON.stringify(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } },
      null,
      2,
    );
  }
  for (const p of state.policies) {
    const meta = p.metadata ?? {};
    files[clusterFileOf(cluster, String(p.kind), String(meta.namespace ?? ''), String(meta.name))] =
      JSON.stringify(manifestOf(p), null, 2);
  }
  const { repo, diagnostics } = loadRepoFromText(files, {
    files: Object.keys(files),
    settings: git.settings,
  });
  const withConfig: Repo = { ...repo, config: git.config };
  return {
    repo: withConfig,
    diagnostics,
    engine: createEngine(withConfig),
    catalog: deriveCatalog(withConfig, catalogConfigOf(withConfig)),
  };
}

/**
 * Who last wrote an object, from `metadata.managedFields`: the manager of the latest entry (by time).
 * @returns The manager and its time, or null when the object carries no managedFields.
 */
export function lastManager(o: LiveObject): { manager: string; operation: string; time: string } | null {
  const entries = (o.metadata?.managedFields ?? []) as readonly ManagedFieldsEntry[];
  let best: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    if (!best || (e.time ?? '') >= (best.time ?? '')) best = e;
  }
  if (!best?.manager) return null;
  return { manager: best.manager, operation: best.operation ?? '', time: best.time ?? '' };
}

/**
 * `netpol diff`'s comparison with git as base and the cluster as head: the union matrix on both engines,
 * namespace label changes and policies added (cluster only), removed (git only) and changed.
 */
export function diffGitAndCluster(git: LoadedRepo, live: LoadedRepo): ConnectivityDiff {
  const side = (l: LoadedRepo) => ({ ...l, revision: null, commit: null, exists: true });
  return diffLoaded(side(git), side(live));
}

/** The listed objects by `kind/namespace/name` (namespace empty for clusterwide ones). */
export function objectsByKey(state: ClusterState): Map<string, LiveObject> {
  return new Map(
    state.policies.map((p) => [
      `${String(p.kind)}/${String(p.metadata?.namespace ?? '')}/${String(p.metadata?.name ?? '')}`,
      p,
    ]),
  );
}
