/**
 * What `npm pack` ships: the LICENSE package.json names, and every file the README and docs link to
 * (npm always packs README.md, LICENSE and package.json; the rest must be under package.json `files`).
 * A link that leaves the package would be dead for a user who installed the tarball.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  files: string[];
};
/** Files npm packs whatever `files` says (npm-packlist). */
const ALWAYS_PACKED = new Set(['README.md', 'LICENSE', 'package.json']);

function markdownFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Every relative link target of a Markdown file, as a path from the project root. */
function links(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => (m[1] ?? '').split('#')[0] ?? '')
    .filter((t) => t !== '' && !/^[a-z]+:/.test(t))
    .map((t) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), t)));
}

describe('the packed tarball', () => {
  it('carries an Apache-2.0 LICENSE, as package.json says', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(
      license
        .split('\n')
        .slice(1, 3)
        .map((l) => l.trim()),
    ).toEqual(['Apache License', 'Version 2.0, January 2004']);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('carries every file the README and docs link to', () => {
    const sources = ['README.md', ...markdownFiles('docs'), ...markdownFiles('examples')];
    const targets = [...new Set(sources.flatMap(links))].sort();
    expect(targets.length).toBeGreaterThan(20);
    const missing = targets.filter((t) => !existsSync(path.join(ROOT, t)));
    expect(missing).toEqual([]);
    const unpacked = targets.filter(
      (t) => !ALWAYS_PACKED.has(t) && !pkg.files.some((f) => t === f || t.startsWith(`${f}/`)),
    );
    expect(unpacked).toEqual([]);
  });
});
