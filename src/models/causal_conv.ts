/**
 * A causal 1-D convolution encoder (the Vision&Touch force encoder of docs/shared.md#encoders): five causal
 * Conv1d layers of kernel 2 and stride 2 with channels F -> 16 -> 32 -> 64 -> 128 -> outChannels, each
 * followed by LeakyReLU(0.1), then a FeaturesInputAdapter making one token per output feature (channel x
 * remaining step); a [32, 6] force window gives 128 features, hence 128 tokens, as in the V&T regression
 * setting.
 *
 * Causality: a layer pads (k-1)·dilation zeros on the left only, so its output i sees inputs up to step
 * i·stride and never a later one. This equals the reference's CausalConv1D (pad both sides, crop the right).
 * A consequence of that reference design worth knowing: with stride 2 each output i covers inputs
 * [2i-1, 2i], so after five layers output j covers input steps up to 32j only; on a 32-step window the
 * single output position depends on step 0 alone (the reference behaves the same).
 *
 * @module
 */
import { leakyRelu, permute, reshape, type Tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { CausalConv1d } from "../nn/causal_conv1d.ts";
import { FeaturesInputAdapter } from "./adapters.ts";
import type { TokenEncoder } from "./token_encoder.ts";
import type { ModalitySpec } from "./modality.ts";

/** The hidden channel counts of the force encoder (the reference's). */
export const CAUSAL_CONV_CHANNELS: readonly number[] = [16, 32, 64, 128];

/** Sequence [B, T, F] -> 5 causal convs (k 2, stride 2, LeakyReLU .1) -> outChannels·ceil(T/32) tokens. */
export class CausalConvEncoder extends Module implements TokenEncoder {
  /** outChannels·outLength, one token per output feature. */
  readonly numTokens: number;
  /** The five causal convolutions (kernel 2, stride 2), in order. */
  readonly layers: CausalConv1d[];
  /** The features adapter: numTokens values -> numTokens tokens of width E. */
  readonly adapter: FeaturesInputAdapter;
  /** Channels of the last convolution (default 128). */
  readonly outChannels: number;
  /** Steps left after the five convolutions, ceil(T/32). */
  readonly outLength: number;

  /**
   * An encoder for [T, F] samples (`spec.shape`) to tokens of width `dim`. Throws when the shape is not
   * [T, F].
   */
  constructor(spec: ModalitySpec, dim: number, outChannels = 128) {
    super();
    if (spec.shape.length !== 2) {
      throw new Error(`causalconv encoder needs [T, F] sequences, got shape [${spec.shape}]`);
    }
    const [t, f] = spec.shape;
    const channels = [f, ...CAUSAL_CONV_CHANNELS, outChannels];
    this.layers = channels.slice(1).map((c, i) =>
      this.child(`conv${i}`, new CausalConv1d(channels[i], c, 2, 2))
    );
    this.outLength = this.layers.reduce((l, layer) => layer.outputLength(l), t);
    this.outChannels = outChannels;
    this.numTokens = outChannels * this.outLength;
    this.adapter = this.child("adapter", new FeaturesInputAdapter(this.numTokens, dim));
  }

  /**
   * The conv stack's output [B, outChannels, ceil(T/32)]; step j sees input steps up to 32j. Throws when x is
   * not [B, T, F].
   */
  features(x: Tensor): Tensor {
    if (x.rank !== 3) throw new Error(`causalconv encoder: input must be [B, T, F], got [${x.shape}]`);
    let h = permute(x, [0, 2, 1]);
    for (const layer of this.layers) h = leakyRelu(layer.forward(h), 0.1);
    return h;
  }

  /** [B, T, F] -> [B, outChannels·ceil(T/32), E] (tokens ordered channel-major). */
  forward(x: Tensor): Tensor {
    const h = this.features(x);
    return this.adapter.forward(reshape(h, [h.shape[0], this.numTokens]));
  }
}
