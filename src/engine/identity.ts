import type { Labels } from '../repo/model.js';

/** Source of a label in Cilium (`pkg/labels/labels.go`: LabelSourceK8s, LabelSourceReserved, LabelSourceAny …). */
export type LabelSource = 'k8s' | 'reserved' | 'any' | 'cidr' | 'unspec' | 'container' | 'cilium-generated';

/** Identity label keys Cilium adds to every pod (`pkg/k8s/apis/cilium.io/const.go`). */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
/** Prefix of the namespace labels copied into a pod's identity (`io.cilium.k8s.namespace.labels.<key>`). */
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
/** Service account label of a pod identity. */
export const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
/** Cluster name label of a pod identity. */
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

/**
 * A security identity: the labels Cilium derives for an endpoint, split by source.
 * `k8s` holds pod labels plus the identity labels above; `reserved` holds reserved label names
 * (`host`, `world`, `health` …) of reserved identities (`pkg/identity/numericidentity.go`).
 * `ip` and `names` are carried for CIDR and FQDN matching of peers outside the cluster.
 */
export interface Identity {
  readonly kind: 'pod' | 'world' | 'reserved';
  readonly k8s: ReadonlyMap<string, string>;
  readonly reserved: ReadonlySet<string>;
  /** Namespace of a pod identity; '' otherwise. */
  readonly namespace: string;
  readonly ip?: string;
  readonly names?: readonly string[];
  /** For a `host` or `remote-node` identity: the node it stands for, when named (its labels are then in `k8s`). */
  readonly node?: string;
  /** Stable text key: equal identities have equal keys (for caches). */
  readonly key: string;
}

/**
 * Pod labels Cilium leaves out of identities by default (`pkg/labelsfilter/filter.go`,
 * defaultLabelPrefixCfg): these never take part in policy matching.
 */
const IGNORED_POD_LABEL_PATTERNS: readonly RegExp[] = [
  /^io\.kubernetes/,
  /^kubernetes\.io/,
  /^statefulset\.kubernetes\.io\/pod-name$/,
  /^apps\.kubernetes\.io\/pod-index$/,
  /^batch\.kubernetes\.io\/job-completion-index$/,
  /^batch\.kubernetes\.io\/controller-uid$/,
  /^.*beta\.kubernetes\.io/,
  /^k8s\.io/,
  /^pod-template-generation$/,
  /^pod-template-hash$/,
  /^controller-revision-hash$/,
  /^annotation\./,
  /^etcd_node$/,
];

/** Whether Cilium's default label filter keeps this pod label in the identity. */
export function isIdentityRelevantPodLabel(key: string): boolean {
  let relevant = RELEVANT_KEYS.get(key);
  if (relevant === undefined) {
    relevant = !IGNORED_POD_LABEL_PATTERNS.some((re) => re.test(key));
    if (RELEVANT_KEYS.size >= 10_000) RELEVANT_KEYS.clear();
    RELEVANT_KEYS.set(key, relevant);
  }
  return relevant;
}

/** {@link isIdentityRelevantPodLabel} by label key: pods repeat a few keys, each tested once. */
const RELEVANT_KEYS = new Map<string, boolean>();

/**
 * Splits a selector key into its Cilium source and bare key (`pkg/labels/labels.go` parseSource with ':'):
 * `k8s:app` → k8s/app, `reserved:host` → reserved/host, `$host` → reserved/host, `app` → any/app.
 * Only the known sources count as a prefix, so keys such as `example.com:foo` stay whole.
 */
export function parseSelectorKey(key: string): { source: LabelSource; key: string } {
  if (key.startsWith('$')) return { source: 'reserved', key: key.slice(1) };
  const i = key.indexOf(':');
  if (i > 0) {
    const prefix = key.slice(0, i);
    if (
      prefix === 'k8s' ||
      prefix === 'reserved' ||
      prefix === 'any' ||
      prefix === 'cidr' ||
      prefix === 'unspec' ||
      prefix === 'container' ||
      prefix === 'cilium-generated'
    ) {
      return { source: prefix, key: key.slice(i + 1) };
    }
  }
  return { source: 'any', key };
}

/**
 * Looks up a label of an identity the way a Cilium selector does: `any` matches every source.
 * Reserved labels have the empty value. Returns undefined when the identity lacks the label.
 */
export function identityLabel(identity: Identity, source: LabelSource, key: string): string | undefined {
  switch (source) {
    case 'k8s':
      return identity.k8s.get(key);
    case 'reserved':
      return identity.reserved.has(key) ? '' : undefined;
    case 'any': {
      const v = identity.k8s.get(key);
      if (v !== undefined) return v;
      return identity.reserved.has(key) ? '' : undefined;
    }
    default:
      return undefined;
  }
}

/** The reserved labels of a pod identity: none, one set shared by every pod identity (never modified). */
const NO_RESERVED: ReadonlySet<string> = new Set();

/** Inputs for a pod identity. */
export interface PodIdentityInput {
  readonly namespace: string;
  readonly podLabels: Labels;
  /** Labels of the pod's Namespace object (including `kubernetes.io/metadata.name`). */
  readonly namespaceLabels: Labels;
  readonly serviceAccount: string;
  readonly clusterName: string;
}

/**
 * Builds a pod's security identity: its identity-relevant labels (source k8s), `io.kubernetes.pod.namespace`,
 * `io.cilium.k8s.namespace.labels.<key>` for every namespace label, the service account and cluster labels.
 * @see cilium/cilium pkg/k8s/utils (GetPodMetadata / namespace label propagation) and pkg/labelsfilter.
 */
export function podIdentity(input: PodIdentityInput): Identity {
  const k8s = new Map<string, string>();
  const podTexts: string[] = [];
  for (const k in input.podLabels) {
    if (!isIdentityRelevantPodLabel(k)) continue;
    const v = input.podLabels[k] as string;
    k8s.set(k, v);
    podTexts.push(`${k}=${v}`);
  }
  const ns = namespacePart(input.namespace, input.namespaceLabels);
  const { keys, values } = ns;
  for (let i = 0; i < keys.length; i++) k8s.set(keys[i] as string, values[i] as string);
  k8s.set(SERVICE_ACCOUNT_LABEL, input.serviceAccount);
  k8s.set(CLUSTER_LABEL, input.clusterName);
  // The key is every `key=value` of k8s, sorted: a pod label may share its key with an identity label (the
  // identity label then wins in k8s), so the shortcut of merging sorted parts applies only without such a key.
  let key: string;
  if (podTexts.length === k8s.size - keys.length - 2) {
    const rest = mergeSorted(
      ns.texts,
      sortedPair(`${SERVICE_ACCOUNT_LABEL}=${input.serviceAccount}`, `${CLUSTER_LABEL}=${input.clusterName}`),
    );
    if (podTexts.length > 1) podTexts.sort();
    key = `pod\u0000${mergeSorted(podTexts, rest).join('\u0000')}`;
  } else {
    key = `pod\u0000${[...k8s.entries()]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('\u0000')}`;
  }
  return { kind: 'pod', k8s, reserved: NO_RESERVED, namespace: input.namespace, key };
}

/**
 * The identity labels a namespace gives its pods (its labels under {@link NAMESPACE_LABELS_PREFIX}, then
 * {@link POD_NAMESPACE_LABEL}) in insertion order, and their `key=value` texts sorted; built once per labels object.
 */
interface NamespacePart {
  readonly namespace: string;
  readonly keys: readonly string[];
  readonly values: readonly string[];
  readonly texts: readonly string[];
}

/** {@link NamespacePart}s by the namespace's labels object: every pod of a namespace shares one. */
const NAMESPACE_PARTS = new WeakMap<Labels, NamespacePart>();

function namespacePart(namespace: string, labels: Labels): NamespacePart {
  const cached = NAMESPACE_PARTS.get(labels);
  if (cached !== undefined && cached.namespace === namespace) return cached;
  const keys: string[] = [];
  const values: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    keys.push(NAMESPACE_LABELS_PREFIX + k);
    values.push(v);
  }
  keys.push(POD_NAMESPACE_LABEL);
  values.push(namespace);
  // Later keys win, as in the Map the identity is built into (a namespace label cannot repeat a key).
  const texts = keys.map((k, i) => `${k}=${values[i]}`).sort();
  const part: NamespacePart = { namespace, keys, values, texts };
  NAMESPACE_PARTS.set(labels, part);
  return part;
}

function sortedPair(a: string, b: string): string[] {
  return a < b ? [a, b] : [b, a];
}

/** Two sorted string arrays merged into one, in the order `Array.prototype.sort` gives (UTF-16 code units). */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  if (a.length === 0) return b as string[];
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length)
    out.push((a[i] as string) <= (b[j] as string) ? (a[i++] as string) : (b[j++] as string));
  while (i < a.length) out.push(a[i++] as string);
  while (j < b.length) out.push(b[j++] as string);
  return out;
}

/**
 * Builds the identity of an address outside the cluster: `reserved:world` plus `world-ipv4` or
 * `world-ipv6` by address family (Cilium ≥ 1.15 dual-stack world identities, `pkg/identity/numericidentity.go`).
 */
export function worldIdentity(ip: string, names: readonly string[] = []): Identity {
  const family = ip.includes(':') ? 'world-ipv6' : 'world-ipv4';
  return {
    kind: 'world',
    k8s: new Map(),
    reserved: new Set(['world', family]),
    namespace: '',
    ip,
    names,
    key: `world\u0000${ip}\u0000${names.join(',')}`,
  };
}

/** Builds the identity of a reserved entity (`reserved:<name>`), optionally with an address. */
export function reservedIdentity(name: string, ip?: string): Identity {
  return {
    kind: 'reserved',
    k8s: new Map(),
    reserved: new Set([name]),
    namespace: '',
    ...(ip !== undefined ? { ip } : {}),
    key: `reserved\u0000${name}\u0000${ip ?? ''}`,
  };
}

/**
 * The identity of the Kubernetes API server. Outside the cluster (a managed control plane), Cilium's
 * ipcache merges the CIDR labels of an outside address, so the identity carries `kube-apiserver` and
 * `world` (`world-ipv4`/`world-ipv6`); on cluster nodes it carries `kube-apiserver` and `remote-node`.
 * @see cilium/cilium pkg/ipcache/metadata.go resolveIdentity; cilium/cilium issue #25241
 */
export function kubeApiServerIdentity(location: 'external' | 'nodes', ip?: string): Identity {
  const names =
    location === 'external'
      ? ['kube-apiserver', 'world', ip?.includes(':') ? 'world-ipv6' : 'world-ipv4']
      : ['kube-apiserver', 'remote-node'];
  return {
    kind: 'reserved',
    k8s: new Map(),
    reserved: new Set(names),
    namespace: '',
    ...(ip !== undefined ? { ip } : {}),
    key: `reserved\u0000kube-apiserver:${location}\u0000${ip ?? ''}`,
  };
}

/**
 * The identity of a node's host endpoint (`host`) or of a remote node (`remote-node`) with the node's labels
 * (source k8s), as Cilium gives the host endpoint its node labels (docs security/host-firewall: the host
 * endpoint lists `k8s:<node label>` and `reserved:host`) and, with `enable-node-selector-labels`, remote nodes
 * theirs (docs policy language "Node based").
 * @param entity - `host` (the node seen from itself) or `remote-node` (seen from another node).
 * @param node - the node's name; part of the cache key.
 * @param labels - the node's labels.
 * @param ip - an address of the node, for CIDR rules under `policyCIDRMatchMode: nodes`.
 */
export function nodeIdentity(
  entity: 'host' | 'remote-node',
  node: string,
  labels: Labels,
  ip?: string,
): Identity {
  return {
    kind: 'reserved',
    k8s: new Map(Object.entries(labels)),
    reserved: new Set([entity]),
    namespace: '',
    node,
    ...(ip !== undefined ? { ip } : {}),
    key: `reserved\u0000${entity}@${node}\u0000${ip ?? ''}`,
  };
}
