import type { EscapeHatch } from '../../catalog/derive-catalog.js';
import type { ClusterClient, LiveNamespace } from '../../cluster/client.js';
import { NetpolError } from '../../errors.js';
import { type LoadedRepo, loadForAnalysis, type RepoOptions } from '../analysis/load.js';
import { loadClusterState } from './cluster-state.js';
import { escapeHatchOpening, type HatchOpening } from './escape-hatch-view.js';

/** The annotations netpol records on a namespace while its enforcement is off. */
export const HATCH_ANNOTATIONS = {
  by: 'netpol.dev/escape-hatch-disabled-by',
  at: 'netpol.dev/escape-hatch-disabled-at',
  reason: 'netpol.dev/escape-hatch-reason',
  until: 'netpol.dev/escape-hatch-until',
} as const;

/** How many times a write is retried after a `resourceVersion` conflict. */
const MAX_ATTEMPTS = 5;

/** Who disabled enforcement, when, why and until when, from a namespace's annotations. */
export interface HatchRecord {
  /** ISO 8601, or null when the label was set without netpol (no annotation). */
  readonly since: string | null;
  readonly by: string | null;
  readonly reason: string | null;
  /** ISO 8601 or null. */
  readonly until: string | null;
}

/** Options of {@link disableEscapeHatch}. */
export interface DisableOptions extends RepoOptions {
  readonly namespace: string;
  /** Why (required, non-empty). */
  readonly reason: string;
  /** How long it may stay off, in milliseconds. Default: no end recorded. */
  readonly forMs?: number;
  /** Print what would happen, write nothing. Default: false. */
  readonly dryRun?: boolean;
  /** Allow a platform namespace. Default: false. */
  readonly force?: boolean;
  /** The clock. Default: `new Date()`. */
  readonly now?: Date;
}

/** What {@link disableEscapeHatch} did. */
export interface DisableResult {
  readonly namespace: string;
  readonly context: string;
  /** `disabled`: written; `dry-run`: nothing written; `already-disabled`: nothing changed. */
  readonly outcome: 'disabled' | 'dry-run' | 'already-disabled';
  /** The label set (key and value). */
  readonly label: { readonly key: string; readonly value: string };
  /** For `already-disabled`, the existing record; else the one written (or that would be). */
  readonly record: HatchRecord;
  /** What the label opens (empty for `already-disabled`). */
  readonly opening: HatchOpening;
  /** The merge patch sent (or that would be), with its resourceVersion precondition. */
  readonly patch: {
    readonly labels: Record<string, string | null>;
    readonly annotations: Record<string, string | null>;
  } | null;
  /** Writes that met a conflict and were retried. */
  readonly conflicts: number;
}

/** The record of a disabled namespace, from its annotations. */
export function hatchRecordOf(ns: LiveNamespace): HatchRecord {
  const a = ns.annotations;
  return {
    since: a[HATCH_ANNOTATIONS.at] ?? null,
    by: a[HATCH_ANNOTATIONS.by] ?? null,
    reason: a[HATCH_ANNOTATIONS.reason] ?? null,
    until: a[HATCH_ANNOTATIONS.until] ?? null,
  };
}

function requireHatch(loaded: LoadedRepo): EscapeHatch {
  const hatch = loaded.catalog.escapeHatch;
  if (!hatch) {
    throw new NetpolError(
      'NETPOL_REFUSED',
      'The repository has no escape-hatch baseline (a CiliumClusterwideNetworkPolicy selecting namespaces by <domain>/enforcement): the label would change nothing.',
      'Add the baseline (netpol init renders baselines/escape-hatch.yaml) and let it reach the cluster first.',
    );
  }
  return hatch;
}

/** The cluster, connecting only now: the refusals that need only git come first (no kubeconfig needed for them). */
function clusterOf(
  connect: ClusterClient | (() => Promise<ClusterClient>),
): Promise<ClusterClient> | ClusterClient {
  return typeof connect === 'function' ? connect() : connect;
}

async function requireNamespace(client: ClusterClient, name: string): Promise<LiveNamespace> {
  const ns = await client.getNamespace(name);
  if (!ns) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `Namespace "${name}" does not exist in the cluster of context "${client.context}".`,
    );
  }
  return ns;
}

/**
 * Turns a namespace's enforcement off with the escape-hatch label, safely:
 * refuses without a reason, on a platform namespace without `force`, and when the escape-hatch baseline is
 * missing from git or from the cluster (the label would change nothing); computes what the label opens
 * (engine what-if view); then writes one JSON merge patch (the label and the who/when/why/until
 * annotations, nothing else) with the namespace's `resourceVersion` as a precondition, re-reading and
 * retrying on a conflict, and records an `events.k8s.io/v1` Event on the namespace. A namespace already
 * disabled is reported (since, by, why) and left alone.
 * @param options - See {@link DisableOptions}.
 * @param connect - The cluster, or a function connecting to it, called only once the refusals that need only git
 *   (no reason, platform namespace, no escape-hatch baseline in git) have passed.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` (no reason, unknown namespace), `NETPOL_REFUSED` (platform
 *   namespace, baseline missing), `NETPOL_CONFLICT` (still conflicting after 5 attempts), and the client's
 *   errors (unreachable, 401, 403 with the RBAC rule, Cilium CRD missing).
 * @example
 * const r = await disableEscapeHatch({ root: '.', namespace: 'web', reason: 'INC-42' }, client);
 * r.outcome; // 'disabled'
 */
export async function disableEscapeHatch(
  options: DisableOptions,
  connect: ClusterClient | (() => Promise<ClusterClient>),
): Promise<DisableResult> {
  const reason = options.reason.trim();
  if (reason === '') {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      'A reason is required to disable enforcement.',
      'Pass --reason "INC-123: …".',
    );
  }
  const loaded = await loadForAnalysis(options);
  const hatch = requireHatch(loaded);
  const name = options.namespace;
  if (loaded.catalog.platformNamespaces.includes(name) && !options.force) {
    throw new NetpolError(
      'NETPOL_REFUSED',
      `"${name}" is a platform namespace: turning its enforcement off opens a shared service to every pod.`,
      'Fix its CiliumNetworkPolicy instead, or pass --force if this is truly the emergency.',
    );
  }
  const client = await clusterOf(connect);
  const now = options.now ?? new Date();
  let ns = await requireNamespace(client, name);
  const label = { key: hatch.label, value: hatch.value };
  if (ns.labels[hatch.label] === hatch.value) {
    return {
      namespace: name,
      context: client.context,
      outcome: 'already-disabled',
      label,
      record: hatchRecordOf(ns),
      opening: { ownSide: { egress: [], ingress: [] }, stillDenied: [], opened: [] },
      patch: null,
      conflicts: 0,
    };
  }
  const ccnps = await client.listPolicies('CiliumClusterwideNetworkPolicy');
  const live = loadClusterState(
    client.context,
    { namespaces: [], policies: ccnps },
    loaded.repo,
    loaded.catalog.domain,
  );
  if (live.catalog.escapeHatch?.label !== hatch.label || live.catalog.escapeHatch.value !== hatch.value) {
    throw new NetpolError(
      'NETPOL_REFUSED',
      `The cluster of context "${client.context}" has no escape-hatch baseline selecting ${hatch.label}=${hatch.value} (git has ${hatch.policies.map((p) => `${p.kind}/${p.name}`).join(', ')}): the label would change nothing.`,
      'Let GitOps apply the baseline first (flux reconcile), then retry.',
    );
  }
  const opening = escapeHatchOpening(loaded.engine, loaded.catalog, name, ns.labels);
  const user = (await client.whoAmI()) ?? client.kubeconfigUser;
  const record: HatchRecord = {
    since: now.toISOString(),
    by: user,
    reason,
    until: options.forMs !== undefined ? new Date(now.getTime() + options.forMs).toISOString() : null,
  };
  const annotations: Record<string, string | null> = {
    [HATCH_ANNOTATIONS.by]: record.by,
    [HATCH_ANNOTATIONS.at]: record.since,
    [HATCH_ANNOTATIONS.reason]: reason,
    [HATCH_ANNOTATIONS.until]: record.until,
  };
  if (record.until === null && ns.annotations[HATCH_ANNOTATIONS.until] === undefined) {
    delete annotations[HATCH_ANNOTATIONS.until];
  }
  const patch = { labels: { [hatch.label]: hatch.value }, annotations };
  const base = { namespace: name, context: client.context, label, record, opening, patch };
  if (options.dryRun) return { ...base, outcome: 'dry-run', conflicts: 0 };
  const outcome = await patchWithRetry(
    client,
    ns,
    patch.labels,
    patch.annotations,
    (n) => n.labels[hatch.label] === hatch.value,
  );
  const conflicts = outcome.conflicts;
  if (outcome.done) {
    return {
      ...base,
      outcome: 'already-disabled',
      record: hatchRecordOf(outcome.namespace),
      patch: null,
      conflicts,
    };
  }
  ns = outcome.namespace;
  await client.createNamespaceEvent({
    namespace: ns,
    type: 'Warning',
    reason: 'NetworkPolicyEnforcementDisabled',
    action: 'DisableEnforcement',
    note: `Network policy enforcement disabled by ${user} (${hatch.label}=${hatch.value}): ${reason}${record.until ? ` (until ${record.until})` : ''}`,
    time: now,
  });
  return { ...base, outcome: 'disabled', conflicts };
}

/** Options of {@link enableEscapeHatch}. */
export interface EnableOptions extends RepoOptions {
  readonly namespace: string;
  /** The clock. Default: `new Date()`. */
  readonly now?: Date;
}

/** What {@link enableEscapeHatch} did. */
export interface EnableResult {
  readonly namespace: string;
  readonly context: string;
  /** `enabled`: the label and annotations were removed; `not-disabled`: nothing to do. */
  readonly outcome: 'enabled' | 'not-disabled';
  /** What was recorded when it was disabled. */
  readonly record: HatchRecord;
  /** How long enforcement was off, in milliseconds; null when unknown (no annotation). */
  readonly offForMs: number | null;
  /** The command showing the flows seen while it was off, to fix them in git. */
  readonly next: string;
  readonly conflicts: number;
}

/**
 * Turns enforcement back on: one JSON merge patch removes the escape-hatch label and netpol's annotations
 * (with the `resourceVersion` precondition and conflict retries), an Event is recorded, and the result says
 * how long enforcement was off and which command lists the flows to fix (`netpol drops NS --since …`).
 * @throws NetpolError as {@link disableEscapeHatch}.
 */
export async function enableEscapeHatch(
  options: EnableOptions,
  connect: ClusterClient | (() => Promise<ClusterClient>),
): Promise<EnableResult> {
  const loaded = await loadForAnalysis(options);
  const hatch = requireHatch(loaded);
  const client = await clusterOf(connect);
  const name = options.namespace;
  const now = options.now ?? new Date();
  let ns = await requireNamespace(client, name);
  const result = (outcome: EnableResult['outcome'], conflicts: number, from: LiveNamespace): EnableResult => {
    const record = hatchRecordOf(from);
    const since = record.since !== null ? Date.parse(record.since) : Number.NaN;
    const offForMs = Number.isNaN(since) ? null : Math.max(0, now.getTime() - since);
    return {
      namespace: name,
      context: client.context,
      outcome,
      record,
      offForMs,
      next: `netpol drops ${name} --since ${offForMs !== null ? goDuration(offForMs) : '24h'}`,
      conflicts,
    };
  };
  if (ns.labels[hatch.label] === undefined) return result('not-disabled', 0, ns);
  const before = ns;
  const annotations: Record<string, null> = {};
  for (const key of Object.values(HATCH_ANNOTATIONS)) if (key in ns.annotations) annotations[key] = null;
  const outcome = await patchWithRetry(
    client,
    ns,
    { [hatch.label]: null },
    annotations,
    (n) => n.labels[hatch.label] === undefined,
  );
  if (outcome.done) return result('not-disabled', outcome.conflicts, outcome.namespace);
  ns = outcome.namespace;
  const out = result('enabled', outcome.conflicts, before);
  await client.createNamespaceEvent({
    namespace: ns,
    type: 'Normal',
    reason: 'NetworkPolicyEnforcementEnabled',
    action: 'EnableEnforcement',
    note: `Network policy enforcement re-enabled${out.offForMs !== null ? ` after ${goDuration(out.offForMs)}` : ''} (${hatch.label} removed).`,
    time: now,
  });
  return out;
}

/**
 * Sends a merge patch with the namespace's resourceVersion as precondition; on a conflict re-reads the
 * namespace and, unless someone else already made the change (`done`), retries.
 * @returns The namespace after the write (or as re-read when `done`), and the conflicts met.
 */
async function patchWithRetry(
  client: ClusterClient,
  read: LiveNamespace,
  labels: Readonly<Record<string, string | null>>,
  annotations: Readonly<Record<string, string | null>>,
  done: (ns: LiveNamespace) => boolean,
): Promise<{ namespace: LiveNamespace; conflicts: number; done: boolean }> {
  let ns = read;
  for (let conflicts = 0; ; ) {
    const written = await client.patchNamespaceMetadata(ns.name, ns.resourceVersion, labels, annotations);
    if (written !== 'conflict') return { namespace: written, conflicts, done: false };
    conflicts += 1;
    if (conflicts >= MAX_ATTEMPTS) {
      throw new NetpolError(
        'NETPOL_CONFLICT',
        `Namespace "${ns.name}" kept changing during ${MAX_ATTEMPTS} attempts; nothing was written.`,
        'Retry in a moment.',
      );
    }
    ns = await requireNamespace(client, ns.name);
    if (done(ns)) return { namespace: ns, conflicts, done: true };
  }
}

/** A duration as Go (and `hubble --since`) writes it: `1h30m`, `45m`, `20s`. */
export function goDuration(ms: number): string {
  let s = Math.max(1, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`;
}
