/**
 * Correlation statistics: absolute percentage errors, Pearson correlation, and ranking
 * agreement with ties from the measured spread.
 *
 * APE of a case = |simulated - measured| / measured (measured = the median). MAPE = mean APE.
 * Pearson r is given on raw times and on log10 times (times span five decades, so the raw r
 * is dominated by the largest cases; the log r weighs every decade alike).
 *
 * Ranking within a group (cases that differ only in strategy or mechanism): two measured
 * cases tie when either's median lies within the other's [min, max]. The measured fastest is
 * the case with the smallest median; its tie set is every case that ties with it. Two
 * simulated times tie when they agree to a relative 1e-9. The group agrees when every case
 * the simulator calls fastest is in the measured tie set. Pairwise: over the pairs of the
 * group that do not tie when measured, the share whose simulated order is the same (a
 * simulated tie does not count as the same order).
 */

export function ape(simulated: number, measured: number): number {
  return Math.abs(simulated - measured) / measured;
}

export function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Pearson correlation coefficient; null with fewer than 2 points or no variance. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Pearson r of log10 values (pairs with a non-positive value are left out). */
export function pearsonLog(xs: readonly number[], ys: readonly number[]): number | null {
  const lx: number[] = [];
  const ly: number[] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++)
    if (xs[i]! > 0 && ys[i]! > 0) {
      lx.push(Math.log10(xs[i]!));
      ly.push(Math.log10(ys[i]!));
    }
  return pearson(lx, ly);
}

export interface RankItem {
  id: string;
  measured: { median: number; min: number; max: number };
  simulated: number;
}

export interface RankResult {
  measuredFastest: string;
  /** Cases tied with the measured fastest (itself included). */
  tied: string[];
  /** Cases the simulator calls fastest (more than one on a simulated tie). */
  simulatedFastest: string[];
  agree: boolean;
  /** Pairs whose measured order is clear (not tied), and those the simulator orders the same. */
  pairs: number;
  concordant: number;
}

export const SIM_TIE_REL = 1e-9;

export function measuredTie(a: RankItem['measured'], b: RankItem['measured']): boolean {
  return (a.median >= b.min && a.median <= b.max) || (b.median >= a.min && b.median <= a.max);
}

export function simulatedTie(a: number, b: number): boolean {
  return Math.abs(a - b) <= SIM_TIE_REL * Math.max(Math.abs(a), Math.abs(b));
}

/** Ranking agreement of one group (times in one unit). Needs at least one item. */
export function rankGroup(items: readonly RankItem[]): RankResult {
  if (items.length === 0) throw new Error('rankGroup: empty group');
  let f = items[0]!;
  for (const x of items) if (x.measured.median < f.measured.median) f = x;
  const tied = items.filter((x) => measuredTie(x.measured, f.measured)).map((x) => x.id);
  let best = items[0]!.simulated;
  for (const x of items) if (x.simulated < best) best = x.simulated;
  const simulatedFastest = items.filter((x) => simulatedTie(x.simulated, best)).map((x) => x.id);
  const agree = simulatedFastest.every((id) => tied.includes(id));
  let pairs = 0;
  let concordant = 0;
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i]!;
      const b = items[j]!;
      if (measuredTie(a.measured, b.measured)) continue;
      pairs++;
      if (simulatedTie(a.simulated, b.simulated)) continue;
      if (a.measured.median < b.measured.median === a.simulated < b.simulated) concordant++;
    }
  return { measuredFastest: f.id, tied, simulatedFastest, agree, pairs, concordant };
}
