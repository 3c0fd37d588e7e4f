/**
 * Validate Kubernetes manifests against the official CRD schemas in `$NETPOL_CONFORMANCE_DIR/schemas/`
 * (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, PrometheusRule). The schemas are read in
 * place, never copied into the project.
 *
 * The CRD schemas come from Go code: their `pattern`s use Go's RE2 syntax (`\PC`, `\pL`, `(?i)`),
 * which JavaScript rejects or reads differently. `goRegExp` rewrites that syntax into a JavaScript
 * unicode (`u`) regular expression before ajv compiles it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type CodeOptions, type ErrorObject, type ValidateFunction } from 'ajv';
import ipaddr from 'ipaddr.js';
import { schemasDir } from './corpus.js';

/** Schema file (relative to `schemasDir`) for each `apiVersion` + `kind`. */
const SCHEMA_FILES: Record<string, string> = {
  'cilium.io/v2/CiliumNetworkPolicy': 'cilium.io/ciliumnetworkpolicy_v2.json',
  'cilium.io/v2/CiliumClusterwideNetworkPolicy': 'cilium.io/ciliumclusterwidenetworkpolicy_v2.json',
  'monitoring.coreos.com/v1/PrometheusRule': 'monitoring.coreos.com/prometheusrule_v1.json',
};

/** ajv's `code.regExp` engine type. */
type RegExpEngine = NonNullable<CodeOptions['regExp']>;

/** Unicode general categories that JavaScript accepts as `\p{X}` without a `Script=` prefix. */
const GENERAL_CATEGORIES = new Set(
  (
    'C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps ' +
    'S Sc Sk Sm So Z Zl Zp Zs'
  ).split(' '),
);

/** Go's POSIX bracket classes (`[[:alpha:]]`), written as JavaScript class contents. */
const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function unicodeClass(negated: boolean, name: string): string {
  const property = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
  return `\\${negated ? 'P' : 'p'}{${property}}`;
}

/**
 * Rewrite a Go (RE2) pattern into JavaScript syntax. Returns the source and the flags that Go's
 * inline flag groups (`(?i)`, `(?s)`, `(?m)`) asked for.
 */
export function translateGoPattern(pattern: string): { source: string; flags: string } {
  const flags = new Set<string>();
  let source = pattern
    // Inline flag groups that apply to the whole expression: (?i) (?s) (?m) (?is) ...
    .replace(/\(\?([ims]+)\)/g, (_m, f: string) => {
      for (const c of f) flags.add(c);
      return '';
    })
    // \pL \PC (one-letter category) and \p{Greek} \P{Lu} (named).
    .replace(
      /\\([pP])(?:\{\^?([A-Za-z_]+)\}|([A-Za-z]))/g,
      (m, p: string, named?: string, letter?: string) => {
        const negatedInBraces = m.startsWith(`\\${p}{^`);
        const name = named ?? letter ?? '';
        return unicodeClass((p === 'P') !== negatedInBraces, name);
      },
    )
    // Go's absolute anchors.
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  source = source.replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
    const body = POSIX_CLASSES[name];
    if (body === undefined || neg === '^') return m;
    return body;
  });
  return { source, flags: [...flags].join('') };
}

/** The ajv `code.regExp` engine: Go pattern in, JavaScript unicode RegExp out. */
const goRegExp: RegExpEngine = Object.assign(
  (pattern: string, _u: string) => {
    const { source, flags } = translateGoPattern(pattern);
    return new RegExp(source, `u${flags}`);
  },
  { code: 'goRegExp' },
);

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const HOSTNAME_LABEL = /^[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

function makeAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp } });
  ajv.addFormat('cidr', { type: 'string', validate: isCidr });
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
  });
  ajv.addFormat('idn-hostname', {
    type: 'string',
    validate: (s: string) =>
      s.length <= 253 &&
      s
        .replace(/\.$/, '')
        .split('.')
        .every((l) => HOSTNAME_LABEL.test(l)),
  });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv;
}

let ajvInstance: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The compiled validator for an `apiVersion` + `kind`, or undefined when no schema covers it. */
export function validatorFor(apiVersion: unknown, kind: unknown): ValidateFunction | undefined {
  const key = `${String(apiVersion)}/${String(kind)}`;
  const file = SCHEMA_FILES[key];
  if (file === undefined) return undefined;
  const cached = validators.get(key);
  if (cached !== undefined) return cached;
  ajvInstance ??= makeAjv();
  const schema = JSON.parse(readFileSync(path.join(schemasDir(), file), 'utf8')) as object;
  const validate = ajvInstance.compile(schema);
  validators.set(key, validate);
  return validate;
}

/** Whether a schema exists for this manifest's apiVersion/kind. */
export function hasSchema(obj: unknown): boolean {
  const o = (obj ?? {}) as { apiVersion?: unknown; kind?: unknown };
  return validatorFor(o.apiVersion, o.kind) !== undefined;
}

function formatError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '/' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : e.keyword === 'enum'
        ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
        : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

/**
 * Validate one manifest against the schema chosen by its apiVersion/kind. Returns the errors as
 * strings (`/spec/ingress/0/toPorts: must be array`), empty when valid. A manifest with no known
 * schema is reported as an error, so callers filter with `hasSchema` first.
 */
export function validateManifest(obj: unknown): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return ['/: manifest is not an object'];
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  const validate = validatorFor(apiVersion, kind);
  if (validate === undefined) return [`/: no schema for ${String(apiVersion)} ${String(kind)}`];
  if (validate(obj)) return [];
  return (validate.errors ?? []).map(formatError);
}
