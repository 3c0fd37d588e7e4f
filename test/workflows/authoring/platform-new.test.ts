/**
 * `newPlatformNamespace` writes a platform namespace's CNP from the seed's template, lists it in the
 * platform kustomization, creates the Namespace manifest and passes `netpol lint`; the engine checks the
 * required rules on the repository as written.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { lintRepo } from '../../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { traceFlow } from '../../../src/workflows/analysis/trace.js';
import { newPlatformNamespace } from '../../../src/workflows/authoring/platform-new.js';
import { type TempRepo, useRepo } from '../../helpers/use-repo.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/homelab');

function copyOf(dir: string): TempRepo {
  const repo = useRepo({});
  fs.cpSync(dir, repo.root, { recursive: true });
  return repo;
}

function digest(root: string): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(root, { recursive: true }).map(String).sort()) {
    const p = path.join(root, f);
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
  return h.digest('hex');
}

describe('newPlatformNamespace', () => {
  it('writes the CNP, lists it, creates the Namespace, pins the namespace, and passes lint', async () => {
    const repo = copyOf(EXAMPLE);
    const config = repo.read('netpol.config.yaml');
    const r = await newPlatformNamespace({
      root: repo.root,
      namespace: 'vault',
      metricsPorts: [8200],
      mesh: true,
      ingressFrom: [
        { peer: { kind: 'pods', namespace: 'web', labels: {} }, ports: [{ port: 8200, protocol: 'TCP' }] },
      ],
      egressTo: [
        { peer: { kind: 'entity', entity: 'kube-apiserver' }, ports: [{ port: 6443, protocol: 'TCP' }] },
      ],
    });
    expect(r.refusal).toBeUndefined();
    expect(r.written).toBe(true);
    expect(r.policy).toBe('CiliumNetworkPolicy/vault/vault-default');
    expect(r.files.map((f) => [f.path, f.before === null])).toEqual([
      ['network-policy/platform/vault.yaml', true],
      ['network-policy/platform/kustomization.yaml', false],
      ['namespaces/vault.yaml', true],
      ['namespaces/kustomization.yaml', false],
      ['netpol.config.yaml', false],
    ]);
    const [cnp, ...rest] = parseAllDocuments(repo.read('network-policy/platform/vault.yaml')).map((d) =>
      d.toJS(),
    );
    expect(rest).toEqual([]);
    expect(cnp).toMatchObject({ kind: 'CiliumNetworkPolicy', metadata: { name: 'vault-default' } });
    expect(
      repo
        .read('network-policy/platform/kustomization.yaml')
        .endsWith('  - istio-system.yaml\n  - vault.yaml\n'),
    ).toBe(true);
    expect(repo.read('namespaces/vault.yaml')).toContain('  labels:\n    istio.io/dataplane-mode: ambient\n');
    expect(repo.read('netpol.config.yaml')).toBe(
      config.replace('    - istio-system\n', '    - istio-system\n    - vault\n'),
    );

    const loaded = await loadForAnalysis({ root: repo.root });
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(loaded.catalog.platformNamespaces).toContain('vault');
    const report = await lintRepo(loaded);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);

    expect(r.checks.map((c) => [c.description, c.verdict, c.severity])).toEqual([
      ['Prometheus scrape ingress on 8200/TCP', 'allowed', 'error'],
      ['Prometheus egress to vault:8200/TCP', 'denied', 'warning'],
      ['DNS egress to kube-dns on 53/UDP', 'allowed', 'error'],
      ['DNS egress to kube-dns on 53/TCP', 'allowed', 'error'],
      ['HBONE from ztunnel on 15008/TCP', 'allowed', 'error'],
      ['HBONE to ztunnel on 15008/TCP', 'allowed', 'error'],
      ['service-specific ingress from web on 8200/TCP', 'allowed', 'error'],
      ['service-specific egress to kube-apiserver on 6443/TCP', 'allowed', 'error'],
    ]);
    // In the ambient mesh on both sides: ztunnel's own CNP selects the ambient label the new Namespace carries.
    const t = (source: string, destination: string, port: number) =>
      traceFlow(loaded.engine, { source, destination, port }).verdict;
    expect(t('istio-system/app=ztunnel', 'vault', 15008).verdict).toBe('allowed');
    expect(t('vault', 'istio-system/app=ztunnel', 15008).verdict).toBe('allowed');
    expect(t('web', 'vault', 8200).ingress.verdict).toBe('allowed');
    expect(t('docs', 'vault', 8200).ingress.verdict).toBe('denied');
    expect(t('vault', 'world:203.0.113.10', 443).verdict).toBe('denied');
  });

  it('has no warning when the metrics port is one Prometheus already scrapes everywhere', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await newPlatformNamespace({ root: repo.root, namespace: 'queue', metricsPorts: [9090] });
    expect(r.checks.every((c) => c.verdict === c.expected)).toBe(true);
    expect(r.checks).toHaveLength(3);
    expect(repo.read('namespaces/queue.yaml')).not.toContain('labels');
  });

  it.each([
    [
      'database',
      'Namespace "database" already has a platform policy, CiliumNetworkPolicy/database/database-default (network-policy/platform/database.yaml:7).',
    ],
    [
      'web',
      'Namespace "web" carries the profile "standard", so it is an application namespace, not a platform namespace.',
    ],
  ])('refuses %s with nothing written', async (namespace, message) => {
    const repo = copyOf(EXAMPLE);
    const before = digest(repo.root);
    const r = await newPlatformNamespace({ root: repo.root, namespace, metricsPorts: [9090] });
    expect(r.refusal?.message).toBe(message);
    expect(r.written).toBe(false);
    expect(digest(repo.root)).toBe(before);
  });

  it('refuses to overwrite an existing file', async () => {
    const repo = copyOf(EXAMPLE);
    repo.write('network-policy/platform/vault.yaml', '# mine\n');
    const r = await newPlatformNamespace({ root: repo.root, namespace: 'vault', metricsPorts: [8200] });
    expect(r.refusal?.message).toBe('"network-policy/platform/vault.yaml" already exists.');
    expect(repo.read('network-policy/platform/vault.yaml')).toBe('# mine\n');
  });

  it('returns the diff and writes nothing on a dry run', async () => {
    const repo = copyOf(EXAMPLE);
    const before = digest(repo.root);
    const r = await newPlatformNamespace({
      root: repo.root,
      namespace: 'vault',
      metricsPorts: [8200],
      dryRun: true,
    });
    expect(r.written).toBe(false);
    expect(r.checks).toEqual([]);
    expect(r.diff).toContain('--- /dev/null\n+++ b/network-policy/platform/vault.yaml\n');
    expect(digest(repo.root)).toBe(before);
  });

  it.each([
    [{ namespace: 'Vault', metricsPorts: [1] }, 'namespace "Vault" is not a namespace name.'],
    [{ namespace: 'vault', metricsPorts: [] }, 'A platform CNP needs --metrics-port.'],
  ])('rejects %j', async (options, message) => {
    const repo = copyOf(EXAMPLE);
    await expect(newPlatformNamespace({ root: repo.root, ...options })).rejects.toThrow(message);
  });
});
