import { describe, expect, it } from 'vitest';
import { renderTable, wrapText } from '../../../src/cli/output/table.js';

const HEAD = ['count', 'flow', 'cause'];
const ROW = ['4', 'web/web → database/postgres 5432/TCP', 'namespace web lacks access grant "postgres"'];

describe('renderTable', () => {
  it('draws every column as wide as its longest line without a width (full output)', () => {
    expect(renderTable(HEAD, [ROW])).toBe(
      [
        '┌───────┬──────────────────────────────────────┬─────────────────────────────────────────────┐',
        '│ count │ flow                                 │ cause                                       │',
        '├───────┼──────────────────────────────────────┼─────────────────────────────────────────────┤',
        '│ 4     │ web/web → database/postgres 5432/TCP │ namespace web lacks access grant "postgres" │',
        '└───────┴──────────────────────────────────────┴─────────────────────────────────────────────┘',
      ].join('\n'),
    );
  });

  it.each([40, 60, 80])('fits a %i-column terminal by wrapping the widest columns', (width) => {
    const lines = renderTable(HEAD, [ROW, ROW], { width }).split('\n');
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(width);
    expect(lines.join(' ').replace(/[│ ]+/g, ' ')).toContain('grant');
  });

  it('squeezes a column below 8 characters only down to its minWidths', () => {
    const lines = renderTable(['name', 'a', 'b'], [['x'.repeat(30), '✓', '✗']], {
      width: 20,
      minWidths: [undefined, 1, 1],
    }).split('\n');
    expect(lines[0]).toBe('┌──────────┬───┬───┐');
    expect(lines[3]).toBe('│ xxxxxxxx │ ✓ │ ✗ │');
  });

  it('cuts a hostile word to 80 characters and stays linear in time', () => {
    const start = performance.now();
    const out = renderTable(HEAD, [['1', 'x'.repeat(2_000_000), 'y']], { width: 100 });
    expect(performance.now() - start).toBeLessThan(2000);
    expect(out.length).toBeLessThan(2000);
    expect(out).toContain('…');
  });

  it('compact tables have no separator between body rows', () => {
    expect(renderTable(['a'], [['1'], ['2']], { compact: true }).split('\n')).toEqual([
      '┌───┐',
      '│ a │',
      '├───┤',
      '│ 1 │',
      '│ 2 │',
      '└───┘',
    ]);
  });
});

describe('wrapText', () => {
  it.each([
    ['a b c', 3, 'a b\nc'],
    ['network-policy/platform/database.yaml', 16, 'network-policy/\nplatform/\ndatabase.yaml'],
    ['xxxxxxxxxxxx', 5, 'xxxxx\nxxxxx\nxx'],
    ['keeps\nbreaks', 20, 'keeps\nbreaks'],
  ])('wraps %j at %i', (text, width, expected) => {
    expect(wrapText(text, width)).toBe(expected);
  });
});
