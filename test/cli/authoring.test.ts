/**
 * The authoring commands in-process: `init`, `profile suggest`, `namespace set`, `platform new`,
 * `access new`. Exit code first (0 done, 1 refused or a failed promise, 2 bad input), then the output with
 * the temporary root replaced by <root>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';
import type { PromptingIo } from '../../src/cli/prompt.js';
import { runCli } from '../helpers/cli.js';
import { type TempRepo, useRepo } from '../helpers/use-repo.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/homelab');

/** Every file of a tree with its content (to prove nothing was written). */
function listTree(root: string): [string, string][] {
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .sort()
    .filter((f) => fs.statSync(path.join(root, f)).isFile())
    .map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]);
}

function copyOf(dir: string): TempRepo {
  const repo = useRepo({});
  fs.cpSync(dir, repo.root, { recursive: true });
  return repo;
}

async function cli(argv: string[], root: string) {
  const r = await runCli(argv, { cwd: root });
  const clean = (s: string) => s.replaceAll(root, '<root>');
  return { code: r.code, stdout: clean(r.stdout), stderr: clean(r.stderr) };
}

/** Runs the CLI as on a terminal, answering each question from `answers` and recording it. */
async function onTerminal(argv: string[], answers: boolean[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const io: PromptingIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => '',
    stdinLines: async function* () {},
    cwd,
    isTTY: true,
    env: {},
    prompter: {
      confirm: async (message) => {
        asked.push(message);
        return answers[asked.length - 1] ?? false;
      },
    },
  };
  const code = await run(argv, io as CliIo);
  return { code, stdout, stderr, asked };
}

describe('netpol init', () => {
  it('writes the tree, then changes nothing, then refuses a changed file until --force', async () => {
    const { root } = useRepo({});
    const first = await cli(['init', 'gitops'], root);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout.split('\n').slice(0, 3)).toEqual([
      'created     kustomization.yaml',
      'created     netpol.config.yaml',
      'created     namespaces/platform.yaml',
    ]);
    expect(first.stdout.endsWith('34 created, 0 updated, 0 overwritten, 0 unchanged\n')).toBe(true);

    const second = await cli(['init', '-R', 'gitops'], root);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('nothing to change: 34 files unchanged\n');

    fs.appendFileSync(path.join(root, 'gitops/network-policy/profiles/standard.yaml'), '# mine\n');
    const refused = await cli(['init', 'gitops'], root);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'error: 1 file(s) differ from what netpol init writes; nothing was written:\n' +
        '  network-policy/profiles/standard.yaml\n' +
        'hint: run with --force to overwrite them (--dry-run --force -o json lists every file first)\n',
    );

    const forced = await cli(['init', 'gitops', '--force'], root);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe(
      'overwritten network-policy/profiles/standard.yaml\n0 created, 0 updated, 1 overwritten, 33 unchanged\n',
    );
  });

  it('takes the options and shared resources from flags, and prints JSON', async () => {
    const { root } = useRepo({});
    const r = await cli(
      [
        'init',
        '--domain',
        'policy.example.org',
        '--gateway-namespace',
        'edge',
        '--resource',
        'mqtt=broker:1883,metrics=9234,description=Mosquitto',
        '--resource',
        'syslog=logging:514/udp',
        '-o',
        'json',
      ],
      root,
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.root).toBe('<root>');
    expect(j.written).toBe(true);
    expect(j.options).toEqual({
      domain: 'policy.example.org',
      gatewayNamespace: 'edge',
      internalGateway: 'internal',
      externalGateway: 'external',
      monitoringNamespace: 'monitoring',
      sharedResources: [
        { name: 'mqtt', namespace: 'broker', port: '1883/TCP', metricsPort: 9234, description: 'Mosquitto' },
        { name: 'syslog', namespace: 'logging', port: '514/UDP', metricsPort: 9090, description: 'syslog' },
      ],
    });
    expect(j.files).toContainEqual({
      path: 'network-policy/shared-resources/syslog.yaml',
      status: 'created',
    });
    expect(fs.readFileSync(path.join(root, 'network-policy/platform/edge.yaml'), 'utf8')).toContain(
      'name: edge-default',
    );
  });

  it.each([
    [
      ['init', '--resource', 'mqtt'],
      "error: option '--resource <spec>' argument 'mqtt' is invalid. \"mqtt\" is not NAME=NS:PORT[/PROTO][,metrics=PORT][,description=TEXT].",
    ],
    [['init', '--resource', 'a=b:70000'], 'port 70000 is out of range 1-65535.'],
    [['init', '--domain', 'Not A Domain'], 'error: --domain "Not A Domain" is not a label domain.'],
    [['init', 'a', '-R', 'b'], 'error: Give the directory once: as DIR or as -R, not both.'],
    [
      ['init', '--resource', 'My_DB=database:5432'],
      'error: shared resource "My_DB" cannot name the CiliumClusterwideNetworkPolicy "access-My_DB": Kubernetes object names are lowercase letters, digits and "-".',
    ],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { root } = useRepo({});
    const r = await cli(argv, root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe('netpol profile suggest', () => {
  it('prints the profile, why, and the labels to commit', async () => {
    const { root } = useRepo({});
    const r = await cli(['profile', 'suggest', '--internal-ingress', '--external-apis'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`profile: internal-egress

why (the seed's decision tree):
  1. Does the app need to be reached from the internet? no
  2. Internal-only but needs to call external APIs? yes  → internal-egress
  internal-egress: ingress Internal gateway, egress DNS + HTTPS (use case: Internal apps calling external APIs)

namespace labels to commit:
  metadata:
    labels:
      network-policy.homelab/profile: internal-egress

or: netpol namespace set <namespace> --profile internal-egress
`);
  });

  it("uses the repository's profile names when -R points to one", async () => {
    const r = await cli(
      [
        'profile',
        'suggest',
        '--no-ingress',
        '-R',
        path.resolve(import.meta.dirname, '../fixtures/authoring/renamed-profiles'),
        '-o',
        'json',
      ],
      EXAMPLE,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      profile: 'batch',
      seedProfile: 'isolated',
      step: 4,
      labels: { 'policy.example.org/profile': 'batch' },
      match: { by: 'behaviour', admits: { internalGateway: false, externalGateway: false, https: false } },
    });
  });

  it('reads the current directory when it is a repository', async () => {
    const r = await cli(['profile', 'suggest', '--internet-ingress', '-o', 'json'], EXAMPLE);
    expect(JSON.parse(r.stdout).match.by).toBe('behaviour');
  });

  it('asks the questions on a terminal, in the order of the decision tree', async () => {
    const { root } = useRepo({});
    const r = await onTerminal(['profile', 'suggest'], [false, false, true], root);
    expect(r.code).toBe(0);
    expect(r.asked).toEqual([
      'Does the app need to be reached from the internet?',
      'Does it call external APIs (HTTPS to the internet)?',
      'Is it reached from inside the cluster or the LAN (through the internal gateway)?',
    ]);
    expect(r.stdout.split('\n')[0]).toBe('profile: internal');
  });

  it('does not ask when flags are given, even on a terminal', async () => {
    const { root } = useRepo({});
    const r = await onTerminal(['profile', 'suggest', '--internet-ingress'], [], root);
    expect(r.asked).toEqual([]);
    expect(r.stdout.split('\n')[0]).toBe('profile: standard');
  });

  it.each([
    [
      [],
      'error: profile suggest needs answers: give --internet-ingress, --internal-ingress, --external-apis or --no-ingress (questions are asked only on a terminal).',
    ],
    [['--no-ingress', '--internal-ingress'], 'error: --no-ingress contradicts --internal-ingress.'],
  ])('exits 2 without asking on stdin: %j', async (flags, message) => {
    const { root } = useRepo({});
    const r = await cli(['profile', 'suggest', ...flags], root);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });
});

describe('netpol namespace set', () => {
  it('prints the diff of the one label line it changes', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(['namespace', 'set', 'docs', '--access', 'postgres', '-R', repo.root], repo.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`--- a/namespaces/docs.yaml
+++ b/namespaces/docs.yaml
@@ -6,3 +6,4 @@
   name: docs
   labels:
     network-policy.homelab/profile: standard
+    access.network-policy.homelab/postgres: "true"
wrote 1 file(s): 0 created, 1 changed
`);
  });

  it('takes several grants after --access and --remove-access, and a dry run writes nothing', async () => {
    const repo = copyOf(EXAMPLE);
    const before = repo.read('namespaces/web.yaml');
    const r = await cli(
      [
        'namespace',
        'set',
        'web',
        '--access',
        'postgres',
        'kube-api',
        '--remove-access',
        'dragonfly',
        '--dry-run',
        '-o',
        'json',
      ],
      repo.root,
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.changes).toEqual([
      { label: 'access.network-policy.homelab/postgres', from: null, to: 'true' },
      { label: 'access.network-policy.homelab/kube-api', from: null, to: 'true' },
      { label: 'access.network-policy.homelab/dragonfly', from: 'true', to: null },
    ]);
    expect(j.written).toBe(false);
    expect(repo.read('namespaces/web.yaml')).toBe(before);
  });

  it.each([
    [
      ['--profile', 'public'],
      'error: Unknown profile "public"; known profiles: isolated, internal, internal-egress, standard.\nhint: Profiles are the values the profile policies select; pick one of them.\n',
    ],
    [
      ['--access', 'mqtt'],
      'error: Unknown access grant "mqtt"; known access grants: kube-api, postgres, dragonfly, garage-s3.\nhint: Create it first with `netpol access new NAME --namespace NS --port PORT`.\n',
    ],
  ])('refuses %j with exit code 1 and nothing written', async (flags, stderr) => {
    const repo = copyOf(EXAMPLE);
    const before = repo.read('namespaces/web.yaml');
    const r = await cli(['namespace', 'set', 'web', ...flags], repo.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(stderr);
    expect(repo.read('namespaces/web.yaml')).toBe(before);
  });

  it('refuses a Namespace defined twice, and a manifest linked out of the repository (not read, exit 1)', async () => {
    const repo = copyOf(EXAMPLE);
    repo.write('namespaces/web2.yaml', repo.read('namespaces/web.yaml'));
    // Read without the root kustomization: one kustomize build listing both would fail (fresh-user-3 #6).
    fs.rmSync(repo.path('kustomization.yaml'));
    fs.rmSync(repo.path('connectivity-tests.yaml'));
    const twice = await cli(['namespace', 'set', 'web', '--access', 'postgres'], repo.root);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(
      'error: Namespace "web" is defined 2 times (namespaces/web.yaml:5, namespaces/web2.yaml:5), so netpol does not know which definition to edit.\nhint: Keep one definition of the Namespace (delete the others), then run the command again.\n',
    );
    const docs = repo.read('namespaces/docs.yaml');
    const outside = useRepo({ 'docs.yaml': docs });
    fs.rmSync(repo.path('namespaces/docs.yaml'));
    fs.symlinkSync(outside.path('docs.yaml'), repo.path('namespaces/docs.yaml'));
    const linked = await cli(['namespace', 'set', 'docs', '--access', 'postgres'], repo.root);
    // A file link leaving the repository is not read (LINK_NOT_FOLLOWED), so docs is not defined there.
    expect(linked.code).toBe(1);
    expect(linked.stderr).toBe(
      'error: Namespace "docs" is not defined, but "namespaces/docs.yaml" already exists, so it is not created there.\nhint: Add the Namespace manifest by hand, or move that file.\n',
    );
    expect(outside.read('docs.yaml')).toBe(docs);
  });

  it('refuses a manifest with a second hard link (exit 2) and writes nothing', async () => {
    const repo = copyOf(EXAMPLE);
    const elsewhere = useRepo({});
    const docs = repo.read('namespaces/docs.yaml');
    fs.linkSync(repo.path('namespaces/docs.yaml'), elsewhere.path('docs-hardlink.yaml'));
    const r = await cli(['namespace', 'set', 'docs', '--access', 'postgres'], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: "namespaces/docs.yaml" has 2 hard links: netpol writes a file by replacing it, which would leave its other names with the old content; nothing was written.\nhint: Edit it by hand, or keep one copy and make the other names symbolic links (netpol edits their target).\n',
    );
    expect(repo.read('namespaces/docs.yaml')).toBe(docs);
    expect(elsewhere.read('docs-hardlink.yaml')).toBe(docs);
  });

  it('refuses a profile on a platform namespace with exit code 1', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(['namespace', 'set', 'monitoring', '--profile', 'standard'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: Namespace "monitoring" is a platform namespace, and platform namespaces never carry a profile.',
    );
  });

  it.each([
    [['namespace', 'set', 'web'], 'error: Nothing to change: give --profile, --access or --remove-access.'],
    [
      ['namespace', 'set', 'Web_1', '--profile', 'standard'],
      'error: namespace "Web_1" is not a namespace name.',
    ],
    [
      ['namespace', 'set', 'web', '--profile', 'standard', '-R', 'missing'],
      'error: Repository root "<root>/missing" does not exist.',
    ],
  ])('exits 2 on bad input %j', async (argv, message) => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(argv, repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });
});

describe('netpol platform new', () => {
  it('writes the CNP and prints the diff and the engine checks', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(
      ['platform', 'new', 'queue', '--metrics-port', '9090', '--egress-to', 'database:5432'],
      repo.root,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--- /dev/null\n+++ b/network-policy/platform/queue.yaml\n');
    expect(r.stdout).toContain('+  - queue.yaml\n');
    expect(r.stdout.slice(r.stdout.indexOf('wrote '))).toBe(`wrote 5 file(s): 2 created, 3 changed
checked with the engine:
  ✓ Prometheus scrape ingress on 9090/TCP: allowed
  ✓ DNS egress to kube-dns on 53/UDP: allowed
  ✓ DNS egress to kube-dns on 53/TCP: allowed
  ✓ service-specific egress to database on 5432/TCP: allowed
`);
  });

  it('warns (exit 0) when Prometheus itself cannot reach the metrics port', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(['platform', 'new', 'vault', '--metrics-port', '8200', '-o', 'json'], repo.root);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([
      {
        description: 'Prometheus egress to vault:8200/TCP',
        from: 'monitoring/app.kubernetes.io/name=prometheus',
        to: 'vault',
        port: 8200,
        protocol: 'TCP',
        side: 'both',
        severity: 'warning',
        expected: 'allowed',
        verdict: 'denied',
        passed: false,
        hint: "monitoring's own CNP does not let Prometheus reach vault on 8200/TCP: add a toEndpoints rule for it there, as for the other platform metrics ports.",
      },
    ]);
  });

  it.each([
    [
      ['platform', 'new', 'cache', '--metrics-port', '6379'],
      1,
      'error: Namespace "cache" already has a platform policy, CiliumNetworkPolicy/cache/cache-default (network-policy/platform/cache.yaml:4).',
    ],
    [['platform', 'new', 'vault'], 2, 'error: platform new needs --metrics-port PORT.'],
    [
      ['platform', 'new', 'vault', '--metrics-port', 'http'],
      2,
      'error: --metrics-port "http" is not a port number.',
    ],
    [
      ['platform', 'new', 'vault', '--metrics-port', '1', '--ingress-from', 'web'],
      2,
      'error: --ingress-from "web" is not NS:PORT.',
    ],
    [
      ['platform', 'new', 'vault', '--metrics-port', '1', '--egress-to', 'Bad:1'],
      2,
      'error: --egress-to "Bad" is not a namespace name.',
    ],
  ])('%j exits %i', async (argv, code, message) => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(argv, repo.root);
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });
});

describe('netpol access new', () => {
  it('adds mqtt end to end and proves it with the engine', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await cli(['access', 'new', 'mqtt', '--namespace', 'mqtt', '--port', '1883'], repo.root);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.slice(r.stdout.indexOf('wrote '))).toBe(`wrote 7 file(s): 3 created, 4 changed
checked with the engine:
  ✓ a namespace labelled access.network-policy.homelab/mqtt=true reaches mqtt:1883/TCP: allowed
  ✓ a namespace without the label does not: denied
  ✓ Prometheus scrape ingress on 9090/TCP: allowed
  ✓ DNS egress to kube-dns on 53/UDP: allowed
  ✓ DNS egress to kube-dns on 53/TCP: allowed
`);
    const label = await cli(['namespace', 'set', 'web', '--access', 'mqtt'], repo.root);
    expect(label.code).toBe(0);
    const trace = await cli(['trace', 'web', 'mqtt', '--port', '1883', '-o', 'json'], repo.root);
    expect(JSON.parse(trace.stdout).verdict).toBe('allowed');
    const other = await cli(['trace', 'docs', 'mqtt', '--port', '1883', '-o', 'json'], repo.root);
    expect(JSON.parse(other.stdout).verdict).toBe('denied');
  });

  it.each([
    [
      ['access', 'new', 'postgres', '-n', 'database', '--port', '5432'],
      1,
      'error: The access grant "postgres" already exists (CiliumClusterwideNetworkPolicy/access-postgres, network-policy/shared-resources/postgres.yaml:4).',
    ],
    [['access', 'new', 'mqtt', '-n', 'mqtt'], 2, "error: required option '--port <port>' not specified"],
    [
      ['access', 'new', 'mqtt', '-n', 'mqtt', '--port', '1883/QUIC'],
      2,
      'error: --port "1883/QUIC": "QUIC" is not TCP, UDP or SCTP.',
    ],
    [
      ['access', 'new', 'mqtt', '-n', 'mqtt', '--port', '1883', '--metrics-port', '0'],
      2,
      'error: --metrics-port 0 is out of range 1-65535.',
    ],
    [
      ['access', 'new', 'Bad', '-n', 'mqtt', '--port', '1883'],
      2,
      'error: access grant "Bad" cannot name the CiliumClusterwideNetworkPolicy "access-Bad": Kubernetes object names are lowercase letters, digits and "-".',
    ],
    [
      ['access', 'new', 'a_b', '-n', 'mqtt', '--port', '1883'],
      2,
      'error: access grant "a_b" cannot name the CiliumClusterwideNetworkPolicy "access-a_b": Kubernetes object names are lowercase letters, digits and "-".',
    ],
  ])('%j exits %i', async (argv, code, message) => {
    const repo = copyOf(EXAMPLE);
    const before = listTree(repo.root);
    const r = await cli(argv, repo.root);
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(listTree(repo.root)).toEqual(before);
  });
});
