/**
 * AlexNet's convolutional `features` stack as torchvision builds it (no pretraining, PyTorch's default
 * initialisation): five convolutions with ReLU and three 3x3/2 max-pools. At 224 px it gives a
 * 256 x 6 x 6 map, the Trifeatures encoder of CoMM and InfMasking (docs/shared.md#encoders).
 *
 * @example
 * ```ts
 * import { AlexNetFeatures, randn } from "./mod.ts";
 * const features = new AlexNetFeatures(3);
 * console.log(AlexNetFeatures.outputSide(224), features.channels); // 6 256
 * ```
 * @module
 */
import { maxPool2d, relu, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";
import { Conv2d } from "./conv.ts";

/** Output side of a convolution or pool with kernel k, stride s and padding p on a side of n. */
function outSide(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** conv11/4-ReLU-pool, conv5-ReLU-pool, conv3-ReLU, conv3-ReLU, conv3-ReLU-pool: [B, C, H, W] -> [B, 256, h, w]. */
export class AlexNetFeatures extends Module {
  /** The five convolutions (64, 192, 384, 256, 256 channels). */
  readonly convs: Conv2d[];
  /** Output channels (256). */
  readonly channels = 256;

  /** The stack for images of `inChannels` channels. */
  constructor(inChannels: number) {
    super();
    const specs: [number, number, number, number][] = [
      // [out channels, kernel, stride, padding]
      [64, 11, 4, 2],
      [192, 5, 1, 2],
      [384, 3, 1, 1],
      [256, 3, 1, 1],
      [256, 3, 1, 1],
    ];
    let c = inChannels;
    this.convs = specs.map(([out, k, s, p], i) => {
      const conv = this.child(`conv${i + 1}`, new Conv2d(c, out, k, { stride: s, padding: p }));
      c = out;
      return conv;
    });
  }

  /** Side of the output map for a square input of side `side` (0 when the image is too small). */
  static outputSide(side: number): number {
    let n = outSide(side, 11, 4, 2);
    n = outSide(n, 3, 2, 0); // pool
    n = outSide(n, 5, 1, 2);
    n = outSide(n, 3, 2, 0); // pool
    n = outSide(n, 3, 1, 1);
    n = outSide(n, 3, 1, 1);
    n = outSide(n, 3, 1, 1);
    return Math.max(0, outSide(n, 3, 2, 0)); // pool
  }

  /** [B, C, H, W] -> [B, 256, h, w] (6 x 6 at 224 px, 1 x 1 at 64 px). */
  override forward(x: Tensor): Tensor {
    const [c1, c2, c3, c4, c5] = this.convs;
    let h = maxPool2d(relu(c1.forward(x)), 3, 2);
    h = maxPool2d(relu(c2.forward(h)), 3, 2);
    h = relu(c5.forward(relu(c4.forward(relu(c3.forward(h))))));
    return maxPool2d(h, 3, 2);
  }
}
