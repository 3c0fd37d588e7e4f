import type { LabelSelector, LabelSelectorRequirement } from './model.js';
import {
  FieldSet,
  fitted,
  isRecord,
  ownString,
  type Path,
  type ReadContext,
  readFields,
  show,
  stringValueHint,
  typeName,
} from './read-context.js';
import { ciliumSelectorKeyProblem, hasPlaceholder, labelKeyProblem, labelValueProblem } from './values.js';

const SELECTOR_FIELDS = new FieldSet(['matchLabels', 'matchExpressions']);
const REQUIREMENT_FIELDS = new FieldSet(['key', 'operator', 'values']);
const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Whose rules a selector follows: Cilium selectors (keys may carry a label source such as `k8s:`; values
 * are not checked beyond being strings) or Kubernetes selectors (keys and values are checked as the API
 * server checks them).
 */
export type SelectorFlavor = 'cilium' | 'kubernetes';

/**
 * Reads a label selector (`matchLabels` + `matchExpressions`) exactly as written. Problems are
 * `BAD_SELECTOR` errors: an unknown operator, `In`/`NotIn` without values, `Exists`/`DoesNotExist` with
 * values, a non-string label value, an invalid key. Unknown fields are `UNKNOWN_FIELD`.
 * A selector with a `BAD_SELECTOR` problem is not returned: the caller drops it.
 * @param ctx - The read context.
 * @param value - The YAML value.
 * @param path - Its path.
 * @param flavor - Cilium or Kubernetes rules, see {@link SelectorFlavor}.
 * @returns The selector, or null when it is broken.
 */
export function readLabelSelector(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  flavor: SelectorFlavor,
): LabelSelector | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_SELECTOR',
      'error',
      `A label selector must be a mapping with matchLabels and/or matchExpressions, not ${typeName(value)}.`,
      path,
      'Write `{}` to select everything, or `matchLabels: {key: value}`.',
    );
    return null;
  }
  const fields = readFields(ctx, value, path, SELECTOR_FIELDS, 'a label selector');
  let ok = true;
  const matchLabels: Record<string, string> = {};
  const labels = fields.get('matchLabels');
  if (labels !== undefined && labels !== null) {
    const at = fields.at('matchLabels');
    if (!isRecord(labels)) {
      ctx.report('BAD_SELECTOR', 'error', `matchLabels must be a mapping, not ${typeName(labels)}.`, at);
      ok = false;
    } else {
      for (const [key, v] of Object.entries(labels)) {
        if (!checkKey(ctx, key, [...at, key], flavor)) ok = false;
        if (typeof v !== 'string') {
          ctx.report(
            'BAD_SELECTOR',
            'error',
            `The value of label "${key}" must be a string, not ${typeName(v)}.`,
            [...at, key],
            stringValueHint(key, v),
          );
          ok = false;
          continue;
        }
        if (flavor === 'kubernetes' && !checkValue(ctx, key, v, [...at, key])) ok = false;
        matchLabels[key] = ownString(v);
      }
    }
  }
  const matchExpressions: LabelSelectorRequirement[] = [];
  const expressions = fields.get('matchExpressions');
  if (expressions !== undefined && expressions !== null) {
    const at = fields.at('matchExpressions');
    if (!Array.isArray(expressions)) {
      ctx.report(
        'BAD_SELECTOR',
        'error',
        `matchExpressions must be a list, not ${typeName(expressions)}.`,
        at,
      );
      ok = false;
    } else {
      expressions.forEach((e, i) => {
        const r = readRequirement(ctx, e, [...at, i], flavor);
        if (r) matchExpressions.push(r);
        else ok = false;
      });
    }
  }
  if (!ok) return null;
  return { matchLabels, matchExpressions: fitted(matchExpressions), source: ctx.source(path) };
}

function checkKey(ctx: ReadContext, key: string, path: Path, flavor: SelectorFlavor): boolean {
  if (hasPlaceholder(key)) return true;
  const problem = flavor === 'cilium' ? ciliumSelectorKeyProblem(key) : labelKeyProblem(key);
  if (problem === null) return true;
  ctx.report('BAD_SELECTOR', 'error', `Label key "${key}" is invalid: ${problem}.`, path, undefined, {
    key: true,
  });
  return false;
}

function checkValue(ctx: ReadContext, key: string, value: string, path: Path): boolean {
  if (hasPlaceholder(value)) return true;
  const problem = labelValueProblem(value);
  if (problem === null) return true;
  ctx.report('BAD_SELECTOR', 'error', `The value "${value}" of label "${key}" is invalid: ${problem}.`, path);
  return false;
}

function readRequirement(
  ctx: ReadContext,
  value: unknown,
  path: Path,
  flavor: SelectorFlavor,
): LabelSelectorRequirement | null {
  if (!isRecord(value)) {
    ctx.report(
      'BAD_SELECTOR',
      'error',
      `A matchExpressions entry must be a mapping with key, operator and values, not ${typeName(value)}.`,
      path,
    );
    return null;
  }
  const fields = readFields(ctx, value, path, REQUIREMENT_FIELDS, 'a matchExpressions entry');
  const key = fields.get('key');
  const operator = fields.get('operator');
  const rawValues = fields.get('values');
  let ok = true;
  if (typeof key !== 'string') {
    ctx.report(
      key === undefined || key === null ? 'MISSING_FIELD' : 'BAD_SELECTOR',
      'error',
      key === undefined || key === null
        ? 'A matchExpressions entry has no key.'
        : `The key of a matchExpressions entry must be a string, not ${typeName(key)}.`,
      key === undefined ? path : fields.at('key'),
    );
    ok = false;
  } else if (!checkKey(ctx, key, fields.at('key'), flavor)) ok = false;
  if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
    ctx.report(
      'BAD_SELECTOR',
      'error',
      operator === undefined || operator === null
        ? 'A matchExpressions entry has no operator.'
        : `Operator ${show(operator)} is not one of In, NotIn, Exists, DoesNotExist.`,
      operator === undefined ? path : fields.at('operator'),
      'Operators are case-sensitive: In, NotIn, Exists, DoesNotExist.',
    );
    return null;
  }
  const values: string[] = [];
  if (rawValues !== undefined && rawValues !== null) {
    if (!Array.isArray(rawValues)) {
      ctx.report(
        'BAD_SELECTOR',
        'error',
        `values must be a list, not ${typeName(rawValues)}.`,
        fields.at('values'),
      );
      return null;
    }
    rawValues.forEach((v, i) => {
      const at = [...fields.at('values'), i];
      if (typeof v !== 'string') {
        ctx.report(
          'BAD_SELECTOR',
          'error',
          `A selector value must be a string, not ${typeName(v)}.`,
          at,
          'Quote it.',
        );
        ok = false;
      } else {
        if (flavor === 'kubernetes' && !checkValue(ctx, String(key), v, at)) ok = false;
        values.push(v);
      }
    });
  }
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0 && ok) {
    ctx.report(
      'BAD_SELECTOR',
      'error',
      `Operator ${operator} needs at least one value.`,
      rawValues === undefined ? fields.at('operator') : fields.at('values'),
      'List the values, or use Exists/DoesNotExist.',
    );
    ok = false;
  }
  if (!needsValues && rawValues !== undefined && rawValues !== null && (rawValues as unknown[]).length > 0) {
    ctx.report(
      'BAD_SELECTOR',
      'error',
      `Operator ${operator} takes no values.`,
      fields.at('values'),
      'Remove the values, or use In/NotIn.',
    );
    ok = false;
  }
  if (!ok || typeof key !== 'string') return null;
  return { key, operator: operator as LabelSelectorRequirement['operator'], values };
}
