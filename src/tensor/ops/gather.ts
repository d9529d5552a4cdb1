/**
 * The "gather" primitive, forward beside backward: over x viewed as [outer, axisLen, inner],
 * y[o, j, i] = x[o, idx[j], i]; the gradient scatter-adds gy back into a zeroed gx (repeated indices add up).
 * indexSelect and gatherAlong are built on it; importing this file is what registers the gradient.
 *
 * @module
 */
import { record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { emptyOn } from "./create.ts";

/**
 * Gathers `idx.size` slices of x along the middle axis of its [outer, axisLen, inner] view into a tensor of
 * `shape` (outer · idx.size · inner elements). `idx` holds integer positions in [0, axisLen) as float32; the
 * caller validates them. Records the op so its gradient reaches x.
 *
 * @example
 * ```ts
 * import { gatherIndexed } from "./src/tensor/ops/gather.ts";
 * import { tensor } from "./mod.ts";
 * const x = tensor([0, 1, 2, 3, 4, 5], [3, 2]);
 * const y = gatherIndexed(x, tensor([2, 0], [2]), [2, 2], 1, 3, 2); // rows 2 and 0: [4, 5, 0, 1]
 * ```
 */
export function gatherIndexed(
  x: Tensor,
  idx: Tensor,
  shape: number[],
  outer: number,
  axisLen: number,
  inner: number,
): Tensor {
  const y = emptyOn(x.backend, shape, record("gather", [x], [idx], { outer, axisLen, inner }));
  x.backend.gather(x.storage, idx.storage, y.storage, outer, axisLen, inner, idx.size);
  return y;
}

registerGradient("gather", (gy, node) => {
  const x = node.inputs[0];
  const [idx] = node.saved;
  const { outer, axisLen, inner } = node.attrs as { outer: number; axisLen: number; inner: number };
  const gx = emptyOn(x.backend, x.shape);
  x.backend.fill(gx.storage, 0);
  x.backend.scatterAdd(gy.storage, idx.storage, gx.storage, outer, axisLen, inner, idx.size);
  return [gx];
});
