import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutGraphView } from '../../../src/cli/ui/graph-layout.js';
import type { GraphJson, GraphLayout } from '../../../src/cli/ui/graph-view.js';
import { isAllowedHostHeader, startUiServer, type UiServer } from '../../../src/cli/ui/server.js';
import { parseFlowLine } from '../../../src/hubble/parse-flow.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { applyDropFixes, findDrops } from '../../../src/workflows/flows/drops.js';
import { dropsJson } from '../../../src/workflows/flows/drops-json.js';
import { startWatch } from '../../../src/workflows/watch/watch.js';
import { useRepo } from '../../helpers/use-repo.js';
import { startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { eventually, fixtureFlows, memoryLog, testWatchOptions } from '../../workflows/watch/helpers.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
const FLOWS = path.resolve(import.meta.dirname, '../../fixtures/flows/homelab-drops.jsonl');

/** A GET (or another method) with an explicit Host header, answered as status and parsed JSON. */
function request(
  server: UiServer,
  pathAndQuery: string,
  options: { host?: string; method?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: pathAndQuery,
        method: options.method ?? 'GET',
        headers: { Host: options.host ?? `127.0.0.1:${server.port}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          const json = (res.headers['content-type'] ?? '').startsWith('application/json');
          resolve({
            status: res.statusCode ?? 0,
            body: json ? JSON.parse(text) : { text },
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startUiServer (API over the example repository)', () => {
  let server: UiServer;
  let assets: string;
  beforeAll(async () => {
    assets = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'netpol-ui-assets-'));
    fs.writeFileSync(path.join(assets, 'index.html'), '<!doctype html><title>netpol</title>');
    server = await startUiServer({
      repo: { root: HOMELAB },
      flows: { input: { kind: 'file', path: FLOWS } },
      port: 0,
      assetsDir: assets,
      watch: false,
    });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(assets, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 and serves the page with a strict content security policy', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const r = await request(server, '/');
    expect(r.status).toBe(200);
    expect(r.body.text).toBe('<!doctype html><title>netpol</title>');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-frame-options']).toBe('DENY');
  });

  it('answers meta, system and graph from the library', async () => {
    const meta = await request(server, '/api/meta');
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({
      root: HOMELAB,
      version: 1,
      flows: FLOWS,
      flowsLive: false,
      domain: 'network-policy.homelab',
      profiles: ['internal', 'internal-egress', 'isolated', 'standard'],
      grants: ['dragonfly', 'garage-s3', 'kube-api', 'postgres'],
      policies: 31,
    });
    const system = await request(server, '/api/system');
    expect((system.body.platform as unknown[]).length).toBe(7);
    const graph = await request(server, '/api/graph');
    expect((graph.body.edges as unknown[]).length).toBe(44);
    expect(graph.body.edges).toContainEqual({
      id: 'billing|grant-postgres',
      source: 'billing',
      target: 'database',
      row: 'billing',
      column: 'grant-postgres',
      direction: 'egress',
      port: 5432,
      protocol: 'TCP',
      label: '5432/TCP',
    });
    expect((graph.body.matrix as { rows: unknown[] }).rows).toHaveLength(13);
    expect(graph.body).not.toHaveProperty('cells');
    // The layout of the view a page opens on: every node of it placed, computed once per repository version.
    const { layout, ...json } = graph.body as GraphJson & { layout: GraphLayout };
    expect(layout).toEqual(layoutGraphView(json));
    expect(Object.keys(layout.positions)).toHaveLength(19);
    expect(layout.positions.billing).toEqual([151, 251]);
  });

  it('explains a matrix cell by its id, allowed or denied', async () => {
    const r = await request(server, `/api/explain?cell=${encodeURIComponent('billing|grant-postgres')}`);
    expect(r.status).toBe(200);
    expect(r.body.cell).toEqual({
      id: 'billing|grant-postgres',
      row: 'billing',
      column: 'grant-postgres',
      request: { source: 'billing', destination: 'database', port: 5432, protocol: 'TCP' },
    });
    expect(r.body.trace).toMatchObject({
      verdict: 'allowed',
      egress: {
        allowedBy: [
          { name: 'access-postgres', file: 'network-policy/shared-resources/postgres.yaml', line: 16 },
        ],
      },
    });
    const denied = await request(server, `/api/explain?cell=${encodeURIComponent('web|grant-postgres')}`);
    expect(String(denied.body.text).split('\n')[0]).toBe('DENIED  web → database 5432/TCP');
    expect(await request(server, '/api/explain?cell=nope')).toMatchObject({
      status: 404,
      body: {
        error: 'No matrix cell "nope".',
        hint: 'A cell is NAMESPACE|COLUMN; namespaces: kube-system, monitoring, database, cache, garage, istio-gateway, istio-system, batch-worker, dashboard, wiki, billing, web, docs; columns: dns, world-443, world-80, gateway-internal, gateway-external, grant-postgres, grant-dragonfly, grant-garage-s3, kube-apiserver, scrape-prometheus, app-namespace.',
      },
    });
  });

  it('traces with the CLI peer syntax and renders the terminal text', async () => {
    const r = await request(server, '/api/trace?source=billing&destination=database&port=5432&protocol=TCP');
    expect(r.status).toBe(200);
    expect(r.body.trace).toMatchObject({
      verdict: 'allowed',
      ingress: { allowedBy: [{ name: 'postgres', file: 'network-policy/platform/database.yaml', line: 58 }] },
    });
    expect(String(r.body.text).split('\n')[0]).toBe('ALLOWED  billing → database 5432/TCP');
    const bad = await request(server, '/api/trace?source=billing&destination=database&port=99999');
    expect(bad).toMatchObject({
      status: 400,
      body: {
        error: 'port 99999 is out of range 1-65535',
        hint: 'port is a number (1-65535, or the ICMP type when protocol is ICMP) and protocol is TCP, UDP, SCTP, ICMP or ICMPv6',
      },
    });
    const missing = await request(server, '/api/trace?source=billing');
    expect(missing).toMatchObject({
      status: 400,
      body: { error: 'The query parameter "destination" is missing.' },
    });
  });

  it('answers the what-if of giving web the postgres grant', async () => {
    const r = await request(server, '/api/what-if?namespace=web&grants=dragonfly,garage-s3,postgres');
    expect(r.status).toBe(200);
    expect((r.body.opened as { id: string }[]).map((e) => e.id)).toEqual(['web|grant-postgres']);
    expect(r.body.closed).toEqual([]);
    expect((r.body.patch as { diff: string }).diff).toContain(
      '+    access.network-policy.homelab/postgres: "true"',
    );
    expect((await request(server, '/api/what-if?namespace=web&profile=open')).status).toBe(400);
  });

  it('diagnoses the drops of the flows file with the patch of each fix', async () => {
    const r = await request(server, '/api/drops');
    expect(r.status).toBe(200);
    const report = r.body.report as {
      policyDrops: number;
      groups: { source: string; fix: { kind: string } }[];
      fixes: { diffs: { file: string }[] };
    };
    expect(report.policyDrops).toBe(14);
    expect(report.groups[0]).toMatchObject({ source: 'web/web', fix: { kind: 'add-label' } });
    expect(report.fixes.diffs.map((d) => d.file)).toContain('namespaces/web.yaml');
    expect(fs.readFileSync(path.join(HOMELAB, 'namespaces/web.yaml'), 'utf8')).not.toContain('postgres');
  });

  it('serves the files the repository loaded, and nothing outside it', async () => {
    const ok = await request(server, '/api/file?path=namespaces/web.yaml');
    expect(ok.status).toBe(200);
    expect(ok.body.text).toBe(fs.readFileSync(path.join(HOMELAB, 'namespaces/web.yaml'), 'utf8'));
    for (const p of ['../../package.json', '/etc/passwd', 'namespaces/../../README.md']) {
      const r = await request(server, `/api/file?path=${encodeURIComponent(p)}`);
      expect([r.status, r.body.error]).toEqual([403, `"${p}" is outside the repository.`]);
    }
    expect((await request(server, '/api/file?path=README.md')).status).toBe(404);
    expect((await request(server, '/..%2f..%2fpackage.json')).status).toBe(403);
  });

  it('refuses a Host header that is not the listening address (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      const r = await request(server, '/api/meta', { host });
      expect(r.status).toBe(403);
    }
    expect((await request(server, '/api/meta', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('is read-only: only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await request(server, '/api/meta', { method });
      expect([r.status, r.headers.allow]).toEqual([405, 'GET, HEAD']);
    }
    expect((await request(server, '/api/nothing')).status).toBe(404);
  });
});

describe('isAllowedHostHeader', () => {
  it.each([
    ['127.0.0.1:7070', '127.0.0.1', 7070, true],
    ['localhost:7070', '127.0.0.1', 7070, true],
    ['[::1]:7070', '127.0.0.1', 7070, true],
    ['LOCALHOST:7070', '127.0.0.1', 7070, true],
    ['127.0.0.1', '127.0.0.1', 7070, false],
    ['127.0.0.1:80', '127.0.0.1', 7070, false],
    ['attacker.example:7070', '127.0.0.1', 7070, false],
    ['192.168.1.5:7070', '192.168.1.5', 7070, true],
    ['localhost:7070', '192.168.1.5', 7070, false],
    ['10.0.0.9:7070', '0.0.0.0', 7070, true],
    ['intranet.example:7070', '0.0.0.0', 7070, false],
    [undefined, '127.0.0.1', 7070, false],
  ])('%s for a server on %s:%d → %s', (header, host, port, ok) => {
    expect(isAllowedHostHeader(header, host, port)).toBe(ok);
  });
});

describe('startUiServer reload', () => {
  it('reloads when a file of the repository changes, and the graph follows', async () => {
    const repo = useRepo({});
    fs.cpSync(HOMELAB, repo.root, { recursive: true });
    const server = await startUiServer({
      repo: { root: repo.root },
      port: 0,
      reloadDelayMs: 50,
      assetsDir: repo.root,
    });
    try {
      const before = await request(server, '/api/graph');
      expect((before.body.edges as { id: string }[]).some((e) => e.id === 'web|grant-postgres')).toBe(false);
      repo.write(
        'namespaces/web.yaml',
        `${repo.read('namespaces/web.yaml').trimEnd()}\n    access.network-policy.homelab/postgres: "true"\n`,
      );
      const deadline = Date.now() + 10_000;
      while (server.version() === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await server.ready();
      expect(server.version()).toBeGreaterThan(1);
      const after = await request(server, '/api/graph');
      expect((after.body.edges as { id: string }[]).some((e) => e.id === 'web|grant-postgres')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('refuses a missing root and a port in use', async () => {
    await expect(startUiServer({ repo: { root: '/nonexistent/netpol' }, port: 0 })).rejects.toThrow(
      'The repository root "/nonexistent/netpol" does not exist.',
    );
    const first = await startUiServer({ repo: { root: HOMELAB }, port: 0, watch: false });
    try {
      await expect(
        startUiServer({ repo: { root: HOMELAB }, port: first.port, watch: false }),
      ).rejects.toThrow(`Cannot listen on 127.0.0.1:${first.port}: EADDRINUSE.`);
    } finally {
      await first.close();
    }
  });
});

describe('startUiServer with a Hubble Relay', () => {
  it('reads the drops from the Relay again on every request', async () => {
    const flows = fs
      .readFileSync(FLOWS, 'utf8')
      .split('\n')
      .flatMap((line, i) => {
        const p = parseFlowLine(line, i + 1);
        return p.kind === 'flow' ? [p.flow] : [];
      });
    const relay = await startFakeRelay({ flows });
    const server = await startUiServer({
      repo: { root: HOMELAB },
      flows: { input: { kind: 'relay', server: relay.address }, filter: { since: '2024-06-03T09:00:00Z' } },
      port: 0,
      watch: false,
    });
    try {
      const meta = await request(server, '/api/meta');
      expect(meta.body).toMatchObject({ flows: `Hubble Relay at ${relay.address}`, flowsLive: true });
      const first = await request(server, '/api/drops');
      expect(first.status).toBe(200);
      expect((first.body.report as { policyDrops: number }).policyDrops).toBe(14);
      await request(server, '/api/drops');
      expect(relay.requests).toHaveLength(2);
      expect(relay.requests[0]).toMatchObject({ since: { seconds: '1717405200' } });
    } finally {
      await server.close();
      await relay.close();
    }
  });
  it('answers 502 Bad Gateway when the Relay cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const server = await startUiServer({
      repo: { root: HOMELAB },
      flows: { input: { kind: 'relay', server: `127.0.0.1:${closedPort}` }, filter: { last: 10 } },
      port: 0,
      watch: false,
    });
    try {
      const r = await request(server, '/api/drops');
      expect([r.status, r.body.code]).toEqual([502, 'NETPOL_HUBBLE_FAILED']);
      expect(r.body.error).toMatch(
        new RegExp(`^Cannot get flows from Hubble Relay at "127\\.0\\.0\\.1:${closedPort}": `),
      );
    } finally {
      await server.close();
    }
  });
});

describe('startUiServer with a running netpol watch (--watch)', () => {
  it('shows the drops netpol watch diagnosed, with the label patches drops --fix would write', async () => {
    const flows = fixtureFlows('homelab-drops.jsonl');
    const relay = await startFakeRelay({ flows });
    const logs = memoryLog();
    const watcher = await startWatch(testWatchOptions(HOMELAB, relay.address, logs.log));
    const server = await startUiServer({
      repo: { root: HOMELAB },
      watchUrl: `http://127.0.0.1:${watcher.port}`,
      port: 0,
      watch: false,
    });
    try {
      const loaded = await loadForAnalysis({ root: HOMELAB });
      const report = await findDrops(loaded, { input: { kind: 'file', path: FLOWS } });
      const fixes = applyDropFixes(loaded, report, { dryRun: true });
      const meta = await request(server, '/api/meta');
      expect(meta.body).toMatchObject({
        flows: `netpol watch at http://127.0.0.1:${watcher.port}`,
        flowsLive: true,
      });
      const drops = await eventually('the watcher has diagnosed the 14 drops', async () => {
        const r = await request(server, '/api/drops');
        return (r.body.report as { policyDrops?: number } | undefined)?.policyDrops === 14 && r;
      });
      expect(drops.status).toBe(200);
      expect((drops.body.report as { groups: unknown }).groups).toEqual(dropsJson(report).groups);
      expect(drops.body.watch).toEqual({
        url: `http://127.0.0.1:${watcher.port}/drops`,
        revision: watcher.revision(),
      });
      // The same files, the same diffs as `netpol drops --fix` on the capture the watcher was fed.
      const patches = drops.body.patches as { namespace: string; file: string; diff: string }[];
      expect(patches.map((p) => [p.namespace, p.file, p.diff])).toEqual(
        fixes.applied.map((a) => [a.namespace, a.file, fixes.diffs.find((d) => d.file === a.file)?.diff]),
      );
      expect(patches.find((p) => p.namespace === 'web')).toMatchObject({
        groups: 1,
        profile: 'standard',
        grants: ['dragonfly', 'garage-s3', 'postgres'],
        refusal: null,
        opened: 1,
        closed: 0,
      });
      expect(drops.body.refused).toEqual([]);
    } finally {
      await server.close();
      await watcher.stop();
      await relay.close();
    }
  });

  it('answers 502 Bad Gateway, saying why, when netpol watch cannot be read', async () => {
    const other = http.createServer((req, res) => {
      if (req.url === '/drops') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"hello":"world"}');
      } else {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"no repository revision loaded yet"}');
      }
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as { port: number }).port;
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const cases: [string, number, string][] = [
      [
        `http://127.0.0.1:${port}`,
        502,
        `Cannot read the drops of netpol watch at http://127.0.0.1:${port}/drops: the answer is not a drops report (source).`,
      ],
      [
        `http://127.0.0.1:${port}/starting/`,
        502,
        `Cannot read the drops of netpol watch at http://127.0.0.1:${port}/starting/drops: HTTP 503 (no repository revision loaded yet).`,
      ],
      [
        `http://127.0.0.1:${closedPort}`,
        502,
        `Cannot read the drops of netpol watch at http://127.0.0.1:${closedPort}/drops: ECONNREFUSED.`,
      ],
    ];
    try {
      for (const [watchUrl, status, error] of cases) {
        const server = await startUiServer({ repo: { root: HOMELAB }, watchUrl, port: 0, watch: false });
        try {
          const r = await request(server, '/api/drops');
          expect([r.status, r.body.error, r.body.code]).toEqual([status, error, 'NETPOL_INPUT_UNREADABLE']);
        } finally {
          await server.close();
        }
      }
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe('startUiServer /api/trace with an L7 request', () => {
  // The same L7 request as `netpol trace --http/--dns` (HTTP rules: Cilium docs policy language "Layer 7
  // Examples"; DNS rules: "DNS based"); parameters named after the flags.
  const FILES = {
    'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n',
    'policy.yaml': [
      'apiVersion: cilium.io/v2',
      'kind: CiliumNetworkPolicy',
      'metadata: { name: api, namespace: shop }',
      'spec:',
      '  endpointSelector: { matchLabels: { app: api } }',
      '  ingress:',
      '    - toPorts:',
      '        - ports: [{ port: "80", protocol: TCP }]',
      '          rules:',
      '            http: [{ method: GET, path: "/public/.*", headers: ["X-Env: prod"] }]',
      '  egress:',
      '    - toPorts:',
      '        - ports: [{ port: "53", protocol: ANY }]',
      '          rules:',
      '            dns: [{ matchPattern: "*.example.com" }]',
      '',
    ].join('\n'),
  };

  it('evaluates http-method, http-path, http-host, http-header and dns as netpol trace does', async () => {
    const repo = useRepo(FILES);
    const server = await startUiServer({
      repo: { root: repo.root },
      port: 0,
      watch: false,
      assetsDir: repo.root,
    });
    try {
      const base = '/api/trace?source=shop/app=web&destination=shop/app=api&port=80';
      const allowed = await request(
        server,
        `${base}&http-method=GET&http-path=/public/a&http-host=api.shop&http-header=${encodeURIComponent('X-Env: prod')}`,
      );
      expect([allowed.status, allowed.body.trace]).toMatchObject([
        200,
        {
          verdict: 'allowed',
          l7: { kind: 'http', request: 'GET /public/a (host api.shop)', verdict: 'allowed' },
        },
      ]);
      const refused = await request(server, `${base}&http-method=GET&http-path=/public/a`);
      expect(
        String(refused.body.text)
          .split('\n')
          .filter((l) => /^(DENIED| {2}L7 | {4}ingress of)/.test(l)),
      ).toEqual([
        'DENIED  shop/app=web → shop/app=api 80/TCP',
        '  L7 GET /public/a: denied',
        '    ingress of shop/app=api: denied: the request matches none of the L7 rules in force on ingress (HTTP 403 from the proxy)',
      ]);
      const dns = await request(
        server,
        '/api/trace?source=shop/app=api&destination=shop/app=dns&port=53&protocol=UDP&dns=www.example.com',
      );
      expect(dns.body.trace).toMatchObject({ l7: { kind: 'dns', verdict: 'allowed' } });
      const half = await request(server, `${base}&http-method=GET`);
      expect([half.status, half.body.error]).toEqual([
        400,
        'An HTTP request needs both http-method and http-path.',
      ]);
      const udp = await request(server, `${base}&protocol=UDP&http-method=GET&http-path=/`);
      expect([udp.status, udp.body.hint]).toEqual([
        400,
        'an HTTP request is http-method and http-path (with protocol TCP), optionally http-host and http-header NAME:VALUE (repeatable); a DNS query is dns NAME (with UDP or TCP); give one of the two',
      ]);
    } finally {
      await server.close();
    }
  });
});
