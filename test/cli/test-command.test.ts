import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

const HOMELAB = path.join(PROJECT_ROOT, 'examples/homelab');

/** Two passing assertions, one failing, one with a bad value, one not a mapping, one with a bad peer. */
const MIXED = yaml`
  # assertions kept next to the policies
  - from: billing
    to: database
    port: 5432
    expect: allowed
    because: billing has the postgres grant
  - from: docs
    to: database
    port: 5432
    expect: allowed
    because: docs <needs> "postgres" & more
  - from: docs
    to: world:203.0.113.10
    port: 443
    protocol: TCP
    expect: allowed
  - from: web
    to: cache
    port: seventy
    expect: allow
  - just a string
  - {from: web, to: "nowhere/=x", port: 80, expect: denied}
`;

describe('netpol test', () => {
  it('passes the example repository: one line per assertion, then "78 passed, 0 failed"', async () => {
    const r = await runCli(['test', 'examples/homelab/connectivity-tests.yaml', '-R', 'examples/homelab']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(80);
    expect(lines[0]).toBe(
      '✓ istio-gateway/gateway.networking.k8s.io/gateway-name=internal → batch-worker 8080/TCP  expected denied  — Profile table, isolated: Ingress "None" - not even the internal gateway',
    );
    expect(lines.slice(0, 78).every((l) => l.startsWith('✓ '))).toBe(true);
    expect(lines.at(-2)).toBe('');
    expect(lines.at(-1)).toBe('78 passed, 0 failed');
  });

  it('resolves FILE against the current directory and the repository from -R', async () => {
    const dir = useRepo({ 'tests/conn.yaml': MIXED });
    const r = await runCli(['test', 'tests/conn.yaml', '-R', HOMELAB], { cwd: dir.root });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatchInlineSnapshot(`
      "✓ billing → database 5432/TCP  expected allowed  — billing has the postgres grant
      ✗ docs → database 5432/TCP  expected allowed, got denied  — docs <needs> "postgres" & more
          DENIED  docs → database 5432/TCP
            egress of docs (source): denied (enforced)
              default deny: 2 rule(s) with egress rules select this endpoint
              no egress rule selecting this endpoint allows the flow
              selected by:
                CiliumClusterwideNetworkPolicy/baseline-dns-egress  network-policy/baselines/dns-egress.yaml:13
                CiliumClusterwideNetworkPolicy/profile-standard  network-policy/profiles/standard.yaml:7
            ingress of database (destination): denied (enforced)
              default deny: 4 rule(s) with ingress rules select this endpoint
              no ingress rule selecting this endpoint allows the flow
              selected by:
                CiliumNetworkPolicy/database/database-default  network-policy/platform/database.yaml:13
                CiliumNetworkPolicy/database/postgres  network-policy/platform/database.yaml:51
                CiliumClusterwideNetworkPolicy/baseline-health-probes  network-policy/baselines/health-probes.yaml:18
                CiliumClusterwideNetworkPolicy/baseline-prometheus-scrape  network-policy/baselines/prometheus-scrape.yaml:18
      ✓ docs → world:203.0.113.10 443/TCP  expected allowed
      ✗ tests/conn.yaml:19:9  BAD_VALUE  "port" must be a number, not "seventy"
      ✗ tests/conn.yaml:20:11  BAD_VALUE  "expect" must be allowed or denied, not "allow"
      ✗ tests/conn.yaml:21:3  BAD_VALUE  an assertion must be a mapping with from, to, port and expect
      ✗ tests/conn.yaml:22:19  BAD_VALUE  destination: "" is not a valid label key

      2 passed, 4 failed (3 of them invalid entries)
      "
    `);
  });

  it('writes JUnit XML atomically, escaping every name and text', async () => {
    const dir = useRepo({ 'conn.yaml': MIXED, 'reports/.keep': '' });
    const r = await runCli(['test', 'conn.yaml', '-R', HOMELAB, '--junit', 'reports/netpol.xml'], {
      cwd: dir.root,
    });
    expect(r.code).toBe(2);
    const xml = dir.read('reports/netpol.xml');
    expect(xml.replace(/(<failure[^>]*>)[^<]*(<\/failure>)/g, '$1…$2')).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="netpol test" tests="6" failures="1" errors="3">
        <testsuite name="conn.yaml" tests="6" failures="1" errors="3" skipped="0">
          <testcase name="billing → database:5432/TCP" classname="conn.yaml" file="conn.yaml" line="2"/>
          <testcase name="docs → database:5432/TCP" classname="conn.yaml" file="conn.yaml" line="7">
            <failure message="expected allowed, got denied" type="AssertionFailed">…</failure>
          </testcase>
          <testcase name="docs → world:203.0.113.10:443/TCP" classname="conn.yaml" file="conn.yaml" line="12"/>
          <testcase name="conn.yaml:19" classname="conn.yaml" file="conn.yaml" line="19">
            <error message="&quot;port&quot; must be a number, not &quot;seventy&quot;" type="BAD_VALUE">conn.yaml:19:9  BAD_VALUE  &quot;port&quot; must be a number, not &quot;seventy&quot;
      conn.yaml:20:11  BAD_VALUE  &quot;expect&quot; must be allowed or denied, not &quot;allow&quot;
      </error>
          </testcase>
          <testcase name="conn.yaml:21" classname="conn.yaml" file="conn.yaml" line="21">
            <error message="an assertion must be a mapping with from, to, port and expect" type="BAD_VALUE">conn.yaml:21:3  BAD_VALUE  an assertion must be a mapping with from, to, port and expect
      </error>
          </testcase>
          <testcase name="conn.yaml:22" classname="conn.yaml" file="conn.yaml" line="22">
            <error message="destination: &quot;&quot; is not a valid label key" type="BAD_VALUE">conn.yaml:22:19  BAD_VALUE  destination: &quot;&quot; is not a valid label key
      </error>
          </testcase>
        </testsuite>
      </testsuites>
      "
    `);
    expect(xml).toContain('because: docs &lt;needs&gt; &quot;postgres&quot; &amp; more\n');
    expect(xml).toContain('DENIED  docs → database 5432/TCP\n  egress of docs (source): denied (enforced)\n');
  });

  it('prints JSON with -o json', async () => {
    const dir = useRepo({ 'conn.yaml': MIXED });
    const r = await runCli(['test', 'conn.yaml', '-R', HOMELAB, '-o', 'json'], { cwd: dir.root });
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect({ file: j.file, passed: j.passed, failed: j.failed, invalid: j.invalid }).toEqual({
      file: 'conn.yaml',
      passed: 2,
      failed: 4,
      invalid: 3,
    });
    expect(
      j.results.map((x: { line: number; verdict: string; passed: boolean }) => [x.line, x.verdict, x.passed]),
    ).toEqual([
      [2, 'allowed', true],
      [7, 'denied', false],
      [12, 'allowed', true],
    ]);
    expect(Object.keys(j.results[1])).toEqual([
      'line',
      'from',
      'to',
      'port',
      'protocol',
      'expect',
      'because',
      'verdict',
      'passed',
      'trace',
    ]);
    expect(j.results[1].trace.egress.selectedBy.map((s: { name: string }) => s.name)).toEqual([
      'baseline-dns-egress',
      'profile-standard',
    ]);
    expect(j.errors).toEqual([
      {
        file: 'conn.yaml',
        line: 19,
        column: 9,
        code: 'BAD_VALUE',
        message: '"port" must be a number, not "seventy"',
      },
      {
        file: 'conn.yaml',
        line: 20,
        column: 11,
        code: 'BAD_VALUE',
        message: '"expect" must be allowed or denied, not "allow"',
      },
      {
        file: 'conn.yaml',
        line: 21,
        column: 3,
        code: 'BAD_VALUE',
        message: 'an assertion must be a mapping with from, to, port and expect',
      },
      {
        file: 'conn.yaml',
        line: 22,
        column: 19,
        code: 'BAD_VALUE',
        message: 'destination: "" is not a valid label key',
      },
    ]);
  });

  it('counts an entry with several problems once', async () => {
    const dir = useRepo({ 'conn.yaml': '- {from: web, port: x, expect: maybe, colour: red}\n' });
    const r = await runCli(['test', 'conn.yaml', '-R', HOMELAB], { cwd: dir.root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      [
        '✗ conn.yaml:1:3  MISSING_FIELD  an assertion needs "to"',
        '✗ conn.yaml:1:21  BAD_VALUE  "port" must be a number, not "x"',
        '✗ conn.yaml:1:32  BAD_VALUE  "expect" must be allowed or denied, not "maybe"',
        '✗ conn.yaml:1:39  UNKNOWN_FIELD  unknown field "colour" (fields: from, to, port, protocol, expect, because)',
        '',
        '0 passed, 1 failed (1 of them invalid entries)',
        '',
      ].join('\n'),
    );
  });

  it('passes an empty list', async () => {
    const dir = useRepo({ 'conn.yaml': '[]\n' });
    const r = await runCli(['test', 'conn.yaml', '-R', HOMELAB], { cwd: dir.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0 passed, 0 failed\n');
  });

  it.each([
    [
      'a missing file',
      {},
      'missing.yaml',
      'error: cannot read assertions file "missing.yaml" (it does not exist)\n',
    ],
    [
      'a directory',
      { 'dir/a.yaml': '[]\n' },
      'dir',
      'error: cannot read assertions file "dir" (it is a directory)\n',
    ],
    [
      'a YAML syntax error',
      { 'conn.yaml': '- from: a\n  to: [b\n' },
      'conn.yaml',
      'error: conn.yaml:2:7: The flow sequence that starts here with [ is never closed (missing closing ]).\n',
    ],
    [
      'an unclosed quote (reported where it opens)',
      { 'conn.yaml': '- from: web\n  to: "db\n  port: 5432\n  expect: allowed\n' },
      'conn.yaml',
      'error: conn.yaml:2:7: The double-quoted string that starts here is never closed (missing closing ").\n',
    ],
    [
      'a mapping',
      { 'conn.yaml': 'from: a\n' },
      'conn.yaml',
      'error: conn.yaml is not a YAML list of assertions\n',
    ],
    [
      'an empty file',
      { 'conn.yaml': '' },
      'conn.yaml',
      'error: conn.yaml is not a YAML list of assertions\n',
    ],
  ])('exits 2 for %s', async (_name, files, file, message) => {
    const dir = useRepo(files);
    const r = await runCli(['test', file, '-R', HOMELAB, '--junit', 'out.xml'], { cwd: dir.root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(message.trimEnd());
    expect(r.stderr).toMatch(/\nhint: .+\n$/);
  });

  it('exits 2 when the repository does not exist or the JUnit file cannot be written', async () => {
    const dir = useRepo({ 'conn.yaml': '[]\n' });
    const noRepo = await runCli(['test', 'conn.yaml', '-R', 'no-such-dir'], { cwd: dir.root });
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain(`error: Repository root "${dir.root}/no-such-dir" does not exist.`);
    const noDir = await runCli(['test', 'conn.yaml', '-R', HOMELAB, '--junit', 'missing/dir/out.xml'], {
      cwd: dir.root,
    });
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/^error: Cannot write ".+\/missing\/dir\/out\.xml": ENOENT/);
  });

  it('exits 2 when the repository has input errors, after running the assertions', async () => {
    const repo = useRepo({
      'cluster/ns.yaml': yaml`
        apiVersion: v1
        kind: Namespace
        metadata:
          name: web
        ---
        kind: [broken
      `,
      'conn.yaml': '- {from: web, to: world:1.1.1.1, port: 443, expect: allowed}\n',
    });
    const r = await runCli(['test', 'conn.yaml', '-R', 'cluster'], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ns\.yaml:6:7 {2}error {2}YAML_SYNTAX {2}The flow sequence that starts here/);
    expect(r.stdout).toBe('✓ web → world:1.1.1.1 443/TCP  expected allowed\n\n1 passed, 0 failed\n');
  });

  describe('--from-flows', () => {
    const FLOWS = 'test/fixtures/flows/homelab-replay.jsonl';

    it('writes the forwarded connections the repository allows to standard output, and a summary to stderr', async () => {
      const r = await runCli(['test', '--from-flows', FLOWS, '-R', 'examples/homelab']);
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').slice(2, 8)).toEqual([
        '- from: billing/app.kubernetes.io/name=billing',
        '  to: world:203.0.113.10',
        '  port: 443',
        '  protocol: TCP',
        '  expect: allowed',
        '  because: observed 31 times, last 2026-12-07T09:59:00Z',
      ]);
      expect(r.stderr).toBe(
        `3 assertions from 4 connections observed in ${FLOWS}.\n1 connection was never forwarded (dropped or audited only): not written.\n`,
      );
    });

    it('writes FILE with --write, which netpol test then passes; never overwrites it', async () => {
      const repo = useRepo({});
      const out = path.join(repo.root, 'connectivity-tests.yaml');
      const w = await runCli(['test', '--from-flows', FLOWS, '--write', out, '-R', 'examples/homelab']);
      expect([w.code, w.stdout]).toEqual([0, '']);
      const t = await runCli(['test', out, '-R', 'examples/homelab']);
      expect([t.code, t.stdout.split('\n').at(-2)]).toEqual([0, '3 passed, 0 failed']);
      const again = await runCli(['test', '--from-flows', FLOWS, '--write', out, '-R', 'examples/homelab']);
      expect([again.code, again.stderr.split('\n')[0]]).toEqual([
        2,
        `error: "${out}" exists: netpol test --from-flows never overwrites a file.`,
      ]);
    });

    it('lists forwarded connections the repository denies instead of writing failing tests', async () => {
      // The homelab copy without its internal-egress HTTPS rule denies billing → world:443.
      const repo = useRepo({
        'ns.yaml': yaml`
          apiVersion: v1
          kind: Namespace
          metadata:
            name: billing
          ---
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata:
            name: dns-only
            namespace: billing
          spec:
            endpointSelector: {}
            egress:
              - toEndpoints: [{}]
        `,
      });
      const r = await runCli(['test', '--from-flows', FLOWS, '-R', repo.root]);
      expect(r.code).toBe(0);
      expect(r.stderr.split('\n').slice(2)).toEqual([
        '2 forwarded connections are denied by the repository, not written (the cluster does not run what git says, or a change is pending: see netpol drift and netpol drops):',
        '  billing/app.kubernetes.io/name=billing → world:203.0.113.10 443/TCP  31 flows',
        '  billing/app.kubernetes.io/name=billing-canary → world:203.0.113.10 443/TCP  1 flow',
        '',
      ]);
    });
  });
});
