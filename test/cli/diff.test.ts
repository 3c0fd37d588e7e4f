import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dropInternalEgressHttps,
  FLEET,
  grantPostgresToDocs,
  HOMELAB,
  useGitRepo,
} from '../fixtures/diff/git-repo.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';

/** The homelab example at the top of a git work tree: docs gets postgres, internal-egress loses HTTPS. */
function changedHomelab() {
  const repo = useGitRepo({}, { from: HOMELAB, into: '' });
  grantPostgresToDocs(repo);
  dropInternalEgressHttps(repo);
  const base = repo.git('rev-parse', 'main').trim();
  const clean = (s: string) => s.replaceAll(base.slice(0, 7), '<sha>').replaceAll(repo.top, '<root>');
  return { repo, base, clean };
}

describe('netpol diff', () => {
  it('prints the Markdown pull-request comment', async () => {
    const { repo, clean } = changedHomelab();
    const r = await runCli(['diff', '--base', 'main', '-o', 'markdown'], { cwd: repo.top });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(clean(r.stdout)).toMatchInlineSnapshot(`
      "<!-- netpol:diff -->
      ### netpol diff: main (<sha>) → working tree

      **This change opens 1 path and closes 1.**

      | namespace | direction | path | before | after |
      |---|---|---|---|---|
      | \`billing\` | ⇢ egress | world:443/TCP | ✅ allowed | ⛔ denied |
      | \`docs\` | ⇢ egress | postgres: database:5432/TCP | ⛔ denied | ✅ allowed |

      <details>
      <summary>Responsible rules</summary>

      **\`billing\`** ⇢ world:443/TCP: allowed → denied
      - was allowed by \`CiliumClusterwideNetworkPolicy/profile-internal-egress\` \`egress[1]\` at \`network-policy/profiles/internal-egress.yaml:39\` (egress of billing)

      **\`docs\`** ⇢ postgres: database:5432/TCP: denied → allowed
      - now allowed by \`CiliumClusterwideNetworkPolicy/access-postgres\` \`egress[0]\` at \`network-policy/shared-resources/postgres.yaml:16\` (egress of docs)
      - now allowed by \`CiliumNetworkPolicy/database/postgres\` \`ingress[0]\` at \`network-policy/platform/database.yaml:58\` (ingress of database)

      </details>

      <details>
      <summary>Changed: 1 namespace, 1 policy</summary>

      - \`docs\`: access grant postgres added (\`namespaces/docs.yaml:9\`)
      - changed \`CiliumClusterwideNetworkPolicy/profile-internal-egress\` (\`egress\`) at \`network-policy/profiles/internal-egress.yaml:3\`

      </details>
      "
    `);
  });

  it('prints text with the responsible rules, namespaces and policies', async () => {
    const { repo, clean } = changedHomelab();
    const r = await runCli(['diff', '--base', 'main', '-R', repo.top], { cwd: os.tmpdir() });
    expect(r.code).toBe(0);
    expect(clean(r.stdout)).toMatchInlineSnapshot(`
      "netpol diff: main (<sha>) → working tree
      This change opens 1 path and closes 1.

      billing
        - ⇢ egress  world:443/TCP  allowed → denied
            was allowed by CiliumClusterwideNetworkPolicy/profile-internal-egress egress[1]  network-policy/profiles/internal-egress.yaml:39  (egress of billing)

      docs
        + ⇢ egress  postgres: database:5432/TCP  denied → allowed
            now allowed by CiliumClusterwideNetworkPolicy/access-postgres egress[0]  network-policy/shared-resources/postgres.yaml:16  (egress of docs)
            now allowed by CiliumNetworkPolicy/database/postgres ingress[0]  network-policy/platform/database.yaml:58  (ingress of database)

      Namespaces:
        docs: access grant postgres added  namespaces/docs.yaml:9

      Policies:
        ~ changed CiliumClusterwideNetworkPolicy/profile-internal-egress (egress)  network-policy/profiles/internal-egress.yaml:3
      "
    `);
  });

  it('prints JSON with the documented shape', async () => {
    const { repo, base } = changedHomelab();
    const r = await runCli(['diff', '--base', 'main', '-o', 'json'], { cwd: repo.top });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual([
      'base',
      'head',
      'summary',
      'namespaces',
      'cells',
      'columns',
      'policies',
      'settings',
      'nodes',
    ]);
    expect(j.base).toEqual({ revision: 'main', commit: base, exists: true });
    expect(j.head).toEqual({ revision: null, commit: null, exists: true });
    expect(j.summary).toEqual({ added: 1, removed: 1 });
    expect(
      j.cells.map((c: { namespace: string; column: { id: string } }) => [c.namespace, c.column.id]),
    ).toEqual([
      ['billing', 'world-443'],
      ['docs', 'grant-postgres'],
    ]);
    expect(Object.keys(j.cells[1])).toEqual(['namespace', 'column', 'before', 'after', 'because']);
    expect(Object.keys(j.cells[1].because[0])).toEqual([
      'revision',
      'side',
      'endpoint',
      'role',
      'kind',
      'namespace',
      'name',
      'rule',
      'file',
      'line',
      'column',
    ]);
    expect(j.policies.changed.map((p: { name: string; fields: string[] }) => [p.name, p.fields])).toEqual([
      ['profile-internal-egress', ['egress']],
    ]);
  });

  it('says "No connectivity change." when nothing changed', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    const md = await runCli(['diff', '--base', 'main', '-o', 'markdown'], { cwd: repo.top });
    expect(md.code).toBe(0);
    expect(md.stdout).toBe(
      '<!-- netpol:diff -->\n### netpol diff: main (' +
        repo.git('rev-parse', '--short=7', 'main').trim() +
        ') → working tree\n\nNo connectivity change.\n',
    );
    const text = await runCli(['diff', '--base', 'main', '--head', 'HEAD'], { cwd: repo.top });
    expect(text.stdout.split('\n').slice(1)).toEqual(['No connectivity change.', '']);
  });

  it('exits 1 with --fail-on-open only when a path opens', async () => {
    const { repo } = changedHomelab();
    expect((await runCli(['diff', '--base', 'main', '--fail-on-open'], { cwd: repo.top })).code).toBe(1);
    repo.commit('change');
    expect(
      (await runCli(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--fail-on-open'], { cwd: repo.top }))
        .code,
    ).toBe(1);
    expect((await runCli(['diff', '--base', 'HEAD', '--fail-on-open'], { cwd: repo.top })).code).toBe(0);
    const closeOnly = useGitRepo({}, { from: HOMELAB, into: '' });
    dropInternalEgressHttps(closeOnly);
    const r = await runCli(['diff', '--base', 'main', '--fail-on-open'], { cwd: closeOnly.top });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('This change opens 0 paths and closes 1.');
  });

  it('fails --fail-on-open and says so when a policy widens outside the matrix columns (SSH to world)', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    const file = 'network-policy/profiles/internal-egress.yaml';
    repo.write(
      file,
      `${repo.read(file)}    - toEntities:\n        - world\n      toPorts:\n        - ports:\n            - port: "22"\n              protocol: TCP\n`,
    );
    const r = await runCli(['diff', '--base', 'main', '--fail-on-open'], { cwd: repo.top });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('No connectivity change.');
    expect(r.stdout).toContain('No matrix cell flips, but 1 policy changes');
  });

  it('exits 2 with a clear message for an unknown revision', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    const r = await runCli(['diff', '--base', 'origin/main'], { cwd: repo.top });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.replaceAll(repo.top, '<root>')).toBe(
      'error: git revision "origin/main" does not name a commit of the repository at "<root>".\n' +
        'hint: Check the name with `git rev-parse --verify REV`; in CI, fetch the base first (actions/checkout with fetch-depth: 0, or `git fetch origin main`).\n',
    );
  });

  it('exits 2 outside a git repository', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-nogit-')));
    try {
      fs.cpSync(HOMELAB, dir, { recursive: true });
      const r = await runCli(['diff', '--base', 'main', '-R', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr.replaceAll(dir, '<root>')).toBe(
        'error: "<root>" is not inside a git work tree.\n' +
          'hint: Run netpol diff in a clone of the repository, or pass -R with a directory of one.\n',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for bad flags', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    const noBase = await runCli(['diff'], { cwd: repo.top });
    expect(noBase.code).toBe(2);
    expect(noBase.stderr).toContain("required option '--base <rev>' not specified");
    const withFile = await runCli(['diff', '--base', 'main', '-f', 'x.yaml'], { cwd: repo.top });
    expect(withFile.code).toBe(2);
    expect(withFile.stderr).toBe(
      'error: diff reads both revisions from git: -f/--filename cannot be used with it.\n',
    );
    const badOutput = await runCli(['diff', '--base', 'main', '-o', 'html'], { cwd: repo.top });
    expect(badOutput.code).toBe(2);
  });

  it('prints problems of the base only, prefixed, without failing', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    repo.write('namespaces/docs.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: [broken\n');
    repo.commit('broken docs');
    repo.write('namespaces/docs.yaml', fs.readFileSync(path.join(HOMELAB, 'namespaces/docs.yaml'), 'utf8'));
    const r = await runCli(['diff', '--base', 'HEAD'], { cwd: repo.top });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^\[base HEAD\] namespaces\/docs\.yaml:\d+:\d+ {2}error {2}YAML_SYNTAX .+\n\[base HEAD\] {5}hint: /,
    );
    expect(r.stdout).toContain('docs: namespace added with profile standard');
  });

  it('exits 2 when the head has input errors, and still reports', async () => {
    const repo = useGitRepo({}, { from: HOMELAB, into: '' });
    repo.write('namespaces/docs.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: [broken\n');
    const r = await runCli(['diff', '--base', 'main'], { cwd: repo.top });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^namespaces\/docs\.yaml:\d+:\d+ {2}error {2}YAML_SYNTAX/);
    expect(r.stdout).toContain('docs (removed)');
  });

  describe('--flows: what-if replay of observed traffic', () => {
    const FLOWS = path.join(PROJECT_ROOT, 'test/fixtures/flows/homelab-replay.jsonl');

    it('adds the observed-traffic section to the Markdown comment', async () => {
      const { repo, clean } = changedHomelab();
      const r = await runCli(['diff', '--base', 'main', '--flows', '-', '-o', 'markdown'], {
        cwd: repo.top,
        stdin: fs.readFileSync(FLOWS, 'utf8'),
      });
      expect([r.code, r.stderr]).toEqual([0, '']);
      const section = clean(r.stdout).slice(clean(r.stdout).indexOf('#### Observed traffic'));
      expect(section).toBe(
        [
          '#### Observed traffic (&lt;stdin&gt;)',
          '',
          '**This change would have dropped 32 flows seen between 2026-12-01T08:00:00Z and 2026-12-07T09:59:00Z (2 connections) and would newly allow 2 flows (1 connection).**',
          '',
          '| source | destination | port | flows | last seen |',
          '|---|---|---|---|---|',
          '| billing/app.kubernetes.io/name=billing | world:203.0.113.10 | 443/TCP | 31 | 2026-12-07T09:59:00Z |',
          '| billing/app.kubernetes.io/name=billing-canary † | world:203.0.113.10 | 443/TCP | 1 | 2026-12-07T08:00:00Z |',
          '',
          '<details>',
          '<summary>Newly allowed: 1 connection</summary>',
          '',
          '| source | destination | port | flows | last seen |',
          '|---|---|---|---|---|',
          '| docs/app.kubernetes.io/name=docs | database/app.kubernetes.io/name=postgres | 5432/TCP | 2 | 2026-12-06T11:00:00Z |',
          '',
          '</details>',
          '',
          '† no workload in git has these labels: matched by the labels Hubble recorded.',
          '',
        ].join('\n'),
      );
    });

    it('prints text with counts, last seen, verdicts and rules; --fail-on-break exits 1', async () => {
      const { repo } = changedHomelab();
      const r = await runCli(['diff', '--base', 'main', '--flows', '-', '--fail-on-break'], {
        cwd: repo.top,
        stdin: fs.readFileSync(FLOWS, 'utf8'),
      });
      expect(r.code).toBe(1);
      expect(r.stdout.slice(r.stdout.indexOf('\nObserved traffic'))).toBe(
        [
          '',
          'Observed traffic (<stdin>): 4 connections, 39 flows (1 reply not replayed).',
          'This change would have dropped 32 flows seen between 2026-12-01T08:00:00Z and 2026-12-07T09:59:00Z (2 connections) and would newly allow 2 flows (1 connection).',
          '1 connection had a pod whose labels match no workload in git: matched by the labels Hubble recorded.',
          '',
          'Newly denied (seen in the cluster):',
          '  - billing/app.kubernetes.io/name=billing → world:203.0.113.10 443/TCP  31 flows, last seen 2026-12-07T09:59:00Z (FORWARDED 31)',
          '      was allowed by CiliumClusterwideNetworkPolicy/profile-internal-egress egress[1]  network-policy/profiles/internal-egress.yaml:39  (egress of billing/app.kubernetes.io/name=billing)',
          '  - billing/app.kubernetes.io/name=billing-canary → world:203.0.113.10 443/TCP  1 flow, last seen 2026-12-07T08:00:00Z (FORWARDED 1)  [source matched by recorded labels: no workload in git has them]',
          '      was allowed by CiliumClusterwideNetworkPolicy/profile-internal-egress egress[1]  network-policy/profiles/internal-egress.yaml:39  (egress of billing/app.kubernetes.io/name=billing-canary)',
          '',
          'Newly allowed:',
          '  + docs/app.kubernetes.io/name=docs → database/app.kubernetes.io/name=postgres 5432/TCP  2 flows, last seen 2026-12-06T11:00:00Z (DROPPED 2)',
          '      now allowed by CiliumClusterwideNetworkPolicy/access-postgres egress[0]  network-policy/shared-resources/postgres.yaml:16  (egress of docs/app.kubernetes.io/name=docs)',
          '      now allowed by CiliumNetworkPolicy/database/postgres ingress[0]  network-policy/platform/database.yaml:58  (ingress of database/app.kubernetes.io/name=postgres)',
          '',
        ].join('\n'),
      );
    });

    it('puts the replay under "replay" in JSON; --fail-on-break exits 0 when nothing observed breaks', async () => {
      const { repo } = changedHomelab();
      const r = await runCli(
        [
          'diff',
          '--base',
          'main',
          '--flows',
          FLOWS,
          '--since',
          '2026-12-07T08:30:00Z',
          '--fail-on-break',
          '-o',
          'json',
        ],
        { cwd: repo.top },
      );
      const json = JSON.parse(r.stdout);
      // Only the recorded billing and web lines were last seen after the --since instant; billing breaks.
      expect([r.code, json.replay.observed.connections, json.replay.newlyDenied.length]).toEqual([1, 2, 1]);
      expect(json.replay.newlyDenied[0]).toMatchObject({
        source: 'billing/app.kubernetes.io/name=billing',
        count: 31,
        before: 'allowed',
        after: 'denied',
      });
      // An empty capture is unreadable input, never a pass of --fail-on-break (fresh-user report).
      const empty = await runCli(['diff', '--base', 'main', '--flows', '-', '--fail-on-break'], {
        cwd: repo.top,
        stdin: '',
      });
      expect([empty.code, empty.stdout]).toEqual([2, '']);
      expect(empty.stderr).toContain('error: <stdin> is empty: it holds no flow to read.');
    });

    it('counts capture lines that are not flows in text and JSON, and says how many warnings it left out (fresh-user report)', async () => {
      const { repo } = changedHomelab();
      // Line 2 is not JSON; lines 9-110 (102 of them) are JSON without a flow's fields.
      const [first = '', ...rest] = fs.readFileSync(FLOWS, 'utf8').trimEnd().split('\n');
      const stdin = [first, 'not a flow', ...rest, ...Array.from({ length: 102 }, () => '{"x": 1}'), ''].join(
        '\n',
      );
      const r = await runCli(['diff', '--base', 'main', '--flows', '-'], { cwd: repo.top, stdin });
      expect(r.code).toBe(0);
      expect(r.stdout.slice(r.stdout.indexOf('\nObserved traffic')).split('\n')[1]).toBe(
        'Observed traffic (<stdin>): 4 connections, 39 flows (1 reply not replayed, 103 lines that are not Hubble flows, skipped (lines 2, 9, 10, 11, 12, …)).',
      );
      const warnings = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('    hint:'));
      expect(warnings).toHaveLength(101);
      expect(warnings[0]).toMatch(/^<stdin>:2:1 {2}warning {2}FLOW_UNPARSABLE {2}/);
      expect(warnings[100]).toBe('… and 3 more');
      const json = await runCli(['diff', '--base', 'main', '--flows', '-', '-o', 'json'], {
        cwd: repo.top,
        stdin,
      });
      expect(JSON.parse(json.stdout).replay.observed.unreadable).toEqual({
        lines: 103,
        first: [2, 9, 10, 11, 12],
        warningsOmitted: 3,
      });
    });

    it('refuses --fail-on-break, --since and --until without --flows (exit 2)', async () => {
      const { repo } = changedHomelab();
      for (const flag of [['--fail-on-break'], ['--since', '1h'], ['--until', '1h']]) {
        const r = await runCli(['diff', '--base', 'main', ...flag], { cwd: repo.top });
        expect([r.code, r.stderr]).toEqual([
          2,
          `error: ${flag[0]} applies to --flows: give the observed traffic with --flows FILE.\n`,
        ]);
      }
    });
  });
});

/**
 * Fresh-user report: in a repository of two Flux clusters, `diff` ignored `--cluster` and `cluster.path` (exit 2,
 * "holds 2 clusters"), and with `-R clusters/prod` read the base from that folder alone, so its Flux paths did
 * not resolve and everything looked added. Both revisions are now read alike: the whole work tree, the same
 * cluster, file names relative to `-R` (docs/decisions.md).
 */
describe('netpol diff in a repository of two Flux clusters', () => {
  /** The fleet committed, with prod's api policy moved from HTTPS to HTTP and staging's to 8443 (uncommitted). */
  function fleet(extra: Readonly<Record<string, string>> = {}) {
    const repo = useGitRepo({ ...FLEET, ...extra });
    const sha = repo.git('rev-parse', '--short=7', 'HEAD').trim();
    const edit = () => {
      repo.edit('apps/prod/shop.yaml', 'port: "443"', 'port: "80"');
      repo.edit('apps/staging/shop.yaml', 'port: "443"', 'port: "8443"');
    };
    return { repo, sha, edit, clean: (s: string) => s.replaceAll(sha, '<sha>') };
  }

  const PROD_CHANGE = (dir: string) => `netpol diff: HEAD (<sha>) → working tree
This change opens 1 path and closes 1.

shop
  - ⇢ egress  world:443/TCP  allowed → denied
      was allowed by CiliumNetworkPolicy/shop/api egress[0]  ${dir}apps/prod/shop.yaml:14  (egress of shop)
  + ⇢ egress  world:80/TCP  denied → allowed
      now allowed by CiliumNetworkPolicy/shop/api egress[0]  ${dir}apps/prod/shop.yaml:14  (egress of shop)

Policies:
  ~ changed CiliumNetworkPolicy/shop/api (egress[0])  ${dir}apps/prod/shop.yaml:6
`;

  it('reads both revisions with --cluster: no change on a clean tree (exit 0), and still refuses to guess without it', async () => {
    const { repo, clean } = fleet();
    const r = await runCli(['diff', '--base', 'HEAD', '--cluster', 'prod'], { cwd: repo.top });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(clean(r.stdout)).toBe('netpol diff: HEAD (<sha>) → working tree\nNo connectivity change.\n');
    const none = await runCli(['diff', '--base', 'HEAD'], { cwd: repo.top });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'error: The repository holds 2 clusters: prod (clusters/prod), staging (clusters/staging); netpol analyses one at a time.\n' +
        'hint: Pass --cluster NAME, or set cluster.path in netpol.config.yaml.\n',
    );
  });

  it("reports prod's change with --cluster prod and not staging's, and staging's with --cluster staging", async () => {
    const { repo, edit, clean } = fleet();
    edit();
    const prod = await runCli(['diff', '--base', 'HEAD', '--cluster', 'prod'], { cwd: repo.top });
    expect(prod.code).toBe(0);
    expect(prod.stderr).toBe('');
    expect(clean(prod.stdout)).toBe(PROD_CHANGE(''));
    const staging = await runCli(['diff', '--base', 'HEAD', '--cluster', 'staging'], { cwd: repo.top });
    expect(staging.code).toBe(0);
    expect(clean(staging.stdout)).toBe(`netpol diff: HEAD (<sha>) → working tree
This change opens 0 paths and closes 1.

shop
  - ⇢ egress  world:443/TCP  allowed → denied
      was allowed by CiliumNetworkPolicy/shop/api egress[0]  apps/staging/shop.yaml:14  (egress of shop)

Policies:
  ~ changed CiliumNetworkPolicy/shop/api (egress[0])  apps/staging/shop.yaml:6
`);
  });

  it('reads the base of -R clusters/prod from the whole work tree: no change on a clean tree, the same change as --cluster prod', async () => {
    const { repo, edit, clean } = fleet();
    const same = await runCli(['diff', '--base', 'HEAD', '-R', 'clusters/prod'], { cwd: repo.top });
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('');
    expect(clean(same.stdout)).toBe('netpol diff: HEAD (<sha>) → working tree\nNo connectivity change.\n');
    edit();
    const r = await runCli(['diff', '--base', 'HEAD', '-R', 'clusters/prod'], { cwd: repo.top });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // File names stay relative to -R, on both sides (docs/decisions.md).
    expect(clean(r.stdout)).toBe(PROD_CHANGE('../../'));
    const fromRoot = await runCli(['diff', '--base', 'HEAD', '--cluster', 'prod', '-o', 'json'], {
      cwd: repo.top,
    });
    const fromFolder = await runCli(['diff', '--base', 'HEAD', '-R', 'clusters/prod', '-o', 'json'], {
      cwd: repo.top,
    });
    expect(JSON.parse(fromFolder.stdout.replaceAll('../../apps/', 'apps/'))).toEqual(
      JSON.parse(fromRoot.stdout),
    );
  });

  it('reads a --head revision like the working tree', async () => {
    const { repo, edit } = fleet();
    edit();
    const head = repo.commit('prod: HTTP');
    const r = await runCli(
      ['diff', '--base', 'HEAD~1', '--head', 'HEAD', '-R', 'clusters/prod', '-o', 'json'],
      {
        cwd: repo.top,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const d = JSON.parse(r.stdout);
    expect(d.head).toEqual({ revision: 'HEAD', commit: head, exists: true });
    expect(d.summary).toEqual({ added: 1, removed: 1 });
    expect(d.policies.changed).toEqual([
      expect.objectContaining({
        name: 'api',
        file: '../../apps/prod/shop.yaml',
        line: 6,
        fields: ['egress[0]'],
      }),
    ]);
  });

  it('takes the cluster from cluster.path of netpol.config.yaml on both sides', async () => {
    const { repo, edit, clean } = fleet({ 'netpol.config.yaml': 'cluster:\n  path: clusters/prod\n' });
    const same = await runCli(['diff', '--base', 'HEAD'], { cwd: repo.top });
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('');
    expect(clean(same.stdout)).toBe('netpol diff: HEAD (<sha>) → working tree\nNo connectivity change.\n');
    edit();
    const r = await runCli(['diff', '--base', 'HEAD'], { cwd: repo.top });
    expect(r.code).toBe(0);
    expect(clean(r.stdout)).toBe(PROD_CHANGE(''));
  });

  it('names files of both sides relative to -R: a problem of both shows once, one of the base only is prefixed', async () => {
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata: [broken\n';
    const { repo } = fleet({ 'apps/prod/bad.yaml': bad });
    const message =
      '../../apps/prod/bad.yaml:3:11  error  YAML_SYNTAX  The flow sequence that starts here with [ is never closed (missing closing ]).\n' +
      '    hint: Fix the YAML syntax; this document is skipped until then.\n';
    const both = await runCli(['diff', '--base', 'HEAD', '-R', 'clusters/prod'], { cwd: repo.top });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(message);
    repo.remove('apps/prod/bad.yaml');
    const baseOnly = await runCli(['diff', '--base', 'HEAD', '-R', 'clusters/prod'], { cwd: repo.top });
    expect(baseOnly.code).toBe(0);
    expect(baseOnly.stderr).toBe(
      message
        .split('\n')
        .map((l) => (l === '' ? l : `[base HEAD] ${l}`))
        .join('\n'),
    );
    expect(baseOnly.stdout.split('\n').slice(1)).toEqual(['No connectivity change.', '']);
  });
});

describe('netpol diff with nodes', () => {
  // Node labels decide fromNodes/toNodes and host policies (Cilium docs: policy language "Node based", "Host
  // Policies"); the matrix has no node column, so node changes are listed and named in the headline.
  const NODE = (labels: string, address: string) =>
    `apiVersion: v1\nkind: Node\nmetadata: { name: node-a, labels: { ${labels} } }\nstatus: { addresses: [{ type: InternalIP, address: ${address} }] }\n`;

  it('lists relabelled nodes and cluster.nodes entries, and does not say "No connectivity change"', async () => {
    const repo = useGitRepo({
      'nodes.yaml': NODE('role: worker', '10.0.0.11'),
      'netpol.config.yaml':
        'cluster:\n  nodes:\n    - { name: worker-2, labels: { role: storage }, addresses: [10.0.0.12] }\n',
    });
    repo.write('nodes.yaml', NODE('role: storage, zone: b', '10.0.0.21'));
    repo.write(
      'netpol.config.yaml',
      'cluster:\n  nodes:\n    - { name: worker-3, labels: { role: storage }, addresses: [10.0.0.13] }\n',
    );
    const r = await runCli(['diff', '--base', 'main'], { cwd: repo.top });
    expect(r.stdout.split('\n').slice(1)).toEqual([
      "No matrix cell flips, but 3 nodes' labels or addresses change: the matrix has no node columns, so check flows from and to them with netpol trace remote-node@NODE or host@NODE (or netpol diff --flows).",
      '',
      'Nodes:',
      '  node-a: label role=storage; label zone=b; address 10.0.0.21 added; address 10.0.0.11 removed',
      '  worker-2: removed',
      '  worker-3: added (role=storage; 10.0.0.13)',
      '',
    ]);
    const json = JSON.parse(
      (await runCli(['diff', '--base', 'main', '-o', 'json'], { cwd: repo.top })).stdout,
    );
    expect([json.settings, json.nodes[0]]).toEqual([
      [],
      {
        node: 'node-a',
        change: 'changed',
        labelsSet: { role: 'storage', zone: 'b' },
        labelsRemoved: [],
        addressesAdded: ['10.0.0.21'],
        addressesRemoved: ['10.0.0.11'],
      },
    ]);
    const md = (await runCli(['diff', '--base', 'main', '-o', 'markdown'], { cwd: repo.top })).stdout;
    expect(md).toContain(
      '- node `node-a`: label role=storage; label zone=b; address 10.0.0.21 added; address 10.0.0.11 removed\n',
    );
  });
});
