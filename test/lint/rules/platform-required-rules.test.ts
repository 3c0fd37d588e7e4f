import rule from '../../../src/lint/rules/platform-required-rules.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { config, docs, namespace } from '../snippets.js';

/** The seed's platform template for namespace `db`, with `extra` appended to its egress. */
const template = (extraEgress = '', extraIngress = '') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: db-default
      namespace: db
    spec:
      endpointSelector: {}
      ingress:
        - fromEntities: [health]
        - fromCIDR: ["169.254.0.0/16"]
        - fromEndpoints:
            - matchLabels:
                io.kubernetes.pod.namespace: monitoring
                app.kubernetes.io/name: prometheus
          toPorts: [{ ports: [{ port: "9187", protocol: TCP }] }]
  ` +
  extraIngress +
  yaml`
      egress:
        - toEndpoints:
            - matchLabels:
                io.kubernetes.pod.namespace: kube-system
                k8s-app: kube-dns
          toPorts:
            - ports:
                - port: "53"
                  protocol: UDP
                - port: "53"
                  protocol: TCP
  `
    .replace(/^/gm, '  ')
    .replace(/^ {2}$/gm, '') +
  extraEgress;

const cfg = config('  platformNamespaces: [db]\n');
const hboneIngress =
  '    - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: istio-system, app: ztunnel } }]\n      toPorts: [{ ports: [{ port: "15008", protocol: TCP }] }]\n';
const hboneEgress =
  '    - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: istio-system, app: ztunnel } }]\n      toPorts: [{ ports: [{ port: "15008", protocol: TCP }] }]\n';

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
  ],
  invalid: [
    {
      name: 'egress rules without DNS',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(
          namespace('db'),
          yaml`
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: db-default
              namespace: db
            spec:
              endpointSelector: {}
              egress:
                - toEntities: [kube-apiserver]
                  toPorts: [{ ports: [{ port: "6443", protocol: TCP }] }]
          `,
        ),
      },
      errors: [
        { messageId: 'missing', line: 6, column: 1 },
        { messageId: 'missing', line: 6, column: 1 },
      ],
    },
    {
      name: 'ingress without health probes and scrapes',
      code: {
        'netpol.config.yaml': cfg,
        'all.yaml': docs(
          namespace('db'),
          yaml`
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: db-default
              namespace: db
            spec:
              endpointSelector: {}
              ingress:
                - fromEndpoints: [{ matchLabels: { app: api } }]
                  toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]
          `,
        ),
      },
      errors: [
        { messageId: 'missing', line: 6, column: 1 },
        { messageId: 'missing', line: 6, column: 1 },
        { messageId: 'missing', line: 6, column: 1 },
      ],
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
  ],
});

describeFixturePair(rule.id, { file: 'platform/database.yaml', line: 2, column: 1 });
