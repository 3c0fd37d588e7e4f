import rule from '../../../src/lint/rules/deny-rule-enables-default-deny.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';
import { BASELINES } from '../snippets.js';

const noMetadata = (extra = '') =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: no-metadata, namespace: shop }
    spec:
      endpointSelector: {}
  ` +
  extra +
  '  egressDeny:\n    - toCIDR: [169.254.169.254/32]\n';

// docs/semantics.md §5.1 (deny-only rules also trigger default deny), §5.2 (any selecting rule);
// Cilium docs security/policy/language "Deny Policies".
ruleTester.run(rule, {
  valid: [
    {
      name: 'enableDefaultDeny off for the direction',
      code: { 'p.yaml': noMetadata('  enableDefaultDeny: { egress: false }\n') },
    },
    {
      name: 'a baseline already puts the pods in egress default deny',
      code: { 'b.yaml': BASELINES, 'p.yaml': noMetadata() },
    },
    {
      name: 'the policy allows too',
      code: {
        'p.yaml': `${noMetadata()}  egress:\n    - toEntities: [world]\n      toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]\n`,
      },
    },
    {
      name: 'a deny from all is a deliberate lock',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: lock, namespace: shop }
          spec:
            endpointSelector: {}
            ingressDeny: [{ fromEntities: [all] }]
        `,
      },
    },
    {
      name: 'ingress is not checked by default (pods often need none)',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: not-from-world, namespace: shop }
          spec:
            endpointSelector: { matchLabels: { app: job } }
            ingressDeny: [{ fromEntities: [world] }]
        `,
      },
    },
  ],
  invalid: [
    {
      name: 'an egress deny alone drops DNS',
      code: { 'p.yaml': noMetadata() },
      errors: [{ messageId: 'switchesOn', line: 7, column: 7 }],
    },
    {
      name: 'an ingress deny alone drops every other ingress',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: not-from-guests, namespace: shop }
          spec:
            endpointSelector: { matchLabels: { app: api } }
            ingressDeny:
              - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: guests } }]
        `,
      },
      options: { directions: ['ingress', 'egress'] },
      errors: [{ messageId: 'switchesOn', line: 7, column: 7 }],
    },
  ],
});
