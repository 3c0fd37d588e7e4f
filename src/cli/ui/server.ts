import { existsSync, type FSWatcher, realpathSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { NetpolError } from '../../errors.js';
import type { FlowFilterFlags } from '../../hubble/filter.js';
import { connectivityGraph } from '../../workflows/analysis/connectivity-graph.js';
import { lintRepo } from '../../workflows/analysis/lint.js';
import { type LoadedRepo, loadForAnalysis, type RepoOptions } from '../../workflows/analysis/load.js';
import { systemOverview } from '../../workflows/analysis/system-overview.js';
import {
  PEER_SYNTAX,
  parseTraceRequest,
  type TraceRequest,
  traceFlow,
  traceParsed,
} from '../../workflows/analysis/trace.js';
import { whatIf } from '../../workflows/analysis/what-if.js';
import { dropLabelPatches } from '../../workflows/flows/drop-patches.js';
import { applyDropFixes, findDrops } from '../../workflows/flows/drops.js';
import { describeFlowInput, type FlowInput } from '../../workflows/flows/flow-source.js';
import { readWatchDrops } from '../../workflows/watch/drops-client.js';
import { dropsJson, formatDropsText } from '../output/drops.js';
import { graphJson } from '../output/graph.js';
import { formatTraceText, traceJson } from '../output/trace.js';
import { layoutGraphView } from './graph-layout.js';

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  /** How to load the repository; `root` is required (the page reads a directory, not `-f`). */
  readonly repo: RepoOptions & { readonly root: string };
  /**
   * Where the drops view reads flows: a capture of `hubble observe -o json` (read once per repository version) or
   * a Hubble Relay (read again on every request, so the page's Refresh shows new drops), with `hubble observe`
   * filters. Default: none (the view says how to give flows).
   */
  readonly flows?: { readonly input: FlowInput; readonly filter?: FlowFilterFlags };
  /**
   * Base URL of a running `netpol watch` (e.g. `http://127.0.0.1:9090`): the drops view shows its `/drops`
   * groups, asked again on every request, with the label patches of their fixes computed against this
   * repository. Not with `flows`. Default: none.
   */
  readonly watchUrl?: string;
  /** Address to bind. Default: `127.0.0.1`. */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. Default: `7070`. */
  readonly port?: number;
  /** Folder of the built page (index.html, assets/). Default: the package's `dist/ui`. */
  readonly assetsDir?: string;
  /** Reload the repository when a file below the root changes. Default: `true`. */
  readonly watch?: boolean;
  /** Delay between the last change on disk and the reload, in ms. Default: `200`. */
  readonly reloadDelayMs?: number;
  /** Called with a sentence for each reload and each unexpected error. Default: none. */
  readonly log?: (line: string) => void;
  /**
   * Compute the answers a page asks first in the background, so the first page load finds them ready:
   * `/api/meta` and `/api/graph` (with its layout) as soon as a version of the repository is loaded, `/api/system`
   * (which lints the whole repository) once a page has asked for `/api/meta` and no request has come for
   * `quietMs`, so that it does not hold up the requests of a page being drawn (a page that opens on the System
   * view asks for it at once and has it computed then). Default: `true`.
   */
  readonly precompute?: boolean;
  /** How long the server waits without a request before it lints in the background, in ms. Default: `1000`. */
  readonly quietMs?: number;
}

/** A running UI server. */
export interface UiServer {
  /** `http://host:port/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Incremented on every reload of the repository (starts at 1). */
  version(): number;
  /** Resolves once the repository as loaded for the current version is ready. */
  ready(): Promise<void>;
  /** Stops watching and listening; open event streams are ended. */
  close(): Promise<void>;
}

interface State {
  readonly version: number;
  readonly loaded: Promise<LoadedRepo>;
  readonly cache: Map<string, Promise<unknown>>;
}

/** A JSON body serialised once per repository version (large answers are asked for again and again). */
class JsonText {
  constructor(readonly text: string) {}
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
    /** The NetpolError code behind the answer, when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * A handler that rethrows the failure of the server the drops view reads as 502 Bad Gateway (the request was
 * fine, the upstream was not): `NETPOL_INPUT_UNREADABLE` of `readWatchDrops` (netpol watch unreachable, not 200,
 * not a drops report) or `NETPOL_HUBBLE_FAILED` of a Relay. Other errors pass unchanged.
 * @param code - the NetpolError code that means the upstream failed.
 */
function upstreamFailed(code: 'NETPOL_INPUT_UNREADABLE' | 'NETPOL_HUBBLE_FAILED'): (e: unknown) => never {
  return (e) => {
    if (e instanceof NetpolError && e.code === code) throw new HttpError(502, e.message, e.hint, e.code);
    throw e;
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/**
 * The package's built page: `dist/ui` beside the compiled sources (`dist/src/cli/ui/` → `dist/ui/`), or the
 * project's `dist/ui` when run from `src/` (tests). The page's sources in `ui/` are never served.
 */
export function defaultAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // The bundled CLI runs from dist/cli, beside dist/ui.
  if (path.basename(here) === 'cli' && path.basename(path.dirname(here)) === 'dist') {
    return path.resolve(here, '../ui');
  }
  const compiled = path.basename(path.resolve(here, '../../..')) === 'dist';
  return compiled ? path.resolve(here, '../../../ui') : path.resolve(here, '../../../dist/ui');
}

/** Whether an address is a loopback one (`127.0.0.0/8`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Whether a request's Host header names the server bound to `host:port` (DNS-rebinding protection): the
 * bound address itself with the port, `localhost`/`127.0.0.1`/`[::1]` for a loopback bind, and any IP
 * address for a wildcard bind (`0.0.0.0`, `::`). A DNS name other than `localhost` is never accepted, so a
 * page of another site whose name was made to resolve here cannot read the API.
 */
export function isAllowedHostHeader(header: string | undefined, host: string, port: number): boolean {
  if (header === undefined) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d+)$/.exec(header);
  if (!m || Number(m[2]) !== port) return false;
  const name = (m[1] as string).toLowerCase();
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  if (isLoopbackHost(host) && (bare === 'localhost' || bare === '127.0.0.1' || bare === '::1')) return true;
  if (host === '0.0.0.0' || host === '::') return isIP(bare) !== 0;
  return bare === host.toLowerCase();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = body instanceof JsonText ? body.text : JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

const L7_HINT =
  'an HTTP request is http-method and http-path (with protocol TCP), optionally http-host and http-header NAME:VALUE (repeatable); a DNS query is dns NAME (with UDP or TCP); give one of the two';

/**
 * The L7 request of `/api/trace`, in the words of `netpol trace`'s flags: `http-method` and `http-path` (both, or
 * neither), `http-host`, `http-header` (repeatable, `NAME:VALUE`) and `dns`. Empty parameters count as absent.
 * @throws HttpError 400 when only one of `http-method` and `http-path` is given, or `http-host`/`http-header`
 *   come without them.
 */
function traceL7Params(url: URL): Pick<TraceRequest, 'http' | 'dns'> {
  const method = param(url, 'http-method', false);
  const path = param(url, 'http-path', false);
  const host = param(url, 'http-host', false);
  const headers = url.searchParams.getAll('http-header').filter((h) => h !== '');
  const dns = param(url, 'dns', false);
  if ((method === '') !== (path === '') || (method === '' && (host !== '' || headers.length > 0))) {
    throw new HttpError(400, 'An HTTP request needs both http-method and http-path.', L7_HINT);
  }
  return {
    ...(method !== '' && {
      http: { method, path, ...(host !== '' && { host }), ...(headers.length > 0 && { headers }) },
    }),
    ...(dns !== '' && { dns }),
  };
}

function param(url: URL, name: string, required = true): string {
  const v = url.searchParams.get(name);
  if (v === null || v === '') {
    if (required) throw new HttpError(400, `The query parameter "${name}" is missing.`);
    return '';
  }
  return v;
}

/**
 * Starts the `netpol ui` server: a read-only JSON API over the library calls and the built page, on
 * `host:port` (127.0.0.1:7070 by default). Only `GET`/`HEAD` are answered; a request whose Host header is
 * not the listening address (or, on loopback, `localhost`) is refused with 403, as is a file outside the
 * repository. The repository is reloaded when a file below its root changes; the page hears of it through
 * `/api/events` (server-sent events).
 *
 * API (all JSON): `/api/meta`, `/api/system`, `/api/graph`, `/api/explain?cell=<namespace>|<column>`,
 * `/api/trace?source&destination&port&protocol[&http-method&http-path&http-host&http-header…|&dns]`, `/api/drops`, `/api/what-if?namespace&profile&grants=a,b`,
 * `/api/file?path`. An error answers `{ error, code?, hint? }`: 400 for a bad request, 403/404 as usual, 502
 * when netpol watch or the Hubble Relay behind the drops view fails.
 * @param options - See {@link UiServerOptions}.
 * @returns The running server.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the address cannot be bound; `NETPOL_REPO_NOT_FOUND` when
 *   the root does not exist.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  const log = options.log ?? (() => {});
  const root = path.resolve(options.repo.root);
  if (!existsSync(root)) {
    throw new NetpolError('NETPOL_REPO_NOT_FOUND', `The repository root "${root}" does not exist.`);
  }
  const realRoot = realpathSync(root);
  let state: State = newState(1);
  await state.loaded;
  const events = new Set<ServerResponse>();
  let closing = false;

  /** Requests being answered (event streams excepted), and when the last one came or ended (performance.now). */
  let answering = 0;
  let lastRequest = performance.now();
  /** Whether a page has asked for `/api/meta` (every view does, first). */
  let pageSeen = false;

  /**
   * Resolves once a page has been served, no request is being answered and none has come for `quietMs`, or the
   * server closes.
   */
  async function quiet(): Promise<void> {
    const quietMs = options.quietMs ?? 1000;
    for (;;) {
      const wait = quietMs - (performance.now() - lastRequest);
      if (closing || (pageSeen && answering === 0 && wait <= 0)) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 50)).unref());
    }
  }

  /**
   * Asks the answers every page load needs first, one per turn of the event loop (a request that arrives
   * meanwhile is served between them), while the browser starts; they are cached for the version. The system
   * view's lint of the whole repository (about a second of CPU for 1,000 namespaces) waits until a page has
   * been drawn and the server is quiet: run at once, it held up the answers of a graph being drawn (a page that
   * opens on the System view asks for it at once and has it computed then).
   */
  async function precompute(s: State): Promise<void> {
    if (options.precompute === false) return;
    try {
      await s.loaded;
    } catch {
      return;
    }
    for (const pathname of ['/api/meta', '/api/graph', '/api/system']) {
      if (pathname === '/api/system') await quiet();
      await new Promise((resolve) => setImmediate(resolve));
      if (closing || state !== s) return;
      await api(new URL(pathname, 'http://netpol.invalid')).catch(() => {});
    }
  }

  function newState(version: number): State {
    const loaded = loadForAnalysis(options.repo);
    loaded.catch(() => {});
    return { version, loaded, cache: new Map() };
  }

  function cached<T>(key: string, compute: (loaded: LoadedRepo) => Promise<T> | T): Promise<T> {
    const s = state;
    let p = s.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = s.loaded.then(compute);
      s.cache.set(key, p);
    }
    return p;
  }

  function cachedJson(
    key: string,
    compute: (loaded: LoadedRepo) => Promise<unknown> | unknown,
  ): Promise<JsonText> {
    return cached(`${key}.json`, async (l) => new JsonText(JSON.stringify(await compute(l))));
  }

  const graphOf = () => cached('graph', (l) => connectivityGraph(l.engine, l.catalog, l.repo.namespaces));

  async function api(url: URL): Promise<unknown> {
    switch (url.pathname) {
      case '/api/meta':
        return cachedJson('meta', (l) => ({
          root,
          version: state.version,
          flows:
            options.watchUrl !== undefined
              ? `netpol watch at ${options.watchUrl}`
              : options.flows
                ? describeFlowInput(options.flows.input)
                : null,
          flowsLive: options.watchUrl !== undefined || options.flows?.input.kind === 'relay',
          domain: l.catalog.domain,
          namespaces: l.repo.namespaces.map((n) => n.name).sort(),
          profiles: [...l.catalog.profiles.keys()].sort(),
          grants: [...l.catalog.accessGrants.keys()].sort(),
          files: l.repo.files.length,
          policies: l.repo.policies.length,
        }));
      case '/api/system':
        return cachedJson('system', async (l) => systemOverview(l, await lintRepo(l)));
      case '/api/graph':
        return cachedJson('graph', async () => {
          const json = graphJson(await graphOf());
          return { ...json, layout: layoutGraphView(json) };
        });
      case '/api/explain': {
        const id = param(url, 'cell');
        const [loaded, graph] = await Promise.all([state.loaded, graphOf()]);
        const cell = graph.cells.find((c) => c.id === id);
        if (!cell) {
          const rows = graph.matrix.rows.map((r) => r.namespace);
          const columns = graph.matrix.columns.map((c) => c.id);
          throw new HttpError(
            404,
            `No matrix cell "${id}".`,
            `A cell is NAMESPACE|COLUMN; namespaces: ${rows.join(', ')}; columns: ${columns.join(', ')}.`,
          );
        }
        const t = traceFlow(loaded.engine, cell.trace);
        return {
          cell: { id: cell.id, row: cell.row, column: cell.column, request: cell.trace },
          trace: traceJson(t),
          text: formatTraceText(t),
        };
      }
      case '/api/trace': {
        const loaded = await state.loaded;
        const l7 = traceL7Params(url);
        const parsed = parseTraceRequest({
          source: param(url, 'source'),
          destination: param(url, 'destination'),
          port: param(url, 'port'),
          protocol: param(url, 'protocol', false) || 'TCP',
          ...l7,
        });
        if (!parsed.ok) {
          const aboutPeer = parsed.error.startsWith('source:') || parsed.error.startsWith('destination:');
          const aboutL7 = parsed.error.startsWith('--http') || parsed.error.startsWith('--dns');
          throw new HttpError(
            400,
            parsed.error,
            aboutPeer
              ? `source and destination are ${PEER_SYNTAX}`
              : aboutL7
                ? L7_HINT
                : 'port is a number (1-65535, or the ICMP type when protocol is ICMP) and protocol is TCP, UDP, SCTP, ICMP or ICMPv6',
          );
        }
        const t = traceParsed(loaded.engine, parsed.flow);
        return { trace: traceJson(t), text: formatTraceText(t) };
      }
      case '/api/drops': {
        if (options.watchUrl !== undefined) {
          const [w, loaded] = await Promise.all([
            readWatchDrops(options.watchUrl).catch(upstreamFailed('NETPOL_INPUT_UNREADABLE')),
            state.loaded,
          ]);
          const { patches, refused } = await dropLabelPatches(loaded, w.report.groups);
          return {
            available: true,
            watch: { url: w.url, revision: w.revision },
            report: w.report,
            patches: patches.map((p) => ({
              namespace: p.namespace,
              groups: p.groups,
              profile: p.profile,
              grants: p.grants,
              file: p.whatIf.patch?.file ?? null,
              diff: p.whatIf.patch?.diff ?? '',
              refusal: p.whatIf.patch?.refusal?.message ?? null,
              opened: p.whatIf.opened.length,
              closed: p.whatIf.closed.length,
            })),
            refused,
          };
        }
        const flows = options.flows;
        if (flows === undefined) return { available: false };
        const drops = async (l: LoadedRepo) => {
          const report = await findDrops(l, {
            input: flows.input,
            ...(flows.filter ? { filter: flows.filter } : {}),
          });
          const outcome = applyDropFixes(l, report, { dryRun: true });
          return { available: true, report: dropsJson(report, outcome), text: formatDropsText(report) };
        };
        return flows.input.kind === 'relay'
          ? drops(await state.loaded).catch(upstreamFailed('NETPOL_HUBBLE_FAILED'))
          : cached('drops', drops);
      }
      case '/api/what-if': {
        const loaded = await state.loaded;
        const profile = url.searchParams.get('profile');
        const grants = url.searchParams.get('grants');
        return whatIf(loaded, {
          namespace: param(url, 'namespace'),
          ...(profile ? { profile } : {}),
          ...(grants !== null ? { grants: grants.split(',').filter((g) => g !== '') } : {}),
        });
      }
      case '/api/file':
        return readRepoFile(param(url, 'path'));
      default:
        throw new HttpError(404, `No API at ${url.pathname}.`);
    }
  }

  /** A file the repository loaded, by its path relative to the root; anything else is refused. */
  async function readRepoFile(rel: string): Promise<unknown> {
    const loaded = await state.loaded;
    const abs = path.resolve(root, rel);
    const inside = (base: string, p: string) => {
      const r = path.relative(base, p);
      return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
    };
    if (!inside(root, abs)) throw new HttpError(403, `"${rel}" is outside the repository.`);
    if (!loaded.repo.files.includes(path.relative(root, abs))) {
      throw new HttpError(404, `"${rel}" is not a file the repository loaded.`);
    }
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      throw new HttpError(404, `"${rel}" no longer exists.`);
    }
    if (!inside(realRoot, real)) throw new HttpError(403, `"${rel}" leads outside the repository.`);
    return { path: path.relative(root, abs), text: await readFile(real, 'utf8') };
  }

  async function serveAsset(pathname: string, res: ServerResponse, head: boolean): Promise<void> {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const abs = path.resolve(assetsDir, rel);
    const r = path.relative(assetsDir, abs);
    if (r.startsWith('..') || path.isAbsolute(r)) throw new HttpError(403, 'Outside the page.');
    let body: Buffer;
    try {
      body = await readFile(abs);
    } catch {
      if (rel === 'index.html') {
        throw new HttpError(
          500,
          `The page is not built (${assetsDir} has no index.html).`,
          'run npm run build in the netpol checkout',
        );
      }
      throw new HttpError(404, `No file ${pathname}.`);
    }
    const immutable = rel.startsWith('assets/');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(abs)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(head ? undefined : body);
  }

  let port = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    answering++;
    lastRequest = performance.now();
    try {
      if (!isAllowedHostHeader(req.headers.host, host, port)) {
        throw new HttpError(
          403,
          `Host "${req.headers.host ?? ''}" is not the address netpol ui listens on.`,
          'open the URL netpol ui printed',
        );
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        throw new HttpError(405, 'netpol ui is read-only: only GET and HEAD are answered.');
      }
      const url = new URL(req.url ?? '/', 'http://netpol.invalid');
      if (url.pathname === '/api/events') {
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
        });
        res.write(`event: version\ndata: ${state.version}\n\n`);
        events.add(res);
        req.on('close', () => events.delete(res));
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        if (url.pathname === '/api/meta') pageSeen = true;
        sendJson(res, 200, await api(url));
        return;
      }
      await serveAsset(url.pathname, res, req.method === 'HEAD');
    } catch (e) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (e instanceof HttpError) {
        sendJson(res, e.status, {
          error: e.message,
          ...(e.code ? { code: e.code } : {}),
          ...(e.hint ? { hint: e.hint } : {}),
        });
      } else if (e instanceof NetpolError) {
        sendJson(res, 400, { error: e.message, code: e.code, ...(e.hint ? { hint: e.hint } : {}) });
      } else {
        const err = e as Error;
        log(`netpol ui: internal error: ${err?.stack ?? String(e)}`);
        sendJson(res, 500, { error: `internal error: ${err?.message ?? String(e)}` });
      }
    } finally {
      answering--;
      lastRequest = performance.now();
    }
  }

  port = await new Promise<number>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new NetpolError(
          'NETPOL_BAD_ARGUMENT',
          `Cannot listen on ${host}:${options.port ?? 7070}: ${e.code ?? e.message}.`,
          e.code === 'EADDRINUSE' ? 'give another port with --listen 127.0.0.1:PORT' : undefined,
        ),
      ),
    );
    server.listen(options.port ?? 7070, host, () => resolve((server.address() as AddressInfo).port));
  });

  void precompute(state);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (options.watch !== false) {
    watcher = watch(root, { recursive: true }, (_event, name) => {
      const file = String(name ?? '');
      if (file.split(path.sep).some((part) => part === '.git' || part === 'node_modules')) return;
      clearTimeout(timer);
      timer = setTimeout(reload, options.reloadDelayMs ?? 200);
    });
    watcher.on('error', (e) => log(`netpol ui: stopped watching ${root}: ${e.message}`));
  }

  function reload(): void {
    const next = newState(state.version + 1);
    state = next;
    void precompute(next);
    next.loaded.then(
      () => {
        log(`netpol ui: reloaded ${root} (version ${next.version})`);
        for (const res of events) res.write(`event: version\ndata: ${next.version}\n\n`);
      },
      (e: Error) => log(`netpol ui: reload failed: ${e.message}`),
    );
  }

  const bracketed = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${bracketed}:${port}/`,
    host,
    port,
    version: () => state.version,
    ready: async () => {
      await state.loaded;
    },
    close: async () => {
      closing = true;
      clearTimeout(timer);
      watcher?.close();
      for (const res of events) res.end();
      events.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
