import type { Entity } from '../repo/model.js';
import { CLUSTER_LABEL, type Identity } from './identity.js';

/**
 * Reserved identity names each entity selects, after Cilium's `EntitySelectorMapping` and `InitEntities`
 * (cilium/cilium `pkg/policy/api/entity.go`). `cluster` additionally selects every pod of the local
 * cluster through `io.cilium.k8s.policy.cluster=<name>`; `all` is the wildcard selector.
 */
export const ENTITY_RESERVED: Readonly<Record<Exclude<Entity, 'all'>, readonly string[]>> = {
  world: ['world', 'world-ipv4', 'world-ipv6'],
  'world-ipv4': ['world-ipv4'],
  'world-ipv6': ['world-ipv6'],
  host: ['host'],
  'remote-node': ['remote-node'],
  'kube-apiserver': ['kube-apiserver'],
  health: ['health'],
  init: ['init'],
  ingress: ['ingress'],
  unmanaged: ['unmanaged'],
  none: [],
  cluster: ['host', 'remote-node', 'init', 'ingress', 'health', 'unmanaged', 'kube-apiserver'],
};

/**
 * Whether an entity selects the identity.
 * @param clusterName - the local cluster's name (`ClusterSettings.clusterName`), for `cluster`.
 * @see cilium/cilium pkg/policy/api/entity.go; Cilium docs: security/policy/language (Entities Based).
 */
export function entityMatches(entity: Entity, identity: Identity, clusterName: string): boolean {
  if (entity === 'all') return true;
  const names = ENTITY_RESERVED[entity];
  for (const n of names) if (identity.reserved.has(n)) return true;
  if (entity === 'cluster' && identity.kind === 'pod') return identity.k8s.get(CLUSTER_LABEL) === clusterName;
  return false;
}
