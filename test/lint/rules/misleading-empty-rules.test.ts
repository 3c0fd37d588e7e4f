import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/misleading-empty-rules.js';
import { yaml } from '../../helpers/use-repo.js';
import { lintWith, ruleTester } from '../rule-tester.js';
import { BASELINES } from '../snippets.js';

const cnp = (name: string, rules: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: ${name}, namespace: shop }
    spec:
      endpointSelector: {}
  ` + rules;
const np = (name: string, rules: string) =>
  yaml`
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: { name: ${name}, namespace: shop }
    spec:
      podSelector: {}
      policyTypes: [Ingress]
  ` + rules;

// docs/semantics.md §5.1 (`ingress: []` is the same as absent; `[{}]` gives default deny), §1.3 (an empty
// element allows nothing), §10 (a NetworkPolicy rule without peers and ports allows all).
ruleTester.run(rule, {
  valid: [
    { name: "Cilium's default deny", code: { 'p.yaml': cnp('default-deny', '  ingress:\n    - {}\n') } },
    {
      name: 'an empty list where a baseline already enforces',
      code: { 'b.yaml': BASELINES, 'p.yaml': cnp('default-deny', '  ingress: []\n') },
    },
    {
      // fresh-user report: the list is not written empty; invalid-manifest reports BAD_ENTITY and BAD_PORT.
      name: 'an ingress list whose only element is invalid (dropped by the loader)',
      code: {
        'p.yaml': cnp(
          'p',
          '  ingress:\n    - fromEntities: [hostt]\n      toPorts: [{ports: [{port: "99999"}]}]\n',
        ),
      },
    },
    { name: 'a NetworkPolicy deny written right', code: { 'np.yaml': np('deny-all', '') } },
    { name: 'an allow-all NetworkPolicy', code: { 'np.yaml': np('allow-all', '  ingress:\n    - {}\n') } },
    {
      name: 'a toPorts entry without ports beside one with ports, and L7 rules without ports, are not reported',
      code: {
        'p.yaml': cnp(
          'd',
          '  egress:\n    - toEndpoints: [{ matchLabels: { app: a } }]\n      toPorts: [{}, { ports: [{ port: "80" }] }]\n',
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'ingress: [] enables nothing',
      code: { 'p.yaml': cnp('default-deny', '  ingress: []\n') },
      errors: [{ messageId: 'emptyList', line: 6, column: 3 }],
    },
    {
      name: 'an allow-all Cilium policy with [{}] denies everything',
      code: { 'p.yaml': cnp('allow-all', '  ingress:\n    - {}\n') },
      errors: [{ messageId: 'emptyElementDenies', line: 7, column: 7 }],
    },
    {
      // docs/semantics.md §7.6; seen on JJGadgets/Biohazard (docs/real-repos.md): an element meant as "ping".
      name: 'icmps entries without fields allow nothing (allow and deny elements)',
      code: {
        'p.yaml': cnp(
          'pg',
          '  ingress:\n    - fromEndpoints: [{ matchLabels: { app: a } }]\n      icmps: [{}]\n  egressDeny:\n    - toEntities: [world]\n      icmps: [{ fields: [] }]\n',
        ),
      },
      errors: [
        { messageId: 'icmpsWithoutFields', line: 7, column: 7 },
        { messageId: 'icmpsWithoutFields', line: 10, column: 7 },
      ],
    },
    {
      // docs/semantics.md §7, item 2: a toPorts entry without ports matches no port; reported by a fresh user.
      name: 'toPorts entries without ports allow nothing (toPorts: [{}] and ports: [])',
      code: {
        'p.yaml': cnp(
          'd',
          '  egress:\n    - toEndpoints: [{ matchLabels: { app: a } }]\n      toPorts: [{}]\n    - toEndpoints: [{ matchLabels: { app: b } }]\n      toPorts: [{ ports: [] }, {}]\n',
        ),
      },
      errors: [
        { messageId: 'toPortsWithoutPorts', line: 7, column: 7 },
        { messageId: 'toPortsWithoutPorts', line: 9, column: 7 },
      ],
    },
    {
      name: 'a deny-all NetworkPolicy with an empty rule allows everything',
      code: { 'np.yaml': np('deny-all', '  ingress:\n    - {}\n') },
      errors: [{ messageId: 'networkPolicyAllowsAll', line: 8, column: 7 }],
    },
  ],
});

describe('misleading-empty-rules icmpsWithoutFields wording', () => {
  it('says the element allows nothing', () => {
    const findings = lintWith(rule, {
      'p.yaml': cnp(
        'pg',
        '  ingress:\n    - fromEndpoints: [{ matchLabels: { app: a } }]\n      icmps: [{}]\n',
      ),
    });
    expect(findings.map((f) => [f.message, f.hint])).toEqual([
      [
        'CiliumNetworkPolicy/shop/pg ingress[0] has icmps entries without fields: Cilium turns each into a port rule with no ports, so this element allows nothing, neither ICMP nor any port.',
        'Name the ICMP types, for example icmps: [{ fields: [{ type: 8, family: IPv4 }] }] for IPv4 echo requests.',
      ],
    ]);
  });
});

describe('misleading-empty-rules emptyList wording', () => {
  // Fresh-user report: with the namespace's workload in default deny through another policy, the message
  // named the namespace as if its pods were open; the open pod was the stand-in for a pod no workload describes.
  const appPolicy = yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: { name: api, namespace: shop }
    spec:
      endpointSelector: { matchLabels: { app: api } }
      ingress: [{ fromEndpoints: [{ matchLabels: { app: web } }] }]
  `;
  const deployment = (app: string) => yaml`
    apiVersion: apps/v1
    kind: Deployment
    metadata: { name: ${app}, namespace: shop }
    spec:
      selector: { matchLabels: { app: ${app} } }
      template:
        metadata: { labels: { app: ${app} } }
        spec: { containers: [{ name: c, image: i }] }
  `;
  it.each([
    [
      'every workload is in default deny elsewhere: a pod no other policy selects',
      { 'api.yaml': appPolicy, 'deploy.yaml': deployment('api') },
      'a pod of shop that no other policy selects stays open',
    ],
    [
      'a workload no other policy selects is named',
      { 'api.yaml': appPolicy, 'deploy.yaml': deployment('worker') },
      'pods shop/app=worker stay open',
    ],
  ])('%s', (_name, files, open) => {
    const findings = lintWith(rule, { ...files, 'p.yaml': cnp('default-deny', '  ingress: []\n') });
    expect(findings.map((f) => f.message)).toEqual([
      `CiliumNetworkPolicy/shop/default-deny has ingress: [], which Cilium reads as no ingress rules at all: it turns no default deny on, and ${open} to every ingress flow.`,
    ]);
  });
});
