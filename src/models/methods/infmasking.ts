/**
 * InfMasking (Wen, Dai et al., NeurIPS 2025): CoMM's objective plus, for each view, K masked full fusions
 * (a fixed number of tokens per modality replaced by a learnable mask token) contrasted in closed form
 * (the infinite-masking bound) against the unmasked fusion of the same view.
 */
import type { Tensor } from "../../tensor/mod.ts";
import { infMaskingObjectiveParts, lambdaRamp } from "../../objectives/mod.ts";
import type { ModalitySpec, ModelConfig } from "../config.ts";
import type { MethodName, SslModel, StepContext, StepOutput } from "../method.ts";
import { FusionBackbone } from "../backbone.ts";
import { sampleFixedCountMask } from "../masking.ts";
import type { Philox } from "../../random/philox.ts";
import type { TokenMask } from "../fusion.ts";

export class InfMasking implements SslModel {
  readonly method: MethodName = "infmasking";
  readonly module: FusionBackbone;
  readonly config: ModelConfig;

  constructor(specs: ModalitySpec[], cfg: ModelConfig) {
    this.config = cfg;
    this.module = new FusionBackbone(specs, cfg);
  }

  /** One mask per modality for a batch: keep floor(L (1 - ratio)) tokens of each sample. */
  sampleMasks(rng: Philox, batch: number): TokenMask[] {
    return this.module.tokenCounts().map((l) => ({
      keep: sampleFixedCountMask(rng, batch, l, this.config.maskRatio),
      mode: "token" as const,
    }));
  }

  private viewOutputs(view: Tensor[], rng: Philox): { z: Tensor[]; masked: Tensor[] } {
    const tokens = this.module.encode(view);
    const z = this.module.subsets().map((s) => this.module.project(tokens, s));
    const b = view[0].shape[0];
    const masked = Array.from(
      { length: this.config.numMasks },
      () => this.module.project(tokens, undefined, this.sampleMasks(rng, b)),
    );
    return { z, masked };
  }

  trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput {
    const v1 = this.viewOutputs(view1, ctx.rng);
    const v2 = this.viewOutputs(view2, ctx.rng);
    const parts = infMaskingObjectiveParts(
      { z1: v1.z, z2: v2.z, masked1: v1.masked, masked2: v2.masked },
      {
        tau: this.config.tau,
        lambda: lambdaRamp(this.config.lambda, ctx.epoch, ctx.maxEpochs),
        weights: this.config.weights,
      },
    );
    return { loss: parts.total, parts: { mask1: parts.mask1, mask2: parts.mask2, comm: parts.comm } };
  }

  embed(inputs: Tensor[]): Tensor {
    return this.module.fusedFeatures(inputs);
  }
}
