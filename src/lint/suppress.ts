import type { SourceRef } from '../errors.js';
import type { Repo } from '../repo/model.js';
import type {
  AnnotatedObject,
  SourceLocator,
  SuppressionDirective,
  UnlistedManifestInfo,
} from './define-rule.js';

/** The annotation that suppresses findings on an object: `netpol.dev/ignore: "rule-a,rule-b"`. */
export const IGNORE_ANNOTATION = 'netpol.dev/ignore';
/** The annotation that must give the reason of a suppression. */
export const IGNORE_REASON_ANNOTATION = 'netpol.dev/ignore-reason';

/**
 * Every object of the repository that can carry a suppression annotation (Namespaces, policies,
 * workloads), plus the objects of unlisted manifests, in no particular order.
 * @param repo - The loaded repository.
 * @param unlisted - Unlisted manifests and their objects.
 * @returns The objects.
 */
export function annotatedObjects(
  repo: Pick<Repo, 'namespaces' | 'policies' | 'workloads'>,
  unlisted: readonly UnlistedManifestInfo[],
): AnnotatedObject[] {
  return [...repo.namespaces, ...repo.policies, ...repo.workloads, ...unlisted.flatMap((u) => u.objects)];
}

/**
 * Reads the suppression annotations of objects: `netpol.dev/ignore` is a comma-separated list of rule
 * ids, `netpol.dev/ignore-reason` the reason (required; a directive without one suppresses nothing).
 * Objects with only a reason give a directive with `reasonOnly` set, so it can be reported.
 * @param objects - The objects.
 * @param locator - Finds the annotations' positions.
 * @param disabled - Rule ids turned off in the configuration.
 * @returns One directive per object that has either annotation.
 */
export function collectSuppressions(
  objects: readonly AnnotatedObject[],
  locator: SourceLocator,
  disabled: ReadonlySet<string>,
): SuppressionDirective[] {
  const out: SuppressionDirective[] = [];
  for (const object of objects) {
    const list = object.annotations[IGNORE_ANNOTATION];
    const rawReason = object.annotations[IGNORE_REASON_ANNOTATION];
    if (list === undefined && rawReason === undefined) continue;
    const ruleIds = (list ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const reason = rawReason?.trim() === '' ? undefined : rawReason?.trim();
    const at = (key: string) =>
      locator.locate(object, ['metadata', 'annotations', key], { key: true }) ?? object.source;
    out.push({
      object,
      ruleIds,
      reason,
      source: list !== undefined ? at(IGNORE_ANNOTATION) : at(IGNORE_REASON_ANNOTATION),
      reasonSource: rawReason !== undefined ? at(IGNORE_REASON_ANNOTATION) : undefined,
      reasonOnly: list === undefined,
      used: new Set(),
      disabled: new Set(ruleIds.filter((id) => disabled.has(id))),
    });
  }
  return out;
}

/**
 * Maps a position to the object whose document holds it: within a file, the object that starts last
 * at or before the position's line. Built once per lint run (objects sorted per file), O(log n) per lookup.
 */
export class ObjectIndex {
  readonly #byFile = new Map<string, AnnotatedObject[]>();

  /** @param objects - Every object that may own a finding. */
  constructor(objects: readonly AnnotatedObject[]) {
    for (const o of objects) {
      let list = this.#byFile.get(o.source.file);
      if (!list) {
        list = [];
        this.#byFile.set(o.source.file, list);
      }
      list.push(o);
    }
    for (const list of this.#byFile.values()) list.sort((a, b) => a.source.line - b.source.line);
  }

  /**
   * The object owning a position.
   * @param at - A finding's position.
   * @returns The object, or undefined when the position precedes every object of its file.
   */
  ownerOf(at: SourceRef): AnnotatedObject | undefined {
    const list = this.#byFile.get(at.file);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let found: AnnotatedObject | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = list[mid] as AnnotatedObject;
      if (o.source.line <= at.line) {
        found = o;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/**
 * Whether a directive suppresses findings of a rule: it names the rule and gives a reason.
 * @param directive - The directive.
 * @param ruleId - The finding's rule.
 * @returns True when the finding is suppressed.
 */
export function suppresses(directive: SuppressionDirective, ruleId: string): boolean {
  return directive.reason !== undefined && directive.ruleIds.includes(ruleId);
}
