import rule from '../../../src/lint/rules/fqdn-without-dns-proxy.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';

const runner = (extraEgress = '') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: runner, namespace: ci }
    spec:
      endpointSelector: { matchLabels: { app: runner } }
      egress:
        - toFQDNs: [{ matchName: github.com }]
          toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
  ` + extraEgress;
const dnsRule = (rules: string) =>
  `    - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns } }]\n      toPorts:\n        - ports: [{ port: "53", protocol: ANY }]\n${rules}`;
const dnsBaseline = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata: { name: dns }
  spec:
    endpointSelector: {}
    egress:
      - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns } }]
        toPorts:
          - ports: [{ port: "53", protocol: ANY }]
            rules: { dns: [{ matchPattern: "*" }] }
`;

// docs/semantics.md §9.4 (Cilium docs policy language "DNS based"): toFQDNs learns addresses only from
// lookups the DNS proxy sees, which takes a DNS L7 rule on the endpoint's egress.
ruleTester.run(rule, {
  valid: [
    {
      name: "a DNS L7 rule in the pod's own policy",
      code: { 'p.yaml': runner(dnsRule('          rules: { dns: [{ matchPattern: "*" }] }\n')) },
    },
    {
      name: 'a DNS L7 rule in a clusterwide baseline selecting every pod',
      code: { 'p.yaml': `${runner()}---\n${dnsBaseline}` },
    },
    {
      name: 'egress not enforced (enableDefaultDeny false): everything is allowed anyway',
      code: { 'p.yaml': runner().replace('spec:\n', 'spec:\n  enableDefaultDeny: { egress: false }\n') },
    },
    {
      name: 'policyEnforcementMode never',
      code: { 'netpol.config.yaml': 'cluster:\n  policyEnforcementMode: never\n', 'p.yaml': runner() },
    },
  ],
  invalid: [
    {
      name: 'names without any DNS rule',
      code: { 'p.yaml': runner() },
      errors: [{ messageId: 'blind', line: 7, column: 7 }],
    },
    {
      name: 'DNS allowed at L4 only: the proxy sees nothing',
      code: { 'p.yaml': runner(dnsRule('')) },
      errors: [{ messageId: 'blind', line: 7, column: 7 }],
    },
  ],
});
