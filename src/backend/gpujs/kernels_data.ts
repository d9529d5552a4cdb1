/**
 * gpu.js kernel bodies of the reductions and data movement: reductions over the middle axis of
 * [outer, r, inner], strided copies (a gather from the source, or a gather over the destination's span that
 * keeps the elements the view does not cover), row gathers and their adjoint scatter-add (as a gather over
 * the destination rows, from a host-built list of the index positions per row).
 *
 * Index arithmetic divides with `Math.floor((r + 0.5) / d)`: exact for integers in double arithmetic, and
 * robust to inexact float32 division on a GPU. Loops with a constant bound (the 8 padded dims) are plain
 * loops; loops over an argument are bounded by the kernel's `loopMaxIterations`, checked before each call.
 *
 * @example
 * ```ts ignore
 * import { openGpuJs } from "./src/backend/gpujs/runtime.ts";
 * import { reduceKernel } from "./src/backend/gpujs/kernels_data.ts";
 * const runner = await openGpuJs("cpu");
 * // x viewed as [outer 2, r 3, inner 1]: the two row sums (op 0)
 * const x = new Float32Array([1, 2, 3, 4, 5, 6]);
 * console.log(runner.run("reduce", reduceKernel, 2, [x, 3, 1, 0])); // [6, 15]
 * ```
 * @module
 */
import type { KernelBody, KernelThis } from "./runtime.ts";

/**
 * Reduces x [outer, r, inner] over r; `op` is the op's position in backend.ts's REDUCE_OPS (one kernel for
 * the five ops: the branch is the same for every thread of a launch):
 * - sum (0): in order, in the kernel's arithmetic (double on the CPU, as the reference);
 * - max (1), min (2): from the row's first element, so a NaN there propagates and a later one is skipped
 *   (the CPU kernel's semantics);
 * - argmax (3), argmin (4): the index in [0, r) of the first maximum of ±x; NaN is never chosen.
 */
export const reduceKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  r: number,
  inner: number,
  op: number,
): number {
  const p = Math.floor((this.thread.x + 0.5) / inner);
  const i = this.thread.x - p * inner;
  if (op === 0) {
    let sum = 0;
    for (let j = 0; j < r; j++) sum += x[(p * r + j) * inner + i];
    return sum;
  }
  if (op === 1 || op === 2) {
    let ext = x[p * r * inner + i];
    for (let j = 1; j < r; j++) {
      const v = x[(p * r + j) * inner + i];
      if (op === 1) {
        if (v > ext) ext = v;
      } else if (v < ext) ext = v;
    }
    return ext;
  }
  const sign = op === 3 ? 1 : -1;
  let best = -Infinity;
  let bestJ = 0;
  for (let j = 0; j < r; j++) {
    const v = sign * x[(p * r + j) * inner + i];
    if (v > best) {
      best = v;
      bestJ = j;
    }
  }
  return bestJ;
};

/**
 * Gathers a strided source view in row-major order of its (8-dim, front-padded) shape:
 * out[t] = src[srcOff + Σ i_d · srcSt[d]] for the multi-index i of t.
 */
export const gatherStridedKernel: KernelBody = function (
  this: KernelThis,
  src: Float32Array,
  srcOff: number,
  srcSt: number[],
  shape: number[],
): number {
  let rem = this.thread.x;
  let si = srcOff;
  for (let d = 7; d >= 0; d--) {
    if (rem === 0) break; // the remaining (outer) indices are all 0
    const q = Math.floor((rem + 0.5) / shape[d]);
    si += (rem - q * shape[d]) * srcSt[d];
    rem = q;
  }
  return src[si];
};

/**
 * Writes a destination view by a gather over its span: thread t is the destination element dstOff + t; its
 * offset is divided by the view's strides (sorted decreasing, padded at the end with extent 1 and stride 1),
 * and where that yields a valid multi-index the element comes from the source, else the old destination
 * value stays.
 */
export const copySpanKernel: KernelBody = function (
  this: KernelThis,
  src: Float32Array,
  srcOff: number,
  srcSt: number[],
  dst: Float32Array,
  dstOff: number,
  dstSt: number[],
  shape: number[],
): number {
  let rem = this.thread.x;
  let si = srcOff;
  let inside = 1;
  for (let d = 0; d < 8; d++) {
    if (rem === 0) break; // the remaining indices are all 0
    const i = Math.floor((rem + 0.5) / dstSt[d]);
    if (i >= shape[d]) inside = 0;
    rem -= i * dstSt[d];
    si += i * srcSt[d];
  }
  if (rem !== 0) inside = 0;
  return inside === 1 ? src[si] : dst[dstOff + this.thread.x];
};

/** out[p, j, i] = x[p, idx[j], i] over out [outer, nIdx, inner] (indices checked on the host first). */
export const gatherRowsKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  idx: Float32Array,
  axisLen: number,
  inner: number,
  nIdx: number,
): number {
  const q = Math.floor((this.thread.x + 0.5) / inner);
  const i = this.thread.x - q * inner;
  const p = Math.floor((q + 0.5) / nIdx);
  const j = q - p * nIdx;
  return x[(p * axisLen + idx[j]) * inner + i];
};

/**
 * The scatter-add as a gather over out [outer, axisLen, inner]: element (p, a, i) adds g[p, j, i] for each
 * j with idx[j] = a, in increasing j (positions list[start[a]] .. list[start[a + 1] - 1]), rounding to float32
 * after each addition as the CPU kernel's `out[.] += g[.]` does.
 */
export const scatterAddKernel: KernelBody = function (
  this: KernelThis,
  g: Float32Array,
  old: Float32Array,
  start: number[],
  list: number[],
  axisLen: number,
  inner: number,
  nIdx: number,
): number {
  const q = Math.floor((this.thread.x + 0.5) / inner);
  const i = this.thread.x - q * inner;
  const p = Math.floor((q + 0.5) / axisLen);
  const a = q - p * axisLen;
  let acc = old[this.thread.x];
  const end = start[a + 1];
  for (let s = start[a]; s < end; s++) acc = Math.fround(acc + g[(p * nIdx + list[s]) * inner + i]);
  return acc;
};
