import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Flow, Peer } from '../../src/engine/types.js';
import { createEngine } from '../../src/engine/verdict.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import type { Labels } from '../../src/repo/model.js';

/**
 * The verdict cache (PolicyEngine.verdict keeps each flow's verdict per source and destination peer, port
 * and protocol) must be invisible: on generated repositories and flows, every verdict of a warm engine,
 * asked in any order and again, equals the verdict a fresh engine computes for that flow alone, and a
 * what-if view (withNamespaceLabels) answers as an engine built on the relabelled repository, without
 * changing the answers of the engine it came from.
 */

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'] as const;
const APPS = ['web', 'api', 'db'] as const;
const TEAMS = ['red', 'green', 'blue'] as const;
const PORTS = [53, 80, 443, 5432] as const;

const ns = fc.constantFrom(...NAMESPACES);
const app = fc.constantFrom(...APPS);
const team = fc.constantFrom(...TEAMS);
const port = fc.constantFrom(...PORTS);

const indent = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
const cnp = (name: string, namespace: string, spec: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${indent(spec)}\n`;
const ccnp = (name: string, spec: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: { name: ${name} }\nspec:\n${indent(spec)}\n`;

/** One policy from a handful of shapes: L3/L4 allows, namespace-label peers, entities, CIDR denies, ICMP. */
const policy = fc.oneof(
  fc.record({ ns, subject: app, from: app, team: fc.option(team, { nil: undefined }), port }).map(
    (p) => (i: number) =>
      cnp(
        `in-${i}`,
        p.ns,
        `endpointSelector: { matchLabels: { app: ${p.subject} } }
ingress:
  - fromEndpoints:
      - matchLabels: { app: ${p.from}${p.team ? `, io.cilium.k8s.namespace.labels.team: ${p.team}` : ''} }
    toPorts: [{ ports: [{ port: "${p.port}", protocol: TCP }] }]`,
      ),
  ),
  fc
    .record({
      ns,
      subject: app,
      entity: fc.constantFrom('world', 'cluster', 'kube-apiserver'),
      port: fc.option(port, { nil: undefined }),
    })
    .map(
      (p) => (i: number) =>
        cnp(
          `out-${i}`,
          p.ns,
          `endpointSelector: { matchLabels: { app: ${p.subject} } }
egress:
  - toEntities: [${p.entity}]${p.port ? `\n    toPorts: [{ ports: [{ port: "${p.port}", protocol: ANY }] }]` : ''}`,
        ),
    ),
  fc.record({ ns, subject: fc.option(app, { nil: undefined }) }).map(
    (p) => (i: number) =>
      cnp(
        `deny-${i}`,
        p.ns,
        `endpointSelector: ${p.subject ? `{ matchLabels: { app: ${p.subject} } }` : '{}'}
egressDeny:
  - toCIDRSet: [{ cidr: 203.0.113.0/28, except: [203.0.113.8/30] }]`,
      ),
  ),
  fc.record({ team, to: ns, port, dd: fc.boolean() }).map(
    (p) => (i: number) =>
      ccnp(
        `team-${i}`,
        `endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.team: ${p.team} } }${p.dd ? '' : '\nenableDefaultDeny: { egress: false }'}
egress:
  - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: ${p.to} } }]
    toPorts: [{ ports: [{ port: "${p.port}", protocol: TCP }, { port: http, protocol: TCP }] }]`,
      ),
  ),
  fc.record({ port }).map(
    (p) => (i: number) =>
      ccnp(
        `node-${i}`,
        `nodeSelector: {}
ingress:
  - fromEntities: [cluster]
    toPorts: [{ ports: [{ port: "${p.port}", protocol: TCP }] }]`,
      ),
  ),
  fc.record({ icmp: fc.boolean() }).map(
    (p) => (i: number) =>
      ccnp(
        `base-${i}`,
        `endpointSelector: {}
ingress:
  - fromEntities: [host, health]
  - fromEndpoints: [{}]
    ${p.icmp ? 'icmps: [{ fields: [{ type: 8, family: IPv4 }] }]' : 'toPorts: [{ ports: [{ port: "53", protocol: UDP }] }]'}`,
      ),
  ),
);

const podPeer: fc.Arbitrary<Peer> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES, 'ns-unknown'),
    app,
    named: fc.boolean(),
  })
  .map(({ namespace, app, named }) =>
    named
      ? {
          kind: 'pod' as const,
          namespace,
          labels: { app },
          namedPorts: [{ name: 'http', port: 80, protocol: 'TCP' as const }],
        }
      : { kind: 'pod' as const, namespace, labels: { app } },
  );
const peerArb: fc.Arbitrary<Peer> = fc.oneof(
  { weight: 4, arbitrary: podPeer },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('203.0.113.1', '203.0.113.9', '198.51.100.7')
      .map((ip) => ({ kind: 'world' as const, ip })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('host', 'kube-apiserver', 'health')
      .map((entity) => ({ kind: 'reserved' as const, entity })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        entity: fc.constantFrom('host' as const, 'remote-node' as const),
        node: fc.constantFrom('n1', 'n2'),
      })
      .map(({ entity, node }) => ({ kind: 'reserved' as const, entity, node })),
  },
);
const flowArb: fc.Arbitrary<Flow> = fc
  .record({ source: peerArb, destination: peerArb, port, protocol: fc.constantFrom('TCP', 'UDP', 'ICMPv4') })
  .map(({ source, destination, port, protocol }) =>
    protocol === 'ICMPv4'
      ? { source, destination, protocol, port: 0, icmpType: port === 53 ? 0 : 8 }
      : { source, destination, protocol: protocol as 'TCP' | 'UDP', port },
  );

const nsLabels = fc
  .record({ team, grant: fc.boolean() })
  .map(({ team, grant }): Labels => (grant ? { team, 'access/pg': 'true' } : { team }));

function repoText(
  labels: readonly Labels[],
  policies: readonly ((i: number) => string)[],
): Record<string, string> {
  const namespaces = NAMESPACES.map(
    (name, i) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels[i] ?? {})}\n`,
  );
  return {
    'namespaces.yaml': namespaces.join('---\n'),
    'policies.yaml': policies.map((p, i) => p(i)).join('---\n'),
  };
}

describe('verdict cache', () => {
  it('cached verdicts equal fresh ones, and views answer as the relabelled repository (property)', () => {
    fc.assert(
      fc.property(
        fc.array(nsLabels, { minLength: 3, maxLength: 3 }),
        fc.array(policy, { minLength: 1, maxLength: 6 }),
        fc.array(flowArb, { minLength: 1, maxLength: 12 }),
        ns,
        nsLabels,
        fc.boolean(),
        (labels, policies, flows, relabelled, newLabels, hostFirewall) => {
          const { repo, diagnostics } = loadRepoFromText(repoText(labels, policies));
          expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          const settings = { hostFirewall };
          const fresh = (f: Flow) => createEngine(repo, settings).verdict(f);
          const engine = createEngine(repo, settings);
          for (const f of [...flows, ...[...flows].reverse()]) expect(engine.verdict(f)).toEqual(fresh(f));

          const full = { ...engine.labelsOfNamespace(relabelled), ...newLabels };
          const view = engine.withNamespaceLabels({ [relabelled]: full });
          const relabelledRepo = {
            ...repo,
            namespaces: repo.namespaces.map((n) => (n.name === relabelled ? { ...n, labels: full } : n)),
          };
          for (const f of [...flows, ...flows]) {
            expect(view.verdict(f)).toEqual(createEngine(relabelledRepo, settings).verdict(f));
          }
          for (const f of flows) expect(engine.verdict(f)).toEqual(fresh(f));
        },
      ),
      { seed: 1307, numRuns: 80 },
    );
  });

  it('returns the same frozen verdict for the same flow', () => {
    const { repo } = loadRepoFromText(repoText([{ team: 'red' }, { team: 'green' }, { team: 'blue' }], []));
    const engine = createEngine(repo);
    const f: Flow = {
      source: { kind: 'pod', namespace: 'ns-a', labels: { app: 'web' } },
      destination: { kind: 'world', ip: '203.0.113.1' },
      port: 443,
      protocol: 'TCP',
    };
    const v = engine.verdict(f);
    expect(engine.verdict({ ...f, source: { kind: 'pod', namespace: 'ns-a', labels: { app: 'web' } } })).toBe(
      v,
    );
    expect(Object.isFrozen(v) && Object.isFrozen(v.egress) && Object.isFrozen(v.caveats)).toBe(true);
    expect(engine.verdict({ ...f, port: 80 })).not.toBe(v);
  });
});
