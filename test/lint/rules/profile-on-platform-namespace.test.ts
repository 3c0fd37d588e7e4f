import rule from '../../../src/lint/rules/profile-on-platform-namespace.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { config, docs, namespace, profile } from '../snippets.js';

const platformConfig = config('  platformNamespaces: [monitoring]\n');

ruleTester.run(rule, {
  valid: [
    {
      name: 'an application namespace with a profile',
      code: {
        'netpol.config.yaml': platformConfig,
        'all.yaml': docs(profile('web'), namespace('shop', { 'np.test/profile': 'web' })),
      },
    },
    {
      name: 'a platform namespace without a profile',
      code: {
        'netpol.config.yaml': platformConfig,
        'all.yaml': docs(profile('web'), namespace('monitoring')),
      },
    },
    {
      name: 'no profile system at all',
      code: { 'all.yaml': namespace('kube-system', { 'example.com/profile': 'web' }) },
    },
  ],
  invalid: [
    {
      name: 'a configured platform namespace with a profile',
      code: {
        'netpol.config.yaml': platformConfig,
        'all.yaml': docs(profile('web'), namespace('monitoring', { 'np.test/profile': 'web' })),
      },
      errors: [{ messageId: 'profileOnPlatform', line: 21, column: 5, file: 'all.yaml' }],
    },
    {
      name: 'kube-system is a platform namespace by default, even when the platform namespaces are derived',
      code: {
        'profiles.yaml': profile('web'),
        'ns.yaml': yaml`
          apiVersion: v1
          kind: Namespace
          metadata:
            name: kube-system
            labels:
              # copied from an app namespace by mistake
              np.test/profile: web
        `,
      },
      errors: [{ messageId: 'profileOnPlatform', line: 7, column: 5, file: 'ns.yaml' }],
    },
    {
      name: 'a namespace with its own <ns>-default CNP stays a platform namespace when it gains a profile',
      code: {
        'all.yaml': docs(profile('web'), namespace('garage', { 'np.test/profile': 'web' })),
        // The seed keeps platform CNPs in a folder of their own (one beside the Namespace is an app's).
        'platform/garage.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: garage-default, namespace: garage }
          spec:
            endpointSelector: {}
            ingress: [{ fromEntities: [cluster], toPorts: [{ ports: [{ port: "3900", protocol: TCP }] }] }]
          ---
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata: { name: cache-default, namespace: cache }
          spec:
            endpointSelector: {}
        `,
      },
      errors: [{ messageId: 'profileOnPlatform', line: 21, column: 5, file: 'all.yaml' }],
    },
    {
      name: "the seed's platform namespaces are platform namespaces when derived",
      code: { 'all.yaml': docs(profile('web'), namespace('database', { 'np.test/profile': 'web' })) },
      errors: [{ messageId: 'profileOnPlatform', line: 21, column: 5 }],
    },
    {
      name: 'the option adds platform namespaces',
      code: { 'all.yaml': docs(profile('web'), namespace('storage', { 'np.test/profile': 'web' })) },
      options: { namespaces: ['storage'] },
      errors: [{ messageId: 'profileOnPlatform', line: 21, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'namespaces.yaml', line: 16, column: 5 });
