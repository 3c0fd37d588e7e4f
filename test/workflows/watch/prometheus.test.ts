/**
 * A real Prometheus server (Debian's `prometheus`, started here on 127.0.0.1 with a temporary configuration and
 * data directory, stopped after) scrapes `netpol watch` every second while an in-process Relay replays the drops
 * fixture; the counters are read back through Prometheus' HTTP query API, so the metric names, types and labels
 * are what a real scraper stores. Skipped with one line without the tool (test/helpers/system-tool.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWatch, type WatchHandle } from '../../../src/workflows/watch/watch.js';
import { homelabFiles } from '../../helpers/homelab.js';
import { describeWithTools } from '../../helpers/system-tool.js';
import { type FakeRelay, startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { eventually, fixtureFlows, memoryLog } from './helpers.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeWithTools(['prometheus'], 'netpol watch scraped by a real Prometheus', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-prometheus-'));
  let relay: FakeRelay;
  let watch: WatchHandle;
  let prometheus: ChildProcess;
  let promPort: number;
  let promLog = '';

  beforeAll(async () => {
    const flows = fixtureFlows('homelab-drops.jsonl');
    relay = await startFakeRelay({ flows, nodeStatus: true });
    const repoDir = path.join(dir, 'repo');
    for (const [file, text] of Object.entries(homelabFiles())) {
      fs.mkdirSync(path.dirname(path.join(repoDir, file)), { recursive: true });
      fs.writeFileSync(path.join(repoDir, file), text);
    }
    watch = await startWatch({
      root: repoDir,
      relay: { server: relay.address },
      listen: { host: '127.0.0.1', port: 0 },
      pollIntervalMs: 1000,
      processMetrics: false,
      log: memoryLog().log,
    });
    promPort = await freePort();
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: netpol-watch',
        '    static_configs:',
        `      - targets: ["127.0.0.1:${watch.port}"]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.on('data', (d) => {
      promLog += String(d);
    });
    await eventually(
      'Prometheus ready',
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
    );
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await watch?.stop();
    await relay?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The value of an instant query with one result, or undefined while Prometheus has none. */
  async function query(expr: string): Promise<number | undefined> {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
    expect(body.status).toBe('success');
    const [first] = body.data.result;
    return first === undefined ? undefined : Number(first.value[1]);
  }

  it('stores the drop counters with their labels, and sees them grow', async () => {
    await eventually(
      '14 drops in Prometheus',
      async () => (await query('sum(netpol_policy_drops_total)')) === 14,
      30_000,
    );
    expect(
      await query(
        'netpol_policy_drops_total{job="netpol-watch",source_namespace="web",destination_namespace="database",direction="egress",port="5432",protocol="TCP",cause="missing-access-grant",fix="web: access.network-policy.homelab/postgres=true"}',
      ),
    ).toBe(4);
    expect(await query('count(netpol_policy_drops_total)')).toBe(9);
    expect(await query('netpol_flows_seen_total')).toBe(16);
    expect(await query('netpol_relay_connected')).toBe(1);
    expect(await query('netpol_repository_load_errors')).toBe(0);
    expect(await query('count(netpol_repository_info == 1)')).toBe(1);
    expect(await query('netpol_policy_drops_overflow_total')).toBe(0);

    const later = fixtureFlows('homelab-drops.jsonl').find(
      (f) => f.source?.namespace === 'web' && f.l4?.TCP?.destination_port === 5432,
    );
    if (!later) throw new Error('fixture lacks the web → postgres drop');
    relay.push({ ...later, time: '2024-06-03T10:00:00Z', uuid: 'later' });
    await eventually(
      '15 drops in Prometheus',
      async () => (await query('sum(netpol_policy_drops_total{source_namespace="web"})')) === 5,
      30_000,
    );
    expect(promLog).not.toContain('level=error');
  }, 60_000);
});
