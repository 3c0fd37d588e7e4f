import rule from '../../../src/lint/rules/cnp-wildcard-peer-own-namespace.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';

const cnp = (description: string, peer = 'fromEndpoints: [{}]', kind = 'CiliumNetworkPolicy') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: ${kind}
    metadata: { name: metrics, namespace: monitoring }
    spec:
      description: "${description}"
      endpointSelector: { matchLabels: { app: node-exporter } }
      ingress:
        - ${peer}
          toPorts: [{ ports: [{ port: "9100", protocol: TCP }] }]
  `;

// docs/semantics.md §2.3.4 and §4.5: in a CNP `fromEndpoints: [{}]` selects the policy's namespace only.
ruleTester.run(rule, {
  valid: [
    { name: 'the namespace is meant', code: { 'p.yaml': cnp('scrapes from the monitoring namespace') } },
    {
      name: 'the cluster entity for all pods',
      code: { 'p.yaml': cnp('scrapes from all pods', 'fromEntities: [cluster]') },
    },
    {
      name: 'a clusterwide policy is ccnp-wildcard-peer business',
      code: {
        'p.yaml': cnp('scrapes from all pods', 'fromEndpoints: [{}]', 'CiliumClusterwideNetworkPolicy'),
      },
    },
    { name: 'all pods in this namespace', code: { 'p.yaml': cnp('from all pods in this namespace') } },
  ],
  invalid: [
    {
      name: '"all pods" with [{}]',
      code: { 'p.yaml': cnp('node-exporter accepts scrapes from all pods') },
      errors: [{ messageId: 'ownNamespaceOnly', line: 8, column: 23 }],
    },
    {
      name: '"cluster-wide" in a deny',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: block, namespace: shop }
          spec:
            description: "cluster-wide block of the admin port"
            endpointSelector: {}
            ingressDeny:
              - fromEndpoints: [{}]
                toPorts: [{ ports: [{ port: "9000", protocol: TCP }] }]
        `,
      },
      errors: [{ messageId: 'ownNamespaceOnly', line: 8, column: 23 }],
    },
  ],
});
