/**
 * The "normalizeRows" primitive, forward beside backward: each row of a [rows, cols] view becomes
 * (x - mean) / sqrt(var + eps) with the biased variance, in one fused backend kernel each way. The forward
 * also returns the rows' mean and 1/std (batch norm's running statistics use them). LayerNorm's
 * normalizeLastAxis and batchNorm are built on it; importing this file is what registers the gradient.
 *
 * @module
 */
import { record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { emptyOn } from "./create.ts";

/** What {@link normalizeRowsOf} returns: the normalised rows and, per row, the mean and 1/std. */
export interface NormalizedRows {
  /** The normalised values, x's shape. */
  y: Tensor;
  /** Per-row mean [rows] (no gradient). */
  mean: Tensor;
  /** Per-row 1 / sqrt(var + eps) [rows] (no gradient; saved for the backward). */
  rstd: Tensor;
}

/**
 * Normalises the last axis of x (any shape; rows = size / last axis). Records the op so its gradient
 * reaches x.
 *
 * @example
 * ```ts
 * import { normalizeRowsOf } from "./src/tensor/ops/normalize_rows.ts";
 * import { tensor } from "./mod.ts";
 * const { y } = normalizeRowsOf(tensor([1, 3, 2, 6], [2, 2]), 1e-5); // rows ≈ [-1, 1], [-1, 1]
 * ```
 */
export function normalizeRowsOf(x: Tensor, eps: number): NormalizedRows {
  const cols = x.shape[x.rank - 1], rows = x.size / cols;
  const b = x.backend;
  const mean = emptyOn(b, [rows]), rstd = emptyOn(b, [rows]);
  const y = emptyOn(b, x.shape, record("normalizeRows", [x], [rstd]));
  b.normalizeRows(x.storage, y.storage, mean.storage, rstd.storage, rows, cols, eps);
  return { y, mean, rstd };
}

registerGradient("normalizeRows", (gy, node, y) => {
  const [rstd] = node.saved;
  const cols = y.shape[y.rank - 1];
  const gx = emptyOn(y.backend, y.shape);
  y.backend.normalizeRowsGrad(y.storage, rstd.storage, gy.storage, gx.storage, y.size / cols, cols);
  return [gx];
});
