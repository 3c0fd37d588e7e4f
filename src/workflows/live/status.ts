import { type Catalog, grantsOfNamespace, profileOfNamespace } from '../../catalog/derive-catalog.js';
import type { Flow, Peer, RuleRef } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import { diskLocator } from '../../lint/lint-input.js';
import type { NamespaceObject, PolicyObject } from '../../repo/model.js';
import { loadForAnalysis, type RepoOptions } from '../analysis/load.js';
import { computeMatrix, type MatrixColumn } from '../analysis/matrix.js';
import {
  type ConnectedCluster,
  diffGitAndCluster,
  lastManager,
  loadClusterState,
  objectsByKey,
  readClusterState,
} from './cluster-state.js';
import { type HatchRecord, hatchRecordOf } from './escape-hatch.js';

/** A namespace's catalogue labels: profile, access grants, enforcement. */
export interface NamespaceLabelsView {
  readonly profile: string | null;
  readonly grants: readonly string[];
  /** `disabled` when the escape-hatch label is set. */
  readonly enforcement: 'enforced' | 'disabled';
}

/** A policy that selects the namespace's pods. */
export interface SelectingPolicy {
  readonly kind: PolicyObject['kind'];
  /** Empty for clusterwide policies. */
  readonly namespace: string;
  readonly name: string;
  /** Position in git; empty for a policy only the cluster has. */
  readonly file: string;
  readonly line: number;
  /** With `--live`: whether the cluster has it, lacks it, or has it with another spec; null without. */
  readonly live: 'present' | 'absent' | 'different' | 'cluster-only' | null;
  /** With `--live`, for `different` and `cluster-only`: who last wrote the cluster's object. */
  readonly manager?: string;
}

/** The namespace's row of the matrix, in git and (with `--live`) in the cluster. */
export interface StatusCell {
  readonly column: MatrixColumn;
  readonly git: 'allowed' | 'denied';
  readonly live: 'allowed' | 'denied' | null;
}

/** What {@link namespaceStatus} returns: the seed's "Check Policy Status" in one view. */
export interface NamespaceStatus {
  readonly namespace: string;
  readonly platform: boolean;
  /** Git: null when git does not define the namespace. */
  readonly git: (NamespaceLabelsView & { readonly file: string; readonly line: number }) | null;
  /** The cluster (with `--live`): null without `--live`; `exists: false` when the cluster lacks it. */
  readonly live:
    | (NamespaceLabelsView & {
        readonly context: string;
        readonly exists: boolean;
        /** The escape-hatch record when enforcement is disabled. */
        readonly escapeHatch: HatchRecord | null;
      })
    | null;
  readonly policies: readonly SelectingPolicy[];
  readonly matrix: readonly StatusCell[];
}

function labelsView(catalog: Catalog, ns: NamespaceObject): NamespaceLabelsView {
  const hatch = catalog.escapeHatch;
  return {
    profile: profileOfNamespace(catalog, ns) ?? null,
    grants: grantsOfNamespace(catalog, ns),
    enforcement: hatch && ns.labels[hatch.label] === hatch.value ? 'disabled' : 'enforced',
  };
}

function selectingPolicy(p: PolicyObject, live: SelectingPolicy['live'], manager?: string): SelectingPolicy {
  return {
    kind: p.kind,
    namespace: p.namespace,
    name: p.name,
    file: p.source.file,
    line: p.source.line,
    live,
    ...(manager !== undefined ? { manager } : {}),
  };
}

function key(p: { kind: string; namespace: string; name: string }): string {
  return `${p.kind}/${p.namespace}/${p.name}`;
}

/**
 * The policies that select the namespace's pods: every namespaced policy of the namespace, and every
 * clusterwide policy the engine finds selecting a pod of it (with no pod labels) in either direction.
 */
function selecting(
  engine: PolicyEngine,
  policies: readonly PolicyObject[],
  namespace: string,
): PolicyObject[] {
  const self: Peer = { kind: 'pod', namespace, labels: {} };
  const world: Peer = { kind: 'world', ip: '203.0.113.10' };
  const flows: Flow[] = [
    { source: self, destination: world, port: 443, protocol: 'TCP' },
    { source: world, destination: self, port: 443, protocol: 'TCP' },
  ];
  const refs = new Set<string>();
  for (const f of flows) {
    const v = engine.verdict(f);
    const side = f.source === self ? v.egress : v.ingress;
    for (const r of [...side.selectedBy, ...side.allowedBy, ...side.deniedBy] as RuleRef[]) refs.add(key(r));
  }
  return policies.filter((p) => p.namespace === namespace || refs.has(key(p)));
}

/** Options of {@link namespaceStatus}. */
export interface StatusOptions extends RepoOptions {
  readonly namespace: string;
}

/** Where the namespace's labels are (its `labels:` key), else the Namespace's first line. */
function labelsLine(root: string, ns: NamespaceObject): { file: string; line: number } {
  const at = diskLocator(root).locate(ns, ['metadata', 'labels'], { key: true }) ?? ns.source;
  return { file: at.file, line: at.line };
}

/**
 * A namespace's policy status: profile, access grants and enforcement in git (and, with a cluster, in the
 * cluster, with the escape-hatch record), every policy selecting its pods with file:line (and whether the
 * cluster has it, lacks it or has another spec; policies only the cluster has), and its matrix row.
 * @param options - See {@link StatusOptions}.
 * @param cluster - The cluster for `--live`, or undefined for git only.
 * @throws NetpolError from the client (unreachable, 401, 403, Cilium CRD missing).
 * @example
 * const s = await namespaceStatus({ root: '.', namespace: 'web' }, undefined);
 * s.git?.profile; // 'standard'
 */
export async function namespaceStatus(
  options: StatusOptions,
  cluster: ConnectedCluster | undefined,
): Promise<NamespaceStatus> {
  const git = await loadForAnalysis(options);
  const name = options.namespace;
  const gitNs = git.repo.namespaces.find((n) => n.name === name);
  const nsForMatrix: NamespaceObject = gitNs ?? {
    apiVersion: 'v1',
    kind: 'Namespace',
    name,
    namespace: '',
    labels: { 'kubernetes.io/metadata.name': name },
    annotations: {},
    source: { file: '', line: 0, column: 0 },
    documentIndex: 0,
  };
  const gitRow = computeMatrix(git.engine, git.catalog, [nsForMatrix]);
  const gitPolicies = selecting(git.engine, git.repo.policies, name);
  const base = {
    namespace: name,
    platform: git.catalog.platformNamespaces.includes(name),
    git: gitNs ? { ...labelsView(git.catalog, gitNs), ...labelsLine(git.repo.root, gitNs) } : null,
  };
  if (!cluster) {
    return {
      ...base,
      live: null,
      policies: gitPolicies.map((p) => selectingPolicy(p, null)),
      matrix: gitRow.columns.map((column) => ({
        column,
        git: gitRow.rows[0]?.cells[column.id] ?? 'denied',
        live: null,
      })),
    };
  }
  const state = await readClusterState(cluster.client);
  const liveNs = state.namespaces.find((n) => n.name === name);
  const live = loadClusterState(cluster.name, state, git.repo, git.catalog.domain);
  const diff = diffGitAndCluster(git, live);
  const changed = new Set(diff.policies.changed.map(key));
  const missing = new Set(diff.policies.removed.map(key));
  const objects = objectsByKey(state);
  const managerOf = (p: PolicyObject) => {
    const o = objects.get(key(p));
    return (o ? lastManager(o) : null)?.manager;
  };
  const policies: SelectingPolicy[] = gitPolicies.map((p) => {
    const k = key(p);
    const state = missing.has(k) ? 'absent' : changed.has(k) ? 'different' : 'present';
    return selectingPolicy(p, state, state === 'different' ? managerOf(p) : undefined);
  });
  const gitKeys = new Set(gitPolicies.map(key));
  for (const p of selecting(live.engine, live.repo.policies, name)) {
    const k = key(p);
    if (gitKeys.has(k) || !diff.policies.added.some((a) => key(a) === k)) continue;
    policies.push({ ...selectingPolicy(p, 'cluster-only', managerOf(p)), file: '', line: 0 });
  }
  const liveObj = live.repo.namespaces.find((n) => n.name === name);
  const liveRow = liveObj ? computeMatrix(live.engine, git.catalog, [liveObj]) : null;
  return {
    ...base,
    live: {
      context: cluster.client.context,
      exists: liveNs !== undefined,
      ...(liveObj
        ? labelsView(git.catalog, liveObj)
        : { profile: null, grants: [], enforcement: 'enforced' as const }),
      escapeHatch:
        liveNs &&
        git.catalog.escapeHatch &&
        liveNs.labels[git.catalog.escapeHatch.label] === git.catalog.escapeHatch.value
          ? hatchRecordOf(liveNs)
          : null,
    },
    policies,
    matrix: gitRow.columns.map((column) => ({
      column,
      git: gitRow.rows[0]?.cells[column.id] ?? 'denied',
      live: liveRow ? (liveRow.rows[0]?.cells[column.id] ?? 'denied') : null,
    })),
  };
}
