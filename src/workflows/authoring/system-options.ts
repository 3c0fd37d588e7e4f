import { KUBE_DNS, type PortSpec, podsIn } from './render.js';
import { type RenderValue, toYaml } from './render-yaml.js';

/** A shared resource `netpol init` wires end to end: an access grant and the namespace that serves it. */
export interface SharedResourceSpec {
  /** Grant name: the `access.<domain>/<name>` label. */
  readonly name: string;
  /** Namespace of the resource (a platform namespace). */
  readonly namespace: string;
  /** The port clients reach. */
  readonly port: PortSpec;
  /** Port Prometheus scrapes in the resource namespace. */
  readonly metricsPort: number;
  /** What it is, e.g. `PostgreSQL`. */
  readonly description: string;
}

/** The choices `netpol init` renders the system with. */
export interface SystemOptions {
  /** Label domain. Default: `network-policy.homelab`. */
  readonly domain: string;
  /** Namespace of the ingress gateways. Default: `istio-gateway`. */
  readonly gatewayNamespace: string;
  /** `gateway.networking.k8s.io/gateway-name` of the internal gateway's pods. Default: `internal`. */
  readonly internalGateway: string;
  /** `gateway.networking.k8s.io/gateway-name` of the external gateway's pods. Default: `external`. */
  readonly externalGateway: string;
  /** Namespace of Prometheus (`app.kubernetes.io/name=prometheus`). Default: `monitoring`. */
  readonly monitoringNamespace: string;
  /** Shared resources. Default: postgres (database:5432), dragonfly (cache:6379), garage-s3 (garage:3900). */
  readonly sharedResources: readonly SharedResourceSpec[];
}

/** One file of the rendered tree. */
export interface RenderedFile {
  /** POSIX path relative to the tree's root. */
  readonly path: string;
  readonly text: string;
}

/** The defaults of `netpol init`, those of the seed and examples/homelab. */
export const DEFAULT_SYSTEM_OPTIONS: SystemOptions = {
  domain: 'network-policy.homelab',
  gatewayNamespace: 'istio-gateway',
  internalGateway: 'internal',
  externalGateway: 'external',
  monitoringNamespace: 'monitoring',
  sharedResources: [
    {
      name: 'postgres',
      namespace: 'database',
      port: { port: 5432, protocol: 'TCP' },
      metricsPort: 9187,
      description: 'PostgreSQL',
    },
    {
      name: 'dragonfly',
      namespace: 'cache',
      port: { port: 6379, protocol: 'TCP' },
      metricsPort: 6379,
      description: 'Dragonfly (Redis protocol)',
    },
    {
      name: 'garage-s3',
      namespace: 'garage',
      port: { port: 3900, protocol: 'TCP' },
      metricsPort: 3903,
      description: 'the Garage S3 API',
    },
  ],
};

/** The application ports gateways forward to (gateway → app). */
export const APP_PORTS: readonly number[] = [80, 8080, 3000];
/** The metrics ports Prometheus reaches on every pod (baseline-prometheus-scrape). */
export const BASELINE_METRICS_PORTS: readonly number[] = [8080, 9090, 9100, 15020];
/** Namespace of the Istio control plane and ztunnel. */
export const ISTIO_SYSTEM = 'istio-system';
/** The pod label the Gateway API puts on a Gateway's pods. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** Namespace of CoreDNS. */
export const KUBE_SYSTEM = KUBE_DNS.namespace;
/** Pod labels of Grafana. */
export const GRAFANA = { 'app.kubernetes.io/name': 'grafana' } as const;
/** Pod labels of istiod. */
export const ISTIOD = { app: 'istiod' } as const;
/** TCP port specs for port numbers. */
export const tcp = (ports: readonly number[]): PortSpec[] => ports.map((port) => ({ port, protocol: 'TCP' }));
/** The kube-apiserver's ports: 6443 (its own) and 443 (the `kubernetes` Service). */
export const apiServerPorts = tcp([6443, 443]);

/** One CiliumClusterwideNetworkPolicy document with a header comment. */
export function ccnp(name: string, spec: { [key: string]: RenderValue }, header: string): string {
  return toYaml(
    { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec },
    header,
  );
}

/** One CiliumNetworkPolicy document with a header comment. */
export function cnp(
  namespace: string,
  name: string,
  spec: { [key: string]: RenderValue },
  header: string,
): string {
  return toYaml(
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec },
    header,
  );
}

/** The platform namespaces of the rendered system, in file order. */
export function platformNamespacesOf(o: SystemOptions): string[] {
  const out = [KUBE_SYSTEM, o.monitoringNamespace];
  for (const r of o.sharedResources) if (!out.includes(r.namespace)) out.push(r.namespace);
  for (const ns of [o.gatewayNamespace, ISTIO_SYSTEM]) if (!out.includes(ns)) out.push(ns);
  return out;
}

/** Resource namespaces with the resources each serves, in first-mention order. */
export function resourceNamespaces(o: SystemOptions): Map<string, SharedResourceSpec[]> {
  const out = new Map<string, SharedResourceSpec[]>();
  for (const r of o.sharedResources) {
    const list = out.get(r.namespace) ?? [];
    list.push(r);
    out.set(r.namespace, list);
  }
  return out;
}

/** A selector of one gateway's pods (by `gateway.networking.k8s.io/gateway-name`). */
export function gatewayPods(o: SystemOptions, gateway: string): RenderValue {
  return podsIn(o.gatewayNamespace, { [GATEWAY_NAME_LABEL]: gateway });
}
