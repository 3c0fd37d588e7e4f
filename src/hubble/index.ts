/**
 * The flow-source layer: Hubble flows from `hubble observe -o json|jsonpb` captures or a live Hubble Relay,
 * normalised to one {@link HubbleFlow} shape, filtered with `hubble observe` flag semantics and converted into the
 * engine's `Flow`. Workflows (`drops`, `verify`, `discover`) build on this API.
 *
 * @module
 */

export {
  buildFlowFilter,
  FILTER_PROTOCOLS,
  type FlowFilter,
  type FlowFilterFlags,
  type FlowFilterRule,
  matchesFlowFilter,
  matchesRule,
  parseDuration,
  parseSince,
  parseTimestampMs,
  RESERVED_IDENTITIES,
} from './filter.js';
export {
  formatTimestamp,
  isPolicyAudit,
  isPolicyDrop,
  mightBePolicyDrop,
  mightBePolicyDropOrAudit,
  type NormalizeResult,
  normalizeFlow,
  normalizeNonFlow,
  type ParsedLine,
  parseFlowLine,
} from './parse-flow.js';
export {
  type FlowEvent,
  type FlowStats,
  type ReadFlowsOptions,
  readFlowBatches,
  readFlowFile,
  readFlows,
} from './read-flows.js';
export {
  HUBBLE_PROTO_LOADER_OPTIONS,
  type HubbleGrpcPackage,
  hubbleProtoDir,
  loadHubbleProto,
  type ObserveFlowsOptions,
  observeFlows,
  type RetryOptions,
} from './relay-client.js';
export {
  EngineFlowConverter,
  flowKey,
  type IdentityLabel,
  parseIdentityLabels,
  podLabels,
  type ToEngineResult,
  type ToPeerResult,
  toEngineFlow,
  toEnginePeer,
  workloadName,
} from './to-engine.js';
export {
  type EnumValue,
  enumName,
  type FlowSummary,
  HubbleDropReason,
  type HubbleDropReasonName,
  type HubbleEndpoint,
  type HubbleEventType,
  type HubbleFlow,
  HubbleFlowType,
  type HubbleFlowTypeName,
  type HubbleICMP,
  type HubbleIP,
  HubbleIPVersion,
  type HubbleIPVersionName,
  type HubbleLayer4,
  type HubbleLayer7,
  HubbleLostEventSource,
  type HubbleLostEventSourceName,
  HubbleNodeState,
  type HubbleNodeStateName,
  type HubblePolicyRef,
  type HubblePorts,
  type HubbleService,
  type HubbleTCPFlags,
  HubbleTrafficDirection,
  type HubbleTrafficDirectionName,
  HubbleVerdict,
  type HubbleVerdictName,
  type HubbleWorkload,
  type NonFlowEvent,
  type NonFlowKind,
} from './types.js';
