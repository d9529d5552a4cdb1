/**
 * Parameter initialisers with torch.nn.init semantics, drawing from the seeded global Philox generator
 * (or a given one). Each `xxx_` overwrites a tensor's values in place and returns it; the fan helpers follow
 * PyTorch (fan_in = dim 1 × receptive field, fan_out = dim 0 × receptive field).
 */
import type { Philox } from "../random/philox.ts";
import { globalGenerator, noGrad, rand, randn, shapeStr, type Tensor, truncNormal } from "../tensor/mod.ts";

/** Nonlinearities known to {@link calculateGain}. */
export type Nonlinearity = "linear" | "conv" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** Fan-in and fan-out of a weight shape (rank >= 2), as torch.nn.init._calculate_fan_in_and_fan_out. */
export function calculateFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new Error(`init: fan in/out needs a tensor of rank >= 2, got shape ${shapeStr(shape)}`);
  }
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leaky_relu's slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
  }
}

/** Overwrites t with src's values (same size) and disposes src. */
function assign(t: Tensor, src: Tensor): Tensor {
  noGrad(() => t.backend.write(t.storage, src.dataSync()));
  src.dispose();
  return t;
}

/** Fills t with U[lo, hi). */
export function uniform_(t: Tensor, lo = 0, hi = 1, rng: Philox = globalGenerator()): Tensor {
  return assign(t, rand([...t.shape], lo, hi, rng));
}

/** Fills t with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, rng: Philox = globalGenerator()): Tensor {
  return assign(t, randn([...t.shape], std, mean, rng));
}

/** Fills t with N(mean, std²) redrawn until inside [lo, hi] (absolute bounds, as torch's trunc_normal_). */
export function truncNormal_(
  t: Tensor,
  mean = 0,
  std = 1,
  lo = -2,
  hi = 2,
  rng: Philox = globalGenerator(),
): Tensor {
  if (!(lo < hi)) throw new Error(`truncNormal_: empty interval [${lo}, ${hi}]`);
  if (!(std > 0)) throw new Error(`truncNormal_: std must be > 0, got ${std}`);
  const draw = truncNormal([...t.shape], std, lo - mean, hi - mean, rng);
  const v = draw.dataSync();
  draw.dispose();
  for (let i = 0; i < v.length; i++) v[i] += mean;
  noGrad(() => t.backend.write(t.storage, v));
  return t;
}

/** Fills t with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  t.backend.fill(t.storage, value);
  return t;
}

/** Fills t with 0 in place and returns it. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills t with 1 in place and returns it. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Xavier/Glorot uniform: U(-b, b) with b = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, rng: Philox = globalGenerator()): Tensor {
  const { fanIn, fanOut } = calculateFans(t.shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, rng);
}

/** Xavier/Glorot normal: N(0, gain²·2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, rng: Philox = globalGenerator()): Tensor {
  const { fanIn, fanOut } = calculateFans(t.shape);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), rng);
}

/** Options of the Kaiming initialisers (defaults as in PyTorch). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  /** Preserve the variance of the forward pass ("fan_in", default) or of the backward pass ("fan_out"). */
  mode?: "fan_in" | "fan_out";
  /** The nonlinearity after the layer, for the gain (default "leaky_relu", as PyTorch). */
  nonlinearity?: Nonlinearity;
  /** Generator to draw from (default: the global one). */
  rng?: Philox;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFans(t.shape);
  const fan = (opts.mode ?? "fan_in") === "fan_in" ? fanIn : fanOut;
  return calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0) / Math.sqrt(fan);
}

/** Kaiming/He uniform: U(-b, b) with b = gain·√(3 / fan). With a = √5 this is PyTorch's Linear/Conv default. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound, opts.rng);
}

/** Kaiming/He normal: N(0, (gain / √fan)²). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts), opts.rng);
}

/**
 * PyTorch's default init of a Linear/Conv layer: weight kaiming_uniform(a = √5), i.e. U(±1/√fan_in), and
 * bias U(±1/√fan_in).
 */
export function defaultLayerInit_(
  weight: Tensor,
  bias?: Tensor | null,
  rng: Philox = globalGenerator(),
): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), rng });
  if (bias) {
    const { fanIn } = calculateFans(weight.shape);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, rng);
  }
}
