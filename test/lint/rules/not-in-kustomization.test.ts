import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/not-in-kustomization.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair, fixtureFiles, lintFixture } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';

const cnp = (name: string) => yaml`
  apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata:
    name: ${name}
    namespace: shop
  spec:
    endpointSelector: {}
    ingress:
      - fromEntities: [cluster]
        toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]
`;
const root = 'resources:\n  - apps\n';
const apps = yaml`
  # the shop's policies
  resources:
    - web.yaml # front end
  # keep this list sorted
`;

ruleTester.run(rule, {
  valid: [
    {
      name: 'every manifest listed',
      code: { 'kustomization.yaml': root, 'apps/kustomization.yaml': apps, 'apps/web.yaml': cnp('web') },
    },
    {
      name: 'data files without apiVersion and kind are not manifests',
      code: {
        'kustomization.yaml': root,
        'apps/kustomization.yaml': apps,
        'apps/web.yaml': cnp('web'),
        'apps/tests.yaml': '- from: a\n  to: b\n',
      },
    },
    { name: 'no kustomization tree', code: { 'apps/web.yaml': cnp('web'), 'apps/api.yaml': cnp('api') } },
    {
      name: 'a file used as a patch is listed',
      code: {
        'kustomization.yaml': 'resources: [web.yaml]\npatches:\n  - path: patch.yaml\n',
        'web.yaml': cnp('web'),
        'patch.yaml': cnp('web'),
      },
    },
    {
      // docs/real-repos.md: "# - ./app/ks.yaml" disables an app on purpose; the fix would switch it back on.
      name: 'a file, or a folder above it, that a commented-out entry names is disabled on purpose',
      code: {
        'kustomization.yaml': 'resources:\n  - apps\n  # - ./legacy\n',
        'apps/kustomization.yaml': 'resources:\n  - web.yaml\n  #- "api.yaml"\n',
        'apps/web.yaml': cnp('web'),
        'apps/api.yaml': cnp('api'),
        'legacy/kustomization.yaml': 'resources: []\n',
        'legacy/old/policy.yaml': cnp('old'),
      },
    },
    {
      name: 'kinds policies (default): a file without policies, CIDR groups or Namespaces',
      code: {
        'kustomization.yaml': 'resources: [web.yaml]\n',
        'web.yaml': cnp('web'),
        'backup.yaml':
          'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata: { name: once, namespace: db }\n',
      },
    },
  ],
  invalid: [
    {
      name: 'kinds all: any Kubernetes object',
      options: { kinds: 'all' },
      code: {
        'kustomization.yaml': 'resources: [web.yaml]\n',
        'web.yaml': cnp('web'),
        'backup.yaml':
          'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata: { name: once, namespace: db }\n',
      },
      errors: [{ messageId: 'unlisted', line: 1, column: 1 }],
      output: {
        'kustomization.yaml': 'resources: [web.yaml, backup.yaml]\n',
      },
    },
    {
      name: 'a new file, appended to the block list in its style; comments kept',
      code: {
        'kustomization.yaml': root,
        'apps/kustomization.yaml': apps,
        'apps/web.yaml': cnp('web'),
        'apps/api.yaml': cnp('api'),
      },
      errors: [{ messageId: 'unlisted', line: 1, column: 1, file: 'apps/api.yaml' }],
      output: {
        'apps/kustomization.yaml': yaml`
          # the shop's policies
          resources:
            - web.yaml # front end
            - api.yaml
          # keep this list sorted
        `,
      },
    },
    {
      name: 'a file in a subfolder without its own kustomization, and a kustomization without resources',
      code: { 'kustomization.yaml': 'namespace: shop\n', 'sub/dir/api.yaml': `# api\n${cnp('api')}` },
      errors: [{ messageId: 'unlisted', line: 2, column: 1, file: 'sub/dir/api.yaml' }],
      output: { 'kustomization.yaml': 'namespace: shop\nresources:\n  - sub/dir/api.yaml\n' },
    },
    {
      name: 'a flow list',
      code: {
        'kustomization.yaml': 'resources: [web.yaml]\n',
        'web.yaml': cnp('web'),
        'api.yaml': cnp('api'),
      },
      errors: [{ messageId: 'unlisted', line: 1, column: 1, file: 'api.yaml' }],
      output: { 'kustomization.yaml': 'resources: [web.yaml, api.yaml]\n' },
    },
  ],
});

describeFixturePair(rule.id, { file: 'platform/batch.yaml', line: 2, column: 1 });

describe('not-in-kustomization --fix on the fixture', () => {
  it('adds the entry to the nearest kustomization, atomically, and prints the diff', async () => {
    const { report, read } = await lintFixture(rule.id, 'invalid', { fix: true });
    expect(report).toMatchObject({ fixed: 1, findings: [], errorCount: 0 });
    expect(read('platform/kustomization.yaml')).toBe(
      fixtureFiles(rule.id, 'valid')['platform/kustomization.yaml'],
    );
    expect(report.diffs).toEqual([
      [
        '--- a/platform/kustomization.yaml',
        '+++ b/platform/kustomization.yaml',
        '@@ -4,3 +4,4 @@',
        '   - kube-system.yaml',
        '   - monitoring.yaml',
        '   - database.yaml',
        '+  - batch.yaml',
        '',
      ].join('\n'),
    ]);
  });
});
