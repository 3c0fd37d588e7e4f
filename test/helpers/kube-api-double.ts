/**
 * An in-process Kubernetes API server double on 127.0.0.1 (HTTPS with the self-signed certificate of
 * test/fixtures/tls/, since kubectl sends bearer tokens only over TLS) speaking the real wire protocol for the calls
 * netpol (and, in the faithfulness tests, Debian's kubectl) makes: discovery (`/version`, `/api`, `/apis`,
 * group versions), namespaces get/list/patch (JSON merge and strategic merge patch, `resourceVersion`
 * preconditions and 409 conflicts, `fieldManager` → managedFields), list/get of CiliumNetworkPolicy,
 * CiliumClusterwideNetworkPolicy and NetworkPolicy (also as a server-side `Table`, as kubectl asks),
 * `events.k8s.io/v1` Event create (with the server's MicroTime validation), `SelfSubjectReview`, bearer-token
 * authentication (401), authorisation by an RBAC table (403 with the API server's message), and
 * per-request hooks for slow or dropped connections. Shapes follow the Kubernetes API reference
 * (`meta/v1` Status, List, APIResourceList, Table; the apiserver's forbidden message format).
 */
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A Kubernetes object as JSON. */
export type KubeJson = Record<string, unknown> & {
  metadata?: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
};

/** One RBAC PolicyRule (verbs × apiGroups × resources), optionally limited to namespaces. */
export interface DoubleRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  /** Namespaces the rule applies in (a RoleBinding); absent: everywhere (a ClusterRoleBinding). */
  readonly namespaces?: readonly string[];
}

/** A user the double authenticates by bearer token. */
export interface DoubleUser {
  readonly username: string;
  readonly groups?: readonly string[];
  /** What the user may do; absent: everything (cluster-admin). */
  readonly rules?: readonly DoubleRule[];
}

/** What a hook sees of a request. */
export interface DoubleRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly user: string | null;
}

/** What a hook asks for: nothing (serve normally), a delay, or dropping the connection. */
export type HookAction = undefined | { readonly delayMs: number } | 'drop';

/** Options of {@link startKubeApiDouble}. */
export interface DoubleOptions {
  /** Bearer token → user. Default: `{ 'admin-token': { username: 'admin' } }`. */
  readonly users?: Readonly<Record<string, DoubleUser>>;
  /** Whether the cilium.io CRDs are installed. Default: true. */
  readonly cilium?: boolean;
  /** Whether SelfSubjectReview is served (Kubernetes ≥ 1.28). Default: true. */
  readonly selfSubjectReview?: boolean;
}

interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly verbs: readonly string[];
}

const TYPES: readonly ResourceType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  {
    group: 'cilium.io',
    version: 'v2',
    plural: 'ciliumnetworkpolicies',
    singular: 'ciliumnetworkpolicy',
    kind: 'CiliumNetworkPolicy',
    namespaced: true,
    shortNames: ['cnp', 'ciliumnp'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  {
    group: 'cilium.io',
    version: 'v2',
    plural: 'ciliumclusterwidenetworkpolicies',
    singular: 'ciliumclusterwidenetworkpolicy',
    kind: 'CiliumClusterwideNetworkPolicy',
    namespaced: false,
    shortNames: ['ccnp'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    singular: 'networkpolicy',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    verbs: ['create', 'get', 'list', 'watch'],
  },
];

/** A running double: its URL, its state and its request log. */
export interface KubeApiDouble {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** Objects by `group/plural` key (`/namespaces`, `cilium.io/ciliumnetworkpolicies` …). */
  readonly store: Map<string, Map<string, KubeJson>>;
  /** Every request served, in order. */
  readonly requests: DoubleRequest[];
  /** Called before each request is served (after authentication). */
  hook: ((req: DoubleRequest) => HookAction | Promise<HookAction>) | undefined;
  /** Adds or replaces an object (kind decides the resource); assigns uid, resourceVersion, timestamps. */
  put(obj: KubeJson, manager?: string): KubeJson;
  /** The stored object, or undefined. */
  get(kind: string, name: string, namespace?: string): KubeJson | undefined;
  /** Sets the Cilium CRDs present or absent. */
  setCilium(installed: boolean): void;
  /** A kubeconfig (YAML text) pointing at this double with the given token. */
  kubeconfig(token: string, context?: string): string;
  close(): Promise<void>;
}

function typeOfKind(kind: string): ResourceType {
  const t = TYPES.find((x) => x.kind === kind);
  if (!t) throw new Error(`double: unknown kind ${kind}`);
  return t;
}

function storeKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): KubeJson {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Strategic merge patch for what a Namespace's metadata needs: maps merge as in a JSON merge patch, and the
 * map directives `$patch: replace` / `$patch: delete` and `$retainKeys` are honoured
 * (k8s.io/apimachinery/pkg/util/strategicpatch). Lists of a Namespace (finalizers) are replaced.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const p = { ...(patch as Record<string, unknown>) };
  const directive = p.$patch;
  delete p.$patch;
  if (directive === 'delete') return undefined;
  const retain = Array.isArray(p.$retainKeys) ? (p.$retainKeys as string[]) : null;
  delete p.$retainKeys;
  let out: Record<string, unknown> =
    directive !== 'replace' && target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  if (retain) out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  for (const [k, v] of Object.entries(p)) {
    if (v === null) delete out[k];
    else {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

function matchesLabelSelector(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const t = term.trim();
    if (t === '') return true;
    let m = /^([^!=]+)!=(.*)$/.exec(t);
    if (m) return labels[(m[1] as string).trim()] !== (m[2] as string).trim();
    m = /^([^!=]+)==?(.*)$/.exec(t);
    if (m) return labels[(m[1] as string).trim()] === (m[2] as string).trim();
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    return t in labels;
  });
}

/** kubectl's short age (`translateTimestampSince`, `duration.HumanDuration`), enough for tests. */
function humanAge(since: string): string {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 > 0 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** The double's certificate (self-signed, CN kube-api-double, SAN 127.0.0.1), also its CA. */
export const TLS_CERT = new URL('../fixtures/tls/server.crt', import.meta.url);
const TLS_KEY = new URL('../fixtures/tls/server.key', import.meta.url);

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * Starts the double on 127.0.0.1 (a free port).
 * @param options - See {@link DoubleOptions}.
 */
export async function startKubeApiDouble(options: DoubleOptions = {}): Promise<KubeApiDouble> {
  const users = options.users ?? { 'admin-token': { username: 'admin' } };
  let cilium = options.cilium ?? true;
  const ssr = options.selfSubjectReview ?? true;
  let rv = 100;
  let uid = 0;
  const store = new Map<string, Map<string, KubeJson>>();
  for (const t of TYPES) store.set(storeKey(t), new Map());
  const requests: DoubleRequest[] = [];

  const installed = (t: ResourceType) => t.group !== 'cilium.io' || cilium;

  const touch = (obj: KubeJson, t: ResourceType, manager: string, operation: string): void => {
    obj.metadata ??= {};
    const meta = obj.metadata as Record<string, unknown>;
    rv += 1;
    meta.resourceVersion = String(rv);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const fields: Record<string, unknown> = {};
    if (meta.labels) fields['f:metadata'] = { 'f:labels': {} };
    const managed = ((meta.managedFields as Record<string, unknown>[] | undefined) ?? []).filter(
      (e) => e.manager !== manager || e.operation !== operation,
    );
    managed.push({
      manager,
      operation,
      apiVersion: apiVersionOf(t),
      time: now,
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
    });
    meta.managedFields = managed;
  };

  const put = (obj: KubeJson, manager = 'kubectl-client-side-apply'): KubeJson => {
    const kind = String(obj.kind);
    const t = typeOfKind(kind);
    const copy = JSON.parse(JSON.stringify(obj)) as KubeJson;
    copy.apiVersion = apiVersionOf(t);
    copy.metadata ??= {};
    const meta = copy.metadata as Record<string, unknown>;
    const name = String(meta.name);
    meta.uid ??= `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`;
    meta.creationTimestamp ??= new Date(Date.now() - 3 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    if (t.kind === 'Namespace') {
      meta.labels = {
        ...((meta.labels as Record<string, string>) ?? {}),
        'kubernetes.io/metadata.name': name,
      };
      copy.spec ??= { finalizers: ['kubernetes'] };
      copy.status ??= { phase: 'Active' };
    }
    if (!meta.managedFields) touch(copy, t, manager, 'Update');
    else {
      rv += 1;
      meta.resourceVersion = String(rv);
    }
    store.get(storeKey(t))?.set(objectKey(meta.namespace as string | undefined, name), copy);
    return copy;
  };

  const allowed = (user: DoubleUser, verb: string, t: ResourceType, namespace: string | null): boolean => {
    if (!user.rules) return true;
    return user.rules.some(
      (r) =>
        (r.verbs.includes(verb) || r.verbs.includes('*')) &&
        (r.apiGroups.includes(t.group) || r.apiGroups.includes('*')) &&
        (r.resources.includes(t.plural) || r.resources.includes('*')) &&
        (r.namespaces === undefined || (namespace !== null && r.namespaces.includes(namespace))),
    );
  };

  const send = (res: http.ServerResponse, code: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'audit-id': `audit-${requests.length}`,
    });
    res.end(text);
  };

  const discovery = (path: string, port: number): unknown => {
    if (path === '/version') {
      return {
        major: '1',
        minor: '32',
        gitVersion: 'v1.32.4',
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2025-04-22T16:00:00Z',
        goVersion: 'go1.23.8',
        compiler: 'gc',
        platform: 'linux/amd64',
      };
    }
    if (path === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
      };
    }
    const groups = [
      ...new Set(TYPES.filter((t) => t.group !== '' && installed(t)).map((t) => `${t.group}/${t.version}`)),
      ...(ssr ? ['authentication.k8s.io/v1'] : []),
    ];
    if (path === '/apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/') as [string, string];
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        }),
      };
    }
    const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice(6) : null;
    if (gv === null || (gv !== 'v1' && !groups.includes(gv))) return null;
    const resources = TYPES.filter((t) => apiVersionOf(t) === gv && installed(t)).map((t) => ({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.group === 'cilium.io' ? { categories: ['cilium', 'ciliumpolicy'] } : {}),
    }));
    if (gv === 'authentication.k8s.io/v1') {
      resources.push({
        name: 'selfsubjectreviews',
        singularName: 'selfsubjectreview',
        namespaced: false,
        kind: 'SelfSubjectReview',
        verbs: ['create'],
      });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  };

  /** Parses `/api/v1/...` or `/apis/g/v/...` into resource type, namespace and name. */
  const route = (
    path: string,
  ): { t: ResourceType; namespace: string | null; name: string | null } | null | 'unknown' => {
    const parts = path.split('/').filter((p) => p !== '');
    let rest: string[];
    let group: string;
    let version: string;
    if (parts[0] === 'api') {
      group = '';
      version = parts[1] ?? '';
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1] ?? '';
      version = parts[2] ?? '';
      rest = parts.slice(3);
    } else return 'unknown';
    let namespace: string | null = null;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1] ?? null;
      rest = rest.slice(2);
    }
    const t = TYPES.find((x) => x.group === group && x.version === version && x.plural === rest[0]);
    if (!t || !installed(t) || rest.length > 2) return null;
    if (namespace !== null && !t.namespaced) return null;
    return { t, namespace, name: rest[1] ?? null };
  };

  const table = (t: ResourceType, items: KubeJson[], includeObject: string): unknown => {
    const columns =
      t.kind === 'Namespace' ? ['Name', 'Status', 'Age'] : t.namespaced ? ['Name', 'Age'] : ['Name', 'Age'];
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: String(rv) },
      columnDefinitions: columns.map((name, i) => ({
        name,
        type: 'string',
        format: i === 0 ? 'name' : '',
        description: name,
        priority: 0,
      })),
      rows: items.map((o) => {
        const meta = o.metadata ?? {};
        const cells: unknown[] = [meta.name];
        if (t.kind === 'Namespace')
          cells.push((o.status as { phase?: string } | undefined)?.phase ?? 'Active');
        cells.push(humanAge(String(meta.creationTimestamp)));
        return {
          cells,
          object:
            includeObject === 'Object'
              ? o
              : includeObject === 'None'
                ? undefined
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta },
        };
      }),
    };
  };

  const serve = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
    port: number,
  ): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    const user = token !== null ? users[token] : undefined;
    const entry: DoubleRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      user: user?.username ?? null,
    };
    requests.push(entry);
    if (!user) {
      send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const action = await double.hook?.(entry);
    if (action === 'drop') {
      req.socket.destroy();
      return;
    }
    if (action && typeof action === 'object') await new Promise((r) => setTimeout(r, action.delayMs));

    if (
      path === '/version' ||
      path === '/api' ||
      path === '/apis' ||
      /^\/apis?\/[^/]+(\/[^/]+)?$/.test(path)
    ) {
      const d = discovery(path, port);
      if (d !== null && req.method === 'GET') {
        send(res, 200, d);
        return;
      }
    }
    if (path === '/apis/authentication.k8s.io/v1/selfsubjectreviews' && ssr && req.method === 'POST') {
      send(res, 201, {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        status: {
          userInfo: { username: user.username, groups: [...(user.groups ?? []), 'system:authenticated'] },
        },
      });
      return;
    }
    const r = route(path);
    if (r === null || r === 'unknown') {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
      return;
    }
    const { t, namespace, name } = r;
    const method = req.method ?? 'GET';
    const verb =
      method === 'GET'
        ? name === null
          ? url.searchParams.get('watch') === 'true'
            ? 'watch'
            : 'list'
          : 'get'
        : method === 'PATCH'
          ? 'patch'
          : method === 'POST'
            ? 'create'
            : method === 'PUT'
              ? 'update'
              : method === 'DELETE'
                ? 'delete'
                : method.toLowerCase();
    const resourceNs = t.kind === 'Namespace' ? null : namespace;
    const allowNs = t.kind === 'Namespace' ? name : namespace;
    if (!allowed(user, verb, t, t.kind === 'Namespace' ? null : allowNs)) {
      const what =
        name !== null
          ? `${t.plural}${t.group ? `.${t.group}` : ''} "${name}"`
          : `${t.plural}${t.group ? `.${t.group}` : ''}`;
      const scope = resourceNs !== null ? `in the namespace "${resourceNs}"` : 'at the cluster scope';
      send(
        res,
        403,
        status(
          403,
          'Forbidden',
          `${what} is forbidden: User "${user.username}" cannot ${verb} resource "${t.plural}" in API group "${t.group}" ${scope}`,
          { ...(name !== null ? { name } : {}), ...(t.group ? { group: t.group } : {}), kind: t.plural },
        ),
      );
      return;
    }
    const objects = store.get(storeKey(t)) as Map<string, KubeJson>;
    const accept = String(req.headers.accept ?? '');
    if (method === 'GET' && name === null) {
      const selector = url.searchParams.get('labelSelector');
      const items = [...objects.values()]
        .filter((o) => namespace === null || o.metadata?.namespace === namespace)
        .filter((o) => matchesLabelSelector(o.metadata?.labels ?? {}, selector))
        .sort((a, b) =>
          objectKey(a.metadata?.namespace, String(a.metadata?.name)).localeCompare(
            objectKey(b.metadata?.namespace, String(b.metadata?.name)),
          ),
        );
      if (/as=Table/.test(accept)) {
        send(res, 200, table(t, items, url.searchParams.get('includeObject') ?? 'Metadata'));
        return;
      }
      send(res, 200, {
        kind: `${t.kind}List`,
        apiVersion: apiVersionOf(t),
        metadata: { resourceVersion: String(rv) },
        items,
      });
      return;
    }
    const key = objectKey(t.namespaced ? (namespace ?? '') : undefined, name ?? '');
    const current = name !== null ? objects.get(key) : undefined;
    const notFound = () =>
      send(
        res,
        404,
        status(404, 'NotFound', `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" not found`, {
          name,
          ...(t.group ? { group: t.group } : {}),
          kind: t.plural,
        }),
      );
    if (method === 'GET') {
      if (!current) notFound();
      else if (/as=Table/.test(accept))
        send(res, 200, table(t, [current], url.searchParams.get('includeObject') ?? 'Metadata'));
      else send(res, 200, current);
      return;
    }
    if (method === 'PATCH' && name !== null) {
      if (!current) {
        notFound();
        return;
      }
      const type = String(req.headers['content-type'] ?? '').split(';')[0];
      let patch: unknown;
      try {
        patch = JSON.parse(body);
      } catch {
        send(res, 400, status(400, 'BadRequest', 'error decoding patch: invalid JSON'));
        return;
      }
      const unsupported = (strategic: boolean) =>
        send(
          res,
          415,
          status(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${strategic ? ', application/strategic-merge-patch+json' : ''}`,
          ),
        );
      let next: unknown;
      if (type === 'application/merge-patch+json') next = mergePatch(current, patch);
      else if (type === 'application/strategic-merge-patch+json') {
        // Custom resources have no strategic-merge schema: the API server refuses the type for them.
        if (t.group === 'cilium.io') {
          unsupported(false);
          return;
        }
        next = strategicMergePatch(current, patch);
      } else {
        unsupported(t.group !== 'cilium.io');
        return;
      }
      const wanted = (patch as KubeJson).metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== current.metadata?.resourceVersion) {
        send(
          res,
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${t.plural}${t.group ? `.${t.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name, ...(t.group ? { group: t.group } : {}), kind: t.plural },
          ),
        );
        return;
      }
      const obj = next as KubeJson;
      obj.metadata ??= {};
      const meta = obj.metadata as Record<string, unknown>;
      meta.name = current.metadata?.name;
      meta.uid = (current.metadata as Record<string, unknown>).uid;
      meta.creationTimestamp = (current.metadata as Record<string, unknown>).creationTimestamp;
      if (t.kind === 'Namespace') {
        meta.labels = {
          ...((meta.labels as Record<string, string>) ?? {}),
          'kubernetes.io/metadata.name': String(name),
        };
      }
      if (meta.annotations && Object.keys(meta.annotations as object).length === 0) delete meta.annotations;
      const manager =
        url.searchParams.get('fieldManager') ??
        String(req.headers['user-agent'] ?? 'unknown').split('/')[0] ??
        'unknown';
      if (url.searchParams.get('dryRun') !== 'All') {
        touch(obj, t, manager, 'Update');
        objects.set(key, obj);
      }
      send(res, 200, obj);
      return;
    }
    if (method === 'POST' && name === null && t.kind === 'Event') {
      let ev: KubeJson;
      try {
        ev = JSON.parse(body) as KubeJson;
      } catch {
        send(res, 400, status(400, 'BadRequest', 'invalid JSON'));
        return;
      }
      const errors: string[] = [];
      if (typeof ev.eventTime !== 'string' || !MICRO_TIME.test(ev.eventTime))
        errors.push('eventTime: Required value');
      for (const f of ['reportingController', 'reportingInstance', 'action', 'reason']) {
        if (typeof ev[f] !== 'string' || ev[f] === '') errors.push(`${f}: Required value`);
      }
      if (!ev.type || !['Normal', 'Warning'].includes(String(ev.type)))
        errors.push('type: Unsupported value');
      ev.metadata ??= {};
      const meta = ev.metadata as Record<string, unknown>;
      if (!meta.name && !meta.generateName) errors.push('metadata.name: Required value');
      // legacyValidateEvent (pkg/apis/core/validation/events.go): the Event's namespace must be its object's;
      // for a cluster-scoped object (no namespace), it must be empty or "default".
      const regarding = (ev.regarding ?? {}) as Record<string, unknown>;
      const objectNs = typeof regarding.namespace === 'string' ? regarding.namespace : '';
      if (objectNs === '' ? namespace !== 'default' : namespace !== objectNs) {
        errors.push(`regarding.namespace: Invalid value: "${objectNs}": does not match event.namespace`);
      }
      if (errors.length > 0) {
        send(
          res,
          422,
          status(
            422,
            'Invalid',
            `Event.events.k8s.io "${String(meta.name ?? meta.generateName)}" is invalid: ${errors.join(', ')}`,
          ),
        );
        return;
      }
      meta.namespace = namespace;
      meta.name ??= `${String(meta.generateName)}${(++uid).toString(36).padStart(5, 'x')}`;
      ev.kind = 'Event';
      ev.apiVersion = 'events.k8s.io/v1';
      meta.uid = `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`;
      meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      touch(ev, t, String(req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown', 'Update');
      objects.set(objectKey(namespace ?? '', String(meta.name)), ev);
      send(res, 201, ev);
      return;
    }
    send(
      res,
      405,
      status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
    );
  };

  const server = https.createServer(
    { key: fs.readFileSync(TLS_KEY), cert: fs.readFileSync(TLS_CERT) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        serve(req, res, Buffer.concat(chunks).toString('utf8'), port).catch((e: unknown) => {
          send(res, 500, status(500, 'InternalError', String(e)));
        });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;

  const double: KubeApiDouble = {
    url,
    store,
    requests,
    hook: undefined,
    put,
    get: (kind, name, namespace) =>
      store
        .get(storeKey(typeOfKind(kind)))
        ?.get(objectKey(typeOfKind(kind).namespaced ? (namespace ?? '') : undefined, name)),
    setCilium: (v) => {
      cilium = v;
    },
    kubeconfig: (token, context = 'double') =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: ${context}`,
        '  cluster:',
        `    server: ${url}`,
        `    certificate-authority-data: ${fs.readFileSync(TLS_CERT).toString('base64')}`,
        'users:',
        `- name: ${context}-user`,
        '  user:',
        `    token: ${token}`,
        'contexts:',
        `- name: ${context}`,
        '  context:',
        `    cluster: ${context}`,
        `    user: ${context}-user`,
        `current-context: ${context}`,
        '',
      ].join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return double;
}
