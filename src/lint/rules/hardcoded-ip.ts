import type { SourceRef } from '../../errors.js';
import { cidrContains, hasPlaceholder, type ParsedCidr, parseCidr } from '../../repo/values.js';
import { defineRule } from '../define-rule.js';
import {
  checkSeedConvention,
  ciliumPolicies,
  peerRuleLabel,
  peerRulesOf,
  policyRef,
  seedConventionApplies,
} from '../policy-walk.js';

/**
 * Ranges whose addresses are not on the internet: RFC 1918 private networks, RFC 6598 shared address space
 * (carrier-grade NAT, tailnets), RFC 4193 unique local IPv6, IPv6 link-local, and IPv4/IPv6 multicast
 * (IANA special-purpose address registries). A CIDR wholly inside one names the site's own devices.
 */
export const LOCAL_RANGES: readonly ParsedCidr[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '224.0.0.0/4',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map((c) => {
  const r = parseCidr(c, { bareIp: false });
  if (!r.ok) throw new Error(`bad built-in range ${c}`);
  return r.value;
});

/**
 * CIDR peers (`toCIDR`, `toCIDRSet`, `fromCIDR`, `fromCIDRSet`, NetworkPolicy `ipBlock`) outside an
 * allow-list (`lint.cidrAllowList`, default the link-local range kubelet and node-local probers use):
 * - inside one of the cluster's own ranges (`clusterCIDRs`: pod, service and node CIDRs): always an error,
 *   because such a rule matches nothing there: Cilium's CIDR rules do not select endpoints it manages or
 *   nodes of the cluster (Cilium docs, policy language "IP/CIDR based": "CIDR rules do not apply to traffic
 *   where both sides of the connection are either managed by Cilium or use an IP belonging to a node in
 *   the cluster"), and a Service's ClusterIP is translated to a backend before policy applies;
 * - any other address: the seed's anti-pattern ("NEVER hardcode IP addresses — use endpoint selectors and
 *   entities"), reported where the seed's convention applies (`seedConvention`: `auto`, the default, where
 *   the repository follows the seed's system, i.e. the catalogue found profiles; `always`; `never`). On real
 *   repositories without that system such addresses are NAS hosts, LAN subnets and public resolvers that no
 *   selector or entity can name (docs/real-repos.md: 0 true of 12). Even under the convention, an address of
 *   a private, shared or multicast range ({@link LOCAL_RANGES}) outside `clusterCIDRs` is a device of the
 *   site's own network (a LAN client range, a router, a PXE network) that no selector, entity or DNS name
 *   can replace, so it is an info reminder to record it in the allow-list, not an error (docs/real-repos.md:
 *   seven such errors on a seed-style repository, all false); a public address stays an error (`toFQDNs`
 *   or `world` name it).
 * A `${var}` placeholder left by Flux substitution is reported as info: netpol cannot check it.
 * `0.0.0.0/0` and `::/0` are "the whole internet", not an address that can change: in a Cilium policy
 * without `except` they are an info suggesting the `world` entity (docs/semantics.md §8.3: allowing to
 * world is identical to allowing to 0.0.0.0/0); with `except`, or in a Kubernetes NetworkPolicy (which has
 * no entities), they are not reported.
 */
export default defineRule({
  id: 'hardcoded-ip',
  severity: 'error',
  description:
    'A policy names a CIDR outside the allow-list instead of selecting peers by endpoints or entities.',
  messages: {
    hardcoded:
      '{{policy}} {{rule}} names the address range {{cidr}}{{origin}}; peers should be selected by endpoints or entities, not addresses.',
    insideCluster:
      "{{policy}} {{rule}} names {{cidr}}{{origin}}, which overlaps the cluster's range {{range}}: Cilium's CIDR rules do not match pods, Services or nodes of the cluster, so this rule matches nothing there.",
    placeholder:
      '{{policy}} {{rule}} names the address range "{{cidr}}", left to Flux substitution, so netpol cannot check it.',
    wholeInternet:
      '{{policy}} {{rule}} names {{cidr}}{{origin}}, every {{family}} address outside the cluster: the entity {{entity}} says the same without an address.',
    localDevice:
      '{{policy}} {{rule}} names {{cidr}}{{origin}}, an address of a private network{{where}}: no selector, entity or DNS name can replace a device of your own network, but the address is fixed here.',
  },
  hints: {
    insideCluster:
      'Select the pods with toEndpoints/fromEndpoints, nodes with the host and remote-node entities, the API server with kube-apiserver.',
    hardcoded:
      'Select the peer with endpoints or entities, or add {{cidr}} to lint.cidrAllowList in netpol.config.yaml if the address is meant to stay.',
    placeholder: 'Pass the variable with --var so netpol sees the address.',
    wholeInternet: 'Write toEntities/fromEntities: [{{entity}}] (or [world] for both address families).',
    localDevice:
      'If it is a device outside the cluster, add {{cidr}} to lint.cidrAllowList in netpol.config.yaml to record that it is meant to stay{{clusterHint}}.',
  },
  options: {
    /** CIDRs that may be named (peers inside one of them are fine). */
    allowList: ['169.254.0.0/16'],
    /** The cluster's own pod, service and node CIDRs: a CIDR rule overlapping one matches nothing there. */
    clusterCIDRs: [] as string[],
    /** Where addresses outside `clusterCIDRs` are reported: `auto` (where the catalogue found profiles), `always`, `never`. */
    seedConvention: 'auto' as 'auto' | 'always' | 'never',
  },
  optionChecks: {
    allowList: (list) => {
      const bad = list.find((c) => !parseCidr(c, { bareIp: true }).ok);
      return bad === undefined ? null : `"${bad}" is not a CIDR`;
    },
    clusterCIDRs: (list) => {
      const bad = list.find((c) => !parseCidr(c, { bareIp: true }).ok);
      return bad === undefined ? null : `"${bad}" is not a CIDR`;
    },
    seedConvention: checkSeedConvention,
  },
  check(ctx) {
    const allowed: ParsedCidr[] = [];
    for (const c of ctx.config.allowList) {
      const r = parseCidr(c, { bareIp: true });
      if (r.ok) allowed.push(r.value);
    }
    const cluster: ParsedCidr[] = [];
    for (const c of ctx.config.clusterCIDRs) {
      const r = parseCidr(c, { bareIp: true });
      if (r.ok) cluster.push(r.value);
    }
    const reportOutside = seedConventionApplies(ctx.config.seedConvention, ctx.catalog);
    // A value Flux substitution produced names its variables and where they were set (fresh-user-3 #12).
    const originOf = (at: SourceRef): string => {
      const vars = ctx.repo.substitutions?.get(`${at.file}:${at.line}:${at.column}`);
      if (!vars) return '';
      return ` (from ${vars.map((v) => `\${${v.name}}, set in ${v.setIn}`).join('; ')})`;
    };
    // The policy and rule are named only when reported.
    const check = (
      text: string,
      at: SourceRef,
      policyOf: () => string,
      ruleOf: () => string,
      entity: 'cilium' | 'none',
      except: number,
    ) => {
      if (hasPlaceholder(text)) {
        ctx.report({
          at,
          messageId: 'placeholder',
          data: { policy: policyOf(), rule: ruleOf(), cidr: text },
          severity: 'info',
        });
        return;
      }
      // parseCidr caches by text (repo/values.ts), so recurring CIDRs are parsed once.
      const r = parseCidr(text, { bareIp: true });
      if (!r.ok || allowed.some((a) => cidrContains(a, r.value))) return;
      if (r.value.prefix === 0) {
        if (entity === 'none' || except > 0) return;
        const family = r.value.family === 4 ? 'IPv4' : 'IPv6';
        ctx.report({
          at,
          messageId: 'wholeInternet',
          data: {
            policy: policyOf(),
            rule: ruleOf(),
            cidr: r.value.cidr,
            origin: originOf(at),
            family,
            entity: `world-ipv${r.value.family}`,
          },
          severity: 'info',
        });
        return;
      }
      const range = cluster.find((c) => cidrContains(c, r.value) || cidrContains(r.value, c));
      if (range) {
        ctx.report({
          at,
          messageId: 'insideCluster',
          data: {
            policy: policyOf(),
            rule: ruleOf(),
            cidr: r.value.cidr,
            origin: originOf(at),
            range: range.cidr,
          },
        });
        return;
      }
      if (!reportOutside) return;
      if (LOCAL_RANGES.some((l) => cidrContains(l, r.value))) {
        const known = cluster.length > 0;
        ctx.report({
          at,
          messageId: 'localDevice',
          data: {
            policy: policyOf(),
            rule: ruleOf(),
            cidr: r.value.cidr,
            origin: originOf(at),
            where: known ? ', outside the configured clusterCIDRs' : '',
            clusterHint: known
              ? ''
              : "; set the rule option clusterCIDRs to the cluster's pod, service and node ranges so netpol can tell addresses of the cluster (an error: CIDR rules match nothing there) from devices outside it",
          },
          severity: 'info',
        });
        return;
      }
      ctx.report({
        at,
        messageId: 'hardcoded',
        data: { policy: policyOf(), rule: ruleOf(), cidr: r.value.cidr, origin: originOf(at) },
      });
    };
    for (const p of ciliumPolicies(ctx.repo.policies)) {
      for (const rule of p.rules) {
        for (const pr of peerRulesOf(rule)) {
          for (const c of pr.cidrs ?? []) {
            if (c.cidrGroupRef !== undefined || c.cidrGroupSelector !== undefined) continue;
            check(
              c.cidr,
              c.source,
              () => policyRef(p),
              () => peerRuleLabel(p, rule, pr),
              'cilium',
              c.except.length,
            );
          }
        }
      }
    }
    for (const p of ctx.repo.policies) {
      if (p.kind !== 'NetworkPolicy') continue;
      for (const direction of ['ingress', 'egress'] as const) {
        for (const r of p[direction]) {
          for (const peer of r.peers ?? []) {
            if (peer.ipBlock) {
              const { cidr, except } = peer.ipBlock;
              check(
                cidr,
                peer.source,
                () => policyRef(p),
                () => `${direction}[${r.index}]`,
                'none',
                except.length,
              );
            }
          }
        }
      }
    }
  },
});
