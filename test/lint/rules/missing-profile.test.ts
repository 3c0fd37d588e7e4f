import rule from '../../../src/lint/rules/missing-profile.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { BASELINES, config, docs, namespace, profile } from '../snippets.js';

const ownPolicy = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: api
    namespace: blog
  spec:
    endpointSelector: {}
    ingress:
      - fromEndpoints: [{}]
        toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
`;

ruleTester.run(rule, {
  valid: [
    {
      name: 'a namespace with a profile',
      code: { 'all.yaml': docs(BASELINES, profile('web'), namespace('blog', { 'np.test/profile': 'web' })) },
    },
    {
      name: 'a namespace with its own policies',
      code: { 'all.yaml': docs(BASELINES, profile('web'), namespace('blog'), ownPolicy) },
    },
    {
      name: 'a configured platform namespace',
      code: {
        'netpol.config.yaml': config('  platformNamespaces: [blog]\n'),
        'all.yaml': docs(BASELINES, profile('web'), namespace('blog')),
      },
    },
    { name: 'no profile system', code: { 'all.yaml': docs(BASELINES, namespace('blog')) } },
    {
      name: "Kubernetes' own namespaces are never application namespaces, even when the config lists others",
      code: {
        'netpol.config.yaml': config('  platformNamespaces: [monitoring]\n'),
        'all.yaml': docs(
          BASELINES,
          profile('web'),
          namespace('kube-system'),
          namespace('kube-public'),
          namespace('kube-node-lease'),
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'no profile and no policy, behind the baselines: no ingress at all',
      code: { 'all.yaml': docs(BASELINES, profile('web'), namespace('blog')) },
      errors: [{ messageId: 'noIngress', line: 47, column: 9 }],
    },
    {
      name: 'the default namespace is an application namespace when the repository defines it',
      code: { 'p.yaml': profile('web'), 'ns.yaml': namespace('default') },
      errors: [{ messageId: 'notEnforced', line: 4, column: 9, file: 'ns.yaml' }],
    },
    {
      name: 'no baselines either: the engine says its ingress is not enforced',
      code: { 'p.yaml': profile('web'), 'ns.yaml': namespace('blog') },
      errors: [{ messageId: 'notEnforced', line: 4, column: 9, file: 'ns.yaml' }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'namespaces.yaml', line: 34, column: 9 });
