/** Constant (gradient-free) masks the objectives add to or multiply with their logit matrices. */
import { Tensor } from "../tensor/mod.ts";

/** A constant tensor with `values` on the same backend as `like`. */
export function constantLike(like: Tensor, values: Float32Array, shape: number[]): Tensor {
  return new Tensor(like.backend.fromHost(values), shape, like.backend);
}

/**
 * A [rows, blocks * rows] matrix that is `value` at (b, t * rows + b) for every block t and 0 elsewhere:
 * `blocks` identity matrices side by side, scaled. With value = -1e8 it removes each row's "self" entries
 * from a logit matrix, as the official code does (exp of the shifted entry underflows to exactly 0).
 */
export function tiledDiagonal(like: Tensor, rows: number, blocks: number, value: number): Tensor {
  const cols = rows * blocks;
  const v = new Float32Array(rows * cols);
  for (let t = 0; t < blocks; t++) for (let b = 0; b < rows; b++) v[b * cols + t * rows + b] = value;
  return constantLike(like, v, [rows, cols]);
}
