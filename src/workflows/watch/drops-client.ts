import { NetpolError } from '../../errors.js';
import type { dropsJson } from '../flows/drops-json.js';

/** The `/drops` object of `netpol watch` (the JSON of `netpol drops -o json`, without `fixes`). */
export type WatchDropsReport = ReturnType<typeof dropsJson>;

/** What {@link readWatchDrops} read. */
export interface WatchDrops {
  /** The URL asked, e.g. `http://127.0.0.1:9090/drops`. */
  readonly url: string;
  /** The repository revision the watcher diagnosed against (`x-netpol-revision`), or null when not sent. */
  readonly revision: string | null;
  readonly report: WatchDropsReport;
}

/** Options of {@link readWatchDrops}. */
export interface ReadWatchDropsOptions {
  /** Give up after this many ms. Default: `5000`. */
  readonly timeoutMs?: number;
  /** Refuse a larger answer, in bytes. Default: 64 MiB (a watcher keeps at most `--max-groups` groups). */
  readonly maxBytes?: number;
}

const GROUP_FIELDS: readonly [string, 'string' | 'number' | 'boolean'][] = [
  ['source', 'string'],
  ['destination', 'string'],
  ['port', 'number'],
  ['protocol', 'string'],
  ['direction', 'string'],
  ['count', 'number'],
  ['drift', 'boolean'],
  ['cause', 'string'],
  ['causeCode', 'string'],
];

/** The first field of `value` that does not have the shape of a `/drops` report, as a path; null when none. */
function misshapen(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '(the document)';
  const r = value as Record<string, unknown>;
  if (typeof r.source !== 'string') return 'source';
  if (typeof r.policyDrops !== 'number') return 'policyDrops';
  if (typeof r.skipped !== 'object' || r.skipped === null) return 'skipped';
  if (!Array.isArray(r.groups)) return 'groups';
  for (const [i, g] of r.groups.entries()) {
    if (typeof g !== 'object' || g === null) return `groups[${i}]`;
    const o = g as Record<string, unknown>;
    for (const [name, type] of GROUP_FIELDS) if (typeof o[name] !== type) return `groups[${i}].${name}`;
    const fix = o.fix;
    if (fix !== null && (typeof fix !== 'object' || typeof (fix as { kind?: unknown }).kind !== 'string')) {
      return `groups[${i}].fix`;
    }
  }
  return null;
}

/**
 * Reads the drops a running `netpol watch` has diagnosed: GET `<base>/drops` (see `startWatch`), checked to have
 * the shape of `netpol drops -o json`. Nothing is cached; each call asks again.
 * @param base - the watcher's base URL, e.g. `http://127.0.0.1:9090` (a path is kept: `http://h/netpol/` asks
 *   `http://h/netpol/drops`).
 * @param options - timeout and size limit.
 * @returns the report and the revision it was diagnosed against.
 * @throws NetpolError `NETPOL_INPUT_UNREADABLE` when the watcher cannot be reached, answers with another status
 *   than 200 (503 before its first revision is loaded), answers more than `maxBytes`, or answers something that is
 *   not a drops report (the message names the first wrong field).
 */
export async function readWatchDrops(base: string, options: ReadWatchDropsOptions = {}): Promise<WatchDrops> {
  const url = new URL('drops', base.endsWith('/') ? base : `${base}/`).href;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const fail = (why: string, hint?: string): never => {
    throw new NetpolError(
      'NETPOL_INPUT_UNREADABLE',
      `Cannot read the drops of netpol watch at ${url}: ${why}.`,
      hint ?? 'Check that netpol watch runs and that --watch names its --listen address.',
    );
  };
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      headers: { Accept: 'application/json' },
      redirect: 'error',
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return fail(
      err.name === 'TimeoutError'
        ? 'no answer in time'
        : (err.cause?.code ?? err.cause?.message ?? err.message),
    );
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxBytes) {
    await res.body?.cancel();
    return fail(`the answer is ${length} bytes, more than ${maxBytes}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    return fail((e as Error).message);
  }
  if (text.length > maxBytes) return fail(`the answer is more than ${maxBytes} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(`HTTP ${res.status}, and the answer is not JSON`);
  }
  if (res.status !== 200) {
    const said = (body as { error?: unknown } | null)?.error;
    return fail(`HTTP ${res.status}${typeof said === 'string' ? ` (${said.slice(0, 200)})` : ''}`);
  }
  const wrong = misshapen(body);
  if (wrong !== null)
    return fail(
      `the answer is not a drops report (${wrong})`,
      'Check that --watch names netpol watch, not another server.',
    );
  return { url, revision: res.headers.get('x-netpol-revision'), report: body as WatchDropsReport };
}
