/**
 * Limited-memory BFGS over a Float64Array, following the behaviour of
 * torch.optim.LBFGS(line_search_fn="strong_wolfe") for a single `step` call: two-loop recursion with the
 * scaling γ = sᵀy / yᵀy, a first step of min(1, 1/‖g‖₁)·lr, curvature pairs kept only when sᵀy > 1e-10,
 * and the same stopping rules (gradient max-norm, change in step or in loss, iteration and evaluation caps).
 * The one deliberate difference: the default history is 10 pairs (torch's default is 100).
 */

import { strongWolfe } from "./strong_wolfe.ts";

/** Objective: writes ∇f(x) into `gradOut` (same length as x) and returns f(x). Must not keep `x`. */
export type Objective = (x: Float64Array, gradOut: Float64Array) => number;

/** Settings; defaults follow torch.optim.LBFGS except `historySize`. */
export interface LbfgsOptions {
  /** Most iterations (default 100). */
  maxIter?: number;
  /** Most objective evaluations (default ⌊1.25·maxIter⌋, as torch). */
  maxEval?: number;
  /** Number of curvature pairs kept (default 10). */
  historySize?: number;
  /** Stop when max |∇f| <= this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the step or the change in f is below this (default 1e-9). */
  toleranceChange?: number;
  /** Step scale handed to the line search (default 1). */
  lr?: number;
}

/** Why the minimiser stopped. */
export type LbfgsStop =
  | "gradient"
  | "not-descent"
  | "max-iter"
  | "max-eval"
  | "step-small"
  | "loss-change"
  | "non-finite";

/** Result of a minimisation. */
export interface LbfgsResult {
  /** Final parameters (a new array). */
  x: Float64Array;
  /** Objective value at `x`. */
  f: number;
  /** Iterations run. */
  iterations: number;
  /** Objective evaluations spent. */
  evaluations: number;
  /** Stopping rule that fired. */
  stop: LbfgsStop;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new Error(`minimizeLbfgs: ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

/** Minimises `fn` from `x0` (not modified) with L-BFGS and a strong-Wolfe line search. */
export function minimizeLbfgs(fn: Objective, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const maxIter = positiveInt("maxIter", opts.maxIter ?? 100);
  const maxEval = positiveInt("maxEval", opts.maxEval ?? Math.floor(maxIter * 1.25));
  const m = positiveInt("historySize", opts.historySize ?? 10);
  const tolGrad = opts.toleranceGrad ?? 1e-7;
  const tolChange = opts.toleranceChange ?? 1e-9;
  const lr = opts.lr ?? 1;
  const n = x0.length;

  const x = Float64Array.from(x0);
  let g: Float64Array = new Float64Array(n);
  let f = fn(x, g);
  let evaluations = 1;
  const trial = new Float64Array(n);
  const done = (stop: LbfgsStop, iterations: number): LbfgsResult => ({
    x,
    f,
    iterations,
    evaluations,
    stop,
  });
  if (!Number.isFinite(f)) return done("non-finite", 0);
  if (maxAbs(g) <= tolGrad) return done("gradient", 0);

  // Curvature pairs in a ring buffer: s = step taken, y = change in gradient, rho = 1 / yᵀs.
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  let gPrev: Float64Array = new Float64Array(n);
  let t = 0;
  let gamma = 1;

  for (let iter = 1; iter <= maxIter; iter++) {
    if (iter === 1) {
      for (let i = 0; i < n; i++) d[i] = -g[i];
    } else {
      // New pair from the last step (s = t·d) and gradient change.
      const s = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        s[i] = t * d[i];
        y[i] = g[i] - gPrev[i];
      }
      const ys = dot(y, s);
      if (ys > 1e-10) {
        if (sHist.length === m) {
          sHist.shift();
          yHist.shift();
          rhoHist.shift();
        }
        sHist.push(s);
        yHist.push(y);
        rhoHist.push(1 / ys);
        gamma = ys / dot(y, y);
      }
      // Two-loop recursion: d = -H·g with H₀ = γ·I.
      for (let i = 0; i < n; i++) d[i] = -g[i];
      for (let j = sHist.length - 1; j >= 0; j--) {
        const a = rhoHist[j] * dot(sHist[j], d);
        alpha[j] = a;
        const yj = yHist[j];
        for (let i = 0; i < n; i++) d[i] -= a * yj[i];
      }
      for (let i = 0; i < n; i++) d[i] *= gamma;
      for (let j = 0; j < sHist.length; j++) {
        const b = rhoHist[j] * dot(yHist[j], d);
        const sj = sHist[j];
        const c = alpha[j] - b;
        for (let i = 0; i < n; i++) d[i] += c * sj[i];
      }
    }
    gPrev = g;
    const fPrev = f;

    if (iter === 1) {
      let l1 = 0;
      for (let i = 0; i < n; i++) l1 += Math.abs(g[i]);
      t = Math.min(1, 1 / l1) * lr;
    } else {
      t = lr;
    }
    const gtd = dot(g, d);
    if (gtd > -tolChange) return done("not-descent", iter);

    const ls = strongWolfe(
      (step) => {
        for (let i = 0; i < n; i++) trial[i] = x[i] + step * d[i];
        const gOut = new Float64Array(n);
        return { f: fn(trial, gOut), g: gOut };
      },
      d,
      f,
      g,
      gtd,
      t,
      { toleranceChange: tolChange },
    );
    t = ls.t;
    for (let i = 0; i < n; i++) x[i] += t * d[i];
    f = ls.f;
    g = ls.g;
    evaluations += ls.evaluations;

    if (!Number.isFinite(f)) return done("non-finite", iter);
    if (iter === maxIter) return done("max-iter", iter);
    if (evaluations >= maxEval) return done("max-eval", iter);
    if (maxAbs(g) <= tolGrad) return done("gradient", iter);
    if (Math.abs(t) * maxAbs(d) <= tolChange) return done("step-small", iter);
    if (Math.abs(f - fPrev) < tolChange) return done("loss-change", iter);
  }
  return done("max-iter", maxIter);
}
