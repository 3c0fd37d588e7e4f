import rule from '../../../src/lint/rules/explicit-default-deny.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';

const cnp = (spec: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: lock
      namespace: shop
    spec:
      endpointSelector: {}
  ` + spec;

ruleTester.run(rule, {
  valid: [
    {
      name: 'an allow rule',
      code: {
        'p.yaml': cnp(
          '  ingress:\n    - fromEntities: [cluster]\n      toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]\n',
        ),
      },
    },
    {
      name: 'an empty element with default deny turned off does nothing at all',
      code: { 'p.yaml': cnp('  enableDefaultDeny:\n    ingress: false\n  ingress:\n    - {}\n') },
    },
    {
      name: 'a precise deny rule is not a default deny',
      code: { 'p.yaml': cnp('  egressDeny:\n    - toEntities: [world]\n') },
    },
    {
      name: 'a Kubernetes NetworkPolicy that allows',
      code: {
        'np.yaml': yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: { name: web, namespace: shop }
          spec:
            podSelector: {}
            policyTypes: [Ingress]
            ingress:
              - ports: [{ port: 80 }]
        `,
      },
    },
  ],
  invalid: [
    {
      name: 'ingress: [{}]',
      code: { 'p.yaml': cnp('  ingress:\n    - {}\n') },
      errors: [{ messageId: 'emptyRules', line: 9, column: 7 }],
    },
    {
      name: 'egress with an explicitly empty peer list',
      code: { 'p.yaml': cnp('  egress:\n    - toEndpoints: []\n') },
      errors: [{ messageId: 'emptyRules', line: 9, column: 7 }],
    },
    {
      name: 'a NetworkPolicy with policyTypes and no rules',
      code: {
        'np.yaml': yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata:
            name: default-deny
            namespace: shop
          spec:
            podSelector: {}
            policyTypes:
              - Ingress
              - Egress
        `,
      },
      errors: [
        { messageId: 'emptyRules', line: 9, column: 5 },
        { messageId: 'emptyRules', line: 9, column: 5 },
      ],
    },
    {
      name: 'deny everything from the all entity',
      code: { 'p.yaml': cnp('  ingressDeny:\n    - fromEntities: [all]\n') },
      errors: [{ messageId: 'denyAll', line: 9, column: 7 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 12, column: 7 });
