import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Diagnostic, SourceRef } from '../errors.js';
import {
  documentValue,
  nodeAt,
  parseYamlFile,
  sourceAt,
  type YamlDocument,
  type YamlPath,
} from './documents.js';
import {
  formatValue,
  GoTemplate,
  goType,
  isTrue,
  TemplateError,
  type TemplateFunction,
} from './go-template.js';
import type { Resource } from './kustomize-build.js';
import { CLUSTER_SCOPED_KINDS } from './objects.js';
import type { Origins } from './origins.js';
import { isRecord } from './read-context.js';
import { LineIndex } from './yaml-tree.js';

/**
 * Flux Operator `ResourceSet` (`fluxcd.controlplane.io/v1`) expansion, as the operator's builder does it
 * (controlplaneio-fluxcd/flux-operator `internal/builder/resourceset.go` `BuildResourceSet`, `newTemplate`;
 * `internal/inputs/` for the input sets; docs `docs/api/v1/resourceset.md`):
 * - the input sets are `spec.inputs`, each with `provider` (`apiVersion`, `kind: ResourceSet`, `name`,
 *   `namespace`) added (`inputs/provider.go` `getFromProvider`); strategy `Flatten` (default) uses them as they
 *   are, `Permute` nests each under the ResourceSet's normalised name with an adler32 `id`
 *   (`inputs/permuter.go`, `keys.go`); no input set at all renders the templates once with no inputs;
 * - every `spec.resources` item (as YAML) and `spec.resourcesTemplate` (multi-document YAML) is a Go text
 *   template with `<<`/`>>` delimiters, `missingkey=error`, slim-sprig's hermetic functions, `slugify`,
 *   `toYaml`/`mustToYaml` and `inputs` (the input set), executed once per input set;
 * - objects annotated `fluxcd.controlplane.io/reconcile: disabled` are dropped; objects are deduplicated by
 *   group, kind, namespace and name, `resources` before `resourcesTemplate`, the first kept; `spec.steps`
 *   render step by step; `spec.commonMetadata` labels and annotations are set on every object;
 * - no namespace is defaulted: a namespaced object without one is not applied (flux-operator issue #183,
 *   "it's up to the user to define a namespace"), reported here;
 * - any template error fails the whole ResourceSet in the operator: here it renders nothing and is unseen.
 * `spec.inputsFrom` (ResourceSetInputProvider) inputs come from the cluster or an external service, so such a
 * ResourceSet is not expanded: one warning, and it is listed as unseen.
 * @see https://fluxcd.control-plane.io/operator/resourceset/
 */

/** The API group of ResourceSets. */
export const RESOURCESET_GROUP = 'fluxcd.controlplane.io';

/** What {@link expandResourceSet} produced. */
export interface ResourceSetExpansion {
  /** The objects, each located in the ResourceSet's file (see {@link Resource}). */
  readonly resources: Resource[];
  /** Why the ResourceSet is not expanded (its objects are unseen), or undefined when it is. */
  readonly unseenReason?: string;
}

/** Where a template sits in the ResourceSet document. */
interface TemplateSource {
  readonly text: string;
  readonly doc: YamlDocument;
  readonly path: YamlPath;
  /** `yaml`: a multi-document template string; `item`: one `resources` item. */
  readonly form: 'yaml' | 'item';
}

/**
 * Expands a ResourceSet into the objects Flux Operator applies.
 * @param r - The ResourceSet resource (its value after Flux substitution).
 * @param namespace - Its namespace (its own, else the one it is applied in).
 * @param origins - Positions of rendered objects (each object is recorded as a root).
 * @param diagnostics - Receives template errors, missing inputs and unexpandable ResourceSets.
 * @returns The objects, or why they cannot be seen.
 */
export function expandResourceSet(
  r: Resource,
  namespace: string,
  origins: Origins,
  diagnostics: Diagnostic[],
): ResourceSetExpansion {
  const v = r.value;
  const meta = isRecord(v.metadata) ? v.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const spec = isRecord(v.spec) ? v.spec : {};
  const at = (...p: (string | number)[]): SourceRef => sourceAt(r.doc, [...r.path, ...p]);
  const ref = `ResourceSet ${namespace}/${name}`;
  if (Array.isArray(spec.inputsFrom) && spec.inputsFrom.length > 0) {
    diagnostics.push({
      code: 'RESOURCESET_INPUTS_EXTERNAL',
      severity: 'warning',
      message: `${ref} takes inputs from ResourceSetInputProviders (spec.inputsFrom), which Flux Operator reads in the cluster or from an external service; its objects are not analysed.`,
      source: at('spec', 'inputsFrom'),
      hint: 'Render it with `flux-operator build resourceset --inputs-from …` and pass the output with -f.',
    });
    return { resources: [], unseenReason: 'inputs from ResourceSetInputProviders' };
  }
  const strategy = isRecord(spec.inputStrategy) ? spec.inputStrategy.name : undefined;
  if (strategy !== undefined && strategy !== 'Flatten' && strategy !== 'Permute') {
    diagnostics.push({
      code: 'RESOURCESET_TEMPLATE_ERROR',
      severity: 'error',
      message: `${ref} has the unknown input strategy "${String(strategy)}"; Flux Operator does not reconcile it.`,
      source: at('spec', 'inputStrategy', 'name'),
      hint: 'Use Flatten (the default) or Permute.',
    });
    return { resources: [], unseenReason: 'its input strategy is unknown' };
  }
  const inputSets = inputSetsOf(spec, name, namespace, strategy === 'Permute');
  const groups: TemplateSource[][] = [];
  const templatesOf = (holder: Record<string, unknown>, path: YamlPath): TemplateSource[] => {
    const out: TemplateSource[] = [];
    if (Array.isArray(holder.resources))
      holder.resources.forEach((item, i) => {
        out.push({
          text: stringify(item),
          doc: r.doc,
          path: [...r.path, ...path, 'resources', i],
          form: 'item',
        });
      });
    if (typeof holder.resourcesTemplate === 'string' && holder.resourcesTemplate !== '')
      out.push({
        text: holder.resourcesTemplate,
        doc: r.doc,
        path: [...r.path, ...path, 'resourcesTemplate'],
        form: 'yaml',
      });
    return out;
  };
  if (Array.isArray(spec.steps) && spec.steps.length > 0)
    spec.steps.forEach((step, i) => {
      if (isRecord(step)) groups.push(templatesOf(step, ['spec', 'steps', i]));
    });
  else groups.push(templatesOf(spec, ['spec']));
  const resources: Resource[] = [];
  const keys = new Set<string>();
  for (const templates of groups) {
    for (const template of templates) {
      const rendered = renderTemplate(template, inputSets, ref, diagnostics);
      if (rendered === null) return { resources: [], unseenReason: 'its templates fail to render' };
      for (const res of rendered) {
        const value = res.value;
        const m = isRecord(value.metadata) ? value.metadata : {};
        const annotations = isRecord(m.annotations) ? m.annotations : {};
        if (annotations['fluxcd.controlplane.io/reconcile'] === 'disabled') continue;
        const kind = typeof value.kind === 'string' ? value.kind : '';
        const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
        const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
        const ns = typeof m.namespace === 'string' ? m.namespace : '';
        const key = [group, kind, ns, String(m.name ?? '')].join('/');
        if (keys.has(key)) continue;
        keys.add(key);
        if (
          ns === '' &&
          kind !== '' &&
          kind !== 'Namespace' &&
          !CLUSTER_SCOPED_KINDS.has(kind) &&
          !isClusterScopedGroupKind(apiVersion, kind)
        ) {
          diagnostics.push({
            code: 'RESOURCESET_TEMPLATE_ERROR',
            severity: 'warning',
            message: `${ref} renders ${kind}/${String(m.name ?? '')} without a namespace; Flux Operator sets no default namespace, so the object is not applied.`,
            source: sourceAt(res.doc, res.path),
            hint: 'Set metadata.namespace in the template (e.g. `<< inputs.provider.namespace >>`).',
          });
          continue;
        }
        commonMetadata(spec, value, r, origins);
        origins.root(value, { doc: res.doc, path: res.path });
        resources.push(res);
      }
    }
  }
  return { resources };
}

/** Kinds of Flux Operator and Cilium that are cluster-scoped beside {@link CLUSTER_SCOPED_KINDS}. */
function isClusterScopedGroupKind(apiVersion: string, kind: string): boolean {
  return apiVersion.startsWith('cilium.io/') && kind.startsWith('CiliumClusterwide');
}

/** Sets `spec.commonMetadata` labels and annotations (they override the object's own). */
function commonMetadata(
  spec: Record<string, unknown>,
  value: Record<string, unknown>,
  r: Resource,
  origins: Origins,
): void {
  const common = isRecord(spec.commonMetadata) ? spec.commonMetadata : undefined;
  if (!common) return;
  if (!isRecord(value.metadata)) value.metadata = {};
  const m = value.metadata as Record<string, unknown>;
  for (const field of ['labels', 'annotations'] as const) {
    const pairs = common[field];
    if (!isRecord(pairs)) continue;
    if (!isRecord(m[field])) m[field] = {};
    const target = m[field] as Record<string, unknown>;
    for (const [k, val] of Object.entries(pairs)) {
      target[k] = String(val);
      origins.field(target, k, { doc: r.doc, path: [...r.path, 'spec', 'commonMetadata', field, k] });
    }
  }
}

/** The input sets of a ResourceSet's own `spec.inputs` (`inputs/combine.go`, `flattener.go`, `permuter.go`). */
function inputSetsOf(
  spec: Record<string, unknown>,
  name: string,
  namespace: string,
  permute: boolean,
): Record<string, unknown>[] {
  const provider = { apiVersion: `${RESOURCESET_GROUP}/v1`, kind: 'ResourceSet', name, namespace };
  const own = (Array.isArray(spec.inputs) ? spec.inputs : []).map((input) => ({
    ...(isRecord(input) ? structuredClone(input) : {}),
    provider: { ...provider },
  }));
  if (!permute) return own;
  const key = normalizeKeyForTemplate(name);
  return own.map((input, i) => ({ [key]: input, id: adler32(`${key}=${i}`) }));
}

/**
 * The key of a provider's inputs under the `Permute` strategy: lower case, spaces and punctuation as `_`,
 * other characters dropped, runs of `_` joined (`inputs/keys.go` `NormalizeKeyForTemplate`).
 * @param key - The provider's name.
 * @returns The normalised key.
 */
export function normalizeKeyForTemplate(key: string): string {
  const mapped = [...key.toLowerCase()]
    .map((c) => (/[\s\p{P}]/u.test(c) ? '_' : /[a-z0-9]/.test(c) ? c : ''))
    .join('');
  return mapped
    .split('_')
    .filter((w) => w !== '')
    .join('_');
}

/** adler32 of a string's UTF-8 bytes, in decimal (`inputs/id.go` `ID`). */
function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const byte of new TextEncoder().encode(s)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

/**
 * Renders one template for every input set (once with no inputs when there is none): its objects located in
 * the ResourceSet's file, or null after reporting an error (the operator then applies nothing).
 */
function renderTemplate(
  template: TemplateSource,
  inputSets: readonly Record<string, unknown>[],
  ref: string,
  diagnostics: Diagnostic[],
): Resource[] | null {
  const lines = templateLines(template);
  const place = (offset: number): SourceRef => {
    const p = lines(offset);
    return { file: template.doc.file, line: p.line, column: p.column };
  };
  let current: Record<string, unknown> | null = null;
  const sets: (Record<string, unknown> | null)[] = inputSets.length === 0 ? [null] : [...inputSets];
  const out: Resource[] = [];
  let parsed: GoTemplate | undefined;
  for (const inputs of sets) {
    current = inputs;
    try {
      parsed ??= new GoTemplate(template.text, { ...SPRIG, inputs: () => current ?? {} }, ['<<', '>>']);
      const output = parsed.execute(null);
      const docs = readOutput(
        template,
        output.text,
        (o) => lines(output.templateOffset(o)),
        ref,
        diagnostics,
      );
      if (docs === null) return null;
      out.push(...docs);
    } catch (thrown) {
      // A template nested deeper than the stack allows is reported like any template error, at its start.
      const e = thrown instanceof RangeError ? new TemplateError('the template nests too deeply', 0) : thrown;
      if (!(e instanceof TemplateError)) throw thrown;
      const missing = e.reason === 'missing-key';
      diagnostics.push({
        code: missing ? 'RESOURCESET_INPUT_MISSING' : 'RESOURCESET_TEMPLATE_ERROR',
        severity: 'error',
        message: missing
          ? `${ref}: an input set has no value the template asks for (${e.message}${inputs ? `, input set ${describeInputs(inputs)}` : ', no inputs'}); Flux Operator fails the ResourceSet, so none of its objects are analysed.`
          : `${ref}: the template fails (${e.message}); Flux Operator fails the ResourceSet, so none of its objects are analysed.`,
        source: place(e.offset),
        hint: missing
          ? 'Add the input to every input set, or read it with `index inputs "key"` or `get inputs "key" | default …`, which allow a missing key.'
          : 'Check the template with `flux-operator build resourceset -f FILE`.',
      });
      return null;
    }
  }
  return out;
}

/** An input set in a few words: its `name`-like field, else its keys. */
function describeInputs(inputs: Record<string, unknown>): string {
  for (const k of ['name', 'id', 'tenant', 'app']) {
    const v = inputs[k];
    if (typeof v === 'string' || typeof v === 'number') return `${k}=${JSON.stringify(v)}`;
  }
  return `{${Object.keys(inputs)
    .filter((k) => k !== 'provider')
    .join(', ')}}`;
}

/** Parses a template's output into objects located in the ResourceSet's file; null after a reported error. */
function readOutput(
  template: TemplateSource,
  text: string,
  position: (outputOffset: number) => { line: number; column: number },
  ref: string,
  diagnostics: Diagnostic[],
): Resource[] | null {
  const parsed = parseYamlFile(template.doc.file, text);
  const mapped = new MappedLines(text, position);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0] as Diagnostic;
    const offset = first.source ? new LineOffsets(text).offset(first.source.line, first.source.column) : 0;
    const p = position(offset);
    diagnostics.push({
      code: 'RESOURCESET_TEMPLATE_ERROR',
      severity: 'error',
      message: `${ref}: the template renders invalid YAML (${first.message.replace(/\.$/, '')}); Flux Operator fails the ResourceSet, so none of its objects are analysed.`,
      source: { file: template.doc.file, line: p.line, column: p.column },
      hint: 'Check the template with `flux-operator build resourceset -f FILE` (mind the indentation `nindent` gives).',
    });
    return null;
  }
  const out: Resource[] = [];
  for (const doc of parsed.documents) {
    if (!doc.valid || doc.root === null) continue;
    const located: YamlDocument = { ...doc, lines: mapped, index: template.doc.index };
    const value = documentValue(located);
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      diagnostics.push({
        code: 'RESOURCESET_TEMPLATE_ERROR',
        severity: 'error',
        message: `${ref}: the template renders a ${goType(value)}, not an object; Flux Operator fails the ResourceSet, so none of its objects are analysed.`,
        source: sourceAt(located, []),
        hint: 'Each YAML document of a template must be one Kubernetes object.',
      });
      return null;
    }
    out.push({ value, doc: located, path: [], previousNames: [], previousNamespaces: [] });
  }
  return out;
}

/** Line starts of a text, to turn a 1-based line/column back into an offset. */
class LineOffsets {
  readonly #starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.#starts.push(i + 1);
  }
  offset(line: number, column: number): number {
    return (this.#starts[line - 1] ?? 0) + column - 1;
  }
}

/** A line index over a template's output that answers with positions in the ResourceSet's file. */
class MappedLines extends LineIndex {
  readonly #position: (offset: number) => { line: number; column: number };
  constructor(text: string, position: (offset: number) => { line: number; column: number }) {
    super(text);
    this.#position = position;
  }
  override position(offset: number): { line: number; column: number } {
    return this.#position(offset);
  }
}

/**
 * Maps an offset of a template's text to a line and column of the ResourceSet's file: line by line for a
 * block scalar (`resourcesTemplate: |`). A `resources` item is one YAML text made from the item, so an offset
 * inside a `<< … >>` action (where an evaluation error is) points at that action's text in the item, found
 * in the file; any other offset points at the item.
 */
function templateLines(template: TemplateSource): (offset: number) => { line: number; column: number } {
  const node = nodeAt(template.doc, template.path);
  const start = node ? template.doc.lines.position(node.start) : { line: 1, column: 1 };
  if (!node) return () => start;
  const file = template.doc.text;
  if (template.form === 'item') {
    const text = template.text;
    return (offset) => {
      const open = text.lastIndexOf('<<', offset);
      const close = open === -1 ? -1 : text.indexOf('>>', open);
      if (close === -1 || close + 2 <= offset) return start;
      // The same action may appear several times: take its occurrence of the same rank in the file.
      const action = text.slice(open, close + 2);
      let at = file.indexOf(action, node.start);
      for (let i = text.indexOf(action); i !== -1 && i < open && at !== -1; i = text.indexOf(action, i + 1))
        at = file.indexOf(action, at + 1);
      return at === -1 || at >= node.end ? start : template.doc.lines.position(at + offset - open);
    };
  }
  const header = file.slice(node.start, node.start + 1);
  if (header !== '|' && header !== '>') return () => start;
  // Content starts on the line after the header; its indentation is the first non-empty line's.
  const contentStart = file.indexOf('\n', node.start) + 1;
  const firstLine = /^[ ]*(?=\S)/m.exec(file.slice(contentStart, node.end));
  const indent = firstLine ? firstLine[0].length : 0;
  const firstContentLine = start.line + 1;
  const tplLines = new LineIndex(template.text);
  return (offset) => {
    const p = tplLines.position(Math.max(0, Math.min(offset, template.text.length)));
    return { line: firstContentLine + p.line - 1, column: indent + p.column };
  };
}

/**
 * The template functions of a ResourceSet: slim-sprig's hermetic functions that templates use (strings,
 * lists, maps, conversions, defaults, encodings, regular expressions, paths), `slugify`, `toYaml`,
 * `mustToYaml` and `inputs` (`internal/builder/resourceset.go` `newTemplate`).
 * @param inputs - The input set (`null`: none).
 * @returns The functions by name.
 */
export function functionsFor(inputs: Record<string, unknown> | null): Record<string, TemplateFunction> {
  return { ...SPRIG, inputs: () => inputs ?? {} };
}

function str(v: unknown, fn: string): string {
  if (typeof v === 'string') return v;
  throw new Error(`wrong type for value in ${fn}; expected string; got ${goType(v)}`);
}

/** Most elements (or characters) `until` and `repeat` may build: a template asking for more is an error, not an out-of-memory crash. */
const MAX_BUILT = 1_000_000;

/**
 * A size a template function is about to build, checked against {@link MAX_BUILT}.
 * @param n - The requested size (negative means 0).
 * @param fn - The function's name, for the message.
 * @returns The size to build.
 * @throws Error when it exceeds the limit (reported as RESOURCESET_TEMPLATE_ERROR at the call).
 */
function bounded(n: number, fn: string): number {
  if (n > MAX_BUILT)
    throw new Error(`${fn} would build ${n} elements, more than netpol's limit of ${MAX_BUILT}`);
  return Math.max(0, n);
}

function int(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? Math.trunc(n) : 0;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

/** sprig `strval`: strings as they are, anything else `%v`. */
function strval(v: unknown): string {
  return typeof v === 'string' ? v : formatValue(v);
}

/** sprig `strslice`: a list's elements as strings (nil elements dropped), a string as a one-element list. */
function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((e) => e !== null && e !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

function list(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new Error(`cannot ${fn} on type ${goType(v)}`);
}

function dict(v: unknown, fn: string): Record<string, unknown> {
  if (isRecord(v)) return v;
  throw new Error(`wrong type for value in ${fn}; expected map[string]interface {}; got ${goType(v)}`);
}

/** sigs.k8s.io/yaml `Marshal`: keys in order, block style. */
function toYaml(v: unknown): string {
  if (v === null || v === undefined) return 'null\n';
  return stringify(v, { sortMapEntries: true, lineWidth: 0 });
}

/** slugify (gosimple/slug, max 63 characters, smart truncate): lower-case ASCII words joined by `-`. */
function slugify(s: string): string {
  const words = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  let out = words.join('-');
  if (out.length > 63) {
    let cut = '';
    for (const w of words) {
      const next = cut === '' ? w : `${cut}-${w}`;
      if (next.length > 63) break;
      cut = next;
    }
    out = cut === '' ? out.slice(0, 63) : cut;
  }
  return out;
}

function regex(pattern: unknown): RegExp {
  return new RegExp(str(pattern, 'regex'), 'u');
}

function empty(v: unknown): boolean {
  return !isTrue(v);
}

const SPRIG: Record<string, TemplateFunction> = {
  trunc: (c, s) => {
    const t = str(s, 'trunc');
    const n = int(c);
    if (n < 0 && t.length + n > 0) return t.slice(t.length + n);
    return n >= 0 && t.length > n ? t.slice(0, n) : t;
  },
  trim: (s) => str(s, 'trim').trim(),
  upper: (s) => str(s, 'upper').toUpperCase(),
  lower: (s) => str(s, 'lower').toLowerCase(),
  title: (s) =>
    str(s, 'title').replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  substr: (a, b, s) => {
    const t = str(s, 'substr');
    const start = int(a);
    const end = int(b);
    if (start < 0) return t.slice(0, end);
    if (end < 0 || end > t.length) return t.slice(start);
    return t.slice(start, end);
  },
  repeat: (c, s) => {
    const text = str(s, 'repeat');
    const count = Math.max(0, int(c));
    bounded(count * text.length, 'repeat');
    return text.repeat(count);
  },
  trimAll: (a, s) => trimChars(str(s, 'trimAll'), str(a, 'trimAll')),
  trimall: (a, s) => trimChars(str(s, 'trimall'), str(a, 'trimall')),
  trimSuffix: (a, s) => {
    const t = str(s, 'trimSuffix');
    const x = str(a, 'trimSuffix');
    return x !== '' && t.endsWith(x) ? t.slice(0, t.length - x.length) : t;
  },
  trimPrefix: (a, s) => {
    const t = str(s, 'trimPrefix');
    const x = str(a, 'trimPrefix');
    return t.startsWith(x) ? t.slice(x.length) : t;
  },
  contains: (a, s) => str(s, 'contains').includes(str(a, 'contains')),
  hasPrefix: (a, s) => str(s, 'hasPrefix').startsWith(str(a, 'hasPrefix')),
  hasSuffix: (a, s) => str(s, 'hasSuffix').endsWith(str(a, 'hasSuffix')),
  quote: (...xs) =>
    xs
      .filter((x) => x !== null && x !== undefined)
      .map((x) => JSON.stringify(strval(x)))
      .join(' '),
  squote: (...xs) =>
    xs
      .filter((x) => x !== null && x !== undefined)
      .map((x) => `'${formatValue(x)}'`)
      .join(' '),
  cat: (...xs) =>
    xs
      .filter((x) => x !== null && x !== undefined)
      .map(formatValue)
      .join(' '),
  indent: (n, s) => {
    const pad = ' '.repeat(Math.max(0, int(n)));
    return pad + str(s, 'indent').replace(/\n/g, `\n${pad}`);
  },
  nindent: (n, s) => {
    const pad = ' '.repeat(Math.max(0, int(n)));
    return `\n${pad}${str(s, 'nindent').replace(/\n/g, `\n${pad}`)}`;
  },
  replace: (o, n, s) => str(s, 'replace').split(str(o, 'replace')).join(str(n, 'replace')),
  plural: (one, many, c) => (int(c) === 1 ? str(one, 'plural') : str(many, 'plural')),
  sha1sum: (s) => createHash('sha1').update(str(s, 'sha1sum')).digest('hex'),
  sha256sum: (s) => createHash('sha256').update(str(s, 'sha256sum')).digest('hex'),
  adler32sum: (s) => adler32(str(s, 'adler32sum')),
  toString: (v: unknown) => strval(v),
  atoi: (s) => {
    const t = str(s, 'atoi');
    return /^[+-]?\d+$/.test(t) ? Number(t) : 0;
  },
  int: (v) => int(v),
  int64: (v) => int(v),
  float64: (v) =>
    typeof v === 'number' ? v : typeof v === 'string' && Number.isFinite(Number(v)) ? Number(v) : 0,
  split: (sep, s) =>
    Object.fromEntries(
      str(s, 'split')
        .split(str(sep, 'split'))
        .map((p, i) => [`_${i}`, p]),
    ),
  splitList: (sep, s) => str(s, 'splitList').split(str(sep, 'splitList')),
  toStrings: (v) => strslice(v),
  until: (n) => Array.from({ length: bounded(int(n), 'until') }, (_, i) => i),
  add1: (v) => int(v) + 1,
  add: (...xs) => xs.reduce<number>((a, x) => a + int(x), 0),
  sub: (a, b) => int(a) - int(b),
  mul: (...xs) => xs.reduce<number>((a, x) => a * int(x), 1),
  div: (a, b) => {
    if (int(b) === 0) throw new Error('integer divide by zero');
    return Math.trunc(int(a) / int(b));
  },
  mod: (a, b) => {
    if (int(b) === 0) throw new Error('integer divide by zero');
    return int(a) % int(b);
  },
  max: (a, ...xs) => xs.reduce<number>((m, x) => Math.max(m, int(x)), int(a)),
  biggest: (a, ...xs) => xs.reduce<number>((m, x) => Math.max(m, int(x)), int(a)),
  min: (a, ...xs) => xs.reduce<number>((m, x) => Math.min(m, int(x)), int(a)),
  join: (sep, v) => strslice(v).join(str(sep, 'join')),
  sortAlpha: (v) => strslice(v).sort(),
  default: (d, ...given) => (given.length === 0 || empty(given[0]) ? d : given[0]),
  empty: (v) => empty(v),
  coalesce: (...xs) => xs.find((x) => !empty(x)) ?? null,
  all: (...xs) => xs.every((x) => !empty(x)),
  any: (...xs) => xs.some((x) => !empty(x)),
  compact: (v) => list(v, 'compact').filter((x) => !empty(x)),
  fromJson: (s) => {
    try {
      return JSON.parse(str(s, 'fromJson')) as unknown;
    } catch {
      return {};
    }
  },
  toJson: (v) => JSON.stringify(v ?? null),
  toRawJson: (v) => JSON.stringify(v ?? null),
  toPrettyJson: (v) => JSON.stringify(v ?? null, null, 2),
  mustToJson: (v) => JSON.stringify(v ?? null),
  ternary: (vt, vf, c) => (isTrue(c) ? vt : vf),
  typeOf: (v) => goType(v),
  kindOf: (v) =>
    Array.isArray(v) ? 'slice' : isRecord(v) ? 'map' : v === null || v === undefined ? 'invalid' : goType(v),
  kindIs: (k, v) => (Array.isArray(v) ? 'slice' : isRecord(v) ? 'map' : goType(v)) === k,
  typeIs: (t, v) => goType(v) === t,
  deepEqual: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  base: (s) => str(s, 'base').replace(/\/+$/, '').split('/').pop() || '/',
  dir: (s) => {
    const parts = str(s, 'dir').split('/');
    parts.pop();
    return parts.join('/') || '.';
  },
  ext: (s) => /\.[^./]*$/.exec(str(s, 'ext'))?.[0] ?? '',
  b64enc: (s) => Buffer.from(str(s, 'b64enc')).toString('base64'),
  b64dec: (s) => Buffer.from(str(s, 'b64dec'), 'base64').toString('utf8'),
  tuple: (...xs) => xs,
  list: (...xs) => xs,
  dict: (...xs) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < xs.length; i += 2) out[strval(xs[i])] = i + 1 < xs.length ? xs[i + 1] : '';
    return out;
  },
  get: (m, k) => {
    const d = dict(m, 'get');
    const key = str(k, 'get');
    return Object.hasOwn(d, key) ? d[key] : '';
  },
  set: (m, k, v) => {
    dict(m, 'set')[str(k, 'set')] = v;
    return m;
  },
  unset: (m, k) => {
    delete dict(m, 'unset')[str(k, 'unset')];
    return m;
  },
  hasKey: (m, k) => Object.hasOwn(dict(m, 'hasKey'), str(k, 'hasKey')),
  pluck: (k, ...ms) =>
    ms
      .filter(isRecord)
      .filter((m) => Object.hasOwn(m, str(k, 'pluck')))
      .map((m) => m[k as string]),
  keys: (...ms) => ms.flatMap((m) => Object.keys(dict(m, 'keys'))),
  pick: (m, ...ks) => Object.fromEntries(Object.entries(dict(m, 'pick')).filter(([k]) => ks.includes(k))),
  omit: (m, ...ks) => Object.fromEntries(Object.entries(dict(m, 'omit')).filter(([k]) => !ks.includes(k))),
  values: (m) => Object.values(dict(m, 'values')),
  dig: (...xs) => {
    if (xs.length < 3) throw new Error('dig needs at least three arguments');
    const m = xs[xs.length - 1];
    const d = xs[xs.length - 2];
    let v: unknown = m;
    for (const k of xs.slice(0, -2)) {
      if (!isRecord(v) || !Object.hasOwn(v, strval(k))) return d;
      v = v[strval(k)];
    }
    return v;
  },
  append: (l, v) => [...list(l, 'append'), v],
  push: (l, v) => [...list(l, 'push'), v],
  prepend: (l, v) => [v, ...list(l, 'prepend')],
  first: (l) => list(l, 'first')[0] ?? null,
  last: (l) => {
    const a = list(l, 'last');
    return a.length === 0 ? null : a[a.length - 1];
  },
  rest: (l) => list(l, 'rest').slice(1),
  initial: (l) => list(l, 'initial').slice(0, -1),
  reverse: (l) => [...list(l, 'reverse')].reverse(),
  uniq: (l) =>
    list(l, 'uniq').filter((x, i, a) => a.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i),
  without: (l, ...xs) =>
    list(l, 'without').filter((x) => !xs.some((y) => JSON.stringify(y) === JSON.stringify(x))),
  has: (needle, l) => list(l, 'has').some((x) => JSON.stringify(x) === JSON.stringify(needle)),
  concat: (...ls) => ls.flatMap((l) => list(l, 'concat')),
  fail: (msg) => {
    throw new Error(str(msg, 'fail'));
  },
  regexMatch: (re, s) => regex(re).test(str(s, 'regexMatch')),
  regexFind: (re, s) => regex(re).exec(str(s, 'regexFind'))?.[0] ?? '',
  regexFindAll: (re, s, n) => {
    const all = [...str(s, 'regexFindAll').matchAll(new RegExp(str(re, 'regexFindAll'), 'gu'))].map(
      (m) => m[0],
    );
    return int(n) < 0 ? all : all.slice(0, int(n));
  },
  regexReplaceAll: (re, s, repl) =>
    str(s, 'regexReplaceAll').replace(
      new RegExp(str(re, 'regexReplaceAll'), 'gu'),
      str(repl, 'regexReplaceAll')
        .replace(/\$\{?(\w+)\}?/g, '$$<$1>')
        .replace(/\$<(\d+)>/g, '$$$1'),
    ),
  regexReplaceAllLiteral: (re, s, repl) =>
    str(s, 'regexReplaceAllLiteral').replace(new RegExp(str(re, 'regexReplaceAllLiteral'), 'gu'), () =>
      str(repl, 'regexReplaceAllLiteral'),
    ),
  regexSplit: (re, s, n) => {
    const parts = str(s, 'regexSplit').split(regex(re));
    return int(n) < 0 ? parts : parts.slice(0, int(n));
  },
  slugify: (s) => slugify(str(s, 'slugify')),
  toYaml: (v) => toYaml(v),
  mustToYaml: (v) => toYaml(v),
};

function trimChars(s: string, cutset: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && cutset.includes(s[a] as string)) a++;
  while (b > a && cutset.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}
