import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlFile } from '../../src/repo/documents.js';
import { packTrees, unpackTrees, type YamlNode } from '../../src/repo/yaml-tree.js';
import { roundTrip } from '../helpers/yaml-oracle.js';

/** netpol's own example repository: every YAML file (Cilium's examples are in test/conformance). */
const PROJECT_YAML = fs
  .readdirSync(path.resolve(import.meta.dirname, '../../examples'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
  .map((e) => path.join(e.parentPath, e.name))
  .sort();

describe('packTrees and unpackTrees', () => {
  it('give back the trees of every file of examples/', () => {
    let documents = 0;
    for (const file of PROJECT_YAML) {
      const { docs, roots } = roundTrip(fs.readFileSync(file, 'utf8'));
      expect(roots, file).toEqual(docs.map((d) => d.root));
      documents += docs.length;
    }
    expect(documents).toBeGreaterThanOrEqual(40);
  });

  it('keep empty and invalid documents, every scalar type, and nodes shared through aliases', () => {
    const text =
      'a: &x {k: [1, -0.5, .nan, .inf, true, null, "s", plain]}\nb: *x\nc: [*x, *x]\n---\n---\nbad: [\n---\n"q": 1\n';
    const { docs, roots } = roundTrip(text);
    expect(roots).toEqual(docs.map((d) => d.root));
    expect(roots.map((r) => r?.kind ?? null)).toEqual(['map', null, null, 'map']);
    const root = roots[0];
    if (root?.kind !== 'map') throw new Error('no map');
    const shared = root.entries[0]?.value as YamlNode;
    expect(root.entries[1]?.value).toBe(shared);
    const c = root.entries[2]?.value;
    expect(c?.kind === 'seq' && c.items.every((i) => i === shared)).toBe(true);
    expect(roots[3]?.kind === 'map' && roots[3].entries[0]?.keyPlain).toBe(false);
  });

  it('store a repeated string once', () => {
    const packed = packTrees(parseYamlFile('f.yaml', 'a: x\nb: x\nc: [x, x, a]\n').documents);
    expect(packed.values).toEqual(['a', 'x', 'b', 'c']);
  });

  it('reject what they did not pack', () => {
    expect(() => unpackTrees({ ints: new Int32Array([6, 99]), values: [] }, [false])).toThrow(
      'Packed YAML trees hold an unknown node tag 99.',
    );
    expect(() => unpackTrees({ ints: new Int32Array([6, 1, 0]), values: [] }, [false])).toThrow(
      'Packed YAML trees end too early.',
    );
    expect(() => unpackTrees({ ints: new Int32Array([5, 5]), values: [] }, [false])).toThrow(
      'Packed YAML trees hold more than their documents.',
    );
    expect(() => unpackTrees({ ints: new Int32Array([6, 4, 0]), values: [] }, [true])).toThrow(
      'Packed YAML trees refer to a node not met yet.',
    );
  });
});
