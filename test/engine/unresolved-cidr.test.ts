import { describe, expect, it } from 'vitest';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import { engineFor, flow } from '../helpers/engine.js';

/**
 * CIDRs Flux leaves as `${var}` (the variable comes from a Secret netpol cannot read): the rule holding one
 * is not evaluated, and the verdict says so, rather than guessing the address. An unresolved `except` must
 * not be dropped: the rule would then allow the very addresses it carves out (Kubernetes NetworkPolicy
 * ipBlock.except; Cilium toCIDRSet.except: docs security/policy/language "IP/CIDR based").
 */

const np = (cidr: string, except: string) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: internet, namespace: web }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock: { cidr: "${cidr}", except: ["${except}"] }
      ports: [{ port: 443 }]
`;
const cnp = (cidr: string, except: string) => `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: internet, namespace: web }
spec:
  endpointSelector: {}
  egress:
    - toCIDRSet: [{ cidr: "${cidr}", except: ["${except}"] }]
      toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
`;

const CASES = [
  {
    name: 'NetworkPolicy: an unresolved except leaves the rule unevaluated (not an allow of the LAN)',
    yaml: np('0.0.0.0/0', '${SECRET_LAN}'),
    flow: ['web/app=x', 'world:192.168.1.5', 443] as const,
    verdict: 'denied',
    caveat: 'ipBlock "${SECRET_LAN}" has an unresolved ${var} placeholder is not evaluated',
  },
  {
    name: 'NetworkPolicy: an unresolved cidr',
    yaml: np('${OFFICE}', '10.0.0.0/8'),
    flow: ['web/app=x', 'world:203.0.113.9', 443] as const,
    verdict: 'denied',
    caveat: 'ipBlock "${OFFICE}" has an unresolved ${var} placeholder is not evaluated',
  },
  {
    name: 'NetworkPolicy: resolved values are evaluated as written',
    yaml: np('0.0.0.0/0', '192.168.0.0/16'),
    flow: ['web/app=x', 'world:203.0.113.9', 443] as const,
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'Cilium toCIDRSet: an unresolved except leaves the rule unevaluated',
    yaml: cnp('0.0.0.0/0', '${SECRET_LAN}'),
    flow: ['web/app=x', 'world:192.168.1.5', 443] as const,
    verdict: 'denied',
    caveat: 'except "${SECRET_LAN}" has an unresolved ${var} placeholder is not evaluated',
  },
];

describe('CIDRs with unresolved ${var} placeholders', () => {
  it.each(CASES)('$name', (c) => {
    const v = engineFor(c.yaml).verdict(flow(...c.flow));
    expect(v.verdict).toBe(c.verdict);
    const notes = v.caveats.filter((x) => x.includes('placeholder'));
    expect(notes).toEqual(c.caveat === null ? [] : [`internet egress[0]: ${c.caveat}`]);
  });

  it('an unresolved except is kept by the loader, not a BAD_CIDR error', () => {
    const { repo, diagnostics } = loadRepoFromText({ 'np.yaml': np('0.0.0.0/0', '${SECRET_LAN}') });
    expect(diagnostics.map((d) => d.code)).toEqual(['UNRESOLVED_VARIABLE']);
    const policy = repo.policies[0];
    expect(policy?.kind === 'NetworkPolicy' && policy.egress[0]?.peers?.[0]?.ipBlock).toEqual({
      cidr: '0.0.0.0/0',
      except: ['${SECRET_LAN}'],
    });
  });
});
