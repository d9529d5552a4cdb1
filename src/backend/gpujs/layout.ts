/**
 * Host-side planning of the strided kernels (no element is computed here): merging dims that are contiguous
 * in every operand, padding to the kernels' fixed rank, splitting a higher rank into launches over the
 * leading dims, and deciding whether a destination view can be written by a gather over its span.
 *
 * @example
 * ```ts
 * import { mergeDims, padFront } from "./src/backend/gpujs/layout.ts";
 * // a [2, 3, 4] view contiguous in both operands is one dim of 24
 * const v = mergeDims([2, 3, 4], [[12, 4, 1], [12, 4, 1]]);
 * console.log(v.shape, padFront(v.shape, 1)); // [24] [1, 1, 1, 1, 1, 1, 1, 24]
 * ```
 * @module
 */

/**
 * Dims a strided kernel takes: its loops over dims have this constant bound, as gpu.js requires.
 *
 * @example
 * ```ts
 * import { MAX_RANK } from "./src/backend/gpujs/layout.ts";
 * console.log(MAX_RANK); // 8
 * ```
 */
export const MAX_RANK = 8;

/**
 * A shape and, per operand, its element strides over that shape.
 *
 * @example
 * ```ts
 * import type { StridedView } from "./src/backend/gpujs/layout.ts";
 * const transpose: StridedView = { shape: [3, 2], strides: [[1, 3], [2, 1]] }; // source, destination
 * ```
 */
export interface StridedView {
  /** The extents, outermost first. */
  shape: number[];
  /** One stride list per operand, each as long as `shape`. */
  strides: number[][];
}

/**
 * Number of elements of a shape (1 for rank 0).
 *
 * @example
 * ```ts
 * import { sizeOfShape } from "./src/backend/gpujs/layout.ts";
 * console.log(sizeOfShape([2, 3, 4]), sizeOfShape([])); // 24 1
 * ```
 */
export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major contiguous strides of a shape.
 *
 * @example
 * ```ts
 * import { contiguousStrides } from "./src/backend/gpujs/layout.ts";
 * console.log(contiguousStrides([2, 3, 4])); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) st[d] = st[d + 1] * shape[d + 1];
  return st;
}

/**
 * Drops size-1 dims and merges each pair of adjacent dims that every operand walks contiguously
 * (stride[d] = stride[d + 1] · shape[d + 1]); the element order and every address stay the same.
 *
 * @example
 * ```ts
 * import { mergeDims } from "./src/backend/gpujs/layout.ts";
 * // b broadcasts over the middle dim, so no pair of dims is contiguous in both: nothing merges
 * console.log(mergeDims([2, 3, 4], [[12, 4, 1], [4, 0, 1]]).shape); // [2, 3, 4]
 * console.log(mergeDims([1, 5, 1], [[5, 1, 1]]).shape); // [5]
 * ```
 */
export function mergeDims(shape: readonly number[], strides: readonly (readonly number[])[]): StridedView {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 &&
      strides.every((st, k) => outStrides[k][last] === st[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((st, k) => outStrides[k][last] = st[d]);
    } else {
      outShape.push(shape[d]);
      strides.forEach((st, k) => outStrides[k].push(st[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * `values` (at most MAX_RANK long) padded in front to MAX_RANK entries of `fill`.
 *
 * @example
 * ```ts
 * import { padFront } from "./src/backend/gpujs/layout.ts";
 * console.log(padFront([3, 4], 1)); // [1, 1, 1, 1, 1, 1, 3, 4]
 * ```
 */
export function padFront(values: readonly number[], fill: number): number[] {
  if (values.length > MAX_RANK) throw new Error(`gpujs: rank ${values.length} above ${MAX_RANK}`);
  return [...new Array<number>(MAX_RANK - values.length).fill(fill), ...values];
}

/**
 * Splits a view of rank above MAX_RANK into views of rank MAX_RANK over its leading dims: calls `fn` once per
 * leading multi-index (row-major), with each operand's offset moved to that block and the block's number.
 * A view of rank MAX_RANK or less is one block.
 *
 * @example
 * ```ts
 * import { forEachBlock } from "./src/backend/gpujs/layout.ts";
 * const shape = new Array(9).fill(2), strides = [shape.map((_, d) => 2 ** (8 - d))];
 * forEachBlock({ shape, strides }, [0], (offsets, inner, block) => console.log(block, offsets, inner.shape.length));
 * // 0 [0] 8, then 1 [256] 8
 * ```
 */
export function forEachBlock(
  view: StridedView,
  offsets: readonly number[],
  fn: (offsets: number[], inner: StridedView, block: number) => void,
): void {
  const lead = Math.max(0, view.shape.length - MAX_RANK);
  const inner: StridedView = {
    shape: view.shape.slice(lead),
    strides: view.strides.map((st) => st.slice(lead)),
  };
  const blocks = sizeOfShape(view.shape.slice(0, lead));
  const idx = new Array<number>(lead).fill(0);
  for (let b = 0; b < blocks; b++) {
    fn(offsets.map((o, k) => o + idx.reduce((s, i, d) => s + i * view.strides[k][d], 0)), inner, b);
    for (let d = lead - 1; d >= 0; d--) {
      if (++idx[d] < view.shape[d]) break;
      idx[d] = 0;
    }
  }
}

/**
 * A destination view that a gather over its span can write: its dims by decreasing stride, and the span.
 *
 * @example
 * ```ts
 * import type { InvertibleView } from "./src/backend/gpujs/layout.ts";
 * const columnsOf4x5: InvertibleView = { order: [0, 1], span: 20 };
 * ```
 */
export interface InvertibleView {
  /** Dim positions ordered by decreasing stride. */
  order: number[];
  /** Elements from the view's first to its last address, inclusive. */
  span: number;
}

/**
 * Whether the view (merged dims, all of extent at least 2) reaches each address at most once and in a way
 * that greedy division by its strides undoes: every stride positive and larger than the reach of all smaller
 * ones, Σ (extent - 1) · stride. Returns the dims by decreasing stride and the span, or null.
 *
 * @example
 * ```ts
 * import { invertibleView } from "./src/backend/gpujs/layout.ts";
 * console.log(invertibleView([3, 4], [1, 3])); // { order: [1, 0], span: 12 }: a transposed write
 * console.log(invertibleView([3, 4], [0, 1])); // null: stride 0 writes one row three times
 * ```
 */
export function invertibleView(shape: readonly number[], strides: readonly number[]): InvertibleView | null {
  const order = shape.map((_, d) => d).sort((p, q) => strides[q] - strides[p]);
  let reach = 0;
  for (let k = order.length - 1; k >= 0; k--) {
    const d = order[k];
    if (!(strides[d] > reach)) return null;
    reach += (shape[d] - 1) * strides[d];
  }
  return { order, span: reach + 1 };
}
