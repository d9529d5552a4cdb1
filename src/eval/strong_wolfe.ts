/**
 * Strong-Wolfe line search with cubic interpolation (Nocedal & Wright, Algorithms 3.5 and 3.6), the
 * line search used by torch.optim.LBFGS(line_search_fn="strong_wolfe"): a bracketing phase that grows the
 * step until an interval holding an acceptable step is found, then a zoom phase that shrinks it.
 */

/** Value and gradient of the objective at `x + t·d`; the gradient array is owned by the caller afterwards. */
export type LineFunction = (t: number) => { f: number; g: Float64Array };

/** Outcome of one line search. */
export interface LineSearchResult {
  /** Accepted step length. */
  t: number;
  /** Objective value at the accepted step. */
  f: number;
  /** Gradient at the accepted step. */
  g: Float64Array;
  /** Number of objective evaluations spent. */
  evaluations: number;
}

/** Constants of the search; the defaults are torch's. */
export interface LineSearchOptions {
  /** Sufficient-decrease constant (Armijo). */
  c1?: number;
  /** Curvature constant. */
  c2?: number;
  /** Stop zooming when the bracket is narrower than this (in parameter space, i.e. |Δt|·‖d‖). */
  toleranceChange?: number;
  /** Most evaluations in one search. */
  maxEvaluations?: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Minimiser of the cubic through (t1, f1, slope g1) and (t2, f2, slope g2), clamped to [lo, hi]
 * (by default the interval between t1 and t2). Falls back to the midpoint when the cubic has no minimum.
 */
export function cubicMinimizer(
  t1: number,
  f1: number,
  g1: number,
  t2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const lo = bounds ? bounds[0] : Math.min(t1, t2);
  const hi = bounds ? bounds[1] : Math.max(t1, t2);
  const d1 = g1 + g2 - 3 * (f1 - f2) / (t1 - t2);
  const disc = d1 * d1 - g1 * g2;
  if (disc >= 0) {
    const d2 = Math.sqrt(disc);
    const t = t1 <= t2
      ? t2 - (t2 - t1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : t1 - (t1 - t2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}

/** One end of a bracket: step, value, gradient and directional derivative. */
interface Point {
  t: number;
  f: number;
  g: Float64Array;
  gtd: number;
}

/**
 * Finds a step `t` along `d` satisfying the strong Wolfe conditions
 * f(t) <= f0 + c1·t·gtd0 and |f'(t)| <= c2·|gtd0|, starting from the trial step `t0`.
 * `gtd0` must be negative (a descent direction). When the evaluation budget runs out the best point of
 * the final bracket is returned, as torch does.
 */
export function strongWolfe(
  phi: LineFunction,
  d: Float64Array,
  f0: number,
  g0: Float64Array,
  gtd0: number,
  t0: number,
  opts: LineSearchOptions = {},
): LineSearchResult {
  const c1 = opts.c1 ?? 1e-4;
  const c2 = opts.c2 ?? 0.9;
  const tolChange = opts.toleranceChange ?? 1e-9;
  const maxEvals = opts.maxEvaluations ?? 25;
  const dNorm = Math.sqrt(dot(d, d));

  const evalAt = (t: number): Point => {
    const r = phi(t);
    return { t, f: r.f, g: r.g, gtd: dot(r.g, d) };
  };

  let prev: Point = { t: 0, f: f0, g: g0, gtd: gtd0 };
  let cur = evalAt(t0);
  let evals = 1;
  // Bracketing phase: after it, `lo`/`hi` enclose an acceptable step, or `cur` is already acceptable.
  let a: Point | null = null;
  let b: Point | null = null;
  let steps = 0;
  while (evals < maxEvals) {
    if (cur.f > f0 + c1 * cur.t * gtd0 || (steps > 0 && cur.f >= prev.f)) {
      a = prev;
      b = cur;
      break;
    }
    if (Math.abs(cur.gtd) <= -c2 * gtd0) return { t: cur.t, f: cur.f, g: cur.g, evaluations: evals };
    if (cur.gtd >= 0) {
      a = prev;
      b = cur;
      break;
    }
    // Still descending: extrapolate to a longer step chosen by cubic interpolation within [1.01 t, 10 t].
    const minStep = cur.t + 0.01 * (cur.t - prev.t);
    const maxStep = cur.t * 10;
    const tNext = cubicMinimizer(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd, [minStep, maxStep]);
    prev = cur;
    cur = evalAt(tNext);
    evals++;
    steps++;
  }
  if (a === null || b === null) {
    // Budget spent while still extrapolating: zoom between 0 and the last step (no evaluations left,
    // so this only picks the better end).
    a = { t: 0, f: f0, g: g0, gtd: gtd0 };
    b = cur;
  }

  // Zoom phase: `lo` is the end with the lower value, `hi` the other one.
  let lo = a.f <= b.f ? a : b;
  let hi = a.f <= b.f ? b : a;
  let insufficientProgress = false;
  while (evals < maxEvals) {
    const left = Math.min(lo.t, hi.t);
    const right = Math.max(lo.t, hi.t);
    if ((right - left) * dNorm < tolChange) break;
    let t = cubicMinimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd);
    // Keep trial steps away from the bracket ends; if two trials in a row hug an end, move to 10% inside.
    const margin = 0.1 * (right - left);
    if (Math.min(right - t, t - left) < margin) {
      if (insufficientProgress || t >= right || t <= left) {
        t = Math.abs(t - right) < Math.abs(t - left) ? right - margin : left + margin;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    const p = evalAt(t);
    evals++;
    if (p.f > f0 + c1 * t * gtd0 || p.f >= lo.f) {
      hi = p;
    } else {
      if (Math.abs(p.gtd) <= -c2 * gtd0) {
        lo = p;
        break;
      }
      if (p.gtd * (hi.t - lo.t) >= 0) hi = lo;
      lo = p;
    }
    // Interpolate between the current bracket ends next time.
    a = lo;
    b = hi;
  }
  return { t: lo.t, f: lo.f, g: lo.g, evaluations: evals };
}
