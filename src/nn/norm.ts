/** Normalisation layers: LayerNorm over the last axis; BatchNorm1d/2d with running statistics as buffers. */
import { batchNorm, layerNorm, ones, shapeStr, type Tensor, zeros } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/** Layer normalisation over the last axis, with elementwise affine weight (ones) and bias (zeros). */
export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(readonly normalizedShape: number, readonly eps = 1e-5, elementwiseAffine = true) {
    super();
    if (!Number.isInteger(normalizedShape) || normalizedShape < 1) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer, got ${normalizedShape}`);
    }
    this.weight = elementwiseAffine ? this.param("weight", ones([normalizedShape])) : null;
    this.bias = elementwiseAffine ? this.param("bias", zeros([normalizedShape])) : null;
  }

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
  eps?: number;
  momentum?: number;
  affine?: boolean;
}

/**
 * Batch normalisation over the channel axis 1. Training mode normalises with the batch statistics and
 * updates running_mean / running_var (unbiased variance) with `momentum`; eval mode uses the running ones.
 */
abstract class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;

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

/** BatchNorm over [N, C] or [N, C, L] inputs. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [2, 3]);
  }
}

/** BatchNorm over [N, C, H, W] inputs. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [4]);
  }
}
