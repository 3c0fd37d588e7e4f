import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { whatIf } from '../../../src/workflows/analysis/what-if.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
let loaded: LoadedRepo;
beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB });
});

describe('whatIf', () => {
  it('giving web the postgres grant opens exactly web → database:5432, with the label patch', async () => {
    const r = await whatIf(loaded, { namespace: 'web', grants: ['dragonfly', 'garage-s3', 'postgres'] });
    expect(r.opened.map((e) => e.id)).toEqual(['web|grant-postgres']);
    expect(r.opened[0]).toMatchObject({ source: 'web', target: 'database', label: '5432/TCP' });
    expect(r.closed).toEqual([]);
    expect(r.before).toEqual({ profile: 'standard', grants: ['dragonfly', 'garage-s3'] });
    expect(r.after).toEqual({ profile: 'standard', grants: ['dragonfly', 'garage-s3', 'postgres'] });
    expect(r.patch?.written).toBe(false);
    expect(r.patch?.diff).toBe(
      [
        '--- a/namespaces/web.yaml',
        '+++ b/namespaces/web.yaml',
        '@@ -10,3 +10,4 @@',
        '     network-policy.homelab/profile: standard',
        '     access.network-policy.homelab/dragonfly: "true"',
        '     access.network-policy.homelab/garage-s3: "true"',
        '+    access.network-policy.homelab/postgres: "true"',
        '',
      ].join('\n'),
    );
  });

  it('switching billing to isolated closes its internet egress and gateway ingress', async () => {
    const r = await whatIf(loaded, { namespace: 'billing', profile: 'isolated' });
    expect(r.opened).toEqual([]);
    expect(r.closed.map((e) => e.id)).toEqual(['billing|world-443', 'billing|gateway-internal']);
    expect(r.patch?.diff).toContain('+    network-policy.homelab/profile: isolated');
  });

  it('removing a grant closes its path; no change gives no patch', async () => {
    const r = await whatIf(loaded, { namespace: 'billing', grants: ['dragonfly'] });
    expect(r.closed.map((e) => e.id)).toEqual(['billing|grant-postgres']);
    const same = await whatIf(loaded, { namespace: 'web' });
    expect(same).toMatchObject({ opened: [], closed: [], patch: null });
  });

  it('a profile on a platform namespace is shown, and the patch is the refusal of namespace set', async () => {
    const r = await whatIf(loaded, { namespace: 'database', profile: 'standard' });
    expect(r.opened.map((e) => e.id)).toContain('database|world-443');
    expect(r.patch?.refusal?.message).toMatch(/platform namespace/);
  });

  it.each([
    [{ namespace: 'nope' }, /does not define namespace "nope"/],
    [{ namespace: 'web', profile: 'open' }, /Unknown profile "open"/],
    [{ namespace: 'web', grants: ['mysql'] }, /Unknown access grant "mysql"/],
  ])('refuses %j', async (req, message) => {
    await expect(whatIf(loaded, req)).rejects.toThrow(message);
  });
});
