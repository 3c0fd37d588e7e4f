/**
 * `initSystem` writes the whole network-policy system into a GitOps tree. The tree must load cleanly,
 * validate against the official CRD schemas (test/conformance/authoring.test.ts), pass `netpol lint`, and behave as examples/homelab does: the
 * example's own connectivity-tests.yaml (78 assertions: the seed's profile and access tables, baselines,
 * platform CNPs) runs against it once the example's application namespaces are added. A second run
 * changes nothing on disk, not even modification times.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetpolError } from '../../../src/errors.js';
import { testConnectivity } from '../../../src/workflows/analysis/connectivity-test.js';
import { lintRepo } from '../../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { traceFlow } from '../../../src/workflows/analysis/trace.js';
import { checkSystemOptions, initSystem } from '../../../src/workflows/authoring/init.js';
import { setNamespaceLabels } from '../../../src/workflows/authoring/namespace-set.js';
import { renderSystem } from '../../../src/workflows/authoring/render-system.js';
import {
  DEFAULT_SYSTEM_OPTIONS,
  type SystemOptions,
} from '../../../src/workflows/authoring/system-options.js';
import { useRepo, yaml } from '../../helpers/use-repo.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/homelab');
const APPS = ['batch-worker', 'dashboard', 'wiki', 'billing', 'web', 'docs'];

/** Every file below a directory, relative, sorted. */
function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Lint findings that matter (errors and warnings), as `ruleId file:line message`. */
async function lintProblems(root: string): Promise<string[]> {
  const report = await lintRepo(await loadForAnalysis({ root }));
  return report.findings
    .filter((f) => f.severity === 'error' || f.severity === 'warning')
    .map((f) => `${f.ruleId} ${f.source.file}:${f.source.line} ${f.message}`);
}

describe('initSystem', () => {
  it('writes the whole system into an empty directory, exactly as rendered', async () => {
    const tmp = useRepo({});
    const root = path.join(tmp.root, 'gitops');
    const r = await initSystem({ root });
    expect(r.written).toBe(true);
    expect(r.configRead).toBe(false);
    expect(r.files.map((f) => f.status)).toEqual(Array(34).fill('created'));
    const rendered = renderSystem(DEFAULT_SYSTEM_OPTIONS);
    expect(listFiles(root)).toEqual(rendered.map((f) => f.path).sort());
    for (const f of rendered) expect(fs.readFileSync(path.join(root, f.path), 'utf8')).toBe(f.text);
  });

  it('writes a tree that loads cleanly and passes netpol lint (CRD schemas: test/conformance)', async () => {
    const { root } = useRepo({});
    await initSystem({ root });
    const loaded = await loadForAnalysis({ root });
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(loaded.repo.policies).toHaveLength(28);
    expect(await lintProblems(root)).toEqual([]);
  });

  it("behaves as examples/homelab: the example's 78 connectivity assertions hold on it", async () => {
    const { root } = useRepo({});
    await initSystem({ root });
    // The example's application namespaces (with their comments), listed like any namespace file.
    for (const app of APPS) {
      fs.copyFileSync(
        path.join(EXAMPLE, 'namespaces', `${app}.yaml`),
        path.join(root, 'namespaces', `${app}.yaml`),
      );
    }
    fs.appendFileSync(
      path.join(root, 'namespaces/kustomization.yaml'),
      APPS.map((a) => `  - ${a}.yaml\n`).join(''),
    );
    // Postgres backups go to Garage S3 in the example: the platform namespace database carries that grant.
    const set = await setNamespaceLabels({ root, namespace: 'database', access: ['garage-s3'] });
    expect(set.refusal).toBeUndefined();
    expect(set.written).toBe(true);

    const loaded = await loadForAnalysis({ root });
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const report = await testConnectivity(loaded.engine, path.join(EXAMPLE, 'connectivity-tests.yaml'));
    const failures = report.results
      .filter((x) => !x.passed)
      .map((x) => `line ${x.assertion.line}: ${x.assertion.from} → ${x.assertion.to}:${x.assertion.port}`);
    expect(failures).toEqual([]);
    expect(report.diagnostics).toEqual([]);
    expect(report.passed).toBe(78);
    expect(await lintProblems(root)).toEqual([]);
  });

  it('changes nothing on a second run, not even modification times', async () => {
    const { root } = useRepo({});
    await initSystem({ root });
    const past = new Date('2001-02-03T04:05:06Z');
    for (const f of listFiles(root)) fs.utimesSync(path.join(root, f), past, past);
    const again = await initSystem({ root });
    expect(again.written).toBe(false);
    expect(new Set(again.files.map((f) => f.status))).toEqual(new Set(['unchanged']));
    for (const f of listFiles(root)) expect(fs.statSync(path.join(root, f)).mtimeMs, f).toBe(past.getTime());
  });

  it('refuses a changed file and writes nothing at all, unless force', async () => {
    const { root } = useRepo({});
    await initSystem({ root });
    const standard = path.join(root, 'network-policy/profiles/standard.yaml');
    const internal = path.join(root, 'network-policy/profiles/internal.yaml');
    const edited = `${fs.readFileSync(standard, 'utf8')}# local change\n`;
    fs.writeFileSync(standard, edited);
    fs.rmSync(internal);

    const refused = await initSystem({ root });
    expect(refused.written).toBe(false);
    expect(refused.files.filter((f) => f.status !== 'unchanged').map((f) => [f.path, f.status])).toEqual([
      ['network-policy/profiles/internal.yaml', 'created'],
      ['network-policy/profiles/standard.yaml', 'conflict'],
    ]);
    expect(fs.readFileSync(standard, 'utf8')).toBe(edited);
    expect(fs.existsSync(internal)).toBe(false);

    const forced = await initSystem({ root, force: true });
    expect(forced.written).toBe(true);
    expect(forced.files.filter((f) => f.status !== 'unchanged').map((f) => [f.path, f.status])).toEqual([
      ['network-policy/profiles/internal.yaml', 'created'],
      ['network-policy/profiles/standard.yaml', 'overwritten'],
    ]);
    expect(fs.readFileSync(standard, 'utf8')).not.toContain('# local change');
    expect(fs.existsSync(internal)).toBe(true);
  });

  it('plans without writing on a dry run', async () => {
    const { root } = useRepo({});
    const r = await initSystem({ root, dryRun: true });
    expect(r.written).toBe(false);
    expect(r.files).toHaveLength(34);
    expect(listFiles(root)).toEqual([]);
  });

  it('appends its entries to existing kustomizations, keeping their comments and entries', async () => {
    const repo = useRepo({
      'kustomization.yaml': yaml`
        # my root
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - apps # the apps
      `,
      'apps/kustomization.yaml': yaml`
        resources: []
      `,
    });
    const r = await initSystem({ root: repo.root });
    expect(r.files.find((f) => f.path === 'kustomization.yaml')?.status).toBe('updated');
    expect(repo.read('kustomization.yaml')).toBe(yaml`
      # my root
      apiVersion: kustomize.config.k8s.io/v1beta1
      kind: Kustomization
      resources:
        - apps # the apps
        - namespaces
        - network-policy
    `);
    const again = await initSystem({ root: repo.root });
    expect(again.written).toBe(false);
  });

  it('reads netpol.config.yaml as input and only adds the keys it lacks', async () => {
    const repo = useRepo({
      'netpol.config.yaml': yaml`
        # ours
        cluster:
          clusterName: home # keep me
        catalog:
          domain: policy.example.org
        init:
          sharedResources:
            - name: mqtt
              namespace: broker
              port: 1883
              metricsPort: 9234
              description: Mosquitto
      `,
    });
    const r = await initSystem({ root: repo.root });
    expect(r.configRead).toBe(true);
    expect(r.options.domain).toBe('policy.example.org');
    expect(r.files.find((f) => f.path === 'netpol.config.yaml')?.status).toBe('updated');
    const config = repo.read('netpol.config.yaml');
    expect(
      config.startsWith(
        '# ours\ncluster:\n  clusterName: home # keep me\ncatalog:\n  domain: policy.example.org\n',
      ),
    ).toBe(true);
    expect(config).toContain('  platformNamespaces:\n    - kube-system\n    - monitoring\n    - broker\n');
    expect(config).toContain('lint:\n  cidrAllowList:\n    - 169.254.0.0/16\n');

    const loaded = await loadForAnalysis({ root: repo.root });
    expect(loaded.catalog.domain).toBe('policy.example.org');
    expect([...loaded.catalog.accessGrants.keys()].sort()).toEqual(['kube-api', 'mqtt']);
    const probe = loaded.engine.withNamespaceLabels({
      client: { 'kubernetes.io/metadata.name': 'client', 'access.policy.example.org/mqtt': 'true' },
      other: { 'kubernetes.io/metadata.name': 'other' },
    });
    expect(traceFlow(probe, { source: 'client', destination: 'broker', port: 1883 }).verdict.verdict).toBe(
      'allowed',
    );
    expect(traceFlow(probe, { source: 'other', destination: 'broker', port: 1883 }).verdict.verdict).toBe(
      'denied',
    );

    expect((await initSystem({ root: repo.root })).written).toBe(false);
    await expect(initSystem({ root: repo.root, domain: 'other.example.org' })).rejects.toThrow(
      `The flag for domain says "other.example.org" but netpol.config.yaml's catalog.domain says "policy.example.org".`,
    );
  });

  it('appends the platform namespaces a pinned list lacks, keeping its own', async () => {
    const repo = useRepo({
      'netpol.config.yaml': 'catalog:\n  platformNamespaces:\n    - kube-system\n    - vault # mine\n',
    });
    await initSystem({ root: repo.root });
    expect(repo.read('netpol.config.yaml')).toContain(
      'catalog:\n  platformNamespaces:\n    - kube-system\n    - vault # mine\n    - monitoring\n    - database\n    - cache\n    - garage\n    - istio-gateway\n    - istio-system\n',
    );
    expect((await initSystem({ root: repo.root })).written).toBe(false);
  });

  it.each([
    [
      'init:\n  sharedResources:\n    - name: x\n      namespace: z\n      port: 99999\n',
      'netpol.config.yaml:3: port "99999": port 99999 is out of range 1-65535.',
    ],
    [
      'init:\n  sharedResources:\n    - name: x\n      namespace: yes\n      port: 1\n',
      'netpol.config.yaml:3: namespace of an init.sharedResources entry must be a string (quote it).',
    ],
    ['init:\n  sharedResources: yes\n', 'netpol.config.yaml:2: init.sharedResources must be a list.'],
    [
      'catalog:\n  platformNamespaces: kube-system\n',
      'netpol.config.yaml:2: catalog.platformNamespaces must be a list.',
    ],
    ['catalog:\n  domain: [a]\n', 'netpol.config.yaml:2: catalog.domain must be a string.'],
    [
      'catalog: [\n',
      'netpol.config.yaml:1:10: The flow sequence that starts here with [ is never closed (missing closing ]).',
    ],
    [
      'catalog:\n  domain: "abc\n  platformNamespaces: [a]\n',
      'netpol.config.yaml:2:11: The double-quoted string that starts here is never closed (missing closing ").',
    ],
    [
      'init:\n  sharedResources:\n    - name: x\n      port: 1\n      colour: red\n',
      'netpol.config.yaml:3: unknown key "colour"',
    ],
  ])('reports a bad netpol.config.yaml with its line: %j', async (text, message) => {
    const repo = useRepo({ 'netpol.config.yaml': text });
    const err = await initSystem({ root: repo.root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetpolError);
    expect((err as NetpolError).code).toBe('NETPOL_BAD_CONFIG');
    expect((err as NetpolError).message.startsWith(message)).toBe(true);
    expect(listFiles(repo.root)).toEqual(['netpol.config.yaml']);
  });

  it('does not define again a namespace another file of the directory defines', async () => {
    const repo = useRepo({
      'kustomization.yaml': 'resources:\n  - infra\n',
      'infra/kustomization.yaml': 'resources:\n  - kube-system.yaml\n',
      'infra/kube-system.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n',
    });
    await initSystem({ root: repo.root });
    expect(repo.read('namespaces/platform.yaml')).not.toContain('name: kube-system');
    const loaded = await loadForAnalysis({ root: repo.root });
    expect(loaded.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(loaded.repo.namespaces.filter((n) => n.name === 'kube-system')).toHaveLength(1);
    expect((await initSystem({ root: repo.root })).written).toBe(false);
  });

  it('refuses a target that is a file', async () => {
    const repo = useRepo({ 'a-file': 'x' });
    await expect(initSystem({ root: repo.path('a-file') })).rejects.toThrow('exists and is not a directory');
  });
});

describe('checkSystemOptions', () => {
  const base = DEFAULT_SYSTEM_OPTIONS;
  const resource = base.sharedResources[0] as SystemOptions['sharedResources'][number];
  it.each<[string, Partial<SystemOptions>, string]>([
    ['a bad domain', { domain: 'Bad_Domain' }, '--domain "Bad_Domain" is not a label domain.'],
    [
      'a bad gateway namespace',
      { gatewayNamespace: 'Gate' },
      '--gateway-namespace "Gate" is not a namespace name.',
    ],
    [
      'equal gateways',
      { externalGateway: 'internal' },
      'The internal and external gateways are both "internal".',
    ],
    ['a bad gateway name', { internalGateway: '-x' }, '--internal-gateway "-x" is not a label value'],
    [
      'monitoring in the gateway namespace',
      { monitoringNamespace: 'istio-gateway' },
      'must differ from each other',
    ],
    [
      'a resource in kube-system',
      { sharedResources: [{ ...resource, namespace: 'kube-system' }] },
      'Shared resource "postgres" is in namespace "kube-system"',
    ],
    [
      'a resource twice',
      { sharedResources: [resource, resource] },
      'The shared resource "postgres" is given twice.',
    ],
    ['the kube-api name', { sharedResources: [{ ...resource, name: 'kube-api' }] }, '"kube-api" is taken'],
    [
      'a bad resource name',
      { sharedResources: [{ ...resource, name: 'a/b' }] },
      'cannot be an access grant name',
    ],
    [
      'a resource name that cannot name a policy',
      { sharedResources: [{ ...resource, name: 'My_DB' }] },
      'shared resource "My_DB" cannot name the CiliumClusterwideNetworkPolicy "access-My_DB"',
    ],
  ])('rejects %s', (_what, change, message) => {
    expect(() => checkSystemOptions({ ...base, ...change })).toThrow(message);
  });

  it('accepts the defaults', () => expect(() => checkSystemOptions(base)).not.toThrow());
});
