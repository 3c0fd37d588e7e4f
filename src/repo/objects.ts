import type { Diagnostic, SourceRef } from '../errors.js';
import { hostL7Kind, readCidrText, readCiliumRule } from './cilium-rules.js';
import type { YamlDocument, YamlPath } from './documents.js';
import type {
  CIDRGroupObject,
  CiliumPolicyObject,
  CiliumRule,
  KubernetesNetworkPolicyObject,
  Labels,
  MonitoringKind,
  MonitoringObject,
  NamedPort,
  NamespaceObject,
  ObjectMeta,
  PolicyObject,
  RenderingObject,
  WorkloadKind,
  WorkloadObject,
} from './model.js';
import { lenientMeta, NETWORK_KINDS, type NetworkObject, readNetworkObject } from './network-objects.js';
import { readNetworkPolicySpec } from './network-policy.js';
import {
  FieldSet,
  fitted,
  isRecord,
  ownString,
  type Path,
  ReadContext,
  readFields,
  readList,
  show,
  stringValueHint,
  typeName,
  withFields,
} from './read-context.js';
import {
  closest,
  isDnsLabel,
  isDnsSubdomain,
  isIanaServiceName,
  labelKeyProblem,
  labelValueProblem,
} from './values.js';

/** Any object the loader types: a Namespace, a policy, a workload, a CIDR group, a monitoring object or an object rendered in the cluster. */
export type RepoObject =
  | NamespaceObject
  | PolicyObject
  | WorkloadObject
  | CIDRGroupObject
  | MonitoringObject
  | RenderingObject
  | NetworkObject;

/** Identity of any Kubernetes object read (typed or skipped), for duplicate detection. */
export interface ObjectIdentity {
  /** API group (`''` for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly source: SourceRef;
}

/** What {@link readObjects} found in one document. */
export interface ReadObjectsResult {
  /** Typed objects, in document order (a `List` gives several). */
  readonly objects: readonly RepoObject[];
  /** Kinds of other objects (Service, ConfigMap, Kustomization …), one entry per object. */
  readonly skippedKinds: readonly string[];
  /** Every object with a kind and a name, typed or not. */
  readonly identities: readonly ObjectIdentity[];
  /** True when the document is a bare list of Cilium rules in the agent's API format. */
  readonly agentFormat: boolean;
}

/** Options of {@link readObjects}. */
export interface ReadObjectsOptions {
  /**
   * The `namespace:` of the kustomization that lists the file. As kustomize does, it replaces the namespace
   * of every namespaced object and the name of every `v1/Namespace`. Default: none.
   */
  readonly namespace?: string;
  /**
   * Positions of a rendered object (see `ReadContext`): used instead of `doc` paths when the value was
   * transformed by kustomize or Flux. Default: positions in `doc`.
   */
  readonly locate?: (path: YamlPath, key: boolean) => SourceRef | undefined;
}

/** Kinds known to be cluster-scoped: kustomize's namespace does not apply to them. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'CSIDriver',
  'CSINode',
  'VolumeSnapshotClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'PodSecurityPolicy',
  'GatewayClass',
  'ClusterIssuer',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'CiliumClusterwideEnvoyConfig',
  'CiliumCIDRGroup',
  'CiliumNode',
  'CiliumIdentity',
  'CiliumExternalWorkload',
  'CiliumLoadBalancerIPPool',
  'CiliumL2AnnouncementPolicy',
  'CiliumPodIPPool',
  'CiliumBGPClusterConfig',
  'CiliumBGPPeerConfig',
  'CiliumBGPAdvertisement',
  'CiliumBGPNodeConfig',
  'CiliumBGPNodeConfigOverride',
  'CiliumBGPPeeringPolicy',
]);

const WORKLOAD_GROUPS: Readonly<Record<WorkloadKind, string>> = {
  Pod: '',
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
};

/** Workload kinds, read for their pod template (see {@link WorkloadKind}). */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(Object.keys(WORKLOAD_GROUPS));

/** The kinds the loader types, with their API group and served version. */
const TYPED_KINDS: Readonly<Record<string, { group: string; version: string }>> = {
  Namespace: { group: '', version: 'v1' },
  CiliumNetworkPolicy: { group: 'cilium.io', version: 'v2' },
  CiliumClusterwideNetworkPolicy: { group: 'cilium.io', version: 'v2' },
  NetworkPolicy: { group: 'networking.k8s.io', version: 'v1' },
  // Served as cilium.io/v2alpha1, and as cilium.io/v2 by newer releases (both accepted below).
  CiliumCIDRGroup: { group: 'cilium.io', version: 'v2alpha1' },
  ...Object.fromEntries(
    Object.entries(WORKLOAD_GROUPS).map(([k, g]) => [k, { group: g, version: 'v1' }] as const),
  ),
};

/** Every kind the loader types: Namespace, the policy kinds and the workload kinds. */
export const TYPED_KIND_NAMES: ReadonlySet<string> = new Set(Object.keys(TYPED_KINDS));

/** Monitoring kinds read leniently (group → kinds), for who scrapes which namespace. */
const MONITORING_KINDS: Readonly<Record<string, Readonly<Record<string, MonitoringObject['role']>>>> = {
  'monitoring.coreos.com': {
    ServiceMonitor: 'target',
    PodMonitor: 'target',
    Prometheus: 'scraper',
    PrometheusAgent: 'scraper',
  },
  'operator.victoriametrics.com': { VMServiceScrape: 'target', VMPodScrape: 'target', VMAgent: 'scraper' },
};

/** Kinds whose workloads are rendered in the cluster (group → kind). */
const RENDERING_KINDS: Readonly<Record<string, RenderingObject['kind']>> = {
  'helm.toolkit.fluxcd.io': 'HelmRelease',
  'argoproj.io': 'Application',
};

/** Cilium kinds that change how traffic flows, which netpol reads but does not evaluate. */
const UNMODELLED_CILIUM_KINDS: Readonly<Record<string, string>> = {
  CiliumEnvoyConfig: 'traffic it redirects to Envoy listeners is evaluated at L4 only',
  CiliumClusterwideEnvoyConfig: 'traffic it redirects to Envoy listeners is evaluated at L4 only',
  CiliumLocalRedirectPolicy: 'the traffic it redirects is evaluated for its original destination',
  CiliumEgressGatewayPolicy: 'egress through a gateway node is evaluated as direct egress',
};

/**
 * Kinds of the policy API groups that exist but do not change a network-policy verdict: Cilium's
 * load-balancer IPAM, L2 announcements, BGP, IP pools, node and endpoint state, Gateway class config, and
 * Tetragon's tracing policies (also `cilium.io`); Kubernetes' Ingress, IngressClass, ServiceCIDR and
 * IPAddress. Skipped without a warning (counted in `skippedKinds`): warning on them was noise on every real
 * repository read (docs/real-repos.md). Sources: the CRD lists of Cilium 1.16-1.18 (pkg/k8s/apis/cilium.io)
 * and Tetragon; kubernetes.io API reference, networking.k8s.io/v1.
 */
const OTHER_KNOWN_KINDS: Readonly<Record<string, ReadonlySet<string>>> = {
  'cilium.io': new Set([
    'CiliumLoadBalancerIPPool',
    'CiliumL2AnnouncementPolicy',
    'CiliumBGPPeeringPolicy',
    'CiliumBGPClusterConfig',
    'CiliumBGPPeerConfig',
    'CiliumBGPAdvertisement',
    'CiliumBGPNodeConfig',
    'CiliumBGPNodeConfigOverride',
    'CiliumPodIPPool',
    'CiliumNodeConfig',
    'CiliumNode',
    'CiliumEndpoint',
    'CiliumEndpointSlice',
    'CiliumIdentity',
    'CiliumExternalWorkload',
    'CiliumGatewayClassConfig',
    'TracingPolicy',
    'TracingPolicyNamespaced',
  ]),
  'networking.k8s.io': new Set(['Ingress', 'IngressClass', 'ServiceCIDR', 'IPAddress']),
};

/** API groups that once served typed kinds and no longer do (removed in Kubernetes 1.16-1.25). */
const LEGACY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  extensions: ['Deployment', 'DaemonSet', 'ReplicaSet', 'NetworkPolicy'],
};

const METADATA_FIELDS = new FieldSet([
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
]);
const CILIUM_POLICY_FIELDS = new FieldSet(['apiVersion', 'kind', 'metadata', 'spec', 'specs', 'status']);
const PLAIN_OBJECT_FIELDS = new FieldSet(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const LIST_FIELDS = new FieldSet(['apiVersion', 'kind', 'metadata', 'items']);

/** Keys an agent-format Cilium rule carries; a bare list of mappings with one of them is such a rule list. */
const AGENT_RULE_KEYS = [
  'endpointselector',
  'nodeselector',
  'ingress',
  'egress',
  'ingressdeny',
  'egressdeny',
];

/**
 * Reads the Kubernetes objects of one document: Namespaces, CiliumNetworkPolicies,
 * CiliumClusterwideNetworkPolicies, Kubernetes NetworkPolicies and workloads (Pod, Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), a `v1/List` of them, or a bare JSON list of Cilium
 * rules in the agent's API format (validated, not returned). Other kinds are counted.
 * Every problem is a diagnostic at the offending node; a broken element is dropped and the rest kept.
 * @param doc - The document (for positions).
 * @param value - The document's plain value (after `${var}` substitution).
 * @param diagnostics - Receives the findings.
 * @param options - See {@link ReadObjectsOptions}.
 * @returns The objects and counts.
 */
export function readObjects(
  doc: YamlDocument,
  value: unknown,
  diagnostics: Diagnostic[],
  options: ReadObjectsOptions = {},
): ReadObjectsResult {
  const result = {
    objects: [] as RepoObject[],
    skippedKinds: [] as string[],
    identities: [] as ObjectIdentity[],
    agentFormat: false,
  };
  if (value === null || value === undefined) return result;
  if (Array.isArray(value)) {
    const looksLikeRules =
      value.length > 0 &&
      value.some((v) => isRecord(v) && Object.keys(v).some((k) => AGENT_RULE_KEYS.includes(k.toLowerCase())));
    const ctx = new ReadContext(doc, diagnostics, true);
    if (!looksLikeRules) {
      ctx.report(
        'UNKNOWN_KIND',
        'warning',
        'This document is a list, not a Kubernetes object or a list of Cilium rules; it is ignored.',
        [],
        'Remove the file from the manifests, or wrap the objects in `kind: List`.',
      );
      return result;
    }
    value.forEach((rule, i) => {
      readCiliumRule(ctx, rule, [i], i);
    });
    return { ...result, agentFormat: true };
  }
  const ctx = new ReadContext(doc, diagnostics, false, options.locate);
  readOne(ctx, value, [], options, result);
  return result;
}

function readOne(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  options: ReadObjectsOptions,
  out: { objects: RepoObject[]; skippedKinds: string[]; identities: ObjectIdentity[] },
): void {
  if (!isRecord(value)) {
    ctx.report(
      'UNKNOWN_KIND',
      'warning',
      `This document is ${typeName(value)}, not a Kubernetes object; it is ignored.`,
      path,
    );
    return;
  }
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  const misspelt = (field: string): string | undefined =>
    Object.keys(value).find((k) => k !== field && k.toLowerCase() === field.toLowerCase());
  for (const field of ['apiVersion', 'kind'] as const) {
    const written = value[field] === undefined ? misspelt(field) : undefined;
    if (written === undefined) continue;
    ctx.report(
      'MISSING_FIELD',
      'error',
      `The object has "${written}" but no "${field}"; field names are case-sensitive, so it is ignored.`,
      [...path, written],
      `Write "${field}".`,
      { key: true },
    );
    return;
  }
  if (kind === undefined && apiVersion === undefined) {
    ctx.report(
      'UNKNOWN_KIND',
      'warning',
      'This document has no apiVersion and no kind, so it is not a Kubernetes object; it is ignored.',
      path,
      'Remove the file from the manifests, or add apiVersion and kind.',
    );
    return;
  }
  if (typeof kind !== 'string' || kind === '') {
    ctx.report(
      kind === undefined ? 'MISSING_FIELD' : 'BAD_VALUE',
      'error',
      kind === undefined ? 'The object has no kind.' : `kind must be a string, not ${typeName(kind)}.`,
      kind === undefined ? path : [...path, 'kind'],
    );
    return;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    ctx.report(
      apiVersion === undefined ? 'MISSING_FIELD' : 'BAD_VALUE',
      'error',
      apiVersion === undefined
        ? `The ${kind} has no apiVersion.`
        : `apiVersion must be a string, not ${typeName(apiVersion)}.`,
      apiVersion === undefined ? path : [...path, 'apiVersion'],
    );
    return;
  }
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  if (kind === 'List' && group === '') {
    readList1(ctx, value, path, options, out);
    return;
  }
  const typed = TYPED_KINDS[kind];
  if (typed && group !== typed.group && LEGACY_GROUPS[group]?.includes(kind)) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `apiVersion "${apiVersion}" is no longer served for ${kind}; the object is ignored.`,
      [...path, 'apiVersion'],
      `Use apiVersion: ${typed.group === '' ? '' : `${typed.group}/`}${typed.version}.`,
    );
    out.skippedKinds.push(kind);
    return;
  }
  if (!typed) {
    const near = Object.keys(TYPED_KINDS).find((k) => k.toLowerCase() === kind.toLowerCase());
    if (near && TYPED_KINDS[near]?.group === group) {
      ctx.report(
        'UNKNOWN_KIND',
        'error',
        `Kind "${kind}" does not exist; kinds are case-sensitive.`,
        [...path, 'kind'],
        `Did you mean "${near}"?`,
      );
      return;
    }
    const effect = group === 'cilium.io' ? UNMODELLED_CILIUM_KINDS[kind] : undefined;
    const known = OTHER_KNOWN_KINDS[group]?.has(kind) === true;
    if (effect === undefined && !known && (group === 'cilium.io' || group === 'networking.k8s.io')) {
      // An unknown kind in a policy API group is almost always a typo of a policy kind: a silent skip
      // would drop a policy from the analysis.
      const candidates = [
        ...Object.keys(TYPED_KINDS).filter((k) => TYPED_KINDS[k]?.group === group),
        ...(group === 'cilium.io' ? Object.keys(UNMODELLED_CILIUM_KINDS) : []),
      ];
      const guess = closest(kind, candidates);
      ctx.report(
        'UNKNOWN_KIND',
        'warning',
        `Kind "${kind}" is not a kind of ${group} that netpol knows; the object is ignored.`,
        [...path, 'kind'],
        guess ? `Did you mean "${guess}"?` : 'Check the kind against the CRDs installed in the cluster.',
      );
    }
    if (effect !== undefined) {
      ctx.report(
        'NOT_MODELLED',
        'info',
        `${kind} is not evaluated by netpol: ${effect}.`,
        [...path, 'kind'],
        'Verify its effect against the live cluster.',
      );
    }
    out.skippedKinds.push(kind);
    const id = identity(ctx, value, path, group, kind, options);
    if (id) out.identities.push(id);
    const role = MONITORING_KINDS[group]?.[kind];
    if (role && id) out.objects.push(readMonitoring(value, kind as MonitoringKind, role, id, ctx.doc.index));
    if (id && RENDERING_KINDS[group] === kind)
      out.objects.push(readRendering(value, kind, id, ctx.doc.index));
    if (id && NETWORK_KINDS[group]?.includes(kind as NetworkObject['kind'])) {
      const net = readNetworkObject(value, id, ctx.doc.index);
      if (net) out.objects.push(net);
    }
    return;
  }
  if (typed.group !== group) {
    // Same kind name in another API group (e.g. Calico's NetworkPolicy): not ours.
    out.skippedKinds.push(kind);
    const id = identity(ctx, value, path, group, kind, options);
    if (id) out.identities.push(id);
    return;
  }
  if (typed.version !== version && !(kind === 'CiliumCIDRGroup' && version === 'v2')) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `apiVersion "${apiVersion}" is not served for ${kind}; the object is ignored.`,
      [...path, 'apiVersion'],
      `Use apiVersion: ${group === '' ? '' : `${group}/`}${typed.version}.`,
    );
    out.skippedKinds.push(kind);
    return;
  }
  const object = readTyped(ctx, value, path, kind, options);
  if (!object) return;
  out.objects.push(object);
  out.identities.push({ group, kind, namespace: object.namespace, name: object.name, source: object.source });
}

/** A monitoring object, read leniently (no diagnostics: netpol does not validate these kinds). */
function readMonitoring(
  value: Record<string, unknown>,
  kind: MonitoringKind,
  role: MonitoringObject['role'],
  id: ObjectIdentity,
  documentIndex: number,
): MonitoringObject {
  let targetNamespaces: MonitoringObject['targetNamespaces'] = 'any';
  if (role === 'target') {
    const spec = isRecord(value.spec) ? value.spec : {};
    const sel = isRecord(spec.namespaceSelector) ? spec.namespaceSelector : {};
    const names = Array.isArray(sel.matchNames)
      ? sel.matchNames.filter((n): n is string => typeof n === 'string')
      : [];
    targetNamespaces = sel.any === true ? 'any' : names.length > 0 ? names : [id.namespace];
  }
  return { ...lenientMeta(value, id, documentIndex), kind, role, targetNamespaces };
}

/** A HelmRelease or Argo CD Application, read leniently for the namespace its workloads land in. */
function readRendering(
  value: Record<string, unknown>,
  kind: string,
  id: ObjectIdentity,
  documentIndex: number,
): RenderingObject {
  const spec = isRecord(value.spec) ? value.spec : {};
  const destination = isRecord(spec.destination) ? spec.destination : {};
  const target = kind === 'HelmRelease' ? spec.targetNamespace : destination.namespace;
  return {
    apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
    kind: kind === 'HelmRelease' ? 'HelmRelease' : 'Application',
    name: id.name,
    namespace: id.namespace,
    labels: {},
    annotations: {},
    source: id.source,
    documentIndex,
    rendering: true,
    targetNamespace: typeof target === 'string' && target !== '' ? target : id.namespace,
  };
}

function readList1(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  options: ReadObjectsOptions,
  out: { objects: RepoObject[]; skippedKinds: string[]; identities: ObjectIdentity[] },
): void {
  const f = readFields(ctx, value, path, LIST_FIELDS, 'a List', 'warning');
  const items = readList(ctx, f.get('items'), f.at('items'), 'items', []) ?? [];
  items.forEach((item, i) => {
    readOne(ctx, item, [...f.at('items'), i], options, out);
  });
}

function identity(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  group: string,
  kind: string,
  options: ReadObjectsOptions,
): ObjectIdentity | null {
  const meta = value.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string') return null;
  const clusterScoped = CLUSTER_SCOPED_KINDS.has(kind);
  const ns = clusterScoped
    ? ''
    : (options.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : 'default'));
  return { group, kind, namespace: ns, name: meta.name, source: ctx.source(path) };
}

function readTyped(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  kind: string,
  options: ReadObjectsOptions,
): RepoObject | null {
  const known =
    kind === 'CiliumNetworkPolicy' || kind === 'CiliumClusterwideNetworkPolicy'
      ? CILIUM_POLICY_FIELDS
      : PLAIN_OBJECT_FIELDS;
  const f = kind in WORKLOAD_GROUPS ? null : readFields(ctx, value, path, known, `a ${kind}`, 'warning');
  const meta = readMeta(ctx, value, path, kind, options);
  if (!meta) return null;
  switch (kind) {
    case 'Namespace':
      return withFields(meta, {
        kind: 'Namespace' as const,
        labels: { ...meta.labels, 'kubernetes.io/metadata.name': meta.name },
      });
    case 'CiliumNetworkPolicy':
    case 'CiliumClusterwideNetworkPolicy':
      return readCiliumPolicy(ctx, value, path, kind, meta, f);
    case 'CiliumCIDRGroup':
      return readCidrGroup(ctx, value, f?.at('spec') ?? [...path, 'spec'], meta);
    case 'NetworkPolicy': {
      const specPath = f?.at('spec') ?? [...path, 'spec'];
      const spec = readNetworkPolicySpec(ctx, value.spec, specPath);
      return withFields(meta, {
        kind: 'NetworkPolicy' as const,
        ...spec,
      }) satisfies KubernetesNetworkPolicyObject;
    }
    default:
      return readWorkload(ctx, value, path, kind as WorkloadKind, meta);
  }
}

function readCiliumPolicy(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy',
  meta: ObjectMeta,
  f: ReturnType<typeof readFields> | null,
): CiliumPolicyObject {
  const rules: CiliumRule[] = [];
  const specPath: Path = f?.at('spec') ?? [...path, 'spec'];
  const specsPath: Path = f?.at('specs') ?? [...path, 'specs'];
  const hasSpec = value.spec !== undefined && value.spec !== null;
  const specs = readList(ctx, value.specs, specsPath, 'specs', []);
  if (hasSpec) {
    const rule = readCiliumRule(ctx, value.spec, specPath, 0);
    if (rule) rules.push(rule);
  }
  specs?.forEach((s, i) => {
    const rule = readCiliumRule(ctx, s, [...specsPath, i], i);
    if (rule) rules.push(rule);
  });
  if (kind === 'CiliumNetworkPolicy') {
    const hostRules = cnpNodeSelectors(value.spec, specPath, specs, specsPath);
    if (hostRules.length > 0) {
      for (const at of hostRules.filter((r) => r.parsed)) {
        ctx.report(
          'BAD_VALUE',
          'error',
          `CiliumNetworkPolicy/${meta.namespace}/${meta.name} has a nodeSelector, which only a CiliumClusterwideNetworkPolicy may have: Cilium rejects the policy ("rule cannot have NodeSelector") and applies none of its rules.`,
          at.path,
          'Make it a CiliumClusterwideNetworkPolicy (host policies are cluster-wide), or select pods with endpointSelector.',
          { key: true },
        );
      }
      return { ...meta, kind, rules: [] };
    }
  }
  if (
    rules.some((r) => r.nodeSelector !== null && [...(r.ingress ?? []), ...(r.egress ?? [])].some(hostL7Kind))
  ) {
    // Reported by readCiliumRule; Cilium refuses the whole policy.
    return { ...meta, kind, rules: [] };
  }
  if (!hasSpec && specs === null) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      `${kind}/${kind === 'CiliumNetworkPolicy' ? `${meta.namespace}/` : ''}${meta.name} has neither spec nor specs, so it has no rules.`,
      path,
      'Add a spec with an endpointSelector and rules.',
    );
  }
  return withFields(meta, { kind, rules: fitted(rules) });
}

/**
 * The `nodeSelector` keys of a CiliumNetworkPolicy's rules. Cilium's `CiliumNetworkPolicy.Parse` rejects the
 * whole policy when any rule has one ("Invalid CiliumNetworkPolicy spec: rule cannot have NodeSelector",
 * cilium/cilium pkg/k8s/apis/cilium.io/v2 cnp_types.go; the same in every modelled release), so none of
 * its rules apply. `parsed` is false where the rule also has an endpointSelector, which `readCiliumRule`
 * already reports (Cilium's Sanitize refuses that first).
 */
function cnpNodeSelectors(
  spec: unknown,
  specPath: Path,
  specs: readonly unknown[] | null,
  specsPath: Path,
): { path: Path; parsed: boolean }[] {
  const out: { path: Path; parsed: boolean }[] = [];
  const check = (rule: unknown, at: Path) => {
    if (!isRecord(rule) || rule.nodeSelector === undefined) return;
    out.push({ path: [...at, 'nodeSelector'], parsed: rule.endpointSelector === undefined });
  };
  check(spec, specPath);
  specs?.forEach((s, i) => {
    check(s, [...specsPath, i]);
  });
  return out;
}

const CIDR_GROUP_SPEC_FIELDS = new FieldSet(['externalCIDRs']);

/**
 * A CiliumCIDRGroup: `spec.externalCIDRs` as CIDRs (a bad entry is `BAD_CIDR` and left out; a `${var}` entry
 * is left out too, as the rules' unresolved CIDRs are). An absent or empty list is a group that stands for no
 * address.
 */
function readCidrGroup(
  ctx: ReadContext,
  value: Record<string, unknown>,
  specPath: Path,
  meta: ObjectMeta,
): CIDRGroupObject {
  const externalCIDRs: string[] = [];
  if (isRecord(value.spec)) {
    const f = readFields(
      ctx,
      value.spec,
      specPath,
      CIDR_GROUP_SPEC_FIELDS,
      'a CiliumCIDRGroup spec',
      'warning',
    );
    const list = readList(ctx, f.get('externalCIDRs'), f.at('externalCIDRs'), 'externalCIDRs', []) ?? [];
    list.forEach((c, i) => {
      const r = readCidrText(ctx, c, [...f.at('externalCIDRs'), i]);
      if (r && 'parsed' in r) externalCIDRs.push(r.parsed.cidr);
    });
  } else if (value.spec !== undefined && value.spec !== null) {
    ctx.report('BAD_VALUE', 'error', `spec must be a mapping, not ${typeName(value.spec)}.`, specPath);
  }
  return {
    kind: 'CiliumCIDRGroup',
    name: meta.name,
    namespace: '',
    labels: meta.labels,
    externalCIDRs,
    source: meta.source,
  };
}

function readMeta(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  kind: string,
  options: ReadObjectsOptions,
): ObjectMeta | null {
  const metaPath: Path = [...path, 'metadata'];
  const meta = value.metadata;
  if (!isRecord(meta)) {
    ctx.report(
      meta === undefined || meta === null ? 'MISSING_FIELD' : 'BAD_VALUE',
      'error',
      meta === undefined || meta === null
        ? `The ${kind} has no metadata, so it has no name; it is ignored.`
        : `metadata must be a mapping, not ${typeName(meta)}.`,
      meta === undefined ? path : metaPath,
    );
    return null;
  }
  const f = readFields(ctx, meta, metaPath, METADATA_FIELDS, 'metadata', 'warning');
  const rawName = f.get('name');
  if (typeof rawName !== 'string' || rawName === '') {
    ctx.report(
      rawName === undefined || rawName === null ? 'MISSING_FIELD' : 'BAD_VALUE',
      'error',
      rawName === undefined || rawName === null
        ? `The ${kind} has no metadata.name; it is ignored.`
        : `metadata.name must be a non-empty string, not ${typeName(rawName)}; the ${kind} is ignored.`,
      rawName === undefined ? metaPath : f.at('name'),
      'Give the object a name.',
    );
    return null;
  }
  const clusterScoped = CLUSTER_SCOPED_KINDS.has(kind);
  let name = ownString(rawName);
  if (kind === 'Namespace' && options.namespace !== undefined) name = options.namespace;
  const nameOk = kind === 'Namespace' ? isDnsLabel(name) : isDnsSubdomain(name);
  if (!nameOk && !name.includes('${')) {
    ctx.report(
      'BAD_VALUE',
      'error',
      `Name "${name}" is not a valid ${kind} name.`,
      f.at('name'),
      kind === 'Namespace'
        ? 'Use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.'
        : 'Use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit.',
    );
  }
  let namespace = '';
  if (!clusterScoped) {
    const rawNs = f.get('namespace');
    if (options.namespace !== undefined) namespace = options.namespace;
    else if (typeof rawNs === 'string' && rawNs !== '') namespace = rawNs;
    else {
      if (rawNs !== undefined && rawNs !== null && typeof rawNs !== 'string') {
        ctx.report(
          'BAD_VALUE',
          'error',
          `metadata.namespace must be a string, not ${typeName(rawNs)}.`,
          f.at('namespace'),
        );
      } else {
        ctx.report(
          'MISSING_FIELD',
          'info',
          `${kind}/${rawName} has no metadata.namespace; it is read as namespace "default".`,
          metaPath,
          'Set metadata.namespace, or a `namespace:` in the kustomization that lists the file.',
        );
      }
      namespace = 'default';
    }
    if (!isDnsLabel(namespace) && !namespace.includes('${')) {
      ctx.report(
        'BAD_VALUE',
        'error',
        `Namespace "${namespace}" is not a valid namespace name.`,
        f.at('namespace'),
      );
    }
  }
  return {
    apiVersion: String(value.apiVersion),
    name,
    namespace,
    labels: readLabelMap(ctx, f.get('labels'), f.at('labels'), 'labels'),
    annotations: readLabelMap(ctx, f.get('annotations'), f.at('annotations'), 'annotations'),
    source: ctx.source(path),
    documentIndex: ctx.doc.index,
  };
}

/** Reads `labels` or `annotations`: string values only; label keys and values are checked too. */
function readLabelMap(ctx: ReadContext, value: unknown, path: Path, what: 'labels' | 'annotations'): Labels {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    ctx.report('BAD_VALUE', 'error', `${what} must be a mapping, not ${typeName(value)}.`, path);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const at: Path = [...path, key];
    if (typeof v !== 'string') {
      ctx.report(
        'BAD_VALUE',
        'error',
        `The value of ${what === 'labels' ? 'label' : 'annotation'} "${key}" must be a string, not ${typeName(v)}; it is ignored.`,
        at,
        stringValueHint(key, v),
      );
      continue;
    }
    if (what === 'labels' && !key.includes('${')) {
      const problem = labelKeyProblem(key);
      if (problem !== null) {
        ctx.report(
          'BAD_VALUE',
          'error',
          `Label key "${key}" is invalid: ${problem}; it is ignored.`,
          at,
          undefined,
          { key: true },
        );
        continue;
      }
      const valueProblem = v.includes('${') ? null : labelValueProblem(v);
      if (valueProblem !== null) {
        ctx.report(
          'BAD_VALUE',
          'error',
          `The value "${v}" of label "${key}" is invalid: ${valueProblem}; it is ignored.`,
          at,
        );
        continue;
      }
    }
    out[key] = ownString(v);
  }
  return out;
}

function podTemplatePath(kind: WorkloadKind): Path {
  switch (kind) {
    case 'Pod':
      return [];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template'];
    default:
      return ['spec', 'template'];
  }
}

function getPath(value: unknown, path: Path): unknown {
  let v = value;
  for (const step of path) {
    if (!isRecord(v)) return undefined;
    v = v[String(step)];
  }
  return v;
}

function readWorkload(
  ctx: ReadContext,
  value: Record<string, unknown>,
  path: Path,
  kind: WorkloadKind,
  meta: ObjectMeta,
): WorkloadObject | null {
  const templatePath = podTemplatePath(kind);
  const template = templatePath.length === 0 ? value : getPath(value, templatePath);
  const at: Path = [...path, ...templatePath];
  if (!isRecord(template)) {
    ctx.report(
      'MISSING_FIELD',
      'error',
      `${kind}/${meta.namespace}/${meta.name} has no pod template (${templatePath.join('.')}); it is ignored.`,
      at,
    );
    return null;
  }
  const podLabels =
    kind === 'Pod'
      ? meta.labels
      : readLabelMap(ctx, getPath(template, ['metadata', 'labels']), [...at, 'metadata', 'labels'], 'labels');
  const spec = template.spec;
  const specPath: Path = [...at, 'spec'];
  let serviceAccount = 'default';
  const namedPorts: NamedPort[] = [];
  if (isRecord(spec)) {
    const sa = spec.serviceAccountName ?? spec.serviceAccount;
    if (typeof sa === 'string' && sa !== '') serviceAccount = sa;
    else if (sa !== undefined && sa !== null && sa !== '') {
      ctx.report('BAD_VALUE', 'error', `serviceAccountName must be a string, not ${typeName(sa)}.`, [
        ...specPath,
        'serviceAccountName',
      ]);
    }
    for (const list of ['initContainers', 'containers'] as const) {
      const containers = readList(ctx, spec[list], [...specPath, list], list, []) ?? [];
      containers.forEach((c, i) => {
        if (!isRecord(c)) return;
        const ports = readList(ctx, c.ports, [...specPath, list, i, 'ports'], 'ports', []) ?? [];
        ports.forEach((p, j) => {
          const port = readContainerPort(ctx, p, [...specPath, list, i, 'ports', j]);
          if (port) namedPorts.push(port);
        });
      });
    }
  }
  return withFields(meta, { kind, podLabels, serviceAccount, namedPorts });
}

function readContainerPort(ctx: ReadContext, value: unknown, path: Path): NamedPort | null {
  if (!isRecord(value) || value.name === undefined || value.name === null) return null;
  const name = value.name;
  if (typeof name !== 'string' || !isIanaServiceName(name, { caseSensitive: true })) {
    ctx.report(
      'BAD_PORT',
      'error',
      `Container port name ${show(name)} is not a valid port name.`,
      [...path, 'name'],
      'Use at most 15 lowercase letters, digits and "-".',
    );
    return null;
  }
  const port = value.containerPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.report('BAD_PORT', 'error', `containerPort ${show(port)} is not a port number between 1 and 65535.`, [
      ...path,
      'containerPort',
    ]);
    return null;
  }
  const protocol = value.protocol ?? 'TCP';
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') {
    const suggestion =
      typeof protocol === 'string' ? closest(protocol.toUpperCase(), ['TCP', 'UDP', 'SCTP']) : undefined;
    ctx.report(
      'BAD_PROTOCOL',
      'error',
      `Container port protocol ${show(protocol)} is not one of TCP, UDP, SCTP.`,
      [...path, 'protocol'],
      suggestion !== undefined ? `Did you mean "${suggestion}"?` : undefined,
    );
    return null;
  }
  return { name, port, protocol };
}

/**
 * Narrows a repo object to a Namespace.
 * @param object - A loaded object.
 * @returns Whether it is a Namespace.
 */
export function isNamespaceObject(object: RepoObject): object is NamespaceObject {
  return object.kind === 'Namespace';
}

/**
 * Narrows a repo object to a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
 * @param object - A loaded object.
 * @returns Whether it is a Cilium policy.
 */
export function isCiliumPolicy(object: RepoObject): object is CiliumPolicyObject {
  return object.kind === 'CiliumNetworkPolicy' || object.kind === 'CiliumClusterwideNetworkPolicy';
}

/**
 * Narrows a repo object to a Kubernetes NetworkPolicy.
 * @param object - A loaded object.
 * @returns Whether it is a Kubernetes NetworkPolicy.
 */
export function isKubernetesNetworkPolicy(object: RepoObject): object is KubernetesNetworkPolicyObject {
  return object.kind === 'NetworkPolicy';
}

/**
 * Narrows a repo object to any policy kind.
 * @param object - A loaded object.
 * @returns Whether it is a policy.
 */
export function isPolicyObject(object: RepoObject): object is PolicyObject {
  return isCiliumPolicy(object) || isKubernetesNetworkPolicy(object);
}

/** Whether a typed object is a CiliumCIDRGroup. */
export function isCidrGroupObject(object: RepoObject): object is CIDRGroupObject {
  return object.kind === 'CiliumCIDRGroup';
}

/**
 * Narrows a repo object to a workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob).
 * @param object - A loaded object.
 * @returns Whether it is a workload.
 */
export function isWorkloadObject(object: RepoObject): object is WorkloadObject {
  return object.kind in WORKLOAD_GROUPS;
}

/**
 * Narrows a repo object to a monitoring object (ServiceMonitor, PodMonitor, Prometheus, VictoriaMetrics kinds).
 * @param object - A loaded object.
 */
export function isMonitoringObject(object: RepoObject): object is MonitoringObject {
  return 'role' in object;
}

/**
 * Narrows a repo object to a Service, Endpoints, EndpointSlice or Node (read for toServices and node rules).
 * @param object - A loaded object.
 */
export function isNetworkObject(object: RepoObject): object is NetworkObject {
  return (
    object.kind === 'Service' ||
    object.kind === 'Endpoints' ||
    object.kind === 'EndpointSlice' ||
    object.kind === 'Node'
  );
}

/**
 * Narrows a repo object to a HelmRelease or Argo CD Application (workloads rendered in the cluster).
 * @param object - A loaded object.
 */
export function isRenderingObject(object: RepoObject): object is RenderingObject {
  return 'rendering' in object;
}
