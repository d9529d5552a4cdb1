/**
 * Two-stage search of a regularisation constant, as the reference linear probe
 * (evaluation/linear_probe.py::train_linear_probe):
 *
 * 1. Coarse: score every value of {1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6}; the best is the first maximum.
 * 2. Fine: the 29 values 10^(e + j/7), j = -14..14, around the coarse best 10^e (8 steps per decade,
 *    ±2 decades), kept within [1e-6, 1e6]. A binary search over this sorted list scores the points at
 *    25/50/75 % of the current list and keeps the half (or the middle half) centred on the best of the
 *    three (ties: the 25 % point first, then the 75 % point, else the middle). This visits about 11 of
 *    the 29 values. The result is the first maximum among the coarse best and the fine values visited,
 *    in visiting order.
 *
 * Values are identified by their exponent index 7·e + j, so a value met in both stages is scored once.
 */

/** Outcome of a search. */
export interface CSearchResult {
  /** Chosen value. */
  value: number;
  /** Its score. */
  score: number;
  /** Every value scored, in order, with its score. */
  scored: Array<{ value: number; score: number }>;
}

/** The coarse grid as exponents of 10. */
export const COARSE_EXPONENTS: readonly number[] = [-6, -4, -2, 0, 2, 4, 6];

/** Steps per decade of the fine grid. */
const STEPS = 7;

/** Searches for the value maximising `score` (higher is better). `fine: false` stops after stage 1. */
export function searchRegularization(score: (value: number) => number, fine = true): CSearchResult {
  const cache = new Map<number, number>();
  const scored: Array<{ value: number; score: number }> = [];
  const valueOf = (index: number): number => Math.pow(10, index / STEPS);
  const scoreAt = (index: number): number => {
    let s = cache.get(index);
    if (s === undefined) {
      const value = valueOf(index);
      s = score(value);
      if (Number.isNaN(s)) throw new Error(`searchRegularization: score of ${value} is NaN`);
      cache.set(index, s);
      scored.push({ value, score: s });
    }
    return s;
  };

  let bestIndex = STEPS * COARSE_EXPONENTS[0];
  let bestScore = -Infinity;
  for (const e of COARSE_EXPONENTS) {
    const s = scoreAt(STEPS * e);
    if (s > bestScore) {
      bestScore = s;
      bestIndex = STEPS * e;
    }
  }
  if (!fine) return { value: valueOf(bestIndex), score: bestScore, scored };

  const lo = STEPS * COARSE_EXPONENTS[0];
  const hi = STEPS * COARSE_EXPONENTS[COARSE_EXPONENTS.length - 1];
  let list: number[] = [];
  for (let j = -2 * STEPS; j <= 2 * STEPS; j++) {
    const idx = bestIndex + j;
    if (idx >= lo && idx <= hi) list.push(idx);
  }
  const visited: number[] = [bestIndex];
  while (list.length > 1) {
    const L = list.length;
    const q = Math.floor(L / 4);
    const i25 = list[q];
    const i50 = list[Math.floor(L / 2)];
    const i75 = list[L - Math.ceil(L / 4)];
    for (const idx of [i25, i50, i75]) {
      scoreAt(idx);
      if (!visited.includes(idx)) visited.push(idx);
    }
    const s25 = cache.get(i25)!;
    const s50 = cache.get(i50)!;
    const s75 = cache.get(i75)!;
    const mx = Math.max(s25, s50, s75);
    if (mx === s25) list = list.slice(0, Math.floor(L / 2));
    else if (mx === s75) list = list.slice(Math.floor(L / 2));
    else list = list.slice(q, L - Math.ceil(L / 4));
  }
  let best = visited[0];
  for (const idx of visited) if (cache.get(idx)! > cache.get(best)!) best = idx;
  return { value: valueOf(best), score: cache.get(best)!, scored };
}
