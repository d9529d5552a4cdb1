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
import { gatherIndexed } from "./gather.ts";
import { normalizeRowsOf } from "./normalize_rows.ts";
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

/**
 * Softmax along `axis` (default the last), exp(x - max) / sum(exp(x - max)), with a fused backend kernel.
 *
 * @example
 * ```ts
 * import { softmax, tensor } from "./mod.ts";
 * const p = softmax(tensor([0, 0, Math.log(2)], [1, 3]));
 * console.log(p.dataSync()); // Float32Array [0.25, 0.25, 0.5]
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, (t) => softmaxLast(t, false));
}

/**
 * log(softmax(x)) along `axis` (default the last), computed stably in one fused kernel.
 *
 * @example
 * ```ts
 * import { logSoftmax, tensor } from "./mod.ts";
 * const lp = logSoftmax(tensor([1, 1], [1, 2]));
 * console.log(lp.dataSync()[0].toFixed(4)); // -0.6931
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, (t) => softmaxLast(t, true));
}

/**
 * log(sum(exp(x))) over `axis` (all axes when omitted), stable: the shift by the max carries no gradient.
 *
 * @example
 * ```ts
 * import { logsumexp, tensor } from "./mod.ts";
 * console.log(logsumexp(tensor([1000, 1000], [2])).item().toFixed(3)); // 1000.693
 * ```
 */
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

/**
 * Mean over `axis` (one axis, a list, or all axes when omitted); `keepDims` keeps reduced axes as size 1.
 *
 * @example
 * ```ts
 * import { mean, tensor } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]); // [B, D]
 * console.log(mean(x).item(), mean(x, 0).dataSync()); // 3.5 Float32Array [2.5, 3.5, 4.5]
 * ```
 */
export function mean(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  const axes = axis === undefined ? x.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const count = axes.reduce((p, a) => p * x.shape[normalizeAxis("mean", a, x.rank)], 1);
  return mulScalar(sum(x, axis, keepDims), 1 / count);
}

/**
 * Variance over `axis` (all axes when omitted): the biased (population) one by default, the unbiased one with
 * `correction` 1.
 *
 * @example
 * ```ts
 * import { tensor, variance } from "./mod.ts";
 * const x = tensor([1, 2, 3, 4], [4]);
 * console.log(variance(x).item(), variance(x, 0, false, 1).item().toFixed(4)); // 1.25 1.6667
 * ```
 */
export function variance(x: Tensor, axis?: number | number[], keepDims = false, correction = 0): Tensor {
  const axes = axis === undefined ? x.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const count = axes.reduce((p, a) => p * x.shape[normalizeAxis("variance", a, x.rank)], 1);
  const d = sub(x, mean(x, axes, true));
  return mulScalar(sum(mul(d, d), axes, keepDims), 1 / (count - correction));
}

/**
 * (x - mean) / sqrt(var + eps) over the last axis with the biased variance (one fused kernel forward and
 * backward); eps defaults to 1e-5.
 *
 * @example
 * ```ts
 * import { normalizeLastAxis, tensor } from "./mod.ts";
 * const y = normalizeLastAxis(tensor([1, 3], [1, 2]));
 * console.log(y.dataSync()); // ≈ Float32Array [-1, 1]
 * ```
 */
export function normalizeLastAxis(x: Tensor, eps = 1e-5): Tensor {
  const { y, mean } = normalizeRowsOf(x, eps);
  mean.dispose();
  return y;
}

/**
 * Layer normalisation over the last axis (torch.nn.functional.layer_norm over one axis) with an optional
 * elementwise affine weight and bias of the last axis's length; eps defaults to 1e-5.
 *
 * @throws {Error} When the weight's size differs from the last axis.
 *
 * @example
 * ```ts
 * import { layerNorm, ones, randn, zeros } from "./mod.ts";
 * const x = randn([2, 5, 8]); // [B, T, E]
 * const y = layerNorm(x, ones([8]), zeros([8]));
 * console.log(y.shape); // [2, 5, 8]
 * ```
 */
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

/**
 * x / max(‖x‖₂, eps) along `axis` (default the last; eps 1e-12), as torch.nn.functional.normalize.
 *
 * @example
 * ```ts
 * import { l2Normalize, tensor } from "./mod.ts";
 * console.log(l2Normalize(tensor([3, 4], [1, 2])).dataSync()); // ≈ Float32Array [0.6, 0.8]
 * ```
 */
export function l2Normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  const norm = sqrt(sum(mul(x, x), axis, true));
  return div(x, clamp(norm, eps));
}

/**
 * Cosine similarity along `axis` (default the last): (a·b) / (max(‖a‖, eps) max(‖b‖, eps)), with that axis
 * reduced away.
 *
 * @example
 * ```ts
 * import { cosineSimilarity, tensor } from "./mod.ts";
 * const a = tensor([1, 0, 1, 1], [2, 2]), b = tensor([0, 1, 2, 2], [2, 2]);
 * console.log(cosineSimilarity(a, b).dataSync()); // ≈ Float32Array [0, 1]
 * ```
 */
export function cosineSimilarity(a: Tensor, b: Tensor, axis = -1, eps = 1e-8): Tensor {
  return sum(mul(l2Normalize(a, axis, eps), l2Normalize(b, axis, eps)), axis);
}

/**
 * A constant [N, C] one-hot tensor for N integer class targets in [0, numClasses).
 *
 * @throws {Error} When a target is not an integer in [0, numClasses), naming its index.
 *
 * @example
 * ```ts
 * import { oneHot } from "./mod.ts";
 * console.log(oneHot([2, 0], 3).dataSync()); // Float32Array [0, 0, 1, 1, 0, 0]
 * ```
 */
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

/**
 * Mean cross-entropy of logits [N, C] against N integer class targets (torch.nn.functional.cross_entropy with
 * mean reduction).
 *
 * @throws {Error} When logits are not rank 2 with one row per target, or a target is out of range.
 *
 * @example
 * ```ts
 * import { crossEntropy, tensor } from "./mod.ts";
 * const logits = tensor([0, 0, 0, 0], [2, 2]);
 * console.log(crossEntropy(logits, [0, 1]).item().toFixed(4)); // 0.6931
 * ```
 */
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
 * draws the same coins) keyed by one 32-bit draw of `rng` (default: the global generator). The mask lives on
 * the backend of `like` (default: the active one) and carries no gradient.
 *
 * @throws {Error} When p is not in [0, 1).
 *
 * @example
 * ```ts
 * import { dropoutMask, Philox } from "./mod.ts";
 * const m = dropoutMask([4, 4], 0.5, new Philox(1));
 * console.log(new Set(m.dataSync())); // Set {0, 2} (kept entries are scaled by 1/(1-p))
 * ```
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
 * Inverted dropout: in training zeroes each element with probability p and scales the rest by 1/(1-p);
 * returns x itself when not training or p = 0. With a backend `dropout` kernel the coins are computed in the
 * pass (forward and backward, no mask stored); else the mask is drawn on the host and multiplied. Both draw
 * the same coins.
 *
 * @throws {Error} When p is not in [0, 1).
 *
 * @example
 * ```ts
 * import { dropout, ones, Philox } from "./mod.ts";
 * const x = ones([2, 8]);
 * const y = dropout(x, 0.25, true, new Philox(7)); // entries are 0 or 4/3
 * console.log(dropout(x, 0.25, false) === x, y.shape); // true [2, 8]
 * ```
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

/**
 * Picks entries along an axis by integer index (torch.index_select; repeats allowed); the gradient is
 * scatter-added back.
 *
 * @throws {Error} When an index is not an integer in [0, axis length).
 *
 * @example
 * ```ts
 * import { indexSelect, tensor } from "./mod.ts";
 * const table = tensor([0, 0, 1, 1, 2, 2], [3, 2]); // [V, E]
 * console.log(indexSelect(table, 0, [2, 0]).dataSync()); // Float32Array [2, 2, 0, 0]
 * ```
 */
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
  // the index tensor lives on x's backend, which need not be the active one
  const idx = tensor(indices, [indices.length], { on: x.backend });
  const shape = [...x.shape];
  shape[a] = indices.length;
  const y = gatherIndexed(x, idx, shape, outer, axisLen, inner);
  // the index tensor is kept only for the backward's scatter; without a recorded node nothing needs it
  if (y.node === null) idx.dispose();
  return y;
}
