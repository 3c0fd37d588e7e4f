import os from 'node:os';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  PatchStrategy,
  ServerConfiguration,
  setHeaderOptions,
  type V1Namespace,
} from '@kubernetes/client-node';
import { NetpolError } from '../errors.js';
import { type Access, describeAccess, roleFor, ruleFor } from './access.js';
import type { ResolvedKubeconfig } from './kubeconfig.js';

/** A Namespace as netpol reads it from the cluster. */
export interface LiveNamespace {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** ISO 8601. */
  readonly creationTimestamp: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A Kubernetes object exactly as the API server returned it (wire JSON). */
export type LiveObject = Readonly<Record<string, unknown>> & {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: Readonly<Record<string, unknown>> & {
    readonly name?: string;
    readonly namespace?: string;
    readonly managedFields?: readonly ManagedFieldsEntry[];
  };
};

/** One `metadata.managedFields` entry (who last wrote the object, and how). */
export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly time?: string;
  readonly apiVersion?: string;
}

/** The policy kinds netpol reads, with their API coordinates. */
export const POLICY_RESOURCES = {
  CiliumNetworkPolicy: { group: 'cilium.io', version: 'v2', plural: 'ciliumnetworkpolicies' },
  CiliumClusterwideNetworkPolicy: {
    group: 'cilium.io',
    version: 'v2',
    plural: 'ciliumclusterwidenetworkpolicies',
  },
  NetworkPolicy: { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies' },
} as const;

/** A policy kind of {@link POLICY_RESOURCES}. */
export type PolicyKind = keyof typeof POLICY_RESOURCES;

/** An `events.k8s.io/v1` Event about a Namespace. */
export interface NamespaceEvent {
  readonly namespace: LiveNamespace;
  /** `Normal` or `Warning`. */
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase reason, e.g. `EnforcementDisabled`. */
  readonly reason: string;
  /** UpperCamelCase action, e.g. `Disable`. */
  readonly action: string;
  /** Human-readable note (at most 1 kB, as the API server requires). */
  readonly note: string;
  /** When it happened. */
  readonly time: Date;
}

/** Options of {@link ClusterClient}. */
export interface ClusterClientOptions {
  /** Time allowed for one request, in milliseconds. Default: 15000. */
  readonly timeoutMs?: number;
  /** The `reportingController` of Events and the field manager of patches. Default: `netpol`. */
  readonly fieldManager?: string;
  /**
   * Ends every request in flight (and refuses new ones) once aborted, so a long-running caller (`netpol watch`)
   * stops without waiting for `timeoutMs`. Default: none.
   */
  readonly signal?: AbortSignal;
}

/** The User-Agent of netpol's requests (the API server's default field manager is its first word). */
export const USER_AGENT = 'netpol/0.1.0';

/** Where Events about cluster-scoped objects (Namespaces) live. */
export const EVENT_NAMESPACE = 'default';

/** The Event `reportingController`. */
export const REPORTING_CONTROLLER = 'netpol.dev/escape-hatch';

/** Kubernetes MicroTime (`2006-01-02T15:04:05.000000Z`), which Event `eventTime` requires. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function toLiveNamespace(ns: V1Namespace): LiveNamespace {
  const m = ns.metadata ?? {};
  return {
    name: m.name ?? '',
    uid: m.uid ?? '',
    resourceVersion: m.resourceVersion ?? '',
    creationTimestamp: m.creationTimestamp ? new Date(m.creationTimestamp).toISOString() : '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
  };
}

/** The first line of an error's text. */
function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** The `message` of a Kubernetes Status body, when the body is one. */
function statusMessage(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
    return (parsed as { message: string }).message;
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset (dropped)',
  EPIPE: 'connection dropped',
  UND_ERR_SOCKET: 'connection dropped',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the server's TLS certificate is self-signed and not trusted by the kubeconfig",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate chain is not trusted by the kubeconfig",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate is not trusted by the kubeconfig",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate does not name this host",
};

/**
 * The live Kubernetes API for the objects netpol reads and the one write it makes (a namespace's labels
 * and annotations), on @kubernetes/client-node. No semantics: it fetches objects and writes patches.
 * Every failure becomes one NetpolError whose message is one line: unreachable server, rejected
 * credentials, a 403 with the missing verb/resource/namespace and the RBAC rule, a missing Cilium CRD.
 */
export class ClusterClient {
  /** The context's name. */
  readonly context: string;
  /** The API server URL. */
  readonly server: string;
  /** The kubeconfig user entry (fallback identity). */
  readonly kubeconfigUser: string;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly fieldManager: string;
  private readonly timeoutMs: number;

  /**
   * @param kube - A resolved kubeconfig (see `resolveKubeconfig`).
   * @param options - See {@link ClusterClientOptions}.
   */
  constructor(kube: ResolvedKubeconfig, options: ClusterClientOptions = {}) {
    this.context = kube.context;
    this.server = kube.server;
    this.kubeconfigUser = kube.user;
    this.fieldManager = options.fieldManager ?? 'netpol';
    this.timeoutMs = options.timeoutMs ?? 15_000;
    const timeoutMs = this.timeoutMs;
    const stop = options.signal;
    const config = createConfiguration({
      baseServer: new ServerConfiguration(kube.server, {}),
      authMethods: { default: kube.config },
      promiseMiddleware: [
        {
          pre: async (ctx) => {
            const timeout = AbortSignal.timeout(timeoutMs);
            ctx.setSignal((stop ? AbortSignal.any([timeout, stop]) : timeout) as never);
            ctx.setHeaderParam('User-Agent', USER_AGENT);
            return ctx;
          },
          post: async (ctx) => ctx,
        },
      ],
    });
    this.core = new CoreV1Api(config);
    this.custom = new CustomObjectsApi(config);
  }

  /**
   * Reads a namespace.
   * @returns The namespace, or null when it does not exist.
   * @throws NetpolError (see {@link ClusterClient}).
   */
  async getNamespace(name: string): Promise<LiveNamespace | null> {
    const access: Access = { verb: 'get', group: '', resource: 'namespaces', name };
    try {
      return toLiveNamespace(await this.core.readNamespace({ name }));
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return null;
      throw this.explain(e, access);
    }
  }

  /**
   * Lists namespaces, optionally by a label selector (`key=value`).
   * @throws NetpolError (see {@link ClusterClient}).
   */
  async listNamespaces(labelSelector?: string): Promise<LiveNamespace[]> {
    const access: Access = { verb: 'list', group: '', resource: 'namespaces' };
    try {
      const list = await this.core.listNamespace(labelSelector !== undefined ? { labelSelector } : {});
      return list.items.map(toLiveNamespace);
    } catch (e) {
      throw this.explain(e, access);
    }
  }

  /**
   * Applies a JSON merge patch (RFC 7386) to a namespace's `metadata.labels` and `metadata.annotations`,
   * with `metadata.resourceVersion` as a precondition: the API server refuses it (409) when the namespace
   * changed since it was read. Only the keys given change; `null` removes a key.
   * @param name - The namespace.
   * @param resourceVersion - The version the change was computed from.
   * @param labels - Label changes (`null` removes).
   * @param annotations - Annotation changes (`null` removes).
   * @returns The namespace after the patch, or `'conflict'` when it changed in between.
   * @throws NetpolError (see {@link ClusterClient}).
   */
  async patchNamespaceMetadata(
    name: string,
    resourceVersion: string,
    labels: Readonly<Record<string, string | null>>,
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<LiveNamespace | 'conflict'> {
    const access: Access = { verb: 'patch', group: '', resource: 'namespaces', name };
    const metadata: Record<string, unknown> = { resourceVersion };
    if (Object.keys(labels).length > 0) metadata.labels = labels;
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    try {
      const ns = await this.core.patchNamespace(
        { name, body: { metadata }, fieldManager: this.fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return toLiveNamespace(ns);
    } catch (e) {
      if (e instanceof ApiException && e.code === 409) return 'conflict';
      throw this.explain(e, access);
    }
  }

  /**
   * Lists every object of a policy kind (all namespaces), as wire JSON.
   * @throws NetpolError `NETPOL_CLUSTER_FAILED` when the cluster does not serve the kind (a Cilium CRD
   *   missing: Cilium is not installed), and see {@link ClusterClient}.
   */
  async listPolicies(kind: PolicyKind): Promise<LiveObject[]> {
    const r = POLICY_RESOURCES[kind];
    const access: Access = { verb: 'list', group: r.group, resource: r.plural };
    try {
      const list = (await this.custom.listClusterCustomObject({
        group: r.group,
        version: r.version,
        plural: r.plural,
      })) as { items?: LiveObject[] };
      const apiVersion = `${r.group}/${r.version}`;
      return (list.items ?? []).map((o) => ({
        ...o,
        apiVersion: o.apiVersion ?? apiVersion,
        kind: o.kind ?? kind,
      }));
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) {
        throw new NetpolError(
          'NETPOL_CLUSTER_FAILED',
          `The cluster of context "${this.context}" does not serve ${r.plural}.${r.group}/${r.version}: ${
            r.group === 'cilium.io' ? 'Cilium is not installed (its CRDs are missing)' : 'the API is disabled'
          }.`,
          r.group === 'cilium.io'
            ? 'Install Cilium, or point --context at the cluster that runs it.'
            : undefined,
        );
      }
      throw this.explain(e, access);
    }
  }

  /**
   * Records an `events.k8s.io/v1` Event `regarding` a Namespace, so `kubectl describe ns` and event
   * exporters show it. A Namespace is cluster-scoped, so the Event lives in the `default` namespace: the
   * API server refuses an Event whose namespace differs from its object's unless the object is
   * cluster-scoped and the Event is in `default` (kubernetes `pkg/apis/core/validation/events.go`,
   * `legacyValidateEvent`), as for Node events.
   * @throws NetpolError (see {@link ClusterClient}).
   */
  async createNamespaceEvent(event: NamespaceEvent): Promise<void> {
    const ns = event.namespace;
    const access: Access = {
      verb: 'create',
      group: 'events.k8s.io',
      resource: 'events',
      namespace: EVENT_NAMESPACE,
    };
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { generateName: `${ns.name}.`, namespace: EVENT_NAMESPACE },
      eventTime: microTime(event.time),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: `netpol-${os.hostname()}`.slice(0, 128),
      action: event.action,
      reason: event.reason,
      note: event.note.slice(0, 1024),
      type: event.type,
      regarding: {
        apiVersion: 'v1',
        kind: 'Namespace',
        name: ns.name,
        uid: ns.uid,
        resourceVersion: ns.resourceVersion,
      },
    };
    try {
      await this.custom.createNamespacedCustomObject({
        group: 'events.k8s.io',
        version: 'v1',
        namespace: EVENT_NAMESPACE,
        plural: 'events',
        body,
      });
    } catch (e) {
      throw this.explain(e, access);
    }
  }

  /**
   * Who the API server says we are (`SelfSubjectReview`, Kubernetes ≥ 1.28); null when the server does
   * not serve it, so the caller falls back to the kubeconfig user.
   * @throws NetpolError for an unreachable server or rejected credentials.
   */
  async whoAmI(): Promise<string | null> {
    const access: Access = { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' };
    try {
      const review = (await this.custom.createClusterCustomObject({
        group: 'authentication.k8s.io',
        version: 'v1',
        plural: 'selfsubjectreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      })) as { status?: { userInfo?: { username?: string } } };
      return review.status?.userInfo?.username ?? null;
    } catch (e) {
      if (e instanceof ApiException && (e.code === 404 || e.code === 403)) return null;
      throw this.explain(e, access);
    }
  }

  /** One NetpolError (one line and a hint) for a failed request. */
  private explain(e: unknown, access: Access): NetpolError {
    const where = `context "${this.context}" (${this.server})`;
    if (e instanceof NetpolError) return e;
    if (e instanceof ApiException) {
      const message = statusMessage(e.body);
      if (e.code === 401) {
        return new NetpolError(
          'NETPOL_CLUSTER_UNAUTHORIZED',
          `The API server of ${where} rejected the credentials (401 Unauthorized): they are missing, expired or revoked.`,
          'Log in again (refresh the token, certificate or exec/OIDC login), then retry.',
        );
      }
      if (e.code === 403) {
        const role = roleFor(access);
        const user = /User "([^"]*)"/.exec(message ?? '')?.[1];
        return new NetpolError(
          'NETPOL_CLUSTER_FORBIDDEN',
          `${user !== undefined ? `User "${user}"` : 'This user'} may not ${describeAccess(access)} on ${where} (403 Forbidden).`,
          `Grant the RBAC rule ${ruleFor(access)}, e.g. bind the ClusterRole ${role.name} (${role.file}).`,
        );
      }
      return new NetpolError(
        'NETPOL_CLUSTER_FAILED',
        `The API server of ${where} answered ${e.code} to ${describeAccess(access)}${message ? `: ${firstLine(message)}` : ''}.`,
      );
    }
    const err = e as { name?: string; code?: string; errno?: string; type?: string; message?: string };
    if (err?.name === 'AbortError' || err?.type === 'aborted') {
      return new NetpolError(
        'NETPOL_CLUSTER_UNREACHABLE',
        `The API server of ${where} did not answer within ${this.timeoutMs / 1000}s.`,
        'Check the network path to the API server (VPN, port-forward), or raise --request-timeout.',
      );
    }
    const code = err?.code ?? err?.errno;
    const reason = code !== undefined ? NETWORK_CODES[code] : undefined;
    if (reason !== undefined || err?.name === 'FetchError') {
      const tls = code !== undefined && /CERT|TLS/.test(code);
      return new NetpolError(
        'NETPOL_CLUSTER_UNREACHABLE',
        `Cannot reach the API server of ${where}: ${reason ?? firstLine(err.message ?? String(e))}.`,
        tls
          ? "Check the kubeconfig's certificate-authority for this cluster."
          : 'Check that the cluster is up and reachable from here (VPN, port-forward), as `kubectl get ns` would.',
      );
    }
    const text = firstLine(err?.message ?? String(e));
    // The library's exec, OIDC and token-file providers throw plain Errors before any request is sent.
    if (/token|exec|oidc|credential|refresh|auth/i.test(text)) {
      return new NetpolError(
        'NETPOL_CLUSTER_UNAUTHORIZED',
        `Cannot get credentials for ${where}: ${text}.`,
        "The kubeconfig's credential plugin (exec, OIDC or token file) failed: log in again, then retry.",
      );
    }
    return new NetpolError('NETPOL_CLUSTER_FAILED', `Request to ${where} failed: ${text}.`);
  }
}
