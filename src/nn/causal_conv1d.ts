/**
 * A causal 1-D convolution: left-only zero padding of (kernel - 1)·dilation, so output i sees inputs up to
 * step i·stride and never a later one (equal to padding both sides and cropping the right, as WaveNet-style
 * references do).
 *
 * @example
 * ```ts
 * import { CausalConv1d, randn } from "./mod.ts";
 * const conv = new CausalConv1d(6, 16, 2, 2);
 * const y = conv.forward(randn([4, 6, 32])); // [4, 16, 16]
 * ```
 * @module
 */
import { pad, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";
import { Conv1d } from "./conv.ts";

/** Conv1d with left-only zero padding of (kernel-1)·dilation: output i depends on inputs 0..i·stride. */
export class CausalConv1d extends Module {
  /** The wrapped convolution (no padding of its own). */
  readonly conv: Conv1d;
  /** Zeros padded on the left of the time axis. */
  readonly leftPad: number;

  /** Channels in and out, kernel size, stride and dilation as Conv1d. */
  constructor(inChannels: number, outChannels: number, kernelSize: number, stride = 1, dilation = 1) {
    super();
    this.conv = this.child("conv", new Conv1d(inChannels, outChannels, kernelSize, { stride, dilation }));
    this.leftPad = (kernelSize - 1) * dilation;
  }

  /** Output length of an input of `length` steps: ceil(length / stride). */
  outputLength(length: number): number {
    return Math.ceil(length / this.conv.stride);
  }

  /** [B, C, L] -> [B, O, ceil(L / stride)]. */
  override forward(x: Tensor): Tensor {
    if (x.rank !== 3) throw new Error(`CausalConv1d: input must be [B, C, L], got [${x.shape}]`);
    return this.conv.forward(this.leftPad > 0 ? pad(x, [[0, 0], [0, 0], [this.leftPad, 0]]) : x);
  }
}
