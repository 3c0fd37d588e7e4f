import { stringify } from 'yaml';
import { formatSource } from '../../errors.js';
import type { RenderResult } from '../../workflows/analysis/render.js';

/**
 * One multi-document YAML stream: each object preceded by `# source: file:line` (where it starts).
 * @param result - The rendered repository.
 * @returns The stream (empty when there is no object).
 */
export function formatRenderYaml(result: RenderResult): string {
  return result.objects
    .map(
      (o) =>
        `# source: ${formatSource(o.source).replace(/:\d+$/, '')}\n${stringify(o.value, { lineWidth: 0 })}`,
    )
    .join('---\n');
}

/**
 * The unseen sources, one per line (`kind/namespace/name  reason  → namespaces  file:line`).
 * @param result - The rendered repository.
 * @returns The lines.
 */
export function formatUnseen(result: RenderResult): string {
  return result.unseen
    .map(
      (u) =>
        `unseen  ${u.kind}/${u.namespace}/${u.name}  ${u.reason}  → ${u.namespaces.join(',')}  ${formatSource(u.source)}\n`,
    )
    .join('');
}
