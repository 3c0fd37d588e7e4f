import rule from '../../../src/lint/rules/enforcement-disabled-in-git.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { config, namespace } from '../snippets.js';

const hatch = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata:
    name: escape-hatch
  spec:
    endpointSelector:
      matchLabels:
        io.cilium.k8s.namespace.labels.np.test/enforcement: disabled
    ingress: [{ fromEntities: [all] }]
    egress: [{ toEntities: [all] }]
`;

ruleTester.run(rule, {
  valid: [
    {
      name: 'no escape-hatch label',
      code: { 'netpol.config.yaml': config(), 'p.yaml': hatch, 'ns.yaml': namespace('shop') },
    },
    {
      name: 'another value of the label',
      code: {
        'netpol.config.yaml': config(),
        'p.yaml': hatch,
        'ns.yaml': namespace('shop', { 'np.test/enforcement': 'enabled' }),
      },
    },
  ],
  invalid: [
    {
      name: 'the escape hatch committed',
      code: {
        'netpol.config.yaml': config(),
        'p.yaml': hatch,
        'ns.yaml': namespace('shop', { 'np.test/enforcement': 'disabled' }),
      },
      errors: [{ messageId: 'enforcementDisabled', line: 6, column: 5, file: 'ns.yaml' }],
    },
    {
      name: 'the label of the domain, even without an escape-hatch policy',
      code: {
        'netpol.config.yaml': config(),
        'ns.yaml': namespace('shop', { 'np.test/enforcement': 'disabled' }),
      },
      errors: [{ messageId: 'enforcementDisabled', line: 6, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'namespaces.yaml', line: 30, column: 5 });
