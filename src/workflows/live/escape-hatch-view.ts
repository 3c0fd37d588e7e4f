import type { Catalog } from '../../catalog/derive-catalog.js';
import { formatPeer } from '../../engine/peer-spec.js';
import type { Flow, Peer, RuleRef } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import type { Labels } from '../../repo/model.js';
import { matrixColumns } from '../analysis/matrix.js';

/** A flow the escape hatch changes or leaves denied, as a matrix cell of the namespace. */
export interface HatchFlow {
  /** The matrix column id (`world-443`, `grant-postgres` …). */
  readonly column: string;
  /** `egress`: from the namespace's pod; `ingress`: to it. */
  readonly direction: 'egress' | 'ingress';
  /** The other end, in trace syntax. */
  readonly peer: string;
  readonly port: number;
  readonly protocol: string;
  /** For a flow that stays denied: the peer's side and why, e.g. the access grant it still requires. */
  readonly deniedBy?: {
    readonly side: 'egress' | 'ingress';
    readonly endpoint: string;
    /** `deny-rule`: a deny rule matches; `default-deny`: the side is selected and no rule allows it. */
    readonly how: 'deny-rule' | 'default-deny';
    /** The deny rules, or the policies selecting the endpoint in that direction. */
    readonly rules: readonly RuleRef[];
    /** The access grant label that would admit the flow, when the column is a grant's. */
    readonly requires?: string;
  };
}

/** What the escape-hatch label opens for a namespace, computed by the engine. */
export interface HatchOpening {
  /** The rules that allow everything on the namespace's own side once labelled, per direction. */
  readonly ownSide: { readonly egress: readonly RuleRef[]; readonly ingress: readonly RuleRef[] };
  /** Matrix cells denied now and allowed with the label. */
  readonly opened: readonly HatchFlow[];
  /** Matrix cells still denied with the label: the peer's side denies them. */
  readonly stillDenied: readonly HatchFlow[];
}

/**
 * What turning a namespace's enforcement off opens, from the engine's what-if view
 * (`withNamespaceLabels`): the namespace as it is (`labels`) against the namespace with the escape-hatch
 * label. Every ingress and egress of its pods is then allowed on their own side; the flows the peer's side
 * still denies (a shared resource that requires its access grant, a pod whose ingress is closed) are
 * listed with the peer's rule. Pure: no I/O.
 * @param engine - The engine of the git repository.
 * @param catalog - Its catalogue; `escapeHatch` must be set.
 * @param namespace - The namespace.
 * @param labels - The namespace's labels now (as the cluster has them).
 */
export function escapeHatchOpening(
  engine: PolicyEngine,
  catalog: Catalog,
  namespace: string,
  labels: Labels,
): HatchOpening {
  const hatch = catalog.escapeHatch;
  if (!hatch) return { ownSide: { egress: [], ingress: [] }, opened: [], stillDenied: [] };
  const before = engine.withNamespaceLabels({ [namespace]: labels });
  const after = engine.withNamespaceLabels({ [namespace]: { ...labels, [hatch.label]: hatch.value } });
  const self: Peer = { kind: 'pod', namespace, labels: {} };
  const apps = catalog.applicationNamespaces;
  const opened: HatchFlow[] = [];
  const stillDenied: HatchFlow[] = [];
  const own: { egress: RuleRef[]; ingress: RuleRef[] } = { egress: [], ingress: [] };
  const hatchPolicies = new Set(hatch.policies.map((p) => `${p.kind}/${p.name}`));
  const seen = new Set<string>();
  const grantOf = new Map([...catalog.accessGrants.values()].map((g) => [`grant-${g.name}`, g.label]));
  for (const col of matrixColumns(catalog, [])) {
    let peer = col.peer;
    if (col.id === 'app-namespace') {
      const other = apps.find((a) => a !== namespace);
      if (other === undefined) continue;
      peer = { kind: 'pod', namespace: other, labels: {} };
    }
    const flow: Flow =
      col.direction === 'egress'
        ? { source: self, destination: peer, port: col.port, protocol: col.protocol }
        : { source: peer, destination: self, port: col.port, protocol: col.protocol };
    const vb = before.verdict(flow);
    const va = after.verdict(flow);
    for (const r of va[col.direction].allowedBy) {
      const key = `${r.kind}/${r.name}/${r.rule}`;
      if (hatchPolicies.has(`${r.kind}/${r.name}`) && !seen.has(key)) {
        seen.add(key);
        own[col.direction].push(r);
      }
    }
    const base: HatchFlow = {
      column: col.id,
      direction: col.direction,
      peer: formatPeer(peer),
      port: col.port,
      protocol: col.protocol,
    };
    if (va.verdict === 'allowed') {
      if (vb.verdict === 'denied') opened.push(base);
      continue;
    }
    const side = col.direction === 'egress' ? 'ingress' : 'egress';
    const other = va[side];
    const requires = grantOf.get(col.id);
    stillDenied.push({
      ...base,
      deniedBy: {
        side,
        endpoint: formatPeer(peer),
        how: other.deniedBy.length > 0 ? 'deny-rule' : 'default-deny',
        rules: other.deniedBy.length > 0 ? other.deniedBy : other.selectedBy,
        ...(requires !== undefined ? { requires } : {}),
      },
    });
  }
  return { ownSide: own, opened, stillDenied };
}
