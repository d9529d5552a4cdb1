/**
 * Ridge regression with an intercept, solved in closed form, matching sklearn Ridge(alpha) (the
 * reference's regression probe): minimise ‖Y - X·W - 1·bᵀ‖² + alpha·‖W‖² (sums, not means; the
 * intercept is not penalised). X and Y are centred, then (XcᵀXc + alpha·I)·W = XcᵀYc is solved by
 * Cholesky, and b = ȳ - x̄·W. Features are NOT standardised (sklearn does not either).
 *
 * The centred Gram matrix does not depend on alpha, so {@link ridgeMoments} computes it once and
 * {@link solveRidge} solves for any alpha in O(D³).
 */

/** Centred second moments of a regression problem. */
export interface RidgeMoments {
  /** Feature dimension D. */
  dim: number;
  /** Targets per sample T. */
  outputs: number;
  /** XcᵀXc [D, D] row-major (full, symmetric). */
  gram: Float64Array;
  /** XcᵀYc [D, T]. */
  xty: Float64Array;
  /** Feature means [D]. */
  xMean: Float64Array;
  /** Target means [T]. */
  yMean: Float64Array;
}

/** A fitted ridge model: prediction = x·weights + intercept. */
export interface RidgeModel {
  /** Feature dimension D. */
  dim: number;
  /** Targets per sample T. */
  outputs: number;
  /** Penalty the model was fitted with. */
  alpha: number;
  /** [D, T] row-major. */
  weights: Float64Array;
  /** [T]. */
  intercept: Float64Array;
}

/** Centred moments of features x [N, D] and targets y [N, T] (row-major). */
export function ridgeMoments(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  dim: number,
  outputs = 1,
): RidgeMoments {
  const n = y.length / outputs;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`ridgeMoments: targets of length ${y.length} do not hold N·${outputs} values`);
  }
  if (x.length !== n * dim) {
    throw new Error(`ridgeMoments: features have length ${x.length}, expected N·D = ${n}·${dim}`);
  }
  const T = outputs;
  const xMean = new Float64Array(dim);
  const yMean = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) xMean[d] += x[i * dim + d];
    for (let t = 0; t < T; t++) yMean[t] += y[i * T + t];
  }
  for (let d = 0; d < dim; d++) xMean[d] /= n;
  for (let t = 0; t < T; t++) yMean[t] /= n;
  const gram = new Float64Array(dim * dim);
  const xty = new Float64Array(dim * T);
  const xc = new Float64Array(dim);
  const yc = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) xc[d] = x[i * dim + d] - xMean[d];
    for (let t = 0; t < T; t++) yc[t] = y[i * T + t] - yMean[t];
    for (let a = 0; a < dim; a++) {
      const xa = xc[a];
      const row = a * dim;
      for (let b = a; b < dim; b++) gram[row + b] += xa * xc[b];
      for (let t = 0; t < T; t++) xty[a * T + t] += xa * yc[t];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) gram[a * dim + b] = gram[b * dim + a];
  for (let i = 0; i < gram.length; i++) {
    if (!Number.isFinite(gram[i])) {
      throw new Error("ridgeMoments: features or targets contain non-finite values");
    }
  }
  return { dim, outputs: T, gram, xty, xMean, yMean };
}

/**
 * In-place Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite [n, n] matrix (lower
 * triangle written into `a`). Returns false when a pivot is not positive.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= a[j * n + k] * a[j * n + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = a[i * n + j];
      const ri = i * n;
      const rj = j * n;
      for (let k = 0; k < j; k++) v -= a[ri + k] * a[rj + k];
      a[ri + j] = v / ljj;
    }
  }
  return true;
}

/** Solves L·Lᵀ·X = B in place for B [n, m] given the factor from {@link choleskyInPlace}. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let v = b[i * m + c];
      for (let k = 0; k < i; k++) v -= l[i * n + k] * b[k * m + c];
      b[i * m + c] = v / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let v = b[i * m + c];
      for (let k = i + 1; k < n; k++) v -= l[k * n + i] * b[k * m + c];
      b[i * m + c] = v / l[i * n + i];
    }
  }
}

/**
 * Ridge solution for one alpha (> 0). If rounding makes the system numerically indefinite (tiny alpha,
 * rank-deficient features), a jitter of 1e-12·mean(diag), growing tenfold, is added until it factors.
 */
export function solveRidge(m: RidgeMoments, alpha: number): RidgeModel {
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new Error(`solveRidge: alpha must be a finite number > 0, got ${alpha}`);
  }
  const D = m.dim;
  const T = m.outputs;
  let meanDiag = 0;
  for (let d = 0; d < D; d++) meanDiag += m.gram[d * D + d];
  meanDiag = meanDiag / D || 1;
  let jitter = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const a = Float64Array.from(m.gram);
    for (let d = 0; d < D; d++) a[d * D + d] += alpha + jitter;
    if (choleskyInPlace(a, D)) {
      const w = Float64Array.from(m.xty);
      choleskySolveInPlace(a, D, w, T);
      const intercept = Float64Array.from(m.yMean);
      for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) intercept[t] -= m.xMean[d] * w[d * T + t];
      return { dim: D, outputs: T, alpha, weights: w, intercept };
    }
    jitter = jitter === 0 ? 1e-12 * meanDiag : jitter * 10;
  }
  throw new Error(`solveRidge: the system is not positive definite even with jitter (alpha=${alpha})`);
}

/** Fits ridge regression on x [N, D] and y [N, T]. */
export function fitRidge(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  dim: number,
  alpha: number,
  outputs = 1,
): RidgeModel {
  return solveRidge(ridgeMoments(x, y, dim, outputs), alpha);
}

/** Predictions [N, T] of a ridge model for x [N, D]. */
export function predictRidge(model: RidgeModel, x: ArrayLike<number>): Float64Array {
  const { dim: D, outputs: T } = model;
  if (x.length % D !== 0) {
    throw new Error(`predictRidge: features have length ${x.length}, not a multiple of D = ${D}`);
  }
  const n = x.length / D;
  const out = new Float64Array(n * T);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) out[i * T + t] = model.intercept[t];
    for (let d = 0; d < D; d++) {
      const xv = x[i * D + d];
      for (let t = 0; t < T; t++) out[i * T + t] += xv * model.weights[d * T + t];
    }
  }
  return out;
}
