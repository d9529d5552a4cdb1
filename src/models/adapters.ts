/**
 * Input adapters: turn an encoder's output into tokens of width E (docs/shared.md#adapters).
 * - PatchedInputAdapter: [B, C, h, w] feature map -> 1x1 conv to E + fixed 2-D sin-cos position -> h*w
 *   tokens.
 * - FeaturesInputAdapter: tabular [B, F] -> F tokens, token_j = x_j W_j + b_j.
 * - VectorAdapter: [B, D] -> one token through a Linear(D, E) (the reference's SimpleFeaturesInputAdapter).
 * - SequenceProjection: [B, T, F] -> [B, T, E] per-token Linear (Conv1d k=1; no bias as MOSI's encoder).
 *
 * @module
 */
import { add, mul, permute, reshape, type Tensor, tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { Linear } from "../nn/mod.ts";
import { randn } from "../tensor/mod.ts";
import { sinCos2dEmbedding } from "./position.ts";

/**
 * Patched adapter for a feature map [B, C, h, w]: a 1x1 convolution C -> E plus the fixed 2-D sin-cos
 * position embedding, giving h·w tokens [B, h·w, E] in row-major grid order.
 */
export class PatchedInputAdapter extends Module {
  /** The 1x1 convolution C -> E, as a Linear over channels at each position. */
  readonly proj: Linear;
  /** The position embedding [1, h·w, E] (a non-persistent buffer: not saved in checkpoints). */
  readonly pos: Tensor;
  /** Number of tokens, h·w. */
  readonly tokens: number;

  /** An adapter for `channels`-channel maps on an h x w grid, to tokens of width `dim` (divisible by 4). */
  constructor(channels: number, h: number, w: number, dim: number) {
    super();
    this.proj = this.child("proj", new Linear(channels, dim));
    this.pos = this.buffer("pos_emb", tensor(sinCos2dEmbedding(h, w, dim), [1, h * w, dim]), {
      persistent: false,
    });
    this.tokens = h * w;
  }

  /** Feature map [B, C, h, w] -> tokens [B, h·w, E]. */
  forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape;
    // A 1x1 convolution is a Linear over channels at each position.
    const perPos = permute(reshape(x, [b, c, h * w]), [0, 2, 1]);
    return add(this.proj.forward(perPos), this.pos);
  }
}

/** Features adapter: a vector [B, F] becomes F tokens [B, F, E], token_j = x_j·W_j + b_j. */
export class FeaturesInputAdapter extends Module {
  /** W [F, E], initialised N(0, 1). */
  readonly weight: Tensor;
  /** b [F, E], initialised N(0, 1). */
  readonly bias: Tensor;

  /** An adapter for `features` values per sample, to tokens of width `dim`. */
  constructor(features: number, dim: number) {
    super();
    this.weight = this.param("weight", randn([features, dim]));
    this.bias = this.param("bias", randn([features, dim]));
  }

  /** Vector [B, F] -> tokens [B, F, E]. */
  forward(x: Tensor): Tensor {
    const [b, f] = x.shape;
    return add(mul(reshape(x, [b, f, 1]), this.weight), this.bias);
  }
}

/** Simple features adapter: a whole vector [B, D] becomes one token [B, 1, E] through a Linear(D, E). */
export class VectorAdapter extends Module {
  /** Linear(D, E) with bias. */
  readonly proj: Linear;
  /** An adapter from vectors of `inDim` values to one token of width `dim`. */
  constructor(inDim: number, dim: number) {
    super();
    this.proj = this.child("proj", new Linear(inDim, dim));
  }
  /** Vector [B, D] -> tokens [B, 1, E]. */
  forward(x: Tensor): Tensor {
    return reshape(this.proj.forward(x), [x.shape[0], 1, -1]);
  }
}

/** Per-token projection of a sequence [B, T, F] -> [B, T, E], a Conv1d of kernel 1 without bias. */
export class SequenceProjection extends Module {
  /** Linear(F, E) without bias, applied to every step. */
  readonly proj: Linear;
  /** A projection from `inDim` features per step to width `dim`. */
  constructor(inDim: number, dim: number) {
    super();
    this.proj = this.child("proj", new Linear(inDim, dim, false));
  }
  /** Sequence [B, T, F] -> tokens [B, T, E]. */
  forward(x: Tensor): Tensor {
    return this.proj.forward(x);
  }
}
