import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { generateRepo } from '../../bench/repo/generate-repo.js';
import { type Diagnostic, NetpolError } from '../../src/errors.js';
import { loadRepo, loadRepoFromText, STDIN_FILE } from '../../src/repo/load-repo.js';
import type { CiliumPolicyObject } from '../../src/repo/model.js';
import { MAX_WORKERS, parseWorkerCounts } from '../../src/repo/parse-pool.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/repos/flux-tenants');

function found(diagnostics: readonly Diagnostic[]) {
  return diagnostics.map((d) => [d.code, d.severity, d.source?.file, d.source?.line, d.source?.column]);
}

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('loadRepo', () => {
  it('loads the fixture repository through its kustomization tree, with its commonLabels', async () => {
    const { repo, diagnostics } = await loadRepo({ root: FIXTURE });
    expect(repo.root).toBe(FIXTURE);
    expect(repo.files).toEqual([
      'platform/namespaces.yaml',
      'platform/baseline.yaml',
      'apps/shop/namespace.yaml',
      'apps/shop/policies.yaml',
      'apps/shop/deployment.yaml',
      'apps/billing/namespace.yaml',
    ]);
    // commonLabels (kustomize's LabelTransformer) adds owner: platform to every object.
    expect(repo.namespaces.map((n) => [n.name, n.labels])).toEqual([
      ['kube-system', { owner: 'platform', 'kubernetes.io/metadata.name': 'kube-system' }],
      [
        'monitoring',
        {
          'netpol.example.com/platform': 'true',
          owner: 'platform',
          'kubernetes.io/metadata.name': 'monitoring',
        },
      ],
      [
        'shop',
        {
          'netpol.example.com/profile': 'standard',
          'access.netpol.example.com/postgres': 'true',
          owner: 'platform',
          'kubernetes.io/metadata.name': 'shop',
        },
      ],
      [
        'billing',
        {
          'netpol.example.com/profile': 'isolated',
          owner: 'platform',
          'kubernetes.io/metadata.name': 'billing',
        },
      ],
    ]);
    expect(
      repo.policies.map((p) => [p.kind, p.namespace, p.name, p.source.file, p.source.line, p.documentIndex]),
    ).toEqual([
      ['CiliumClusterwideNetworkPolicy', '', 'baseline-dns', 'platform/baseline.yaml', 2, 0],
      ['CiliumNetworkPolicy', 'shop', 'api-from-web', 'apps/shop/policies.yaml', 1, 0],
      ['NetworkPolicy', 'shop', 'web-from-gateway', 'apps/shop/policies.yaml', 17, 1],
    ]);
    expect(repo.workloads.map((w) => [w.kind, w.namespace, w.name, w.serviceAccount, w.namedPorts])).toEqual([
      ['Deployment', 'shop', 'api', 'api', [{ name: 'http', port: 8080, protocol: 'TCP' }]],
    ]);
    expect(repo.settings).toEqual({
      policyEnforcementMode: 'default',
      policyCIDRMatchMode: [],
      allowLocalhost: true,
      clusterName: 'prod-eu',
      ciliumVersion: '1.17',
      kubeAPIServer: 'external',
    });
    expect(repo.config).toMatchObject({ catalog: { domain: 'netpol.example.com' } });
    expect(found(diagnostics)).toEqual([
      ['KUSTOMIZE_MISSING_RESOURCE', 'error', 'apps/billing/kustomization.yaml', 6, 5],
      ['KUSTOMIZE_REMOTE_RESOURCE', 'warning', 'kustomization.yaml', 6, 5],
    ]);
  });

  it('passes variables to the substitution', async () => {
    const { repo } = await loadRepo({ root: FIXTURE, vars: { shop_profile: 'internal' } });
    expect(repo.namespaces.find((n) => n.name === 'shop')?.labels['netpol.example.com/profile']).toBe(
      'internal',
    );
  });

  it('reads only the given files, still reading netpol.config.yaml from the root', async () => {
    const { repo, diagnostics } = await loadRepo({
      root: FIXTURE,
      files: ['apps/shop/stray.yaml'],
    });
    expect(repo.files).toEqual(['apps/shop/stray.yaml']);
    expect(repo.policies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['default/forgotten']);
    expect(repo.settings.clusterName).toBe('prod-eu');
    expect(found(diagnostics)).toEqual([['MISSING_FIELD', 'info', 'apps/shop/stray.yaml', 5, 3]]);
  });

  it('refuses a named file that does not exist (NETPOL_INPUT_UNREADABLE)', async () => {
    await expect(
      loadRepo({ root: FIXTURE, files: ['apps/shop/stray.yaml', 'nope.yaml'] }),
    ).rejects.toMatchObject({
      code: 'NETPOL_INPUT_UNREADABLE',
      message: 'File "nope.yaml" does not exist.',
    });
  });

  it('reads a folder given as a file: every manifest below it', async () => {
    const { repo } = await loadRepo({ root: FIXTURE, files: ['platform'] });
    expect(repo.files).toEqual(['platform/baseline.yaml', 'platform/namespaces.yaml']);
  });

  it('reads standard input as "-", named <stdin>, with an empty root for stdin alone', async () => {
    const { repo, diagnostics } = await loadRepo({
      root: FIXTURE,
      files: ['-'],
      readStdin: async () => `${ns('a')}---\n${ns('b')}`,
    });
    expect(diagnostics).toEqual([]);
    expect(repo.root).toBe('');
    expect(repo.files).toEqual([STDIN_FILE]);
    expect(repo.namespaces.map((n) => [n.name, n.source.file, n.source.line, n.documentIndex])).toEqual([
      ['a', '<stdin>', 1, 0],
      ['b', '<stdin>', 6, 1],
    ]);
  });

  it('throws NETPOL_BAD_ARGUMENT for "-" without a stdin reader, NETPOL_INPUT_UNREADABLE when it fails', async () => {
    await expect(loadRepo({ root: FIXTURE, files: ['-'] })).rejects.toMatchObject({
      code: 'NETPOL_BAD_ARGUMENT',
    });
    await expect(
      loadRepo({
        root: FIXTURE,
        files: ['-'],
        readStdin: () => Promise.reject(new Error('closed')),
      }),
    ).rejects.toMatchObject({ code: 'NETPOL_INPUT_UNREADABLE' });
  });

  it('throws NETPOL_REPO_NOT_FOUND for a missing root or a file as root', async () => {
    const missing = path.join(FIXTURE, 'does-not-exist');
    await expect(loadRepo({ root: missing })).rejects.toBeInstanceOf(NetpolError);
    await expect(loadRepo({ root: missing })).rejects.toMatchObject({ code: 'NETPOL_REPO_NOT_FOUND' });
    await expect(loadRepo({ root: path.join(FIXTURE, 'kustomization.yaml') })).rejects.toMatchObject({
      code: 'NETPOL_REPO_NOT_FOUND',
    });
  });

  it('reads a temporary repository without kustomization: every manifest, paths relative to the root', async () => {
    const repo = useRepo({
      'namespaces/a.yaml': ns('a'),
      'namespaces/b.yaml': `${ns('b')}---\n${ns('a')}`,
      'broken.yaml': 'a: [1\n',
    });
    const result = await loadRepo({ root: repo.root });
    expect(result.repo.namespaces.map((n) => `${n.source.file}:${n.source.line}`)).toEqual([
      'namespaces/a.yaml:1',
      'namespaces/b.yaml:1',
    ]);
    expect(found(result.diagnostics)).toEqual([
      ['YAML_SYNTAX', 'error', 'broken.yaml', 1, 4],
      ['DUPLICATE_OBJECT', 'warning', 'namespaces/b.yaml', 6, 1],
    ]);
    expect(result.diagnostics[1]?.hint).toContain('namespaces/a.yaml:1:1');
  });

  it('parses a repository of more than 1 MiB on worker threads, with the same result as loadRepoFromText', async () => {
    const files = generateRepo({ namespaces: 800 });
    // Files the js-yaml reader reads are read on the calling thread; a tab leaves these to the `yaml` path.
    for (const name of Object.keys(files)) {
      if (name.startsWith('apps/')) files[name] = `#\tread by the yaml path\n${files[name]}`;
    }
    // (An object listed twice in this one kustomize build would fail it whole: fresh-user-3 #6.)
    files['extra.yaml'] = `${ns('extra')}---\nkind: [broken\n`;
    files['kustomization.yaml'] = `${files['kustomization.yaml']}  - extra.yaml\n`;
    const repo = useRepo(files);
    const before = parseWorkerCounts().started;
    const disk = await loadRepo({ root: repo.root });
    const cores = os.availableParallelism();
    expect(parseWorkerCounts().started - before).toBe(cores < 2 ? 0 : Math.min(cores, MAX_WORKERS));
    expect(parseWorkerCounts().live).toBe(0);
    const memory = loadRepoFromText(files);
    expect(disk.repo.policies).toHaveLength(3217);
    expect(disk.repo.namespaces.map((n) => n.name).slice(-2)).toEqual(['app-00799', 'extra']);
    expect(found(disk.diagnostics)).toEqual([['YAML_SYNTAX', 'error', 'extra.yaml', 6, 7]]);
    expect({ ...disk.repo, root: '' }).toEqual(memory.repo);
    expect(disk.diagnostics).toEqual(memory.diagnostics);
  }, 60_000);

  it('reports an unreadable file and reads the rest', async () => {
    const repo = useRepo({ 'a.yaml': ns('a'), 'b.yaml': ns('b') });
    fs.chmodSync(repo.path('b.yaml'), 0o000);
    // Root reads a 0o000 file anyway (CI runs as root): there, the read fails as it does for anyone else.
    if (process.getuid?.() === 0) {
      const read = fs.readFileSync;
      vi.spyOn(fs, 'readFileSync').mockImplementation(((
        file: fs.PathOrFileDescriptor,
        ...rest: unknown[]
      ) => {
        if (file === repo.path('b.yaml')) {
          throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
        }
        return (read as (...args: unknown[]) => unknown)(file, ...rest);
      }) as typeof fs.readFileSync);
    }
    const result = await loadRepo({ root: repo.root }).finally(() => vi.restoreAllMocks());
    expect(result.repo.namespaces.map((n) => n.name)).toEqual(['a']);
    expect(found(result.diagnostics)).toEqual([['FILE_UNREADABLE', 'error', 'b.yaml', 1, 1]]);
  });

  it.each([
    ['listed by a kustomization', { 'kustomization.yaml': 'resources: [web, db]\n' }],
    ['under a tree without kustomization', {}],
  ])(
    'reports an unreadable folder %s as FILE_UNREADABLE, and nothing else about it (fresh-user-3 #8)',
    async (_, extra) => {
      const repo = useRepo({
        ...extra,
        'web/kustomization.yaml': 'resources: [ns.yaml]\n',
        'web/ns.yaml': ns('web'),
        'db/kustomization.yaml': 'resources: [ns.yaml]\n',
        'db/ns.yaml': ns('db'),
      });
      const db = repo.path('db');
      fs.chmodSync(db, 0o000);
      // Root lists a 0o000 folder anyway (CI runs as root): there, the listing fails as it does for anyone else.
      if (process.getuid?.() === 0) {
        const readdir = fs.readdirSync;
        vi.spyOn(fs, 'readdirSync').mockImplementation(((dir: fs.PathLike, ...rest: unknown[]) => {
          if (dir === db) {
            throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
          }
          return (readdir as (...args: unknown[]) => unknown)(dir, ...rest);
        }) as typeof fs.readdirSync);
        const stat = fs.statSync;
        vi.spyOn(fs, 'statSync').mockImplementation(((file: fs.PathLike, ...rest: unknown[]) => {
          if (String(file).startsWith(`${db}/`)) {
            throw Object.assign(new Error(`EACCES: permission denied, stat '${file}'`), { code: 'EACCES' });
          }
          return (stat as (...args: unknown[]) => unknown)(file, ...rest);
        }) as typeof fs.statSync);
      }
      const result = await loadRepo({ root: repo.root }).finally(() => {
        vi.restoreAllMocks();
        fs.chmodSync(db, 0o755);
      });
      expect(result.repo.namespaces.map((n) => n.name)).toEqual(['web']);
      expect(
        result.diagnostics.map((d) => [
          d.code,
          d.severity,
          `${d.source?.file}:${d.source?.line}`,
          d.message,
          d.hint,
        ]),
      ).toEqual([
        [
          'FILE_UNREADABLE',
          'error',
          'db:1',
          `Folder "db" cannot be read: EACCES: permission denied, scandir '${db}'; its files are not loaded.`,
          'Check its permissions: netpol needs to list the folder and read its files (chmod a+rX).',
        ],
      ]);
    },
  );
});

describe('loadRepoFromText', () => {
  it('loads in-memory files like a directory, following a top-level kustomization.yaml', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'kustomization.yaml': 'resources: [b.yaml]\n',
      'a.yaml': ns('a'),
      'b.yaml': ns('b'),
    });
    expect(diagnostics).toEqual([]);
    expect(repo.root).toBe('');
    expect(repo.namespaces.map((n) => n.name)).toEqual(['b']);
  });

  it('reads explicit files and reports missing ones', () => {
    const { repo, diagnostics } = loadRepoFromText({ 'a.yaml': ns('a') }, { files: ['a.yaml', 'x.yaml'] });
    expect(repo.files).toEqual(['a.yaml']);
    expect(found(diagnostics)).toEqual([['FILE_UNREADABLE', 'error', 'x.yaml', 1, 1]]);
  });

  it('keeps the rest of an object when one element is broken, and the rest of the repository', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'a.yaml': yaml`
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: p, namespace: shop}
        spec:
          endpointSelector: {matchLabels: {app: api}}
          ingress:
            - fromEntities: [world]
              toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            - fromCIDR: [300.0.0.0/8]
      `,
      'b.yaml': ns('shop'),
    });
    expect(found(diagnostics)).toEqual([['BAD_CIDR', 'error', 'a.yaml', 9, 18]]);
    const rule = (repo.policies[0] as CiliumPolicyObject).rules[0];
    expect(rule?.ingress?.map((r) => [r.entities, r.cidrs])).toEqual([
      [['world'], null],
      [null, []],
    ]);
    expect(repo.namespaces.map((n) => n.name)).toEqual(['shop']);
  });
});
