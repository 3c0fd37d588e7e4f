import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/** A temporary repository on disk, removed when the current test finishes. */
export interface TempRepo {
  /** Absolute path of the repository root. */
  readonly root: string;
  /** Writes (or overwrites) a file, creating folders. */
  write(file: string, text: string): void;
  /** Reads a file back. */
  read(file: string): string;
  /** Absolute path of a file in the repository. */
  path(file: string): string;
}

/**
 * Writes `files` (POSIX path → text) into a fresh temporary directory for the current test, and removes
 * it when the test finishes (vitest's `useFS` idea). Call it inside a test.
 * @example
 * const repo = useRepo({ 'apps/kustomization.yaml': yaml`resources: [ns.yaml]` });
 */
export function useRepo(files: Readonly<Record<string, string>>): TempRepo {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-repo-')));
  onTestFinished(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const abs = (file: string) => path.join(root, ...file.split('/'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(abs(file)), { recursive: true });
    fs.writeFileSync(abs(file), text);
  };
  for (const [file, text] of Object.entries(files)) write(file, text);
  return { root, write, read: (file) => fs.readFileSync(abs(file), 'utf8'), path: abs };
}

/**
 * A template tag that removes the common indentation and the first empty line, so YAML can be written
 * indented inside tests. Interpolated values are inserted as they are.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '');
  text = text.replace(/^\n/, '').replace(/\n[ \t]*$/, '\n');
  const indents = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const min = indents.length > 0 ? Math.min(...indents) : 0;
  return text
    .split('\n')
    .map((line) => line.slice(Math.min(min, /^ */.exec(line)?.[0].length ?? 0)))
    .join('\n');
}
