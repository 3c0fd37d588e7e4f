import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic, SourceRef } from '../errors.js';

/** Real path of a repository file, to tell a link and its target from two files. */
function realFile(root: string, file: string): string {
  try {
    return fs.realpathSync(path.resolve(root, file));
  } catch {
    return path.resolve(root, file);
  }
}

/**
 * The other definitions of an object that the loader ignored: its `DUPLICATE_OBJECT` warnings whose
 * `related` place is the definition it kept. A second name of the same file (a symbolic link to it, read
 * twice) is not another definition.
 * @param root - The repository root the sources are relative to.
 * @param kept - Where the kept definition starts (`ObjectMeta.source`).
 * @param diagnostics - The load's diagnostics.
 * @returns Where the ignored definitions start, in load order.
 */
export function otherDefinitions(
  root: string,
  kept: SourceRef,
  diagnostics: readonly Diagnostic[],
): SourceRef[] {
  const same = (a: SourceRef, b: SourceRef) =>
    a.file === b.file && a.line === b.line && a.column === b.column;
  const keptFile = realFile(root, kept.file);
  return diagnostics.flatMap((d) => {
    if (d.code !== 'DUPLICATE_OBJECT' || !d.source || !d.related?.some((r) => same(r, kept))) return [];
    const sameFile = realFile(root, d.source.file) === keptFile && d.source.line === kept.line;
    return sameFile ? [] : [d.source];
  });
}
