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
  dimFeedforward?: number;
  dropout?: number;
  activation?: "relu" | "gelu" | "quickGelu";
  normFirst?: boolean;
  layerNormEps?: number;
  bias?: boolean;
}

/** Everything needed to build one layer: the sizes and the options. */
export interface TransformerLayerConfig extends TransformerEncoderLayerOptions {
  dModel: number;
  nHead: number;
}

export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  private readonly act: (x: Tensor) => Tensor;
  private readonly actName: ActivationName;

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

  private attnBlock(x: Tensor, masks: AttentionMasks): Tensor {
    return this.dropout1.forward(this.selfAttn.forward(x, x, x, masks));
  }

  /** act(linear1(x)); ReLU goes into the product's epilogue. */
  private hidden(x: Tensor): Tensor {
    return this.actName === "relu" ? this.linear1.forward(x, "relu") : this.act(this.linear1.forward(x));
  }

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

/** `numLayers` independent layers built from one config (children "layers.0", …, and "norm"). */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

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
