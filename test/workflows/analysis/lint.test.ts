import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReadCache } from '../../../src/repo/host.js';
import { checkLintConfig, lintRepo } from '../../../src/workflows/analysis/lint.js';
import { loadForAnalysis } from '../../../src/workflows/analysis/load.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { failingFs } from '../../helpers/failing-fs.js';
import { useRepo, yaml } from '../../helpers/use-repo.js';
import { fixtureFiles } from '../../lint/fixtures.js';

describe('lintRepo on examples/homelab', () => {
  it('lints clean: no finding of any severity, nothing suppressed, a clean lint configuration', async () => {
    const loaded = await loadForAnalysis({ root: path.join(PROJECT_ROOT, 'examples/homelab') });
    expect(checkLintConfig(loaded)).toEqual([]);
    expect(await lintRepo(loaded)).toEqual({
      findings: [],
      suppressed: 0,
      fixed: 0,
      diffs: [],
      errorCount: 0,
      warningCount: 0,
    });
  });
});

describe('lintRepo', () => {
  it('returns findings as data, sorted, with counts and fixability', async () => {
    const files = fixtureFiles('unknown-profile', 'invalid');
    files['namespaces.yaml'] += yaml`
      ---
      apiVersion: v1
      kind: Namespace
      metadata:
        name: blog
    `;
    const repo = useRepo(files);
    const report = await lintRepo(await loadForAnalysis({ root: repo.root }));
    expect(report).toEqual({
      findings: [
        {
          ruleId: 'unknown-profile',
          severity: 'error',
          message:
            'Namespace "shop" has profile "wep", but no profile policy selects np.test/profile=wep; did you mean "web"?',
          source: { file: 'namespaces.yaml', line: 21, column: 5, endLine: 21, endColumn: 20 },
          hint: 'Set np.test/profile: web (netpol lint --fix does it when only one profile is this close).',
          fixable: true,
        },
        {
          ruleId: 'missing-profile',
          severity: 'warning',
          message:
            'Application namespace "blog" has no np.test/profile label and no policies of its own, so its pods get no ingress at all (only what the baselines allow).',
          source: { file: 'namespaces.yaml', line: 34, column: 9, endLine: 34, endColumn: 13 },
          hint: 'Give it a profile: np.test/profile: isolated | web (isolated-style profiles make "no ingress" explicit).',
          fixable: false,
        },
      ],
      suppressed: 0,
      fixed: 0,
      diffs: [],
      errorCount: 1,
      warningCount: 1,
    });
  });

  it('follows lint: in netpol.config.yaml: severities, off, and rule options', async () => {
    const files = fixtureFiles('any-port', 'invalid');
    const lint = (config: string) => {
      const repo = useRepo({ ...files, 'netpol.config.yaml': `${files['netpol.config.yaml']}${config}` });
      return loadForAnalysis({ root: repo.root }).then((l) => lintRepo(l));
    };
    expect(
      (await lint('  rules:\n    any-port: warning\n')).findings.map((f) => [f.ruleId, f.severity]),
    ).toEqual([['any-port', 'warning']]);
    expect((await lint('  rules:\n    any-port: "off"\n')).findings).toEqual([]);
    const options = await lint('  any-port:\n    exemptEntities: []\n  hardcoded-ip:\n    allowList: []\n');
    expect(options.findings.map((f) => [f.ruleId, f.source.file, f.source.line])).toEqual([
      ['any-port', 'apps/shop.yaml', 12],
      ['any-port', 'baselines.yaml', 27],
      ['hardcoded-ip', 'baselines.yaml', 30],
      // With no exempt entities, the health baseline's remote-node rules are any-port too.
      ['any-port', 'baselines.yaml', 73],
      ['any-port', 'baselines.yaml', 76],
    ]);
  });

  it('a bad lint configuration is a CONFIG_INVALID diagnostic and the default applies', async () => {
    const files = fixtureFiles('any-port', 'invalid');
    const repo = useRepo({
      ...files,
      'netpol.config.yaml': `${files['netpol.config.yaml']}  rules:\n    any-port: fatal\n`,
    });
    const loaded = await loadForAnalysis({ root: repo.root });
    expect(
      checkLintConfig(loaded).map((d) => [
        d.code,
        d.severity,
        d.source?.file,
        d.source?.line,
        d.source?.column,
      ]),
    ).toEqual([['CONFIG_INVALID', 'error', 'netpol.config.yaml', 9, 15]]);
    expect((await lintRepo(loaded)).findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['any-port', 'error'],
    ]);
  });

  it('counts suppressed findings; a suppression without a reason suppresses nothing', async () => {
    const base = fixtureFiles('any-port', 'invalid');
    const annotate = (annotations: string) =>
      base['apps/shop.yaml']?.replace(
        '  namespace: shop\n',
        `  namespace: shop\n  annotations:\n${annotations}`,
      ) ?? '';
    const withReason = useRepo({
      ...base,
      'apps/shop.yaml': annotate(
        '    netpol.dev/ignore: any-port\n    netpol.dev/ignore-reason: "ports chosen at run time"\n',
      ),
    });
    expect(await lintRepo(await loadForAnalysis({ root: withReason.root }))).toMatchObject({
      findings: [],
      suppressed: 1,
    });
    const noReason = useRepo({ ...base, 'apps/shop.yaml': annotate('    netpol.dev/ignore: any-port\n') });
    const report = await lintRepo(await loadForAnalysis({ root: noReason.root }));
    expect(report.suppressed).toBe(0);
    expect(report.findings.map((f) => [f.ruleId, f.source.line])).toEqual([
      ['invalid-suppression', 8],
      ['any-port', 14],
    ]);
  });

  it('--fix writes every fix atomically, keeps comments and other documents, and returns the diffs', async () => {
    const files = fixtureFiles('not-in-kustomization', 'invalid');
    files['namespaces.yaml'] = `# every namespace\n${(files['namespaces.yaml'] ?? '')
      .replace('np.test/profile: web', 'np.test/profile: "Web" # the shop')
      .replace('np.test/profile: isolated', 'np.test/profile: isolatd')}`;
    const repo = useRepo(files);
    const report = await lintRepo(await loadForAnalysis({ root: repo.root }), { fix: true });
    expect(report).toMatchObject({ fixed: 3, findings: [], errorCount: 0 });
    expect(report.diffs.map((d) => d.split('\n')[0])).toEqual([
      '--- a/namespaces.yaml',
      '--- a/platform/kustomization.yaml',
    ]);
    expect(repo.read('namespaces.yaml')).toBe(
      `# every namespace\n${(files['namespaces.yaml'] ?? '').slice('# every namespace\n'.length)}`
        .replace('np.test/profile: "Web" # the shop', 'np.test/profile: "web" # the shop')
        .replace('np.test/profile: isolatd', 'np.test/profile: isolated'),
    );
    expect(fs.readdirSync(repo.root).filter((f) => f.includes('.tmp'))).toEqual([]);
    const again = await lintRepo(await loadForAnalysis({ root: repo.root }), { fix: true });
    expect(again).toMatchObject({ fixed: 0, diffs: [], findings: [] });
  });

  it('--fix keeps CRLF line ends and writes all files or none', async () => {
    const files = fixtureFiles('not-in-kustomization', 'invalid');
    const crlf = (t: string | undefined) => (t ?? '').replace(/\n/g, '\r\n');
    files['namespaces.yaml'] = crlf(files['namespaces.yaml']).replace(
      'np.test/profile: isolated',
      'np.test/profile: isolatd',
    );
    files['platform/kustomization.yaml'] = crlf(files['platform/kustomization.yaml']);
    const repo = useRepo(files);
    const failing = failingFs('renameSync', (t) => t.endsWith('kustomization.yaml'));
    await expect(
      lintRepo(await loadForAnalysis({ root: repo.root }), { fix: true, fs: failing }),
    ).rejects.toThrow(
      /^Cannot write "platform\/kustomization\.yaml": EACCES: .*; nothing was written \("namespaces\.yaml" restored\)\.$/,
    );
    expect(repo.read('namespaces.yaml')).toBe(files['namespaces.yaml']);
    expect(repo.read('platform/kustomization.yaml')).toBe(files['platform/kustomization.yaml']);
    const report = await lintRepo(await loadForAnalysis({ root: repo.root }), { fix: true });
    expect(report).toMatchObject({ fixed: 2, findings: [] });
    expect(repo.read('platform/kustomization.yaml')).toBe(
      `${files['platform/kustomization.yaml']}  - batch.yaml\r\n`,
    );
    expect(repo.read('namespaces.yaml')).toBe(
      (files['namespaces.yaml'] ?? '').replace('np.test/profile: isolatd', 'np.test/profile: isolated'),
    );
  });

  it('--fix keeps CRLF when an emptied map becomes {}, and edits a linked file in its target', async () => {
    const base = fixtureFiles('any-port', 'invalid');
    const shop = (base['apps/shop.yaml'] ?? '')
      .replace(
        '  namespace: shop\n',
        '  namespace: shop\n  annotations:\n    netpol.dev/ignore: hardcoded-ip\n    netpol.dev/ignore-reason: "none"\n',
      )
      .replace(/\n/g, '\r\n');
    const repo = useRepo({ ...base, 'apps/shop.yaml': '', '.shared/shop.yaml': shop });
    fs.rmSync(repo.path('apps/shop.yaml'));
    fs.symlinkSync('../.shared/shop.yaml', repo.path('apps/shop.yaml'));
    const report = await lintRepo(await loadForAnalysis({ root: repo.root }), { fix: true });
    expect(report.fixed).toBe(1);
    expect(repo.read('.shared/shop.yaml')).toBe(
      shop.replace(
        '  annotations:\r\n    netpol.dev/ignore: hardcoded-ip\r\n    netpol.dev/ignore-reason: "none"\r\n',
        '  annotations: {}\r\n',
      ),
    );
    expect(fs.lstatSync(repo.path('apps/shop.yaml')).isSymbolicLink()).toBe(true);
    expect(report.diffs[0]?.split('\n')[0]).toBe(
      '# apps/shop.yaml is a symbolic link: its target .shared/shop.yaml is edited (the link is kept)',
    );
  });

  it("with the load's read cache, reads no file the load read again and reports the same", async () => {
    const repo = useRepo(fixtureFiles('not-in-kustomization', 'invalid'));
    const fresh = await lintRepo(await loadForAnalysis({ root: repo.root }));
    const readCache = createReadCache();
    const loaded = await loadForAnalysis({ root: repo.root, readCache });
    expect(loaded.readCache).toBe(readCache);
    expect([...readCache.parsed.keys()]).toContain('platform/kustomization.yaml');
    // Changed on disk after the load: the lint still reads the tree as the load read it.
    for (const file of readCache.texts.keys()) fs.writeFileSync(path.join(repo.root, file), 'broken: [\n');
    expect(await lintRepo(loaded)).toEqual(fresh);
    expect(fresh.findings.map((f) => f.ruleId)).toEqual(['not-in-kustomization']);
  });

  it('without a tree (-f files) there is no unlisted manifest; positions still resolve', async () => {
    const repo = useRepo(fixtureFiles('not-in-kustomization', 'invalid'));
    expect(
      (await lintRepo(await loadForAnalysis({ root: repo.root }))).findings.map((f) => f.ruleId),
    ).toEqual(['not-in-kustomization']);
    const explicit = await lintRepo(await loadForAnalysis({ root: repo.root, files: [repo.root] }));
    expect(explicit.findings).toEqual([]);
    const profile = useRepo(fixtureFiles('unknown-profile', 'invalid'));
    const report = await lintRepo(await loadForAnalysis({ root: profile.root, files: [profile.root] }));
    expect(report.findings.map((f) => [f.ruleId, f.source.file, f.source.line, f.fixable])).toEqual([
      ['unknown-profile', profile.path('namespaces.yaml'), 21, true],
    ]);
  });

  it('reads standard input without positions it cannot know', async () => {
    const stdin = `${fixtureFiles('unknown-profile', 'invalid')['profiles.yaml']}---\n${fixtureFiles('unknown-profile', 'invalid')['namespaces.yaml']}`;
    const loaded = await loadForAnalysis({ files: ['-'], readStdin: async () => stdin });
    const report = await lintRepo(loaded, { fix: true });
    expect(report.fixed).toBe(0);
    expect(
      report.findings
        .filter((f) => f.ruleId === 'unknown-profile')
        .map((f) => [f.source.file, f.source.line, f.fixable]),
    ).toEqual([['<stdin>', 50, false]]);
  });
});
