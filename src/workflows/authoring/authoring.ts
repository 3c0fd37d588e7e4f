/**
 * The authoring workflows, which write the system instead of reading it: `initSystem` (bootstrap a GitOps
 * tree), `suggestProfile` (the seed's decision tree), `setNamespaceLabels` (profile and access-grant labels
 * in git), `newPlatformNamespace` (the seed's platform template) and `newAccessGrant` (a shared resource,
 * both halves); and the pure renderers behind them. Their file edits go through `applyYamlEdits` and
 * `writeFiles` of the repository layer.
 * @module
 */

export {
  type AccessNewOptions,
  type AccessNewResult,
  newAccessGrant,
  PROBE_NAMESPACE,
} from './access-new.js';
export { parsePeerPort, parsePortNumber, parsePortSpec, RULE_ENTITIES } from './authoring-values.js';
export {
  checkSystemOptions,
  type InitFile,
  type InitFileStatus,
  type InitOptions,
  type InitResult,
  initSystem,
} from './init.js';
export {
  type LabelChange,
  type NamespaceSetOptions,
  type NamespaceSetResult,
  type Refusal,
  setNamespaceLabels,
} from './namespace-set.js';
export type { EngineCheck, Scraper } from './platform-namespace.js';
export { newPlatformNamespace, type PlatformNewOptions, type PlatformNewResult } from './platform-new.js';
export {
  type AnsweredStep,
  type Asker,
  askerFromFlags,
  DECISION_TREE,
  type DecisionStep,
  PROFILE_TABLE,
  type ProfileFlags,
  type ProfileMatch,
  type ProfileSuggestion,
  type ProfileSuggestOptions,
  type SeedProfile,
  suggestProfile,
  walkDecisionTree,
} from './profile-suggest.js';
export {
  type AccessPolicySpec,
  type GrantIngressSpec,
  type NamespaceSpec,
  type PeerPortRule,
  type PeerSpec,
  type PlatformPolicySpec,
  type PortProtocolName,
  type PortSpec,
  renderAccessPolicy,
  renderKustomization,
  renderNamespace,
  renderPlatformPolicy,
} from './render.js';
export {
  kubeStateMetricsLabel,
  renderConfig,
  renderEscapeHatchAlerts,
  renderSystem,
} from './render-system.js';
export {
  DEFAULT_SYSTEM_OPTIONS,
  type RenderedFile,
  type SharedResourceSpec,
  type SystemOptions,
} from './system-options.js';
export type { FileChange } from './working-tree.js';
