import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { checkSemanticsCase, type SemanticsCase } from '../helpers/engine.js';

/**
 * `toServices` (`k8sService`, `k8sServiceSelector`) resolved from the Services, Endpoints and EndpointSlices in
 * the repository, per release.
 * Sources: DOC = Cilium docs security/policy/language "Services based" (Services without a selector, by name
 * and namespace or by labels; their endpoints are allowed like CIDRs; `toServices` with `toPorts` rejected);
 * SVC = cilium/cilium pkg/policy/k8s/service.go (serviceRefMatches: an empty namespace matches every
 * namespace; serviceSelectorMatches; processRule: a Service without a selector becomes a generated toCIDRSet
 * of its endpoint addresses (appendEndpoints), one with a selector a generated toEndpoints of its selector in
 * its namespace (appendSelector));
 * PR34208 = cilium/cilium #34208 "policy: make ToServices selectors work for in-cluster services too" (1.17;
 * docs PR #37089 "how toServices works in v1.17+");
 * VAL = cilium/cilium pkg/policy/api rule validation, `l3DependentL4Support` (ToServices with ToPorts:
 * false with issue #20067 up to 1.16, true from 1.17);
 * EPS = cilium/cilium pkg/k8s/endpoints.go (ParseEndpoints reads `addresses`, ParseEndpointSliceV1 skips
 * endpoints that are not ready).
 */

const services = `
apiVersion: v1
kind: Service
metadata: { name: postgres, namespace: db, labels: { tier: data } }
spec:
  selector: { app: postgres }
  ports: [{ port: 5432 }]
---
apiVersion: v1
kind: Service
metadata: { name: legacy-pg, namespace: db, labels: { external: "yes" } }
spec:
  ports: [{ port: 5432 }]
---
apiVersion: v1
kind: Endpoints
metadata: { name: legacy-pg, namespace: db }
subsets:
  - addresses: [{ ip: 192.0.2.10 }]
    notReadyAddresses: [{ ip: 192.0.2.12 }]
    ports: [{ port: 5432 }]
---
apiVersion: v1
kind: Service
metadata: { name: vault-ext, namespace: db, labels: { external: "yes" } }
spec:
  ports: [{ port: 8200 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: vault-ext-1, namespace: db, labels: { kubernetes.io/service-name: vault-ext } }
addressType: IPv4
endpoints:
  - addresses: [198.51.100.7]
  - addresses: [198.51.100.8]
    conditions: { ready: false }
ports: [{ port: 8200 }]
---
apiVersion: v1
kind: Service
metadata: { name: nowhere, namespace: db }
spec:
  ports: [{ port: 80 }]
---`;

const egressTo = (entry: string, ports = '') => `${services}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: to-svc, namespace: shop }
spec:
  endpointSelector: {}
  egress:
    - toServices:
        - ${entry}${ports}
---`;

const PORT_5432 = `
      toPorts: [{ ports: [{ port: "5432", protocol: TCP }] }]`;

const CASES: readonly SemanticsCase[] = [
  {
    name: 'a Service with a selector stands for its backend pods (1.19)',
    source: 'SVC appendSelector; PR34208',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }'),
    flow: ['shop/app=api', 'db/app=postgres', 5432],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'a selector-backed Service does not stand for pods its selector does not match',
    source: 'SVC appendSelector',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }'),
    flow: ['shop/app=api', 'db/app=redis', 5432],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: "a selector-backed Service stands only for pods of the Service's namespace",
    source: 'SVC appendSelector (k8s:io.kubernetes.pod.namespace=<service namespace>)',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }'),
    flow: ['shop/app=api', 'other/app=postgres', 5432],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'Cilium 1.17 selects selector-backed Services too',
    source: 'PR34208 (first released in 1.17)',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }'),
    settings: { ciliumVersion: '1.17' },
    flow: ['shop/app=api', 'db/app=postgres', 5432],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'Cilium 1.16 selects only Services without a selector, and says so',
    source: 'DOC (1.16: "only take effect on Kubernetes services without a selector"); PR34208',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }'),
    settings: { ciliumVersion: '1.16' },
    flow: ['shop/app=api', 'db/app=postgres', 5432],
    verdict: 'denied',
    caveat: 'Service db/postgres has a selector: Cilium 1.16 selects only Services without one',
  },
  {
    name: 'a Service without a selector stands for the addresses of its Endpoints',
    source: 'DOC; SVC appendEndpoints; EPS',
    yaml: egressTo('k8sService: { serviceName: legacy-pg, namespace: db }'),
    flow: ['shop/app=api', 'world:192.0.2.10', 5432],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'so it does on Cilium 1.16',
    source: 'DOC (1.16)',
    yaml: egressTo('k8sService: { serviceName: legacy-pg, namespace: db }'),
    settings: { ciliumVersion: '1.16' },
    flow: ['shop/app=api', 'world:192.0.2.10', 5432],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'notReadyAddresses of Endpoints are not backends',
    source: 'EPS ParseEndpoints',
    yaml: egressTo('k8sService: { serviceName: legacy-pg, namespace: db }'),
    flow: ['shop/app=api', 'world:192.0.2.12', 5432],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'an EndpointSlice backs the Service its kubernetes.io/service-name label names',
    source: 'EPS ParseEndpointSliceV1; SVC appendEndpoints',
    yaml: egressTo('k8sService: { serviceName: vault-ext, namespace: db }'),
    flow: ['shop/app=api', 'world:198.51.100.7', 8200],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'an EndpointSlice endpoint that is not ready is not a backend',
    source: 'EPS ParseEndpointSliceV1',
    yaml: egressTo('k8sService: { serviceName: vault-ext, namespace: db }'),
    flow: ['shop/app=api', 'world:198.51.100.8', 8200],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'endpoint addresses are CIDRs: they never select a pod',
    source: 'DOC "IP/CIDR based"; SVC (generated toCIDRSet)',
    yaml: egressTo('k8sService: { serviceName: legacy-pg, namespace: db }'),
    flow: ['shop/app=api', 'db/app=postgres', 5432],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'k8sServiceSelector selects every Service whose labels match',
    source: 'DOC (service-labels example); SVC serviceSelectorMatches',
    yaml: egressTo('k8sServiceSelector: { selector: { matchLabels: { external: "yes" } } }'),
    flow: ['shop/app=api', 'world:198.51.100.7', 8200],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'k8sServiceSelector restricted to a namespace without such Services selects nothing, and says so',
    source: 'SVC serviceSelectorMatches (namespace)',
    yaml: egressTo(
      'k8sServiceSelector: { namespace: other, selector: { matchLabels: { external: "yes" } } }',
    ),
    flow: ['shop/app=api', 'world:192.0.2.10', 5432],
    verdict: 'denied',
    caveat: 'selects no Service in the repository',
  },
  {
    name: 'k8sService without a namespace matches the name in every namespace',
    source: 'SVC serviceRefMatches (Namespace == "")',
    yaml: egressTo('k8sService: { serviceName: legacy-pg }'),
    flow: ['shop/app=api', 'world:192.0.2.10', 5432],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'a Service that is not in the repository keeps the caveat',
    source: 'SVC (no such Service: nothing generated)',
    yaml: egressTo('k8sService: { serviceName: ghost, namespace: db }'),
    flow: ['shop/app=api', 'world:192.0.2.10', 5432],
    verdict: 'denied',
    caveat: 'toServices k8sService db/ghost names no Service in the repository',
  },
  {
    name: 'a Service without a selector whose addresses are not in git keeps the caveat',
    source: 'SVC appendEndpoints (addresses only from the cluster)',
    yaml: egressTo('k8sService: { serviceName: nowhere, namespace: db }'),
    flow: ['shop/app=api', 'world:192.0.2.10', 80],
    verdict: 'denied',
    caveat: 'Service db/nowhere has no selector and no Endpoints or EndpointSlice in the repository',
  },
  {
    name: 'toServices with toPorts restricts the ports (1.17+)',
    source: 'VAL (ToServices: true from 1.17)',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }', PORT_5432),
    flow: ['shop/app=api', 'db/app=postgres', 5432],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'toServices with toPorts: other ports stay denied',
    source: 'VAL',
    yaml: egressTo('k8sService: { serviceName: postgres, namespace: db }', PORT_5432),
    flow: ['shop/app=api', 'db/app=postgres', 5433],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'Cilium 1.16 rejects a policy combining toServices with toPorts: none of its rules apply, and the verdict says so',
    source: 'DOC "Limitations"; VAL (issue #20067)',
    yaml: egressTo('k8sService: { serviceName: legacy-pg, namespace: db }', PORT_5432),
    settings: { ciliumVersion: '1.16' },
    flow: ['shop/app=api', 'world:192.0.2.99', 5432],
    verdict: 'allowed',
    caveat: 'Cilium 1.16 rejects toServices combined with toPorts',
  },
];

describe('toServices resolved from the repository', () => {
  it.each(CASES)('$name [$source]', (c) => checkSemanticsCase(c, /Service|toServices/));
});

describe('loading Services, Endpoints and EndpointSlices', () => {
  it('reads selectors and ready backend addresses; the kinds still count as skipped', () => {
    const { repo, diagnostics } = loadRepoFromText({ 'svc.yaml': services });
    expect(diagnostics).toEqual([]);
    expect(repo.services.map((s) => [s.namespace, s.name, s.selector, s.labels])).toEqual([
      ['db', 'postgres', { app: 'postgres' }, { tier: 'data' }],
      ['db', 'legacy-pg', null, { external: 'yes' }],
      ['db', 'vault-ext', null, { external: 'yes' }],
      ['db', 'nowhere', null, {}],
    ]);
    expect(repo.serviceEndpoints.map((e) => [e.kind, e.serviceName, e.addresses])).toEqual([
      ['Endpoints', 'legacy-pg', ['192.0.2.10/32']],
      ['EndpointSlice', 'vault-ext', ['198.51.100.7/32']],
    ]);
    expect(repo.skippedKinds).toEqual({ Service: 4, Endpoints: 1, EndpointSlice: 1 });
  });
});
