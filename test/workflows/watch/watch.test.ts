/**
 * `startWatch` against an in-process Hubble Relay (a real grpc-js server on 127.0.0.1 speaking netpol's protos,
 * test/hubble/helpers/fake-relay.ts) replaying test/fixtures/flows/homelab-drops.jsonl, with the repository in a
 * temporary copy of examples/homelab that the tests edit while the stream runs.
 */
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubbleFlow } from '../../../src/hubble/types.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { findDrops } from '../../../src/workflows/flows/drops.js';
import { dropsJson } from '../../../src/workflows/flows/drops-json.js';
import { TrafficRecorder } from '../../../src/workflows/watch/record.js';
import { startWatch, type WatchHandle, type WatchOptions } from '../../../src/workflows/watch/watch.js';
import { HOMELAB_ROOT, homelabFiles } from '../../helpers/homelab.js';
import { type TempRepo, useRepo } from '../../helpers/use-repo.js';
import { type FakeRelay, startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { flowFixture } from '../../hubble/helpers/fixtures.js';
import { eventually, fixtureFlows, get, memoryLog, sample, testWatchOptions } from './helpers.js';

const FLOWS = fixtureFlows('homelab-drops.jsonl');
let expected: ReturnType<typeof dropsJson>;

beforeAll(async () => {
  const loaded = await loadForAnalysis({ root: HOMELAB_ROOT });
  expected = dropsJson(
    await findDrops(loaded, { input: { kind: 'file', path: flowFixture('homelab-drops.jsonl') } }),
  );
});

const cleanups: (() => Promise<void> | void)[] = [];

/** A port of 127.0.0.1 nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function relayOf(options: Partial<Parameters<typeof startFakeRelay>[0]> = {}): Promise<FakeRelay> {
  const relay = await startFakeRelay({ flows: FLOWS, nodeStatus: true, ...options });
  cleanups.push(() => relay.close());
  return relay;
}

async function watchOf(
  repo: TempRepo,
  relay: FakeRelay,
  extra: Partial<WatchOptions> = {},
): Promise<{ watch: WatchHandle; logs: ReturnType<typeof memoryLog> }> {
  const logs = memoryLog();
  const watch = await startWatch({ ...testWatchOptions(repo.root, relay.address, logs.log), ...extra });
  cleanups.push(() => watch.stop());
  return { watch, logs };
}

async function drops(watch: WatchHandle) {
  const r = await get(watch.port, '/drops');
  return { status: r.status, revision: r.headers.get('x-netpol-revision'), body: JSON.parse(r.text) };
}

async function metrics(watch: WatchHandle): Promise<string> {
  return (await get(watch.port, '/metrics')).text;
}

const WEB_POSTGRES =
  'netpol_policy_drops_total{source_namespace="web",destination_namespace="database",direction="egress",port="5432",protocol="TCP",cause="missing-access-grant",fix="web: access.network-policy.homelab/postgres=true"}';

/** A later copy of the fixture's first web → postgres drop. */
function laterWebDrop(time: string): HubbleFlow {
  const first = FLOWS.find((f) => f.source?.namespace === 'web' && f.l4?.TCP?.destination_port === 5432);
  if (!first) throw new Error('fixture lacks the web → postgres drop');
  return { ...first, time, uuid: `later-${time}` };
}

describe('startWatch', () => {
  it('diagnoses what the Relay replays exactly as netpol drops does, across a connection dropped midway', async () => {
    const relay = await relayOf({ failures: [{ connection: 1, afterFlows: 7 }] });
    const repo = useRepo(homelabFiles());
    const { watch, logs } = await watchOf(repo, relay);

    const report = await eventually('14 policy drops', async () => {
      const d = await drops(watch);
      return d.body.policyDrops === 14 && d;
    });
    expect(report.status).toBe(200);
    expect(report.body.groups).toEqual(expected.groups);
    expect(report.body.source).toBe(`Hubble Relay at ${relay.address}`);
    expect(report.revision).toMatch(/^sha256:[0-9a-f]{12}$/);
    // The server-side filter asked for drops only; the second request resumed where the first stopped.
    expect(relay.requests.map((r) => r.whitelist)).toEqual([
      [{ verdict: ['DROPPED'] }],
      [{ verdict: ['DROPPED'] }],
    ]);
    expect(relay.requests[1]?.since).toBeDefined();

    const text = await metrics(watch);
    expect(sample(text, WEB_POSTGRES)).toBe(4);
    expect(sample(text, 'netpol_flows_seen_total')).toBe(16);
    expect(sample(text, 'netpol_relay_reconnects_total')).toBe(1);
    expect(sample(text, 'netpol_relay_connected')).toBe(1);
    expect(sample(text, 'netpol_policy_drop_groups')).toBe(9);
    expect(sample(text, 'netpol_policy_drops_overflow_total')).toBe(0);
    expect(sample(text, `netpol_repository_info{revision="${report.revision}"}`)).toBe(1);
    expect(sample(text, 'netpol_repository_load_errors')).toBe(0);
    expect(sample(text, 'netpol_repository_loads_total{result="ok"}')).toBe(1);

    const newGroups = logs.entries.filter((e) => e.event === 'drop.new-group');
    expect(newGroups).toHaveLength(9);
    expect(newGroups[0]).toMatchObject({
      level: 'warn',
      labels: {
        source_namespace: 'web',
        destination_namespace: 'database',
        port: '5432',
        cause: 'missing-access-grant',
      },
      fixText:
        'add label access.network-policy.homelab/postgres: "true" to namespace web (newly allows: postgres: database:5432/TCP)',
    });
    expect(logs.events()).toContain('relay.lost');
    expect((await get(watch.port, '/readyz')).status).toBe(200);
    expect(await get(watch.port, '/healthz')).toMatchObject({ status: 200, text: 'ok\n' });
    expect((await get(watch.port, '/nothing')).status).toBe(404);
  });

  it('reports a lost Relay (readyz 503, connected 0) and counts new drops once it is back', async () => {
    const relay = await relayOf();
    const repo = useRepo(homelabFiles());
    const { watch, logs } = await watchOf(repo, relay);
    await eventually('ready', () => watch.ready());
    await eventually('14 drops', async () => (await drops(watch)).body.policyDrops === 14);

    relay.kill();
    await eventually('readyz 503', async () => (await get(watch.port, '/readyz')).status === 503);
    expect(sample(await metrics(watch), 'netpol_relay_connected')).toBe(0);
    expect(JSON.parse((await get(watch.port, '/readyz')).text)).toMatchObject({
      ready: false,
      relayConnected: false,
    });

    await relay.start();
    await eventually('ready again', () => watch.ready());
    await relay.waitForFollowers(1);
    relay.push(laterWebDrop('2024-06-03T10:00:00Z'));
    await eventually('15 drops', async () => (await drops(watch)).body.policyDrops === 15);
    const text = await metrics(watch);
    expect(sample(text, WEB_POSTGRES)).toBe(5);
    expect(sample(text, 'netpol_relay_connected')).toBe(1);
    expect(sample(text, 'netpol_relay_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(logs.events().filter((e) => e === 'relay.connected').length).toBeGreaterThanOrEqual(2);
  });

  it('says in its first log line that it follows the default Relay when none is given', async () => {
    const repo = useRepo(homelabFiles());
    const logs = memoryLog();
    const { server: _, ...rest } = testWatchOptions(repo.root, 'unused:1', logs.log).relay ?? {};
    const watch = await startWatch({
      ...testWatchOptions(repo.root, 'unused:1', logs.log),
      relay: rest,
      retry: { initialMs: 10_000, maxMs: 10_000 },
    });
    cleanups.push(() => watch.stop());
    expect(logs.entries[0]).toMatchObject({
      level: 'info',
      event: 'relay.default',
      msg: "No Relay address given: following Hubble Relay at localhost:4245 (hubble's default, e.g. a port-forward).",
      server: 'localhost:4245',
    });
    expect(logs.events()[1]).toBe('watch.listening');
  });

  it("says why a Relay is unreachable without grpc-js's empty resolution note", async () => {
    const port = await closedPort();
    const repo = useRepo(homelabFiles());
    const logs = memoryLog();
    const watch = await startWatch({
      ...testWatchOptions(repo.root, `127.0.0.1:${port}`, logs.log),
      retry: { initialMs: 10_000, maxMs: 10_000 },
    });
    cleanups.push(() => watch.stop());
    await eventually('relay.lost', () => logs.events().includes('relay.lost'));
    expect(logs.entries.find((e) => e.event === 'relay.lost')?.msg).toBe(
      `Lost Hubble Relay at 127.0.0.1:${port} (No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:${port}); retrying in 10000 ms.`,
    );
  });

  it('picks up a repository change mid-stream: new revision, groups diagnosed again', async () => {
    const relay = await relayOf();
    const repo = useRepo(homelabFiles());
    const { watch, logs } = await watchOf(repo, relay);
    const before = await eventually('14 drops', async () => {
      const d = await drops(watch);
      return d.body.policyDrops === 14 && d;
    });

    repo.write(
      'namespaces/web.yaml',
      `${repo.read('namespaces/web.yaml')}    access.network-policy.homelab/postgres: "true"\n`,
    );
    const after = await eventually('a new revision', async () => {
      const d = await drops(watch);
      return d.revision !== before.revision && d;
    });
    const web = after.body.groups.find((g: { source: string }) => g.source === 'web/web');
    // git now allows web → postgres: the cluster (which dropped it) does not run what git says.
    expect(web).toMatchObject({ count: 4, drift: true, causeCode: 'drift' });
    expect(watch.revision()).toBe(after.revision);

    await relay.waitForFollowers(1);
    relay.push(laterWebDrop('2024-06-03T10:00:00Z'));
    await eventually('15 drops', async () => (await drops(watch)).body.policyDrops === 15);
    const text = await metrics(watch);
    expect(sample(text, WEB_POSTGRES)).toBe(4);
    expect(
      text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('netpol_policy_drops_total{source_namespace="web"') && l.includes('cause="drift"'),
        ),
    ).toMatch(/ 1$/);
    expect(sample(text, `netpol_repository_info{revision="${after.revision}"}`)).toBe(1);
    expect(sample(text, `netpol_repository_info{revision="${before.revision}"}`)).toBeUndefined();
    expect(logs.entries.filter((e) => e.event === 'repository.loaded').map((e) => e.revision)).toEqual([
      before.revision,
      after.revision,
    ]);
  });

  it('keeps serving the last good revision when a revision is broken, and says so', async () => {
    const relay = await relayOf();
    const repo = useRepo(homelabFiles());
    const { watch, logs } = await watchOf(repo, relay);
    const good = await eventually('14 drops', async () => {
      const d = await drops(watch);
      return d.body.policyDrops === 14 && d;
    });

    const webYaml = repo.read('namespaces/web.yaml');
    repo.write('namespaces/web.yaml', `${webYaml}  bad: [unclosed\n`);
    const broken = await eventually('repository.broken', () =>
      logs.entries.find((e) => e.event === 'repository.broken'),
    );
    expect(broken).toMatchObject({ level: 'error', serving: good.revision });
    expect(broken.errors).toEqual([
      expect.objectContaining({ code: 'YAML_SYNTAX', file: 'namespaces/web.yaml' }),
    ]);
    let text = await metrics(watch);
    expect(sample(text, 'netpol_repository_load_errors')).toBe(1);
    expect(sample(text, 'netpol_repository_loads_total{result="failed"}')).toBe(1);
    expect(sample(text, `netpol_repository_info{revision="${good.revision}"}`)).toBe(1);
    expect((await get(watch.port, '/readyz')).status).toBe(200);
    const during = await drops(watch);
    expect(during.revision).toBe(good.revision);
    expect(during.body.groups).toEqual(good.body.groups);

    repo.write('namespaces/web.yaml', webYaml);
    await eventually(
      'load errors cleared',
      async () => sample(await metrics(watch), 'netpol_repository_load_errors') === 0,
    );
    text = await metrics(watch);
    expect(sample(text, `netpol_repository_info{revision="${good.revision}"}`)).toBe(1);
    expect(sample(text, 'netpol_repository_loads_total{result="ok"}')).toBe(2);
  });

  it('caps the label sets of netpol_policy_drops_total and counts the rest as overflow', async () => {
    const relay = await relayOf();
    const repo = useRepo(homelabFiles());
    const { watch } = await watchOf(repo, relay, { maxLabelSets: 2 });
    await eventually('14 drops', async () => (await drops(watch)).body.policyDrops === 14);
    const text = await metrics(watch);
    const series = text.split('\n').filter((l) => l.startsWith('netpol_policy_drops_total{'));
    expect(series).toHaveLength(2);
    const counted = series.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const overflow = sample(text, 'netpol_policy_drops_overflow_total') ?? 0;
    expect(overflow).toBeGreaterThan(0);
    expect(counted + overflow).toBe(14);
  });

  it('keeps at most maxGroups groups and counts the drops of further ones in their own overflow counter', async () => {
    const loaded = await loadForAnalysis({ root: HOMELAB_ROOT });
    const capped = await findDrops(loaded, {
      input: { kind: 'file', path: flowFixture('homelab-drops.jsonl') },
      maxGroups: 3,
    });
    expect([capped.policyDrops, capped.skipped.overflow]).toEqual([7, 7]);
    const relay = await relayOf();
    const repo = useRepo(homelabFiles());
    const { watch } = await watchOf(repo, relay, { maxGroups: 3 });
    const report = await eventually('7 drops in 3 groups and 7 beyond them', async () => {
      const d = await drops(watch);
      return d.body.policyDrops + d.body.skipped.overflow === 14 && d.body;
    });
    expect(report.groups).toEqual(dropsJson(capped).groups);
    expect([report.policyDrops, report.skipped.overflow]).toEqual([7, 7]);
    const text = await metrics(watch);
    expect(sample(text, 'netpol_policy_drop_groups')).toBe(3);
    expect(sample(text, 'netpol_policy_drop_groups_overflow_total')).toBe(7);
    expect(sample(text, 'netpol_policy_drops_overflow_total')).toBe(0);
  });

  it('counts the flows the --record summary leaves out once it holds maxEntries entries', async () => {
    const relay = await relayOf();
    const repo = useRepo(homelabFiles());
    const out = useRepo({});
    const expectedRecorder = new TrafficRecorder({ file: out.path('unused.jsonl'), maxEntries: 2 });
    for (const f of FLOWS) if (f.verdict === 'DROPPED') expectedRecorder.add(f);
    expect(expectedRecorder.overflow).toBe(10);
    const { watch } = await watchOf(repo, relay, {
      record: { file: out.path('traffic.jsonl'), maxEntries: 2, intervalMs: 60_000 },
    });
    await eventually('16 flows seen', () => watch.metrics.flowsSeen === 16);
    expect(sample(await metrics(watch), 'netpol_record_overflow_total')).toBe(10);
  });

  it('is not ready and follows no Relay until a revision loads', async () => {
    const relay = await relayOf();
    const repo = useRepo({ 'kustomization.yaml': 'resources: [missing.yaml]\n', 'bad.yaml': 'a: [\n' });
    const { watch, logs } = await watchOf(repo, relay);
    expect(watch.ready()).toBe(false);
    expect((await get(watch.port, '/readyz')).status).toBe(503);
    expect((await drops(watch)).status).toBe(503);
    expect(logs.events()).toEqual(expect.arrayContaining(['repository.broken', 'repository.waiting']));
    expect(relay.requests).toEqual([]);
  });
});
