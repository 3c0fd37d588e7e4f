import { getOrCreate } from '../engine/collections.js';
import {
  CLUSTER_LABEL,
  NAMESPACE_LABELS_PREFIX,
  POD_NAMESPACE_LABEL,
  podIdentity,
} from '../engine/identity.js';
import { compileSelector, selectorMatches } from '../engine/selector.js';
import type { FlowProtocol, Peer } from '../engine/types.js';
import type {
  CiliumPolicyObject,
  CiliumRule,
  ClusterSettings,
  LabelSelector,
  NamespaceObject,
  PeerRule,
  Repo,
} from '../repo/model.js';

/** A policy named as `kind/namespace/name` with its position. */
export interface PolicyRef {
  readonly kind: CiliumPolicyObject['kind'];
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

/** A port of a catalogue peer. */
export interface CatalogPort {
  readonly port: number;
  readonly protocol: Exclude<FlowProtocol, 'ICMPv4' | 'ICMPv6'>;
}

/** A peer the conventions name: a gateway, a scraper, DNS, a shared resource. */
export interface CatalogPeer {
  /** Short name, e.g. `internal` for a gateway, `prometheus` for a scraper. */
  readonly name: string;
  readonly peer: Peer;
  readonly ports: readonly CatalogPort[];
  /** The policy that names it. */
  readonly definedBy: PolicyRef;
}

/** A profile: a value of the profile label and the clusterwide policies selecting it. */
export interface Profile {
  readonly name: string;
  readonly policies: readonly PolicyRef[];
  /** Peers this profile admits as ingress from other namespaces (gateways). */
  readonly ingressPeers: readonly CatalogPeer[];
}

/** An access grant: `access.<domain>/<name>: "true"` and the resources it opens. */
export interface AccessGrant {
  readonly name: string;
  /** Full label key, e.g. `access.network-policy.homelab/postgres`. */
  readonly label: string;
  readonly policies: readonly PolicyRef[];
  /** Destinations the grant's egress rules name (a namespace-pinned selector + ports). */
  readonly resources: readonly CatalogPeer[];
}

/** The escape hatch: the namespace label that turns a namespace's enforcement off. */
export interface EscapeHatch {
  readonly label: string;
  readonly value: string;
  readonly policies: readonly PolicyRef[];
}

/**
 * The system's conventions, derived from the policies themselves (DESIGN.md "catalog/"): which label
 * selects profiles, which profiles and access grants exist, where gateways, DNS and scrapers live,
 * which namespaces are platform namespaces. `netpol.config.yaml`'s `catalog:` section may pin the domain
 * and the platform namespaces; everything else is read from the policies.
 */
export interface Catalog {
  /** Label domain, e.g. `network-policy.homelab`; null when no profile policy was found. */
  readonly domain: string | null;
  /** `<domain>/profile`, or null. */
  readonly profileLabel: string | null;
  /** `access.<domain>/` prefix of access labels, or null. */
  readonly accessPrefix: string | null;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly accessGrants: ReadonlyMap<string, AccessGrant>;
  readonly escapeHatch: EscapeHatch | null;
  /**
   * Clusterwide policies selecting every pod (written `{}`, or through labels every pod carries such as
   * the cluster label, or with `NotIn` exclusions), or all pods of namespaces with an access label.
   */
  readonly baselines: readonly PolicyRef[];
  /** Gateways: pod peers in another namespace that profiles admit as ingress. */
  readonly gateways: readonly CatalogPeer[];
  /** Scrapers: namespace-pinned ingress peers of baselines (e.g. Prometheus). */
  readonly scrapers: readonly CatalogPeer[];
  /** DNS: the namespace-pinned egress peer of a baseline on port 53. */
  readonly dns: CatalogPeer | null;
  /**
   * Namespaces that must not carry a profile: configured, else derived from what marks them whatever
   * their labels say (Kubernetes' own namespaces, the seed's list where the repository defines them, a
   * namespace with its own `<ns>-default` CiliumNetworkPolicy in a folder of such policies of two
   * namespaces or more, not the folder of its Namespace object) plus namespaces with their own
   * CiliumNetworkPolicies and no profile label.
   */
  readonly platformNamespaces: readonly string[];
  /** Whether {@link platformNamespaces} came from `netpol.config.yaml` or was derived. */
  readonly platformNamespacesOrigin: 'configured' | 'derived';
  /** Namespaces of the repository that are not platform namespaces. */
  readonly applicationNamespaces: readonly string[];
}

/** Options from `netpol.config.yaml` `catalog:`. */
export interface CatalogConfig {
  /** Label domain. Default: derived from the profile policies. */
  readonly domain?: string;
  /** Platform namespaces. Default: derived (see {@link Catalog.platformNamespaces}). */
  readonly platformNamespaces?: readonly string[];
}

/**
 * Kubernetes' own namespaces: created by the control plane, never an application's, so always platform
 * namespaces (`default` is not among them: homelab applications do run there).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces
 */
export const KUBERNETES_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** The platform namespaces the seed names ("kube-system, monitoring, database, etc."). */
export const SEED_PLATFORM_NAMESPACES: readonly string[] = ['kube-system', 'monitoring', 'database'];

const PROFILE_SUFFIX = '/profile';
const ENFORCEMENT_SUFFIX = '/enforcement';

function refOf(p: CiliumPolicyObject, rule: CiliumRule): PolicyRef {
  return { kind: p.kind, namespace: p.namespace, name: p.name, file: rule.source.file, line: p.source.line };
}

/** Namespace-label requirements of a selector: `io.cilium.k8s.namespace.labels.<key>` → values. */
function namespaceLabelMatches(sel: LabelSelector | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!sel) return out;
  const add = (rawKey: string, values: string[]) => {
    const key = rawKey.replace(/^(k8s|any):/, '');
    if (key.startsWith(NAMESPACE_LABELS_PREFIX)) out.set(key.slice(NAMESPACE_LABELS_PREFIX.length), values);
  };
  for (const [k, v] of Object.entries(sel.matchLabels)) add(k, [v]);
  for (const e of sel.matchExpressions) if (e.operator === 'In') add(e.key, [...e.values]);
  return out;
}

/** A namespace name no repository uses, for "a pod of any namespace". */
const PROBE_NAMESPACE = 'netpol-any-namespace';

/**
 * Whether a clusterwide endpointSelector selects every pod: `{}`, or only requirements every pod meets
 * (the cluster label, `io.kubernetes.pod.namespace Exists`, `NotIn`/`DoesNotExist` exclusions). Tested on
 * a pod with no labels in an unknown namespace, carrying the identity labels Cilium gives every pod
 * (docs/semantics.md §3.2), so the test is the engine's selector matching.
 */
function selectsEveryPod(sel: LabelSelector | null, clusterName: string): boolean {
  if (!sel) return false;
  // A selector naming the cluster label means "every pod of this cluster", whatever name the repository
  // configured (the engine itself matches it against cluster.clusterName).
  const named = Object.entries(sel.matchLabels).find(([k]) => k.replace(/^(k8s|any):/, '') === CLUSTER_LABEL);
  const pod = podIdentity({
    namespace: PROBE_NAMESPACE,
    podLabels: {},
    namespaceLabels: { 'kubernetes.io/metadata.name': PROBE_NAMESPACE },
    serviceAccount: 'default',
    clusterName: named?.[1] ?? clusterName,
  });
  return selectorMatches(compileSelector(sel), pod);
}

/** A peer selector that pins one namespace by matchLabels, as a pod Peer. */
function pinnedPodPeer(sel: LabelSelector): Peer | null {
  let namespace: string | undefined;
  const labels: Record<string, string> = {};
  for (const [rawKey, v] of Object.entries(sel.matchLabels)) {
    const key = rawKey.replace(/^(k8s|any):/, '');
    if (key === POD_NAMESPACE_LABEL) namespace = v;
    else if (!key.includes(':') && !key.startsWith('io.cilium.')) labels[key] = v;
  }
  for (const e of sel.matchExpressions) {
    const key = e.key.replace(/^(k8s|any):/, '');
    if (key === POD_NAMESPACE_LABEL && e.operator === 'In' && e.values.length === 1) namespace = e.values[0];
  }
  if (namespace === undefined) return null;
  return { kind: 'pod', namespace, labels };
}

function portsOf(peer: PeerRule): CatalogPort[] {
  const out: CatalogPort[] = [];
  for (const pr of peer.toPorts) {
    for (const p of pr.ports) {
      const n = typeof p.port === 'number' ? p.port : /^\d+$/.test(p.port) ? Number(p.port) : Number.NaN;
      if (!Number.isInteger(n) || n <= 0) continue;
      const protocols: CatalogPort['protocol'][] = p.protocol === 'ANY' ? ['TCP', 'UDP'] : [p.protocol];
      for (const protocol of protocols) out.push({ port: n, protocol });
    }
  }
  return out;
}

function peersOf(
  list: readonly PeerRule[] | null,
  name: (peer: Peer) => string,
  ref: PolicyRef,
): CatalogPeer[] {
  const out: CatalogPeer[] = [];
  for (const pr of list ?? []) {
    for (const sel of pr.endpoints ?? []) {
      const peer = pinnedPodPeer(sel);
      if (peer) out.push({ name: name(peer), peer, ports: portsOf(pr), definedBy: ref });
    }
  }
  return out;
}

function podName(peer: Peer): string {
  if (peer.kind !== 'pod') return peer.kind;
  const values = Object.values(peer.labels);
  return values.length > 0 ? (values[values.length - 1] as string) : peer.namespace;
}

function dedupePeers(peers: readonly CatalogPeer[]): CatalogPeer[] {
  const seen = new Map<string, CatalogPeer>();
  for (const p of peers) {
    const key = JSON.stringify(p.peer);
    const prev = seen.get(key);
    if (!prev) seen.set(key, p);
    else if (prev.ports.length === 0 && p.ports.length > 0) seen.set(key, p);
  }
  return [...seen.values()];
}

/** The repository's CiliumClusterwideNetworkPolicies, in order. */
function clusterwidePolicies(repo: Pick<Repo, 'policies'>): CiliumPolicyObject[] {
  return repo.policies.filter((p): p is CiliumPolicyObject => p.kind === 'CiliumClusterwideNetworkPolicy');
}

/** The label domain: the configured one, else the first `<domain>/profile` key a CCNP selects on. */
function domainOf(ccnps: readonly CiliumPolicyObject[], config: CatalogConfig): string | null {
  let domain: string | null = config.domain ?? null;
  if (domain !== null) return domain;
  for (const p of ccnps) {
    for (const r of p.rules) {
      for (const key of namespaceLabelMatches(r.endpointSelector).keys()) {
        if (key.endsWith(PROFILE_SUFFIX) && !key.startsWith('access.')) {
          domain = key.slice(0, -PROFILE_SUFFIX.length);
          break;
        }
      }
      // An empty domain (a bare `/profile` key) is kept only if no later rule gives one.
      if (domain) return domain;
    }
  }
  return domain;
}

/**
 * The catalogue's label domain when it names no profile, access grant or escape hatch — exactly when
 * `deriveCatalog(repo, config)` gives a domain and empty `profiles`, `accessGrants` and a null
 * `escapeHatch` — without deriving the rest (the check behind `CONFIG_UNUSED_DOMAIN`, made by every command).
 * @param repo - The loaded repository.
 * @param config - The `catalog:` settings of `netpol.config.yaml`.
 * @returns The domain, or null when there is none or a policy selects one of its labels.
 */
export function unusedCatalogDomain(repo: Pick<Repo, 'policies'>, config: CatalogConfig = {}): string | null {
  const ccnps = clusterwidePolicies(repo);
  const domain = domainOf(ccnps, config);
  // No domain, or an empty one: deriveCatalog then reads no label of it.
  if (!domain) return domain;
  const profileLabel = `${domain}${PROFILE_SUFFIX}`;
  const accessPrefix = `access.${domain}/`;
  const enforcementLabel = `${domain}${ENFORCEMENT_SUFFIX}`;
  // The rules deriveCatalog files as profiles, grants and the escape hatch, in its order.
  for (const p of ccnps) {
    for (const r of p.rules) {
      if (r.endpointSelector === null) continue;
      const nsLabels = namespaceLabelMatches(r.endpointSelector);
      if (nsLabels.has(profileLabel)) {
        if ((nsLabels.get(profileLabel) ?? []).length > 0) return null;
        continue;
      }
      if ([...nsLabels.keys()].some((k) => k.startsWith(accessPrefix))) return null;
      if (nsLabels.has(enforcementLabel)) return null;
    }
  }
  return domain;
}

/**
 * Derives the catalogue of conventions from a repository.
 * - Domain: from config, else the `<domain>/profile` namespace-label key the CCNPs select on.
 * - Profiles: each value of that key selected by a CCNP endpointSelector.
 * - Access grants: CCNPs selecting `access.<domain>/<name>` = "true"; their egress peers are the resources.
 * - Escape hatch: a CCNP selecting `<domain>/enforcement`.
 * - Baselines: CCNPs whose endpointSelector selects every pod (`{}`, the cluster label, `NotIn` exclusions).
 * - Platform namespaces: config, else Kubernetes' own namespaces, the seed's list and namespaces with a
 *   `<ns>-default` CiliumNetworkPolicy (whatever their labels), plus namespaces with their own
 *   CiliumNetworkPolicies and no profile label; only namespaces the repository defines.
 * Never throws.
 */
export function deriveCatalog(
  repo: Pick<Repo, 'namespaces' | 'policies'> & { readonly settings?: Pick<ClusterSettings, 'clusterName'> },
  config: CatalogConfig = {},
): Catalog {
  const clusterName = repo.settings?.clusterName ?? 'default';
  const ccnps = clusterwidePolicies(repo);
  const domain = domainOf(ccnps, config);
  const profileLabel = domain ? `${domain}${PROFILE_SUFFIX}` : null;
  const accessPrefix = domain ? `access.${domain}/` : null;
  const enforcementLabel = domain ? `${domain}${ENFORCEMENT_SUFFIX}` : null;

  const profiles = new Map<string, { policies: PolicyRef[]; ingressPeers: CatalogPeer[] }>();
  const grants = new Map<string, { policies: PolicyRef[]; resources: CatalogPeer[] }>();
  let hatch: { label: string; value: string; policies: PolicyRef[] } | null = null;
  const baselines: PolicyRef[] = [];
  const scrapers: CatalogPeer[] = [];
  let dns: CatalogPeer | null = null;

  for (const p of ccnps) {
    for (const r of p.rules) {
      if (r.endpointSelector === null) continue;
      const ref = refOf(p, r);
      const nsLabels = namespaceLabelMatches(r.endpointSelector);
      if (profileLabel && nsLabels.has(profileLabel)) {
        for (const v of nsLabels.get(profileLabel) ?? []) {
          const entry = getOrCreate(profiles, v, () => ({ policies: [], ingressPeers: [] }));
          entry.policies.push(ref);
          entry.ingressPeers.push(...peersOf(r.ingress, podName, ref));
        }
        continue;
      }
      const grantKey = accessPrefix
        ? [...nsLabels.keys()].find((k) => k.startsWith(accessPrefix))
        : undefined;
      if (grantKey && accessPrefix) {
        const name = grantKey.slice(accessPrefix.length);
        const entry = getOrCreate(grants, name, () => ({ policies: [], resources: [] }));
        entry.policies.push(ref);
        entry.resources.push(
          ...peersOf(r.egress, (peer) => (peer.kind === 'pod' ? peer.namespace : name), ref),
        );
        baselines.push(ref);
        continue;
      }
      if (enforcementLabel && nsLabels.has(enforcementLabel)) {
        const value = nsLabels.get(enforcementLabel)?.[0] ?? 'disabled';
        if (!hatch) hatch = { label: enforcementLabel, value, policies: [] };
        hatch.policies.push(ref);
        continue;
      }
      if (selectsEveryPod(r.endpointSelector, clusterName)) {
        baselines.push(ref);
        scrapers.push(...peersOf(r.ingress, podName, ref));
        if (!dns) {
          const egress = peersOf(r.egress, podName, ref);
          dns = egress.find((e) => e.ports.some((pt) => pt.port === 53)) ?? null;
        }
      }
    }
  }

  const profileOf = (ns: NamespaceObject) => (profileLabel ? ns.labels[profileLabel] : undefined);
  let platformNamespaces: string[];
  if (config.platformNamespaces) {
    platformNamespaces = [...config.platformNamespaces];
  } else {
    const cnps = repo.policies.filter((p) => p.kind === 'CiliumNetworkPolicy');
    const withCnp = new Set(cnps.map((p) => p.namespace));
    // A `<ns>-default` CNP marks a platform namespace where it sits as the seed keeps them: in a folder of
    // platform CNPs (holding the `<ns>-default` CNPs of two namespaces or more), not beside its own
    // Namespace object. An application's folder with its own `<ns>-default` is the application adding
    // rules to its profile (docs/real-repos.md, ionfury/homelab: game servers and an SSO app).
    const folder = (file: string) => file.slice(0, Math.max(0, file.lastIndexOf('/')));
    const namespaceFolders = new Set(
      repo.namespaces.map((ns) => `${ns.name}\u0000${folder(ns.source.file)}`),
    );
    const defaults = cnps.filter((p) => p.name === `${p.namespace}-default`);
    const perFolder = new Map<string, Set<string>>();
    for (const p of defaults) getOrCreate(perFolder, folder(p.source.file), () => new Set()).add(p.namespace);
    const marked = new Set([
      ...KUBERNETES_NAMESPACES,
      ...SEED_PLATFORM_NAMESPACES,
      ...defaults
        .filter(
          (p) =>
            (perFolder.get(folder(p.source.file))?.size ?? 0) >= 2 &&
            !namespaceFolders.has(`${p.namespace}\u0000${folder(p.source.file)}`),
        )
        .map((p) => p.namespace),
    ]);
    platformNamespaces = repo.namespaces
      .filter((ns) => marked.has(ns.name) || (withCnp.has(ns.name) && profileOf(ns) === undefined))
      .map((ns) => ns.name);
  }
  const platformSet = new Set(platformNamespaces);
  const applicationNamespaces = repo.namespaces.map((n) => n.name).filter((n) => !platformSet.has(n));

  const gatewayPeers = dedupePeers(
    [...profiles.values()].flatMap((p) => p.ingressPeers).filter((g) => g.peer.kind === 'pod'),
  );
  return {
    domain,
    profileLabel,
    accessPrefix,
    profiles: new Map(
      [...profiles.entries()].map(([name, e]) => [
        name,
        { name, policies: e.policies, ingressPeers: dedupePeers(e.ingressPeers) },
      ]),
    ),
    accessGrants: new Map(
      [...grants.entries()].map(([name, e]) => [
        name,
        {
          name,
          label: `${accessPrefix}${name}`,
          policies: e.policies,
          resources: dedupePeers(e.resources),
        },
      ]),
    ),
    escapeHatch: hatch,
    baselines,
    gateways: gatewayPeers,
    scrapers: dedupePeers(scrapers),
    dns,
    platformNamespaces,
    platformNamespacesOrigin: config.platformNamespaces ? 'configured' : 'derived',
    applicationNamespaces,
  };
}

/** The profile label value of a namespace, or undefined. */
export function profileOfNamespace(catalog: Catalog, ns: NamespaceObject): string | undefined {
  return catalog.profileLabel ? ns.labels[catalog.profileLabel] : undefined;
}

/** The access grants a namespace carries (labels `access.<domain>/<name>: "true"`), sorted. */
export function grantsOfNamespace(catalog: Catalog, ns: NamespaceObject): string[] {
  const prefix = catalog.accessPrefix;
  if (!prefix) return [];
  return Object.entries(ns.labels)
    .filter(([k, v]) => k.startsWith(prefix) && v === 'true')
    .map(([k]) => k.slice(prefix.length))
    .sort();
}

/** Whether a namespace carries the escape-hatch label with its disabling value (enforcement off in git). */
export function escapeHatchOfNamespace(catalog: Catalog, ns: NamespaceObject): boolean {
  const hatch = catalog.escapeHatch;
  return hatch !== null && ns.labels[hatch.label] === hatch.value;
}
