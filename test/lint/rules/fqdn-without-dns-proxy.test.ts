import rule from '../../../src/lint/rules/fqdn-without-dns-proxy.js';
import { fluxKustomization } from '../../helpers/flux.js';
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

/** A DNS-proxy baseline for the pods that opt in by a label (docs/real-repos.md, JJGadgets/Biohazard). */
const optInDns = dnsBaseline
  .replace('name: dns', 'name: dns-l7')
  .replace('endpointSelector: {}', "endpointSelector: { matchLabels: { dns.example.org/l7: 'true' } }");
/** The same DNS-proxy rule as a CiliumNetworkPolicy of another namespace: it selects no pod of ci. */
const otherNamespaceDns = optInDns
  .replace('CiliumClusterwideNetworkPolicy', 'CiliumNetworkPolicy')
  .replace('{ name: dns-l7 }', '{ name: dns-l7, namespace: other }');
const helmRelease = yaml`
  apiVersion: helm.toolkit.fluxcd.io/v2
  kind: HelmRelease
  metadata: { name: runner, namespace: ci }
  spec:
    chart: { spec: { chart: runner, sourceRef: { kind: HelmRepository, name: charts } } }
`;
/** The Flux bootstrap applying the root folder, so the HelmRelease is a source netpol cannot see. */
const fluxSync = fluxKustomization('flux-system', './');
const runnerDeployment = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: { name: runner, namespace: ci }
  spec:
    selector: { matchLabels: { app: runner } }
    template:
      metadata: { labels: { app: runner } }
      spec: { containers: [{ name: runner, image: runner }] }
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
    {
      // The chart's pods may carry dns.example.org/l7 (the HelmRelease's values are not rendered): unknown.
      name: 'an assumed pod of a namespace a Helm chart also fills, with an opt-in DNS baseline',
      code: { 'p.yaml': `${runner()}---\n${optInDns}---\n${helmRelease}`, 'flux.yaml': fluxSync },
    },
  ],
  invalid: [
    {
      // docs/real-repos.md (haraldkoch/kochhaus-home): a chart's CI runner, and no DNS rule anywhere.
      name: 'an assumed pod of a namespace a Helm chart fills, when no DNS policy could select it',
      code: {
        'p.yaml': `${runner()}---\n${otherNamespaceDns}---\n${helmRelease}`,
        'flux.yaml': fluxSync,
      },
      errors: [{ messageId: 'blind', line: 7, column: 7 }],
    },
    {
      name: 'a workload of the repository without the opt-in label, beside a Helm chart',
      code: {
        'p.yaml': `${runner()}---\n${optInDns}---\n${helmRelease}---\n${runnerDeployment}`,
        'flux.yaml': fluxSync,
      },
      errors: [{ messageId: 'blind', line: 7, column: 7 }],
    },
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
