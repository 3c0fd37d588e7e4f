import type { Flow, FlowProtocol, Peer, Verdict } from '../../engine/types.js';
import type { Diagnostic } from '../../errors.js';
import type { FlowFilterFlags } from '../../hubble/filter.js';
import { isPolicyDrop } from '../../hubble/parse-flow.js';
import type { HubbleFlow } from '../../hubble/types.js';
import type { LoadedRepo } from '../analysis/load.js';
import { type MatrixColumn, matrixColumns } from '../analysis/matrix.js';
import { type DropFix, describeFix, FixSearch, peerDisplayName, peerMatches } from './fix-search.js';
import {
  emptyFlowSourceStats,
  type FlowInput,
  type FlowSourceStats,
  flowPeerName,
  flowTimeSortKey,
  type NamespaceFlowTally,
  requestsOfNamespace,
} from './flow-source.js';

/** The five kinds of check of the seed's "Verify Connectivity" step. */
export type VerifyCheckKind =
  | 'dns'
  | 'shared-resource'
  | 'internet-egress'
  | 'gateway-ingress'
  | 'prometheus-scrape';

/** PASS: git and the cluster agree; FAIL: they disagree on some flow; NO DATA: Hubble saw no such flow. */
export type VerifyStatus = 'PASS' | 'FAIL' | 'NO DATA';

/** What Hubble did with a flow: forwarded it, dropped it by policy, or would have (audit mode). */
export type ObservedVerdict = 'forwarded' | 'dropped' | 'audit';

/** Observed flows of one check with the same peers, port and observed verdict. */
export interface VerifyFlowGroup {
  /** `namespace/workload`, `world` or an entity (as in `netpol drops`). */
  readonly source: string;
  readonly destination: string;
  /** Destination port; the ICMP type for ICMP flows. */
  readonly port: number;
  readonly protocol: FlowProtocol;
  readonly observed: ObservedVerdict;
  /** What the repository says for this flow (engine verdict). */
  readonly expected: 'allowed' | 'denied';
  /** Whether Hubble's verdict matches the repository's (forwarded = allowed; dropped, audit = denied). */
  readonly agrees: boolean;
  readonly count: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** For dropped flows and disagreements: why, in plain words. */
  readonly note: string | null;
  /** For dropped flows: the git change that would allow it (as `netpol drops` computes it), or null. */
  readonly fix: DropFix | null;
}

/** One check: what the repository says, what Hubble saw, and the verdict. */
export interface VerifyCheck {
  /** Stable id: `dns`, `shared-resource:postgres`, `internet-egress`, `gateway-ingress:internal`, `prometheus-scrape:prometheus`. */
  readonly id: string;
  readonly kind: VerifyCheckKind;
  /** E.g. `DNS kube-system:53/UDP`, `postgres database:5432/TCP`. */
  readonly title: string;
  /** The repository's verdict for a pod of the namespace with no pod labels on the check's usual port. */
  readonly expected: 'allowed' | 'denied';
  /** The rules behind `expected`, e.g. `CiliumClusterwideNetworkPolicy/baseline-dns-egress`, or why it is denied. */
  readonly because: string;
  /** Flows Hubble saw for this check, by observed verdict; `otherDrops` are drops for non-policy reasons (not compared). */
  readonly observed: {
    readonly forwarded: number;
    readonly dropped: number;
    readonly audit: number;
    readonly otherDrops: number;
  };
  readonly status: VerifyStatus;
  /** The flows behind the status, disagreements first, then by count. */
  readonly flows: readonly VerifyFlowGroup[];
}

/** Options of {@link verifyNamespace}. */
export interface VerifyOptions {
  /** The namespace to verify. */
  readonly namespace: string;
  /** Where the flows come from. */
  readonly input: FlowInput;
  /** Time window and count (`since`, `until`, `last`); other filter flags are allowed too. Default: none. */
  readonly filter?: FlowFilterFlags;
  /** The instant `--since 5m` counts back from. Default: now. */
  readonly now?: Date;
  /** How many unparsable-line diagnostics the report keeps. Default: `100`. */
  readonly maxDiagnostics?: number;
}

/** The result of {@link verifyNamespace}. */
export interface VerifyReport {
  readonly namespace: string;
  readonly source: string;
  readonly checks: readonly VerifyCheck[];
  /** Flows of the namespace that belong to no check (replies excluded). */
  readonly otherFlows: number;
  /** Replies (not compared: policy does not apply to them). */
  readonly replies: number;
  readonly diagnostics: readonly Diagnostic[];
  /** E.g. the namespace is not defined in the repository. */
  readonly caveats: readonly string[];
  readonly stats: FlowSourceStats;
}

const KIND_TITLE: Readonly<Record<VerifyCheckKind, string>> = {
  dns: 'DNS',
  'shared-resource': 'shared resource',
  'internet-egress': 'internet egress',
  'gateway-ingress': 'gateway ingress',
  'prometheus-scrape': 'scrape',
};

const CHECK_KIND: readonly [string, VerifyCheckKind][] = [
  ['dns', 'dns'],
  ['grant-', 'shared-resource'],
  ['world-443', 'internet-egress'],
  ['gateway-', 'gateway-ingress'],
  ['scrape-', 'prometheus-scrape'],
  ['kube-apiserver', 'shared-resource'],
];

interface CheckState {
  readonly column: MatrixColumn;
  readonly id: string;
  readonly title: string;
  readonly kind: VerifyCheckKind;
  readonly matches: (flow: Flow) => boolean;
  readonly groups: Map<string, MutableFlowGroup>;
  forwarded: number;
  dropped: number;
  audit: number;
  otherDrops: number;
}

type MutableFlowGroup = { -readonly [K in keyof VerifyFlowGroup]: VerifyFlowGroup[K] };

const MAX_GROUPS_PER_CHECK = 1000;

/**
 * The seed's "Verify Connectivity" step for one namespace: for DNS, each shared resource (access grant), internet
 * egress, each gateway and each scraper of the catalogue, compares what the repository says (the engine's verdict
 * for each observed flow) with what Hubble saw (forwarded, dropped by policy, or nothing). A check passes when every
 * observed flow agrees with the repository, fails when one does not, and has no data when Hubble saw none.
 * Checks are derived from the catalogue (the same columns as `netpol matrix`); nothing is hard-coded.
 *
 * @param loaded - the repository, engine and catalogue.
 * @param options - the namespace, flow input and time window.
 * @returns one check per catalogue peer, with the flows behind each.
 * @throws NetpolError as `openFlowSource` (bad flags, unreadable capture, Relay failures).
 * @example
 * const report = await verifyNamespace(loaded, { namespace: 'web', input: { kind: 'file', path: 'flows.jsonl' } });
 * report.checks.map((c) => `${c.title}: ${c.status}`);
 */
export async function verifyNamespace(
  loaded: Pick<LoadedRepo, 'repo' | 'engine' | 'catalog'>,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const { engine, catalog } = loaded;
  const ns = options.namespace;
  const search = new FixSearch(loaded);
  const checks = checksFor(loaded, ns);
  const diagnostics: Diagnostic[] = [];
  const maxDiagnostics = options.maxDiagnostics ?? 100;
  let otherFlows = 0;
  const verdictCache = new Map<string, Verdict>();

  const tally: NamespaceFlowTally = { replies: 0, unconverted: 0, diagnostics, stats: undefined };
  for await (const { flow, engineFlow } of requestsOfNamespace(ns, { ...options, maxDiagnostics }, tally)) {
    const check = checks.find((c) => c.matches(engineFlow));
    if (!check) {
      otherFlows++;
      continue;
    }
    const observed = observedOf(flow);
    if (observed === 'other-drop') {
      check.otherDrops++;
      continue;
    }
    if (observed === null) {
      otherFlows++;
      continue;
    }
    check[observed]++;
    const source = flowPeerName(flow.source, engineFlow.source, true, engine);
    const destination = flowPeerName(flow.destination, engineFlow.destination, false, engine);
    const port = engineFlow.icmpType ?? engineFlow.port;
    const key = `${source}\u0000${destination}\u0000${port}\u0000${engineFlow.protocol}\u0000${observed}`;
    const existing = check.groups.get(key);
    if (existing) {
      existing.count++;
      if (flow.time !== undefined) {
        const t = flowTimeSortKey(flow.time);
        if (existing.firstSeen === null || t < flowTimeSortKey(existing.firstSeen))
          existing.firstSeen = flow.time;
        if (existing.lastSeen === null || t > flowTimeSortKey(existing.lastSeen))
          existing.lastSeen = flow.time;
      }
      continue;
    }
    if (check.groups.size >= MAX_GROUPS_PER_CHECK) continue;
    const verdictKey = `${source}\u0000${destination}\u0000${port}\u0000${engineFlow.protocol}`;
    let verdict = verdictCache.get(verdictKey);
    if (!verdict) {
      verdict = engine.verdict(engineFlow);
      verdictCache.set(verdictKey, verdict);
    }
    const expected = verdict.verdict;
    const agrees = (observed === 'forwarded') === (expected === 'allowed');
    let note: string | null = null;
    let fix: DropFix | null = null;
    if (observed !== 'forwarded') {
      const direction =
        flow.traffic_direction === 'EGRESS'
          ? 'egress'
          : flow.traffic_direction === 'INGRESS'
            ? 'ingress'
            : undefined;
      const d = search.diagnose(engineFlow, direction ? { direction } : {}, { source, destination });
      fix = d.fix;
      note = `${d.cause}${d.fix ? `; fix: ${describeFix(d.fix)}` : d.fixReason ? `; ${d.fixReason}` : ''}`;
    } else if (!agrees) {
      note =
        'the cluster forwarded a flow git denies: enforcement may be disabled for the namespace (escape hatch), or the cluster runs policies git does not have';
    }
    check.groups.set(key, {
      source,
      destination,
      port,
      protocol: engineFlow.protocol,
      observed,
      expected,
      agrees,
      count: 1,
      firstSeen: flow.time ?? null,
      lastSeen: flow.time ?? null,
      note,
      fix,
    });
  }

  const caveats: string[] = [];
  if (!engine.hasNamespace(ns)) {
    caveats.push(
      `namespace "${ns}" is not defined in the repository: it is checked with only its kubernetes.io/metadata.name label`,
    );
  }
  if (catalog.profiles.size === 0 && catalog.dns === null) {
    caveats.push(
      'the repository has no catalogue (no profiles and no DNS baseline): only the internet egress check applies',
    );
  }
  const finalStats: FlowSourceStats = tally.stats ?? emptyFlowSourceStats(options.input);
  return {
    namespace: ns,
    source: finalStats.source,
    checks: checks.map((c) => finish(c, engine.verdict(genericFlow(c.column, ns)))),
    otherFlows: otherFlows + tally.unconverted,
    replies: tally.replies,
    diagnostics,
    caveats,
    stats: finalStats,
  };
}

function observedOf(flow: HubbleFlow): ObservedVerdict | 'other-drop' | null {
  if (flow.verdict === 'FORWARDED') return 'forwarded';
  if (flow.verdict === 'AUDIT') return 'audit';
  if (flow.verdict === 'DROPPED') return isPolicyDrop(flow) ? 'dropped' : 'other-drop';
  return null;
}

function genericFlow(column: MatrixColumn, ns: string): Flow {
  const self: Peer = { kind: 'pod', namespace: ns, labels: {} };
  return column.direction === 'egress'
    ? { source: self, destination: column.peer, port: column.port, protocol: column.protocol }
    : { source: column.peer, destination: self, port: column.port, protocol: column.protocol };
}

function checksFor(loaded: Pick<LoadedRepo, 'repo' | 'catalog'>, ns: string): CheckState[] {
  const { catalog, repo } = loaded;
  const out: CheckState[] = [];
  const inNs = (peer: Peer) => peer.kind === 'pod' && peer.namespace === ns;
  for (const column of matrixColumns(catalog, repo.namespaces)) {
    const kind = CHECK_KIND.find(
      ([prefix]) => column.id === prefix || (prefix.endsWith('-') && column.id.startsWith(prefix)),
    )?.[1];
    if (!kind) continue;
    let matches: (flow: Flow) => boolean;
    let id: string;
    const target = `${column.port}/${column.protocol}`;
    let title = `${KIND_TITLE[kind]}: ${peerDisplayName(column.peer)}:${target}`;
    switch (kind) {
      case 'dns': {
        const dns = catalog.dns;
        id = 'dns';
        matches = (f) =>
          inNs(f.source) &&
          dns !== null &&
          peerMatches(dns.peer, f.destination) &&
          dns.ports.some((p) => p.port === f.port && p.protocol === f.protocol);
        break;
      }
      case 'shared-resource': {
        if (column.id === 'kube-apiserver') {
          id = 'shared-resource:kube-apiserver';
          title = `${KIND_TITLE[kind]}: kube-apiserver:${target}`;
          matches = (f) =>
            inNs(f.source) && f.destination.kind === 'reserved' && f.destination.entity === 'kube-apiserver';
          break;
        }
        const name = column.id.slice('grant-'.length);
        const grant = catalog.accessGrants.get(name);
        id = `shared-resource:${name}`;
        title = `${KIND_TITLE[kind]} ${name}: ${peerDisplayName(column.peer)}:${target}`;
        matches = (f) =>
          inNs(f.source) &&
          (grant?.resources ?? []).some(
            (r) =>
              peerMatches(r.peer, f.destination) &&
              (r.ports.length === 0 || r.ports.some((p) => p.port === f.port && p.protocol === f.protocol)),
          );
        break;
      }
      case 'internet-egress':
        id = 'internet-egress';
        title = `${KIND_TITLE[kind]}: world:${target}`;
        matches = (f) =>
          inNs(f.source) &&
          f.destination.kind === 'world' &&
          f.port === column.port &&
          f.protocol === column.protocol;
        break;
      case 'gateway-ingress': {
        const name = column.id.slice('gateway-'.length);
        id = `gateway-ingress:${name}`;
        title = `${KIND_TITLE[kind]}: ${name} gateway (${peerDisplayName(column.peer)}) on ${target}`;
        matches = (f) => inNs(f.destination) && peerMatches(column.peer, f.source);
        break;
      }
      case 'prometheus-scrape': {
        const name = column.id.slice('scrape-'.length);
        id = `prometheus-scrape:${name}`;
        title = `${KIND_TITLE[kind]}: from ${peerDisplayName(column.peer)} on ${target}`;
        matches = (f) => inNs(f.destination) && peerMatches(column.peer, f.source);
        break;
      }
    }
    out.push({
      column,
      id,
      title,
      kind,
      matches,
      groups: new Map(),
      forwarded: 0,
      dropped: 0,
      audit: 0,
      otherDrops: 0,
    });
  }
  return out;
}

function ruleNames(refs: readonly { kind: string; namespace: string; name: string }[]): string[] {
  return [...new Set(refs.map((r) => `${r.kind}/${r.namespace === '' ? '' : `${r.namespace}/`}${r.name}`))];
}

function finish(state: CheckState, verdict: Verdict): VerifyCheck {
  const flows = [...state.groups.values()].sort(
    (a, b) => Number(a.agrees) - Number(b.agrees) || b.count - a.count || a.source.localeCompare(b.source),
  );
  const compared = state.forwarded + state.dropped + state.audit;
  const status: VerifyStatus = compared === 0 ? 'NO DATA' : flows.some((f) => !f.agrees) ? 'FAIL' : 'PASS';
  let because: string;
  if (verdict.verdict === 'allowed') {
    const names = ruleNames([...verdict.egress.allowedBy, ...verdict.ingress.allowedBy]);
    because =
      names.length > 0 ? `allowed by ${names.join(', ')}` : 'allowed: no policy is enforced on either side';
  } else {
    const sides = (['egress', 'ingress'] as const).filter((s) => verdict[s].verdict === 'denied');
    const deny = ruleNames([...verdict.egress.deniedBy, ...verdict.ingress.deniedBy]);
    because =
      deny.length > 0
        ? `denied by ${deny.join(', ')}`
        : `denied at ${sides.join(' and ')}: no rule allows it`;
  }
  return {
    id: state.id,
    kind: state.kind,
    title: state.title,
    expected: verdict.verdict,
    because,
    observed: {
      forwarded: state.forwarded,
      dropped: state.dropped,
      audit: state.audit,
      otherDrops: state.otherDrops,
    },
    status,
    flows,
  };
}
