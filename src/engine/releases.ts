import {
  type CiliumRelease,
  KNOWN_CILIUM_RELEASES,
  nearestCiliumRelease,
  unknownCiliumVersionMessage,
} from '../repo/config.js';

/**
 * The policy behaviours that differ between the modelled Cilium releases, as the engine evaluates them
 * for one release (docs/semantics.md §15 has the table behaviour × release with its sources).
 */
export interface ReleaseSemantics {
  /** The modelled release (`cluster.ciliumVersion`, or the nearest known release). */
  readonly release: CiliumRelease;
  /** The version as configured, e.g. `1.18.4` or `1.15`. */
  readonly version: string;
  /** Set when the version is not a modelled release: the warning naming the nearest release used. */
  readonly unknownVersion: string | undefined;
  /**
   * How egress named ports resolve: `cluster` — among the named ports of every endpoint of the cluster,
   * one number for all selected destinations, none when the name is ambiguous (1.16–1.19, cilium/cilium
   * issue #30003); `destination` — on the selected destinations (1.20, PR #44429).
   */
  readonly egressNamedPorts: 'cluster' | 'destination';
  /**
   * Whether `fromRequires`/`toRequires` are known to fold into every rule selecting the endpoint, as the
   * engine evaluates them (≤1.18 `resolveIngressPolicy`); from 1.19 (deprecated, PR #43167) that is not
   * confirmed and the verdict says so.
   */
  readonly requiresAcrossRulesConfirmed: boolean;
  /**
   * Whether an empty element (`ingress: [{}]`) is confirmed to allow nothing while putting the endpoint in
   * default deny (≤1.19 `mergeIngress`); 1.20 rewrote rule resolution into policy entries, where this was
   * not confirmed.
   */
  readonly emptyElementAllowsNothingConfirmed: boolean;
  /**
   * Whether a CNP peer selector naming namespace labels (`io.cilium.k8s.namespace.labels.*`) is confirmed
   * to get no namespace injected, so it selects pods of other namespaces (code `getEndpointSelector` read up
   * to 1.19, docs/semantics.md §2.3); not re-read at 1.20, where a match through it carries a caveat.
   */
  readonly namespaceLabelPeersConfirmed: boolean;
  /**
   * Whether `toServices` selects Services that have a selector, as their backend pods (the Service's selector
   * in its namespace, cilium/cilium PR #34208, 1.17), and may be combined with `toPorts` (issue #20067,
   * allowed from 1.17); 1.16 selects only Services without a selector, by their endpoint addresses.
   */
  readonly selectorBackedServices: boolean;
  /**
   * Whether a DNS `matchPattern` (toFQDNs and DNS rules) starting with `**.` matches one or more labels (1.19,
   * cilium/cilium PR #43420); before 1.19 `**` is the same as `*`.
   */
  readonly dnsMultiLevelPrefix: boolean;
}

function minor(release: CiliumRelease): number {
  return Number(release.split('.')[1]);
}

/**
 * The release semantics for a configured Cilium version: its release when modelled, otherwise the
 * nearest modelled release with `unknownVersion` set.
 * @param version - `cluster.ciliumVersion` (`1.18`, `1.17.4`, `v1.19.2`).
 * @see docs/semantics.md §15 (each behaviour with its release notes, PR or code at the release tag).
 */
export function releaseSemantics(version: string): ReleaseSemantics {
  const { release, exact } = nearestCiliumRelease(version);
  const m = minor(release);
  return {
    release,
    version,
    unknownVersion: exact ? undefined : unknownCiliumVersionMessage(version),
    egressNamedPorts: m >= 20 ? 'destination' : 'cluster',
    requiresAcrossRulesConfirmed: m <= 18,
    emptyElementAllowsNothingConfirmed: m <= 19,
    namespaceLabelPeersConfirmed: m <= 19,
    selectorBackedServices: m >= 17,
    dnsMultiLevelPrefix: m >= 19,
  };
}

/** The modelled releases, oldest first (re-exported from the configuration reader). */
export const MODELLED_CILIUM_RELEASES: readonly CiliumRelease[] = KNOWN_CILIUM_RELEASES;
