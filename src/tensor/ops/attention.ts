/**
 * Scaled dot-product attention over heads packed in the last axis: q [B, Tq, H·d], k and v [B, Tk, H·d]
 * (the outputs of the input projections), output [B, Tq, H·d]. One fused backend kernel forward and one
 * backward where the backend has them (`Backend.attention`, the native CPU kernels); elsewhere the same
 * function composed from matmul, softmax, dropout and copies. Both paths draw the dropout coins identically,
 * so a run takes the same random stream on either.
 */
import { record, registerGradient } from "../autograd.ts";
import type { Tensor } from "../tensor.ts";
import { shapeStr } from "../shape.ts";
import { emptyOn } from "./create.ts";
import { add, mul } from "./elementwise.ts";
import { matmul } from "./matmul.ts";
import { dropoutMask, softmax } from "./nn_ops.ts";
import { permute, reshape } from "./shape_ops.ts";
import type { Philox } from "../../random/philox.ts";
import type { AttentionArgs } from "../../backend/backend.ts";

/** Masks and dropout of one {@link attention} call. */
export interface AttentionOptions {
  /** Additive [B, Tk] bias per key (0 or -Infinity for padding), broadcast over heads and queries. */
  keyBias?: Tensor;
  /** Additive [Tq, Tk] bias, broadcast over batch and heads. */
  attnBias?: Tensor;
  /** Dropout on the attention probabilities: its probability and the generator of its coins. */
  dropout?: { p: number; rng: Philox };
}

function argsOf(q: Tensor, k: Tensor, heads: number): AttentionArgs {
  const [batch, tq, e] = q.shape, tk = k.shape[1];
  return { batch, heads, tq, tk, headDim: e / heads, ldq: e, ldk: e, ldv: e, ldo: e };
}

registerGradient("attention", (gy, node) => {
  const [q, k, v] = node.inputs;
  const [probs, mask] = node.saved;
  const args = node.attrs.args as AttentionArgs;
  const b = q.backend;
  const gq = emptyOn(b, q.shape), gk = emptyOn(b, k.shape), gv = emptyOn(b, v.shape);
  b.attentionGrad!(
    q.storage,
    k.storage,
    v.storage,
    mask ? mask.storage : null,
    probs.storage,
    gy.storage,
    gq.storage,
    gk.storage,
    gv.storage,
    args,
  );
  return [q.requiresGrad ? gq : null, k.requiresGrad ? gk : null, v.requiresGrad ? gv : null];
});

function checkShapes(q: Tensor, k: Tensor, v: Tensor, heads: number, o: AttentionOptions): void {
  const ok = q.rank === 3 && k.rank === 3 && v.rank === 3 && k.shape[0] === q.shape[0] &&
    v.shape[0] === q.shape[0] && k.shape[1] === v.shape[1] && k.shape[2] === q.shape[2] &&
    v.shape[2] === q.shape[2] && q.shape[2] % heads === 0;
  if (!ok) {
    throw new Error(
      `attention: q ${shapeStr(q.shape)}, k ${shapeStr(k.shape)}, v ${
        shapeStr(v.shape)
      } must be [B, Tq, E], ` +
        `[B, Tk, E], [B, Tk, E] with E divisible by ${heads} heads`,
    );
  }
  const [batch, tq] = q.shape, tk = k.shape[1];
  if (o.keyBias && o.keyBias.size !== batch * tk) {
    throw new Error(`attention: keyBias ${shapeStr(o.keyBias.shape)} must hold [${batch}, ${tk}]`);
  }
  if (o.attnBias && (o.attnBias.rank !== 2 || o.attnBias.shape[0] !== tq || o.attnBias.shape[1] !== tk)) {
    throw new Error(`attention: attnBias must be [${tq}, ${tk}], got ${shapeStr(o.attnBias.shape)}`);
  }
}

/** Checks the shapes, then draws the [B, H, Tq, Tk] dropout mask when dropout is on (else null). */
function checkedDropoutMask(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  heads: number,
  opts: AttentionOptions,
): Tensor | null {
  checkShapes(q, k, v, heads, opts);
  const drop = opts.dropout && opts.dropout.p > 0 ? opts.dropout : null;
  return drop ? dropoutMask([q.shape[0], heads, q.shape[1], k.shape[1]], drop.p, drop.rng, q) : null;
}

/** [B, T, H·d] -> [B, H, T, d] (a free reshape when there is one head). */
function splitHeads(t: Tensor, heads: number): Tensor {
  const [b, len, e] = t.shape;
  const x = reshape(t, [b, len, heads, e / heads]);
  return heads === 1 ? reshape(x, [b, 1, len, e]) : permute(x, [0, 2, 1, 3]);
}

/**
 * softmax(q kᵀ + biases) v per head, with optional dropout on the probabilities. q [B, Tq, H·d] must already
 * carry the 1/√d scale; k and v are [B, Tk, H·d]. Returns [B, Tq, H·d]; the biases carry no gradient.
 *
 * @throws {Error} When the shapes disagree, H does not divide the last axis, or a bias has the wrong shape.
 *
 * @example
 * ```ts
 * import { attention, mulScalar, randn } from "./mod.ts";
 * const [b, t, heads, d] = [2, 5, 4, 8];
 * const q = mulScalar(randn([b, t, heads * d]), 1 / Math.sqrt(d));
 * const k = randn([b, t, heads * d]), v = randn([b, t, heads * d]);
 * console.log(attention(q, k, v, heads).shape); // [2, 5, 32]
 * ```
 */
export function attention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  heads: number,
  opts: AttentionOptions = {},
): Tensor {
  const mask = checkedDropoutMask(q, k, v, heads, opts);
  const [batch, tq, e] = q.shape, tk = k.shape[1];
  const b = q.backend;
  if (b.attention && b.attentionGrad && !opts.keyBias?.requiresGrad && !opts.attnBias?.requiresGrad) {
    const args = argsOf(q, k, heads);
    const probs = emptyOn(b, [batch, heads, tq, tk]);
    const saved = mask ? [probs, mask] : [probs];
    const y = emptyOn(b, [batch, tq, e], record("attention", [q, k, v], saved, { args }));
    b.attention(
      q.storage,
      k.storage,
      v.storage,
      opts.keyBias ? opts.keyBias.storage : null,
      opts.attnBias ? opts.attnBias.storage : null,
      mask ? mask.storage : null,
      probs.storage,
      y.storage,
      args,
    );
    return y;
  }
  return composed(q, k, v, heads, opts, mask).output;
}

/**
 * {@link attention} that also returns the attention probabilities `weights` [B, H, Tq, Tk] (after dropout),
 * always through the composed path (the fused kernel keeps only the probabilities before dropout).
 *
 * @example
 * ```ts
 * import { attentionWithWeights, randn } from "./mod.ts";
 * const q = randn([1, 3, 8]), kv = randn([1, 4, 8]);
 * const { output, weights } = attentionWithWeights(q, kv, kv, 2);
 * console.log(output.shape, weights.shape); // [1, 3, 8] [1, 2, 3, 4]
 * ```
 */
export function attentionWithWeights(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  heads: number,
  opts: AttentionOptions = {},
): { output: Tensor; weights: Tensor } {
  return composed(q, k, v, heads, opts, checkedDropoutMask(q, k, v, heads, opts));
}

/** Attention from matmul, softmax, elementwise and copy ops (any backend). */
function composed(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  heads: number,
  opts: AttentionOptions,
  mask: Tensor | null,
): { output: Tensor; weights: Tensor } {
  const [batch, tq, e] = q.shape, tk = k.shape[1];
  let scores = matmul(splitHeads(q, heads), splitHeads(k, heads), { transB: true }); // [B, H, Tq, Tk]
  if (opts.keyBias) scores = add(scores, reshape(opts.keyBias, [batch, 1, 1, tk]));
  if (opts.attnBias) scores = add(scores, opts.attnBias);
  let probs = softmax(scores, -1);
  if (mask) probs = mul(probs, mask);
  const ctx = matmul(probs, splitHeads(v, heads)); // [B, H, Tq, d]
  const output = heads === 1
    ? reshape(ctx, [batch, tq, e])
    : reshape(permute(ctx, [0, 2, 1, 3]), [batch, tq, e]);
  return { output, weights: probs };
}
