import { describe, expect, it } from 'vitest';
import {
  flowKey,
  localNodeName,
  parseIdentityLabels,
  podLabels,
  toEngineFlow,
  toEnginePeer,
  workloadName,
} from '../../src/hubble/to-engine.js';
import type { HubbleEndpoint, HubbleFlow } from '../../src/hubble/types.js';
import { fixtureFlow } from './helpers/fixtures.js';

// Identity labels: cilium/cilium pkg/k8s/apis/cilium.io/const.go (io.kubernetes.pod.namespace,
// io.cilium.k8s.namespace.labels.*, io.cilium.k8s.policy.*); reserved identities: pkg/identity/numericidentity.go.

describe('parseIdentityLabels', () => {
  it('splits source, key and value', () => {
    expect(
      parseIdentityLabels([
        'k8s:app=checkout',
        'reserved:world',
        'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop',
        'k8s:empty=',
        'cidr:10.0.0.0/8',
        'plain=x',
      ]),
    ).toEqual([
      { source: 'k8s', key: 'app', value: 'checkout' },
      { source: 'reserved', key: 'world', value: '' },
      { source: 'k8s', key: 'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name', value: 'shop' },
      { source: 'k8s', key: 'empty', value: '' },
      { source: 'cidr', key: '10.0.0.0/8', value: '' },
      { source: 'unspec', key: 'plain', value: 'x' },
    ]);
  });
});

describe('podLabels', () => {
  it('keeps the Pod labels and drops identity-only keys', () => {
    expect(podLabels(fixtureFlow('mixed.jsonl', 1).source)).toEqual({ app: 'checkout' });
  });
});

describe('toEnginePeer', () => {
  it.each<{ what: string; endpoint: HubbleEndpoint; ip?: string; names?: string[]; peer: object }>([
    {
      what: 'reserved:world with names',
      endpoint: { identity: 2, labels: ['reserved:world'] },
      ip: '1.2.3.4',
      names: ['example.com'],
      peer: { kind: 'world', ip: '1.2.3.4', names: ['example.com'] },
    },
    {
      what: 'reserved:world-ipv6',
      endpoint: { identity: 10, labels: ['reserved:world-ipv6'] },
      ip: '2001:db8::1',
      peer: { kind: 'world', ip: '2001:db8::1' },
    },
    {
      what: 'a CIDR identity (cidr: + reserved:world)',
      endpoint: { identity: 16777217, labels: ['cidr:52.94.0.0/16', 'reserved:world'] },
      ip: '52.94.1.1',
      peer: { kind: 'world', ip: '52.94.1.1' },
    },
    { what: 'no namespace but an IP', endpoint: {}, ip: '8.8.8.8', peer: { kind: 'world', ip: '8.8.8.8' } },
    {
      what: 'reserved:host',
      endpoint: { identity: 1, labels: ['reserved:host'] },
      ip: '172.18.0.3',
      peer: { kind: 'reserved', entity: 'host', ip: '172.18.0.3' },
    },
    {
      what: 'kube-apiserver wins over remote-node',
      endpoint: { identity: 7, labels: ['reserved:kube-apiserver', 'reserved:remote-node'] },
      peer: { kind: 'reserved', entity: 'kube-apiserver' },
    },
    {
      what: 'reserved:remote-node',
      endpoint: { labels: ['reserved:remote-node'] },
      peer: { kind: 'reserved', entity: 'remote-node' },
    },
    {
      what: 'reserved:health',
      endpoint: { labels: ['reserved:health'] },
      peer: { kind: 'reserved', entity: 'health' },
    },
    {
      what: 'reserved:init',
      endpoint: { labels: ['reserved:init'] },
      peer: { kind: 'reserved', entity: 'init' },
    },
    {
      what: 'reserved:ingress',
      endpoint: { labels: ['reserved:ingress'] },
      peer: { kind: 'reserved', entity: 'ingress' },
    },
    {
      what: 'reserved:unmanaged',
      endpoint: { labels: ['reserved:unmanaged'] },
      peer: { kind: 'reserved', entity: 'unmanaged' },
    },
    {
      what: 'identity 6 without labels',
      endpoint: { identity: 6 },
      peer: { kind: 'reserved', entity: 'remote-node' },
    },
    {
      what: 'identity 2 without labels',
      endpoint: { identity: 2 },
      ip: '9.9.9.9',
      peer: { kind: 'world', ip: '9.9.9.9' },
    },
    {
      what: 'a pod, with its service account',
      endpoint: {
        namespace: 'shop',
        labels: [
          'k8s:app=checkout',
          'k8s:io.kubernetes.pod.namespace=shop',
          'k8s:io.cilium.k8s.policy.serviceaccount=checkout-sa',
          'k8s:io.cilium.k8s.policy.cluster=default',
          'k8s:io.cilium.k8s.namespace.labels.team=payments',
        ],
      },
      ip: '10.0.0.1',
      peer: { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' }, serviceAccount: 'checkout-sa' },
    },
  ])('$what', ({ endpoint, ip, names, peer }) => {
    expect(toEnginePeer(endpoint, ip, names)).toEqual({ ok: true, peer });
  });

  it.each<{ what: string; endpoint: HubbleEndpoint | undefined; ip?: string; reason: string }>([
    {
      what: 'nothing at all',
      endpoint: undefined,
      reason: 'the peer has no namespace, no reserved label and no IP address',
    },
    {
      what: 'world without IP',
      endpoint: { labels: ['reserved:world'] },
      reason: 'the world peer has no IP address',
    },
    {
      what: 'an unknown reserved label',
      endpoint: { labels: ['reserved:encrypted-overlay'] },
      reason: 'the peer has reserved label "reserved:encrypted-overlay", which netpol does not model',
    },
  ])('fails for $what', ({ endpoint, ip, reason }) => {
    expect(toEnginePeer(endpoint, ip, undefined)).toEqual({ ok: false, reason });
  });
});

describe('toEngineFlow', () => {
  it.each<{ line: number; what: string; expected: object }>([
    {
      line: 1,
      what: 'pod → pod TCP',
      expected: {
        ok: true,
        reversed: false,
        flow: {
          source: { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' }, serviceAccount: 'checkout' },
          destination: {
            kind: 'pod',
            namespace: 'db',
            labels: { 'app.kubernetes.io/name': 'postgres' },
            serviceAccount: 'postgres',
          },
          protocol: 'TCP',
          port: 5432,
        },
      },
    },
    {
      line: 3,
      what: 'UDP DNS',
      expected: {
        ok: true,
        reversed: false,
        flow: {
          source: { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' } },
          destination: { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
          protocol: 'UDP',
          port: 53,
        },
      },
    },
    {
      line: 4,
      what: 'a reply, turned around',
      expected: {
        ok: true,
        reversed: true,
        flow: {
          source: { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' } },
          destination: { kind: 'pod', namespace: 'db', labels: { 'app.kubernetes.io/name': 'postgres' } },
          protocol: 'TCP',
          port: 5432,
        },
      },
    },
    {
      line: 5,
      what: 'pod → world with names',
      expected: {
        ok: true,
        reversed: false,
        flow: {
          source: { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' } },
          destination: { kind: 'world', ip: '52.94.236.248', names: ['api.stripe.com'] },
          protocol: 'TCP',
          port: 443,
        },
      },
    },
    {
      line: 6,
      what: 'host → pod (the host named after the observing node, node_name kind/kind-worker)',
      expected: {
        ok: true,
        reversed: false,
        flow: {
          source: { kind: 'reserved', entity: 'host', ip: '172.18.0.3', node: 'kind-worker' },
          destination: { kind: 'pod', namespace: 'shop', labels: { app: 'checkout' } },
          protocol: 'TCP',
          port: 8080,
        },
      },
    },
    {
      line: 7,
      what: 'ICMPv4 echo request',
      expected: {
        ok: true,
        reversed: false,
        flow: {
          source: { kind: 'pod', namespace: 'shop' },
          destination: { kind: 'pod', namespace: 'db' },
          protocol: 'ICMPv4',
          port: 0,
          icmpType: 8,
        },
      },
    },
    {
      line: 16,
      what: 'ICMPv6 echo request',
      expected: { ok: true, flow: { protocol: 'ICMPv6', port: 0, icmpType: 128 } },
    },
  ])('mixed.jsonl line $line: $what', ({ line, expected }) => {
    const result = toEngineFlow(fixtureFlow('mixed.jsonl', line));
    if (line === 1 || line === 3 || line === 4 || line === 5 || line === 6) expect(result).toEqual(expected);
    else expect(result).toMatchObject(expected);
  });

  it('turns an ICMP echo reply into its echo request', () => {
    const reply: HubbleFlow = {
      verdict: 'FORWARDED',
      is_reply: true,
      l4: { ICMPv4: { type: 0 } },
      IP: { source: '10.0.0.2', destination: '10.0.0.1' },
      source: { namespace: 'db', labels: ['k8s:app=postgres'] },
      destination: { namespace: 'shop', labels: ['k8s:app=checkout'] },
    };
    expect(toEngineFlow(reply)).toMatchObject({
      ok: true,
      reversed: true,
      flow: { source: { namespace: 'shop' }, destination: { namespace: 'db' }, icmpType: 8 },
    });
  });

  it.each<{ what: string; flow: HubbleFlow; reason: string }>([
    {
      what: 'no L4',
      flow: { verdict: 'DROPPED', source: { namespace: 'a' }, destination: { namespace: 'b' } },
      reason: 'the flow has no L4 protocol (TCP, UDP, SCTP, ICMPv4 or ICMPv6)',
    },
    {
      what: 'TCP without destination port',
      flow: {
        verdict: 'DROPPED',
        l4: { TCP: { source_port: 1 } },
        source: { namespace: 'a' },
        destination: { namespace: 'b' },
      },
      reason: 'the TCP flow has no destination port',
    },
    {
      what: 'a destination port above 65535',
      flow: {
        verdict: 'DROPPED',
        l4: { UDP: { destination_port: 99999 } },
        source: { namespace: 'a' },
        destination: { namespace: 'b' },
      },
      reason: "the UDP flow's destination port 99999 is invalid (a port is 1-65535)",
    },
    {
      what: 'an unidentifiable destination',
      flow: {
        verdict: 'DROPPED',
        l4: { UDP: { destination_port: 53 } },
        source: { namespace: 'a' },
        destination: {},
      },
      reason: 'destination: the peer has no namespace, no reserved label and no IP address',
    },
  ])('fails for $what', ({ flow, reason }) => {
    expect(toEngineFlow(flow)).toEqual({ ok: false, reason });
  });
});

describe('workloadName', () => {
  it.each<{ endpoint: HubbleEndpoint; name: string | undefined }>([
    {
      endpoint: { workloads: [{ name: 'checkout', kind: 'Deployment' }], labels: ['k8s:app=other'] },
      name: 'checkout',
    },
    { endpoint: { labels: ['k8s:app.kubernetes.io/name=postgres', 'k8s:app=pg'] }, name: 'postgres' },
    { endpoint: { labels: ['k8s:app=api'] }, name: 'api' },
    { endpoint: { labels: ['k8s:k8s-app=kube-dns'] }, name: 'kube-dns' },
    { endpoint: { pod_name: 'frontend-5c6d7f8b9-bcdfg' }, name: 'frontend' },
    { endpoint: { pod_name: 'redis-2' }, name: 'redis' },
    { endpoint: { pod_name: 'node-exporter-x7k2p' }, name: 'node-exporter' },
    { endpoint: { pod_name: 'xwing' }, name: 'xwing' },
    { endpoint: {}, name: undefined },
  ])('$endpoint → $name', ({ endpoint, name }) => {
    expect(workloadName(endpoint)).toBe(name);
  });
});

describe('flowKey', () => {
  it.each([
    [1, 'shop/checkout → db/postgres:5432/TCP (egress)'],
    [2, 'shop/frontend → payments/api:8443/TCP (ingress)'],
    [3, 'shop/checkout → kube-system/kube-dns:53/UDP (egress)'],
    [4, 'shop/checkout → db/postgres:5432/TCP (ingress)'],
    [5, 'shop/checkout → world:api.stripe.com:443/TCP (egress)'],
    [6, 'reserved:host → shop/checkout:8080/TCP (ingress)'],
    [7, 'shop/checkout → db/postgres:icmp-8/ICMPv4 (egress)'],
    [16, 'shop/checkout → db/postgres:icmp-128/ICMPv6 (egress)'],
  ])('mixed.jsonl line %i → %s', (line, key) => {
    expect(flowKey(fixtureFlow('mixed.jsonl', line))).toBe(key);
  });

  it('groups flows of different pods of one workload together', () => {
    const a = fixtureFlow('mixed.jsonl', 1);
    const b: HubbleFlow = {
      ...a,
      source: { ...a.source, pod_name: 'checkout-7d9f8b6c5-zzzzz', ID: 9 },
      IP: { ...a.IP, source: '10.244.9.9' },
    };
    expect(flowKey(b)).toBe(flowKey(a));
  });
});

describe('localNodeName', () => {
  // cilium/cilium pkg/node GetAbsoluteNodeName: CLUSTER/NODE when a cluster name other than "default" is set.
  it.each<[string | undefined, string | undefined]>([
    ['kind/kind-worker', 'kind-worker'],
    ['worker-1', 'worker-1'],
    ['mesh-a/ip-10-0-1-5.ec2.internal', 'ip-10-0-1-5.ec2.internal'],
    ['', undefined],
    ['kind/', undefined],
    [undefined, undefined],
  ])('%s → %s', (nodeName, expected) => {
    expect(localNodeName(nodeName)).toBe(expected);
  });

  it('names a host destination and a reply turned around after the observing node, never a remote node', () => {
    const reply: HubbleFlow = {
      node_name: 'prod/worker-3',
      is_reply: true,
      IP: { source: '10.0.0.3', destination: '10.244.1.5' },
      l4: { TCP: { source_port: 10250, destination_port: 51000 } },
      source: { identity: 1, labels: ['reserved:host'] },
      destination: { identity: 6, labels: ['reserved:remote-node'] },
    };
    expect(toEngineFlow(reply)).toEqual({
      ok: true,
      reversed: true,
      flow: {
        source: { kind: 'reserved', entity: 'remote-node', ip: '10.244.1.5' },
        destination: { kind: 'reserved', entity: 'host', ip: '10.0.0.3', node: 'worker-3' },
        protocol: 'TCP',
        port: 10250,
      },
    });
  });
});
