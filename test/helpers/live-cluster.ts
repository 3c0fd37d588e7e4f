/**
 * Test fixtures for the live layer: the API server double seeded with a repository's objects, and a
 * kubeconfig file pointing at it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  type DoubleOptions,
  type KubeApiDouble,
  type KubeJson,
  startKubeApiDouble,
} from './kube-api-double.js';

const SEEDED_KINDS = new Set([
  'Namespace',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'NetworkPolicy',
]);

/** Every Namespace and policy of the YAML files below `root`, as the GitOps controller would apply them. */
export function objectsOfTree(root: string): KubeJson[] {
  const out: KubeJson[] = [];
  const walk = (dir: string) => {
    for (const e of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name) && e.name !== 'netpol.config.yaml') {
        for (const doc of parseAllDocuments(fs.readFileSync(p, 'utf8'))) {
          const v = 'toJS' in doc ? (doc.toJS() as KubeJson | null) : null;
          if (v && SEEDED_KINDS.has(String(v.kind))) out.push(v);
        }
      }
    }
  };
  walk(root);
  return out;
}

/** A double seeded with the repository's objects (applied by `kustomize-controller`), plus a kubeconfig file. */
export interface LiveCluster {
  readonly api: KubeApiDouble;
  /** Path of a kubeconfig whose current context `double` uses `admin-token`. */
  readonly kubeconfig: string;
  /** Writes another kubeconfig (token, context name) and returns its path. */
  writeKubeconfig(token: string, context: string): string;
  close(): Promise<void>;
}

/**
 * Starts the double, seeds it with the objects of `root` (if given) and writes a kubeconfig for it.
 * @param root - A repository to apply, or undefined for an empty cluster.
 * @param options - Options of the double.
 */
export async function startLiveCluster(
  root: string | undefined,
  options: DoubleOptions = {},
): Promise<LiveCluster> {
  const api = await startKubeApiDouble(options);
  if (root) for (const o of objectsOfTree(root)) api.put(o, 'kustomize-controller');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-kube-'));
  const writeKubeconfig = (token: string, context: string) => {
    const file = path.join(dir, `${context}.kubeconfig`);
    fs.writeFileSync(file, api.kubeconfig(token, context));
    return file;
  };
  const kubeconfig = writeKubeconfig('admin-token', 'double');
  return {
    api,
    kubeconfig,
    writeKubeconfig,
    close: async () => {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
