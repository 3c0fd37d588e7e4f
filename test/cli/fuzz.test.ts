import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * Mutation fuzzing of everything a user feeds netpol (issue 8, "Done when"): a small but complete repository
 * (kustomization, namespaces, profile and access-grant CCNPs, a platform CNP, netpol.config.yaml) and a Hubble
 * capture are mutated with hostile fragments (unclosed quotes, anchors and aliases, flow collections, tabs, CRLF,
 * a byte-order mark, long words, `---`, `${var}`, bad numbers), then read by lint, trace (one flow and --batch),
 * drops, test (an assertions file, mutated too) and matrix in-process. Each run must end with an exit code of 0, 1 or 2, no internal error (an exception that
 * escaped a command), and output bounded by the input's size.
 */

const DOMAIN = 'network-policy.fuzz';

const BASE: Readonly<Record<string, string>> = {
  'kustomization.yaml': 'resources:\n  - namespaces.yaml\n  - policies.yaml\n  - platform.yaml\n',
  'netpol.config.yaml': [
    'cluster:',
    '  clusterName: fuzz',
    '  ciliumVersion: "1.19"',
    'catalog:',
    `  domain: ${DOMAIN}`,
    '  platformNamespaces: [db, kube-system]',
    'lint:',
    '  cidrAllowList: [169.254.0.0/16]',
    '',
  ].join('\n'),
  'namespaces.yaml': [
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    '  name: web',
    '  labels:',
    `    ${DOMAIN}/profile: internal # the web tier`,
    `    access.${DOMAIN}/postgres: "true"`,
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: db, labels: {team: data}}',
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    '  name: kube-system',
    '',
  ].join('\n'),
  'policies.yaml': [
    'apiVersion: cilium.io/v2',
    'kind: CiliumClusterwideNetworkPolicy',
    'metadata:',
    '  name: profile-internal',
    'spec:',
    '  endpointSelector:',
    '    matchLabels:',
    `      io.cilium.k8s.namespace.labels.${DOMAIN}/profile: internal`,
    '  egress:',
    '    - toEndpoints:',
    '        - matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}',
    '      toPorts: [{ports: [{port: "53", protocol: ANY}]}]',
    '---',
    'apiVersion: cilium.io/v2',
    'kind: CiliumClusterwideNetworkPolicy',
    'metadata: {name: access-postgres}',
    'spec:',
    '  endpointSelector:',
    `    matchLabels: {io.cilium.k8s.namespace.labels.access.${DOMAIN}/postgres: "true"}`,
    '  egress:',
    '    - toEndpoints: [{matchLabels: {io.kubernetes.pod.namespace: db}}]',
    '      toPorts:',
    '        - ports:',
    '            - port: "5432"',
    '              protocol: TCP',
    '',
  ].join('\n'),
  'platform.yaml': [
    'apiVersion: cilium.io/v2',
    'kind: CiliumNetworkPolicy',
    'metadata:',
    '  name: db-default',
    '  namespace: db',
    'spec:',
    '  endpointSelector: {}',
    '  ingress:',
    '    - fromEndpoints:',
    '        - matchLabels:',
    `            io.cilium.k8s.namespace.labels.access.${DOMAIN}/postgres: "true"`,
    '      toPorts: [{ports: [{port: "5432", protocol: TCP}]}]',
    '  egress:',
    '    - toCIDR: [169.254.0.0/16]',
    '      toPorts: [{ports: [{port: "8080"}]}]',
    '',
  ].join('\n'),
};

function flowLine(source: string, destination: string, port: number, verdict: string): string {
  const ep = (ns: string, app: string) => ({
    namespace: ns,
    identity: 1000 + ns.length,
    labels: [`k8s:app=${app}`, `k8s:io.kubernetes.pod.namespace=${ns}`],
    pod_name: `${app}-0`,
  });
  const [sn, sa] = source.split('/') as [string, string];
  const [dn, da] = destination.split('/') as [string, string];
  return JSON.stringify({
    flow: {
      time: '2024-06-03T09:14:02Z',
      verdict,
      ...(verdict === 'DROPPED' ? { drop_reason: 133, drop_reason_desc: 'POLICY_DENIED' } : {}),
      IP: { source: '10.42.1.17', destination: '10.42.3.9', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 41822, destination_port: port } },
      source: ep(sn, sa),
      destination: ep(dn, da),
      traffic_direction: 'EGRESS',
    },
  });
}

const FLOWS = [
  flowLine('web/web', 'db/postgres', 5432, 'DROPPED'),
  flowLine('web/web', 'db/postgres', 6379, 'DROPPED'),
  flowLine('db/postgres', 'web/web', 8080, 'DROPPED'),
  flowLine('web/web', 'kube-system/kube-dns', 53, 'FORWARDED'),
  '',
].join('\n');

const ASSERTIONS = [
  '- from: web',
  '  to: db/app=pg',
  '  port: 5432',
  '  expect: allowed',
  '  because: the postgres grant',
  '- {from: db, to: web, port: 8080, protocol: TCP, expect: denied}',
  '',
].join('\n');

const BATCH =
  'web db 5432\nweb/app=x db/app.kubernetes.io/name=pg 5432 TCP\n# comment\nworld:1.2.3.4 web 443\n';

/** Fragments that broke YAML and JSON readers before, or could. */
const HOSTILE = [
  '"',
  "'",
  '"unclosed',
  '&a [*a, *a, *a]',
  '*a',
  '<<: *a',
  '{',
  '}',
  '[',
  ']',
  '{a: 1, b: [2, {c: 3}]}',
  '---\n',
  '...\n',
  '\t',
  '\r\n',
  '\uFEFF',
  ': ',
  '- ',
  '#',
  '.',
  '~',
  'null',
  'yes',
  '0x1F',
  '1e309',
  '99999',
  '-1',
  '$' + '{VAR}',
  '!!binary',
  '!custom',
  '%YAML 1.2\n',
  '? ',
  '|\n',
  '>-\n',
  '\\u0000',
  '\u0000',
  'x'.repeat(3000),
  `${'a.'.repeat(200)}b`,
  'Bad_Name',
  '10.0.0.0/33',
  '::1/129',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
  '{"flow":',
  '"verdict":"DROPPED"',
  '"destination_port":99999',
  '"labels":[1,2,{}]',
  '"namespace":{"a":1}',
  'null,',
  '}}}}',
] as const;

type Mutation =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'line'; readonly at: number; readonly text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 8 })),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({ op: fc.constant('line' as const), at: fc.nat(), text: fc.constantFrom(...HOSTILE) }),
);

/** Applies the mutations to a text; positions are taken modulo its current length. */
function mutate(text: string, mutations: readonly Mutation[]): string {
  let t = text;
  for (const m of mutations) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    switch (m.op) {
      case 'insert':
        t = t.slice(0, at) + m.text + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + m.length);
        break;
      case 'duplicate':
        t = t.slice(0, at + m.length) + t.slice(at, at + m.length) + t.slice(at + m.length);
        break;
      case 'line': {
        const lines = t.split('\n');
        lines[at % lines.length] = m.text;
        t = lines.join('\n');
        break;
      }
    }
  }
  return t;
}

const FILES = [...Object.keys(BASE), 'flows.jsonl', 'batch.txt', 'assertions.yaml'] as const;

const scenario = fc.record({
  /** Per file, the mutations applied (most files stay intact in a run, so the rest still loads). */
  edits: fc.array(
    fc.record({
      file: fc.constantFrom(...FILES),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    }),
    {
      minLength: 1,
      maxLength: 4,
    },
  ),
  /** Peers and port for `trace SOURCE DESTINATION --port N`: mostly valid, sometimes hostile. */
  peers: fc.tuple(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom('web', 'web/app=web', 'db/app=pg', 'world:1.2.3.4', 'kube-apiserver'),
      },
      { weight: 1, arbitrary: fc.constantFrom('ns:', 'a/=', `x${'y'.repeat(300)}`, 'world:', '/') },
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('db', 'db/app=pg', 'kube-system/k8s-app=kube-dns', 'host') },
      { weight: 1, arbitrary: fc.constantFrom('world:example.com', 'Bad_NS', '') },
    ),
  ),
  port: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('5432', '53', '8080') },
    { weight: 1, arbitrary: fc.constantFrom('0', '65536', 'http', '-1') },
  ),
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function writeScenario(files: Readonly<Record<string, string>>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-fuzz-'));
  dirs.push(root);
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(root, file), text);
  return root;
}

describe('hostile input (fuzz, seeded)', () => {
  it('lint, trace, trace --batch, drops, test and matrix never crash, exit 0/1/2 and print at most in proportion to the input', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const files: Record<string, string> = {
          ...BASE,
          'flows.jsonl': FLOWS,
          'batch.txt': BATCH,
          'assertions.yaml': ASSERTIONS,
        };
        for (const e of s.edits) files[e.file] = mutate(files[e.file] ?? '', e.mutations);
        const root = writeScenario(files);
        const inputBytes = Object.values(files).reduce((n, t) => n + t.length, 0);
        const bound = 20_000 + 20 * inputBytes;
        const runs = [
          await runCli(['lint', '-R', root]),
          await runCli(['lint', '-R', root, '-o', 'json']),
          await runCli(['trace', s.peers[0], s.peers[1], '--port', s.port, '-R', root]),
          await runCli(['trace', '--batch', '-', '-R', root, '-o', 'json'], {
            stdin: files['batch.txt'] ?? '',
          }),
          await runCli(['drops', '-R', root, '--flows', path.join(root, 'flows.jsonl')]),
          await runCli(['test', path.join(root, 'assertions.yaml'), '-R', root]),
          await runCli(['matrix', '-R', root]),
        ];
        for (const r of runs) {
          expect([0, 1, 2]).toContain(r.code);
          expect(r.stderr).not.toContain('internal error');
          expect(r.stdout.length + r.stderr.length).toBeLessThan(bound);
        }
      }),
      { seed: 20261207, numRuns: 40, endOnFailure: true },
    );
  }, 120_000);
});
