import type { Diagnostic, SourceRef } from '../errors.js';
import {
  documentValue,
  nodeAt,
  parseYamlFile,
  sourceAt,
  type YamlDocument,
  type YamlPath,
} from './documents.js';
import type { ClusterNode, ClusterSettings } from './model.js';
import { isRecord, show, typeName } from './read-context.js';
import { quoteValue } from './truncate.js';
import {
  closest,
  isDnsLabel,
  isDnsSubdomain,
  labelKeyProblem,
  labelValueProblem,
  parseCidr,
} from './values.js';

/** The repository configuration file netpol reads from the repository root. */
export const CONFIG_FILE = 'netpol.config.yaml';

/** The settings used when neither `netpol.config.yaml` nor a flag sets them (the current Cilium release). */
export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = {
  policyEnforcementMode: 'default',
  policyCIDRMatchMode: [],
  allowLocalhost: true,
  clusterName: 'default',
  ciliumVersion: '1.19',
  kubeAPIServer: 'external',
};

/**
 * The Cilium minor releases whose policy semantics netpol models (docs/semantics.md §15), oldest first.
 * `cluster.ciliumVersion` selects one; another version is evaluated as the nearest of these.
 */
export const KNOWN_CILIUM_RELEASES = ['1.16', '1.17', '1.18', '1.19', '1.20'] as const;

/** One of {@link KNOWN_CILIUM_RELEASES}. */
export type CiliumRelease = (typeof KNOWN_CILIUM_RELEASES)[number];

/** What {@link nearestCiliumRelease} returns. */
export interface ResolvedCiliumRelease {
  /** The modelled release used for verdicts. */
  readonly release: CiliumRelease;
  /** Whether the version names that release (any patch), rather than the nearest one. */
  readonly exact: boolean;
}

/**
 * The modelled release for a Cilium version (`1.18`, `1.17.4`, `v1.19.2`): its own minor release when
 * netpol models it, otherwise the nearest one (older versions get the oldest, newer the newest; `1.x` is
 * compared by minor number, a major other than 1 counts as newer or older than every 1.x). A text that is
 * not a version gives the default release, not exact.
 * @param version - the configured version.
 */
export function nearestCiliumRelease(version: string): ResolvedCiliumRelease {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  const fallback = DEFAULT_CLUSTER_SETTINGS.ciliumVersion as CiliumRelease;
  if (!m) return { release: fallback, exact: false };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const key = `${major}.${minor}`;
  const known = KNOWN_CILIUM_RELEASES.find((r) => r === key);
  if (known) return { release: known, exact: true };
  const oldest = KNOWN_CILIUM_RELEASES[0];
  const newest = KNOWN_CILIUM_RELEASES[KNOWN_CILIUM_RELEASES.length - 1] ?? oldest;
  if (major !== 1) return { release: major < 1 ? oldest : newest, exact: false };
  let best: CiliumRelease = oldest;
  for (const r of KNOWN_CILIUM_RELEASES) {
    if (Math.abs(Number(r.split('.')[1]) - minor) < Math.abs(Number(best.split('.')[1]) - minor)) best = r;
  }
  return { release: best, exact: false };
}

/** The sentence of `CILIUM_VERSION_UNKNOWN` (and of the engine's caveat) for a version netpol does not model. */
export function unknownCiliumVersionMessage(version: string): string {
  const { release } = nearestCiliumRelease(version);
  return `Cilium ${version} is not a release netpol models (${KNOWN_CILIUM_RELEASES[0]} to ${KNOWN_CILIUM_RELEASES[KNOWN_CILIUM_RELEASES.length - 1]}): verdicts follow ${release}, the nearest known release.`;
}

/** What {@link readConfig} returns. */
export interface ConfigResult {
  /** Effective settings: defaults, then the file's `cluster:` section, then the overrides. */
  readonly settings: ClusterSettings;
  /**
   * The whole parsed file (`{}` when absent or unusable); other layers read their own sections. Bad values of
   * `catalog:` are left out of it (they were reported), so the catalogue derives them instead.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /** Positions of the values read, by dotted path (`catalog.domain`), for diagnostics of later layers. */
  readonly sources: Readonly<Record<string, SourceRef>>;
  readonly diagnostics: readonly Diagnostic[];
}

/** The sections of `netpol.config.yaml` (docs/config.md, docs/netpol.config.schema.json). */
const SECTIONS = ['cluster', 'catalog', 'lint', 'init', 'clusters'];

/** The settings of `catalog:`: read by the catalogue (domain, platformNamespaces) and by `netpol init`. */
const CATALOG_KEYS = [
  'domain',
  'platformNamespaces',
  'gatewayNamespace',
  'internalGateway',
  'externalGateway',
  'monitoringNamespace',
];

const CLUSTER_KEYS = [
  'policyEnforcementMode',
  'policyCIDRMatchMode',
  'allowLocalhost',
  'clusterName',
  'ciliumVersion',
  'kubeAPIServer',
  'hostFirewall',
  'nodes',
  'path',
];

/**
 * Reads `netpol.config.yaml`: the `cluster:` section gives the {@link ClusterSettings} (each bad value is a
 * `CONFIG_INVALID` error at its position and falls back to the default; an unknown key is a
 * `CONFIG_INVALID` warning). `allowLocalhost` also takes Cilium's `allow-localhost` words: `auto` and
 * `always` mean true, `policy` means false. `ciliumVersion` is read from the source text, so `1.20` stays
 * `1.20`. The `catalog:` section is checked too: `domain` must be a DNS subdomain, `platformNamespaces` a list of
 * namespace names, the namespace settings namespace names and the gateway names strings; a bad value is a
 * `CONFIG_INVALID` error at its position and is left out of the returned config. An unknown section or
 * setting is a `CONFIG_INVALID` warning.
 * @param file - The file name for positions (relative to the root), or undefined when there is no file.
 * @param text - The file's text, or undefined when there is no file.
 * @param overrides - Settings from flags; they win over the file.
 * @returns Settings, raw config and diagnostics. Never throws.
 */
export function readConfig(
  file: string | undefined,
  text: string | undefined,
  overrides: Partial<ClusterSettings> = {},
): ConfigResult {
  const diagnostics: Diagnostic[] = [];
  const fromFile: { -readonly [K in keyof ClusterSettings]?: ClusterSettings[K] } = {};
  let config: Record<string, unknown> = {};
  const sources: Record<string, SourceRef> = {};
  if (file !== undefined && text !== undefined) {
    const parsed = parseYamlFile(file, text);
    diagnostics.push(...parsed.diagnostics);
    const doc = parsed.documents.find((d) => d.root !== null) ?? parsed.documents[0];
    if (parsed.documents.filter((d) => d.root !== null).length > 1) {
      diagnostics.push(
        invalid(
          parsed.documents[1] ?? (doc as YamlDocument),
          [],
          'netpol.config.yaml has more than one document; only the first is read.',
          'warning',
        ),
      );
    }
    if (doc?.valid && doc.root) {
      const value = documentValue(doc);
      if (!isRecord(value)) {
        diagnostics.push(invalid(doc, [], `netpol.config.yaml must be a mapping, not ${typeName(value)}.`));
      } else {
        for (const key of Object.keys(value)) {
          if (SECTIONS.includes(key)) continue;
          diagnostics.push(
            invalid(
              doc,
              [key],
              `Unknown section ${quoteValue(key)} in netpol.config.yaml; it is ignored.`,
              'warning',
              true,
              didYouMean(key, SECTIONS),
            ),
          );
        }
        readCluster(doc, value, fromFile, diagnostics);
        config = { ...value };
        const catalog = readCatalog(doc, value.catalog, diagnostics);
        if (catalog === undefined) delete config.catalog;
        else config.catalog = catalog;
        if (typeof catalog?.domain === 'string')
          sources['catalog.domain'] = sourceAt(doc, ['catalog', 'domain']);
      }
    }
  }
  const settings: ClusterSettings = { ...DEFAULT_CLUSTER_SETTINGS, ...fromFile, ...definedOnly(overrides) };
  return { settings, config, sources, diagnostics };
}

function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const near = closest(word, candidates);
  return near
    ? `Did you mean ${quoteValue(near)}? Valid: ${candidates.join(', ')} (docs/config.md).`
    : undefined;
}

function definedOnly(overrides: Partial<ClusterSettings>): Partial<ClusterSettings> {
  return Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as Partial<ClusterSettings>;
}

function invalid(
  doc: YamlDocument,
  path: YamlPath,
  message: string,
  severity: 'error' | 'warning' = 'error',
  key = false,
  hint = 'See docs/config.md: every setting of netpol.config.yaml, with its JSON schema.',
): Diagnostic {
  return {
    code: 'CONFIG_INVALID',
    severity,
    message,
    source: sourceAt(doc, path, key ? { key: true } : {}),
    path: [...path],
    hint,
  };
}

/**
 * Checks the `catalog:` section and returns it with only its valid values (undefined when absent or not a
 * mapping). `domain` is the label domain, a DNS subdomain (`network-policy.homelab`); `platformNamespaces` a
 * list of namespace names; `gatewayNamespace` and `monitoringNamespace` namespace names; the gateway names
 * strings.
 */
function readCatalog(
  doc: YamlDocument,
  catalog: unknown,
  diagnostics: Diagnostic[],
): Record<string, unknown> | undefined {
  if (catalog === undefined || catalog === null) return undefined;
  if (!isRecord(catalog)) {
    diagnostics.push(invalid(doc, ['catalog'], `catalog must be a mapping, not ${typeName(catalog)}.`));
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(catalog)) {
    const at: YamlPath = ['catalog', key];
    if (value === undefined || value === null) continue;
    switch (key) {
      case 'domain':
        if (typeof value === 'string' && isDnsSubdomain(value)) out.domain = value;
        else
          diagnostics.push(
            invalid(
              doc,
              at,
              `catalog.domain ${show(value)} is not a label domain (a lowercase DNS name such as network-policy.homelab); it is ignored and the domain is derived from the policies.`,
            ),
          );
        break;
      case 'platformNamespaces':
        if (!Array.isArray(value)) {
          diagnostics.push(
            invalid(
              doc,
              at,
              `catalog.platformNamespaces must be a list of namespace names, not ${typeName(value)}.`,
            ),
          );
          break;
        }
        out.platformNamespaces = value.filter((name, i) => {
          if (typeof name === 'string' && isDnsLabel(name)) return true;
          diagnostics.push(
            invalid(
              doc,
              [...at, i],
              `${show(name)} is not a namespace name (lowercase letters, digits and "-", at most 63 characters); it is left out of catalog.platformNamespaces.`,
            ),
          );
          return false;
        });
        break;
      case 'gatewayNamespace':
      case 'monitoringNamespace':
        if (typeof value === 'string' && isDnsLabel(value)) out[key] = value;
        else
          diagnostics.push(
            invalid(
              doc,
              at,
              `catalog.${key} ${show(value)} is not a namespace name (lowercase letters, digits and "-", at most 63 characters).`,
            ),
          );
        break;
      case 'internalGateway':
      case 'externalGateway':
        if (typeof value === 'string' && value !== '') out[key] = value;
        else diagnostics.push(invalid(doc, at, `catalog.${key} ${show(value)} must be a gateway name.`));
        break;
      default:
        diagnostics.push(
          invalid(
            doc,
            at,
            `Unknown catalog setting ${quoteValue(key)}; it is ignored.`,
            'warning',
            true,
            didYouMean(key, CATALOG_KEYS),
          ),
        );
    }
  }
  return out;
}

function readCluster(
  doc: YamlDocument,
  config: Record<string, unknown>,
  out: { -readonly [K in keyof ClusterSettings]?: ClusterSettings[K] },
  diagnostics: Diagnostic[],
): void {
  const cluster = config.cluster;
  if (cluster === undefined || cluster === null) return;
  if (!isRecord(cluster)) {
    diagnostics.push(invalid(doc, ['cluster'], `cluster must be a mapping, not ${typeName(cluster)}.`));
    return;
  }
  for (const key of Object.keys(cluster)) {
    if (!CLUSTER_KEYS.includes(key)) {
      diagnostics.push(
        invalid(doc, ['cluster', key], `Unknown cluster setting "${key}"; it is ignored.`, 'warning', true),
      );
    }
  }
  const at = (k: string): YamlPath => ['cluster', k];
  const mode = cluster.policyEnforcementMode;
  if (mode !== undefined && mode !== null) {
    if (mode === 'default' || mode === 'always' || mode === 'never') out.policyEnforcementMode = mode;
    else
      diagnostics.push(
        invalid(
          doc,
          at('policyEnforcementMode'),
          `policyEnforcementMode ${show(mode)} is not one of default, always, never.`,
        ),
      );
  }
  const cidr = cluster.policyCIDRMatchMode;
  if (cidr !== undefined && cidr !== null) {
    const list = Array.isArray(cidr) ? cidr : cidr === '' ? [] : [cidr];
    if (list.every((x) => x === 'nodes')) out.policyCIDRMatchMode = list.length > 0 ? ['nodes'] : [];
    else
      diagnostics.push(
        invalid(doc, at('policyCIDRMatchMode'), `policyCIDRMatchMode ${show(cidr)} must be [] or [nodes].`),
      );
  }
  const localhost = cluster.allowLocalhost;
  if (localhost !== undefined && localhost !== null) {
    if (typeof localhost === 'boolean') out.allowLocalhost = localhost;
    else if (localhost === 'auto' || localhost === 'always') out.allowLocalhost = true;
    else if (localhost === 'policy') out.allowLocalhost = false;
    else
      diagnostics.push(
        invalid(
          doc,
          at('allowLocalhost'),
          `allowLocalhost ${show(localhost)} must be true or false (or auto, always, policy).`,
        ),
      );
  }
  const name = cluster.clusterName;
  if (name !== undefined && name !== null) {
    if (typeof name === 'string' && /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(name)) out.clusterName = name;
    else {
      diagnostics.push(
        invalid(
          doc,
          at('clusterName'),
          `clusterName ${show(name)} is not a valid Cilium cluster name (at most 32 lowercase letters, digits and "-").`,
        ),
      );
    }
  }
  const apiServer = cluster.kubeAPIServer;
  if (apiServer !== undefined && apiServer !== null) {
    if (apiServer === 'external' || apiServer === 'nodes') out.kubeAPIServer = apiServer;
    else
      diagnostics.push(
        invalid(doc, at('kubeAPIServer'), `kubeAPIServer ${show(apiServer)} must be external or nodes.`),
      );
  }
  const hostFirewall = cluster.hostFirewall;
  if (hostFirewall !== undefined && hostFirewall !== null) {
    if (typeof hostFirewall === 'boolean') out.hostFirewall = hostFirewall;
    else
      diagnostics.push(
        invalid(doc, at('hostFirewall'), `hostFirewall ${show(hostFirewall)} must be true or false.`),
      );
  }
  const nodes = cluster.nodes;
  if (nodes !== undefined && nodes !== null) {
    if (Array.isArray(nodes)) out.nodes = readNodes(doc, nodes, diagnostics);
    else
      diagnostics.push(
        invalid(
          doc,
          at('nodes'),
          `cluster.nodes must be a list of nodes ({name, labels, addresses}), not ${typeName(nodes)}.`,
        ),
      );
  }
  const version = cluster.ciliumVersion;
  if (version !== undefined && version !== null) {
    const node = nodeAt(doc, at('ciliumVersion'));
    const text = node && typeof version === 'number' ? doc.text.slice(node.start, node.end) : String(version);
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
    if ((typeof version === 'string' || typeof version === 'number') && m) {
      out.ciliumVersion = `${m[1]}.${m[2]}${m[3] !== undefined ? `.${m[3]}` : ''}`;
      if (!nearestCiliumRelease(out.ciliumVersion).exact) {
        diagnostics.push({
          code: 'CILIUM_VERSION_UNKNOWN',
          severity: 'warning',
          message: unknownCiliumVersionMessage(out.ciliumVersion),
          source: sourceAt(doc, at('ciliumVersion')),
          path: [...at('ciliumVersion')],
          hint: `Set cluster.ciliumVersion to one of ${KNOWN_CILIUM_RELEASES.join(', ')} (docs/semantics.md §15 lists what differs between them).`,
        });
      }
    } else
      diagnostics.push(
        invalid(
          doc,
          at('ciliumVersion'),
          `ciliumVersion ${show(version)} is not a version like 1.18 or 1.17.4.`,
        ),
      );
  }
}

const NODE_KEYS = ['name', 'labels', 'addresses'];

/**
 * Checks `cluster.nodes`: each entry is `{name, labels, addresses}` with a DNS-subdomain name, labels that
 * are valid Kubernetes label keys and values, and IP addresses. A bad entry is a `CONFIG_INVALID` error at its
 * position and is left out (a bad label or address is left out of its entry); a name given twice keeps the
 * first entry.
 */
function readNodes(doc: YamlDocument, list: readonly unknown[], diagnostics: Diagnostic[]): ClusterNode[] {
  const out: ClusterNode[] = [];
  list.forEach((entry, i) => {
    const at: YamlPath = ['cluster', 'nodes', i];
    if (!isRecord(entry)) {
      diagnostics.push(
        invalid(
          doc,
          at,
          `A cluster.nodes entry must be a mapping with name and labels, not ${typeName(entry)}.`,
        ),
      );
      return;
    }
    for (const key of Object.keys(entry)) {
      if (!NODE_KEYS.includes(key))
        diagnostics.push(
          invalid(
            doc,
            [...at, key],
            `Unknown node setting ${quoteValue(key)}; it is ignored.`,
            'warning',
            true,
            didYouMean(key, NODE_KEYS),
          ),
        );
    }
    const name = entry.name;
    if (typeof name !== 'string' || !isDnsSubdomain(name)) {
      diagnostics.push(
        invalid(
          doc,
          name === undefined ? at : [...at, 'name'],
          `A cluster.nodes entry needs a name (a DNS subdomain such as worker-1), not ${show(name)}; the entry is ignored.`,
        ),
      );
      return;
    }
    if (out.some((n) => n.name === name)) {
      diagnostics.push(
        invalid(
          doc,
          [...at, 'name'],
          `Node ${quoteValue(name)} is listed twice in cluster.nodes; the first entry is used.`,
        ),
      );
      return;
    }
    const labels: Record<string, string> = {};
    const rawLabels = entry.labels;
    if (isRecord(rawLabels)) {
      for (const [k, v] of Object.entries(rawLabels)) {
        const value =
          typeof v === 'string'
            ? v
            : typeof v === 'number' || typeof v === 'boolean'
              ? String(v)
              : v === null
                ? ''
                : undefined;
        const problem =
          labelKeyProblem(k) ??
          (value === undefined ? 'the value is not a string' : labelValueProblem(value));
        if (problem !== null || value === undefined) {
          diagnostics.push(
            invalid(
              doc,
              [...at, 'labels', k],
              `Node label ${quoteValue(k)} of ${quoteValue(name)} is not valid: ${problem}; it is left out.`,
            ),
          );
          continue;
        }
        labels[k] = value;
      }
    } else if (rawLabels !== undefined && rawLabels !== null) {
      diagnostics.push(
        invalid(
          doc,
          [...at, 'labels'],
          `labels of node ${quoteValue(name)} must be a mapping, not ${typeName(rawLabels)}.`,
        ),
      );
    }
    const addresses: string[] = [];
    const rawAddresses = entry.addresses;
    if (Array.isArray(rawAddresses)) {
      rawAddresses.forEach((a, j) => {
        if (typeof a === 'string' && !a.includes('/') && parseCidr(a, { bareIp: true }).ok) addresses.push(a);
        else
          diagnostics.push(
            invalid(
              doc,
              [...at, 'addresses', j],
              `${show(a)} is not an IP address; it is left out of node ${quoteValue(name)}.`,
            ),
          );
      });
    } else if (rawAddresses !== undefined && rawAddresses !== null) {
      diagnostics.push(
        invalid(
          doc,
          [...at, 'addresses'],
          `addresses of node ${quoteValue(name)} must be a list of IP addresses, not ${typeName(rawAddresses)}.`,
        ),
      );
    }
    out.push({ name, labels, addresses });
  });
  return out;
}
