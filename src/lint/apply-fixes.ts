import { Document, isScalar, isSeq, type Node, parseAllDocuments, type Scalar } from 'yaml';
import { NetpolError } from '../errors.js';
import { applyYamlEdits } from '../repo/edit.js';
import type { LintFix } from './define-rule.js';

/** What {@link applyFixes} did. */
export interface AppliedFixes {
  /** Changed files (as named in the fixes) with their text before and after, in first-change order. */
  readonly files: ReadonlyMap<string, { readonly before: string; readonly after: string }>;
  /** For each fix, in input order, whether it was applied (an identical earlier fix counts). */
  readonly applied: readonly boolean[];
}

/**
 * Applies fixes to file texts in memory, in order: YAML edits through `repo/edit.ts` (comments, key order,
 * quoting and other documents kept), kustomization entries appended to `resources` as a new line in the
 * list's own style. A fix whose file cannot be read or whose document cannot be edited safely (YAML syntax
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
        fix.kind === 'yaml' ? applyYamlEdits(before, fix.edits).text : appendResource(before, fix.resource);
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

/**
 * Appends an entry to the `resources` list of a kustomization text. A block list gets a new line after its
 * last item, indented like its items; a missing list is added as a new key; other shapes go through the
 * `yaml` Document API. An entry already listed (with or without `./`) leaves the text unchanged.
 * @param text - The kustomization's text.
 * @param resource - The entry, relative to the kustomization's folder.
 * @returns The new text.
 * @throws NetpolError `NETPOL_WRITE_FAILED` when the kustomization has YAML syntax errors or is not a
 *   mapping; `NETPOL_BAD_ARGUMENT` when `resources` is not a list.
 */
export function appendResource(text: string, resource: string): string {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc || doc.errors.length > 0 || doc.contents === null || !('items' in doc.contents)) {
    throw new NetpolError(
      'NETPOL_WRITE_FAILED',
      'The kustomization cannot be parsed as a YAML mapping, so it cannot be edited safely.',
      'Fix its YAML syntax first.',
    );
  }
  const list = doc.get('resources', true) as Node | undefined;
  if (list === undefined || (isScalar(list) && (list as Scalar).value === null)) {
    return applyYamlEdits(text, [{ documentIndex: 0, path: ['resources'], value: [resource] }]).text;
  }
  if (!isSeq(list)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      'The kustomization resources field is not a list.',
      'Make resources a list of paths.',
    );
  }
  const norm = (s: unknown) => String(s).replace(/^\.\//, '').replace(/\/$/, '');
  if (list.items.some((i) => isScalar(i) && norm(i.value) === norm(resource))) return text;
  const first = list.items[0] as Node | undefined;
  const last = list.items[list.items.length - 1] as Node | undefined;
  if (!list.flow && first?.range && last?.range) {
    const firstStart = first.range[0];
    const lineStart = text.lastIndexOf('\n', firstStart - 1) + 1;
    const prefix = text.slice(lineStart, firstStart);
    if (/^[ \t]*-[ \t]+$/.test(prefix)) {
      const end = last.range[1];
      const nl = text.indexOf('\n', end);
      const at = nl === -1 ? text.length : nl + 1;
      const rendered = new Document(resource, { version: '1.1' })
        .toString({ lineWidth: 0 })
        .replace(/\n$/, '');
      const lead = nl === -1 ? '\n' : '';
      return `${text.slice(0, at)}${lead}${prefix}${rendered}\n${text.slice(at)}`;
    }
  }
  return applyYamlEdits(text, [{ documentIndex: 0, path: ['resources', list.items.length], value: resource }])
    .text;
}
