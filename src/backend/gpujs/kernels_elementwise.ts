/**
 * gpu.js kernel bodies of the elementwise primitives: unary functions and their derivatives, scalar-parameter
 * ops, broadcast binaries and where. Each body computes output element `this.thread.x`; the formulas are
 * those of the CPU kernels (src/backend/cpu/elementwise.ts) in the same order of operations, with Math.exp
 * where the CPU uses its table-driven float exp (the two agree to about 4e-14 before rounding to float32).
 *
 * @example
 * ```ts ignore
 * import { openGpuJs } from "./src/backend/gpujs/runtime.ts";
 * import { ERF_HELPERS, UNARY_KERNELS } from "./src/backend/gpujs/kernels_elementwise.ts";
 * const runner = await openGpuJs("cpu");
 * const x = new Float32Array([-1, 0, 1]);
 * console.log(runner.run("unary.gelu", UNARY_KERNELS.gelu, 3, [x], ERF_HELPERS)); // [-0.1587, 0, 0.8413]
 * ```
 * @module
 */
import { BINARY_OPS, type BinaryOp, type ScalarOp, type UnaryGradOp, type UnaryOp } from "../backend.ts";
import { erfcFitExponent } from "../cpu/math.ts";
import type { KernelBody, KernelHelper, KernelThis } from "./runtime.ts";

/**
 * erf(x) by the Numerical Recipes Chebyshev fit of erfc (fractional error below 1.2e-7), mirrored for
 * negative x: the CPU's erf (src/backend/cpu/math.ts) with Math.exp for its table-driven expf, as a helper
 * gpu.js compiles into the kernels that call it. The fit's constants are those of
 * {@link erfcFitExponent}, itself a helper here (see {@link ERF_HELPERS}).
 *
 * @example
 * ```ts
 * import { gpuErf } from "./src/backend/gpujs/kernels_elementwise.ts";
 * console.log(gpuErf(1).toFixed(6)); // 0.842701
 * ```
 */
export function gpuErf(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const y = t * Math.exp(erfcFitExponent(ax, t));
  return x < 0 ? y - 1 : 1 - y;
}

/**
 * Ops whose kernels call {@link gpuErf} (it is passed to gpu.js with them).
 *
 * @example
 * ```ts
 * import { ERF_USERS } from "./src/backend/gpujs/kernels_elementwise.ts";
 * console.log(ERF_USERS.has("gelu")); // true
 * ```
 */
export const ERF_USERS: ReadonlySet<string> = new Set(["gelu"]);

/**
 * The helpers the kernels of {@link ERF_USERS} are compiled with: {@link gpuErf} and the function it calls.
 *
 * @example
 * ```ts
 * import { ERF_HELPERS } from "./src/backend/gpujs/kernels_elementwise.ts";
 * console.log(ERF_HELPERS.map((f) => f.name)); // ["gpuErf", "erfcFitExponent"]
 * ```
 */
export const ERF_HELPERS: readonly KernelHelper[] = [gpuErf, erfcFitExponent];

// Literal constants (a kernel body cannot read module variables): 1/√2 = 0.7071067811865476,
// 1/√(2π) = 0.3989422804014327, √(2/π) = 0.7978845608028654 (the values of src/backend/cpu/math.ts).

/** out = op(x), one body per {@link UnaryOp}. */
export const UNARY_KERNELS: Readonly<Record<UnaryOp, KernelBody>> = {
  neg: function (this: KernelThis, x: Float32Array): number {
    return -x[this.thread.x];
  },
  exp: function (this: KernelThis, x: Float32Array): number {
    return Math.exp(x[this.thread.x]);
  },
  log: function (this: KernelThis, x: Float32Array): number {
    return Math.log(x[this.thread.x]);
  },
  sqrt: function (this: KernelThis, x: Float32Array): number {
    return Math.sqrt(x[this.thread.x]);
  },
  abs: function (this: KernelThis, x: Float32Array): number {
    return Math.abs(x[this.thread.x]);
  },
  relu: function (this: KernelThis, x: Float32Array): number {
    const v = x[this.thread.x];
    return v > 0 ? v : v <= 0 ? 0 : v; // NaN fails both tests and passes through
  },
  sigmoid: function (this: KernelThis, x: Float32Array): number {
    return 1 / (1 + Math.exp(-x[this.thread.x]));
  },
  tanh: function (this: KernelThis, x: Float32Array): number {
    return Math.tanh(x[this.thread.x]);
  },
  gelu: function (this: KernelThis, x: Float32Array): number {
    const v = x[this.thread.x];
    return 0.5 * v * (1 + gpuErf(v * 0.7071067811865476));
  },
  geluTanh: function (this: KernelThis, x: Float32Array): number {
    const v = x[this.thread.x];
    return 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
  },
  quickGelu: function (this: KernelThis, x: Float32Array): number {
    const v = x[this.thread.x];
    return v * (1 / (1 + Math.exp(-(1.702 * v))));
  },
  softplus: function (this: KernelThis, x: Float32Array): number {
    const v = x[this.thread.x];
    return v > 20 ? v : v < -20 ? Math.exp(v) : Math.log1p(Math.exp(v));
  },
  sign: function (this: KernelThis, x: Float32Array): number {
    return Math.sign(x[this.thread.x]);
  },
  square: function (this: KernelThis, x: Float32Array): number {
    const v = x[this.thread.x];
    return v * v;
  },
  recip: function (this: KernelThis, x: Float32Array): number {
    return 1 / x[this.thread.x];
  },
  rsqrt: function (this: KernelThis, x: Float32Array): number {
    return 1 / Math.sqrt(x[this.thread.x]);
  },
};

/** out = gy · op'(x), one body per {@link UnaryGradOp}. */
export const UNARY_GRAD_KERNELS: Readonly<Record<UnaryGradOp, KernelBody>> = {
  exp: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    return gy[this.thread.x] * Math.exp(x[this.thread.x]);
  },
  log: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    return gy[this.thread.x] / x[this.thread.x];
  },
  sqrt: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    return gy[this.thread.x] * 0.5 / Math.sqrt(x[this.thread.x]);
  },
  abs: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    return gy[this.thread.x] * Math.sign(x[this.thread.x]);
  },
  relu: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    return x[this.thread.x] > 0 ? gy[this.thread.x] : 0;
  },
  sigmoid: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    const s = 1 / (1 + Math.exp(-x[this.thread.x]));
    return gy[this.thread.x] * s * (1 - s);
  },
  tanh: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    const t = Math.tanh(x[this.thread.x]);
    return gy[this.thread.x] * (1 - t * t);
  },
  gelu: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    const v = x[this.thread.x];
    const cdf = 0.5 * (1 + gpuErf(v * 0.7071067811865476));
    return gy[this.thread.x] * (cdf + v * 0.3989422804014327 * Math.exp(-0.5 * v * v));
  },
  geluTanh: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    const v = x[this.thread.x];
    const u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    const t = Math.tanh(u);
    const du = 0.7978845608028654 * (1 + 3 * 0.044715 * v * v);
    return gy[this.thread.x] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
  },
  quickGelu: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    const v = x[this.thread.x];
    const s = 1 / (1 + Math.exp(-(1.702 * v)));
    return gy[this.thread.x] * (s + 1.702 * v * s * (1 - s));
  },
  softplus: function (this: KernelThis, x: Float32Array, gy: Float32Array): number {
    return gy[this.thread.x] * (1 / (1 + Math.exp(-x[this.thread.x])));
  },
};

/** out = op(x; a, b), one body per {@link ScalarOp}. */
export const SCALAR_KERNELS: Readonly<Record<ScalarOp, KernelBody>> = {
  addS: function (this: KernelThis, x: Float32Array, a: number): number {
    return x[this.thread.x] + a;
  },
  mulS: function (this: KernelThis, x: Float32Array, a: number): number {
    return x[this.thread.x] * a;
  },
  affine: function (this: KernelThis, x: Float32Array, a: number, b: number): number {
    return x[this.thread.x] * a + b;
  },
  powS: function (this: KernelThis, x: Float32Array, a: number): number {
    const v = x[this.thread.x];
    return a === 2 ? v * v : Math.pow(v, a);
  },
  rsubS: function (this: KernelThis, x: Float32Array, a: number): number {
    return a - x[this.thread.x];
  },
  clamp: function (this: KernelThis, x: Float32Array, a: number, b: number): number {
    const v = x[this.thread.x];
    return v < a ? a : v > b ? b : v;
  },
  clampGrad: function (this: KernelThis, x: Float32Array, a: number, b: number): number {
    const v = x[this.thread.x];
    return v >= a && v <= b ? 1 : 0;
  },
  leakyRelu: function (this: KernelThis, x: Float32Array, a: number): number {
    const v = x[this.thread.x];
    return v > 0 ? v : a * v;
  },
  leakyReluGrad: function (this: KernelThis, x: Float32Array, a: number): number {
    return x[this.thread.x] > 0 ? 1 : a;
  },
  gtS: function (this: KernelThis, x: Float32Array, a: number): number {
    return x[this.thread.x] > a ? 1 : 0;
  },
  ltS: function (this: KernelThis, x: Float32Array, a: number): number {
    return x[this.thread.x] < a ? 1 : 0;
  },
};

/**
 * The op code a binary kernel takes: the op's position in backend.ts's BINARY_OPS (the numbering of the
 * native kernels too).
 *
 * @example
 * ```ts
 * import { BINARY_CODES } from "./src/backend/gpujs/kernels_elementwise.ts";
 * console.log(BINARY_CODES.indexOf("mul")); // 2
 * ```
 */
export const BINARY_CODES: readonly BinaryOp[] = BINARY_OPS;

/**
 * x op y for the op's code ({@link BINARY_CODES}): the helper both binary kernels call (passed to gpu.js
 * with them, see {@link BINARY_HELPERS}).
 *
 * @example
 * ```ts
 * import { BINARY_CODES, binaryOp } from "./src/backend/gpujs/kernels_elementwise.ts";
 * console.log(binaryOp(6, 4, BINARY_CODES.indexOf("sub"))); // 2
 * ```
 */
export function binaryOp(x: number, y: number, op: number): number {
  if (op === 0) return x + y;
  if (op === 1) return x - y;
  if (op === 2) return x * y;
  if (op === 3) return x / y;
  if (op === 4) return Math.pow(x, y);
  if (op === 5) return x > y ? x : y;
  if (op === 6) return x < y ? x : y;
  if (op === 7) return x > y ? 1 : 0;
  if (op === 8) return x < y ? 1 : 0;
  return x === y ? 1 : 0;
}

/**
 * The helpers of {@link binaryStridedKernel} and {@link binaryDenseKernel}.
 *
 * @example
 * ```ts
 * import { BINARY_HELPERS } from "./src/backend/gpujs/kernels_elementwise.ts";
 * console.log(BINARY_HELPERS.length); // 1
 * ```
 */
export const BINARY_HELPERS: readonly KernelHelper[] = [binaryOp];

/**
 * A binary op over the output shape, padded to MAX_RANK = 8 dims (./layout.ts; the body's literal 7 is
 * MAX_RANK - 1): the thread's multi-index (last dim fastest) walks a and b by their strides from their
 * offsets. `op` is the op's code ({@link BINARY_CODES}); one kernel serves all ten ops (the branch is the
 * same for every thread of a launch).
 *
 * Index arithmetic divides with `Math.floor((r + 0.5) / d)`, exact for integers in double arithmetic and
 * robust to float32 division on a GPU; the walk stops once the remaining index is 0.
 */
export const binaryStridedKernel: KernelBody = function (
  this: KernelThis,
  a: Float32Array,
  aOff: number,
  aSt: number[],
  b: Float32Array,
  bOff: number,
  bSt: number[],
  shape: number[],
  op: number,
): number {
  let rem = this.thread.x;
  let ai = aOff;
  let bi = bOff;
  for (let d = 7; d >= 0; d--) {
    if (rem === 0) break; // the remaining (outer) indices are all 0
    const q = Math.floor((rem + 0.5) / shape[d]);
    const i = rem - q * shape[d];
    ai += i * aSt[d];
    bi += i * bSt[d];
    rem = q;
  }
  return binaryOp(a[ai], b[bi], op);
};

/** The binary ops on two operands laid out like the output (no index arithmetic). */
export const binaryDenseKernel: KernelBody = function (
  this: KernelThis,
  a: Float32Array,
  b: Float32Array,
  op: number,
): number {
  return binaryOp(a[this.thread.x], b[this.thread.x], op);
};

/** out = cond != 0 ? a : b (NaN counts as nonzero, as on the CPU). */
export const whereKernel: KernelBody = function (
  this: KernelThis,
  cond: Float32Array,
  a: Float32Array,
  b: Float32Array,
): number {
  return cond[this.thread.x] !== 0 ? a[this.thread.x] : b[this.thread.x];
};
