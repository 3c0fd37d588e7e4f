/**
 * The growth exponent of a benchmark: k in t ∝ N^k (issue 13 asks k ≤ 1.1 for load, matrix and lint from
 * 1,000 to 20,000 namespaces). Kept apart so a measuring child process imports nothing else.
 */

/** A measured time at one size. */
export interface GrowthPoint {
  /** Size (application namespaces). */
  readonly n: number;
  /** Time, ms. */
  readonly ms: number;
}

/**
 * The exponent k of t ∝ N^k: the least-squares slope of log t over log N.
 * @param points - At least two points with distinct sizes and positive times.
 * @returns k; NaN when fewer than two usable points.
 */
export function growthExponent(points: readonly GrowthPoint[]): number {
  const xs = points.filter((p) => p.n > 0 && p.ms > 0);
  if (xs.length < 2) return Number.NaN;
  const lx = xs.map((p) => Math.log(p.n));
  const ly = xs.map((p) => Math.log(p.ms));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += ((lx[i] as number) - mx) * ((ly[i] as number) - my);
    den += ((lx[i] as number) - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
