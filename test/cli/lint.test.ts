import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { rules } from '../../src/lint/rules/index.js';
import { runCli } from '../helpers/cli.js';
import { fluxKustomization } from '../helpers/flux.js';
import { useRepo, yaml } from '../helpers/use-repo.js';
import { fixtureFiles } from '../lint/fixtures.js';

const SARIF_SCHEMA = JSON.parse(
  fs.readFileSync(
    path.resolve(import.meta.dirname, '../fixtures/sarif/sarif-2.1.0-minimal.schema.json'),
    'utf8',
  ),
);

/** A repository with one error (a misspelt profile, fixable) and one warning (a namespace without profile). */
function twoProblems() {
  const files = fixtureFiles('unknown-profile', 'invalid');
  files['namespaces.yaml'] += yaml`
    ---
    apiVersion: v1
    kind: Namespace
    metadata:
      name: blog
  `;
  return useRepo(files);
}

describe('netpol lint', () => {
  it('examples/homelab lints clean (exit 0)', async () => {
    const r = await runCli(['lint', '-R', 'examples/homelab']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no problems; 0 suppressed\n');
    expect(r.stderr).toBe('');
  });

  it('says "no findings", not "no problems", beside warnings about the input (fresh-user-3 #17)', async () => {
    const repo = useRepo({
      'kustomization.yaml': 'resources: [ns.yaml, https://example.com/x.yaml]\n',
      'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n',
    });
    const r = await runCli(['lint', '-R', repo.root]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning  KUSTOMIZE_REMOTE_RESOURCE');
    expect(r.stdout).toBe('no findings; 0 suppressed; 1 input warning above\n');
  });

  it('tells --cluster on a repository without Flux clusters what it is for, listing none (fresh-user-3 #17)', async () => {
    const r = await runCli(['lint', '-R', 'examples/homelab', '--cluster', 'prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Cluster "prod" was asked for, but the repository has no Flux cluster entry point.\n' +
        'hint: --cluster picks among Flux clusters (folders holding a flux-system Kustomization); leave it out to read the -R folder as it is.\n',
    );
  });

  it('names the Flux variable, and where it is set, behind an address hardcoded-ip reports (fresh-user-3 #12)', async () => {
    const repo = useRepo({
      '.git/HEAD': 'ref: refs/heads/main\n',
      'clusters/prod/apps.yaml':
        'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n  postBuild:\n    substitute: {dns_ip: 8.8.8.8}\n    substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n',
      'clusters/prod/settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  cluster_node_subnet: 192.168.10.0/24\n',
      'apps/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n',
      'apps/pol.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: web}\nspec:\n  endpointSelector: {}\n  egress:\n    - toCIDR:\n        - ${cluster_node_subnet}\n        - "${dns_ip}/32"\n',
      'netpol.config.yaml': 'lint:\n  hardcoded-ip:\n    seedConvention: always\n',
    });
    const r = await runCli(['lint', '-R', repo.root, '-o', 'json']);
    const findings = JSON.parse(r.stdout).findings.filter(
      (f: { ruleId: string }) => f.ruleId === 'hardcoded-ip',
    );
    expect(findings.map((f: { message: string }) => f.message)).toEqual([
      'CiliumNetworkPolicy/web/p egress[0] names 192.168.10.0/24 (from ${cluster_node_subnet}, set in ConfigMap flux-system/cluster-settings (clusters/prod/settings.yaml:5)), an address of a private network: no selector, entity or DNS name can replace a device of your own network, but the address is fixed here.',
      'CiliumNetworkPolicy/web/p egress[0] names the address range 8.8.8.8/32 (from ${dns_ip}, set in postBuild.substitute of Kustomization flux-system/apps (clusters/prod/apps.yaml:8)); peers should be selected by endpoints or entities, not addresses.',
    ]);
  });

  it('prints findings grouped by file with hints and a summary (exit 1 on an error)', async () => {
    const repo = twoProblems();
    const r = await runCli(['lint', '-R', repo.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatchInlineSnapshot(`
      "namespaces.yaml:21:5  error  unknown-profile  Namespace "shop" has profile "wep", but no profile policy selects np.test/profile=wep; did you mean "web"?
          hint: Set np.test/profile: web (netpol lint --fix does it when only one profile is this close).
      namespaces.yaml:34:9  warning  missing-profile  Application namespace "blog" has no np.test/profile label and no policies of its own, so its pods get no ingress at all (only what the baselines allow).
          hint: Give it a profile: np.test/profile: isolated | web (isolated-style profiles make "no ingress" explicit).

      2 problems (1 error, 1 warning, 0 infos); 0 suppressed; 1 fixable with --fix
      "
    `);
  });

  it('separates files with a blank line, and exits 0 with warnings only', async () => {
    const files = fixtureFiles('missing-profile', 'invalid');
    files['apps/shop.yaml'] =
      files['apps/shop.yaml']?.replace(
        '  namespace: shop\n',
        '  namespace: shop\n  annotations:\n    netpol.dev/ignore: any-port\n    netpol.dev/ignore-reason: "x"\n',
      ) ?? '';
    files['netpol.config.yaml'] += '  rules:\n    unused-suppression: info\n';
    const repo = useRepo(files);
    const r = await runCli(['lint', '-R', repo.root]);
    expect(r.code).toBe(0);
    expect(r.stdout.replaceAll(repo.root, '<root>')).toMatchInlineSnapshot(`
      "apps/shop.yaml:8:5  info  unused-suppression  The suppression of "any-port" on CiliumNetworkPolicy/shop/api is unused: it reported nothing here.
          hint: Remove "any-port" from netpol.dev/ignore (netpol lint --fix does it).

      namespaces.yaml:34:9  warning  missing-profile  Application namespace "blog" has no np.test/profile label and no policies of its own, so its pods get no ingress at all (only what the baselines allow).
          hint: Give it a profile: np.test/profile: isolated | web (isolated-style profiles make "no ingress" explicit).

      2 problems (0 errors, 1 warning, 1 info); 0 suppressed; 1 fixable with --fix
      "
    `);
  });

  it('-o json prints the report', async () => {
    const repo = twoProblems();
    const r = await runCli(['lint', '-R', repo.root, '-o', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ suppressed: 0, fixed: 0, diffs: [], errorCount: 1, warningCount: 1 });
    expect(
      report.findings.map((f: { ruleId: string; source: { line: number }; fixable: boolean }) => [
        f.ruleId,
        f.source.line,
        f.fixable,
      ]),
    ).toEqual([
      ['unknown-profile', 21, true],
      ['missing-profile', 34, false],
    ]);
  });

  it('a ResourceSet template that fails is an invalid-manifest finding at its action: exit 1, as other manifest errors (fresh-user report)', async () => {
    const repo = useRepo({
      'clusters/prod/flux-system/gotk-sync.yaml': `${yaml`
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: GitRepository
        metadata: { name: flux-system, namespace: flux-system }
        spec: { url: 'ssh://git@example.org/org/fleet' }
      `}---\n${fluxKustomization('flux-system', './clusters/prod')}`,
      'clusters/prod/rset.yaml': yaml`
        apiVersion: fluxcd.controlplane.io/v1
        kind: ResourceSet
        metadata: { name: tenants, namespace: flux-system }
        spec:
          inputs: [{ name: a }]
          resources:
            - apiVersion: v1
              kind: Namespace
              metadata:
                name: << inputs.name | nosuchfunc >>
      `,
    });
    const r = await runCli(['lint', '-R', repo.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'clusters/prod/rset.yaml:10:32  error  invalid-manifest  RESOURCESET_TEMPLATE_ERROR: ResourceSet flux-system/tenants: the template fails (function "nosuchfunc" not defined); Flux Operator fails the ResourceSet, so none of its objects are analysed.',
        '    hint: Check the template with `flux-operator build resourceset -f FILE`.',
        '',
        '1 problem (1 error, 0 warnings, 0 infos); 0 suppressed',
        '',
      ].join('\n'),
    );
  });

  it('-o sarif prints a SARIF 2.1.0 log that validates and lists every rule', async () => {
    const repo = twoProblems();
    const r = await runCli(['lint', '-R', repo.root, '-o', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    const validate = new Ajv({ allErrors: true }).compile(SARIF_SCHEMA);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('netpol');
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(Object.keys(rules));
    expect(run.tool.driver.rules[0]).toEqual({
      id: 'profile-on-platform-namespace',
      name: 'ProfileOnPlatformNamespace',
      shortDescription: { text: rules['profile-on-platform-namespace'].description },
      fullDescription: { text: rules['profile-on-platform-namespace'].description },
      help: {
        text: `${rules['profile-on-platform-namespace'].description} Documentation: docs/rules/profile-on-platform-namespace.md in the netpol repository.`,
        markdown: `${rules['profile-on-platform-namespace'].description}\n\nDocumentation: \`docs/rules/profile-on-platform-namespace.md\` in the netpol repository.`,
      },
      defaultConfiguration: { level: 'error' },
      properties: { fixable: false },
    });
    expect(run.results).toEqual([
      {
        ruleId: 'unknown-profile',
        ruleIndex: 1,
        level: 'error',
        message: {
          text: 'Namespace "shop" has profile "wep", but no profile policy selects np.test/profile=wep; did you mean "web"? Hint: Set np.test/profile: web (netpol lint --fix does it when only one profile is this close).',
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: 'namespaces.yaml', uriBaseId: '%SRCROOT%' },
              region: { startLine: 21, startColumn: 5, endLine: 21, endColumn: 20 },
            },
          },
        ],
      },
      expect.objectContaining({ ruleId: 'missing-profile', ruleIndex: 2, level: 'warning' }),
    ]);
  });

  it('SARIF artifact URIs are relative to the repository for -f files, and percent-encoded', async () => {
    const files = fixtureFiles('any-port', 'invalid');
    const repo = useRepo({
      ...files,
      // -f reads this one file, without the fixture's profiles: ask for the seed's convention.
      'netpol.config.yaml': `${files['netpol.config.yaml']}  any-port:\n    seedConvention: always\n`,
      'apps/shop.yaml': '',
      'my apps/shop #1.yaml': files['apps/shop.yaml'] ?? '',
    });
    const r = await runCli(['lint', '-R', repo.root, '-f', repo.path('my apps/shop #1.yaml'), '-o', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(new Ajv().compile(SARIF_SCHEMA)(log)).toBe(true);
    expect(
      log.runs[0].results.map(
        (x: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) =>
          x.locations[0]?.physicalLocation.artifactLocation,
      ),
    ).toEqual([{ uri: 'my%20apps/shop%20%231.yaml', uriBaseId: '%SRCROOT%' }]);
  });

  it('--fix applies the safe fixes, prints their diff and lints what is left', async () => {
    const repo = twoProblems();
    const r = await runCli(['lint', '-R', repo.root, '--fix']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "--- a/namespaces.yaml
      +++ b/namespaces.yaml
      @@ -18,7 +18,7 @@
       metadata:
         name: shop
         labels:
      -    np.test/profile: wep
      +    np.test/profile: web
           access.np.test/postgres: "true"
       ---
       apiVersion: v1

      namespaces.yaml:34:9  warning  missing-profile  Application namespace "blog" has no np.test/profile label and no policies of its own, so its pods get no ingress at all (only what the baselines allow).
          hint: Give it a profile: np.test/profile: isolated | web (isolated-style profiles make "no ingress" explicit).

      1 problem (0 errors, 1 warning, 0 infos); 0 suppressed; 1 fixed
      "
    `);
    expect(repo.read('namespaces.yaml')).toContain(
      '    np.test/profile: web\n    access.np.test/postgres: "true"\n',
    );
  });
});

describe('netpol lint: bad input', () => {
  it('a missing repository root: exit 2, one message, no stack trace', async () => {
    const r = await runCli(['lint', '-R', 'no/such/dir']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(/"[^"]*no\/such\/dir"/, '"<dir>"')).toBe(
      'error: Repository root "<dir>" does not exist.\nhint: Pass -R DIR with the repository directory, or run netpol inside the repository.\n',
    );
  });

  it('a missing -f file: exit 2, one message', async () => {
    const repo = useRepo(fixtureFiles('any-port', 'valid'));
    const r = await runCli(['lint', '-R', repo.root, '-f', 'nope.yaml'], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr.replaceAll(repo.root, '<root>')).toBe(
      'error: File "<root>/nope.yaml" does not exist.\nhint: Check the -f path.\n',
    );
    expect(r.stderr).not.toContain('    at ');
  });

  it('an invalid lint configuration: exit 2, CONFIG_INVALID at its position; the lint still runs', async () => {
    const files = fixtureFiles('any-port', 'valid');
    const repo = useRepo({
      ...files,
      'netpol.config.yaml': `${files['netpol.config.yaml']}  rules:\n    any-port: warn\n`,
    });
    const r = await runCli(['lint', '-R', repo.root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'netpol.config.yaml:9:15  error  CONFIG_INVALID  The setting "warn" of rule "any-port" is not one of off, info, warning, error; the rule\'s default applies.\n    hint: Did you mean "warning"?\n',
    );
    expect(r.stdout).toBe('no findings; 0 suppressed; 1 input error: the repository was not read whole\n');
  });

  it('an unknown output format: exit 2', async () => {
    const r = await runCli(['lint', '-R', 'examples/homelab', '-o', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are text, json, sarif.",
    );
  });

  it('a YAML syntax error is a finding of invalid-manifest, exits 2 (input not read), and the rest is linted', async () => {
    const files = fixtureFiles('any-port', 'invalid');
    const repo = useRepo({ ...files, 'profiles.yaml': `${files['profiles.yaml']}---\nkind: [oops\n` });
    const r = await runCli(['lint', '-R', repo.root, '-o', 'json']);
    expect(r.code).toBe(2);
    expect(
      JSON.parse(r.stdout).findings.map((f: { ruleId: string; source: { file: string } }) => [
        f.ruleId,
        f.source.file,
      ]),
    ).toEqual([
      ['any-port', 'apps/shop.yaml'],
      ['invalid-manifest', 'profiles.yaml'],
    ]);
  });
});
