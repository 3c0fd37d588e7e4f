import type { Catalog } from '../catalog/derive-catalog.js';
import type { PolicyEngine } from '../engine/verdict.js';
import type { Diagnostic, Severity, SourceRef } from '../errors.js';
import type { YamlPath } from '../repo/documents.js';
import type { YamlEdit } from '../repo/edit.js';
import type { Labels, ObjectMeta, Repo } from '../repo/model.js';

/**
 * A change that resolves a finding, applied by `netpol lint --fix`: either YAML edits to one file (set or
 * delete a value at a path of one document, through `repo/edit.ts`, so comments, key order and the other
 * documents are kept), or a new entry in a kustomization's `resources` list.
 */
export type LintFix =
  | {
      readonly kind: 'yaml';
      /** The file, as in `SourceRef.file`. */
      readonly file: string;
      readonly edits: readonly YamlEdit[];
    }
  | {
      readonly kind: 'kustomization-resource';
      /** The kustomization file, relative to the repository root. */
      readonly kustomization: string;
      /** The entry to append to `resources`, relative to the kustomization's folder. */
      readonly resource: string;
    };

/** An object of the repository a suppression annotation can sit on. */
export interface AnnotatedObject {
  /** `Namespace`, `CiliumNetworkPolicy` … */
  readonly kind: string;
  readonly name: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly annotations: Labels;
  /** Where the object starts (its first key). */
  readonly source: SourceRef;
  readonly documentIndex: number;
}

/**
 * A manifest file that sits under a kustomization tree but that no kustomization lists (so it is never
 * applied), as the lint workflow found it. Only files holding at least one Kubernetes object
 * (`apiVersion` and `kind`) are listed.
 */
export interface UnlistedManifestInfo {
  /** POSIX path relative to the repository root. */
  readonly file: string;
  /** The nearest kustomization file that should list it. */
  readonly kustomization: string;
  /** The entry that kustomization would need (relative to its folder). */
  readonly resource: string;
  /** The file's objects (for positions and suppression annotations); at least one. */
  readonly objects: readonly AnnotatedObject[];
  /**
   * A kustomization that lists the file, or a folder above it, in a commented-out entry (`# - ./app`): the
   * author disabled it on purpose. Undefined when none does.
   */
  readonly disabledBy?: { readonly kustomization: string; readonly line: number };
}

/**
 * Finds YAML positions the model does not keep (a label key, an annotation): the node at `path` in the
 * document of `object`. Backed by file texts the lint workflow read before the rules ran.
 */
export interface SourceLocator {
  /**
   * @param object - The object whose document to search (its `source.file` and `documentIndex`).
   * @param path - Keys and indices from the document root, e.g. `['metadata', 'labels', 'team']`.
   * @param options - `key: true` points at the map key of the last element instead of its value.
   * @returns The position, or `undefined` when the file text is unknown or the path does not exist.
   */
  locate(
    object: Pick<ObjectMeta, 'source' | 'documentIndex'>,
    path: YamlPath,
    options?: { readonly key?: boolean },
  ): SourceRef | undefined;
}

/** A suppression annotation (`netpol.dev/ignore`) found on an object, as parsed by `suppress.ts`. */
export interface SuppressionDirective {
  readonly object: AnnotatedObject;
  /** Rule ids as written, in order (empty entries dropped). */
  readonly ruleIds: readonly string[];
  /** The `netpol.dev/ignore-reason` text, trimmed; `undefined` when absent or blank. */
  readonly reason: string | undefined;
  /** Position of the `netpol.dev/ignore` annotation (or of the object when unknown). */
  readonly source: SourceRef;
  /** Position of the `netpol.dev/ignore-reason` annotation, when present. */
  readonly reasonSource: SourceRef | undefined;
  /** True when `netpol.dev/ignore` is absent and only a reason was written. */
  readonly reasonOnly: boolean;
  /**
   * Rule ids of this directive that suppressed at least one finding. Only filled for rules of the
   * `suppressions` phase (they run after every other rule); empty before.
   */
  readonly used: ReadonlySet<string>;
  /** Rule ids of this directive that are turned off in `netpol.config.yaml` (cannot be used). */
  readonly disabled: ReadonlySet<string>;
}

/** Everything a rule may read besides its options: the loaded repository and the inputs the workflow prepared. */
export interface LintInput {
  readonly repo: Repo;
  readonly engine: PolicyEngine;
  readonly catalog: Catalog;
  /** The loader's diagnostics (for `invalid-manifest`). */
  readonly diagnostics: readonly Diagnostic[];
  /** Manifests no kustomization lists (for `not-in-kustomization`); empty for `-f` input. */
  readonly unlisted: readonly UnlistedManifestInfo[];
  readonly locator: SourceLocator;
}

/** Placeholder values of a message (`{{name}}` in `messages`). */
export type MessageData = Readonly<Record<string, string | number>>;

/** What a rule reports: where, which message, its data and an optional fix. */
export interface RuleReport<MessageId extends string> {
  readonly at: SourceRef;
  readonly messageId: MessageId;
  readonly data?: MessageData;
  /** A safe, local fix; only allowed when the rule is `fixable`. */
  readonly fix?: LintFix;
  /**
   * This finding's own severity (e.g. info for `${var}` placeholders, the loader's severity for
   * `invalid-manifest`). Default: the rule's severity. A rule turned `off` in the configuration stays off.
   */
  readonly severity?: Severity;
  /** Replaces the hint template of the message for this finding (already final text). */
  readonly hint?: string;
}

/** What `check` receives: the input, the rule's options with defaults applied, and `report`. */
export interface RuleContext<MessageId extends string, Options> extends LintInput {
  /** The rule's options: its defaults overridden by `netpol.config.yaml` `lint.<rule-id>`. */
  readonly config: Options;
  /** Suppression annotations of the repository (usage is known in the `suppressions` phase only). */
  readonly suppressions: readonly SuppressionDirective[];
  /** Ids of every rule of the registry being run (enabled or not). */
  readonly knownRuleIds: ReadonlySet<string>;
  report(report: RuleReport<MessageId>): void;
}

/** The fields a rule module passes to {@link defineRule}. */
export interface RuleDefinition<MessageId extends string, Options extends object> {
  /** The rule id: the file name, kebab-case, naming the problem. */
  readonly id: string;
  /** Default severity (SARIF `error`, `warning`, `note`). */
  readonly severity: Severity;
  /** One sentence: what the rule finds. */
  readonly description: string;
  /** Message templates by id, with `{{placeholders}}` filled from the report's `data`. */
  readonly messages: Readonly<Record<MessageId, string>>;
  /** One-line fix hints by message id, with the same placeholders. */
  readonly hints?: Readonly<Partial<Record<MessageId, string>>>;
  /** The options object with its defaults (never positional). Default: `{}`. */
  readonly options?: Options;
  /**
   * Checks of option values beyond their type (the type is checked against the default): return the
   * problem as a clause (`"x" is not a CIDR`), or null when the value is fine.
   */
  readonly optionChecks?: { readonly [K in keyof Options]?: (value: Options[K]) => string | null };
  /** Set when the rule may attach fixes. */
  readonly fixable?: true;
  /**
   * `suppressions`: the rule examines the suppression annotations and runs after every other rule, when
   * it is known which suppressions were used; its findings cannot be suppressed. Default: `main`.
   */
  readonly phase?: 'main' | 'suppressions';
  /** Reports findings through `ctx.report`. Never does I/O. */
  check(ctx: RuleContext<MessageId, Options>): void;
}

/** A rule as the registry holds it: its definition, frozen, with `docsUrl` and defaulted options. */
export interface Rule<MessageId extends string = string, Options extends object = object>
  extends RuleDefinition<MessageId, Options> {
  /** Path of the rule's documentation page in the netpol repository: `docs/rules/<id>.md`. */
  readonly docsUrl: string;
  readonly options: Options;
  readonly phase: 'main' | 'suppressions';
}

/**
 * Declares a lint rule (typescript-eslint's `RuleCreator` idea): message ids are typed from the keys
 * of `messages`, `docsUrl` is derived from the id, options default to `{}`, and the rule is frozen.
 * @param definition - The rule's fields.
 * @returns The frozen rule.
 * @example
 * export default defineRule({
 *   id: 'my-rule', severity: 'warning', description: 'Finds X.',
 *   messages: { found: 'X in {{name}}.' },
 *   check(ctx) { ctx.report({ at: ctx.repo.namespaces[0].source, messageId: 'found', data: { name: 'a' } }); },
 * });
 */
export function defineRule<const MessageId extends string, Options extends object = Record<string, never>>(
  definition: RuleDefinition<MessageId, Options>,
): Rule<MessageId, Options> {
  const options = deepFreeze(structuredClone(definition.options ?? ({} as Options)));
  return Object.freeze({
    ...definition,
    messages: Object.freeze({ ...definition.messages }),
    ...(definition.hints !== undefined ? { hints: Object.freeze({ ...definition.hints }) } : {}),
    options,
    phase: definition.phase ?? 'main',
    docsUrl: `docs/rules/${definition.id}.md`,
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Fills `{{name}}` placeholders of a message template.
 * @param template - The template.
 * @param data - Placeholder values.
 * @returns The text.
 * @throws Error (an internal error) when a placeholder has no value: a bug in the rule.
 */
export function formatMessage(template: string, data: MessageData = {}): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => {
    const v = data[name];
    if (v === undefined) throw new Error(`netpol internal error: message placeholder "${name}" has no value`);
    return String(v);
  });
}
