import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_SETTINGS, readConfig } from '../../src/repo/config.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { yaml } from '../helpers/use-repo.js';

describe('readConfig', () => {
  it('uses the current Cilium defaults without a file', () => {
    expect(readConfig(undefined, undefined)).toEqual({
      settings: {
        policyEnforcementMode: 'default',
        policyCIDRMatchMode: [],
        allowLocalhost: true,
        clusterName: 'default',
        ciliumVersion: '1.19',
        kubeAPIServer: 'external',
      },
      config: {},
      sources: {},
      diagnostics: [],
    });
    expect(DEFAULT_CLUSTER_SETTINGS.ciliumVersion).toBe('1.19');
  });

  it('reads the cluster section and keeps the whole file for other layers', () => {
    const text = yaml`
      cluster:
        policyEnforcementMode: always
        policyCIDRMatchMode: [nodes]
        allowLocalhost: policy
        clusterName: prod-eu
        ciliumVersion: 1.20
        kubeAPIServer: nodes
      catalog:
        domain: netpol.example.com
      lint:
        rules: {ccnp-empty-from-endpoints: off}
    `;
    const result = readConfig('netpol.config.yaml', text);
    expect(result.diagnostics).toEqual([]);
    expect(result.settings).toEqual({
      policyEnforcementMode: 'always',
      policyCIDRMatchMode: ['nodes'],
      allowLocalhost: false,
      clusterName: 'prod-eu',
      ciliumVersion: '1.20',
      kubeAPIServer: 'nodes',
    });
    expect(result.config).toMatchObject({
      catalog: { domain: 'netpol.example.com' },
      lint: { rules: { 'ccnp-empty-from-endpoints': false } },
    });
  });

  it('reports bad values at their position and falls back to the defaults', () => {
    const text = yaml`
      cluster:
        policyEnforcementMode: strict
        policyCIDRMatchMode: [pods]
        allowLocalhost: maybe
        clusterName: Prod_EU
        ciliumVersion: latest
        enforce: true
    `;
    const result = readConfig('netpol.config.yaml', text);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.source?.column])).toEqual([
      ['CONFIG_INVALID', 'warning', 7, 3],
      ['CONFIG_INVALID', 'error', 2, 26],
      ['CONFIG_INVALID', 'error', 3, 24],
      ['CONFIG_INVALID', 'error', 4, 19],
      ['CONFIG_INVALID', 'error', 5, 16],
      ['CONFIG_INVALID', 'error', 6, 18],
    ]);
    expect(result.settings).toEqual(DEFAULT_CLUSTER_SETTINGS);
  });

  it('lets overrides win over the file', () => {
    const result = readConfig(
      'netpol.config.yaml',
      'cluster:\n  policyEnforcementMode: never\n  clusterName: a\n',
      {
        policyEnforcementMode: 'always',
      },
    );
    expect(result.settings).toMatchObject({ policyEnforcementMode: 'always', clusterName: 'a' });
  });

  it('reports a file that is not a mapping, and YAML errors', () => {
    expect(readConfig('c.yaml', '- a\n').diagnostics.map((d) => [d.code, d.source?.line])).toEqual([
      ['CONFIG_INVALID', 1],
    ]);
    expect(readConfig('c.yaml', 'cluster: [\n').diagnostics.map((d) => d.code)).toEqual(['YAML_SYNTAX']);
  });
});

describe('readConfig catalog and sections', () => {
  it('reports a bad domain and bad platform namespaces at their position and keeps the good entries', () => {
    const text = yaml`
      catalog:
        domain: Network_Policy.homelab
        platformNamespaces: [Bad_NS, 5, kube-system]
        gatewayNamespace: Istio
        internalGateway: 7
        platformNamspaces: []
      clustr: {}
    `;
    const result = readConfig('netpol.config.yaml', text);
    expect(
      result.diagnostics.map((d) => [d.severity, d.source.line, d.source.column, d.path, d.message]),
    ).toEqual([
      ['warning', 7, 1, ['clustr'], 'Unknown section "clustr" in netpol.config.yaml; it is ignored.'],
      [
        'error',
        2,
        11,
        ['catalog', 'domain'],
        'catalog.domain "Network_Policy.homelab" is not a label domain (a lowercase DNS name such as network-policy.homelab); it is ignored and the domain is derived from the policies.',
      ],
      [
        'error',
        3,
        24,
        ['catalog', 'platformNamespaces', 0],
        '"Bad_NS" is not a namespace name (lowercase letters, digits and "-", at most 63 characters); it is left out of catalog.platformNamespaces.',
      ],
      [
        'error',
        3,
        32,
        ['catalog', 'platformNamespaces', 1],
        '5 is not a namespace name (lowercase letters, digits and "-", at most 63 characters); it is left out of catalog.platformNamespaces.',
      ],
      [
        'error',
        4,
        21,
        ['catalog', 'gatewayNamespace'],
        'catalog.gatewayNamespace "Istio" is not a namespace name (lowercase letters, digits and "-", at most 63 characters).',
      ],
      ['error', 5, 20, ['catalog', 'internalGateway'], 'catalog.internalGateway 7 must be a gateway name.'],
      [
        'warning',
        6,
        3,
        ['catalog', 'platformNamspaces'],
        'Unknown catalog setting "platformNamspaces"; it is ignored.',
      ],
    ]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(Array(7).fill('CONFIG_INVALID'));
    expect(result.diagnostics[0]?.hint).toBe(
      'Did you mean "cluster"? Valid: cluster, catalog, lint, init, clusters (docs/config.md).',
    );
    expect(result.config).toEqual({ catalog: { platformNamespaces: ['kube-system'] }, clustr: {} });
    expect(result.sources).toEqual({});
  });

  it('records where catalog.domain is, and a catalog that is not a mapping is an error', () => {
    const ok = readConfig('netpol.config.yaml', 'catalog:\n  domain: example.org\n');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.sources).toEqual({
      'catalog.domain': { file: 'netpol.config.yaml', line: 2, column: 11, endLine: 2, endColumn: 22 },
    });
    const bad = readConfig('netpol.config.yaml', 'catalog: [a]\n');
    expect(bad.diagnostics.map((d) => [d.severity, d.source.line, d.message])).toEqual([
      ['error', 1, 'catalog must be a mapping, not a list.'],
    ]);
    expect(bad.config).toEqual({});
  });
});

describe('netpol.config.yaml in a repository', () => {
  it('is read from the root and not loaded as a manifest', () => {
    const { repo, diagnostics } = loadRepoFromText(
      {
        'netpol.config.yaml': 'cluster:\n  clusterName: east\n',
        'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n',
      },
      { settings: { allowLocalhost: false } },
    );
    expect(diagnostics).toEqual([]);
    expect(repo.files).toEqual(['ns.yaml']);
    expect(repo.settings).toMatchObject({ clusterName: 'east', allowLocalhost: false });
    expect(repo.config).toEqual({ cluster: { clusterName: 'east' } });
  });
});
