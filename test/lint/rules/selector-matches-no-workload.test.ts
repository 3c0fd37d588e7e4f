import rule from '../../../src/lint/rules/selector-matches-no-workload.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';

const deployment = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: { name: web-frontend, namespace: shop }
  spec:
    selector: { matchLabels: { app: web-frontend } }
    template:
      metadata: { labels: { app: web-frontend, app.kubernetes.io/name: web } }
      spec: { containers: [{ name: web, image: web }] }
`;
const cnp = (selector: string, peer = '{ matchLabels: { io.kubernetes.pod.namespace: gateway } }') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: web, namespace: shop }
    spec:
      endpointSelector: { matchLabels: ${selector} }
      ingress:
        - fromEndpoints: [${peer}]
          toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
  `;

// docs/semantics.md §3 (selectors match labels exactly), §2.3 (a peer selector's namespace).
ruleTester.run(rule, {
  valid: [
    {
      name: 'the selector matches the workload',
      code: { 'd.yaml': deployment, 'p.yaml': cnp('{ app: web-frontend }') },
    },
    {
      name: 'a namespace without workloads in the repository',
      code: { 'p.yaml': cnp('{ app: web-frontnd }') },
    },
    {
      name: 'pods the repository does not define (an operator), no near label',
      code: { 'd.yaml': deployment, 'p.yaml': cnp('{ cnpg.io/cluster: pg }') },
    },
  ],
  invalid: [
    {
      name: 'a value typo',
      code: { 'd.yaml': deployment, 'p.yaml': cnp('{ app: web-frontnd }') },
      errors: [{ messageId: 'typo', line: 5, column: 21, file: 'p.yaml' }],
    },
    {
      name: 'a key typo in a peer of the same namespace',
      code: {
        'd.yaml': deployment,
        'p.yaml': cnp('{ app: web-frontend }', '{ matchLabels: { app.kubernetes.io/nmae: web } }'),
      },
      errors: [{ messageId: 'typo', line: 7, column: 23, file: 'p.yaml' }],
    },
  ],
});
