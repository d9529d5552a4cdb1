/** CPU elementwise kernels: unary functions, their derivatives, scalar-parameter ops, broadcast binaries. */
import type { BinaryOp, ScalarOp, UnaryGradOp, UnaryOp } from "../backend.ts";
import { erf, expf, GELU_TANH_C, INV_SQRT_2PI, sigmoid, softplus, SQRT1_2 } from "./math.ts";

/** The same memory viewed as int32 bit patterns. */
function bitsOf(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** o[i] = op(x[i]) over all of o (x has o's length); the CPU body of {@link Backend.unary}. */
export function unaryKernel(op: UnaryOp, x: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) o[i] = -x[i];
      return;
    case "exp":
      for (let i = 0; i < n; i++) o[i] = expf(x[i]);
      return;
    case "log":
      for (let i = 0; i < n; i++) o[i] = Math.log(x[i]);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]);
      return;
    case "rsqrt":
      for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(x[i]);
      return;
    case "abs":
      for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]);
      return;
    case "relu": {
      // Branchless on the bit patterns: a set sign bit clears the value (random signs defeat branch prediction).
      const xi = bitsOf(x), oi = bitsOf(o);
      for (let i = 0; i < n; i++) oi[i] = xi[i] & ~(xi[i] >> 31);
      return;
    }
    case "sigmoid":
      for (let i = 0; i < n; i++) o[i] = sigmoid(x[i]);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]);
      return;
    case "gelu":
      for (let i = 0; i < n; i++) o[i] = 0.5 * x[i] * (1 + erf(x[i] * SQRT1_2));
      return;
    case "geluTanh":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        o[i] = 0.5 * v * (1 + Math.tanh(GELU_TANH_C * (v + 0.044715 * v * v * v)));
      }
      return;
    case "quickGelu":
      for (let i = 0; i < n; i++) o[i] = x[i] * sigmoid(1.702 * x[i]);
      return;
    case "softplus":
      for (let i = 0; i < n; i++) o[i] = softplus(x[i]);
      return;
    case "sign":
      for (let i = 0; i < n; i++) o[i] = Math.sign(x[i]);
      return;
    case "square":
      for (let i = 0; i < n; i++) o[i] = x[i] * x[i];
      return;
    case "recip":
      for (let i = 0; i < n; i++) o[i] = 1 / x[i];
      return;
  }
}

/** o[i] = gy[i] · op'(x[i]) over all of o; the CPU body of {@link Backend.unaryGrad}. */
export function unaryGradKernel(op: UnaryGradOp, x: Float32Array, gy: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case "exp":
      for (let i = 0; i < n; i++) o[i] = gy[i] * expf(x[i]);
      return;
    case "log":
      for (let i = 0; i < n; i++) o[i] = gy[i] / x[i];
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) o[i] = gy[i] * 0.5 / Math.sqrt(x[i]);
      return;
    case "abs":
      for (let i = 0; i < n; i++) o[i] = gy[i] * Math.sign(x[i]);
      return;
    case "relu": {
      // gy where x > 0 (as an int: positive and not zero), else 0, without branches.
      const xi = bitsOf(x), gi = bitsOf(gy), oi = bitsOf(o);
      for (let i = 0; i < n; i++) oi[i] = gi[i] & (-xi[i] >> 31) & ~(xi[i] >> 31);
      return;
    }
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const s = sigmoid(x[i]);
        o[i] = gy[i] * s * (1 - s);
      }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) {
        const t = Math.tanh(x[i]);
        o[i] = gy[i] * (1 - t * t);
      }
      return;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const cdf = 0.5 * (1 + erf(v * SQRT1_2));
        o[i] = gy[i] * (cdf + v * INV_SQRT_2PI * expf(-0.5 * v * v));
      }
      return;
    case "geluTanh":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const u = GELU_TANH_C * (v + 0.044715 * v * v * v);
        const t = Math.tanh(u);
        const du = GELU_TANH_C * (1 + 3 * 0.044715 * v * v);
        o[i] = gy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
      }
      return;
    case "quickGelu":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const s = sigmoid(1.702 * v);
        o[i] = gy[i] * (s + 1.702 * v * s * (1 - s));
      }
      return;
    case "softplus":
      for (let i = 0; i < n; i++) o[i] = gy[i] * sigmoid(x[i]);
      return;
  }
}

/**
 * o[i] = op(x[i]; a, b) over all of o (formulas at {@link ScalarOp}); the CPU body of {@link Backend.scalar}.
 */
export function scalarKernel(op: ScalarOp, x: Float32Array, o: Float32Array, a: number, b: number): void {
  const n = o.length;
  switch (op) {
    case "addS":
      for (let i = 0; i < n; i++) o[i] = x[i] + a;
      return;
    case "mulS":
      for (let i = 0; i < n; i++) o[i] = x[i] * a;
      return;
    case "affine":
      for (let i = 0; i < n; i++) o[i] = x[i] * a + b;
      return;
    case "powS":
      if (a === 2) { for (let i = 0; i < n; i++) o[i] = x[i] * x[i]; }
      else for (let i = 0; i < n; i++) o[i] = Math.pow(x[i], a);
      return;
    case "rsubS":
      for (let i = 0; i < n; i++) o[i] = a - x[i];
      return;
    case "clamp":
      for (let i = 0; i < n; i++) o[i] = x[i] < a ? a : x[i] > b ? b : x[i];
      return;
    case "clampGrad":
      for (let i = 0; i < n; i++) o[i] = x[i] >= a && x[i] <= b ? 1 : 0;
      return;
    case "leakyRelu":
      for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? x[i] : a * x[i];
      return;
    case "leakyReluGrad":
      for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? 1 : a;
      return;
    case "gtS":
      for (let i = 0; i < n; i++) o[i] = x[i] > a ? 1 : 0;
      return;
    case "ltS":
      for (let i = 0; i < n; i++) o[i] = x[i] < a ? 1 : 0;
      return;
  }
}

type Fn2 = (x: number, y: number) => number;
const BINARY_FNS: Record<BinaryOp, Fn2> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => Math.pow(x, y),
  max: (x, y) => (x > y ? x : y),
  min: (x, y) => (x < y ? x : y),
  gt: (x, y) => (x > y ? 1 : 0),
  lt: (x, y) => (x < y ? 1 : 0),
  eq: (x, y) => (x === y ? 1 : 0),
};

/** A contiguous inner loop specialised per op (the hot path: same-shape or row-broadcast operands). */
function innerLoop(
  op: BinaryOp,
  a: Float32Array,
  ai: number,
  as: number,
  b: Float32Array,
  bi: number,
  bs: number,
  o: Float32Array,
  oi: number,
  n: number,
): void {
  switch (op) {
    case "add":
      for (let j = 0; j < n; j++, ai += as, bi += bs) o[oi + j] = a[ai] + b[bi];
      return;
    case "sub":
      for (let j = 0; j < n; j++, ai += as, bi += bs) o[oi + j] = a[ai] - b[bi];
      return;
    case "mul":
      for (let j = 0; j < n; j++, ai += as, bi += bs) o[oi + j] = a[ai] * b[bi];
      return;
    case "div":
      for (let j = 0; j < n; j++, ai += as, bi += bs) o[oi + j] = a[ai] / b[bi];
      return;
    default: {
      const f = BINARY_FNS[op];
      for (let j = 0; j < n; j++, ai += as, bi += bs) o[oi + j] = f(a[ai], b[bi]);
    }
  }
}

/**
 * Same-shape, contiguous operands: loops indexed from 0 with no offsets, which V8 compiles about twice as
 * fast as the offset/strided inner loop (its bounds checks fold away).
 */
function denseLoop(op: BinaryOp, a: Float32Array, b: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) o[i] = a[i] + b[i];
      return;
    case "sub":
      for (let i = 0; i < n; i++) o[i] = a[i] - b[i];
      return;
    case "mul":
      for (let i = 0; i < n; i++) o[i] = a[i] * b[i];
      return;
    case "div":
      for (let i = 0; i < n; i++) o[i] = a[i] / b[i];
      return;
    default: {
      const f = BINARY_FNS[op];
      for (let i = 0; i < n; i++) o[i] = f(a[i], b[i]);
    }
  }
}

/** Whether `strides` are the row-major contiguous strides of `shape` (size-1 dims may have any stride). */
function isDense(strides: number[], shape: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Broadcast binary op: iterates the output shape, walking a and b by their (possibly zero) strides. */
export function binaryKernel(
  op: BinaryOp,
  a: Float32Array,
  aStrides: number[],
  b: Float32Array,
  bStrides: number[],
  o: Float32Array,
  shape: number[],
): void {
  const nd = shape.length;
  if (nd === 0) {
    o[0] = BINARY_FNS[op](a[0], b[0]);
    return;
  }
  if (isDense(aStrides, shape) && isDense(bStrides, shape)) {
    denseLoop(op, a, b, o);
    return;
  }
  const n = shape[nd - 1];
  const as = aStrides[nd - 1], bs = bStrides[nd - 1];
  const rows = o.length / n;
  if (rows === 1) {
    innerLoop(op, a, 0, as, b, 0, bs, o, 0, n);
    return;
  }
  const idx = new Array<number>(nd - 1).fill(0);
  let ai = 0, bi = 0;
  for (let r = 0; r < rows; r++) {
    innerLoop(op, a, ai, as, b, bi, bs, o, r * n, n);
    // advance the multi-index over the leading dims
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ai += aStrides[d];
      bi += bStrides[d];
      if (idx[d] < shape[d]) break;
      ai -= aStrides[d] * shape[d];
      bi -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}
