import type { Diagnostic, Severity, SourceRef } from '../errors.js';
import { CONFIG_FILE } from '../repo/config.js';
import { sourceAt, type YamlDocument, type YamlPath } from '../repo/documents.js';
import { closest } from '../repo/values.js';
import type { Rule } from './define-rule.js';

/** A rule's setting in `lint.rules`: a severity, or `off`. */
export type RuleSetting = Severity | 'off';

/**
 * The `lint:` section of `netpol.config.yaml`, checked:
 * ```yaml
 * lint:
 *   cidrAllowList: [169.254.0.0/16]   # CIDRs hardcoded-ip accepts (alias of hardcoded-ip.allowList)
 *   rules:                            # severity per rule, or off
 *     missing-profile: off
 *     any-port: warning
 *   platform-required-rules:          # a rule's options, by rule id
 *     probePort: 8080
 * ```
 */
export interface LintConfig {
  /** Severity overrides by rule id. Default: none (each rule's own severity). */
  readonly severities: Readonly<Record<string, RuleSetting>>;
  /** Option overrides by rule id, merged over the rule's defaults. Default: none. */
  readonly options: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The configuration used when `netpol.config.yaml` has no `lint:` section. */
export const EMPTY_LINT_CONFIG: LintConfig = Object.freeze({ severities: {}, options: {} });

/** Lint-wide keys that set a rule's option: key → [rule id, option]. */
const ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  cidrAllowList: ['hardcoded-ip', 'allowList'],
};

const SETTINGS: readonly RuleSetting[] = ['off', 'info', 'warning', 'error'];

/** What {@link readLintConfig} returns. */
export interface LintConfigResult {
  readonly config: LintConfig;
  /** `CONFIG_INVALID` findings: errors for bad values (they are ignored), warnings for unknown keys. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads and checks the `lint:` section of `netpol.config.yaml`. Rule ids must name a registered rule,
 * severities must be `off`, `info`, `warning` or `error`, and an option must exist in the rule's
 * defaults, have the default's type and pass the rule's own check. A bad entry is a `CONFIG_INVALID`
 * error at its position and is ignored (the default applies); an unknown key is a warning.
 * @param section - `repo.config.lint` (the parsed section), or undefined.
 * @param registry - The rules by id.
 * @param doc - The parsed `netpol.config.yaml` document, for positions. Default: positions are 1:1.
 * @returns The configuration and its diagnostics. Never throws.
 */
export function readLintConfig(
  section: unknown,
  registry: Readonly<Record<string, Rule>>,
  doc?: YamlDocument,
): LintConfigResult {
  const diagnostics: Diagnostic[] = [];
  const severities: Record<string, RuleSetting> = {};
  const options: Record<string, Record<string, unknown>> = {};
  const at = (path: YamlPath, key = false): SourceRef =>
    doc
      ? sourceAt(doc, ['lint', ...path], key ? { key: true } : {})
      : { file: CONFIG_FILE, line: 1, column: 1 };
  const problem = (
    path: YamlPath,
    message: string,
    severity: 'error' | 'warning',
    hint: string,
    key = false,
  ) =>
    diagnostics.push({
      code: 'CONFIG_INVALID',
      severity,
      message,
      source: at(path, key),
      path: ['lint', ...path],
      hint,
    });
  if (section === undefined || section === null) return { config: EMPTY_LINT_CONFIG, diagnostics };
  if (!isRecord(section)) {
    problem([], `lint must be a mapping, not ${typeName(section)}.`, 'error', LINT_HINT);
    return { config: EMPTY_LINT_CONFIG, diagnostics };
  }
  const ruleIds = Object.keys(registry);
  const setOption = (ruleId: string, name: string, value: unknown, path: YamlPath): void => {
    const rule = registry[ruleId];
    if (!rule) return;
    const defaults = rule.options as Readonly<Record<string, unknown>>;
    if (!(name in defaults)) {
      const near = closest(name, Object.keys(defaults));
      problem(
        path,
        `Rule "${ruleId}" has no option "${name}"; it is ignored.`,
        'warning',
        near ? `Did you mean "${near}"?` : optionsHint(ruleId, defaults),
        true,
      );
      return;
    }
    const typeProblem = checkType(value, defaults[name]);
    const checks = rule.optionChecks as Readonly<Record<string, (v: unknown) => string | null>> | undefined;
    const valueProblem = typeProblem ?? checks?.[name]?.(value) ?? null;
    if (valueProblem !== null) {
      problem(
        path,
        `Option "${name}" of rule "${ruleId}": ${valueProblem}; the default is used.`,
        'error',
        `See docs/rules/${ruleId}.md for its options.`,
      );
      return;
    }
    options[ruleId] = { ...(options[ruleId] ?? {}), [name]: value };
  };

  for (const [key, value] of Object.entries(section)) {
    const alias = ALIASES[key];
    if (alias) {
      setOption(alias[0], alias[1], value, [key]);
      continue;
    }
    if (key === 'rules') {
      if (value === null || value === undefined) continue;
      if (!isRecord(value)) {
        problem(
          ['rules'],
          `lint.rules must be a mapping of rule id to severity, not ${typeName(value)}.`,
          'error',
          LINT_HINT,
        );
        continue;
      }
      for (const [id, setting] of Object.entries(value)) {
        if (!registry[id]) {
          const near = closest(id, ruleIds);
          problem(
            ['rules', id],
            `Unknown rule "${id}" in lint.rules; it is ignored.`,
            'warning',
            near
              ? `Did you mean "${near}"?`
              : 'Run `netpol lint --help` or see docs/rules/ for the rule ids.',
            true,
          );
          continue;
        }
        if (typeof setting === 'string' && (SETTINGS as readonly string[]).includes(setting)) {
          severities[id] = setting as RuleSetting;
          continue;
        }
        const near =
          typeof setting === 'string'
            ? (SETTINGS.find((s) => setting !== '' && s.startsWith(setting.toLowerCase())) ??
              closest(setting, SETTINGS))
            : undefined;
        problem(
          ['rules', id],
          `The setting ${show(setting)} of rule "${id}" is not one of off, info, warning, error; the rule's default applies.`,
          'error',
          near ? `Did you mean "${near}"?` : 'Write off, info, warning or error.',
        );
      }
      continue;
    }
    if (registry[key]) {
      if (value === null || value === undefined) continue;
      if (!isRecord(value)) {
        problem(
          [key],
          `The options of rule "${key}" must be a mapping, not ${typeName(value)}.`,
          'error',
          LINT_HINT,
        );
        continue;
      }
      for (const [name, v] of Object.entries(value)) setOption(key, name, v, [key, name]);
      continue;
    }
    const near = closest(key, [...Object.keys(ALIASES), 'rules', ...ruleIds]);
    problem(
      [key],
      `Unknown lint setting "${key}"; it is ignored.`,
      'warning',
      near ? `Did you mean "${near}"?` : LINT_HINT,
      true,
    );
  }
  return { config: { severities, options }, diagnostics };
}

const LINT_HINT = 'See "Configuration" in docs/commands/lint.md.';

function optionsHint(ruleId: string, defaults: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(defaults);
  return names.length === 0
    ? `Rule "${ruleId}" takes no options.`
    : `Rule "${ruleId}" takes: ${names.join(', ')}.`;
}

/** A type problem ("must be a list of strings, not a number") or null, judged against the default value. */
function checkType(value: unknown, def: unknown): string | null {
  if (Array.isArray(def)) {
    if (!Array.isArray(value)) return `it must be a list, not ${typeName(value)}`;
    const element = def.length > 0 ? typeof def[0] : 'string';
    const bad = value.find((v) => typeof v !== element);
    return bad === undefined ? null : `it must be a list of ${element}s, not one holding ${typeName(bad)}`;
  }
  if (isRecord(def)) return isRecord(value) ? null : `it must be a mapping, not ${typeName(value)}`;
  if (typeof value !== typeof def) return `it must be a ${typeof def}, not ${typeName(value)}`;
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value === 'string' ? 'the string' : `the ${typeof value}`} ${show(value)}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}
