import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RUNBOOKS, renderRunbooks } from '../../../src/workflows/authoring/render-runbooks.js';
import { renderSystem } from '../../../src/workflows/authoring/render-system.js';
import { DEFAULT_SYSTEM_OPTIONS } from '../../../src/workflows/authoring/system-options.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/homelab');

describe('renderRunbooks', () => {
  it('writes the two runbooks the seed cross-references; examples/homelab carries them as rendered', () => {
    const files = renderRunbooks(DEFAULT_SYSTEM_OPTIONS);
    expect(files.map((f) => f.path)).toEqual([
      'docs/runbooks/network-policy-escape-hatch.md',
      'docs/runbooks/network-policy-verification.md',
    ]);
    for (const f of files) expect(fs.readFileSync(path.join(EXAMPLE, f.path), 'utf8')).toBe(f.text);
  });

  it('speaks of this system: its enforcement label, shared resources and namespaces, and netpol commands', () => {
    const [hatch, verification] = renderRunbooks({
      ...DEFAULT_SYSTEM_OPTIONS,
      domain: 'np.example',
      monitoringNamespace: 'obs',
    });
    expect(hatch?.text).toContain('`np.example/enforcement=disabled`');
    expect(hatch?.text).toContain('netpol escape-hatch disable <ns> --reason');
    expect(hatch?.text).toContain('netpol escape-hatch enable <ns>');
    expect(verification?.text).toContain(
      'hubble observe --namespace <ns> --to-namespace database --port 5432 --since 5m   # PostgreSQL (access.np.example/postgres)',
    );
    expect(verification?.text).toContain(
      'hubble observe --from-namespace obs --to-namespace <ns> --since 5m',
    );
    expect(verification?.text).toContain('netpol drift');
  });

  it("is where every escape-hatch alert's runbook_url points, in init's output and in the example", () => {
    const alerts = renderSystem(DEFAULT_SYSTEM_OPTIONS).find(
      (f) => f.path === 'network-policy/alerts/escape-hatch.yaml',
    );
    const example = fs.readFileSync(path.join(EXAMPLE, 'network-policy/alerts/escape-hatch.yaml'), 'utf8');
    for (const text of [alerts?.text ?? '', example]) {
      const rule = parse(text) as {
        spec: { groups: { rules: { annotations: { runbook_url: string } }[] }[] };
      };
      const urls = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.annotations.runbook_url));
      expect(urls).toEqual([RUNBOOKS.escapeHatch, RUNBOOKS.escapeHatch]);
    }
  });
});
