/**
 * ResNet's BasicBlock (He et al. 2016, as torchvision and timm build it): conv3x3(stride)-BN-ReLU-conv3x3-BN plus
 * a shortcut (1x1 conv + BN when the shape changes), then ReLU. Convolutions have no bias and start
 * kaiming-normal (fan_out, ReLU); BatchNorm starts at weight 1, bias 0.
 *
 * @example
 * ```ts
 * import { BasicBlock, randn } from "./mod.ts";
 * const block = new BasicBlock(16, 32, 2);
 * const y = block.forward(randn([2, 16, 8, 8])); // [2, 32, 4, 4]
 * ```
 * @module
 */
import { add, relu, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";
import { BatchNorm2d } from "./norm.ts";
import { Conv2d } from "./conv.ts";
import { kaimingNormal_ } from "./init.ts";

/** A bias-free Conv2d initialised kaiming-normal (fan_out, ReLU), as the convolutions of torchvision's ResNets. */
export function resnetConv2d(inC: number, outC: number, k: number, stride: number, padding: number): Conv2d {
  const conv = new Conv2d(inC, outC, k, { stride, padding, bias: false });
  kaimingNormal_(conv.weight, { mode: "fan_out", nonlinearity: "relu" });
  return conv;
}

/** conv3x3(stride)-BN-ReLU-conv3x3-BN plus the shortcut (1x1 conv + BN when the shape changes), then ReLU. */
export class BasicBlock extends Module {
  /** First 3x3 convolution (carries the stride). */
  readonly conv1: Conv2d;
  /** BatchNorm after conv1. */
  readonly bn1: BatchNorm2d;
  /** Second 3x3 convolution. */
  readonly conv2: Conv2d;
  /** BatchNorm after conv2. */
  readonly bn2: BatchNorm2d;
  /** Shortcut 1x1 convolution when the shape changes, else null (identity shortcut). */
  readonly downConv: Conv2d | null;
  /** BatchNorm of the shortcut convolution, else null. */
  readonly downBn: BatchNorm2d | null;

  /** A block from `inC` to `outC` channels; `stride` 2 halves the map (rounding up). */
  constructor(inC: number, outC: number, stride: number) {
    super();
    this.conv1 = this.child("conv1", resnetConv2d(inC, outC, 3, stride, 1));
    this.bn1 = this.child("bn1", new BatchNorm2d(outC));
    this.conv2 = this.child("conv2", resnetConv2d(outC, outC, 3, 1, 1));
    this.bn2 = this.child("bn2", new BatchNorm2d(outC));
    const project = stride !== 1 || inC !== outC;
    this.downConv = project ? this.child("down_conv", resnetConv2d(inC, outC, 1, stride, 0)) : null;
    this.downBn = project ? this.child("down_bn", new BatchNorm2d(outC)) : null;
  }

  /** [B, inC, H, W] -> [B, outC, ceil(H / stride), ceil(W / stride)]. */
  override forward(x: Tensor): Tensor {
    const h = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    const shortcut = this.downConv ? this.downBn!.forward(this.downConv.forward(x)) : x;
    return relu(add(h, shortcut));
  }
}
