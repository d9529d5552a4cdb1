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
  /** Biases in the input and output projections (default true). */
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

/**
 * The additive [B, 1, 1, Tk] mask (0 where a key is kept, -∞ where `mask` is true / nonzero) for a key
 * padding mask of B·Tk entries ([B, Tk] when a tensor).
 *
 * @throws {Error} When the mask does not hold batch·keys entries (or is a tensor of rank other than 2).
 */
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

/**
 * Multi-head attention, batch first: query [B, Tq, E], key and value [B, Tk, E] -> [B, Tq, E], with
 * torch.nn.MultiheadAttention's parameters (in_proj_weight [3E, E] xavier uniform, in_proj_bias [3E] zeros,
 * out_proj Linear with a zero bias) and masks (key padding, additive attention mask).
 *
 * @example
 * ```ts
 * import { MultiheadAttention, randn } from "./mod.ts";
 * const mha = new MultiheadAttention(32, 4);
 * const x = randn([2, 6, 32]); // [B, T, E]
 * const padding = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]; // [B, T]: the first item's last 2 tokens are padding
 * console.log(mha.forward(x, x, x, { keyPaddingMask: padding }).shape); // [2, 6, 32]
 * const { weights } = mha.forwardWithWeights(x);
 * console.log(weights.shape); // [2, 4, 6, 6], [B, H, Tq, Tk]
 * ```
 */
export class MultiheadAttention extends Module {
  /** Model width E (the last axis of query, key, value and output). */
  readonly embedDim: number;
  /** Number of heads H; E must be divisible by H. */
  readonly numHeads: number;
  /** Width of one head, E / H. */
  readonly headDim: number;
  /** Dropout probability on the attention weights in training mode. */
  readonly dropoutP: number;
  /** Packed q, k, v projection weight [3E, E] (parameter "in_proj_weight"). */
  readonly inProjWeight: Tensor;
  /** Packed q, k, v projection bias [3E] (parameter "in_proj_bias"), or null without bias. */
  readonly inProjBias: Tensor | null;
  /** Output projection E -> E (child "out_proj"). */
  readonly outProj: Linear;

  /**
   * Attention of width `embedDim` split into `numHeads` heads.
   *
   * @throws {Error} When embedDim is not divisible by numHeads or the dropout is not in [0, 1).
   */
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

  /**
   * Attention output [B, Tq, E]; key defaults to query and value to key (self-attention).
   *
   * @throws {Error} When the inputs are not [B, T, E] with matching batch and key lengths, or a mask has the
   * wrong shape.
   */
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

  /**
   * Throws unless query, key and value are rank 3 with last axis E, one batch size, and key and value of one
   * length.
   */
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

  /**
   * Projects the inputs, runs the `attention` op over the heads and the output projection; `keepWeights` also
   * returns the probabilities.
   */
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
