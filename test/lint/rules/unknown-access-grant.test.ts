import rule from '../../../src/lint/rules/unknown-access-grant.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { docs, namespace, profile } from '../snippets.js';

const grant = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata:
    name: access-postgres
  spec:
    endpointSelector:
      matchLabels:
        io.cilium.k8s.namespace.labels.access.np.test/postgres: "true"
    egress:
      - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: database } }]
        toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]
`;
const policies = docs(profile('web'), grant);

ruleTester.run(rule, {
  valid: [
    {
      name: 'a used grant set to "true"',
      code: { 'p.yaml': policies, 'ns.yaml': namespace('shop', { 'access.np.test/postgres': 'true' }) },
    },
    {
      name: 'labels of other domains',
      code: { 'p.yaml': policies, 'ns.yaml': namespace('shop', { 'access.other.io/x': 'yes' }) },
    },
  ],
  invalid: [
    {
      name: 'a misspelt grant',
      code: { 'p.yaml': policies, 'ns.yaml': namespace('shop', { 'access.np.test/postgress': 'true' }) },
      errors: [{ messageId: 'unknownGrant', line: 6, column: 5, file: 'ns.yaml' }],
    },
    {
      name: 'a grant no policy knows',
      code: { 'p.yaml': policies, 'ns.yaml': namespace('shop', { 'access.np.test/mongodb': 'true' }) },
      errors: [{ messageId: 'unknownGrantNoSuggestion', line: 6, column: 5 }],
    },
    {
      name: '"True" is fixed to "true", keeping the quotes',
      code: { 'p.yaml': policies, 'ns.yaml': namespace('shop', { 'access.np.test/postgres': 'True' }) },
      errors: [{ messageId: 'notTrue', line: 6, column: 5 }],
      output: { 'ns.yaml': namespace('shop', { 'access.np.test/postgres': 'true' }) },
    },
    {
      name: '"enabled" is reported, not fixed',
      code: {
        'p.yaml': policies,
        'ns.yaml': yaml`
          apiVersion: v1
          kind: Namespace
          metadata:
            name: shop
            labels:
              team: a
              access.np.test/postgres: enabled
        `,
      },
      errors: [{ messageId: 'notTrue', line: 7, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'namespaces.yaml', line: 22, column: 5 });
