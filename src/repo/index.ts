/**
 * The repository layer: reads a GitOps tree (multi-document YAML with source positions, kustomization
 * traversal, Flux `${var}` substitution) into the typed model, with a diagnostic and file:line for
 * every problem; and edits YAML files without disturbing anything else.
 * @module
 */

export {
  type CiliumRelease,
  CONFIG_FILE,
  type ConfigResult,
  DEFAULT_CLUSTER_SETTINGS,
  KNOWN_CILIUM_RELEASES,
  nearestCiliumRelease,
  type ResolvedCiliumRelease,
  readConfig,
  unknownCiliumVersionMessage,
} from './config.js';
export {
  documentValue,
  nodeAt,
  type ParsedFile,
  type ParseYamlOptions,
  parseYamlFile,
  rangeSource,
  type ScalarTransform,
  sourceAt,
  toPlain,
  type YamlDocument,
  type YamlPath,
} from './documents.js';
export {
  addKustomizationResource,
  applyYamlEdits,
  kustomizationResources,
  unifiedDiff,
  type YamlEdit,
} from './edit.js';
export { type FluxCluster, type FluxScan, normalizeUrl, pickCluster, scanFlux } from './flux.js';
export { cachingHost, diskHost, gitTopLevel, joinOn, memoryHost, type RepoHost } from './host.js';
export {
  findUnlistedManifests,
  isRemoteResource,
  KUSTOMIZATION_FILES,
  kustomizationIn,
  type ManifestPlan,
  type ManifestRef,
  planManifests,
  scanManifests,
  type UnlistedManifest,
} from './kustomize.js';
export {
  type LoadFromTextOptions,
  type LoadOptions,
  loadRepo,
  loadRepoFromText,
  STDIN_FILE,
} from './load-repo.js';
export type * from './model.js';
export {
  CLUSTER_SCOPED_KINDS,
  isCiliumPolicy,
  isKubernetesNetworkPolicy,
  isNamespaceObject,
  isPolicyObject,
  isWorkloadObject,
  type ObjectIdentity,
  type ReadObjectsOptions,
  type ReadObjectsResult,
  type RepoObject,
  readObjects,
} from './objects.js';
export { type Expansion, expandVariables, SUBSTITUTE_DISABLED_KEY, Substitution } from './substitute.js';
export {
  cidrContains,
  ciliumSelectorKeyProblem,
  ENTITIES,
  isEntity,
  isIanaServiceName,
  labelKeyProblem,
  labelValueProblem,
  type Parsed,
  type ParsedCidr,
  parseCidr,
  parseCiliumPort,
  parseKubernetesPort,
} from './values.js';
export {
  type FileWrite,
  nodeWriterFs,
  resolveWriteTarget,
  type WriteFilesOptions,
  type WriterFs,
  type WriteTarget,
  writeFileAtomic,
  writeFiles,
} from './write-files.js';
export {
  LineIndex,
  type YamlMapEntry,
  type YamlMapNode,
  type YamlNode,
  type YamlScalarNode,
  type YamlSeqNode,
} from './yaml-tree.js';
