import type { Catalog, CatalogPeer } from '../../catalog/derive-catalog.js';
import type { Flow } from '../../engine/types.js';
import type { PolicyEngine } from '../../engine/verdict.js';
import { NetpolError } from '../../errors.js';
import { loadForAnalysis } from '../analysis/load.js';
import { profileLabelOf } from './render.js';
import { DEFAULT_SYSTEM_OPTIONS } from './system-options.js';

/** The seed's four profiles. */
export type SeedProfile = 'isolated' | 'internal' | 'internal-egress' | 'standard';

/** One question of the seed's decision tree ("Step 1: Choose a Profile"). */
export interface DecisionStep {
  readonly step: 1 | 2 | 3 | 4;
  /** The seed's wording. */
  readonly question: string;
  /** The same question asked of a person, answered yes or no. */
  readonly prompt: string;
  /** The profile a "yes" leads to. */
  readonly profile: SeedProfile;
}

/**
 * The seed's decision tree, in its order; the first "yes" decides. Step 4 is the remaining case and needs
 * no answer.
 */
export const DECISION_TREE: readonly DecisionStep[] = [
  {
    step: 1,
    question: 'Does the app need to be reached from the internet?',
    prompt: 'Does the app need to be reached from the internet?',
    profile: 'standard',
  },
  {
    step: 2,
    question: 'Internal-only but needs to call external APIs?',
    prompt: 'Does it call external APIs (HTTPS to the internet)?',
    profile: 'internal-egress',
  },
  {
    step: 3,
    question: 'Internal-only, no external calls?',
    prompt: 'Is it reached from inside the cluster or the LAN (through the internal gateway)?',
    profile: 'internal',
  },
  { step: 4, question: 'No ingress needed at all?', prompt: '', profile: 'isolated' },
];

/** The seed's profile table: what each profile admits. */
export const PROFILE_TABLE: Readonly<
  Record<SeedProfile, { ingress: string; egress: string; useCase: string }>
> = {
  isolated: { ingress: 'None', egress: 'DNS only', useCase: 'Batch jobs, workers' },
  internal: { ingress: 'Internal gateway', egress: 'DNS only', useCase: 'Internal dashboards' },
  'internal-egress': {
    ingress: 'Internal gateway',
    egress: 'DNS + HTTPS',
    useCase: 'Internal apps calling external APIs',
  },
  standard: { ingress: 'Both gateways', egress: 'DNS + HTTPS', useCase: 'Public-facing web apps' },
};

/** Answers a decision-tree question (synchronously for flags, through a prompt interactively). */
export type Asker = (step: DecisionStep) => boolean | Promise<boolean>;

/** The decision-tree flags of `netpol profile suggest`. */
export interface ProfileFlags {
  /** Reached from the internet. */
  readonly internetIngress?: boolean;
  /** Reached through the internal gateway. */
  readonly internalIngress?: boolean;
  /** Calls external APIs over HTTPS. */
  readonly externalApis?: boolean;
  /** Reached by nothing. */
  readonly noIngress?: boolean;
}

/**
 * Turns decision-tree flags into answers (an absent flag answers "no").
 * @param flags - The flags.
 * @returns An asker, or null when no flag is set (then the questions must be asked).
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when `noIngress` is combined with an ingress flag.
 */
export function askerFromFlags(flags: ProfileFlags): Asker | null {
  const { internetIngress = false, internalIngress = false, externalApis = false, noIngress = false } = flags;
  if (noIngress && (internetIngress || internalIngress)) {
    throw new NetpolError(
      'NETPOL_BAD_ARGUMENT',
      `--no-ingress contradicts ${internetIngress ? '--internet-ingress' : '--internal-ingress'}.`,
      'Give --no-ingress alone (or with --external-apis), or the ingress flags without it.',
    );
  }
  if (!internetIngress && !internalIngress && !externalApis && !noIngress) return null;
  return (step) => (step.step === 1 ? internetIngress : step.step === 2 ? externalApis : internalIngress);
}

/** One answered question. */
export interface AnsweredStep {
  readonly step: DecisionStep['step'];
  readonly question: string;
  readonly answer: boolean;
}

/** How the seed's profile was matched to a profile of the repository. */
export interface ProfileMatch {
  /** `seed`: no repository profiles, the seed's name is used; `behaviour`: the repository profile that admits the same flows (the engine's verdicts). */
  readonly by: 'seed' | 'behaviour';
  /** What the profile admits, as the engine answers for a pod of a namespace carrying it. */
  readonly admits?: {
    readonly internalGateway: boolean;
    readonly externalGateway: boolean;
    readonly https: boolean;
  };
  /** A sentence when the match is not exact. */
  readonly note?: string;
}

/** The outcome of {@link suggestProfile}. */
export interface ProfileSuggestion {
  /** The seed's answer. */
  readonly seedProfile: SeedProfile;
  /** The profile to use: the repository's name for it (or the seed's). */
  readonly profile: string;
  /** The step that decided. */
  readonly step: DecisionStep['step'];
  /** The questions answered, in order, up to the deciding one. */
  readonly answers: readonly AnsweredStep[];
  /** The seed table's row for the profile. */
  readonly row: (typeof PROFILE_TABLE)[SeedProfile];
  readonly domain: string;
  /** The profile label key, `<domain>/profile`. */
  readonly label: string;
  /** Namespace labels to commit: `{ [label]: profile }`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly match: ProfileMatch;
}

/** Options of {@link suggestProfile}. */
export interface ProfileSuggestOptions {
  /** Answers the questions. */
  readonly ask: Asker;
  /** A repository whose catalogue names the profiles and the label domain. Default: none (the seed's names). */
  readonly root?: string;
}

/**
 * Walks the seed's decision tree: asks each question in order until one is answered yes.
 * @param ask - Answers a question.
 * @returns The deciding step and the answers given.
 */
export async function walkDecisionTree(ask: Asker): Promise<{ step: DecisionStep; answers: AnsweredStep[] }> {
  const answers: AnsweredStep[] = [];
  for (const step of DECISION_TREE) {
    if (step.step === 4)
      return { step, answers: [...answers, { step: 4, question: step.question, answer: true }] };
    const answer = await ask(step);
    answers.push({ step: step.step, question: step.question, answer });
    if (answer) return { step, answers };
  }
  throw new Error('netpol internal error: the decision tree has no last step');
}

const WANTS: Readonly<
  Record<SeedProfile, { internalGateway: boolean; externalGateway: boolean; https: boolean }>
> = {
  isolated: { internalGateway: false, externalGateway: false, https: false },
  internal: { internalGateway: true, externalGateway: false, https: false },
  'internal-egress': { internalGateway: true, externalGateway: false, https: true },
  standard: { internalGateway: true, externalGateway: true, https: true },
};

const PROBE = 'netpol-probe';
const INTERNET = '203.0.113.10';

function gatewayPort(g: CatalogPeer): number {
  return g.ports.find((p) => p.protocol === 'TCP')?.port ?? 8080;
}

/** Which gateways are reached from the internet (the engine says world → gateway:443 or :80 is allowed). */
function splitGateways(
  engine: PolicyEngine,
  catalog: Catalog,
): { internal: CatalogPeer[]; external: CatalogPeer[] } {
  const internal: CatalogPeer[] = [];
  const external: CatalogPeer[] = [];
  for (const g of catalog.gateways) {
    const fromWorld = [443, 80].some(
      (port) =>
        engine.verdict({
          source: { kind: 'world', ip: INTERNET },
          destination: g.peer,
          protocol: 'TCP',
          port,
        }).verdict === 'allowed',
    );
    (fromWorld ? external : internal).push(g);
  }
  return { internal, external };
}

/** What a namespace carrying the profile admits, by the engine's verdicts. */
function admitsOf(
  engine: PolicyEngine,
  label: string,
  profile: string,
  gateways: { internal: CatalogPeer[]; external: CatalogPeer[] },
): NonNullable<ProfileMatch['admits']> {
  const view = engine.withNamespaceLabels({
    [PROBE]: { 'kubernetes.io/metadata.name': PROBE, [label]: profile },
  });
  const probe = { kind: 'pod' as const, namespace: PROBE, labels: {} };
  const allowed = (flow: Flow) => view.verdict(flow).verdict === 'allowed';
  const reaches = (list: CatalogPeer[]) =>
    list.some((g) => allowed({ source: g.peer, destination: probe, protocol: 'TCP', port: gatewayPort(g) }));
  return {
    internalGateway: reaches(gateways.internal),
    externalGateway: reaches(gateways.external),
    https: allowed({
      source: probe,
      destination: { kind: 'world', ip: INTERNET },
      protocol: 'TCP',
      port: 443,
    }),
  };
}

function extras(
  have: NonNullable<ProfileMatch['admits']>,
  want: NonNullable<ProfileMatch['admits']>,
): number {
  let n = 0;
  for (const k of ['internalGateway', 'externalGateway', 'https'] as const) {
    if (want[k] && !have[k]) return Number.POSITIVE_INFINITY;
    if (have[k] && !want[k]) n++;
  }
  return n;
}

/** The repository profile that admits what the seed's profile admits (exactly, else the least more). */
function matchProfile(
  engine: PolicyEngine,
  catalog: Catalog,
  seed: SeedProfile,
): { profile: string; match: ProfileMatch } | null {
  const label = catalog.profileLabel;
  if (label === null || catalog.profiles.size === 0) return null;
  const gateways = splitGateways(engine, catalog);
  const want = WANTS[seed];
  let best: { profile: string; admits: NonNullable<ProfileMatch['admits']>; cost: number } | null = null;
  const names = [...catalog.profiles.keys()].sort((a, b) =>
    a === seed ? -1 : b === seed ? 1 : a.localeCompare(b),
  );
  for (const name of names) {
    const admits = admitsOf(engine, label, name, gateways);
    const cost = extras(admits, want);
    if (cost < (best?.cost ?? Number.POSITIVE_INFINITY)) best = { profile: name, admits, cost };
  }
  if (best === null) {
    return {
      profile: seed,
      match: {
        by: 'seed',
        note: `No profile of the repository admits what "${seed}" admits; the seed's name is shown.`,
      },
    };
  }
  return {
    profile: best.profile,
    match: {
      by: 'behaviour',
      admits: best.admits,
      ...(best.cost > 0
        ? {
            note: `No profile of the repository admits exactly what "${seed}" admits; "${best.profile}" admits the least more.`,
          }
        : {}),
    },
  };
}

/**
 * Suggests a profile with the seed's decision tree ("Step 1: Choose a Profile"): internet ingress →
 * standard; otherwise external API calls → internal-egress; otherwise internal ingress → internal;
 * otherwise isolated. With a repository, the profile is named as the repository names it: the engine
 * checks, for a pod of a namespace carrying each profile, whether the internal gateway, the external
 * gateway (the one the internet reaches) and HTTPS to the internet are allowed, and picks the profile
 * admitting exactly what the seed's profile admits (or the least more). The label key comes from the
 * catalogue's domain.
 * @param options - See {@link ProfileSuggestOptions}.
 * @returns The suggestion, with the answers that led to it and the labels to commit.
 * @throws NetpolError `NETPOL_REPO_NOT_FOUND` when `root` does not exist.
 * @example
 * const s = await suggestProfile({ ask: askerFromFlags({ internalIngress: true, externalApis: true }) ?? (() => false) });
 * s.profile; // 'internal-egress'
 */
export async function suggestProfile(options: ProfileSuggestOptions): Promise<ProfileSuggestion> {
  const { step, answers } = await walkDecisionTree(options.ask);
  let domain = DEFAULT_SYSTEM_OPTIONS.domain;
  let profile: string = step.profile;
  let match: ProfileMatch = { by: 'seed' };
  let label = profileLabelOf(domain);
  if (options.root !== undefined) {
    const { engine, catalog } = await loadForAnalysis({ root: options.root });
    const matched = matchProfile(engine, catalog, step.profile);
    if (matched && catalog.domain !== null && catalog.profileLabel !== null) {
      domain = catalog.domain;
      label = catalog.profileLabel;
      profile = matched.profile;
      match = matched.match;
    } else if (catalog.domain !== null) {
      domain = catalog.domain;
      label = profileLabelOf(domain);
    }
  }
  return {
    seedProfile: step.profile,
    profile,
    step: step.step,
    answers,
    row: PROFILE_TABLE[step.profile],
    domain,
    label,
    labels: { [label]: profile },
    match,
  };
}
