/**
 * Linear probes on frozen features, following the reference evaluation (evaluation/linear_probe.py and
 * linear_probe_reg.py):
 *
 * - {@link linearProbe}: multinomial logistic regression (see logistic.ts). C is chosen by balanced
 *   accuracy on `val`, or, without `val`, on a stratified holdout of train (60 % fit / 40 % score, seeded
 *   shuffle), with the coarse + fine search of c_search.ts. The final model is refit with that C on
 *   train+val (on the whole train set when the holdout was used) and scored on test.
 * - {@link ridgeProbe}: ridge regression (see ridge.ts); alpha from the coarse grid only, chosen by the
 *   MSE on `val` or on a random 80/20 holdout of train (the reference's ShuffleSplit(train_size=0.8)),
 *   the first minimum on ties; refit on train+val and scored by MSE on test.
 */

import { searchRegularization } from "./c_search.ts";
import { argmaxRows, LogisticRegression } from "./logistic.ts";
import { accuracy, aurocBinary, balancedAccuracy, meanSquaredError } from "./metrics.ts";
import { fitRidge, predictRidge, ridgeMoments, solveRidge } from "./ridge.ts";
import { randomHoldout, stratifiedHoldout, takeLabels, takeRows } from "./split.ts";

/** Features [N, dim] row-major with integer class labels [N]. */
export interface LabelledFeatures {
  /** Features [N, dim] row-major. */
  x: Float32Array;
  /** Class labels [N]. */
  y: Int32Array;
}

/** Options of {@link linearProbe}. */
export interface LinearProbeOptions {
  /** Feature dimension D. */
  dim: number;
  /** Number of classes K (labels are 0..K-1). */
  numClasses: number;
  /** Split that chooses C; without it a stratified holdout of train is used. */
  val?: LabelledFeatures;
  /** "balanced" class weights n/(K·n_k) in the loss (default none, as the reference). */
  classWeight?: "balanced" | null;
  /** Seed of the holdout shuffle (default 0). */
  seed?: number;
  /** Fraction of train fitted during the search when there is no val (default 0.6). */
  trainFraction?: number;
  /** Run the fine search after the coarse grid (default true, the reference's fastsearch=False). */
  fineSearch?: boolean;
  /** L-BFGS iteration cap per fit (default 100). */
  maxIter?: number;
  /**
   * Standardise the features with the fitted samples' statistics before the fit (default true). The
   * reference fits the raw features, so directions a representation has shrunk stay expensive to use.
   */
  standardize?: boolean;
}

/** Test-set scores of a linear probe, as fractions. */
export interface ProbeResult {
  /** Macro recall (the reference's "acc1"; see metrics.ts). */
  balancedAccuracy: number;
  /** Plain accuracy. */
  accuracy: number;
  /** ROC AUC of P(class 1), for binary tasks whose test set holds both classes. */
  auroc?: number;
  /** Chosen inverse regularisation strength. */
  C: number;
}

function checkFeatures(
  fn: string,
  name: string,
  s: { x: ArrayLike<number>; y: { length: number } },
  dim: number,
  outputs = 1,
): void {
  const n = s.y.length / outputs;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${fn}: ${name} has ${s.y.length} targets, not a positive multiple of ${outputs}`);
  }
  if (s.x.length !== n * dim) {
    throw new Error(`${fn}: ${name}.x has length ${s.x.length}, expected N·dim = ${n}·${dim} = ${n * dim}`);
  }
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i])) {
      throw new Error(
        `${fn}: ${name}.x[${Math.floor(i / dim)}, ${i % dim}] is ${s.x[i]} (features must be finite)`,
      );
    }
  }
}

function checkLabels(fn: string, name: string, y: Int32Array, k: number): void {
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= k) throw new Error(`${fn}: ${name}.y[${i}] = ${y[i]} is outside 0..${k - 1}`);
  }
}

function concatRows<T extends Float32Array | Float64Array | Int32Array>(a: T, b: T): T {
  const out = new (a.constructor as { new (n: number): T })(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Fits a multinomial logistic-regression probe on frozen features with C searched by balanced accuracy (on
 * `val`, else on a stratified 60/40 holdout of train), refits with that C and scores it on `test`.
 *
 * @throws {Error} When dim or numClasses is invalid, a split's features do not have N·dim finite values, or a
 * label is outside 0..numClasses-1.
 *
 * @example
 * ```ts
 * import { linearProbe } from "./mod.ts";
 * // two separable classes in 2-D: the sign of the first feature is the label
 * const make = (n: number) => {
 *   const x = new Float32Array(2 * n), y = new Int32Array(n);
 *   for (let i = 0; i < n; i++) {
 *     y[i] = i % 2;
 *     x[2 * i] = (y[i] ? 1 : -1) * (1 + (i % 5) / 10);
 *     x[2 * i + 1] = (i % 7) / 10;
 *   }
 *   return { x, y };
 * };
 * const result = linearProbe(make(40), make(20), { dim: 2, numClasses: 2, fineSearch: false });
 * console.log(result.accuracy, result.balancedAccuracy); // 1 1
 * ```
 */
export function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  opts: LinearProbeOptions,
): ProbeResult {
  const fn = "linearProbe";
  const { dim, numClasses: K } = opts;
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${fn}: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(K) || K < 2) throw new Error(`${fn}: numClasses must be an integer >= 2, got ${K}`);
  for (const [name, s] of [["train", train], ["test", test], ["val", opts.val]] as const) {
    if (s === undefined) continue;
    checkFeatures(fn, name, s, dim);
    checkLabels(fn, name, s.y, K);
  }

  let fitPart: LabelledFeatures;
  let scorePart: LabelledFeatures;
  if (opts.val) {
    fitPart = train;
    scorePart = opts.val;
  } else {
    const h = stratifiedHoldout(train.y, opts.trainFraction ?? 0.6, opts.seed ?? 0);
    if (h.val.length === 0) {
      throw new Error(`${fn}: train (${train.y.length} samples) is too small for a holdout`);
    }
    fitPart = { x: takeRows(train.x, dim, h.train), y: takeLabels(train.y, h.train) };
    scorePart = { x: takeRows(train.x, dim, h.val), y: takeLabels(train.y, h.val) };
  }

  const model = (C: number) =>
    new LogisticRegression({
      dim,
      numClasses: K,
      C,
      classWeight: opts.classWeight ?? null,
      maxIter: opts.maxIter,
      standardize: opts.standardize ?? true,
    });
  const search = searchRegularization((C) => {
    const pred = model(C).fit(fitPart.x, fitPart.y).predict(scorePart.x);
    return balancedAccuracy(scorePart.y, pred, { numClasses: K });
  }, opts.fineSearch ?? true);

  const all = opts.val ? { x: concatRows(train.x, opts.val.x), y: concatRows(train.y, opts.val.y) } : train;
  const final = model(search.value).fit(all.x, all.y);
  const proba = final.predictProba(test.x);
  const pred = argmaxRows(proba, K);
  const result: ProbeResult = {
    balancedAccuracy: balancedAccuracy(test.y, pred, { numClasses: K }),
    accuracy: accuracy(test.y, pred),
    C: search.value,
  };
  if (K === 2) {
    let pos = 0;
    for (let i = 0; i < test.y.length; i++) pos += test.y[i];
    if (pos > 0 && pos < test.y.length) {
      const p1 = new Float64Array(test.y.length);
      for (let i = 0; i < p1.length; i++) p1[i] = proba[2 * i + 1];
      result.auroc = aurocBinary(test.y, p1);
    }
  }
  return result;
}

/** Features [N, dim] with real-valued targets [N, outputs] (row-major). */
export interface RegressionFeatures {
  /** Features [N, dim] row-major. */
  x: Float32Array;
  /** Targets [N, outputs] row-major. */
  y: Float32Array | Float64Array;
}

/** Options of {@link ridgeProbe}. */
export interface RidgeProbeOptions {
  /** Feature dimension D. */
  dim: number;
  /** Targets per sample T (default 1). */
  outputs?: number;
  /** Split that chooses alpha; without it a random holdout of train is used. */
  val?: RegressionFeatures;
  /** Seed of the holdout shuffle (default 0). */
  seed?: number;
  /** Fraction of train fitted during the search when there is no val (default 0.8, as the reference). */
  trainFraction?: number;
}

/** Test-set score of a ridge probe. */
export interface RidgeProbeResult {
  /** Test MSE, averaged over samples and outputs. */
  mse: number;
  /** Chosen alpha. */
  alpha: number;
}

/** Fits a ridge probe with alpha chosen on the coarse grid and scores it on `test`. */
export function ridgeProbe(
  train: RegressionFeatures,
  test: RegressionFeatures,
  opts: RidgeProbeOptions,
): RidgeProbeResult {
  const fn = "ridgeProbe";
  const { dim } = opts;
  const T = opts.outputs ?? 1;
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${fn}: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(T) || T < 1) throw new Error(`${fn}: outputs must be a positive integer, got ${T}`);
  for (const [name, s] of [["train", train], ["test", test], ["val", opts.val]] as const) {
    if (s === undefined) continue;
    checkFeatures(fn, name, s, dim, T);
    for (let i = 0; i < s.y.length; i++) {
      if (!Number.isFinite(s.y[i])) {
        throw new Error(`${fn}: ${name}.y[${i}] is ${s.y[i]} (targets must be finite)`);
      }
    }
  }

  let fitPart: RegressionFeatures;
  let scorePart: RegressionFeatures;
  if (opts.val) {
    fitPart = train;
    scorePart = opts.val;
  } else {
    const h = randomHoldout(train.y.length / T, opts.trainFraction ?? 0.8, opts.seed ?? 0);
    fitPart = { x: takeRows(train.x, dim, h.train), y: takeRows(train.y, T, h.train) };
    scorePart = { x: takeRows(train.x, dim, h.val), y: takeRows(train.y, T, h.val) };
  }
  const moments = ridgeMoments(fitPart.x, fitPart.y, dim, T);
  // Coarse grid only, lower MSE is better: search on the negated MSE (first maximum = first minimum).
  const search = searchRegularization(
    (alpha) => -meanSquaredError(scorePart.y, predictRidge(solveRidge(moments, alpha), scorePart.x)),
    false,
  );
  let all: { x: Float32Array; y: ArrayLike<number> } = train;
  if (opts.val) {
    const y = new Float64Array(train.y.length + opts.val.y.length);
    y.set(train.y);
    y.set(opts.val.y, train.y.length);
    all = { x: concatRows(train.x, opts.val.x), y };
  }
  const final = fitRidge(all.x, all.y, dim, search.value, T);
  return { mse: meanSquaredError(test.y, predictRidge(final, test.x)), alpha: search.value };
}
