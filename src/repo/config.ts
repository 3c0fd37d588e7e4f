import type { Diagnostic } from '../errors.js';
import {
  documentValue,
  nodeAt,
  parseYamlFile,
  sourceAt,
  type YamlDocument,
  type YamlPath,
} from './documents.js';
import type { ClusterSettings } from './model.js';
import { isRecord, show, typeName } from './read-context.js';

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

/** What {@link readConfig} returns. */
export interface ConfigResult {
  /** Effective settings: defaults, then the file's `cluster:` section, then the overrides. */
  readonly settings: ClusterSettings;
  /** The whole parsed file (`{}` when absent or unusable); other layers read their own sections. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly diagnostics: readonly Diagnostic[];
}

const CLUSTER_KEYS = [
  'policyEnforcementMode',
  'policyCIDRMatchMode',
  'allowLocalhost',
  'clusterName',
  'ciliumVersion',
  'kubeAPIServer',
  'path',
];

/**
 * Reads `netpol.config.yaml`: the `cluster:` section gives the {@link ClusterSettings} (each bad value is a
 * `CONFIG_INVALID` error at its position and falls back to the default; an unknown key is a
 * `CONFIG_INVALID` warning). `allowLocalhost` also takes Cilium's `allow-localhost` words: `auto` and
 * `always` mean true, `policy` means false. `ciliumVersion` is read from the source text, so `1.20` stays
 * `1.20`.
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
        config = value;
        readCluster(doc, value, fromFile, diagnostics);
      }
    }
  }
  const settings: ClusterSettings = { ...DEFAULT_CLUSTER_SETTINGS, ...fromFile, ...definedOnly(overrides) };
  return { settings, config, diagnostics };
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
): Diagnostic {
  return {
    code: 'CONFIG_INVALID',
    severity,
    message,
    source: sourceAt(doc, path, key ? { key: true } : {}),
    path: [...path],
    hint: 'See the `cluster:` settings in the netpol documentation.',
  };
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
  const version = cluster.ciliumVersion;
  if (version !== undefined && version !== null) {
    const node = nodeAt(doc, at('ciliumVersion'));
    const text = node && typeof version === 'number' ? doc.text.slice(node.start, node.end) : String(version);
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
    if ((typeof version === 'string' || typeof version === 'number') && m)
      out.ciliumVersion = `${m[1]}.${m[2]}${m[3] !== undefined ? `.${m[3]}` : ''}`;
    else
      diagnostics.push(
        invalid(
          doc,
          at('ciliumVersion'),
          `ciliumVersion ${show(version)} is not a version like 1.18 or 1.17.4.`,
        ),
      );
  }
}
