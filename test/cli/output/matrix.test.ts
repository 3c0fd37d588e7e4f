import { describe, expect, it } from 'vitest';
import { formatMatrixText } from '../../../src/cli/output/matrix.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { computeMatrix } from '../../../src/workflows/analysis/matrix.js';
import { HOMELAB_ROOT } from '../../helpers/homelab.js';

const tableLines = (text: string) => text.split('\n').filter((l) => /^[┌│├└]/.test(l));

describe('formatMatrixText', () => {
  it('fits a 100- or 80-column terminal by numbering the verdict columns (titles in the legend)', async () => {
    const loaded = await loadForAnalysis({ root: HOMELAB_ROOT });
    const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    for (const width of [100, 80]) {
      const text = formatMatrixText(m, { width });
      expect(Math.max(...tableLines(text).map((l) => [...l].length))).toBeLessThanOrEqual(width);
      expect(tableLines(text)[1]).toMatch(/│ 1 │ 2 │ 3 │ .* │ 11 │$/);
      expect(text).toContain('\n   1  DNS            ⇢ egress   DNS kube-system:53/UDP\n');
    }
    // Wide enough for the titles: they stay in the header and the legend is not numbered.
    const wide = formatMatrixText(m, { width: 400 });
    expect(tableLines(wide)[1]).toContain('│ DNS │ world:443 │');
    expect(wide).toContain('\n  DNS            ⇢ egress   DNS kube-system:53/UDP\n');
    expect(formatMatrixText(m)).toBe(wide);
  });
});
