/** Reductions over axes (sum, mean, max, min, logsumexp, argmax/argmin) and their gradients. */
import type { ReduceOp } from "../../backend/backend.ts";
import { record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { broadcastStrides, normalizeAxes, sameShape, shapeStr, stridesOf } from "../shape.ts";
import { emptyOn } from "./create.ts";

/** The shape after reducing `axes`, keeping them as size 1 or dropping them. */
export function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Runs a backend reduction over sorted axes, merging runs of adjacent axes into one pass. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  let cur = x;
  let shape = [...x.shape];
  // Reduce from the last run to the first so earlier axis indices stay valid.
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === a - 1) last[1] = a;
    else runs.push([a, a]);
  }
  if ((op === "argmax" || op === "argmin") && runs.length > 1) {
    throw new Error(`${op}: reduces one axis (or a run of adjacent axes), got axes [${axes}]`);
  }
  for (let k = runs.length - 1; k >= 0; k--) {
    const [lo, hi] = runs[k];
    const outer = shape.slice(0, lo).reduce((p, d) => p * d, 1);
    const r = shape.slice(lo, hi + 1).reduce((p, d) => p * d, 1);
    const inner = shape.slice(hi + 1).reduce((p, d) => p * d, 1);
    if (r === 0) throw new Error(`${op}: cannot reduce an empty axis of shape ${shapeStr(x.shape)}`);
    shape = [...shape.slice(0, lo), ...shape.slice(hi + 1)];
    const y = emptyOn(x.backend, shape);
    x.backend.reduce(op, cur.storage, y.storage, outer, r, inner);
    if (cur !== x) cur.dispose();
    cur = y;
  }
  return cur;
}

/** Broadcasts a kept-dims gradient back to `shape` (a materialised copy). */
export function broadcastBack(g: Tensor, keptShape: readonly number[], shape: readonly number[]): Tensor {
  const out = emptyOn(g.backend, shape);
  g.backend.copyStrided(g.storage, 0, broadcastStrides(keptShape, shape), out.storage, 0, stridesOf(shape), [
    ...shape,
  ]);
  return out;
}

function reduceOp(op: "sum" | "max" | "min", x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  if (x.isDisposed) throw new Error(`${op}: input was disposed`);
  const axes = normalizeAxes(op, axis, x.rank);
  const raw = axes.length ? reduceRaw(op, x, axes) : null;
  const shape = reducedShape(x.shape, axes, keepDims);
  const node = record(op, [x], [], { axes, keptShape: reducedShape(x.shape, axes, true) });
  const src = raw ?? x;
  const y = emptyOn(x.backend, shape, node);
  x.backend.copyStrided(src.storage, 0, [1], y.storage, 0, [1], [y.size]);
  if (raw) raw.dispose();
  return y;
}

registerGradient("sum", (gy, node) => {
  const x = node.inputs[0];
  return [broadcastBack(gy, node.attrs.keptShape as number[], x.shape)];
});

function extremumGrad(gy: Tensor, x: Tensor, y: Tensor, keptShape: number[]): Tensor {
  // Ties share the gradient evenly (like torch.amax).
  const b = x.backend;
  const shape = x.shape;
  const yFull = broadcastBack(y, keptShape, shape);
  const mask = emptyOn(b, shape);
  b.binary("eq", x.storage, stridesOf(shape), yFull.storage, stridesOf(shape), mask.storage, [...shape]);
  const axes = keptShape.map((d, i) => (d === 1 && shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  const count = axes.length ? reduceRaw("sum", mask, axes) : mask;
  const scale = emptyOn(b, keptShape);
  b.binary("div", gy.storage, [1], count.storage, [1], scale.storage, [gy.size]);
  const gx = emptyOn(b, shape);
  b.binary(
    "mul",
    mask.storage,
    stridesOf(shape),
    scale.storage,
    broadcastStrides(keptShape, shape),
    gx.storage,
    [
      ...shape,
    ],
  );
  for (const t of [yFull, mask, count, scale]) t.dispose();
  return gx;
}
registerGradient(
  "max",
  (gy, node, y) => [extremumGrad(gy, node.inputs[0], y, node.attrs.keptShape as number[])],
);
registerGradient(
  "min",
  (gy, node, y) => [extremumGrad(gy, node.inputs[0], y, node.attrs.keptShape as number[])],
);

/**
 * Sum over `axis` (one axis, a list, or all axes when omitted); `keepDims` keeps reduced axes as size 1.
 *
 * @throws {Error} When an axis is out of range.
 *
 * @example
 * ```ts
 * import { sum, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * console.log(sum(x).item(), sum(x, 1).dataSync(), sum(x, 0, true).shape); // 21 Float32Array [6, 15] [1, 3]
 * ```
 */
export function sum(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  return reduceOp("sum", x, axis, keepDims);
}

/**
 * Max over `axis` (all axes when omitted); the gradient is shared evenly among tied maxima.
 *
 * @throws {Error} When an axis is out of range or has length 0.
 *
 * @example
 * ```ts
 * import { max, tensor } from "./mod.ts";
 * const x = tensor([1, 5, 3, 2], [2, 2]);
 * console.log(max(x, 1).dataSync()); // Float32Array [5, 3]
 * ```
 */
export function max(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  return reduceOp("max", x, axis, keepDims);
}

/**
 * Min over `axis` (all axes when omitted); the gradient is shared evenly among tied minima.
 *
 * @throws {Error} When an axis is out of range or has length 0.
 *
 * @example
 * ```ts
 * import { min, tensor } from "./mod.ts";
 * const x = tensor([1, 5, 3, 2], [2, 2]);
 * console.log(min(x, 0).dataSync()); // Float32Array [1, 2]
 * ```
 */
export function min(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  return reduceOp("min", x, axis, keepDims);
}

/**
 * Index of the maximum along one axis (the first on ties), as float values; no gradient.
 *
 * @example
 * ```ts
 * import { argmax, tensor } from "./mod.ts";
 * const logits = tensor([0.1, 2, 0.3, 5, 1, 0], [2, 3]);
 * console.log(argmax(logits, 1).dataSync()); // Float32Array [1, 0]
 * ```
 */
export function argmax(x: Tensor, axis: number, keepDims = false): Tensor {
  const axes = normalizeAxes("argmax", axis, x.rank);
  const y = reduceRaw("argmax", x, axes);
  return keepDims ? reshapeRaw(y, reducedShape(x.shape, axes, true)) : y;
}

/**
 * Index of the minimum along one axis (the first on ties), as float values; no gradient.
 *
 * @example
 * ```ts
 * import { argmin, tensor } from "./mod.ts";
 * console.log(argmin(tensor([3, 1, 2], [3]), 0).item()); // 1
 * ```
 */
export function argmin(x: Tensor, axis: number, keepDims = false): Tensor {
  const axes = normalizeAxes("argmin", axis, x.rank);
  const y = reduceRaw("argmin", x, axes);
  return keepDims ? reshapeRaw(y, reducedShape(x.shape, axes, true)) : y;
}

function reshapeRaw(t: Tensor, shape: number[]): Tensor {
  const y = emptyOn(t.backend, shape);
  t.backend.copyStrided(t.storage, 0, [1], y.storage, 0, [1], [t.size]);
  t.dispose();
  return y;
}

/**
 * Sums a broadcast gradient back to `shape` (the shape of the input that was broadcast). Returns g itself
 * when no reduction is needed.
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) axes.push(i);
  const r = axes.length ? reduceRaw("sum", g, axes) : g;
  if (r.size !== shape.reduce((p, d) => p * d, 1)) {
    throw new Error(`sumTo: cannot reduce ${shapeStr(g.shape)} to ${shapeStr(shape)}`);
  }
  return reshapeRaw(r === g ? copyOf(g) : r, [...shape]);
}

function copyOf(t: Tensor): Tensor {
  const y = emptyOn(t.backend, t.shape);
  t.backend.copyStrided(t.storage, 0, [1], y.storage, 0, [1], [t.size]);
  return y;
}
