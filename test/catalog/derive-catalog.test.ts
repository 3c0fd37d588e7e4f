import { describe, expect, it } from 'vitest';
import { deriveCatalog, unusedCatalogDomain } from '../../src/catalog/derive-catalog.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { yaml } from '../helpers/use-repo.js';

const dnsEgress = yaml`
  egress:
    - toEndpoints:
        - matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns }
      toPorts: [{ ports: [{ port: "53", protocol: ANY }] }]
`;
const ccnp = (name: string, selector: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: { name: ${name} }\nspec:\n  endpointSelector: ${selector}\n${dnsEgress.replace(/^/gm, '  ')}`;

function catalogOf(files: Record<string, string>) {
  const { repo } = loadRepoFromText(files);
  return deriveCatalog(repo);
}

describe('deriveCatalog', () => {
  // A baseline selects every pod (docs/semantics.md §2.2: a CCNP endpointSelector is used as written;
  // §3.2: every pod carries the cluster label and its namespace label).
  it.each([
    { name: '{}', selector: '{}', baseline: true },
    {
      name: 'the cluster label',
      selector: '{ matchLabels: { io.cilium.k8s.policy.cluster: home } }',
      baseline: true,
    },
    {
      name: 'a NotIn exclusion of an opt-out label',
      selector: '{ matchExpressions: [{ key: dns/l7, operator: NotIn, values: ["true"] }] }',
      baseline: true,
    },
    {
      name: 'the namespace label Exists',
      selector: '{ matchExpressions: [{ key: io.kubernetes.pod.namespace, operator: Exists }] }',
      baseline: true,
    },
    { name: 'a pod label', selector: '{ matchLabels: { app: web } }', baseline: false },
  ])('a clusterwide DNS policy selecting $name is a baseline: $baseline', ({ selector, baseline }) => {
    const catalog = catalogOf({ 'dns.yaml': ccnp('dns', selector) });
    expect(catalog.baselines.map((b) => b.name)).toEqual(baseline ? ['dns'] : []);
    expect(catalog.dns?.peer ?? null).toEqual(
      baseline ? { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } } : null,
    );
  });

  it('derives platform namespaces from what marks them, whatever their labels', () => {
    const ns = (name: string, labels = '') =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${labels}`;
    const profileLabels = '  labels: { np.test/profile: web }\n';
    const catalog = catalogOf({
      'profile.yaml': ccnp(
        'profile-web',
        '{ matchLabels: { io.cilium.k8s.namespace.labels.np.test/profile: web } }',
      ),
      'ns.yaml': [
        ns('kube-system', profileLabels),
        ns('monitoring', profileLabels),
        ns('garage', profileLabels),
        ns('shop', profileLabels),
        ns('tools'),
        ns('blog'),
      ].join('---\n'),
      'platform/cnp.yaml': [
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: garage-default, namespace: garage }\nspec:\n  endpointSelector: {}\n',
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: monitoring-default, namespace: monitoring }\nspec:\n  endpointSelector: {}\n',
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: web, namespace: shop }\nspec:\n  endpointSelector: {}\n',
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: cli, namespace: tools }\nspec:\n  endpointSelector: {}\n',
      ].join('---\n'),
    });
    expect(catalog.platformNamespaces).toEqual(['kube-system', 'monitoring', 'garage', 'tools']);
    expect(catalog.applicationNamespaces).toEqual(['shop', 'blog']);
  });

  it("takes `<ns>-default` CNPs as a platform mark only in a folder of platform CNPs, not in an application's folder", () => {
    // docs/real-repos.md (ionfury/homelab): game-server namespaces with a profile and their own
    // `<ns>-default` CNP beside namespace.yaml; the platform CNPs live in a folder of their own.
    const catalog = catalogOf({
      'profile.yaml': ccnp(
        'profile-web',
        '{ matchLabels: { io.cilium.k8s.namespace.labels.np.test/profile: web } }',
      ),
      'apps/game/namespace.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: game\n  labels: { np.test/profile: web }\n',
      'apps/game/cnp.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: game-default, namespace: game }\nspec:\n  endpointSelector: {}\n',
      'apps/garage/namespace.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: garage\n  labels: { np.test/profile: web }\n',
      'platform/garage.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: garage-default, namespace: garage }\nspec:\n  endpointSelector: {}\n',
      'platform/cache.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: cache-default, namespace: cache }\nspec:\n  endpointSelector: {}\n',
      // An application whose Namespace lives in a prerequisites folder, its `<ns>-default` in its own.
      'apps/sso-prereqs/namespace.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sso\n  labels: { np.test/profile: web }\n',
      'apps/sso/cnp.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: sso-default, namespace: sso }\nspec:\n  endpointSelector: {}\n',
    });
    expect(catalog.platformNamespaces).toEqual(['garage']);
    expect(catalog.applicationNamespaces).toEqual(['game', 'sso']);
  });
});

describe('unusedCatalogDomain', () => {
  const ns = 'io.cilium.k8s.namespace.labels';
  // The check behind CONFIG_UNUSED_DOMAIN: the domain exactly when deriveCatalog files no profile, access
  // grant or escape hatch under it (its rules, src/catalog/derive-catalog.ts).
  it.each([
    {
      name: 'a profile',
      selector: `{ matchLabels: { ${ns}.d.io/profile: web } }`,
      domain: 'd.io',
      unused: null,
    },
    {
      name: 'a profile In no value (files nothing)',
      selector: `{ matchExpressions: [{ key: ${ns}.d.io/profile, operator: In, values: [] }] }`,
      domain: 'd.io',
      unused: 'd.io',
    },
    {
      name: 'an access grant',
      selector: `{ matchLabels: { ${ns}.access.d.io/pg: "true" } }`,
      domain: 'd.io',
      unused: null,
    },
    {
      name: 'the escape hatch',
      selector: `{ matchLabels: { ${ns}.d.io/enforcement: disabled } }`,
      domain: 'd.io',
      unused: null,
    },
    {
      name: 'a typo',
      selector: `{ matchLabels: { ${ns}.d.io/profile: web } }`,
      domain: 'd.oi',
      unused: 'd.oi',
    },
    { name: 'no domain, derived', selector: `{ matchLabels: { ${ns}.d.io/profile: web } }`, unused: null },
    { name: 'no domain at all', selector: '{}', unused: null },
  ])('$name', ({ selector, domain, unused }) => {
    const { repo } = loadRepoFromText({ 'p.yaml': ccnp('p', selector) });
    const config = domain === undefined ? {} : { domain };
    expect(unusedCatalogDomain(repo, config)).toBe(unused);
    const c = deriveCatalog(repo, config);
    const empty = c.profiles.size === 0 && c.accessGrants.size === 0 && c.escapeHatch === null;
    expect(unused === null ? !empty || c.domain === null : empty && c.domain === unused).toBe(true);
  });
});
