/**
 * The authoring renderers: YAML text with comments (render-yaml), the seed's platform template and the
 * access-grant CCNP (render), and the whole system `netpol init` writes (render-system). That every manifest
 * validates against the official CRD schemas is checked by test/conformance/authoring.test.ts; the
 * behaviour of the rendered system is proved with the engine.
 */
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { deriveCatalog } from '../../../src/catalog/derive-catalog.js';
import { createEngine } from '../../../src/engine/verdict.js';
import { loadRepoFromText } from '../../../src/repo/load-repo.js';
import { catalogConfigOf } from '../../../src/workflows/analysis/load.js';
import { traceFlow } from '../../../src/workflows/analysis/trace.js';
import { checkDerivedNames } from '../../../src/workflows/authoring/authoring-values.js';
import {
  formatPorts,
  renderAccessPolicy,
  renderKustomization,
  renderNamespace,
  renderPlatformPolicy,
} from '../../../src/workflows/authoring/render.js';
import { kubeStateMetricsLabel, renderSystem } from '../../../src/workflows/authoring/render-system.js';
import { commented, quoted, toYaml } from '../../../src/workflows/authoring/render-yaml.js';
import {
  DEFAULT_SYSTEM_OPTIONS,
  type SystemOptions,
} from '../../../src/workflows/authoring/system-options.js';
import { yaml } from '../../helpers/use-repo.js';

/** Every document of a rendered text, as plain data. */
function documents(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, unknown>;
  });
}

describe('toYaml', () => {
  it('writes comments before keys and list items, quotes what YAML 1.1 would misread, keeps key order', () => {
    const text = toYaml(
      {
        kind: 'X',
        spec: {
          description: quoted('a: "b"'),
          endpointSelector: commented('every pod', {}),
          ports: [commented('DNS\n\nover UDP', { port: '53', protocol: 'UDP' }), { port: '80' }],
          label: 'true',
          on: 'yes',
        },
      },
      'header line',
    );
    expect(text).toBe(yaml`
      # header line
      kind: X
      spec:
        description: "a: \\"b\\""
        # every pod
        endpointSelector: {}
        ports:
          # DNS
          #
          # over UDP
          - port: "53"
            protocol: UDP
          - port: "80"
        label: "true"
        "on": "yes"
    `);
  });

  it('wraps comment lines longer than 96 characters at word boundaries', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const lines = toYaml({ key: commented(words, 1) }).split('\n');
    expect(lines.filter((l) => l.startsWith('#')).every((l) => l.length <= 98)).toBe(true);
    expect(lines.filter((l) => l.startsWith('#')).length).toBe(3);
  });
});

describe('renderPlatformPolicy', () => {
  const spec = {
    namespace: 'mqtt',
    purpose: 'Mosquitto',
    metricsPorts: [9234],
    monitoringNamespace: 'monitoring',
    mesh: true,
    grants: [
      {
        name: 'mqtt',
        label: 'access.network-policy.homelab/mqtt',
        ports: [{ port: 1883, protocol: 'TCP' as const }],
      },
    ],
    ingressFrom: [
      {
        peer: { kind: 'pods' as const, namespace: 'iot', labels: { app: 'bridge' } },
        ports: [{ port: 8883, protocol: 'TCP' as const }],
      },
    ],
    egressTo: [
      {
        peer: { kind: 'entity' as const, entity: 'world' as const },
        ports: [{ port: 443, protocol: 'TCP' as const }],
      },
    ],
  };

  it("writes the seed's template with every required rule, then the grant and service-specific rules", () => {
    const [cnp] = documents(renderPlatformPolicy(spec));
    const tcp = (port: string) => ({ ports: [{ port, protocol: 'TCP' }] });
    const ztunnel = { matchLabels: { 'io.kubernetes.pod.namespace': 'istio-system', app: 'ztunnel' } };
    expect(cnp).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'mqtt-default', namespace: 'mqtt' },
      spec: {
        description:
          'mqtt: DNS egress, health probes, Prometheus scrape (9234/TCP), HBONE with ztunnel (15008/TCP), access grant mqtt (1883/TCP) and service-specific rules',
        endpointSelector: {},
        ingress: [
          { fromEntities: ['health'] },
          { fromCIDR: ['169.254.0.0/16'] },
          {
            fromEndpoints: [
              {
                matchLabels: {
                  'io.kubernetes.pod.namespace': 'monitoring',
                  'app.kubernetes.io/name': 'prometheus',
                },
              },
            ],
            toPorts: [tcp('9234')],
          },
          { fromEndpoints: [ztunnel], toPorts: [tcp('15008')] },
          {
            fromEndpoints: [
              {
                matchLabels: { 'io.cilium.k8s.namespace.labels.access.network-policy.homelab/mqtt': 'true' },
              },
            ],
            toPorts: [tcp('1883')],
          },
          {
            fromEndpoints: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'iot', app: 'bridge' } }],
            toPorts: [tcp('8883')],
          },
        ],
        egress: [
          {
            toEndpoints: [
              { matchLabels: { 'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } },
            ],
            toPorts: [
              {
                ports: [
                  { port: '53', protocol: 'UDP' },
                  { port: '53', protocol: 'TCP' },
                ],
              },
            ],
          },
          { toEndpoints: [ztunnel], toPorts: [tcp('15008')] },
          { toEntities: ['world'], toPorts: [tcp('443')] },
        ],
      },
    });
  });

  it('explains every rule with a comment and is deterministic', () => {
    const text = renderPlatformPolicy(spec);
    expect(renderPlatformPolicy(spec)).toBe(text);
    for (const comment of [
      "    # Health probes (seed template): Cilium's health entity and link-local probers.",
      '    # Prometheus scraping (seed template): metrics on 9234/TCP.',
      '    # HBONE (seed template, mesh participant): from istio-system/ztunnel on 15008/TCP.',
      '    # Access grant "mqtt" (server side): every pod of every namespace labelled',
      '    # Service-specific: from iot pods app=bridge on 8883/TCP.',
      '    # DNS (seed template): kube-dns in kube-system, 53/UDP and 53/TCP.',
      '    # Service-specific: to the world entity on 443/TCP.',
    ]) {
      expect(text).toContain(`${comment}\n`);
    }
    expect(text.startsWith('# Platform namespace mqtt: Mosquitto.\n')).toBe(true);
  });

  it('leaves HBONE out of a namespace outside the mesh', () => {
    const [cnp] = documents(
      renderPlatformPolicy({ ...spec, mesh: false, grants: [], ingressFrom: [], egressTo: [] }),
    );
    const s = cnp?.spec as { ingress: unknown[]; egress: unknown[] };
    expect(s.ingress).toHaveLength(3);
    expect(s.egress).toHaveLength(1);
    expect(JSON.stringify(cnp)).not.toContain('15008');
  });
});

describe('renderAccessPolicy', () => {
  it('selects the namespaces carrying the grant and allows egress to the resource namespace on its ports', () => {
    const [ccnp] = documents(
      renderAccessPolicy({
        name: 'mqtt',
        domain: 'example.org',
        namespace: 'broker',
        ports: [
          { port: 1883, protocol: 'TCP' },
          { port: 1883, protocol: 'UDP' },
        ],
      }),
    );
    expect(ccnp).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: { name: 'access-mqtt' },
      spec: {
        description:
          'Access mqtt: pods in namespaces labelled access.example.org/mqtt=true may reach mqtt (namespace broker) on 1883/TCP and 1883/UDP',
        endpointSelector: {
          matchLabels: { 'io.cilium.k8s.namespace.labels.access.example.org/mqtt': 'true' },
        },
        egress: [
          {
            toEndpoints: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'broker' } }],
            toPorts: [
              {
                ports: [
                  { port: '1883', protocol: 'TCP' },
                  { port: '1883', protocol: 'UDP' },
                ],
              },
            ],
          },
        ],
      },
    });
  });
});

describe('renderNamespace and renderKustomization', () => {
  it('writes labels in order and quotes "true"', () => {
    expect(
      renderNamespace({ name: 'web', labels: { 'a.b/profile': 'standard', 'access.a.b/pg': 'true' } }),
    ).toBe(yaml`
      apiVersion: v1
      kind: Namespace
      metadata:
        name: web
        labels:
          a.b/profile: standard
          access.a.b/pg: "true"
    `);
    expect(renderKustomization(['a.yaml', 'b'], 'why')).toBe(
      '# why\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - a.yaml\n  - b\n',
    );
  });

  it('formats port lists', () => {
    expect(formatPorts([{ port: 1, protocol: 'TCP' }])).toBe('1/TCP');
    expect(
      formatPorts([
        { port: 1, protocol: 'TCP' },
        { port: 2, protocol: 'UDP' },
        { port: 3, protocol: 'SCTP' },
      ]),
    ).toBe('1/TCP, 2/UDP and 3/SCTP');
  });
});

describe('kubeStateMetricsLabel', () => {
  it.each([
    ['network-policy.homelab/enforcement', 'label_network_policy_homelab_enforcement'],
    ['example.org/enforcement', 'label_example_org_enforcement'],
    ['a_b-c', 'label_a_b_c'],
  ])('%s → %s', (key, want) => expect(kubeStateMetricsLabel(key)).toBe(want));
});

/** Loads the rendered tree plus extra files (listed in the root kustomization) from memory. */
function loadRendered(o: SystemOptions, extra: Record<string, string> = {}) {
  const files = Object.fromEntries(renderSystem(o).map((f) => [f.path, f.text]));
  for (const name of Object.keys(extra)) files['kustomization.yaml'] += `  - ${name}\n`;
  const { repo, diagnostics } = loadRepoFromText({ ...files, ...extra });
  return {
    repo,
    diagnostics,
    engine: createEngine(repo),
    catalog: deriveCatalog(repo, catalogConfigOf(repo)),
  };
}

describe('renderSystem', () => {
  it('lays the tree out as examples/homelab, in a stable order', () => {
    expect(renderSystem(DEFAULT_SYSTEM_OPTIONS).map((f) => f.path)).toEqual([
      'kustomization.yaml',
      'netpol.config.yaml',
      'namespaces/platform.yaml',
      'namespaces/kustomization.yaml',
      'network-policy/kustomization.yaml',
      'network-policy/baselines/dns-egress.yaml',
      'network-policy/baselines/health-probes.yaml',
      'network-policy/baselines/cilium-health.yaml',
      'network-policy/baselines/prometheus-scrape.yaml',
      'network-policy/baselines/kube-api-egress.yaml',
      'network-policy/baselines/hbone-ambient.yaml',
      'network-policy/baselines/escape-hatch.yaml',
      'network-policy/baselines/kustomization.yaml',
      'network-policy/profiles/isolated.yaml',
      'network-policy/profiles/internal.yaml',
      'network-policy/profiles/internal-egress.yaml',
      'network-policy/profiles/standard.yaml',
      'network-policy/profiles/kustomization.yaml',
      'network-policy/shared-resources/postgres.yaml',
      'network-policy/shared-resources/dragonfly.yaml',
      'network-policy/shared-resources/garage-s3.yaml',
      'network-policy/shared-resources/kustomization.yaml',
      'network-policy/platform/kube-system.yaml',
      'network-policy/platform/monitoring.yaml',
      'network-policy/platform/database.yaml',
      'network-policy/platform/cache.yaml',
      'network-policy/platform/garage.yaml',
      'network-policy/platform/istio-gateway.yaml',
      'network-policy/platform/istio-system.yaml',
      'network-policy/platform/kustomization.yaml',
      'network-policy/alerts/escape-hatch.yaml',
      'network-policy/alerts/kustomization.yaml',
      'docs/runbooks/network-policy-escape-hatch.md',
      'docs/runbooks/network-policy-verification.md',
    ]);
    const again = renderSystem(DEFAULT_SYSTEM_OPTIONS);
    expect(again.map((f) => f.text)).toEqual(renderSystem(DEFAULT_SYSTEM_OPTIONS).map((f) => f.text));
  });

  it('renders these kinds (their CRD schemas: test/conformance/authoring.test.ts)', () => {
    const kinds = new Map<string, number>();
    for (const f of renderSystem(DEFAULT_SYSTEM_OPTIONS)) {
      if (f.path === 'netpol.config.yaml' || f.path.endsWith('.md')) continue;
      for (const doc of documents(f.text)) {
        kinds.set(String(doc.kind), (kinds.get(String(doc.kind)) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(kinds)).toEqual({
      Kustomization: 8,
      Namespace: 7,
      CiliumClusterwideNetworkPolicy: 14,
      CiliumNetworkPolicy: 14,
      PrometheusRule: 1,
    });
  });

  it('loads without diagnostics, and the catalogue finds every convention it rendered', () => {
    const { diagnostics, catalog } = loadRendered(DEFAULT_SYSTEM_OPTIONS);
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(catalog.domain).toBe('network-policy.homelab');
    expect([...catalog.profiles.keys()]).toEqual(['isolated', 'internal', 'internal-egress', 'standard']);
    expect([...catalog.accessGrants.keys()].sort()).toEqual([
      'dragonfly',
      'garage-s3',
      'kube-api',
      'postgres',
    ]);
    expect(catalog.escapeHatch).toMatchObject({
      label: 'network-policy.homelab/enforcement',
      value: 'disabled',
    });
    expect(catalog.platformNamespaces).toEqual([
      'kube-system',
      'monitoring',
      'database',
      'cache',
      'garage',
      'istio-gateway',
      'istio-system',
    ]);
  });

  describe('with other names for everything, the engine proves the profile and access tables', () => {
    const custom: SystemOptions = {
      domain: 'policy.example.org',
      gatewayNamespace: 'edge',
      internalGateway: 'lan',
      externalGateway: 'wan',
      monitoringNamespace: 'observability',
      sharedResources: [
        {
          name: 'mqtt',
          namespace: 'broker',
          port: { port: 1883, protocol: 'TCP' },
          metricsPort: 9234,
          description: 'Mosquitto',
        },
        {
          name: 'dns-cache',
          namespace: 'broker',
          port: { port: 5353, protocol: 'UDP' },
          metricsPort: 9234,
          description: 'a DNS cache',
        },
      ],
    };
    const apps = yaml`
      apiVersion: v1
      kind: Namespace
      metadata:
        name: a-isolated
        labels: { policy.example.org/profile: isolated, access.policy.example.org/mqtt: "true" }
      ---
      apiVersion: v1
      kind: Namespace
      metadata:
        name: a-internal
        labels: { policy.example.org/profile: internal, access.policy.example.org/dns-cache: "true" }
      ---
      apiVersion: v1
      kind: Namespace
      metadata: { name: a-egress, labels: { policy.example.org/profile: internal-egress } }
      ---
      apiVersion: v1
      kind: Namespace
      metadata: { name: a-standard, labels: { policy.example.org/profile: standard } }
    `;
    const { engine, diagnostics, repo } = loadRendered(custom, { 'apps.yaml': apps });
    const lan = 'edge/gateway.networking.k8s.io/gateway-name=lan';
    const wan = 'edge/gateway.networking.k8s.io/gateway-name=wan';
    it('loads cleanly, with the application namespaces', () => {
      expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      expect(repo.namespaces.map((n) => n.name)).toEqual([
        'kube-system',
        'observability',
        'broker',
        'edge',
        'istio-system',
        'a-isolated',
        'a-internal',
        'a-egress',
        'a-standard',
      ]);
    });
    it.each([
      [lan, 'a-isolated', 8080, 'TCP', 'denied'],
      ['a-isolated', 'world:203.0.113.10', 443, 'TCP', 'denied'],
      [lan, 'a-internal', 8080, 'TCP', 'allowed'],
      [wan, 'a-internal', 8080, 'TCP', 'denied'],
      ['a-internal', 'world:203.0.113.10', 443, 'TCP', 'denied'],
      [lan, 'a-egress', 3000, 'TCP', 'allowed'],
      [wan, 'a-egress', 3000, 'TCP', 'denied'],
      ['a-egress', 'world:203.0.113.10', 443, 'TCP', 'allowed'],
      [wan, 'a-standard', 80, 'TCP', 'allowed'],
      ['world:203.0.113.10', wan, 443, 'TCP', 'allowed'],
      ['world:203.0.113.10', lan, 443, 'TCP', 'denied'],
      ['a-standard', 'world:203.0.113.10', 443, 'TCP', 'allowed'],
      ['a-standard', 'kube-system/k8s-app=kube-dns', 53, 'UDP', 'allowed'],
      ['a-isolated', 'broker', 1883, 'TCP', 'allowed'],
      ['a-internal', 'broker', 1883, 'TCP', 'denied'],
      ['a-internal', 'broker', 5353, 'UDP', 'allowed'],
      ['a-isolated', 'broker', 5353, 'UDP', 'denied'],
      ['a-internal', 'broker', 5353, 'TCP', 'denied'],
      ['observability/app.kubernetes.io/name=prometheus', 'broker', 9234, 'TCP', 'allowed'],
      ['observability/app.kubernetes.io/name=prometheus', 'a-standard', 9090, 'TCP', 'allowed'],
      ['monitoring/app.kubernetes.io/name=prometheus', 'a-standard', 9090, 'TCP', 'denied'],
    ] as const)('%s → %s:%i/%s is %s', (from, to, port, protocol, want) => {
      expect(traceFlow(engine, { source: from, destination: to, port, protocol }).verdict.verdict).toBe(want);
    });
  });

  it('writes the alerts on the label kube-state-metrics exports for the domain', () => {
    const alerts = renderSystem({
      ...DEFAULT_SYSTEM_OPTIONS,
      domain: 'example.org',
      monitoringNamespace: 'obs',
    }).find((f) => f.path === 'network-policy/alerts/escape-hatch.yaml');
    const rule = parse(alerts?.text ?? '') as {
      metadata: { namespace: string };
      spec: {
        groups: { rules: { alert: string; expr: string; for: string; labels: { severity: string } }[] }[];
      };
    };
    expect(rule.metadata.namespace).toBe('obs');
    expect(rule.spec.groups[0]?.rules.map((r) => [r.alert, r.expr, r.for, r.labels.severity])).toEqual([
      [
        'NetworkPolicyEnforcementDisabled',
        'kube_namespace_labels{label_example_org_enforcement="disabled"}',
        '5m',
        'warning',
      ],
      [
        'NetworkPolicyEnforcementDisabledLong',
        'kube_namespace_labels{label_example_org_enforcement="disabled"}',
        '24h',
        'critical',
      ],
    ]);
  });
});

describe('checkDerivedNames', () => {
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
  const cnp = (name: string, namespace: string) =>
    `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`;
  it.each([
    ['a Namespace name that is not a DNS-1123 label', ns('a.b'), 'its name "a.b" is not valid'],
    ['a policy name with an underscore', cnp('access-My_DB', 'db'), 'its name "access-My_DB" is not valid'],
    ['a bad metadata.namespace', cnp('x', 'Bad'), 'its namespace "Bad" is not valid'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => checkDerivedNames('f.yaml', null, text)).toThrow(message);
  });

  it('accepts valid names, and leaves alone names the file already had', () => {
    expect(() =>
      checkDerivedNames('f.yaml', null, `${ns('web')}---\n${cnp('web-default.v2', 'web')}`),
    ).not.toThrow();
    expect(() =>
      checkDerivedNames('f.yaml', ns('Old_One'), `${ns('Old_One')}---\n${ns('web')}`),
    ).not.toThrow();
  });
});
