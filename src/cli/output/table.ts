import { MAX_ECHOED_CHARS, truncateValue } from '../../repo/truncate.js';

/** Narrowest a column is squeezed to when the table must fit a terminal, in characters. */
const MIN_COLUMN = 8;

/** Where text output goes: the terminal width to fit, or none (full output). */
export interface TextLayout {
  /** Terminal columns to fit. Default: none (`-o wide`, or stdout is not a terminal). */
  readonly width?: number;
  /** `-o wide`: no column wraps at its usual width either. Default: `false`. */
  readonly wide?: boolean;
}

/** How a table is laid out. */
export interface TableOptions {
  /**
   * Width to fit, in terminal columns: the widest columns are wrapped until the table fits (as far as
   * {@link MIN_COLUMN} allows). Default: none, every column as wide as its longest line (full output:
   * `-o wide`, or stdout is not a terminal).
   */
  readonly width?: number;
  /** Widest each column grows before its text wraps, even without `width` (content characters). Default: none. */
  readonly maxWidths?: readonly (number | undefined)[];
  /**
   * Narrowest each column is squeezed to when fitting `width` (content characters), for columns of short
   * values such as ✓/✗. Default: {@link MIN_COLUMN} (or the column's natural width when narrower).
   */
  readonly minWidths?: readonly (number | undefined)[];
  /** No separator line between body rows. Default: `false`. */
  readonly compact?: boolean;
}

/**
 * Renders a box-drawn table (`┌─┬─┐`, one space of padding) of multi-line cells. Every word longer than
 * {@link MAX_ECHOED_CHARS} is cut with an ellipsis, so a hostile value never makes a table wide or slow;
 * text wraps at spaces (or after `/`, `-`, `.`, `,` inside a long word) to the column's width.
 * Runs in time linear in the size of the cells.
 * @param head - Column titles.
 * @param rows - Cells, one array per row (missing cells are empty).
 * @param options - See {@link TableOptions}.
 * @returns The table, without a final newline.
 */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const clean = (cell: string | undefined): string[] =>
    (cell ?? '').split('\n').map((line) => line.split(' ').map(shortWord).join(' '));
  const all = [head, ...rows].map((row) => head.map((_, i) => clean(row[i])));
  const widths = head.map((_, i) => {
    const natural = Math.max(1, ...all.map((row) => Math.max(...(row[i] ?? ['']).map(textWidth))));
    const max = options.maxWidths?.[i];
    return max !== undefined ? Math.min(natural, max) : natural;
  });
  if (options.width !== undefined) fitWidths(widths, options.width, options.minWidths ?? []);
  const line = (l: string, m: string, r: string) => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`;
  const out: string[] = [line('┌', '┬', '┐')];
  all.forEach((row, r) => {
    const wrapped = row.map((lines, i) => wrapText(lines.join('\n'), widths[i] ?? 1).split('\n'));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let k = 0; k < height; k++) {
      out.push(`│${wrapped.map((w, i) => ` ${pad(w[k] ?? '', widths[i] ?? 1)} `).join('│')}│`);
    }
    const last = r === all.length - 1;
    if (!last && (r === 0 || !options.compact)) out.push(line('├', '┼', '┤'));
  });
  out.push(line('└', '┴', '┘'));
  return out.join('\n');
}

/** Narrows the widest columns one character at a time until the table fits `total` terminal columns. */
function fitWidths(widths: number[], total: number, minWidths: readonly (number | undefined)[]): void {
  const frame = widths.length * 3 + 1;
  const min = (i: number) => Math.max(1, minWidths[i] ?? MIN_COLUMN);
  for (;;) {
    const sum = widths.reduce((a, b) => a + b, 0);
    if (sum + frame <= total) return;
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if ((widths[i] ?? 0) > min(i) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) return;
    widths[widest] = (widths[widest] ?? MIN_COLUMN) - 1;
  }
}

/** The widest line of a rendered text, in terminal columns. */
export function renderedWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map(textWidth));
}

function shortWord(word: string): string {
  return word.length > MAX_ECHOED_CHARS ? truncateValue(word) : word;
}

/** Width of a line in terminal columns (one per code point: the tables hold no wide characters). */
function textWidth(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

/**
 * Wraps text to `width` columns at spaces; a word longer than a line is broken after a `/`, `-`, `.` or
 * `,` when it can be, else at the width, so paths and policy names are never cut off. Existing line
 * breaks are kept.
 * @param text - The text.
 * @param width - Columns per line (at least 1).
 * @returns The wrapped text.
 */
export function wrapText(text: string, width: number): string {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      let rest = word;
      while (rest.length > 0) {
        const sep = line === '' ? '' : ' ';
        if (textWidth(line) + sep.length + textWidth(rest) <= w) {
          line += sep + rest;
          rest = '';
        } else if (textWidth(rest) <= w) {
          lines.push(line);
          line = rest;
          rest = '';
        } else {
          const room = w - textWidth(line) - sep.length;
          if (room < Math.min(8, w)) {
            // Too little room left on this line: start the long word on a fresh one.
            lines.push(line);
            line = '';
            continue;
          }
          const chars = [...rest];
          let cut = -1;
          for (let i = room; i > 0; i--) {
            if ('/-.,'.includes(chars[i - 1] ?? '')) {
              cut = i;
              break;
            }
          }
          if (cut <= 0) cut = room;
          line += sep + chars.slice(0, cut).join('');
          lines.push(line);
          line = '';
          rest = chars.slice(cut).join('');
        }
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}
