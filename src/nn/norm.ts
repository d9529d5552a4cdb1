/** Normalisation layers: LayerNorm over the last axis; BatchNorm1d/2d with running statistics as buffers. */
import { batchNorm, layerNorm, ones, shapeStr, type Tensor, zeros } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/**
 * Layer normalisation over the last axis (torch.nn.LayerNorm with one normalised dimension), with an
 * elementwise affine weight (ones) and bias (zeros) unless disabled.
 *
 * @example
 * ```ts
 * import { LayerNorm, randn } from "./mod.ts";
 * const norm = new LayerNorm(32);
 * const y = norm.forward(randn([2, 10, 32])); // [B, T, E], each row: mean 0, variance 1
 * console.log(y.shape); // [2, 10, 32]
 * ```
 */
export class LayerNorm extends Module {
  /** Scale [normalizedShape] (parameter "weight", ones), or null without affine. */
  readonly weight: Tensor | null;
  /** Shift [normalizedShape] (parameter "bias", zeros), or null without affine. */
  readonly bias: Tensor | null;

  /**
   * Normalises a last axis of length `normalizedShape` with variance offset `eps` (default 1e-5);
   * `elementwiseAffine` (default true) adds the weight and bias.
   *
   * @throws {Error} When normalizedShape is not a positive integer.
   */
  constructor(readonly normalizedShape: number, readonly eps = 1e-5, elementwiseAffine = true) {
    super();
    if (!Number.isInteger(normalizedShape) || normalizedShape < 1) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer, got ${normalizedShape}`);
    }
    this.weight = elementwiseAffine ? this.param("weight", ones([normalizedShape])) : null;
    this.bias = elementwiseAffine ? this.param("bias", zeros([normalizedShape])) : null;
  }

  /**
   * [..., normalizedShape] -> the same shape, normalised per row.
   *
   * @throws {Error} When the last axis differs from normalizedShape.
   */
  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.normalizedShape) {
      throw new Error(
        `LayerNorm(${this.normalizedShape}): input ${shapeStr(x.shape)} has a different last axis`,
      );
    }
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** Options of the BatchNorm layers (PyTorch defaults). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch statistic in the running averages (default 0.1). */
  momentum?: number;
  /** Learn a per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
}

/**
 * Batch normalisation over the channel axis 1. Training mode normalises with the batch statistics and
 * updates running_mean / running_var (unbiased variance) with `momentum`; eval mode uses the running ones.
 */
export abstract class BatchNormBase extends Module {
  /** Per-channel scale [numFeatures] (parameter "weight"), or null without affine. */
  readonly weight: Tensor | null;
  /** Per-channel shift [numFeatures] (parameter "bias"), or null without affine. */
  readonly bias: Tensor | null;
  /** Running mean [numFeatures] (buffer "running_mean", starts at 0). */
  readonly runningMean: Tensor;
  /** Running unbiased variance [numFeatures] (buffer "running_var", starts at 1). */
  readonly runningVar: Tensor;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Weight of the new batch statistic in the running averages. */
  readonly momentum: number;

  /**
   * Normalises `numFeatures` channels on axis 1 of inputs whose rank is one of `ranks`.
   *
   * @throws {Error} When numFeatures is not a positive integer.
   */
  constructor(readonly numFeatures: number, opts: BatchNormOptions, private readonly ranks: number[]) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new Error(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.param("weight", ones([numFeatures])) : null;
    this.bias = affine ? this.param("bias", zeros([numFeatures])) : null;
    this.runningMean = this.buffer("running_mean", zeros([numFeatures]));
    this.runningVar = this.buffer("running_var", ones([numFeatures]));
  }

  /**
   * Normalises x per channel (batch statistics in training, updating the running ones; running statistics in
   * eval); the output has x's shape.
   *
   * @throws {Error} When x's rank is not accepted or axis 1 does not have numFeatures channels.
   */
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${this.constructor.name}(${this.numFeatures}): expected input of rank ${this.ranks.join(" or ")} ` +
          `with ${this.numFeatures} channels on axis 1, got ${shapeStr(x.shape)}`,
      );
    }
    return batchNorm(
      x,
      this.runningMean,
      this.runningVar,
      this.weight,
      this.bias,
      this.training,
      this.momentum,
      this.eps,
    );
  }
}

/**
 * BatchNorm over [N, C] or [N, C, L] inputs (torch.nn.BatchNorm1d).
 *
 * @example
 * ```ts
 * import { BatchNorm1d, randn } from "./mod.ts";
 * const bn = new BatchNorm1d(16);
 * const y = bn.forward(randn([32, 16])); // batch statistics; updates running_mean / running_var
 * bn.eval();
 * console.log(y.shape, bn.forward(randn([4, 16])).shape); // [32, 16] [4, 16]
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  /** BatchNorm over `numFeatures` channels (options default to PyTorch's: eps 1e-5, momentum 0.1, affine). */
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [2, 3]);
  }
}

/**
 * BatchNorm over [N, C, H, W] inputs (torch.nn.BatchNorm2d), statistics per channel over N, H and W.
 *
 * @example
 * ```ts
 * import { BatchNorm2d, randn } from "./mod.ts";
 * const bn = new BatchNorm2d(8);
 * console.log(bn.forward(randn([4, 8, 5, 5])).shape); // [4, 8, 5, 5]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  /** BatchNorm over `numFeatures` channels (options default to PyTorch's: eps 1e-5, momentum 0.1, affine). */
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [4]);
  }
}
