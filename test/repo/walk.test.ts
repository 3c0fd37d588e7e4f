import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepo } from '../../src/repo/load-repo.js';
import { directoryLinkSkip, fileLinkSkip } from '../../src/repo/walk.js';

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('tree walk and directory links (issue 8)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-walk-'));
  const outside = path.join(tmp, 'outside');
  const root = path.join(tmp, 'repo');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  fs.mkdirSync(path.join(root, 'b'));
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'ns.yaml'), NS('from-outside'));
  fs.writeFileSync(path.join(root, 'b', 'ns.yaml'), NS('b'));
  fs.symlinkSync('..', path.join(root, 'a', 'loop'));
  fs.symlinkSync(outside, path.join(root, 'ext'));
  fs.symlinkSync('../b', path.join(root, 'a', 'b-again'));
  fs.symlinkSync('b/ns.yaml', path.join(root, 'file-link.yaml'));
  fs.symlinkSync('self.yaml', path.join(root, 'self.yaml'));
  fs.symlinkSync('nothere.yaml', path.join(root, 'dangling.yaml'));
  fs.symlinkSync(path.join(outside, 'ns.yaml'), path.join(root, 'out.yaml'));
  fs.symlinkSync('nothere.md', path.join(root, 'README.md'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ['a/loop', 'loop'],
    ['ext', 'outside'],
    ['a/b-again', 'revisit'],
  ])('%s is skipped as %s', (entry, reason) => {
    expect(directoryLinkSkip(path.join(root, entry), root)?.reason).toBe(reason);
  });

  it.each([
    ['self.yaml', 'loop', 'self.yaml'],
    ['dangling.yaml', 'missing', 'nothere.yaml'],
    ['out.yaml', 'outside', path.join(outside, 'ns.yaml')],
  ])('file link %s is not read: %s (fresh-user-2 #5)', (entry, reason, target) => {
    expect(fileLinkSkip(path.join(root, entry), root)).toEqual({
      link: path.join(root, entry),
      target,
      reason,
      file: true,
    });
  });

  it('reads a file link inside the boundary and a plain file', () => {
    expect(fileLinkSkip(path.join(root, 'file-link.yaml'), root)).toBeNull();
    expect(fileLinkSkip(path.join(root, 'b', 'ns.yaml'), root)).toBeNull();
    expect(fileLinkSkip(path.join(root, 'out.yaml'), tmp)).toBeNull();
  });

  it('follows real directories, and a link inside a wider boundary', () => {
    expect(directoryLinkSkip(path.join(root, 'a'), root)).toBeNull();
    expect(directoryLinkSkip(path.join(root, 'ext'), tmp, root)).toBeNull();
  });

  it('loads each file once, never outside the root, and says once per link what was skipped', async () => {
    const { repo, diagnostics } = await loadRepo({ root });
    expect(repo.namespaces.map((n) => n.name).sort()).toEqual(['b']);
    expect(repo.files).toEqual(['b/ns.yaml', 'file-link.yaml']);
    expect(
      diagnostics
        .filter((d) => d.code === 'LINK_NOT_FOLLOWED')
        .map((d) => [
          `${d.source?.file}:${d.source?.line}:${d.source?.column}`,
          d.severity,
          d.message,
          d.hint,
        ]),
    ).toEqual([
      [
        'a/b-again:1:1',
        'warning',
        'Directory link "a/b-again" is not followed: its target is inside the repository and is read by its own path.',
        'Copy the files into the repository or list them in a kustomization; links to files are followed.',
      ],
      [
        'a/loop:1:1',
        'warning',
        'Directory link "a/loop" is not followed: it leads back to a directory above it (a loop).',
        'Copy the files into the repository or list them in a kustomization; links to files are followed.',
      ],
      [
        'dangling.yaml:1:1',
        'warning',
        'File link "dangling.yaml" is not read: its target does not exist.',
        'Fix or remove the link.',
      ],
      [
        'ext:1:1',
        'warning',
        'Directory link "ext" is not followed: it leads outside the repository.',
        'Copy the files into the repository or list them in a kustomization; links to files are followed.',
      ],
      [
        'out.yaml:1:1',
        'warning',
        'File link "out.yaml" is not read: it leads outside the repository.',
        'Copy the file into the repository.',
      ],
      [
        'self.yaml:1:1',
        'warning',
        'File link "self.yaml" is not read: it leads back to itself (a loop).',
        'Fix or remove the link.',
      ],
    ]);
  });
});

describe('a kustomization or Flux path naming a link that is not followed (fresh-user-3 #13)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-walk-'));
  const outside = path.join(tmp, 'outside');
  const root = path.join(tmp, 'repo');
  fs.mkdirSync(path.join(root, 'apps', 'web'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'ns.yaml'), NS('from-outside'));
  fs.writeFileSync(path.join(root, 'ns.yaml'), NS('a'));
  fs.writeFileSync(path.join(root, 'apps', 'web', 'kustomization.yaml'), 'resources: []\n');
  fs.symlinkSync(outside, path.join(root, 'ext'));
  fs.symlinkSync(path.join(outside, 'ns.yaml'), path.join(root, 'out.yaml'));
  fs.symlinkSync('self.yaml', path.join(root, 'self.yaml'));
  fs.symlinkSync('..', path.join(root, 'apps', 'up'));
  fs.symlinkSync('gone', path.join(root, 'apps', 'gone-link'));
  fs.symlinkSync('web', path.join(root, 'apps', 'web-link'));
  const listed = ['ns.yaml', 'ext', 'out.yaml', 'self.yaml', 'apps/up', 'apps/gone-link', 'apps/web-link'];
  fs.writeFileSync(
    path.join(root, 'kustomization.yaml'),
    `resources:\n${listed.map((e) => `- ${e}\n`).join('')}`,
  );
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('says what each link is instead of "does not exist"', async () => {
    const { diagnostics } = await loadRepo({ root });
    expect(
      diagnostics
        .filter((d) => d.code === 'KUSTOMIZE_MISSING_RESOURCE')
        .map((d) => [`${d.source?.file}:${d.source?.line}`, d.severity, d.message, d.hint]),
    ).toEqual([
      [
        'kustomization.yaml:3',
        'error',
        'Resource "ext" is a symbolic link that is not followed: it leads outside the repository.',
        'Copy its target into the repository, or remove the entry.',
      ],
      [
        'kustomization.yaml:4',
        'error',
        'Resource "out.yaml" is a symbolic link that is not followed: it leads outside the repository.',
        'Copy its target into the repository, or remove the entry.',
      ],
      [
        'kustomization.yaml:5',
        'error',
        'Resource "self.yaml" is a symbolic link that is not followed: it leads back to itself (a loop).',
        'Fix the link or remove the entry.',
      ],
      [
        'kustomization.yaml:6',
        'error',
        'Resource "apps/up" is a symbolic link that is not followed: it leads back to a directory above it (a loop).',
        'Fix the link or remove the entry.',
      ],
      [
        'kustomization.yaml:7',
        'error',
        'Resource "apps/gone-link" is a symbolic link that is not followed: its target does not exist.',
        'Fix the link or remove the entry.',
      ],
      [
        'kustomization.yaml:8',
        'error',
        'Resource "apps/web-link" is a symbolic link that is not followed: its target is inside the repository and is read by its own path.',
        'List the folder it points to ("apps/web" from the repository root) instead; Flux sources hold no symbolic links.',
      ],
    ]);
  });

  it('says so for a Flux spec.path that is such a link', async () => {
    const flux = path.join(tmp, 'flux');
    fs.mkdirSync(path.join(flux, 'clusters', 'prod'), { recursive: true });
    fs.mkdirSync(path.join(flux, '.git'));
    fs.symlinkSync(outside, path.join(flux, 'shared'));
    fs.writeFileSync(
      path.join(flux, 'clusters', 'prod', 'apps.yaml'),
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {path: ./shared, sourceRef: {kind: GitRepository, name: flux-system}}\n',
    );
    fs.writeFileSync(path.join(flux, 'clusters', 'prod', 'ns.yaml'), NS('web'));
    const { diagnostics } = await loadRepo({ root: path.join(flux, 'clusters', 'prod') });
    expect(
      diagnostics.filter((d) => d.code === 'FLUX_PATH_MISSING').map((d) => [d.source?.line, d.message]),
    ).toEqual([
      [
        4,
        'Kustomization flux-system/apps has path "./shared", a symbolic link that is not followed (it leads outside the repository); Flux fails to reconcile it, so it applies nothing.',
      ],
    ]);
  });
});
