import { defineRule } from '../define-rule.js';
import { closeMatches, editableLabelPath, labelSource } from '../policy-walk.js';

/**
 * A namespace's profile label names a profile no clusterwide policy selects: its pods get none of the
 * profile's rules. Profiles are the catalogue's, read from the policies' endpoint selectors.
 */
export default defineRule({
  id: 'unknown-profile',
  severity: 'error',
  description:
    "A namespace's profile label names a profile that no profile policy selects, so it gets none of the profile's rules.",
  messages: {
    unknownProfile:
      'Namespace "{{namespace}}" has profile "{{value}}", but no profile policy selects {{label}}={{value}}; did you mean "{{suggestion}}"?',
    unknownProfileNoSuggestion:
      'Namespace "{{namespace}}" has profile "{{value}}", but no profile policy selects {{label}}={{value}}.',
  },
  hints: {
    unknownProfile:
      'Set {{label}}: {{suggestion}} (netpol lint --fix does it when only one profile is this close).',
    unknownProfileNoSuggestion: 'Use one of the profiles: {{profiles}}.',
  },
  fixable: true,
  check(ctx) {
    const { profileLabel: label, profiles } = ctx.catalog;
    if (label === null) return;
    const platform = new Set(ctx.catalog.platformNamespaces);
    const names = [...profiles.keys()].sort();
    for (const ns of ctx.repo.namespaces) {
      const value = ns.labels[label];
      if (value === undefined || profiles.has(value) || platform.has(ns.name)) continue;
      const close = closeMatches(value, names);
      const at = labelSource(ns, label, ctx.locator);
      const data = { namespace: ns.name, value, label, profiles: names.join(', ') || '(none)' };
      const suggestion = close[0];
      if (suggestion === undefined) {
        ctx.report({ at, messageId: 'unknownProfileNoSuggestion', data });
        continue;
      }
      const path = close.length === 1 ? editableLabelPath(ns, label, ctx.locator) : undefined;
      ctx.report({
        at,
        messageId: 'unknownProfile',
        data: { ...data, suggestion },
        ...(path
          ? {
              fix: {
                kind: 'yaml' as const,
                file: ns.source.file,
                edits: [{ documentIndex: ns.documentIndex, path, value: suggestion }],
              },
            }
          : {}),
      });
    }
  },
});
