import { describe, expect, it } from 'vitest';
import { releaseSemantics } from '../../src/engine/releases.js';
import { nearestCiliumRelease, readConfig } from '../../src/repo/config.js';
import { engineFor, flow } from '../helpers/engine.js';

/**
 * Release-aware semantics (docs/semantics.md §15): each case is a repository, a flow and the verdict per
 * Cilium release, with the source of the behaviour that differs.
 */

const deployment = (name: string, ns: string, ports: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: ${name}
          image: ${name}
          ports: ${ports}
---`;

const egressNamed = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: named, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  egress:
    - toEndpoints: [{ matchLabels: { app: api } }]
      toPorts: [{ ports: [{ port: http, protocol: TCP }] }]
---`;

const ingressNamed = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: named-in, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: api } }
  ingress:
    - toPorts: [{ ports: [{ port: http, protocol: TCP }] }]
---`;

const requires = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: req, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: api } }
  ingress:
    - fromRequires: [{ matchLabels: { tier: front } }]
    - fromEndpoints: [{ matchLabels: { app: web } }]
---`;

const emptyElement = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: lockdown, namespace: shop }
spec:
  endpointSelector: {}
  ingress: [{}]
---`;

const namespaceLabelPeer = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: team-b, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: api } }
  ingress:
    - fromEndpoints: [{ matchLabels: { "io.cilium.k8s.namespace.labels.team": b } }]
---`;

interface ReleaseCase {
  readonly name: string;
  readonly source: string;
  readonly yaml: string;
  readonly flow: readonly [string, string, number];
  /** Release → verdict, and a caveat fragment the verdict carries (or null for none of the release caveats). */
  readonly byRelease: Readonly<Record<string, readonly ['allowed' | 'denied', string | null]>>;
}

const CASES: readonly ReleaseCase[] = [
  {
    name: 'egress named port with two numbers in the cluster',
    source:
      'cilium/cilium issue #30003 (≤1.19: duplicate named ports resolve to none), PR #44429 (1.20: resolved on the selected destinations)',
    yaml:
      egressNamed +
      deployment('api', 'shop', '[{ name: http, containerPort: 8080 }]') +
      deployment('legacy', 'other', '[{ name: http, containerPort: 9090 }]'),
    flow: ['shop/app=web', 'shop/app=api', 8080],
    byRelease: {
      '1.16': ['denied', "stands for several ports among the repository's workloads (8080, 9090)"],
      '1.19': [
        'denied',
        'Cilium 1.19 resolves egress named ports over the whole cluster and then allows none',
      ],
      '1.20': ['allowed', null],
    },
  },
  {
    name: 'egress named port the destination does not define, one number elsewhere in the cluster',
    source:
      'cilium/cilium PR #44429 description (≤1.19 considered all named port definitions across the cluster)',
    yaml:
      egressNamed +
      deployment('api', 'shop', '[{ name: grpc, containerPort: 8080 }]') +
      deployment('legacy', 'other', '[{ name: http, containerPort: 8080 }]'),
    flow: ['shop/app=web', 'shop/app=api', 8080],
    byRelease: {
      '1.18': [
        'allowed',
        'resolved to 8080 over every workload in the repository, as Cilium 1.18 does for egress',
      ],
      '1.20': ['denied', 'is not a container port of the destination known to the repository'],
    },
  },
  {
    name: 'ingress named port resolves on the local endpoint in every release',
    source: 'DOC language "Layer 4 Examples" (named ports); cilium/cilium PR #44429 changes egress only',
    yaml:
      ingressNamed +
      deployment('api', 'shop', '[{ name: http, containerPort: 8080 }]') +
      deployment('legacy', 'other', '[{ name: http, containerPort: 9090 }]'),
    flow: ['shop/app=web', 'shop/app=api', 8080],
    byRelease: { '1.16': ['allowed', null], '1.19': ['allowed', null], '1.20': ['allowed', null] },
  },
  {
    name: 'fromRequires folds into every rule selecting the endpoint; unconfirmed from 1.19',
    source:
      'CODE ≤1.18 pkg/policy/rule.go resolveIngressPolicy (requirements form conjunctions across all rules); 1.19 deprecation, cilium/cilium PR #43167',
    yaml: requires,
    flow: ['shop/app=web', 'shop/app=api', 80],
    byRelease: {
      '1.18': ['denied', null],
      '1.19': ['denied', 'fromRequires is deprecated since Cilium 1.19 (cilium/cilium #43167)'],
      '1.20': ['denied', 'netpol did not confirm how Cilium 1.20 applies it'],
    },
  },
  {
    name: 'ingress: [{}] puts the endpoint in default deny and allows nothing; unconfirmed in 1.20',
    source: 'DOC language "Ingress/Egress Default Deny"; CODE ≤1.19 pkg/policy/rule.go mergeIngress',
    yaml: emptyElement,
    flow: ['other/app=x', 'shop/app=api', 80],
    byRelease: {
      '1.16': ['denied', null],
      '1.19': ['denied', null],
      '1.20': ['denied', 'the empty element ({}) is evaluated as allowing nothing'],
    },
  },
  {
    name: 'a namespace-label selector in a CNP peer selects pods of other namespaces; not re-read at 1.20',
    source:
      'CODE pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector (no namespace injected when a namespace-label key is present), docs/semantics.md §2.3',
    yaml: namespaceLabelPeer,
    flow: ['db/app=pg', 'shop/app=api', 80],
    byRelease: {
      '1.16': ['allowed', null],
      '1.19': ['allowed', null],
      '1.20': ['allowed', 'netpol did not re-read this in Cilium 1.20'],
    },
  },
];

const RELEASE_CAVEAT = /named port|fromRequires|toRequires|empty element|namespace-label selector/;

describe('release-aware verdicts', () => {
  for (const c of CASES) {
    describe(`${c.name} [${c.source}]`, () => {
      it.each(Object.entries(c.byRelease))('Cilium %s → %j', (release, [verdict, caveat]) => {
        const v = engineFor(c.yaml, { ciliumVersion: release }).verdict(flow(...c.flow));
        expect(v.verdict).toBe(verdict);
        const releaseCaveats = v.caveats.filter((x) => RELEASE_CAVEAT.test(x));
        if (caveat === null) expect(releaseCaveats).toEqual([]);
        else expect(releaseCaveats).toEqual([expect.stringContaining(caveat)]);
      });
    });
  }
});

describe('nearestCiliumRelease', () => {
  it.each([
    ['1.16', '1.16', true],
    ['1.18.4', '1.18', true],
    ['v1.20.2', '1.20', true],
    ['1.15.3', '1.16', false],
    ['1.14', '1.16', false],
    ['1.21.0', '1.20', false],
    ['1.30', '1.20', false],
    ['2.0', '1.20', false],
    ['0.9', '1.16', false],
    ['nonsense', '1.19', false],
  ])('%s → %s (exact: %s)', (version, release, exact) => {
    expect(nearestCiliumRelease(version)).toEqual({ release, exact });
  });
});

describe('releaseSemantics', () => {
  it('names the nearest known release in a caveat on every verdict for an unknown version', () => {
    expect(releaseSemantics('1.15').unknownVersion).toBe(
      'Cilium 1.15 is not a release netpol models (1.16 to 1.20): verdicts follow 1.16, the nearest known release.',
    );
    expect(releaseSemantics('1.17.2').unknownVersion).toBeUndefined();
    const v = engineFor('', { ciliumVersion: '1.21' }).verdict(flow('shop', 'db', 80));
    expect(v.caveats).toEqual([
      'Cilium 1.21 is not a release netpol models (1.16 to 1.20): verdicts follow 1.20, the nearest known release.',
    ]);
    expect(engineFor('', { ciliumVersion: '1.17' }).verdict(flow('shop', 'db', 80)).caveats).toEqual([]);
  });

  it('readConfig warns CILIUM_VERSION_UNKNOWN at the ciliumVersion value and keeps the version', () => {
    const r = readConfig('netpol.config.yaml', 'cluster:\n  clusterName: prod\n  ciliumVersion: "1.15.2"\n');
    expect(r.settings.ciliumVersion).toBe('1.15.2');
    expect(
      r.diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.source?.column, d.message]),
    ).toEqual([
      [
        'CILIUM_VERSION_UNKNOWN',
        'warning',
        3,
        18,
        'Cilium 1.15.2 is not a release netpol models (1.16 to 1.20): verdicts follow 1.16, the nearest known release.',
      ],
    ]);
    expect(readConfig('netpol.config.yaml', 'cluster:\n  ciliumVersion: 1.18\n').diagnostics).toEqual([]);
  });
});
