import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateRepo } from '../../bench/repo/generate-repo.js';
import { parseYamlText, toPlain } from '../../src/repo/documents.js';
import { readYamlFast, takeReadValue } from '../../src/repo/fast-reader.js';
import type { YamlNode } from '../../src/repo/yaml-tree.js';

/** The fast reader reads `text` (non-null) and gives exactly the `yaml` Composer's trees, with no diagnostic. */
function readsAsComposer(text: string, base = 0): void {
  const fast = readYamlFast(text, base);
  expect(fast, JSON.stringify(text)).not.toBeNull();
  const composed = parseYamlText(text, base, 'composer');
  expect(composed.diagnostics, JSON.stringify(text)).toEqual([]);
  expect(fast?.documents, JSON.stringify(text)).toEqual(composed.documents);
  sameValues(fast?.documents ?? []);
}

/** js-yaml's own value of every document read is the value of its light tree. */
function sameValues(documents: readonly { readonly root: YamlNode | null }[]): void {
  for (const { root } of documents) {
    if (root && root.kind !== 'scalar') expect(takeReadValue(root)).toEqual(toPlain(root));
  }
}

/** Either the fast reader leaves the text to the `yaml` path, or it gives exactly the Composer's trees. */
function sameOrGivesUp(text: string, base = 0): boolean {
  const fast = readYamlFast(text, base);
  if (fast === null) return false;
  const composed = parseYamlText(text, base, 'composer');
  expect(composed.diagnostics, JSON.stringify(text)).toEqual([]);
  expect(fast.documents, JSON.stringify(text)).toEqual(composed.documents);
  sameValues(fast.documents);
  return true;
}

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples');

describe('readYamlFast', () => {
  it('reads every file of examples/ and a generated repository exactly as the Composer does', () => {
    const files = fs
      .readdirSync(EXAMPLES, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
    expect(files.length).toBeGreaterThan(10);
    let fast = 0;
    for (const text of files) if (sameOrGivesUp(text.replace(/^\uFEFF/, ''))) fast++;
    // Examples with anchors or merge keys go to the `yaml` path; the rest must not.
    expect(fast).toBeGreaterThan(files.length * 0.8);
    for (const text of Object.values(generateRepo({ namespaces: 30 }))) readsAsComposer(text, 5);
  });

  // YAML 1.1 scalars as the loader resolves them (yaml-options.ts), next to what js-yaml's default schema
  // would make of them: the fast reader resolves plain scalars itself, so they must agree with `yaml`.
  it.each([
    ['yes', 'true (js-yaml default: "yes")'],
    ['On', 'true'],
    ['n', 'false'],
    ['0o17', 'string in YAML 1.1 (js-yaml default: 15)'],
    ['0777', '511 (js-yaml default: 777)'],
    ['0x1F', '31'],
    ['0b101', '5 (js-yaml default: "0b101")'],
    ['1_000', '1000'],
    ['1:20', 'string: no base-60 (js-yaml 3 read 80)'],
    ['1e3', '1000'],
    ['.5', '0.5'],
    ['.', 'string'],
    ['.inf', 'Infinity'],
    ['-.Inf', '-Infinity'],
    ['.nan', 'NaN'],
    ['~', 'null'],
    ['null', 'null'],
    ['2001-12-14', 'timestamp kept as text (js-yaml default: a Date)'],
    ['2001-12-14t21:59:43.10-05:00', 'timestamp kept as text'],
    ['+12', '12'],
    ['=', 'string'],
  ])('resolves the plain scalar %s as the Composer does (%s)', (scalar) => {
    readsAsComposer(`a: ${scalar}\nb: [${scalar}]\n${scalar}: key\n`);
  });

  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a merge key', 'base: {a: 1}\nm:\n  <<: {b: 2}\n'],
    ['an explicit key', '? a\n: b\n'],
    ['keys with equal values', 'a: 1\n1: 2\n0x1: 3\n'],
    ['keys with equal texts', 'a: 1\na: 2\n'],
    ['a tab', 'a:\tb\n'],
    ['a directive', '%YAML 1.1\n---\na: 1\n'],
    ['a lone carriage return', 'a: 1\rb: 2\n'],
    ['a comment right after a quote', 'a: "x"#c\n'],
    ['a comment right after a flow indicator', '[#c\n a]\n'],
    ['a document of comments only', '# c\n'],
    ['a document end marker alone', '...\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['an empty block sequence item', '- \n- a\n'],
    ['a flow pair', '[a: 1]\n'],
    ['an empty block scalar', 'a: |\n\nb: 1\n'],
    ['a block scalar at the root', '|\n#x\n'],
    ['a syntax error', 'a: b: c\n'],
    ['an unclosed quote', 'a: "b\n'],
    ['a NUL', 'a: "\0"\n'],
  ])('leaves a text with %s to the yaml path', (_what, text) => {
    expect(readYamlFast(text)).toBeNull();
  });

  it('has the Composer trees for generated manifests in every style it reads (property, seeded)', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/);
    const key = fc.oneof(
      word,
      fc.constantFrom('io.kubernetes.pod.namespace', 'k8s:app', '80', 'yes', 'null', 'a b', 'x/y', 'é'),
    );
    const text = fc.oneof(
      word,
      fc.constantFrom(
        '',
        'true',
        'No',
        '~',
        '0777',
        '1e3',
        '-1',
        '.inf',
        '10.0.0.0/8',
        'a: b',
        'x #y',
        "it's",
        'q"q',
        'back\\slash',
        'é ü ✓',
        '[x]',
        '{y}',
        '- x',
        'line one\nline two',
        'two\n\nblank lines\n\n',
        ' padded ',
        '$' + '{VAR}',
      ),
      fc.string({ maxLength: 10 }),
    );
    const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      seq: fc.array(tie('node'), { maxLength: 4 }),
    })).node;
    const style = fc.record({
      indentSeq: fc.boolean(),
      indent: fc.constantFrom(2, 4),
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
      defaultStringType: fc.constantFrom(
        'PLAIN',
        'QUOTE_SINGLE',
        'QUOTE_DOUBLE',
        'BLOCK_LITERAL',
        'BLOCK_FOLDED',
      ),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
      comments: fc.boolean(),
      blankLines: fc.boolean(),
      crlf: fc.boolean(),
      explicitStart: fc.boolean(),
      trailingSeparator: fc.boolean(),
    });
    let read = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), { minLength: 1, maxLength: 3 }),
        style,
        fc.nat({ max: 50 }),
        (docs, s, base) => {
          runs++;
          let out = docs
            .map((d) => {
              let body = stringify(d, {
                version: '1.1',
                indentSeq: s.indentSeq,
                indent: s.indent,
                lineWidth: 0,
                collectionStyle: s.collectionStyle,
                defaultStringType: s.defaultStringType,
                defaultKeyType: s.defaultKeyType,
              } as Parameters<typeof stringify>[1]);
              if (s.comments) body = `# head\n${body.replace(/\n/g, '  # end\n')}`;
              if (s.blankLines) body = body.replace(/\n/, '\n\n');
              return body;
            })
            .join('---\n');
          if (s.explicitStart) out = `---\n${out}`;
          if (s.trailingSeparator) out = `${out}---\n`;
          if (s.crlf) out = out.replace(/\n/g, '\r\n');
          if (sameOrGivesUp(out, base)) read++;
        },
      ),
      { numRuns: 400, seed: 20261207 },
    );
    // The property is about the fast reader: most generated texts must not be left to the `yaml` path.
    expect(read).toBeGreaterThan(runs * 0.7);
  });

  it('reads damaged YAML as the Composer does or leaves it to the yaml path (property, seeded)', () => {
    const base = Object.values(generateRepo({ namespaces: 2 })).join('---\n');
    const damage = fc.array(
      fc.record({
        at: fc.nat({ max: base.length }),
        cut: fc.nat({ max: 3 }),
        add: fc.constantFrom(
          '',
          ' ',
          '  ',
          '\n',
          '\r\n',
          ':',
          ': ',
          '- ',
          '"',
          "'",
          '#',
          ' #',
          '[',
          ']',
          '{',
          '}',
          ',',
          '|',
          '>',
          '&a ',
          '*a',
          '!',
          '?',
          '---\n',
          '...\n',
          '\t',
          'x',
        ),
      }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(damage, (edits) => {
        let text = base;
        for (const e of edits) {
          const at = Math.min(e.at, text.length);
          text = text.slice(0, at) + e.add + text.slice(at + e.cut);
        }
        sameOrGivesUp(text, 3);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
