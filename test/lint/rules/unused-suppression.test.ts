import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/unused-suppression.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair, fixtureFiles, lintFixture } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';

const ns = (annotations: string) =>
  yaml`
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
      annotations:
  ` + annotations;

ruleTester.run(rule, {
  valid: [
    {
      name: 'no suppression',
      code: { 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n' },
    },
    {
      name: "a suppression without reason is invalid-suppression's business",
      code: { 'ns.yaml': ns('    netpol.dev/ignore: missing-profile\n') },
    },
    {
      name: 'a rule turned off cannot be used',
      code: {
        'netpol.config.yaml': 'lint:\n  rules:\n    missing-profile: "off"\n',
        'ns.yaml': ns('    netpol.dev/ignore: missing-profile\n    netpol.dev/ignore-reason: "x"\n'),
      },
    },
  ],
  invalid: [
    {
      name: 'the only rule unused: both annotations go',
      code: {
        'ns.yaml': ns(
          '    owner: a\n    netpol.dev/ignore: missing-profile\n    netpol.dev/ignore-reason: "x"\n',
        ),
      },
      errors: [{ messageId: 'unused', line: 7, column: 5 }],
      output: { 'ns.yaml': ns('    owner: a\n') },
    },
    {
      name: 'one of two unused: the other stays',
      code: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata:
            name: out
            namespace: shop
            annotations:
              netpol.dev/ignore: "any-port,hardcoded-ip"
              netpol.dev/ignore-reason: "the exporter picks its port at run time"
          spec:
            endpointSelector: {}
            egress:
              - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: billing } }]
        `,
      },
      errors: [{ messageId: 'unused', line: 7, column: 5 }],
      output: {
        'p.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata:
            name: out
            namespace: shop
            annotations:
              netpol.dev/ignore: "any-port"
              netpol.dev/ignore-reason: "the exporter picks its port at run time"
          spec:
            endpointSelector: {}
            egress:
              - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: billing } }]
        `,
      },
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 8, column: 5 });

describe('unused-suppression --fix on the fixture', () => {
  it('removes both annotations, keeping the rest of the file', async () => {
    const { report, read } = await lintFixture(rule.id, 'invalid', { fix: true });
    expect(report).toMatchObject({ fixed: 1, findings: [] });
    expect(read('apps/shop.yaml')).toBe(
      fixtureFiles(rule.id, 'valid')['apps/shop.yaml']?.replace(
        '  namespace: shop\n',
        '  namespace: shop\n  annotations: {}\n',
      ),
    );
  });
});
