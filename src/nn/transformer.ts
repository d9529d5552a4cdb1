/**
 * Transformer encoder layer and stack with torch.nn.TransformerEncoderLayer's structure and parameter names
 * (self_attn, linear1, linear2, norm1, norm2), batch first [B, T, E].
 *   pre-LN (normFirst, the default here): x + drop1(attn(norm1(x))), then x + drop2(ffn(norm2(x)))
 *   post-LN: norm1(x + drop1(attn(x))), then norm2(x + drop2(ffn(x)))
 * with ffn(x) = linear2(dropout(act(linear1(x)))).
 */
import { add, type Tensor } from "../tensor/mod.ts";
import { activationFn, type ActivationName } from "./activation.ts";
import { type AttentionMasks, MultiheadAttention } from "./attention.ts";
import { ModuleList } from "./container.ts";
import { Dropout } from "./dropout.ts";
import { Linear } from "./linear.ts";
import { Module } from "./module.ts";
import { LayerNorm } from "./norm.ts";

/** Options of {@link TransformerEncoderLayer} (PyTorch defaults except normFirst, true here). */
export interface TransformerEncoderLayerOptions {
  /** Hidden width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout in attention, after each block and inside the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default "relu"). */
  activation?: "relu" | "gelu" | "quickGelu";
  /** Pre-LN (true, default here) or post-LN (false, PyTorch's default). */
  normFirst?: boolean;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Biases in the Linear layers and attention projections (default true). */
  bias?: boolean;
}

/** Everything needed to build one layer: the sizes and the options. */
export interface TransformerLayerConfig extends TransformerEncoderLayerOptions {
  /** Model width E. */
  dModel: number;
  /** Number of attention heads; must divide dModel. */
  nHead: number;
}

/**
 * One transformer encoder layer with torch.nn.TransformerEncoderLayer's structure and parameter names, batch
 * first: self-attention and a feed-forward block, each with a residual connection and LayerNorm (pre-LN by
 * default). [B, T, E] -> [B, T, E].
 *
 * @example
 * ```ts
 * import { randn, TransformerEncoderLayer } from "./mod.ts";
 * const layer = new TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0 });
 * const x = randn([2, 3, 32]); // [B, T, E]
 * const y = layer.forward(x, { keyPaddingMask: [0, 0, 1, 0, 0, 0] }); // item 0's last token is padding
 * console.log(y.shape); // [2, 3, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  /** Self-attention (child "self_attn"). */
  readonly selfAttn: MultiheadAttention;
  /** Feed-forward expansion E -> dimFeedforward (child "linear1"). */
  readonly linear1: Linear;
  /** Dropout inside the feed-forward block, after the activation (child "dropout"). */
  readonly dropout: Dropout;
  /** Feed-forward projection dimFeedforward -> E (child "linear2"). */
  readonly linear2: Linear;
  /** LayerNorm of the attention block (child "norm1"). */
  readonly norm1: LayerNorm;
  /** LayerNorm of the feed-forward block (child "norm2"). */
  readonly norm2: LayerNorm;
  /** Dropout on the attention block's output (child "dropout1"). */
  readonly dropout1: Dropout;
  /** Dropout on the feed-forward block's output (child "dropout2"). */
  readonly dropout2: Dropout;
  /** Whether the layer is pre-LN (true) or post-LN (false). */
  readonly normFirst: boolean;
  private readonly act: (x: Tensor) => Tensor;
  private readonly actName: ActivationName;

  /**
   * A layer of width `dModel` with `nHead` attention heads.
   *
   * @throws {Error} When the activation is not relu, gelu or quickGelu, or dModel is not divisible by nHead.
   */
  constructor(dModel: number, nHead: number, opts: TransformerEncoderLayerOptions = {}) {
    super();
    const ff = opts.dimFeedforward ?? 2048, p = opts.dropout ?? 0.1, bias = opts.bias ?? true;
    const eps = opts.layerNormEps ?? 1e-5;
    const actName: ActivationName = opts.activation ?? "relu";
    if (!["relu", "gelu", "quickGelu"].includes(actName)) {
      throw new Error(
        `TransformerEncoderLayer: activation must be relu, gelu or quickGelu, got "${actName}"`,
      );
    }
    this.act = activationFn(actName);
    this.actName = actName;
    this.normFirst = opts.normFirst ?? true;
    this.selfAttn = this.child("self_attn", new MultiheadAttention(dModel, nHead, { dropout: p, bias }));
    this.linear1 = this.child("linear1", new Linear(dModel, ff, bias));
    this.dropout = this.child("dropout", new Dropout(p));
    this.linear2 = this.child("linear2", new Linear(ff, dModel, bias));
    this.norm1 = this.child("norm1", new LayerNorm(dModel, eps));
    this.norm2 = this.child("norm2", new LayerNorm(dModel, eps));
    this.dropout1 = this.child("dropout1", new Dropout(p));
    this.dropout2 = this.child("dropout2", new Dropout(p));
  }

  /** drop1(selfAttn(x, x, x)) with the masks. */
  private attnBlock(x: Tensor, masks: AttentionMasks): Tensor {
    return this.dropout1.forward(this.selfAttn.forward(x, x, x, masks));
  }

  /** act(linear1(x)); ReLU goes into the product's epilogue. */
  private hidden(x: Tensor): Tensor {
    return this.actName === "relu" ? this.linear1.forward(x, "relu") : this.act(this.linear1.forward(x));
  }

  /** drop2(linear2(dropout(act(linear1(x))))). */
  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.forward(
      this.linear2.forward(this.dropout.forward(this.hidden(x))),
    );
  }

  /** [B, T, E] -> [B, T, E]. */
  forward(x: Tensor, masks: AttentionMasks = {}): Tensor {
    if (this.normFirst) {
      const h = add(x, this.attnBlock(this.norm1.forward(x), masks));
      return add(h, this.ffBlock(this.norm2.forward(h)));
    }
    const h = this.norm1.forward(add(x, this.attnBlock(x, masks)));
    return this.norm2.forward(add(h, this.ffBlock(h)));
  }
}

/** Options of {@link TransformerEncoder}. */
export interface TransformerEncoderOptions {
  /** Apply a final LayerNorm (child "norm"), as pre-LN stacks usually do (default false). */
  finalNorm?: boolean;
}

/**
 * `numLayers` independent layers built from one config (children "layers.0", …, and "norm" with `finalNorm`),
 * applied in order with the same masks. [B, T, E] -> [B, T, E].
 *
 * @example
 * ```ts
 * import { randn, TransformerEncoder } from "./mod.ts";
 * const enc = new TransformerEncoder({ dModel: 16, nHead: 2, dimFeedforward: 32 }, 2, { finalNorm: true });
 * console.log(enc.forward(randn([4, 5, 16])).shape); // [4, 5, 16]
 * ```
 */
export class TransformerEncoder extends Module {
  /** The layers, in order (child "layers"). */
  readonly layers: ModuleList<TransformerEncoderLayer>;
  /** The final LayerNorm (child "norm"), or null without finalNorm. */
  readonly norm: LayerNorm | null;

  /**
   * A stack of `numLayers` layers, each built from `layer`.
   *
   * @throws {Error} When numLayers is not a positive integer.
   */
  constructor(layer: TransformerLayerConfig, numLayers: number, opts: TransformerEncoderOptions = {}) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1) {
      throw new Error(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    }
    this.layers = this.child("layers", new ModuleList<TransformerEncoderLayer>());
    for (let i = 0; i < numLayers; i++) {
      this.layers.append(new TransformerEncoderLayer(layer.dModel, layer.nHead, layer));
    }
    this.norm = opts.finalNorm
      ? this.child("norm", new LayerNorm(layer.dModel, layer.layerNormEps ?? 1e-5))
      : null;
  }

  /** [B, T, E] -> [B, T, E]; the masks apply to every layer. */
  forward(x: Tensor, masks: AttentionMasks = {}): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h, masks);
    return this.norm ? this.norm.forward(h) : h;
  }
}
