import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Alias,
  Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  type Node,
  Pair,
  Scalar,
  stringify,
  YAMLSeq,
} from 'yaml';
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
  sameValues(fast?.documents ?? [], text);
}

/**
 * js-yaml's own value of every document read is the value of its light tree (a document with a merge key has
 * none: js-yaml keeps `<<` as a key).
 */
function sameValues(documents: readonly { readonly root: YamlNode | null }[], text: string): void {
  for (const { root } of documents) {
    if (!root || root.kind === 'scalar') continue;
    const value = takeReadValue(root);
    if (value !== undefined || !text.includes('<<')) expect(value).toEqual(toPlain(root));
  }
}

/** Either the fast reader leaves the text to the `yaml` path, or it gives exactly the Composer's trees. */
function sameOrGivesUp(text: string, base = 0): boolean {
  const fast = readYamlFast(text, base);
  if (fast === null) return false;
  const composed = parseYamlText(text, base, 'composer');
  expect(composed.diagnostics, JSON.stringify(text)).toEqual([]);
  expect(fast.documents, JSON.stringify(text)).toEqual(composed.documents);
  sameValues(fast.documents, text);
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

  // Constructs the fast reader reads, each exactly as the Composer does (values, positions, `aliased`).
  it.each([
    ['an anchored scalar and its alias', 'a: &x 1\nb: *x\n'],
    [
      'anchored maps and sequences, block and flow',
      'a: &m\n  k: v\nb: &s\n- 1\nc: &f {x: [y]}\nd: [*m, *s, *f]\ne: *m\n',
    ],
    ['an alias in a sequence and as a document root', '- &x a\n- *x\n---\n&y [1]\n'],
    ['an anchor redefined later', 'a: &x 1\nb: *x\nc: &x 2\nd: *x\n'],
    ['an anchor on a quoted and a block scalar', 'a: &q "q"\nb: &l |\n  text\nc: [*q, *l]\n'],
    ['an anchor with a comment before its map', 'a: &x # note\n  k: v\nb: *x\n'],
    ['anchors in each document of a stream', 'a: &x 1\nb: *x\n---\na: &x 2\nb: *x\n'],
    ['a merge key from an alias', 'base: &b\n  app: web\n  tier: front\nsel:\n  <<: *b\n  tier: back\n'],
    [
      'a merge key from a sequence of aliases',
      'a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc:\n  z: 4\n  <<: [*a, *b]\nd: {<<: *b, y: 5}\n',
    ],
    ['a merge key first in a sequence item', 'x: &d\n  k: v\nl:\n- <<: *d\n  j: w\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n\n  three\nb: [x\n  y]\n'],
    ['a flow pair', 'a: [k: v, "q": [1], b]\n'],
    ['a comment after a quote with a space', 'a: "x" # c\nb: [y] # d\nc: {z: 1} # e\n'],
    [
      'a `!` and a `?` inside scalars',
      'a: x != y\nb: |\n  if [ ! -f x ]; then ? y\nc: "? z"\nd: [what?, "!"]\n',
    ],
    ['a `#` inside quoted scalars of a flow collection', 'a: ["#x", \'{#\', "a,#b"]\n'],
  ])('reads a text with %s as the Composer does', (_what, text) => {
    readsAsComposer(text);
    readsAsComposer(text.replace(/\n/g, '\r\n'), 4);
  });

  // Block scalars with every chomping and indentation indicator, in maps, sequences and at a document's end.
  it.each(['|', '|-', '|+', '>', '>-', '>+', '|2', '|2-', '|1+', '>2', '>-2', '|+ # keep'])(
    'reads the block scalar header %j as the Composer does',
    (header) => {
      // With an indentation indicator the first line may be more indented than the scalar.
      const body = /\d/.test(header)
        ? '   lead\n  text\n\n  more\n\n'
        : '  text\n   more # not a comment\n\n  last\n\n';
      readsAsComposer(`a: ${header}\n${body}b: 1\n`);
      readsAsComposer(`- ${header}\n${body}- x\n`);
      readsAsComposer(`a: ${header}\n${body}`);
      readsAsComposer(`a: ${header}\n${body}---\nb: ${header}\n  last`);
    },
  );

  it.each([
    ['a tag', 'a: !!str 1\n'],
    ['a tag on a collection', 'a: !!map\n  k: v\n'],
    ['a tag js-yaml drops (a key candidate that finds nothing resets it)', '<<\n---\n!t \n---\n","\n'],
    ['a merge key from a map written in place', 'base: {a: 1}\nm:\n  <<: {b: 2}\n'],
    ['a merged map holding an alias', 'v: &v 1\nb: &b {k: *v}\nm:\n  <<: *b\n'],
    ['two merge keys in one map', 'a: &a {x: 1}\nm:\n  <<: *a\n  <<: *a\n'],
    ['an alias as a key', 'a: &k key\n*k : v\n'],
    ['an anchor on a key', '&k key: v\n'],
    ['an anchor on an empty value', 'a: &x\nb: *x\n'],
    ['an anchor on an empty collection', 'a: &x []\nb: *x\n'],
    ['an alias inside its own anchor', 'a: &x\n  b: *x\n'],
    ['the same anchor inside its node', 'a: &x\n  b: &x 1\nc: *x\n'],
    ['an alias ending in a colon', 'a: &x: 1\nb: *x:\n'],
    ['an alias naming no anchor', 'a: *x\n'],
    ['an anchored map on its anchor line', '- &x k: v\n'],
    ['an explicit key', '? a\n: b\n'],
    ['an explicit key in a flow map', '{? a: b}\n'],
    ['keys with equal values', 'a: 1\n1: 2\n0x1: 3\n'],
    ['keys with equal texts', 'a: 1\na: 2\n'],
    ['a tab', 'a:\tb\n'],
    ['a directive', '%YAML 1.1\n---\na: 1\n'],
    ['a lone carriage return', 'a: 1\rb: 2\n'],
    ['a comment right after a quote', 'a: "x"#c\n'],
    ['a comment right after a flow indicator', '[#c\n a]\n'],
    ['a comment right after a comma', '{a: 1,#c\n b: 2}\n'],
    ['a comment right after a flow collection', 'a: [x]#c\n'],
    ['a comment right after a block scalar indicator', 'a: |#c\n  x\n'],
    ['a document of comments only', '# c\n'],
    ['a document end marker alone', '...\n'],
    ['an empty block sequence item', '- \n- a\n'],
    ['a flow pair with an empty key', '[: b]\n'],
    ['a flow pair with an alias value', 'x: &x 1\ny: [a: *x]\n'],
    ['a flow pair over two lines', '[a\n : b]\n'],
    ['an empty block scalar', 'a: |\n\nb: 1\n'],
    ['a block scalar at the root', '|\n#x\n'],
    ['a syntax error', 'a: b: c\n'],
    ['an unclosed quote', 'a: "b\n'],
    ['a NUL', 'a: "\0"\n'],
  ])('leaves a text with %s to the yaml path', (_what, text) => {
    expect(readYamlFast(text)).toBeNull();
  });

  it('leaves an alias bomb to the yaml path, and reads a document just under the alias limit', () => {
    // `yaml`'s check: an anchor's aliases so far (plus one) times its alias count may not pass 100.
    const nested = 'a: &a [x, y]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n';
    expect(readYamlFast(`${nested}c: [${Array(9).fill('*b').join(', ')}]\n`)).toBeNull();
    readsAsComposer(`${nested}c: [${Array(8).fill('*b').join(', ')}]\n`);
    expect(readYamlFast(`a: &a 1\nb: [${Array(100).fill('*a').join(', ')}]\n`)).toBeNull();
    readsAsComposer(`a: &a 1\nb: [${Array(99).fill('*a').join(', ')}]\n`);
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
        'a long line of words that a narrow width folds over several lines',
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
      // A narrow width folds long plain and quoted scalars over several lines.
      lineWidth: fc.constantFrom(0, 0, 20),
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
                lineWidth: s.lineWidth,
                minContentWidth: 0,
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

  it('has the Composer trees for anchors, aliases and merge keys (property, seeded)', () => {
    const key = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), fc.constantFrom('80', 'yes', 'a b'));
    const scalar = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9 .-]{0,30}$/),
      fc.constantFrom('', 'x: y', '#c', 'line one\nline two', '  lead\nkeep\n\n', '*a', '&b', '<<'),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
      map: fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4 }),
      seq: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    })).node;
    const link = fc.record({
      from: fc.nat(),
      to: fc.nat(),
      at: fc.nat(),
      kind: fc.constantFrom('alias', 'alias', 'merge', 'merge-seq'),
      name: fc.constantFrom('a', 'b', 'c'),
    });
    const style = fc.record({
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
      defaultKeyType: fc.constantFrom(null, 'PLAIN'),
      lineWidth: fc.constantFrom(0, 24),
      indentSeq: fc.boolean(),
      comments: fc.boolean(),
      crlf: fc.boolean(),
    });
    let read = 0;
    let aliased = 0;
    let merged = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), { minLength: 1, maxLength: 2 }),
        fc.array(link, { maxLength: 5 }),
        style,
        fc.nat({ max: 50 }),
        (docs, links, s, base) => {
          const texts: string[] = [];
          for (const d of docs) {
            const doc = new Document(d, { version: '1.1', merge: true } as ConstructorParameters<
              typeof Document
            >[1]);
            for (const l of links) linkNodes(doc, l);
            try {
              texts.push(
                doc.toString({
                  collectionStyle: s.collectionStyle,
                  defaultStringType: s.defaultStringType,
                  defaultKeyType: s.defaultKeyType,
                  lineWidth: s.lineWidth,
                  minContentWidth: 0,
                  indentSeq: s.indentSeq,
                } as Parameters<Document['toString']>[0]),
              );
            } catch {
              // An alias whose anchor another link replaced: nothing to write.
              return;
            }
          }
          runs++;
          let text = texts.join('---\n');
          if (s.comments) text = `# head\n${text.replace(/\n/g, '  # end\n')}`;
          if (s.crlf) text = text.replace(/\n/g, '\r\n');
          if (sameOrGivesUp(text, base)) {
            read++;
            if (/\*[abc]\b/.test(text)) aliased++;
            if (/<<: [*[]/.test(text)) merged++;
          }
        },
      ),
      { numRuns: 300, seed: 20261208 },
    );
    // The property is about the new constructs: most texts must be read, many of them with aliases.
    expect(read).toBeGreaterThan(runs * 0.6);
    expect(aliased).toBeGreaterThan(runs * 0.2);
    expect(merged).toBeGreaterThan(10);
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

/** A node of a Document with the place that holds it, in document order (`end`: the index after its subtree). */
interface Slot {
  readonly node: Node;
  readonly end: number;
  set(node: Node): void;
}

function slotsOf(doc: Document): Slot[] {
  const slots: Slot[] = [];
  const walk = (node: unknown, set: (n: Node) => void): void => {
    if (!node || isAlias(node) || isPair(node)) return;
    const at = slots.length;
    const slot = { node: node as Node, end: 0, set };
    slots.push(slot);
    if (isCollection(node)) {
      node.items.forEach((item, i) => {
        if (isPair(item)) {
          walk(item.value, (n) => {
            item.value = n;
          });
        } else {
          walk(item, (n) => {
            node.items[i] = n;
          });
        }
      });
    }
    slots[at] = { ...slot, end: slots.length };
  };
  walk(doc.contents, (n) => {
    doc.contents = n as typeof doc.contents;
  });
  return slots;
}

/**
 * Anchors a node of `doc` and, at a later node outside it, writes an alias of it or (both maps) a merge key
 * from it (alone or in a flow sequence).
 */
function linkNodes(
  doc: Document,
  l: { from: number; to: number; at: number; kind: string; name: string },
): void {
  const all = slotsOf(doc);
  // A merge key needs maps on both sides.
  const slots = l.kind === 'alias' ? all : all.filter((slot) => isMap(slot.node));
  const source = slots[l.from % Math.max(1, slots.length)];
  if (!source) return;
  const later = slots.filter((slot) => all.indexOf(slot) >= source.end);
  const target = later[l.to % Math.max(1, later.length)];
  if (!target) return;
  (source.node as Scalar).anchor = l.name;
  if (l.kind === 'alias') target.set(new Alias(l.name));
  else if (isMap(source.node) && isMap(target.node)) {
    const merged = l.kind === 'merge' ? new Alias(l.name) : new YAMLSeq();
    if (merged instanceof YAMLSeq) {
      merged.flow = true;
      merged.items.push(new Alias(l.name));
    }
    target.node.items.splice(l.at % (target.node.items.length + 1), 0, new Pair(new Scalar('<<'), merged));
  }
}
