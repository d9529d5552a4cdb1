/**
 * Per-modality encoders, each ending in tokens [B, L, E] for the fusion transformer
 * (docs/shared.md#encoders):
 * - tokens: a sequence as it is, projected per token (the cheap default for the synthetic benchmark);
 * - transformer: Conv1d(k=1, no bias) projection + N pre-LN layers, no positional encoding (MOSI & co.);
 * - gru: a GRU's full output sequence (MIMIC's time series);
 * - mlp: an MLP on a vector, then one token per feature (MIMIC's tabular) or one token;
 * - cnn: a small AlexNet-style CNN, then the patched adapter (Trifeatures);
 * - resnet and causalconv: the Vision&Touch encoders of resnet.ts and causal_conv.ts.
 *
 * @module
 */
import { maxPool2d, relu, type Tensor } from "../tensor/mod.ts";
import { Conv2d, GRU, Linear, TransformerEncoderLayer } from "../nn/mod.ts";
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

/** Sequence [B, T, F] -> Conv1d(k=1, no bias) to E -> N pre-LN Transformer layers (no positions). */
export class SequenceTransformerEncoder extends TokenEncoder {
  /** T, one token per step. */
  readonly numTokens: number;
  /** The per-token Linear(F, E) without bias. */
  readonly proj: SequenceProjection;
  /**
   * cfg.encoderLayers pre-LN layers (cfg.encoderHeads heads, feed-forward cfg.encoderFfn, ReLU, dropout
   * cfg.encoderDropout).
   */
  readonly layers: TransformerEncoderLayer[];
  /** An encoder for [T, F] samples (`spec.shape`) shaped by cfg's tokenDim and encoder fields. */
  constructor(spec: ModalitySpec, cfg: ArchitectureConfig) {
    super();
    const [t, f] = spec.shape;
    this.numTokens = t;
    this.proj = this.child("proj", new SequenceProjection(f, cfg.tokenDim));
    this.layers = Array.from({ length: cfg.encoderLayers }, (_, i) =>
      this.child(
        `layer${i}`,
        new TransformerEncoderLayer(cfg.tokenDim, cfg.encoderHeads, {
          dimFeedforward: cfg.encoderFfn,
          dropout: cfg.encoderDropout,
          activation: "relu",
          normFirst: true,
        }),
      ));
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

/** Vector [B, F] -> MLP F -> 2F -> F (ReLU) -> one token per feature (FeaturesInputAdapter). */
export class TabularEncoder extends TokenEncoder {
  /** F, one token per feature. */
  readonly numTokens: number;
  /** Linear(F, 2F). */
  readonly fc1: Linear;
  /** Linear(2F, F). */
  readonly fc2: Linear;
  /** The features adapter F -> F tokens of width E. */
  readonly adapter: FeaturesInputAdapter;
  /** An encoder for [F] samples (`spec.shape`) to tokens of width `dim`. */
  constructor(spec: ModalitySpec, dim: number) {
    super();
    const f = spec.shape[0];
    this.numTokens = f;
    this.fc1 = this.child("fc1", new Linear(f, 2 * f));
    this.fc2 = this.child("fc2", new Linear(2 * f, f));
    this.adapter = this.child("adapter", new FeaturesInputAdapter(f, dim));
  }
  /** [B, F] -> [B, F, E]. */
  forward(x: Tensor): Tensor {
    return this.adapter.forward(relu(this.fc2.forward(relu(this.fc1.forward(x)))));
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

/** The default encoder kind for a modality: "cnn" for images, "tokens" for sequences, "mlp" for vectors. */
export function defaultEncoderKind(spec: ModalitySpec): EncoderKind {
  return spec.kind === "image" ? "cnn" : spec.kind === "sequence" ? "tokens" : "mlp";
}

/**
 * Builds the encoder of one modality: `kind` picks the class, `cfg` its widths. "mlp" gives one token per
 * feature for vectors of at most 64 features and a single token above. Throws when the modality's rank does
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
    case "cnn":
      need("image", 3);
      return new SmallCnnEncoder(spec, cfg.tokenDim, cfg.cnnWidth);
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
