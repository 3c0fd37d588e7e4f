import { NetpolError } from '../../errors.js';
import { loadForAnalysis } from '../analysis/load.js';
import { checkNamespaceName } from './authoring-values.js';
import type { Refusal } from './namespace-set.js';
import { type EngineCheck, planPlatformNamespace, platformChecks, scraperOf } from './platform-namespace.js';
import { type PeerPortRule, platformPolicyName, renderPlatformPolicy } from './render.js';
import { platformHome, platformPolicyOf } from './repo-layout.js';
import { diffOfChanges, type FileChange, listInKustomization, WorkingTree } from './working-tree.js';

/** Options of {@link newPlatformNamespace}. */
export interface PlatformNewOptions {
  /** Repository root. */
  readonly root: string;
  /** The platform namespace. */
  readonly namespace: string;
  /** Ports Prometheus scrapes (at least one). */
  readonly metricsPorts: readonly number[];
  /** Whether the namespace is in the Istio mesh (HBONE rules). Default: false. */
  readonly mesh?: boolean;
  /** Service-specific ingress rules. Default: none. */
  readonly ingressFrom?: readonly PeerPortRule[];
  /** Service-specific egress rules. Default: none. */
  readonly egressTo?: readonly PeerPortRule[];
  /** What runs there, for the comments. Default: none. */
  readonly purpose?: string;
  /** Plan and diff only; write nothing. Default: false. */
  readonly dryRun?: boolean;
}

/** The outcome of {@link newPlatformNamespace}. */
export interface PlatformNewResult {
  readonly namespace: string;
  /** The new policy's file, relative to the root (null on a refusal). */
  readonly file: string | null;
  /** `kind/namespace/name` of the new policy. */
  readonly policy: string;
  readonly files: readonly FileChange[];
  readonly diff: string;
  readonly written: boolean;
  /** The engine's answers on the repository as written (empty on a dry run or a refusal). */
  readonly checks: readonly EngineCheck[];
  readonly refusal?: Refusal;
}

/**
 * Adds a platform namespace's CiliumNetworkPolicy `<ns>-default` from the seed's template (health probes
 * from the `health` entity and 169.254.0.0/16, Prometheus scrape on the metrics ports from the pods the
 * baselines name as scraper, DNS egress to kube-system/kube-dns on 53/UDP and 53/TCP, HBONE 15008/TCP to and
 * from istio-system/ztunnel with `mesh`) plus the service-specific rules, in the folder holding the other
 * platform CNPs (default `network-policy/platform/`), listed in its kustomization.yaml. Creates the
 * Namespace manifest when the repository lacks it and adds the namespace to a pinned
 * `catalog.platformNamespaces`. After writing, the engine checks the required rules on the repository as
 * written.
 *
 * Refused (nothing written) when the namespace already has a platform policy or carries a profile, or the
 * file exists.
 * @param options - See {@link PlatformNewOptions}.
 * @returns The files, diff, checks, or the refusal.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for a bad namespace or no metrics port; `NETPOL_REPO_NOT_FOUND`;
 *   `NETPOL_WRITE_FAILED`.
 * @example
 * await newPlatformNamespace({ root: '.', namespace: 'mqtt', metricsPorts: [9234], mesh: true });
 */
export async function newPlatformNamespace(options: PlatformNewOptions): Promise<PlatformNewResult> {
  const ns = options.namespace;
  checkNamespaceName(ns, 'namespace');
  if (options.metricsPorts.length === 0) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      'A platform CNP needs --metrics-port.',
      'e.g. --metrics-port 9090',
    );
  }
  const policy = `CiliumNetworkPolicy/${ns}/${platformPolicyName(ns)}`;
  const refuse = (message: string, hint: string): PlatformNewResult => ({
    namespace: ns,
    file: null,
    policy,
    files: [],
    diff: '',
    written: false,
    checks: [],
    refusal: { message, hint },
  });
  const { repo, catalog } = await loadForAnalysis({ root: options.root });
  const existing = platformPolicyOf(repo, ns);
  if (existing) {
    return refuse(
      `Namespace "${ns}" already has a platform policy, CiliumNetworkPolicy/${ns}/${existing.name} (${existing.source.file}:${existing.source.line}).`,
      'Edit that policy instead; netpol never overwrites an existing policy.',
    );
  }
  const nsObject = repo.namespaces.find((n) => n.name === ns);
  const profile = nsObject && catalog.profileLabel ? nsObject.labels[catalog.profileLabel] : undefined;
  if (profile !== undefined) {
    return refuse(
      `Namespace "${ns}" carries the profile "${profile}", so it is an application namespace, not a platform namespace.`,
      `Remove the profile label first (platform namespaces never carry one), e.g. by editing ${nsObject?.source.file}.`,
    );
  }
  const dir = platformHome(repo, catalog);
  const file = dir === '' ? `${ns}.yaml` : `${dir}/${ns}.yaml`;
  const tree = new WorkingTree(repo.root);
  if (tree.exists(file)) {
    return refuse(`"${file}" already exists.`, 'Move it, or add the rules to it by hand.');
  }
  const scraper = scraperOf(repo, catalog);
  const metricsPorts = [...new Set(options.metricsPorts)];
  tree.write(
    file,
    renderPlatformPolicy({
      namespace: ns,
      ...(options.purpose ? { purpose: options.purpose } : {}),
      metricsPorts,
      monitoringNamespace: scraper.namespace,
      scraperLabels: scraper.labels,
      mesh: options.mesh ?? false,
      ingressFrom: options.ingressFrom ?? [],
      egressTo: options.egressTo ?? [],
    }),
  );
  listInKustomization(tree, file);
  planPlatformNamespace(tree, repo, ns, options.mesh ?? false);
  const files = tree.changes();
  if (options.dryRun) {
    return { namespace: ns, file, policy, files, diff: diffOfChanges(files), written: false, checks: [] };
  }
  tree.commit();
  const after = await loadForAnalysis({ root: repo.root });
  const checks = platformChecks(after.engine, ns, metricsPorts, scraper, {
    mesh: options.mesh ?? false,
    ingressFrom: options.ingressFrom ?? [],
    egressTo: options.egressTo ?? [],
  });
  return { namespace: ns, file, policy, files, diff: diffOfChanges(files), written: true, checks };
}
