import fs from 'node:fs';
import path from 'node:path';
import { type Cluster, type Context, KubeConfig, type User } from '@kubernetes/client-node';
import { NetpolError } from '../errors.js';

/** Where the kubeconfig comes from, as kubectl decides it. */
export interface KubeconfigOptions {
  /** `--kubeconfig FILE`: only this file is read (it must exist). Default: `$KUBECONFIG`, then `~/.kube/config`. */
  readonly kubeconfig?: string;
  /** `--context NAME`. Default: the kubeconfig's `current-context`. */
  readonly context?: string;
  /** The environment (`KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory of the in-cluster service-account files. Default: `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string;
}

/** A kubeconfig resolved to one context. */
export interface ResolvedKubeconfig {
  /** The library's config, with the chosen context current. */
  readonly config: KubeConfig;
  /** The context's name (`in-cluster` for the service-account config). */
  readonly context: string;
  /** The API server URL. */
  readonly server: string;
  /** The kubeconfig user entry's name (the fallback identity when the server cannot say who we are). */
  readonly user: string;
  /** The files read, in merge order; empty for the in-cluster config. */
  readonly files: readonly string[];
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function fail(message: string, hint?: string): never {
  throw new NetpolError('NETPOL_CLUSTER_FAILED', message, hint);
}

function readFile(file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    fail(`Cannot read kubeconfig "${file}": ${(e as Error).message.split('\n')[0]}.`);
  }
  // An empty or partial file is valid for kubectl: missing lists are empty.
  return kc;
}

/**
 * Merges kubeconfig files with kubectl's rules (client-go `clientcmd` loading rules): the first file to
 * define a cluster, user or context name wins, later definitions of the same name are ignored, and
 * `current-context` comes from the first file that sets it. Relative paths are resolved against each
 * file's own directory before merging. (The library's own `mergeConfig` throws on duplicates and lets
 * the last file's current-context win, which is not what kubectl does.)
 */
function mergeFiles(files: readonly string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current = '';
  for (const file of files) {
    const kc = readFile(file);
    for (const c of kc.getClusters() ?? []) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers() ?? []) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts() ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (current === '' && kc.getCurrentContext()) current = kc.getCurrentContext();
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: current,
  });
  return merged;
}

function inCluster(options: KubeconfigOptions): ResolvedKubeconfig | null {
  const host = options.env.KUBERNETES_SERVICE_HOST;
  const port = options.env.KUBERNETES_SERVICE_PORT;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (!host || !port || !fs.existsSync(path.join(dir, 'token'))) return null;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: path.join(dir, 'ca.crt'), skipTLSVerify: false }],
    // The tokenFile provider re-reads the projected token, which the kubelet rotates.
    users: [
      {
        name: 'in-cluster',
        authProvider: { name: 'tokenFile', config: { tokenFile: path.join(dir, 'token') } },
      },
    ],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster' }],
    currentContext: 'in-cluster',
  });
  return { config, context: 'in-cluster', server, user: 'in-cluster', files: [] };
}

/**
 * Resolves the kubeconfig exactly as kubectl does: `--kubeconfig` alone when given; else every existing
 * file of `$KUBECONFIG` (a `:`-separated list, merged: first definition wins); else `~/.kube/config`;
 * else, inside a pod, the service-account config (`KUBERNETES_SERVICE_HOST`/`PORT`, the token and CA
 * under `/var/run/secrets/kubernetes.io/serviceaccount`). Then `--context` (or `current-context`) picks the
 * context. Auth plugins (exec, OIDC, token files, client certificates) are whatever the kubeconfig names,
 * run by @kubernetes/client-node when a request is made.
 * @param options - See {@link KubeconfigOptions}.
 * @returns The config with the chosen context current.
 * @throws NetpolError `NETPOL_CLUSTER_FAILED` when no kubeconfig is found, a file cannot be read, the
 *   context does not exist, or it names a missing cluster or user.
 */
export function resolveKubeconfig(options: KubeconfigOptions): ResolvedKubeconfig {
  let files: string[];
  if (options.kubeconfig !== undefined) {
    if (!fs.existsSync(options.kubeconfig)) {
      fail(`The kubeconfig "${options.kubeconfig}" does not exist.`, 'Check the --kubeconfig path.');
    }
    files = [options.kubeconfig];
  } else if (options.env.KUBECONFIG) {
    files = options.env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '' && fs.existsSync(f));
  } else {
    const home = options.env.HOME ?? options.env.USERPROFILE;
    const file = home ? path.join(home, '.kube', 'config') : '';
    files = file !== '' && fs.existsSync(file) ? [file] : [];
  }
  if (files.length === 0) {
    const pod = options.context === undefined ? inCluster(options) : null;
    if (pod) return pod;
    fail(
      'No kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod.',
      'Pass --kubeconfig FILE or set KUBECONFIG, as for kubectl.',
    );
  }
  const config = mergeFiles(files);
  const name = options.context ?? config.getCurrentContext();
  if (!name) {
    fail(
      `The kubeconfig (${files.join(', ')}) sets no current-context.`,
      `Pass --context NAME (one of: ${contextNames(config)}).`,
    );
  }
  const context = config.getContextObject(name);
  if (!context) {
    fail(`The kubeconfig has no context "${name}".`, `Contexts: ${contextNames(config)}.`);
  }
  config.setCurrentContext(name);
  const cluster = config.getCluster(context.cluster);
  if (!cluster) fail(`Context "${name}" names cluster "${context.cluster}", which the kubeconfig lacks.`);
  const user = context.user;
  if (user && !config.getUser(user)) {
    fail(`Context "${name}" names user "${user}", which the kubeconfig lacks.`);
  }
  return { config, context: name, server: cluster.server, user: user ?? '', files };
}

function contextNames(config: KubeConfig): string {
  const names = config.getContexts().map((c) => c.name);
  return names.length > 0 ? names.join(', ') : 'none';
}
