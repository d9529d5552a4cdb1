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
  stride?: S;
  padding?: S;
  dilation?: S;
  groups?: number;
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

/** 2-D convolution; weight [out, in/groups, kh, kw], PyTorch default init. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: Size2;
  readonly padding: Size2;
  readonly dilation: Size2;
  readonly groups: number;

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

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/** 1-D convolution; weight [out, in/groups, k], PyTorch default init. */
export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

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
  constructor(readonly kernelSize: Size2, readonly stride: Size2 = kernelSize, readonly padding: Size2 = 0) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

/** Average pooling (zero padding counted in the divisor; stride defaults to the kernel size). */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Size2, readonly stride: Size2 = kernelSize, readonly padding: Size2 = 0) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

/** Adaptive average pooling to a fixed [oh, ow] output. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Size2) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
