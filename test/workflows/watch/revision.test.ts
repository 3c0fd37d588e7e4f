import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { revisionOf } from '../../../src/workflows/watch/repository.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const DIGEST = 'sha256:0123456789ab';

let roots: string[] = [];
afterEach(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  roots = [];
});

/** Writes `files` (path → text) under a fresh temporary directory and returns it. */
function tree(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-revision-')));
  roots.push(root);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

// Git's on-disk layout (gitrepository-layout(5), git-worktree(1)): HEAD holds a commit or `ref: <name>`; a ref is a
// loose file or a line of packed-refs; a linked worktree or submodule has a `.git` file `gitdir: <path>`, and a
// worktree's shared refs live in the directory its `commondir` names.
describe('revisionOf', () => {
  it.each([
    {
      name: 'a clone: HEAD names a loose branch ref',
      files: { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${A}\n`, 'repo/x.yaml': '' },
      dir: 'repo',
      expected: A,
    },
    {
      name: 'a clone whose branch is only in packed-refs',
      files: {
        '.git/HEAD': 'ref: refs/heads/main\n',
        '.git/packed-refs': `# pack-refs\n${B} refs/heads/main\n`,
      },
      dir: '',
      expected: B,
    },
    { name: 'a detached HEAD', files: { '.git/HEAD': `${C}\n` }, dir: '', expected: C },
    {
      name: 'a linked worktree: .git is a file, the branch ref lives in the common directory',
      files: {
        'main/.git/HEAD': 'ref: refs/heads/main\n',
        'main/.git/refs/heads/wt': `${B}\n`,
        'main/.git/worktrees/wt/HEAD': 'ref: refs/heads/wt\n',
        'main/.git/worktrees/wt/commondir': '../..\n',
        'wt/.git': 'gitdir: ../main/.git/worktrees/wt\n',
        'wt/examples/x.yaml': '',
      },
      dir: 'wt/examples',
      expected: B,
    },
    {
      name: 'a git-sync worktree: the 40-hex path component wins',
      files: { [`rev-${A}/x`]: '', [`${C}/x.yaml`]: '' },
      dir: C,
      expected: C,
    },
    { name: 'no git: the content digest', files: { 'x.yaml': '' }, dir: '', expected: DIGEST },
    {
      name: 'a HEAD naming a missing ref: the content digest',
      files: { '.git/HEAD': 'ref: refs/heads/gone\n' },
      dir: '',
      expected: DIGEST,
    },
  ])('$name', ({ files, dir, expected }) => {
    const root = tree(files);
    expect(revisionOf(path.join(root, dir), DIGEST)).toBe(expected);
  });
});
