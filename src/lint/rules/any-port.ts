import type { Catalog } from '../../catalog/derive-catalog.js';
import { NAMESPACE_LABELS_PREFIX, POD_NAMESPACE_LABEL, parseSelectorKey } from '../../engine/identity.js';
import type { CiliumPolicyObject, LabelSelector, NetworkPolicyPeer, PeerRule } from '../../repo/model.js';
import { cidrContains, type ParsedCidr, parseCidr } from '../../repo/values.js';
import { defineRule } from '../define-rule.js';
import {
  checkSeedConvention,
  ciliumPolicies,
  matchesNoPort,
  namesScraper,
  PROBER_WORD,
  peerRuleLabel,
  policyRef,
  SCRAPER_WORD,
  type SeedConvention,
  seedConventionApplies,
} from '../policy-walk.js';

/**
 * An allow rule toward endpoints, entities or CIDRs that admits every port: no `toPorts` (and no
 * `icmps`), or port 0 (Cilium: "0 means all ports"); for a Kubernetes
 * NetworkPolicy, a rule with no `ports` or a port entry without `port`. Exempt: the escape-hatch policy,
 * and elements whose peers are all health-probe peers (the seed's template leaves them without ports).
 * Cilium's ingress endpoint (`reserved:ingress`) is exempt: its listeners define the ports, and so are the
 * system's own admissions into every pod of many namespaces: a profile policy's ingress (from its
 * gateways) and a baseline's ingress from the scrapers, whose destinations' ports differ per application.
 * Where the seed's
 * convention does not apply (`seedConvention`, see policy-walk: by default, repositories without the seed's
 * profiles), three intents seen on real repositories where every port is meant are exempt too
 * (docs/real-repos.md: 14 false findings of 25 judged before these exemptions):
 * - same namespace: a namespaced policy's peers all in its own namespace (a CNP's endpoint selectors
 *   without a namespace, which Cilium confines to the policy's namespace; a NetworkPolicy `podSelector`
 *   alone): the components of one application talking among themselves;
 * - monitoring: ingress from scrapers (the catalogue's scrapers, peers labelled as Prometheus, vmagent,
 *   Alloy, OTel collectors) and egress of scrapers and probers (blackbox exporters), which reach whatever
 *   port a target's metrics or probe is on;
 * - addresses and entities: elements naming CIDRs or entities (networks of devices, the internet, the
 *   cluster, nodes), whose ports are those of whatever answers there; only elements naming pods by endpoint
 *   selectors, whose ports the pods define, are judged;
 * - opt-in backends: toward every pod of any namespace that carries an opt-in label set to a flag value
 *   (an ingress controller's or metrics agent's egress to the pods labelled `…/nginx: allow`, or a
 *   clusterwide policy letting it into them), where each backend has its own ports.
 * @see Cilium docs security/policy/language "Layer 4 Examples"; cilium/cilium pkg/policy/api/l4.go (PortProtocol).
 */
export default defineRule({
  id: 'any-port',
  severity: 'error',
  description:
    'An allow rule toward endpoints, entities or CIDRs lists no ports (or port 0), so it allows every port.',
  messages: {
    anyPort: '{{policy}} {{rule}} allows {{direction}} {{peers}} on every port.',
    portZero:
      '{{policy}} {{rule}} allows port 0, which means every {{protocol}} port, {{direction}} {{peers}}.',
    besideExempt:
      '{{policy}} {{rule}} allows {{direction}} {{peers}} on every port: {{exempt}} may go without ports (probe sources), {{others}} may not.',
  },
  hints: {
    anyPort: 'List the ports the traffic uses ({{portsField}}); the seed: never allow any port.',
    portZero: 'Replace port 0 with the ports the traffic uses.',
    besideExempt: 'Give {{others}} a rule of its own with the ports the traffic uses.',
  },
  options: {
    /** Entities that may be allowed without ports (health probes and node-local agents). */
    exemptEntities: ['health', 'host', 'remote-node'],
    /** CIDRs whose peers may be allowed without ports. */
    exemptCidrs: ['169.254.0.0/16'],
    /** Where the seed's "always specify explicit port lists" holds without the intent exemptions. */
    seedConvention: 'auto' as SeedConvention,
  },
  optionChecks: {
    seedConvention: checkSeedConvention,
    exemptCidrs: (list) => {
      const bad = list.find((c) => !parseCidr(c, { bareIp: true }).ok);
      return bad === undefined ? null : `"${bad}" is not a CIDR`;
    },
  },
  check(ctx) {
    const exemptCidrs: ParsedCidr[] = [];
    for (const c of ctx.config.exemptCidrs) {
      const r = parseCidr(c, { bareIp: true });
      if (r.ok) exemptCidrs.push(r.value);
    }
    const exemptEntities = new Set<string>(ctx.config.exemptEntities);
    const cidrExempt = (text: string) => {
      const r = parseCidr(text, { bareIp: true });
      return r.ok && exemptCidrs.some((e) => cidrContains(e, r.value));
    };
    const intents = !seedConventionApplies(ctx.config.seedConvention, ctx.catalog);
    // The system's own policies admit into every pod of many namespaces, whose ports differ: a profile's
    // ingress from its gateways, a baseline's ingress from the scrapers (the seed's profiles and scrape
    // baseline; docs/real-repos.md, the seed-style repository ionfury/homelab).
    const refKey = (p: { kind: string; namespace: string; name: string }) =>
      `${p.kind}/${p.kind === 'CiliumNetworkPolicy' ? p.namespace : ''}/${p.name}`;
    const hatch = new Set((ctx.catalog.escapeHatch?.policies ?? []).map(refKey));
    const profilePolicies = new Set(
      [...ctx.catalog.profiles.values()].flatMap((x) => x.policies.map(refKey)),
    );
    const baselinePolicies = new Set(ctx.catalog.baselines.map(refKey));

    for (const p of ciliumPolicies(ctx.repo.policies)) {
      const key = refKey(p);
      if (hatch.has(key)) continue;
      const profile = profilePolicies.has(key);
      const baseline = baselinePolicies.has(key);
      for (const rule of p.rules) {
        if (selectsReserved(rule.endpointSelector, 'ingress')) continue;
        const monitor = intents && selectsMonitor(rule.endpointSelector);
        for (const pr of [...(rule.ingress ?? []), ...(rule.egress ?? [])]) {
          // Elements that match no port (`icmps: [{}]`, `toPorts: [{}]`) are misleading-empty-rules findings.
          if (!namesCiliumPeers(pr) || pr.icmpsWithoutFields || matchesNoPort(pr)) continue;
          if (pr.direction === 'ingress' && profile) continue;
          if (pr.direction === 'ingress' && baseline && fromScrapers(pr, ctx.catalog)) continue;
          if (intents && ownNamespaceOnly(p, pr)) continue;
          if (intents && pr.direction === 'egress' && monitor) continue;
          if (intents && pr.direction === 'ingress' && fromScrapers(pr, ctx.catalog)) continue;
          if (intents && ((pr.entities ?? []).length > 0 || (pr.cidrs ?? []).length > 0)) continue;
          if (intents && optInDestinations(p, rule.endpointSelector, pr)) continue;
          const exempt =
            (pr.endpoints ?? []).length === 0 &&
            (pr.entities ?? []).every((e) => exemptEntities.has(e)) &&
            (pr.cidrs ?? []).every(
              (c) =>
                c.cidrGroupRef === undefined &&
                c.cidrGroupSelector === undefined &&
                !c.unresolved &&
                cidrExempt(c.cidr),
            );
          if (exempt) continue;
          // Built when reported: most elements list their ports.
          const data = () => ({
            policy: policyRef(p),
            rule: peerRuleLabel(p, rule, pr),
            direction: pr.direction === 'ingress' ? 'from' : 'to',
            peers: describeCiliumPeers(pr),
            portsField: 'toPorts',
          });
          if (pr.toPorts.length === 0 && pr.icmps.length === 0) {
            // An element of probe sources with one entity more (a probe baseline that also lists
            // kube-apiserver): name the one the ports matter for.
            const entities = pr.entities ?? [];
            const others = entities.filter((e) => !exemptEntities.has(e));
            if (
              (pr.endpoints ?? []).length === 0 &&
              (pr.cidrs ?? []).length === 0 &&
              others.length > 0 &&
              others.length < entities.length
            ) {
              const exemptOnes = entities.filter((e) => exemptEntities.has(e));
              ctx.report({
                at: pr.source,
                messageId: 'besideExempt',
                data: { ...data(), exempt: exemptOnes.join(', '), others: others.join(', ') },
              });
              continue;
            }
            ctx.report({ at: pr.source, messageId: 'anyPort', data: data() });
            continue;
          }
          for (const portRule of pr.toPorts) {
            // An entry without ports matches no port (docs/semantics.md §7, item 2): not every port.
            for (const port of portRule.ports) {
              if ((port.port === 0 || port.port === '0') && port.endPort === undefined) {
                ctx.report({
                  at: port.source,
                  messageId: 'portZero',
                  data: {
                    ...data(),
                    protocol: port.protocol === 'ANY' ? 'TCP, UDP and SCTP' : port.protocol,
                  },
                });
              }
            }
          }
        }
      }
    }

    for (const p of ctx.repo.policies) {
      if (p.kind !== 'NetworkPolicy') continue;
      for (const direction of ['ingress', 'egress'] as const) {
        if (!p.policyTypes.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
        for (const r of p[direction]) {
          const blocks = (r.peers ?? []).map((x) => x.ipBlock);
          const exempt =
            r.peers !== null &&
            blocks.every((b) => b !== null && b.except.length === 0 && cidrExempt(b.cidr));
          if (exempt) continue;
          const peersOf = r.peers ?? [];
          if (
            intents &&
            peersOf.length > 0 &&
            peersOf.every((x) => x.podSelector !== null && x.namespaceSelector === null && x.ipBlock === null)
          )
            continue;
          if (intents && (r.peers === null || peersOf.some((x) => x.ipBlock !== null))) continue;
          if (intents && direction === 'egress' && selectsMonitor(p.podSelector)) continue;
          if (
            intents &&
            direction === 'egress' &&
            peersOf.length > 0 &&
            peersOf.every(
              (x) =>
                x.namespaceSelector !== null &&
                !pinsOneNamespace(x.namespaceSelector) &&
                x.podSelector !== null &&
                optsInByLabel(x.podSelector),
            )
          )
            continue;
          if (
            intents &&
            direction === 'ingress' &&
            peersOf.length > 0 &&
            peersOf.every((x) => x.podSelector !== null && namesScraper(x.podSelector.matchLabels))
          )
            continue;
          const data = {
            policy: policyRef(p),
            rule: `${direction}[${r.index}]`,
            direction: direction === 'ingress' ? 'from' : 'to',
            peers: describeKubernetesPeers(r.peers),
            portsField: 'ports',
          };
          if (r.ports === null || r.ports.length === 0) {
            ctx.report({ at: r.source, messageId: 'anyPort', data });
            continue;
          }
          for (const port of r.ports) {
            if (port.port === undefined || port.port === 0) {
              ctx.report({
                at: port.source,
                messageId: 'portZero',
                data: { ...data, protocol: port.protocol },
              });
            }
          }
        }
      }
    }
  },
});

/** Whether a selector names a Cilium reserved identity (`reserved:ingress`) by key. */
function selectsReserved(sel: LabelSelector | null, name: string): boolean {
  if (!sel) return false;
  const keys = [
    ...Object.keys(sel.matchLabels),
    ...sel.matchExpressions
      .filter((e) => e.operator !== 'DoesNotExist' && e.operator !== 'NotIn')
      .map((e) => e.key),
  ];
  return keys.some((k) => {
    const parsed = parseSelectorKey(k);
    return parsed.source === 'reserved' && parsed.key === name;
  });
}

/** Whether a policy's selector picks scrapers or probers by a plain label value. */
function selectsMonitor(sel: LabelSelector | null): boolean {
  if (!sel) return false;
  return Object.values(sel.matchLabels).some((v) => SCRAPER_WORD.test(v) || PROBER_WORD.test(v));
}

/**
 * Whether every peer of an element is a pod of the policy's own namespace: a CiliumNetworkPolicy's endpoint
 * selectors without a namespace label, or pinning its own (Cilium adds the policy's namespace to a CNP's
 * peer selectors that name none: docs/semantics.md §3), and no entity or CIDR.
 */
function ownNamespaceOnly(p: CiliumPolicyObject, pr: PeerRule): boolean {
  if (p.kind !== 'CiliumNetworkPolicy') return false;
  if ((pr.entities ?? []).length > 0 || (pr.cidrs ?? []).length > 0) return false;
  const selectors = pr.endpoints ?? [];
  return selectors.length > 0 && selectors.every((sel) => pinnedNamespace(sel, p.namespace) === p.namespace);
}

/**
 * The namespace a CNP peer selector is confined to: the pinned `io.kubernetes.pod.namespace` value, the
 * policy's own when the selector names no namespace, undefined when it reaches by namespace labels or
 * expressions on the namespace (possibly other namespaces).
 */
function pinnedNamespace(sel: LabelSelector, own: string): string | undefined {
  let pinned: string | undefined = own;
  for (const [k, v] of Object.entries(sel.matchLabels)) {
    const key = parseSelectorKey(k).key;
    if (key === POD_NAMESPACE_LABEL) pinned = pinned === own || pinned === v ? v : undefined;
    else if (key.startsWith(NAMESPACE_LABELS_PREFIX)) return undefined;
  }
  for (const e of sel.matchExpressions) {
    const key = parseSelectorKey(e.key).key;
    if (key === POD_NAMESPACE_LABEL || key.startsWith(NAMESPACE_LABELS_PREFIX)) return undefined;
  }
  return pinned;
}

/**
 * Whether the destination of an element is "every pod, in any namespace, that opts in by a label": for
 * egress, endpoint peers that reach beyond one namespace and require a pod label (an ingress controller's
 * egress to the backends labelled for it); for ingress, a clusterwide policy selecting such pods (the
 * backends admitting that controller). The ports are each backend's own, so listing them is not the intent
 * (docs/real-repos.md: ingress controllers and a metrics agent granted this way, judged false findings).
 * A grant toward one component (clients opting in to reach a gateway) names a fixed destination and is
 * still judged.
 */
function optInDestinations(p: CiliumPolicyObject, subject: LabelSelector | null, pr: PeerRule): boolean {
  if (pr.direction === 'ingress')
    return (
      p.kind === 'CiliumClusterwideNetworkPolicy' &&
      subject !== null &&
      spansNamespaces(subject, p) &&
      optsInByLabel(subject)
    );
  if ((pr.entities ?? []).length > 0 || (pr.cidrs ?? []).length > 0) return false;
  const selectors = pr.endpoints ?? [];
  return selectors.length > 0 && selectors.every((sel) => spansNamespaces(sel, p) && optsInByLabel(sel));
}

/**
 * Whether a Cilium selector reaches pods of more than one namespace: no single `io.kubernetes.pod.namespace`
 * value, and, in a CiliumNetworkPolicy (whose namespace-less selectors Cilium confines to its own
 * namespace), a requirement on the namespace or its labels.
 */
function spansNamespaces(sel: LabelSelector, p: CiliumPolicyObject): boolean {
  let namespaced = false;
  for (const k of Object.keys(sel.matchLabels)) {
    const key = parseSelectorKey(k).key;
    if (key === POD_NAMESPACE_LABEL) return false;
    if (key.startsWith(NAMESPACE_LABELS_PREFIX)) namespaced = true;
  }
  for (const e of sel.matchExpressions) {
    const key = parseSelectorKey(e.key).key;
    if (key === POD_NAMESPACE_LABEL) {
      if (e.operator === 'DoesNotExist' || (e.operator === 'In' && e.values.length === 1)) return false;
      namespaced = true;
    } else if (key.startsWith(NAMESPACE_LABELS_PREFIX)) namespaced = true;
  }
  return p.kind === 'CiliumClusterwideNetworkPolicy' || namespaced;
}

/** Values of an opt-in (access) label: a flag, not a name (`ingress.example.org/nginx: allow`). */
const FLAG_VALUE = /^(allow|allowed|true|yes|enabled?|on|1)$/i;

/**
 * Whether a selector requires a pod opt-in label: a pod label (not the namespace, its labels or a
 * Cilium-reserved one) set to a flag value (`allow`, `true`, `enabled` …). A label naming what the pod is
 * (`app.kubernetes.io/name: vmsingle`, `cnpg.io/cluster: pg-home`, `cnpg.io/cluster Exists`) names a kind
 * of workload with known ports, not pods that opted in.
 */
function optsInByLabel(sel: LabelSelector): boolean {
  const podLabel = (k: string) => {
    const parsed = parseSelectorKey(k);
    return (
      parsed.source !== 'reserved' &&
      parsed.key !== POD_NAMESPACE_LABEL &&
      !parsed.key.startsWith(NAMESPACE_LABELS_PREFIX) &&
      !parsed.key.startsWith('io.cilium.')
    );
  };
  return (
    Object.entries(sel.matchLabels).some(([k, v]) => podLabel(k) && FLAG_VALUE.test(v)) ||
    sel.matchExpressions.some(
      (e) =>
        e.operator === 'In' &&
        e.values.length > 0 &&
        e.values.every((v) => FLAG_VALUE.test(v)) &&
        podLabel(e.key),
    )
  );
}

/** Whether a Kubernetes namespace selector names one namespace (`kubernetes.io/metadata.name`). */
function pinsOneNamespace(sel: LabelSelector): boolean {
  return (
    sel.matchLabels['kubernetes.io/metadata.name'] !== undefined ||
    sel.matchExpressions.some(
      (e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In' && e.values.length === 1,
    )
  );
}

/** Whether every endpoint peer of an ingress element is a scraper, and it has no entity or CIDR peer. */
function fromScrapers(pr: PeerRule, catalog: Catalog): boolean {
  if ((pr.entities ?? []).length > 0 || (pr.cidrs ?? []).length > 0) return false;
  const selectors = pr.endpoints ?? [];
  const known = catalog.scrapers.map((s) => s.peer);
  return (
    selectors.length > 0 &&
    selectors.every(
      (sel) =>
        namesScraper(sel.matchLabels) ||
        known.some(
          (k) =>
            k.kind === 'pod' &&
            Object.entries(k.labels).every(([key, v]) => sel.matchLabels[key] === v) &&
            Object.keys(k.labels).length > 0,
        ),
    )
  );
}

/** The endpoints, entities and CIDRs of an element as text, or null when it selects none of them. */
/**
 * Whether a Cilium peer rule names peers this rule judges: at least one of endpoints, entities and CIDRs,
 * and none of them an empty list.
 */
function namesCiliumPeers(pr: PeerRule): boolean {
  const fields = [pr.endpoints, pr.entities, pr.cidrs];
  return !(fields.every((f) => f === null) || fields.some((f) => f !== null && f.length === 0));
}

/** The peers of a rule for which {@link namesCiliumPeers} holds, as the messages name them. */
function describeCiliumPeers(pr: PeerRule): string {
  const parts: string[] = [];
  for (const sel of pr.endpoints ?? []) {
    const labels = [
      ...Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`),
      ...sel.matchExpressions.map(
        (e) => `${e.key} ${e.operator}${e.values.length > 0 ? ` (${e.values.join(', ')})` : ''}`,
      ),
    ];
    parts.push(labels.length === 0 ? 'endpoints {}' : `endpoints ${labels.join(',')}`);
  }
  if ((pr.entities ?? []).length > 0) parts.push(`entities ${(pr.entities ?? []).join(', ')}`);
  for (const c of pr.cidrs ?? [])
    parts.push(
      c.cidrGroupRef !== undefined
        ? `CIDR group ${c.cidrGroupRef}`
        : c.cidrGroupSelector !== undefined
          ? 'CIDR groups by label'
          : c.cidr,
    );
  return parts.join('; ');
}

function describeKubernetesPeers(peers: readonly NetworkPolicyPeer[] | null): string {
  if (peers === null) return 'every peer';
  return peers
    .map((x) =>
      x.ipBlock
        ? x.ipBlock.cidr
        : [x.namespaceSelector ? 'namespaceSelector' : '', x.podSelector ? 'podSelector' : '']
            .filter((s) => s !== '')
            .join(' + '),
    )
    .join('; ');
}
