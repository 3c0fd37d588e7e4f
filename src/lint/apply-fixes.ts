import { NetpolError } from '../errors.js';
import { addKustomizationResource, applyYamlEdits } from '../repo/edit.js';
import type { LintFix } from './define-rule.js';

/** What {@link applyFixes} did. */
export interface AppliedFixes {
  /** Changed files (as named in the fixes) with their text before and after, in first-change order. */
  readonly files: ReadonlyMap<string, { readonly before: string; readonly after: string }>;
  /** For each fix, in input order, whether it was applied (an identical earlier fix counts). */
  readonly applied: readonly boolean[];
}

/**
 * Applies fixes to file texts in memory, in order, through `repo/edit.ts` (only the edited values' bytes
 * change: comments, key order, quoting, flow or block style, line endings and other documents are kept):
 * YAML edits, and kustomization entries appended to `resources` in the list's own style. A fix whose file cannot be read or whose document cannot be edited safely (YAML syntax
 * errors, a path that no longer exists) is skipped. Identical fixes are applied once.
 * @param fixes - The fixes.
 * @param read - Returns a file's current text, or undefined when it cannot be read.
 * @returns The changed texts and which fixes were applied. Never throws for bad input.
 */
export function applyFixes(
  fixes: readonly LintFix[],
  read: (file: string) => string | undefined,
): AppliedFixes {
  const files = new Map<string, { before: string; after: string }>();
  const done = new Set<string>();
  const applied = fixes.map((fix) => {
    const key = JSON.stringify(fix);
    if (done.has(key)) return true;
    const file = fix.kind === 'yaml' ? fix.file : fix.kustomization;
    const entry = files.get(file);
    const before = entry?.after ?? read(file);
    if (before === undefined) return false;
    let after: string;
    try {
      after =
        fix.kind === 'yaml'
          ? applyYamlEdits(before, fix.edits).text
          : addKustomizationResource(before, fix.resource);
    } catch (e) {
      if (e instanceof NetpolError) return false;
      throw e;
    }
    done.add(key);
    files.set(file, { before: entry?.before ?? before, after });
    return true;
  });
  for (const [file, { before, after }] of files) if (before === after) files.delete(file);
  return { files, applied };
}
