import { describe, expect, it } from 'vitest';
import { documentValue, parseYamlFile } from '../../src/repo/documents.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { resolvePlainScalar } from '../../src/repo/scalar.js';

/**
 * Plain scalars as Kubernetes reads them (go-yaml v2 under sigs.k8s.io/yaml, resolve.go): YAML 1.1
 * booleans and integers, floats only with digits, no base-60 numbers.
 */
const CASES: readonly [string, unknown][] = [
  ['.', '.'],
  ['e5', 'e5'],
  ['.e5', '.e5'],
  ['-.', '-.'],
  ['1:20', '1:20'],
  ['190:20:30', '190:20:30'],
  ['1:20.5', '1:20.5'],
  ['1.5', 1.5],
  ['.5', 0.5],
  ['-.5', -0.5],
  ['1.', 1],
  ['1e3', 1000],
  ['+1.5e-3', 0.0015],
  ['1_000', 1000],
  ['0x1F', 31],
  ['0777', 511],
  ['0b101', 5],
  ['yes', true],
  ['on', true],
  ['No', false],
  ['~', null],
  ['.inf', Number.POSITIVE_INFINITY],
  ['2024-01-01', '2024-01-01'],
];

describe('Kubernetes scalar resolution', () => {
  it.each(CASES)(
    '%j reads as %j on the token path, the Composer path and resolvePlainScalar',
    (text, value) => {
      expect(resolvePlainScalar(text)).toEqual(value);
      const token = parseYamlFile('a.yaml', `k: ${text}\n`);
      expect(documentValue(token.documents[0] as never)).toEqual({ k: value });
      // An anchor sends the text through the Composer.
      const composed = parseYamlFile('a.yaml', `k: &a ${text}\nj: *a\n`);
      expect(documentValue(composed.documents[0] as never)).toEqual({ k: value, j: value });
    },
  );

  it('a bare . in kustomization resources and label values is a string, never NaN', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels:\n    a: .\n',
      'kustomization.yaml': 'resources: [ns.yaml, .]\n',
    });
    expect(repo.namespaces.map((n) => n.name)).toEqual(['web']);
    expect(
      diagnostics.map((d) => [d.code, d.source?.file, d.source?.line, d.message.includes('"."')]),
    ).toEqual([
      ['BAD_VALUE', 'kustomization.yaml', 1, true],
      ['BAD_VALUE', 'ns.yaml', 6, true],
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain('NaN');
  });
});
