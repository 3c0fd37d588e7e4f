/**
 * `netpol ui` end to end: the built page (dist/ui) in Debian's chromium, headless, at 1280×800, against the
 * example repository. Screenshots of every view go to test-artifacts/ui/ (gitignored) for a person to look at.
 * One browser for the whole file keeps it fast.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateRepo } from '../../../bench/repo/generate-repo.js';
import { graphJson } from '../../../src/cli/output/graph.js';
import { layoutGraphView } from '../../../src/cli/ui/graph-layout.js';
import { defaultAssetsDir, startUiServer, type UiServer } from '../../../src/cli/ui/server.js';
import { connectivityGraph } from '../../../src/workflows/analysis/connectivity-graph.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { computeMatrix } from '../../../src/workflows/analysis/matrix.js';
import { startWatch } from '../../../src/workflows/watch/watch.js';
import { type Chromium, launchChromium } from '../../helpers/browser.js';
import { describeWithTools } from '../../helpers/system-tool.js';
import { startFakeRelay } from '../../hubble/helpers/fake-relay.js';
import { eventually, fixtureFlows, memoryLog, testWatchOptions } from '../../workflows/watch/helpers.js';

const HOMELAB = path.resolve(import.meta.dirname, '../../../examples/homelab');
const FLOWS = path.resolve(import.meta.dirname, '../../fixtures/flows/homelab-drops.jsonl');
const SHOTS = path.resolve(import.meta.dirname, '../../../test-artifacts/ui');

interface GraphHandle {
  netpolGraph: {
    cy: {
      edges(): { map<T>(f: (e: { id(): string; data(k: string): unknown }) => T): T[] };
      elements(selector: string): { map<T>(f: (e: { id(): string }) => T): T[] };
      nodes(): {
        map<T>(
          f: (n: { id(): string; data(k: string): unknown; position(axis: 'x' | 'y'): number }) => T,
        ): T[];
      };
      $id(id: string): { renderedMidpoint(): { x: number; y: number } };
    };
  };
}

describeWithTools(['chromium'], 'netpol ui in chromium', () => {
  let browser: Chromium;
  let server: UiServer;
  let page: Page;
  const errors: string[] = [];

  async function open(hash: string): Promise<void> {
    await page.evaluate(() => {
      delete document.body.dataset.ready;
    });
    const url = `${server.url}#/${hash}`;
    // The same hash again fires no hashchange: reload instead.
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
  }

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  }

  beforeAll(async () => {
    if (!fs.existsSync(path.join(defaultAssetsDir(), 'index.html'))) {
      throw new Error(`The page is not built (${defaultAssetsDir()}): run npm run build first.`);
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    [browser, server] = await Promise.all([
      launchChromium(),
      startUiServer({
        repo: { root: HOMELAB },
        flows: { input: { kind: 'file', path: FLOWS } },
        port: 0,
        watch: false,
      }),
    ]);
    page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    expect(errors).toEqual([]);
  });

  it('the graph shows exactly the allowed paths of the matrix', async () => {
    await open('graph');
    const edges = await page.evaluate(() =>
      (window as unknown as GraphHandle).netpolGraph.cy
        .edges()
        .map((e) => (e.data('cells') as string[]).join('+')),
    );
    const loaded = await loadForAnalysis({ root: HOMELAB });
    const m = computeMatrix(loaded.engine, loaded.catalog, loaded.repo.namespaces);
    const allowed = m.rows.flatMap((r) =>
      Object.entries(r.cells)
        .filter(([, v]) => v === 'allowed')
        .map(([c]) => `${r.namespace}|${c}`),
    );
    expect(edges.sort()).toEqual(allowed.sort());
    expect(await page.locator('#graph-summary').textContent()).toMatch(
      /^44 edges \(44 allowed paths\), 19 nodes\./,
    );
    // The view a page opens on is drawn where the server's dagre put it: the page runs no layout.
    expect(await page.evaluate(() => document.body.dataset.layout)).toBe('server');
    await shot('graph');
  });

  it('a reload draws the graph where dagre put it, without running the layout again', async () => {
    await open('graph?dir=egress');
    const positions = () =>
      page.evaluate(() =>
        (window as unknown as GraphHandle).netpolGraph.cy
          .nodes()
          .map((n) => `${n.id()}@${Math.round(n.position('x'))},${Math.round(n.position('y'))}`),
      );
    expect(await page.evaluate(() => document.body.dataset.layout)).toBe('dagre');
    const first = await positions();
    // The browser's dagre and the server's (cytoscape headless, the same style and element order) agree.
    const loaded = await loadForAnalysis({ root: HOMELAB });
    const graph = graphJson(connectivityGraph(loaded.engine, loaded.catalog, loaded.repo.namespaces));
    const server = layoutGraphView(graph, { filters: { ns: '', port: '', dir: 'egress' } });
    expect(first).toEqual(
      Object.entries(server.positions).map(([id, [x, y]]) => `${id}@${Math.round(x)},${Math.round(y)}`),
    );
    await open('graph?dir=egress');
    expect(await page.evaluate(() => document.body.dataset.layout)).toBe('saved');
    expect(await positions()).toEqual(first);
  });

  it('a click on an edge shows the explanation with the rules at file:line', async () => {
    await open('graph');
    const box = await page.locator('#cy').boundingBox();
    const mid = await page.evaluate(() =>
      (window as unknown as GraphHandle).netpolGraph.cy.$id('e:billing|grant-postgres').renderedMidpoint(),
    );
    expect(box).not.toBeNull();
    await page.mouse.click((box?.x ?? 0) + mid.x, (box?.y ?? 0) + mid.y);
    const panel = page.locator('#explain .explanation');
    await panel.waitFor();
    expect(await panel.locator('h3').textContent()).toBe('ALLOWED billing → database 5432/TCP');
    const links = await panel.locator('.source-link').allTextContents();
    expect(links).toEqual([
      'network-policy/shared-resources/postgres.yaml:16',
      'network-policy/platform/database.yaml:58',
    ]);
    expect(page.url()).toContain('cell=billing%7Cgrant-postgres');
    await shot('graph-edge-explained');
    await panel.locator('.source-link').first().click();
    await page.locator('#source-view .src-line.current').waitFor();
    expect(await page.locator('#source-view .src-line.current').getAttribute('data-line')).toBe('16');
    await shot('source-dialog');
    await page.keyboard.press('Escape');
  });

  it('the matrix beside the graph works by keyboard: arrows move, Enter explains', async () => {
    await open('graph');
    await page.locator('[data-cell="web|grant-postgres"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#explain .explanation[data-verdict="denied"]').waitFor();
    expect(await page.locator('#explain .explanation h3').textContent()).toBe(
      'DENIED web → database 5432/TCP',
    );
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-cell'))).toBe(
      'web|gateway-external',
    );
  });

  it('the graph canvas works by keyboard: Tab reaches it, arrows walk nodes and edges, Enter explains', async () => {
    await open('graph');
    const cursor = async () => (await page.locator('#graph-cursor').textContent()) ?? '';
    const marked = () =>
      page.evaluate(() =>
        (window as unknown as GraphHandle).netpolGraph.cy.elements('.kbd').map((e) => e.id()),
      );
    await page.locator('#f-grouped').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cy');
    expect(await cursor()).toBe(
      'istio-gateway/gateway-name=external (workload): 2 edge(s) out, 0 in. → walks its edges.',
    );
    await page.keyboard.type('billing');
    expect([await cursor(), await marked()]).toEqual([
      'billing (namespace): 4 edge(s) out, 2 in. → walks its edges.',
      ['billing'],
    ]);
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    expect([await cursor(), await marked()]).toEqual([
      'Edge billing → database, 5432/TCP (edge 4 of 6 of billing). Enter explains it, Escape goes back to the node.',
      ['e:billing|grant-postgres'],
    ]);
    await page.keyboard.press('Enter');
    const panel = page.locator('#explain .explanation');
    await panel.waitFor();
    expect(await panel.locator('h3').textContent()).toBe('ALLOWED billing → database 5432/TCP');
    expect(await panel.locator('.source-link').allTextContents()).toEqual([
      'network-policy/shared-resources/postgres.yaml:16',
      'network-policy/platform/database.yaml:58',
    ]);
    expect(page.url()).toContain('cell=billing%7Cgrant-postgres');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cy');
    await shot('graph-keyboard');
    await page.keyboard.press('ArrowLeft');
    expect(await marked()).toEqual(['e:billing|dns']);
    await page.keyboard.press('Escape');
    expect(await cursor()).toBe('billing (namespace): 4 edge(s) out, 2 in. → walks its edges.');
    await page.keyboard.press('ArrowDown');
    expect(await marked()).toEqual(['dashboard']);
  });

  it('the trace form answers as on the terminal, and its URL is the answer', async () => {
    await open('trace');
    await page.locator('#source').fill('docs');
    await page.locator('#destination').fill('database');
    await page.locator('#port').fill('5432');
    await page.locator('#port').press('Enter');
    await page.locator('#trace-text').waitFor();
    expect((await page.locator('#trace-text').textContent())?.split('\n')[0]).toBe(
      'DENIED  docs → database 5432/TCP',
    );
    expect(page.url()).toMatch(/#\/trace\?source=docs&destination=database&port=5432&protocol=TCP$/);
    await open('trace?source=billing&destination=database&port=5432');
    await page.locator('#trace-text').waitFor();
    expect((await page.locator('#trace-text').textContent())?.split('\n')[0]).toBe(
      'ALLOWED  billing → database 5432/TCP',
    );
    await shot('trace');
    await open('trace?source=billing&destination=database&port=70000');
    await page.locator('#trace-result .error').waitFor();
    expect(await page.locator('#trace-result .error').textContent()).toBe(
      'error: port 70000 is out of range 1-65535',
    );
  });

  it('the trace form asks an L7 request as --http does, and keeps it in the URL', async () => {
    await open('trace?source=billing&destination=database&port=5432');
    await page.locator('#trace-text').waitFor();
    expect(await page.locator('details.l7').getAttribute('open')).toBe(null);
    await page.locator('details.l7 summary').click();
    await page.locator('#http-method').fill('GET');
    await page.locator('#http-path').fill('/metrics');
    await page.locator('#http-headers').fill('X-Env: prod\nX-Trace: 1');
    await page.locator('#http-path').press('Enter');
    await page.locator('#trace-text').filter({ hasText: 'L7 GET /metrics' }).waitFor();
    await shot('trace-l7');
    expect(page.url()).toMatch(
      /#\/trace\?source=billing&destination=database&port=5432&protocol=TCP&http-method=GET&http-path=%2Fmetrics&http-headers=X-Env%3A\+prod%0AX-Trace%3A\+1$/,
    );
    await open(
      'trace?source=billing&destination=database&port=5432&protocol=UDP&http-method=GET&http-path=/',
    );
    await page.locator('#trace-result .error').waitFor();
    expect(await page.locator('details.l7').getAttribute('open')).toBe('');
    expect(await page.locator('#trace-result .error').textContent()).toBe(
      'error: --http needs --protocol TCP (HTTP rules are TCP-only)',
    );
  });

  it('the what-if of giving web the postgres grant opens exactly web → database:5432', async () => {
    await open('what-if?namespace=web');
    await page.locator('#whatif-summary').waitFor();
    expect(await page.locator('#whatif-summary').textContent()).toBe('0 path(s) open, 0 close.');
    await page.locator('input[name="grant"][value="postgres"]').focus();
    await page.keyboard.press('Space');
    await page.locator('#whatif-opened').waitFor();
    expect(await page.locator('#whatif-summary').textContent()).toBe('1 path(s) open, 0 close.');
    expect(
      await page.locator('#whatif-opened li').evaluateAll((l) => l.map((e) => e.getAttribute('data-edge'))),
    ).toEqual(['web|grant-postgres']);
    expect(await page.locator('#whatif-patch').textContent()).toContain(
      '+    access.network-policy.homelab/postgres: "true"',
    );
    await shot('what-if');
  });

  it('the system and drops views show the example', async () => {
    await open('system');
    expect(
      await page
        .locator('#profile-standard ~ ul [data-namespace]')
        .evaluateAll((l) => l.map((e) => e.getAttribute('data-namespace'))),
    ).toEqual(['docs', 'web']);
    expect(await page.locator('#platform ~ ul [data-namespace]').count()).toBe(7);
    await shot('system');
    await open('drops');
    expect(await page.locator('.drop').count()).toBe(9);
    expect(await page.locator('.drop').first().locator('pre.diff').textContent()).toContain(
      '+    access.network-policy.homelab/postgres: "true"',
    );
    await shot('drops');
  });

  it('with --watch, the drops of a running netpol watch with the patch to commit and a what-if link', async () => {
    const relay = await startFakeRelay({ flows: fixtureFlows('homelab-drops.jsonl') });
    const watcher = await startWatch(testWatchOptions(HOMELAB, relay.address, memoryLog().log));
    const ui = await startUiServer({
      repo: { root: HOMELAB },
      watchUrl: `http://127.0.0.1:${watcher.port}`,
      port: 0,
      watch: false,
    });
    try {
      await page.goto(`${ui.url}#/drops`);
      await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
      await eventually('the page shows the 9 groups', async () => {
        await page.locator('#drops-refresh').click();
        return (await page.locator('.drop').count()) === 9;
      });
      expect(await page.locator('.summary').textContent()).toMatch(
        new RegExp(
          `^14 policy drop\\(s\\) in 9 group\\(s\\) from Hubble Relay at ${relay.address} \\(netpol watch at http://127\\.0\\.0\\.1:${watcher.port}/drops, repository ${watcher.revision()}\\)\\. Refresh$`,
        ),
      );
      const web = page.locator('.drop').first();
      expect(await web.locator('pre.diff').textContent()).toContain(
        '+    access.network-policy.homelab/postgres: "true"',
      );
      await shot('drops-watch');
      await web.getByRole('link', { name: 'What-if for web' }).click();
      await page.waitForSelector('#whatif-opened li');
      expect(
        await page.locator('#whatif-opened li').evaluateAll((l) => l.map((e) => e.getAttribute('data-edge'))),
      ).toEqual(['web|grant-postgres']);
    } finally {
      await ui.close();
      await watcher.stop();
      await relay.close();
    }
  });

  it('follows the repository on disk: a change reloads the page with the new paths', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-ui-reload-'));
    fs.cpSync(HOMELAB, root, { recursive: true });
    const live = await startUiServer({ repo: { root }, port: 0, reloadDelayMs: 50 });
    const hasEdge = () =>
      page.evaluate(() =>
        (window as unknown as GraphHandle).netpolGraph.cy
          .edges()
          .map((e) => e.id())
          .includes('e:web|grant-postgres'),
      );
    try {
      await page.goto(`${live.url}#/graph`);
      await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
      expect(await hasEdge()).toBe(false);
      expect(await page.locator('[data-cell="web|grant-postgres"]').getAttribute('class')).toBe(
        'cell denied',
      );
      const web = path.join(root, 'namespaces/web.yaml');
      fs.writeFileSync(
        web,
        `${fs.readFileSync(web, 'utf8').trimEnd()}\n    access.network-policy.homelab/postgres: "true"\n`,
      );
      await page.waitForFunction(
        () =>
          document.getElementById('status')?.textContent ===
          'Repository changed on disk: reloaded (version 2).',
        undefined,
        { timeout: 15_000 },
      );
      await page.waitForSelector('[data-cell="web|grant-postgres"].allowed', { timeout: 15_000 });
      expect(await hasEdge()).toBe(true);
      expect(await page.locator('#graph-summary').textContent()).toMatch(
        /^45 edges \(45 allowed paths\), 19 nodes\./,
      );
      await shot('graph-reloaded');
    } finally {
      await live.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('a large repository starts grouped by profile and a group expands', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-ui-large-'));
    for (const [rel, text] of Object.entries(generateRepo({ namespaces: 120 }))) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    const large = await startUiServer({ repo: { root }, port: 0, watch: false });
    try {
      await page.goto(`${large.url}#/graph`);
      await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
      const groups = () =>
        page.evaluate(() =>
          (window as unknown as GraphHandle).netpolGraph.cy
            .nodes()
            .map((n) => n.id())
            .filter((id) => id.startsWith('group:')),
        );
      expect((await groups()).sort()).toEqual([
        'group:platform',
        'group:profile:internal',
        'group:profile:internal-egress',
        'group:profile:isolated',
        'group:profile:standard',
      ]);
      expect(await page.evaluate(() => document.body.dataset.layout)).toBe('server');
      await shot('graph-grouped');
      await page.getByRole('button', { name: 'expand profile standard' }).click();
      expect((await groups()).includes('group:profile:standard')).toBe(false);
      expect(page.url()).toContain('expand=profile%3Astandard');
      // The same by keyboard, on the canvas: type the group's name, Enter expands it.
      await page.locator('#cy').focus();
      await page.keyboard.type('profile isolated');
      expect(await page.locator('#graph-cursor').textContent()).toMatch(
        /^profile isolated \(\d+\) \(folded group\): \d+ edge\(s\) out, \d+ in\. Enter expands it\.$/,
      );
      await page.keyboard.press('Enter');
      expect((await groups()).includes('group:profile:isolated')).toBe(false);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('cy');
    } finally {
      await large.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
