/**
 * `newAccessGrant` adds a shared resource end to end: the client-side CCNP and the server-side ingress rule
 * (in the resource namespace's platform CNP, created from the seed's template when missing). The engine
 * proves it: a namespace with the new label reaches NS:PORT, one without does not.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { lintRepo } from '../../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { traceFlow } from '../../../src/workflows/analysis/trace.js';
import { newAccessGrant } from '../../../src/workflows/authoring/access-new.js';
import { initSystem } from '../../../src/workflows/authoring/init.js';
import { setNamespaceLabels } from '../../../src/workflows/authoring/namespace-set.js';
import { type TempRepo, useRepo, yaml } from '../../helpers/use-repo.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/homelab');
const tcp = (port: number) => ({ port, protocol: 'TCP' as const });

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

async function initialised(): Promise<TempRepo> {
  const repo = useRepo({});
  await initSystem({ root: repo.root });
  return repo;
}

describe('newAccessGrant', () => {
  it('mqtt on a new namespace: both halves, the namespace, kustomizations; the engine proves it', async () => {
    const repo = await initialised();
    const r = await newAccessGrant({ root: repo.root, name: 'mqtt', namespace: 'mqtt', port: tcp(1883) });
    expect(r.refusal).toBeUndefined();
    expect(r).toMatchObject({
      label: 'access.network-policy.homelab/mqtt',
      clientFile: 'network-policy/shared-resources/mqtt.yaml',
      serverFile: 'network-policy/platform/mqtt.yaml',
      serverCreated: true,
      written: true,
    });
    expect(r.files.map((f) => f.path)).toEqual([
      'network-policy/platform/mqtt.yaml',
      'network-policy/platform/kustomization.yaml',
      'namespaces/mqtt.yaml',
      'namespaces/kustomization.yaml',
      'netpol.config.yaml',
      'network-policy/shared-resources/mqtt.yaml',
      'network-policy/shared-resources/kustomization.yaml',
    ]);
    expect(r.checks.map((c) => [c.description, c.verdict, c.expected])).toEqual([
      [
        'a namespace labelled access.network-policy.homelab/mqtt=true reaches mqtt:1883/TCP',
        'allowed',
        'allowed',
      ],
      ['a namespace without the label does not', 'denied', 'denied'],
      ['Prometheus scrape ingress on 9090/TCP', 'allowed', 'allowed'],
      ['DNS egress to kube-dns on 53/UDP', 'allowed', 'allowed'],
      ['DNS egress to kube-dns on 53/TCP', 'allowed', 'allowed'],
    ]);

    // Independently: real namespaces, one labelled through `namespace set`, one not.
    await setNamespaceLabels({
      root: repo.root,
      namespace: 'sensors',
      profile: 'isolated',
      access: ['mqtt'],
    });
    await setNamespaceLabels({ root: repo.root, namespace: 'web', profile: 'standard' });
    const loaded = await loadForAnalysis({ root: repo.root });
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const verdict = (source: string, port = 1883) =>
      traceFlow(loaded.engine, { source, destination: 'mqtt', port }).verdict.verdict;
    expect(verdict('sensors')).toBe('allowed');
    expect(verdict('web')).toBe('denied');
    expect(verdict('sensors', 1884)).toBe('denied');
    expect(loaded.catalog.accessGrants.get('mqtt')?.resources.map((x) => [x.name, x.ports])).toEqual([
      ['mqtt', [tcp(1883)]],
    ]);
    const report = await lintRepo(loaded);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it("adds the server-side rule to an existing namespace's CNP without touching anything else", async () => {
    const repo = copyOf(EXAMPLE);
    const before = repo.read('network-policy/platform/database.yaml');
    const r = await newAccessGrant({
      root: repo.root,
      name: 'pgbouncer',
      namespace: 'database',
      port: tcp(6432),
      description: 'PgBouncer',
    });
    expect(r.serverCreated).toBe(false);
    expect(r.serverFile).toBe('network-policy/platform/database.yaml');
    const after = repo.read('network-policy/platform/database.yaml');
    const inserted = yaml`
          # Access grant "pgbouncer" (server side): every pod of every namespace labelled
          # access.network-policy.homelab/pgbouncer=true may reach PgBouncer on 6432/TCP.
          # A namespace-label key in a CNP peer selector is not narrowed to this namespace.
          - fromEndpoints:
              - matchLabels:
                  io.cilium.k8s.namespace.labels.access.network-policy.homelab/pgbouncer: "true"
            toPorts:
              - ports:
                  - port: "6432"
                    protocol: TCP
    `
      .split('\n')
      .map((l) => (l === '' ? l : `    ${l}`))
      .join('\n');
    const anchor = '              protocol: TCP\n  egress:\n    # DNS (seed template)';
    expect(after).toBe(before.replace(anchor, anchor.replace('\n  egress:', `\n${inserted}  egress:`)));
    expect(r.checks.map((c) => c.verdict)).toEqual(['allowed', 'denied']);
    const loaded = await loadForAnalysis({ root: repo.root });
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const report = await lintRepo(loaded);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('keeps the protocol: a UDP resource is reached on UDP only', async () => {
    const repo = await initialised();
    const r = await newAccessGrant({
      root: repo.root,
      name: 'syslog',
      namespace: 'logging',
      port: { port: 514, protocol: 'UDP' },
      metricsPort: 9102,
    });
    expect(r.checks.filter((c) => c.severity === 'error').every((c) => c.verdict === c.expected)).toBe(true);
    const loaded = await loadForAnalysis({ root: repo.root });
    const probe = loaded.engine.withNamespaceLabels({
      app: { 'kubernetes.io/metadata.name': 'app', 'access.network-policy.homelab/syslog': 'true' },
    });
    const v = (protocol: string) =>
      traceFlow(probe, { source: 'app', destination: 'logging', port: 514, protocol }).verdict.verdict;
    expect([v('UDP'), v('TCP')]).toEqual(['allowed', 'denied']);
    expect(repo.read('network-policy/platform/logging.yaml')).toContain('            - port: "9102"\n');
  });

  it('appends to specs[].ingress when the namespace CNP is written with specs', async () => {
    const repo = copyOf(EXAMPLE);
    repo.write(
      'network-policy/platform/garage.yaml',
      yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: garage-default
          namespace: garage
        specs:
          - endpointSelector: {}
            ingress:
              - fromEntities:
                  - health
      `,
    );
    const r = await newAccessGrant({
      root: repo.root,
      name: 'garage-admin',
      namespace: 'garage',
      port: tcp(3903),
    });
    expect(r.serverFile).toBe('network-policy/platform/garage.yaml');
    const doc = parseAllDocuments(repo.read('network-policy/platform/garage.yaml'))[0];
    const spec = (doc?.toJS() as { specs: { ingress: unknown[] }[] } | undefined)?.specs[0];
    expect(spec?.ingress).toHaveLength(2);
    expect(r.checks.map((c) => c.verdict)).toEqual(['allowed', 'denied']);
  });

  it.each([
    [
      { name: 'postgres', namespace: 'database' },
      'The access grant "postgres" already exists (CiliumClusterwideNetworkPolicy/access-postgres, network-policy/shared-resources/postgres.yaml:4).',
    ],
    [
      { name: 'web-api', namespace: 'web' },
      'Namespace "web" carries the profile "standard"; shared resources live in platform namespaces.',
    ],
  ])('refuses %j with nothing written', async (request, message) => {
    const repo = copyOf(EXAMPLE);
    const before = digest(repo.root);
    const r = await newAccessGrant({ root: repo.root, port: tcp(1), ...request });
    expect(r.refusal?.message).toBe(message);
    expect(digest(repo.root)).toBe(before);
  });

  it('refuses a repository without a label domain', async () => {
    const repo = useRepo({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n' });
    const r = await newAccessGrant({ root: repo.root, name: 'mqtt', namespace: 'mqtt', port: tcp(1883) });
    expect(r.refusal?.message).toBe(
      'The repository has no label domain (no profile policies and no catalog.domain).',
    );
  });

  it('writes nothing on a dry run', async () => {
    const repo = copyOf(EXAMPLE);
    const before = digest(repo.root);
    const r = await newAccessGrant({
      root: repo.root,
      name: 'mqtt',
      namespace: 'mqtt',
      port: tcp(1883),
      dryRun: true,
    });
    expect(r.written).toBe(false);
    expect(r.files).toHaveLength(7);
    expect(digest(repo.root)).toBe(before);
  });

  it.each([
    [{ name: 'Bad/Name', namespace: 'x' }, 'cannot be an access grant name'],
    [{ name: 'ok', namespace: 'X' }, '--namespace "X" is not a namespace name.'],
    [{ name: 'Bad', namespace: 'x' }, 'cannot name the CiliumClusterwideNetworkPolicy "access-Bad"'],
    [{ name: 'a_b', namespace: 'x' }, 'cannot name the CiliumClusterwideNetworkPolicy "access-a_b"'],
  ])('rejects %j with nothing written', async (request, message) => {
    const repo = copyOf(EXAMPLE);
    const before = digest(repo.root);
    await expect(newAccessGrant({ root: repo.root, port: tcp(1), ...request })).rejects.toThrow(message);
    expect(digest(repo.root)).toBe(before);
  });
});
