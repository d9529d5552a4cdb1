/**
 * A ResNet-18-style image encoder (the Vision&Touch image encoder of docs/shared.md#encoders, timm's resnet18
 * without pretraining and without the final pool): a stem, four stages of two BasicBlocks with widths w, 2w,
 * 4w, 8w (strides 1, 2, 2, 2), then the patched adapter, one token per cell of the final feature map.
 *
 * Stem: images of at least 96 px on both sides get ResNet's ImageNet stem (conv7x7/2, BN, ReLU, maxpool
 * 3x3/2), so 128x128 -> 4x4 = 16 tokens as in the reference; smaller images get the CIFAR-style stem
 * (conv3x3/1, BN, ReLU, no pool), so 32x32 -> 4x4.
 *
 * Init: convolutions kaiming-normal (fan_out, ReLU) as torchvision/timm, BatchNorm weight 1 and bias 0.
 * Unlike timm's default, the last BN of each block is not zero-initialised, so every weight gets a gradient
 * from the first step.
 *
 * @module
 */
import { maxPool2d, relu, type Tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { BatchNorm2d, type Conv2d } from "../nn/mod.ts";
import { BasicBlock, resnetConv2d } from "../nn/basic_block.ts";
import { PatchedInputAdapter } from "./adapters.ts";
import type { TokenEncoder } from "./token_encoder.ts";
import type { ModalitySpec } from "./modality.ts";

/** Images with both sides at least this large use the ImageNet stem. */
export const RESNET_IMAGENET_STEM_MIN_SIDE = 96;

/**
 * Output side of every stride-2 step here (conv 3x3 pad 1, conv 7x7 pad 3, 1x1 pad 0, max-pool 3x3 pad 1).
 */
function halve(side: number): number {
  return Math.ceil(side / 2);
}

/** Image [B, C, H, W] -> ResNet-18 feature map [B, 8w, h', w'] -> h'·w' tokens of width E. */
export class ResNetEncoder extends Module implements TokenEncoder {
  /** h'·w', the cells of the final map: ceil(H/32)·ceil(W/32) (ImageNet stem) or ceil(H/8)·ceil(W/8). */
  readonly numTokens: number;
  /** Whether the ImageNet stem is used (both sides at least {@link RESNET_IMAGENET_STEM_MIN_SIDE}). */
  readonly imagenetStem: boolean;
  /** The stem convolution: 7x7 stride 2 (ImageNet stem) or 3x3 stride 1 (CIFAR-style), C -> w. */
  readonly stem: Conv2d;
  /** BatchNorm2d(w) after the stem. */
  readonly stemBn: BatchNorm2d;
  /** The eight BasicBlocks, two per stage, in order. */
  readonly blocks: BasicBlock[];
  /** The patched adapter 8w -> E. */
  readonly adapter: PatchedInputAdapter;

  /**
   * An encoder for [C, H, W] samples (`spec.shape`) to tokens of width `dim`; `width` is the first stage's
   * channel count (64 in ResNet-18). Throws when the shape is not [C, H, W] or width is not a positive
   * integer.
   */
  constructor(spec: ModalitySpec, dim: number, width: number) {
    super();
    if (spec.shape.length !== 3) {
      throw new Error(`resnet encoder needs [C, H, W] images, got shape [${spec.shape}]`);
    }
    if (!Number.isInteger(width) || width < 1) {
      throw new Error(`resnet encoder: width must be >= 1, got ${width}`);
    }
    const [c, h, w] = spec.shape;
    this.imagenetStem = h >= RESNET_IMAGENET_STEM_MIN_SIDE && w >= RESNET_IMAGENET_STEM_MIN_SIDE;
    this.stem = this.child(
      "stem",
      this.imagenetStem ? resnetConv2d(c, width, 7, 2, 3) : resnetConv2d(c, width, 3, 1, 1),
    );
    this.stemBn = this.child("stem_bn", new BatchNorm2d(width));
    const widths = [width, 2 * width, 4 * width, 8 * width];
    this.blocks = [];
    let inC = width;
    widths.forEach((outC, stage) => {
      for (let j = 0; j < 2; j++) {
        const stride = stage > 0 && j === 0 ? 2 : 1;
        this.blocks.push(this.child(`layer${stage + 1}_${j}`, new BasicBlock(inC, outC, stride)));
        inC = outC;
      }
    });
    let fh = h, fw = w;
    const halvings = this.imagenetStem ? 5 : 3;
    for (let i = 0; i < halvings; i++) fh = halve(fh), fw = halve(fw);
    this.numTokens = fh * fw;
    this.adapter = this.child("adapter", new PatchedInputAdapter(8 * width, fh, fw, dim));
  }

  /** The final feature map [B, 8w, h', w'] (before the adapter). */
  features(x: Tensor): Tensor {
    let h = relu(this.stemBn.forward(this.stem.forward(x)));
    if (this.imagenetStem) h = maxPool2d(h, 3, 2, 1);
    for (const block of this.blocks) h = block.forward(h);
    return h;
  }

  /** [B, C, H, W] -> tokens [B, numTokens, E]. */
  forward(x: Tensor): Tensor {
    return this.adapter.forward(this.features(x));
  }
}
