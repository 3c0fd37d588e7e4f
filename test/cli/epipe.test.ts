/**
 * A reader that leaves early (`netpol … | head -1`) must not change the exit code: the built CLI (bin/netpol.js,
 * which runs dist/ — `npm ci` and `npm run build` make it) in its own process, its stdout closed after the first
 * chunk, exits with the code the command has, quietly (fresh-user report: it exited 0).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

/** Runs `bin/netpol.js ARGS`, closes its stdout after the first chunk; its exit code, stderr and bytes read. */
function runClosingStdout(args: string[]): Promise<{ code: number | null; stderr: string; read: number }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/netpol.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let read = 0;
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  child.stdout.once('data', (d: Buffer) => {
    read = d.length;
    child.stdout.destroy();
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, read })));
}

const HOMELAB = path.join(PROJECT_ROOT, 'examples/homelab');

describe('a closed stdout (EPIPE)', () => {
  it('trace --batch keeps the exit code 2 of a bad line after the reader left', async () => {
    // 20,000 result lines (about 2 MB, far more than a pipe holds), then a bad line.
    const repo = useRepo({
      'flows.txt': `${'billing database 5432\n'.repeat(20_000)}billing nowhere\n`,
    });
    const r = await runClosingStdout(['trace', '--batch', repo.path('flows.txt'), '-R', HOMELAB]);
    expect(r.read).toBeGreaterThan(0);
    expect(r.read).toBeLessThan(1_000_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
  });

  it('lint keeps the exit code 1 of its findings after the reader left', async () => {
    const policies = Array.from(
      { length: 1500 },
      (_, i) => yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: { name: p${i}, namespace: web }
        spec:
          endpointSelector: {}
          ingress:
            - fromEntities: [wrld]
      `,
    ).join('---\n');
    const repo = useRepo({
      'ns.yaml': yaml`
        apiVersion: v1
        kind: Namespace
        metadata: { name: web }
      `,
      'policies.yaml': policies,
    });
    const r = await runClosingStdout(['lint', '-R', repo.root]);
    expect(r.read).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});
