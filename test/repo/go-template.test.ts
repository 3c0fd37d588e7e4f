import { describe, expect, it } from 'vitest';
import { GoTemplate, sprintf, TemplateError } from '../../src/repo/go-template.js';

/*
 * Go text/template semantics, each row checked against the package documentation
 * (pkg.go.dev/text/template: "Text and spaces", "Actions", "Arguments", "Pipelines", "Variables",
 * "Functions") and go/src/text/template/exec.go (missingkey=error, index on a missing key, printValue's
 * "<no value>", range over maps in sorted key order, and/or short-circuit).
 */

const run = (text: string, data: unknown = null, fns = {}) =>
  new GoTemplate(text, { inputs: () => data, ...fns }, ['<<', '>>']).execute(null).text;

describe('GoTemplate.execute', () => {
  it.each([
    ['plain text is copied', 'a: b\n', null, 'a: b\n'],
    ['a field of a function result', 'name: << inputs.name >>', { name: 'web' }, 'name: web'],
    ['nested fields', '<< inputs.a.b >>', { a: { b: 3 } }, '3'],
    ['trim markers remove the whitespace on their side', 'a\n  <<- " x " ->>\n  b', null, 'a x b'],
    ['a comment prints nothing', 'a<</* note */>>b', null, 'ab'],
    ['a comment with trim markers', 'a  <<- /* note */ ->>  b', null, 'ab'],
    [
      'if/else if/else',
      '<< if eq inputs.r "a" >>A<< else if eq inputs.r "b" >>B<< else >>C<< end >>',
      { r: 'b' },
      'B',
    ],
    ['empty values are false', '<< if inputs.x >>yes<< else >>no<< end >>', { x: {} }, 'no'],
    ['a non-empty list is true', '<< if inputs.x >>yes<< end >>', { x: [0] }, 'yes'],
    [
      'range with an element variable',
      '<< range $d := inputs.deps >>[<< $d >>]<< end >>',
      { deps: ['a', 'b'] },
      '[a][b]',
    ],
    [
      'range with index and element',
      '<< range $i, $e := inputs.l >><< $i >>=<< $e >> << end >>',
      { l: ['x', 'y'] },
      '0=x 1=y ',
    ],
    [
      'range over a map goes in key order',
      '<< range $k, $v := inputs.m >><< $k >><< $v >><< end >>',
      { m: { b: 2, a: 1 } },
      'a1b2',
    ],
    ['range sets dot', '<< range inputs.l >><< . >><< end >>', { l: [1, 2] }, '12'],
    ['range else on an empty list', '<< range inputs.l >>x<< else >>none<< end >>', { l: [] }, 'none'],
    [
      'break and continue',
      '<< range inputs.l >><< if eq . 2 >><< continue >><< end >><< if eq . 4 >><< break >><< end >><< . >><< end >>',
      { l: [1, 2, 3, 4, 5] },
      '13',
    ],
    [
      'with sets dot when true',
      '<< with inputs.p >><< .name >><< else >>none<< end >>',
      { p: { name: 'n' } },
      'n',
    ],
    [
      'index of a missing key is the zero value, not an error',
      '<< if index inputs "wait" >>w<< end >>.',
      { name: 'a' },
      '.',
    ],
    ['a pipeline passes its value as the last argument', '<< inputs.n | printf "%s-x" >>', { n: 'a' }, 'a-x'],
    ['parenthesised pipelines', '<< if (index inputs "k") >>k<< end >>', { k: true }, 'k'],
    [
      'and/or return the deciding value and stop early',
      '<< or inputs.a "dflt" >> << and inputs.b (index inputs "c") >>',
      { a: '', b: 'x' },
      'dflt <no value>',
    ],
    ['not', '<< not inputs.a >>', { a: false }, 'true'],
    ['variables and assignment', '<< $x := "a" >><< $x = "b" >><< $x >>', null, 'b'],
    [
      'variables are scoped to their block',
      '<< $x := 1 >><< if true >><< $x := 2 >><< $x >><< end >><< $x >>',
      null,
      '21',
    ],
    ['nil prints as <no value>', '<< inputs.n >>', { n: null }, '<no value>'],
    [
      'maps and lists print as Go does',
      '<< inputs.m >> << inputs.l >>',
      { m: { b: 1, a: 'x' }, l: ['a', 2] },
      'map[a:x b:1] [a 2]',
    ],
    ['len and index on lists', '<< len inputs.l >> << index inputs.l 1 >>', { l: ['a', 'b'] }, '2 b'],
    ['comparisons', '<< lt 1 2 >> << ge "b" "a" >> << ne 1 2 >> << eq 1 2 1 >>', null, 'true true true true'],
    ['a range over an integer', '<< range 3 >><< . >><< end >>', null, '012'],
    ['raw strings keep backslashes', '<< `a\\n` >>', null, 'a\\n'],
    ['print joins non-string operands with spaces', '<< print 1 2 "a" "b" >>', null, '1 2ab'],
  ])('%s', (_name, text, data, expected) => {
    expect(run(text as string, data)).toBe(expected);
  });

  it.each([
    ['a missing key is an error (missingkey=error)', 'x: << inputs.nope >>', { a: 1 }, 'missing-key', 6],
    ['a field of a string', '<< inputs.a.b >>', { a: 's' }, 'error', 3],
    ['an undefined function', 'a\n<< nope 1 >>', null, 'error', 5],
    ['an unclosed action', 'a << inputs.a', null, 'error', 2],
    ['if without end', '<< if true >>x', null, 'error', 0],
    ['an unexpected end', 'x<< end >>', null, 'error', 1],
    ['comparing a string and a number', '<< eq "1" 1 >>', null, 'error', 3],
    ['define is not supported', '<< define "x" >>a<< end >>', null, 'error', 0],
  ])('%s', (_name, text, data, reason, offset) => {
    let error: unknown;
    try {
      run(text as string, data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect({ reason: (error as TemplateError).reason, offset: (error as TemplateError).offset }).toEqual({
      reason,
      offset,
    });
  });

  it('maps output offsets back to the template: literal text by character, actions to the action', () => {
    const text = 'ab<< inputs.x >>cd';
    const out = new GoTemplate(text, { inputs: () => ({ x: 'XYZ' }) }, ['<<', '>>']).execute(null);
    expect(out.text).toBe('abXYZcd');
    expect([0, 1, 2, 4, 5, 6].map(out.templateOffset)).toEqual([0, 1, 2, 2, 16, 17]);
  });

  it('stops a render that runs too long', () => {
    expect(() =>
      new GoTemplate('<< range 10 >><< range 10 >>x<< end >><< end >>', {}, ['<<', '>>']).execute(null, 50),
    ).toThrow(TemplateError);
  });
});

describe('sprintf', () => {
  it.each([
    ['%s-%d', ['a', 3], 'a-3'],
    ['%q', ['x"y'], '"x\\"y"'],
    ['%05d|%-3s|', [42, 'a'], '00042|a  |'],
    ['%v %%', [[1, 'a']], '[1 a] %'],
    ['%s', [], '%!s(MISSING)'],
  ])('%s', (format, args, expected) => {
    expect(sprintf(format, ...args)).toBe(expected);
  });
});
