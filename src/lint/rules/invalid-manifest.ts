import { defineRule } from '../define-rule.js';
import { isManifestProblem, MANIFEST_PROBLEMS } from '../manifest-codes.js';

/**
 * Schema and value errors the loader found (unknown fields, bad entities, ports, CIDRs, selector
 * operators, YAML syntax, duplicates, missing kustomization resources, ResourceSet templates that fail), as lint findings with the
 * loader's code, message, hint and severity (errors and warnings; the loader's infos are left out).
 * See docs/diagnostics.md for every code.
 */
export default defineRule({
  id: 'invalid-manifest',
  severity: 'error',
  description:
    'A manifest has schema or value errors the loader reports: YAML syntax, unknown fields, bad entities, ports, CIDRs or operators.',
  messages: {
    syntax: '{{code}}: {{message}}',
    schema: '{{code}}: {{message}}',
    value: '{{code}}: {{message}}',
    duplicate: '{{code}}: {{message}}',
    kustomization: '{{code}}: {{message}}',
    template: '{{code}}: {{message}}',
  },
  hints: {
    syntax: 'Fix the YAML at this position (docs/diagnostics.md#{{anchor}}).',
    schema: 'Fix the manifest at this position (docs/diagnostics.md#{{anchor}}).',
    value: 'Fix the value at this position (docs/diagnostics.md#{{anchor}}).',
    duplicate: 'Keep one definition of the object.',
    kustomization: 'Fix the kustomization entry (docs/diagnostics.md#{{anchor}}).',
    template: 'Fix the ResourceSet template at this position (docs/diagnostics.md#{{anchor}}).',
  },
  check(ctx) {
    for (const d of ctx.diagnostics) {
      const messageId = MANIFEST_PROBLEMS[d.code];
      if (messageId === undefined || !isManifestProblem(d) || d.source === undefined) continue;
      ctx.report({
        at: d.source,
        messageId,
        data: { code: d.code, message: d.message, anchor: d.code.toLowerCase() },
        severity: d.severity,
        ...(d.hint !== undefined ? { hint: d.hint } : {}),
      });
    }
  },
});
