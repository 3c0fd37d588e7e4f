import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/any-port.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { lintWith, ruleTester } from '../rule-tester.js';
import { config, docs, profile } from '../snippets.js';

const cnp = (body: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: web
      namespace: shop
    spec:
      endpointSelector: {}
  ` + body;

/** A NetworkPolicy of namespace shop admitting one peer (written in flow style) on every port. */
const ingressFrom = (peer: string) => yaml`
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: { name: web, namespace: shop }
  spec:
    podSelector: {}
    policyTypes: [Ingress]
    ingress:
      - from:
          - ${peer}
`;

const hatch = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata:
    name: escape-hatch
  spec:
    endpointSelector:
      matchLabels:
        io.cilium.k8s.namespace.labels.np.test/enforcement: disabled
    ingress:
      - fromEntities: [all]
    egress:
      - toEntities: [all]
`;

ruleTester.run(rule, {
  valid: [
    {
      name: 'ports listed',
      code: {
        'p.yaml': cnp(
          '  egress:\n    - toEntities: [world]\n      toPorts: [{ ports: [{ port: "443" }] }]\n',
        ),
      },
    },
    {
      name: 'health probes (the seed template)',
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEntities: [health]\n    - fromCIDR: [169.254.0.0/16]\n    - fromEntities: [host, remote-node]\n',
        ),
      },
    },
    { name: 'the escape hatch', code: { 'netpol.config.yaml': config(), 'p.yaml': hatch } },
    {
      // docs/semantics.md §7.6: icmps entries without fields are port rules without ports (misleading-empty-rules).
      name: 'icmps without fields allow nothing, so not every port',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp('  ingress:\n    - fromEndpoints: [{ matchLabels: { app: a } }]\n      icmps: [{}]\n'),
      },
    },
    {
      // docs/semantics.md §7, item 2: an entry without ports matches no port (misleading-empty-rules reports it).
      name: 'toPorts entries without ports match no port, so not every port',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEndpoints: [{ matchLabels: { app: a } }]\n      toPorts: [{}]\n    - fromEndpoints: [{ matchLabels: { app: b } }]\n      toPorts: [{ ports: [] }, { ports: [{ port: "80" }] }]\n',
        ),
      },
    },
    {
      name: 'a deny rule on every port',
      code: { 'p.yaml': cnp('  egressDeny:\n    - toEntities: [world]\n') },
    },
    {
      name: 'ICMP only',
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEntities: [cluster]\n      icmps: [{ fields: [{ type: 8 }] }]\n',
        ),
      },
    },
    { name: 'an empty element selects nothing', code: { 'p.yaml': cnp('  ingress:\n    - {}\n') } },
    // The intents below hold where the seed's convention does not apply (no profiles found, the default
    // seedConvention auto): docs/real-repos.md judged each false as an any-port finding on real repositories.
    {
      // A CNP peer selector naming no namespace selects pods of the policy's namespace (docs/semantics.md §3).
      name: 'same namespace: components of one application',
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEndpoints:\n        - matchLabels: { app: api }\n        - {}\n',
        ),
      },
    },
    {
      name: 'same namespace: a NetworkPolicy podSelector alone',
      code: {
        'np.yaml': ingressFrom('podSelector: { matchLabels: { app: api } }'),
      },
    },
    {
      name: 'monitoring: ingress from a scraper',
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEndpoints:\n        - matchLabels: { io.kubernetes.pod.namespace: observability, app.kubernetes.io/name: vmagent }\n',
        ),
      },
    },
    {
      name: 'monitoring: egress of a prober',
      code: {
        'p.yaml': cnp('  egress:\n    - toEntities: [cluster]\n').replace(
          'endpointSelector: {}',
          'endpointSelector:\n    matchLabels: { app.kubernetes.io/name: blackbox-exporter }',
        ),
      },
    },
    {
      name: 'addresses and entities: world, the cluster, and 0.0.0.0/0 with except',
      code: {
        'p.yaml': cnp(
          '  egress:\n    - toEntities: [world]\n    - toEntities: [cluster]\n    - toCIDRSet: [{ cidr: 0.0.0.0/0, except: [10.0.0.0/8] }]\n    - toCIDR: [192.168.20.0/24]\n',
        ),
      },
    },
    {
      // docs/real-repos.md (JJGadgets/Biohazard): an ingress controller reaches every backend labelled for it.
      name: "opt-in backends: a controller's egress to the pods of any namespace labelled for it",
      code: {
        'p.yaml': cnp(
          '  egress:\n    - toEndpoints:\n        - matchLabels: { ingress.example.org/nginx: allow }\n          matchExpressions: [{ key: io.kubernetes.pod.namespace, operator: Exists }]\n',
        ),
      },
    },
    {
      name: 'opt-in backends: a clusterwide policy letting the controller into the pods labelled for it',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: ingress-from-nginx }
          spec:
            endpointSelector:
              matchLabels: { ingress.example.org/nginx: allow }
            ingress:
              - fromEndpoints:
                  - matchLabels: { io.kubernetes.pod.namespace: ingress, app.kubernetes.io/name: ingress-nginx }
        `,
      },
    },
    {
      name: 'opt-in backends: a NetworkPolicy egress to labelled pods of every namespace',
      code: {
        'np.yaml': yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: { name: nginx, namespace: ingress }
          spec:
            podSelector: {}
            policyTypes: [Egress]
            egress:
              - to:
                  - namespaceSelector: {}
                    podSelector: { matchLabels: { ingress.example.org/nginx: allow } }
        `,
      },
    },
    {
      // The seed's profiles admit their gateway into every app of the profile, whose ports differ per app.
      name: "the seed's convention: a profile's ingress from its gateway",
      options: { seedConvention: 'always' },
      code: {
        'netpol.config.yaml': config(),
        'p.yaml': profile('web').replace(
          '\n  egress:',
          '\n  ingress:\n    - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: istio-gateway, app: gateway } }]\n  egress:',
        ),
      },
    },
    {
      // The seed's "Prometheus scrape" baseline reaches every pod's metrics port.
      name: "the seed's convention: the scrape baseline's ingress from the scraper",
      options: { seedConvention: 'always' },
      code: {
        'netpol.config.yaml': config(),
        'p.yaml': docs(
          profile('web'),
          yaml`
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: { name: baseline-scrape }
            spec:
              endpointSelector: {}
              ingress:
                - fromEndpoints:
                    - matchLabels: { io.kubernetes.pod.namespace: monitoring, app.kubernetes.io/name: prometheus }
          `,
        ),
      },
    },
    {
      // Cilium's ingress (docs network/servicemesh/ingress): the reserved:ingress endpoint's listeners set the ports.
      name: "Cilium's ingress endpoint",
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: ingress-from-cluster }
          spec:
            endpointSelector:
              matchExpressions: [{ key: reserved:ingress, operator: Exists }]
            ingress:
              - fromEntities: [cluster]
        `,
      },
    },
  ],
  invalid: [
    {
      name: 'endpoints without toPorts',
      options: { seedConvention: 'always' },
      code: { 'p.yaml': cnp('  ingress:\n    - fromEndpoints:\n        - matchLabels: { app: api }\n') },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'another namespace is not the same namespace',
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEndpoints:\n        - matchLabels: { io.kubernetes.pod.namespace: billing }\n',
        ),
      },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'a clusterwide policy peer without a namespace is every namespace',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: all }
          spec:
            endpointSelector: {}
            ingress:
              - fromEndpoints: [{ matchLabels: { app: api } }]
        `,
      },
      errors: [{ messageId: 'anyPort', line: 7, column: 7 }],
    },
    {
      // The opt-in side is the source here: the destination is one controller, whose ports are known.
      name: 'pods opting in to reach one gateway name a fixed destination',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: egress-to-gateway }
          spec:
            endpointSelector:
              matchLabels: { egress.example.org/gateway: allow }
            egress:
              - toEndpoints:
                  - matchLabels: { io.kubernetes.pod.namespace: ingress, app: gateway }
        `,
      },
      errors: [{ messageId: 'anyPort', line: 8, column: 7 }],
    },
    {
      // docs/real-repos.md (JJGadgets/Biohazard, deedee-ops/home-ops): judged true.
      name: 'an operator reaching every database pod of any namespace names a kind of workload, not an opt-in',
      code: {
        'p.yaml': cnp(
          '  egress:\n    - toEndpoints:\n        - matchExpressions: [{ key: cnpg.io/cluster, operator: Exists }, { key: io.kubernetes.pod.namespace, operator: Exists }]\n        - matchLabels: { app.kubernetes.io/name: vmsingle }\n          matchExpressions: [{ key: io.kubernetes.pod.namespace, operator: Exists }]\n',
        ),
      },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'opt-in backends under the seed convention still need ports',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp(
          '  egress:\n    - toEndpoints:\n        - matchLabels: { ingress.example.org/nginx: allow }\n          matchExpressions: [{ key: io.kubernetes.pod.namespace, operator: Exists }]\n',
        ),
      },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'the seed convention: scrapers and the internet need ports too',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEndpoints:\n        - matchLabels: { io.kubernetes.pod.namespace: monitoring, app: prometheus }\n  egress:\n    - toEntities: [world]\n',
        ),
      },
      errors: [
        { messageId: 'anyPort', line: 9, column: 7 },
        { messageId: 'anyPort', line: 12, column: 7 },
      ],
    },
    {
      name: 'health mixed with world is not exempt, and the finding names world',
      options: { seedConvention: 'always' },
      code: { 'p.yaml': cnp('  ingress:\n    - fromEntities: [health, world]\n') },
      errors: [{ messageId: 'besideExempt', line: 9, column: 7 }],
    },
    {
      // docs/real-repos.md (ionfury/homelab): a probe baseline that also admits kube-apiserver on every port.
      // docs/semantics.md §4 item 4: a control-plane node is host or remote-node already; the entity adds only
      // API servers elsewhere, and those are not probe sources.
      name: 'probe sources with kube-apiserver: besideExempt names kube-apiserver',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp('  ingress:\n    - fromEntities: [health, host, remote-node, kube-apiserver]\n'),
      },
      errors: [{ messageId: 'besideExempt', line: 9, column: 7 }],
    },
    {
      name: 'a CIDR outside the probe range',
      options: { seedConvention: 'always' },
      code: { 'p.yaml': cnp('  egress:\n    - toCIDR: [10.0.0.0/8]\n') },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'port 0',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp(
          '  egress:\n    - toEntities: [world]\n      toPorts:\n        - ports:\n            - port: "0"\n              protocol: TCP\n',
        ),
      },
      errors: [{ messageId: 'portZero', line: 12, column: 15 }],
    },
    {
      name: 'a NetworkPolicy rule without ports',
      code: {
        'np.yaml': ingressFrom('namespaceSelector: {}'),
      },
      errors: [{ messageId: 'anyPort', line: 8, column: 7 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 12, column: 7 });

describe('any-port besideExempt wording', () => {
  it('names the exempt probe sources and the entity that needs ports', () => {
    const findings = lintWith(
      rule,
      { 'p.yaml': cnp('  ingress:\n    - fromEntities: [health, host, remote-node, kube-apiserver]\n') },
      { seedConvention: 'always' },
    );
    expect(findings.map((f) => [f.message, f.hint])).toEqual([
      [
        'CiliumNetworkPolicy/shop/web ingress[0] allows from entities health, host, remote-node, kube-apiserver on every port: health, host, remote-node may go without ports (probe sources), kube-apiserver may not.',
        'Give kube-apiserver a rule of its own with the ports the traffic uses.',
      ],
    ]);
  });
});
