import { describe, expect, it } from 'vitest';
import type { Peer } from '../../src/engine/types.js';
import type { ClusterSettings } from '../../src/repo/model.js';
import { ccnp, cnp, engineFor, flow, knp, summary } from '../helpers/engine.js';

/**
 * The semantics table: each case is a repository (inline YAML, on top of namespaces shop/db/other), a flow
 * and the verdict Cilium gives, with the deciding rules. `source` names where the rule comes from.
 * Abbreviations: DOC = Cilium docs security/policy/<page>; CODE = cilium/cilium <path>.
 */
interface Case {
  readonly name: string;
  readonly source: string;
  readonly yaml: string;
  readonly flow: readonly [string | Peer, string | Peer, number, string?];
  readonly settings?: Partial<ClusterSettings>;
  readonly expect: {
    readonly verdict: 'allowed' | 'denied';
    readonly egress?: 'allowed' | 'denied';
    readonly ingress?: 'allowed' | 'denied';
    readonly egressEnforced?: boolean;
    readonly ingressEnforced?: boolean;
    readonly allowedBy?: readonly string[];
    readonly deniedBy?: readonly string[];
    readonly notes?: readonly string[];
  };
}

/** The DNS egress element that lets Cilium's DNS proxy see lookups (needed by toFQDNs). */
const DNS_RULE = `  - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns } }]
    toPorts: [{ ports: [{ port: "53", protocol: ANY }], rules: { dns: [{ matchPattern: "*" }] } }]`;

const webIngress = cnp(
  'api-from-web',
  'shop',
  `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEndpoints: [{ matchLabels: { app: web } }]
`,
);

const cases: Case[] = [
  // ---- Enforcement and default deny ----
  {
    name: 'no policy: both sides unenforced, allowed',
    source: 'DOC intro "Policy Enforcement Modes" (default mode: no rule selects the endpoint → allow all)',
    yaml: '',
    flow: ['shop/app=web', 'db/app=pg', 5432],
    expect: { verdict: 'allowed', egressEnforced: false, ingressEnforced: false, allowedBy: [] },
  },
  {
    name: 'ingress allow from same-namespace label',
    source: 'DOC language "Endpoints Based"; CODE pkg/policy/rule.go mergeIngress',
    yaml: webIngress,
    flow: ['shop/app=web', 'shop/app=api', 8080],
    expect: { verdict: 'allowed', ingressEnforced: true, allowedBy: ['api-from-web:ingress[0]'] },
  },
  {
    name: 'a selected endpoint denies what no rule allows',
    source: 'DOC intro "default" mode: once a rule selects an endpoint in a direction, the rest is dropped',
    yaml: webIngress,
    flow: ['shop/app=cron', 'shop/app=api', 8080],
    expect: { verdict: 'denied', ingress: 'denied', ingressEnforced: true, allowedBy: [] },
  },
  {
    name: 'an endpoint no rule selects stays open',
    source: 'DOC intro "default" mode',
    yaml: webIngress,
    flow: ['shop/app=cron', 'shop/app=worker', 8080],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'ingress: [{}] denies everything',
    source:
      'CODE pkg/policy/rule.go mergeIngress: an element with no peer and no port merges nothing; len(Ingress)>0 enforces',
    yaml: cnp('deny-all', 'shop', 'endpointSelector: {}\ningress: [{}]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingressEnforced: true, allowedBy: [] },
  },
  {
    name: 'ingress: [] (empty list) does not enforce',
    source: 'CODE pkg/policy/api/rule.go EnableDefaultDeny: default true only for a direction that has rules',
    yaml: cnp('empty-list', 'shop', 'endpointSelector: {}\ningress: []'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'an egress-only policy leaves ingress open',
    source: 'DOC intro: default deny is per direction',
    yaml: cnp('egress-only', 'shop', 'endpointSelector: {}\negress: [{ toEntities: [world] }]'),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'egress-only policy: egress not allowed by it is denied',
    source: 'DOC intro: default deny is per direction',
    yaml: cnp('egress-only', 'shop', 'endpointSelector: {}\negress: [{ toEntities: [world] }]'),
    flow: ['shop/app=api', 'db/app=pg', 5432],
    expect: { verdict: 'denied', egress: 'denied', egressEnforced: true },
  },
  {
    name: 'enableDefaultDeny.ingress false: rule adds allows without enforcing',
    source: 'CODE pkg/policy/api/rule.go EnableDefaultDeny; DOC language "Default deny"',
    yaml: cnp(
      'no-default-deny',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
enableDefaultDeny: { ingress: false }
ingress:
  - fromEndpoints: [{ matchLabels: { app: web } }]
`,
    ),
    flow: ['shop/app=cron', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'default deny holds if any selecting rule requests it',
    source: 'CODE pkg/policy/api/rule.go EnableDefaultDeny doc: "enabled if any policy requests it"',
    yaml:
      cnp(
        'no-default-deny',
        'shop',
        `
endpointSelector: { matchLabels: { app: api } }
enableDefaultDeny: { ingress: false }
ingress:
  - fromEndpoints: [{ matchLabels: { app: web } }]
`,
      ) + webIngress,
    flow: ['shop/app=cron', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  {
    name: 'policyEnforcementMode always: no policy still denies',
    source: 'DOC intro "Policy Enforcement Modes" (always)',
    yaml: '',
    settings: { policyEnforcementMode: 'always' },
    flow: ['shop/app=web', 'db/app=pg', 5432],
    expect: {
      verdict: 'denied',
      egress: 'denied',
      ingress: 'denied',
      egressEnforced: true,
      ingressEnforced: true,
    },
  },
  {
    name: 'policyEnforcementMode never: a deny-all policy is ignored',
    source: 'DOC intro "Policy Enforcement Modes" (never)',
    yaml: cnp('deny-all', 'shop', 'endpointSelector: {}\ningress: [{}]'),
    settings: { policyEnforcementMode: 'never' },
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'allow rules add up across policies',
    source: 'DOC intro "Rule basics": rules are additive (whitelist)',
    yaml:
      webIngress +
      cnp(
        'api-from-cron',
        'shop',
        'endpointSelector: { matchLabels: { app: api } }\ningress:\n  - fromEndpoints: [{ matchLabels: { app: cron } }]',
      ),
    flow: ['shop/app=cron', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['api-from-cron:ingress[0]'] },
  },
  // ---- Deny rules ----
  {
    name: 'ingressDeny wins over an allow',
    source: 'DOC language "Deny Policies": deny takes precedence over allow',
    yaml: cnp(
      'deny-web',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEndpoints: [{}]
ingressDeny:
  - fromEndpoints: [{ matchLabels: { app: web } }]
`,
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', allowedBy: ['deny-web:ingress[0]'], deniedBy: ['deny-web:ingressDeny[0]'] },
  },
  {
    name: 'a deny with toPorts denies only those ports (port 80)',
    source: 'DOC language "Deny Policies" (L4 deny)',
    yaml: cnp(
      'deny-80',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEntities: [all]
ingressDeny:
  - toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]
`,
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', deniedBy: ['deny-80:ingressDeny[0]'] },
  },
  {
    name: 'a deny with toPorts denies only those ports (port 443 allowed)',
    source: 'DOC language "Deny Policies" (L4 deny)',
    yaml: cnp(
      'deny-80',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEntities: [all]
ingressDeny:
  - toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]
`,
    ),
    flow: ['shop/app=web', 'shop/app=api', 443],
    expect: { verdict: 'allowed', deniedBy: [], allowedBy: ['deny-80:ingress[0]'] },
  },
  {
    name: 'a deny-only policy puts the endpoint in default deny',
    source: 'DOC language "Deny Policies" (deny rules enable default deny; pair them with an allow-all)',
    yaml: cnp('deny-world', 'shop', 'endpointSelector: {}\negressDeny:\n  - toEntities: [world]'),
    flow: ['shop/app=api', 'db/app=pg', 5432],
    expect: { verdict: 'denied', egress: 'denied', egressEnforced: true, deniedBy: [] },
  },
  // ---- Namespace injection ----
  {
    name: 'CNP fromEndpoints without namespace: other namespace denied',
    source: 'CODE pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector (adds the policy namespace)',
    yaml: webIngress,
    flow: ['other/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingress: 'denied' },
  },
  {
    name: 'CNP fromEndpoints: [{}] selects the policy namespace only (same ns)',
    source: 'CODE utils.go getEndpointSelector',
    yaml: cnp('same-ns', 'shop', 'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['same-ns:ingress[0]'] },
  },
  {
    name: 'CNP fromEndpoints: [{}] selects the policy namespace only (other ns)',
    source: 'CODE utils.go getEndpointSelector',
    yaml: cnp('same-ns', 'shop', 'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]'),
    flow: ['other/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'CCNP fromEndpoints: [{}] selects pods of every namespace',
    source: 'CODE utils.go getEndpointSelector (clusterwide: io.kubernetes.pod.namespace Exists)',
    yaml: ccnp('all-pods', 'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]'),
    flow: ['other/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['all-pods:ingress[0]'] },
  },
  {
    name: 'CCNP fromEndpoints: [{}] does not select world',
    source: 'CODE utils.go getEndpointSelector (Exists on the namespace label excludes reserved identities)',
    yaml: ccnp('all-pods', 'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]'),
    flow: ['world:8.8.8.8', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingress: 'denied', egressEnforced: false },
  },
  {
    name: 'CNP peer naming io.kubernetes.pod.namespace reaches that namespace',
    source: 'DOC kubernetes "Namespaces" (allow across namespaces with io.kubernetes.pod.namespace)',
    yaml: cnp(
      'from-other',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: other } }]',
    ),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['from-other:ingress[0]'] },
  },
  {
    name: 'CNP peer on k8s:io.kubernetes.pod.namespace prefix also counts as a namespace key',
    source: 'CODE utils.go getEndpointSelector (HasKey k8s: or any: namespace label)',
    yaml: cnp(
      'from-other',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": other } }]',
    ),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'CNP endpointSelector with k8s:io.kubernetes.pod.namespace of another namespace applies to its own namespace',
    source:
      'CODE utils.go ParseToCiliumRule (the k8s-prefixed namespace match is overwritten with the policy namespace)',
    yaml: cnp(
      'illegal-ns',
      'shop',
      'endpointSelector: { matchLabels: { "k8s:io.kubernetes.pod.namespace": other } }\ningress: [{}]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  {
    name: 'CNP endpointSelector with k8s:io.kubernetes.pod.namespace of another namespace does not select it',
    source: 'CODE utils.go ParseToCiliumRule',
    yaml: cnp(
      'illegal-ns',
      'shop',
      'endpointSelector: { matchLabels: { "k8s:io.kubernetes.pod.namespace": other } }\ningress: [{}]',
    ),
    flow: ['shop/app=web', 'other/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'CNP endpointSelector with a bare io.kubernetes.pod.namespace of another namespace selects nothing',
    source:
      'CODE utils.go ParseToCiliumRule (GetMatch looks up the k8s: key only; the any: key stays and is ANDed with the forced namespace)',
    yaml: cnp(
      'illegal-ns',
      'shop',
      'endpointSelector: { matchLabels: { io.kubernetes.pod.namespace: other } }\ningress: [{}]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'CNP endpointSelector with a bare io.kubernetes.pod.namespace of its own namespace works',
    source: 'CODE utils.go ParseToCiliumRule',
    yaml: cnp(
      'own-ns',
      'shop',
      'endpointSelector: { matchLabels: { io.kubernetes.pod.namespace: shop } }\ningress: [{}]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  {
    name: 'CCNP endpointSelector {} selects pods in every namespace',
    source: 'DOC language "CiliumClusterwideNetworkPolicy"; CODE utils.go ParseToCiliumRule (no injection)',
    yaml: ccnp('deny-all', 'endpointSelector: {}\ningress: [{}]'),
    flow: ['shop/app=web', 'other/app=api', 80],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  {
    name: 'CCNP endpointSelector on a namespace label selects that namespace',
    source: 'DOC kubernetes "Namespaces" (io.cilium.k8s.namespace.labels.<key>)',
    yaml: ccnp(
      'team-b',
      'endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.team: b } }\ningress: [{}]',
    ),
    flow: ['shop/app=web', 'db/app=pg', 5432],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  {
    name: 'CCNP endpointSelector on a namespace label leaves other namespaces alone',
    source: 'DOC kubernetes "Namespaces"',
    yaml: ccnp(
      'team-b',
      'endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.team: b } }\ningress: [{}]',
    ),
    flow: ['db/app=pg', 'shop/app=web', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'kubernetes.io/metadata.name is a namespace identity label',
    source: 'Kubernetes automatic namespace label; DOC kubernetes "Namespaces"',
    yaml: ccnp(
      'shop-only',
      'endpointSelector: { matchLabels: { "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": shop } }\ningress: [{}]',
    ),
    flow: ['db/app=pg', 'shop/app=web', 80],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  // ---- Selectors ----
  {
    name: 'k8s: prefixed key matches pod labels',
    source: 'CODE pkg/labels/labels.go parseSource (k8s source)',
    yaml: cnp(
      'prefixed',
      'shop',
      'endpointSelector: { matchLabels: { "k8s:app": api } }\ningress:\n  - fromEndpoints: [{ matchLabels: { "k8s:app": web } }]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'matchExpressions In',
    source: 'Kubernetes label selector semantics; DOC language "Endpoints Based"',
    yaml: cnp(
      'expr',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchExpressions: [{ key: app, operator: In, values: [web, cron] }] }]',
    ),
    flow: ['shop/app=cron', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'matchExpressions NotIn matches pods without the label',
    source: 'Kubernetes label selector semantics (NotIn matches absent keys)',
    yaml: cnp(
      'expr',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchExpressions: [{ key: tier, operator: NotIn, values: [untrusted] }] }]',
    ),
    flow: ['shop/app=cron', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'matchExpressions NotIn excludes the listed value',
    source: 'Kubernetes label selector semantics',
    yaml: cnp(
      'expr',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchExpressions: [{ key: tier, operator: NotIn, values: [untrusted] }] }]',
    ),
    flow: ['shop/tier=untrusted', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'matchExpressions Exists / DoesNotExist',
    source: 'Kubernetes label selector semantics',
    yaml: cnp(
      'expr',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchExpressions: [{ key: app, operator: Exists }, { key: debug, operator: DoesNotExist }] }]',
    ),
    flow: ['shop/app=x,debug=on', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'service account identity label',
    source: 'DOC kubernetes "ServiceAccounts" (io.cilium.k8s.policy.serviceaccount)',
    yaml: cnp(
      'sa',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchLabels: { io.cilium.k8s.policy.serviceaccount: reporter } }]',
    ),
    flow: [
      { kind: 'pod', namespace: 'shop', labels: { app: 'r' }, serviceAccount: 'reporter' },
      'shop/app=api',
      80,
    ],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'pod-template-hash is not an identity label',
    source: 'CODE pkg/labelsfilter/filter.go defaultLabelPrefixCfg (!pod-template-hash)',
    yaml: cnp(
      'hash',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchLabels: { pod-template-hash: abc } }]',
    ),
    flow: ['shop/pod-template-hash=abc', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'fromRequires is ANDed into every fromEndpoints of the endpoint (met)',
    source:
      'CODE pkg/policy/api/ingress.go GetSourceEndpointSelectorsWithRequirements; DOC language "Requires"',
    yaml: cnp(
      'requires',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromRequires: [{ matchLabels: { env: prod } }]
  - fromEndpoints: [{ matchLabels: { app: web } }]
`,
    ),
    flow: ['shop/app=web,env=prod', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['requires:ingress[1]'] },
  },
  {
    name: 'fromRequires is ANDed into every fromEndpoints of the endpoint (not met)',
    source: 'CODE pkg/policy/api/ingress.go GetSourceEndpointSelectorsWithRequirements',
    yaml: cnp(
      'requires',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromRequires: [{ matchLabels: { env: prod } }]
  - fromEndpoints: [{ matchLabels: { app: web } }]
`,
    ),
    flow: ['shop/app=web,env=dev', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'a toPorts-only element allows every peer (L3 wildcard), world included',
    source: 'CODE pkg/policy/rule.go mergeIngress ("empty slice of EndpointSelector … allows all at L3")',
    yaml: cnp(
      'port-only',
      'shop',
      'endpointSelector: {}\ningress:\n  - toPorts: [{ ports: [{ port: "80" }] }]',
    ),
    flow: ['world:203.0.113.9', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['port-only:ingress[0]'] },
  },
  {
    name: 'fromEndpoints on a reserved label selects that reserved identity',
    source: 'CODE utils.go getEndpointSelector (reserved: selectors are left alone)',
    yaml: cnp(
      'from-host',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{ matchLabels: { "reserved:host": "" } }]',
    ),
    settings: { allowLocalhost: false },
    flow: ['host', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['from-host:ingress[0]'] },
  },
  // ---- Entities ----
  {
    name: 'fromEntities world admits an outside address',
    source: 'CODE pkg/policy/api/entity.go (world)',
    yaml: cnp('from-world', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [world]'),
    flow: ['world:198.51.100.7', 'shop/app=api', 443],
    expect: { verdict: 'allowed', allowedBy: ['from-world:ingress[0]'] },
  },
  {
    name: 'fromEntities world does not admit pods',
    source: 'CODE pkg/policy/api/entity.go (world)',
    yaml: cnp('from-world', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [world]'),
    flow: ['other/app=x', 'shop/app=api', 443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'fromEntities cluster admits pods of every namespace',
    source: 'CODE pkg/policy/api/entity.go InitEntities (cluster: io.cilium.k8s.policy.cluster=<name>)',
    yaml: cnp('from-cluster', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [cluster]'),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'fromEntities cluster admits remote nodes',
    source: 'CODE pkg/policy/api/entity.go (cluster includes remote-node)',
    yaml: cnp('from-cluster', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [cluster]'),
    flow: ['remote-node', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'fromEntities cluster does not admit world',
    source: 'CODE pkg/policy/api/entity.go',
    yaml: cnp('from-cluster', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [cluster]'),
    flow: ['world:198.51.100.7', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'toEntities all reaches world',
    source: 'CODE pkg/policy/api/entity.go (all = wildcard)',
    yaml: cnp('to-all', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [all]'),
    flow: ['shop/app=api', 'world:1.1.1.1', 443],
    expect: { verdict: 'allowed', egressEnforced: true, ingressEnforced: false },
  },
  {
    name: 'toEntities kube-apiserver reaches the API server',
    source: 'DOC language "Entities Based" (kube-apiserver)',
    yaml: cnp('to-api', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [kube-apiserver]'),
    flow: ['shop/app=api', 'kube-apiserver', 6443],
    expect: { verdict: 'allowed', allowedBy: ['to-api:egress[0]'] },
  },
  {
    name: 'toEntities kube-apiserver does not reach world',
    source: 'DOC language "Entities Based"',
    yaml: cnp('to-api', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [kube-apiserver]'),
    flow: ['shop/app=api', 'world:1.1.1.1', 443],
    expect: { verdict: 'denied', egress: 'denied' },
  },
  {
    name: 'fromEntities health admits the health identity',
    source: 'CODE pkg/policy/api/entity.go (health)',
    yaml: cnp('probe', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [health]'),
    flow: ['health', 'shop/app=api', 8080],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'toEntities host does not reach remote nodes',
    source: 'CODE pkg/policy/api/entity.go (host = local node only)',
    yaml: cnp('to-host', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [host]'),
    flow: ['shop/app=api', 'remote-node', 10250],
    expect: { verdict: 'denied', egress: 'denied' },
  },
  {
    name: 'fromEntities none selects nothing',
    source: 'CODE pkg/policy/api/entity.go (none)',
    yaml: cnp('none', 'shop', 'endpointSelector: {}\ningress:\n  - fromEntities: [none]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'world-ipv4 does not select an IPv6 address',
    source: 'CODE pkg/policy/api/entity.go (world-ipv4 / world-ipv6)',
    yaml: cnp('v4', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [world-ipv4]'),
    flow: ['shop/app=api', 'world:2001:db8::1', 443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'an external kube-apiserver is matched by toEntities world',
    source:
      'cilium/cilium pkg/ipcache/metadata.go resolveIdentity (outside addresses get world/CIDR labels); issue #25241',
    yaml: cnp('to-world', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [world]'),
    flow: ['shop/app=api', 'kube-apiserver', 443],
    expect: { verdict: 'allowed', allowedBy: ['to-world:egress[0]'] },
  },
  {
    name: 'an external kube-apiserver is matched by a CIDR rule covering its address',
    source: 'cilium/cilium pkg/ipcache/metadata.go resolveIdentity',
    yaml: cnp('cidr', 'shop', 'endpointSelector: {}\negress:\n  - toCIDR: [10.0.0.0/8]'),
    flow: ['shop/app=api', 'kube-apiserver:10.2.3.4', 443],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'a kube-apiserver on cluster nodes is remote-node, not world',
    source:
      'docs/semantics.md §4 note 4 (apiserver on a remote control-plane node: remote-node + kube-apiserver)',
    yaml: cnp('to-world', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [world]'),
    settings: { kubeAPIServer: 'nodes' },
    flow: ['shop/app=api', 'kube-apiserver', 6443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'a kube-apiserver on cluster nodes is matched by toEntities remote-node',
    source: 'docs/semantics.md §4 note 4',
    yaml: cnp('to-nodes', 'shop', 'endpointSelector: {}\negress:\n  - toEntities: [remote-node]'),
    settings: { kubeAPIServer: 'nodes' },
    flow: ['shop/app=api', 'kube-apiserver', 6443],
    expect: { verdict: 'allowed' },
  },
  // ---- CIDR ----
  {
    name: 'toCIDR admits an address inside the block',
    source: 'DOC language "IP/CIDR based"',
    yaml: cnp('cidr', 'shop', 'endpointSelector: {}\negress:\n  - toCIDR: [10.0.0.0/8]'),
    flow: ['shop/app=api', 'world:10.1.2.3', 443],
    expect: { verdict: 'allowed', allowedBy: ['cidr:egress[0]'] },
  },
  {
    name: 'toCIDR denies an address outside the block',
    source: 'DOC language "IP/CIDR based"',
    yaml: cnp('cidr', 'shop', 'endpointSelector: {}\negress:\n  - toCIDR: [10.0.0.0/8]'),
    flow: ['shop/app=api', 'world:11.0.0.1', 443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'toCIDRSet except carves out addresses',
    source: 'DOC language "IP/CIDR based" (toCIDRSet except)',
    yaml: cnp(
      'cidrset',
      'shop',
      'endpointSelector: {}\negress:\n  - toCIDRSet: [{ cidr: 10.0.0.0/8, except: [10.96.0.0/12] }]',
    ),
    flow: ['shop/app=api', 'world:10.96.0.10', 443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'toCIDR never selects pods',
    source: 'DOC language "IP/CIDR based" (CIDR rules apply to endpoints not managed by Cilium)',
    yaml: cnp('cidr', 'shop', 'endpointSelector: {}\negress:\n  - toCIDR: [0.0.0.0/0]'),
    flow: ['shop/app=api', 'db/app=pg', 5432],
    expect: { verdict: 'denied', egress: 'denied' },
  },
  {
    name: 'fromCIDR does not select nodes by default',
    source: 'DOC language "IP/CIDR based" (policy-cidr-match-mode)',
    yaml: cnp('nodes', 'shop', 'endpointSelector: {}\ningress:\n  - fromCIDR: [10.0.0.0/8]'),
    flow: ['remote-node:10.0.0.5', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'fromCIDR selects nodes with policyCIDRMatchMode nodes',
    source: 'DOC language "IP/CIDR based" (policy-cidr-match-mode=nodes)',
    yaml: cnp('nodes', 'shop', 'endpointSelector: {}\ningress:\n  - fromCIDR: [10.0.0.0/8]'),
    settings: { policyCIDRMatchMode: ['nodes'] },
    flow: ['remote-node:10.0.0.5', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'an IPv4 CIDR does not admit an IPv6 address',
    source: 'DOC language "IP/CIDR based"',
    yaml: cnp('cidr', 'shop', 'endpointSelector: {}\negress:\n  - toCIDR: [0.0.0.0/0]'),
    flow: ['shop/app=api', 'world:2001:db8::1', 443],
    expect: { verdict: 'denied' },
  },
  // ---- Ports ----
  {
    name: 'toPorts 80/TCP: port 80 TCP allowed',
    source: 'DOC language "Layer 4 Examples"',
    yaml: cnp(
      'p80',
      'shop',
      'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]',
    ),
    flow: ['shop/app=api', 'world:1.1.1.1', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'toPorts 80/TCP: port 443 denied',
    source: 'DOC language "Layer 4 Examples"',
    yaml: cnp(
      'p80',
      'shop',
      'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]',
    ),
    flow: ['shop/app=api', 'world:1.1.1.1', 443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'toPorts 80/TCP: UDP 80 denied',
    source: 'DOC language "Layer 4 Examples"',
    yaml: cnp(
      'p80',
      'shop',
      'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "80", protocol: TCP }] }]',
    ),
    flow: ['shop/app=api', 'world:1.1.1.1', 80, 'UDP'],
    expect: { verdict: 'denied' },
  },
  {
    name: 'omitted protocol is ANY: UDP allowed',
    source: 'CODE pkg/policy/rule.go mergeEgress (ProtoAny expands to TCP, UDP, SCTP)',
    yaml: cnp('any', 'shop', 'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "53" }] }]'),
    flow: ['shop/app=api', 'world:1.1.1.1', 53, 'UDP'],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'omitted protocol is ANY: SCTP allowed',
    source: 'CODE pkg/policy/rule.go mergeEgress (ProtoAny expands to TCP, UDP, SCTP)',
    yaml: cnp('any', 'shop', 'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "53" }] }]'),
    flow: ['shop/app=api', 'world:1.1.1.1', 53, 'SCTP'],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'port 0 means every port of the protocol',
    source: 'CODE pkg/policy/api/l4.go PortProtocol (port 0 = all ports)',
    yaml: cnp(
      'p0',
      'shop',
      'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "0", protocol: TCP }] }]',
    ),
    flow: ['shop/app=api', 'world:1.1.1.1', 31337],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'endPort range: last port allowed',
    source: 'DOC language "Layer 4 Examples" (port ranges, endPort)',
    yaml: cnp(
      'range',
      'shop',
      'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "8000", endPort: 8080, protocol: TCP }] }]',
    ),
    flow: ['shop/app=api', 'world:1.1.1.1', 8080],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'endPort range: port past the range denied',
    source: 'DOC language "Layer 4 Examples" (port ranges, endPort)',
    yaml: cnp(
      'range',
      'shop',
      'endpointSelector: {}\negress:\n  - toPorts: [{ ports: [{ port: "8000", endPort: 8080, protocol: TCP }] }]',
    ),
    flow: ['shop/app=api', 'world:1.1.1.1', 8081],
    expect: { verdict: 'denied' },
  },
  {
    name: 'named port resolves on the destination workload',
    source: 'DOC language "Layer 4 Examples" (named ports)',
    yaml:
      cnp(
        'named',
        'shop',
        'endpointSelector: { matchLabels: { app: api } }\ningress:\n  - toPorts: [{ ports: [{ port: http }] }]',
      ) +
      `
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: api
          ports: [{ name: http, containerPort: 8080 }]
`,
    flow: ['shop/app=web', 'shop/app=api', 8080],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'named port does not admit another port',
    source: 'DOC language "Layer 4 Examples" (named ports)',
    yaml:
      cnp(
        'named',
        'shop',
        'endpointSelector: { matchLabels: { app: api } }\ningress:\n  - toPorts: [{ ports: [{ port: http }] }]',
      ) +
      `
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: api
          ports: [{ name: http, containerPort: 8080 }]
`,
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'an L3-only rule admits ICMP',
    source: 'DOC language "Layer 4 Examples" (no L4 policy: all ports and ICMP)',
    yaml: webIngress,
    flow: ['shop/app=web', 'shop/app=api', 8, 'ICMP'],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'a toPorts rule blocks ICMP',
    source: 'DOC language "Layer 4 Examples" (with L4 policy, ICMP is blocked unless allowed)',
    yaml: cnp('p80', 'shop', 'endpointSelector: {}\ningress:\n  - toPorts: [{ ports: [{ port: "80" }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 8, 'ICMP'],
    expect: { verdict: 'denied' },
  },
  {
    name: 'icmps type 8 admits echo requests',
    source: 'DOC language "ICMP/ICMPv6"',
    yaml: cnp(
      'icmp',
      'shop',
      'endpointSelector: {}\ningress:\n  - icmps: [{ fields: [{ type: 8, family: IPv4 }] }]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 8, 'ICMP'],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'icmps by CamelCase name (EchoRequest = 128 for IPv6)',
    source: 'CODE pkg/policy/api/icmp.go (type names)',
    yaml: cnp(
      'icmp6',
      'shop',
      'endpointSelector: {}\ningress:\n  - icmps: [{ fields: [{ type: EchoRequest, family: IPv6 }] }]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 128, 'ICMPv6'],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'an icmps-only rule does not admit TCP',
    source: 'CODE pkg/policy/rule.go mergeIngress (icmps are L4 rules)',
    yaml: cnp('icmp', 'shop', 'endpointSelector: {}\ningress:\n  - icmps: [{ fields: [{ type: 8 }] }]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'icmps entries without fields allow nothing: not every port',
    source:
      'CODE pkg/policy/api/icmp.go ICMPRule.GetPortRule (no fields: a port rule without ports); pkg/policy/utils RulesToPolicyEntries (appended to L4, so not L3-only); policy simulator flattenMatchingL4 (no port matches)',
    yaml: cnp(
      'icmp-empty',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]\n    icmps: [{}]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'icmps entries without fields do not admit ICMP either',
    source: 'CODE pkg/policy/api/icmp.go ICMPRule.GetPortRule; policy simulator flattenMatchingL4',
    yaml: cnp(
      'icmp-empty',
      'shop',
      'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]\n    icmps: [{ fields: [] }]',
    ),
    flow: ['shop/app=web', 'shop/app=api', 8, 'ICMP'],
    expect: { verdict: 'denied' },
  },
  {
    name: 'icmps: [] is the same as no icmps (L3-only)',
    source:
      'CODE pkg/policy/utils RulesToPolicyEntries (empty L4 = L3-only; policy simulator findEntries len(entry.L4) == 0)',
    yaml: cnp('icmp-none', 'shop', 'endpointSelector: {}\ningress:\n  - fromEndpoints: [{}]\n    icmps: []'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  // ---- L7 and FQDN ----
  {
    name: 'HTTP rules admit the L4 flow, reported as L7-filtered',
    source: 'DOC language "Layer 7 Examples" (L7 rules redirect to the proxy)',
    yaml: cnp(
      'http',
      'shop',
      `
endpointSelector: { matchLabels: { app: api } }
ingress:
  - fromEndpoints: [{ matchLabels: { app: web } }]
    toPorts:
      - ports: [{ port: "80", protocol: TCP }]
        rules: { http: [{ method: GET, path: "/public" }] }
`,
    ),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', notes: ['L7-filtered (http)'] },
  },
  {
    name: 'toFQDNs matchName admits the named address',
    source: 'DOC language "DNS based" (toFQDNs selects IPs returned for the name)',
    yaml: cnp(
      'fqdn',
      'shop',
      `endpointSelector: {}\negress:\n  - toFQDNs: [{ matchName: api.github.com }]\n${DNS_RULE}`,
    ),
    flow: ['shop/app=api', 'world:api.github.com=140.82.112.5', 443],
    expect: { verdict: 'allowed', notes: ['FQDN-matched'] },
  },
  {
    name: 'toFQDNs without a DNS L7 rule selects nothing (the DNS proxy never sees the lookup)',
    source:
      'DOC language "DNS based" (toFQDNs needs a DNS rule for the proxy to learn IPs); cilium/cilium issue #32567',
    yaml: cnp('fqdn', 'shop', 'endpointSelector: {}\negress:\n  - toFQDNs: [{ matchName: api.github.com }]'),
    flow: ['shop/app=api', 'world:api.github.com=140.82.112.5', 443],
    expect: { verdict: 'denied', egress: 'denied' },
  },
  {
    name: 'toFQDNs does not admit an address with no matching name',
    source: 'DOC language "DNS based"',
    yaml: cnp(
      'fqdn',
      'shop',
      `endpointSelector: {}\negress:\n  - toFQDNs: [{ matchName: api.github.com }]\n${DNS_RULE}`,
    ),
    flow: ['shop/app=api', 'world:140.82.112.5', 443],
    expect: { verdict: 'denied' },
  },
  {
    name: 'toFQDNs matchPattern *.example.com admits a subdomain',
    source: 'DOC language "DNS based" (matchPattern)',
    yaml: cnp(
      'pattern',
      'shop',
      `endpointSelector: {}\negress:\n  - toFQDNs: [{ matchPattern: "*.example.com" }]\n${DNS_RULE}`,
    ),
    flow: ['shop/app=api', 'world:www.example.com=93.184.216.34', 443],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'toFQDNs matchPattern *.example.com does not admit the apex',
    source: 'DOC language "DNS based" (matchPattern)',
    yaml: cnp(
      'pattern',
      'shop',
      `endpointSelector: {}\negress:\n  - toFQDNs: [{ matchPattern: "*.example.com" }]\n${DNS_RULE}`,
    ),
    flow: ['shop/app=api', 'world:example.com=93.184.216.34', 443],
    expect: { verdict: 'denied' },
  },
  // ---- Both sides ----
  {
    name: 'egress allowed but destination ingress denies',
    source: 'DOC intro: a flow needs egress of the source and ingress of the destination',
    yaml:
      cnp(
        'shop-out',
        'shop',
        'endpointSelector: {}\negress:\n  - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: db } }]',
      ) + cnp('db-in', 'db', 'endpointSelector: {}\ningress: [{}]'),
    flow: ['shop/app=api', 'db/app=pg', 5432],
    expect: { verdict: 'denied', egress: 'allowed', ingress: 'denied' },
  },
  {
    name: 'egress denied while the destination is open',
    source: 'DOC intro: a flow needs both sides',
    yaml: cnp('shop-out', 'shop', 'endpointSelector: {}\negress: [{}]'),
    flow: ['shop/app=api', 'db/app=pg', 5432],
    expect: { verdict: 'denied', egress: 'denied', ingress: 'allowed', ingressEnforced: false },
  },
  // ---- allow-localhost ----
  {
    name: 'the local host reaches its pods whatever the policy (allow-localhost)',
    source:
      'CODE pkg/option/config.go AllowLocalhost (auto → always); pkg/policy/rule.go AlwaysAllowLocalhost',
    yaml: cnp('deny-all', 'shop', 'endpointSelector: {}\ningress: [{}]'),
    flow: ['host', 'shop/app=api', 8080],
    expect: { verdict: 'allowed', ingress: 'allowed' },
  },
  {
    name: 'with allowLocalhost false the host is subject to policy',
    source: 'CODE pkg/option/config.go AllowLocalhost (policy)',
    yaml: cnp('deny-all', 'shop', 'endpointSelector: {}\ningress: [{}]'),
    settings: { allowLocalhost: false },
    flow: ['host', 'shop/app=api', 8080],
    expect: { verdict: 'denied' },
  },
  {
    name: 'allow-localhost does not cover remote nodes',
    source: 'CODE pkg/option/config.go AllowLocalhost (local host only)',
    yaml: cnp('deny-all', 'shop', 'endpointSelector: {}\ningress: [{}]'),
    flow: ['remote-node', 'shop/app=api', 8080],
    expect: { verdict: 'denied' },
  },
  // ---- Kubernetes NetworkPolicy ----
  {
    name: 'NetworkPolicy policyTypes Ingress with no rules denies all ingress',
    source: 'Kubernetes docs "Network Policies" (default deny); CODE pkg/k8s/network_policy.go',
    yaml: knp('deny', 'shop', 'podSelector: {}\npolicyTypes: [Ingress]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingressEnforced: true },
  },
  {
    name: 'NetworkPolicy podSelector peer: same namespace only',
    source: 'Kubernetes docs "Network Policies" (podSelector peer)',
    yaml: knp(
      'web',
      'shop',
      'podSelector: {}\ningress:\n  - from: [{ podSelector: { matchLabels: { app: web } } }]',
    ),
    flow: ['other/app=web', 'shop/app=api', 80],
    expect: { verdict: 'denied' },
  },
  {
    name: 'NetworkPolicy namespaceSelector peer',
    source: 'Kubernetes docs "Network Policies" (namespaceSelector); CODE pkg/k8s/network_policy.go',
    yaml: knp(
      'team-b',
      'shop',
      'podSelector: {}\ningress:\n  - from: [{ namespaceSelector: { matchLabels: { team: b } } }]',
    ),
    flow: ['db/app=pg', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['team-b:ingress[0]'] },
  },
  {
    name: 'NetworkPolicy empty namespaceSelector: every namespace',
    source: 'Kubernetes docs "Network Policies" (namespaceSelector {})',
    yaml: knp('all-ns', 'shop', 'podSelector: {}\ningress:\n  - from: [{ namespaceSelector: {} }]'),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'NetworkPolicy port without protocol is TCP: UDP denied',
    source: 'Kubernetes API NetworkPolicyPort (protocol defaults to TCP)',
    yaml: knp('dns', 'shop', 'podSelector: {}\ningress:\n  - ports: [{ port: 53 }]'),
    flow: ['shop/app=web', 'shop/app=api', 53, 'UDP'],
    expect: { verdict: 'denied' },
  },
  {
    name: 'NetworkPolicy ipBlock with except',
    source: 'Kubernetes docs "Network Policies" (ipBlock)',
    yaml: knp(
      'ipblock',
      'shop',
      'podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ ipBlock: { cidr: 10.0.0.0/8, except: [10.1.0.0/16] } }]',
    ),
    flow: ['shop/app=api', 'world:10.1.0.1', 443],
    expect: { verdict: 'denied', egress: 'denied' },
  },
  {
    name: 'NetworkPolicy ingress: [{}] allows everything, world included',
    source: 'Kubernetes docs "Network Policies" (allow all ingress)',
    yaml: knp('allow-all', 'shop', 'podSelector: {}\ningress: [{}]'),
    flow: ['world:203.0.113.1', 'shop/app=api', 80],
    expect: { verdict: 'allowed' },
  },
  {
    name: 'NetworkPolicy and CiliumNetworkPolicy allows add up',
    source: 'DESIGN §4; DOC kubernetes (Cilium enforces both kinds together)',
    yaml:
      knp(
        'web',
        'shop',
        'podSelector: {}\ningress:\n  - from: [{ podSelector: { matchLabels: { app: web } } }]',
      ) + webIngress.replace('app: web', 'app: cron'),
    flow: ['shop/app=cron', 'shop/app=api', 80],
    expect: { verdict: 'allowed', allowedBy: ['api-from-web:ingress[0]'] },
  },
  {
    name: 'NetworkPolicy ingress rules apply even when policyTypes lists only Egress',
    source:
      'CODE pkg/k8s/network_policy.go ParseNetworkPolicy (converts spec.ingress regardless of policyTypes)',
    yaml: knp(
      'egress-typed',
      'shop',
      'podSelector: {}\npolicyTypes: [Egress]\ningress:\n  - from: [{ podSelector: { matchLabels: { app: web } } }]\negress: [{}]',
    ),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'denied', ingress: 'denied', ingressEnforced: true },
  },
  {
    name: 'NetworkPolicy policyTypes [Egress] without ingress rules leaves ingress open',
    source:
      'CODE pkg/k8s/network_policy.go ParseNetworkPolicy (ingress default deny only with Ingress or without Egress)',
    yaml: knp('egress-only', 'shop', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{}]'),
    flow: ['other/app=x', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
  {
    name: 'NetworkPolicy policyTypes Egress with no rules denies all egress',
    source: 'Kubernetes docs "Network Policies" (default deny egress)',
    yaml: knp('deny-egress', 'shop', 'podSelector: {}\npolicyTypes: [Egress]'),
    flow: ['shop/app=api', 'world:1.1.1.1', 443],
    expect: { verdict: 'denied', egressEnforced: true },
  },
  // ---- The cilium-health endpoint ----
  {
    name: 'a CCNP with endpointSelector {} also selects the health endpoint (its egress is denied)',
    source:
      'cilium/cilium PR #11099 / #12199 (CCNPs can select reserved:health); examples clusterwide/health.yaml',
    yaml: ccnp('egress-deny-all', 'endpointSelector: {}\negress: [{}]'),
    flow: ['health', 'shop/app=api', 4240],
    expect: { verdict: 'denied', egress: 'denied', egressEnforced: true },
  },
  {
    name: 'a CCNP selecting reserved:health lets the health endpoint reach out',
    source: 'Cilium examples kubernetes/clusterwide/health.yaml',
    yaml:
      ccnp('egress-deny-all', 'endpointSelector: {}\negress: [{}]') +
      ccnp(
        'health',
        'endpointSelector: { matchLabels: { "reserved:health": "" } }\negress:\n  - toEntities: [cluster]',
      ),
    flow: ['health', 'shop/app=api', 4240],
    expect: { verdict: 'allowed', allowedBy: ['health:egress[0]'] },
  },
  {
    name: 'a CNP never selects the health endpoint (namespace injection)',
    source: 'CODE utils.go ParseToCiliumRule (CNP endpointSelector gets the policy namespace)',
    yaml: cnp('deny', 'shop', 'endpointSelector: {}\negress: [{}]'),
    flow: ['health', 'other/app=x', 4240],
    expect: { verdict: 'allowed', egressEnforced: false },
  },
  {
    name: 'the Cilium Ingress endpoint is selected by a CCNP with endpointSelector {}',
    source: 'Cilium docs servicemesh "Ingress and network policy" (the ingress endpoint enforces CCNPs)',
    yaml: ccnp('egress-deny-all', 'endpointSelector: {}\negress: [{}]'),
    flow: ['ingress', 'shop/app=api', 8080],
    expect: { verdict: 'denied', egress: 'denied', egressEnforced: true },
  },
  // ---- Host policies ----
  {
    name: 'a nodeSelector (host firewall) policy does not select pods',
    source: 'DOC language "Host Policies" (nodeSelector applies to the host endpoint)',
    yaml: ccnp('host-fw', 'nodeSelector: {}\ningress: [{}]'),
    flow: ['shop/app=web', 'shop/app=api', 80],
    expect: { verdict: 'allowed', ingressEnforced: false },
  },
];

describe('PolicyEngine.verdict (semantics table)', () => {
  it('has at least 60 cases, each citing its source', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const c of cases) expect(c.source.length).toBeGreaterThan(5);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name', (c) => {
    const engine = engineFor(c.yaml, c.settings);
    const v = engine.verdict(flow(c.flow[0], c.flow[1], c.flow[2], c.flow[3]));
    const s = summary(v);
    const want: Record<string, unknown> = { verdict: c.expect.verdict };
    for (const k of ['egress', 'ingress', 'egressEnforced', 'ingressEnforced'] as const) {
      if (c.expect[k] !== undefined) want[k] = c.expect[k];
    }
    if (c.expect.allowedBy) want.allowedBy = c.expect.allowedBy;
    if (c.expect.deniedBy) want.deniedBy = c.expect.deniedBy;
    expect(s).toMatchObject(want);
    if (c.expect.notes) expect(s.notes).toEqual(expect.arrayContaining([...c.expect.notes]));
  });
});

describe('PolicyEngine.withNamespaceLabels', () => {
  const yaml = `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: grant }
spec:
  endpointSelector: { matchLabels: { io.cilium.k8s.namespace.labels.access/pg: "true" } }
  egress:
    - toEndpoints: [{ matchLabels: { io.kubernetes.pod.namespace: db } }]
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: deny-all-egress }
spec:
  endpointSelector: {}
  egress: [{}]
`;
  it('answers what-if questions on namespace labels without changing the original', () => {
    const engine = engineFor(yaml);
    const f = flow('shop/app=web', 'db/app=pg', 5432);
    expect(engine.verdict(f).verdict).toBe('denied');
    const view = engine.withNamespaceLabels({
      shop: { ...engine.labelsOfNamespace('shop'), 'access/pg': 'true' },
    });
    expect(view.verdict(f)).toMatchObject({ verdict: 'allowed', egress: { allowedBy: [{ name: 'grant' }] } });
    expect(engine.verdict(f).verdict).toBe('denied');
  });

  it('shares the labels it does not override, also in a view of a view, and adds unknown namespaces', () => {
    const engine = engineFor(`${yaml}
---
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: a } }
`);
    const view = engine.withNamespaceLabels({ db: { team: 'b' } });
    const nested = view.withNamespaceLabels({ shop: { team: 'c', 'access/pg': 'true' } });
    expect([view.hasNamespace('shop'), nested.hasNamespace('db'), nested.hasNamespace('nowhere')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(view.labelsOfNamespace('shop')).toEqual({ 'kubernetes.io/metadata.name': 'shop', team: 'a' });
    expect(nested.labelsOfNamespace('db')).toEqual({ team: 'b' });
    expect(nested.labelsOfNamespace('shop')).toEqual({ team: 'c', 'access/pg': 'true' });
    expect(view.labelsOfNamespace('shop')).toEqual({ 'kubernetes.io/metadata.name': 'shop', team: 'a' });
    expect(nested.labelsOfNamespace('nowhere')).toEqual({ 'kubernetes.io/metadata.name': 'nowhere' });
    const f = flow('shop/app=web', 'db/app=pg', 5432);
    expect([engine, view, nested].map((e) => e.verdict(f).verdict)).toEqual(['denied', 'denied', 'allowed']);
  });
});
