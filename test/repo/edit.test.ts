import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { applyYamlEdits, unifiedDiff, writeFileAtomic, type YamlEdit } from '../../src/repo/edit.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

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
        '  labels: {}\n',
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

  it('goes through aliases with the Document API and keeps the anchors', () => {
    const text = 'base: &b {app: web}\nsel: *b\nother: 1\n';
    const after = applyYamlEdits(text, [{ documentIndex: 0, path: ['other'], value: 2 }]).text;
    expect(after).toBe('base: &b { app: web }\nsel: *b\nother: 2\n');
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

describe('writeFileAtomic', () => {
  it('replaces the file, keeps its mode and leaves no temporary file', () => {
    const repo = useRepo({ 'ns.yaml': 'a: 1\n' });
    fs.chmodSync(repo.path('ns.yaml'), 0o640);
    writeFileAtomic(repo.path('ns.yaml'), 'a: 2\n');
    expect(repo.read('ns.yaml')).toBe('a: 2\n');
    expect(fs.statSync(repo.path('ns.yaml')).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(repo.root)).toEqual(['ns.yaml']);
  });

  it('creates a new file', () => {
    const repo = useRepo({});
    writeFileAtomic(repo.path('new.yaml'), 'x: 1\n');
    expect(repo.read('new.yaml')).toBe('x: 1\n');
  });

  it('throws NETPOL_WRITE_FAILED when the folder does not exist', () => {
    const repo = useRepo({});
    expect(() => writeFileAtomic(repo.path('missing/dir/x.yaml'), 'x')).toThrow(
      expect.objectContaining({ code: 'NETPOL_WRITE_FAILED' }),
    );
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
