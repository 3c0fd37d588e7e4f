import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/unknown-profile.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair, fixtureFiles, lintFixture } from '../fixtures.js';
import { ruleTester } from '../rule-tester.js';
import { docs, namespace, profile } from '../snippets.js';

const profiles = docs(profile('standard'), profile('internal'), profile('internal-egress'));

ruleTester.run(rule, {
  valid: [
    {
      name: 'a known profile',
      code: { 'p.yaml': profiles, 'ns.yaml': namespace('web', { 'np.test/profile': 'standard' }) },
    },
    { name: 'no profile label', code: { 'p.yaml': profiles, 'ns.yaml': namespace('web') } },
  ],
  invalid: [
    {
      name: 'a misspelt profile, one close name: fixed in place, comments kept',
      code: {
        'p.yaml': profiles,
        'ns.yaml': yaml`
          # the public site
          apiVersion: v1
          kind: Namespace
          metadata:
            name: web
            labels:
              np.test/profile: "standrd" # public
              team: a
        `,
      },
      errors: [{ messageId: 'unknownProfile', line: 7, column: 5, file: 'ns.yaml' }],
      output: {
        'ns.yaml': yaml`
          # the public site
          apiVersion: v1
          kind: Namespace
          metadata:
            name: web
            labels:
              np.test/profile: "standard" # public
              team: a
        `,
      },
    },
    {
      name: 'a case slip is fixed',
      code: { 'p.yaml': profiles, 'ns.yaml': namespace('web', { 'np.test/profile': 'Internal' }) },
      errors: [{ messageId: 'unknownProfile', line: 6, column: 5 }],
      output: { 'ns.yaml': namespace('web', { 'np.test/profile': 'internal' }) },
    },
    {
      name: 'two names equally close: suggested, not fixed',
      code: {
        'p.yaml': docs(profile('web-a'), profile('web-b')),
        'ns.yaml': namespace('web', { 'np.test/profile': 'web-c' }),
      },
      errors: [{ messageId: 'unknownProfile', line: 6, column: 5 }],
    },
    {
      name: 'nothing close',
      code: { 'p.yaml': profiles, 'ns.yaml': namespace('web', { 'np.test/profile': 'public' }) },
      errors: [{ messageId: 'unknownProfileNoSuggestion', line: 6, column: 5 }],
    },
  ],
});

describeFixturePair(rule.id, { file: 'namespaces.yaml', line: 21, column: 5 });

describe('unknown-profile --fix on the fixture', () => {
  it('writes the one close profile and leaves the other documents alone', async () => {
    const { report, read } = await lintFixture(rule.id, 'invalid', { fix: true });
    expect(report.fixed).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.diffs).toHaveLength(1);
    expect(report.diffs[0]).toContain('-    np.test/profile: wep\n+    np.test/profile: web\n');
    expect(read('namespaces.yaml')).toBe(fixtureFiles(rule.id, 'valid')['namespaces.yaml']);
  });
});
