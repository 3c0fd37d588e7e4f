import { isScalar, isSeq, type Node, parseAllDocuments } from 'yaml';
import { NetpolError } from '../../errors.js';
import { applyYamlEdits } from '../../repo/edit.js';
import { type RenderValue, sequenceItemText, toPlain } from './render-yaml.js';

/**
 * Appends an item to a list in one document of a YAML file, keeping every other byte. When the list is a
 * non-empty block sequence, the item (with its comment) is written as new lines after the last item, at the
 * same indentation; when the key is missing, it is added (through `applyYamlEdits`, which keeps comments
 * and key order) as a one-item list; a flow or empty list goes through `applyYamlEdits` as well.
 * @param text - The file text.
 * @param documentIndex - The document, counted as `parseAllDocuments` does.
 * @param path - Path of the list, e.g. `['spec', 'ingress']` or `['resources']`.
 * @param item - The new item; a `Commented` item keeps its comment when written as text.
 * @returns The new text.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the document does not exist or the path holds something
 *   other than a list; `NETPOL_WRITE_FAILED` when the document has YAML syntax errors.
 */
export function appendToYamlList(
  text: string,
  documentIndex: number,
  path: readonly (string | number)[],
  item: RenderValue,
): string {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[documentIndex];
  if (!doc) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `The file has no YAML document number ${documentIndex} (it has ${list.length}).`,
      'Reload the repository; the file changed since it was read.',
    );
  }
  if (doc.errors.length > 0) {
    throw new NetpolError(
      'NETPOL_WRITE_FAILED',
      `YAML document ${documentIndex} has syntax errors, so it cannot be edited safely.`,
      'Fix the YAML syntax first.',
    );
  }
  const node = doc.getIn(path, true) as Node | undefined | null;
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) {
    return applyYamlEdits(text, [{ documentIndex, path, value: [toPlain(item)] }]).text;
  }
  if (!isSeq(node)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `${path.join('.')} is not a list in YAML document ${documentIndex}.`,
      'Fix the manifest so that it holds a list there.',
    );
  }
  const last = node.items[node.items.length - 1] as Node | undefined;
  if (!node.flow && last?.range) {
    const lastStart = last.range[0];
    const lineStart = text.lastIndexOf('\n', lastStart - 1) + 1;
    const dash = /^( *)- /.exec(text.slice(lineStart, lastStart + 1));
    if (dash && lineStart + (dash[1]?.length ?? 0) + 2 <= lastStart) {
      const end = last.range[1];
      const nl = text.indexOf('\n', end > 0 && text[end - 1] === '\n' ? end - 1 : end);
      const at = nl === -1 ? text.length : nl + 1;
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const prefix = nl === -1 ? `${text}${eol}` : text.slice(0, at);
      const lines = sequenceItemText(item, dash[1]?.length ?? 0).replaceAll('\n', eol);
      return prefix + lines + text.slice(at);
    }
  }
  return applyYamlEdits(text, [{ documentIndex, path: [...path, node.items.length], value: toPlain(item) }])
    .text;
}
