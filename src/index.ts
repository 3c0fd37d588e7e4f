/**
 * netpol: read a GitOps repository of Cilium network policies as Cilium would, explain any flow, and build
 * the platform team's workflows on that answer. Anything not exported here is internal.
 *
 * @example
 *   import { loadForAnalysis, traceFlow } from 'netpol';
 *   const { engine } = await loadForAnalysis({ root: 'examples/homelab' });
 *   traceFlow(engine, { source: 'billing', destination: 'database', port: 5432 }).verdict.verdict; // 'allowed'
 * @module
 */

export * from './catalog/derive-catalog.js';
export { run } from './cli/main.js';
export { startUiServer, type UiServer, type UiServerOptions } from './cli/ui/server.js';
export * from './cluster/index.js';
export * from './engine/index.js';
export * from './errors.js';
export * from './hubble/index.js';
export * from './repo/index.js';
export type * from './repo/model.js';
export * from './workflows/analysis/connectivity-graph.js';
export * from './workflows/analysis/connectivity-test.js';
export * from './workflows/analysis/diff.js';
export * from './workflows/analysis/lint.js';
export * from './workflows/analysis/load.js';
export * from './workflows/analysis/matrix.js';
export * from './workflows/analysis/render.js';
export * from './workflows/analysis/system-overview.js';
export * from './workflows/analysis/trace.js';
export * from './workflows/analysis/what-if.js';
export * from './workflows/authoring/authoring.js';
export * from './workflows/flows/discover.js';
export * from './workflows/flows/drop-patches.js';
export * from './workflows/flows/drops.js';
export * from './workflows/flows/drops-json.js';
export * from './workflows/flows/fix-search.js';
export * from './workflows/flows/flow-source.js';
export * from './workflows/flows/verify.js';
export * from './workflows/live/cluster-state.js';
export * from './workflows/live/drift.js';
export * from './workflows/live/escape-hatch.js';
export * from './workflows/live/escape-hatch-list.js';
export * from './workflows/live/escape-hatch-view.js';
export * from './workflows/live/status.js';
export * from './workflows/watch/drops-client.js';
export * from './workflows/watch/log.js';
export * from './workflows/watch/metrics.js';
export * from './workflows/watch/record.js';
export * from './workflows/watch/repository.js';
export * from './workflows/watch/server.js';
export * from './workflows/watch/watch.js';
