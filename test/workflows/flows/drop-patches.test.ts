import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { type DropFixJson, dropLabelPatches } from '../../../src/workflows/flows/drop-patches.js';
import { HOMELAB_ROOT } from '../../helpers/homelab.js';

const grant = (namespace: string, name: string): { fix: DropFixJson } => ({
  fix: { kind: 'add-label', namespace, label: `access.network-policy.homelab/${name}` },
});
const profile = (namespace: string, to: string): { fix: DropFixJson } => ({
  fix: { kind: 'set-profile', namespace, to },
});

describe('dropLabelPatches (the label fixes of netpol watch drops as patches)', () => {
  let loaded: LoadedRepo;
  beforeAll(async () => {
    loaded = await loadForAnalysis({ root: HOMELAB_ROOT });
  });

  it('merges the fixes of one namespace into one what-if: every grant asked, with its current ones', async () => {
    const r = await dropLabelPatches(loaded, [
      grant('docs', 'postgres'),
      grant('docs', 'dragonfly'),
      grant('docs', 'postgres'),
      { fix: null },
      { fix: { kind: 'policy-change', namespace: 'monitoring' } },
    ]);
    expect(r.refused).toEqual([]);
    expect(r.patches.map((p) => [p.namespace, p.groups, p.profile, p.grants])).toEqual([
      ['docs', 3, 'standard', ['dragonfly', 'postgres']],
    ]);
    expect(r.patches[0]?.whatIf.patch?.diff).toBe(
      [
        '--- a/namespaces/docs.yaml',
        '+++ b/namespaces/docs.yaml',
        '@@ -6,3 +6,5 @@',
        '   name: docs',
        '   labels:',
        '     network-policy.homelab/profile: standard',
        '+    access.network-policy.homelab/dragonfly: "true"',
        '+    access.network-policy.homelab/postgres: "true"',
        '',
      ].join('\n'),
    );
    expect(r.patches[0]?.whatIf.opened.map((e) => e.id)).toEqual([
      'docs|grant-postgres',
      'docs|grant-dragonfly',
    ]);
  });

  // biome-ignore format: one case per line reads as a table
  it.each([
    ['a namespace the repository lacks', [grant('nope', 'postgres')], 'namespace nope is not defined in the repository'],
    ['two profiles for one namespace', [profile('wiki', 'internal-egress'), profile('wiki', 'standard')], 'the drops ask for different profiles (internal-egress, standard); run netpol drops --fix on a capture to pick one'],
    ['a label no grant uses', [grant('docs', 'redis')], 'no access grant of the repository uses the label access.network-policy.homelab/redis'],
    ['a profile the repository lacks', [profile('docs', 'open')], 'Unknown profile "open".'],
  ])('refuses %s', async (_, groups, reason) => {
    const r = await dropLabelPatches(loaded, groups);
    expect(r).toEqual({ patches: [], refused: [{ namespace: groups[0]?.fix.namespace, reason }] });
  });
});
