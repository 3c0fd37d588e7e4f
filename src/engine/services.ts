import type { Labels, ServiceEndpointsObject, ServiceObject, ServiceSelector } from '../repo/model.js';
import { type CidrRange, toCidrRange } from './cidr.js';
import { type Identity, POD_NAMESPACE_LABEL } from './identity.js';
import { type CompiledSelector, compileSelector, requirement, selectorOf } from './selector.js';

/** The Services of a repository and the addresses written in git for those without a selector. */
export interface ServiceCatalog {
  readonly services: readonly ServiceObject[];
  readonly serviceEndpoints: readonly ServiceEndpointsObject[];
}

/** What the `toServices` entries of one rule element stand for, once resolved against the repository. */
export interface ResolvedServices {
  /** Backend pods of Services with a selector: the selector in the Service's namespace (1.17+). */
  readonly endpoints: readonly CompiledSelector[];
  /** Endpoint addresses of Services without a selector, as single-address CIDRs. */
  readonly cidrs: readonly CidrRange[];
  /** Why an entry stands for nothing, or for less than Cilium would see (a Service or its addresses not in git). */
  readonly notes: readonly string[];
}

/** An identity carrying only `labels` (source k8s), to test a label selector against an object's labels. */
export function labelsIdentity(labels: Labels): Identity {
  return {
    kind: 'reserved',
    k8s: new Map(Object.entries(labels)),
    reserved: new Set(),
    namespace: '',
    key: '',
  };
}

/**
 * Resolves `toServices` entries against the repository's Services, as Cilium's policy watcher does:
 * - `k8sService` selects the Service of that name in `namespace`, or in every namespace when `namespace` is
 *   empty; `k8sServiceSelector` the Services whose labels match, in `namespace` or in every namespace;
 * - a Service without a selector stands for the addresses of its Endpoints/EndpointSlices (a generated
 *   `toCIDRSet`, so only peers outside the cluster match them, like any CIDR);
 * - a Service with a selector stands for its backend pods (a generated `toEndpoints`: the Service's selector
 *   plus `k8s:io.kubernetes.pod.namespace=<its namespace>`) from Cilium 1.17 (PR #34208); Cilium 1.16 selects
 *   only Services without a selector (docs "Services based": "will only take effect on Kubernetes services
 *   without a selector"), so it then stands for nothing.
 * A Service the repository lacks stands for nothing here, and `notes` says so: it may exist in the cluster.
 * @param entries - the element's `toServices`.
 * @param catalog - the repository's Services and their written endpoints.
 * @param selectorBacked - whether the release selects Services with a selector (`ReleaseSemantics.selectorBackedServices`).
 * @param release - the modelled release, for the notes.
 * @see cilium/cilium pkg/policy/k8s/service.go (serviceRefMatches, serviceSelectorMatches, processRule,
 *   appendSelector, appendEndpoints); PR #34208; docs PR #37089 ("how toServices works in v1.17+").
 */
export function resolveToServices(
  entries: readonly ServiceSelector[],
  catalog: ServiceCatalog,
  selectorBacked: boolean,
  release: string,
): ResolvedServices {
  const endpoints: CompiledSelector[] = [];
  const cidrs: CidrRange[] = [];
  const notes: string[] = [];
  for (const entry of entries) {
    const inNamespace = (s: ServiceObject) =>
      entry.namespace === undefined || entry.namespace === '' || s.namespace === entry.namespace;
    let matched: ServiceObject[];
    if (entry.selector !== undefined) {
      const sel = compileSelector(entry.selector);
      matched = catalog.services.filter((s) => inNamespace(s) && sel.test(labelsIdentity(s.labels)));
      if (matched.length === 0) {
        notes.push(
          `toServices k8sServiceSelector ${sel.text}${entry.namespace ? ` in namespace "${entry.namespace}"` : ''} selects no Service in the repository, so it selects nothing here (a Service created outside git is not seen)`,
        );
      }
    } else {
      matched = catalog.services.filter((s) => inNamespace(s) && s.name === entry.name);
      if (matched.length === 0) {
        const where = entry.namespace
          ? `${entry.namespace}/${entry.name}`
          : `"${entry.name}" (any namespace)`;
        notes.push(
          `toServices k8sService ${where} names no Service in the repository, so it selects nothing here (a Service created outside git is not seen)`,
        );
      }
    }
    for (const svc of matched) {
      const id = `Service ${svc.namespace}/${svc.name}`;
      if (svc.selector !== null) {
        if (!selectorBacked) {
          notes.push(
            `${id} has a selector: Cilium ${release} selects only Services without one (selector-backed Services from 1.17, cilium/cilium #34208), so it selects nothing`,
          );
          continue;
        }
        const reqs = Object.entries(svc.selector).map(([k, v]) => requirement(k, 'In', [v]));
        reqs.push(requirement(`k8s:${POD_NAMESPACE_LABEL}`, 'In', [svc.namespace]));
        endpoints.push(selectorOf(reqs));
        continue;
      }
      const written = catalog.serviceEndpoints.filter(
        (e) => e.namespace === svc.namespace && e.serviceName === svc.name,
      );
      if (written.length === 0) {
        notes.push(
          `${id} has no selector and no Endpoints or EndpointSlice in the repository: its addresses are not known offline`,
        );
        continue;
      }
      for (const e of written) {
        for (const a of e.addresses) {
          const r = toCidrRange(a);
          if (r) cidrs.push(r);
        }
      }
    }
  }
  return { endpoints, cidrs, notes };
}
