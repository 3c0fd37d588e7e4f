import type { GraphJson, GraphLayout } from '../../src/cli/ui/graph-view.js';
import type { SystemOverview } from '../../src/workflows/analysis/system-overview.js';
import type { WhatIfResult } from '../../src/workflows/analysis/what-if.js';

/** A rule reference of a trace (the JSON of `netpol trace -o json`). */
export interface RuleRefJson {
  kind: string;
  namespace: string;
  name: string;
  file: string;
  line: number;
  column: number;
  rule: string;
  notes: string[];
}

/** One side of a trace verdict. */
export interface SideJson {
  enforced: boolean;
  verdict: 'allowed' | 'denied';
  allowedBy: RuleRefJson[];
  deniedBy: RuleRefJson[];
  selectedBy: RuleRefJson[];
  /** On a side denied by default deny: allow elements whose peer matches but whose ports do not (at most 5). */
  closest?: { rules: (RuleRefJson & { admits: string[]; nothing?: string })[]; more: number };
  reasons: string[];
}

/** `/api/trace`: the JSON of `netpol trace -o json` and its terminal text. */
export interface TraceAnswer {
  trace: {
    source: string;
    destination: string;
    port: number;
    protocol: string;
    verdict: 'allowed' | 'denied';
    egress: SideJson;
    ingress: SideJson;
    caveats: string[];
  };
  text: string;
}

/**
 * `/api/graph`: nodes, allowed edges, the matrix, and the server's dagre layout of the view a page opens on (no
 * filter, default grouping), null when the server could not lay it out.
 */
export type GraphAnswer = GraphJson & { layout: GraphLayout | null };

/** `/api/explain`: a matrix cell, the flow it stands for and its trace. */
export interface ExplainAnswer extends TraceAnswer {
  cell: {
    id: string;
    row: string;
    column: string;
    request: { source: string; destination: string; port: number; protocol: string };
  };
}

/** `/api/meta`. */
export interface Meta {
  root: string;
  version: number;
  /** The flow source of the drops view, or null. */
  flows: string | null;
  /** True for a Hubble Relay (read again on every request). */
  flowsLive: boolean;
  domain: string | null;
  namespaces: string[];
  profiles: string[];
  grants: string[];
  files: number;
  policies: number;
}

/** A drop group of `/api/drops` (the JSON of `netpol drops -o json`). */
export interface DropGroupJson {
  source: string;
  destination: string;
  port: number;
  protocol: string;
  direction: string;
  count: number;
  deniedAt: string | null;
  drift: boolean;
  cause: string;
  fix:
    | null
    | ({ kind: string; namespace?: string; rule?: string; file?: string | null } & Record<string, unknown>);
  fixReason?: string | null;
  caveats?: string[];
}

/** A label patch of `/api/drops` with `--watch`: the what-if of one namespace's label fixes. */
export interface DropPatchJson {
  namespace: string;
  groups: number;
  profile: string | null;
  grants: string[];
  file: string | null;
  diff: string;
  refusal: string | null;
  opened: number;
  closed: number;
}

/** `/api/drops`: from a capture or Relay (`text`, `report.fixes`), or from `netpol watch` (`watch`, `patches`). */
export type DropsAnswer =
  | { available: false }
  | {
      available: true;
      text?: string;
      watch?: { url: string; revision: string | null };
      patches?: DropPatchJson[];
      refused?: { namespace: string; reason: string }[];
      report: {
        source: string;
        policyDrops: number;
        groups: DropGroupJson[];
        fixes?: {
          applied: {
            namespace: string;
            file: string;
            changes: { label: string; from: string | null; to: string }[];
          }[];
          diffs: { file: string; diff: string }[];
          refused: { namespace: string; reason: string }[];
        };
      };
    };

/** An error answer of the API. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Answers asked for ahead of their view ({@link prefetch}), each taken by the first `get` of its path. */
const early = new Map<string, Promise<Response>>();

function request(path: string): Promise<Response> {
  return fetch(path, { headers: { Accept: 'application/json' } });
}

/**
 * Asks for an answer now, before the view that reads it has loaded; the view's own call takes it (once), so the
 * page waits for one round trip, not two in a row. Forgets an earlier answer nobody took (a view left before it
 * loaded), so no view reads an answer older than its own render.
 * @param path - an API path without query, e.g. `api/graph`; none only forgets.
 */
export function prefetch(path: string | undefined): void {
  early.clear();
  if (path === undefined) return;
  const answer = request(path);
  answer.catch(() => {});
  early.set(path, answer);
}

async function get<T>(path: string, params: Record<string, string> | URLSearchParams = {}): Promise<T> {
  const qs = new URLSearchParams(params).toString();
  const url = `${path}${qs ? `?${qs}` : ''}`;
  const asked = early.get(url);
  early.delete(url);
  const res = await (asked ?? request(url));
  const body = (await res.json()) as T & { error?: string; hint?: string };
  if (!res.ok) throw new ApiError(body.error ?? res.statusText, body.hint, res.status);
  return body;
}

/** The API of `netpol ui` (src/cli/ui/server.ts). */
export const api = {
  meta: () => get<Meta>('api/meta'),
  system: () => get<SystemOverview>('api/system'),
  graph: () => get<GraphAnswer>('api/graph'),
  explain: (cell: string) => get<ExplainAnswer>('api/explain', { cell }),
  /**
   * `/api/trace`: `http-headers` (one `NAME:VALUE` per line) becomes repeated `http-header` parameters; empty
   * fields are left out.
   */
  trace: (q: Readonly<Record<string, string>>) => {
    const { 'http-headers': headers = '', ...rest } = q;
    const params = new URLSearchParams(Object.entries(rest).filter(([, v]) => v !== ''));
    for (const line of headers.split('\n')) if (line.trim() !== '') params.append('http-header', line.trim());
    return get<TraceAnswer>('api/trace', params);
  },
  drops: () => get<DropsAnswer>('api/drops'),
  whatIf: (q: { namespace: string; profile?: string; grants?: string }) =>
    get<WhatIfResult>('api/what-if', q as Record<string, string>),
  file: (path: string) => get<{ path: string; text: string }>('api/file', { path }),
};
