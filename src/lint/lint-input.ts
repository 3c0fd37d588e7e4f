import fs from 'node:fs';
import path from 'node:path';
import type { Catalog } from '../catalog/derive-catalog.js';
import type { PolicyEngine } from '../engine/verdict.js';
import type { Diagnostic } from '../errors.js';
import { documentValue, nodeAt, type ParsedFile, parseYamlFile, sourceAt } from '../repo/documents.js';
import type { RepoHost } from '../repo/host.js';
import { findUnlistedManifests, kustomizationIn, type ParseFile } from '../repo/kustomize.js';
import type { Labels, Repo } from '../repo/model.js';
import type { AnnotatedObject, LintInput, SourceLocator, UnlistedManifestInfo } from './define-rule.js';

/**
 * A {@link SourceLocator} over file texts: each file is parsed once, on first use, with the loader's own
 * parser (so document indices agree with `ObjectMeta.documentIndex`).
 * @param read - Returns a file's text by its `SourceRef.file` name, or undefined when it cannot be read.
 * @param parseText - Parses a file's text (the load's cache in front of `parseYamlFile`). Default: `parseYamlFile`.
 * @returns The locator.
 */
export function createLocator(
  read: (file: string) => string | undefined,
  parseText: ParseFile = parseYamlFile,
): SourceLocator {
  const parsed = new Map<string, ParsedFile | null>();
  const parse = (file: string): ParsedFile | null => {
    const hit = parsed.get(file);
    if (hit !== undefined) return hit;
    const text = read(file);
    const result = text === undefined ? null : parseText(file, text);
    parsed.set(file, result);
    return result;
  };
  return {
    locate(object, p, options = {}) {
      const file = parse(object.source.file);
      const doc = file?.documents[object.documentIndex];
      if (!doc || nodeAt(doc, p) === undefined) return undefined;
      return sourceAt(doc, p, options.key ? { key: true } : {});
    },
  };
}

/**
 * A {@link SourceLocator} over the files of a repository on disk (see {@link createLocator}).
 * @param root - The repository root; `SourceRef.file` names are relative to it.
 * @returns The locator; a file that cannot be read locates nothing.
 */
export function diskLocator(root: string): SourceLocator {
  return createLocator((file) => {
    try {
      return fs.readFileSync(path.join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  });
}

/**
 * The manifests under a kustomization tree that no kustomization lists, each with its objects
 * (`findUnlistedManifests`, keeping only files that hold at least one Kubernetes object: a document with
 * `apiVersion` and `kind`, so data files such as connectivity tests are not reported).
 * @param host - The repository host (reads go through it).
 * @param options - `parse`: parses a file's text (the load's cache in front of `parseYamlFile`); `skip`: files
 *   left out before they are read (those something else applies). Default: `parseYamlFile`, none skipped.
 * @returns The unlisted manifests, sorted by file.
 */
export function findUnlistedManifestInfo(
  host: RepoHost,
  options: { readonly parse?: ParseFile; readonly skip?: (file: string) => boolean } = {},
): UnlistedManifestInfo[] {
  const parse = options.parse ?? parseYamlFile;
  const out: UnlistedManifestInfo[] = [];
  const disabledCache = new Map<string, { path: string; line: number }[]>();
  for (const u of findUnlistedManifests(host, '', parse)) {
    if (options.skip?.(u.file)) continue;
    let text: string;
    try {
      text = host.readFile(u.file);
    } catch {
      continue;
    }
    const parsed = parse(u.file, text);
    const objects: AnnotatedObject[] = [];
    for (const doc of parsed.documents) {
      if (!doc.valid || doc.root === null) continue;
      const value = documentValue(doc);
      if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string')
        continue;
      const meta = isRecord(value.metadata) ? value.metadata : {};
      objects.push({
        kind: value.kind,
        name: typeof meta.name === 'string' ? meta.name : '',
        namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
        annotations: stringMap(meta.annotations),
        source: sourceAt(doc, []),
        documentIndex: doc.index,
      });
    }
    if (objects.length === 0) continue;
    const dir = path.posix.dirname(u.kustomization);
    const resource = path.posix.relative(dir === '.' ? '' : dir, u.file);
    const disabledBy = commentedOutEntry(host, u.file, disabledCache);
    out.push({
      file: u.file,
      kustomization: u.kustomization,
      resource,
      objects,
      ...(disabledBy && { disabledBy }),
    });
  }
  return out;
}

/** A commented-out list entry of a kustomization: `# - ./app`, `#- app.yaml` (the path, then its line). */
const COMMENTED_ENTRY = /^\s*#\s*-\s+["']?([^\s"'#]+)["']?\s*$/;

/**
 * The kustomization, nearest first, whose commented-out entry names `file` or a folder above it.
 * @param host - The repository host.
 * @param file - The manifest, relative to the root.
 * @param cache - Commented-out entries by kustomization file, filled as files are read.
 */
function commentedOutEntry(
  host: RepoHost,
  file: string,
  cache: Map<string, { path: string; line: number }[]>,
): { kustomization: string; line: number } | undefined {
  for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
    const d = dir === '.' ? '' : dir;
    const k = kustomizationIn(host, d);
    if (k) {
      let entries = cache.get(k);
      if (!entries) {
        entries = [];
        let text = '';
        try {
          text = host.readFile(k);
        } catch {
          // unreadable: no entries
        }
        for (const [i, line] of text.split('\n').entries()) {
          const m = COMMENTED_ENTRY.exec(line);
          if (m?.[1] && !m[1].includes('://')) entries.push({ path: path.posix.join(d, m[1]), line: i + 1 });
        }
        cache.set(k, entries);
      }
      const hit = entries.find((e) => file === e.path || file.startsWith(`${e.path.replace(/\/$/, '')}/`));
      if (hit) return { kustomization: k, line: hit.line };
    }
    if (d === '') return undefined;
  }
}

/** What {@link buildLintInput} needs from a loaded repository. */
export interface LoadedForLint {
  readonly repo: Repo;
  readonly diagnostics: readonly Diagnostic[];
  readonly engine: PolicyEngine;
  readonly catalog: Catalog;
}

/**
 * Prepares the input of a lint run: the repository, engine, catalogue and loader diagnostics, the
 * unlisted manifests of the tree, and a locator over the files (read through `host`, lazily).
 * @param loaded - The loaded repository.
 * @param host - Reads files by their `SourceRef.file` names.
 * @param options - `tree: false` when the repository was read from explicit files (`-f`): no
 *   kustomization tree, so no unlisted manifests; `parsed`: the load's parses by root-relative file (a
 *   `ReadCache`'s), used instead of parsing a file again. Default for `parsed`: none.
 * @returns The input.
 */
export function buildLintInput(
  loaded: LoadedForLint,
  host: RepoHost,
  options: { readonly tree: boolean; readonly parsed?: ReadonlyMap<string, ParsedFile | null> },
): LintInput {
  const kept = options.parsed;
  const parse: ParseFile = kept ? (file, text) => kept.get(file) ?? parseYamlFile(file, text) : parseYamlFile;
  const read = (file: string): string | undefined => {
    try {
      return host.readFile(file);
    } catch {
      return undefined;
    }
  };
  // In plain mode every manifest below the root is read, so "read" does not mean "applied": only a Flux or
  // kustomize entry tells which files reach the cluster.
  const applied = new Set(loaded.repo.entry.mode === 'plain' ? [] : loaded.repo.appliedFiles);
  return {
    repo: loaded.repo,
    engine: loaded.engine,
    catalog: loaded.catalog,
    diagnostics: loaded.diagnostics,
    // A file Flux (or a kustomization elsewhere) applies is not unlisted, whatever the nearest kustomization says.
    unlisted: options.tree ? findUnlistedManifestInfo(host, { parse, skip: (f) => applied.has(f) }) : [],
    locator: createLocator(read, parse),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Labels {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
