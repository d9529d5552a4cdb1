/**
 * CUDA C for elementwise kernels: one kernel per op, generated from the bodies below. The activations call
 * the formulas of src/backend/native/csrc/mm_math.h (shared with the native CPU kernels, in double here);
 * the rest are written as src/backend/cpu/elementwise.ts evaluates them. `v` is the input as double, `g` the
 * upstream gradient, `a`/`b` the scalar parameters; a body assigns the double result `r`.
 */
import type { BinaryOp, ScalarOp, UnaryGradOp, UnaryOp } from "../backend.ts";

/** CUDA C body of each unary kernel: reads the double input `v`, assigns the result `r`. */
export const UNARY_BODIES: Record<UnaryOp, string> = {
  neg: "r = -v;",
  exp: "r = exp(v);",
  log: "r = log(v);",
  sqrt: "r = sqrt(v);",
  rsqrt: "r = 1.0 / sqrt(v);",
  abs: "r = fabs(v);",
  relu: "r = v > 0 ? v : 0.0;",
  sigmoid: "r = mm_sigmoid(v);",
  tanh: "r = tanh(v);",
  gelu: "r = mm_gelu(v);",
  geluTanh: "r = mm_gelu_tanh(v);",
  quickGelu: "r = mm_quick_gelu(v);",
  softplus: "r = mm_softplus(v);",
  sign: "r = signD(v);",
  square: "r = v * v;",
  recip: "r = 1.0 / v;",
};

/** CUDA C body of each unary-gradient kernel: `r` = upstream `g` times f'(`v`). */
export const UNARY_GRAD_BODIES: Record<UnaryGradOp, string> = {
  exp: "r = g * exp(v);",
  log: "r = g / v;",
  sqrt: "r = g * 0.5 / sqrt(v);",
  abs: "r = g * signD(v);",
  relu: "r = v > 0 ? g : 0.0;",
  sigmoid: "r = g * mm_sigmoid_grad(v);",
  tanh: "double t = tanh(v); r = g * (1.0 - t * t);",
  gelu: "r = g * mm_gelu_grad(v);",
  geluTanh: "r = g * mm_gelu_tanh_grad(v);",
  quickGelu: "r = g * mm_quick_gelu_grad(v);",
  softplus: "r = g * mm_sigmoid(v);",
};

/** CUDA C body of each scalar-parameter kernel, from `v` and the parameters `a`, `b`. */
export const SCALAR_BODIES: Record<ScalarOp, string> = {
  addS: "r = v + a;",
  mulS: "r = v * a;",
  affine: "r = v * a + b;",
  powS: "r = a == 2.0 ? v * v : pow(v, a);",
  rsubS: "r = a - v;",
  clamp: "r = v < a ? a : v > b ? b : v;",
  clampGrad: "r = v >= a && v <= b ? 1.0 : 0.0;",
  leakyRelu: "r = v > 0 ? v : a * v;",
  leakyReluGrad: "r = v > 0 ? 1.0 : a;",
  gtS: "r = v > a ? 1.0 : 0.0;",
  ltS: "r = v < a ? 1.0 : 0.0;",
};

/** Binary bodies over doubles x (from a) and y (from b). */
export const BINARY_BODIES: Record<BinaryOp, string> = {
  add: "r = x + y;",
  sub: "r = x - y;",
  mul: "r = x * y;",
  div: "r = x / y;",
  pow: "r = pow(x, y);",
  max: "r = x > y ? x : y;",
  min: "r = x < y ? x : y;",
  gt: "r = x > y ? 1.0 : 0.0;",
  lt: "r = x < y ? 1.0 : 0.0;",
  eq: "r = x == y ? 1.0 : 0.0;",
};

/** Kernel name of a unary op. */
export const unaryName = (op: UnaryOp): string => `unary_${op}`;
/** Kernel name of a unary-gradient op. */
export const unaryGradName = (op: UnaryGradOp): string => `unaryGrad_${op}`;
/** Kernel name of a scalar-parameter op. */
export const scalarName = (op: ScalarOp): string => `scalar_${op}`;
/** Kernel name of a broadcast binary op over a collapsed strided view (Dims). */
export const binaryName = (op: BinaryOp): string => `binary_${op}`;
/** Kernel name of a binary op over one axis, each input with one element stride (0 broadcasts). */
export const binaryFlatName = (op: BinaryOp): string => `binaryFlat_${op}`;

function unaryKernel(op: UnaryOp): string {
  return `extern "C" __global__ void ${unaryName(op)}(const float* x, float* o, i64 n) {
  GRID_STRIDE(i, n) { double v = x[i]; double r; ${UNARY_BODIES[op]} o[i] = (float)r; }
}\n`;
}

function unaryGradKernel(op: UnaryGradOp): string {
  return `extern "C" __global__ void ${unaryGradName(op)}(const float* x, const float* gy,
    float* o, i64 n) {
  GRID_STRIDE(i, n) { double v = x[i]; double g = gy[i]; double r; ${UNARY_GRAD_BODIES[op]} o[i] = (float)r; }
}\n`;
}

function scalarKernel(op: ScalarOp): string {
  return `extern "C" __global__ void ${scalarName(op)}(const float* x, float* o, i64 n,
    double a, double b) {
  GRID_STRIDE(i, n) { double v = x[i]; double r; ${SCALAR_BODIES[op]} o[i] = (float)r; }
}\n`;
}

function binaryKernels(op: BinaryOp): string {
  return `extern "C" __global__ void ${binaryName(op)}(const float* a, const float* b,
    float* o, i64 n, Dims d) {
  GRID_STRIDE(i, n) {
    i64 oa, ob; stridedOffsets(d, i, oa, ob);
    double x = a[oa], y = b[ob]; double r; ${BINARY_BODIES[op]} o[i] = (float)r;
  }
}
extern "C" __global__ void ${binaryFlatName(op)}(const float* a, const float* b,
    float* o, i64 n, i64 sa, i64 sb) {
  GRID_STRIDE(i, n) { double x = a[i * sa], y = b[i * sb]; double r; ${BINARY_BODIES[op]} o[i] = (float)r; }
}\n`;
}

const WHERE_SOURCE = `extern "C" __global__ void whereSelect(const float* c, const float* a,
    const float* b, float* o, i64 n) {
  GRID_STRIDE(i, n) { o[i] = c[i] != 0.0f ? a[i] : b[i]; }
}\n`;

/** The elementwise program text and its kernel names. */
export function elementwiseSource(): { source: string; names: string[] } {
  const u = Object.keys(UNARY_BODIES) as UnaryOp[];
  const ug = Object.keys(UNARY_GRAD_BODIES) as UnaryGradOp[];
  const s = Object.keys(SCALAR_BODIES) as ScalarOp[];
  const bi = Object.keys(BINARY_BODIES) as BinaryOp[];
  const source = [
    ...u.map(unaryKernel),
    ...ug.map(unaryGradKernel),
    ...s.map(scalarKernel),
    ...bi.map(binaryKernels),
    WHERE_SOURCE,
  ].join("\n");
  const names = [
    ...u.map(unaryName),
    ...ug.map(unaryGradName),
    ...s.map(scalarName),
    ...bi.flatMap((op) => [binaryName(op), binaryFlatName(op)]),
    "whereSelect",
  ];
  return { source, names };
}
