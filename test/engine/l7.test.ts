import { describe, expect, it } from 'vitest';
import type { L7Request } from '../../src/engine/l7.js';
import type { Flow } from '../../src/engine/types.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { engineFor, flow } from '../helpers/engine.js';

/**
 * L7 rules evaluated on request (`netpol trace --http`, `--dns`).
 * Sources: DOC = Cilium docs security/policy/language "Layer 7 Examples" (a request is permitted if at least
 * one rule matches; "If a layer 4 rule is specified in the policy, and a similar layer 4 rule with layer 7
 * rules is also specified, then the layer 7 portions of the latter rule will have no effect"), its examples
 * l7/http/simple/l7.yaml ("Allow GET /public") and l7/http/http.yaml (GET /path1, PUT /path2 with header
 * X-My-Header: true); ENVOY = cilium/cilium pkg/envoy getHTTPRule (`:method`, `:path`, `:authority` as
 * SafeRegexMatch with the GoogleRE2 engine: RE2 syntax, whole-value match; `headers` "Name value" exact, "Name"
 * presence; headerMatches from Secrets); WILD = pkg/envoy getWildcardNetworkPolicyRule (port-0, L3-only
 * rules considered after the port's rules); HOST = pkg/policy hostWildcardL7 (allow-localhost turns L7 rules
 * into allow-all for the local host); DNS = docs language "DNS based" (`*.cilium.io` matches `sub.cilium.io`,
 * not `cilium.io` nor `sub.sub.cilium.io`; `*` alone matches all) and pkg/fqdn/matchpattern (names compared in
 * lower case, fully qualified); PR43420 = cilium/cilium #43420 (`**.` prefix: several labels, in 1.19.0).
 */

const allowGetPublic = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: rule1, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: service } }
  ingress:
    - fromEndpoints: [{ matchLabels: { env: prod } }]
      toPorts:
        - ports: [{ port: "80", protocol: TCP }]
          rules:
            http: [{ method: GET, path: "/public" }]
---`;

const headerPolicy = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: l7-rule, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: service } }
  ingress:
    - toPorts:
        - ports: [{ port: "80", protocol: TCP }]
          rules:
            http:
              - { method: GET, path: "/path1" }
              - { method: PUT, path: "/path2", headers: ["X-My-Header: true"] }
---`;

const httpRule = (rule: string) => `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: api, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: service } }
  ingress:
    - fromEndpoints: [{}]
      toPorts:
        - ports: [{ port: "80", protocol: TCP }]
          rules:
            http: [${rule}]
---`;

const l4Too = (from: string) => `${allowGetPublic}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: l4-only, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: service } }
  ingress:
    - fromEndpoints: [{ matchLabels: { env: ${from} } }]
      toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]
---`;

const l3Too = `${allowGetPublic}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: l3-only, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: service } }
  ingress:
    - fromEndpoints: [{ matchLabels: { env: prod } }]
---`;

const egressHttp = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: client, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: client } }
  egress:
    - toEndpoints: [{ matchLabels: { app: service } }]
      toPorts:
        - ports: [{ port: "8080", protocol: TCP }]
          rules:
            http: [{ method: "GET|HEAD" }]
---`;

const dnsPolicy = (rules: string) => `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: dns, namespace: shop }
spec:
  endpointSelector: {}
  egress:
    - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: db, k8s-app: kube-dns } }]
      toPorts:
        - ports: [{ port: "53", protocol: ANY }]
          rules:
            dns: [${rules}]
---`;

const get = (path: string, extra: { host?: string; headers?: [string, string][] } = {}): L7Request => ({
  kind: 'http',
  http: { method: 'GET', path, headers: extra.headers ?? [], ...(extra.host ? { host: extra.host } : {}) },
});
const req = (method: string, path: string, headers: [string, string][] = []): L7Request => ({
  kind: 'http',
  http: { method, path, headers },
});
const dns = (name: string): L7Request => ({ kind: 'dns', name });

interface Case {
  readonly name: string;
  readonly source: string;
  readonly yaml: string;
  readonly flow: readonly [string, string, number, string?];
  readonly request: L7Request;
  /** `cluster.ciliumVersion`. Default: the modelled default (1.19). */
  readonly version?: string;
  readonly verdict: 'allowed' | 'denied';
  /** The side whose L7 rules decide, when they deny. */
  readonly deniedOn?: 'egress' | 'ingress';
  /** A caveat fragment the verdict carries, or null for none. */
  readonly caveat?: string;
}

const PROD = 'shop/env=prod';
const SERVICE = 'shop/app=service';

const CASES: readonly Case[] = [
  {
    name: 'GET /public is allowed',
    source: 'DOC (Allow GET /public)',
    yaml: allowGetPublic,
    flow: [PROD, SERVICE, 80],
    request: get('/public'),
    verdict: 'allowed',
  },
  {
    name: 'another path is refused',
    source: 'DOC ("requests to any other URL … will be rejected")',
    yaml: allowGetPublic,
    flow: [PROD, SERVICE, 80],
    request: get('/private'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'another method is refused',
    source: 'DOC',
    yaml: allowGetPublic,
    flow: [PROD, SERVICE, 80],
    request: req('POST', '/public'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'the path regex must match the whole path',
    source: 'ENVOY (safe_regex: full match)',
    yaml: allowGetPublic,
    flow: [PROD, SERVICE, 80],
    request: get('/public/more'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'the query is part of :path',
    source: 'ENVOY (:path header)',
    yaml: allowGetPublic,
    flow: [PROD, SERVICE, 80],
    request: get('/public?page=2'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'a path regex with a class and a repetition',
    source: 'ENVOY (RE2)',
    yaml: httpRule('{ path: "/api/v[0-9]+/.*" }'),
    flow: [PROD, SERVICE, 80],
    request: get('/api/v2/users'),
    verdict: 'allowed',
  },
  {
    name: 'the same regex does not match a non-digit version',
    source: 'ENVOY (RE2)',
    yaml: httpRule('{ path: "/api/v[0-9]+/.*" }'),
    flow: [PROD, SERVICE, 80],
    request: get('/api/vX/users'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'an alternation is anchored as a whole (GET|HEAD does not match GETX)',
    source: 'ENVOY (full match of the whole alternation)',
    yaml: httpRule('{ method: "GET|HEAD" }'),
    flow: [PROD, SERVICE, 80],
    request: req('GETX', '/'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'RE2 inline flags apply: (?i) makes the path case-insensitive',
    source: 'ENVOY (RE2 syntax, not JavaScript)',
    yaml: httpRule('{ path: "(?i)/public" }'),
    flow: [PROD, SERVICE, 80],
    request: get('/PUBLIC'),
    verdict: 'allowed',
  },
  {
    name: 'a required header with its value',
    source: 'DOC (http.yaml: PUT /path2 with X-My-Header: true); ENVOY (headers)',
    yaml: headerPolicy,
    flow: [PROD, SERVICE, 80],
    request: req('PUT', '/path2', [['X-My-Header', 'true']]),
    verdict: 'allowed',
  },
  {
    name: 'header names are case-insensitive',
    source: 'ENVOY (HTTP header names)',
    yaml: headerPolicy,
    flow: [PROD, SERVICE, 80],
    request: req('PUT', '/path2', [['x-my-header', 'true']]),
    verdict: 'allowed',
  },
  {
    name: 'a missing header refuses the request',
    source: 'DOC (http.yaml)',
    yaml: headerPolicy,
    flow: [PROD, SERVICE, 80],
    request: req('PUT', '/path2'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'a header with another value refuses the request',
    source: 'ENVOY (exact value)',
    yaml: headerPolicy,
    flow: [PROD, SERVICE, 80],
    request: req('PUT', '/path2', [['X-My-Header', 'false']]),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'rules are ORed: GET /path1 needs no header',
    source: 'DOC (a request is permitted if at least one rule matches)',
    yaml: headerPolicy,
    flow: [PROD, SERVICE, 80],
    request: get('/path1'),
    verdict: 'allowed',
  },
  {
    name: 'a host rule matches the Host given',
    source: 'ENVOY (:authority)',
    yaml: httpRule('{ host: "api\\\\.example\\\\.com" }'),
    flow: [PROD, SERVICE, 80],
    request: get('/', { host: 'api.example.com' }),
    verdict: 'allowed',
  },
  {
    name: 'a host rule without --http-host is refused, and says so',
    source: 'ENVOY (:authority)',
    yaml: httpRule('{ host: "api\\\\.example\\\\.com" }'),
    flow: [PROD, SERVICE, 80],
    request: get('/'),
    verdict: 'denied',
    deniedOn: 'ingress',
    caveat: "give the request's Host with --http-host",
  },
  {
    name: 'a header value held in a Secret is not known offline',
    source: 'ENVOY (headerMatches with secret)',
    yaml: httpRule('{ headerMatches: [{ name: X-Token, secret: { name: token, namespace: shop } }] }'),
    flow: [PROD, SERVICE, 80],
    request: get('/', { headers: [['X-Token', 'abc']] }),
    verdict: 'denied',
    deniedOn: 'ingress',
    caveat: 'held in a Kubernetes Secret',
  },
  {
    name: 'an L4-only allow on the same port and peer lets every request through',
    source: 'DOC (L7 portions have no effect)',
    yaml: l4Too('prod'),
    flow: [PROD, SERVICE, 80],
    request: req('DELETE', '/anything'),
    verdict: 'allowed',
  },
  {
    name: 'an L4-only allow for another peer does not widen this peer',
    source: 'DOC; ENVOY (rules per remote identity)',
    yaml: l4Too('dev'),
    flow: [PROD, SERVICE, 80],
    request: req('DELETE', '/anything'),
    verdict: 'denied',
    deniedOn: 'ingress',
  },
  {
    name: 'an L3-only allow of the peer lets every request through',
    source: 'WILD',
    yaml: l3Too,
    flow: [PROD, SERVICE, 80],
    request: req('DELETE', '/anything'),
    verdict: 'allowed',
  },
  {
    name: 'egress HTTP rules of the source decide too',
    source: 'DOC (L7 rules on ingress and egress)',
    yaml: egressHttp,
    flow: ['shop/app=client', SERVICE, 8080],
    request: req('HEAD', '/'),
    verdict: 'allowed',
  },
  {
    name: 'a method the egress rule lacks is refused on egress',
    source: 'DOC',
    yaml: egressHttp,
    flow: ['shop/app=client', SERVICE, 8080],
    request: req('DELETE', '/'),
    verdict: 'denied',
    deniedOn: 'egress',
  },
  {
    name: 'the local host passes L7 rules under allow-localhost',
    source: 'HOST',
    yaml: allowGetPublic,
    flow: ['host', SERVICE, 80],
    request: req('POST', '/admin'),
    verdict: 'allowed',
  },
  {
    name: 'matchPattern *.example.com admits one label',
    source: 'DNS',
    yaml: dnsPolicy('{ matchPattern: "*.example.com" }, { matchName: api.github.com }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('www.example.com'),
    verdict: 'allowed',
  },
  {
    name: 'matchPattern *.example.com does not admit the bare domain',
    source: 'DNS',
    yaml: dnsPolicy('{ matchPattern: "*.example.com" }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('example.com'),
    verdict: 'denied',
    deniedOn: 'egress',
  },
  {
    name: 'matchPattern *.example.com does not admit two labels',
    source: 'DNS',
    yaml: dnsPolicy('{ matchPattern: "*.example.com" }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('a.b.example.com'),
    verdict: 'denied',
    deniedOn: 'egress',
  },
  {
    name: 'matchName ignores case and the trailing dot',
    source: 'DNS (matchpattern: lower case, FQDN)',
    yaml: dnsPolicy('{ matchName: api.github.com }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('API.GitHub.com.'),
    verdict: 'allowed',
  },
  {
    name: 'matchPattern * admits every name',
    source: 'DNS ("* alone matches all names")',
    yaml: dnsPolicy('{ matchPattern: "*" }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('anything.internal'),
    verdict: 'allowed',
  },
  {
    name: 'from 1.19, a leading **. matches several labels',
    source: 'PR43420 (1.19 upgrade notes: "**.cilium.io" selects app.cilium.io and test.app.cilium.io)',
    yaml: dnsPolicy('{ matchPattern: "**.example.com" }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('a.b.example.com'),
    verdict: 'allowed',
  },
  {
    name: 'a leading **. does not match the bare domain',
    source: 'PR43420',
    yaml: dnsPolicy('{ matchPattern: "**.example.com" }'),
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('example.com'),
    verdict: 'denied',
    deniedOn: 'egress',
  },
  {
    name: 'before 1.19, ** is the same as * (one label)',
    source: 'PR43420 ("the existing logic treated ** essentially equivalent to *")',
    yaml: dnsPolicy('{ matchPattern: "**.example.com" }'),
    version: '1.18',
    flow: ['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'],
    request: dns('a.b.example.com'),
    verdict: 'denied',
    deniedOn: 'egress',
  },
];

function l7Flow(f: Case['flow'], request: L7Request): Flow {
  return { ...flow(f[0], f[1], f[2], f[3]), l7: request };
}

describe('L7 rules on request', () => {
  it.each(CASES)('$name [$source]', (c) => {
    const v = engineFor(c.yaml, c.version ? { ciliumVersion: c.version } : {}).verdict(
      l7Flow(c.flow, c.request),
    );
    expect(v.verdict).toBe(c.verdict);
    expect(v.egress.verdict).toBe('allowed');
    expect(v.ingress.verdict).toBe('allowed');
    expect(v.l7?.verdict).toBe(c.verdict);
    if (c.deniedOn) expect(v.l7?.[c.deniedOn].verdict).toBe('denied');
    if (c.caveat) expect(v.caveats).toEqual([expect.stringContaining(c.caveat)]);
    else expect(v.caveats).toEqual([]);
  });

  it('a refused request names the L7 rule set in force', () => {
    const v = engineFor(allowGetPublic).verdict(l7Flow([PROD, SERVICE, 80], get('/private')));
    expect(v.l7).toMatchObject({
      kind: 'http',
      request: 'GET /private',
      verdict: 'denied',
      egress: { verdict: 'allowed', ruleSet: [], reason: 'no L7 policy on egress' },
      ingress: {
        verdict: 'denied',
        allowedBy: [],
        ruleSet: [
          {
            rule: {
              kind: 'CiliumNetworkPolicy',
              namespace: 'shop',
              name: 'rule1',
              rule: 'ingress[0]',
              line: 8,
            },
            rules: ['method GET, path /public'],
          },
        ],
        reason: 'the request matches none of the L7 rules in force on ingress (HTTP 403 from the proxy)',
      },
    });
  });

  it('a refused DNS query names the DNS rules in force', () => {
    const v = engineFor(
      dnsPolicy('{ matchPattern: "*.example.com" }, { matchName: api.github.com }'),
    ).verdict(l7Flow(['shop/app=client', 'db/k8s-app=kube-dns', 53, 'UDP'], dns('evil.com')));
    expect(v.l7?.egress).toMatchObject({
      verdict: 'denied',
      ruleSet: [
        {
          rule: { name: 'dns', rule: 'egress[0]' },
          rules: ['matchPattern *.example.com', 'matchName api.github.com'],
        },
      ],
      reason: 'the request matches none of the L7 rules in force on egress (DNS REFUSED from the DNS proxy)',
    });
  });

  it('without a request the verdict stays L4, noting L7-filtered', () => {
    const v = engineFor(allowGetPublic).verdict(flow(PROD, SERVICE, 80));
    expect(v.verdict).toBe('allowed');
    expect(v.l7).toBeUndefined();
    expect(v.ingress.allowedBy[0]?.notes).toEqual(['L7-filtered (http)']);
  });

  it('a cached L4 verdict of the same flow does not hide the L7 evaluation, nor the reverse', () => {
    const engine = engineFor(allowGetPublic);
    expect(engine.verdict(flow(PROD, SERVICE, 80)).l7).toBeUndefined();
    expect(engine.verdict(l7Flow([PROD, SERVICE, 80], get('/private'))).verdict).toBe('denied');
    expect(engine.verdict(l7Flow([PROD, SERVICE, 80], get('/public'))).verdict).toBe('allowed');
    expect(engine.verdict(flow(PROD, SERVICE, 80))).toMatchObject({ verdict: 'allowed' });
    expect(engine.verdict(flow(PROD, SERVICE, 80)).l7).toBeUndefined();
  });

  it('an L4 denial is not evaluated at L7', () => {
    const v = engineFor(allowGetPublic).verdict(l7Flow(['shop/env=dev', SERVICE, 80], get('/public')));
    expect(v.verdict).toBe('denied');
    expect(v.l7).toBeUndefined();
  });
});

describe('loading HTTP rules', () => {
  it('reports a method, path or host that is not RE2 (JavaScript lookahead) at its position', () => {
    const { diagnostics } = loadRepoFromText({
      'p.yaml': httpRule('{ path: "/(?!admin).*" }'),
    });
    expect(diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.path?.join('.')])).toEqual([
      ['BAD_VALUE', 'error', 12, 'spec.ingress.0.toPorts.0.rules.http.0.path'],
    ]);
  });
});
