import { expect } from 'vitest';
import { parsePeer, parseProtocol } from '../../src/engine/peer-spec.js';
import type { Flow, Peer, Verdict } from '../../src/engine/types.js';
import { createEngine, type PolicyEngine } from '../../src/engine/verdict.js';
import { loadRepoFromText } from '../../src/repo/load-repo.js';
import type { ClusterSettings } from '../../src/repo/model.js';

/** Namespaces every semantics case can use. */
export const BASE_NAMESPACES = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: a } }
---
apiVersion: v1
kind: Namespace
metadata: { name: db, labels: { team: b, access/pg: "true" } }
---
apiVersion: v1
kind: Namespace
metadata: { name: other, labels: { team: c } }
`;

/** A policy document: a leading blank line, the header lines, `spec:` with `spec` indented under it, then `---`. */
function policyDoc(header: string, spec: string): string {
  const body = spec
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return `\n${header}\nspec:\n${body}\n---`;
}

/** A CiliumNetworkPolicy document (ending in `---`) with the given spec body (indented here). */
export const cnp = (name: string, ns: string, spec: string) =>
  policyDoc(
    `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }`,
    spec,
  );

/** A CiliumClusterwideNetworkPolicy document (ending in `---`) with the given spec body. */
export const ccnp = (name: string, spec: string) =>
  policyDoc(
    `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: { name: ${name} }`,
    spec,
  );

/** A Kubernetes NetworkPolicy document (ending in `---`) with the given spec body. */
export const knp = (name: string, ns: string, spec: string) =>
  policyDoc(
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }`,
    spec,
  );

/** Loads inline policy YAML (plus BASE_NAMESPACES) and builds an engine; fails on loader errors. */
export function engineFor(
  policies: string,
  settings: Partial<ClusterSettings> = {},
  loaderErrors: readonly string[] = [],
): PolicyEngine {
  const { repo, diagnostics } = loadRepoFromText({
    'namespaces.yaml': BASE_NAMESPACES,
    'policies.yaml': policies,
  });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect(
    errors.map((d) => d.code),
    `loader errors: ${JSON.stringify(errors)}`,
  ).toEqual(loaderErrors);
  return createEngine(repo, settings);
}

/** Parses a peer in trace syntax, or passes a Peer through. */
export function peer(p: string | Peer): Peer {
  if (typeof p !== 'string') return p;
  const r = parsePeer(p);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Builds a flow from trace-syntax peers. */
export function flow(src: string | Peer, dst: string | Peer, port: number, protocol = 'TCP'): Flow {
  const pr = parseProtocol(protocol);
  if (!pr.ok) throw new Error(pr.error);
  const isIcmp = pr.value === 'ICMPv4' || pr.value === 'ICMPv6';
  return {
    source: peer(src),
    destination: peer(dst),
    protocol: pr.value,
    port: isIcmp ? 0 : port,
    ...(isIcmp ? { icmpType: port } : {}),
  };
}

/** A compact summary of a verdict for exact assertions. */
export function summary(v: Verdict) {
  return {
    verdict: v.verdict,
    egress: v.egress.verdict,
    ingress: v.ingress.verdict,
    egressEnforced: v.egress.enforced,
    ingressEnforced: v.ingress.enforced,
    allowedBy: [...v.egress.allowedBy, ...v.ingress.allowedBy].map((r) => `${r.name}:${r.rule}`),
    deniedBy: [...v.egress.deniedBy, ...v.ingress.deniedBy].map((r) => `${r.name}:${r.rule}`),
    notes: [...v.egress.allowedBy, ...v.ingress.allowedBy].flatMap((r) => r.notes),
  };
}

/** One row of a semantics table: inline YAML, a flow, the expected verdict and the caveat it must carry. */
export interface SemanticsCase {
  readonly name: string;
  /** Where the expected behaviour comes from (Cilium docs or code). */
  readonly source: string;
  readonly yaml: string;
  readonly settings?: Partial<ClusterSettings>;
  /** Source, destination, port (trace syntax). */
  readonly flow: readonly [string, string, number];
  readonly verdict: 'allowed' | 'denied';
  /** A fragment of the one caveat on `topic` the verdict carries, or null for none. */
  readonly caveat: string | null;
  /** The codes of the errors the loader reports (a policy Cilium rejects), in order. Default: none. */
  readonly loaderErrors?: readonly string[];
}

/** Checks one {@link SemanticsCase}: the verdict, and exactly the caveats about `topic`. */
export function checkSemanticsCase(c: SemanticsCase, topic: RegExp): void {
  const v = engineFor(c.yaml, c.settings ?? {}, c.loaderErrors ?? []).verdict(flow(...c.flow));
  expect(v.verdict).toBe(c.verdict);
  const notes = v.caveats.filter((x) => topic.test(x));
  if (c.caveat === null) expect(notes).toEqual([]);
  else expect(notes).toEqual([expect.stringContaining(c.caveat)]);
}
