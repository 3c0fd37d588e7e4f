import { describe, expect, it } from 'vitest';
import { MAX_ALIAS_COUNT, parseYamlFile, parseYamlText } from '../../src/repo/documents.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { truncateValue } from '../../src/repo/truncate.js';

/** A 9-way, `depth`-deep alias bomb in a Namespace's labels (9^depth nodes when expanded). */
function aliasBomb(depth: number): string {
  const lines = ['      a0: &a0 [x,x,x,x,x,x,x,x,x]'];
  for (let i = 1; i <= depth; i++)
    lines.push(
      `      a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels:\n    b:\n${lines.join('\n')}\n`;
}

describe('alias bombs (issue 8)', () => {
  it('are one YAML_SYNTAX error at the first alias, and the document is not read', () => {
    const parsed = parseYamlFile('bomb.yaml', aliasBomb(8));
    expect(parsed.documents.map((d) => d.root)).toEqual([null]);
    expect(parsed.diagnostics.map((d) => [d.code, d.source?.line, d.source?.column, d.message])).toEqual([
      [
        'YAML_SYNTAX',
        8,
        16,
        `Aliases expand this document beyond ${MAX_ALIAS_COUNT} nodes (an alias bomb); the document is not read.`,
      ],
    ]);
  });

  it('leave ordinary anchors alone (an anchored mapping used a few times)', () => {
    const text = 'a: &m {x: 1, y: 2}\nb: *m\nc: *m\nd: [*m, *m]\n';
    for (const reader of ['auto', 'composer'] as const) {
      const parsed = parseYamlText(text, 0, reader);
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.documents[0]?.valid).toBe(true);
    }
  });

  it('through the loader: one diagnostic, bounded output', () => {
    const { diagnostics } = loadRepoFromText({ 'bomb.yaml': aliasBomb(12) });
    expect(diagnostics.map((d) => d.code)).toEqual(['YAML_SYNTAX']);
  });
});

describe('truncateValue (issue 8)', () => {
  it.each([
    ['short', 'short'],
    ['x'.repeat(80), 'x'.repeat(80)],
    ['x'.repeat(81), `${'x'.repeat(79)}…`],
    ['a\nb\u0000c', 'a\\x0ab\\x00c'],
  ])('%j → %j', (value, expected) => {
    expect(truncateValue(value)).toBe(expected);
  });
});
