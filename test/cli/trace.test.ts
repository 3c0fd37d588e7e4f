import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { useRepo, yaml } from '../helpers/use-repo.js';

const R = ['-R', 'examples/homelab'];
/** `-R` for a test that runs in another folder. */
const HOMELAB = ['-R', path.join(PROJECT_ROOT, 'examples/homelab')];

describe('netpol trace', () => {
  it('explains an allowed flow with the deciding rules on each side', async () => {
    const r = await runCli(['trace', 'billing', 'database', '--port', '5432', ...R]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ALLOWED  billing → database 5432/TCP');
    expect(r.stdout).toContain(
      '✓ allowed by CiliumClusterwideNetworkPolicy/access-postgres egress[0]  network-policy/shared-resources/postgres.yaml:16',
    );
    expect(r.stdout).toContain(
      '✓ allowed by CiliumNetworkPolicy/database/postgres ingress[0]  network-policy/platform/database.yaml:58',
    );
  });

  it.each([
    [
      ['web/app=nope', 'database'],
      ['no workload of web has app=nope; workloads there: app.kubernetes.io/name=web'],
    ],
    [
      ['billing', 'database/app=pg'],
      ['no workload of database has app=pg; workloads there: app.kubernetes.io/name=postgres'],
    ],
    [['web/app.kubernetes.io/name=web', 'database'], []],
    [['web', 'database'], []],
  ])(
    '%j: names the labels the workloads carry when none has the pod labels given (fresh-user-2 #10)',
    async (peers, caveats) => {
      const r = await runCli(['trace', ...peers, '--port', '5432', '-o', 'json', ...R]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).caveats).toEqual(caveats);
    },
  );

  it('prints one JSON object with verdict, egress and ingress', async () => {
    const r = await runCli(['trace', 'docs', 'database', '--port', '5432', '-o', 'json', ...R]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      source: 'docs',
      destination: 'database',
      port: 5432,
      protocol: 'TCP',
      verdict: 'denied',
      egress: { enforced: true, verdict: 'denied', allowedBy: [], deniedBy: [] },
      ingress: { enforced: true, verdict: 'denied', allowedBy: [], deniedBy: [] },
    });
  });

  it('lists the closest rules of each denied side: peer matches, port does not (docs/semantics.md §1.5, §7)', async () => {
    const r = await runCli(['trace', 'billing', 'database', '--port', '5433', ...R]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`DENIED  billing → database 5433/TCP
  egress of billing (source): denied (enforced)
    default deny: 4 rule(s) with egress rules select this endpoint
    no egress rule selecting this endpoint allows the flow
    selected by:
      CiliumClusterwideNetworkPolicy/baseline-dns-egress  network-policy/baselines/dns-egress.yaml:13
      CiliumClusterwideNetworkPolicy/profile-internal-egress  network-policy/profiles/internal-egress.yaml:8
      CiliumClusterwideNetworkPolicy/access-postgres  network-policy/shared-resources/postgres.yaml:9
      CiliumClusterwideNetworkPolicy/access-dragonfly  network-policy/shared-resources/dragonfly.yaml:9
    closest rules (the peer matches, the port or protocol does not):
      · CiliumClusterwideNetworkPolicy/access-postgres egress[0] admits 5432/TCP only  network-policy/shared-resources/postgres.yaml:16
  ingress of database (destination): denied (enforced)
    default deny: 4 rule(s) with ingress rules select this endpoint
    no ingress rule selecting this endpoint allows the flow
    selected by:
      CiliumNetworkPolicy/database/database-default  network-policy/platform/database.yaml:13
      CiliumNetworkPolicy/database/postgres  network-policy/platform/database.yaml:51
      CiliumClusterwideNetworkPolicy/baseline-health-probes  network-policy/baselines/health-probes.yaml:18
      CiliumClusterwideNetworkPolicy/baseline-prometheus-scrape  network-policy/baselines/prometheus-scrape.yaml:18
    closest rules (the peer matches, the port or protocol does not):
      · CiliumNetworkPolicy/database/postgres ingress[0] admits 5432/TCP only  network-policy/platform/database.yaml:58
`);
    const json = await runCli(['trace', 'billing', 'database', '--port', '5433', '-o', 'json', ...R]);
    expect(json.code).toBe(0);
    const j = JSON.parse(json.stdout);
    expect(j.egress.closest).toEqual({
      rules: [
        {
          kind: 'CiliumClusterwideNetworkPolicy',
          namespace: '',
          name: 'access-postgres',
          file: 'network-policy/shared-resources/postgres.yaml',
          line: 16,
          column: 7,
          rule: 'egress[0]',
          notes: [],
          admits: ['5432/TCP'],
        },
      ],
      more: 0,
    });
    expect(j.ingress.closest).toEqual({
      rules: [
        {
          kind: 'CiliumNetworkPolicy',
          namespace: 'database',
          name: 'postgres',
          file: 'network-policy/platform/database.yaml',
          line: 58,
          column: 7,
          rule: 'ingress[0]',
          notes: [],
          admits: ['5432/TCP'],
        },
      ],
      more: 0,
    });
  });

  it('has no closest rules where no allow element selects the peer, nor on an allowed side', async () => {
    const denied = JSON.parse(
      (await runCli(['trace', 'docs', 'database', '--port', '5432', '-o', 'json', ...R])).stdout,
    );
    expect(denied.egress).not.toHaveProperty('closest');
    expect(denied.ingress).not.toHaveProperty('closest');
    const allowed = JSON.parse(
      (await runCli(['trace', 'billing', 'database', '--port', '5432', '-o', 'json', ...R])).stdout,
    );
    expect(allowed.egress).not.toHaveProperty('closest');
  });

  it('reports allowedBy entries with kind, namespace, name, file and line', async () => {
    const r = await runCli(['trace', 'web', 'world:203.0.113.10', '--port', '443', '-o', 'json', ...R]);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('allowed');
    expect(j.egress.allowedBy[0]).toMatchObject({
      kind: 'CiliumClusterwideNetworkPolicy',
      namespace: '',
      name: 'profile-standard',
      file: 'network-policy/profiles/standard.yaml',
    });
    expect(typeof j.egress.allowedBy[0].line).toBe('number');
    expect(j.ingress).toMatchObject({ enforced: false, verdict: 'allowed' });
  });

  it('warns about a namespace the repository does not define', async () => {
    const r = await runCli(['trace', 'ghost', 'web', '--port', '80', ...R]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: namespace "ghost" is not defined in the repository');
  });

  it.each([
    [['trace', 'billing', 'database', ...R], 'trace needs --port'],
    [['trace', 'billing', '--port', '1', ...R], 'trace needs SOURCE and DESTINATION'],
    [['trace', 'Bad_NS', 'database', '--port', '5432', ...R], 'source: "Bad_NS" is not a namespace name'],
    [['trace', 'billing', 'database', '--port', '70000', ...R], 'port 70000 is out of range 1-65535'],
    [['trace', 'billing', 'database', '--port', '1', '--protocol', 'XYZ', ...R], '"XYZ" is not a protocol'],
    [['trace', 'billing', 'world:1.2.3.999', '--port', '1', ...R], '"1.2.3.999" is not an IP address'],
    [['trace', 'a', 'b', '--port', '1', '-R', 'does/not/exist'], 'does not exist'],
    [['trace', 'billing', 'database', '--port', 'abc', ...R], 'hint: give --port a number'],
    [['trace', 'billing/app=x,app=y', 'database', '--port', '1', ...R], 'label "app" is given twice'],
    [['trace', '--batch', 'examples', ...R], 'batch file "examples" is a directory'],
  ])('rejects bad input %j with exit code 2', async (argv, message) => {
    const r = await runCli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('netpol trace --batch', () => {
  it('traces every line in order, one JSON object per line, bad lines with their number', async () => {
    const input = [
      '# source destination port protocol',
      'billing database 5432',
      '',
      'docs\tdatabase\t5432\tTCP',
      'billing nowhere',
      'batch-worker kube-system/k8s-app=kube-dns 53 UDP',
    ].join('\n');
    const r = await runCli(['trace', '--batch', '-', '-o', 'json', ...R], { stdin: input });
    expect(r.code).toBe(2);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.verdict ?? l.error])).toEqual([
      [2, 'allowed'],
      [4, 'denied'],
      [5, 'expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)'],
      [6, 'allowed'],
    ]);
  });

  it('reads PORT/PROTOCOL and words a protocol error for the batch line, which has no --protocol (fresh-user-3 #17)', async () => {
    const input = 'billing database 5432/TCP\nbilling database 5432/UDP --http GET /\n';
    const r = await runCli(['trace', '--batch', '-', ...R], { stdin: input });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      'allowed  billing → database 5432/TCP  egress: allowed (access-postgres)  ingress: allowed (postgres)\n' +
        '<stdin>:2: error: --http needs the protocol TCP after the port (SOURCE DESTINATION PORT TCP, or PORT/TCP) (HTTP rules are TCP-only)\n',
    );
  });

  it('text output: one line per flow', async () => {
    const r = await runCli(['trace', '--batch', '-', ...R], { stdin: 'billing database 5432\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'allowed  billing → database 5432/TCP  egress: allowed (access-postgres)  ingress: allowed (postgres)\n',
    );
  });

  it('names the file and line of a bad line: FILE:LINE: error (fresh-user report)', async () => {
    const repo = useRepo({ 'flows.txt': 'billing database 5432\nbilling nowhere\n' });
    const r = await runCli(['trace', '--batch', 'flows.txt', ...HOMELAB], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      [
        'allowed  billing → database 5432/TCP  egress: allowed (access-postgres)  ingress: allowed (postgres)',
        'flows.txt:2: error: expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)',
        '',
      ].join('\n'),
    );
    const json = await runCli(['trace', '--batch', 'flows.txt', '-o', 'json', ...HOMELAB], {
      cwd: repo.root,
    });
    expect(JSON.parse(json.stdout.trim().split('\n')[1] ?? '')).toEqual({
      file: 'flows.txt',
      line: 2,
      input: 'billing nowhere',
      error: 'expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)',
    });
  });

  it('refuses a binary file with one error naming it, not one error per "line" (fresh-user report)', async () => {
    const repo = useRepo({});
    writeFileSync(
      path.join(repo.root, 'flows.bin'),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x0a, 3, 0, 0x3e, 0, 0x0a, 1, 0, 0, 0]),
    );
    const r = await runCli(['trace', '--batch', 'flows.bin', ...HOMELAB], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: batch file "flows.bin" is not text (line 1: it contains NUL bytes); it is not read.\nhint: Give a text file with one flow a line: SOURCE DESTINATION PORT [PROTOCOL].\n',
    );
  });

  it.each([
    ['', '(it is empty)'],
    ['\n# nothing yet\n', '(its 2 lines are blank or comments)'],
  ])(
    'refuses a batch with no flow (%j): exit 2, never a silent pass (fresh-user report)',
    async (text, why) => {
      const repo = useRepo({ 'flows.txt': text });
      const r = await runCli(['trace', '--batch', 'flows.txt', ...HOMELAB], { cwd: repo.root });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: batch file "flows.txt" has no flow to trace ${why}.\nhint: Write one flow a line: SOURCE DESTINATION PORT [PROTOCOL].\n`,
      );
    },
  );

  it('refuses the flags of one flow beside --batch instead of ignoring them (fresh-user report)', async () => {
    const r = await runCli(
      ['trace', '--batch', '-', '--port', '80', '--protocol', 'UDP', '--http-host', 'x', ...R],
      { stdin: 'billing database 5432\n' },
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: --port, --protocol, --http-host cannot be used with --batch: write the port, protocol and L7 request on each batch line (SOURCE DESTINATION PORT [PROTOCOL] [--http METHOD PATH | --dns NAME]).\n',
    );
  });

  it('refuses --batch - beside -f -: standard input is read once (fresh-user report)', async () => {
    const r = await runCli(['trace', '--batch', '-', '-f', '-'], { stdin: 'billing database 5432\n' });
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      'error: --batch - and -f - both read standard input: give the manifests or the flows as a file.\n',
    ]);
  });
});

const L7_REPO = {
  'ns.yaml': yaml`
    apiVersion: v1
    kind: Namespace
    metadata: { name: shop }
  `,
  'policy.yaml': yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: api, namespace: shop }
    spec:
      endpointSelector: { matchLabels: { app: api } }
      ingress:
        - toPorts:
            - ports: [{ port: "80", protocol: TCP }]
              rules:
                http: [{ method: GET, path: "/public/.*" }]
      egress:
        - toPorts:
            - ports: [{ port: "53", protocol: ANY }]
              rules:
                dns: [{ matchPattern: "*.example.com" }]
  `,
};

describe('netpol trace --http / --dns', () => {
  it('says which L7 rule set refused the request', async () => {
    const repo = useRepo(L7_REPO);
    const r = await runCli([
      'trace',
      'shop/app=web',
      'shop/app=api',
      '--port',
      '80',
      '--http',
      'POST',
      '/public/x',
      '-R',
      repo.root,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('DENIED  shop/app=web → shop/app=api 80/TCP');
    expect(r.stdout).toContain('  L7 POST /public/x: denied');
    expect(r.stdout).toContain(
      '    ingress of shop/app=api: denied: the request matches none of the L7 rules in force on ingress (HTTP 403 from the proxy)',
    );
    expect(r.stdout).toContain(
      '      · CiliumNetworkPolicy/shop/api ingress[0]  policy.yaml:7: method GET, path /public/.*',
    );
  });

  it('allows a request a rule matches, with host and headers, in JSON', async () => {
    const repo = useRepo(L7_REPO);
    const r = await runCli([
      'trace',
      'shop/app=web',
      'shop/app=api',
      '--port',
      '80',
      '--http',
      'GET',
      '/public/a',
      '--http-host',
      'api.shop',
      '--http-header',
      'X-Trace: 1',
      '-o',
      'json',
      '-R',
      repo.root,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      verdict: 'allowed',
      l7: {
        kind: 'http',
        request: 'GET /public/a (host api.shop)',
        verdict: 'allowed',
        ingress: { verdict: 'allowed' },
      },
    });
  });

  it('evaluates DNS rules with --dns', async () => {
    const repo = useRepo(L7_REPO);
    const r = await runCli([
      'trace',
      'shop/app=api',
      'shop/app=dns',
      '--port',
      '53',
      '--protocol',
      'UDP',
      '--dns',
      'example.com',
      '-o',
      'json',
      '-R',
      repo.root,
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      verdict: 'denied',
      l7: {
        kind: 'dns',
        verdict: 'denied',
        egress: { ruleSet: [{ rules: ['matchPattern *.example.com'] }] },
      },
    });
  });

  it('evaluates --http and --dns written on trace --batch lines', async () => {
    const repo = useRepo(L7_REPO);
    const input = [
      'shop/app=web shop/app=api 80 --http GET /public/a',
      "shop/app=web shop/app=api 80 --http POST /public/x --http-header 'X-Trace: 1'",
      'shop/app=api shop/app=dns 53 UDP --dns www.example.com',
      'shop/app=web shop/app=api 80 --http GET',
    ].join('\n');
    const r = await runCli(['trace', '--batch', '-', '-R', repo.root], { stdin: input });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      [
        'allowed  shop/app=web → shop/app=api 80/TCP  egress: allowed (not enforced)  ingress: allowed (api [L7-filtered (http)])  L7 GET /public/a: allowed',
        'denied   shop/app=web → shop/app=api 80/TCP  egress: allowed (not enforced)  ingress: allowed (api [L7-filtered (http)])  L7 POST /public/x: denied (ingress)',
        'allowed  shop/app=api → shop/app=dns 53/UDP  egress: allowed (api [L7-filtered (dns)])  ingress: allowed (not enforced)  L7 DNS query www.example.com: allowed',
        '<stdin>:4: error: --http takes METHOD PATH, e.g. --http GET /api/v1',
        '',
      ].join('\n'),
    );
    const json = await runCli(['trace', '--batch', '-', '-o', 'json', '-R', repo.root], {
      stdin: 'shop/app=api shop/app=dns 53 UDP --dns example.com\n',
    });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      line: 1,
      verdict: 'denied',
      l7: {
        kind: 'dns',
        verdict: 'denied',
        egress: { ruleSet: [{ rules: ['matchPattern *.example.com'] }] },
      },
    });
  });

  it('asks for the L7 request on the batch line, not on the command line', async () => {
    const repo = useRepo(L7_REPO);
    const r = await runCli(['trace', '--batch', '-', '--dns', 'a.b', '-R', repo.root], { stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: --dns cannot be used with --batch: write the port, protocol and L7 request on each batch line (SOURCE DESTINATION PORT [PROTOCOL] [--http METHOD PATH | --dns NAME]).\n',
    );
  });

  it.each([
    [['--http', 'GET'], '--http takes METHOD PATH'],
    [['--http', 'GET', 'public'], '--http path "public" must start with /'],
    [['--http-host', 'x'], '--http-host and --http-header describe an --http request'],
    [['--http', 'GET', '/', '--http-header', 'nocolon'], '--http-header "nocolon" is not NAME:VALUE'],
    [['--http', 'GET', '/', '--dns', 'a.b'], '--http and --dns ask about different requests'],
    [['--http', 'GET', '/', '--protocol', 'UDP'], '--http needs --protocol TCP'],
  ])('rejects %j with exit code 2', async (extra, message) => {
    const repo = useRepo(L7_REPO);
    const r = await runCli([
      'trace',
      'shop/app=web',
      'shop/app=api',
      '--port',
      '80',
      ...extra,
      '-R',
      repo.root,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
