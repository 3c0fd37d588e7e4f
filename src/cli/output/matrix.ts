import type { MatrixResult } from '../../workflows/analysis/matrix.js';
import { renderTable, type TextLayout } from './table.js';

/** The matrix as a terminal table: ✓ allowed, ✗ denied, one row per namespace; fitted to `layout.width`. */
export function formatMatrixText(m: MatrixResult, layout: TextLayout = {}): string {
  const table = renderTable(
    ['namespace', 'profile', 'grants', ...m.columns.map((c) => c.short)],
    m.rows.map((r) => [
      r.namespace,
      r.platform ? '(platform)' : (r.profile ?? '—'),
      r.grants.join(',') || '—',
      ...m.columns.map((c) => {
        const v = r.cells[c.id];
        return v === 'allowed' ? '✓' : v === 'denied' ? '✗' : '';
      }),
    ]),
    { compact: true, ...(layout.width !== undefined ? { width: layout.width } : {}) },
  );
  const legend = m.columns.map(
    (c) => `  ${c.short.padEnd(14)} ${c.direction === 'ingress' ? '⇠ ingress' : '⇢ egress '}  ${c.title}`,
  );
  return `${table}\n✓ allowed  ✗ denied  (a pod of the row's namespace with no pod labels)\n${legend.join('\n')}\n`;
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
