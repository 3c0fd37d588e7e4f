/**
 * Oracles for the YAML reader (src/repo/documents.ts): the `yaml` package's own Document for the same
 * text (values and positions), and the Composer path against the token path. Used by the normal suite on
 * netpol's own texts and by the conformance suite on Cilium's example policies.
 */
import { expect } from 'vitest';
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, parseAllDocuments } from 'yaml';
import {
  documentValue,
  parseYamlFile,
  parseYamlText,
  readYamlTokens,
  type YamlDocument,
} from '../../src/repo/documents.js';
import { readYamlFast } from '../../src/repo/fast-reader.js';
import { YAML_READ_OPTIONS } from '../../src/repo/yaml-options.js';
import { packTrees, unpackTrees, type YamlNode } from '../../src/repo/yaml-tree.js';

/** The `yaml` package's own reading of a text (YAML 1.1): one Document per document. */
export function yamlDocuments(text: string): Document.Parsed[] {
  const parsed = parseAllDocuments(text, YAML_READ_OPTIONS);
  return Array.isArray(parsed) ? parsed : [];
}

/**
 * Checks the light tree of every document against the `yaml` package's Document for the same text:
 * the plain value against `Document.toJS()` (merge keys applied by `yaml`), and the position of every
 * node and key the two trees share (merged entries are not in `yaml`'s map: they are checked where they
 * are written). Returns how many positions were compared.
 */
export function checkAgainstYaml(text: string): number {
  const ours = parseYamlFile('f.yaml', text);
  const theirs = yamlDocuments(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  expect(ours.documents).toHaveLength(theirs.length);
  let compared = 0;
  ours.documents.forEach((doc, i) => {
    const ydoc = theirs[i] as Document.Parsed;
    expect(doc.valid).toBe(ydoc.errors.length === 0);
    if (!doc.valid) return;
    const expected = ydoc.contents === null ? null : ydoc.toJS({ maxAliasCount: -1 });
    const empty = isScalar(ydoc.contents) && ydoc.contents.value === null;
    expect(documentValue(doc)).toEqual(empty ? null : expected);
    if (doc.root && ydoc.contents) compared += samePositions(doc, doc.root, ydoc.contents as Node, ydoc, []);
  });
  return compared;
}

function samePositions(
  doc: YamlDocument,
  node: YamlNode,
  yamlNode: Node,
  ydoc: Document.Parsed,
  path: (string | number)[],
): number {
  const y = isAlias(yamlNode) ? (yamlNode.resolve(ydoc) as Node) : yamlNode;
  const [start, end] = y.range ?? [0, 0];
  const at = `${path.join('.')} in ${JSON.stringify(doc.text)}`;
  expect(node.start, at).toBe(start);
  if (isScalar(y)) {
    expect(node.kind, at).toBe('scalar');
    expect(node.end, at).toBe(end);
    return 1;
  }
  // A block collection ends with its last value (the anchored node for an alias), before any trailing
  // comment or blank line.
  if (isMap(y) || isSeq(y)) {
    if (y.flow) expect(node.end, at).toBe(end);
    else expect(node.end <= end, at).toBe(true);
  }
  let compared = 1;
  if (node.kind === 'map' && isMap(y)) {
    for (const entry of node.entries) {
      // The last pair with that key wins, as in toJS; an alias key is the scalar it names, written where the alias is.
      const pair = y.items.findLast((p) => {
        const k = isAlias(p.key) ? p.key.resolve(ydoc) : p.key;
        return isScalar(k) && String(k.value) === entry.key;
      });
      if (!pair) continue;
      const key = pair.key as Node;
      expect([entry.keyStart, entry.keyEnd], `key ${entry.key} of ${at}`).toEqual([
        key.range?.[0],
        key.range?.[1],
      ]);
      if (pair.value)
        compared += samePositions(doc, entry.value, pair.value as Node, ydoc, [...path, entry.key]);
    }
  } else if (node.kind === 'seq' && isSeq(y)) {
    expect(node.items).toHaveLength(y.items.length);
    node.items.forEach((item, i) => {
      const yi = y.items[i];
      if (yi) compared += samePositions(doc, item, yi as Node, ydoc, [...path, i]);
    });
  } else throw new Error(`kinds differ at ${at}`);
  return compared;
}

/**
 * The token path and the js-yaml reader must each give exactly what the Composer gives, or leave the text
 * to it (true: the token path read it).
 */
export function sameAsComposer(text: string): boolean {
  const composed = parseYamlText(text, 7, 'composer');
  expect(parseYamlText(text, 7), JSON.stringify(text)).toEqual(composed);
  expect(parseYamlText(text, 7, 'tokens'), JSON.stringify(text)).toEqual(composed);
  const quick = readYamlFast(text, 7);
  if (quick) expect(quick, JSON.stringify(text)).toEqual(composed);
  const fast = readYamlTokens(text, 7);
  if (fast) expect(composed.diagnostics, JSON.stringify(text)).toEqual([]);
  return fast !== null;
}

/** A file's trees and the same trees after packing, structured cloning (as across threads) and unpacking. */
export function roundTrip(text: string) {
  const docs = parseYamlFile('f.yaml', text).documents;
  const packed = structuredClone(packTrees(docs));
  return {
    docs,
    roots: unpackTrees(
      packed,
      docs.map((d) => d.aliased),
    ),
  };
}
