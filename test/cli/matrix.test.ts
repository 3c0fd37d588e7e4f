import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('netpol matrix', () => {
  it('prints a JSON matrix whose cells follow the profiles and grants', async () => {
    const r = await runCli(['matrix', '-R', 'examples/homelab', '-o', 'json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.columns.map((c: { id: string }) => c.id)).toEqual([
      'dns',
      'world-443',
      'world-80',
      'gateway-internal',
      'gateway-external',
      'grant-postgres',
      'grant-dragonfly',
      'grant-garage-s3',
      'kube-apiserver',
      'scrape-prometheus',
      'app-namespace',
    ]);
    const row = (ns: string) => m.rows.find((x: { namespace: string }) => x.namespace === ns);
    expect(row('billing')).toEqual({
      namespace: 'billing',
      profile: 'internal-egress',
      grants: ['dragonfly', 'postgres'],
      platform: false,
      cells: {
        dns: 'allowed',
        'world-443': 'allowed',
        'world-80': 'denied',
        'gateway-internal': 'allowed',
        'gateway-external': 'denied',
        'grant-postgres': 'allowed',
        'grant-dragonfly': 'allowed',
        'grant-garage-s3': 'denied',
        'kube-apiserver': 'denied',
        'scrape-prometheus': 'allowed',
        'app-namespace': 'denied',
      },
    });
    expect(row('batch-worker').cells).toMatchObject({ 'gateway-internal': 'denied', 'world-443': 'denied' });
    expect(row('database')).toMatchObject({ platform: true, profile: null });
  });

  it('prints a table with a legend', async () => {
    const r = await runCli(['matrix', '-R', 'examples/homelab']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '│ billing       │ internal-egress │ dragonfly,postgres  │ ✓   │ ✓         │ ✗',
    );
    expect(r.stdout).toContain('postgres       ⇢ egress   postgres: database:5432/TCP');
  });
});
