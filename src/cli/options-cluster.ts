import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../hubble/filter.js';
import type { ClusterTarget, ConnectedCluster } from '../workflows/live/cluster-state.js';
import type { CliIo } from './io.js';

/** Raw values of the cluster-access flags (kubectl's names). */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string[];
  requestTimeout?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Adds `--kubeconfig`, `--context` and `--request-timeout` (kubectl's flags). `--context` is repeatable
 * only for read-only commands (`repeatable`).
 */
export function addClusterFlags(cmd: Command, repeatable: boolean): Command {
  cmd.option(
    '--kubeconfig <file>',
    'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)',
  );
  if (repeatable) {
    cmd.option(
      '--context <name>',
      'kubeconfig context, or a cluster named under clusters: in netpol.config.yaml (repeatable)',
      collect,
    );
  } else {
    cmd.option(
      '--context <name>',
      'kubeconfig context, or a cluster named under clusters: in netpol.config.yaml',
      (v: string) => [v],
    );
  }
  return cmd.option('--request-timeout <duration>', 'time allowed for one API request (Go duration)', '15s');
}

/**
 * Connects to a cluster target with the flags' kubeconfig (resolved as kubectl does, from `io.env`).
 * @param signal - Aborts the client's requests (a long-running command's stop). Default: none.
 * @throws NetpolError `NETPOL_CLUSTER_FAILED` when the kubeconfig or context cannot be resolved.
 */
export async function connectCluster(
  flags: ClusterFlags,
  io: CliIo,
  target: ClusterTarget,
  signal?: AbortSignal,
): Promise<ConnectedCluster> {
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(flags.requestTimeout ?? '15s');
  } catch {
    throw new InvalidArgumentError(`--request-timeout "${flags.requestTimeout}" is not a duration like 15s.`);
  }
  // @kubernetes/client-node loads only when a command talks to a cluster (start-up speed, docs/decisions.md).
  const [{ ClusterClient }, { resolveKubeconfig }] = await Promise.all([
    import('../cluster/client.js'),
    import('../cluster/kubeconfig.js'),
  ]);
  const kube = resolveKubeconfig({
    env: io.env,
    ...(flags.kubeconfig !== undefined ? { kubeconfig: path.resolve(io.cwd, flags.kubeconfig) } : {}),
    ...(target.context !== undefined ? { context: target.context } : {}),
  });
  const client = new ClusterClient(kube, {
    timeoutMs: timeoutMs > 0 ? timeoutMs : 15_000,
    ...(signal !== undefined && { signal }),
  });
  return { ...target, name: target.context === undefined ? kube.context : target.name, client };
}
