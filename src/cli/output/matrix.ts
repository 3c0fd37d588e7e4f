import type { MatrixResult } from '../../workflows/analysis/matrix.js';
import { renderedWidth, renderTable, type TextLayout } from './table.js';

/**
 * The matrix as a terminal table: ✓ allowed, ✗ denied, one row per namespace; fitted to `layout.width`. When the
 * column titles do not fit, the verdict columns are numbered (their titles in the legend below), as narrow
 * terminals need: every verdict column then takes 2–3 characters.
 */
export function formatMatrixText(m: MatrixResult, layout: TextLayout = {}): string {
  const named = matrixTable(m, layout, false);
  const numbered = layout.width !== undefined && renderedWidth(named) > layout.width;
  const table = numbered ? matrixTable(m, layout, true) : named;
  const legend = m.columns.map(
    (c, i) =>
      `  ${numbered ? `${String(i + 1).padStart(2)}  ` : ''}${c.short.padEnd(14)} ${c.direction === 'ingress' ? '⇠ ingress' : '⇢ egress '}  ${c.title}`,
  );
  return `${table}\n✓ allowed  ✗ denied  (a pod of the row's namespace with no pod labels)\n${legend.join('\n')}\n`;
}

function matrixTable(m: MatrixResult, layout: TextLayout, numbered: boolean): string {
  return renderTable(
    ['namespace', 'profile', 'grants', ...m.columns.map((c, i) => (numbered ? String(i + 1) : c.short))],
    m.rows.map((r) => [
      r.namespace,
      r.platform ? '(platform)' : (r.profile ?? '—'),
      r.grants.join(',') || '—',
      ...m.columns.map((c) => {
        const v = r.cells[c.id];
        return v === 'allowed' ? '✓' : v === 'denied' ? '✗' : '';
      }),
    ]),
    {
      compact: true,
      ...(layout.width !== undefined ? { width: layout.width } : {}),
      ...(numbered ? { minWidths: [undefined, undefined, undefined, ...m.columns.map(() => 2)] } : {}),
    },
  );
}

/** The matrix as JSON: `{ columns, rows: [{ namespace, profile, grants, cells }] }`. */
export function matrixJson(m: MatrixResult) {
  return {
    columns: m.columns.map((c) => ({
      id: c.id,
      title: c.title,
      short: c.short,
      direction: c.direction,
      port: c.port,
      protocol: c.protocol,
    })),
    rows: m.rows.map((r) => ({
      namespace: r.namespace,
      profile: r.profile,
      grants: r.grants,
      platform: r.platform,
      cells: r.cells,
    })),
  };
}
