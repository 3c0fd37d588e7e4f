/**
 * `netpol watch --record`: the traffic summary (TrafficRecorder) deduplicates flows with counts and first/last
 * seen, rotates by size, and `netpol discover` reads it with the same result as the capture it summarises.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlowLine } from '../../../src/hubble/parse-flow.js';
import { type LoadedRepo, loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { discoverNamespace } from '../../../src/workflows/flows/discover.js';
import { TrafficRecorder } from '../../../src/workflows/watch/record.js';
import { startWatch } from '../../../src/workflows/watch/watch.js';
import { HOMELAB_ROOT, homelabFiles } from '../../helpers/homelab.js';
import { useRepo } from '../../helpers/use-repo.js';
import { startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';
import { eventually, fixtureFlows, memoryLog } from './helpers.js';

let loaded: LoadedRepo;
beforeAll(async () => {
  loaded = await loadForAnalysis({ root: HOMELAB_ROOT });
});

const SHOP = 'homelab-discover-shop.jsonl';

describe('TrafficRecorder', () => {
  it('keeps one line per kind of flow, with its count and first and last time, that discover reads', async () => {
    const repo = useRepo({});
    const file = repo.path('traffic.jsonl');
    const flows = fixtureFlows(SHOP);
    const recorder = new TrafficRecorder({ file });
    // Every flow twice: counts double, the times stay those of the capture.
    for (const flow of [...flows, ...flows]) recorder.add(flow);
    expect(recorder.flush()).toMatchObject({ rotated: false });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(recorder.size);
    expect(lines.length).toBeLessThan(flows.length);
    const parsed = lines.map((l, i) => parseFlowLine(l, i + 1, file));
    expect(parsed.every((p) => p.kind === 'flow' && p.summary !== undefined)).toBe(true);
    const total = parsed.reduce((n, p) => n + (p.kind === 'flow' ? (p.summary?.count ?? 0) : 0), 0);
    expect(total).toBe(flows.length * 2);

    const fromCapture = await discoverNamespace(loaded, {
      namespace: 'shop',
      input: { kind: 'file', path: flowFixture(SHOP) },
    });
    const fromRecord = await discoverNamespace(loaded, {
      namespace: 'shop',
      input: { kind: 'file', path: file },
    });
    expect(fromRecord.labels).toEqual(fromCapture.labels);
    expect(fromRecord.recommended).toEqual(fromCapture.recommended);
    const shape = (r: typeof fromCapture, factor: number) =>
      r.flows
        .map((f) => ({ ...f, count: f.count * factor }))
        .sort(
          (a, b) =>
            a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination) || a.port - b.port,
        );
    expect(shape(fromRecord, 1)).toEqual(shape(fromCapture, 2));
  });

  it('rotates the file beyond maxBytes, keeping `keep` old summaries, and starts over', () => {
    const repo = useRepo({});
    const file = repo.path('traffic.jsonl');
    const recorder = new TrafficRecorder({ file, maxBytes: 1000, keep: 2 });
    const flows = fixtureFlows(SHOP);
    for (let round = 1; round <= 3; round++) {
      for (const flow of flows) recorder.add(flow);
      const flushed = recorder.flush();
      expect(flushed.rotated).toBe(true);
      expect(recorder.size).toBe(0);
      expect(fs.readFileSync(file, 'utf8')).toBe('');
    }
    expect(fs.existsSync(`${file}.1`)).toBe(true);
    expect(fs.existsSync(`${file}.2`)).toBe(true);
    expect(fs.existsSync(`${file}.3`)).toBe(false);
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe(fs.readFileSync(`${file}.2`, 'utf8'));
  });

  it('counts flows beyond maxEntries instead of keeping them', () => {
    const repo = useRepo({});
    const recorder = new TrafficRecorder({ file: repo.path('t.jsonl'), maxEntries: 2 });
    const flows = fixtureFlows(SHOP);
    for (const flow of flows) recorder.add(flow);
    expect(recorder.size).toBe(2);
    expect(recorder.overflow).toBeGreaterThan(0);
  });
});

describe('startWatch with record', () => {
  it('follows every flow (no server-side filter) and writes the summary when it stops', async () => {
    const relay = await startFakeRelay({ flows: fixtureFlows(SHOP), nodeStatus: true });
    const repo = useRepo(homelabFiles());
    const file = path.join(repo.root, 'traffic.jsonl');
    const watch = await startWatch({
      root: repo.root,
      relay: { server: relay.address },
      listen: { host: '127.0.0.1', port: 0 },
      allFlows: true,
      record: { file, intervalMs: 60_000 },
      processMetrics: false,
      log: memoryLog().log,
    });
    try {
      await eventually('every flow', async () => {
        const text = await (await fetch(`http://127.0.0.1:${watch.port}/metrics`)).text();
        return text.includes(`netpol_flows_seen_total ${fixtureFlows(SHOP).length}\n`);
      });
    } finally {
      await watch.stop();
      await relay.close();
    }
    expect(relay.requests[0]?.whitelist ?? []).toEqual([]);
    const total = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l, i) => parseFlowLine(l, i + 1))
      .reduce((n, p) => n + (p.kind === 'flow' ? (p.summary?.count ?? 0) : 0), 0);
    expect(total).toBe(fixtureFlows(SHOP).length);
  });
});
