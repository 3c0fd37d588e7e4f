import rule from '../../../src/lint/rules/namespace-in-endpoint-selector.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';

const cnp = (selector: string) =>
  yaml`
    # the API's policy
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: api
      namespace: shop
    spec:
      endpointSelector:
  ` +
  selector +
  '  ingress:\n    - fromEntities: [cluster]\n      toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]\n';

ruleTester.run(rule, {
  valid: [
    { name: 'pod labels only', code: { 'p.yaml': cnp('    matchLabels:\n      app: api\n') } },
    {
      name: 'a clusterwide policy may name namespaces',
      code: {
        'p.yaml': cnp('    matchLabels:\n      io.kubernetes.pod.namespace: db\n').replace(
          'CiliumNetworkPolicy',
          'CiliumClusterwideNetworkPolicy',
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'another namespace',
      code: {
        'p.yaml': cnp('    matchLabels:\n      io.kubernetes.pod.namespace: storefront\n      app: api\n'),
      },
      errors: [{ messageId: 'otherNamespace', line: 10, column: 7, severity: 'error' }],
    },
    {
      name: 'its own namespace, with a source prefix: a warning, fixed by removing the key',
      code: {
        'p.yaml': cnp(
          '    matchLabels:\n      app: api\n      k8s:io.kubernetes.pod.namespace: shop # redundant\n',
        ),
      },
      errors: [{ messageId: 'sameNamespace', line: 11, column: 7, severity: 'warning' }],
      output: { 'p.yaml': cnp('    matchLabels:\n      app: api\n') },
    },
    {
      name: 'a matchExpressions entry that selects nothing',
      code: {
        'p.yaml': cnp(
          '    matchExpressions:\n      - key: io.kubernetes.pod.namespace\n        operator: In\n        values: [db]\n',
        ),
      },
      errors: [{ messageId: 'expression', line: 10, column: 9 }],
    },
    {
      name: 'in specs[1]',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: api, namespace: shop }
          specs:
            - endpointSelector: { matchLabels: { app: web } }
              ingress: [{ fromEntities: [cluster], toPorts: [{ ports: [{ port: "80" }] }] }]
            - endpointSelector:
                matchLabels:
                  io.kubernetes.pod.namespace: shop
              ingress: [{ fromEntities: [cluster], toPorts: [{ ports: [{ port: "81" }] }] }]
        `,
      },
      errors: [{ messageId: 'sameNamespace', line: 9, column: 9 }],
      output: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: api, namespace: shop }
          specs:
            - endpointSelector: { matchLabels: { app: web } }
              ingress: [{ fromEntities: [cluster], toPorts: [{ ports: [{ port: "80" }] }] }]
            - endpointSelector:
                matchLabels: {}
              ingress: [{ fromEntities: [cluster], toPorts: [{ ports: [{ port: "81" }] }] }]
        `,
      },
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 10, column: 7 });
