import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

const HOMELAB = ['-R', 'examples/homelab'];
const DROPS = 'test/fixtures/flows/homelab-drops.jsonl';
const VERIFY = 'test/fixtures/flows/homelab-verify-web.jsonl';
const DISCOVER = 'test/fixtures/flows/homelab-discover-shop.jsonl';
const REPLAY = 'test/fixtures/flows/homelab-replay.jsonl';
/** One forwarded flow of the replay capture (billing to the internet): no drop, nothing of docs. */
const FORWARDED = `${fs
  .readFileSync(path.join(PROJECT_ROOT, REPLAY), 'utf8')
  .split('\n')
  .find((l) => l.includes('"FORWARDED"'))}\n`;

/** A namespace and a policy with one YAML syntax error in a second document: an input error. */
const BROKEN = {
  'ns.yaml': yaml`
    apiVersion: v1
    kind: Namespace
    metadata:
      name: web
    ---
    kind: [oops
  `,
};

const NS_WEB = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n';

/** A broken tree is a finding, whichever tool's tree it is (fresh-user-2 #16): a kustomization cycle… */
const CYCLE = {
  'kustomization.yaml': 'resources: [ns.yaml, sub]\n',
  'sub/kustomization.yaml': 'resources: [..]\n',
  'ns.yaml': NS_WEB,
};

/** …and a Flux Kustomization whose spec.path is not a folder. */
const FLUX_PATH = {
  'clusters/prod/flux-system/gotk-sync.yaml':
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {path: ./clusters/prod, sourceRef: {kind: GitRepository, name: flux-system}}\n',
  'clusters/prod/apps.yaml':
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {path: ./apps/missing, sourceRef: {kind: GitRepository, name: flux-system}}\n',
  'clusters/prod/ns.yaml': NS_WEB,
};

type Class = 'clean' | 'findings' | 'usage' | 'input error' | 'no manifests';

/**
 * Every command, each class of outcome it has, and the exit code of the one table (src/cli/exit-codes.ts).
 * `repo` (when set) is written to a temporary directory and replaces `<repo>` in argv.
 */
// biome-ignore format: one case per line reads as a table
const CASES: readonly {
  command: string;
  class: Class;
  argv: readonly string[];
  code: 0 | 1 | 2;
  repo?: Record<string, string>;
  stdin?: string;
}[] = [
  { command: 'trace', class: 'clean', argv: ['trace', 'docs', 'database', '--port', '5432', ...HOMELAB], code: 0 },
  { command: 'trace', class: 'usage', argv: ['trace', 'docs', 'database', ...HOMELAB], code: 2 },
  { command: 'trace', class: 'input error', argv: ['trace', 'web', 'web', '--port', '80', '-R', '<repo>'], code: 2, repo: BROKEN },
  { command: 'trace', class: 'input error', argv: ['trace', '--batch', '-', ...HOMELAB], code: 2, stdin: 'web\n' },
  { command: 'trace', class: 'no manifests', argv: ['trace', 'a', 'b', '--port', '1', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'matrix', class: 'clean', argv: ['matrix', '-o', 'json', ...HOMELAB], code: 0 },
  { command: 'matrix', class: 'usage', argv: ['matrix', '--nope'], code: 2 },
  { command: 'matrix', class: 'input error', argv: ['matrix', '-R', '<repo>'], code: 2, repo: BROKEN },
  { command: 'matrix', class: 'no manifests', argv: ['matrix', '-R', '<repo>'], code: 2, repo: { 'README.md': 'x' } },
  { command: 'matrix', class: 'no manifests', argv: ['matrix', '-f', '-'], code: 2, stdin: '' },
  { command: 'render', class: 'clean', argv: ['render', ...HOMELAB], code: 0 },
  { command: 'render', class: 'usage', argv: ['render', '--nope', ...HOMELAB], code: 2 },
  { command: 'render', class: 'input error', argv: ['render', '-R', '<repo>'], code: 2, repo: BROKEN },
  { command: 'render', class: 'no manifests', argv: ['render', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'test', class: 'clean', argv: ['test', 'examples/homelab/connectivity-tests.yaml', ...HOMELAB], code: 0 },
  { command: 'test', class: 'usage', argv: ['test'], code: 2 },
  { command: 'test', class: 'clean', argv: ['test', '--from-flows', REPLAY, ...HOMELAB], code: 0 },
  { command: 'test', class: 'usage', argv: ['test', 'x.yaml', '--from-flows', REPLAY, ...HOMELAB], code: 2 },
  { command: 'test', class: 'input error', argv: ['test', '--from-flows', 'no-such.jsonl', ...HOMELAB], code: 2 },
  { command: 'test', class: 'input error', argv: ['test', 'no-such-file.yaml', ...HOMELAB], code: 2 },
  { command: 'test', class: 'no manifests', argv: ['test', 'x.yaml', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'drops', class: 'clean', argv: ['drops', '--flows', '-', ...HOMELAB], code: 0, stdin: FORWARDED },
  { command: 'drops', class: 'input error', argv: ['drops', '--flows', '-', ...HOMELAB], code: 2, stdin: '' },
  { command: 'drops', class: 'findings', argv: ['drops', '--flows', DROPS, ...HOMELAB], code: 1 },
  { command: 'drops', class: 'usage', argv: ['drops', '--flows', DROPS, '--since', 'yesterday', ...HOMELAB], code: 2 },
  { command: 'drops', class: 'input error', argv: ['drops', '--flows', 'no-such.jsonl', ...HOMELAB], code: 2 },
  { command: 'drops', class: 'no manifests', argv: ['drops', '--flows', '-', '-R', '<repo>'], code: 2, repo: {}, stdin: '' },
  { command: 'verify', class: 'clean', argv: ['verify', 'docs', '--flows', '-', ...HOMELAB], code: 0, stdin: FORWARDED },
  { command: 'verify', class: 'input error', argv: ['verify', 'docs', '--flows', '-', ...HOMELAB], code: 2, stdin: '' },
  { command: 'verify', class: 'findings', argv: ['verify', 'web', '--flows', VERIFY, ...HOMELAB], code: 1 },
  { command: 'verify', class: 'usage', argv: ['verify', '--flows', VERIFY, ...HOMELAB], code: 2 },
  { command: 'verify', class: 'input error', argv: ['verify', 'web', '--flows', '-', '-R', '<repo>'], code: 2, repo: BROKEN, stdin: '' },
  { command: 'verify', class: 'no manifests', argv: ['verify', 'web', '--flows', '-', '-R', '<repo>'], code: 2, repo: {}, stdin: '' },
  { command: 'discover', class: 'findings', argv: ['discover', 'shop', '--flows', DISCOVER, ...HOMELAB], code: 1 },
  { command: 'discover', class: 'usage', argv: ['discover', 'shop', '--flows', DISCOVER, '-o', 'xml', ...HOMELAB], code: 2 },
  { command: 'discover', class: 'input error', argv: ['discover', 'web', '--flows', '-', '-R', '<repo>'], code: 2, repo: BROKEN, stdin: '' },
  { command: 'discover', class: 'no manifests', argv: ['discover', 'web', '--flows', '-', '-R', '<repo>'], code: 2, repo: {}, stdin: '' },
  { command: 'lint', class: 'clean', argv: ['lint', ...HOMELAB], code: 0 },
  { command: 'lint', class: 'usage', argv: ['lint', '-o', 'xml', ...HOMELAB], code: 2 },
  { command: 'lint', class: 'input error', argv: ['lint', '-R', '<repo>'], code: 2, repo: BROKEN },
  { command: 'lint', class: 'input error', argv: ['lint', '-R', '<repo>'], code: 2, repo: { ...BROKEN, 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n', 'netpol.config.yaml': '- a\n- b\n' } },
  { command: 'lint', class: 'no manifests', argv: ['lint', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'lint', class: 'findings', argv: ['lint', '-R', '<repo>'], code: 1, repo: CYCLE },
  { command: 'lint', class: 'findings', argv: ['lint', '-R', '<repo>'], code: 1, repo: FLUX_PATH },
  { command: 'lint', class: 'input error', argv: ['lint', '-R', '<repo>/typo'], code: 2, repo: {} },
  { command: 'diff', class: 'usage', argv: ['diff', ...HOMELAB], code: 2 },
  { command: 'diff', class: 'input error', argv: ['diff', '--base', 'HEAD', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'diff', class: 'usage', argv: ['diff', '--base', 'HEAD', '--fail-on-break', ...HOMELAB], code: 2 },
  { command: 'watch', class: 'usage', argv: ['watch', '--max-groups', '0', ...HOMELAB], code: 2 },
  { command: 'ui', class: 'usage', argv: ['ui', '--listen', '7070', ...HOMELAB], code: 2 },
  { command: 'ui', class: 'input error', argv: ['ui', '--listen', '127.0.0.1:0', '-R', '<repo>/typo'], code: 2, repo: {} },
  { command: 'ui', class: 'no manifests', argv: ['ui', '--listen', '127.0.0.1:0', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'init', class: 'clean', argv: ['init', '<repo>', '--dry-run'], code: 0, repo: {} },
  { command: 'init', class: 'findings', argv: ['init', '<repo>'], code: 1, repo: { 'namespaces/platform.yaml': '# mine\n' } },
  { command: 'init', class: 'usage', argv: ['init', '--resource', 'bad'], code: 2 },
  { command: 'profile suggest', class: 'clean', argv: ['profile', 'suggest', '--no-ingress', ...HOMELAB], code: 0 },
  { command: 'profile suggest', class: 'usage', argv: ['profile', 'suggest', ...HOMELAB], code: 2 },
  { command: 'profile suggest', class: 'no manifests', argv: ['profile', 'suggest', '--no-ingress', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'namespace set', class: 'clean', argv: ['namespace', 'set', 'docs', '--access', 'postgres', '--dry-run', ...HOMELAB], code: 0 },
  { command: 'namespace set', class: 'findings', argv: ['namespace', 'set', 'docs', '--profile', 'nope', '--dry-run', ...HOMELAB], code: 1 },
  { command: 'namespace set', class: 'usage', argv: ['namespace', 'set'], code: 2 },
  { command: 'namespace set', class: 'no manifests', argv: ['namespace', 'set', 'web', '--profile', 'x', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'platform new', class: 'clean', argv: ['platform', 'new', 'vault', '--metrics-port', '9102', '--dry-run', ...HOMELAB], code: 0 },
  { command: 'platform new', class: 'findings', argv: ['platform', 'new', 'database', '--metrics-port', '9090', '--dry-run', ...HOMELAB], code: 1 },
  { command: 'platform new', class: 'usage', argv: ['platform', 'new', 'vault', ...HOMELAB], code: 2 },
  { command: 'platform new', class: 'no manifests', argv: ['platform', 'new', 'vault', '--metrics-port', '9102', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'access new', class: 'clean', argv: ['access', 'new', 'mqtt', '-n', 'mqtt', '--port', '1883', '--dry-run', ...HOMELAB], code: 0 },
  { command: 'access new', class: 'findings', argv: ['access', 'new', 'postgres', '-n', 'database', '--port', '5432', '--dry-run', ...HOMELAB], code: 1 },
  { command: 'access new', class: 'usage', argv: ['access', 'new', 'mqtt', '--port', '1883', ...HOMELAB], code: 2 },
  { command: 'access new', class: 'no manifests', argv: ['access', 'new', 'mqtt', '-n', 'mqtt', '--port', '1883', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'status', class: 'clean', argv: ['status', 'web', ...HOMELAB], code: 0 },
  { command: 'status', class: 'usage', argv: ['status', ...HOMELAB], code: 2 },
  { command: 'status', class: 'no manifests', argv: ['status', 'web', '-R', '<repo>'], code: 2, repo: {} },
  { command: 'drift', class: 'usage', argv: ['drift', '--nope', ...HOMELAB], code: 2 },
  { command: 'drift', class: 'input error', argv: ['drift', ...HOMELAB, '--kubeconfig', 'no-such-kubeconfig'], code: 2 },
  { command: 'escape-hatch disable', class: 'usage', argv: ['escape-hatch', 'disable', 'web', ...HOMELAB], code: 2 },
  { command: 'escape-hatch disable', class: 'input error', argv: ['escape-hatch', 'disable', 'web', '--reason', 'x', ...HOMELAB, '--kubeconfig', 'no-such-kubeconfig'], code: 2 },
  { command: 'escape-hatch enable', class: 'usage', argv: ['escape-hatch', 'enable'], code: 2 },
  { command: 'escape-hatch enable', class: 'input error', argv: ['escape-hatch', 'enable', 'web', ...HOMELAB, '--kubeconfig', 'no-such-kubeconfig'], code: 2 },
  { command: 'escape-hatch list', class: 'usage', argv: ['escape-hatch', 'list', '--nope'], code: 2 },
  { command: 'escape-hatch list', class: 'input error', argv: ['escape-hatch', 'list', ...HOMELAB, '--kubeconfig', 'no-such-kubeconfig'], code: 2 },
];

describe('exit codes: one table for every command', () => {
  it.each(CASES)('$command, $class: exit $code ($argv)', async (c) => {
    const repo = c.repo !== undefined ? useRepo(c.repo) : undefined;
    const argv = c.argv.map((a) => (repo ? a.replace('<repo>', repo.root) : a));
    const r = await runCli(argv, c.stdin !== undefined ? { stdin: c.stdin } : {});
    expect(r.code, r.stderr).toBe(c.code);
    expect(r.stderr).not.toContain('internal error');
    if (c.class === 'no manifests') expect(r.stderr).toContain('error: No Kubernetes');
  });

  it('every command of the program has a clean or findings case and a usage case', async () => {
    const { createProgram } = await import('../../src/cli/main.js');
    const program = createProgram({ io: {} as never, exit: () => {} });
    const leaves = program.commands.flatMap((c) =>
      c.commands.length > 0 ? c.commands.map((s) => `${c.name()} ${s.name()}`) : [c.name()],
    );
    for (const name of leaves) {
      const classes = new Set(CASES.filter((c) => c.command === name).map((c) => c.class));
      expect([name, classes.has('usage')]).toEqual([name, true]);
      // diff's clean and findings cases need a git history (test/cli/diff.test.ts has them); watch and ui serve
      // until stopped (test/cli/watch.test.ts, test/cli/ui.test.ts); drift and escape-hatch need a cluster (test/cli/live.test.ts and
      // test/cli/escape-hatch.test.ts run them against the API server double).
      const exempt = ['diff', 'watch', 'ui', 'drift'].includes(name) || name.startsWith('escape-hatch ');
      expect([name, classes.has('clean') || classes.has('findings') || exempt]).toEqual([name, true]);
    }
  });

  it('netpol with no arguments, or a command group alone, prints its help on stdout: exit 0', async () => {
    for (const argv of [[], ['profile'], ['namespace'], ['platform'], ['access']]) {
      const r = await runCli(argv);
      expect([argv, r.code, r.stderr]).toEqual([argv, 0, '']);
      expect(r.stdout).toMatch(/^Usage: netpol/);
    }
    const top = await runCli([]);
    expect(top.stdout).toContain('Exit codes:\n  0  success');
  });

  it('an unknown command is a usage error: exit 2, on stderr', async () => {
    const r = await runCli(['lnt']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: unknown command 'lnt'");
  });

  it('the README prints the same table', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    for (const row of EXIT_CODES) expect(readme).toContain(`| \`${row.code}\` | ${row.meaning} |`);
  });
});
