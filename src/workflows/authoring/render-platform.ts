import {
  accessLabelOf,
  formatPort,
  type GrantIngressSpec,
  HBONE_PORT,
  HEALTH_PROBE_CIDR,
  KUBE_DNS,
  namespacesLabelled,
  PROMETHEUS_LABELS,
  podsIn,
  profileLabelOf,
  renderKustomization,
  renderPlatformPolicy,
  toPorts,
  ZTUNNEL,
} from './render.js';
import { commented, joinDocuments, quoted, type RenderValue } from './render-yaml.js';
import {
  APP_PORTS,
  apiServerPorts,
  BASELINE_METRICS_PORTS,
  cnp,
  GATEWAY_NAME_LABEL,
  GRAFANA,
  gatewayPods,
  ISTIO_SYSTEM,
  ISTIOD,
  KUBE_SYSTEM,
  platformNamespacesOf,
  type RenderedFile,
  resourceNamespaces,
  type SharedResourceSpec,
  type SystemOptions,
  tcp,
} from './system-options.js';

function kubeSystem(o: SystemOptions): string {
  const dns = toPorts([
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ]);
  return joinDocuments([
    renderPlatformPolicy({
      namespace: KUBE_SYSTEM,
      purpose: 'CoreDNS (pods labelled k8s-app=kube-dns); metrics 9153 (CoreDNS prometheus plugin)',
      metricsPorts: [9153],
      monitoringNamespace: o.monitoringNamespace,
      mesh: false,
    }),
    cnp(
      KUBE_SYSTEM,
      'coredns',
      {
        description: quoted(
          'CoreDNS: answers DNS on 53/UDP+TCP from every pod and from nodes; forwards to upstream resolvers; watches the kube-apiserver',
        ),
        endpointSelector: { matchLabels: { ...KUBE_DNS.labels } },
        ingress: [
          commented(
            'Every pod of every namespace. In a CNP a peer selector with no namespace key would be\nlimited to kube-system; naming the namespace key (Exists) lifts that restriction.',
            {
              fromEndpoints: [
                { matchExpressions: [{ key: 'io.kubernetes.pod.namespace', operator: 'Exists' }] },
              ],
              toPorts: dns,
            },
          ),
          commented(
            "hostNetwork pods query from their node's address: the local node is the `host` entity,\nother nodes are `remote-node`.",
            { fromEntities: ['host', 'remote-node'], toPorts: dns },
          ),
        ],
        egress: [
          commented('Upstream resolvers for names outside cluster.local.', {
            toEntities: ['world'],
            toPorts: dns,
          }),
          commented('The kubernetes plugin watches Services and EndpointSlices.', {
            toEntities: ['kube-apiserver'],
            toPorts: toPorts(apiServerPorts),
          }),
        ],
      },
      "CoreDNS itself: the server side of every pod's DNS egress (baseline-dns-egress).",
    ),
  ]);
}

function monitoring(o: SystemOptions): string {
  const m = o.monitoringNamespace;
  const platformScrapes: RenderValue[] = [
    { toEndpoints: [podsIn(KUBE_SYSTEM, KUBE_DNS.labels)], toPorts: toPorts(tcp([9153])) },
  ];
  for (const [ns, list] of resourceNamespaces(o)) {
    const ports = [...new Set(list.map((r) => r.metricsPort))].filter(
      (p) => !BASELINE_METRICS_PORTS.includes(p),
    );
    if (ports.length > 0) platformScrapes.push({ toEndpoints: [podsIn(ns)], toPorts: toPorts(tcp(ports)) });
  }
  platformScrapes.push(
    { toEndpoints: [podsIn(ISTIO_SYSTEM, ISTIOD)], toPorts: toPorts(tcp([15014])) },
    { toEndpoints: [podsIn(m, GRAFANA)], toPorts: toPorts(tcp([3000])) },
  );
  const [first, ...rest] = platformScrapes;
  return joinDocuments([
    renderPlatformPolicy({
      namespace: m,
      purpose:
        'Prometheus (app.kubernetes.io/name=prometheus) and Grafana (app.kubernetes.io/name=grafana); metrics 9090 (Prometheus), 3000 (Grafana)',
      metricsPorts: [9090, 3000],
      monitoringNamespace: m,
      mesh: false,
    }),
    cnp(
      m,
      'prometheus',
      {
        description: quoted(
          'Prometheus: scrapes every pod on the metrics ports, platform exporters on their own ports, nodes on 9100/10250, and watches the kube-apiserver; Grafana queries it on 9090',
        ),
        endpointSelector: { matchLabels: { ...PROMETHEUS_LABELS } },
        ingress: [
          commented(
            'Grafana\'s datasource queries. No namespace key: in a CNP that means "pods of this namespace".',
            {
              fromEndpoints: [{ matchLabels: { ...GRAFANA } }],
              toPorts: toPorts(tcp([9090])),
            },
          ),
        ],
        egress: [
          commented(
            'Every pod in every namespace, on the baseline metrics port list only. The namespace key\n(Exists) is what lets a CNP peer selector reach beyond its own namespace.',
            {
              toEndpoints: [
                { matchExpressions: [{ key: 'io.kubernetes.pod.namespace', operator: 'Exists' }] },
              ],
              toPorts: toPorts(tcp(BASELINE_METRICS_PORTS)),
            },
          ),
          ...(first
            ? [
                commented(
                  'Platform metrics ports outside the baseline list, each to the namespace (or workload) that\nserves it.',
                  first,
                ),
              ]
            : []),
          ...rest,
          commented(
            'Node-level targets: node-exporter (hostNetwork, 9100) and kubelet/cAdvisor (10250).\nNodes are entities, not pods: `host` is the local node, `remote-node` every other one.',
            { toEntities: ['host', 'remote-node'], toPorts: toPorts(tcp([9100, 10250])) },
          ),
          commented('Kubernetes service discovery (kubernetes_sd_configs) and apiserver metrics.', {
            toEntities: ['kube-apiserver'],
            toPorts: toPorts(apiServerPorts),
          }),
        ],
      },
      'Prometheus: the client side of every scrape. The pods it scrapes accept it through\nbaseline-prometheus-scrape or their own platform CNP.',
    ),
    cnp(
      m,
      'grafana',
      {
        description: quoted(
          'Grafana: reached from the internal gateway on 3000/TCP; queries Prometheus on 9090/TCP',
        ),
        endpointSelector: { matchLabels: { ...GRAFANA } },
        ingress: [
          commented(
            `The internal gateway (platform namespaces have no profile, so this is spelled out here).\nIts egress half is in ${o.gatewayNamespace}.yaml.`,
            { fromEndpoints: [gatewayPods(o, o.internalGateway)], toPorts: toPorts(tcp([3000])) },
          ),
        ],
        egress: [
          commented("Prometheus in this namespace (no namespace key: the CNP's own namespace).", {
            toEndpoints: [{ matchLabels: { ...PROMETHEUS_LABELS } }],
            toPorts: toPorts(tcp([9090])),
          }),
        ],
      },
      'Grafana: published through the internal gateway, reads from Prometheus.',
    ),
  ]);
}

function resourceNamespace(o: SystemOptions, namespace: string, list: readonly SharedResourceSpec[]): string {
  const grants: GrantIngressSpec[] = list.map((r) => ({
    name: r.name,
    label: accessLabelOf(o.domain, r.name),
    ports: [r.port],
    description: r.description,
  }));
  return renderPlatformPolicy({
    namespace,
    purpose: `serves ${list.map((r) => `${r.description} (access grant ${r.name}, ${formatPort(r.port)})`).join(', ')}`,
    metricsPorts: [...new Set(list.map((r) => r.metricsPort))],
    monitoringNamespace: o.monitoringNamespace,
    mesh: false,
    grants,
  });
}

function gateways(o: SystemOptions): string {
  const profile = profileLabelOf(o.domain);
  const app = toPorts(tcp(APP_PORTS));
  const web = toPorts(tcp([80, 443]));
  return joinDocuments([
    renderPlatformPolicy({
      namespace: o.gatewayNamespace,
      purpose: `the two Gateway API gateways (pods labelled ${GATEWAY_NAME_LABEL}=${o.internalGateway} or =${o.externalGateway}); metrics 15020 (Istio merged metrics)`,
      metricsPorts: [15020],
      monitoringNamespace: o.monitoringNamespace,
      mesh: false,
      egressTo: [
        {
          peer: { kind: 'pods', namespace: ISTIO_SYSTEM, labels: ISTIOD },
          ports: tcp([15012]),
          comment: 'Configuration (xDS) and workload certificates from istiod.',
        },
      ],
    }),
    cnp(
      o.gatewayNamespace,
      `gateway-${o.externalGateway}`,
      {
        description: quoted(
          `External gateway: HTTP/HTTPS (80, 443 TCP) from world; forwards to pods of profile=standard namespaces on ${APP_PORTS.join(', ')} TCP`,
        ),
        endpointSelector: { matchLabels: { [GATEWAY_NAME_LABEL]: o.externalGateway } },
        ingress: [
          commented(
            'Internet clients. Their source address must survive the LoadBalancer for Cilium to see\n`world` (externalTrafficPolicy: Local on the gateway Service).',
            { fromEntities: ['world'], toPorts: web },
          ),
        ],
        egress: [
          commented(
            `Gateway half of profile-standard's ingress: only namespaces whose profile is standard.\nA namespace-label key in a CNP peer selector is not narrowed to ${o.gatewayNamespace}.`,
            { toEndpoints: [namespacesLabelled(profile, 'standard')], toPorts: app },
          ),
        ],
      },
      "External gateway: the internet's way in. It may only forward to profile=standard namespaces.",
    ),
    cnp(
      o.gatewayNamespace,
      `gateway-${o.internalGateway}`,
      {
        description: quoted(
          `Internal gateway: HTTP/HTTPS (80, 443 TCP) from cluster sources; forwards to profile internal, internal-egress and standard namespaces on ${APP_PORTS.join(', ')} TCP and to Grafana on 3000/TCP`,
        ),
        endpointSelector: { matchLabels: { [GATEWAY_NAME_LABEL]: o.internalGateway } },
        ingress: [
          commented(
            '`cluster` = every pod plus the nodes (host, remote-node); never `world`. LAN clients that\narrive with their own address are `world` to Cilium: add a fromCIDRSet for the LAN range\nhere and to lint.cidrAllowList in netpol.config.yaml.',
            { fromEntities: ['cluster'], toPorts: web },
          ),
        ],
        egress: [
          commented("Gateway half of the internal, internal-egress and standard profiles' ingress.", {
            toEndpoints: [
              {
                matchExpressions: [
                  {
                    key: `io.cilium.k8s.namespace.labels.${profile}`,
                    operator: 'In',
                    values: ['internal', 'internal-egress', 'standard'],
                  },
                ],
              },
            ],
            toPorts: app,
          }),
          commented(
            `Grafana (platform namespace ${o.monitoringNamespace}, no profile): its ingress half is in ${o.monitoringNamespace}.yaml.`,
            {
              toEndpoints: [podsIn(o.monitoringNamespace, GRAFANA)],
              toPorts: toPorts(tcp([3000])),
            },
          ),
        ],
      },
      'Internal gateway: LAN and in-cluster clients. Forwards to internal, internal-egress and\nstandard namespaces, and to Grafana.',
    ),
  ]);
}

function istioSystem(o: SystemOptions): string {
  const ambient = namespacesLabelled('istio.io/dataplane-mode', 'ambient');
  return joinDocuments([
    renderPlatformPolicy({
      namespace: ISTIO_SYSTEM,
      purpose:
        'istiod (app=istiod, xDS/CA 15012, webhooks 15017) and ztunnel (app=ztunnel, HBONE 15008); metrics 15014 (istiod), 15020 (ztunnel)',
      metricsPorts: [15014, 15020],
      monitoringNamespace: o.monitoringNamespace,
      mesh: false,
    }),
    cnp(
      ISTIO_SYSTEM,
      'istiod',
      {
        description: quoted(
          'istiod: xDS/CA 15012/TCP from ztunnel and the gateways; webhooks 15017/TCP from the kube-apiserver; watches the kube-apiserver',
        ),
        endpointSelector: { matchLabels: { ...ISTIOD } },
        ingress: [
          commented(`ztunnel (same namespace) and every gateway pod in ${o.gatewayNamespace}.`, {
            fromEndpoints: [
              { matchLabels: { ...ZTUNNEL.labels } },
              {
                matchExpressions: [
                  { key: 'io.kubernetes.pod.namespace', operator: 'In', values: [o.gatewayNamespace] },
                  { key: GATEWAY_NAME_LABEL, operator: 'Exists' },
                ],
              },
            ],
            toPorts: toPorts(tcp([15012])),
          }),
          commented('Admission webhooks are called by the API server itself.', {
            fromEntities: ['kube-apiserver'],
            toPorts: toPorts(tcp([15017])),
          }),
        ],
        egress: [{ toEntities: ['kube-apiserver'], toPorts: toPorts(apiServerPorts) }],
      },
      'istiod: configuration and certificates for gateways and ztunnel; admission webhooks.',
    ),
    cnp(
      ISTIO_SYSTEM,
      'ztunnel',
      {
        description: quoted(
          'ztunnel: HBONE 15008/TCP to and from pods of ambient-mesh namespaces; xDS/CA from istiod on 15012/TCP',
        ),
        endpointSelector: { matchLabels: { ...ZTUNNEL.labels } },
        ingress: [{ fromEndpoints: [ambient], toPorts: toPorts(tcp([HBONE_PORT])) }],
        egress: [
          { toEndpoints: [ambient], toPorts: toPorts(tcp([HBONE_PORT])) },
          { toEndpoints: [{ matchLabels: { ...ISTIOD } }], toPorts: toPorts(tcp([15012])) },
        ],
      },
      "ztunnel: the istio-system end of the seed's HBONE rule (port 15008 to/from istio-system/ztunnel).\nThe application end is baselines/hbone-ambient.yaml.",
    ),
  ]);
}

/**
 * Renders `network-policy/platform/`: one file per platform namespace (kube-system with CoreDNS, the
 * monitoring namespace with Prometheus and Grafana, every resource namespace, the gateway namespace with
 * both gateways, istio-system with istiod and ztunnel), each starting with its `<ns>-default` CNP from
 * the seed's template, and the folder's kustomization.yaml.
 * @param o - The system options.
 * @returns The files, in kustomization order.
 */
export function renderPlatformFiles(o: SystemOptions): RenderedFile[] {
  const files: RenderedFile[] = [];
  const resources = resourceNamespaces(o);
  for (const ns of platformNamespacesOf(o)) {
    let text: string;
    if (ns === KUBE_SYSTEM) text = kubeSystem(o);
    else if (ns === o.monitoringNamespace) text = monitoring(o);
    else if (ns === o.gatewayNamespace) text = gateways(o);
    else if (ns === ISTIO_SYSTEM) text = istioSystem(o);
    else text = resourceNamespace(o, ns, resources.get(ns) ?? []);
    files.push({ path: `network-policy/platform/${ns}.yaml`, text });
  }
  files.push({
    path: 'network-policy/platform/kustomization.yaml',
    text: renderKustomization(
      platformNamespacesOf(o).map((ns) => `${ns}.yaml`),
      [
        'Platform namespaces: hand-written CiliumNetworkPolicies, never profiles.',
        '',
        "Every file starts with a `<namespace>-default` CNP built from the seed's template (required",
        "rules: DNS egress, Prometheus scrape on the namespace's metrics port, health probes from the",
        `health entity and ${HEALTH_PROBE_CIDR}, HBONE when the namespace is in the mesh), followed by`,
        "service-specific rules or CNPs for the namespace's real traffic.",
        'Add one with `netpol platform new NS --metrics-port PORT [--mesh]`.',
      ].join('\n'),
    ),
  });
  return files;
}
