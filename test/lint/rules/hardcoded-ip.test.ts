import { describe, expect, it } from 'vitest';
import rule from '../../../src/lint/rules/hardcoded-ip.js';
import { yaml } from '../../helpers/use-repo.js';
import { describeFixturePair } from '../fixtures.js';
import { lintWith, ruleTester } from '../rule-tester.js';

const cnp = (egress: string) =>
  yaml`
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata:
      name: out
      namespace: shop
    spec:
      endpointSelector: {}
      egress:
  ` + egress;
const ipBlockPolicy = (cidr: string) => yaml`
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: { name: out, namespace: shop }
  spec:
    podSelector: {}
    policyTypes: [Egress]
    egress:
      - to:
          - ipBlock:
              cidr: ${cidr}
        ports: [{ port: 443 }]
`;
const ports = '      toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]\n';

ruleTester.run(rule, {
  valid: [
    { name: 'entities', code: { 'p.yaml': cnp(`    - toEntities: [world]\n${ports}`) } },
    {
      name: 'the link-local range is allowed by default',
      code: { 'p.yaml': cnp(`    - toCIDR: [169.254.169.254/32]\n${ports}`) },
    },
    {
      name: 'a configured allow-list (lint.cidrAllowList)',
      code: {
        'netpol.config.yaml': 'lint:\n  cidrAllowList: [10.0.0.0/8]\n',
        'p.yaml': cnp(`    - toCIDRSet: [{ cidr: 10.1.0.0/16 }]\n${ports}`),
      },
    },
    {
      name: 'the rule option allowList',
      code: { 'p.yaml': cnp(`    - toCIDR: [192.168.1.10]\n${ports}`) },
      options: { allowList: ['192.168.0.0/16'] },
    },
    {
      // docs/semantics.md §8.3: 0.0.0.0/0 minus the private ranges cannot be said with entities.
      name: 'the whole internet minus some ranges (toCIDRSet with except)',
      code: {
        'p.yaml': cnp(
          `    - toCIDRSet:\n        - cidr: 0.0.0.0/0\n          except: [10.0.0.0/8]\n${ports}`,
        ),
      },
    },
    {
      // docs/real-repos.md: outside the seed's system, fixed addresses are NAS hosts, LAN subnets and public
      // resolvers no selector or entity can name (0 true findings of 12 judged).
      name: 'seedConvention auto: an address outside the cluster in a repository without profiles',
      code: { 'p.yaml': cnp(`    - toCIDR: [192.168.1.10/32]\n${ports}`) },
    },
    {
      name: 'seedConvention never, and an address outside clusterCIDRs',
      code: { 'np.yaml': ipBlockPolicy('172.16.0.0/12') },
      options: { clusterCIDRs: ['10.42.0.0/16'], seedConvention: 'never' },
    },
    {
      name: 'a NetworkPolicy ipBlock of the whole internet (NetworkPolicy has no entities)',
      code: {
        'np.yaml': ipBlockPolicy('0.0.0.0/0'),
      },
    },
  ],
  invalid: [
    {
      // docs/semantics.md §8.3 (Cilium docs language "IP/CIDR based": allowing to world is identical to
      // allowing to CIDR 0.0.0.0/0): an info, never an error.
      name: '0.0.0.0/0 and ::/0 are the whole internet: an info naming the entity',
      code: { 'p.yaml': cnp(`    - toCIDR: [0.0.0.0/0, "::/0"]\n${ports}`) },
      errors: [
        { messageId: 'wholeInternet', line: 9, column: 16, severity: 'info' },
        { messageId: 'wholeInternet', line: 9, column: 27, severity: 'info' },
      ],
    },
    {
      name: 'toCIDR',
      options: { seedConvention: 'always' },
      code: { 'p.yaml': cnp(`    - toCIDR:\n        - 203.0.113.5/32\n${ports}`) },
      errors: [{ messageId: 'hardcoded', line: 10, column: 11 }],
    },
    {
      name: 'toCIDRSet with except, and a bare IP in fromCIDR',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp(
          `    - toCIDRSet:\n        - cidr: 198.51.100.0/24\n          except: [198.51.100.8/29]\n${ports}`,
        ).replace(
          'egress:',
          'ingress:\n    - fromCIDR: [192.0.2.1]\n      toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]\n  egress:',
        ),
      },
      errors: [
        { messageId: 'hardcoded', line: 9, column: 18 },
        { messageId: 'hardcoded', line: 13, column: 11 },
      ],
    },
    {
      // Cilium docs, policy language "IP/CIDR based": CIDR rules do not apply where both sides are managed by
      // Cilium or use a node's IP; a ClusterIP is translated to a backend before policy applies.
      name: 'a CIDR overlapping the cluster ranges is an error whatever seedConvention says',
      code: { 'p.yaml': cnp(`    - toCIDR: [10.42.3.7/32, 10.0.0.0/8, 10.43.0.10]\n${ports}`) },
      options: { clusterCIDRs: ['10.42.0.0/16', '10.43.0.0/16'], seedConvention: 'never' },
      errors: [
        { messageId: 'insideCluster', line: 9, column: 16 },
        { messageId: 'insideCluster', line: 9, column: 30 },
        { messageId: 'insideCluster', line: 9, column: 42 },
      ],
    },
    {
      name: 'seedConvention auto: reported where the catalogue found profiles',
      code: {
        'profile.yaml': yaml`
          apiVersion: cilium.io/v2
          kind: CiliumClusterwideNetworkPolicy
          metadata: { name: profile-isolated }
          spec:
            endpointSelector:
              matchLabels: { io.cilium.k8s.namespace.labels.network-policy.homelab/profile: isolated }
            ingress: [{ fromEntities: [cluster] }]
        `,
        'p.yaml': cnp(`    - toCIDR: [203.0.113.10]\n${ports}`),
      },
      errors: [{ messageId: 'hardcoded', line: 9, column: 16 }],
    },
    {
      name: 'a Flux placeholder is an info',
      code: { 'p.yaml': cnp(`    - toCIDR: ["\${office_cidr}"]\n${ports}`) },
      errors: [{ messageId: 'placeholder', line: 9, column: 16, severity: 'info' }],
    },
    {
      name: 'a NetworkPolicy ipBlock',
      options: { seedConvention: 'always' },
      code: { 'np.yaml': ipBlockPolicy('198.51.100.0/24') },
      errors: [{ messageId: 'hardcoded', line: 9, column: 11, severity: 'error' }],
    },
    {
      // docs/real-repos.md (ionfury/homelab, a repository following the seed): LAN client ranges, a PXE
      // network and the BGP router were reported as errors, all false: no selector, entity or DNS name can
      // replace a device of the site's own network (RFC 1918, RFC 6598, RFC 4193, multicast).
      name: 'private, shared and multicast ranges under the convention: an info reminder, whatever the family',
      options: { seedConvention: 'always' },
      code: {
        'p.yaml': cnp(
          `    - toCIDR: [192.168.10.0/24, 10.20.0.5, 100.100.1.0/24, 239.255.255.250/32, "fd00:1::/64"]\n${ports}`,
        ),
      },
      errors: [
        { messageId: 'localDevice', line: 9, column: 16, severity: 'info' },
        { messageId: 'localDevice', line: 9, column: 33, severity: 'info' },
        { messageId: 'localDevice', line: 9, column: 44, severity: 'info' },
        { messageId: 'localDevice', line: 9, column: 60, severity: 'info' },
        { messageId: 'localDevice', line: 9, column: 80, severity: 'info' },
      ],
    },
    {
      // A range only partly private (10.0.0.0/7 spans 10/8 and 11/8, which is public) stays an error.
      name: 'a range reaching beyond the private ones is an error',
      options: { seedConvention: 'always' },
      code: { 'p.yaml': cnp(`    - toCIDR: [10.0.0.0/7]\n${ports}`) },
      errors: [{ messageId: 'hardcoded', line: 9, column: 16 }],
    },
    {
      name: 'with clusterCIDRs configured, a private address outside them is the reminder, inside them an error',
      options: { seedConvention: 'always', clusterCIDRs: ['10.42.0.0/16'] },
      code: { 'p.yaml': cnp(`    - toCIDR: [192.168.1.20, 10.42.0.9]\n${ports}`) },
      errors: [
        { messageId: 'localDevice', line: 9, column: 16, severity: 'info' },
        { messageId: 'insideCluster', line: 9, column: 30, severity: 'error' },
      ],
    },
  ],
});

describeFixturePair(rule.id, { file: 'apps/shop.yaml', line: 13, column: 11 });

describe('hardcoded-ip localDevice wording', () => {
  it.each([
    [
      'without clusterCIDRs it asks for them',
      {},
      'CiliumNetworkPolicy/shop/out egress[0] names 192.168.10.0/24, an address of a private network: no selector, entity or DNS name can replace a device of your own network, but the address is fixed here.',
      "If it is a device outside the cluster, add 192.168.10.0/24 to lint.cidrAllowList in netpol.config.yaml to record that it is meant to stay; set the rule option clusterCIDRs to the cluster's pod, service and node ranges so netpol can tell addresses of the cluster (an error: CIDR rules match nothing there) from devices outside it.",
    ],
    [
      'with clusterCIDRs it says the address is outside them',
      { clusterCIDRs: ['10.42.0.0/16'] },
      'CiliumNetworkPolicy/shop/out egress[0] names 192.168.10.0/24, an address of a private network, outside the configured clusterCIDRs: no selector, entity or DNS name can replace a device of your own network, but the address is fixed here.',
      'If it is a device outside the cluster, add 192.168.10.0/24 to lint.cidrAllowList in netpol.config.yaml to record that it is meant to stay.',
    ],
  ])('%s', (_name, options, message, hint) => {
    const findings = lintWith(
      rule,
      { 'p.yaml': cnp(`    - toCIDR: [192.168.10.0/24]\n${ports}`) },
      {
        seedConvention: 'always',
        ...options,
      },
    );
    expect(findings.map((f) => [f.message, f.hint, f.severity])).toEqual([[message, hint, 'info']]);
  });
});
