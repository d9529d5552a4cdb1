/**
 * Multinomial logistic regression fitted with L-BFGS, as the reference linear probe
 * (evaluation/logistic_regression.py): zero-initialised weights W [D, K] and bias b [K], and the loss
 *
 *   L(W, b) = Σᵢ wᵢ·CE(xᵢ W + b, yᵢ) / Σᵢ wᵢ  +  (1/C)·0.5·‖W‖_F
 *
 * with the Frobenius NORM (not its square) and no penalty on the bias. wᵢ = 1 without class weights
 * (a plain mean); with classWeight "balanced", wᵢ = n/(K·n_{yᵢ}) computed on the fitted samples (the
 * weighted mean is torch CrossEntropyLoss(weight=...)'s reduction).
 *
 * Choices of this implementation (documented, not in the reference):
 * - Features are standardised per column with mean/std fitted on the samples passed to `fit`; the same
 *   statistics are applied in `predict`. The reference feeds raw features.
 * - ‖W‖ is not differentiable at W = 0. The objective's gradient takes the penalty's contribution there
 *   as 0 (torch's convention for norm()). Because the problem is convex, W = 0 is the exact minimiser
 *   iff ‖∇_W CE(0, b*)‖_F <= 0.5/C where b* is the best intercept-only model (b*_k = log of the weighted
 *   class frequency). `fit` tests this first and returns that exact solution without iterating; L-BFGS
 *   would otherwise hover around W = 0 with tiny, direction-dependent weights.
 */

import { type LbfgsStop, minimizeLbfgs } from "./lbfgs.ts";
import { type LogisticData, logisticObjective } from "./logistic_objective.ts";
import { applyStandardizer, fitStandardizer, type Standardizer } from "./standardize.ts";

/** Settings of a logistic-regression model. */
export interface LogisticOptions {
  /** Number of input features D. */
  dim: number;
  /** Number of classes K (labels are 0..K-1). */
  numClasses: number;
  /** Inverse regularisation strength (> 0). */
  C: number;
  /** "balanced" weighs class k by n/(K·n_k); null/undefined: every sample weighs 1. */
  classWeight?: "balanced" | null;
  /** L-BFGS iteration cap (default 100, as the reference). */
  maxIter?: number;
  /** L-BFGS history size (default 10). */
  historySize?: number;
  /** Standardise features with training statistics (default true). */
  standardize?: boolean;
}

/** Diagnostics of the last fit. */
export interface LogisticFitInfo {
  /** Final objective value. */
  loss: number;
  /** L-BFGS iterations run (0 when W = 0 was optimal). */
  iterations: number;
  /** Objective evaluations spent. */
  evaluations: number;
  /** L-BFGS stopping rule, or "zero-optimal" when W = 0 was shown optimal without iterating. */
  stop: LbfgsStop | "zero-optimal";
}

/** Per-sample weights n/(K·n_{yᵢ}) (sklearn's "balanced"). */
export function balancedSampleWeights(y: Int32Array, numClasses: number): Float64Array {
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const w = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) w[i] = y.length / (numClasses * counts[y[i]]);
  return w;
}

function toFloat64(x: ArrayLike<number>): Float64Array {
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

/** Multinomial logistic regression (see the module comment for the loss and the choices made). */
export class LogisticRegression {
  /** Settings given at construction. */
  readonly options: Readonly<LogisticOptions>;
  /** Weights [D, K] row-major, in standardised feature space when standardising. */
  weights: Float64Array;
  /** Bias [K]. */
  bias: Float64Array;
  /** Feature statistics fitted in `fit` (null when not standardising or not fitted). */
  standardizer: Standardizer | null = null;
  /** Diagnostics of the last fit (null before fitting). */
  fitInfo: LogisticFitInfo | null = null;

  /** Validates the settings; weights start at zero. */
  constructor(options: LogisticOptions) {
    const { dim, numClasses, C } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new Error(`LogisticRegression: dim must be a positive integer, got ${dim}`);
    }
    if (!Number.isInteger(numClasses) || numClasses < 2) {
      throw new Error(`LogisticRegression: numClasses must be an integer >= 2, got ${numClasses}`);
    }
    if (!(C > 0) || !Number.isFinite(C)) {
      throw new Error(`LogisticRegression: C must be a finite number > 0, got ${C}`);
    }
    this.options = { ...options };
    this.weights = new Float64Array(dim * numClasses);
    this.bias = new Float64Array(numClasses);
  }

  /** Fits on features x [N, D] (row-major) and labels y [N] in 0..K-1. Returns this. */
  fit(x: ArrayLike<number>, y: Int32Array): this {
    const { dim, numClasses: K, C } = this.options;
    const n = y.length;
    if (n === 0) throw new Error("LogisticRegression.fit: no samples");
    if (x.length !== n * dim) {
      throw new Error(`LogisticRegression.fit: features have length ${x.length}, expected N·D = ${n}·${dim}`);
    }
    for (let i = 0; i < n; i++) {
      if (!(y[i] >= 0 && y[i] < K)) {
        throw new Error(`LogisticRegression.fit: label ${y[i]} at index ${i} is outside 0..${K - 1}`);
      }
    }
    let xs: Float64Array;
    if (this.options.standardize ?? true) {
      this.standardizer = fitStandardizer(x, dim);
      xs = applyStandardizer(this.standardizer, x);
    } else {
      this.standardizer = null;
      xs = toFloat64(x);
    }
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i])) {
        throw new Error(
          `LogisticRegression.fit: feature ${i % dim} of sample ${Math.floor(i / dim)} is not finite`,
        );
      }
    }
    const sampleWeight = this.options.classWeight === "balanced" ? balancedSampleWeights(y, K) : undefined;
    const data: LogisticData = { x: xs, y, sampleWeight };
    const objective = logisticObjective(data, dim, K, C);

    const zero = this.zeroWeightSolution(data);
    if (zero !== null) {
      this.weights = new Float64Array(dim * K);
      this.bias = zero.bias;
      this.fitInfo = { loss: zero.loss, iterations: 0, evaluations: 0, stop: "zero-optimal" };
      return this;
    }
    const res = minimizeLbfgs(objective, new Float64Array(dim * K + K), {
      maxIter: this.options.maxIter ?? 100,
      historySize: this.options.historySize ?? 10,
    });
    // θ holds W class-major [K, D]; expose it as [D, K].
    this.weights = new Float64Array(dim * K);
    for (let k = 0; k < K; k++) for (let d = 0; d < dim; d++) this.weights[d * K + k] = res.x[k * dim + d];
    this.bias = res.x.slice(dim * K);
    this.fitInfo = { loss: res.f, iterations: res.iterations, evaluations: res.evaluations, stop: res.stop };
    return this;
  }

  /**
   * The intercept-only model, returned when W = 0 satisfies the optimality condition
   * ‖∇_W CE(0, b*)‖_F <= 0.5/C; null otherwise.
   */
  private zeroWeightSolution(data: LogisticData): { bias: Float64Array; loss: number } | null {
    const { dim, numClasses: K, C } = this.options;
    const { x, y, sampleWeight } = data;
    const freq = new Float64Array(K);
    let total = 0;
    for (let i = 0; i < y.length; i++) {
      const w = sampleWeight ? sampleWeight[i] : 1;
      freq[y[i]] += w;
      total += w;
    }
    let minLog = 0;
    for (let k = 0; k < K; k++) {
      freq[k] /= total;
      if (freq[k] > 0) minLog = Math.min(minLog, Math.log(freq[k]));
    }
    // A class absent from the data has no finite optimum (b_k -> -inf); 30 nats below the rarest present
    // class makes its probability negligible (< 1e-13 relative).
    const bias = new Float64Array(K);
    for (let k = 0; k < K; k++) bias[k] = freq[k] > 0 ? Math.log(freq[k]) : minLog - 30;
    // With W = 0 every sample has probabilities p = softmax(b*), so ∇_W = Σᵢ wᵢ xᵢ (p - e_yᵢ) / Σ wᵢ.
    let se = 0;
    for (let k = 0; k < K; k++) se += Math.exp(bias[k]);
    const p = new Float64Array(K);
    for (let k = 0; k < K; k++) p[k] = Math.exp(bias[k]) / se;
    const g = new Float64Array(dim * K);
    let loss = 0;
    for (let i = 0; i < y.length; i++) {
      const w = (sampleWeight ? sampleWeight[i] : 1) / total;
      const xo = i * dim;
      const yi = y[i];
      loss -= w * Math.log(p[yi]);
      for (let d = 0; d < dim; d++) {
        const xv = w * x[xo + d];
        const go = d * K;
        for (let k = 0; k < K; k++) g[go + k] += xv * (k === yi ? p[k] - 1 : p[k]);
      }
    }
    let sq = 0;
    for (let j = 0; j < g.length; j++) sq += g[j] * g[j];
    return Math.sqrt(sq) <= 0.5 / C ? { bias, loss } : null;
  }

  /** Logits x·W + b [N, K] for raw (unstandardised) features x [N, D]. */
  decisionFunction(x: ArrayLike<number>): Float64Array {
    const { dim, numClasses: K } = this.options;
    if (this.fitInfo === null) throw new Error("LogisticRegression: call fit() before predicting");
    if (x.length % dim !== 0) {
      throw new Error(`LogisticRegression: features have length ${x.length}, not a multiple of D = ${dim}`);
    }
    const xs = this.standardizer ? applyStandardizer(this.standardizer, x) : toFloat64(x);
    const n = xs.length / dim;
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      const xo = i * dim;
      const oo = i * K;
      for (let k = 0; k < K; k++) out[oo + k] = this.bias[k];
      for (let d = 0; d < dim; d++) {
        const xv = xs[xo + d];
        const wo = d * K;
        for (let k = 0; k < K; k++) out[oo + k] += xv * this.weights[wo + k];
      }
    }
    return out;
  }

  /** Class probabilities softmax(x·W + b) [N, K]. */
  predictProba(x: ArrayLike<number>): Float64Array {
    const K = this.options.numClasses;
    const z = this.decisionFunction(x);
    for (let o = 0; o < z.length; o += K) {
      let mx = z[o];
      for (let k = 1; k < K; k++) if (z[o + k] > mx) mx = z[o + k];
      let se = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(z[o + k] - mx);
        z[o + k] = e;
        se += e;
      }
      for (let k = 0; k < K; k++) z[o + k] /= se;
    }
    return z;
  }

  /** Most probable class per sample (the first on ties). */
  predict(x: ArrayLike<number>): Int32Array {
    return argmaxRows(this.decisionFunction(x), this.options.numClasses);
  }
}

/** Index of the largest entry of each row of a row-major [N, K] matrix (the first on ties). */
export function argmaxRows(m: ArrayLike<number>, numCols: number): Int32Array {
  const n = m.length / numCols;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * numCols;
    let best = 0;
    for (let k = 1; k < numCols; k++) if (m[o + k] > m[o + best]) best = k;
    out[i] = best;
  }
  return out;
}
