/**
 * Multi-head attention, batch first ([B, T, E]), with PyTorch's parameter layout and init: a packed
 * in_proj_weight [3E, E] (xavier uniform) and in_proj_bias [3E] (zeros), and out_proj (Linear, bias zeros).
 *
 * Each of q, k, v is one GEMM over all tokens with its slice of the packed weight (the 1/√d scale is folded
 * into the small q weight slice, not applied to the scores), then one copy into head-major [B, H, T, d];
 * scores use the transposed-operand matmul, so k is never transposed in memory.
 */
import {
  add,
  dropout,
  globalGenerator,
  linear,
  matmul,
  mulScalar,
  permute,
  reshape,
  shapeStr,
  slice,
  softmax,
  Tensor,
  tensor,
  zeros,
} from "../tensor/mod.ts";
import { constant_, xavierUniform_ } from "./init.ts";
import { Linear } from "./linear.ts";
import { Module } from "./module.ts";

/** Options of {@link MultiheadAttention} (PyTorch defaults: dropout 0, bias true). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention probabilities in training mode. */
  dropout?: number;
  bias?: boolean;
}

/** Masks for one attention call. */
export interface AttentionMasks {
  /**
   * [B, Tk]: true / nonzero marks a key to ignore (a padding position); its score becomes -∞ before the
   * softmax. A row whose keys are all ignored yields NaN, as in PyTorch.
   */
  keyPaddingMask?: Tensor | ArrayLike<boolean | number>;
  /** [Tq, Tk] additive float mask (use -Infinity to block), broadcast over batch and heads. */
  attnMask?: Tensor;
}

/** The additive [B, 1, 1, Tk] mask (0 or -∞) for a key padding mask. */
export function keyPaddingBias(
  mask: Tensor | ArrayLike<boolean | number>,
  batch: number,
  keys: number,
): Tensor {
  const values = mask instanceof Tensor ? mask.dataSync() : mask;
  if (values.length !== batch * keys || (mask instanceof Tensor && mask.rank !== 2)) {
    const got = mask instanceof Tensor ? shapeStr(mask.shape) : `${values.length} values`;
    throw new Error(`MultiheadAttention: keyPaddingMask must be [${batch}, ${keys}], got ${got}`);
  }
  const bias = new Float32Array(batch * keys);
  for (let i = 0; i < bias.length; i++) if (values[i]) bias[i] = -Infinity;
  return tensor(bias, [batch, 1, 1, keys]);
}

export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropoutP: number;
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(embedDim) || !Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads) {
      throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    }
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p < 1)) throw new Error(`MultiheadAttention: dropout must be in [0, 1), got ${p}`);
    const bias = opts.bias ?? true;
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropoutP = p;
    this.inProjWeight = this.param("in_proj_weight", zeros([3 * embedDim, embedDim]));
    this.inProjBias = bias ? this.param("in_proj_bias", zeros([3 * embedDim])) : null;
    this.outProj = this.child("out_proj", new Linear(embedDim, embedDim, bias));
    xavierUniform_(this.inProjWeight);
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
  }

  /** Attention output [B, Tq, E]; key defaults to query and value to key (self-attention). */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, masks: AttentionMasks = {}): Tensor {
    return this.attend(query, key, value, masks, false).output;
  }

  /** The output and the attention probabilities [B, H, Tq, Tk] (after dropout when training). */
  forwardWithWeights(
    query: Tensor,
    key: Tensor = query,
    value: Tensor = key,
    masks: AttentionMasks = {},
  ): { output: Tensor; weights: Tensor } {
    const r = this.attend(query, key, value, masks, true);
    return { output: r.output, weights: r.weights! };
  }

  private checkInputs(query: Tensor, key: Tensor, value: Tensor): void {
    const E = this.embedDim;
    const bad = [query, key, value].find((t) => t.rank !== 3 || t.shape[2] !== E);
    if (bad) {
      throw new Error(`MultiheadAttention(E=${E}): inputs must be [B, T, ${E}], got ${shapeStr(bad.shape)}`);
    }
    if (
      key.shape[0] !== query.shape[0] || value.shape[0] !== query.shape[0] || key.shape[1] !== value.shape[1]
    ) {
      throw new Error(
        `MultiheadAttention: query ${shapeStr(query.shape)}, key ${shapeStr(key.shape)} and value ` +
          `${shapeStr(value.shape)} disagree on batch or key length`,
      );
    }
  }

  /** [B, T, E] -> [B, H, T, d] (a free reshape when there is one head). */
  private splitHeads(t: Tensor): Tensor {
    const [b, len] = t.shape;
    const x = reshape(t, [b, len, this.numHeads, this.headDim]);
    return this.numHeads === 1 ? reshape(x, [b, 1, len, this.headDim]) : permute(x, [0, 2, 1, 3]);
  }

  private attend(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    masks: AttentionMasks,
    keepWeights: boolean,
  ): { output: Tensor; weights: Tensor | null } {
    this.checkInputs(query, key, value);
    const E = this.embedDim, H = this.numHeads;
    const [B, Tq] = query.shape, Tk = key.shape[1];
    const w = this.inProjWeight, b = this.inProjBias;
    const scale = 1 / Math.sqrt(this.headDim);
    const part = (t: Tensor, i: number) => slice(t, 0, i * E, (i + 1) * E);
    const q = this.splitHeads(
      linear(query, mulScalar(part(w, 0), scale), b ? mulScalar(part(b, 0), scale) : null),
    );
    const k = this.splitHeads(linear(key, part(w, 1), b ? part(b, 1) : null));
    const v = this.splitHeads(linear(value, part(w, 2), b ? part(b, 2) : null));
    let scores = matmul(q, k, { transB: true }); // [B, H, Tq, Tk]
    if (masks.keyPaddingMask !== undefined) scores = add(scores, keyPaddingBias(masks.keyPaddingMask, B, Tk));
    if (masks.attnMask) {
      const m = masks.attnMask;
      if (m.rank !== 2 || m.shape[0] !== Tq || m.shape[1] !== Tk) {
        throw new Error(`MultiheadAttention: attnMask must be [${Tq}, ${Tk}], got ${shapeStr(m.shape)}`);
      }
      scores = add(scores, m);
    }
    const probs = dropout(softmax(scores, -1), this.dropoutP, this.training, globalGenerator());
    const ctx = matmul(probs, v); // [B, H, Tq, d]
    const merged = H === 1 ? reshape(ctx, [B, Tq, E]) : reshape(permute(ctx, [0, 2, 1, 3]), [B, Tq, E]);
    return { output: this.outProj.forward(merged), weights: keepWeights ? probs : null };
  }
}
