import type { SourceRef } from '../errors.js';
import type { Labels, NodeObject, ObjectMeta, ServiceEndpointsObject, ServiceObject } from './model.js';
import { isRecord, withFields } from './read-context.js';
import { parseCidr } from './values.js';

/** Kinds read leniently for the engine's `toServices`, `fromNodes`/`toNodes` and host policies (group → kinds). */
export const NETWORK_KINDS: Readonly<Record<string, readonly NetworkObject['kind'][]>> = {
  '': ['Service', 'Endpoints', 'Node'],
  'discovery.k8s.io': ['EndpointSlice'],
};

/** An object read by {@link readNetworkObject}. */
export type NetworkObject = ServiceObject | ServiceEndpointsObject | NodeObject;

/** The label an EndpointSlice carries naming its Service (Kubernetes `discovery.LabelServiceName`). */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Where and what an object is, as the loader already knows it. */
export interface NetworkObjectIdentity {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly source: SourceRef;
}

function strings(v: unknown): Labels {
  return isRecord(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** A single address as a /32 or /128 CIDR, or undefined when the text is not an IP address. */
function hostCidr(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.includes('/')) return undefined;
  const r = parseCidr(v, { bareIp: true });
  return r.ok ? r.value.cidr : undefined;
}

/**
 * The metadata of an object read leniently: its identity as the loader read it, labels and annotations
 * with string values only.
 */
export function lenientMeta(
  value: Record<string, unknown>,
  id: NetworkObjectIdentity,
  documentIndex: number,
): ObjectMeta {
  const meta = isRecord(value.metadata) ? value.metadata : {};
  return {
    apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
    name: id.name,
    namespace: id.namespace,
    labels: strings(meta.labels),
    annotations: strings(meta.annotations),
    source: id.source,
    documentIndex,
  };
}

/**
 * Reads a Service, Endpoints, EndpointSlice or Node leniently (no diagnostics: netpol does not validate
 * these kinds; a field of the wrong shape is left out).
 * - Service: `spec.selector` (absent or empty: `null`, a Service without a selector).
 * - Endpoints: `subsets[].addresses[].ip` (ready addresses; `notReadyAddresses` are not backends), as
 *   Cilium's `ParseEndpoints` reads them.
 * - EndpointSlice: `endpoints[].addresses` of endpoints whose `conditions.ready` is not `false`, the Service
 *   named by the `kubernetes.io/service-name` label (a slice without it backs no Service).
 * - Node: `status.addresses[].address` that are IP addresses.
 * @returns The object, or undefined for an EndpointSlice that names no Service.
 * @see cilium/cilium pkg/k8s/endpoints.go (ParseEndpoints, ParseEndpointSliceV1)
 */
export function readNetworkObject(
  value: Record<string, unknown>,
  id: NetworkObjectIdentity,
  documentIndex: number,
): NetworkObject | undefined {
  const base = lenientMeta(value, id, documentIndex);
  const spec = isRecord(value.spec) ? value.spec : {};
  switch (id.kind) {
    case 'Service': {
      const selector = strings(spec.selector);
      return withFields(base, {
        kind: 'Service' as const,
        selector: Object.keys(selector).length > 0 ? selector : null,
      });
    }
    case 'Endpoints': {
      const addresses: string[] = [];
      for (const subset of records(value.subsets)) {
        for (const a of records(subset.addresses)) {
          const c = hostCidr(a.ip);
          if (c) addresses.push(c);
        }
      }
      return withFields(base, { kind: 'Endpoints' as const, serviceName: id.name, addresses });
    }
    case 'EndpointSlice': {
      const serviceName = base.labels[SERVICE_NAME_LABEL];
      if (serviceName === undefined) return undefined;
      const addresses: string[] = [];
      for (const ep of records(value.endpoints)) {
        const conditions = isRecord(ep.conditions) ? ep.conditions : {};
        if (conditions.ready === false) continue;
        for (const a of Array.isArray(ep.addresses) ? ep.addresses : []) {
          const c = hostCidr(a);
          if (c) addresses.push(c);
        }
      }
      return withFields(base, { kind: 'EndpointSlice' as const, serviceName, addresses });
    }
    case 'Node': {
      const status = isRecord(value.status) ? value.status : {};
      const addresses: string[] = [];
      for (const a of records(status.addresses)) {
        if (typeof a.address === 'string' && hostCidr(a.address)) addresses.push(a.address);
      }
      return withFields(base, { kind: 'Node' as const, addresses });
    }
    default:
      return undefined;
  }
}
