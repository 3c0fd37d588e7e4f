import './style.css';
import { api, type Meta, prefetch } from './api.js';
import { h, replace } from './dom.js';
import { renderDrops } from './views/drops.js';
import { renderSystem } from './views/system.js';
import { renderTrace } from './views/trace.js';
import { renderWhatIf } from './views/what-if.js';

/** What every view gets: the repository's summary and a way to change the URL without re-rendering. */
export interface ViewContext {
  readonly meta: Meta;
  /** Replaces the query of the current view in the URL (linkable state), without re-rendering. */
  readonly setQuery: (params: Record<string, string>) => void;
}

type View = (main: HTMLElement, params: URLSearchParams, ctx: ViewContext) => Promise<void>;

interface ViewDef {
  readonly title: string;
  /** The view's code: the graph view (cytoscape.js and dagre, most of the page's bytes) is its own chunk. */
  readonly load: () => Promise<View>;
  /** The API answer the view asks first, asked for at once, beside `/api/meta` and the view's code. */
  readonly first?: 'api/graph' | 'api/system';
}

const VIEWS: Record<string, ViewDef> = {
  system: { title: 'System', load: async () => renderSystem, first: 'api/system' },
  graph: {
    title: 'Connectivity',
    load: () => import('./views/graph.js').then((m) => m.renderGraph),
    first: 'api/graph',
  },
  trace: { title: 'Trace', load: async () => renderTrace },
  drops: { title: 'Drops', load: async () => renderDrops },
  'what-if': { title: 'What-if', load: async () => renderWhatIf },
};

const main = document.getElementById('main') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
let meta: Meta | null = null;
let rendering = 0;

function parseHash(): { view: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name = '', query = ''] = raw.split('?', 2);
  return { view: name in VIEWS ? name : 'system', params: new URLSearchParams(query) };
}

function setQuery(view: string, params: Record<string, string>): void {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  history.replaceState(null, '', `#/${view}${qs ? `?${qs}` : ''}`);
}

async function render(): Promise<void> {
  const id = ++rendering;
  const { view, params } = parseHash();
  const def = VIEWS[view] as ViewDef;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${def.title} · netpol`;
  try {
    // The view's code, its first API answer and the summary travel at once, not one after the other.
    prefetch(def.first);
    const [m, renderView] = await Promise.all([
      api.meta(),
      def.load().then((v) => {
        performance.mark('netpol:view-code');
        return v;
      }),
    ]);
    meta = m;
    (document.getElementById('repo') as HTMLElement).textContent =
      `${meta.root} · ${meta.namespaces.length} namespaces · ${meta.policies} policies`;
    if (id !== rendering) return;
    const container = h('div', { class: `view view-${view}` });
    replace(main, container);
    await renderView(container, params, { meta, setQuery: (p) => setQuery(view, p) });
    document.body.dataset.ready = view;
  } catch (e) {
    if (id !== rendering) return;
    replace(
      main,
      h('p', { class: 'error', role: 'alert' }, `Cannot show ${def.title}: ${(e as Error).message}`),
    );
    document.body.dataset.ready = view;
  }
}

window.addEventListener('hashchange', () => {
  delete document.body.dataset.ready;
  void render().then(() => main.focus({ preventScroll: true }));
});

(document.getElementById('source-view-close') as HTMLButtonElement).addEventListener('click', () =>
  (document.getElementById('source-view') as HTMLDialogElement).close(),
);

// The server reloads the repository when a file changes and announces the new version here.
const events = new EventSource('api/events');
let seen: number | null = null;
events.addEventListener('version', (e) => {
  const v = Number((e as MessageEvent<string>).data);
  if (seen !== null && v !== seen) {
    status.textContent = `Repository changed on disk: reloaded (version ${v}).`;
    void render();
  }
  seen = v;
});

void render();
