import type { SourceRef } from '../errors.js';
import { sourceAt, type YamlDocument, type YamlPath } from './documents.js';

/** Where a value of a rendered object was written: a node of a YAML document. */
export interface Origin {
  readonly doc: YamlDocument;
  readonly path: YamlPath;
}

/** `sourceAt` options, made once. */
const KEY = { key: true } as const;
const NO_KEY = {} as const;

/**
 * Source positions of rendered objects. Kustomize and Flux transforms (patches, labels, namespaces) mix
 * values from several documents into one object; every container (mapping or list) and every field a
 * transform writes is recorded with the document node it came from, so that a finding on a patched rule
 * points at the patch, not at the object it patched.
 */
export class Origins {
  readonly #containers = new WeakMap<object, Origin>();
  readonly #fields = new WeakMap<object, Map<string | number, Origin>>();
  /** Containers and fields recorded below the resources' roots: while none is, a root's origin is all there is. */
  #inner = 0;

  /**
   * Records where a resource (a whole document, or an item of a `List`) comes from.
   * @param value - The resource's mapping.
   * @param origin - Its node.
   */
  root(value: object, origin: Origin): void {
    this.#containers.set(value, origin);
  }

  /**
   * Records where a mapping or list comes from.
   * @param value - The container (other values are ignored).
   * @param origin - Its node.
   */
  container(value: unknown, origin: Origin): void {
    if (typeof value === 'object' && value !== null) {
      this.#inner++;
      this.#containers.set(value, origin);
    }
  }

  /**
   * Records where one field (or list element) of a container was written.
   * @param parent - The mapping or list holding it.
   * @param key - Its key or index.
   * @param origin - The node that wrote it.
   */
  field(parent: object, key: string | number, origin: Origin): void {
    this.#inner++;
    let map = this.#fields.get(parent);
    if (!map) {
      map = new Map();
      this.#fields.set(parent, map);
    }
    map.set(key, origin);
    this.container((parent as Record<string | number, unknown>)[key], origin);
  }

  /**
   * The position of the value at `path` below `root`: the deepest recorded container or field on the way,
   * plus the rest of the path inside its document.
   * @param root - A rendered object, recorded with {@link Origins.container}.
   * @param path - Keys and indices from the object.
   * @param key - Point at the map key of the last element.
   * @returns The position. Never throws.
   */
  locate(root: unknown, path: YamlPath, key = false): SourceRef | undefined {
    let best: { origin: Origin; rest: number } | undefined;
    const top = typeof root === 'object' && root !== null ? this.#containers.get(root) : undefined;
    // Nothing recorded below any root (no transform wrote anything): the root's document has the path.
    if (this.#inner === 0) {
      if (!top) return undefined;
      return sourceAt(top.doc, top.path.length === 0 ? path : [...top.path, ...path], key ? KEY : NO_KEY);
    }
    if (top) best = { origin: top, rest: 0 };
    let current: unknown = root;
    for (let i = 0; i < path.length; i++) {
      if (typeof current !== 'object' || current === null) break;
      const step = path[i] as string | number;
      const written = this.#fields.get(current)?.get(step);
      if (written) best = { origin: written, rest: i + 1 };
      const next: unknown = (current as Record<string | number, unknown>)[step];
      if (typeof next === 'object' && next !== null) {
        const own = this.#containers.get(next);
        if (own) best = { origin: own, rest: i + 1 };
      }
      current = next;
    }
    if (!best) return undefined;
    const full = [...best.origin.path, ...path.slice(best.rest)];
    return sourceAt(best.origin.doc, full, key && best.rest <= path.length ? { key: true } : {});
  }
}
