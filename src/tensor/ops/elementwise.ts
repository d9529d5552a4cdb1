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

export const neg = (x: Tensor): Tensor => unary("neg", x);
export const exp = (x: Tensor): Tensor => unary("exp", x);
export const log = (x: Tensor): Tensor => unary("log", x);
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
export const rsqrt = (x: Tensor): Tensor => unary("rsqrt", x);
export const abs = (x: Tensor): Tensor => unary("abs", x);
export const relu = (x: Tensor): Tensor => unary("relu", x);
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
/** GELU, exact (erf) by default or the tanh approximation. */
export const gelu = (x: Tensor, approximate: "none" | "tanh" = "none"): Tensor =>
  unary(approximate === "tanh" ? "geluTanh" : "gelu", x);
/** x * sigmoid(1.702 x), as CLIP uses. */
export const quickGelu = (x: Tensor): Tensor => unary("quickGelu", x);
export const softplus = (x: Tensor): Tensor => unary("softplus", x);
export const square = (x: Tensor): Tensor => unary("square", x);
export const reciprocal = (x: Tensor): Tensor => unary("recip", x);
/** sign(x); no gradient (treated as constant). */
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

export const addScalar = (x: Tensor, a: number): Tensor => scalarOp("addS", x, a);
export const mulScalar = (x: Tensor, a: number): Tensor => scalarOp("mulS", x, a);
/** x * a + b. */
export const affine = (x: Tensor, a: number, b: number): Tensor => scalarOp("affine", x, a, b);
export const powScalar = (x: Tensor, p: number): Tensor => scalarOp("powS", x, p);
/** min(max(x, lo), hi); gradient passes where lo <= x <= hi. */
export const clamp = (x: Tensor, lo = -Infinity, hi = Infinity): Tensor => scalarOp("clamp", x, lo, hi);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => scalarOp("leakyRelu", x, slope);
/** 1 where x > a else 0 (no gradient). */
export const gtScalar = (x: Tensor, a: number): Tensor => scalarOp("gtS", x, a, 0, false);
/** 1 where x < a else 0 (no gradient). */
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

export function add(a: Tensor, b: TensorLike): Tensor {
  return typeof b === "number" ? addScalar(a, b) : binary("add", a, b);
}
export function sub(a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number") {
    if (typeof b === "number") throw new Error("sub: at least one operand must be a tensor");
    return scalarOp("rsubS", b, a);
  }
  return typeof b === "number" ? addScalar(a, -b) : binary("sub", a, b);
}
export function mul(a: Tensor, b: TensorLike): Tensor {
  return typeof b === "number" ? mulScalar(a, b) : binary("mul", a, b);
}
export function div(a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number") {
    if (typeof b === "number") throw new Error("div: at least one operand must be a tensor");
    return mulScalar(reciprocal(b), a);
  }
  return typeof b === "number" ? mulScalar(a, 1 / b) : binary("div", a, b);
}
export function pow(a: Tensor, b: TensorLike): Tensor {
  return typeof b === "number" ? powScalar(a, b) : binary("pow", a, b);
}
export const maximum = (a: Tensor, b: TensorLike): Tensor => binary("max", a, asTensor(b, a));
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

/** cond != 0 ? a : b, with cond, a and b broadcast to a common shape. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ref = cond;
  const ta = asTensor(a, ref), tb = asTensor(b, ref);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, ta.shape), tb.shape);
  const c = expandTo(cond, shape, false), ea = expandTo(ta, shape), eb = expandTo(tb, shape);
  const y = emptyOn(ref.backend, shape, record("where", [ea, eb], [c]));
  ref.backend.where(c.storage, ea.storage, eb.storage, y.storage);
  return y;
}

/** value where mask != 0, else x (mask broadcast to x). */
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
