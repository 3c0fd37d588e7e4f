import rule from '../../../src/lint/rules/health-endpoint-default-deny.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';

const dns = (selector: string, extra = '') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumClusterwideNetworkPolicy
    metadata: { name: dns }
    spec:
      endpointSelector: ${selector}
      egress:
        - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns } }]
          toPorts: [{ ports: [{ port: "53", protocol: ANY }] }]
  ` + extra;

// Cilium example clusterwide/health.yaml; cilium/cilium PR #18061 (health port 4240, ICMP probes);
// docs/semantics.md §5 (default deny per endpoint and direction).
ruleTester.run(rule, {
  valid: [
    {
      name: 'a selector every pod meets and the health endpoint does not (namespace Exists)',
      code: {
        'p.yaml': dns('{ matchExpressions: [{ key: io.kubernetes.pod.namespace, operator: Exists }] }'),
      },
    },
    { name: 'a pod label selector', code: { 'p.yaml': dns('{ matchLabels: { app: web } }') } },
    {
      name: '{} that also allows the health checks to remote nodes',
      code: { 'p.yaml': dns('{}', '    - toEntities: [remote-node]\n') },
    },
  ],
  invalid: [
    {
      name: '{} with egress rules only',
      code: { 'p.yaml': dns('{}') },
      errors: [{ messageId: 'healthDenied', line: 5, column: 3 }],
    },
    {
      // At the endpointSelector key, not the rule's first key (fresh-user report: ionfury's description).
      name: 'a description before the selector: the finding points at endpointSelector',
      code: { 'p.yaml': dns('{}').replace('spec:\n', 'spec:\n  description: DNS for every endpoint\n') },
      errors: [{ messageId: 'healthDenied', line: 6, column: 3 }],
    },
    {
      name: 'an opt-out NotIn expression',
      code: {
        'p.yaml': dns('{ matchExpressions: [{ key: dns-proxy, operator: NotIn, values: ["false"] }] }'),
      },
      errors: [{ messageId: 'healthDenied', line: 5, column: 3 }],
    },
    {
      name: '{} with ingress from the host only: remote nodes cannot probe',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: host-only }
          spec:
            endpointSelector: {}
            ingress: [{ fromEntities: [host] }]
        `,
      },
      errors: [{ messageId: 'healthDenied', line: 5, column: 3 }],
    },
  ],
});
