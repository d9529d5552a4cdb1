/** Linear (fully connected) layer: y = x Wᵀ + b over the last axis, W [out, in] as in PyTorch. */
import { linear, type LinearActivation, type Tensor, zeros } from "../tensor/mod.ts";
import { defaultLayerInit_ } from "./init.ts";
import { Module } from "./module.ts";

/**
 * Fully connected layer y = x Wᵀ + b over the last axis ([..., in] -> [..., out]), with W [out, in] and b
 * [out] as in torch.nn.Linear (parameters "weight" and "bias").
 *
 * @example
 * ```ts
 * import { Linear, randn } from "./mod.ts";
 * const fc = new Linear(16, 4);
 * console.log(fc.forward(randn([8, 16])).shape); // [8, 4]
 * console.log(fc.forward(randn([2, 5, 16]), "relu").shape); // [2, 5, 4], ReLU fused into the product
 * ```
 */
export class Linear extends Module {
  /** Size of the input's last axis. */
  readonly inFeatures: number;
  /** Size of the output's last axis. */
  readonly outFeatures: number;
  /** Weight [outFeatures, inFeatures] (parameter "weight"). */
  readonly weight: Tensor;
  /** Bias [outFeatures] (parameter "bias"), or null when built without one. */
  readonly bias: Tensor | null;

  /**
   * A layer from `inFeatures` to `outFeatures` with PyTorch's default init: weight and bias U(±1/√in).
   *
   * @throws {Error} When a size is not a positive integer.
   */
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
