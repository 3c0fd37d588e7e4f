import { MODELLED_CILIUM_VERSION } from '../../engine/verdict.js';
import {
  accessLabelOf,
  dnsEgressRule,
  enforcementLabelOf,
  formatPort,
  HBONE_PORT,
  HEALTH_PROBE_CIDR,
  healthProbeRules,
  namespacesLabelled,
  PROMETHEUS_LABELS,
  podsIn,
  profileLabelOf,
  renderAccessPolicy,
  renderKustomization,
  renderNamespace,
  toPorts,
  ZTUNNEL,
} from './render.js';
import { renderPlatformFiles } from './render-platform.js';
import { RUNBOOKS, renderRunbooks } from './render-runbooks.js';
import { commented, joinDocuments, quoted, type RenderValue, toYaml } from './render-yaml.js';
import {
  APP_PORTS,
  apiServerPorts,
  BASELINE_METRICS_PORTS,
  ccnp,
  GATEWAY_NAME_LABEL,
  gatewayPods,
  ISTIO_SYSTEM,
  platformNamespacesOf,
  type RenderedFile,
  type SystemOptions,
  tcp,
} from './system-options.js';

function baselines(o: SystemOptions): RenderedFile[] {
  const enforcement = enforcementLabelOf(o.domain);
  const kubeApi = accessLabelOf(o.domain, 'kube-api');
  const files: RenderedFile[] = [];
  const add = (name: string, text: string) => files.push({ path: `network-policy/baselines/${name}`, text });
  add(
    'dns-egress.yaml',
    ccnp(
      'baseline-dns-egress',
      {
        description: quoted(
          'Baseline: every pod may query kube-dns (kube-system, k8s-app=kube-dns) on 53/UDP and 53/TCP',
        ),
        endpointSelector: commented(
          'In a CCNP an empty selector selects every endpoint in every namespace.',
          {},
        ),
        egress: [dnsEgressRule('UDP for ordinary queries, TCP for truncated (>512 byte) answers.')],
      },
      [
        'Every pod may resolve names through CoreDNS.',
        '',
        'This is also what turns egress default-deny on for every pod: the rule below is an egress',
        "rule, and it selects all pods, so from now on a pod's egress is limited to what some policy",
        "allows (its profile, its access grants, its namespace's CNP).",
        '',
        'The other half of a DNS lookup (CoreDNS accepting it) is in platform/kube-system.yaml.',
      ].join('\n'),
    ),
  );
  add(
    'health-probes.yaml',
    ccnp(
      'baseline-health-probes',
      {
        description: quoted(
          `Baseline: every pod accepts health probes from the health entity and from link-local ${HEALTH_PROBE_CIDR}`,
        ),
        endpointSelector: {},
        ingress: healthProbeRules(),
      },
      [
        'Every pod accepts health checks.',
        '',
        "These two rules are the seed's template, unchanged:",
        "  - the `health` entity is Cilium's own health-check endpoint on each node;",
        `  - ${HEALTH_PROBE_CIDR} (link-local) is where some node-local agents probe from.`,
        'Kubelet liveness/readiness probes come from the node itself (the `host` entity) and are',
        'allowed regardless of policy while the cluster runs with allowLocalhost (netpol.config.yaml).',
        '',
        'Neither rule lists toPorts, so both admit every port: the one sanctioned "any port" ingress',
        '(the lint allow-list in netpol.config.yaml names the CIDR). Being an ingress rule that selects',
        'every pod, it also makes every pod default-deny at ingress.',
      ].join('\n'),
    ),
  );
  add(
    'cilium-health.yaml',
    ccnp(
      'baseline-cilium-health',
      {
        description: quoted(
          'Baseline: cilium-health endpoints keep node-to-node connectivity checks (remote-node and health)',
        ),
        endpointSelector: { matchLabels: { 'reserved:health': '' } },
        ingress: [{ fromEntities: ['remote-node', 'health'] }],
        egress: [{ toEntities: ['remote-node', 'health'] }],
      },
      [
        "Keep Cilium's node-to-node health checks working.",
        '',
        "The baselines' empty endpointSelector also selects each node's cilium-health endpoint",
        '(identity reserved:health), which therefore becomes default-deny in both directions too.',
        'This policy lets health endpoints talk to and from the other nodes; it selects the health',
        'endpoint only, never a pod.',
      ].join('\n'),
    ),
  );
  add(
    'prometheus-scrape.yaml',
    ccnp(
      'baseline-prometheus-scrape',
      {
        description: quoted(
          `Baseline: every pod accepts scrapes from ${o.monitoringNamespace}/prometheus on ${BASELINE_METRICS_PORTS.join(', ')} TCP`,
        ),
        endpointSelector: {},
        ingress: [
          {
            fromEndpoints: [podsIn(o.monitoringNamespace, PROMETHEUS_LABELS)],
            toPorts: toPorts(tcp(BASELINE_METRICS_PORTS)),
          },
        ],
      },
      [
        'Every pod may be scraped by Prometheus, on the metrics ports only.',
        '',
        'Metrics port list (the only ports Prometheus reaches on an arbitrary pod):',
        '  8080   application /metrics',
        '  9090   Prometheus-style exporters and Prometheus itself',
        '  9100   node-exporter style exporters and sidecars',
        '  15020  Istio merged metrics (gateways, ztunnel, ambient workloads)',
        'An app that serves metrics elsewhere moves its metrics port, it does not widen this list.',
        'Platform namespaces with other metrics ports allow them in their own CNP.',
        '',
        `This is the destination half of a scrape; Prometheus' egress is in platform/${o.monitoringNamespace}.yaml.`,
      ].join('\n'),
    ),
  );
  add(
    'kube-api-egress.yaml',
    ccnp(
      'baseline-kube-api-access',
      {
        description: quoted(
          `Baseline (opt-in): pods in namespaces labelled ${kubeApi}=true may reach the kube-apiserver on 6443/TCP and 443/TCP`,
        ),
        endpointSelector: namespacesLabelled(kubeApi, 'true'),
        egress: [{ toEntities: ['kube-apiserver'], toPorts: toPorts(apiServerPorts) }],
      },
      [
        `Opt-in Kubernetes API access: ${kubeApi}=true on the namespace.`,
        '',
        "The namespace label reaches the pod's identity as",
        `io.cilium.k8s.namespace.labels.${kubeApi}, so selecting on that`,
        'key selects every pod of every namespace that carries the label, and nothing else.',
        '',
        "Ports: 443 is the `kubernetes` Service port, 6443 the API server's own port.",
        'No destination-side rule is needed: the API server is not a Cilium endpoint.',
      ].join('\n'),
    ),
  );
  const hbone = toPorts(tcp([HBONE_PORT]));
  add(
    'hbone-ambient.yaml',
    ccnp(
      'baseline-hbone-ambient',
      {
        description: quoted(
          `Baseline: pods in ambient-mesh namespaces exchange HBONE (${HBONE_PORT}/TCP) with istio-system/ztunnel`,
        ),
        endpointSelector: namespacesLabelled('istio.io/dataplane-mode', 'ambient'),
        ingress: [{ fromEndpoints: [podsIn(ZTUNNEL.namespace, ZTUNNEL.labels)], toPorts: hbone }],
        egress: [{ toEndpoints: [podsIn(ZTUNNEL.namespace, ZTUNNEL.labels)], toPorts: hbone }],
      },
      [
        'Istio ambient mesh: pods in namespaces labelled istio.io/dataplane-mode=ambient exchange',
        `HBONE (mTLS tunnel, ${HBONE_PORT}/TCP) with ztunnel, in both directions.`,
        '',
        'Platform namespaces in the mesh carry the same rules in their own CNP (seed: "HBONE rules if',
        'namespace participates in Istio mesh"); this baseline covers application namespaces, which',
        `opt in with the namespace label alone. ztunnel's side is in platform/${ISTIO_SYSTEM}.yaml.`,
      ].join('\n'),
    ),
  );
  add(
    'escape-hatch.yaml',
    ccnp(
      'baseline-escape-hatch',
      {
        description: quoted(
          `Escape hatch: pods in namespaces labelled ${enforcement}=disabled allow all ingress and egress`,
        ),
        endpointSelector: namespacesLabelled(enforcement, 'disabled'),
        ingress: [{ fromEntities: ['all'] }],
        egress: [{ toEntities: ['all'] }],
      },
      [
        `Emergency escape hatch: \`kubectl label namespace <ns> ${enforcement}=disabled\`.`,
        '',
        'This policy is committed; the label is NOT. It is set by hand during an incident and removed',
        'again once the fix is merged. While it is set, alerts/escape-hatch.yaml fires (warning after',
        '5m, critical after 24h). See docs/runbooks/network-policy-escape-hatch.md.',
        '',
        'How it works: allow rules add up, so allowing the entity `all` in both directions makes every',
        "flow of the namespace's pods allowed on their side, whatever else selects them. It opens only",
        "the labelled namespace's own side: a flow to another pod still needs that pod's ingress, and",
        'any deny rule still wins over this allow.',
      ].join('\n'),
    ),
  );
  files.push({
    path: 'network-policy/baselines/kustomization.yaml',
    text: renderKustomization(
      [
        'dns-egress.yaml',
        'health-probes.yaml',
        'cilium-health.yaml',
        'prometheus-scrape.yaml',
        'kube-api-egress.yaml',
        'hbone-ambient.yaml',
        'escape-hatch.yaml',
      ],
      [
        'Baselines: CiliumClusterwideNetworkPolicies that select (almost) every pod.',
        '',
        'They are the reason "all cluster traffic is implicitly denied": in Cilium\'s default',
        'enforcement mode an endpoint switches to default-deny in a direction as soon as ANY rule',
        'selecting it has rules for that direction. baseline-dns-egress gives every pod an egress',
        'section and baseline-health-probes / baseline-prometheus-scrape give every pod an ingress',
        'section, so every pod is default-deny both ways, and no explicit deny policy is needed',
        "(nor wanted: see the seed's anti-patterns).",
        '',
        "Allow rules add up across all policies: a pod's final allow-list is the union of these",
        'baselines, its profile, its access grants and any CNP in its namespace.',
      ].join('\n'),
    ),
  });
  return files;
}

interface ProfileRow {
  readonly name: string;
  readonly gateways: readonly string[];
  readonly https: boolean;
  readonly title: string;
}

/** The seed's profile table, in its order. */
export function profileRows(o: SystemOptions): ProfileRow[] {
  return [
    {
      name: 'isolated',
      gateways: [],
      https: false,
      title: 'Ingress: none. Egress: DNS only. (Batch jobs, workers.)',
    },
    {
      name: 'internal',
      gateways: [o.internalGateway],
      https: false,
      title: 'Ingress: internal gateway. Egress: DNS only. (Internal dashboards.)',
    },
    {
      name: 'internal-egress',
      gateways: [o.internalGateway],
      https: true,
      title: 'Ingress: internal gateway. Egress: DNS + HTTPS. (Internal apps calling external APIs.)',
    },
    {
      name: 'standard',
      gateways: [o.internalGateway, o.externalGateway],
      https: true,
      title: 'Ingress: both gateways. Egress: DNS + HTTPS. (Public-facing web apps.)',
    },
  ];
}

function profiles(o: SystemOptions): RenderedFile[] {
  const label = profileLabelOf(o.domain);
  const files: RenderedFile[] = [];
  const appPorts = APP_PORTS.join(', ');
  for (const row of profileRows(o)) {
    const spec: { [key: string]: RenderValue } = {};
    const ingressText =
      row.gateways.length === 0
        ? 'no ingress'
        : row.gateways.length === 1
          ? `ingress from the internal gateway on ${appPorts} TCP`
          : `ingress from the internal and external gateways on ${appPorts} TCP`;
    spec.description = quoted(
      `Profile ${row.name}: ${ingressText}; ${row.https ? 'egress DNS and HTTPS (443/TCP) to world' : 'egress DNS only'}`,
    );
    spec.endpointSelector = namespacesLabelled(label, row.name);
    if (row.gateways.length > 0) {
      const names = row.gateways.map((g) => `${GATEWAY_NAME_LABEL}=${g}`).join(' or ');
      spec.ingress = [
        commented(
          `${row.gateways.length === 1 ? 'Internal gateway' : 'Both gateways'} (${o.gatewayNamespace} pods labelled ${names}), app ports only.`,
          {
            fromEndpoints: row.gateways.map((g) => gatewayPods(o, g)),
            toPorts: toPorts(tcp(APP_PORTS)),
          },
        ),
      ];
    }
    const egress: RenderValue[] = [
      dnsEgressRule(
        'DNS (same rule as baseline-dns-egress, restated so the profile reads as its table row).',
      ),
    ];
    if (row.https) {
      egress.push(
        commented('HTTPS to the internet. `world` is everything outside the cluster; only 443/TCP.', {
          toEntities: ['world'],
          toPorts: toPorts(tcp([443])),
        }),
      );
    }
    spec.egress = egress;
    const header = [`Profile "${row.name}" — ${row.title}`];
    if (row.gateways.length === 0) {
      header.push(
        '',
        '"No ingress" is written by having no ingress section at all: the baselines already put every',
        'pod in ingress default-deny, so nothing but health probes and Prometheus scrapes reaches it.',
      );
    }
    files.push({
      path: `network-policy/profiles/${row.name}.yaml`,
      text: ccnp(`profile-${row.name}`, spec, header.join('\n')),
    });
  }
  files.push({
    path: 'network-policy/profiles/kustomization.yaml',
    text: renderKustomization(
      profileRows(o).map((r) => `${r.name}.yaml`),
      [
        "Profiles: one CCNP per row of the seed's profile table.",
        '',
        '  Profile          Ingress             Egress          Use case',
        '  isolated         none                DNS only        batch jobs, workers',
        '  internal         internal gateway    DNS only        internal dashboards',
        '  internal-egress  internal gateway    DNS + HTTPS     internal apps calling external APIs',
        '  standard         both gateways       DNS + HTTPS     public-facing web apps',
        '',
        `A namespace picks its row with the label ${label}=<value>; Cilium exposes namespace`,
        "labels on every pod's identity as io.cilium.k8s.namespace.labels.<key>, which is what each",
        'endpointSelector below matches. Platform namespaces carry no profile.',
        '',
        `Gateway ingress is limited to the application port list ${appPorts} (TCP). A gateway -> app`,
        `flow also needs the gateway's egress, which is in platform/${o.gatewayNamespace}.yaml.`,
      ].join('\n'),
    ),
  });
  return files;
}

function sharedResources(o: SystemOptions): RenderedFile[] {
  const files: RenderedFile[] = o.sharedResources.map((r) => ({
    path: `network-policy/shared-resources/${r.name}.yaml`,
    text: renderAccessPolicy({
      name: r.name,
      domain: o.domain,
      namespace: r.namespace,
      ports: [r.port],
      description: r.description,
      serverSide: `platform/${r.namespace}.yaml`,
    }),
  }));
  const rows = o.sharedResources.map(
    (r) => `  ${accessLabelOf(o.domain, r.name)}=true -> ${r.namespace}:${formatPort(r.port)}`,
  );
  files.push({
    path: 'network-policy/shared-resources/kustomization.yaml',
    text: renderKustomization(
      o.sharedResources.map((r) => `${r.name}.yaml`),
      [
        'Shared-resource access grants: the CLIENT side of each access label.',
        '',
        ...rows,
        `  ${accessLabelOf(o.domain, 'kube-api')}=true -> kube-apiserver 6443/TCP (+443): baselines/kube-api-egress.yaml`,
        '',
        'Each CCNP selects the pods of every namespace carrying the label and allows egress to the',
        "resource. The SERVER side is the platform CNP of the resource's namespace, which admits the",
        "same label. Both halves are required: a pod-to-pod flow needs the source's egress AND the",
        "destination's ingress. Add one with `netpol access new NAME --namespace NS --port PORT`.",
      ].join('\n'),
    ),
  });
  return files;
}

/**
 * The `kube_namespace_labels` label kube-state-metrics exports for a namespace label: `label_` and the key
 * with every character outside `[a-zA-Z0-9_]` replaced by `_`.
 * @param key - A namespace label key, e.g. `network-policy.homelab/enforcement`.
 * @returns The metric label, e.g. `label_network_policy_homelab_enforcement`.
 * @see kubernetes/kube-state-metrics internal/store/utils.go (kubeMapToPrometheusLabels, SanitizeLabelName)
 */
export function kubeStateMetricsLabel(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/**
 * Renders the PrometheusRule that fires while a namespace carries the escape hatch:
 * `NetworkPolicyEnforcementDisabled` (warning) after 5 minutes and `NetworkPolicyEnforcementDisabledLong`
 * (critical) after 24 hours, both on `kube_namespace_labels{label_<domain>_enforcement="disabled"}`.
 * @param domain - The label domain.
 * @param monitoringNamespace - Namespace of the PrometheusRule.
 * @returns The file text.
 */
export function renderEscapeHatchAlerts(domain: string, monitoringNamespace: string): string {
  const label = enforcementLabelOf(domain);
  const expr = `kube_namespace_labels{${kubeStateMetricsLabel(label)}="disabled"}`;
  const runbook = RUNBOOKS.escapeHatch;
  return toYaml(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: 'network-policy-escape-hatch',
        namespace: monitoringNamespace,
        labels: { 'app.kubernetes.io/part-of': 'network-policy' },
      },
      spec: {
        groups: [
          {
            name: 'network-policy.escape-hatch',
            rules: [
              {
                alert: 'NetworkPolicyEnforcementDisabled',
                expr,
                for: '5m',
                labels: { severity: 'warning' },
                annotations: {
                  summary: quoted('Network policy enforcement disabled in namespace {{ $labels.namespace }}'),
                  description: `Namespace {{ $labels.namespace }} has carried ${label}=disabled for more than 5 minutes: all ingress and egress of its pods is allowed. Find the missing rule, fix it through a PR, then remove the label.`,
                  runbook_url: runbook,
                },
              },
              {
                alert: 'NetworkPolicyEnforcementDisabledLong',
                expr,
                for: '24h',
                labels: { severity: 'critical' },
                annotations: {
                  summary: quoted(
                    'Network policy enforcement disabled for over 24 hours in namespace {{ $labels.namespace }}',
                  ),
                  description: `Namespace {{ $labels.namespace }} has carried ${label}=disabled for more than 24 hours. The escape hatch is for emergencies only: merge the policy fix and re-enable enforcement with \`kubectl label namespace {{ $labels.namespace }} ${label}-\`.`,
                  runbook_url: runbook,
                },
              },
            ],
          },
        ],
      },
    },
    [
      'The escape hatch must never be forgotten: these alerts fire while any namespace carries',
      `${label}=disabled (see baselines/escape-hatch.yaml).`,
      '',
      '  NetworkPolicyEnforcementDisabled      warning   after 5 minutes',
      '  NetworkPolicyEnforcementDisabledLong  critical  after 24 hours',
      '',
      'kube_namespace_labels comes from kube-state-metrics. It only exports labels that are',
      'allow-listed, so kube-state-metrics must run with',
      `  --metric-labels-allowlist=namespaces=[${label}]`,
      `The label name is sanitised to ${kubeStateMetricsLabel(label)}.`,
    ].join('\n'),
  );
}

function namespaces(o: SystemOptions): RenderedFile[] {
  const profile = profileLabelOf(o.domain);
  const docs = platformNamespacesOf(o).map((name, i) =>
    renderNamespace({
      name,
      ...(i === 0
        ? {
            comment: [
              `Platform namespaces. No ${profile} label on any of them (seed: "never apply`,
              'profiles to them"); each has its own CNPs in network-policy/platform/.',
            ].join('\n'),
          }
        : {}),
    }),
  );
  return [
    { path: 'namespaces/platform.yaml', text: joinDocuments(docs) },
    {
      path: 'namespaces/kustomization.yaml',
      text: renderKustomization(
        ['platform.yaml'],
        [
          'Every Namespace of the cluster, with its network-policy labels.',
          '',
          'Application namespaces (one file each) carry:',
          `  ${profile}: isolated | internal | internal-egress | standard`,
          `  access.${o.domain}/<resource>: "true"   for ${[...o.sharedResources.map((r) => r.name), 'kube-api'].join(', ')}`,
          'Create or change one with `netpol namespace set NS --profile P --access NAME`.',
          '',
          `${enforcementLabelOf(o.domain)}=disabled (the escape hatch) is never committed here.`,
        ].join('\n'),
      ),
    },
  ];
}

/**
 * Renders `netpol.config.yaml` for the system: cluster settings, the catalogue's conventions, the lint
 * allow-list of the health-probe CIDR, and the `init:` inputs (shared resources) so that running
 * `netpol init` again reproduces the same tree.
 * @param o - The options.
 * @returns The file text.
 */
export function renderConfig(o: SystemOptions): string {
  return toYaml(
    {
      cluster: commented(
        'Cluster settings that change verdicts. They describe the live Cilium installation; netpol\ncannot guess them from the policies.',
        {
          policyEnforcementMode: commented(
            'default: an endpoint is unrestricted until some rule selects it in a direction. The\nbaselines select every pod in both directions, which is what makes the cluster default-deny.',
            'default',
          ),
          allowLocalhost: commented(
            'The local node (kubelet liveness/readiness probes) reaches its pods whatever the policy.',
            true,
          ),
          ciliumVersion: commented(
            'Semantics that changed between releases are evaluated as in this version.',
            quoted(MODELLED_CILIUM_VERSION),
          ),
        },
      ),
      catalog: commented(
        "The system's conventions. netpol derives profiles and access grants from the policies; these\nkeys only name the pieces it cannot infer.",
        {
          domain: commented(
            `${profileLabelOf(o.domain)}, ${accessLabelOf(o.domain, '<name>')}, ${enforcementLabelOf(o.domain)}`,
            o.domain,
          ),
          platformNamespaces: commented(
            'Namespaces with hand-written CNPs; a profile label on any of them is an error.',
            platformNamespacesOf(o),
          ),
          gatewayNamespace: o.gatewayNamespace,
          internalGateway: commented(
            `Values of the pod label ${GATEWAY_NAME_LABEL} on the two gateways.`,
            o.internalGateway,
          ),
          externalGateway: o.externalGateway,
          monitoringNamespace: o.monitoringNamespace,
        },
      ),
      lint: {
        cidrAllowList: commented(
          'The only CIDR the policies may name: link-local health probes (baseline-health-probes and\nevery platform -default CNP). Anything else is "hard-coded IP address".',
          [HEALTH_PROBE_CIDR],
        ),
      },
      init: commented(
        'Inputs of `netpol init` only: the shared resources it wires end to end (access grant CCNP,\nresource namespace, its platform CNP). Edit and run `netpol init` again, or use `netpol access new`.',
        {
          sharedResources: o.sharedResources.map((r) => ({
            name: r.name,
            namespace: r.namespace,
            port: formatPort(r.port),
            metricsPort: r.metricsPort,
            description: r.description,
          })),
        },
      ),
    },
    'netpol settings for this repository (written by `netpol init`). Not a Kubernetes object.',
  );
}

/**
 * Renders the whole network-policy system as a GitOps tree, laid out as examples/homelab: baselines (DNS
 * egress, health probes, cilium-health, Prometheus scrape, opt-in kube-API, HBONE for ambient namespaces,
 * the escape hatch), the seed's four profiles, one access-grant CCNP per shared resource, platform CNPs
 * for kube-system, monitoring, the gateway namespace, istio-system and every resource namespace (whose
 * `<ns>-default` CNP admits the grant's label on the resource's port, so every grant works end to end), the
 * escape-hatch PrometheusRule, the platform Namespace manifests, kustomization.yaml files and
 * netpol.config.yaml. Pure and deterministic: the same options give the same bytes.
 * @param o - The options (see {@link DEFAULT_SYSTEM_OPTIONS}).
 * @returns The files, in a stable order.
 * @example
 * renderSystem(DEFAULT_SYSTEM_OPTIONS).map((f) => f.path); // ['kustomization.yaml', 'netpol.config.yaml', …]
 */
export function renderSystem(o: SystemOptions): RenderedFile[] {
  return [
    {
      path: 'kustomization.yaml',
      text: renderKustomization(
        ['namespaces', 'network-policy'],
        [
          'Root of the GitOps tree: Flux (or `kustomize build`) applies everything below.',
          '',
          '  namespaces/      every Namespace, with its network-policy labels (profile, access grants)',
          '  network-policy/  baselines, profiles, shared-resource access, platform CNPs, alerts',
          '',
          'netpol.config.yaml is read by `netpol` only; it is not a Kubernetes object.',
        ].join('\n'),
      ),
    },
    { path: 'netpol.config.yaml', text: renderConfig(o) },
    ...namespaces(o),
    {
      path: 'network-policy/kustomization.yaml',
      text: renderKustomization(
        ['baselines', 'profiles', 'shared-resources', 'platform', 'alerts'],
        [
          'The network-policy system, in the order you would read it:',
          '  baselines/         cluster-wide CCNPs every pod gets (DNS, health, scrape, opt-in kube-API, escape hatch, HBONE)',
          `  profiles/          one CCNP per profile, selected by the namespace label ${profileLabelOf(o.domain)}`,
          `  shared-resources/  one CCNP per access label ${accessLabelOf(o.domain, '<name>')}=true (client side)`,
          '  platform/          hand-written CNPs for platform namespaces (server side of the shared resources)',
          '  alerts/            PrometheusRule that fires while the escape hatch is in use',
        ].join('\n'),
      ),
    },
    ...baselines(o),
    ...profiles(o),
    ...sharedResources(o),
    ...renderPlatformFiles(o),
    {
      path: 'network-policy/alerts/escape-hatch.yaml',
      text: renderEscapeHatchAlerts(o.domain, o.monitoringNamespace),
    },
    {
      path: 'network-policy/alerts/kustomization.yaml',
      text: renderKustomization(
        ['escape-hatch.yaml'],
        `Alerts for the escape hatch (${enforcementLabelOf(o.domain)}=disabled on a namespace).`,
      ),
    },
    ...renderRunbooks(o),
  ];
}
