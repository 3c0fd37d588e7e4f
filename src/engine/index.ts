/**
 * The engine: Cilium policy semantics. Endpoint identities, selectors with namespace injection, entities,
 * CIDRs, ports, rule normalisation and verdict(flow) with an explanation. Pure and synchronous.
 * @module
 */

export { type CidrRange, parseIp, rangeContainsIp, toCidrRange } from './cidr.js';
export { ENTITY_RESERVED, entityMatches } from './entity.js';
export { fqdnPatternToRegExp, matchFqdn } from './fqdn.js';
export {
  CLUSTER_LABEL,
  type Identity,
  identityLabel,
  isIdentityRelevantPodLabel,
  type LabelSource,
  NAMESPACE_LABELS_PREFIX,
  nodeIdentity,
  POD_NAMESPACE_LABEL,
  type PodIdentityInput,
  parseSelectorKey,
  podIdentity,
  reservedIdentity,
  SERVICE_ACCOUNT_LABEL,
  worldIdentity,
} from './identity.js';
export {
  describeL7Request,
  dnsRuleMatches,
  type HttpRequest,
  httpRuleMatches,
  type L7Request,
  type L7RuleMatch,
  re2FullMatch,
} from './l7.js';
export {
  type CompiledCidr,
  type CompiledIcmp,
  type CompiledPeerRule,
  type CompiledPortRule,
  type CompiledRule,
  compilePolicies,
  injectPeerNamespace,
  type NormalizeOptions,
  type RuleOrigin,
  rejectionByRelease,
  subjectSelector,
} from './normalize.js';
export { formatPeer, type ParseResult, parsePeer, parsePort, parseProtocol } from './peer-spec.js';
export {
  type ClusterPortMatch,
  type CompiledPort,
  clusterPortMatches,
  compilePort,
  icmpTypeNumber,
  indexNamedPorts,
  type L4Protocol,
  type NamedPortIndex,
  type PortMatch,
  portMatches,
} from './ports.js';
export { MODELLED_CILIUM_RELEASES, type ReleaseSemantics, releaseSemantics } from './releases.js';
export {
  type CompiledSelector,
  compileSelector,
  type Requirement,
  requirement,
  requirementMatches,
  selectorMatches,
  WILDCARD_SELECTOR,
} from './selector.js';
export { type ResolvedServices, resolveToServices, type ServiceCatalog } from './services.js';
export type {
  ClosestRule,
  ClosestRules,
  Flow,
  FlowProtocol,
  L7SideVerdict,
  L7Verdict,
  Peer,
  ReservedEntity,
  RuleRef,
  SideVerdict,
  Verdict,
} from './types.js';
export {
  createEngine,
  DEFAULT_SETTINGS,
  type DirectionPolicy,
  type EndpointPolicy,
  MODELLED_CILIUM_VERSION,
  PolicyEngine,
} from './verdict.js';
