import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { NetpolError } from '../../errors.js';
import { CONFIG_FILE } from '../../repo/config.js';
import { firstYamlSyntaxError } from '../../repo/documents.js';
import { addKustomizationResource, applyYamlEdits, kustomizationResources } from '../../repo/edit.js';
import { loadRepo } from '../../repo/load-repo.js';
import {
  checkDomain,
  checkLabelValue,
  checkNamespaceName,
  checkNewGrantName,
  parsePortNumber,
  parsePortSpec,
} from './authoring-values.js';
import { formatPort, HEALTH_PROBE_CIDR } from './render.js';
import { renderSystem } from './render-system.js';
import {
  DEFAULT_SYSTEM_OPTIONS,
  ISTIO_SYSTEM,
  KUBE_SYSTEM,
  platformNamespacesOf,
  type SharedResourceSpec,
  type SystemOptions,
} from './system-options.js';
import { kustomizationOf, WorkingTree } from './working-tree.js';

/** Options of {@link initSystem}. Each system option left undefined comes from `netpol.config.yaml`, else the default. */
export interface InitOptions {
  /** Target directory; created when missing. */
  readonly root: string;
  /** Label domain. Default: config `catalog.domain`, else `network-policy.homelab`. */
  readonly domain?: string;
  /** Default: config `catalog.gatewayNamespace`, else `istio-gateway`. */
  readonly gatewayNamespace?: string;
  /** Default: config `catalog.internalGateway`, else `internal`. */
  readonly internalGateway?: string;
  /** Default: config `catalog.externalGateway`, else `external`. */
  readonly externalGateway?: string;
  /** Default: config `catalog.monitoringNamespace`, else `monitoring`. */
  readonly monitoringNamespace?: string;
  /** Default: config `init.sharedResources`, else postgres, dragonfly and garage-s3. */
  readonly sharedResources?: readonly SharedResourceSpec[];
  /** Overwrite files whose content differs from what init writes. Default: false. */
  readonly force?: boolean;
  /** Plan only; write nothing. Default: false. */
  readonly dryRun?: boolean;
}

/** What init does with one file. */
export type InitFileStatus = 'created' | 'unchanged' | 'updated' | 'overwritten' | 'conflict';

/** One file of the plan. */
export interface InitFile {
  /** POSIX path relative to the root. */
  readonly path: string;
  /**
   * `created` (new file), `unchanged` (already as init writes it: not touched), `updated` (a kustomization
   * or netpol.config.yaml that gets missing entries appended; nothing in it is replaced), `overwritten`
   * (differed, replaced under `force`), `conflict` (differs, left alone without `force`).
   */
  readonly status: InitFileStatus;
  readonly before: string | null;
  readonly after: string;
}

/** The outcome of {@link initSystem}. */
export interface InitResult {
  /** Absolute target directory. */
  readonly root: string;
  /** The options the tree was rendered with. */
  readonly options: SystemOptions;
  /** Whether `netpol.config.yaml` existed and was read. */
  readonly configRead: boolean;
  /** Every file of the plan, in tree order. */
  readonly files: readonly InitFile[];
  /** Whether anything was written (false on a dry run, on conflicts, or when everything is unchanged). */
  readonly written: boolean;
}

const CATALOG_KEYS = [
  'domain',
  'gatewayNamespace',
  'internalGateway',
  'externalGateway',
  'monitoringNamespace',
] as const;

interface ConfigInput {
  readonly text: string;
  readonly values: { -readonly [K in (typeof CATALOG_KEYS)[number]]?: string } & {
    sharedResources?: SharedResourceSpec[];
    platformNamespaces?: string[];
    cidrAllowList?: string[];
  };
}

function configError(lines: LineCounter, node: Node | null | undefined, message: string): NetpolError {
  const line = node?.range ? lines.linePos(node.range[0]).line : 1;
  return new NetpolError(
    'NETPOL_BAD_CONFIG',
    `${CONFIG_FILE}:${line}: ${message}`,
    'Fix the value in netpol.config.yaml (see docs/commands/init.md for the `init:` section).',
  );
}

/** Reads the `catalog:` and `init:` inputs of an existing netpol.config.yaml. */
function readConfigInput(text: string): ConfigInput {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const syntax = firstYamlSyntaxError(CONFIG_FILE, text);
    throw new NetpolError(
      'NETPOL_BAD_CONFIG',
      syntax?.source
        ? `${CONFIG_FILE}:${syntax.source.line}:${syntax.source.column}: ${syntax.message}`
        : `${CONFIG_FILE}:${e ? lines.linePos(e.pos[0]).line : 1}: ${e?.message.split('\n')[0] ?? 'YAML error'}`,
      'Fix the YAML syntax of netpol.config.yaml.',
    );
  }
  const values: ConfigInput['values'] = {};
  if (doc.contents === null) return { text, values };
  if (!isMap(doc.contents)) throw configError(lines, doc.contents, 'the file must be a mapping.');
  const str = (p: string[]): string | undefined => {
    const node = doc.getIn(p, true) as Node | undefined;
    const v = doc.getIn(p);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw configError(lines, node, `${p.join('.')} must be a string.`);
    return v;
  };
  const catalog = doc.get('catalog', true) as Node | undefined;
  if (catalog !== undefined && catalog !== null && !isMap(catalog)) {
    throw configError(lines, catalog, 'catalog must be a mapping.');
  }
  for (const key of CATALOG_KEYS) {
    const v = str(['catalog', key]);
    if (v !== undefined) values[key] = v;
  }
  const list = (p: string[]): string[] | undefined => {
    const node = doc.getIn(p, true) as Node | undefined;
    if (node === undefined || node === null) return undefined;
    if (!isSeq(node)) throw configError(lines, node, `${p.join('.')} must be a list.`);
    return node.items.map((i) => String(isScalar(i) ? i.value : i));
  };
  const platform = list(['catalog', 'platformNamespaces']);
  if (platform !== undefined) values.platformNamespaces = platform;
  const cidrs = list(['lint', 'cidrAllowList']);
  if (cidrs !== undefined) values.cidrAllowList = cidrs;
  const resources = doc.getIn(['init', 'sharedResources'], true) as Node | undefined;
  if (resources !== undefined && resources !== null) {
    if (!isSeq(resources)) throw configError(lines, resources, 'init.sharedResources must be a list.');
    values.sharedResources = resources.items.map((item) => {
      const node = item as Node;
      if (!isMap(node)) throw configError(lines, node, 'each init.sharedResources entry must be a mapping.');
      const r = node.toJSON() as Record<string, unknown>;
      const at = (message: string) => configError(lines, node, message);
      for (const k of Object.keys(r)) {
        if (!['name', 'namespace', 'port', 'metricsPort', 'description'].includes(k)) {
          throw at(
            `unknown key "${k}" in init.sharedResources (keys: name, namespace, port, metricsPort, description).`,
          );
        }
      }
      const field = (k: 'name' | 'namespace'): string => {
        const v = r[k];
        if (typeof v === 'string') return v;
        throw at(
          `${k} of an init.sharedResources entry must be a string${v === undefined ? '' : ' (quote it)'}.`,
        );
      };
      const name = field('name');
      const namespace = field('namespace');
      if (r.port === undefined) throw at('an init.sharedResources entry needs a port.');
      try {
        return {
          name,
          namespace,
          port: parsePortSpec(String(r.port), 'port'),
          metricsPort:
            r.metricsPort === undefined ? 9090 : parsePortNumber(String(r.metricsPort), 'metricsPort'),
          description: typeof r.description === 'string' ? r.description : name,
        };
      } catch (e) {
        throw at(e instanceof Error ? e.message : String(e));
      }
    });
  }
  return { text, values };
}

/**
 * Checks the options: valid names, distinct core namespaces, unique grant names, resource namespaces that
 * are not kube-system, istio-system, the gateway or the monitoring namespace.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` on the first problem.
 */
export function checkSystemOptions(o: SystemOptions): void {
  checkDomain(o.domain, '--domain');
  checkNamespaceName(o.gatewayNamespace, '--gateway-namespace');
  checkNamespaceName(o.monitoringNamespace, '--monitoring-namespace');
  checkLabelValue(o.internalGateway, '--internal-gateway');
  checkLabelValue(o.externalGateway, '--external-gateway');
  if (o.internalGateway === o.externalGateway) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The internal and external gateways are both "${o.internalGateway}".`,
      'Give the two gateways different gateway-name values.',
    );
  }
  const core = [KUBE_SYSTEM, ISTIO_SYSTEM, o.gatewayNamespace, o.monitoringNamespace];
  if (new Set(core).size !== core.length) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The gateway namespace "${o.gatewayNamespace}" and the monitoring namespace "${o.monitoringNamespace}" must differ from each other and from kube-system and istio-system.`,
      'Pick distinct namespaces.',
    );
  }
  const names = new Set<string>();
  for (const r of o.sharedResources) {
    checkNewGrantName(r.name, 'shared resource');
    checkNamespaceName(r.namespace, `namespace of shared resource "${r.name}"`);
    if (r.name === 'kube-api') {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        'The shared resource name "kube-api" is taken by the opt-in kube-API baseline.',
        'Pick another name.',
      );
    }
    if (names.has(r.name)) {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        `The shared resource "${r.name}" is given twice.`,
        'Give each once.',
      );
    }
    names.add(r.name);
    if (core.includes(r.namespace)) {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        `Shared resource "${r.name}" is in namespace "${r.namespace}", which init already renders with its own policies.`,
        'Put shared resources in their own platform namespace (e.g. database).',
      );
    }
  }
}

function effectiveOptions(options: InitOptions, config: ConfigInput | null): SystemOptions {
  const c = config?.values ?? {};
  const pick = <K extends (typeof CATALOG_KEYS)[number]>(key: K): string => {
    const flag = options[key];
    const fromFile = c[key];
    if (flag !== undefined && fromFile !== undefined && flag !== fromFile) {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        `The flag for ${key} says "${flag}" but netpol.config.yaml's catalog.${key} says "${fromFile}".`,
        'Change netpol.config.yaml (init never replaces a value there) or drop the flag.',
      );
    }
    return flag ?? fromFile ?? DEFAULT_SYSTEM_OPTIONS[key];
  };
  let sharedResources =
    options.sharedResources ?? c.sharedResources ?? DEFAULT_SYSTEM_OPTIONS.sharedResources;
  if (options.sharedResources && c.sharedResources) {
    const same = JSON.stringify(options.sharedResources) === JSON.stringify(c.sharedResources);
    if (!same) {
      throw new NetpolError(
        'NETPOL_BAD_ARGUMENT',
        '--resource flags differ from netpol.config.yaml init.sharedResources.',
        'Edit init.sharedResources in netpol.config.yaml instead of passing --resource.',
      );
    }
    sharedResources = c.sharedResources;
  }
  return {
    domain: pick('domain'),
    gatewayNamespace: pick('gatewayNamespace'),
    internalGateway: pick('internalGateway'),
    externalGateway: pick('externalGateway'),
    monitoringNamespace: pick('monitoringNamespace'),
    sharedResources,
  };
}

/** Adds what the config lacks (never replacing a value): catalog keys, platform namespaces, the lint CIDR, init inputs. */
function mergeConfig(config: ConfigInput, o: SystemOptions): string {
  let text = config.text;
  const c = config.values;
  const edits: { path: string[]; value: unknown }[] = [];
  for (const key of CATALOG_KEYS)
    if (c[key] === undefined) edits.push({ path: ['catalog', key], value: o[key] });
  if (c.platformNamespaces === undefined) {
    edits.push({ path: ['catalog', 'platformNamespaces'], value: platformNamespacesOf(o) });
  }
  if (c.cidrAllowList === undefined)
    edits.push({ path: ['lint', 'cidrAllowList'], value: [HEALTH_PROBE_CIDR] });
  if (c.sharedResources === undefined) {
    edits.push({
      path: ['init', 'sharedResources'],
      value: o.sharedResources.map((r) => ({
        name: r.name,
        namespace: r.namespace,
        port: formatPort(r.port),
        metricsPort: r.metricsPort,
        description: r.description,
      })),
    });
  }
  if (edits.length > 0)
    text = applyYamlEdits(
      text,
      edits.map((e) => ({ documentIndex: 0, ...e })),
    ).text;
  for (const ns of platformNamespacesOf(o)) {
    if (c.platformNamespaces && !c.platformNamespaces.includes(ns)) {
      text = applyYamlEdits(text, [
        { documentIndex: 0, path: ['catalog', 'platformNamespaces'], append: ns },
      ]).text;
    }
  }
  if (c.cidrAllowList && !c.cidrAllowList.includes(HEALTH_PROBE_CIDR)) {
    text = applyYamlEdits(text, [
      { documentIndex: 0, path: ['lint', 'cidrAllowList'], append: HEALTH_PROBE_CIDR },
    ]).text;
  }
  return text;
}

/** Creates a kustomization, or appends the entries an existing one (of any accepted file name) lacks. */
function mergeKustomization(tree: WorkingTree, file: string, rendered: string): InitFile {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  const target = kustomizationOf(tree, dir);
  if (target === null) return { path: file, status: 'created', before: null, after: rendered };
  const before = tree.read(target) ?? '';
  let after = before;
  for (const entry of kustomizationResources(rendered)) after = addKustomizationResource(after, entry);
  return { path: target, status: after === before ? 'unchanged' : 'updated', before, after };
}

/** Namespaces that files outside init's own define (so platform.yaml does not define them twice). */
async function namespacesDefinedElsewhere(root: string, ownFiles: ReadonlySet<string>): Promise<Set<string>> {
  if (!fs.existsSync(root)) return new Set();
  const { repo } = await loadRepo({ root });
  return new Set(repo.namespaces.filter((n) => !ownFiles.has(n.source.file)).map((n) => n.name));
}

function dropNamespaceDocuments(text: string, names: ReadonlySet<string>): string {
  if (names.size === 0) return text;
  const docs = text.split(/^---\n/m);
  const kept = docs.filter((d) => {
    const m = /^\s{2}name: (.+)$/m.exec(d);
    return !(m?.[1] && names.has(m[1]));
  });
  return kept.join('---\n');
}

/**
 * Writes the network-policy system into a GitOps tree (see `renderSystem` for the content): baselines,
 * profiles, access-grant CCNPs, platform CNPs (every resource namespace's admits its grant, so every grant
 * works end to end), the escape-hatch alerts, Namespace manifests, kustomizations and netpol.config.yaml.
 *
 * Idempotent: a file already as init writes it is not touched (not even its modification time). A file
 * whose content differs is a `conflict` and nothing at all is written unless `force` is set. Two kinds of
 * file are merged instead of compared, because init only ever adds to them: an existing kustomization
 * gets the entries it lacks appended, and an existing `netpol.config.yaml` is read as input (its values win
 * over the defaults; a flag contradicting one is an error) and gets the keys it lacks added. Namespaces
 * already defined by other files of the directory are not defined again. Writes are atomic.
 * @param options - See {@link InitOptions}.
 * @returns The plan and whether it was written.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` for bad options, `NETPOL_BAD_CONFIG` for a bad
 *   netpol.config.yaml (with its line), `NETPOL_WRITE_FAILED` when a file cannot be written.
 * @example
 * const r = await initSystem({ root: 'clusters/home' });
 * r.files.filter((f) => f.status === 'created').length; // 32 on an empty directory
 */
export async function initSystem(options: InitOptions): Promise<InitResult> {
  const root = path.resolve(options.root);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `"${root}" exists and is not a directory.`,
      'Give a directory.',
    );
  }
  const tree = new WorkingTree(root);
  const configText = tree.read(CONFIG_FILE);
  const config = configText === null ? null : readConfigInput(configText);
  const o = effectiveOptions(options, config);
  checkSystemOptions(o);

  const rendered = renderSystem(o);
  const own = new Set(rendered.map((f) => f.path));
  const elsewhere = await namespacesDefinedElsewhere(root, own);
  const files: InitFile[] = [];
  const plan = (file: InitFile) => {
    files.push(file);
    if (file.status === 'created' || file.status === 'updated' || file.status === 'overwritten') {
      tree.write(file.path, file.after);
    }
  };
  for (const f of rendered) {
    if (f.path === 'kustomization.yaml' || f.path.endsWith('/kustomization.yaml')) {
      plan(mergeKustomization(tree, f.path, f.text));
      continue;
    }
    const before = tree.read(f.path);
    if (f.path === CONFIG_FILE && config && before !== null) {
      const after = mergeConfig(config, o);
      plan({ path: f.path, status: after === before ? 'unchanged' : 'updated', before, after });
      continue;
    }
    const after = f.path === 'namespaces/platform.yaml' ? dropNamespaceDocuments(f.text, elsewhere) : f.text;
    const status: InitFileStatus =
      before === null
        ? 'created'
        : before === after
          ? 'unchanged'
          : options.force
            ? 'overwritten'
            : 'conflict';
    plan({ path: f.path, status, before, after });
  }
  const conflicts = files.some((f) => f.status === 'conflict');
  const written = !conflicts && !options.dryRun && tree.changes().length > 0;
  if (written) tree.commit();
  return { root, options: o, configRead: config !== null, files, written };
}
