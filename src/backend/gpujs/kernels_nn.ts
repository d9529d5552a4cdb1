/**
 * gpu.js kernel bodies of the linear-algebra and neural-network primitives: the batched GEMM, row statistics
 * and the row-wise softmax / normalisation passes that use them, im2col, col2im, max pooling and AdamW.
 *
 * Row statistics (a softmax row's sum, a row's mean and 1/std) cross from one kernel to the next through a
 * float32 output, which would round the double values the CPU reference keeps. They are therefore written
 * as two float32 parts per value, hi = fround(s) and lo = s - hi, and read back as hi + lo (about 48 bits;
 * on a float32 GPU lo is 0 and nothing is lost that the arithmetic had).
 *
 * @example
 * ```ts ignore
 * import { openGpuJs } from "./src/backend/gpujs/runtime.ts";
 * import { matmulKernel } from "./src/backend/gpujs/kernels_nn.ts";
 * const runner = await openGpuJs("cpu");
 * const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([1, 0, 0, 1]); // [2, 2] each
 * // m n k, steps of op(A) and op(B) (no transposes), offsets, batch strides, alpha, beta
 * const args = [a, b, new Float32Array(4), 2, 2, 2, 2, 1, 2, 1, 0, 0, 0, 4, 4, 4, 1, 0];
 * console.log(runner.run("matmul", matmulKernel, 4, args)); // [1, 2, 3, 4]
 * ```
 * @module
 */
import type { KernelBody, KernelHelper, KernelThis } from "./runtime.ts";

/**
 * C = alpha · op(A) op(B) + beta · C for one or more batch items: thread t is (item, row, col) of the
 * [batch, m, n] result; element (row, p) of op(A) is a[aOff + item·strideA + row·aRow + p·aK] and element
 * (p, col) of op(B) is b[bOff + item·strideB + p·bK + col·bCol]. With beta 0, C is not read.
 */
export const matmulKernel: KernelBody = function (
  this: KernelThis,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  aRow: number,
  aK: number,
  bK: number,
  bCol: number,
  aBase: number,
  bBase: number,
  cBase: number,
  strideA: number,
  strideB: number,
  strideC: number,
  alpha: number,
  beta: number,
): number {
  const q = Math.floor((this.thread.x + 0.5) / n);
  const col = this.thread.x - q * n;
  const item = Math.floor((q + 0.5) / m);
  const row = q - item * m;
  const ai = aBase + item * strideA + row * aRow;
  const bi = bBase + item * strideB + col * bCol;
  let acc = 0;
  for (let p = 0; p < k; p++) acc += a[ai + p * aK] * b[bi + p * bK];
  if (beta === 0) return alpha * acc;
  return alpha * acc + beta * c[cBase + item * strideC + row * n + col];
};

/** The maximum of each row of x [rows, cols] (-Infinity for an empty row; NaN is skipped). */
export const rowMaxKernel: KernelBody = function (this: KernelThis, x: Float32Array, cols: number): number {
  const base = this.thread.x * cols;
  let mx = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = x[base + j];
    if (v > mx) mx = v;
  }
  return mx;
};

/**
 * Part `part` of v as the two float32 values of the module's row statistics: hi = fround(v) (part 0) or
 * lo = v - hi (part 1). A helper gpu.js compiles into the kernels that call it ({@link SPLIT_HELPERS}).
 *
 * @example
 * ```ts
 * import { splitPart } from "./src/backend/gpujs/kernels_nn.ts";
 * const hi = splitPart(0.1, 0), lo = splitPart(0.1, 1);
 * console.log(hi === Math.fround(0.1), hi + lo === 0.1); // true true
 * ```
 */
export function splitPart(v: number, part: number): number {
  const hi = Math.fround(v);
  return part === 0 ? hi : v - hi;
}

/**
 * The helpers of the kernels that write (hi, lo) pairs: {@link softmaxSumKernel}, {@link rowSumKernel} and
 * {@link rowRstdKernel}.
 *
 * @example
 * ```ts
 * import { SPLIT_HELPERS } from "./src/backend/gpujs/kernels_nn.ts";
 * console.log(SPLIT_HELPERS.length); // 1
 * ```
 */
export const SPLIT_HELPERS: readonly KernelHelper[] = [splitPart];

/** Σ_j exp(x[r, j] - mx[r]) per row, as (hi, lo) pairs: thread 2r + part. */
export const softmaxSumKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  mx: Float32Array,
  cols: number,
): number {
  const r = Math.floor((this.thread.x + 0.5) / 2);
  const base = r * cols;
  const m = mx[r];
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(x[base + j] - m);
  return splitPart(s, this.thread.x - 2 * r);
};

/**
 * softmax (log 0): fround(exp(x - mx)) · (1 / Σ), the CPU's order; log-softmax (log 1): (x - mx) - log Σ
 * (the CPU's x - (mx + log Σ) regrouped: the same double result, and no cancellation in float32).
 */
export const softmaxOutKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  mx: Float32Array,
  sum2: Float32Array,
  cols: number,
  log: number,
): number {
  const r = Math.floor((this.thread.x + 0.5) / cols);
  const s = sum2[2 * r] + sum2[2 * r + 1];
  const v = x[this.thread.x];
  if (log === 1) return v - mx[r] - Math.log(s);
  return Math.fround(Math.exp(v - mx[r])) * (1 / s);
};

/**
 * Σ_j x[r, j] (withY 0) or Σ_j x[r, j] · y[r, j] (withY 1) per row, divided by `divisor` (1: the sum itself,
 * as x / 1 is x; cols: the mean), as (hi, lo) pairs: thread 2r + part. y is not read with withY 0.
 */
export const rowSumKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  y: Float32Array,
  cols: number,
  withY: number,
  divisor: number,
): number {
  const r = Math.floor((this.thread.x + 0.5) / 2);
  const base = r * cols;
  let s = 0;
  if (withY === 1) {
    for (let j = 0; j < cols; j++) s += x[base + j] * y[base + j];
  } else {
    for (let j = 0; j < cols; j++) s += x[base + j];
  }
  return splitPart(s / divisor, this.thread.x - 2 * r);
};

/** softmax backward from y: y · (gy - Σ gy·y); log-softmax (log 1): gy - exp(y) · Σ gy. */
export const softmaxGradKernel: KernelBody = function (
  this: KernelThis,
  y: Float32Array,
  gy: Float32Array,
  sum2: Float32Array,
  cols: number,
  log: number,
): number {
  const r = Math.floor((this.thread.x + 0.5) / cols);
  const s = sum2[2 * r] + sum2[2 * r + 1];
  const t = this.thread.x;
  if (log === 1) return gy[t] - Math.exp(y[t]) * s;
  return y[t] * (gy[t] - s);
};

/** Each row's 1 / √(Σ (x - mean)² / cols + eps), as (hi, lo) pairs: thread 2r + part. */
export const rowRstdKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  mean2: Float32Array,
  cols: number,
  eps: number,
): number {
  const r = Math.floor((this.thread.x + 0.5) / 2);
  const base = r * cols;
  const mu = mean2[2 * r] + mean2[2 * r + 1];
  let v = 0;
  for (let j = 0; j < cols; j++) {
    const d = x[base + j] - mu;
    v += d * d;
  }
  return splitPart(1 / Math.sqrt(v / cols + eps), this.thread.x - 2 * r);
};

/** (x - mean) · rstd per element of [rows, cols]. */
export const normalizeOutKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  mean2: Float32Array,
  rstd2: Float32Array,
  cols: number,
): number {
  const r = Math.floor((this.thread.x + 0.5) / cols);
  return (x[this.thread.x] - (mean2[2 * r] + mean2[2 * r + 1])) * (rstd2[2 * r] + rstd2[2 * r + 1]);
};

/**
 * rstd · (g - mean(g) - xhat · mean(g · xhat)) per element, the two means as (hi, lo) pairs per row
 * ({@link rowSumKernel} with divisor cols).
 */
export const normalizeGradKernel: KernelBody = function (
  this: KernelThis,
  xhat: Float32Array,
  rstd: Float32Array,
  g: Float32Array,
  meanG2: Float32Array,
  meanGx2: Float32Array,
  cols: number,
): number {
  const t = this.thread.x;
  const r = Math.floor((t + 0.5) / cols);
  const mg = meanG2[2 * r] + meanG2[2 * r + 1];
  const mgx = meanGx2[2 * r] + meanGx2[2 * r + 1];
  return rstd[r] * (g[t] - mg - xhat[t] * mgx);
};

// The convolution kernels read the geometry as geo[0..13]: n, c, h, w, kh, kw, strideH, strideW, padH,
// padW, dilationH, dilationW, outH, outW (geometryInts' order).

/** cols [n, c·kh·kw, outH·outW] from x [n, c, h, w]; padded taps are 0. */
export const im2colKernel: KernelBody = function (this: KernelThis, x: Float32Array, geo: number[]): number {
  const outW = geo[13];
  const outH = geo[12];
  let rem = this.thread.x;
  let q = Math.floor((rem + 0.5) / outW);
  const ox = rem - q * outW;
  rem = q;
  q = Math.floor((rem + 0.5) / outH);
  const oy = rem - q * outH;
  rem = q;
  q = Math.floor((rem + 0.5) / geo[5]);
  const kj = rem - q * geo[5];
  rem = q;
  q = Math.floor((rem + 0.5) / geo[4]);
  const ki = rem - q * geo[4];
  const plane = q;
  const iy = oy * geo[6] - geo[8] + ki * geo[10];
  const ix = ox * geo[7] - geo[9] + kj * geo[11];
  if (iy < 0 || iy >= geo[2] || ix < 0 || ix >= geo[3]) return 0;
  return x[(plane * geo[2] + iy) * geo[3] + ix];
};

/**
 * out [n, c, h, w] = old + the column entries that im2col took from each pixel, added in the CPU kernel's
 * order (kernel row, then kernel column) with a float32 rounding after each addition.
 */
export const col2imKernel: KernelBody = function (
  this: KernelThis,
  cols: Float32Array,
  old: Float32Array,
  geo: number[],
): number {
  const h = geo[2];
  const w = geo[3];
  const q = Math.floor((this.thread.x + 0.5) / w);
  const ix = this.thread.x - q * w;
  const plane = Math.floor((q + 0.5) / h);
  const iy = q - plane * h;
  let acc = old[this.thread.x];
  for (let ki = 0; ki < geo[4]; ki++) {
    const ty = iy + geo[8] - ki * geo[10];
    const oy = Math.floor((ty + 0.5) / geo[6]);
    if (ty >= 0 && oy * geo[6] === ty && oy < geo[12]) {
      for (let kj = 0; kj < geo[5]; kj++) {
        const tx = ix + geo[9] - kj * geo[11];
        const ox = Math.floor((tx + 0.5) / geo[7]);
        if (tx >= 0 && ox * geo[7] === tx && ox < geo[13]) {
          acc = Math.fround(
            acc + cols[(((plane * geo[4] + ki) * geo[5] + kj) * geo[12] + oy) * geo[13] + ox],
          );
        }
      }
    }
  }
  return acc;
};

/**
 * Max pooling over [n, c, h, w]: the window's maximum (want 0) or the flat input index of its first maximum
 * (want 1); padding never wins (an all-padding window gives -Infinity and -1).
 */
export const maxPoolKernel: KernelBody = function (
  this: KernelThis,
  x: Float32Array,
  geo: number[],
  want: number,
): number {
  const outW = geo[13];
  const outH = geo[12];
  const q = Math.floor((this.thread.x + 0.5) / outW);
  const ox = this.thread.x - q * outW;
  const plane = Math.floor((q + 0.5) / outH);
  const oy = q - plane * outH;
  const base = plane * geo[2] * geo[3];
  let best = -Infinity;
  let bestIdx = -1;
  for (let ki = 0; ki < geo[4]; ki++) {
    const iy = oy * geo[6] - geo[8] + ki * geo[10];
    if (iy >= 0 && iy < geo[2]) {
      for (let kj = 0; kj < geo[5]; kj++) {
        const ix = ox * geo[7] - geo[9] + kj * geo[11];
        if (ix >= 0 && ix < geo[3]) {
          const v = x[base + iy * geo[3] + ix];
          if (v > best || bestIdx < 0) {
            best = v;
            bestIdx = base + iy * geo[3] + ix;
          }
        }
      }
    }
  }
  return want === 1 ? bestIdx : best;
};

// AdamW takes 1 - beta1 and 1 - beta2 from the host (double there): in float32 arithmetic 1 - 0.999
// would carry a 1e-5 relative error into every second moment.

/**
 * One AdamW element from the old values: the new first moment m' = beta1 · m + (1 - beta1) · g (want 1),
 * the new second moment v' = beta2 · v + (1 - beta2) · g² (want 2), or the new parameter (want 0)
 * p · decay - stepSize · m' / (√v' / √bc2 + eps), from the new moments in the kernel's arithmetic, before
 * their float32 rounding, as the CPU kernel uses them.
 */
export const adamwKernel: KernelBody = function (
  this: KernelThis,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  stepSize: number,
  sqrtBc2: number,
  eps: number,
  decay: number,
  want: number,
): number {
  const t = this.thread.x;
  const gi = g[t];
  const mi = beta1 * m[t] + oneMinusBeta1 * gi;
  const vi = beta2 * v[t] + oneMinusBeta2 * gi * gi;
  if (want === 1) return mi;
  if (want === 2) return vi;
  return p[t] * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps);
};
