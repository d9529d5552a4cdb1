/**
 * Op names in the order of the C enums in `csrc/elementwise.c` and `csrc/reduce_copy.c`: an op's code for
 * the native kernels is its index here. The conformance tests run every op on both CPU kernel sets, so a
 * list out of step with its enum fails there.
 */
import type { BinaryOp, ReduceOp, ScalarOp, UnaryGradOp, UnaryOp } from "../backend.ts";

/** Unary ops, in the order of the C enum `U_*`. */
export const UNARY_OPS: readonly UnaryOp[] = [
  "neg",
  "exp",
  "log",
  "sqrt",
  "abs",
  "relu",
  "sigmoid",
  "tanh",
  "gelu",
  "geluTanh",
  "quickGelu",
  "softplus",
  "sign",
  "square",
  "recip",
  "rsqrt",
];

/** Unary derivative ops, in the order of the C enum `G_*`. */
export const UNARY_GRAD_OPS: readonly UnaryGradOp[] = [
  "exp",
  "log",
  "sqrt",
  "abs",
  "relu",
  "sigmoid",
  "tanh",
  "gelu",
  "geluTanh",
  "quickGelu",
  "softplus",
];

/** Scalar-parameter ops, in the order of the C enum `S_*`. */
export const SCALAR_OPS: readonly ScalarOp[] = [
  "addS",
  "mulS",
  "affine",
  "powS",
  "rsubS",
  "clamp",
  "clampGrad",
  "leakyRelu",
  "leakyReluGrad",
  "gtS",
  "ltS",
];

/** Binary ops, in the order of the C enum `B_*`. */
export const BINARY_OPS: readonly BinaryOp[] = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "max",
  "min",
  "gt",
  "lt",
  "eq",
];

/** Reductions, in the order of the C enum `R_*`. */
export const REDUCE_OPS: readonly ReduceOp[] = ["sum", "max", "min", "argmax", "argmin"];

/** name -> code lookup for one of the lists above. */
export function codeTable<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<T, number>;
}
