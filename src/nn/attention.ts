/**
 * Multi-head attention, batch first ([B, T, E]), with PyTorch's parameter layout and init: a packed
 * in_proj_weight [3E, E] (xavier uniform) and in_proj_bias [3E] (zeros), and out_proj (Linear, bias zeros).
 *
 * Each of q, k, v is one GEMM over all tokens with its slice of the packed weight (the 1/√d scale is folded
 * into the small q weight slice, not applied to the scores); the heads then go through the `attention` op
 * (src/tensor/ops/attention.ts): one fused kernel where the backend has it, else matmul and softmax.
 */
import {
  attention,
  type AttentionOptions,
  attentionWithWeights,
  globalGenerator,
  linear,
  mulScalar,
  reshape,
  shapeStr,
  slice,
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
    const q = linear(query, mulScalar(part(w, 0), scale), b ? mulScalar(part(b, 0), scale) : null);
    const k = linear(key, part(w, 1), b ? part(b, 1) : null);
    const v = linear(value, part(w, 2), b ? part(b, 2) : null);
    const attnMask = masks.attnMask;
    if (attnMask && (attnMask.rank !== 2 || attnMask.shape[0] !== Tq || attnMask.shape[1] !== Tk)) {
      throw new Error(`MultiheadAttention: attnMask must be [${Tq}, ${Tk}], got ${shapeStr(attnMask.shape)}`);
    }
    const opts: AttentionOptions = {
      keyBias: masks.keyPaddingMask === undefined
        ? undefined
        : reshape(keyPaddingBias(masks.keyPaddingMask, B, Tk), [B, Tk]),
      attnBias: attnMask,
      dropout: this.training && this.dropoutP > 0 ? { p: this.dropoutP, rng: globalGenerator() } : undefined,
    };
    if (keepWeights) {
      const r = attentionWithWeights(q, k, v, H, opts);
      return { output: this.outProj.forward(r.output), weights: r.weights };
    }
    return { output: this.outProj.forward(attention(q, k, v, H, opts)), weights: null };
  }
}
