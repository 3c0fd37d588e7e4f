import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';
import { parseFlowLine } from '../../src/hubble/parse-flow.js';
import type { HubbleFlow } from '../../src/hubble/types.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { homelabFiles } from '../helpers/homelab.js';
import { useRepo } from '../helpers/use-repo.js';
import { type FakeRelay, type FakeRelayOptions, startFakeRelay } from '../hubble/helpers/fake-relay.js';

const R = ['-R', 'examples/homelab'];
const FLOWS = 'test/fixtures/flows/homelab-drops.jsonl';
const HOMELAB = path.join(PROJECT_ROOT, 'examples/homelab');

const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function relay(options: FakeRelayOptions): Promise<FakeRelay> {
  const started = await startFakeRelay(options);
  relays.push(started);
  return started;
}

/** The flows of the drops fixture, oldest first (a Relay's ring buffer is in time order). */
function relayFlows(): HubbleFlow[] {
  return readFileSync(path.join(PROJECT_ROOT, FLOWS), 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      const p = parseFlowLine(line, i + 1);
      return p.kind === 'flow' ? [p.flow] : [];
    })
    .sort(
      (a, b) =>
        Date.parse(a.time ?? '') - Date.parse(b.time ?? '') || (a.time ?? '').localeCompare(b.time ?? ''),
    );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('netpol drops --flows', () => {
  it('prints a table sorted by count, each row with its cause and fix, then what it skipped', async () => {
    const r = await runCli(['drops', '--flows', FLOWS, ...R]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        `${FLOWS}:11:1  warning  FLOW_UNPARSABLE  Line is not valid JSON (Expected double-quoted property name in JSON at position 59).`,
        '    hint: Each line must be one JSON object as printed by `hubble observe -o json` or `-o jsonpb`.',
        `${FLOWS}:21:1  warning  FLOW_UNPARSABLE  Line is truncated: the JSON object ends after 180 characters without being closed.`,
        '    hint: The capture was probably cut off mid-line (e.g. hubble observe was interrupted); the rest of the file was read.',
        '',
      ].join('\n'),
    );
    expect(r.stdout).toMatchInlineSnapshot(`
      "14 policy drop(s) in 9 group(s) from test/fixtures/flows/homelab-drops.jsonl
      ┌───────┬──────────────────────────────┬────────────┬──────────────────────────────────────┬──────────────────────────────────────────┐
      │ count │ flow                         │ dropped at │ cause                                │ fix                                      │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 4     │ web/web → database/postgres  │ egress     │ namespace web lacks access grant     │ add label                                │
      │       │ 5432/TCP                     │ git: both  │ "postgres", which allows egress to   │ access.network-policy.homelab/postgres:  │
      │       │ 2024-06-03 09:14:02–09:14:09 │            │ database/postgres on 5432/TCP        │ "true" to namespace web (newly allows:   │
      │       │                              │            │                                      │ postgres: database:5432/TCP)             │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 2     │ docs/docs → cache/dragonfly  │ egress     │ namespace docs lacks access grant    │ add label                                │
      │       │ 6379/TCP                     │ git: both  │ "dragonfly", which allows egress to  │ access.network-policy.homelab/dragonfly: │
      │       │ 2024-06-03 09:15:10–09:15:11 │            │ cache/dragonfly on 6379/TCP          │ "true" to namespace docs (newly allows:  │
      │       │                              │            │                                      │ dragonfly: cache:6379/TCP)               │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 2     │ wiki/wiki →                  │ egress     │ namespace wiki has profile           │ switch namespace wiki from profile       │
      │       │ world:api.github.com         │            │ "internal", which does not allow     │ "internal" to profile "internal-egress"  │
      │       │ (140.82.121.6) 443/TCP       │            │ egress to world:api.github.com on    │ (newly allows: world:443/TCP)            │
      │       │ 2024-06-03 09:16:00–09:16:30 │            │ 443/TCP; profile "internal-egress"   │                                          │
      │       │                              │            │ does                                 │                                          │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 1     │ billing/billing →            │ egress     │ git allows it                        │ none: remove CiliumNetworkPolicy         │
      │       │ world:185.60.216.35 443/TCP  │            │ (profile-internal-egress), but the   │ billing/block-egress from the cluster,   │
      │       │ 2024-06-03 09:18:03          │            │ cluster dropped it at egress: the    │ or commit it to git if it is wanted      │
      │       │                              │            │ cluster does not run what git says;  │                                          │
      │       │                              │            │ the cluster denies it with           │                                          │
      │       │                              │            │ CiliumNetworkPolicy                  │                                          │
      │       │                              │            │ billing/block-egress, which git does │                                          │
      │       │                              │            │ not have                             │                                          │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 1     │ docs/docs →                  │ egress     │ denied at egress of docs/docs and    │ none: no profile or access grant of the  │
      │       │ database/postgres 6379/TCP   │ git: both  │ ingress of database/postgres: no     │ catalogue allows egress of docs to       │
      │       │ 2024-06-03 09:15:12          │            │ rule allows it                       │ database/postgres on 6379/TCP; platform  │
      │       │                              │            │                                      │ namespace database does not allow        │
      │       │                              │            │                                      │ ingress from docs/docs on 6379/TCP, and  │
      │       │                              │            │                                      │ a rule there alone would not be enough   │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 1     │ istio-gateway/internal-istio │ ingress    │ namespace batch-worker has profile   │ switch namespace batch-worker from       │
      │       │ → batch-worker/worker        │ git: both  │ "isolated", which does not allow     │ profile "isolated" to profile "internal" │
      │       │ 8080/TCP                     │            │ ingress from                         │ (newly allows: from the internal gateway │
      │       │ 2024-06-03 09:17:00          │            │ istio-gateway/internal-istio on      │ (istio-gateway) on 80/TCP)               │
      │       │                              │            │ 8080/TCP; profile "internal" does    │                                          │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 1     │ monitoring/grafana →         │ egress     │ no policy of platform namespace      │ add an egress rule to                    │
      │       │ world:grafana.com            │            │ monitoring allows egress of          │ CiliumNetworkPolicy monitoring/grafana   │
      │       │ (34.120.177.193) 443/TCP     │            │ monitoring/grafana to                │ (rule [1] below; not applied by --fix)   │
      │       │ 2024-06-03 09:18:00          │            │ world:grafana.com on 443/TCP         │                                          │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 1     │ monitoring/prometheus →      │ ingress    │ denied at egress of                  │ none: platform namespace monitoring does │
      │       │ web/web 9187/TCP             │ git: both  │ monitoring/prometheus and ingress of │ not allow egress to web/web on 9187/TCP, │
      │       │ 2024-06-03 09:17:30          │            │ web/web: no rule allows it           │ and a rule there alone would not be      │
      │       │                              │            │                                      │ enough; scrapes from                     │
      │       │                              │            │                                      │ monitoring/prometheus reach application  │
      │       │                              │            │                                      │ pods only on the ports                   │
      │       │                              │            │                                      │ baseline-prometheus-scrape admits        │
      │       │                              │            │                                      │ (8080/TCP, 9090/TCP, 9100/TCP,           │
      │       │                              │            │                                      │ 15020/TCP): serve metrics on one of them │
      ├───────┼──────────────────────────────┼────────────┼──────────────────────────────────────┼──────────────────────────────────────────┤
      │ 1     │ web/web →                    │ egress     │ git allows it (baseline-dns-egress,  │ should not happen: check that baseline   │
      │       │ kube-system/kube-dns 53/UDP  │            │ profile-standard), but the cluster   │ baseline-dns-egress (DNS egress for      │
      │       │ 2024-06-03 09:17:05          │            │ dropped it at egress: the cluster    │ every pod) exists in the cluster and     │
      │       │                              │            │ does not run what git says           │ matches git (network-policy/baselines/   │
      │       │                              │            │                                      │ dns-egress.yaml:8)                       │
      └───────┴──────────────────────────────┴────────────┴──────────────────────────────────────┴──────────────────────────────────────────┘

      [1] add to CiliumNetworkPolicy monitoring/grafana (network-policy/platform/monitoring.yaml) these egress rules under spec.egress:
      - toFQDNs:
          - matchName: grafana.com
        toPorts:
          - ports:
              - port: "443"
                protocol: TCP
      # DNS through the Cilium DNS proxy, so toFQDNs learns the addresses of the names above
      - toEndpoints:
          - matchLabels:
              io.kubernetes.pod.namespace: kube-system
              k8s-app: kube-dns
        toPorts:
          - ports:
              - port: "53"
                protocol: ANY
            rules:
              dns:
                - matchPattern: "*"

      Skipped: 1 flow(s) not dropped; 1 dropped reply (not subject to policy); drops for other reasons: CT_MAP_INSERTION_FAILED 1; 2 unreadable line(s): 11, 21.
      "
    `);
  });

  it('prints JSON: groups with source, destination, port, protocol, direction, count, times, deniedAt, cause, fix', async () => {
    const r = await runCli(['drops', '--flows', FLOWS, '-o', 'json', ...R]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['source', 'policyDrops', 'groups', 'skipped']);
    expect(j.groups).toHaveLength(9);
    expect(j.groups[0]).toEqual({
      source: 'web/web',
      destination: 'database/postgres',
      port: 5432,
      protocol: 'TCP',
      direction: 'egress',
      count: 4,
      firstSeen: '2024-06-03T09:14:02.118223412Z',
      lastSeen: '2024-06-03T09:14:09.000000001Z',
      deniedAt: 'both',
      drift: false,
      cause:
        'namespace web lacks access grant "postgres", which allows egress to database/postgres on 5432/TCP',
      causeCode: 'missing-access-grant',
      fix: {
        kind: 'add-label',
        namespace: 'web',
        label: 'access.network-policy.homelab/postgres',
        value: 'true',
        newlyAllowed: ['postgres: database:5432/TCP'],
      },
    });
    expect(j.groups[4]).toMatchObject({
      source: 'docs/docs',
      destination: 'database/postgres',
      port: 6379,
      causeCode: 'no-rule',
      fix: null,
      fixReason:
        'no profile or access grant of the catalogue allows egress of docs to database/postgres on 6379/TCP; platform namespace database does not allow ingress from docs/docs on 6379/TCP, and a rule there alone would not be enough',
    });
    expect(j.skipped).toEqual({
      notDropped: 1,
      replies: 1,
      otherDropReasons: { CT_MAP_INSERTION_FAILED: 1 },
      unidentified: {},
      filteredOut: 0,
      unparsable: {
        count: 2,
        lines: [
          {
            line: 11,
            message: 'Line is not valid JSON (Expected double-quoted property name in JSON at position 59).',
          },
          {
            line: 21,
            message: 'Line is truncated: the JSON object ends after 180 characters without being closed.',
          },
        ],
      },
      nonFlowLines: 1,
      lostEvents: 0,
      overflow: 0,
    });
  });

  it('takes the namespace as an argument, like -n, and reads standard input with --flows -', async () => {
    const stdin = readFileSync(path.join(PROJECT_ROOT, FLOWS), 'utf8');
    const r = await runCli(['drops', 'wiki', '--flows', '-', '-o', 'json', ...R], { stdin });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.source).toBe('<stdin>');
    expect(
      j.groups.map((g: { source: string; destination: string }) => `${g.source} → ${g.destination}`),
    ).toEqual(['wiki/wiki → world:api.github.com']);
    expect(r.stderr).toContain('<stdin>:11:1  warning  FLOW_UNPARSABLE');
  });

  it('--follow on standard input prints one JSON line per group as it appears, then the report', async () => {
    const stdin = readFileSync(path.join(PROJECT_ROOT, FLOWS), 'utf8');
    const r = await runCli(['drops', 'docs', '--flows', '-', '--follow', '-o', 'json', ...R], { stdin });
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      lines.map((l) =>
        l.groups ? `report of ${l.groups.length} groups` : `${l.destination}:${l.port} ×${l.count}`,
      ),
    ).toEqual(['cache/dragonfly:6379 ×1', 'database/postgres:6379 ×1', 'report of 2 groups']);
    expect(lines[2].groups[0]).toMatchObject({ destination: 'cache/dragonfly', count: 2 });
  });

  it('exits 0 and says so when there is no policy drop', async () => {
    const r = await runCli(['drops', 'dashboard', '--flows', FLOWS, ...R]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `No policy drops in ${FLOWS} (16 flow(s) read).\n\nSkipped: 1 flow(s) not dropped; 16 flow(s) outside the filters; 2 unreadable line(s): 11, 21.\n`,
    );
  });

  it('--fix writes the label changes into the namespace manifests and prints the diffs', async () => {
    const repo = useRepo(homelabFiles());
    const r = await runCli(['drops', '--flows', path.join(PROJECT_ROOT, FLOWS), '--fix', '-R', repo.root]);
    expect(r.code).toBe(1);
    const tail = r.stdout.slice(r.stdout.indexOf('\n--fix wrote'));
    expect(tail).toMatchInlineSnapshot(`
      "
      --fix wrote namespaces/batch-worker.yaml: namespace batch-worker: network-policy.homelab/profile: "isolated" → "internal"
      --- a/namespaces/batch-worker.yaml
      +++ b/namespaces/batch-worker.yaml
      @@ -6,5 +6,5 @@
       metadata:
         name: batch-worker
         labels:
      -    network-policy.homelab/profile: isolated
      +    network-policy.homelab/profile: internal
           access.network-policy.homelab/postgres: "true"

      --fix wrote namespaces/docs.yaml: namespace docs: access.network-policy.homelab/dragonfly: (none) → "true"
      --- a/namespaces/docs.yaml
      +++ b/namespaces/docs.yaml
      @@ -6,3 +6,4 @@
         name: docs
         labels:
           network-policy.homelab/profile: standard
      +    access.network-policy.homelab/dragonfly: "true"

      --fix wrote namespaces/web.yaml: namespace web: access.network-policy.homelab/postgres: (none) → "true"
      --- a/namespaces/web.yaml
      +++ b/namespaces/web.yaml
      @@ -10,3 +10,4 @@
           network-policy.homelab/profile: standard
           access.network-policy.homelab/dragonfly: "true"
           access.network-policy.homelab/garage-s3: "true"
      +    access.network-policy.homelab/postgres: "true"

      --fix wrote namespaces/wiki.yaml: namespace wiki: network-policy.homelab/profile: "internal" → "internal-egress"
      --- a/namespaces/wiki.yaml
      +++ b/namespaces/wiki.yaml
      @@ -7,6 +7,6 @@
       metadata:
         name: wiki
         labels:
      -    network-policy.homelab/profile: internal
      +    network-policy.homelab/profile: internal-egress
           access.network-policy.homelab/garage-s3: "true"
           istio.io/dataplane-mode: ambient

      --fix never applies policy changes: make the 1 rule change(s) above by hand.
      "
    `);
    expect(repo.read('namespaces/docs.yaml')).toBe(
      `${readFileSync(path.join(HOMELAB, 'namespaces/docs.yaml'), 'utf8')}    access.network-policy.homelab/dragonfly: "true"\n`,
    );
    // Run again: the labels are in git now, so the same drops are drift or policy changes, and nothing is written.
    const again = await runCli([
      'drops',
      '--flows',
      path.join(PROJECT_ROOT, FLOWS),
      '--fix',
      '-R',
      repo.root,
      '-o',
      'json',
    ]);
    const j = JSON.parse(again.stdout);
    expect(j.fixes).toEqual({ applied: [], diffs: [], refused: [], policyChanges: 1 });
    expect(j.groups[0]).toMatchObject({ source: 'web/web', drift: true, fix: null });
  });

  it.each([
    [['drops', '--flows', 'nope.jsonl', ...R], 'error: Cannot read flows from "nope.jsonl": no such file.'],
    [
      ['drops', '--flows', FLOWS, '--server', 'localhost:4245', ...R],
      '--flows and --server cannot be combined',
    ],
    [
      ['drops', '--flows', FLOWS, '--since', '1d', ...R],
      'hint: Durations have no day unit (as in Go and hubble); write 24h for a day.',
    ],
    [['drops', '--flows', FLOWS, '--last', '0', ...R], '--last value "0" is not a positive whole number.'],
    [['drops', '--flows', FLOWS, '--port', 'http', ...R], '--port value "http" is not a port number.'],
    [
      ['drops', '--flows', FLOWS, '-n', 'web', '--from-namespace', 'docs', ...R],
      'Filters --namespace and --from-namespace cannot be combined.',
    ],
    [['drops', 'Bad_NS', '--flows', FLOWS, ...R], '"Bad_NS" is not a namespace name.'],
    [
      ['drops', '--server', 'relay', '--since', '5m', ...R],
      '--server value "relay" is not HOST:PORT (e.g. localhost:4245).',
    ],
    [['drops', '--flows', FLOWS, '--tls', ...R], '--tls applies to --server, not to --flows.'],
    [['drops', '--flows', FLOWS, '--follow', ...R], '--follow reads a Relay or standard input, not a file'],
    [
      ['drops', '--flows', FLOWS, '--fix', '-f', 'examples/homelab/namespaces/web.yaml'],
      '--fix edits the repository tree',
    ],
    [['drops', '--flows', '-', '--fix', '--follow', ...R], '--fix needs the complete report'],
    [['drops', '--flows', FLOWS, '-R', 'does/not/exist'], 'does not exist'],
  ])('rejects %j with exit code 2 and one message', async (argv, message) => {
    const r = await runCli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});

describe('netpol drops --server (Hubble Relay)', () => {
  it('asks the Relay for dropped flows since --since and diagnoses them', async () => {
    const server = await relay({ flows: relayFlows() });
    const r = await runCli([
      'drops',
      'docs',
      '--server',
      server.address,
      '--since',
      '2024-06-03T09:00:00Z',
      '-o',
      'json',
      ...R,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(server.requests).toMatchObject([
      {
        since: { seconds: '1717405200' },
        whitelist: [
          { verdict: ['DROPPED'], source_pod: ['docs/'] },
          { verdict: ['DROPPED'], destination_pod: ['docs/'] },
        ],
      },
    ]);
    const j = JSON.parse(r.stdout);
    expect(j.source).toBe(`Hubble Relay at ${server.address}`);
    expect(
      j.groups.map(
        (g: { destination: string; port: number; count: number }) => `${g.destination}:${g.port} ×${g.count}`,
      ),
    ).toEqual(['cache/dragonfly:6379 ×2', 'database/postgres:6379 ×1']);
  });

  it('needs a time window, a count or --follow', async () => {
    const server = await relay({ flows: [] });
    const r = await runCli(['drops', '--server', server.address, ...R]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Observing flows needs a time window, a count or follow mode.\nhint: Pass --since (e.g. 5m), --last N or --follow.\n',
    );
  });

  it('says which Relay it could not reach, with a port-forward hint', async () => {
    const port = await closedPort();
    const r = await runCli(['drops', '--server', `127.0.0.1:${port}`, '--last', '10', ...R]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: Cannot get flows from Hubble Relay at "127.0.0.1:${port}"`);
    expect(r.stderr).toContain(
      'hint: Is Hubble Relay reachable? Start a port-forward with `kubectl port-forward -n kube-system svc/hubble-relay 4245:80`',
    );
  });

  it('--follow prints each group as it appears and retries a lost connection, saying so', async () => {
    const server = await relay({
      flows: relayFlows(),
      failures: [
        { connection: 1, afterFlows: 3 },
        // The second connection resends the flow at the resume instant (skipped), sends 3 new ones, then the Relay
        // rejects the stream for good: the command ends with exit code 2 after printing what it saw.
        { connection: 2, afterFlows: 4, code: grpc.status.INVALID_ARGUMENT },
      ],
    });
    const r = await runCli([
      'drops',
      '--server',
      server.address,
      '--follow',
      '--since',
      '2024-06-03T09:00:00Z',
      ...R,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `warning: lost the connection to Hubble Relay at ${server.address} (connection reset); retrying in 500ms (attempt 1)`,
        `error: Cannot get flows from Hubble Relay at "${server.address}": connection reset.`,
        'hint: Is Hubble Relay reachable? Start a port-forward with `kubectl port-forward -n kube-system svc/hubble-relay 4245:80`, or pass the Relay address.',
        '',
      ].join('\n'),
    );
    expect(r.stdout).toBe(
      [
        '2024-06-03T09:14:02.118223412Z  DROPPED  web/web → database/postgres 5432/TCP (egress)',
        '  cause: namespace web lacks access grant "postgres", which allows egress to database/postgres on 5432/TCP',
        '  fix: add label access.network-policy.homelab/postgres: "true" to namespace web (newly allows: postgres: database:5432/TCP)',
        '2024-06-03T09:15:10.000482113Z  DROPPED  docs/docs → cache/dragonfly 6379/TCP (egress)',
        '  cause: namespace docs lacks access grant "dragonfly", which allows egress to cache/dragonfly on 6379/TCP',
        '  fix: add label access.network-policy.homelab/dragonfly: "true" to namespace docs (newly allows: dragonfly: cache:6379/TCP)',
        '',
      ].join('\n'),
    );
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]).toMatchObject({
      follow: true,
      since: { seconds: '1717406047', nanos: 131554093 },
    });
  });
});

describe('netpol drops: README and stopping', () => {
  it("reads the README's example Hubble flow line as a policy drop", async () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('{"flow":'));
    expect(line).toBeDefined();
    const r = await runCli(['drops', '--flows', '-', '-o', 'json', ...R], { stdin: `${line}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).groups[0]).toMatchObject({
      source: 'web/web',
      destination: 'database/postgres',
      port: 5432,
      protocol: 'TCP',
      count: 1,
    });
  });

  it('--follow from a Relay ends on a stop request (Ctrl-C, or stdout closed) with the report and its exit code', async () => {
    const server = await relay({ flows: relayFlows() });
    let stdout = '';
    let stop: ((signal: string) => void) | undefined;
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
        // The first group printed: the reader leaves (as `| head -1` does).
        if (stop) {
          const s = stop;
          stop = undefined;
          setTimeout(() => s('EPIPE'), 50);
        }
      },
      stderr: () => undefined,
      readStdin: async () => '',
      stdinLines: async function* () {},
      cwd: PROJECT_ROOT,
      isTTY: false,
      env: {},
      onStopSignal: (handler) => {
        stop = handler;
        return () => {
          stop = undefined;
        };
      },
    };
    const code = await run(['drops', '--server', server.address, '--follow', '-o', 'json', ...R], io);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ destination: 'database/postgres' });
    expect(JSON.parse(lines.at(-1) ?? '')).toHaveProperty('groups');
  });
});

describe('netpol drops: unreadable lines', () => {
  it('prints the first 100 FLOW_UNPARSABLE warnings, then "… and N more"', async () => {
    // The fixture has 2 unreadable lines of its own: 106 in all.
    const stdin = `${readFileSync(path.join(PROJECT_ROOT, FLOWS), 'utf8')}${'garbage\n'.repeat(104)}`;
    const r = await runCli(['drops', '--flows', '-', ...R], { stdin });
    expect(r.code).toBe(1);
    const warnings = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('    hint:'));
    expect(warnings).toHaveLength(101);
    expect(warnings[99]).toMatch(/^<stdin>:\d+:1 {2}warning {2}FLOW_UNPARSABLE {2}/);
    expect(warnings[100]).toBe('… and 6 more');
  });
});

describe('netpol drops and verify on a capture that is not one (fresh-user report)', () => {
  it.each([
    [
      'binary',
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x0a, 0x00, 0xff]).toString('latin1'),
      'error: <stdin> is not a Hubble capture: ',
    ],
    ['empty', '', 'error: <stdin> is empty: it holds no flow to read.'],
    [
      'another format',
      'time=1 level=info\nnot json\n',
      'error: <stdin>: none of its 2 line(s) is a Hubble flow (line 1 is the first that cannot be read).',
    ],
  ])('%s: exit 2, one error, no report', async (_name, stdin, error) => {
    for (const args of [
      ['drops', '--flows', '-', '-R', 'examples/homelab'],
      ['verify', 'web', '--flows', '-', '-R', 'examples/homelab'],
    ]) {
      const r = await runCli(args, { stdin });
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr.split('\n')[0]?.startsWith(error)).toBe(true);
    }
  });

  it('a warning never echoes a control character of the capture raw', async () => {
    const r = await runCli(['drops', '--flows', '-', '-R', 'examples/homelab'], {
      stdin: `${readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/flows/homelab-discover-shop.jsonl'), 'utf8')}\u001b[31mRED\n`,
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the absence of ESC is what is checked
    expect(r.stderr).not.toMatch(/\u001b/);
    expect(r.stderr).toContain('\\x1b');
  });
});
