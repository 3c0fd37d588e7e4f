import { parseAllDocuments } from 'yaml';
import { NetpolError } from '../../errors.js';
import { applyYamlEdits } from '../../repo/edit.js';
import { loadForAnalysis } from '../analysis/load.js';
import { checkNamespaceName, checkNewGrantName } from './authoring-values.js';
import type { Refusal } from './namespace-set.js';
import {
  type EngineCheck,
  planPlatformNamespace,
  platformChecks,
  runCheck,
  scraperOf,
} from './platform-namespace.js';
import {
  accessLabelOf,
  accessPolicyName,
  grantIngressRule,
  type PortSpec,
  renderAccessPolicy,
  renderPlatformPolicy,
} from './render.js';
import { toYamlNode } from './render-yaml.js';
import { platformHome, platformPolicyOf, sharedResourcesHome } from './repo-layout.js';
import { diffOfChanges, type FileChange, listInKustomization, WorkingTree } from './working-tree.js';

/** Options of {@link newAccessGrant}. */
export interface AccessNewOptions {
  /** Repository root. */
  readonly root: string;
  /** Grant name: the label `access.<domain>/<name>`. */
  readonly name: string;
  /** Namespace of the resource. */
  readonly namespace: string;
  /** The resource's port. */
  readonly port: PortSpec;
  /** What the resource is, for comments and descriptions. Default: the grant name. */
  readonly description?: string;
  /** Metrics port of the resource namespace's CNP, used only when that CNP is created. Default: 9090. */
  readonly metricsPort?: number;
  /** Plan and diff only; write nothing. Default: false. */
  readonly dryRun?: boolean;
}

/** The outcome of {@link newAccessGrant}. */
export interface AccessNewResult {
  readonly name: string;
  /** The full label key, `access.<domain>/<name>` (empty on a refusal before the domain is known). */
  readonly label: string;
  readonly namespace: string;
  readonly port: PortSpec;
  /** The client-side CCNP's file. */
  readonly clientFile: string | null;
  /** The file holding the resource namespace's CNP. */
  readonly serverFile: string | null;
  /** Whether the resource namespace's CNP was created from the template (else a rule was added to it). */
  readonly serverCreated: boolean;
  readonly files: readonly FileChange[];
  readonly diff: string;
  readonly written: boolean;
  /**
   * The engine's proof on the repository as written: a namespace with the label reaches NS:PORT, one
   * without does not (and, for a created CNP, the platform template's required rules).
   */
  readonly checks: readonly EngineCheck[];
  readonly refusal?: Refusal;
}

/** The namespace the proof imagines; no repository defines it. */
export const PROBE_NAMESPACE = 'netpol-probe';

/**
 * Adds a shared resource: the client-side CiliumClusterwideNetworkPolicy `access-<name>` selecting namespaces
 * labelled `access.<domain>/<name>: "true"` (in the folder holding the other access grants, default
 * `network-policy/shared-resources/`), and the server side: an ingress rule admitting the same label on
 * the port, appended to the resource namespace's platform CNP (`<ns>-default`) with a comment-preserving
 * edit, or, when the namespace has none, that CNP created from the seed's template (and the Namespace
 * manifest when missing). Every new file is listed in its folder's kustomization.yaml.
 *
 * After writing, the engine proves it on the repository as written: a pod of a namespace carrying the
 * label reaches NS:PORT, a pod of one without it does not.
 *
 * Refused (nothing written) when the repository has no label domain, the grant or its file exists, or the
 * resource namespace carries a profile.
 * @param options - See {@link AccessNewOptions}.
 * @returns The files, diff and proof, or the refusal.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for a bad name or namespace; `NETPOL_REPO_NOT_FOUND`;
 *   `NETPOL_WRITE_FAILED`.
 * @example
 * const r = await newAccessGrant({ root: '.', name: 'mqtt', namespace: 'mqtt', port: { port: 1883, protocol: 'TCP' } });
 * r.checks.every((c) => c.verdict === c.expected); // true
 */
export async function newAccessGrant(options: AccessNewOptions): Promise<AccessNewResult> {
  const { name, namespace: ns, port } = options;
  checkNewGrantName(name, 'access grant');
  checkNamespaceName(ns, '--namespace');
  const base = {
    name,
    namespace: ns,
    port,
    clientFile: null,
    serverFile: null,
    serverCreated: false,
    files: [],
    diff: '',
    written: false,
    checks: [],
  };
  const { repo, catalog } = await loadForAnalysis({ root: options.root });
  const domain = catalog.domain;
  if (domain === null) {
    return {
      ...base,
      label: '',
      refusal: {
        message: 'The repository has no label domain (no profile policies and no catalog.domain).',
        hint: 'Run `netpol init` first, or set catalog.domain in netpol.config.yaml.',
      },
    };
  }
  const label = accessLabelOf(domain, name);
  const refuse = (message: string, hint: string): AccessNewResult => ({
    ...base,
    label,
    refusal: { message, hint },
  });
  const grant = catalog.accessGrants.get(name);
  if (grant) {
    const at = grant.policies[0];
    return refuse(
      `The access grant "${name}" already exists${at ? ` (${at.kind}/${at.name}, ${at.file}:${at.line})` : ''}.`,
      'Pick another name; netpol never overwrites an existing policy.',
    );
  }
  const clash = repo.policies.find(
    (p) => p.kind === 'CiliumClusterwideNetworkPolicy' && p.name === accessPolicyName(name),
  );
  if (clash) {
    return refuse(
      `A CiliumClusterwideNetworkPolicy named "${clash.name}" already exists (${clash.source.file}:${clash.source.line}).`,
      'Pick another grant name.',
    );
  }
  const nsObject = repo.namespaces.find((n) => n.name === ns);
  const profile = nsObject && catalog.profileLabel ? nsObject.labels[catalog.profileLabel] : undefined;
  if (profile !== undefined) {
    return refuse(
      `Namespace "${ns}" carries the profile "${profile}"; shared resources live in platform namespaces.`,
      'Give the resource its own namespace (it is created when missing).',
    );
  }
  const tree = new WorkingTree(repo.root);
  const dir = sharedResourcesHome(catalog);
  const clientFile = dir === '' ? `${name}.yaml` : `${dir}/${name}.yaml`;
  if (tree.exists(clientFile))
    return refuse(`"${clientFile}" already exists.`, 'Pick another name or move that file.');

  const grantSpec = {
    name,
    label,
    ports: [port],
    ...(options.description ? { description: options.description } : {}),
  };
  const server = platformPolicyOf(repo, ns);
  let serverFile: string;
  let metricsPorts: number[] = [];
  if (server) {
    serverFile = server.source.file;
    const text = tree.read(serverFile);
    if (text === null)
      throw new NetpolError('NETPOL_INPUT_UNREADABLE', `Cannot read "${serverFile}".`, 'Check the file.');
    const doc = parseAllDocuments(text, { version: '1.1' })[server.documentIndex];
    const usesSpecs = doc !== undefined && !doc.has('spec') && doc.has('specs');
    const path = usesSpecs ? ['specs', server.rules[0]?.index ?? 0, 'ingress'] : ['spec', 'ingress'];
    const rule = toYamlNode(grantIngressRule(grantSpec));
    tree.write(
      serverFile,
      applyYamlEdits(text, [{ documentIndex: server.documentIndex, path, append: rule }]).text,
    );
  } else {
    const pdir = platformHome(repo, catalog);
    serverFile = pdir === '' ? `${ns}.yaml` : `${pdir}/${ns}.yaml`;
    if (tree.exists(serverFile)) {
      return refuse(
        `Namespace "${ns}" has no platform CNP, but "${serverFile}" already exists.`,
        'Move that file, or create the platform CNP with `netpol platform new` first.',
      );
    }
    const scraper = scraperOf(repo, catalog);
    metricsPorts = [options.metricsPort ?? 9090];
    tree.write(
      serverFile,
      renderPlatformPolicy({
        namespace: ns,
        purpose: `serves ${options.description ?? name} (access grant ${name})`,
        metricsPorts,
        monitoringNamespace: scraper.namespace,
        scraperLabels: scraper.labels,
        mesh: false,
        grants: [grantSpec],
      }),
    );
    listInKustomization(tree, serverFile);
    planPlatformNamespace(tree, repo, ns, false);
  }
  tree.write(
    clientFile,
    renderAccessPolicy({
      name,
      domain,
      namespace: ns,
      ports: [port],
      ...(options.description ? { description: options.description } : {}),
      serverSide: serverFile,
    }),
  );
  listInKustomization(tree, clientFile);
  const files = tree.changes();
  const result = {
    ...base,
    label,
    clientFile,
    serverFile,
    serverCreated: !server,
    files,
    diff: diffOfChanges(files),
  };
  if (options.dryRun) return result;
  tree.commit();
  const after = await loadForAnalysis({ root: repo.root });
  const probe = after.engine.withNamespaceLabels({
    [PROBE_NAMESPACE]: { 'kubernetes.io/metadata.name': PROBE_NAMESPACE, [label]: 'true' },
  });
  const flow = {
    to: ns,
    port: port.port,
    protocol: port.protocol,
    side: 'both' as const,
    severity: 'error' as const,
  };
  const checks: EngineCheck[] = [
    runCheck(probe, {
      ...flow,
      description: `a namespace labelled ${label}=true reaches ${ns}:${port.port}/${port.protocol}`,
      from: PROBE_NAMESPACE,
      expected: 'allowed',
    }),
    runCheck(
      after.engine.withNamespaceLabels({
        [PROBE_NAMESPACE]: { 'kubernetes.io/metadata.name': PROBE_NAMESPACE },
      }),
      {
        ...flow,
        description: `a namespace without the label does not`,
        from: PROBE_NAMESPACE,
        expected: 'denied',
      },
    ),
  ];
  if (!server)
    checks.push(...platformChecks(after.engine, ns, metricsPorts, scraperOf(after.repo, after.catalog)));
  return { ...result, written: true, checks };
}
