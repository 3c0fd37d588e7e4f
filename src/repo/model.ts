import type { Diagnostic, SourceRef } from '../errors.js';

/**
 * The typed model of a GitOps repository, as the loader produces it and the engine reads it.
 * Everything is plain readonly data with a `source` (file:line:column) so any finding can point back
 * to the YAML. Field names follow the Kubernetes and Cilium CRD spellings
 * (cilium/cilium `pkg/policy/api/rule.go`, `ingress.go`, `egress.go`, `l4.go`).
 */

/** A label map, `key -> value`. Keys may carry a Cilium source prefix (`k8s:`, `any:`, `reserved:`). */
export type Labels = Readonly<Record<string, string>>;

/** One `matchExpressions` entry of a label selector. `values` is empty for `Exists`/`DoesNotExist`. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/**
 * A Kubernetes/Cilium label selector exactly as written (no namespace injection yet: that is the
 * engine's job, see `engine/normalize.ts`). An empty selector (`{}`) has no labels and no expressions.
 */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
  readonly source: SourceRef;
}

/** L4 protocol of a Cilium port rule. `ANY` is Cilium's default when `protocol` is omitted. */
export type PolicyProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ANY';

/**
 * One `toPorts[].ports[]` entry. `port` is a number (0 = all ports) or a named port
 * (resolved against the destination pod's container ports by the engine). `endPort` makes a range.
 */
export interface PortProtocol {
  readonly port: number | string;
  readonly endPort?: number;
  readonly protocol: PolicyProtocol;
  readonly source: SourceRef;
}

/** Which L7 rules a port rule carries; the engine admits the L4 flow and reports it as L7-filtered. */
export type L7Kind = 'http' | 'dns' | 'kafka' | 'l7proto';

/**
 * One `rules.http` entry (`PortRuleHTTP`): every field that is set must match the request. `method`, `path`
 * and `host` are RE2 regular expressions matched against the whole value; `headers` are `Name` (present) or
 * `Name value` (exact value); `headerMatches` name a header and a value (or a Secret holding it).
 * @see cilium/cilium pkg/policy/api/http.go; pkg/envoy (getHTTPRule)
 */
export interface HTTPRule {
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly headers: readonly string[];
  readonly headerMatches: readonly {
    readonly name: string;
    /** The literal value; absent with only a Secret, or for a presence match. */
    readonly value?: string;
    /** Whether the value comes from a Kubernetes Secret (not known offline). */
    readonly secret: boolean;
    /** `mismatch` action (`LOG`, `ADD`, `DELETE`, `REPLACE`): the request is then not denied on a mismatch. */
    readonly mismatch?: string;
  }[];
  readonly source: SourceRef;
}

/** One `rules.dns` entry: a query name the DNS proxy lets through (`matchName` or `matchPattern`). */
export type DNSRule = FQDNSelector;

/**
 * One `toPorts[]` entry. An empty `ports` list matches no port (docs/semantics.md §7, item 2: the element is
 * not L3-only, and a port rule without ports contributes nothing); `toPorts: []` or no `toPorts` is L3-only.
 */
export interface PortRule {
  readonly ports: readonly PortProtocol[];
  readonly l7: L7Kind | null;
  /** The `rules.http` entries when `l7` is `http` (empty list: every request). */
  readonly http?: readonly HTTPRule[];
  /** The `rules.dns` entries when `l7` is `dns` (empty list: every query). */
  readonly dns?: readonly DNSRule[];
  /** TLS SNI names (`serverNames`); non-empty means the rule is filtered above L4. */
  readonly serverNames: readonly string[];
  /** True when the rule redirects to an Envoy listener (`listener`). */
  readonly listener: boolean;
  readonly source: SourceRef;
}

/** One ICMP field of an `icmps` rule. `type` is a number (0-255) or Cilium's CamelCase name. */
export interface ICMPField {
  readonly family: 'IPv4' | 'IPv6';
  readonly type: number | string;
  readonly source: SourceRef;
}

/** A CIDR peer from `toCIDR`/`fromCIDR` (no except) or `toCIDRSet`/`fromCIDRSet`. */
export interface CIDRRule {
  /** Normalised CIDR text, e.g. `10.0.0.0/8`; a bare IP is stored as a /32 or /128. Empty with a group ref. */
  readonly cidr: string;
  readonly except: readonly string[];
  /** `cidrGroupRef`: the name of a CiliumCIDRGroup whose `externalCIDRs` this entry stands for. */
  readonly cidrGroupRef?: string;
  /** `cidrGroupSelector`: the CiliumCIDRGroups whose labels match stand for this entry. */
  readonly cidrGroupSelector?: LabelSelector;
  /** `${var}` placeholder left unresolved: the rule matches nothing and is reported. */
  readonly unresolved?: boolean;
  readonly source: SourceRef;
}

/** Cilium entities (`pkg/policy/api/entity.go`). */
export type Entity =
  | 'all'
  | 'world'
  | 'world-ipv4'
  | 'world-ipv6'
  | 'cluster'
  | 'host'
  | 'init'
  | 'ingress'
  | 'unmanaged'
  | 'remote-node'
  | 'health'
  | 'none'
  | 'kube-apiserver';

/** One `toFQDNs` entry. Exactly one of the two fields is set. */
export interface FQDNSelector {
  readonly matchName?: string;
  readonly matchPattern?: string;
  readonly source: SourceRef;
}

/** One `toServices` entry: a service by name/namespace or by a label selector. */
export interface ServiceSelector {
  readonly name?: string;
  readonly namespace?: string;
  readonly selector?: LabelSelector;
  readonly source: SourceRef;
}

/**
 * One element of `ingress`, `ingressDeny`, `egress` or `egressDeny` of a Cilium rule, with the peer fields
 * merged under direction-neutral names. A field is `null` when absent from the YAML (absent and empty
 * differ in Cilium: `fromEndpoints: []` selects nothing, an absent one does not restrict).
 */
export interface PeerRule {
  readonly direction: 'ingress' | 'egress';
  readonly deny: boolean;
  /** Position of this element in its list (`spec.ingress[index]`). */
  readonly index: number;
  /** fromEndpoints / toEndpoints */
  readonly endpoints: readonly LabelSelector[] | null;
  /** fromRequires / toRequires (deprecated in Cilium; extra requirements ANDed to every selector). */
  readonly requires: readonly LabelSelector[] | null;
  /** fromCIDR + fromCIDRSet / toCIDR + toCIDRSet */
  readonly cidrs: readonly CIDRRule[] | null;
  /** fromEntities / toEntities */
  readonly entities: readonly Entity[] | null;
  /** fromNodes / toNodes (node label selectors). */
  readonly nodes: readonly LabelSelector[] | null;
  /** toFQDNs (egress only). */
  readonly fqdns: readonly FQDNSelector[] | null;
  /** toServices (egress only). */
  readonly services: readonly ServiceSelector[] | null;
  /** True when fromGroups/toGroups (cloud provider groups) is present: not modelled offline. */
  readonly groups: boolean;
  /** toPorts; empty = no L4 restriction. */
  readonly toPorts: readonly PortRule[];
  /** icmps fields, flattened. */
  readonly icmps: readonly ICMPField[];
  /**
   * True when `icmps` lists entries but none of them names a field (`icmps: [{}]`): Cilium turns each entry
   * into a port rule with no ports, so the element has L4 rules that match nothing and allows nothing, not
   * every port (cilium/cilium pkg/policy/api/icmp.go `ICMPRule.GetPortRule`; pkg/policy/utils
   * `RulesToPolicyEntries` appends it to the entry's L4; the policy simulator's `flattenMatchingL4` finds no
   * port in it). Absent otherwise.
   */
  readonly icmpsWithoutFields?: true;
  /** `authentication.mode`, when set. */
  readonly authentication?: string;
  readonly source: SourceRef;
}

/** One Cilium rule: a CNP/CCNP `spec` or one element of `specs`. */
export interface CiliumRule {
  /** `endpointSelector`; null for host policies, which use `nodeSelector`. */
  readonly endpointSelector: LabelSelector | null;
  readonly nodeSelector: LabelSelector | null;
  /** null when the YAML omits the list; [] when it is present and empty. */
  readonly ingress: readonly PeerRule[] | null;
  readonly ingressDeny: readonly PeerRule[] | null;
  readonly egress: readonly PeerRule[] | null;
  readonly egressDeny: readonly PeerRule[] | null;
  readonly enableDefaultDeny: { readonly ingress?: boolean; readonly egress?: boolean };
  readonly description?: string;
  /** Index in `specs` (0 for `spec`). */
  readonly index: number;
  readonly source: SourceRef;
}

/** Fields every loaded Kubernetes object carries. */
export interface ObjectMeta {
  readonly apiVersion: string;
  readonly name: string;
  /** Empty string for cluster-scoped objects. */
  readonly namespace: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** Where the object starts (its first key). */
  readonly source: SourceRef;
  /** Index of the YAML document in its file (0-based), for edits. */
  readonly documentIndex: number;
}

/** A `v1/Namespace`. `labels` includes the automatic `kubernetes.io/metadata.name`. */
export interface NamespaceObject extends ObjectMeta {
  readonly kind: 'Namespace';
}

/** A `cilium.io/v2` CiliumNetworkPolicy (namespaced) or CiliumClusterwideNetworkPolicy. */
export interface CiliumPolicyObject extends ObjectMeta {
  readonly kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  /** `spec` followed by `specs[]`. */
  readonly rules: readonly CiliumRule[];
}

/** A `networking.k8s.io/v1` NetworkPolicy peer (`from[]`/`to[]` element). */
export interface NetworkPolicyPeer {
  readonly podSelector: LabelSelector | null;
  readonly namespaceSelector: LabelSelector | null;
  readonly ipBlock: { readonly cidr: string; readonly except: readonly string[] } | null;
  readonly source: SourceRef;
}

/** A `networking.k8s.io/v1` NetworkPolicy port: protocol defaults to TCP. */
export interface NetworkPolicyPort {
  /** Number, name, or undefined for all ports. */
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly source: SourceRef;
}

/** One ingress or egress rule of a Kubernetes NetworkPolicy. `peers: null` means all peers. */
export interface NetworkPolicyRule {
  readonly peers: readonly NetworkPolicyPeer[] | null;
  /** null (absent) or empty: all ports. */
  readonly ports: readonly NetworkPolicyPort[] | null;
  readonly index: number;
  readonly source: SourceRef;
}

/** A Kubernetes `networking.k8s.io/v1` NetworkPolicy, enforced by Cilium with Kubernetes semantics. */
export interface KubernetesNetworkPolicyObject extends ObjectMeta {
  readonly kind: 'NetworkPolicy';
  readonly podSelector: LabelSelector;
  /** Effective policyTypes (Kubernetes defaulting applied: Ingress always, Egress when egress rules exist). */
  readonly policyTypes: readonly ('Ingress' | 'Egress')[];
  readonly ingress: readonly NetworkPolicyRule[];
  readonly egress: readonly NetworkPolicyRule[];
}

/** Any policy kind the engine evaluates. */
export type PolicyObject = CiliumPolicyObject | KubernetesNetworkPolicyObject;

/** A named container port of a workload, for named-port resolution. */
export interface NamedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** Kinds read for their pod template. */
export type WorkloadKind =
  | 'Pod'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'Job'
  | 'CronJob';

/** A workload: its pod labels, service account and named container ports. */
export interface WorkloadObject extends ObjectMeta {
  readonly kind: WorkloadKind;
  readonly podLabels: Labels;
  /** `serviceAccountName` of the pod template; `default` when omitted. */
  readonly serviceAccount: string;
  readonly namedPorts: readonly NamedPort[];
}

/** Monitoring objects read for who scrapes which namespaces (Prometheus and VictoriaMetrics operators). */
export type MonitoringKind =
  | 'ServiceMonitor'
  | 'PodMonitor'
  | 'VMServiceScrape'
  | 'VMPodScrape'
  | 'Prometheus'
  | 'PrometheusAgent'
  | 'VMAgent';

/**
 * A scrape target declaration (ServiceMonitor, PodMonitor, VMServiceScrape, VMPodScrape: `role: 'target'`)
 * or a scraper (Prometheus, PrometheusAgent, VMAgent: `role: 'scraper'`), read leniently: only what the
 * lint rules need to tell who scrapes which namespace.
 */
export interface MonitoringObject extends ObjectMeta {
  readonly kind: MonitoringKind;
  readonly role: 'target' | 'scraper';
  /**
   * For a target: the namespaces whose pods it scrapes (`spec.namespaceSelector.matchNames`, `any: true`
   * gives `'any'`, none gives its own namespace). For a scraper: `'any'`.
   */
  readonly targetNamespaces: readonly string[] | 'any';
}

/**
 * An object whose manifests are rendered in the cluster, out of netpol's sight: a Flux HelmRelease or an
 * Argo CD Application. Read leniently, for the namespace whose workloads it creates.
 */
export interface RenderingObject extends ObjectMeta {
  readonly kind: 'HelmRelease' | 'Application';
  readonly rendering: true;
  /** Where its workloads land: `spec.targetNamespace` (HelmRelease), `spec.destination.namespace` (Application), else its own namespace. */
  readonly targetNamespace: string;
}

/**
 * The repository settings that change verdicts (DESIGN.md §13), from `netpol.config.yaml` and flags.
 * Defaults are those of the current Cilium release.
 */
export interface ClusterSettings {
  /** Default: `default`. */
  readonly policyEnforcementMode: 'default' | 'always' | 'never';
  /** `[]` (CIDR rules never select nodes) or `['nodes']`. Default: `[]`. */
  readonly policyCIDRMatchMode: readonly 'nodes'[];
  /** Whether the local host (kubelet probes) always reaches its pods. Default: `true` (`allow-localhost=auto`). */
  readonly allowLocalhost: boolean;
  /** Cluster name, the `io.cilium.k8s.policy.cluster` label of every pod. Default: `default`. */
  readonly clusterName: string;
  /** Cilium version the repository targets. Default: `1.19`. */
  readonly ciliumVersion: string;
  /**
   * Where the Kubernetes API server runs, which decides its identity: `external` (a managed control plane:
   * Cilium gives its addresses `reserved:kube-apiserver` plus the world/CIDR labels of an outside address)
   * or `nodes` (on cluster nodes: `reserved:kube-apiserver` plus `reserved:remote-node`).
   * Default: `external`.
   */
  readonly kubeAPIServer: 'external' | 'nodes';
  /**
   * Whether Cilium's host firewall is on (`hostFirewall.enabled=true`): host policies (`nodeSelector`) then
   * decide the host side of flows to and from `host` and `remote-node`. Default: `false` (host policies are
   * reported, not evaluated).
   */
  readonly hostFirewall?: boolean;
  /**
   * Nodes of the cluster with their labels (`cluster.nodes`), for `fromNodes`/`toNodes` and host policies; a
   * Node object of the same name in the repository is replaced by the entry. Default: none.
   */
  readonly nodes?: readonly ClusterNode[];
}

/** A node of the cluster as `cluster.nodes` describes it (or a Node object in the repository). */
export interface ClusterNode {
  readonly name: string;
  /** The Node's labels, e.g. `node-role.kubernetes.io/control-plane: ""`. */
  readonly labels: Labels;
  /** Its IP addresses (InternalIP, ExternalIP). Default: none. */
  readonly addresses: readonly string[];
}

/** A loaded repository. Arrays keep file order (files sorted, documents in order). */
export interface Repo {
  /** Absolute root directory, or `''` for stdin-only input. */
  readonly root: string;
  /** Files read, relative to `root`. */
  readonly files: readonly string[];
  readonly namespaces: readonly NamespaceObject[];
  readonly policies: readonly PolicyObject[];
  readonly workloads: readonly WorkloadObject[];
  /** CiliumCIDRGroups, which `cidrGroupRef` and `cidrGroupSelector` in CIDR rules refer to. */
  readonly cidrGroups: readonly CIDRGroupObject[];
  /** Services (for `toServices`). */
  readonly services: readonly ServiceObject[];
  /** Endpoints and EndpointSlices written in git (backends of Services without a selector). */
  readonly serviceEndpoints: readonly ServiceEndpointsObject[];
  /** Node objects in the tree (node labels for `fromNodes`/`toNodes` and host policies). */
  readonly nodes: readonly NodeObject[];
  /** ServiceMonitors, PodMonitors, Prometheus and VictoriaMetrics scrape objects (who scrapes what). */
  readonly monitoring: readonly MonitoringObject[];
  /** HelmReleases and Argo CD Applications: workloads the repository does not show. */
  readonly rendering: readonly RenderingObject[];
  /** Objects of other kinds, counted by kind. */
  readonly skippedKinds: Readonly<Record<string, number>>;
  /**
   * Every manifest file whose objects reach the cluster (read as a resource by a kustomization, a generated
   * Flux kustomization, or the plain walk), relative to `root`, in order of first use. With Flux, a file
   * only a Flux Kustomization applies is here although no kustomization file lists it.
   */
  readonly appliedFiles: readonly string[];
  /**
   * Sources whose objects cannot be seen offline (HelmReleases, Kustomizations of other sources, Argo CD
   * Helm applications), with the namespaces they target. Empty without Flux or Argo CD.
   */
  readonly unseen: readonly UnseenSource[];
  /** How the tree was read: the entry folder (relative to `root`) and the cluster picked, if any. */
  readonly entry: RepoEntry;
  readonly settings: ClusterSettings;
  /** The raw `netpol.config.yaml` contents (other layers read their own sections), or `{}`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Positions of `netpol.config.yaml` values by dotted path (`catalog.domain`). Default: none. */
  readonly configSources?: Readonly<Record<string, SourceRef>>;
  /**
   * The Flux variables substituted into a scalar, by the scalar's position (`file:line:column`), each with
   * where its value was set (`ConfigMap flux-system/settings (clusters/prod/settings.yaml:7)`, `--var`), so a
   * finding about a value can name the variable that produced it. Default: none.
   */
  readonly substitutions?: ReadonlyMap<string, readonly SubstitutedVariable[]>;
}

/** A Flux variable substituted into a value, and where its value was set. */
export interface SubstitutedVariable {
  readonly name: string;
  /** Where the value was set: a ConfigMap key, a Kustomization's `postBuild.substitute`, or `--var`. */
  readonly setIn: string;
}

/**
 * A CiliumCIDRGroup (cluster-scoped, `cilium.io/v2alpha1` or `v2`): a named, labelled list of CIDRs outside
 * the cluster that CIDR rules select with `cidrGroupRef` (by name) or `cidrGroupSelector` (by labels).
 * @see Cilium docs network/kubernetes/ciliumcidrgroup
 */
export interface CIDRGroupObject {
  readonly kind: 'CiliumCIDRGroup';
  readonly name: string;
  /** Always `''`: the kind is cluster-scoped. */
  readonly namespace: string;
  readonly labels: Labels;
  /** `spec.externalCIDRs`, normalised like rule CIDRs (a bare IP becomes /32 or /128). */
  readonly externalCIDRs: readonly string[];
  readonly source: SourceRef;
}

/**
 * A `v1/Service`, read for `toServices` (name, namespace, labels, selector). Read leniently: netpol does not
 * validate Services.
 * @see cilium/cilium pkg/policy/k8s/service.go (which Services a toServices rule selects, and how)
 */
export interface ServiceObject extends ObjectMeta {
  readonly kind: 'Service';
  /** `spec.selector`; `null` when absent or empty (a Service whose endpoints are managed by hand). */
  readonly selector: Labels | null;
}

/**
 * The backend addresses of a Service as written in git: a `v1/Endpoints` (same name as its Service) or a
 * `discovery.k8s.io/v1` EndpointSlice (its Service named by the `kubernetes.io/service-name` label).
 */
export interface ServiceEndpointsObject extends ObjectMeta {
  readonly kind: 'Endpoints' | 'EndpointSlice';
  /** The Service these addresses back, in the object's namespace. */
  readonly serviceName: string;
  /**
   * Backend addresses as single-address CIDRs (`10.0.0.5/32`): Endpoints' `subsets[].addresses[].ip`, and the
   * `addresses` of EndpointSlice endpoints whose `conditions.ready` is not `false`.
   */
  readonly addresses: readonly string[];
}

/** A `v1/Node`: its labels (for `fromNodes`/`toNodes` and host policies) and addresses. */
export interface NodeObject extends ObjectMeta {
  readonly kind: 'Node';
  /** `status.addresses[].address` that are IP addresses (InternalIP, ExternalIP). */
  readonly addresses: readonly string[];
}

/** A source of objects netpol cannot see offline (see {@link Repo.unseen}). */
export interface UnseenSource {
  /** `HelmRelease`, `Kustomization` (of another source), `Application` … */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Why its objects are missing, one phrase (`rendered by helm-controller at runtime`). */
  readonly reason: string;
  /** Namespaces its objects land in; `*` when unknown. */
  readonly namespaces: readonly string[];
  readonly source: SourceRef;
}

/**
 * How the repository was read: `plain` (every manifest below the root), `kustomize` (the root
 * kustomization), `flux` (Flux Kustomizations, and any Argo CD Applications beside them, followed from an entry
 * folder), `argo` (the same, in a repository with Argo CD Applications/ApplicationSets and no Flux object),
 * `files` (`-f`).
 */
export interface RepoEntry {
  readonly mode: 'plain' | 'kustomize' | 'flux' | 'argo' | 'files';
  /** The entry folder relative to `root` (`''`: the root itself). */
  readonly path: string;
  /** The cluster picked among several (`--cluster`), if the repository holds several. */
  readonly cluster?: string;
}

/** One object as netpol analyses it (after kustomize, Flux and substitution), for `netpol render`. */
export interface RenderedObject {
  /** The object's plain value. */
  readonly value: unknown;
  /** Where the object starts in its file. */
  readonly source: SourceRef;
}

/** The result of loading: the repo and every diagnostic found on the way. */
export interface LoadResult {
  readonly repo: Repo;
  readonly diagnostics: readonly Diagnostic[];
  /** Every object read, in load order; only when the load asked for it (`render: true`). */
  readonly rendered?: readonly RenderedObject[];
}
