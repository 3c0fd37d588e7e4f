import rule from '../../../src/lint/rules/invalid-suppression.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
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
      name: 'a rule and a reason',
      code: {
        'ns.yaml': ns('    netpol.dev/ignore: missing-profile\n    netpol.dev/ignore-reason: "legacy"\n'),
      },
    },
    {
      name: 'two rules, spaces allowed',
      code: {
        'ns.yaml': ns(
          '    netpol.dev/ignore: "missing-profile, any-port"\n    netpol.dev/ignore-reason: "legacy"\n',
        ),
      },
    },
    { name: 'other annotations', code: { 'ns.yaml': ns('    owner: team-a\n') } },
  ],
  invalid: [
    {
      name: 'no reason',
      code: { 'ns.yaml': ns('    netpol.dev/ignore: missing-profile\n') },
      errors: [{ messageId: 'noReason', line: 6, column: 5 }],
    },
    {
      name: 'a blank reason and an unknown rule',
      code: {
        'ns.yaml': ns('    netpol.dev/ignore: any-prot,whatever\n    netpol.dev/ignore-reason: " "\n'),
      },
      errors: [
        { messageId: 'unknownRuleSuggestion', line: 6, column: 5 },
        { messageId: 'unknownRule', line: 6, column: 5 },
        { messageId: 'noReason', line: 6, column: 5 },
      ],
    },
    {
      name: 'no rule named',
      code: { 'ns.yaml': ns('    netpol.dev/ignore: ","\n    netpol.dev/ignore-reason: "x"\n') },
      errors: [{ messageId: 'noRules', line: 6, column: 5 }],
    },
    {
      name: 'a reason alone',
      code: { 'ns.yaml': ns('    owner: a\n    netpol.dev/ignore-reason: "x"\n') },
      errors: [{ messageId: 'reasonOnly', line: 7, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 8, column: 5 }, { suppressed: 1 });
