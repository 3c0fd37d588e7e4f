import rule from '../../../src/lint/rules/any-port.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { config } from '../snippets.js';

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
  ],
  invalid: [
    {
      name: 'endpoints without toPorts',
      code: { 'p.yaml': cnp('  ingress:\n    - fromEndpoints:\n        - matchLabels: { app: api }\n') },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'health mixed with world is not exempt',
      code: { 'p.yaml': cnp('  ingress:\n    - fromEntities: [health, world]\n') },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'a CIDR outside the probe range',
      code: { 'p.yaml': cnp('  egress:\n    - toCIDR: [10.0.0.0/8]\n') },
      errors: [{ messageId: 'anyPort', line: 9, column: 7 }],
    },
    {
      name: 'port 0',
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
        'np.yaml': yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: { name: web, namespace: shop }
          spec:
            podSelector: {}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {}
        `,
      },
      errors: [{ messageId: 'anyPort', line: 8, column: 7 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 12, column: 7 });
