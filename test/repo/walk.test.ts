import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepo } from '../../src/repo/load-repo.js';
import { directoryLinkSkip } from '../../src/repo/walk.js';

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
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ['a/loop', 'loop'],
    ['ext', 'outside'],
    ['a/b-again', 'revisit'],
  ])('%s is skipped as %s', (entry, reason) => {
    expect(directoryLinkSkip(path.join(root, entry), root)?.reason).toBe(reason);
  });

  it('follows real directories, and a link inside a wider boundary', () => {
    expect(directoryLinkSkip(path.join(root, 'a'), root)).toBeNull();
    expect(directoryLinkSkip(path.join(root, 'ext'), tmp, root)).toBeNull();
  });

  it('loads each file once, never outside the root, and says once per link what was skipped', async () => {
    const { repo, diagnostics } = await loadRepo({ root });
    expect(repo.namespaces.map((n) => n.name).sort()).toEqual(['b']);
    expect(repo.files).toEqual(['b/ns.yaml', 'file-link.yaml']);
    expect(diagnostics.filter((d) => d.code === 'LINK_NOT_FOLLOWED').map((d) => d.message)).toEqual([
      'Directory link "a/b-again" is not followed: its target is inside the repository and is read by its own path.',
      'Directory link "a/loop" is not followed: it leads back to a directory above it (a loop).',
      'Directory link "ext" is not followed: it leads outside the repository.',
    ]);
  });
});
