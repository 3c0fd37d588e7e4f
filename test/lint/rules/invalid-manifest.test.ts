import rule from '../../../src/lint/rules/invalid-manifest.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';

ruleTester.run(rule, {
  valid: [
    {
      name: 'a valid namespace',
      code: { 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n' },
    },
    {
      name: 'what netpol does not model is not a manifest error',
      code: {
        'kustomization.yaml': 'resources: [ns.yaml, https://example.com/x.yaml]\n',
        'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
      },
    },
  ],
  invalid: [
    {
      name: 'YAML syntax',
      code: { 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [shop\n' },
      errors: [{ messageId: 'syntax', line: 4, column: 9, severity: 'error' }],
    },
    {
      name: 'a bad entity, a bad port and an unknown field',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: p, namespace: shop }
          spec:
            endpointSelector: {}
            ingress:
              - fromEntities: [wrld]
                toPorts: [{ ports: [{ port: "70000" }] }]
              - fromEndpoint: [{}]
        `,
      },
      errors: [
        { messageId: 'value', line: 7, column: 22 },
        { messageId: 'value', line: 8, column: 35 },
        { messageId: 'schema', line: 9, column: 7 },
      ],
    },
    {
      name: 'a bad selector operator',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: p, namespace: shop }
          spec:
            endpointSelector:
              matchExpressions: [{ key: app, operator: Equals, values: [a] }]
            ingress: [{ fromEntities: [cluster], toPorts: [{ ports: [{ port: "80" }] }] }]
        `,
      },
      errors: [{ messageId: 'value', line: 6, column: 46 }],
    },
    {
      name: "a duplicate object is the loader's warning",
      code: {
        'a.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
        'b.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
      },
      errors: [{ messageId: 'duplicate', line: 1, column: 1, file: 'b.yaml', severity: 'warning' }],
    },
    {
      name: 'a missing kustomization resource',
      code: { 'kustomization.yaml': 'resources:\n  - gone.yaml\n' },
      errors: [{ messageId: 'kustomization', line: 2, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 20, column: 11 });
