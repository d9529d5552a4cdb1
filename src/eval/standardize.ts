/**
 * Per-feature standardisation z = (x - mean) / std for the probes. The statistics are fitted on the
 * samples a model is trained on (the training part during the C search, train+val for the final refit)
 * and then applied unchanged to held-out samples, so no information leaks from them. std is the
 * population standard deviation; a constant feature (std < 1e-12·(1+|mean|)) is only centred (std 1).
 */

/** Fitted per-feature statistics. */
export interface Standardizer {
  /** Number of features. */
  dim: number;
  /** Per-feature mean [dim]. */
  mean: Float64Array;
  /** Per-feature divisor [dim] (1 for constant features). */
  std: Float64Array;
}

/** Fits mean and std of each of the `dim` columns of the row-major matrix `x` [N, dim]. */
export function fitStandardizer(x: ArrayLike<number>, dim: number): Standardizer {
  const n = x.length / dim;
  if (!Number.isInteger(dim) || dim < 1 || !Number.isInteger(n) || n < 1) {
    throw new Error(`fitStandardizer: feature length ${x.length} is not a positive multiple of dim=${dim}`);
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let d = 0; d < dim; d++) mean[d] += x[o + d];
  }
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const std = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let d = 0; d < dim; d++) {
      const e = x[o + d] - mean[d];
      std[d] += e * e;
    }
  }
  for (let d = 0; d < dim; d++) {
    const s = Math.sqrt(std[d] / n);
    std[d] = s > 1e-12 * (1 + Math.abs(mean[d])) ? s : 1;
  }
  return { dim, mean, std };
}

/** Returns (x - mean) / std as a new Float64Array [N, dim]. */
export function applyStandardizer(s: Standardizer, x: ArrayLike<number>): Float64Array {
  if (x.length % s.dim !== 0) {
    throw new Error(`applyStandardizer: feature length ${x.length} is not a multiple of dim=${s.dim}`);
  }
  const out = new Float64Array(x.length);
  const n = x.length / s.dim;
  for (let i = 0; i < n; i++) {
    const o = i * s.dim;
    for (let d = 0; d < s.dim; d++) out[o + d] = (x[o + d] - s.mean[d]) / s.std[d];
  }
  return out;
}
