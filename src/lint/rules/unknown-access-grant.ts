import { defineRule } from '../define-rule.js';
import { closeMatches, editableLabelPath, labelSource } from '../policy-walk.js';

/**
 * An `access.<domain>/<name>` namespace label that no access policy selects, or whose value is not
 * `"true"` (access policies select the value `"true"` only).
 */
export default defineRule({
  id: 'unknown-access-grant',
  severity: 'error',
  description: 'An access-grant label names a grant no access policy uses, or has a value other than "true".',
  messages: {
    unknownGrant:
      'Namespace "{{namespace}}" carries {{key}}, but no access policy uses the access grant "{{grant}}"; did you mean "{{suggestion}}"?',
    unknownGrantNoSuggestion:
      'Namespace "{{namespace}}" carries {{key}}, but no access policy uses the access grant "{{grant}}".',
    notTrue:
      'Namespace "{{namespace}}" sets {{key}} to "{{value}}"; access policies select the value "true" only, so the grant does nothing.',
  },
  hints: {
    unknownGrant: 'Rename the label to {{prefix}}{{suggestion}}.',
    unknownGrantNoSuggestion:
      'Use one of the access grants: {{grants}}, or add an access policy for "{{grant}}".',
    notTrue: 'Set {{key}}: "true", or remove the label.',
  },
  fixable: true,
  check(ctx) {
    const prefix = ctx.catalog.accessPrefix;
    if (prefix === null) return;
    const grants = [...ctx.catalog.accessGrants.keys()].sort();
    for (const ns of ctx.repo.namespaces) {
      for (const [key, value] of Object.entries(ns.labels)) {
        if (!key.startsWith(prefix)) continue;
        const grant = key.slice(prefix.length);
        const data = { namespace: ns.name, key, grant, value, prefix, grants: grants.join(', ') || '(none)' };
        if (!ctx.catalog.accessGrants.has(grant)) {
          const at = labelSource(ns, key, ctx.locator);
          const suggestion = closeMatches(grant, grants)[0];
          ctx.report(
            suggestion === undefined
              ? { at, messageId: 'unknownGrantNoSuggestion', data }
              : { at, messageId: 'unknownGrant', data: { ...data, suggestion } },
          );
          continue;
        }
        if (value === 'true') continue;
        const path = value.toLowerCase() === 'true' ? editableLabelPath(ns, key, ctx.locator) : undefined;
        ctx.report({
          at: labelSource(ns, key, ctx.locator),
          messageId: 'notTrue',
          data,
          ...(path
            ? {
                fix: {
                  kind: 'yaml' as const,
                  file: ns.source.file,
                  edits: [{ documentIndex: ns.documentIndex, path, value: 'true' }],
                },
              }
            : {}),
        });
      }
    }
  },
});
