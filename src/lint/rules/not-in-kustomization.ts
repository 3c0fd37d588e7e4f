import { defineRule } from '../define-rule.js';

/** The kinds netpol analyses: a file holding one of them that nothing applies changes the verdicts. */
const ANALYSED_KINDS: ReadonlySet<string> = new Set([
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'NetworkPolicy',
  'CiliumCIDRGroup',
  'Namespace',
]);

/**
 * A manifest under a kustomization tree that no kustomization lists (resources, components, patches,
 * generator inputs …): kustomize and Flux never apply it. The workflow finds these files
 * (`findUnlistedManifests`, keeping files with at least one Kubernetes object); the fix appends the file
 * to the nearest kustomization's `resources`. Not reported: a file that a commented-out entry of a
 * kustomization names, itself or a folder above it (`# - ./app`: disabled on purpose, and the fix would
 * switch it back on), and, unless `kinds: all`, a file holding none of the kinds netpol analyses
 * (policies, CIDR groups, Namespaces): a forgotten HelmRelease or a one-off Backup is not a network-policy
 * question, and adding it to a kustomization deploys it (docs/real-repos.md).
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/resource/
 */
export default defineRule({
  id: 'not-in-kustomization',
  severity: 'error',
  description:
    'A manifest sits under a kustomization tree but no kustomization.yaml lists it, so it is never applied.',
  messages: {
    unlisted:
      '{{file}} holds {{objects}} but no kustomization lists it, so it is never applied ({{kustomization}} is the nearest kustomization).',
  },
  hints: {
    unlisted:
      'Add "{{resource}}" to resources in {{kustomization}} (netpol lint --fix does it), or move the file out of the tree.',
  },
  fixable: true,
  options: {
    /** `policies`: files holding policies, CIDR groups or Namespaces; `all`: any Kubernetes object. */
    kinds: 'policies' as 'policies' | 'all',
  },
  optionChecks: {
    kinds: (value) => (value === 'policies' || value === 'all' ? null : `"${value}" is not policies or all`),
  },
  check(ctx) {
    for (const u of ctx.unlisted) {
      const first = u.objects[0];
      if (!first || u.disabledBy) continue;
      if (ctx.config.kinds === 'policies' && !u.objects.some((o) => ANALYSED_KINDS.has(o.kind))) continue;
      const names = u.objects.map((o) => `${o.kind}/${o.namespace === '' ? '' : `${o.namespace}/`}${o.name}`);
      ctx.report({
        at: first.source,
        messageId: 'unlisted',
        data: {
          file: u.file,
          objects:
            names.length > 3
              ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
              : names.join(', '),
          kustomization: u.kustomization,
          resource: u.resource,
        },
        fix: { kind: 'kustomization-resource', kustomization: u.kustomization, resource: u.resource },
      });
    }
  },
});
