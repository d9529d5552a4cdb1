/** CPU reductions over the middle axis, strided copies and row gathers. */
import type { ReduceOp } from "../backend.ts";

/** Reduces x viewed as [outer, r, inner] over r into o [outer, inner]. */
export function reduceKernel(
  op: ReduceOp,
  x: Float32Array,
  o: Float32Array,
  outer: number,
  r: number,
  inner: number,
): void {
  if (op === "argmax" || op === "argmin") {
    const sign = op === "argmax" ? 1 : -1;
    for (let p = 0; p < outer; p++) {
      for (let i = 0; i < inner; i++) {
        let best = -Infinity, bestJ = 0;
        for (let j = 0; j < r; j++) {
          const v = sign * x[(p * r + j) * inner + i];
          if (v > best) {
            best = v;
            bestJ = j;
          }
        }
        o[p * inner + i] = bestJ;
      }
    }
    return;
  }
  if (inner === 1) {
    for (let p = 0; p < outer; p++) {
      const base = p * r;
      let acc = op === "sum" ? 0 : x[base];
      if (op === "sum") { for (let j = 0; j < r; j++) acc += x[base + j]; }
      else if (op === "max") { for (let j = 1; j < r; j++) acc = x[base + j] > acc ? x[base + j] : acc; }
      else for (let j = 1; j < r; j++) acc = x[base + j] < acc ? x[base + j] : acc;
      o[p] = acc;
    }
    return;
  }
  // Accumulate whole rows of length `inner` for contiguous access.
  const acc = new Float64Array(inner);
  for (let p = 0; p < outer; p++) {
    const base = p * r * inner;
    for (let i = 0; i < inner; i++) acc[i] = op === "sum" ? 0 : x[base + i];
    for (let j = op === "sum" ? 0 : 1; j < r; j++) {
      const row = base + j * inner;
      if (op === "sum") { for (let i = 0; i < inner; i++) acc[i] += x[row + i]; }
      else if (op === "max") {
        for (let i = 0; i < inner; i++) {
          acc[i] = x[row + i] > acc[i] ? x[row + i] : acc[i];
        }
      } else for (let i = 0; i < inner; i++) acc[i] = x[row + i] < acc[i] ? x[row + i] : acc[i];
    }
    for (let i = 0; i < inner; i++) o[p * inner + i] = acc[i];
  }
}

/** Copies `shape` elements from src (offset, strides) to dst (offset, strides). */
export function copyStridedKernel(
  src: Float32Array,
  srcOffset: number,
  srcStrides: number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: number[],
  shape: number[],
): void {
  const nd = shape.length;
  if (nd === 0) {
    dst[dstOffset] = src[srcOffset];
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const n = shape[nd - 1];
  const ss = srcStrides[nd - 1], ds = dstStrides[nd - 1];
  const rows = total / n;
  const idx = new Array<number>(nd - 1).fill(0);
  let si = srcOffset, di = dstOffset;
  for (let r = 0; r < rows; r++) {
    if (ss === 1 && ds === 1 && n >= 64) dst.set(src.subarray(si, si + n), di);
    else if (ss === 1 && ds === 1) { for (let j = 0; j < n; j++) dst[di + j] = src[si + j]; }
    else for (let j = 0; j < n; j++) dst[di + j * ds] = src[si + j * ss];
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      si += srcStrides[d];
      di += dstStrides[d];
      if (idx[d] < shape[d]) break;
      si -= srcStrides[d] * shape[d];
      di -= dstStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

function checkIndex(v: number, axisLen: number): number {
  if (!(v >= 0 && v < axisLen) || v !== Math.floor(v)) {
    throw new RangeError(`index ${v} out of range for axis of length ${axisLen}`);
  }
  return v;
}

/**
 * o[p, j, i] = x[p, idx[j], i] with x viewed as [outer, axisLen, inner] and o as [outer, nIdx, inner].
 *
 * @throws {RangeError} When an index is not an integer in [0, axisLen).
 */
export function gatherKernel(
  x: Float32Array,
  idx: Float32Array,
  o: Float32Array,
  outer: number,
  axisLen: number,
  inner: number,
  nIdx: number,
): void {
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < nIdx; j++) {
      const src = (p * axisLen + checkIndex(idx[j], axisLen)) * inner;
      o.set(x.subarray(src, src + inner), (p * nIdx + j) * inner);
    }
  }
}

/**
 * o[p, idx[j], i] += g[p, j, i], the adjoint of {@link gatherKernel} (o must be initialised; repeated indices
 * accumulate).
 *
 * @throws {RangeError} When an index is not an integer in [0, axisLen).
 */
export function scatterAddKernel(
  g: Float32Array,
  idx: Float32Array,
  o: Float32Array,
  outer: number,
  axisLen: number,
  inner: number,
  nIdx: number,
): void {
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < nIdx; j++) {
      const dst = (p * axisLen + checkIndex(idx[j], axisLen)) * inner;
      const src = (p * nIdx + j) * inner;
      for (let i = 0; i < inner; i++) o[dst + i] += g[src + i];
    }
  }
}

/** o[i] = c[i] != 0 ? a[i] : b[i] over all of o (all four the same length). */
export function whereKernel(c: Float32Array, a: Float32Array, b: Float32Array, o: Float32Array): void {
  for (let i = 0; i < o.length; i++) o[i] = c[i] !== 0 ? a[i] : b[i];
}
