/**
 * Model and objective hyperparameters, and the paper configurations by name (methods.md §0-§3).
 */
import type { ModalityKind } from "../data/types.ts";

/** Which encoder turns a modality into tokens. */
export type EncoderKind = "tokens" | "transformer" | "gru" | "mlp" | "cnn" | "resnet" | "causalconv";

/** Everything that shapes a model and its objective. */
export interface ModelConfig {
  /** Token width E shared by the adapters and the fusion transformer. */
  tokenDim: number;
  fusionHeads: number;
  fusionLayers: number;
  /** Projection head sizes E -> headHidden -> headHidden -> headOut. */
  headHidden: number;
  headOut: number;
  /** Per-modality encoder kinds (default chosen from the modality kind). */
  encoders?: EncoderKind[];
  /** Sequence transformer encoders: layers, heads, feed-forward width, dropout. */
  encoderLayers: number;
  encoderHeads: number;
  encoderFfn: number;
  encoderDropout: number;
  /** Image CNN width multiplier (channels of the first conv). */
  cnnWidth: number;
  /** Temperature of every contrastive term. */
  tau: number;
  /** InfMasking: lambda (before the linear ramp), mask ratio, masks per view K, loss weights (2 + M + 1). */
  lambda: number;
  maskRatio: number;
  numMasks: number;
  weights?: number[];
  /** COrAL: Bernoulli mask ratio and loss weights. */
  coralRatio: number;
  wShared: number;
  wUnique: number;
  wOrtho: number;
}

/** Shape of one modality's samples as the model sees them. */
export interface ModalitySpec {
  kind: ModalityKind;
  /** Per-sample shape: [F] vector, [T, F] sequence, [C, H, W] image. */
  shape: number[];
}

/** The library's defaults (CoMM's config: E 40, 8 heads, 1 fusion layer, head 512/256, tau .1). */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  tokenDim: 40,
  fusionHeads: 8,
  fusionLayers: 1,
  headHidden: 512,
  headOut: 256,
  encoderLayers: 1,
  encoderHeads: 5,
  encoderFfn: 2048,
  encoderDropout: 0.1,
  cnnWidth: 16,
  tau: 0.1,
  lambda: 1,
  maskRatio: 0.5,
  numMasks: 5,
  coralRatio: 0.75,
  wShared: 1,
  wUnique: 1,
  wOrtho: 10,
};

/** A named paper configuration: model settings plus the optimiser settings it trained with. */
export interface Preset {
  model: Partial<ModelConfig>;
  lr: number;
  weightDecay: number;
  epochs: number;
  batch: number;
}

/**
 * The paper configurations (InfMasking's run scripts; methods.md §0 and §2). Encoders follow the table of
 * methods.md §0: MultiBench affect datasets use 5-layer sequence transformers of width 40 with 5 heads.
 */
export const PRESETS: Record<string, Preset> = {
  trifeatures: {
    model: {
      tokenDim: 512,
      fusionHeads: 8,
      encoders: ["cnn", "cnn"],
      lambda: 1,
      maskRatio: 0.7,
      numMasks: 6,
      wOrtho: 1,
    },
    lr: 3e-4,
    weightDecay: 1e-4,
    epochs: 100,
    batch: 64,
  },
  mosi: {
    model: {
      tokenDim: 40,
      encoders: ["transformer", "transformer"],
      encoderLayers: 5,
      encoderHeads: 5,
      encoderFfn: 2048,
      tau: 0.1,
      lambda: 0.25,
      maskRatio: 0.8,
      numMasks: 5,
    },
    lr: 1e-3,
    weightDecay: 1e-2,
    epochs: 100,
    batch: 64,
  },
  "ur-funny": {
    model: {
      tokenDim: 40,
      encoders: ["transformer", "transformer"],
      encoderLayers: 5,
      encoderHeads: 5,
      tau: 0.05,
      lambda: 2,
      maskRatio: 0.5,
      numMasks: 4,
      weights: [1, 1, 1, 1, 5],
    },
    lr: 1e-3,
    weightDecay: 1e-2,
    epochs: 100,
    batch: 64,
  },
  mustard: {
    model: {
      tokenDim: 40,
      encoders: ["transformer", "transformer"],
      encoderLayers: 5,
      encoderHeads: 5,
      tau: 0.05,
      lambda: 1,
      maskRatio: 0.5,
      numMasks: 5,
    },
    lr: 1e-3,
    weightDecay: 5e-2,
    epochs: 100,
    batch: 64,
  },
  mimic: {
    model: {
      tokenDim: 512,
      encoders: ["mlp", "gru"],
      tau: 0.2,
      lambda: 1,
      maskRatio: 0.8,
      numMasks: 6,
      weights: [1, 1, 1, 1, 5],
    },
    lr: 3e-4,
    weightDecay: 1e-2,
    epochs: 100,
    batch: 64,
  },
  "vision-touch": {
    model: {
      tokenDim: 512,
      encoders: ["resnet", "mlp"],
      tau: 0.1,
      lambda: 1,
      maskRatio: 0.7,
      numMasks: 6,
    },
    lr: 1e-4,
    weightDecay: 1e-2,
    epochs: 100,
    batch: 64,
  },
};

/** Merges partial settings over a base configuration. */
export function modelConfig(...parts: Partial<ModelConfig>[]): ModelConfig {
  return Object.assign({}, DEFAULT_MODEL_CONFIG, ...parts);
}
