import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffLines } from 'diff';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { homelabFiles } from '../helpers/homelab.js';
import { flowFixture } from '../hubble/helpers/fixtures.js';

/**
 * Every editing command on generated styles of examples/homelab (issue 8, "Done when"): namespace files, the
 * kustomizations, netpol.config.yaml and a platform CNP get CRLF line ends, a byte-order mark, header and trailing
 * comments, flow-style label maps and an anchor with its alias, and one namespace file becomes a symbolic link.
 * After the command, each file that existed must keep its link, byte-order mark, line ends and comments, and
 * every line the command removed or rewrote must hold a key the command was asked to edit: nothing else moves.
 */

const P = 'network-policy.homelab/profile';
const A = 'access.network-policy.homelab/';

type Style = 'crlf' | 'bom' | 'header' | 'trailing' | 'flow' | 'anchor';

interface EditCommand {
  readonly name: string;
  readonly argv: readonly string[];
  /** Substrings of which each removed or rewritten line must hold one. */
  readonly markers: readonly string[];
  /** Changes made to the tree before styling (the problem a fix repairs). */
  readonly seed?: (files: Record<string, string>) => void;
  /** The tree edited: examples/homelab, or one `netpol init` wrote (which init only adds to). Default: homelab. */
  readonly base?: 'init';
}

const COMMANDS: readonly EditCommand[] = [
  {
    name: 'namespace set',
    argv: [
      'namespace',
      'set',
      'web',
      '--profile',
      'internal',
      '--access',
      'postgres',
      '--remove-access',
      'garage-s3',
    ],
    markers: [P, `${A}postgres`, `${A}garage-s3`, 'labels:'],
  },
  {
    name: 'lint --fix',
    argv: ['lint', '--fix'],
    markers: [P, 'labels:'],
    seed: (files) => {
      files['namespaces/docs.yaml'] = (files['namespaces/docs.yaml'] ?? '').replace(
        `${P}: standard`,
        `${P}: standrd`,
      );
    },
  },
  {
    name: 'drops --fix',
    argv: ['drops', '--fix', '--flows', flowFixture('homelab-drops.jsonl')],
    markers: [P, `${A}postgres`, `${A}dragonfly`, 'labels:', 'egress:'],
  },
  {
    name: 'access new (new namespace)',
    argv: ['access', 'new', 'mqtt', '--namespace', 'mqtt', '--port', '1883'],
    markers: ['resources:', 'platformNamespaces', 'mqtt'],
  },
  {
    name: 'access new (existing platform CNP)',
    argv: ['access', 'new', 'pgbouncer', '--namespace', 'database', '--port', '6432'],
    markers: ['resources:', 'ingress:', 'pgbouncer'],
  },
  {
    name: 'platform new',
    argv: ['platform', 'new', 'ci', '--metrics-port', '9090'],
    markers: ['resources:', 'platformNamespaces', 'ci'],
  },
  {
    name: 'init (a second run)',
    argv: ['init'],
    markers: ['resources:', 'platformNamespaces', 'sharedResources', 'init:'],
    base: 'init',
    seed: (files) => {
      // Entries a person removed: init appends them again, touching nothing else.
      const k = 'network-policy/baselines/kustomization.yaml';
      files[k] = (files[k] ?? '').replace('  - escape-hatch.yaml\n', '');
      files['netpol.config.yaml'] = (files['netpol.config.yaml'] ?? '').replace('    - istio-system\n', '');
    },
  },
];

/** Files a command may edit, and so the ones given styles (in an init tree, those init only adds to). */
function styled(file: string, base: EditCommand['base']): boolean {
  if (base === 'init') return file.endsWith('kustomization.yaml') || file === 'netpol.config.yaml';
  return (
    file.startsWith('namespaces/') ||
    file.endsWith('kustomization.yaml') ||
    file === 'netpol.config.yaml' ||
    file === 'network-policy/platform/database.yaml' ||
    file === 'network-policy/platform/monitoring.yaml'
  );
}

/** A flow map of a namespace's block label map (`labels: {a: b, c: "d"}`), comments of those lines dropped. */
function flowLabels(text: string): string {
  return text.replace(/^( {2}labels:)\n((?: {4}[^\n]*\n)+)/m, (_, head: string, body: string) => {
    const entries = body
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
      .map((l) => l.trim().replace(/\s+#.*$/, ''));
    return `${head} {${entries.join(', ')}}\n`;
  });
}

function applyStyle(text: string, style: Style, file: string): string {
  switch (style) {
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'bom':
      return text.startsWith('\uFEFF') ? text : `\uFEFF${text}`;
    case 'header':
      return `# generated header: do not remove\n${text}`;
    case 'trailing':
      // A comment after simple `key: value` lines (never inside a block scalar: these files have none).
      return text.replace(/^(\s*[\w./-]+: [\w"./-]+)$/gm, '$1 # kept');
    case 'flow':
      return file.startsWith('namespaces/') ? flowLabels(text) : text;
    case 'anchor':
      return file.startsWith('namespaces/')
        ? text.replace(/^( {2}name: [\w-]+)$/m, '$1\n  annotations: {owner: &owner team-a, reviewer: *owner}')
        : text;
  }
}

const scenario = fc.record({
  command: fc.constantFrom(...COMMANDS),
  styles: fc.uniqueArray(fc.constantFrom<Style>('crlf', 'bom', 'header', 'trailing', 'flow', 'anchor'), {
    maxLength: 6,
  }),
  /** Which styled files get the styles (by index modulo their count); the others stay as they are. */
  pick: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
  link: fc.option(fc.constantFrom('web', 'docs', 'wiki', 'batch-worker'), { nil: null }),
});

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-edit-')));
  roots.push(root);
  return root;
}

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out[path.relative(root, abs).split(path.sep).join('/')] = fs.readFileSync(abs, 'utf8');
    }
  };
  walk(root);
  return out;
}

let initTree: Record<string, string> = {};
beforeAll(async () => {
  const root = tempRoot();
  const r = await runCli(['init', root]);
  expect(r.code).toBe(0);
  initTree = readTree(root);
});

function comments(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => /(^|\s)(#.*)$/.exec(l)?.[2])
    .filter((c): c is string => c !== undefined);
}

describe('editing commands (property)', () => {
  it('change only the bytes of the values they edit, whatever the files look like', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const files = s.command.base === 'init' ? { ...initTree } : homelabFiles();
        s.command.seed?.(files);
        const names = Object.keys(files)
          .filter((f) => styled(f, s.command.base))
          .sort();
        names.forEach((file, i) => {
          if (!s.pick[i % s.pick.length]) return;
          let text = files[file] ?? '';
          for (const style of s.styles) text = applyStyle(text, style, file);
          files[file] = text;
        });
        const root = tempRoot();
        for (const [file, text] of Object.entries(files)) {
          fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
          fs.writeFileSync(path.join(root, file), text);
        }
        const linked = s.link && s.command.base !== 'init' ? `namespaces/${s.link}.yaml` : null;
        if (linked) {
          fs.mkdirSync(path.join(root, '.shared'));
          fs.renameSync(path.join(root, linked), path.join(root, '.shared', path.basename(linked)));
          fs.symlinkSync(`../.shared/${path.basename(linked)}`, path.join(root, linked));
        }
        const r = await runCli([...s.command.argv, '-R', root]);
        expect([0, 1, 2], `${s.command.name}: ${r.stderr}`).toContain(r.code);
        expect(r.stderr).not.toContain('internal error');
        for (const [file, before] of Object.entries(files)) {
          const at = path.join(root, file === linked ? `.shared/${path.basename(file)}` : file);
          const after = fs.readFileSync(at, 'utf8');
          if (after === before) continue;
          const where = `${s.command.name} changed ${file}`;
          expect(after.startsWith('\uFEFF'), where).toBe(before.startsWith('\uFEFF'));
          if (before.includes('\r\n') && !/[^\r]\n/.test(before))
            expect(/(^|[^\r])\n/.test(after), where).toBe(false);
          for (const c of comments(before)) expect(after, where).toContain(c);
          for (const part of diffLines(before, after)) {
            if (!part.removed) continue;
            for (const line of part.value.split(/\r?\n/).filter((l) => l !== '')) {
              expect(
                s.command.markers.some((m) => line.includes(m)),
                `${where}: it rewrote ${JSON.stringify(line)}`,
              ).toBe(true);
            }
          }
        }
        if (linked) expect(fs.lstatSync(path.join(root, linked)).isSymbolicLink()).toBe(true);
      }),
      { seed: 8, numRuns: 28, endOnFailure: true },
    );
  }, 180_000);
});
