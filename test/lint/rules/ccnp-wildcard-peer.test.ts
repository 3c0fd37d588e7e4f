import rule from '../../../src/lint/rules/ccnp-wildcard-peer.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';

const ccnp = (peers: string, kind = 'CiliumClusterwideNetworkPolicy') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: ${kind}
    metadata:
      name: peers
      namespace: shop
    spec:
      description: "same-namespace traffic only"
      endpointSelector: {}
      ingress:
        - fromEndpoints:
  ` +
  peers +
  '      toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]\n';

ruleTester.run(rule, {
  valid: [
    {
      name: 'a namespace key',
      code: { 'p.yaml': ccnp('        - matchLabels: { io.kubernetes.pod.namespace: shop }\n') },
    },
    {
      name: 'a namespace label',
      code: { 'p.yaml': ccnp('        - matchLabels: { io.cilium.k8s.namespace.labels.team: a }\n') },
    },
    {
      name: 'a namespace expression',
      code: {
        'p.yaml': ccnp(
          '        - matchExpressions: [{ key: k8s:io.kubernetes.pod.namespace, operator: In, values: [a, b] }]\n',
        ),
      },
    },
    {
      name: 'a reserved label',
      code: { 'p.yaml': ccnp('        - matchLabels: { "reserved:host": "" }\n') },
    },
    {
      name: 'in a CiliumNetworkPolicy {} means its own namespace',
      code: { 'p.yaml': ccnp('        - {}\n', 'CiliumNetworkPolicy') },
    },
  ],
  invalid: [
    {
      name: '{} in a clusterwide policy',
      code: { 'p.yaml': ccnp('        - {}\n') },
      errors: [{ messageId: 'emptySelector', line: 11, column: 11 }],
    },
    {
      name: 'pod labels only, in egress',
      code: {
        'p.yaml': ccnp('        - matchLabels: { io.kubernetes.pod.namespace: shop }\n').replace(
          '  ingress:',
          '  egress:\n    - toEndpoints:\n        - matchLabels:\n            app: api\n  ingress:',
        ),
      },
      errors: [{ messageId: 'namespaceLess', line: 11, column: 11 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'web-peers.yaml', line: 12, column: 11 });
