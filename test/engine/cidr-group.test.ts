import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { engineFor, flow } from '../helpers/engine.js';

/**
 * CiliumCIDRGroup (`cidrGroupRef`, `cidrGroupSelector`) evaluated from the groups in the repository.
 * Sources: DOC = Cilium docs network/kubernetes/ciliumcidrgroup (groups by name or by labels, external CIDRs);
 * PR24638 = cilium/cilium #24638 (references to CiliumCIDRGroup inside fromCIDRSet);
 * PR29608 = cilium/cilium #29608 (a referenced group that is empty or absent selects no identity);
 * CT = cilium-cli connectivity test client-egress-to-cidr-deny (egressDeny on a group with except).
 */

const groups = `
apiVersion: cilium.io/v2alpha1
kind: CiliumCIDRGroup
metadata: { name: vpn-example-1, labels: { role: vpn } }
spec:
  externalCIDRs: ["10.48.0.0/24", "10.16.0.0/24"]
---
apiVersion: cilium.io/v2
kind: CiliumCIDRGroup
metadata: { name: partners, labels: { role: partner } }
spec:
  externalCIDRs: ["203.0.113.0/24"]
---
apiVersion: cilium.io/v2alpha1
kind: CiliumCIDRGroup
metadata: { name: empty, labels: { role: spare } }
spec: {}
---`;

const ingressFrom = (entry: string) => `${groups}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: from-vpn, namespace: shop }
spec:
  endpointSelector: {}
  ingress:
    - fromCIDRSet:
        - ${entry}
---`;

const egressDenyGroup = `${groups}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: allow-all, namespace: shop }
spec:
  endpointSelector: {}
  egress: [{ toEntities: [all] }]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: deny-partners, namespace: shop }
spec:
  endpointSelector: {}
  egressDeny:
    - toCIDRSet:
        - cidrGroupRef: partners
          except: ["203.0.113.10/32"]
---`;

interface Case {
  readonly name: string;
  readonly source: string;
  readonly yaml: string;
  readonly flow: readonly [string, string, number];
  readonly verdict: 'allowed' | 'denied';
  /** A caveat fragment the verdict carries, or null for none mentioning CIDR groups. */
  readonly caveat: string | null;
}

const CASES: readonly Case[] = [
  {
    name: 'cidrGroupRef admits an address of the group',
    source: 'DOC; PR24638',
    yaml: ingressFrom('cidrGroupRef: vpn-example-1'),
    flow: ['world:10.48.0.5', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'cidrGroupRef admits every CIDR of the group',
    source: 'DOC',
    yaml: ingressFrom('cidrGroupRef: vpn-example-1'),
    flow: ['world:10.16.0.200', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'cidrGroupRef does not admit an address outside the group',
    source: 'DOC',
    yaml: ingressFrom('cidrGroupRef: vpn-example-1'),
    flow: ['world:10.17.0.1', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'cidrGroupSelector selects groups by label',
    source: 'DOC ("CCGs may be selected by names or labels")',
    yaml: ingressFrom('cidrGroupSelector: { matchLabels: { role: vpn } }'),
    flow: ['world:10.48.0.9', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'cidrGroupSelector with matchExpressions selects every matching group',
    source: 'DOC; Kubernetes label selector semantics',
    yaml: ingressFrom(
      'cidrGroupSelector: { matchExpressions: [{ key: role, operator: In, values: [vpn, partner] }] }',
    ),
    flow: ['world:203.0.113.77', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'cidrGroupSelector does not select a group whose labels differ',
    source: 'DOC',
    yaml: ingressFrom('cidrGroupSelector: { matchLabels: { role: partner } }'),
    flow: ['world:10.48.0.9', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'a cidrGroupRef naming no group selects nothing, and says so',
    source: 'PR29608',
    yaml: ingressFrom('cidrGroupRef: missing'),
    flow: ['world:10.48.0.5', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: 'cidrGroupRef "missing" names no CiliumCIDRGroup in the repository, so it selects no address',
  },
  {
    name: 'a group without externalCIDRs selects nothing, and says so',
    source: 'PR29608',
    yaml: ingressFrom('cidrGroupRef: empty'),
    flow: ['world:10.48.0.5', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: 'CiliumCIDRGroup "empty" has no externalCIDRs, so it selects no address',
  },
  {
    name: 'a selector matching no group selects nothing, and says so',
    source: 'PR29608',
    yaml: ingressFrom('cidrGroupSelector: { matchLabels: { role: none } }'),
    flow: ['world:10.48.0.5', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: 'cidrGroupSelector selects no CiliumCIDRGroup in the repository',
  },
  {
    name: 'egressDeny on a group denies its addresses',
    source: 'CT client-egress-to-cidr-deny',
    yaml: egressDenyGroup,
    flow: ['shop/app=api', 'world:203.0.113.20', 443],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'except carves an address out of the group',
    source: 'CT client-egress-to-cidr-deny (ExternalIP stays allowed)',
    yaml: egressDenyGroup,
    flow: ['shop/app=api', 'world:203.0.113.10', 443],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'a CIDR group never selects a pod',
    source: 'DOC language "IP/CIDR based" (CIDR rules select peers outside the cluster)',
    yaml: ingressFrom('cidrGroupRef: vpn-example-1'),
    flow: ['other/app=x', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: null,
  },
];

describe('CiliumCIDRGroup in CIDR rules', () => {
  it.each(CASES)('$name [$source]', (c) => {
    const v = engineFor(c.yaml).verdict(flow(...c.flow));
    expect(v.verdict).toBe(c.verdict);
    const notes = v.caveats.filter((x) => /CIDRGroup|cidrGroup/.test(x));
    if (c.caveat === null) expect(notes).toEqual([]);
    else expect(notes).toEqual([expect.stringContaining(c.caveat)]);
  });
});

describe('loading CiliumCIDRGroups', () => {
  it('reads v2alpha1 and v2 groups; a bad CIDR is BAD_CIDR at its position and left out', () => {
    const { repo, diagnostics } = loadRepoFromText({
      'groups.yaml': `${groups}
apiVersion: cilium.io/v2alpha1
kind: CiliumCIDRGroup
metadata: { name: typo }
spec:
  externalCIDRs: ["10.0.0.0/8", "10.0.0.300/32"]
`,
    });
    expect(repo.cidrGroups.map((g) => [g.name, g.labels, g.externalCIDRs])).toEqual([
      ['vpn-example-1', { role: 'vpn' }, ['10.48.0.0/24', '10.16.0.0/24']],
      ['partners', { role: 'partner' }, ['203.0.113.0/24']],
      ['empty', { role: 'spare' }, []],
      ['typo', {}, ['10.0.0.0/8']],
    ]);
    expect(diagnostics.map((d) => [d.code, d.source?.line])).toEqual([['BAD_CIDR', 23]]);
    expect(repo.skippedKinds).toEqual({});
  });
});
