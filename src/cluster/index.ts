/**
 * The live layer: the Kubernetes API through @kubernetes/client-node, for the objects netpol reads
 * (namespaces, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy) and the one write it
 * makes (a namespace's labels and annotations). No semantics: it fetches objects and writes patches.
 * @module
 */
export * from './access.js';
export * from './client.js';
export * from './kubeconfig.js';
