import rule from '../../../src/lint/rules/default-deny-disabled-everywhere.js';
import { yaml } from '../../helpers/use-repo.js';
import { ruleTester } from '../rule-tester.js';
import { BASELINES } from '../snippets.js';

const api = (enableDefaultDeny: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: api, namespace: shop }
    spec:
      endpointSelector: { matchLabels: { app: api } }
  ` +
  enableDefaultDeny +
  '  ingress:\n    - fromEndpoints: [{ matchLabels: { app: web } }]\n      toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]\n';

// docs/semantics.md §5.1-5.2: a rule with enableDefaultDeny false adds its allows but no default deny;
// default deny holds when any selecting rule requests it.
ruleTester.run(rule, {
  valid: [
    { name: 'default deny left on', code: { 'p.yaml': api('') } },
    {
      name: 'a baseline keeps default deny on',
      code: { 'b.yaml': BASELINES, 'p.yaml': api('  enableDefaultDeny: { ingress: false }\n') },
    },
    {
      name: 'off for egress only, where the policy has no rules',
      code: { 'p.yaml': api('  enableDefaultDeny: { egress: false }\n') },
    },
    {
      name: 'policyEnforcementMode always enforces anyway',
      code: {
        'netpol.config.yaml': 'cluster:\n  policyEnforcementMode: always\n',
        'p.yaml': api('  enableDefaultDeny: { ingress: false }\n'),
      },
    },
  ],
  invalid: [
    {
      name: 'the only policy of the pods turns default deny off',
      code: { 'p.yaml': api('  enableDefaultDeny: { ingress: false }\n') },
      // At the `enableDefaultDeny.ingress` key, not the rule's first key (fresh-user report).
      errors: [{ messageId: 'notEnforced', line: 6, column: 24 }],
    },
    {
      name: 'two policies, both off',
      code: {
        'p.yaml': api('  enableDefaultDeny: { ingress: false }\n'),
        'q.yaml': api('  enableDefaultDeny: { ingress: false }\n').replace('name: api,', 'name: api-more,'),
      },
      errors: [
        { messageId: 'notEnforced', line: 6, column: 24, file: 'p.yaml' },
        { messageId: 'notEnforced', line: 6, column: 24, file: 'q.yaml' },
      ],
    },
  ],
});
