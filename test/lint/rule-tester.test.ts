import { describe, expect, it } from 'vitest';
import { defineRule } from '../../src/lint/define-rule.js';
import { checkCase, duplicateCases } from './rule-tester.js';

const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n';

/** Reports every Namespace at its name, with an optional fix renaming it to `renamed`. */
const fake = (options: { fixable?: boolean; messageId?: string; fix?: boolean } = {}) =>
  defineRule({
    id: 'fake-rule',
    severity: 'warning',
    description: 'Reports every Namespace.',
    messages: { found: 'Namespace {{name}}.' },
    ...(options.fixable ? { fixable: true as const } : {}),
    check(ctx) {
      for (const n of ctx.repo.namespaces) {
        ctx.report({
          at: ctx.locator.locate(n, ['metadata', 'name']) ?? n.source,
          messageId: (options.messageId ?? 'found') as 'found',
          data: { name: n.name },
          ...(options.fix
            ? {
                fix: {
                  kind: 'yaml' as const,
                  file: n.source.file,
                  edits: [{ documentIndex: 0, path: ['metadata', 'name'], value: 'renamed' }],
                },
              }
            : {}),
        });
      }
    },
  });

describe('checkCase', () => {
  it('passes a correct invalid case and a correct valid case', () => {
    expect(
      checkCase(fake(), 'invalid', {
        code: { 'ns.yaml': ns },
        errors: [{ messageId: 'found', line: 4, column: 9 }],
      }),
    ).toEqual([]);
    expect(
      checkCase(fake(), 'valid', {
        code: { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: y }\n' },
      }),
    ).toEqual([]);
  });

  it('fails an invalid case that reports nothing', () => {
    const problems = checkCase(fake(), 'invalid', {
      code: { 'x.yaml': '{}\n' },
      errors: [{ messageId: 'found', line: 1, column: 1 }],
    });
    expect(problems).toContain('the invalid case reported nothing');
  });

  it('fails a valid case that reports', () => {
    expect(checkCase(fake(), 'valid', { code: { 'ns.yaml': ns } })[0]).toMatch(/^findings differ/);
  });

  it('fails an unknown expected messageId, and an unknown reported one', () => {
    expect(
      checkCase(fake(), 'invalid', {
        code: { 'ns.yaml': ns },
        errors: [{ messageId: 'nope', line: 4, column: 9 }],
      }),
    ).toContain('expected messageId "nope" is not a message of fake-rule');
    expect(
      checkCase(fake({ messageId: 'nope' }), 'invalid', {
        code: { 'ns.yaml': ns },
        errors: [{ messageId: 'found', line: 4, column: 9 }],
      }),
    ).toEqual(['the rule threw: netpol internal error: rule fake-rule reported unknown message id "nope"']);
  });

  it('fails a fix from a rule that is not fixable', () => {
    expect(
      checkCase(fake({ fix: true }), 'invalid', {
        code: { 'ns.yaml': ns },
        errors: [{ messageId: 'found', line: 4, column: 9 }],
        output: { 'ns.yaml': ns },
      }),
    ).toEqual(['the rule threw: netpol internal error: rule fake-rule returned a fix but is not fixable']);
  });

  it('fails a wrong position, a missing output, and a wrong output', () => {
    expect(
      checkCase(fake(), 'invalid', {
        code: { 'ns.yaml': ns },
        errors: [{ messageId: 'found', line: 3, column: 9 }],
      })[0],
    ).toMatch(/^findings differ/);
    const rule = fake({ fixable: true, fix: true });
    const base = { code: { 'ns.yaml': ns }, errors: [{ messageId: 'found', line: 4, column: 9 }] };
    expect(checkCase(rule, 'invalid', base)).toEqual(['the rule fixed the code: add `output`']);
    expect(checkCase(rule, 'invalid', { ...base, output: { 'ns.yaml': ns } })[0]).toMatch(
      /^output of ns.yaml differs/,
    );
    expect(
      checkCase(rule, 'invalid', { ...base, output: { 'ns.yaml': ns.replace('shop', 'renamed') } }),
    ).toEqual([]);
  });
});

describe('duplicateCases', () => {
  it('finds a case given twice, and tells options apart', () => {
    expect(
      duplicateCases([
        { name: 'a', code: { 'x.yaml': ns } },
        { name: 'b', code: { 'x.yaml': ns } },
      ]),
    ).toEqual(['b']);
    expect(
      duplicateCases([{ code: { 'x.yaml': ns } }, { code: { 'x.yaml': ns }, options: { k: 1 } }]),
    ).toEqual([]);
  });
});
