/**
 * The shared skeleton: one encoder per modality, the fusion transformer and a projection head, with the
 * subset and masking runs the methods need.
 *
 * @module
 */
import type { Tensor } from "../tensor/mod.ts";
import { inEvalMode } from "./method.ts";
import { Module } from "../nn/module.ts";
import type { ArchitectureConfig } from "./architecture.ts";
import type { ModalitySpec } from "./modality.ts";
import { buildEncoder, defaultEncoderKind } from "./encoders.ts";
import type { TokenEncoder } from "./token_encoder.ts";
import { FusionTransformer, type TokenMask } from "./fusion.ts";
import { ProjectionHead } from "./heads.ts";

/**
 * Unregistered encoders for each modality, built from the config (or each modality kind's default). Throws
 * with fewer than 2 modalities, when `cfg.encoders` lists a different number of encoders, or when an encoder
 * does not fit its modality.
 */
export function buildEncoders(specs: ModalitySpec[], cfg: ArchitectureConfig): TokenEncoder[] {
  if (specs.length < 2) {
    throw new Error(`a multimodal model needs at least 2 modalities, got ${specs.length}`);
  }
  if (cfg.encoders && cfg.encoders.length !== specs.length) {
    throw new Error(`config lists ${cfg.encoders.length} encoders for ${specs.length} modalities`);
  }
  return specs.map((s, i) => buildEncoder(cfg.encoders?.[i] ?? defaultEncoderKind(s), s, cfg));
}

/**
 * Encoders + fusion + head: the network of CoMM and InfMasking (and COrAL's shared path).
 *
 * @example
 * ```ts
 * import { architecture, FusionBackbone, randn } from "./mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "vector" as const, shape: [5] }];
 * const net = new FusionBackbone(specs, architecture());
 * const tokens = net.encode([randn([4, 6, 8]), randn([4, 5])]);
 * const z = net.project(tokens, [0]); // head output of modality 0 alone: [4, 256]
 * const features = net.fusedFeatures([randn([4, 6, 8]), randn([4, 5])]); // [4, 40]
 * ```
 */
export class FusionBackbone extends Module {
  /** One encoder per modality (each with its adapter), tokens [B, L_i, E] out. */
  readonly encoders: TokenEncoder[];
  /** The fusion transformer over the modalities' tokens. */
  readonly fusion: FusionTransformer;
  /** The projection head E -> headHidden -> headHidden -> headOut. */
  readonly head: ProjectionHead;

  /**
   * The network for modalities `specs` shaped by `cfg`; `fusionLayers` overrides cfg.fusionLayers (COrAL's
   * shared path uses 1). Throws as {@link buildEncoders} does.
   */
  constructor(specs: ModalitySpec[], cfg: ArchitectureConfig, fusionLayers = cfg.fusionLayers) {
    super();
    this.encoders = buildEncoders(specs, cfg).map((e, i) => this.child(`enc${i}`, e));
    this.fusion = this.child("fusion", new FusionTransformer(cfg.tokenDim, cfg.fusionHeads, fusionLayers));
    this.head = this.child("head", new ProjectionHead(cfg.tokenDim, cfg.headHidden, cfg.headOut));
  }

  /** Tokens [B, L_i, E] of every modality; throws when the input count is not the modality count. */
  encode(inputs: Tensor[]): Tensor[] {
    if (inputs.length !== this.encoders.length) {
      throw new Error(`model has ${this.encoders.length} modalities, got ${inputs.length} inputs`);
    }
    return inputs.map((x, i) => this.encoders[i].forward(x));
  }

  /** Head output [B, headOut] of the fusion of a subset of modalities (default all), optionally masked. */
  project(tokens: Tensor[], subset?: number[], masks?: (TokenMask | null)[]): Tensor {
    return this.head.forward(this.fusion.forward(tokens, subset, masks));
  }

  /** Subsets of CoMM: each modality alone, then all of them (the last entry is the full fusion). */
  subsets(): number[][] {
    const all = this.encoders.map((_, i) => i);
    return [...all.map((i) => [i]), all];
  }

  /** Token counts per modality. */
  tokenCounts(): number[] {
    return this.encoders.map((e) => e.numTokens);
  }

  /** Pre-head fused CLS features of unaugmented inputs, in eval mode, without gradients. */
  fusedFeatures(inputs: Tensor[]): Tensor {
    return inEvalMode(this, () => this.fusion.forward(this.encode(inputs)));
  }

  /** Pre-head CLS features [B, E] of the fusion run on modality `m`'s tokens alone, in eval mode. */
  modalityFeatures(inputs: Tensor[], m: number): Tensor {
    return inEvalMode(this, () => this.fusion.forward([this.encoders[m].forward(inputs[m])]));
  }

  /** Fused CLS features [B, E] of every modality (pre-head), in the current mode and with gradients. */
  forward(inputs: Tensor[]): Tensor {
    return this.fusion.forward(this.encode(inputs));
  }
}
