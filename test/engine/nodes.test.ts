import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/repo/config.js';
import type { ClusterSettings } from '../../src/repo/model.js';
import { checkSemanticsCase, engineFor, flow, type SemanticsCase } from '../helpers/engine.js';

/**
 * `fromNodes`/`toNodes` with node labels from Node objects and `cluster.nodes`, and host-firewall verdicts for
 * `host` and `remote-node` under `cluster.hostFirewall: true`.
 * Sources: NODES = Cilium docs security/policy/language "Node based" (fromNodes/toNodes select nodes by their
 * labels; example customnodes.yaml selects control-plane nodes); GNS = cilium/cilium
 * pkg/k8s/apis/cilium.io/utils getNodeSelector (the node selector plus `reserved:remote-node`: remote nodes
 * only, never the local host); HP = docs language "Host Policies" (CCNP with nodeSelector, applies to the
 * selected nodes' host namespace, L3/L4 only); HF = docs security/host-firewall (demo-host-policy; the host
 * endpoint carries its node's labels and `reserved:host`; traffic not allowed is dropped); LH =
 * cilium/cilium pkg/policy resolve (`determineAllowLocalhostIngress` only for endpoints that are not the
 * host); ENT = pkg/policy/api/entity.go (`cluster` covers remote-node and every local pod); HUB = Hubble's flow
 * (api/v1/flow/flow.proto: an Endpoint has no node name, so a remote-node side is known by its IP only, and the
 * flow's `node_name` is the observing node); CNPNS = cilium/cilium pkg/k8s/apis/cilium.io/v2 cnp_types.go
 * (CiliumNetworkPolicy).Parse: "Invalid CiliumNetworkPolicy spec: rule cannot have NodeSelector", the whole
 * policy is rejected (code of 1.16 to main; a host policy must be a CCNP); HL7 = cilium/cilium pkg/policy/api
 * rule_validation.go, IngressRule/EgressRule Validate(hostPolicy): "L7 policy is not supported on host ingress
 * yet", "L7 protocol HTTP is not supported on host egress yet" (HTTP and Kafka; DNS rules are accepted on host
 * egress), the whole policy is rejected (code of 1.16 to main); LF = cilium/cilium pkg/labelsfilter
 * defaultLabelPrefixCfg (`!kubernetes\.io`, anchored at the key's start, so `node-role.kubernetes.io/…` stays)
 * applied to the host endpoint's node labels in pkg/endpoint InitWithNodeLabels (PR #10994); not confirmed
 * for every agent setting, so a caveat and no change of verdict.
 */

const nodes = `
apiVersion: v1
kind: Node
metadata: { name: cp-1, labels: { node-role.kubernetes.io/control-plane: "" } }
status: { addresses: [{ type: InternalIP, address: 192.168.1.10 }] }
---
apiVersion: v1
kind: Node
metadata: { name: worker-1, labels: { node-access: ssh } }
---`;

const fromControlPlane = `${nodes}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: from-cp, namespace: shop }
spec:
  endpointSelector: {}
  ingress:
    - fromNodes:
        - matchLabels: { node-role.kubernetes.io/control-plane: "" }
---`;

const toZoneB = `${nodes}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: to-zone-b, namespace: shop }
spec:
  endpointSelector: {}
  egress:
    - toNodes:
        - matchLabels: { zone: b }
---`;

const hostPolicy = `${nodes}
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: demo-host-policy }
spec:
  nodeSelector: { matchLabels: { node-access: ssh } }
  ingress:
    - fromEntities: [cluster]
    - toPorts: [{ ports: [{ port: "22", protocol: TCP }] }]
  egress:
    - toEntities: [cluster]
---`;

const allNodesPolicy = `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: all-hosts }
spec:
  nodeSelector: {}
  ingress:
    - fromEntities: [remote-node]
---`;

const namespacedHostPolicy = `${nodes}
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: cnp-node, namespace: shop }
spec:
  nodeSelector: { matchLabels: { node-access: ssh } }
  ingress:
    - fromEntities: [world]
---`;

const hostIngressHttp = `${nodes}
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: host-l7 }
spec:
  nodeSelector: {}
  ingress:
    - fromEntities: [cluster]
      toPorts:
        - ports: [{ port: "80", protocol: TCP }]
          rules:
            http: [{ method: GET }]
---`;

const hostEgress = (port: string, rules: string) => `${nodes}
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: host-egress-l7 }
spec:
  nodeSelector: {}
  egress:
    - toEntities: [cluster]
      toPorts:
        - ports: [{ port: "${port}", protocol: TCP }]
          rules:
            ${rules}
---`;

const hostPolicyBy = (key: string) => `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: { name: by-label }
spec:
  nodeSelector: { matchLabels: { ${key}: "x" } }
  ingress:
    - fromEntities: [cluster]
---`;

const WORKER_2 = { name: 'worker-2', labels: { 'node-access': 'ssh', zone: 'b' }, addresses: [] };
const FIREWALL: Partial<ClusterSettings> = { hostFirewall: true, nodes: [WORKER_2] };

const CASES: readonly SemanticsCase[] = [
  {
    name: 'fromNodes admits a remote node whose Node object has the label',
    source: 'NODES (customnodes.yaml); GNS',
    yaml: fromControlPlane,
    flow: ['remote-node@cp-1', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'fromNodes does not admit a node without the label',
    source: 'NODES',
    yaml: fromControlPlane,
    flow: ['remote-node@worker-1', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'fromNodes never selects the local host',
    source: 'GNS (reserved:remote-node)',
    yaml: fromControlPlane,
    settings: { allowLocalhost: false },
    flow: ['host@cp-1', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'an unnamed remote node has no labels, and the verdict says so',
    source: 'NODES (labels come from the Node)',
    yaml: fromControlPlane,
    flow: ['remote-node', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: 'the remote node is not named (trace remote-node@NODE)',
  },
  {
    name: 'a node in neither the repository nor cluster.nodes is traced without labels',
    source: 'NODES',
    yaml: fromControlPlane,
    flow: ['remote-node@ghost', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: 'node "ghost" is neither a Node object in the repository nor in cluster.nodes',
  },
  {
    name: 'toNodes selects a node described in cluster.nodes',
    source: 'NODES; GNS',
    yaml: toZoneB,
    settings: { nodes: [WORKER_2] },
    flow: ['shop/app=api', 'remote-node@worker-2', 10250],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'toNodes does not select a node whose labels differ',
    source: 'NODES',
    yaml: toZoneB,
    settings: { nodes: [WORKER_2] },
    flow: ['shop/app=api', 'remote-node@worker-1', 10250],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'a host policy admits the port it lists from outside the cluster',
    source: 'HF (demo-host-policy: TCP/22 from anywhere)',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['world:203.0.113.5', 'host@worker-1', 22],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'a host policy drops what it does not allow',
    source: 'HF ("Communications that are not explicitly allowed by the host policy are now dropped")',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['world:203.0.113.5', 'host@worker-1', 6443],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'a host policy applies only to the nodes its nodeSelector selects',
    source: 'HP',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['world:203.0.113.5', 'host@cp-1', 6443],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'a node from cluster.nodes is selected by its labels',
    source: 'HP; HF (the host endpoint carries its node labels)',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['world:203.0.113.5', 'host@worker-2', 6443],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'pods reach the host through fromEntities: cluster',
    source: 'HF; ENT',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['shop/app=api', 'host@worker-1', 10250],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: "another node's host arrives as remote-node at the selected node",
    source: 'HF; ENT (cluster covers remote-node)',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['host@cp-1', 'remote-node@worker-1', 6443],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'host@a → host@b is evaluated as host@a → remote-node@b, and the verdict says so',
    source: 'HF; ENT (every other node is remote-node); docs/semantics.md §11.5',
    yaml: `${nodes}${allNodesPolicy}`,
    settings: FIREWALL,
    flow: ['host@cp-1', 'host@worker-1', 22],
    verdict: 'allowed',
    caveat:
      "host@worker-1 is another node's host: seen from cp-1 it is remote-node, so the flow is evaluated as host@cp-1 → remote-node@worker-1",
  },
  {
    name: 'a node named as a remote node of itself is evaluated as written, with a caveat',
    source: 'ENT (remote-node: any node other than the local one)',
    yaml: `${nodes}${allNodesPolicy}`,
    settings: FIREWALL,
    flow: ['remote-node@worker-1', 'host@worker-1', 22],
    verdict: 'allowed',
    caveat: 'both sides are node worker-1, which is never a remote node of itself',
  },
  {
    name: "the host's egress is enforced by the host policy",
    source: 'HP (ingress and egress rules)',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['host@worker-1', 'world:1.1.1.1', 443],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: "the host's egress to the cluster is allowed",
    source: 'HP; ENT',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['host@worker-1', 'shop/app=api', 8080],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'without cluster.hostFirewall, host policies are not evaluated, and the verdict says so',
    source: 'HP (hostFirewall.enabled=true is required)',
    yaml: hostPolicy,
    flow: ['world:203.0.113.5', 'host@worker-1', 6443],
    verdict: 'allowed',
    caveat: 'cluster.hostFirewall is not set',
  },
  {
    name: 'an unnamed host is not selected by a label nodeSelector, and the verdict says so',
    source: 'HP',
    yaml: hostPolicy,
    settings: FIREWALL,
    flow: ['world:203.0.113.5', 'host', 6443],
    verdict: 'allowed',
    caveat: 'the node is not named (trace host@NODE or remote-node@NODE)',
  },
  {
    name: 'nodeSelector: {} selects every node, named or not',
    source: 'HP (an empty selector selects all nodes)',
    yaml: allNodesPolicy,
    settings: { hostFirewall: true },
    flow: ['world:203.0.113.5', 'host', 22],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'the local host has no ingress exception at its own host endpoint',
    source: 'LH (determineAllowLocalhostIngress is skipped for the host endpoint)',
    yaml: allNodesPolicy,
    settings: { hostFirewall: true },
    flow: ['host', 'host', 22],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'a remote node known only by its address (a Hubble flow side) takes the labels of the Node that has it',
    source: 'NODES; GNS; HUB (a remote-node side carries the node address, no node name)',
    yaml: fromControlPlane,
    flow: ['remote-node:192.168.1.10', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
  {
    name: 'an address no known node has leaves the remote node unnamed, and the verdict says so',
    source: 'NODES; HUB',
    yaml: fromControlPlane,
    flow: ['remote-node:192.168.1.99', 'shop/app=api', 80],
    verdict: 'denied',
    caveat: 'the remote node is not named (trace remote-node@NODE)',
  },
  {
    name: 'a host known only by its address is the node that has it',
    source: 'HP; HF; HUB',
    yaml: hostPolicy,
    settings: { hostFirewall: true, nodes: [{ ...WORKER_2, addresses: ['10.0.0.2'] }] },
    flow: ['world:203.0.113.5', 'host:10.0.0.2', 6443],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'a host policy selecting by a label the default identity filter drops applies, with a caveat',
    source: 'LF',
    yaml: hostPolicyBy('kubernetes.io/os'),
    settings: {
      hostFirewall: true,
      nodes: [{ name: 'n1', labels: { 'kubernetes.io/os': 'x' }, addresses: [] }],
    },
    flow: ['world:203.0.113.5', 'host@n1', 22],
    verdict: 'denied',
    caveat:
      'CiliumClusterwideNetworkPolicy/by-label selects node n1 by "kubernetes.io/os", a label Cilium\'s default identity-label filter drops from the host endpoint (pkg/labelsfilter): with the default label configuration it would select no such node',
  },
  {
    name: 'a label under a longer kubernetes.io prefix is kept by the filter: no caveat',
    source: 'LF (the ignore pattern matches at the start of the key only)',
    yaml: hostPolicyBy('node-role.kubernetes.io/control-plane'),
    settings: {
      hostFirewall: true,
      nodes: [{ name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': 'x' }, addresses: [] }],
    },
    flow: ['world:203.0.113.5', 'host@n1', 22],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'a CiliumNetworkPolicy with a nodeSelector is rejected: it enforces nothing on the node',
    source: 'CNPNS',
    yaml: namespacedHostPolicy,
    settings: FIREWALL,
    flow: ['remote-node@cp-1', 'host@worker-1', 81],
    verdict: 'allowed',
    caveat: null,
    loaderErrors: ['BAD_VALUE'],
  },
  {
    name: 'a host policy with HTTP rules on ingress is rejected: it enforces nothing on the node',
    source: 'HL7 ("L7 policy is not supported on host ingress yet")',
    yaml: hostIngressHttp,
    settings: FIREWALL,
    flow: ['world:203.0.113.5', 'host@worker-1', 22],
    verdict: 'allowed',
    caveat: null,
    loaderErrors: ['BAD_VALUE'],
  },
  {
    name: 'a host policy with HTTP rules on egress is rejected',
    source: 'HL7 ("L7 protocol HTTP is not supported on host egress yet")',
    yaml: hostEgress('80', 'http: [{ method: GET }]'),
    settings: FIREWALL,
    flow: ['host@worker-1', 'world:1.1.1.1', 443],
    verdict: 'allowed',
    caveat: null,
    loaderErrors: ['BAD_VALUE'],
  },
  {
    name: 'a host policy with DNS rules on egress is accepted and enforces egress',
    source: 'HL7 (l7EgressSupport: DNS true for host policies)',
    yaml: hostEgress('53', 'dns: [{ matchPattern: "*" }]'),
    settings: FIREWALL,
    flow: ['host@worker-1', 'world:1.1.1.1', 443],
    verdict: 'denied',
    caveat: null,
  },
  {
    name: 'without node selectors, the labels of a node nobody describes do not matter: no caveat',
    source: 'ENT (fromEntities: remote-node selects every remote node by reserved:remote-node alone)',
    yaml: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: from-nodes, namespace: shop }
spec:
  endpointSelector: {}
  ingress:
    - fromEntities: [remote-node]
---`,
    flow: ['remote-node@ghost', 'shop/app=api', 80],
    verdict: 'allowed',
    caveat: null,
  },
];

describe('fromNodes/toNodes and host policies', () => {
  it.each(CASES)('$name [$source]', (c) => checkSemanticsCase(c, /node|host/i));

  it('names the host policy that decides', () => {
    const v = engineFor(hostPolicy, FIREWALL).verdict(flow('world:203.0.113.5', 'host@worker-1', 22));
    expect(v.ingress).toMatchObject({
      enforced: true,
      verdict: 'allowed',
      allowedBy: [{ kind: 'CiliumClusterwideNetworkPolicy', name: 'demo-host-policy', rule: 'ingress[1]' }],
    });
  });
});

describe('cluster.hostFirewall and cluster.nodes in netpol.config.yaml', () => {
  it('reads them, and reports a bad entry at its position', () => {
    const r = readConfig(
      'netpol.config.yaml',
      [
        'cluster:',
        '  hostFirewall: true',
        '  nodes:',
        '    - name: cp-1',
        '      labels: { node-role.kubernetes.io/control-plane: "", zone: 5 }',
        '      addresses: [192.168.1.10, nope]',
        '    - name: Bad_Name',
        '    - labels: { a: b }',
        '',
      ].join('\n'),
    );
    expect(r.settings.hostFirewall).toBe(true);
    expect(r.settings.nodes).toEqual([
      {
        name: 'cp-1',
        labels: { 'node-role.kubernetes.io/control-plane': '', zone: '5' },
        addresses: ['192.168.1.10'],
      },
    ]);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.source?.line, d.source?.column])).toEqual([
      ['CONFIG_INVALID', 'error', 6, 33],
      ['CONFIG_INVALID', 'error', 7, 13],
      ['CONFIG_INVALID', 'error', 8, 7],
    ]);
  });

  it('rejects a hostFirewall that is not a boolean', () => {
    const r = readConfig('netpol.config.yaml', 'cluster:\n  hostFirewall: yes-please\n');
    expect(r.settings.hostFirewall).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['CONFIG_INVALID', 'hostFirewall "yes-please" must be true or false.'],
    ]);
  });
});
