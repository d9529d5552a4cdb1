/**
 * Neural-network ops: softmax family, normalisation, similarity, cross-entropy, dropout, index selection.
 * Softmax and row normalisation use fused backend kernels; the rest compose other ops.
 */
import { record, registerGradient } from "../autograd.ts";
import { Tensor } from "../tensor.ts";
import { normalizeAxis, shapeStr } from "../shape.ts";
import { emptyOn, tensor } from "./create.ts";
import { add, clamp, div, log, mul, mulScalar, sqrt, sub } from "./elementwise.ts";
import { max, sum } from "./reduce.ts";
import { permute, reshape } from "./shape_ops.ts";
import { noGrad } from "../engine.ts";
import type { Philox } from "../../random/philox.ts";
import { fillBernoulliMask } from "../../random/hash_mask.ts";
import { globalGenerator } from "../random.ts";
import { backend } from "../../backend/registry.ts";

/** Applies a last-axis kernel to any axis by permuting that axis last and back. */
function alongAxis(x: Tensor, axis: number, fn: (t: Tensor) => Tensor): Tensor {
  const a = normalizeAxis("softmax", axis, x.rank);
  if (a === x.rank - 1) return fn(x);
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[a] = x.rank - 1;
  perm[x.rank - 1] = a;
  return permute(fn(permute(x, perm)), perm);
}

function softmaxLast(x: Tensor, log: boolean): Tensor {
  const cols = x.shape[x.rank - 1];
  const y = emptyOn(x.backend, x.shape, record(log ? "logSoftmax" : "softmax", [x]));
  x.backend.softmax(x.storage, y.storage, x.size / cols, cols, log);
  return y;
}
for (const log of [false, true]) {
  registerGradient(log ? "logSoftmax" : "softmax", (gy, _node, y) => {
    const cols = y.shape[y.rank - 1];
    const gx = emptyOn(y.backend, y.shape);
    y.backend.softmaxGrad(y.storage, gy.storage, gx.storage, y.size / cols, cols, log);
    return [gx];
  });
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, (t) => softmaxLast(t, false));
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, (t) => softmaxLast(t, true));
}

/** log(sum(exp(x))) over axes, stable (the shift by the max carries no gradient). */
export function logsumexp(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const m = noGrad(() => max(x, axis, true));
  const out = add(log(sum(expOf(sub(x, m)), axis, true)), m);
  if (keepDims) return out;
  const axes = axis === undefined
    ? x.shape.map((_, i) => i)
    : (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis("logsumexp", a, x.rank));
  return reshape(out, x.shape.filter((_, i) => !axes.includes(i)));
}

function expOf(t: Tensor): Tensor {
  const y = emptyOn(t.backend, t.shape, record("exp", [t]));
  t.backend.unary("exp", t.storage, y.storage);
  return y;
}

/** Mean over axes (all when omitted). */
export function mean(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = axis === undefined ? x.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const count = axes.reduce((p, a) => p * x.shape[normalizeAxis("mean", a, x.rank)], 1);
  return mulScalar(sum(x, axis, keepDims), 1 / count);
}

/** Biased (population) variance over axes, or unbiased with correction 1. */
export function variance(x: Tensor, axis?: number | number[], keepDims = false, correction = 0): Tensor {
  const axes = axis === undefined ? x.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const count = axes.reduce((p, a) => p * x.shape[normalizeAxis("variance", a, x.rank)], 1);
  const d = sub(x, mean(x, axes, true));
  return mulScalar(sum(mul(d, d), axes, keepDims), 1 / (count - correction));
}

registerGradient("normalizeRows", (gy, node, y) => {
  const [rstd] = node.saved;
  const cols = y.shape[y.rank - 1];
  const gx = emptyOn(y.backend, y.shape);
  y.backend.normalizeRowsGrad(y.storage, rstd.storage, gy.storage, gx.storage, y.size / cols, cols);
  return [gx];
});

/** (x - mean) / sqrt(var + eps) over the last axis (fused kernel). */
export function normalizeLastAxis(x: Tensor, eps = 1e-5): Tensor {
  const cols = x.shape[x.rank - 1], rows = x.size / cols;
  const meanT = emptyOn(x.backend, [rows]), rstd = emptyOn(x.backend, [rows]);
  const y = emptyOn(x.backend, x.shape, record("normalizeRows", [x], [rstd]));
  x.backend.normalizeRows(x.storage, y.storage, meanT.storage, rstd.storage, rows, cols, eps);
  meanT.dispose();
  return y;
}

/** Layer normalisation over the last axis with optional elementwise affine weight and bias. */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const cols = x.shape[x.rank - 1];
  if (weight && weight.size !== cols) {
    throw new Error(
      `layerNorm: weight ${shapeStr(weight.shape)} does not match last axis of ${shapeStr(x.shape)}`,
    );
  }
  let y = normalizeLastAxis(x, eps);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** x / max(‖x‖₂, eps) along an axis (torch.nn.functional.normalize). */
export function l2Normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  const norm = sqrt(sum(mul(x, x), axis, true));
  return div(x, clamp(norm, eps));
}

/** Cosine similarity along an axis: (a·b) / (max(‖a‖, eps) max(‖b‖, eps)). */
export function cosineSimilarity(a: Tensor, b: Tensor, axis = -1, eps = 1e-8): Tensor {
  return sum(mul(l2Normalize(a, axis, eps), l2Normalize(b, axis, eps)), axis);
}

/** A [N, C] one-hot tensor (constant) for integer targets, with a clear error for an out-of-range class. */
export function oneHot(targets: ArrayLike<number>, numClasses: number): Tensor {
  const n = targets.length;
  const v = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const c = targets[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`oneHot: target ${c} at index ${i} is not a class in [0, ${numClasses})`);
    }
    v[i * numClasses + c] = 1;
  }
  return tensor(v, [n, numClasses]);
}

/** Mean cross-entropy of logits [N, C] against integer class targets (length N). */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>): Tensor {
  if (logits.rank !== 2 || logits.shape[0] !== targets.length) {
    throw new Error(`crossEntropy: logits ${shapeStr(logits.shape)} do not match ${targets.length} targets`);
  }
  const oh = oneHot(targets, logits.shape[1]);
  return mulScalar(sum(mul(logSoftmax(logits), oh)), -1 / targets.length);
}

/** The 32-bit seed of one dropout call: one draw of `rng`. */
function dropoutSeed(rng: Philox): number {
  return rng.nextUint32(new Uint32Array(1))[0];
}

function checkDropoutP(p: number): void {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
}

/**
 * The inverted-dropout mask of a shape: 1/(1-p) where an element is kept (probability 1 - p), else 0. The
 * coins come from a seeded counter hash (src/random/hash_mask.ts, or the backend's `dropout` kernel, which
 * draws the same coins) keyed by one 32-bit draw of `rng`. The mask lives on the backend of `like` (default:
 * the active one).
 */
export function dropoutMask(
  shape: number[],
  p: number,
  rng: Philox = globalGenerator(),
  like?: Tensor,
): Tensor {
  checkDropoutP(p);
  const seed = dropoutSeed(rng), b = like ? like.backend : backend();
  if (b.dropout) {
    const m = emptyOn(b, shape);
    b.fill(m.storage, 1);
    b.dropout(m.storage, m.storage, 1 - p, 1 / (1 - p), seed);
    return m;
  }
  const size = shape.reduce((a, d) => a * d, 1);
  const m = fillBernoulliMask(new Float32Array(size), 1 - p, 1 / (1 - p), seed);
  return new Tensor(b.fromHost(m), [...shape], b);
}

registerGradient("dropout", (gy, node) => {
  const { keepProb, scale, seed } = node.attrs as { keepProb: number; scale: number; seed: number };
  const gx = emptyOn(gy.backend, gy.shape);
  gy.backend.dropout!(gy.storage, gx.storage, keepProb, scale, seed);
  return [gx];
});

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p). With a backend
 * `dropout` kernel the coins are computed in the pass (forward and backward, no mask stored); else the mask
 * is drawn on the host and multiplied. Both draw the same coins.
 */
export function dropout(x: Tensor, p: number, training: boolean, rng: Philox = globalGenerator()): Tensor {
  if (!training || p === 0) return x;
  const b = x.backend;
  if (!b.dropout) return mul(x, dropoutMask([...x.shape], p, rng, x));
  checkDropoutP(p);
  const attrs = { keepProb: 1 - p, scale: 1 / (1 - p), seed: dropoutSeed(rng) };
  const y = emptyOn(b, x.shape, record("dropout", [x], [], attrs));
  b.dropout(x.storage, y.storage, attrs.keepProb, attrs.scale, attrs.seed);
  return y;
}

registerGradient("gather", (gy, node) => {
  const x = node.inputs[0];
  const [idx] = node.saved;
  const { outer, axisLen, inner } = node.attrs as { outer: number; axisLen: number; inner: number };
  const gx = emptyOn(x.backend, x.shape);
  x.backend.fill(gx.storage, 0);
  x.backend.scatterAdd(gy.storage, idx.storage, gx.storage, outer, axisLen, inner, idx.size);
  return [gx];
});

/** Picks entries along an axis by index (torch.index_select); the gradient scatters back. */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number>): Tensor {
  const a = normalizeAxis("indexSelect", axis, x.rank);
  const axisLen = x.shape[a];
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= axisLen) {
      throw new Error(`indexSelect: index ${v} out of range for axis ${axis} of ${shapeStr(x.shape)}`);
    }
  }
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const idx = tensor(Float32Array.from(indices), [indices.length]);
  const shape = [...x.shape];
  shape[a] = indices.length;
  const y = emptyOn(x.backend, shape, record("gather", [x], [idx], { outer, axisLen, inner }));
  x.backend.gather(x.storage, idx.storage, y.storage, outer, axisLen, inner, indices.length);
  return y;
}
