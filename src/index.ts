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
export * from './engine/index.js';
export * from './errors.js';
export * from './hubble/index.js';
export * from './repo/index.js';
export type * from './repo/model.js';
export * from './workflows/authoring.js';
export * from './workflows/connectivity-test.js';
export * from './workflows/diff.js';
export * from './workflows/discover.js';
export * from './workflows/drops.js';
export * from './workflows/fix-search.js';
export * from './workflows/flow-source.js';
export * from './workflows/lint.js';
export * from './workflows/load.js';
export * from './workflows/matrix.js';
export * from './workflows/trace.js';
export * from './workflows/verify.js';
