/**
 * `netpol watch` as deployed: the built CLI (bin/netpol.js, which runs dist/ — `npm ci` and `npm run build` make it)
 * in its own process against an in-process Relay; it logs JSON lines and ends within 5 s of SIGTERM with exit
 * code 0. Flag errors are checked in-process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { HOMELAB_ROOT, homelabFiles } from '../helpers/homelab.js';
import { type LiveCluster, startLiveCluster } from '../helpers/live-cluster.js';
import { useRepo } from '../helpers/use-repo.js';
import { type FakeRelay, startFakeRelay } from '../hubble/helpers/fake-relay.js';
import { eventually, fixtureFlows, get } from '../workflows/watch/helpers.js';

const children: ChildProcess[] = [];
const relays: FakeRelay[] = [];
const clusters: LiveCluster[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(relays.splice(0).map((r) => r.close()));
  await Promise.all(clusters.splice(0).map((c) => c.close()));
});

/**
 * Runs `bin/netpol.js watch -R ROOT --server RELAY --listen 127.0.0.1:0 …extra` in its own process; its JSON log
 * lines, stderr and exit code.
 */
function spawnWatch(root: string, relay: string, extra: string[] = []) {
  const args = ['watch', '-R', root, '--server', relay, '--listen', '127.0.0.1:0', ...extra];
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/netpol.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) =>
    lines.push(JSON.parse(l)),
  );
  const output = { lines, stderr: '' };
  child.stderr?.on('data', (d) => {
    output.stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

describe('netpol watch', () => {
  it('logs JSON lines, serves while running, and stops within 5 s of SIGTERM with exit code 0', async () => {
    const relay = await startFakeRelay({ flows: fixtureFlows('homelab-drops.jsonl'), nodeStatus: true });
    relays.push(relay);
    const repo = useRepo(homelabFiles());
    const { child, output, exited } = spawnWatch(repo.root, relay.address);
    const lines = output.lines;

    const listening = await eventually(
      'watch.listening',
      () => lines.find((l) => l.event === 'watch.listening'),
      20_000,
    );
    const port = listening.port as number;
    await eventually(
      '9 drop groups',
      () => lines.filter((l) => l.event === 'drop.new-group').length === 9,
      20_000,
    );
    expect((await get(port, '/readyz')).status).toBe(200);

    const start = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - start).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(output.stderr).toBe('');
    expect(lines.at(-1)).toMatchObject({ level: 'info', event: 'watch.stopped' });
    for (const l of lines) expect(Object.keys(l).slice(0, 4)).toEqual(['time', 'level', 'event', 'msg']);
  }, 30_000);

  it('stops within 5 s of SIGTERM while a request to the API server hangs (--kubeconfig)', async () => {
    const relay = await startFakeRelay({ flows: [], nodeStatus: true });
    relays.push(relay);
    const cluster = await startLiveCluster(HOMELAB_ROOT);
    clusters.push(cluster);
    cluster.api.hook = () => ({ delayMs: 20_000 });
    const repo = useRepo(homelabFiles());
    const w = spawnWatch(repo.root, relay.address, ['--kubeconfig', cluster.kubeconfig]);
    await eventually('a request to the API server', () => cluster.api.requests.length > 0, 20_000);
    await eventually('ready', () => w.output.lines.some((l) => l.event === 'relay.connected'), 20_000);
    const start = Date.now();
    w.child.kill('SIGTERM');
    const code = await w.exited;
    expect(Date.now() - start).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(w.output.stderr).toBe('');
    expect(w.output.lines.at(-1)).toMatchObject({ level: 'info', event: 'watch.stopped', msg: 'Stopped.' });
    expect(w.output.lines.some((l) => l.event === 'cluster.failed')).toBe(false);
  }, 30_000);

  it('refuses -f and a bad --listen with exit code 2', async () => {
    const f = await runCli(['watch', '-f', 'x.yaml']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('-f/--filename cannot be combined');
    const listen = await runCli(['watch', '--listen', 'nope']);
    expect(listen.code).toBe(2);
    expect(listen.stderr).toContain('"nope" is not HOST:PORT');
  });
});
