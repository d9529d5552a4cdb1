/** Elementwise ops with broadcasting, and their gradients. */
import type { BinaryOp, ScalarOp, UnaryGradOp, UnaryOp } from "../../backend/backend.ts";
import { record, registerGradient } from "../autograd.ts";
import { Tensor } from "../tensor.ts";
import { broadcastShapes, broadcastStrides, sameShape, stridesOf } from "../shape.ts";
import { emptyOn, scalar } from "./create.ts";
import { sumTo } from "./reduce.ts";

/** A tensor or a plain number (treated as a constant scalar). */
export type TensorLike = Tensor | number;

function checkLive(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.isDisposed) throw new Error(`${op}: input ${t} was disposed`);
}

// ---- unary -------------------------------------------------------------------------------------------

const GRAD_OF: Partial<Record<UnaryOp, UnaryGradOp>> = {
  exp: "exp",
  log: "log",
  sqrt: "sqrt",
  abs: "abs",
  relu: "relu",
  sigmoid: "sigmoid",
  tanh: "tanh",
  gelu: "gelu",
  geluTanh: "geluTanh",
  quickGelu: "quickGelu",
  softplus: "softplus",
};

function unary(op: UnaryOp, x: Tensor): Tensor {
  checkLive(op, x);
  const y = emptyOn(x.backend, x.shape, record(op, [x]));
  x.backend.unary(op, x.storage, y.storage);
  return y;
}

for (const [op, gop] of Object.entries(GRAD_OF) as [UnaryOp, UnaryGradOp][]) {
  registerGradient(op, (gy, node) => {
    const x = node.inputs[0];
    const gx = emptyOn(x.backend, x.shape);
    x.backend.unaryGrad(gop, x.storage, gy.storage, gx.storage);
    return [gx];
  });
}
registerGradient("neg", (gy) => [neg(gy)]);
registerGradient("square", (gy, node) => [mul(gy, mulScalar(node.inputs[0], 2))]);
registerGradient("recip", (gy, _node, y) => [neg(mul(gy, mul(y, y)))]);
registerGradient("rsqrt", (gy, _node, y) => [mul(gy, mulScalar(mul(y, mul(y, y)), -0.5))]);

/**
 * -x elementwise.
 *
 * @example
 * ```ts
 * import { neg, tensor } from "./mod.ts";
 * console.log(neg(tensor([1, -2], [2])).dataSync()); // Float32Array [-1, 2]
 * ```
 */
export const neg = (x: Tensor): Tensor => unary("neg", x);
/**
 * eˣ elementwise.
 *
 * @example
 * ```ts
 * import { exp, tensor } from "./mod.ts";
 * console.log(exp(tensor([0], [1])).item()); // 1
 * ```
 */
export const exp = (x: Tensor): Tensor => unary("exp", x);
/**
 * Natural logarithm elementwise (-Infinity at 0, NaN below).
 *
 * @example
 * ```ts
 * import { log, tensor } from "./mod.ts";
 * console.log(log(tensor([1], [1])).item()); // 0
 * ```
 */
export const log = (x: Tensor): Tensor => unary("log", x);
/**
 * √x elementwise (NaN below 0).
 *
 * @example
 * ```ts
 * import { sqrt, tensor } from "./mod.ts";
 * console.log(sqrt(tensor([4, 9], [2])).dataSync()); // Float32Array [2, 3]
 * ```
 */
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
/**
 * 1/√x elementwise.
 *
 * @example
 * ```ts
 * import { rsqrt, tensor } from "./mod.ts";
 * console.log(rsqrt(tensor([4], [1])).item()); // 0.5
 * ```
 */
export const rsqrt = (x: Tensor): Tensor => unary("rsqrt", x);
/**
 * |x| elementwise (gradient sign(x), 0 at 0).
 *
 * @example
 * ```ts
 * import { abs, tensor } from "./mod.ts";
 * console.log(abs(tensor([-3, 2], [2])).dataSync()); // Float32Array [3, 2]
 * ```
 */
export const abs = (x: Tensor): Tensor => unary("abs", x);
/**
 * max(x, 0) elementwise (gradient 0 at 0).
 *
 * @example
 * ```ts
 * import { relu, tensor } from "./mod.ts";
 * console.log(relu(tensor([-1, 0.5], [2])).dataSync()); // Float32Array [0, 0.5]
 * ```
 */
export const relu = (x: Tensor): Tensor => unary("relu", x);
/**
 * 1 / (1 + e⁻ˣ) elementwise.
 *
 * @example
 * ```ts
 * import { sigmoid, tensor } from "./mod.ts";
 * console.log(sigmoid(tensor([0], [1])).item()); // 0.5
 * ```
 */
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
/**
 * Hyperbolic tangent elementwise.
 *
 * @example
 * ```ts
 * import { tanh, tensor } from "./mod.ts";
 * console.log(tanh(tensor([0], [1])).item()); // 0
 * ```
 */
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
/**
 * GELU, x·Φ(x): exact (erf) by default, or the tanh approximation with `approximate` "tanh" (as
 * torch.nn.functional.gelu).
 *
 * @example
 * ```ts
 * import { gelu, tensor } from "./mod.ts";
 * const x = tensor([-1, 0, 1], [3]);
 * console.log(gelu(x).dataSync()[2].toFixed(4), gelu(x, "tanh").dataSync()[2].toFixed(4)); // 0.8413 0.8412
 * ```
 */
export const gelu = (x: Tensor, approximate: "none" | "tanh" = "none"): Tensor =>
  unary(approximate === "tanh" ? "geluTanh" : "gelu", x);
/**
 * x·sigmoid(1.702·x), the GELU approximation CLIP uses.
 *
 * @example
 * ```ts
 * import { quickGelu, tensor } from "./mod.ts";
 * console.log(quickGelu(tensor([0], [1])).item()); // 0
 * ```
 */
export const quickGelu = (x: Tensor): Tensor => unary("quickGelu", x);
/**
 * log(1 + eˣ) elementwise, computed without overflow for large x.
 *
 * @example
 * ```ts
 * import { softplus, tensor } from "./mod.ts";
 * console.log(softplus(tensor([0], [1])).item().toFixed(4)); // 0.6931
 * ```
 */
export const softplus = (x: Tensor): Tensor => unary("softplus", x);
/**
 * x² elementwise.
 *
 * @example
 * ```ts
 * import { square, tensor } from "./mod.ts";
 * console.log(square(tensor([-3], [1])).item()); // 9
 * ```
 */
export const square = (x: Tensor): Tensor => unary("square", x);
/**
 * 1/x elementwise (±Infinity at 0).
 *
 * @example
 * ```ts
 * import { reciprocal, tensor } from "./mod.ts";
 * console.log(reciprocal(tensor([4], [1])).item()); // 0.25
 * ```
 */
export const reciprocal = (x: Tensor): Tensor => unary("recip", x);
/**
 * sign(x) elementwise (-1, 0 or 1); the result carries no gradient (treated as a constant).
 *
 * @example
 * ```ts
 * import { sign, tensor } from "./mod.ts";
 * console.log(sign(tensor([-2, 0, 5], [3])).dataSync()); // Float32Array [-1, 0, 1]
 * ```
 */
export function sign(x: Tensor): Tensor {
  const y = emptyOn(x.backend, x.shape);
  x.backend.unary("sign", x.storage, y.storage);
  return y;
}

// ---- scalar-parameter ops ------------------------------------------------------------------------------

function scalarOp(op: ScalarOp, x: Tensor, a: number, b = 0, grad = true): Tensor {
  checkLive(op, x);
  const y = emptyOn(x.backend, x.shape, grad ? record(op, [x], [], { a, b }) : null);
  x.backend.scalar(op, x.storage, y.storage, a, b);
  return y;
}

registerGradient("addS", (gy) => [gy]);
registerGradient("mulS", (gy, node) => [mulScalar(gy, node.attrs.a as number)]);
registerGradient("affine", (gy, node) => [mulScalar(gy, node.attrs.a as number)]);
registerGradient("rsubS", (gy) => [neg(gy)]);
registerGradient("powS", (gy, node) => {
  const p = node.attrs.a as number;
  return [mul(gy, mulScalar(scalarOp("powS", node.inputs[0], p - 1, 0, false), p))];
});
registerGradient("clamp", (gy, node) => {
  const { a, b } = node.attrs as { a: number; b: number };
  return [mul(gy, scalarOp("clampGrad", node.inputs[0], a, b, false))];
});
registerGradient("leakyRelu", (gy, node) => [
  mul(gy, scalarOp("leakyReluGrad", node.inputs[0], node.attrs.a as number, 0, false)),
]);

/**
 * x + a elementwise.
 *
 * @example
 * ```ts
 * import { addScalar, tensor } from "./mod.ts";
 * console.log(addScalar(tensor([1, 2], [2]), 10).dataSync()); // Float32Array [11, 12]
 * ```
 */
export const addScalar = (x: Tensor, a: number): Tensor => scalarOp("addS", x, a);
/**
 * x · a elementwise.
 *
 * @example
 * ```ts
 * import { mulScalar, tensor } from "./mod.ts";
 * console.log(mulScalar(tensor([1, 2], [2]), -2).dataSync()); // Float32Array [-2, -4]
 * ```
 */
export const mulScalar = (x: Tensor, a: number): Tensor => scalarOp("mulS", x, a);
/**
 * x · a + b elementwise, in one pass.
 *
 * @example
 * ```ts
 * import { affine, tensor } from "./mod.ts";
 * console.log(affine(tensor([1, 2], [2]), 2, 1).dataSync()); // Float32Array [3, 5]
 * ```
 */
export const affine = (x: Tensor, a: number, b: number): Tensor => scalarOp("affine", x, a, b);
/**
 * xᵖ elementwise for a constant exponent p.
 *
 * @example
 * ```ts
 * import { powScalar, tensor } from "./mod.ts";
 * console.log(powScalar(tensor([2, 3], [2]), 3).dataSync()); // Float32Array [8, 27]
 * ```
 */
export const powScalar = (x: Tensor, p: number): Tensor => scalarOp("powS", x, p);
/**
 * min(max(x, lo), hi) elementwise (bounds default to ±Infinity); the gradient passes where lo <= x <= hi.
 *
 * @example
 * ```ts
 * import { clamp, tensor } from "./mod.ts";
 * console.log(clamp(tensor([-2, 0.5, 3], [3]), 0, 1).dataSync()); // Float32Array [0, 0.5, 1]
 * ```
 */
export const clamp = (x: Tensor, lo = -Infinity, hi = Infinity): Tensor => scalarOp("clamp", x, lo, hi);
/**
 * x where x > 0, else slope · x (default slope 0.01), as torch.nn.functional.leaky_relu.
 *
 * @example
 * ```ts
 * import { leakyRelu, tensor } from "./mod.ts";
 * console.log(leakyRelu(tensor([-2, 3], [2]), 0.5).dataSync()); // Float32Array [-1, 3]
 * ```
 */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => scalarOp("leakyRelu", x, slope);
/**
 * 1 where x > a else 0, elementwise (no gradient).
 *
 * @example
 * ```ts
 * import { gtScalar, tensor } from "./mod.ts";
 * console.log(gtScalar(tensor([0, 1, 2], [3]), 1).dataSync()); // Float32Array [0, 0, 1]
 * ```
 */
export const gtScalar = (x: Tensor, a: number): Tensor => scalarOp("gtS", x, a, 0, false);
/**
 * 1 where x < a else 0, elementwise (no gradient).
 *
 * @example
 * ```ts
 * import { ltScalar, tensor } from "./mod.ts";
 * console.log(ltScalar(tensor([0, 1, 2], [3]), 1).dataSync()); // Float32Array [1, 0, 0]
 * ```
 */
export const ltScalar = (x: Tensor, a: number): Tensor => scalarOp("ltS", x, a, 0, false);

// ---- broadcast binaries ------------------------------------------------------------------------------

function binary(op: BinaryOp, a: Tensor, b: Tensor, grad = true): Tensor {
  checkLive(op, a, b);
  if (a.backend !== b.backend) {
    throw new Error(`${op}: inputs on different backends (${a.backend.name}, ${b.backend.name})`);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const name = op === "max" ? "maximum" : op === "min" ? "minimum" : op;
  const y = emptyOn(a.backend, shape, grad ? record(name, [a, b]) : null);
  const aS = sameShape(a.shape, shape) ? stridesOf(shape) : broadcastStrides(a.shape, shape);
  const bS = sameShape(b.shape, shape) ? stridesOf(shape) : broadcastStrides(b.shape, shape);
  a.backend.binary(op, a.storage, aS, b.storage, bS, y.storage, shape);
  return y;
}

function asTensor(v: TensorLike, like: Tensor): Tensor {
  return typeof v === "number" ? scalar(v, like.backend) : v;
}

registerGradient("add", (gy, node) => [sumTo(gy, node.inputs[0].shape), sumTo(gy, node.inputs[1].shape)]);
registerGradient(
  "sub",
  (gy, node) => [sumTo(gy, node.inputs[0].shape), sumTo(neg(gy), node.inputs[1].shape)],
);
registerGradient("mul", (gy, node) => {
  const [a, b] = node.inputs;
  return [
    a.requiresGrad ? sumTo(binary("mul", gy, b, false), a.shape) : null,
    b.requiresGrad ? sumTo(binary("mul", gy, a, false), b.shape) : null,
  ];
});
registerGradient("div", (gy, node, y) => {
  const [a, b] = node.inputs;
  return [
    a.requiresGrad ? sumTo(binary("div", gy, b, false), a.shape) : null,
    b.requiresGrad ? sumTo(neg(binary("div", binary("mul", gy, y, false), b, false)), b.shape) : null,
  ];
});
registerGradient("pow", (gy, node, y) => {
  const [a, b] = node.inputs;
  return [
    a.requiresGrad ? sumTo(mul(gy, mul(b, binary("pow", a, addScalar(b, -1), false))), a.shape) : null,
    b.requiresGrad ? sumTo(mul(gy, mul(y, log(a))), b.shape) : null,
  ];
});
function minMaxGrad(gy: Tensor, a: Tensor, b: Tensor, y: Tensor): (Tensor | null)[] {
  // Ties split the gradient evenly between a and b.
  const ma = binary("eq", a, y, false), mb = binary("eq", b, y, false);
  const total = binary("add", ma, mb, false);
  return [
    a.requiresGrad ? sumTo(mul(gy, binary("div", ma, total, false)), a.shape) : null,
    b.requiresGrad ? sumTo(mul(gy, binary("div", mb, total, false)), b.shape) : null,
  ];
}
registerGradient("maximum", (gy, node, y) => minMaxGrad(gy, node.inputs[0], node.inputs[1], y));
registerGradient("minimum", (gy, node, y) => minMaxGrad(gy, node.inputs[0], node.inputs[1], y));

/**
 * a + b with NumPy broadcasting; a number b is added as a scalar.
 *
 * @throws {Error} When the shapes do not broadcast or the tensors are on different backends.
 *
 * @example
 * ```ts
 * import { add, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [2, 2]);
 * const bias = tensor([10, 20], [2]); // broadcast over rows
 * console.log(add(x, bias).dataSync()); // Float32Array [11, 22, 13, 24]
 * ```
 */
export function add(a: Tensor, b: TensorLike): Tensor {
  return typeof b === "number" ? addScalar(a, b) : binary("add", a, b);
}
/**
 * a - b with NumPy broadcasting; either operand (not both) may be a number.
 *
 * @throws {Error} When both operands are numbers, or the shapes do not broadcast.
 *
 * @example
 * ```ts
 * import { sub, tensor } from "./mod.ts";
 * const x = tensor([1, 2], [2]);
 * console.log(sub(x, 1).dataSync(), sub(1, x).dataSync()); // Float32Array [0, 1] Float32Array [0, -1]
 * ```
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number") {
    if (typeof b === "number") throw new Error("sub: at least one operand must be a tensor");
    return scalarOp("rsubS", b, a);
  }
  return typeof b === "number" ? addScalar(a, -b) : binary("sub", a, b);
}
/**
 * a · b elementwise with NumPy broadcasting; a number b scales a.
 *
 * @throws {Error} When the shapes do not broadcast or the tensors are on different backends.
 *
 * @example
 * ```ts
 * import { mul, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [2, 2]);
 * const rowScale = tensor([2, 3], [2, 1]);
 * console.log(mul(x, rowScale).dataSync()); // Float32Array [2, 4, 9, 12]
 * ```
 */
export function mul(a: Tensor, b: TensorLike): Tensor {
  return typeof b === "number" ? mulScalar(a, b) : binary("mul", a, b);
}
/**
 * a / b elementwise with NumPy broadcasting; either operand (not both) may be a number.
 *
 * @throws {Error} When both operands are numbers, or the shapes do not broadcast.
 *
 * @example
 * ```ts
 * import { div, tensor } from "./mod.ts";
 * const x = tensor([2, 4], [2]);
 * console.log(div(x, 2).dataSync(), div(8, x).dataSync()); // Float32Array [1, 2] Float32Array [4, 2]
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number") {
    if (typeof b === "number") throw new Error("div: at least one operand must be a tensor");
    return mulScalar(reciprocal(b), a);
  }
  return typeof b === "number" ? mulScalar(a, 1 / b) : binary("div", a, b);
}
/**
 * aᵇ elementwise with NumPy broadcasting; a number b is a constant exponent (see {@link powScalar}).
 *
 * @example
 * ```ts
 * import { pow, tensor } from "./mod.ts";
 * const x = tensor([2, 3], [2]);
 * console.log(pow(x, tensor([3, 2], [2])).dataSync()); // Float32Array [8, 9]
 * ```
 */
export function pow(a: Tensor, b: TensorLike): Tensor {
  return typeof b === "number" ? powScalar(a, b) : binary("pow", a, b);
}
/**
 * max(a, b) elementwise with broadcasting; on ties the gradient is split evenly between a and b.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from "./mod.ts";
 * console.log(maximum(tensor([1, 5], [2]), 3).dataSync()); // Float32Array [3, 5]
 * ```
 */
export const maximum = (a: Tensor, b: TensorLike): Tensor => binary("max", a, asTensor(b, a));
/**
 * min(a, b) elementwise with broadcasting; on ties the gradient is split evenly between a and b.
 *
 * @example
 * ```ts
 * import { minimum, tensor } from "./mod.ts";
 * console.log(minimum(tensor([1, 5], [2]), 3).dataSync()); // Float32Array [1, 3]
 * ```
 */
export const minimum = (a: Tensor, b: TensorLike): Tensor => binary("min", a, asTensor(b, a));
/** 1 where a > b else 0 (no gradient). */
export const greater = (a: Tensor, b: TensorLike): Tensor => binary("gt", a, asTensor(b, a), false);
/** 1 where a < b else 0 (no gradient). */
export const less = (a: Tensor, b: TensorLike): Tensor => binary("lt", a, asTensor(b, a), false);
/** 1 where a == b else 0 (no gradient). */
export const equal = (a: Tensor, b: TensorLike): Tensor => binary("eq", a, asTensor(b, a), false);

// ---- selection ----------------------------------------------------------------------------------------

registerGradient("where", (gy, node) => {
  const [cond] = node.saved;
  const zero = scalar(0, gy.backend);
  const ga = emptyOn(gy.backend, gy.shape), gb = emptyOn(gy.backend, gy.shape);
  const z = binary("mul", gy, zero, false);
  gy.backend.where(cond.storage, gy.storage, z.storage, ga.storage);
  gy.backend.where(cond.storage, z.storage, gy.storage, gb.storage);
  z.dispose();
  zero.dispose();
  return [ga, gb];
});

/**
 * cond != 0 ? a : b elementwise, with cond, a and b (numbers allowed for a and b) broadcast to a common
 * shape. Gradients flow to a and b where each is selected; cond gets none.
 *
 * @throws {Error} When the shapes do not broadcast.
 *
 * @example
 * ```ts
 * import { tensor, where } from "./mod.ts";
 * const cond = tensor([1, 0, 1], [3]);
 * console.log(where(cond, tensor([1, 2, 3], [3]), 0).dataSync()); // Float32Array [1, 0, 3]
 * ```
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ref = cond;
  const ta = asTensor(a, ref), tb = asTensor(b, ref);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, ta.shape), tb.shape);
  const c = expandTo(cond, shape, false), ea = expandTo(ta, shape), eb = expandTo(tb, shape);
  const y = emptyOn(ref.backend, shape, record("where", [ea, eb], [c]));
  ref.backend.where(c.storage, ea.storage, eb.storage, y.storage);
  return y;
}

/**
 * `value` where mask != 0, else x (mask broadcast to x's shape), as torch.Tensor.masked_fill.
 *
 * @example
 * ```ts
 * import { maskedFill, tensor } from "./mod.ts";
 * const scores = tensor([0.1, 0.2, 0.3], [3]);
 * const padding = tensor([0, 0, 1], [3]);
 * console.log(maskedFill(scores, padding, -Infinity).dataSync()[2]); // -Infinity
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}

registerGradient("expand", (gy, node) => [sumTo(gy, node.inputs[0].shape)]);

/** Materialises x broadcast to `shape` (a copy; identity when the shape already matches). */
export function expandTo(x: Tensor, shape: readonly number[], grad = true): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const target = broadcastShapes("expand", x.shape, shape);
  if (!sameShape(target, shape)) throw new Error(`expand: cannot expand [${x.shape}] to [${shape}]`);
  const y = emptyOn(x.backend, shape, grad ? record("expand", [x]) : null);
  x.backend.copyStrided(x.storage, 0, broadcastStrides(x.shape, shape), y.storage, 0, stridesOf(shape), [
    ...shape,
  ]);
  return y;
}

export { Tensor };
