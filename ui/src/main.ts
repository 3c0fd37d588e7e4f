import './style.css';
import { api, type Meta } from './api.js';
import { h, replace } from './dom.js';
import { renderDrops } from './views/drops.js';
import { renderGraph } from './views/graph.js';
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

const VIEWS: Record<string, { title: string; render: View }> = {
  system: { title: 'System', render: renderSystem },
  graph: { title: 'Connectivity', render: renderGraph },
  trace: { title: 'Trace', render: renderTrace },
  drops: { title: 'Drops', render: renderDrops },
  'what-if': { title: 'What-if', render: renderWhatIf },
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
  const def = VIEWS[view] as { title: string; render: View };
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${def.title} · netpol`;
  try {
    meta = await api.meta();
    (document.getElementById('repo') as HTMLElement).textContent =
      `${meta.root} · ${meta.namespaces.length} namespaces · ${meta.policies} policies`;
    if (id !== rendering) return;
    const container = h('div', { class: `view view-${view}` });
    replace(main, container);
    await def.render(container, params, { meta, setQuery: (p) => setQuery(view, p) });
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
