import rule from '../../../src/lint/rules/platform-required-rules.js';
import { fluxKustomization } from '../../helpers/flux.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { config, docs, namespace } from '../snippets.js';

const dbPolicy = (rules: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: db-default
      namespace: db
    spec:
      endpointSelector: {}
  ` + rules;
/** The seed's platform template for namespace `db`, with extra ingress and egress elements. */
const template = (extraEgress = '', extraIngress = '') =>
  dbPolicy(
    [
      '  ingress:',
      '    - fromEntities: [health]',
      '    - fromCIDR: ["169.254.0.0/16"]',
      '    - fromEndpoints:',
      '        - matchLabels:',
      '            io.kubernetes.pod.namespace: monitoring',
      '            app.kubernetes.io/name: prometheus',
      '      toPorts: [{ ports: [{ port: "9187", protocol: TCP }] }]',
      '',
    ].join('\n') +
      extraIngress +
      [
        '  egress:',
        '    - toEndpoints:',
        '        - matchLabels:',
        '            io.kubernetes.pod.namespace: kube-system',
        '            k8s-app: kube-dns',
        '      toPorts:',
        '        - ports:',
        '            - port: "53"',
        '              protocol: UDP',
        '            - port: "53"',
        '              protocol: TCP',
        '',
      ].join('\n') +
      extraEgress,
  );

const cfg = config('  platformNamespaces: [db]\n');
const apiOnlyEgress =
  '  egress:\n    - toEntities: [kube-apiserver]\n      toPorts: [{ ports: [{ port: "6443", protocol: TCP }] }]\n';
/** Namespace db and a platform CNP whose egress reaches only the API server (no DNS). */
const withoutDns = docs(namespace('db'), dbPolicy(apiOnlyEgress));
const hboneIngress =
  '    - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: istio-system, app: ztunnel } }]\n      toPorts: [{ ports: [{ port: "15008", protocol: TCP }] }]\n';
const hboneEgress =
  '    - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: istio-system, app: ztunnel } }]\n      toPorts: [{ ports: [{ port: "15008", protocol: TCP }] }]\n';

const dnsEgress =
  '  egress:\n    - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns } }]\n      toPorts: [{ ports: [{ port: "53", protocol: ANY }] }]\n';
const apiIngress =
  '  ingress:\n    - fromEndpoints: [{ matchLabels: { app: api } }]\n      toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]\n';
const serviceMonitor = yaml`
  apiVersion: monitoring.coreos.com/v1
  kind: ServiceMonitor
  metadata: { name: db, namespace: db }
  spec:
    selector: { matchLabels: { app: db } }
    endpoints: [{ port: metrics }]
`;
const prometheus = yaml`
  apiVersion: monitoring.coreos.com/v1
  kind: Prometheus
  metadata: { name: main, namespace: observability }
  spec: {}
`;
const linkLocalIngress = '    - fromCIDR: ["169.254.0.0/16"]\n';

// Sources: docs/semantics.md §8.5 (allow-localhost: kubelet probes come from reserved:host and reach
// local pods unless a deny matches), §4 (the health entity is cilium-health), §6.1 (deny wins).
ruleTester.run(rule, {
  valid: [
    {
      name: 'the seed template',
      code: { 'netpol.config.yaml': cfg, 'all.yaml': docs(namespace('db'), template()) },
    },
    {
      name: 'the seed template with HBONE, in the mesh',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(
          namespace('db', { 'istio.io/dataplane-mode': 'ambient' }),
          template(hboneEgress, hboneIngress),
        ),
      },
    },
    {
      name: 'no policy selects the namespace: nothing is enforced, so nothing is denied',
      code: { 'netpol.config.yaml': cfg, 'all.yaml': namespace('db') },
    },
    {
      name: 'no health or link-local rule: kubelet probes come from the host, which allowLocalhost admits',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(namespace('db'), dbPolicy(apiIngress + dnsEgress)),
      },
    },
    {
      name: 'a namespace no ServiceMonitor or PodMonitor names needs no scrape rule',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(namespace('db'), dbPolicy(apiIngress + dnsEgress), prometheus),
      },
    },
    {
      name: 'a scraped namespace admitting the scraper the repository defines (a Prometheus object)',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(
          namespace('db'),
          serviceMonitor,
          prometheus,
          dbPolicy(
            `${apiIngress}    - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: observability, app.kubernetes.io/name: prometheus } }]\n      toPorts: [{ ports: [{ port: "9187", protocol: TCP }] }]\n${dnsEgress}`,
          ),
        ),
      },
    },
    {
      // docs/real-repos.md: on repositories without the seed's profiles, 49 of 51 findings were false (pods
      // that make no DNS query, tunnel-only egress): the seed's template is not their convention.
      name: 'a derived platform namespace in a repository without the seed profiles (seedConvention auto)',
      code: {
        'all.yaml': withoutDns,
      },
    },
    {
      // Objects a HelmRelease renders at run time may hold the namespace's DNS rule: not judged.
      name: 'a namespace a HelmRelease renders into (Flux)',
      code: {
        'netpol.config.yaml': cfg,
        'clusters/prod/flux-system/gotk-sync.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: flux-system, namespace: flux-system }\nspec: { url: ssh://git@example.org/fleet }\n---\n${fluxKustomization('flux-system', './clusters/prod')}`,
        'clusters/prod/db.yaml': docs(
          namespace('db'),
          dbPolicy(apiOnlyEgress),
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: pg, namespace: db }\nspec:\n  chart: { spec: { chart: postgresql, sourceRef: { kind: HelmRepository, name: bitnami } } }\n',
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'a derived platform namespace where the seed convention is asked for',
      options: { seedConvention: 'always' },
      code: {
        'all.yaml': withoutDns,
      },
      errors: [
        { messageId: 'missing', line: 6, column: 1 },
        { messageId: 'missing', line: 6, column: 1 },
      ],
    },
    {
      name: 'egress rules without DNS',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': withoutDns,
      },
      errors: [
        { messageId: 'missing', line: 6, column: 1 },
        { messageId: 'missing', line: 6, column: 1 },
      ],
    },
    {
      name: 'a deny from the host blocks kubelet probes (deny wins over the local-host exception)',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(
          namespace('db'),
          dbPolicy(`${apiIngress}  ingressDeny:\n    - fromEntities: [host]\n`),
        ),
      },
      errors: [{ messageId: 'missing', line: 6, column: 1 }],
    },
    {
      name: 'allowLocalhost off and no rule from the host',
      code: {
        'netpol.config.yaml': `${cfg}cluster:\n  allowLocalhost: false\n`,
        'all.yaml': docs(namespace('db'), dbPolicy(apiIngress)),
      },
      errors: [{ messageId: 'missing', line: 6, column: 1 }],
    },
    {
      name: 'a scraped namespace that does not admit the Prometheus the repository defines',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(namespace('db'), serviceMonitor, prometheus, dbPolicy(apiIngress + dnsEgress)),
      },
      errors: [{ messageId: 'missing', line: 18, column: 1 }],
    },
    {
      name: 'in the ambient mesh without HBONE',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(namespace('db', { 'istio.io/dataplane-mode': 'ambient' }), template()),
      },
      errors: [
        { messageId: 'missing', line: 8, column: 1 },
        { messageId: 'missing', line: 8, column: 1 },
      ],
    },
    {
      name: 'in the ambient mesh without the link-local probe source',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(
          namespace('db', { 'istio.io/dataplane-mode': 'ambient' }),
          template(hboneEgress, hboneIngress).replace(linkLocalIngress, ''),
        ),
      },
      errors: [{ messageId: 'missing', line: 8, column: 1 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'platform/database.yaml', line: 2, column: 1 });
