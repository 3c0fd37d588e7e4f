/**
 * `suggestProfile` walks the seed's decision tree ("Step 1: Choose a Profile") and, with a repository,
 * names the profile as the repository does by asking the engine what each profile admits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Asker,
  askerFromFlags,
  DECISION_TREE,
  type ProfileFlags,
  suggestProfile,
  walkDecisionTree,
} from '../../../src/workflows/authoring/profile-suggest.js';
import { useRepo } from '../../helpers/use-repo.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/homelab');
const RENAMED = path.resolve(import.meta.dirname, '../../fixtures/authoring/renamed-profiles');

function asker(flags: ProfileFlags): Asker {
  const a = askerFromFlags(flags);
  if (a === null) throw new Error('no flags');
  return a;
}

describe('askerFromFlags and the decision tree', () => {
  // The seed: internet → standard; internal-only calling external APIs → internal-egress;
  // internal-only, no external calls → internal; no ingress → isolated. The first "yes" decides.
  it.each<[ProfileFlags, string, number]>([
    [{ internetIngress: true }, 'standard', 1],
    [{ internetIngress: true, externalApis: true }, 'standard', 1],
    [{ internetIngress: true, internalIngress: true }, 'standard', 1],
    [{ internalIngress: true, externalApis: true }, 'internal-egress', 2],
    [{ externalApis: true }, 'internal-egress', 2],
    [{ noIngress: true, externalApis: true }, 'internal-egress', 2],
    [{ internalIngress: true }, 'internal', 3],
    [{ noIngress: true }, 'isolated', 4],
  ])('%j → %s (step %i)', async (flags, profile, step) => {
    const s = await suggestProfile({ ask: asker(flags) });
    expect([s.profile, s.seedProfile, s.step]).toEqual([profile, profile, step]);
    expect(s.labels).toEqual({ 'network-policy.homelab/profile': profile });
    expect(s.match).toEqual({ by: 'seed' });
  });

  it('returns null without flags, so the questions are asked', () => {
    expect(askerFromFlags({})).toBeNull();
  });

  it.each<ProfileFlags>([
    { noIngress: true, internetIngress: true },
    { noIngress: true, internalIngress: true },
  ])('rejects contradicting flags %j', (flags) => {
    expect(() => askerFromFlags(flags)).toThrow(/^--no-ingress contradicts --(internet|internal)-ingress\.$/);
  });

  it('asks the questions in order and stops at the first yes', async () => {
    const asked: number[] = [];
    const script =
      (answers: boolean[]): Asker =>
      (step) => {
        asked.push(step.step);
        return answers[asked.length - 1] ?? false;
      };
    expect((await walkDecisionTree(script([true]))).step.profile).toBe('standard');
    expect(asked).toEqual([1]);
    asked.length = 0;
    expect((await walkDecisionTree(script([false, false, true]))).step.profile).toBe('internal');
    expect(asked).toEqual([1, 2, 3]);
    asked.length = 0;
    const last = await walkDecisionTree(script([false, false, false]));
    expect(last.step.profile).toBe('isolated');
    expect(last.answers.map((a) => [a.step, a.answer])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(DECISION_TREE.map((s) => s.question)).toEqual([
      'Does the app need to be reached from the internet?',
      'Internal-only but needs to call external APIs?',
      'Internal-only, no external calls?',
      'No ingress needed at all?',
    ]);
  });
});

describe('suggestProfile with a repository', () => {
  it('finds the same names in examples/homelab, by what each profile admits', async () => {
    const s = await suggestProfile({
      ask: asker({ internalIngress: true, externalApis: true }),
      root: EXAMPLE,
    });
    expect(s.profile).toBe('internal-egress');
    expect(s.match).toEqual({
      by: 'behaviour',
      admits: { internalGateway: true, externalGateway: false, https: true },
    });
  });

  it.each([
    [{ internetIngress: true }, 'public'],
    [{ internalIngress: true, externalApis: true }, 'lan-out'],
    [{ internalIngress: true }, 'lan'],
    [{ noIngress: true }, 'batch'],
  ])('uses the repository names and label domain: %j → %s', async (flags, profile) => {
    const s = await suggestProfile({ ask: asker(flags), root: RENAMED });
    expect(s.profile).toBe(profile);
    expect(s.domain).toBe('policy.example.org');
    expect(s.labels).toEqual({ 'policy.example.org/profile': profile });
    expect(s.match.note).toBeUndefined();
  });

  it('falls back to the profile admitting the least more, and says so', async () => {
    const repo = useRepo({});
    fs.cpSync(RENAMED, repo.root, { recursive: true });
    fs.rmSync(path.join(repo.root, 'profile-lan-out.yaml'));
    const s = await suggestProfile({
      ask: asker({ internalIngress: true, externalApis: true }),
      root: repo.root,
    });
    expect(s.profile).toBe('public');
    expect(s.match).toEqual({
      by: 'behaviour',
      admits: { internalGateway: true, externalGateway: true, https: true },
      note: 'No profile of the repository admits exactly what "internal-egress" admits; "public" admits the least more.',
    });
  });

  it("uses the seed's names in a repository without profiles", async () => {
    const repo = useRepo({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n' });
    const s = await suggestProfile({ ask: asker({ internalIngress: true }), root: repo.root });
    expect([s.profile, s.label, s.match.by]).toEqual(['internal', 'network-policy.homelab/profile', 'seed']);
  });
});
