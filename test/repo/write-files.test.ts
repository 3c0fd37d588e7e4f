import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkNote, resolveWriteTarget, writeFileAtomic, writeFiles } from '../../src/repo/write-files.js';
import { failingFs } from '../helpers/failing-fs.js';
import { useRepo } from '../helpers/use-repo.js';

/** Every entry below a folder, recursively, sorted (to see leftovers such as temporary files). */
function tree(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

describe('writeFiles', () => {
  it('writes every file, keeps modes, creates folders and leaves no temporary file', () => {
    const repo = useRepo({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n' });
    fs.chmodSync(repo.path('a.yaml'), 0o640);
    const written = writeFiles(
      [
        { file: repo.path('a.yaml'), text: 'a: 2\n' },
        { file: repo.path('new/dir/c.yaml'), text: 'c: 1\n' },
      ],
      { boundary: repo.root, createFolders: true },
    );
    expect(written.map((w) => [w.shown, w.link, w.created])).toEqual([
      ['a.yaml', false, false],
      ['new/dir/c.yaml', false, true],
    ]);
    expect(repo.read('a.yaml')).toBe('a: 2\n');
    expect(repo.read('new/dir/c.yaml')).toBe('c: 1\n');
    expect(fs.statSync(repo.path('a.yaml')).mode & 0o777).toBe(0o640);
    expect(tree(repo.root)).toEqual(['a.yaml', 'b.yaml', 'new', 'new/dir', 'new/dir/c.yaml']);
  });

  it('restores the files already renamed when a later rename fails, and says exactly that', () => {
    const repo = useRepo({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n' });
    const ops = failingFs('renameSync', (t) => t.endsWith('b.yaml'));
    expect(() =>
      writeFiles(
        [
          { file: repo.path('a.yaml'), text: 'a: 2\n' },
          { file: repo.path('new/c.yaml'), text: 'c: 1\n' },
          { file: repo.path('b.yaml'), text: 'b: 2\n' },
        ],
        { boundary: repo.root, createFolders: true, fs: ops },
      ),
    ).toThrow(
      `Cannot write "b.yaml": EACCES: permission denied, renameSync '${repo.path('b.yaml')}'; nothing was written ("a.yaml", "new/c.yaml" restored).`,
    );
    expect(repo.read('a.yaml')).toBe('a: 1\n');
    expect(repo.read('b.yaml')).toBe('b: 1\n');
    expect(tree(repo.root)).toEqual(['a.yaml', 'b.yaml']);
  });

  it('writes nothing when staging fails (a full disk), and removes what it staged', () => {
    const repo = useRepo({ 'a.yaml': 'a: 1\n' });
    const ops = failingFs('writeFileSync', (t) => path.basename(t).startsWith('.b.yaml'));
    expect(() =>
      writeFiles(
        [
          { file: repo.path('a.yaml'), text: 'a: 2\n' },
          { file: repo.path('sub/b.yaml'), text: 'b: 1\n' },
        ],
        { boundary: repo.root, createFolders: true, fs: ops },
      ),
    ).toThrow(/^Cannot write "sub\/b.yaml": EACCES.*; nothing was written\.$/);
    expect(tree(repo.root)).toEqual(['a.yaml']);
    expect(repo.read('a.yaml')).toBe('a: 1\n');
  });

  it('names the files it could not restore, and keeps their previous content beside them', () => {
    const repo = useRepo({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n' });
    // b fails; putting a back (a rename onto a.yaml from its backup) fails too.
    let renames = 0;
    const base = failingFs('renameSync', () => false);
    const ops = {
      ...base,
      renameSync: (from: string, to: string) => {
        renames++;
        if (renames >= 2) throw new Error(`EIO: i/o error, rename '${to}'`);
        base.renameSync(from, to);
      },
    };
    let message = '';
    try {
      writeFiles(
        [
          { file: repo.path('a.yaml'), text: 'a: 2\n' },
          { file: repo.path('b.yaml'), text: 'b: 2\n' },
        ],
        { boundary: repo.root, fs: ops },
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /^Cannot write "b\.yaml": EIO: .*; written and not restored: "a\.yaml" \(its previous content is in "\.a\.yaml\.netpol-[^"]+\.bak"\); not written: "b\.yaml"\.$/,
    );
    expect(repo.read('a.yaml')).toBe('a: 2\n');
    expect(repo.read('b.yaml')).toBe('b: 1\n');
    const backup = tree(repo.root).find((f) => f.endsWith('.bak'));
    expect(backup && repo.read(backup)).toBe('a: 1\n');
  });

  it('writes the target of a symbolic link inside the boundary and keeps the link', () => {
    const repo = useRepo({ 'real/ns.yaml': 'a: 1\n' });
    fs.symlinkSync('real/ns.yaml', repo.path('ns.yaml'));
    const [w] = writeFiles([{ file: repo.path('ns.yaml'), text: 'a: 2\n' }], { boundary: repo.root });
    expect(w).toMatchObject({ link: true, shown: 'real/ns.yaml', created: false });
    expect(fs.lstatSync(repo.path('ns.yaml')).isSymbolicLink()).toBe(true);
    expect(repo.read('real/ns.yaml')).toBe('a: 2\n');
    expect(linkNote('ns.yaml', w?.shown ?? '')).toBe(
      '# ns.yaml is a symbolic link: its target real/ns.yaml is edited (the link is kept)',
    );
  });

  it('treats a file in a linked folder as a link', () => {
    const repo = useRepo({ 'real/ns.yaml': 'a: 1\n' });
    fs.symlinkSync('real', repo.path('apps'));
    expect(resolveWriteTarget(repo.path('apps/ns.yaml'), { boundary: repo.root })).toMatchObject({
      link: true,
      shown: 'real/ns.yaml',
    });
  });

  it('refuses a link that leaves the boundary, or whose target is missing, and writes nothing at all', () => {
    const outside = useRepo({ 'ns.yaml': 'a: 1\n' });
    const repo = useRepo({ 'a.yaml': 'a: 1\n' });
    fs.symlinkSync(outside.path('ns.yaml'), repo.path('ns.yaml'));
    fs.symlinkSync('missing.yaml', repo.path('dangling.yaml'));
    expect(() =>
      writeFiles(
        [
          { file: repo.path('a.yaml'), text: 'a: 2\n' },
          { file: repo.path('ns.yaml'), text: 'a: 2\n' },
        ],
        { boundary: repo.root },
      ),
    ).toThrow(
      `"ns.yaml" leads outside the repository (to "${outside.path('ns.yaml')}") through a symbolic link; netpol does not write there.`,
    );
    expect(() =>
      writeFiles([{ file: repo.path('dangling.yaml'), text: 'x' }], { boundary: repo.root }),
    ).toThrow(/^"dangling\.yaml" is a link whose target cannot be resolved/);
    expect(repo.read('a.yaml')).toBe('a: 1\n');
    expect(outside.read('ns.yaml')).toBe('a: 1\n');
    expect(fs.readlinkSync(repo.path('dangling.yaml'))).toBe('missing.yaml');
  });

  it('refuses a file with several hard links, before writing any file (fresh-user-2 #6)', () => {
    const repo = useRepo({ 'a.yaml': 'a: 1\n', 'docs.yaml': 'b: 1\n' });
    const elsewhere = useRepo({});
    fs.linkSync(repo.path('docs.yaml'), elsewhere.path('docs-hardlink.yaml'));
    expect(() =>
      writeFiles(
        [
          { file: repo.path('a.yaml'), text: 'a: 2\n' },
          { file: repo.path('docs.yaml'), text: 'b: 2\n' },
        ],
        { boundary: repo.root },
      ),
    ).toThrow(
      '"docs.yaml" has 2 hard links: netpol writes a file by replacing it, which would leave its other names with the old content; nothing was written.',
    );
    expect(repo.read('a.yaml')).toBe('a: 1\n');
    expect(repo.read('docs.yaml')).toBe('b: 1\n');
    expect(fs.statSync(repo.path('docs.yaml')).nlink).toBe(2);
    expect(tree(repo.root)).toEqual(['a.yaml', 'docs.yaml']);
  });

  it('refuses two names of one file with different contents', () => {
    const repo = useRepo({ 'real.yaml': 'a: 1\n' });
    fs.symlinkSync('real.yaml', repo.path('link.yaml'));
    expect(() =>
      writeFiles(
        [
          { file: repo.path('real.yaml'), text: 'a: 2\n' },
          { file: repo.path('link.yaml'), text: 'a: 3\n' },
        ],
        { boundary: repo.root },
      ),
    ).toThrow('"real.yaml" and "link.yaml" are the same file');
    expect(repo.read('real.yaml')).toBe('a: 1\n');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file, keeps its mode and leaves no temporary file', () => {
    const repo = useRepo({ 'ns.yaml': 'a: 1\n' });
    fs.chmodSync(repo.path('ns.yaml'), 0o640);
    writeFileAtomic(repo.path('ns.yaml'), 'a: 2\n');
    expect(repo.read('ns.yaml')).toBe('a: 2\n');
    expect(fs.statSync(repo.path('ns.yaml')).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(repo.root)).toEqual(['ns.yaml']);
  });

  it('creates a new file, and follows a link instead of replacing it', () => {
    const repo = useRepo({ 'real.yaml': 'a: 1\n' });
    writeFileAtomic(repo.path('new.yaml'), 'x: 1\n');
    expect(repo.read('new.yaml')).toBe('x: 1\n');
    fs.symlinkSync('real.yaml', repo.path('link.yaml'));
    writeFileAtomic(repo.path('link.yaml'), 'a: 2\n');
    expect(fs.lstatSync(repo.path('link.yaml')).isSymbolicLink()).toBe(true);
    expect(repo.read('real.yaml')).toBe('a: 2\n');
  });

  it('throws NETPOL_WRITE_FAILED when the folder does not exist', () => {
    const repo = useRepo({});
    expect(() => writeFileAtomic(repo.path('missing/dir/x.yaml'), 'x')).toThrow(
      expect.objectContaining({ code: 'NETPOL_WRITE_FAILED' }),
    );
  });
});
