import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { systemOverview } from '../../../src/workflows/analysis/system-overview.js';
import { useRepo } from '../../helpers/use-repo.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');

describe('systemOverview', () => {
  it('groups the example namespaces by profile, platform namespaces apart, with grants and the catalogue', async () => {
    const loaded = await loadForAnalysis({ root: HOMELAB });
    const s = systemOverview(loaded, await lintRepo(loaded));
    expect(s.domain).toBe('network-policy.homelab');
    expect(s.profiles.map((p) => [p.name, p.namespaces.map((n) => n.name)])).toEqual([
      ['internal', ['dashboard', 'wiki']],
      ['internal-egress', ['billing']],
      ['isolated', ['batch-worker']],
      ['standard', ['docs', 'web']],
    ]);
    expect(s.unprofiled).toEqual([]);
    expect(s.platform.map((n) => n.name)).toEqual([
      'cache',
      'database',
      'garage',
      'istio-gateway',
      'istio-system',
      'kube-system',
      'monitoring',
    ]);
    expect(s.profiles[1]?.namespaces[0]).toMatchObject({
      name: 'billing',
      file: 'namespaces/billing.yaml',
      grants: ['dragonfly', 'postgres'],
      escapeHatch: false,
      findings: [],
    });
    expect(s.grants.map((g) => [g.name, g.resources])).toEqual([
      ['dragonfly', [{ peer: 'cache', ports: ['6379/TCP'] }]],
      ['garage-s3', [{ peer: 'garage', ports: ['3900/TCP'] }]],
      ['kube-api', []],
      ['postgres', [{ peer: 'database', ports: ['5432/TCP'] }]],
    ]);
    expect(s.escapeHatch).toMatchObject({
      label: 'network-policy.homelab/enforcement',
      value: 'disabled',
      disabledIn: [],
      policies: [
        { name: 'baseline-escape-hatch', file: 'network-policy/baselines/escape-hatch.yaml', line: 15 },
      ],
    });
    expect([s.errorCount, s.warningCount, s.policiesWithFindings, s.otherFindings]).toEqual([0, 0, [], []]);
  });

  it('places a finding in the namespace manifest that holds it and shows the escape hatch on', async () => {
    const repo = useRepo({});
    fs.cpSync(HOMELAB, repo.root, { recursive: true });
    repo.write(
      'namespaces/wiki.yaml',
      repo
        .read('namespaces/wiki.yaml')
        .replace(
          '    istio.io/dataplane-mode: ambient',
          '    istio.io/dataplane-mode: ambient\n    network-policy.homelab/enforcement: disabled',
        ),
    );
    const loaded = await loadForAnalysis({ root: repo.root });
    const s = systemOverview(loaded, await lintRepo(loaded));
    expect(s.escapeHatch?.disabledIn).toEqual(['wiki']);
    const wiki = s.profiles.find((p) => p.name === 'internal')?.namespaces.find((n) => n.name === 'wiki');
    expect(wiki?.escapeHatch).toBe(true);
    expect(wiki?.findings.map((f) => [f.ruleId, f.source.file, f.source.line])).toEqual([
      ['enforcement-disabled-in-git', 'namespaces/wiki.yaml', 13],
    ]);
  });
});
