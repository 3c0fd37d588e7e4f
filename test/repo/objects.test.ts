// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Flux ${var} placeholders, not templates.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/errors.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import type { CiliumPolicyObject, KubernetesNetworkPolicyObject, PeerRule } from '../../src/repo/model.js';
import { yaml } from '../helpers/use-repo.js';

/** Diagnostics reduced to what tests assert: code, severity and position. */
function found(diagnostics: readonly Diagnostic[]) {
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    line: d.source?.line,
    column: d.source?.column,
  }));
}

/** A CNP whose spec body starts on line 5 (two-space indented). */
function cnp(body: string): string {
  return `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: app}\nspec:\n${body}`;
}

function load(text: string) {
  return loadRepoFromText({ 'p.yaml': text });
}

function onlyPolicy(text: string): { policy: CiliumPolicyObject; diagnostics: readonly Diagnostic[] } {
  const { repo, diagnostics } = load(text);
  expect(repo.policies).toHaveLength(1);
  return { policy: repo.policies[0] as CiliumPolicyObject, diagnostics };
}

function firstPeer(
  policy: CiliumPolicyObject,
  list: 'ingress' | 'egress' | 'ingressDeny' | 'egressDeny',
): PeerRule {
  const rule = policy.rules[0];
  const peers = rule?.[list];
  expect(peers?.length).toBeGreaterThan(0);
  return (peers as PeerRule[])[0] as PeerRule;
}

describe('readObjects: Cilium policy diagnostics', () => {
  it.each([
    {
      name: 'unknown field in a spec (typo)',
      body: '  endpointSelector: {}\n  ingres:\n    - {}\n',
      expected: [
        { code: 'UNKNOWN_FIELD', severity: 'error', line: 6, column: 3 },
        { code: 'MISSING_FIELD', severity: 'warning', line: 5, column: 3 },
      ],
    },
    {
      name: 'unknown field in an egress rule',
      body: '  endpointSelector: {}\n  egress:\n    - toEndpoints: [{}]\n      auth: {type: "null"}\n',
      expected: [{ code: 'UNKNOWN_FIELD', severity: 'error', line: 8, column: 7 }],
    },
    {
      name: 'unknown field in a port',
      body: '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports:\n            - {port: "80", proto: TCP}\n',
      expected: [{ code: 'UNKNOWN_FIELD', severity: 'error', line: 9, column: 28 }],
    },
    {
      name: 'lowercase operator',
      body: '  endpointSelector:\n    matchExpressions:\n      - key: app\n        operator: in\n        values: [a]\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 8, column: 19 }],
    },
    {
      name: 'In without values',
      body: '  endpointSelector: {}\n  ingress:\n    - fromEndpoints:\n        - matchExpressions:\n            - {key: app, operator: In}\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 9, column: 36 }],
    },
    {
      name: 'Exists with values',
      body: '  endpointSelector: {}\n  ingress:\n    - fromEndpoints:\n        - matchExpressions:\n            - {key: app, operator: Exists, values: [a]}\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 9, column: 52 }],
    },
    {
      name: 'non-string label value',
      body: '  endpointSelector:\n    matchLabels:\n      version: 2\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 7, column: 16 }],
    },
    {
      name: 'YAML 1.1 boolean as a label value',
      body: '  endpointSelector:\n    matchLabels:\n      enabled: yes\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 7, column: 16 }],
    },
    {
      name: 'invalid label key',
      body: '  endpointSelector:\n    matchLabels:\n      "-app": x\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 7, column: 7 }],
    },
    {
      name: 'unknown label source',
      body: '  endpointSelector:\n    matchLabels:\n      "foo:app": x\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_SELECTOR', severity: 'error', line: 7, column: 7 }],
    },
    {
      name: 'bad entity',
      body: '  endpointSelector: {}\n  egress:\n    - toEntities: [world, kube-api-server]\n',
      expected: [{ code: 'BAD_ENTITY', severity: 'error', line: 7, column: 27 }],
    },
    {
      name: 'bad CIDR prefix',
      body: '  endpointSelector: {}\n  egress:\n    - toCIDR: [10.0.0.0/33]\n',
      expected: [{ code: 'BAD_CIDR', severity: 'error', line: 7, column: 16 }],
    },
    {
      name: 'except outside its CIDR',
      body: '  endpointSelector: {}\n  egress:\n    - toCIDRSet:\n        - cidr: 10.0.0.0/8\n          except: [192.168.0.0/16]\n',
      expected: [{ code: 'BAD_CIDR', severity: 'error', line: 9, column: 20 }],
    },
    {
      name: 'port out of range',
      body: '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports:\n            - port: "70000"\n            - port: "53"\n',
      expected: [{ code: 'BAD_PORT', severity: 'error', line: 9, column: 21 }],
    },
    {
      name: 'port written as a number (warning)',
      body: '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports:\n            - port: 8080\n',
      expected: [{ code: 'BAD_PORT', severity: 'warning', line: 9, column: 21 }],
    },
    {
      name: 'endPort below port',
      body: '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports:\n            - {port: "80", endPort: 79}\n            - port: "53"\n',
      expected: [{ code: 'BAD_PORT', severity: 'error', line: 9, column: 37 }],
    },
    {
      name: 'endPort with a named port',
      body: '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports:\n            - {port: http, endPort: 90}\n            - port: "53"\n',
      expected: [{ code: 'BAD_PORT', severity: 'error', line: 9, column: 37 }],
    },
    {
      name: 'lowercase protocol',
      body: '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports:\n            - {port: "80", protocol: tcp}\n            - port: "53"\n',
      expected: [{ code: 'BAD_PROTOCOL', severity: 'error', line: 9, column: 38 }],
    },
    {
      name: 'rule without selector',
      body: '  ingress: [{}]\n',
      expected: [{ code: 'MISSING_FIELD', severity: 'error', line: 5, column: 3 }],
    },
    {
      name: 'both endpointSelector and nodeSelector',
      body: '  endpointSelector: {}\n  nodeSelector: {}\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_VALUE', severity: 'error', line: 6, column: 3 }],
    },
    {
      // cilium/cilium pkg/k8s/apis/cilium.io/v2 cnp_types.go Parse: "rule cannot have NodeSelector".
      name: 'nodeSelector in a namespaced policy',
      body: '  nodeSelector: {}\n  ingress: [{}]\n',
      expected: [{ code: 'BAD_VALUE', severity: 'error', line: 5, column: 3 }],
    },
    {
      name: 'DNS rules on ingress',
      body: '  endpointSelector: {}\n  ingress:\n    - toPorts:\n        - ports: [{port: "53"}]\n          rules:\n            dns: [{matchPattern: "*"}]\n',
      expected: [{ code: 'BAD_VALUE', severity: 'error', line: 10, column: 13 }],
    },
    {
      // cilium/cilium pkg/policy/api rule_validation.go: "The ICMPs block may only be present without ToPorts".
      name: 'icmps beside toPorts in one element',
      body: '  endpointSelector: {}\n  egress:\n    - toEndpoints: [{}]\n      icmps: [{fields: [{type: 8}]}]\n      toPorts: [{ports: [{port: "80"}]}]\n',
      expected: [{ code: 'BAD_VALUE', severity: 'error', line: 8, column: 7 }],
    },
    {
      name: 'deny rules take no L7 rules',
      body: '  endpointSelector: {}\n  egressDeny:\n    - toPorts:\n        - ports: [{port: "80"}]\n          rules: {http: [{}]}\n',
      expected: [{ code: 'UNKNOWN_FIELD', severity: 'error', line: 9, column: 11 }],
    },
  ])('$name', ({ body, expected }) => {
    const { diagnostics } = load(cnp(body));
    expect(found(diagnostics)).toEqual(expected);
  });

  it('reports a missing metadata.name and drops the object', () => {
    const { repo, diagnostics } = load(
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  namespace: a\nspec: {}\n',
    );
    expect(repo.policies).toEqual([]);
    expect(found(diagnostics)).toEqual([{ code: 'MISSING_FIELD', severity: 'error', line: 4, column: 3 }]);
  });

  it.each([
    {
      // cilium/cilium pkg/k8s/apis/cilium.io/v2 cnp_types.go Parse.
      name: 'a CNP whose specs has a nodeSelector',
      text: 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: app}\nspecs:\n  - endpointSelector: {}\n    ingress: [{}]\n  - nodeSelector: {matchLabels: {a: b}}\n    ingress: [{}]\n',
      at: { line: 7, column: 5 },
      message:
        'CiliumNetworkPolicy/app/p has a nodeSelector, which only a CiliumClusterwideNetworkPolicy may have: Cilium rejects the policy ("rule cannot have NodeSelector") and applies none of its rules.',
    },
    {
      // cilium/cilium pkg/policy/api rule_validation.go IngressRule.Validate(hostPolicy).
      name: 'a CCNP whose host rule has L7 rules on ingress',
      text: 'apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: p}\nspecs:\n  - endpointSelector: {}\n    ingress: [{}]\n  - nodeSelector: {}\n    ingress:\n      - toPorts:\n          - ports: [{port: "80", protocol: TCP}]\n            rules: {http: [{method: GET}]}\n',
      at: { line: 9, column: 9 },
      message:
        'A host policy (nodeSelector) has HTTP rules on ingress: Cilium rejects the policy ("L7 policy is not supported on host ingress yet") and applies none of its rules.',
    },
  ])('keeps no rule of $name, and reports it once', ({ text, at, message }) => {
    const { policy, diagnostics } = onlyPolicy(text);
    expect(policy.rules).toEqual([]);
    expect(found(diagnostics)).toEqual([{ code: 'BAD_VALUE', severity: 'error', ...at }]);
    expect(diagnostics[0]?.message).toBe(message);
  });

  it.each([
    {
      name: 'a host rule with DNS rules on egress, which Cilium accepts',
      text: 'apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: p}\nspec:\n  nodeSelector: {}\n  egress:\n    - toPorts:\n        - ports: [{port: "53", protocol: ANY}]\n          rules: {dns: [{matchPattern: "*"}]}\n',
    },
    {
      name: 'the host rule of a CCNP with a nodeSelector',
      text: 'apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: p}\nspec:\n  nodeSelector: {}\n  ingress: [{}]\n',
    },
  ])('keeps $name', ({ text }) => {
    const { policy, diagnostics } = onlyPolicy(text);
    expect(policy.rules).toHaveLength(1);
    expect(diagnostics).toEqual([]);
  });

  it('reports a CNP without spec or specs but keeps it', () => {
    const { repo, diagnostics } = load(
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: a}\n',
    );
    expect(repo.policies).toHaveLength(1);
    expect((repo.policies[0] as CiliumPolicyObject).rules).toEqual([]);
    expect(found(diagnostics)).toEqual([{ code: 'MISSING_FIELD', severity: 'error', line: 1, column: 1 }]);
  });

  it('rejects a kind spelt with the wrong case', () => {
    const { repo, diagnostics } = load(
      'apiVersion: cilium.io/v2\nkind: ciliumNetworkPolicy\nmetadata: {name: p}\n',
    );
    expect(repo.policies).toEqual([]);
    expect(found(diagnostics)).toEqual([{ code: 'UNKNOWN_KIND', severity: 'error', line: 2, column: 7 }]);
  });

  it('rejects apiversion spelt with the wrong case', () => {
    const { repo, diagnostics } = load(
      'apiversion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\n',
    );
    expect(repo.policies).toEqual([]);
    expect(found(diagnostics)).toEqual([{ code: 'MISSING_FIELD', severity: 'error', line: 1, column: 1 }]);
  });

  it('warns about fields at the top level and in metadata', () => {
    const { diagnostics } = load(
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\ndescription: x\nmetadata:\n  name: p\n  namespace: a\n  description: y\nspec:\n  endpointSelector: {}\n  ingress: [{}]\n',
    );
    expect(found(diagnostics)).toEqual([
      { code: 'UNKNOWN_FIELD', severity: 'warning', line: 3, column: 1 },
      { code: 'UNKNOWN_FIELD', severity: 'warning', line: 7, column: 3 },
    ]);
  });

  it('reads a mis-indented selector the way the API server prunes it (selects all)', () => {
    const { policy, diagnostics } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  ingress:\n  - fromEndpoints:\n    - matchLabels:\n      role: frontend\n',
      ),
    );
    expect(found(diagnostics)).toEqual([{ code: 'UNKNOWN_FIELD', severity: 'error', line: 9, column: 7 }]);
    expect(firstPeer(policy, 'ingress').endpoints?.map((s) => s.matchLabels)).toEqual([{}]);
  });
});

describe('readObjects: Cilium policy model', () => {
  it('reads spec and specs, with selectors, ports and L7 kinds', () => {
    const { policy, diagnostics } = onlyPolicy(yaml`
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata:
        name: web
        namespace: shop
      spec:
        description: the web tier
        endpointSelector:
          matchLabels: {app: web}
        ingress:
          - fromEndpoints:
              - matchLabels: {"k8s:app": lb}
                matchExpressions:
                  - {key: tier, operator: NotIn, values: [db]}
            toPorts:
              - ports:
                  - {port: "8080", protocol: TCP}
                  - {port: "9000", endPort: 9100}
                rules:
                  http: [{method: GET, path: /}]
        egress: []
      specs:
        - endpointSelector: {matchLabels: {app: db}}
          egressDeny:
            - toEntities: [world]
    `);
    expect(diagnostics).toEqual([]);
    expect(policy).toMatchObject({
      kind: 'CiliumNetworkPolicy',
      name: 'web',
      namespace: 'shop',
      documentIndex: 0,
      source: { file: 'p.yaml', line: 1, column: 1 },
    });
    expect(policy.rules).toHaveLength(2);
    const [spec, specs0] = policy.rules;
    expect(spec).toMatchObject({
      index: 0,
      description: 'the web tier',
      endpointSelector: { matchLabels: { app: 'web' }, matchExpressions: [], source: { line: 9, column: 5 } },
      nodeSelector: null,
      ingressDeny: null,
      egress: [],
      egressDeny: null,
      enableDefaultDeny: {},
      source: { line: 7, column: 3 },
    });
    const peer = firstPeer(policy, 'ingress');
    expect(peer).toMatchObject({
      direction: 'ingress',
      deny: false,
      index: 0,
      requires: null,
      cidrs: null,
      entities: null,
      nodes: null,
      fqdns: null,
      services: null,
      groups: false,
      icmps: [],
      source: { line: 11, column: 7 },
    });
    expect(peer.endpoints).toEqual([
      {
        matchLabels: { 'k8s:app': 'lb' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
        source: { file: 'p.yaml', line: 12, column: 11, endLine: 14, endColumn: 57 },
      },
    ]);
    expect(peer.toPorts).toEqual([
      {
        ports: [
          {
            port: 8080,
            protocol: 'TCP',
            source: { file: 'p.yaml', line: 17, column: 15, endLine: 17, endColumn: 44 },
          },
          {
            port: 9000,
            endPort: 9100,
            protocol: 'ANY',
            source: { file: 'p.yaml', line: 18, column: 15, endLine: 18, endColumn: 44 },
          },
        ],
        l7: 'http',
        http: [
          {
            method: 'GET',
            path: '/',
            headers: [],
            headerMatches: [],
            source: { file: 'p.yaml', line: 20, column: 20, endLine: 20, endColumn: 42 },
          },
        ],
        serverNames: [],
        listener: false,
        source: { file: 'p.yaml', line: 16, column: 11, endLine: 20, endColumn: 43 },
      },
    ]);
    expect(specs0).toMatchObject({
      index: 0,
      endpointSelector: { matchLabels: { app: 'db' } },
      nodeSelector: null,
    });
    expect(specs0?.egressDeny?.[0]).toMatchObject({ direction: 'egress', deny: true, entities: ['world'] });
  });

  it('normalises CIDRs: bare addresses become /32 and /128, host bits are cleared', () => {
    const { policy, diagnostics } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  egress:\n    - toCIDR: [10.1.2.3, "2001:db8::1", 10.1.2.3/8]\n      toCIDRSet:\n        - {cidr: 172.16.0.0/12, except: [172.16.5.0/24]}\n',
      ),
    );
    expect(diagnostics).toEqual([]);
    expect(firstPeer(policy, 'egress').cidrs?.map(({ cidr, except }) => ({ cidr, except }))).toEqual([
      { cidr: '10.1.2.3/32', except: [] },
      { cidr: '2001:db8::1/128', except: [] },
      { cidr: '10.0.0.0/8', except: [] },
      { cidr: '172.16.0.0/12', except: ['172.16.5.0/24'] },
    ]);
  });

  it('keeps the valid entries of a list and drops the broken one', () => {
    const { policy } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  egress:\n    - toEntities: [world, wrold, cluster]\n      toCIDR: [1.2.3.4/40, 1.2.3.4/32]\n',
      ),
    );
    const peer = firstPeer(policy, 'egress');
    expect(peer.entities).toEqual(['world', 'cluster']);
    expect(peer.cidrs?.map((c) => c.cidr)).toEqual(['1.2.3.4/32']);
  });

  it('drops a port rule, and then its peer rule, rather than widening them to all ports', () => {
    const { policy, diagnostics } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  ingress:\n    - toPorts:\n        - ports: [{port: "99999"}]\n    - fromEntities: [world]\n',
      ),
    );
    expect(found(diagnostics)).toEqual([{ code: 'BAD_PORT', severity: 'error', line: 8, column: 26 }]);
    expect(policy.rules[0]?.ingress?.map((r) => r.index)).toEqual([1]);
  });

  it('drops a rule whose toPorts is not a list rather than reading it as all ports', () => {
    const { policy, diagnostics } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  ingress:\n    - toPorts: {ports: [{port: "80"}]}\n    - fromEntities: [host]\n',
      ),
    );
    expect(found(diagnostics)).toEqual([{ code: 'BAD_VALUE', severity: 'error', line: 7, column: 16 }]);
    expect(policy.rules[0]?.ingress?.map((r) => r.index)).toEqual([1]);
  });

  it('marks a CIDR holding an unresolved variable instead of rejecting it', () => {
    const { policy, diagnostics } = onlyPolicy(
      cnp('  endpointSelector: {}\n  egress:\n    - toCIDR: ["${egress_cidr}"]\n'),
    );
    expect(found(diagnostics)).toEqual([
      { code: 'UNRESOLVED_VARIABLE', severity: 'warning', line: 7, column: 17 },
    ]);
    expect(firstPeer(policy, 'egress').cidrs).toMatchObject([
      { cidr: '${egress_cidr}', except: [], unresolved: true },
    ]);
  });

  it('keeps a port holding an unresolved variable as a name that matches nothing', () => {
    const { policy } = onlyPolicy(
      cnp('  endpointSelector: {}\n  egress:\n    - toPorts: [{ports: [{port: "${port}"}]}]\n'),
    );
    expect(firstPeer(policy, 'egress').toPorts[0]?.ports[0]).toMatchObject({
      port: '${port}',
      protocol: 'ANY',
    });
  });

  it('reads named ports case-insensitively and octal numbers as Go does', () => {
    const { policy } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  egress:\n    - toPorts: [{ports: [{port: HTTP-Alt}, {port: "010"}, {port: "0"}]}]\n',
      ),
    );
    expect(firstPeer(policy, 'egress').toPorts[0]?.ports.map((p) => p.port)).toEqual(['http-alt', 8, 0]);
  });

  it('records L7 kinds, SNI, listeners, ICMP fields and authentication', () => {
    const { policy, diagnostics } = onlyPolicy(yaml`
      apiVersion: cilium.io/v2
      kind: CiliumClusterwideNetworkPolicy
      metadata: {name: l7}
      spec:
        endpointSelector: {}
        egress:
          - toPorts:
              - ports: [{port: "53", protocol: ANY}]
                rules: {dns: [{matchPattern: "*.example.com"}]}
              - ports: [{port: "9092"}]
                rules: {kafka: [{role: produce, topic: t}]}
              - ports: [{port: "443"}]
                serverNames: [api.example.com]
              - ports: [{port: "80"}]
                listener: {envoyConfig: {kind: CiliumClusterwideEnvoyConfig, name: proxy}, name: l}
              - ports: [{port: "1"}]
                rules: {l7proto: myproto}
          - icmps:
              - fields: [{type: 8}, {type: EchoRequest, family: IPv6}]
            authentication: {mode: required}
          - toFQDNs: [{matchName: example.com}, {matchPattern: "*.example.org"}]
            toServices:
              - k8sService: {serviceName: api, namespace: shop}
              - k8sServiceSelector: {selector: {matchLabels: {app: x}}}
    `);
    expect(diagnostics).toEqual([]);
    expect(policy.namespace).toBe('');
    const egress = policy.rules[0]?.egress ?? [];
    expect(egress[0]?.toPorts.map((p) => [p.l7, p.serverNames, p.listener])).toEqual([
      ['dns', [], false],
      ['kafka', [], false],
      [null, ['api.example.com'], false],
      [null, [], true],
      ['l7proto', [], false],
    ]);
    expect(egress[1]?.icmps.map(({ family, type }) => ({ family, type }))).toEqual([
      { family: 'IPv4', type: 8 },
      { family: 'IPv6', type: 'EchoRequest' },
    ]);
    expect(egress[1]?.authentication).toBe('required');
    expect(egress[2]?.fqdns?.map(({ matchName, matchPattern }) => ({ matchName, matchPattern }))).toEqual([
      { matchName: 'example.com', matchPattern: undefined },
      { matchName: undefined, matchPattern: '*.example.org' },
    ]);
    expect(
      egress[2]?.services?.map(({ name, namespace, selector }) => ({
        name,
        namespace,
        labels: selector?.matchLabels,
      })),
    ).toEqual([
      { name: 'api', namespace: 'shop', labels: undefined },
      { name: undefined, namespace: undefined, labels: { app: 'x' } },
    ]);
  });

  it('marks fromGroups as groups and reports it as not modelled', () => {
    const { policy, diagnostics } = onlyPolicy(
      cnp(
        '  endpointSelector: {}\n  ingress:\n    - fromGroups:\n        - aws: {securityGroupsIds: [sg-1]}\n',
      ),
    );
    expect(found(diagnostics)).toEqual([{ code: 'NOT_MODELLED', severity: 'info', line: 7, column: 7 }]);
    expect(firstPeer(policy, 'ingress').groups).toBe(true);
  });

  it('reads enableDefaultDeny', () => {
    const { policy } = onlyPolicy(
      cnp('  endpointSelector: {}\n  enableDefaultDeny: {ingress: false}\n  ingress: [{}]\n'),
    );
    expect(policy.rules[0]?.enableDefaultDeny).toEqual({ ingress: false });
  });

  it('puts a namespaced object without namespace in "default" and says so', () => {
    const { repo, diagnostics } = load(
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: p\nspec: {endpointSelector: {}, ingress: [{}]}\n',
    );
    expect(repo.policies[0]?.namespace).toBe('default');
    expect(found(diagnostics)).toEqual([{ code: 'MISSING_FIELD', severity: 'info', line: 4, column: 3 }]);
  });
});

describe('readObjects: Kubernetes NetworkPolicy', () => {
  const np = (spec: string) =>
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: app}\nspec:\n${spec}`;

  it.each([
    { spec: '  podSelector: {}\n  ingress: [{}]\n', types: ['Ingress'] },
    { spec: '  podSelector: {}\n  egress: [{}]\n', types: ['Ingress', 'Egress'] },
    { spec: '  podSelector: {}\n  egress: []\n', types: ['Ingress'] },
    { spec: '  podSelector: {}\n  policyTypes: [Egress]\n', types: ['Egress'] },
  ])('defaults policyTypes as Kubernetes does ($types)', ({ spec, types }) => {
    const { repo, diagnostics } = load(np(spec));
    expect(diagnostics).toEqual([]);
    expect((repo.policies[0] as KubernetesNetworkPolicyObject).policyTypes).toEqual(types);
  });

  it('reads peers and ports with the Kubernetes defaults', () => {
    const { repo, diagnostics } = load(
      np(
        '  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: a}}\n          podSelector: {}\n        - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n      ports: [{port: 5432}, {port: metrics, protocol: UDP}, {port: 8000, endPort: 8080}]\n    - from: []\n',
      ),
    );
    expect(diagnostics).toEqual([]);
    const policy = repo.policies[0] as KubernetesNetworkPolicyObject;
    expect(policy.podSelector.matchLabels).toEqual({ app: 'db' });
    const [first, second] = policy.ingress;
    expect(
      first?.peers?.map((p) => [
        p.namespaceSelector?.matchLabels ?? null,
        p.podSelector?.matchLabels ?? null,
        p.ipBlock,
      ]),
    ).toEqual([
      [{ team: 'a' }, {}, null],
      [null, null, { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }],
    ]);
    expect(first?.ports?.map(({ port, endPort, protocol }) => ({ port, endPort, protocol }))).toEqual([
      { port: 5432, endPort: undefined, protocol: 'TCP' },
      { port: 'metrics', endPort: undefined, protocol: 'UDP' },
      { port: 8000, endPort: 8080, protocol: 'TCP' },
    ]);
    expect(second).toMatchObject({ peers: null, ports: null, index: 1 });
  });

  it.each([
    {
      name: 'bare IP in ipBlock',
      spec: '  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.1}}]\n',
      at: [7, 29],
      code: 'BAD_CIDR',
    },
    {
      name: 'except equal to its CIDR',
      spec: '  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]\n',
      at: [7, 50],
      code: 'BAD_CIDR',
    },
    {
      name: 'quoted port number',
      spec: '  podSelector: {}\n  egress:\n    - ports: [{port: "80"}]\n',
      at: [7, 22],
      code: 'BAD_PORT',
    },
    {
      name: 'protocol ANY',
      spec: '  podSelector: {}\n  egress:\n    - ports: [{port: 80, protocol: ANY}]\n',
      at: [7, 36],
      code: 'BAD_PROTOCOL',
    },
    {
      name: 'label value with a space',
      spec: '  podSelector: {matchLabels: {app: "a b"}}\n',
      at: [5, 36],
      code: 'BAD_SELECTOR',
    },
    {
      name: 'ipBlock combined with a selector',
      spec: '  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]\n',
      at: [7, 13],
      code: 'BAD_VALUE',
    },
  ])('$name', ({ spec, at, code }) => {
    const { diagnostics } = load(np(spec));
    expect(found(diagnostics)).toEqual([{ code, severity: 'error', line: at[0], column: at[1] }]);
  });

  it('drops a rule whose from/ports is not a list rather than reading it as all peers or ports', () => {
    const { repo, diagnostics } = load(
      np('  podSelector: {}\n  ingress:\n    - from: {podSelector: {}}\n    - ports: {port: 80}\n    - {}\n'),
    );
    expect(found(diagnostics)).toEqual([
      { code: 'BAD_VALUE', severity: 'error', line: 7, column: 13 },
      { code: 'BAD_VALUE', severity: 'error', line: 8, column: 14 },
    ]);
    expect((repo.policies[0] as KubernetesNetworkPolicyObject).ingress.map((r) => r.index)).toEqual([2]);
  });

  it('drops a rule whose only peer is broken rather than letting it allow every peer', () => {
    const { repo } = load(
      np(
        '  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: nonsense}}]\n    - to: [{podSelector: {}}]\n',
      ),
    );
    expect((repo.policies[0] as KubernetesNetworkPolicyObject).egress.map((r) => r.index)).toEqual([1]);
  });
});

describe('readObjects: Namespaces and workloads', () => {
  it('adds kubernetes.io/metadata.name to Namespace labels', () => {
    const { repo, diagnostics } = load(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: a}\n',
    );
    expect(diagnostics).toEqual([]);
    expect(repo.namespaces).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'shop',
        namespace: '',
        labels: { team: 'a', 'kubernetes.io/metadata.name': 'shop' },
        annotations: {},
        source: { file: 'p.yaml', line: 1, column: 1, endLine: 5, endColumn: 20 },
        documentIndex: 0,
      },
    ]);
  });

  it('reports a bad Namespace name and a non-string label', () => {
    const { repo, diagnostics } = load(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Shop_1\n  labels:\n    tier: 1\n',
    );
    expect(found(diagnostics)).toEqual([
      { code: 'BAD_VALUE', severity: 'error', line: 4, column: 9 },
      { code: 'BAD_VALUE', severity: 'error', line: 6, column: 11 },
    ]);
    expect(repo.namespaces[0]?.labels).toEqual({ 'kubernetes.io/metadata.name': 'Shop_1' });
  });

  it('reads pod labels, service account and named ports of every workload kind', () => {
    const template = yaml`
      template:
        metadata: {labels: {app: api}}
        spec:
          serviceAccountName: api-sa
          initContainers:
            - name: init
              ports: [{name: warmup, containerPort: 7000}]
          containers:
            - name: c
              ports:
                - {name: http, containerPort: 8080}
                - {name: dns, containerPort: 53, protocol: UDP}
                - {containerPort: 9999}
    `
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    const docs = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']
      .map(
        (kind) =>
          `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: w, namespace: app}\nspec:\n${template}`,
      )
      .concat([
        `apiVersion: batch/v1\nkind: Job\nmetadata: {name: w, namespace: app}\nspec:\n${template}`,
        `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: w, namespace: app}\nspec:\n  jobTemplate:\n    spec:\n${template
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`,
      ]);
    const { repo, diagnostics } = load(docs.join('\n---\n'));
    expect(diagnostics).toEqual([]);
    expect(repo.workloads.map((w) => w.kind)).toEqual([
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'ReplicaSet',
      'Job',
      'CronJob',
    ]);
    for (const w of repo.workloads) {
      expect(w.podLabels).toEqual({ app: 'api' });
      expect(w.serviceAccount).toBe('api-sa');
      expect(w.namedPorts).toEqual([
        { name: 'warmup', port: 7000, protocol: 'TCP' },
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ]);
    }
    expect(repo.workloads.map((w) => w.documentIndex)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('gives a Pod its own labels and the default service account', () => {
    const { repo } = load(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {app: x}}\nspec: {containers: [{name: c}]}\n',
    );
    expect(repo.workloads[0]).toMatchObject({
      kind: 'Pod',
      podLabels: { app: 'x' },
      serviceAccount: 'default',
      namedPorts: [],
    });
  });

  it('counts other kinds, including kustomize and Flux kinds, and Calico NetworkPolicies', () => {
    const { repo, diagnostics } = load(yaml`
      apiVersion: v1
      kind: Service
      metadata: {name: s, namespace: a}
      ---
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata: {name: apps, namespace: flux-system}
      ---
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata: {name: c, namespace: a}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: c, namespace: a}
    `);
    expect(diagnostics).toEqual([]);
    expect(repo.skippedKinds).toEqual({ Service: 1, Kustomization: 1, NetworkPolicy: 1, ConfigMap: 1 });
    expect(repo.policies).toEqual([]);
  });

  it('rejects API versions that are no longer served', () => {
    const { repo, diagnostics } = load(
      'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d, namespace: a}\n',
    );
    expect(repo.workloads).toEqual([]);
    expect(found(diagnostics)).toEqual([{ code: 'BAD_VALUE', severity: 'error', line: 1, column: 13 }]);
  });

  it('reads the items of a v1 List', () => {
    const { repo } = load(
      'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n  - {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n',
    );
    expect(repo.namespaces.map((n) => [n.name, n.source.line, n.source.column])).toEqual([
      ['a', 4, 5],
      ['b', 5, 5],
    ]);
  });

  it('warns about documents that are not Kubernetes objects', () => {
    const { diagnostics } = load('replicas: 3\n---\n- a\n- b\n');
    expect(found(diagnostics)).toEqual([
      { code: 'UNKNOWN_KIND', severity: 'warning', line: 1, column: 1 },
      { code: 'UNKNOWN_KIND', severity: 'warning', line: 3, column: 1 },
    ]);
  });
});

describe('readObjects: agent-format rule lists', () => {
  it('validates each rule (field names fold case, as Go does) and reports one NOT_MODELLED per file', () => {
    const text = JSON.stringify(
      [
        {
          endpointSelector: { matchLabels: { app: 'a' } },
          ingress: [
            { toPorts: [{ ports: [{ port: '80', protocol: 'tcp' }], rules: { HTTP: [{ Method: 'GET' }] } }] },
          ],
        },
        { endpointSelector: {}, egress: [{ toEntities: ['planet'] }], extra: 1 },
      ],
      null,
      2,
    );
    const { repo, diagnostics } = loadRepoFromText({ 'rules.json': text });
    expect(repo.policies).toEqual([]);
    expect(found(diagnostics)).toEqual([
      { code: 'UNKNOWN_FIELD', severity: 'error', line: 39, column: 5 },
      { code: 'BAD_ENTITY', severity: 'error', line: 35, column: 11 },
      { code: 'NOT_MODELLED', severity: 'info', line: 1, column: 1 },
    ]);
  });
});

describe('unknown kinds in policy API groups', () => {
  it('warns about a misspelt Cilium kind instead of skipping it silently', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'p.yaml':
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicyy\nmetadata: { name: x, namespace: a }\nspec: {}\n',
    });
    expect(repo.policies).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.source?.column, d.hint])).toEqual([
      ['UNKNOWN_KIND', 'warning', 2, 7, 'Did you mean "CiliumNetworkPolicy"?'],
    ]);
  });

  it('skips without a warning the kinds of those groups that change no verdict (BGP, LB IPAM, Tetragon, Ingress)', () => {
    const object = (apiVersion: string, kind: string) =>
      `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: { name: x }\nspec: {}\n`;
    const { repo, diagnostics } = loadRepoFromText({
      'p.yaml': [
        object('cilium.io/v2alpha1', 'CiliumLoadBalancerIPPool'),
        object('cilium.io/v2alpha1', 'CiliumBGPPeerConfig'),
        object('cilium.io/v2alpha1', 'CiliumL2AnnouncementPolicy'),
        object('cilium.io/v1alpha1', 'TracingPolicy'),
        object('networking.k8s.io/v1', 'Ingress'),
        object('networking.k8s.io/v1', 'IngressClass'),
      ].join('---\n'),
    });
    expect(diagnostics).toEqual([]);
    expect(repo.skippedKinds).toEqual({
      CiliumLoadBalancerIPPool: 1,
      CiliumBGPPeerConfig: 1,
      CiliumL2AnnouncementPolicy: 1,
      TracingPolicy: 1,
      Ingress: 1,
      IngressClass: 1,
    });
  });
});

describe('nested mappings that are not mappings', () => {
  it.each([
    ['enableDefaultDeny', '  endpointSelector: {}\n  enableDefaultDeny: true\n  ingress: [{}]\n', 6, 22],
    [
      'authentication',
      '  endpointSelector: {}\n  ingress:\n    - fromEntities: [world]\n      authentication: required\n',
      8,
      23,
    ],
    [
      'listener',
      '  endpointSelector: {}\n  egress:\n    - toPorts:\n        - ports: [{port: "80"}]\n          listener: l1\n',
      9,
      21,
    ],
  ])('%s: one BAD_VALUE at the field', (name, body, line, column) => {
    const { diagnostics } = load(cnp(body));
    expect(diagnostics.map((d) => [d.code, d.severity, d.message, d.source?.line, d.source?.column])).toEqual(
      [
        [
          'BAD_VALUE',
          'error',
          expect.stringMatching(new RegExp(`^${name} must be a mapping, not `)),
          line,
          column,
        ],
      ],
    );
  });
});

describe('readObjects: monitoring objects', () => {
  it.each([
    {
      name: 'a ServiceMonitor scrapes its own namespace',
      text: yaml`
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        metadata: { name: db, namespace: database }
        spec: { selector: {}, endpoints: [{ port: metrics }] }
      `,
      expected: {
        kind: 'ServiceMonitor',
        role: 'target',
        namespace: 'database',
        targetNamespaces: ['database'],
      },
    },
    {
      name: 'a PodMonitor with matchNames scrapes those namespaces',
      text: yaml`
        apiVersion: monitoring.coreos.com/v1
        kind: PodMonitor
        metadata: { name: apps, namespace: monitoring }
        spec: { namespaceSelector: { matchNames: [a, b] }, podMetricsEndpoints: [{ port: http }] }
      `,
      expected: { kind: 'PodMonitor', role: 'target', namespace: 'monitoring', targetNamespaces: ['a', 'b'] },
    },
    {
      name: 'a VMServiceScrape with any: true',
      text: yaml`
        apiVersion: operator.victoriametrics.com/v1beta1
        kind: VMServiceScrape
        metadata: { name: all, namespace: monitoring }
        spec: { namespaceSelector: { any: true } }
      `,
      expected: { kind: 'VMServiceScrape', role: 'target', targetNamespaces: 'any' },
    },
    {
      name: 'a Prometheus is a scraper',
      text: yaml`
        apiVersion: monitoring.coreos.com/v1
        kind: Prometheus
        metadata: { name: main, namespace: observability }
        spec: {}
      `,
      expected: { kind: 'Prometheus', role: 'scraper', namespace: 'observability', targetNamespaces: 'any' },
    },
  ])('$name', ({ text, expected }) => {
    const { repo, diagnostics } = loadRepoFromText({ 'm.yaml': text });
    expect(diagnostics).toEqual([]);
    expect(repo.monitoring).toHaveLength(1);
    expect(repo.monitoring[0]).toMatchObject({ ...expected, source: { file: 'm.yaml', line: 1, column: 1 } });
  });

  it('a ServiceMonitor of another API group is not one', () => {
    const { repo } = loadRepoFromText({
      'm.yaml': 'apiVersion: example.com/v1\nkind: ServiceMonitor\nmetadata: { name: x, namespace: y }\n',
    });
    expect(repo.monitoring).toEqual([]);
  });
});
