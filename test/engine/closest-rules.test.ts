import { describe, expect, it } from 'vitest';
import type { ClosestRules } from '../../src/engine/types.js';
import { ccnp, cnp, engineFor, flow } from '../helpers/engine.js';

/**
 * The closest rules of a denied side (`PolicyEngine.closestRules`): the allow elements selecting the endpoint
 * whose peer matches the flow's peer with the verdict's own peer matching, but whose L4 part does not admit the
 * flow. `source` names the docs/semantics.md section the expectation rests on.
 */
interface Case {
  readonly name: string;
  readonly source: string;
  readonly yaml: string;
  readonly flow: readonly [string, string, number, string?];
  readonly dir: 'ingress' | 'egress';
  /** Expected `closestRules(flow, dir)`: `name rule` → admits (or `nothing: …`); null when not computed. */
  readonly expect: { readonly rules: readonly [string, string][]; readonly more: number } | null;
}

/** An ingress policy on shop/app=api from shop/app=web with the given element tail (L4 part). */
const apiFromWeb = (l4: string) =>
  cnp(
    'api',
    'shop',
    `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEndpoints: [{ matchLabels: { app: web } }]
${l4}`,
  );

const cases: Case[] = [
  {
    name: 'port mismatch: the element admits another port',
    source: '§1.5 (peer and ports are ANDed within an element), §7.1',
    yaml: apiFromWeb('    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 9090],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', '8080/TCP']], more: 0 },
  },
  {
    name: 'protocol mismatch: UDP element, TCP flow',
    source: '§7.3 (a named protocol admits that protocol only)',
    yaml: apiFromWeb('    toPorts: [{ ports: [{ port: "53", protocol: UDP }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 53, 'TCP'],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', '53/UDP']], more: 0 },
  },
  {
    name: 'ports of several toPorts entries and a range, in order, without repeats',
    source: '§7.4 (endPort ranges)',
    yaml: apiFromWeb(
      '    toPorts: [{ ports: [{ port: "80", protocol: TCP }, { port: "8000", endPort: 8100 }] }, { ports: [{ port: "80", protocol: TCP }] }]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 443],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', '80/TCP, 8000-8100/ANY']], more: 0 },
  },
  {
    name: 'ICMP-only element, TCP flow',
    source: '§7.6 (an element with only icmps allows those ICMP types, no TCP or UDP)',
    yaml: apiFromWeb('    icmps: [{ fields: [{ type: 8, family: IPv4 }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', 'ICMPv4 type 8']], more: 0 },
  },
  {
    name: 'TCP element, ICMP flow',
    source: '§7.5 (once an L4 rule applies to a peer, ICMP needs an icmps entry)',
    yaml: apiFromWeb('    toPorts: [{ ports: [{ port: "80" }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 8, 'ICMP'],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', '80/ANY']], more: 0 },
  },
  {
    name: 'toPorts: [{ports: []}] allows nothing',
    source: '§7.2 (a toPorts element with ports: [] contributes nothing)',
    yaml: apiFromWeb('    toPorts: [{ ports: [] }]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', 'nothing: toPorts with ports: []']], more: 0 },
  },
  {
    name: 'icmps: [{}] allows nothing, ICMP included',
    source: '§7.6 (an icmps entry without fields allows nothing)',
    yaml: apiFromWeb('    icmps: [{}]'),
    flow: ['shop/app=web', 'shop/app=api', 8, 'ICMP'],
    dir: 'ingress',
    expect: { rules: [['api ingress[0]', 'nothing: icmps entries without fields']], more: 0 },
  },
  {
    name: 'a peer that does not match is not listed',
    source: '§1.5; §2.3 (fromEndpoints in a CNP get the policy namespace)',
    yaml: apiFromWeb('    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]'),
    flow: ['shop/app=cron', 'shop/app=api', 9090],
    dir: 'ingress',
    expect: { rules: [], more: 0 },
  },
  {
    name: 'CNP fromEndpoints: [{}] is its own namespace: a pod of another namespace is not listed',
    source: '§2.3 (namespace injection in a CNP), §1.2 exception',
    yaml: cnp(
      'api',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEndpoints: [{}]
    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
  - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: other } }]
    toPorts: [{ ports: [{ port: "8443", protocol: TCP }] }]`,
    ),
    flow: ['other/app=x', 'shop/app=api', 9090],
    dir: 'ingress',
    expect: { rules: [['api ingress[1]', '8443/TCP']], more: 0 },
  },
  {
    name: 'CCNP toEndpoints: [{}] is every namespace: listed on the egress side',
    source: '§2 (a CCNP peer selector gets io.kubernetes.pod.namespace Exists), §5.1 (egress default deny)',
    yaml: ccnp(
      'egress-internal',
      `
endpointSelector: {}
egress:
  - toEndpoints: [{}]
    toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
  - toEntities: [world]
    toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]`,
    ),
    flow: ['shop/app=web', 'db/app=pg', 5432],
    dir: 'egress',
    expect: { rules: [['egress-internal egress[0]', '443/TCP']], more: 0 },
  },
  {
    name: 'entity and CIDR peers: world matches toEntities and the CIDR holding the address only',
    source: '§4 (entities), §8 (CIDR rules select peers outside the cluster)',
    yaml: ccnp(
      'egress-world',
      `
endpointSelector: {}
egress:
  - toEntities: [world]
    toPorts: [{ ports: [{ port: "443", protocol: TCP }] }]
  - toCIDR: [10.0.0.0/8]
    toPorts: [{ ports: [{ port: "22", protocol: TCP }] }]
  - toCIDRSet: [{ cidr: 8.8.0.0/16, except: [8.8.8.0/24] }]
    toPorts: [{ ports: [{ port: "53", protocol: UDP }] }]
  - toCIDR: [8.8.8.8/32]
    toPorts: [{ ports: [{ port: "853", protocol: TCP }] }]`,
    ),
    flow: ['shop/app=web', 'world:8.8.8.8', 80],
    dir: 'egress',
    expect: {
      rules: [
        ['egress-world egress[0]', '443/TCP'],
        ['egress-world egress[3]', '853/TCP'],
      ],
      more: 0,
    },
  },
  {
    name: 'more than five: five listed, the rest counted',
    source: '§1.1 (every element is evaluated on its own)',
    yaml: apiFromWeb(
      [1, 2, 3, 4, 5, 6, 7]
        .map((n, i) =>
          i === 0
            ? `    toPorts: [{ ports: [{ port: "${n}", protocol: TCP }] }]`
            : `  - fromEndpoints: [{ matchLabels: { app: web } }]\n    toPorts: [{ ports: [{ port: "${n}", protocol: TCP }] }]`,
        )
        .join('\n'),
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    dir: 'ingress',
    expect: {
      rules: [1, 2, 3, 4, 5].map((n) => [`api ingress[${n - 1}]`, `${n}/TCP`] as [string, string]),
      more: 2,
    },
  },
  {
    name: 'an allowed side has no closest rules',
    source: '§5 (the side is allowed)',
    yaml: apiFromWeb('    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 8080],
    dir: 'ingress',
    expect: null,
  },
  {
    name: 'a side denied by a deny rule keeps its deniedBy, without closest rules',
    source: '§6.1 (deny beats allow)',
    yaml: cnp(
      'api',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEndpoints: [{ matchLabels: { app: web } }]
    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
ingressDeny:
  - fromEndpoints: [{ matchLabels: { app: web } }]
    toPorts: [{ ports: [{ port: "9090", protocol: TCP }] }]`,
    ),
    flow: ['shop/app=web', 'shop/app=api', 9090],
    dir: 'ingress',
    expect: null,
  },
];

function shape(c: ClosestRules | null) {
  if (c === null) return null;
  return {
    rules: c.rules.map(
      (r) =>
        [
          `${r.rule.name} ${r.rule.rule}`,
          r.nothing !== undefined ? `nothing: ${r.nothing}` : r.admits.join(', '),
        ] as [string, string],
    ),
    more: c.more,
  };
}

describe('PolicyEngine.closestRules', () => {
  it.each(cases)('$name ($source)', (c) => {
    const engine = engineFor(c.yaml);
    const f = flow(...c.flow);
    expect(shape(engine.closestRules(f, c.dir))).toEqual(c.expect);
  });

  it('names the element by file and line, and leaves the cached verdict as it was', () => {
    const engine = engineFor(apiFromWeb('    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]'));
    const f = flow('shop/app=web', 'shop/app=api', 9090);
    const before = engine.verdict(f);
    const c = engine.closestRules(f, 'ingress');
    expect(c?.rules[0]?.rule).toMatchObject({
      kind: 'CiliumNetworkPolicy',
      namespace: 'shop',
      name: 'api',
      file: 'policies.yaml',
      line: 8,
      rule: 'ingress[0]',
      notes: [],
    });
    expect(engine.verdict(f)).toBe(before);
    expect(before.ingress).not.toHaveProperty('closest');
  });
});
