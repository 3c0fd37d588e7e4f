import { yaml } from '../helpers/use-repo.js';

/** netpol.config.yaml pinning the label domain `np.test` (and optional extra YAML). */
export function config(extra = ''): string {
  return `catalog:\n  domain: np.test\n${extra}`;
}

/** A Namespace with labels (and annotations). */
export function namespace(name: string, labels: Record<string, string> = {}): string {
  const entries = Object.entries(labels);
  const body =
    entries.length === 0 ? '' : `\n  labels:\n${entries.map(([k, v]) => `    ${k}: "${v}"`).join('\n')}`;
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}${body}\n`;
}

/** A profile CCNP selecting `np.test/profile=<name>`, with an HTTPS egress rule. */
export function profile(name: string): string {
  return yaml`
    apiVersion: cilium.io/v2
    kind: CiliumClusterwideNetworkPolicy
    metadata:
      name: profile-${name}
    spec:
      endpointSelector:
        matchLabels:
          io.cilium.k8s.namespace.labels.np.test/profile: ${name}
      egress:
        - toEntities: [world]
          toPorts:
            - ports:
                - port: "443"
                  protocol: TCP
  `;
}

/** The DNS and health baselines: every pod is default-deny both ways. */
export const BASELINES = yaml`
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata:
    name: baseline-dns
  spec:
    endpointSelector: {}
    egress:
      - toEndpoints:
          - matchLabels:
              io.kubernetes.pod.namespace: kube-system
              k8s-app: kube-dns
        toPorts:
          - ports:
              - port: "53"
                protocol: UDP
              - port: "53"
                protocol: TCP
  ---
  apiVersion: cilium.io/v2
  kind: CiliumClusterwideNetworkPolicy
  metadata:
    name: baseline-health
  spec:
    endpointSelector: {}
    ingress:
      - fromEntities: [health]
      - fromCIDR: [169.254.0.0/16]
`;

/** Joins YAML documents with `---`. */
export function docs(...parts: string[]): string {
  return parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('---\n');
}
