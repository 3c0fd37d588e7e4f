import type { SourceRef } from '../errors.js';
import { sourceAt } from './documents.js';
import { joinOn, joinPath, type RepoHost } from './host.js';
import type { Located, Resource } from './kustomize-build.js';
import type { UnseenSource } from './model.js';
import { isRecord } from './read-context.js';

/**
 * Argo CD: an `Application` (`argoproj.io/v1alpha1`) whose source is a path of this repository is rendered
 * like a Flux Kustomization — a folder with a kustomization is built with kustomize (with
 * `source.kustomize.namespace`, `namePrefix`, `nameSuffix`, `patches`, `components`), any other folder is a
 * directory application (its `*.yaml`, `*.yml`, `*.json`; below it too with `directory.recurse`), and
 * `destination.namespace` is given to namespaced objects that have none. An `ApplicationSet` is expanded
 * for its `list` and git `directories` generators. Helm sources, other repositories and other generators
 * cannot be rendered offline: they are unseen.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators-Git/
 */

/** One Argo CD source to render. */
export interface ArgoSource {
  /** Root-relative folder. */
  readonly dir: string;
  /** `destination.namespace`, given to namespaced objects without one. */
  readonly defaultNamespace?: Located<string>;
  /** Directory application options, when the folder has no kustomization. */
  readonly recurse: boolean;
  /** `source.kustomize` fields as located values of the Application. */
  readonly kustomize: {
    readonly namespace?: Located<string>;
    readonly namePrefix?: Located<string>;
    readonly nameSuffix?: Located<string>;
    readonly patches: readonly Located[];
    readonly components: readonly Located[];
  };
  /** Where the source is written (its `path`). */
  readonly at: Located;
  /** A key identifying the rendering (folder and options), to render each once. */
  readonly key: string;
}

/** What reading one Argo CD object gives. */
export interface ArgoRead {
  readonly sources: readonly ArgoSource[];
  readonly unseen: readonly UnseenSource[];
  /** Warnings about what is not followed. */
  readonly notFollowed: readonly { readonly message: string; readonly source: SourceRef }[];
}

/** Options: how to tell this repository's URL, and where paths start. */
export interface ArgoContext {
  readonly host: RepoHost;
  /** Root-relative source root (the git work tree). */
  readonly sourceRoot: string;
  /** Normalised URLs of this repository; empty when unknown (then any repoURL with an existing path is taken). */
  readonly ownUrls: ReadonlySet<string>;
  readonly normalizeUrl: (url: string) => string;
}

function located(r: Resource, value: unknown, path: readonly (string | number)[]): Located {
  return { value, doc: r.doc, path: [...r.path, ...path] };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Reads an Application or ApplicationSet.
 * @param r - The rendered object.
 * @param ctx - See {@link ArgoContext}.
 * @returns The sources to render, the unseen ones and the warnings.
 */
export function readArgo(r: Resource, ctx: ArgoContext): ArgoRead {
  const v = r.value;
  const spec = isRecord(v.spec) ? v.spec : {};
  const meta = isRecord(v.metadata) ? v.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'argocd';
  if (v.kind === 'Application') return readApplication(r, spec, ['spec'], name, namespace, ctx, {});
  const out = {
    sources: [] as ArgoSource[],
    unseen: [] as UnseenSource[],
    notFollowed: [] as ArgoRead['notFollowed'][number][],
  };
  const template = isRecord(spec.template) ? spec.template : null;
  const generators = Array.isArray(spec.generators) ? spec.generators : [];
  if (!template) return out;
  const params: Record<string, string>[] = [];
  generators.forEach((g, gi) => {
    if (!isRecord(g)) return;
    if (isRecord(g.list) && Array.isArray(g.list.elements)) {
      for (const e of g.list.elements) if (isRecord(e)) params.push(flatten(e));
      return;
    }
    if (isRecord(g.git) && Array.isArray(g.git.directories)) {
      const dirs = g.git.directories.filter(isRecord);
      const include = dirs.filter((d) => d.exclude !== true && typeof d.path === 'string');
      const exclude = dirs.filter((d) => d.exclude === true && typeof d.path === 'string');
      for (const d of include) {
        for (const match of globDirs(ctx, d.path as string)) {
          if (exclude.some((x) => globMatch(x.path as string, match))) continue;
          const base = match.split('/').pop() ?? match;
          params.push({
            path: match,
            'path.path': match,
            'path.basename': base,
            'path.basenameNormalized': base.replace(/[^a-zA-Z0-9-]/g, '-').toLowerCase(),
            ...Object.fromEntries(match.split('/').map((s, i) => [`path[${i}]`, s])),
          });
        }
      }
      return;
    }
    const kind = Object.keys(g)[0] ?? 'unknown';
    out.notFollowed.push({
      message: `ApplicationSet ${namespace}/${name} uses the ${kind} generator, which netpol cannot expand offline; its Applications are not analysed.`,
      source: sourceAt(r.doc, [...r.path, 'spec', 'generators', gi]),
    });
    out.unseen.push({
      kind: 'ApplicationSet',
      namespace,
      name,
      reason: `${kind} generator`,
      namespaces: ['*'],
      source: sourceAt(r.doc, r.path),
    });
  });
  for (const p of params) {
    const app = fill(template, p) as Record<string, unknown>;
    const appSpec = isRecord(app.spec) ? app.spec : {};
    const appMeta = isRecord(app.metadata) ? app.metadata : {};
    const read = readApplication(
      r,
      appSpec,
      ['spec', 'template', 'spec'],
      typeof appMeta.name === 'string' ? appMeta.name : name,
      namespace,
      ctx,
      p,
    );
    out.sources.push(...read.sources);
    out.unseen.push(...read.unseen);
    out.notFollowed.push(...read.notFollowed);
  }
  return out;
}

function readApplication(
  r: Resource,
  spec: Record<string, unknown>,
  specPath: readonly (string | number)[],
  name: string,
  namespace: string,
  ctx: ArgoContext,
  params: Record<string, string>,
): ArgoRead {
  const out = {
    sources: [] as ArgoSource[],
    unseen: [] as UnseenSource[],
    notFollowed: [] as ArgoRead['notFollowed'][number][],
  };
  const at = (...p: (string | number)[]) => [...specPath, ...p];
  const destination = isRecord(spec.destination) ? spec.destination : {};
  const destNs = str(destination.namespace);
  const list: { value: Record<string, unknown>; path: (string | number)[] }[] = [];
  if (isRecord(spec.source)) list.push({ value: spec.source, path: at('source') });
  if (Array.isArray(spec.sources))
    spec.sources.forEach((s, i) => {
      if (isRecord(s)) list.push({ value: s, path: at('sources', i) });
    });
  const unseen = (reason: string) =>
    out.unseen.push({
      kind: 'Application',
      namespace,
      name,
      reason,
      namespaces: [destNs ?? '*'],
      source: sourceAt(r.doc, r.path),
    });
  for (const { value: s, path } of list) {
    const repoURL = str(s.repoURL) ?? '';
    const p = str(s.path);
    if (str(s.chart) || isRecord(s.helm) || isRecord(s.plugin)) {
      unseen(
        str(s.chart)
          ? `Helm chart ${str(s.chart)}`
          : isRecord(s.plugin)
            ? 'config management plugin'
            : `Helm chart at ${p ?? '.'}`,
      );
      continue;
    }
    if (p === undefined) {
      // A `ref` source (values for another source) carries no objects.
      if (str(s.ref) === undefined) unseen('source without a path');
      continue;
    }
    const own = ctx.ownUrls.size === 0 || ctx.ownUrls.has(ctx.normalizeUrl(repoURL));
    const dir = joinOn(ctx.host, ctx.sourceRoot, joinPath('', p.replace(/^\.?\/+/, '')));
    if (!own || !ctx.host.contains(dir) || ctx.host.kind(dir) !== 'dir') {
      out.notFollowed.push({
        message: own
          ? `Application ${namespace}/${name} has path "${p}", which is not a folder of the repository; it applies nothing here.`
          : `Application ${namespace}/${name} applies ${repoURL}, not this repository; its objects are not analysed.`,
        source: sourceAt(r.doc, [...r.path, ...path, 'path']),
      });
      if (!own) unseen(`applies ${repoURL}`);
      continue;
    }
    const k = isRecord(s.kustomize) ? s.kustomize : {};
    const directory = isRecord(s.directory) ? s.directory : {};
    const loc = (field: string): Located<string> | undefined =>
      str(k[field]) ? (located(r, k[field], [...path, 'kustomize', field]) as Located<string>) : undefined;
    const listOf = (field: string): Located[] =>
      Array.isArray(k[field])
        ? (k[field] as unknown[]).map((e, i) => located(r, e, [...path, 'kustomize', field, i]))
        : [];
    const namespaceField = loc('namespace');
    const namePrefix = loc('namePrefix');
    const nameSuffix = loc('nameSuffix');
    out.sources.push({
      dir,
      ...(destNs
        ? { defaultNamespace: located(r, destNs, at('destination', 'namespace')) as Located<string> }
        : {}),
      recurse: directory.recurse === true,
      kustomize: {
        ...(namespaceField ? { namespace: namespaceField } : {}),
        ...(namePrefix ? { namePrefix } : {}),
        ...(nameSuffix ? { nameSuffix } : {}),
        patches: listOf('patches'),
        components: listOf('components'),
      },
      at: located(r, p, [...path, 'path']),
      key: JSON.stringify([dir, destNs, k, directory.recurse === true, params]),
    });
  }
  return out;
}

/** Plain keys of a list generator element, nested ones joined with dots (`cluster.name`). */
function flatten(e: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e)) {
    if (isRecord(v)) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = String(v);
  }
  return out;
}

/** Replaces `{{param}}` and `{{ .param }}` (Go template form) in every string of a value. */
function fill(value: unknown, params: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string')
    return value.replace(/\{\{\s*\.?([\w.[\]-]+)\s*\}\}/g, (all, key: string) => params[key] ?? all);
  if (Array.isArray(value)) return value.map((v) => fill(v, params));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, params)]));
  return value;
}

function globMatch(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('/')
      .map((seg) =>
        seg
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('/')}$`,
  );
  return re.test(path);
}

/** Folders of the repository matching a git directories generator path (`apps/*`), source-relative. */
function globDirs(ctx: ArgoContext, pattern: string): string[] {
  const segments = pattern
    .replace(/^\.?\/+/, '')
    .split('/')
    .filter((s) => s !== '');
  let current: string[] = [''];
  for (const seg of segments) {
    const next: string[] = [];
    for (const c of current) {
      const dir = joinOn(ctx.host, ctx.sourceRoot, c);
      if (/[*?]/.test(seg)) {
        for (const n of ctx.host.list(dir).sort()) {
          if (n.startsWith('.') || !globMatch(seg, n)) continue;
          if (ctx.host.kind(joinOn(ctx.host, dir, n)) === 'dir') next.push(joinPath(c, n));
        }
      } else if (ctx.host.kind(joinOn(ctx.host, dir, seg)) === 'dir') next.push(joinPath(c, seg));
    }
    current = next;
  }
  return current;
}
