import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRevision } from '../../../src/workflows/analysis/git-revision.js';
import { useGitRepo } from '../../fixtures/diff/git-repo.js';

describe('readRevision', () => {
  it('reads the manifests of a subdirectory at a revision, relative to that directory', async () => {
    const repo = useGitRepo({
      'README.md': '# top\n',
      'outside.yaml': 'kind: Namespace\n',
      'cluster/kustomization.yaml': 'resources:\n  - apps\n  - extra.txt\n',
      'cluster/apps/web.yaml': 'v: 1\n',
      'cluster/apps/data.json': '{"v": 1}\n',
      'cluster/apps/Kustomization': 'resources: [web.yaml]\n',
      'cluster/extra.txt': 'listed by the kustomization\n',
      'cluster/notes.txt': 'not a manifest and not listed\n',
      'cluster/dir with space/ünï.yml': 'v: 2\n',
      'cluster/netpol.config.yaml': 'cluster: {}\n',
    });
    fs.symlinkSync('apps/web.yaml', repo.path('cluster/link.yaml'));
    const first = repo.commit('with a symlink');
    const tree = await readRevision(repo.path('cluster'), 'HEAD');
    expect(tree).toEqual({
      revision: 'HEAD',
      commit: first,
      toplevel: repo.top,
      prefix: 'cluster',
      exists: true,
      files: {
        'apps/Kustomization': 'resources: [web.yaml]\n',
        'apps/data.json': '{"v": 1}\n',
        'apps/web.yaml': 'v: 1\n',
        'dir with space/ünï.yml': 'v: 2\n',
        'extra.txt': 'listed by the kustomization\n',
        'kustomization.yaml': 'resources:\n  - apps\n  - extra.txt\n',
        'netpol.config.yaml': 'cluster: {}\n',
      },
    });
  });

  it('reads older revisions, not the working tree', async () => {
    const repo = useGitRepo({ 'a.yaml': 'v: 1\n' });
    const base = repo.git('rev-parse', 'HEAD').trim();
    repo.write('a.yaml', 'v: 2\n');
    repo.write('b.yaml', 'new: true\n');
    repo.commit('second');
    repo.write('a.yaml', 'v: 3 (not committed)\n');
    expect((await readRevision(repo.top, 'HEAD~1')).files).toEqual({ 'a.yaml': 'v: 1\n' });
    expect((await readRevision(repo.top, base)).commit).toBe(base);
    expect((await readRevision(repo.top, 'main')).files).toEqual({
      'a.yaml': 'v: 2\n',
      'b.yaml': 'new: true\n',
    });
  });

  it('keeps multi-byte text and blobs shared by several paths intact', async () => {
    const text = `# ${'é'.repeat(5000)}\nv: "日本語"\n`;
    const repo = useGitRepo({ 'a.yaml': text, 'b/a.yaml': text, 'c.yaml': '' });
    expect((await readRevision(repo.top, 'HEAD')).files).toEqual({
      'a.yaml': text,
      'b/a.yaml': text,
      'c.yaml': '',
    });
  });

  it('reports a directory that does not exist at the revision as empty, not as an error', async () => {
    const repo = useGitRepo({ 'a.yaml': 'v: 1\n' });
    repo.write('later/b.yaml', 'v: 2\n');
    repo.commit('add later/');
    const tree = await readRevision(repo.path('later'), 'HEAD~1');
    expect(tree).toMatchObject({ prefix: 'later', exists: false, files: {} });
  });

  it('reads the whole work tree with workTree, by path from its top, and says whether the directory exists', async () => {
    const repo = useGitRepo({
      'README.md': '# top\n',
      'apps/web.yaml': 'v: 1\n',
      'clusters/prod/kustomization.yaml': 'resources:\n  - ../../apps/notes.txt\n',
      'apps/notes.txt': 'listed by a kustomization\n',
    });
    repo.write('clusters/staging/ns.yaml', 'v: 2\n');
    const tree = await readRevision(repo.path('clusters/prod'), 'HEAD', { workTree: true });
    expect(tree).toMatchObject({
      prefix: 'clusters/prod',
      exists: true,
      files: {
        'apps/notes.txt': 'listed by a kustomization\n',
        'apps/web.yaml': 'v: 1\n',
        'clusters/prod/kustomization.yaml': 'resources:\n  - ../../apps/notes.txt\n',
      },
    });
    expect(Object.keys(tree.files)).toHaveLength(3);
    expect(await readRevision(repo.path('clusters/staging'), 'HEAD', { workTree: true })).toMatchObject({
      prefix: 'clusters/staging',
      exists: false,
    });
  });

  it('runs three git processes per revision whatever the number of files', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`ns/n${i}.yaml`] = `n: ${i}\n`;
    const repo = useGitRepo(files);
    const log = path.join(repo.top, '..', `${path.basename(repo.top)}-git.log`);
    const wrapper = path.join(repo.top, '..', `${path.basename(repo.top)}-git.sh`);
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> '${log}'\nexec git "$@"\n`, { mode: 0o755 });
    try {
      const tree = await readRevision(repo.top, 'HEAD', { git: wrapper });
      expect(Object.keys(tree.files)).toHaveLength(60);
      expect(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([
        'rev-parse',
        '--literal-pathspecs',
        'cat-file',
      ]);
    } finally {
      fs.rmSync(log, { force: true });
      fs.rmSync(wrapper, { force: true });
    }
  });

  it('reads the repository around the directory even when a git hook set GIT_DIR', async () => {
    const repo = useGitRepo({ 'a.yaml': 'v: 1\n' });
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = '.git-of-another-repository';
    try {
      expect((await readRevision(repo.top, 'HEAD')).files).toEqual({ 'a.yaml': 'v: 1\n' });
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });

  it.each([
    ['nope', /^git revision "nope" does not name a commit of the repository at ".+"\.$/],
    ['HEAD~5', /^git revision "HEAD~5" does not name a commit/],
    ['--output=/tmp/x', /^"--output=\/tmp\/x" is not a git revision\.$/],
    ['', /^"" is not a git revision\.$/],
  ])('rejects the revision %j with NETPOL_GIT_FAILED', async (rev, message) => {
    const repo = useGitRepo({ 'a.yaml': 'v: 1\n' });
    const error = await readRevision(repo.top, rev).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NetpolError', code: 'NETPOL_GIT_FAILED' });
    expect((error as Error).message).toMatch(message);
  });

  it('says where to fetch a missing base', async () => {
    const repo = useGitRepo({ 'a.yaml': 'v: 1\n' });
    await expect(readRevision(repo.top, 'origin/main')).rejects.toMatchObject({
      hint: expect.stringContaining('fetch-depth: 0'),
    });
  });

  it('fails with NETPOL_GIT_FAILED outside a git work tree', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-nogit-')));
    try {
      await expect(readRevision(dir, 'HEAD')).rejects.toMatchObject({
        code: 'NETPOL_GIT_FAILED',
        message: `"${dir}" is not inside a git work tree.`,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with NETPOL_GIT_FAILED when git cannot be run', async () => {
    const repo = useGitRepo({ 'a.yaml': 'v: 1\n' });
    await expect(readRevision(repo.top, 'HEAD', { git: '/nonexistent/bin/git' })).rejects.toMatchObject({
      code: 'NETPOL_GIT_FAILED',
      message: 'git cannot be run ("/nonexistent/bin/git" was not found).',
      hint: expect.stringContaining('Install git'),
    });
  });

  it('fails with NETPOL_REPO_NOT_FOUND for a missing directory', async () => {
    await expect(readRevision('/nonexistent/netpol-repo', 'HEAD')).rejects.toMatchObject({
      code: 'NETPOL_REPO_NOT_FOUND',
      message: 'Repository root "/nonexistent/netpol-repo" does not exist.',
    });
  });
});
