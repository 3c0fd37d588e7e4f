import type { YamlDocument, YamlPath } from './documents.js';
import { WORKLOAD_KINDS } from './objects.js';
import type { Origins } from './origins.js';
import { isRecord } from './read-context.js';

/**
 * Kustomize patches on plain objects: strategic merge (`patchesStrategicMerge`, `patches` with an object)
 * and JSON 6902 (`patchesJson6902`, `patches` with a list of operations).
 *
 * Strategic merge follows kustomize's `kyaml/yaml/merge2` walker (kubernetes-sigs/kustomize
 * `api/filters/patchstrategicmerge/patchstrategicmerge.go`, `kyaml/yaml/walk/walk.go`): mappings merge key
 * by key, `null` deletes a key, `$patch: delete` deletes the object (or a list element), `$patch: replace`
 * replaces a mapping. Lists are replaced whole unless the type's schema gives them a merge key: kustomize
 * calls merge2 without `InferAssociativeLists`, so the lists of custom resources such as
 * CiliumNetworkPolicy (`spec.ingress`, `egress`, `toPorts` …) are replaced, and so are NetworkPolicy's
 * `ingress`/`egress` (no `patchStrategy` in the Kubernetes API). The merge keys of the built-in workload
 * fields netpol reads (containers by `name`, container ports by `containerPort`) are in {@link MERGE_KEYS}.
 */

/** Where the values of a patch were written, for {@link Origins}. */
export interface PatchSource {
  readonly doc: YamlDocument;
  /** Path of the patch's root inside `doc`. */
  readonly path: YamlPath;
  /**
   * True when `doc` holds the patch as text (an inline `patch: |` string): every value then points at the
   * string itself.
   */
  readonly inline: boolean;
}

/** List fields with a merge key in the Kubernetes API schema, by field name (workload pod templates). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  ports: 'containerPort',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

/** The result of applying a patch to one object. */
export type PatchOutcome = 'patched' | 'deleted';

/**
 * Applies a strategic-merge patch to an object in place.
 * @param target - The object (mutated).
 * @param patch - The patch's plain value (not mutated; values are copied).
 * @param source - Where the patch was written.
 * @param origins - Receives the positions of the values written.
 * @returns `deleted` when the patch deletes the whole object (`$patch: delete`), else `patched`.
 */
export function strategicMerge(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  source: PatchSource,
  origins: Origins,
): PatchOutcome {
  if (patch.$patch === 'delete') return 'deleted';
  const workload = typeof target.kind === 'string' && WORKLOAD_KINDS.has(target.kind);
  mergeMap(target, patch, [], source, origins, workload);
  return 'patched';
}

function originOf(source: PatchSource, path: YamlPath): { doc: YamlDocument; path: YamlPath } {
  return { doc: source.doc, path: source.inline ? source.path : [...source.path, ...path] };
}

function copy(value: unknown): unknown {
  return value === undefined ? undefined : structuredClone(value);
}

function mergeMap(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  path: YamlPath,
  source: PatchSource,
  origins: Origins,
  workload: boolean,
): void {
  if (patch.$patch === 'replace') {
    for (const key of Object.keys(target)) delete target[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    const here = [...path, key];
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = target[key];
    if (isRecord(value) && isRecord(current) && value.$patch !== 'replace') {
      if (value.$patch === 'delete') {
        delete target[key];
        continue;
      }
      mergeMap(current, value, here, source, origins, workload);
      continue;
    }
    const mergeKey = workload ? MERGE_KEYS[key] : undefined;
    if (mergeKey && Array.isArray(value) && Array.isArray(current)) {
      mergeList(current, value, mergeKey, here, source, origins, workload);
      continue;
    }
    target[key] = stripDirectives(copy(value));
    origins.field(target, key, originOf(source, here));
  }
}

function mergeList(
  target: unknown[],
  patch: readonly unknown[],
  mergeKey: string,
  path: YamlPath,
  source: PatchSource,
  origins: Origins,
  workload: boolean,
): void {
  const added: unknown[] = [];
  patch.forEach((item, i) => {
    if (!isRecord(item) || item[mergeKey] === undefined) return;
    const at = target.findIndex((t) => isRecord(t) && t[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (at !== -1) target.splice(at, 1);
      return;
    }
    const existing = at === -1 ? undefined : target[at];
    if (isRecord(existing)) mergeMap(existing, item, [...path, i], source, origins, workload);
    else {
      const value = stripDirectives(copy(item));
      added.push(value);
      origins.container(value, originOf(source, [...path, i]));
    }
  });
  // kustomize prepends new elements (MergeOptionsListPrepend).
  target.unshift(...added);
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}

/** One JSON 6902 operation as written. */
export interface JsonPatchOperation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

/** Why a JSON 6902 operation could not be applied. */
export interface JsonPatchFailure {
  /** Index of the operation in the patch. */
  readonly index: number;
  readonly reason: string;
}

function decodePointer(pointer: string): (string | number)[] | null {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return null;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(
  root: unknown,
  tokens: readonly (string | number)[],
): { parent: Record<string, unknown> | unknown[]; last: string } | null {
  let current: unknown = root;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isRecord(current)) current = current[String(token)];
    else return null;
  }
  if (!Array.isArray(current) && !isRecord(current)) return null;
  return { parent: current, last: String(tokens[tokens.length - 1]) };
}

/** JSON equality: lists in order, mappings by their keys in any order (RFC 6902 `test`). */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
    );
  }
  return a === b;
}

function getAt(root: unknown, tokens: readonly (string | number)[]): unknown {
  let current: unknown = root;
  for (const token of tokens) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isRecord(current)) current = current[String(token)];
    else return undefined;
  }
  return current;
}

/**
 * Applies JSON 6902 operations (`add`, `remove`, `replace`, `move`, `copy`, `test`) to an object in place,
 * as kustomize's `patchesJson6902` does (RFC 6902 with JSON pointers; `-` appends to a list).
 * An operation that cannot apply is skipped and reported; the others still apply.
 * @param target - The object (mutated).
 * @param operations - The operations.
 * @param source - Where the patch was written (the list of operations).
 * @param origins - Receives the positions of the values written.
 * @returns The operations that failed.
 */
export function applyJsonPatch(
  target: Record<string, unknown>,
  operations: readonly unknown[],
  source: PatchSource,
  origins: Origins,
): JsonPatchFailure[] {
  const failures: JsonPatchFailure[] = [];
  operations.forEach((raw, index) => {
    const fail = (reason: string) => failures.push({ index, reason });
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      fail('an operation needs "op" and "path"');
      return;
    }
    const tokens = decodePointer(raw.path);
    if (!tokens || tokens.length === 0) {
      fail(`path "${raw.path}" is not a JSON pointer to a field`);
      return;
    }
    const at = parentOf(target, tokens);
    if (!at) {
      fail(`path "${raw.path}" does not exist`);
      return;
    }
    const { parent, last } = at;
    const put = (value: unknown, origin: YamlPath, insert: boolean): boolean => {
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(i) || i < 0 || i > parent.length || (!insert && i >= parent.length))
          return false;
        if (insert) parent.splice(i, 0, value);
        else parent[i] = value;
        origins.field(parent, i, originOf(source, origin));
        return true;
      }
      parent[last] = value;
      origins.field(parent, last, originOf(source, origin));
      return true;
    };
    const remove = (): unknown => {
      if (Array.isArray(parent)) {
        const i = Number(last);
        if (!Number.isInteger(i) || i < 0 || i >= parent.length) return undefined;
        return parent.splice(i, 1)[0];
      }
      if (!(last in parent)) return undefined;
      const old = parent[last];
      delete parent[last];
      return old;
    };
    switch (raw.op) {
      case 'add':
        if (!put(copy(raw.value), [index, 'value'], true)) fail(`path "${raw.path}" is out of range`);
        return;
      case 'replace':
        if (getAt(target, tokens) === undefined) fail(`path "${raw.path}" does not exist`);
        else put(copy(raw.value), [index, 'value'], false);
        return;
      case 'remove':
        if (remove() === undefined) fail(`path "${raw.path}" does not exist`);
        return;
      case 'test':
        // evanphx/json-patch compares values deeply: the order of keys does not matter.
        if (!sameJson(getAt(target, tokens), raw.value)) fail(`test of "${raw.path}" failed`);
        return;
      case 'move':
      case 'copy': {
        const from = typeof raw.from === 'string' ? decodePointer(raw.from) : null;
        const value = from ? getAt(target, from) : undefined;
        if (!from || value === undefined) {
          fail(`from "${String(raw.from)}" does not exist`);
          return;
        }
        if (raw.op === 'move') {
          const fromAt = parentOf(target, from);
          if (fromAt) {
            if (Array.isArray(fromAt.parent)) fromAt.parent.splice(Number(fromAt.last), 1);
            else delete fromAt.parent[fromAt.last];
          }
        }
        if (!put(raw.op === 'copy' ? copy(value) : value, [index], true))
          fail(`path "${raw.path}" is out of range`);
        return;
      }
      default:
        fail(`"${raw.op}" is not a JSON patch operation`);
    }
  });
  return failures;
}

/** A kustomize patch target (`patches[].target`, `replacements[].targets[].select`). */
export interface ResourceSelector {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  /** A regular expression matched against the whole name. */
  readonly name?: string;
  /** A regular expression matched against the whole namespace. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

/** What a selector is matched against: the object's current identity and the names it had before. */
export interface SelectableResource {
  readonly value: Record<string, unknown>;
  /** Names the object had before `namePrefix`/`nameSuffix` (kustomize matches those too). */
  readonly previousNames: readonly string[];
  /** Namespaces the object had before a `namespace:` transform. */
  readonly previousNamespaces: readonly string[];
}

function groupVersion(value: Record<string, unknown>): { group: string; version: string } {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function metaString(value: Record<string, unknown>, field: 'name' | 'namespace'): string {
  const meta = value.metadata;
  return isRecord(meta) && typeof meta[field] === 'string' ? meta[field] : '';
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}

function wholeMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(text);
  } catch {
    return pattern === text;
  }
}

/**
 * Tests a Kubernetes label selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) against labels.
 * @param selector - The selector text.
 * @param labels - The labels.
 * @returns Whether they match; an unreadable requirement never matches.
 */
export function matchesLabelSelector(selector: string, labels: Readonly<Record<string, string>>): boolean {
  const parts = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  return parts.every((raw) => {
    const part = raw.trim();
    if (part === '') return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim());
      const has = Object.hasOwn(labels, m[1] as string) && values.includes(labels[m[1] as string] as string);
      return m[2] === 'in' ? has : !has;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) {
      const has = labels[m[1] as string] === m[3];
      return m[2] === '!=' ? !has : has;
    }
    if (part.startsWith('!')) return !Object.hasOwn(labels, part.slice(1).trim());
    return Object.hasOwn(labels, part);
  });
}

/**
 * Whether a resource is selected by a kustomize target (every given field must match; names and
 * namespaces are anchored regular expressions, as in kustomize's `resid` selection).
 * @param selector - The target.
 * @param resource - The resource.
 * @returns True when selected.
 */
export function selects(selector: ResourceSelector, resource: SelectableResource): boolean {
  const { value } = resource;
  const gv = groupVersion(value);
  if (selector.group !== undefined && selector.group !== gv.group) return false;
  if (selector.version !== undefined && selector.version !== gv.version) return false;
  if (selector.kind !== undefined && selector.kind !== value.kind) return false;
  if (selector.name !== undefined) {
    const names = [metaString(value, 'name'), ...resource.previousNames];
    if (!names.some((n) => wholeMatch(selector.name as string, n))) return false;
  }
  if (selector.namespace !== undefined) {
    const namespaces = [metaString(value, 'namespace'), ...resource.previousNamespaces];
    if (!namespaces.some((n) => wholeMatch(selector.namespace as string, n))) return false;
  }
  const meta = isRecord(value.metadata) ? value.metadata : {};
  if (
    selector.labelSelector !== undefined &&
    !matchesLabelSelector(selector.labelSelector, stringMap(meta.labels))
  )
    return false;
  if (
    selector.annotationSelector !== undefined &&
    !matchesLabelSelector(selector.annotationSelector, stringMap(meta.annotations))
  )
    return false;
  return true;
}

/**
 * Reads a target selector from a kustomization or Flux value; unknown or non-string fields are ignored.
 * @param value - The `target` mapping.
 * @returns The selector, or null when `value` is not a mapping.
 */
export function readSelector(value: unknown): ResourceSelector | null {
  if (!isRecord(value)) return null;
  const out: Record<string, string> = {};
  for (const f of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector']) {
    if (typeof value[f] === 'string') out[f] = value[f] as string;
  }
  return out;
}

/**
 * The selector a strategic-merge patch without target implies: its own group, kind, name and namespace
 * (kustomize matches the patch's resource id).
 * @param patch - The patch value.
 * @returns The selector, or null when the patch names no kind or name.
 */
export function selectorOfPatch(patch: Record<string, unknown>): ResourceSelector | null {
  const name = metaString(patch, 'name');
  if (typeof patch.kind !== 'string' || name === '') return null;
  const gv = groupVersion(patch);
  const namespace = metaString(patch, 'namespace');
  return {
    group: gv.group,
    kind: patch.kind,
    name: escapeRegExp(name),
    ...(namespace !== '' ? { namespace: escapeRegExp(namespace) } : {}),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
