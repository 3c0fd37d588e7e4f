import { invariant, type Severity, type SourceRef } from '../errors.js';
import { boundDiagnostic } from '../repo/truncate.js';
import {
  formatMessage,
  type LintFix,
  type LintInput,
  type Rule,
  type RuleContext,
  type RuleReport,
  type SuppressionDirective,
} from './define-rule.js';
import { EMPTY_LINT_CONFIG, type LintConfig } from './lint-config.js';
import { rules as registeredRules } from './rules/index.js';
import { annotatedObjects, collectSuppressions, ObjectIndex, suppresses } from './suppress.js';

/** One finding of a lint run, with the data the formatters and `--fix` need. */
export interface Finding {
  readonly ruleId: string;
  readonly messageId: string;
  readonly severity: Severity;
  /** One sentence, without position. */
  readonly message: string;
  readonly source: SourceRef;
  /** What to do, one line. */
  readonly hint?: string;
  /** A safe, local fix (`netpol lint --fix`). */
  readonly fix?: LintFix;
}

/** The result of {@link runLint}. */
export interface LintRunResult {
  /** Findings that were not suppressed, sorted by file, line, column and rule id. */
  readonly findings: readonly Finding[];
  /** Findings suppressed by a `netpol.dev/ignore` annotation, in the same order. */
  readonly suppressed: readonly Finding[];
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/**
 * Runs lint rules over a prepared input. Rules of the `main` phase run first, in registry order; their
 * findings are then matched against the suppression annotations of the object that holds them (the last
 * object of the file starting at or before the finding's line); rules of the `suppressions` phase run last
 * and see which suppressions were used. A rule's severity comes from the configuration (`off` skips it),
 * else from the rule; a report may only lower it.
 * Pure: rules read the input and never do I/O.
 * @param input - The repository, engine, catalogue and precomputed inputs.
 * @param config - Severities and options from `netpol.config.yaml`. Default: none.
 * @param registry - The rules to run by id. Default: every registered rule.
 * @returns Findings and suppressed findings.
 * @throws Error (an internal error) when a rule reports an unknown message id or a fix without being
 *   `fixable`: a bug in that rule.
 */
export function runLint(
  input: LintInput,
  config: LintConfig = EMPTY_LINT_CONFIG,
  registry: Readonly<Record<string, Rule>> = registeredRules,
): LintRunResult {
  const disabled = new Set(
    Object.entries(config.severities)
      .filter(([, setting]) => setting === 'off')
      .map(([id]) => id),
  );
  const objects = annotatedObjects(input.repo, input.unlisted);
  const index = new ObjectIndex(objects);
  const directives = collectSuppressions(objects, input.locator, disabled);
  const byObject = new Map(directives.map((d) => [d.object, d]));
  const used = new Map<SuppressionDirective, Set<string>>(directives.map((d) => [d, new Set<string>()]));

  const known = new Set([...Object.keys(registeredRules), ...Object.keys(registry)]);
  const active = Object.values(registry).filter((r) => !disabled.has(r.id));
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const rule of active.filter((r) => r.phase === 'main')) {
    for (const f of runRule(rule, input, config, directives, known)) {
      const owner = index.ownerOf(f.source);
      const directive = owner ? byObject.get(owner) : undefined;
      if (directive && suppresses(directive, f.ruleId)) {
        used.get(directive)?.add(f.ruleId);
        suppressed.push(f);
      } else findings.push(f);
    }
  }
  const withUsage = directives.map((d) => ({ ...d, used: used.get(d) ?? new Set<string>() }));
  for (const rule of active.filter((r) => r.phase === 'suppressions')) {
    findings.push(...runRule(rule, input, config, withUsage, known));
  }
  return {
    findings: sortFindings(dedupe(findings)).map(boundDiagnostic),
    suppressed: sortFindings(suppressed).map(boundDiagnostic),
  };
}

function runRule(
  rule: Rule,
  input: LintInput,
  config: LintConfig,
  suppressions: readonly SuppressionDirective[],
  knownRuleIds: ReadonlySet<string>,
): Finding[] {
  const out: Finding[] = [];
  const setting = config.severities[rule.id];
  const base: Severity = setting === undefined || setting === 'off' ? rule.severity : setting;
  const ctx: RuleContext<string, object> = {
    ...input,
    config: { ...rule.options, ...(config.options[rule.id] ?? {}) },
    suppressions,
    knownRuleIds,
    report(r: RuleReport<string>) {
      const template = rule.messages[r.messageId];
      invariant(template !== undefined, `rule ${rule.id} reported unknown message id "${r.messageId}"`);
      invariant(
        r.fix === undefined || rule.fixable === true,
        `rule ${rule.id} returned a fix but is not fixable`,
      );
      const hintTemplate = rule.hints?.[r.messageId];
      const hint = r.hint ?? (hintTemplate !== undefined ? formatMessage(hintTemplate, r.data) : undefined);
      const severity = r.severity !== undefined && RANK[r.severity] < RANK[base] ? r.severity : base;
      out.push({
        ruleId: rule.id,
        messageId: r.messageId,
        severity,
        message: formatMessage(template, r.data),
        source: r.at,
        ...(hint !== undefined ? { hint } : {}),
        ...(r.fix !== undefined ? { fix: r.fix } : {}),
      });
    },
  };
  rule.check(ctx);
  return out;
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\u0000${f.source.file}\u0000${f.source.line}\u0000${f.source.column}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Sorts findings by file, line, column, then rule id (stable for equal keys).
 * @param findings - The findings.
 * @returns A sorted copy.
 */
export function sortFindings<T extends Pick<Finding, 'source' | 'ruleId'>>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      compare(a.source.file, b.source.file) ||
      a.source.line - b.source.line ||
      a.source.column - b.source.column ||
      compare(a.ruleId, b.ruleId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
