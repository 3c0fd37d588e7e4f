import type { PolicyKind } from '../../cluster/client.js';
import type { ConnectivityDiff, NamespaceChange } from '../analysis/diff.js';
import { type LoadedRepo, loadForAnalysis, type RepoOptions } from '../analysis/load.js';
import {
  type ClusterEnvironment,
  type ClusterState,
  type ConnectedCluster,
  diffGitAndCluster,
  lastManager,
  loadClusterState,
  objectsByKey,
  readClusterState,
} from './cluster-state.js';

/** How serious a drifted policy is, from who wrote it and the cluster's environment. */
export type DriftSeverity = 'error' | 'warning' | 'info';

/** A policy that differs between git and a cluster. */
export interface DriftedPolicy {
  readonly kind: PolicyKind;
  /** Empty for clusterwide policies. */
  readonly namespace: string;
  readonly name: string;
  /** `cluster-only`, `git-only`, or `different` (specs differ after normalisation). */
  readonly drift: 'cluster-only' | 'git-only' | 'different';
  /** Position in git (empty for a cluster-only policy). */
  readonly file: string;
  readonly line: number;
  /** For `different`: the parts that differ (`ingress[0]`, `egress` …). */
  readonly fields: readonly string[];
  /** Who last wrote the cluster's object (`metadata.managedFields`); null when git-only or unknown. */
  readonly manager: { readonly manager: string; readonly operation: string; readonly time: string } | null;
  /** `error`: written by kubectl on a live or integration cluster (the seed forbids it); `info`: by kubectl on dev. */
  readonly severity: DriftSeverity;
  /** Why the severity, one sentence. */
  readonly note: string;
}

/** Git against one cluster. */
export interface ClusterDrift {
  readonly cluster: string;
  readonly context: string;
  readonly environment: ClusterEnvironment | undefined;
  /** Namespaces whose catalogue labels (profile, grants, escape hatch) differ; `before` is git, `after` the cluster. */
  readonly namespaces: readonly NamespaceChange[];
  readonly policies: readonly DriftedPolicy[];
  /**
   * The connectivity consequence: the union-matrix comparison of `netpol diff` with git as base and the
   * cluster as head (`after: allowed`: the cluster allows what git does not).
   */
  readonly connectivity: Pick<ConnectivityDiff, 'summary' | 'cells'>;
  /** Whether anything differs. */
  readonly drifted: boolean;
}

/** What {@link detectDrift} returns: one entry per cluster. */
export interface DriftResult {
  readonly clusters: readonly ClusterDrift[];
  /** Whether any cluster drifted (the command's exit code 1). */
  readonly drifted: boolean;
}

const KUBECTL_NOTE = {
  live: 'kubectl changed it on a live cluster: the seed forbids kubectl changes of network policy outside dev; revert it through GitOps',
  integration:
    'kubectl changed it on an integration cluster: the seed forbids kubectl changes of network policy outside dev; revert it through GitOps',
  dev: 'kubectl changed it on a dev cluster (allowed there for testing); commit it or let GitOps revert it',
  unknown:
    'kubectl changed it; set the environment of this cluster under clusters: in netpol.config.yaml to judge it',
} as const;

/** The severity of a drifted policy from its last writer and the cluster's environment. */
export function severityOf(
  manager: string | null,
  environment: ClusterEnvironment | undefined,
): { severity: DriftSeverity; note: string } {
  if (manager === null || !manager.startsWith('kubectl')) {
    return {
      severity: 'warning',
      note:
        manager === null
          ? 'git and the cluster disagree'
          : `last written by ${manager}: git and the cluster disagree`,
    };
  }
  if (environment === 'live' || environment === 'integration') {
    return { severity: 'error', note: KUBECTL_NOTE[environment] };
  }
  if (environment === 'dev') return { severity: 'info', note: KUBECTL_NOTE.dev };
  return { severity: 'warning', note: KUBECTL_NOTE.unknown };
}

/**
 * Git against one cluster's state (pure: no I/O): namespace labels of the catalogue's domain, policies
 * only in the cluster, only in git or with different specs (compared after normalisation by the repository
 * loader: defaults, ordering, status and managed fields do not count), who wrote each drifted object, and
 * the flows the cluster allows or denies that git does not (`netpol diff`'s union matrix, git as base).
 */
export function compareWithCluster(
  git: LoadedRepo,
  cluster: Pick<ConnectedCluster, 'name' | 'environment'> & { context: string },
  state: ClusterState,
): ClusterDrift {
  const live = loadClusterState(cluster.name, state, git.repo, git.catalog.domain);
  const diff = diffGitAndCluster(git, live);
  const objects = objectsByKey(state);

  const policies: DriftedPolicy[] = [];
  const add = (
    p: {
      kind: string;
      namespace: string;
      name: string;
      file: string;
      line: number;
      fields: readonly string[];
    },
    drift: DriftedPolicy['drift'],
  ) => {
    const obj = objects.get(`${p.kind}/${p.namespace}/${p.name}`);
    const manager = drift === 'git-only' || !obj ? null : lastManager(obj);
    const inGit = drift !== 'cluster-only';
    const gitPolicy = inGit
      ? git.repo.policies.find((g) => g.kind === p.kind && g.namespace === p.namespace && g.name === p.name)
      : undefined;
    policies.push({
      kind: p.kind as PolicyKind,
      namespace: p.namespace,
      name: p.name,
      drift,
      file: gitPolicy?.source.file ?? '',
      line: gitPolicy?.source.line ?? 0,
      fields: p.fields,
      manager,
      ...severityOf(manager?.manager ?? null, cluster.environment),
    });
  };
  for (const p of diff.policies.added) add(p, 'cluster-only');
  for (const p of diff.policies.removed) add(p, 'git-only');
  for (const p of diff.policies.changed) add(p, 'different');
  const namespaces = diff.namespaces;
  const connectivity = { summary: diff.summary, cells: diff.cells };
  return {
    cluster: cluster.name,
    context: cluster.context,
    environment: cluster.environment,
    namespaces,
    policies,
    connectivity,
    drifted: namespaces.length > 0 || policies.length > 0 || diff.cells.length > 0,
  };
}

/** Options of {@link detectDrift}. */
export interface DriftOptions extends RepoOptions {}

/**
 * Git against each cluster: what a scheduled CI job runs. Each cluster is read with four list requests
 * (namespaces, CNP, CCNP, NetworkPolicy) and loaded through the repository loader, then compared with
 * {@link compareWithCluster}.
 * @throws NetpolError from the client (unreachable, 401, 403 with the RBAC rule, Cilium CRD missing).
 * @example
 * const r = await detectDrift({ root: '.' }, [cluster]);
 * r.drifted; // false when git and the cluster agree
 */
export async function detectDrift(
  options: DriftOptions,
  clusters: readonly ConnectedCluster[],
): Promise<DriftResult> {
  return compareLoaded(await loadForAnalysis(options), clusters);
}

/**
 * {@link detectDrift} for a repository already loaded.
 * @throws NetpolError from the client.
 */
export async function compareLoaded(
  git: LoadedRepo,
  clusters: readonly ConnectedCluster[],
): Promise<DriftResult> {
  const states = await Promise.all(clusters.map((c) => readClusterState(c.client)));
  const results = clusters.map((c, i) =>
    compareWithCluster(
      git,
      { name: c.name, environment: c.environment, context: c.client.context },
      states[i] as ClusterState,
    ),
  );
  return { clusters: results, drifted: results.some((r) => r.drifted) };
}
