import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { LiveNamespace } from '../../cluster/client.js';
import { NetpolError } from '../../errors.js';
import { parseDuration } from '../../hubble/filter.js';
import type { LoadedRepo } from '../analysis/load.js';
import { kubeStateMetricsLabel } from '../authoring/render-system.js';
import type { ClusterEnvironment, ConnectedCluster } from './cluster-state.js';
import { type HatchRecord, hatchRecordOf } from './escape-hatch.js';

/** A PrometheusRule alert on the escape-hatch label, from git. */
export interface HatchAlert {
  readonly alert: string;
  /** `for:` in milliseconds (0 when absent). */
  readonly forMs: number;
  /** `for:` as written. */
  readonly for: string;
  readonly severity: string;
  readonly file: string;
}

/** An alert's state for one disabled namespace. */
export interface AlertState {
  readonly alert: string;
  readonly severity: string;
  /** `firing` once the label has been set for `for:`; `pending` before. */
  readonly state: 'firing' | 'pending';
  /** When it fired or will fire (ISO 8601). */
  readonly at: string;
}

/** One namespace with enforcement disabled. */
export interface DisabledNamespace {
  readonly cluster: string;
  readonly context: string;
  readonly environment: ClusterEnvironment | undefined;
  readonly namespace: string;
  readonly record: HatchRecord;
  /** True when `until` has passed. */
  readonly overdue: boolean;
  /** Alert states, by `for:` ascending; empty when `since` is unknown or git has no alerts. */
  readonly alerts: readonly AlertState[];
}

/** What {@link listEscapeHatches} returns. */
export interface EscapeHatchList {
  /** The label looked for, `key=value`. */
  readonly label: string;
  /** The alert rules found in git. */
  readonly alertRules: readonly HatchAlert[];
  readonly disabled: readonly DisabledNamespace[];
}

/**
 * The PrometheusRule alerts of the repository whose expression reads the escape-hatch label (by its
 * kube-state-metrics name `label_<sanitised key>` or the key itself).
 */
export function hatchAlertsOf(loaded: LoadedRepo, labelKey: string): HatchAlert[] {
  const metric = kubeStateMetricsLabel(labelKey);
  const out: HatchAlert[] = [];
  for (const file of loaded.repo.files) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(loaded.repo.root, file), 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('PrometheusRule')) continue;
    for (const doc of parseAllDocuments(text)) {
      if (!('toJS' in doc)) continue;
      const value = doc.toJS() as { kind?: unknown; spec?: { groups?: unknown } } | null;
      if (value?.kind !== 'PrometheusRule' || !Array.isArray(value.spec?.groups)) continue;
      for (const group of value.spec.groups as { rules?: unknown }[]) {
        for (const rule of Array.isArray(group?.rules) ? (group.rules as Record<string, unknown>[]) : []) {
          const expr = String(rule?.expr ?? '');
          if (typeof rule?.alert !== 'string' || (!expr.includes(metric) && !expr.includes(labelKey)))
            continue;
          const forText = typeof rule.for === 'string' ? rule.for : '0s';
          let forMs = 0;
          try {
            forMs = parseDuration(forText.replace(/(\d+)d/, (_, d: string) => `${Number(d) * 24}h`));
          } catch {
            forMs = 0;
          }
          const labels = (rule.labels ?? {}) as Record<string, unknown>;
          out.push({
            alert: rule.alert,
            forMs,
            for: forText,
            severity: typeof labels.severity === 'string' ? labels.severity : 'none',
            file,
          });
        }
      }
    }
  }
  return out.sort((a, b) => a.forMs - b.forMs);
}

/**
 * Every namespace with enforcement disabled, in every cluster given: since, by, reason, until (overdue
 * marked) and the state of each escape-hatch alert in git (firing once the label has been set for the
 * alert's `for:`, assuming kube-state-metrics exports it).
 * @param loaded - The git repository (catalogue: the escape-hatch label; files: the PrometheusRules).
 * @param clusters - The clusters to ask.
 * @param now - The clock. Default: `new Date()`.
 * @throws NetpolError `NETPOL_REFUSED` when git has no escape hatch; the client's errors.
 */
export async function listEscapeHatches(
  loaded: LoadedRepo,
  clusters: readonly ConnectedCluster[],
  now: Date = new Date(),
): Promise<EscapeHatchList> {
  const hatch = loaded.catalog.escapeHatch;
  if (!hatch) {
    throw new NetpolError(
      'NETPOL_REFUSED',
      'The repository has no escape-hatch baseline (a CiliumClusterwideNetworkPolicy selecting namespaces by <domain>/enforcement).',
    );
  }
  const alertRules = hatchAlertsOf(loaded, hatch.label);
  const lists = await Promise.all(
    clusters.map(async (c) => ({
      c,
      namespaces: await c.client.listNamespaces(`${hatch.label}=${hatch.value}`),
    })),
  );
  const disabled: DisabledNamespace[] = [];
  for (const { c, namespaces } of lists) {
    for (const ns of namespaces) disabled.push(disabledOf(c, ns, alertRules, now));
  }
  return { label: `${hatch.label}=${hatch.value}`, alertRules, disabled };
}

function disabledOf(
  c: ConnectedCluster,
  ns: LiveNamespace,
  rules: readonly HatchAlert[],
  now: Date,
): DisabledNamespace {
  const record = hatchRecordOf(ns);
  const since = record.since !== null ? Date.parse(record.since) : Number.NaN;
  const until = record.until !== null ? Date.parse(record.until) : Number.NaN;
  const alerts: AlertState[] = Number.isNaN(since)
    ? []
    : rules.map((r) => {
        const at = since + r.forMs;
        return {
          alert: r.alert,
          severity: r.severity,
          state: at <= now.getTime() ? 'firing' : 'pending',
          at: new Date(at).toISOString(),
        };
      });
  return {
    cluster: c.name,
    context: c.client.context,
    environment: c.environment,
    namespace: ns.name,
    record,
    overdue: !Number.isNaN(until) && until < now.getTime(),
    alerts,
  };
}
