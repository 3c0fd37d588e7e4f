import rule from '../../../src/lint/rules/explicit-default-deny.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { BASELINES } from '../snippets.js';

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

const defaultDenyNp = yaml`
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
`;

// Cases cite docs/semantics.md §1.3 (an empty element allows nothing and still counts for default deny),
// §5.1-5.2 (default deny is per direction, requested by any selecting rule), §6 (a deny wins over allows).
ruleTester.run(rule, {
  valid: [
    {
      name: 'an allow rule',
      code: {
        'b.yaml': BASELINES,
        'p.yaml': cnp(
          '  ingress:\n    - fromEntities: [cluster]\n      toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]\n',
        ),
      },
    },
    {
      name: 'an empty element with default deny turned off does nothing at all',
      code: {
        'b.yaml': BASELINES,
        'p.yaml': cnp('  enableDefaultDeny:\n    ingress: false\n  ingress:\n    - {}\n'),
      },
    },
    {
      name: 'a precise deny rule is not a default deny',
      code: { 'b.yaml': BASELINES, 'p.yaml': cnp('  egressDeny:\n    - toEntities: [world]\n') },
    },
    {
      name: 'a Kubernetes NetworkPolicy that allows',
      code: {
        'b.yaml': BASELINES,
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
    {
      // Without baselines nothing else denies: this policy is the repository's default deny (§5.6).
      name: "ingress: [{}] that is the repository's own default deny",
      code: { 'p.yaml': cnp('  ingress:\n    - {}\n') },
    },
    {
      name: "a clusterwide default-deny baseline is the repository's own default deny",
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: default-deny }
          spec:
            endpointSelector: {}
            ingress: [{}]
            egress: [{}]
        `,
        'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n',
      },
    },
    {
      name: 'a Kubernetes default-deny kept for compliance scanners, with the option',
      code: { 'b.yaml': BASELINES, 'np.yaml': defaultDenyNp },
      options: { allowKubernetesDefaultDeny: true },
    },
    {
      name: 'a deny from all that is the only ingress rule of its endpoints',
      code: {
        'b.yaml': BASELINES.replace(/ {2}ingress:\n.*\n.*\n/, ''),
        'p.yaml': cnp('  ingressDeny:\n    - fromEntities: [all]\n'),
      },
    },
  ],
  invalid: [
    {
      name: 'ingress: [{}] behind the baselines',
      code: { 'b.yaml': BASELINES, 'p.yaml': cnp('  ingress:\n    - {}\n') },
      errors: [{ messageId: 'emptyRules', line: 9, column: 7, file: 'p.yaml' }],
    },
    {
      name: 'egress with an explicitly empty peer list behind the baselines',
      code: { 'b.yaml': BASELINES, 'p.yaml': cnp('  egress:\n    - toEndpoints: []\n') },
      errors: [{ messageId: 'emptyRules', line: 9, column: 7, file: 'p.yaml' }],
    },
    {
      name: 'a NetworkPolicy with policyTypes and no rules behind the baselines',
      code: { 'b.yaml': BASELINES, 'np.yaml': defaultDenyNp },
      errors: [
        { messageId: 'emptyRules', line: 9, column: 5, file: 'np.yaml' },
        { messageId: 'emptyRules', line: 9, column: 5, file: 'np.yaml' },
      ],
    },
    {
      name: 'policyEnforcementMode always already denies',
      code: {
        'netpol.config.yaml': 'cluster:\n  policyEnforcementMode: always\n',
        'p.yaml': cnp('  egress:\n    - {}\n'),
      },
      errors: [{ messageId: 'emptyRules', line: 9, column: 7, file: 'p.yaml' }],
    },
    {
      name: 'deny everything from the all entity behind the baselines, with an egress allow',
      code: {
        'b.yaml': BASELINES,
        'p.yaml': cnp(
          '  ingressDeny:\n    - fromEntities: [all]\n  egress:\n    - toEntities: [world]\n      toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]\n',
        ),
      },
      errors: [{ messageId: 'denyAll', line: 9, column: 7, file: 'p.yaml' }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 12, column: 7 });
