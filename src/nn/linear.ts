/** Linear (fully connected) layer: y = x Wᵀ + b over the last axis, W [out, in] as in PyTorch. */
import { linear, type LinearActivation, type Tensor, zeros } from "../tensor/mod.ts";
import { defaultLayerInit_ } from "./init.ts";
import { Module } from "./module.ts";

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  /** PyTorch default init: weight and bias U(±1/√in). */
  constructor(inFeatures: number, outFeatures: number, bias = true) {
    super();
    for (const [what, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new Error(`Linear: ${what} must be a positive integer, got ${v}`);
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.param("weight", zeros([outFeatures, inFeatures]));
    this.bias = bias ? this.param("bias", zeros([outFeatures])) : null;
    defaultLayerInit_(this.weight, this.bias);
  }

  /** x Wᵀ + b, then the activation when one is given (fused into the product's epilogue where possible). */
  forward(x: Tensor, activation: LinearActivation = "none"): Tensor {
    return linear(x, this.weight, this.bias, activation);
  }
}
