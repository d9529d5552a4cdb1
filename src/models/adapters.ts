/**
 * Input adapters: turn an encoder's output into tokens of width E (docs/shared.md#adapters).
 * - PatchedInputAdapter: [B, C, h, w] feature map -> 1x1 conv to E + fixed 2-D sin-cos position -> h*w tokens.
 * - FeaturesInputAdapter: tabular [B, F] -> F tokens, token_j = x_j W_j + b_j.
 * - VectorAdapter: [B, D] -> one token through a Linear (SimpleFeaturesInputAdapter; identity when D = E).
 * - SequenceProjection: [B, T, F] -> [B, T, E] per-token Linear (Conv1d k=1; no bias as MOSI's encoder).
 */
import { add, mul, permute, reshape, type Tensor, tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { Linear } from "../nn/mod.ts";
import { randn } from "../tensor/mod.ts";
import { sinCos2dEmbedding } from "./position.ts";

export class PatchedInputAdapter extends Module {
  readonly proj: Linear;
  readonly pos: Tensor;
  readonly tokens: number;

  constructor(channels: number, h: number, w: number, dim: number) {
    super();
    this.proj = this.child("proj", new Linear(channels, dim));
    this.pos = this.buffer("pos_emb", tensor(sinCos2dEmbedding(h, w, dim), [1, h * w, dim]), {
      persistent: false,
    });
    this.tokens = h * w;
  }

  forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape;
    // A 1x1 convolution is a Linear over channels at each position.
    const perPos = permute(reshape(x, [b, c, h * w]), [0, 2, 1]);
    return add(this.proj.forward(perPos), this.pos);
  }
}

export class FeaturesInputAdapter extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(features: number, dim: number) {
    super();
    this.weight = this.param("weight", randn([features, dim]));
    this.bias = this.param("bias", randn([features, dim]));
  }

  forward(x: Tensor): Tensor {
    const [b, f] = x.shape;
    return add(mul(reshape(x, [b, f, 1]), this.weight), this.bias);
  }
}

export class VectorAdapter extends Module {
  readonly proj: Linear;
  constructor(inDim: number, dim: number) {
    super();
    this.proj = this.child("proj", new Linear(inDim, dim));
  }
  forward(x: Tensor): Tensor {
    return reshape(this.proj.forward(x), [x.shape[0], 1, -1]);
  }
}

export class SequenceProjection extends Module {
  readonly proj: Linear;
  constructor(inDim: number, dim: number) {
    super();
    this.proj = this.child("proj", new Linear(inDim, dim, false));
  }
  forward(x: Tensor): Tensor {
    return this.proj.forward(x);
  }
}
