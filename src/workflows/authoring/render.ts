import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL } from '../../engine/identity.js';
import type { Entity } from '../../repo/model.js';
import { commented, quoted, type RenderValue, toYaml } from './render-yaml.js';

/** An L4 protocol a rendered port rule names. */
export type PortProtocolName = 'TCP' | 'UDP' | 'SCTP';

/** A port and its protocol. */
export interface PortSpec {
  /** 1-65535. */
  readonly port: number;
  readonly protocol: PortProtocolName;
}

/** A peer of a rendered rule: pods of a namespace (optionally with pod labels), or a Cilium entity. */
export type PeerSpec =
  | {
      readonly kind: 'pods';
      readonly namespace: string;
      /** Pod labels the peer must carry. Empty: every pod of the namespace. */
      readonly labels: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'entity'; readonly entity: Entity };

/** A service-specific rule: a peer and the ports of the flow. */
export interface PeerPortRule {
  readonly peer: PeerSpec;
  readonly ports: readonly PortSpec[];
  /** Comment written above the rule. Default: a sentence naming the peer and ports. */
  readonly comment?: string;
}

/** The server side of an access grant: namespaces carrying the grant's label reach these ports. */
export interface GrantIngressSpec {
  /** Grant name, e.g. `postgres`. */
  readonly name: string;
  /** Full namespace label key, e.g. `access.network-policy.homelab/postgres`. */
  readonly label: string;
  readonly ports: readonly PortSpec[];
  /** What serves it, e.g. `PostgreSQL`. Default: the grant name. */
  readonly description?: string;
}

/** Everything the seed's platform template needs, plus the namespace's service-specific rules. */
export interface PlatformPolicySpec {
  /** The platform namespace. */
  readonly namespace: string;
  /** What runs there, one phrase (for comments). Default: none. */
  readonly purpose?: string;
  /** Ports Prometheus scrapes (at least one). */
  readonly metricsPorts: readonly number[];
  /** Namespace of the Prometheus pods. */
  readonly monitoringNamespace: string;
  /** Pod labels of the Prometheus pods. Default: {@link PROMETHEUS_LABELS}. */
  readonly scraperLabels?: Readonly<Record<string, string>>;
  /** Whether the namespace is in the Istio mesh (HBONE 15008/TCP to and from istio-system/ztunnel). */
  readonly mesh: boolean;
  /** Access grants this namespace serves. Default: none. */
  readonly grants?: readonly GrantIngressSpec[];
  /** Service-specific ingress. Default: none. */
  readonly ingressFrom?: readonly PeerPortRule[];
  /** Service-specific egress. Default: none. */
  readonly egressTo?: readonly PeerPortRule[];
}

/** The client side of an access grant: a CCNP selecting namespaces labelled `access.<domain>/<name>=true`. */
export interface AccessPolicySpec {
  /** Grant name, e.g. `postgres`. */
  readonly name: string;
  /** Label domain, e.g. `network-policy.homelab`. */
  readonly domain: string;
  /** Namespace of the resource. */
  readonly namespace: string;
  readonly ports: readonly PortSpec[];
  /** What the resource is, e.g. `PostgreSQL`. Default: the grant name. */
  readonly description?: string;
  /** Path of the file holding the server side, for the header comment. Default: none. */
  readonly serverSide?: string;
}

/** A Namespace manifest to render. */
export interface NamespaceSpec {
  readonly name: string;
  /** Labels in the order to write them. Default: none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Comment lines before the document. Default: none. */
  readonly comment?: string;
}

/** The link-local range some node-local probers use (seed template: `fromCIDR: ["169.254.0.0/16"]`). */
export const HEALTH_PROBE_CIDR = '169.254.0.0/16';
/** CoreDNS: namespace and pod label every DNS rule selects. */
export const KUBE_DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } } as const;
/** ztunnel, the Istio ambient node proxy: namespace and pod label of the seed's HBONE rules. */
export const ZTUNNEL = { namespace: 'istio-system', labels: { app: 'ztunnel' } } as const;
/** HBONE (Istio's mTLS tunnel) port. */
export const HBONE_PORT = 15008;
/** Pod label of the Prometheus pods the scrape rules admit. */
export const PROMETHEUS_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'prometheus' };
/** The label key `<domain>/profile`. */
export const profileLabelOf = (domain: string): string => `${domain}/profile`;
/** The label key `access.<domain>/<name>`. */
export const accessLabelOf = (domain: string, name: string): string => `access.${domain}/${name}`;
/** The label key `<domain>/enforcement` (the escape hatch). */
export const enforcementLabelOf = (domain: string): string => `${domain}/enforcement`;

/** `5432/TCP`, `53/UDP`. */
export function formatPort(p: PortSpec): string {
  return `${p.port}/${p.protocol}`;
}

/** `5432/TCP and 5433/TCP`. */
export function formatPorts(ports: readonly PortSpec[]): string {
  const list = ports.map(formatPort);
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/** A `toPorts` list. */
export function toPorts(ports: readonly PortSpec[]): RenderValue {
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }];
}

/** A selector of pods in one namespace (the namespace key makes it valid in a CNP and a CCNP alike). */
export function podsIn(namespace: string, labels: Readonly<Record<string, string>> = {}): RenderValue {
  return { matchLabels: { [POD_NAMESPACE_LABEL]: namespace, ...labels } };
}

/** A selector of every pod of every namespace carrying a namespace label. */
export function namespacesLabelled(label: string, value: string): RenderValue {
  return { matchLabels: { [`${NAMESPACE_LABELS_PREFIX}${label}`]: value } };
}

/** The seed template's two health-probe ingress rules, each with its comment on the first. */
export function healthProbeRules(): RenderValue[] {
  return [
    commented("Health probes (seed template): Cilium's health entity and link-local probers.", {
      fromEntities: ['health'],
    }),
    { fromCIDR: [HEALTH_PROBE_CIDR] },
  ];
}

/** The seed template's DNS egress rule: kube-system/kube-dns on 53/UDP and 53/TCP. */
export function dnsEgressRule(
  comment = 'DNS (seed template): kube-dns in kube-system, 53/UDP and 53/TCP.',
): RenderValue {
  return commented(comment, {
    toEndpoints: [podsIn(KUBE_DNS.namespace, KUBE_DNS.labels)],
    toPorts: toPorts([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]),
  });
}

/** Prometheus scrape ingress from the monitoring namespace on the given ports. */
export function scrapeRule(
  monitoringNamespace: string,
  ports: readonly number[],
  comment: string,
  labels: Readonly<Record<string, string>> = PROMETHEUS_LABELS,
): RenderValue {
  return commented(comment, {
    fromEndpoints: [podsIn(monitoringNamespace, labels)],
    toPorts: toPorts(ports.map((port) => ({ port, protocol: 'TCP' as const }))),
  });
}

/** The ingress rule admitting the namespaces that carry an access grant. */
export function grantIngressRule(grant: GrantIngressSpec): RenderValue {
  return commented(
    `Access grant "${grant.name}" (server side): every pod of every namespace labelled ${grant.label}=true may reach ${grant.description ?? grant.name} on ${formatPorts(grant.ports)}.\nA namespace-label key in a CNP peer selector is not narrowed to this namespace.`,
    { fromEndpoints: [namespacesLabelled(grant.label, 'true')], toPorts: toPorts(grant.ports) },
  );
}

function describePeer(peer: PeerSpec): string {
  if (peer.kind === 'entity') return `the ${peer.entity} entity`;
  const labels = Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`);
  return labels.length === 0
    ? `every pod of ${peer.namespace}`
    : `${peer.namespace} pods ${labels.join(',')}`;
}

/** A service-specific rule, `from…`/`to…` by direction. */
export function peerPortRule(direction: 'ingress' | 'egress', rule: PeerPortRule): RenderValue {
  const comment =
    rule.comment ??
    `Service-specific: ${direction === 'ingress' ? 'from' : 'to'} ${describePeer(rule.peer)} on ${formatPorts(rule.ports)}.`;
  const peer: { [key: string]: RenderValue } =
    rule.peer.kind === 'entity'
      ? { [direction === 'ingress' ? 'fromEntities' : 'toEntities']: [rule.peer.entity] }
      : {
          [direction === 'ingress' ? 'fromEndpoints' : 'toEndpoints']: [
            podsIn(rule.peer.namespace, rule.peer.labels),
          ],
        };
  return commented(comment, { ...peer, toPorts: toPorts(rule.ports) });
}

/** `mqtt-default`: the name of a platform namespace's template policy. */
export function platformPolicyName(namespace: string): string {
  return `${namespace}-default`;
}

/**
 * Renders a platform namespace's `<namespace>-default` CiliumNetworkPolicy from the seed's template
 * ("Workflow: Add Platform Namespace CNP"): ingress from the `health` entity and 169.254.0.0/16, Prometheus
 * scrape from the monitoring namespace on the metrics ports, DNS egress to kube-system/kube-dns on 53/UDP and
 * 53/TCP, HBONE 15008/TCP to and from istio-system/ztunnel when the namespace is in the mesh; then the
 * server side of the access grants it serves and its service-specific rules. Every rule carries a comment
 * saying why it exists.
 * @param spec - See {@link PlatformPolicySpec}.
 * @returns One YAML document.
 * @see https://docs.cilium.io/en/stable/security/policy/language/ (entities, CIDR, endpoints, toPorts)
 */
export function renderPlatformPolicy(spec: PlatformPolicySpec): string {
  const grants = spec.grants ?? [];
  const ingressFrom = spec.ingressFrom ?? [];
  const egressTo = spec.egressTo ?? [];
  const metrics = spec.metricsPorts.map((p) => `${p}/TCP`).join(', ');
  const ingress: RenderValue[] = [
    ...healthProbeRules(),
    scrapeRule(
      spec.monitoringNamespace,
      spec.metricsPorts,
      `Prometheus scraping (seed template): metrics on ${metrics}.`,
      spec.scraperLabels,
    ),
  ];
  const egress: RenderValue[] = [dnsEgressRule()];
  if (spec.mesh) {
    const hbone = toPorts([{ port: HBONE_PORT, protocol: 'TCP' }]);
    ingress.push(
      commented('HBONE (seed template, mesh participant): from istio-system/ztunnel on 15008/TCP.', {
        fromEndpoints: [podsIn(ZTUNNEL.namespace, ZTUNNEL.labels)],
        toPorts: hbone,
      }),
    );
    egress.push(
      commented('HBONE (seed template, mesh participant): to istio-system/ztunnel on 15008/TCP.', {
        toEndpoints: [podsIn(ZTUNNEL.namespace, ZTUNNEL.labels)],
        toPorts: hbone,
      }),
    );
  }
  for (const g of grants) ingress.push(grantIngressRule(g));
  for (const r of ingressFrom) ingress.push(peerPortRule('ingress', r));
  for (const r of egressTo) egress.push(peerPortRule('egress', r));

  const parts = ['DNS egress', 'health probes', `Prometheus scrape (${metrics})`];
  if (spec.mesh) parts.push('HBONE with ztunnel (15008/TCP)');
  for (const g of grants) parts.push(`access grant ${g.name} (${formatPorts(g.ports)})`);
  if (ingressFrom.length + egressTo.length > 0) parts.push('service-specific rules');
  const description = `${spec.namespace}: ${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

  const header = [
    `Platform namespace ${spec.namespace}${spec.purpose ? `: ${spec.purpose}` : ''}.`,
    `The seed's platform template: health probes (health entity, ${HEALTH_PROBE_CIDR}), Prometheus scrape on ${metrics}, DNS egress to kube-system/kube-dns${spec.mesh ? ', HBONE with istio-system/ztunnel' : ' (not in the Istio mesh: no HBONE)'}. Platform namespaces never carry a profile label.`,
  ].join('\n');
  return toYaml(
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: platformPolicyName(spec.namespace), namespace: spec.namespace },
      spec: {
        description: quoted(description),
        endpointSelector: commented(
          `Every pod of ${spec.namespace} (a CNP's endpointSelector is always limited to its own namespace).`,
          {},
        ),
        ingress,
        egress,
      },
    },
    header,
  );
}

/** `access-postgres`: the name of an access grant's CCNP. */
export function accessPolicyName(name: string): string {
  return `access-${name}`;
}

/**
 * Renders the client side of an access grant: a CiliumClusterwideNetworkPolicy selecting the pods of every
 * namespace labelled `access.<domain>/<name>: "true"` (through Cilium's namespace-label identity key
 * `io.cilium.k8s.namespace.labels.<label>`) and allowing egress to any pod of the resource namespace on the
 * given ports.
 * @param spec - See {@link AccessPolicySpec}.
 * @returns One YAML document.
 * @see https://docs.cilium.io/en/stable/security/policy/kubernetes/ (namespace labels in selectors)
 */
export function renderAccessPolicy(spec: AccessPolicySpec): string {
  const label = accessLabelOf(spec.domain, spec.name);
  const what = spec.description ?? spec.name;
  const ports = formatPorts(spec.ports);
  const header = [
    `Access grant "${spec.name}": namespaces labelled ${label}="true" may reach ${what} in namespace ${spec.namespace} on ${ports}.`,
    spec.serverSide
      ? `Server side: ${spec.serverSide} admits the same label on ${ports}.`
      : `Server side: the ${spec.namespace} namespace's CNP admits the same label on ${ports}.`,
  ].join('\n');
  return toYaml(
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: { name: accessPolicyName(spec.name) },
      spec: {
        description: quoted(
          `Access ${spec.name}: pods in namespaces labelled ${label}=true may reach ${what} (namespace ${spec.namespace}) on ${ports}`,
        ),
        endpointSelector: namespacesLabelled(label, 'true'),
        egress: [
          commented(
            `Any pod of namespace ${spec.namespace} on ${ports} only; which pods actually accept it is decided by the\n${spec.namespace} namespace's own CNP.`,
            { toEndpoints: [podsIn(spec.namespace)], toPorts: toPorts(spec.ports) },
          ),
        ],
      },
    },
    header,
  );
}

/**
 * Renders a `v1/Namespace` manifest.
 * @param spec - See {@link NamespaceSpec}.
 * @returns One YAML document.
 */
export function renderNamespace(spec: NamespaceSpec): string {
  const labels = spec.labels ?? {};
  const metadata: { [key: string]: RenderValue } = { name: spec.name };
  if (Object.keys(labels).length > 0) metadata.labels = { ...labels };
  return toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata }, spec.comment);
}

/**
 * Renders a `kustomization.yaml` listing resources in the given order.
 * @param resources - Files and folders, relative to the kustomization.
 * @param comment - Comment lines before the document. Default: none.
 * @returns The file text.
 */
export function renderKustomization(resources: readonly string[], comment?: string): string {
  return toYaml(
    { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] },
    comment,
  );
}
