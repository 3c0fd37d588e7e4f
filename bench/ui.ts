/**
 * `netpol ui` benchmark, in the browser the end-to-end tests use (Debian's chromium through playwright-core,
 * test/helpers/browser.ts): the first render of the example's graph and system views, and for a generated
 * repository of N namespaces (bench/repo/generate-repo.ts) the server's load, the first render of the graph
 * grouped by profile and the expansion of its largest group. Targets (issue 11): the example under 1 s, the
 * grouped view of 1,000 namespaces under 2 s. A render is timed from the navigation to the page marking the
 * view ready (`body[data-ready]`), fetches of the API included; cold is the first load of a fresh browser.
 * Run: `npm run build && node dist/bench/ui.js [--sizes 1000]`, or `npm run bench -- --only ui`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { startUiServer } from '../src/cli/ui/server.js';
import { launchChromium } from '../test/helpers/browser.js';
import { generateRepo } from './repo/generate-repo.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The project root, from bench/ (tsx) or dist/bench/ (compiled). */
const PROJECT =
  path.basename(path.dirname(HERE)) === 'dist' ? path.resolve(HERE, '../..') : path.resolve(HERE, '..');

/** One measured view. */
export interface UiBenchRow {
  /** `homelab` or `N namespaces`. */
  readonly repo: string;
  /** `graph`, `graph (grouped)`, `system`, `expand largest group`. */
  readonly view: string;
  /** Server start (load, engine, catalogue), ms; null for rows after the first of a repository. */
  readonly serverMs: number | null;
  /** First render in a fresh page, ms. */
  readonly coldMs: number;
  /** Best of the following renders, ms. */
  readonly warmMs: number;
  /** Nodes and edges drawn. */
  readonly drawn: string;
}

async function render(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return performance.now() - t0;
}

/** What the graph drew (the page runs in the browser: these are strings of page code). */
function drawn(page: Page): Promise<string> {
  return page.evaluate(
    `(() => { const g = window.netpolGraph; return g ? g.cy.nodes().length + ' nodes, ' + g.cy.edges().length + ' edges' : '—'; })()`,
  );
}

/** Clicks the button of the largest folded group and returns how long the page took to redraw, in ms. */
const EXPAND_LARGEST = `(() => {
  const count = (b) => Number((/\\((\\d+)\\)/.exec(b.textContent || '') || [0, 0])[1]);
  const largest = [...document.querySelectorAll('#groups button')].sort((a, b) => count(b) - count(a))[0];
  const t = performance.now();
  if (largest) largest.click();
  return performance.now() - t;
})()`;

async function measureRepo(
  name: string,
  root: string,
  views: readonly [string, string][],
  repeat: number,
): Promise<UiBenchRow[]> {
  const t0 = performance.now();
  const server = await startUiServer({ repo: { root }, port: 0, watch: false });
  const serverMs = performance.now() - t0;
  const browser = await launchChromium();
  const rows: UiBenchRow[] = [];
  try {
    for (const [view, hash] of views) {
      const page = await browser.context.newPage();
      const cold = await render(page, `${server.url}#/${hash}`);
      let warm = Number.POSITIVE_INFINITY;
      for (let i = 0; i < repeat; i++) warm = Math.min(warm, await render(page, `${server.url}#/${hash}`));
      rows.push({
        repo: name,
        view,
        serverMs: rows.length === 0 ? serverMs : null,
        coldMs: cold,
        warmMs: warm,
        drawn: await drawn(page),
      });
      if (view === 'graph (grouped)') {
        const times: number[] = [];
        for (let i = 0; i < Math.max(1, repeat); i++) {
          await render(page, `${server.url}#/${hash}`);
          times.push(await page.evaluate<number>(EXPAND_LARGEST));
        }
        rows.push({
          repo: name,
          view: 'expand a profile group',
          serverMs: null,
          coldMs: times[0] ?? 0,
          warmMs: Math.min(...times),
          drawn: await drawn(page),
        });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}

/**
 * Measures the example repository and generated ones of the given sizes.
 * @param sizes - Application namespaces of the generated repositories.
 * @param repeat - Warm renders after the cold one.
 */
export async function measureUi(sizes: readonly number[], repeat = 3): Promise<UiBenchRow[]> {
  const rows = await measureRepo(
    'examples/homelab',
    path.join(PROJECT, 'examples/homelab'),
    [
      ['graph', 'graph'],
      ['system', 'system'],
    ],
    repeat,
  );
  for (const n of sizes) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netpol-bench-ui-'));
    try {
      for (const [rel, text] of Object.entries(generateRepo({ namespaces: n }))) {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), text);
      }
      rows.push(
        ...(await measureRepo(
          `${n.toLocaleString('en-US')} namespaces`,
          dir,
          [['graph (grouped)', 'graph']],
          repeat,
        )),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The rows as a Markdown table. */
export function uiBenchTable(rows: readonly UiBenchRow[]): string {
  const ms = (x: number | null) => (x === null ? '' : Math.round(x).toLocaleString('en-US'));
  let out =
    '| repository | view | server start ms | first render ms (cold) | render ms (warm, best) | drawn |\n|---|---|---:|---:|---:|---|\n';
  for (const r of rows)
    out += `| ${r.repo} | ${r.view} | ${ms(r.serverMs)} | ${ms(r.coldMs)} | ${ms(r.warmMs)} | ${r.drawn} |\n`;
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--sizes');
  const sizes = (i >= 0 ? (process.argv[i + 1] ?? '1000') : '1000').split(',').map(Number);
  const rows = await measureUi(sizes);
  process.stdout.write(`## ui (chromium ${os.platform()}, 1280×800)\n\n${uiBenchTable(rows)}`);
}
