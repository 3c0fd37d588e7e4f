import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Absolute path of the example repository `examples/homelab`. */
export const HOMELAB_ROOT = path.resolve(import.meta.dirname, '../../examples/homelab');

/** Every file of examples/homelab as a POSIX path → text map (for `useRepo` or `loadRepoFromText`). */
export function homelabFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out[path.relative(HOMELAB_ROOT, abs).split(path.sep).join('/')] = readFileSync(abs, 'utf8');
    }
  };
  walk(HOMELAB_ROOT);
  return out;
}
