/**
 * Per-modality encoders, each ending in tokens [B, L, E] for the fusion transformer
 * (docs/shared.md#encoders):
 * - tokens: a sequence as it is, projected per token (the cheap default for the synthetic benchmark);
 * - transformer: Conv1d(k=1, no bias) projection + N pre-LN layers, no positional encoding (MOSI & co.);
 * - gru: a GRU's full output sequence (MIMIC's time series);
 * - mlp: an MLP on a vector, then one token per output feature (MIMIC's tabular) or one token;
 * - proprio: Vision&Touch's proprioception MLP, one token;
 * - cnn: a small AlexNet-style CNN, then the patched adapter (the cheap Trifeatures default);
 * - alexnet: torchvision's AlexNet `features`, then the patched adapter (the papers' Trifeatures encoder);
 * - resnet and causalconv: the Vision&Touch encoders of resnet.ts and causal_conv.ts.
 *
 * @module
 */
import { leakyRelu, maxPool2d, relu, reshape, type Tensor } from "../tensor/mod.ts";
import { AlexNetFeatures, Conv2d, GRU, Linear, TransformerEncoderLayer } from "../nn/mod.ts";
import type { ArchitectureConfig, EncoderKind } from "./architecture.ts";
import { ENCODER_KINDS } from "./architecture.ts";
import type { ModalitySpec } from "./modality.ts";
import { TokenEncoder } from "./token_encoder.ts";
import { FeaturesInputAdapter, PatchedInputAdapter, SequenceProjection, VectorAdapter } from "./adapters.ts";
import { ResNetEncoder } from "./resnet.ts";
import { CausalConvEncoder } from "./causal_conv.ts";

/** Sequence [B, T, F] -> per-token projection to E. */
export class ProjectedSequenceEncoder extends TokenEncoder {
  /** T, one token per step. */
  readonly numTokens: number;
  /** The per-token Linear(F, E) without bias. */
  readonly proj: SequenceProjection;
  /** An encoder for [T, F] samples (`spec.shape`) to tokens of width `dim`. */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    const [t, f] = spec.shape;
    this.numTokens = t;
    this.proj = this.child("proj", new SequenceProjection(f, dim));
  }
  /** [B, T, F] -> [B, T, E]. */
  forward(x: Tensor): Tensor {
    return this.proj.forward(x);
  }
}

/**
 * Sequence [B, T, F] -> Conv1d(k=1, no bias) to E -> N pre-LN Transformer layers (no positions). As torch's
 * `nn.TransformerEncoder`, which deep-copies one layer, the N layers start with identical weights (each its
 * own tensors, so they diverge in training).
 */
export class SequenceTransformerEncoder extends TokenEncoder {
  /** T, one token per step. */
  readonly numTokens: number;
  /** The per-token Linear(F, E) without bias. */
  readonly proj: SequenceProjection;
  /**
   * cfg.encoderLayers pre-LN layers (cfg.encoderHeads heads, feed-forward cfg.encoderFfn, ReLU, dropout
   * cfg.encoderDropout); layers 1… start as copies of layer 0.
   */
  readonly layers: TransformerEncoderLayer[];
  /** An encoder for [T, F] samples (`spec.shape`) shaped by cfg's tokenDim and encoder fields. */
  constructor(spec: ModalitySpec, cfg: ArchitectureConfig) {
    super();
    const [t, f] = spec.shape;
    this.numTokens = t;
    this.proj = this.child("proj", new SequenceProjection(f, cfg.tokenDim));
    const makeLayer = () =>
      new TransformerEncoderLayer(cfg.tokenDim, cfg.encoderHeads, {
        dimFeedforward: cfg.encoderFfn,
        dropout: cfg.encoderDropout,
        activation: "relu",
        normFirst: true,
      });
    const layer0 = makeLayer();
    this.layers = Array.from(
      { length: cfg.encoderLayers },
      (_, i) => this.child(`layer${i}`, i === 0 ? layer0 : makeLayer().copyFrom(layer0)),
    );
  }
  /** [B, T, F] -> [B, T, E]. */
  forward(x: Tensor): Tensor {
    let h = this.proj.forward(x);
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }
}

/** Sequence [B, T, F] -> GRU(F -> E), the full output sequence as tokens. */
export class GruEncoder extends TokenEncoder {
  /** T, one token per step. */
  readonly numTokens: number;
  /** One batch-first GRU layer, F -> E. */
  readonly gru: GRU;
  /** An encoder for [T, F] samples (`spec.shape`) to tokens of width `dim`. */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    const [t, f] = spec.shape;
    this.numTokens = t;
    this.gru = this.child("gru", new GRU(f, dim, { batchFirst: true }));
  }
  /** [B, T, F] -> the GRU's outputs [B, T, E]. */
  forward(x: Tensor): Tensor {
    return this.gru.forward(x);
  }
}

/**
 * Vector [B, F] -> MLP Linear(F, 2F) -> ReLU -> Linear(2F, 2F), no activation after the last layer -> one
 * token per output feature (FeaturesInputAdapter): 2F tokens. MIMIC's 5 tabular values give the official
 * 5 -> 10 -> 10 MLP and 10 tokens.
 *
 * @example
 * ```ts
 * import { randn, TabularEncoder } from "./mod.ts";
 * const enc = new TabularEncoder({ kind: "vector", shape: [5] }, 32);
 * console.log(enc.numTokens, enc.forward(randn([4, 5])).shape); // 10 [4, 10, 32]
 * ```
 */
export class TabularEncoder extends TokenEncoder {
  /** 2F, one token per output feature of the MLP. */
  readonly numTokens: number;
  /** Linear(F, 2F), followed by ReLU. */
  readonly fc1: Linear;
  /** Linear(2F, 2F), with no activation after it. */
  readonly fc2: Linear;
  /** The features adapter: 2F values -> 2F tokens of width E. */
  readonly adapter: FeaturesInputAdapter;
  /** An encoder for [F] samples (`spec.shape`) to tokens of width `dim`. */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    const f = spec.shape[0];
    this.numTokens = 2 * f;
    this.fc1 = this.child("fc1", new Linear(f, 2 * f));
    this.fc2 = this.child("fc2", new Linear(2 * f, 2 * f));
    this.adapter = this.child("adapter", new FeaturesInputAdapter(2 * f, dim));
  }
  /** The MLP's output before the adapter: [B, F] -> [B, 2F] (may be negative: no final activation). */
  features(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(x)));
  }
  /** [B, F] -> [B, 2F, E]. */
  forward(x: Tensor): Tensor {
    return this.adapter.forward(this.features(x));
  }
}

/** The hidden widths of the Vision&Touch proprioception MLP (the reference's). */
export const PROPRIO_HIDDEN: readonly number[] = [32, 64, 128];

/**
 * Vision&Touch proprioception: vector [B, F] -> MLP F -> 32 -> 64 -> 128 -> E with LeakyReLU(0.1) after each
 * hidden layer -> one token [B, 1, E]. No activation follows the last Linear here; whether the reference
 * applies one there is not stated in our spec (docs/shared.md#encoders).
 *
 * @example
 * ```ts
 * import { ProprioEncoder, randn } from "./mod.ts";
 * const enc = new ProprioEncoder({ kind: "vector", shape: [8] }, 64);
 * console.log(enc.numTokens, enc.forward(randn([4, 8])).shape); // 1 [4, 1, 64]
 * ```
 */
export class ProprioEncoder extends TokenEncoder {
  /** Always 1. */
  readonly numTokens = 1;
  /** The four Linear layers F -> 32 -> 64 -> 128 -> E, in order. */
  readonly layers: Linear[];
  /** An encoder for [F] samples (`spec.shape`) to one token of width `dim`. */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    const sizes = [spec.shape[0], ...PROPRIO_HIDDEN, dim];
    this.layers = sizes.slice(1).map((n, i) => this.child(`fc${i + 1}`, new Linear(sizes[i], n)));
  }
  /** [B, F] -> [B, 1, E]. */
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      if (i + 1 < this.layers.length) h = leakyRelu(h, 0.1);
    });
    return reshape(h, [x.shape[0], 1, -1]);
  }
}

/** Vector [B, F] -> one token. */
export class VectorTokenEncoder extends TokenEncoder {
  /** Always 1. */
  readonly numTokens = 1;
  /** Linear(F, E) to the single token. */
  readonly adapter: VectorAdapter;
  /** An encoder for [F] samples (`spec.shape`) to one token of width `dim`. */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    this.adapter = this.child("adapter", new VectorAdapter(spec.shape[0], dim));
  }
  /** [B, F] -> [B, 1, E]. */
  forward(x: Tensor): Tensor {
    return this.adapter.forward(x);
  }
}

/**
 * Image [B, C, H, W] -> AlexNet-style feature stack scaled by `width` (conv5x5/2-ReLU-pool,
 * conv3x3-ReLU-pool, conv3x3-ReLU), then the patched adapter: one token per cell of the final map
 * (floor(ceil(H/2)/4) x floor(ceil(W/2)/4) cells, so 32x32 images give 16 tokens).
 */
export class SmallCnnEncoder extends TokenEncoder {
  /** Cells of the final feature map. */
  readonly numTokens: number;
  /** Conv 5x5, stride 2, padding 2: C -> width. */
  readonly conv1: Conv2d;
  /** Conv 3x3, padding 1: width -> 2·width. */
  readonly conv2: Conv2d;
  /** Conv 3x3, padding 1: 2·width -> 4·width. */
  readonly conv3: Conv2d;
  /** The patched adapter 4·width -> E. */
  readonly adapter: PatchedInputAdapter;
  /**
   * An encoder for [C, H, W] samples (`spec.shape`) to tokens of width `dim`, `width` channels in the first
   * convolution. Throws when the image is smaller than 8x8.
   */
  constructor(spec: ModalitySpec, dim: number, width: number) {
    super();
    const [c, h, w] = spec.shape;
    this.conv1 = this.child("conv1", new Conv2d(c, width, 5, { stride: 2, padding: 2 }));
    this.conv2 = this.child("conv2", new Conv2d(width, 2 * width, 3, { padding: 1 }));
    this.conv3 = this.child("conv3", new Conv2d(2 * width, 4 * width, 3, { padding: 1 }));
    // 5x5/2 halves (rounding up), each 2x2 pool halves (rounding down).
    const fh = Math.floor(Math.floor(Math.ceil(h / 2) / 2) / 2),
      fw = Math.floor(Math.floor(Math.ceil(w / 2) / 2) / 2);
    if (fh < 1 || fw < 1) throw new Error(`cnn encoder: image ${h}x${w} is too small (needs at least 8x8)`);
    this.numTokens = fh * fw;
    this.adapter = this.child("adapter", new PatchedInputAdapter(4 * width, fh, fw, dim));
  }
  /** [B, C, H, W] -> [B, numTokens, E]. */
  forward(x: Tensor): Tensor {
    let h = maxPool2d(relu(this.conv1.forward(x)), 2);
    h = maxPool2d(relu(this.conv2.forward(h)), 2);
    h = relu(this.conv3.forward(h));
    return this.adapter.forward(h);
  }
}

/**
 * Image [B, C, H, W] -> torchvision's AlexNet `features` (random init) -> [B, 256, h, w] -> the patched
 * adapter (1x1 conv 256 -> E plus fixed 2-D sin-cos positions): one token per cell, h·w tokens. h and w are
 * `AlexNetFeatures.outputSide` of H and of W: 6 x 6 = 36 tokens at 224 px, 1 at 64 px (the Trifeatures
 * encoder of CoMM and InfMasking).
 *
 * @example
 * ```ts
 * import { AlexNetEncoder, randn } from "./mod.ts";
 * const enc = new AlexNetEncoder({ kind: "image", shape: [3, 64, 64] }, 32);
 * console.log(enc.numTokens, enc.forward(randn([2, 3, 64, 64])).shape); // 1 [2, 1, 32]
 * ```
 */
export class AlexNetEncoder extends TokenEncoder {
  /** Cells of the final feature map, h·w. */
  readonly numTokens: number;
  /** AlexNet's convolutional stack, C -> 256 channels. */
  readonly features: AlexNetFeatures;
  /** The patched adapter 256 -> E. */
  readonly adapter: PatchedInputAdapter;
  /**
   * An encoder for [C, H, W] samples (`spec.shape`) to tokens of width `dim` (divisible by 4). Throws naming
   * the size when H or W is below 63 px (AlexNet's feature map would be empty).
   */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    const [c, h, w] = spec.shape;
    const fh = AlexNetFeatures.outputSide(h), fw = AlexNetFeatures.outputSide(w);
    if (fh < 1 || fw < 1) {
      throw new Error(
        `alexnet encoder: image ${h}x${w} is too small (AlexNet's features need at least 63x63 px)`,
      );
    }
    this.numTokens = fh * fw;
    this.features = this.child("features", new AlexNetFeatures(c));
    this.adapter = this.child("adapter", new PatchedInputAdapter(this.features.channels, fh, fw, dim));
  }
  /** [B, C, H, W] -> [B, numTokens, E]. */
  forward(x: Tensor): Tensor {
    return this.adapter.forward(this.features.forward(x));
  }
}

/** The default encoder kind for a modality: "cnn" for images, "tokens" for sequences, "mlp" for vectors. */
export function defaultEncoderKind(spec: ModalitySpec): EncoderKind {
  return spec.kind === "image" ? "cnn" : spec.kind === "sequence" ? "tokens" : "mlp";
}

/**
 * Builds the encoder of one modality: `kind` picks the class, `cfg` its widths. "mlp" gives one token per
 * MLP output (2F) for vectors of at most 64 features and a single token above. Throws when the modality's rank does
 * not suit the kind (sequence [T, F], vector [F], image [C, H, W]) or the kind is unknown.
 *
 * @example
 * ```ts
 * import { architecture, buildEncoder, randn } from "./mod.ts";
 * const enc = buildEncoder("cnn", { kind: "image", shape: [3, 32, 32] }, architecture({ tokenDim: 64 }));
 * console.log(enc.numTokens, enc.forward(randn([2, 3, 32, 32])).shape); // 16 [2, 16, 64]
 * ```
 */
export function buildEncoder(kind: EncoderKind, spec: ModalitySpec, cfg: ArchitectureConfig): TokenEncoder {
  const need = (k: string, rank: number) => {
    if (spec.shape.length !== rank) {
      throw new Error(`encoder "${kind}" needs ${k} samples of rank ${rank}, got shape [${spec.shape}]`);
    }
  };
  switch (kind) {
    case "tokens":
      need("sequence", 2);
      return new ProjectedSequenceEncoder(spec, cfg.tokenDim);
    case "transformer":
      need("sequence", 2);
      return new SequenceTransformerEncoder(spec, cfg);
    case "gru":
      need("sequence", 2);
      return new GruEncoder(spec, cfg.tokenDim);
    case "mlp":
      need("vector", 1);
      return spec.shape[0] <= 64
        ? new TabularEncoder(spec, cfg.tokenDim)
        : new VectorTokenEncoder(spec, cfg.tokenDim);
    case "proprio":
      need("vector", 1);
      return new ProprioEncoder(spec, cfg.tokenDim);
    case "cnn":
      need("image", 3);
      return new SmallCnnEncoder(spec, cfg.tokenDim, cfg.cnnWidth);
    case "alexnet":
      need("image", 3);
      return new AlexNetEncoder(spec, cfg.tokenDim);
    case "resnet":
      need("image", 3);
      return new ResNetEncoder(spec, cfg.tokenDim, cfg.cnnWidth);
    case "causalconv":
      need("sequence", 2);
      return new CausalConvEncoder(spec, cfg.tokenDim);
    default:
      throw new Error(
        `encoder "${kind}" is not available (available: ${ENCODER_KINDS.join(", ")})`,
      );
  }
}
