/** Convolution and pooling layers over [N, C, L] (1-D) and [N, C, H, W] (2-D) inputs, PyTorch layouts. */
import {
  adaptiveAvgPool2d,
  avgPool2d,
  conv1d,
  conv2d,
  maxPool2d,
  type Tensor,
  zeros,
} from "../tensor/mod.ts";
import { defaultLayerInit_ } from "./init.ts";
import { Module } from "./module.ts";

/** A size given once for both spatial axes or as [height, width]. */
export type Size2 = number | [number, number];

/** Options shared by Conv1d and Conv2d (PyTorch defaults: stride 1, padding 0, dilation 1, groups 1, bias). */
export interface ConvOptions<S> {
  /** Step between window positions (default 1). */
  stride?: S;
  /** Zero padding on both sides of each spatial axis (default 0). */
  padding?: S;
  /** Spacing between kernel taps (default 1). */
  dilation?: S;
  /** Channel groups; must divide inChannels and outChannels (default 1). */
  groups?: number;
  /** Learn a per-output-channel bias (default true). */
  bias?: boolean;
}

function checkChannels(op: string, inC: number, outC: number, groups: number): void {
  for (const [what, v] of [["inChannels", inC], ["outChannels", outC], ["groups", groups]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${what} must be a positive integer, got ${v}`);
  }
  if (inC % groups || outC % groups) {
    throw new Error(
      `${op}: inChannels ${inC} and outChannels ${outC} must both be divisible by groups ${groups}`,
    );
  }
}

function pair(v: Size2): [number, number] {
  return typeof v === "number" ? [v, v] : v;
}

/**
 * 2-D convolution over [N, C, H, W] (torch.nn.Conv2d): weight [out, in/groups, kh, kw] and bias [out] with
 * PyTorch's default init, U(±1/√fan_in).
 *
 * @example
 * ```ts
 * import { Conv2d, randn } from "./mod.ts";
 * const conv = new Conv2d(3, 16, 3, { stride: 2, padding: 1 });
 * console.log(conv.forward(randn([2, 3, 32, 32])).shape); // [2, 16, 16, 16]
 * ```
 */
export class Conv2d extends Module {
  /** Kernel [outChannels, inChannels/groups, kh, kw] (parameter "weight"). */
  readonly weight: Tensor;
  /** Bias [outChannels] (parameter "bias"), or null when built without one. */
  readonly bias: Tensor | null;
  /** Step between window positions. */
  readonly stride: Size2;
  /** Zero padding on both sides of each spatial axis. */
  readonly padding: Size2;
  /** Spacing between kernel taps. */
  readonly dilation: Size2;
  /** Channel groups. */
  readonly groups: number;

  /**
   * A convolution from `inChannels` to `outChannels` with a `kernelSize` (one value or [kh, kw]) window.
   *
   * @throws {Error} When a channel count or groups is not a positive integer, or groups does not divide both
   * channel counts.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Size2, opts: ConvOptions<Size2> = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkChannels("Conv2d", inChannels, outChannels, groups);
    const [kh, kw] = pair(kernelSize);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = groups;
    this.weight = this.param("weight", zeros([outChannels, inChannels / groups, kh, kw]));
    this.bias = opts.bias ?? true ? this.param("bias", zeros([outChannels])) : null;
    defaultLayerInit_(this.weight, this.bias);
  }

  /** [N, inChannels, H, W] -> [N, outChannels, outH, outW]. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 1-D convolution over [N, C, L] (torch.nn.Conv1d): weight [out, in/groups, k] and bias [out] with PyTorch's
 * default init, U(±1/√fan_in).
 *
 * @example
 * ```ts
 * import { Conv1d, randn } from "./mod.ts";
 * const conv = new Conv1d(2, 8, 5, { padding: 2 });
 * console.log(conv.forward(randn([4, 2, 100])).shape); // [4, 8, 100]
 * ```
 */
export class Conv1d extends Module {
  /** Kernel [outChannels, inChannels/groups, k] (parameter "weight"). */
  readonly weight: Tensor;
  /** Bias [outChannels] (parameter "bias"), or null when built without one. */
  readonly bias: Tensor | null;
  /** Step between window positions. */
  readonly stride: number;
  /** Zero padding on both ends of the length axis. */
  readonly padding: number;
  /** Spacing between kernel taps. */
  readonly dilation: number;
  /** Channel groups. */
  readonly groups: number;

  /**
   * A convolution from `inChannels` to `outChannels` with a window of `kernelSize` taps.
   *
   * @throws {Error} When a channel count or groups is not a positive integer, or groups does not divide both
   * channel counts.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvOptions<number> = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkChannels("Conv1d", inChannels, outChannels, groups);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = groups;
    this.weight = this.param("weight", zeros([outChannels, inChannels / groups, kernelSize]));
    this.bias = opts.bias ?? true ? this.param("bias", zeros([outChannels])) : null;
    defaultLayerInit_(this.weight, this.bias);
  }

  /** [N, inChannels, L] -> [N, outChannels, outL]. */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/** Max pooling (stride defaults to the kernel size, as in PyTorch). */
export class MaxPool2d extends Module {
  /**
   * Max pooling over `kernelSize` windows, moved by `stride` (default: the kernel), with -∞ `padding`
   * (default 0).
   */
  constructor(readonly kernelSize: Size2, readonly stride: Size2 = kernelSize, readonly padding: Size2 = 0) {
    super();
  }
  /** [N, C, H, W] -> [N, C, outH, outW] (floor output size). */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

/** Average pooling (zero padding counted in the divisor; stride defaults to the kernel size). */
export class AvgPool2d extends Module {
  /**
   * Average pooling over `kernelSize` windows, moved by `stride` (default: the kernel), with zero `padding`
   * (default 0).
   */
  constructor(readonly kernelSize: Size2, readonly stride: Size2 = kernelSize, readonly padding: Size2 = 0) {
    super();
  }
  /** [N, C, H, W] -> [N, C, outH, outW] (floor output size). */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

/** Adaptive average pooling to a fixed [oh, ow] output. */
export class AdaptiveAvgPool2d extends Module {
  /** Pooling to `outputSize` (one value or [oh, ow]) whatever the input size. */
  constructor(readonly outputSize: Size2) {
    super();
  }
  /** [N, C, H, W] -> [N, C, oh, ow]. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
