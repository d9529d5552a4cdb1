/**
 * InfMasking (Wen, Dai et al., NeurIPS 2025): CoMM's objective plus, for each view, K masked full fusions
 * (a fixed number of tokens per modality replaced by a learnable mask token) contrasted in closed form
 * (the infinite-masking bound) against the unmasked fusion of the same view (docs/infmasking.md).
 *
 * @module
 */
import type { Tensor } from "../../tensor/mod.ts";
import { infMaskingObjectiveParts, lambdaRamp } from "../../objectives/mod.ts";
import type { ArchitectureConfig } from "../../models/architecture.ts";
import type { ModalitySpec } from "../../models/modality.ts";
import type { MethodName, SslModel, StepContext, StepOutput } from "../../models/method.ts";
import { FusionBackbone } from "../../models/backbone.ts";
import type { TokenMask } from "../../models/fusion.ts";
import type { Philox } from "../../random/philox.ts";
import { fixedCountMaskOn } from "./masks.ts";
import type { Backend } from "../../backend/backend.ts";

/** InfMasking's own settings (docs/infmasking.md). */
export interface InfMaskingSettings {
  /** Temperature of every contrastive term. */
  tau: number;
  /** The masking term's lambda before the linear ramp over epochs. */
  lambda: number;
  /** Fraction of each modality's tokens replaced by the mask token. */
  maskRatio: number;
  /** Masked fusions per view, K. */
  numMasks: number;
  /** Weights of the 2 + M + 1 loss terms (default all ones). */
  weights?: number[];
}

/**
 * InfMasking's model: CoMM's network and subsets plus K masked full fusions per view; masks come from
 * `ctx.rng`, and the probe features are the pre-head full fusion [B, E].
 *
 * @example
 * ```ts
 * import { architecture, InfMasking, INFMASKING_DEFAULTS, Philox, randn } from "./mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "sequence" as const, shape: [4, 8] }];
 * const model = new InfMasking(specs, architecture(), { ...INFMASKING_DEFAULTS, numMasks: 2 });
 * const view = () => [randn([8, 6, 8]), randn([8, 4, 8])];
 * const out = model.trainStep(view(), view(), { epoch: 0, maxEpochs: 10, rng: new Philox(0) });
 * console.log(Object.keys(out.parts)); // ["mask1", "mask2", "comm"]
 * ```
 */
export class InfMasking implements SslModel {
  /** The registered name. */
  readonly method: MethodName = "infmasking";
  /** Encoders, fusion transformer and head. */
  readonly module: FusionBackbone;
  /** The method's settings. */
  readonly settings: InfMaskingSettings;

  /** A model for modalities of `specs`, shaped by `arch`. */
  constructor(specs: ModalitySpec[], arch: ArchitectureConfig, settings: InfMaskingSettings) {
    this.settings = settings;
    this.module = new FusionBackbone(specs, arch);
  }

  /**
   * One mask per modality for a batch: keep floor(L (1 - ratio)) tokens of each sample, drawn on backend `on`
   * (default: the active one; the tokens' backend in a step).
   */
  sampleMasks(rng: Philox, batch: number, on?: Backend): TokenMask[] {
    return this.module.tokenCounts().map((l) => ({
      keep: fixedCountMaskOn(rng, batch, l, this.settings.maskRatio, on),
      mode: "token" as const,
    }));
  }

  /** One view's head outputs: CoMM's subsets `z` and the K masked full fusions `masked`. */
  private viewOutputs(view: Tensor[], rng: Philox): { z: Tensor[]; masked: Tensor[] } {
    const tokens = this.module.encode(view);
    const z = this.module.subsets().map((s) => this.module.project(tokens, s));
    const b = view[0].shape[0];
    const masked = Array.from(
      { length: this.settings.numMasks },
      () => this.module.project(tokens, undefined, this.sampleMasks(rng, b, tokens[0].backend)),
    );
    return { z, masked };
  }

  /**
   * The objective: two masking terms and CoMM's M + 1 terms, weighted and averaged, with lambda ramped over
   * `ctx.epoch` / `ctx.maxEpochs`; parts `mask1`, `mask2` and `comm`.
   */
  trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput {
    const v1 = this.viewOutputs(view1, ctx.rng);
    const v2 = this.viewOutputs(view2, ctx.rng);
    const parts = infMaskingObjectiveParts(
      { z1: v1.z, z2: v2.z, masked1: v1.masked, masked2: v2.masked },
      {
        tau: this.settings.tau,
        lambda: lambdaRamp(this.settings.lambda, ctx.epoch, ctx.maxEpochs),
        weights: this.settings.weights,
      },
    );
    return { loss: parts.total, parts: { mask1: parts.mask1, mask2: parts.mask2, comm: parts.comm } };
  }

  /** The ramped lambda of this epoch (TensorBoard's `schedule/lambda`). */
  schedule(ctx: StepContext): Record<string, number> {
    return { lambda: lambdaRamp(this.settings.lambda, ctx.epoch, ctx.maxEpochs) };
  }

  /** Pre-head fused CLS features [B, E], in eval mode and without gradients. */
  embed(inputs: Tensor[]): Tensor {
    return this.module.fusedFeatures(inputs);
  }

  /** The unimodal view's pre-head features [B, E]: the fusion on one modality's tokens alone. */
  embedModality(inputs: Tensor[], modality: number): Tensor {
    return this.module.modalityFeatures(inputs, modality);
  }
}
