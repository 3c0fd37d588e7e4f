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
    {
      // The intent "every pod" is the clusterwide meaning (docs/semantics.md §2.3.4): DNS for everyone.
      name: 'ingress to DNS from every pod, as its description says',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: dns-ingress }
          spec:
            description: "kube-dns accepts lookups from all pods in the cluster"
            endpointSelector:
              matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns }
            ingress:
              - fromEndpoints: [{}]
                toPorts: [{ ports: [{ port: "53", protocol: ANY }] }]
        `,
      },
    },
    {
      name: 'a gateway selected by its labels wherever it runs, no words about namespaces',
      code: {
        'p.yaml': ccnp('        - matchLabels: { app: gateway }\n').replace(
          'same-namespace traffic only',
          'from the gateway',
        ),
      },
    },
    {
      name: 'the option every-namespace reports nothing',
      code: { 'p.yaml': ccnp('        - {}\n') },
      options: { intent: 'every-namespace' },
    },
  ],
  invalid: [
    {
      name: '{} in a clusterwide policy',
      code: { 'p.yaml': ccnp('        - {}\n') },
      errors: [{ messageId: 'emptySelector', line: 11, column: 11 }],
    },
    {
      // docs/real-repos.md (ionfury/homelab): the intra-namespace baseline of a seed-style repository.
      name: '{} in a clusterwide policy whose description denies being cluster-wide',
      code: {
        'p.yaml': ccnp('        - {}\n').replace(
          '"same-namespace traffic only"',
          '"Empty selector which matches same-namespace endpoints only (not cluster-wide)."',
        ),
      },
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
    {
      name: 'the endpointSelector pins a namespace and the named pods run only there',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: api-from-web }
          spec:
            endpointSelector:
              matchLabels: { io.kubernetes.pod.namespace: shop, app: api }
            ingress:
              - fromEndpoints:
                  - matchLabels: { app: web }
                toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
        `,
        'web.yaml': yaml`
          apiVersion: apps/v1
          kind: Deployment
          metadata: { name: web, namespace: shop }
          spec:
            selector: { matchLabels: { app: web } }
            template:
              metadata: { labels: { app: web } }
              spec: { containers: [{ name: web, image: web }] }
        `,
      },
      errors: [{ messageId: 'namespaceLess', line: 9, column: 11, file: 'p.yaml' }],
    },
    {
      name: 'the option same-namespace reports every namespace-less selector',
      code: {
        'p.yaml': ccnp('        - matchLabels: { app: gateway }\n').replace(
          'same-namespace traffic only',
          'from the gateway',
        ),
      },
      options: { intent: 'same-namespace' },
      errors: [{ messageId: 'namespaceLess', line: 11, column: 11 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'web-peers.yaml', line: 12, column: 11 });
