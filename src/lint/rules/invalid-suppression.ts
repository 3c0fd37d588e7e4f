import type { AnnotatedObject } from '../define-rule.js';
import { defineRule } from '../define-rule.js';
import { closeMatches } from '../policy-walk.js';
import { IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION } from '../suppress.js';

/**
 * A `netpol.dev/ignore` annotation that cannot work as written: no `netpol.dev/ignore-reason` (a
 * suppression without a reason suppresses nothing), no rule named, an unknown rule id, or a reason with no
 * `netpol.dev/ignore` beside it. Runs after the other rules; its findings cannot be suppressed.
 */
export default defineRule({
  id: 'invalid-suppression',
  severity: 'error',
  description:
    'A netpol.dev/ignore suppression has no reason, names no rule or an unknown rule, or a reason stands alone.',
  messages: {
    noReason:
      'The suppression of {{rules}} on {{object}} has no {{reasonKey}} annotation, so it suppresses nothing.',
    noRules: 'The {{ignoreKey}} annotation on {{object}} names no rule.',
    unknownRule:
      'The {{ignoreKey}} annotation on {{object}} names "{{rule}}", which is not a netpol lint rule.',
    unknownRuleSuggestion:
      'The {{ignoreKey}} annotation on {{object}} names "{{rule}}", which is not a netpol lint rule; did you mean "{{suggestion}}"?',
    reasonOnly: '{{object}} has a {{reasonKey}} annotation but no {{ignoreKey}} annotation.',
  },
  hints: {
    noReason: 'Add {{reasonKey}}: "<why this object is an exception>" next to {{ignoreKey}}.',
    noRules: 'List the rule ids to suppress, comma-separated, or remove the annotation.',
    unknownRule: "Use the rule ids of docs/rules/ (netpol lint -o json shows each finding's ruleId).",
    unknownRuleSuggestion: 'Write "{{suggestion}}".',
    reasonOnly: 'Add {{ignoreKey}}: "<rule-id>" or remove {{reasonKey}}.',
  },
  phase: 'suppressions',
  check(ctx) {
    const keys = { ignoreKey: IGNORE_ANNOTATION, reasonKey: IGNORE_REASON_ANNOTATION };
    for (const d of ctx.suppressions) {
      const object = objectText(d.object);
      if (d.reasonOnly) {
        ctx.report({ at: d.reasonSource ?? d.source, messageId: 'reasonOnly', data: { ...keys, object } });
        continue;
      }
      if (d.ruleIds.length === 0) {
        ctx.report({ at: d.source, messageId: 'noRules', data: { ...keys, object } });
        continue;
      }
      for (const rule of d.ruleIds) {
        if (ctx.knownRuleIds.has(rule)) continue;
        const suggestion = closeMatches(rule, ctx.knownRuleIds)[0];
        ctx.report(
          suggestion === undefined
            ? { at: d.source, messageId: 'unknownRule', data: { ...keys, object, rule } }
            : {
                at: d.source,
                messageId: 'unknownRuleSuggestion',
                data: { ...keys, object, rule, suggestion },
              },
        );
      }
      if (d.reason === undefined) {
        ctx.report({
          at: d.source,
          messageId: 'noReason',
          data: { ...keys, object, rules: d.ruleIds.join(', ') },
        });
      }
    }
  },
});

function objectText(o: AnnotatedObject): string {
  return `${o.kind}/${o.namespace === '' ? '' : `${o.namespace}/`}${o.name}`;
}
