import type { YamlEdit } from '../../repo/edit.js';
import { defineRule } from '../define-rule.js';
import { IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION } from '../suppress.js';

/**
 * A suppression that suppressed nothing (ESLint's unused-disable-directives): a rule named in a valid
 * `netpol.dev/ignore` (one with a reason) that reported nothing on the object. Rules turned off in the
 * configuration and unknown ids are not reported here. The fix removes the unused ids, or both
 * annotations when none is left.
 */
export default defineRule({
  id: 'unused-suppression',
  severity: 'warning',
  description: 'A netpol.dev/ignore suppression names a rule that reports nothing on that object.',
  messages: {
    unused: 'The suppression of {{rules}} on {{object}} is unused: {{count}} reported nothing here.',
  },
  hints: {
    unused: 'Remove {{rules}} from {{ignoreKey}} (netpol lint --fix does it).',
  },
  fixable: true,
  phase: 'suppressions',
  check(ctx) {
    for (const d of ctx.suppressions) {
      if (d.reason === undefined || d.reasonOnly) continue;
      const unused = d.ruleIds.filter(
        (id) => ctx.knownRuleIds.has(id) && !d.used.has(id) && !d.disabled.has(id),
      );
      if (unused.length === 0) continue;
      const remaining = d.ruleIds.filter((id) => !unused.includes(id));
      const ignorePath = ['metadata', 'annotations', IGNORE_ANNOTATION];
      const reasonPath = ['metadata', 'annotations', IGNORE_REASON_ANNOTATION];
      const o = d.object;
      const edits: YamlEdit[] | undefined = !ctx.locator.locate(o, ignorePath)
        ? undefined
        : remaining.length > 0
          ? [{ documentIndex: o.documentIndex, path: ignorePath, value: remaining.join(',') }]
          : [
              { documentIndex: o.documentIndex, path: ignorePath, delete: true },
              ...(ctx.locator.locate(o, reasonPath)
                ? [{ documentIndex: o.documentIndex, path: reasonPath, delete: true as const }]
                : []),
            ];
      ctx.report({
        at: d.source,
        messageId: 'unused',
        data: {
          rules: unused.map((id) => `"${id}"`).join(', '),
          object: `${o.kind}/${o.namespace === '' ? '' : `${o.namespace}/`}${o.name}`,
          count: unused.length === 1 ? 'it' : 'they',
          ignoreKey: IGNORE_ANNOTATION,
        },
        ...(edits ? { fix: { kind: 'yaml' as const, file: o.source.file, edits } } : {}),
      });
    }
  },
});
