import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { documentValue, nodeAt, parseYamlFile, sourceAt, toPlain } from '../../src/repo/documents.js';
import { fastParseYaml } from '../../src/repo/fast-yaml.js';
import { LineIndex } from '../../src/repo/yaml-tree.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../shared/fixtures/cilium-examples');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** The light trees of a file, as JSON, for comparing the fast reader with the `yaml` package. */
function trees(text: string, fullParser: boolean): string {
  return JSON.stringify(parseYamlFile('f.yaml', text, { fullParser }).documents.map((d) => d.root));
}

describe('parseYamlFile', () => {
  it('reads every document with its index and plain value', () => {
    const parsed = parseYamlFile('a.yaml', '# lead\n---\na: 1\n---\n---\nb: [x, "y"]\n');
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.documents.map((d) => [d.index, documentValue(d)])).toEqual([
      [0, { a: 1 }],
      [1, null],
      [2, { b: ['x', 'y'] }],
    ]);
  });

  it('counts documents as yaml parseAllDocuments does (empty stream, comments, trailing separator)', () => {
    expect(parseYamlFile('a', '').documents).toHaveLength(0);
    expect(parseYamlFile('a', '# only a comment\n').documents).toHaveLength(0);
    expect(parseYamlFile('a', 'a: 1\n---\n').documents).toHaveLength(2);
    expect(parseYamlFile('a', '---\n').documents).toHaveLength(1);
  });

  it('reads YAML 1.1 scalars as Kubernetes does', () => {
    const [doc] = parseYamlFile(
      'a',
      'a: yes\nb: on\nc: 0777\nd: "yes"\ne: 1.20\nf: ~\ng: 2001-01-01\n',
    ).documents;
    expect(doc && documentValue(doc)).toEqual({
      a: true,
      b: true,
      c: 511,
      d: 'yes',
      e: 1.2,
      f: null,
      g: '2001-01-01',
    });
  });

  it('reports a syntax error at its position and still loads the other documents', () => {
    const parsed = parseYamlFile('bad.yaml', 'a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n');
    expect(parsed.diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.source?.column])).toEqual([
      ['YAML_SYNTAX', 'error', 4, 1],
    ]);
    expect(parsed.documents.map((d) => [d.valid, documentValue(d)])).toEqual([
      [true, { a: 1 }],
      [false, null],
      [true, { d: 4 }],
    ]);
  });

  it('ignores a byte-order mark and reads CRLF line ends, keeping columns', () => {
    const [doc] = parseYamlFile('bom.yaml', '\ufeffa: 1\r\nb: [x]\r\n').documents;
    if (!doc) throw new Error('no document');
    expect(documentValue(doc)).toEqual({ a: 1, b: ['x'] });
    expect(sourceAt(doc, ['a'], { key: true })).toMatchObject({ line: 1, column: 1 });
    expect(sourceAt(doc, ['b', 0])).toMatchObject({ line: 2, column: 5 });
  });

  it('reports a duplicate key as a syntax error', () => {
    const parsed = parseYamlFile('dup.yaml', 'a: 1\nb: 2\na: 3\n');
    expect(parsed.diagnostics.map((d) => [d.code, d.source?.line, d.source?.column])).toEqual([
      ['YAML_SYNTAX', 3, 1],
    ]);
  });

  it('reports an unknown tag as a warning and keeps the value', () => {
    const parsed = parseYamlFile('tag.yaml', 'a: !foo bar\n');
    expect(parsed.diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.source?.column])).toEqual([
      ['YAML_WARNING', 'warning', 1, 4],
    ]);
    expect(parsed.documents[0] && documentValue(parsed.documents[0])).toEqual({ a: 'bar' });
  });

  it('resolves anchors, aliases and merge keys, pointing positions at the anchored node', () => {
    const text = 'base: &b\n  app: web\n  tier: front\nsel:\n  <<: *b\n  tier: back\nsame: *b\n';
    const [doc] = parseYamlFile('anchors.yaml', text).documents;
    if (!doc) throw new Error('no document');
    expect(documentValue(doc)).toEqual({
      base: { app: 'web', tier: 'front' },
      sel: { tier: 'back', app: 'web' },
      same: { app: 'web', tier: 'front' },
    });
    expect(sourceAt(doc, ['same', 'app'])).toMatchObject({ line: 2, column: 8 });
    expect(sourceAt(doc, ['sel', 'app'])).toMatchObject({ line: 2, column: 8 });
    expect(sourceAt(doc, ['sel', 'tier'])).toMatchObject({ line: 6, column: 9 });
  });

  it('shares aliased nodes instead of expanding them (no alias bomb)', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      levels.push(
        `l${i}: &l${i} [${Array(8)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    const [doc] = parseYamlFile('bomb.yaml', `${levels.join('\n')}\n`).documents;
    if (!doc) throw new Error('no document');
    const value = documentValue(doc) as Record<string, unknown[]>;
    expect(value.l11?.[0]).toBe(value.l11?.[1]);
  });

  it('keeps positions of JSON documents', () => {
    const text = '{\n  "kind": "Namespace",\n  "metadata": {"name": "a"}\n}\n';
    const [doc] = parseYamlFile('ns.json', text).documents;
    if (!doc) throw new Error('no document');
    expect(documentValue(doc)).toEqual({ kind: 'Namespace', metadata: { name: 'a' } });
    expect(sourceAt(doc, ['metadata', 'name'])).toEqual({
      file: 'ns.json',
      line: 3,
      column: 24,
      endLine: 3,
      endColumn: 27,
    });
  });
});

describe('sourceAt', () => {
  const [doc] = parseYamlFile('s.yaml', 'spec:\n  ingress:\n    - fromEntities: [world]\n').documents;
  if (!doc) throw new Error('no document');

  it('points at the value at a path, with its end', () => {
    expect(sourceAt(doc, ['spec', 'ingress', 0, 'fromEntities', 0])).toEqual({
      file: 's.yaml',
      line: 3,
      column: 22,
      endLine: 3,
      endColumn: 27,
    });
  });

  it('points at the key with key: true', () => {
    expect(sourceAt(doc, ['spec', 'ingress', 0, 'fromEntities'], { key: true })).toMatchObject({
      line: 3,
      column: 7,
    });
  });

  it('falls back to the nearest existing ancestor', () => {
    expect(sourceAt(doc, ['spec', 'egress', 3])).toMatchObject({ line: 2, column: 3 });
    expect(nodeAt(doc, ['spec', 'egress'])).toBeUndefined();
  });
});

describe('LineIndex', () => {
  it('maps offsets to 1-based lines and columns', () => {
    const lines = new LineIndex('ab\n\ncd');
    expect([0, 1, 2, 3, 4, 5].map((o) => lines.position(o))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 2 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 3, column: 1 },
      { line: 3, column: 2 },
    ]);
  });
});

describe('fastParseYaml', () => {
  it('gives the same trees as the yaml package on every Cilium example it accepts', () => {
    let accepted = 0;
    for (const file of walk(EXAMPLES).filter((f) => !f.endsWith('.md'))) {
      const text = fs.readFileSync(file, 'utf8');
      if (fastParseYaml(text) === null) continue;
      accepted++;
      expect(trees(text, false), file).toBe(trees(text, true));
    }
    expect(accepted).toBeGreaterThan(120);
  });

  it.each([
    'a:  # comment\nb: 1\n',
    '- # comment\n- x\n',
    'a:',
    '- \n-',
    'a: [1, 2]   # c\nb: {x: "y", z: \'w\'}\n',
    'k: "a\\"b\\u00e9\\n"\n',
    "k: 'it''s'\n",
    'a :  b\n',
    'x\n',
    'a:\n- b: 1\n  c:\n  - d\n- e\n',
    '-1: x\nyes: y\n0x10: z\n',
    '[\n  {"a": 1},\n  {"b": [true, null, 1.5, -2e3]}\n]\n',
    '{}\n---\n[]\n',
    'a:\n  -  x\n  -   y: 1\n      z: 2\n',
    'k: http://x:80/y#frag\n',
    'k8s:app: web\n"k8s:io.kubernetes.pod.namespace": x\n',
  ])('matches the yaml package on %j', (text) => {
    expect(fastParseYaml(text)).not.toBeNull();
    expect(trees(text, false)).toBe(trees(text, true));
  });

  it.each([
    'a: &x 1\nb: *x\n',
    'a: |\n  text\n',
    'a: >\n  folded\n',
    'a: b\n  c\n',
    'a: "multi\n  line"\n',
    'a: 1\na: 2\n',
    '\ta: 1\n',
    'a: 1\r\n',
    '%YAML 1.1\n---\na: 1\n',
    'a: b: c\n',
    '? complex\n: key\n',
    'a: !tag x\n',
    '- - nested\n',
  ])('leaves %j to the yaml package', (text) => {
    expect(fastParseYaml(text)).toBeNull();
  });

  it('builds the same tree as the yaml package for generated manifests (property)', () => {
    const key = fc.oneof(
      fc.constantFrom(
        'app',
        'k8s:app',
        'io.kubernetes.pod.namespace',
        'a b',
        'yes',
        '80',
        'x-y',
        'key:colon',
        '#hash',
      ),
      fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9./_-]{0,12}$/),
    );
    const scalar = fc.oneof(
      fc.constantFrom(
        'true',
        'no',
        '~',
        '',
        ' padded ',
        'a: b',
        'x #y',
        "it's",
        'q"q',
        '-1',
        '0777',
        '1e3',
        '*',
        '&',
        'é ü',
        '[x]',
        '{y}',
        '- x',
      ),
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      seq: fc.array(tie('node'), { maxLength: 4 }),
    })).node;
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 3 }),
        fc.record({
          indentSeq: fc.boolean(),
          indent: fc.constantFrom(2, 4),
          collectionStyle: fc.constantFrom('any', 'block', 'flow'),
          comment: fc.boolean(),
        }),
        (docs, style) => {
          const text = docs
            .map((d) => {
              const body = stringify(d, {
                version: '1.1',
                indentSeq: style.indentSeq,
                indent: style.indent,
                lineWidth: 0,
                collectionStyle: style.collectionStyle,
              });
              return style.comment ? `# a comment\n${body.replace(/\n/, '  # trailing\n')}` : body;
            })
            .join('---\n');
          if (fastParseYaml(text) !== null) accepted++;
          expect(trees(text, false)).toBe(trees(text, true));
        },
      ),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('toPlain', () => {
  it('applies a transform to string scalars and keys only', () => {
    const [doc] = parseYamlFile('t', 'a: x\nb: 2\nc: [w, y]\n').documents;
    const value = toPlain(doc?.root ?? null, (text, _plain, _start, isKey) =>
      isKey ? text.toUpperCase() : `${text}!`,
    );
    expect(value).toEqual({ A: 'x!', B: 2, C: ['w!', true] });
  });
});
