import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Node, parse, parseAllDocuments, parseDocument } from 'yaml';
import { addKustomizationResource, applyYamlEdits, unifiedDiff, type YamlEdit } from '../../src/repo/edit.js';
import { yaml } from '../helpers/use-repo.js';

const NAMESPACES = yaml`
  # Application namespaces.
  apiVersion: v1   # core API
  kind: Namespace
  metadata:
    name: shop   # the shop
    labels:
      netpol.example.com/profile: "standard"   # profile
      # grants
      access.netpol.example.com/postgres: 'true'
  ---
  # second
  apiVersion: v1
  kind: Namespace
  metadata:
    name: billing
    labels: {netpol.example.com/profile: isolated}
  ---
  apiVersion: v1
  kind: Namespace
  metadata:
    name: empty
    labels:
`;

/** The JS value of each document. */
function values(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
}

function edit(edits: YamlEdit[]): string {
  return applyYamlEdits(NAMESPACES, edits).text;
}

describe('applyYamlEdits', () => {
  it('replaces a scalar in place, keeping its quotes and comment', () => {
    const after = edit([
      { documentIndex: 0, path: ['metadata', 'labels', 'netpol.example.com/profile'], value: 'internal' },
    ]);
    expect(after).toBe(NAMESPACES.replace('"standard"', '"internal"'));
  });

  it('quotes a value that YAML 1.1 would read as another type', () => {
    const after = edit([{ documentIndex: 0, path: ['metadata', 'name'], value: 'yes' }]);
    expect(after).toBe(NAMESPACES.replace('name: shop ', 'name: "yes" '));
  });

  it('inserts a new key after the last key of its mapping, with its indentation', () => {
    const after = edit([
      { documentIndex: 0, path: ['metadata', 'labels', 'access.netpol.example.com/cache'], value: 'true' },
    ]);
    expect(after).toBe(
      NAMESPACES.replace(
        "access.netpol.example.com/postgres: 'true'\n",
        'access.netpol.example.com/postgres: \'true\'\n    access.netpol.example.com/cache: "true"\n',
      ),
    );
  });

  it('creates missing mappings on the way', () => {
    const after = edit([
      {
        documentIndex: 0,
        path: ['metadata', 'annotations', 'netpol.example.com/reason'],
        value: 'incident 42',
      },
    ]);
    expect(after).toBe(
      NAMESPACES.replace(
        "access.netpol.example.com/postgres: 'true'\n",
        "access.netpol.example.com/postgres: 'true'\n  annotations:\n    netpol.example.com/reason: incident 42\n",
      ),
    );
  });

  it('removes the lines of a deleted key', () => {
    const after = edit([
      { documentIndex: 0, path: ['metadata', 'labels', 'netpol.example.com/profile'], delete: true },
    ]);
    expect(after).toBe(NAMESPACES.replace('    netpol.example.com/profile: "standard"   # profile\n', ''));
  });

  it('writes {} when the last key of a mapping goes', () => {
    const after = edit([
      { documentIndex: 0, path: ['metadata', 'labels', 'netpol.example.com/profile'], delete: true },
      { documentIndex: 0, path: ['metadata', 'labels', 'access.netpol.example.com/postgres'], delete: true },
    ]);
    expect(after).toBe(
      NAMESPACES.replace(
        '  labels:\n    netpol.example.com/profile: "standard"   # profile\n    # grants\n    access.netpol.example.com/postgres: \'true\'\n',
        '  labels: {}\n    # grants\n',
      ),
    );
  });

  it('edits scalars inside flow mappings in place, and empty values through the Document API', () => {
    const after = edit([
      { documentIndex: 1, path: ['metadata', 'labels', 'netpol.example.com/profile'], value: 'standard' },
      { documentIndex: 2, path: ['metadata', 'labels', 'team'], value: 'a' },
    ]);
    const [first, second, third] = after.split(/^---\n/m);
    const [origFirst, origSecond] = NAMESPACES.split(/^---\n/m);
    expect(first).toBe(origFirst);
    expect(second).toBe(origSecond?.replace('isolated', 'standard'));
    expect(third).toBe('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: empty\n  labels:\n    team: a\n');
  });

  it('does nothing when deleting a path that does not exist', () => {
    expect(edit([{ documentIndex: 0, path: ['metadata', 'labels', 'nope'], delete: true }])).toBe(NAMESPACES);
  });

  it('edits a document holding aliases in place, keeping anchors and flow spacing', () => {
    const text = 'base: &b {app: web}\nsel: *b\nother: 1\n';
    const after = applyYamlEdits(text, [{ documentIndex: 0, path: ['other'], value: 2 }]).text;
    expect(after).toBe('base: &b {app: web}\nsel: *b\nother: 2\n');
  });

  // Each row: what, text, edits, the exact text after. Only the edited value's bytes may change.
  const set = (path: (string | number)[], value: unknown, documentIndex = 0): YamlEdit => ({
    documentIndex,
    path,
    value,
  });
  const del = (path: (string | number)[], documentIndex = 0): YamlEdit => ({
    documentIndex,
    path,
    delete: true,
  });
  const append = (path: (string | number)[], item: unknown, documentIndex = 0): YamlEdit => ({
    documentIndex,
    path,
    append: item,
  });
  const L = ['metadata', 'labels'];
  it.each<[string, string, YamlEdit[], string]>([
    [
      'a flow map keeps its style and spacing when a value changes',
      'metadata:\n  labels: {team: a,  x: "b"}  # c\n',
      [set([...L, 'x'], 'c')],
      'metadata:\n  labels: {team: a,  x: "c"}  # c\n',
    ],
    [
      'a flow map gets a new entry with its own separator',
      'metadata:\n  labels: {team: a,  x: b}\n',
      [set([...L, 'p/q'], 'true')],
      'metadata:\n  labels: {team: a,  x: b,  p/q: "true"}\n',
    ],
    [
      'a multi-line flow map gets a new entry on its own line',
      'labels: {\r\n  team: a,\r\n  x: b\r\n}\r\n',
      [set(['labels', 'z'], 'c')],
      'labels: {\r\n  team: a,\r\n  x: b,\r\n  z: c\r\n}\r\n',
    ],
    [
      'a flow map loses an entry in the middle, and the last one',
      'labels: {a: 1, b: 2, c: 3}\n',
      [del(['labels', 'b']), del(['labels', 'c'])],
      'labels: {a: 1}\n',
    ],
    [
      'a flow map losing its only entry becomes {}',
      'labels: { a: 1 }\n',
      [del(['labels', 'a'])],
      'labels: {}\n',
    ],
    [
      'an empty flow map gets its first entry',
      'labels: {}  # none\n',
      [set(['labels', 'a'], 'b')],
      'labels: {a: b}  # none\n',
    ],
    [
      'an empty value gets block lines under its key, keeping its comment',
      'metadata:\n  labels:   # none yet\n  name: x\n',
      [set([...L, 'a'], 'b')],
      'metadata:\n  labels:   # none yet\n    a: b\n  name: x\n',
    ],
    [
      'an explicit null gets block lines under its key',
      'metadata:\n  labels: ~\n  name: x\n',
      [set([...L, 'a'], 'b')],
      'metadata:\n  labels:\n    a: b\n  name: x\n',
    ],
    [
      'a missing map is added after the last key of its parent, at its indentation',
      'metadata:\n    name: x   # n\nspec: {}\n',
      [set([...L, 'a'], 'b')],
      'metadata:\n    name: x   # n\n    labels:\n        a: b\nspec: {}\n',
    ],
    [
      'CRLF lines stay CRLF: set, add and delete',
      'metadata:\r\n  labels:\r\n    a: x\r\n    b: y\r\n',
      [set([...L, 'a'], 'z'), set([...L, 'c'], 'w'), del([...L, 'b'])],
      'metadata:\r\n  labels:\r\n    a: z\r\n    c: w\r\n',
    ],
    [
      'CRLF: a block map losing its last entry leaves {} and keeps the line ending',
      'metadata:\r\n  annotations:\r\n    a: x\r\n  name: n\r\n',
      [del(['metadata', 'annotations', 'a'])],
      'metadata:\r\n  annotations: {}\r\n  name: n\r\n',
    ],
    [
      'a byte-order mark stays',
      '\uFEFFa: 1\nb: 2\n',
      [set(['b'], 3), set(['c'], 4)],
      '\uFEFFa: 1\nb: 3\nc: 4\n',
    ],
    [
      'a file without a final newline gets one line ending before the new line',
      'a: 1',
      [set(['b'], 2)],
      'a: 1\nb: 2\n',
    ],
    [
      'a quoted value keeps its quotes, anchor and tag',
      'a: &x !!str "1"\nb: 2\n',
      [set(['a'], 'two')],
      'a: &x !!str "two"\nb: 2\n',
    ],
    [
      'a block scalar becomes a one-line value',
      'a: |\n  one\n  two\nb: 2\n',
      [set(['a'], 'x')],
      'a: x\nb: 2\n',
    ],
    [
      'the first key of a list item map goes, the next one moves up',
      'items:\n  - a: 1\n    b: 2\n',
      [del(['items', 0, 'a'])],
      'items:\n  - b: 2\n',
    ],
    [
      'the only key of a list item map leaves {}',
      'items:\n  - a: 1 # c\n',
      [del(['items', 0, 'a'])],
      'items:\n  - {} # c\n',
    ],
    [
      'a block list gets an item at its indentation, before a trailing comment',
      '# k\nresources:\n  - a.yaml # first\n# tail\n',
      [append(['resources'], 'b.yaml')],
      '# k\nresources:\n  - a.yaml # first\n  - b.yaml\n# tail\n',
    ],
    [
      'a block list not indented under its key',
      'resources:\n- a.yaml\nkind: K\n',
      [append(['resources'], 'b.yaml')],
      'resources:\n- a.yaml\n- b.yaml\nkind: K\n',
    ],
    [
      'a flow list keeps its style',
      'resources: [a.yaml,b.yaml]\n',
      [append(['resources'], 'c.yaml')],
      'resources: [a.yaml,b.yaml,c.yaml]\n',
    ],
    ['an empty flow list', 'resources: []\n', [append(['resources'], 'a.yaml')], 'resources: [a.yaml]\n'],
    ['a missing list', 'kind: K\n', [append(['resources'], 'b.yaml')], 'kind: K\nresources:\n  - b.yaml\n'],
    [
      'an empty list key',
      'resources:\nkind: K\n',
      [append(['resources'], 'b.yaml')],
      'resources:\n  - b.yaml\nkind: K\n',
    ],
    [
      'a CRLF list without a final newline',
      'resources:\r\n  - a.yaml',
      [append(['resources'], 'b.yaml')],
      'resources:\r\n  - a.yaml\r\n  - b.yaml\r\n',
    ],
    [
      'a list item that is a mapping, in the right document',
      'a: 1\n---\nspec:\n  ingress:\n    - fromEntities: [health]\n  egress: []\n',
      [append(['spec', 'ingress'], { fromEntities: ['world'] }, 1)],
      'a: 1\n---\nspec:\n  ingress:\n    - fromEntities: [health]\n    - fromEntities:\n        - world\n  egress: []\n',
    ],
    [
      'a new nested value in a document with a merge key',
      'base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n',
      [set(['m', 'z'], 3)],
      'base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n  z: 3\n',
    ],
  ])('%s', (_what, text, edits, want) => {
    expect(applyYamlEdits(text, edits).text).toBe(want);
  });

  it('writes a yaml node with its comment before the item', () => {
    const doc = parseDocument('fromEntities: [world]\n');
    const node = doc.contents as Node;
    node.commentBefore = ' why';
    expect(applyYamlEdits('spec:\n  ingress:\n    - a: 1\n', [append(['spec', 'ingress'], node)]).text).toBe(
      'spec:\n  ingress:\n    - a: 1\n    # why\n    - fromEntities: [world]\n',
    );
  });

  it.each<[string, string, YamlEdit]>([
    ['a value whose anchor an alias uses', 'a: &x 1\nb: *x\n', set(['a'], 2)],
    ['a key of a mapping an alias uses', 'a: &m {k: 1}\nb: *m\n', set(['a', 'j'], 2)],
    ['a path through an alias', 'a: &m {k: 1}\nb: *m\n', set(['b', 'k'], 2)],
    ['a key that a merge key may hold', 'base: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n', del(['m', 'x'])],
    ['a whole block collection', 'a:\n  b: 1\n', set(['a'], { c: 2 })],
  ])('refuses to change %s (NETPOL_WRITE_FAILED, text unchanged)', (_what, text, edit) => {
    expect(() => applyYamlEdits(text, [edit])).toThrow(
      expect.objectContaining({ code: 'NETPOL_WRITE_FAILED' }),
    );
  });

  it('refuses a path crossing a scalar or a list with a key (NETPOL_BAD_ARGUMENT)', () => {
    expect(() => applyYamlEdits('a: 1\n', [set(['a', 'b'], 2)])).toThrow(
      expect.objectContaining({ code: 'NETPOL_BAD_ARGUMENT' }),
    );
    expect(() => applyYamlEdits('a: [1]\n', [set(['a', 'b'], 2)])).toThrow(
      expect.objectContaining({ code: 'NETPOL_BAD_ARGUMENT' }),
    );
    expect(() => applyYamlEdits('resources: x\n', [append(['resources'], 'b')])).toThrow(
      'resources is not a list',
    );
  });

  it('throws NETPOL_BAD_ARGUMENT for a missing document and NETPOL_WRITE_FAILED for a broken one', () => {
    expect(() => applyYamlEdits('a: 1\n', [{ documentIndex: 3, path: ['a'], value: 2 }])).toThrow(
      expect.objectContaining({ code: 'NETPOL_BAD_ARGUMENT' }),
    );
    expect(() => applyYamlEdits('a: [1\n', [{ documentIndex: 0, path: ['a'], value: 2 }])).toThrow(
      expect.objectContaining({ code: 'NETPOL_WRITE_FAILED' }),
    );
  });

  it('keeps untouched documents byte for byte and changes only the asked line (property)', () => {
    const comment = fc.stringMatching(/^[a-z ]{0,12}$/).map((c) => (c.trim() === '' ? '' : ` # ${c.trim()}`));
    const labelKey = fc.stringMatching(/^[a-z]{1,6}(\.[a-z]{1,4})?\/[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
    const labelValue = fc.oneof(
      fc.stringMatching(/^[a-z0-9]{1,8}$/),
      fc.constantFrom('true', 'yes', 'on', '80', 'null'),
    );
    const quote = fc.constantFrom('', '"', "'");
    const namespace = fc.record({
      name: fc.stringMatching(/^[a-z0-9-]{0,10}[a-z0-9]$/).map((n) => `ns-${n}`),
      labels: fc.uniqueArray(fc.tuple(labelKey, labelValue, quote, comment), {
        minLength: 1,
        maxLength: 4,
        selector: (l) => l[0],
      }),
      lead: comment,
      indent: fc.constantFrom(2, 4),
    });
    const render = (n: {
      name: string;
      labels: [string, string, string, string][];
      lead: string;
      indent: number;
    }) => {
      const i = ' '.repeat(n.indent);
      const labels = n.labels
        .map(([k, v, q, c]) => {
          const needsQuote = q === '' && typeof parse(v, { version: '1.1' }) !== 'string';
          const qq = needsQuote ? '"' : q;
          return `${i}${i}${k}: ${qq}${v}${qq}${c}`;
        })
        .join('\n');
      return `${n.lead.trim() === '' ? '' : `#${n.lead.slice(2)}\n`}apiVersion: v1\nkind: Namespace\nmetadata:\n${i}name: ${n.name}\n${i}labels:\n${labels}\n`;
    };
    fc.assert(
      fc.property(
        fc.array(namespace, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom('set', 'add', 'delete'),
        labelValue,
        (namespaces, pick, op, newValue) => {
          const docs = namespaces.map(render);
          const text = docs.join('---\n');
          const index = pick % namespaces.length;
          const target = namespaces[index];
          if (!target) return;
          const existing = target.labels[pick % target.labels.length]?.[0] ?? 'x/y';
          const fresh = 'added.example/label';
          if (op === 'delete' && target.labels.length < 2) return;
          const e: YamlEdit =
            op === 'delete'
              ? { documentIndex: index, path: ['metadata', 'labels', existing], delete: true }
              : {
                  documentIndex: index,
                  path: ['metadata', 'labels', op === 'set' ? existing : fresh],
                  value: newValue,
                };
          const after = applyYamlEdits(text, [e]).text;
          const afterDocs = after.split(/^---\n/m);
          expect(afterDocs).toHaveLength(docs.length);
          docs.forEach((d, i) => {
            if (i !== index) expect(afterDocs[i]).toBe(d);
          });
          // The edited document means what was asked.
          const expectedLabels = Object.fromEntries(target.labels.map(([k, v]) => [k, v]));
          if (op === 'delete') delete expectedLabels[existing];
          else expectedLabels[op === 'set' ? existing : fresh] = newValue;
          expect(values(after)[index]).toEqual({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: target.name, labels: expectedLabels },
          });
          // And only the asked line changed: one line removed and/or one added.
          const before = (docs[index] ?? '').split('\n');
          const changed = (afterDocs[index] ?? '').split('\n');
          const removed = before.filter((l) => !changed.includes(l));
          const added = changed.filter((l) => !before.includes(l));
          expect(removed.length).toBeLessThanOrEqual(1);
          expect(added.length).toBeLessThanOrEqual(1);
          if (op === 'delete') expect(added).toEqual([]);
          if (op === 'add') expect(removed).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('addKustomizationResource', () => {
  it.each([
    [
      'appends in the list style',
      'resources:\n  - a.yaml\n',
      'b.yaml',
      'resources:\n  - a.yaml\n  - b.yaml\n',
    ],
    ['leaves an entry listed with ./ alone', 'resources: [./b.yaml]\n', 'b.yaml', 'resources: [./b.yaml]\n'],
    ['leaves a folder listed with / alone', 'resources:\n- apps/\n', 'apps', 'resources:\n- apps/\n'],
    ['keeps CRLF', 'resources:\r\n- a.yaml\r\n', 'b', 'resources:\r\n- a.yaml\r\n- b\r\n'],
  ])('%s', (_what, text, entry, want) => {
    expect(addKustomizationResource(text, entry)).toBe(want);
  });
});

describe('unifiedDiff', () => {
  it('prints a git-style diff, and nothing for equal texts', () => {
    expect(unifiedDiff('ns.yaml', 'a: 1\nb: 2\n', 'a: 1\nb: 3\n')).toBe(
      '--- a/ns.yaml\n+++ b/ns.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n',
    );
    expect(unifiedDiff('ns.yaml', 'same\n', 'same\n')).toBe('');
  });
});
