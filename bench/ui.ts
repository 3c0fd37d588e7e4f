/**
 * `netpol ui` benchmark, in the browser the end-to-end tests use (Debian's chromium through playwright-core,
 * test/helpers/browser.ts): the first render of the example's graph and system views, and for a generated
 * repository of N namespaces (bench/repo/generate-repo.ts) the server's load, the first render of the graph
 * grouped by profile and the expansion of its largest group. Targets (issue 11): the example under 1 s, the
 * grouped view of 1,000 namespaces under 2 s. A render is timed in the driver from the start of the navigation
 * (`page.goto` from about:blank) to the page marking the view ready (`body[data-ready]`): for the graph, once
 * cytoscape has drawn its first frame with every node placed and its handlers bound, the matrix beside it drawn,
 * fetches of the page, its code and the API included. Cold is the first load of the page in a fresh browser (the
 * median of 5 browsers, each started by one untimed navigation to the origin), warm the median of `--repeat`
 * reloads in the same page (a reload finds its layout in sessionStorage). For the graph views the page's own
 * `performance` marks of the cold renders say where the time went (ms since the navigation start, medians): the
 * entry parsed, `/api/graph` answered, the view's code run, cytoscape made, elements added, nodes placed, the
 * matrix drawn, the first frame drawn. The baseline, measured the
 * same way in the same run, is a static page of the same origin that is ready as soon as it is parsed (answered by
 * the browser driver, no server): what navigation and the driver cost on this machine at this moment, so
 * "render − baseline" is the page's own work.
 * Run: `npm run build && node dist/bench/ui.js [--sizes 1000]` (`--sizes ''`: the example only), or
 * `npm run bench -- --only ui`.
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
  /** First render in a fresh browser, ms (median over the cold browsers). */
  readonly coldMs: number;
  /** Median of the renders that follow in the same page, ms. */
  readonly warmMs: number;
  /** The baseline measured alongside (a static page of the same origin), cold and warm, ms. */
  readonly baseline: { readonly coldMs: number; readonly warmMs: number };
  /** Nodes and edges drawn, and where the graph's positions came from (`server`, `saved`, `dagre`). */
  readonly drawn: string;
  /** Graph views: milestones of the cold renders, ms since the navigation start (medians); else null. */
  readonly milestones: Milestones | null;
}

/** Milestones of a graph render, ms since the navigation start (see the file's comment). */
export interface Milestones {
  readonly entry: number;
  readonly graphAnswer: number;
  readonly viewCode: number;
  readonly cytoscape: number;
  readonly elements: number;
  readonly placed: number;
  readonly matrix: number;
  readonly drawn: number;
}

const MILESTONES = `(() => {
  const mark = (n) => { const e = performance.getEntriesByName(n, 'mark')[0]; return e ? e.startTime : NaN; };
  const answer = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/graph'));
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    entry: nav ? nav.domContentLoadedEventEnd : NaN,
    graphAnswer: answer ? answer.responseEnd : NaN,
    viewCode: mark('netpol:view-code'),
    cytoscape: mark('graph:cytoscape'),
    elements: mark('graph:elements'),
    placed: mark('graph:layout'),
    matrix: mark('graph:matrix'),
    drawn: mark('graph:drawn'),
  };
})()`;

function medianMilestones(all: readonly Milestones[]): Milestones | null {
  const first = all[0];
  if (!first) return null;
  const out: Record<string, number> = {};
  for (const k of Object.keys(first)) out[k] = median(all.map((m) => m[k as keyof Milestones]));
  return out as unknown as Milestones;
}

/** The path of the baseline page, answered by the driver (`page.route`), never by the server. */
const BASELINE_PATH = '__netpol_bench_baseline';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function withBaseline(page: Page): Promise<Page> {
  await page.route(`**/${BASELINE_PATH}`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><html lang="en"><title>baseline</title><body data-ready="baseline"><p>baseline</p></body></html>',
    }),
  );
  return page;
}

async function render(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return performance.now() - t0;
}

/** What the graph drew and where its positions came from (the page runs in the browser: these are strings of page code). */
function drawn(page: Page): Promise<string> {
  return page.evaluate(
    `(() => { const g = window.netpolGraph; return g ? g.cy.nodes().length + ' nodes, ' + g.cy.edges().length + ' edges (positions: ' + document.body.dataset.layout + ')' : '—'; })()`,
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
  options: { readonly repeat: number; readonly cold: number },
): Promise<UiBenchRow[]> {
  const t0 = performance.now();
  const server = await startUiServer({ repo: { root }, port: 0, watch: false });
  const serverMs = performance.now() - t0;
  const targets: [string, string][] = [
    ['baseline', BASELINE_PATH],
    ...views.map(([v, hash]): [string, string] => [v, `#/${hash}`]),
  ];
  const cold = new Map<string, number[]>(targets.map(([v]) => [v, []]));
  const warm = new Map<string, number[]>(targets.map(([v]) => [v, []]));
  const drawnBy = new Map<string, string>();
  const coldDrawn = new Map<string, string>();
  const milestones = new Map<string, Milestones[]>(targets.map(([v]) => [v, []]));
  const rows: UiBenchRow[] = [];
  try {
    // Cold: each target of each round gets a fresh browser (empty cache and storage) whose first navigation to the
    // server's origin (the baseline page, not timed) has already started the browser's processes; the first round's
    // page then reloads its target for the warm renders.
    for (let round = 0; round < options.cold; round++) {
      for (const [view, target] of targets) {
        const browser = await launchChromium();
        try {
          const page = await withBaseline(await browser.context.newPage());
          await render(page, `${server.url}${BASELINE_PATH}`);
          cold.get(view)?.push(await render(page, `${server.url}${target}`));
          if (view.startsWith('graph')) {
            milestones.get(view)?.push(await page.evaluate<Milestones>(MILESTONES));
            if (round === 0) coldDrawn.set(view, await drawn(page));
          }
          if (round === 0) {
            for (let i = 0; i < options.repeat; i++)
              warm.get(view)?.push(await render(page, `${server.url}${target}`));
            drawnBy.set(view, await drawn(page));
            if (view === 'graph (grouped)') {
              const times: number[] = [];
              for (let i = 0; i < Math.max(1, options.repeat); i++) {
                await render(page, `${server.url}${target}`);
                times.push(await page.evaluate<number>(EXPAND_LARGEST));
              }
              rows.push({
                repo: name,
                view: 'expand a profile group',
                serverMs: null,
                coldMs: times[0] ?? 0,
                warmMs: median(times.slice(1).length > 0 ? times.slice(1) : times),
                baseline: { coldMs: 0, warmMs: 0 },
                drawn: await drawn(page),
                milestones: null,
              });
            }
          }
        } finally {
          await browser.close();
        }
      }
    }
  } finally {
    await server.close();
  }
  const baseline = { coldMs: median(cold.get('baseline') ?? []), warmMs: median(warm.get('baseline') ?? []) };
  const measured = views.map(
    ([view]): UiBenchRow => ({
      repo: name,
      view,
      serverMs: null,
      coldMs: median(cold.get(view) ?? []),
      warmMs: median(warm.get(view) ?? []),
      baseline,
      drawn: coldDrawn.has(view)
        ? `cold: ${coldDrawn.get(view)}; warm: ${drawnBy.get(view) ?? '—'}`
        : (drawnBy.get(view) ?? '—'),
      milestones: medianMilestones(milestones.get(view) ?? []),
    }),
  );
  const first = measured[0];
  if (first) measured[0] = { ...first, serverMs };
  const expand = rows.filter((r) => r.view === 'expand a profile group').map((r) => ({ ...r, baseline }));
  return [...measured, ...expand];
}

/**
 * Measures the example repository and generated ones of the given sizes.
 * @param sizes - Application namespaces of the generated repositories.
 * @param repeat - Warm renders after the cold one (their median is reported).
 * @param coldRounds - Fresh browsers for the cold renders (their median is reported).
 */
export async function measureUi(sizes: readonly number[], repeat = 5, coldRounds = 5): Promise<UiBenchRow[]> {
  const options = { repeat, cold: coldRounds };
  const rows = await measureRepo(
    'examples/homelab',
    path.join(PROJECT, 'examples/homelab'),
    [
      ['graph', 'graph'],
      ['system', 'system'],
    ],
    options,
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
          options,
        )),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The rows as a Markdown table (renders in ms, medians; the baseline is the one measured with each repository). */
export function uiBenchTable(rows: readonly UiBenchRow[]): string {
  const ms = (x: number | null) => (x === null ? '' : Math.round(x).toLocaleString('en-US'));
  let out =
    '| repository | view | server start ms | render cold | render warm | baseline cold / warm | cold − baseline | warm − baseline | drawn |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n';
  for (const r of rows) {
    const expand = r.view === 'expand a profile group';
    out += `| ${r.repo} | ${r.view} | ${ms(r.serverMs)} | ${ms(r.coldMs)} | ${ms(r.warmMs)} | ${expand ? '' : `${ms(r.baseline.coldMs)} / ${ms(r.baseline.warmMs)}`} | ${expand ? '' : ms(r.coldMs - r.baseline.coldMs)} | ${expand ? '' : ms(r.warmMs - r.baseline.warmMs)} | ${r.drawn} |\n`;
  }
  const graphs = rows.filter((r) => r.milestones !== null);
  if (graphs.length > 0) {
    out +=
      '\nCold graph renders, ms since the navigation start in the page (medians): entry parsed, /api/graph answered, view code run, cytoscape made, elements added, nodes placed, matrix drawn, first frame drawn.\n\n| repository | view | entry | /api/graph | view code | cytoscape | elements | placed | matrix | drawn |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n';
    for (const r of graphs) {
      const m = r.milestones as Milestones;
      out += `| ${r.repo} | ${r.view} | ${[m.entry, m.graphAnswer, m.viewCode, m.cytoscape, m.elements, m.placed, m.matrix, m.drawn].map(ms).join(' | ')} |\n`;
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--sizes');
  const sizes = (i >= 0 ? (process.argv[i + 1] ?? '1000') : '1000')
    .split(',')
    .filter((n) => n !== '')
    .map(Number);
  const rows = await measureUi(sizes);
  process.stdout.write(`## ui (chromium ${os.platform()}, 1280×800)\n\n${uiBenchTable(rows)}`);
}
