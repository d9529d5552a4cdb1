/**
 * CoMM (Dufumier et al., ICLR 2025): contrast each modality-subset fusion of one view with the full fusion of
 * the other (docs/comm.md).
 *
 * @module
 */
import type { Tensor } from "../../tensor/mod.ts";
import { commLoss } from "../../objectives/mod.ts";
import type { ArchitectureConfig } from "../../models/architecture.ts";
import type { ModalitySpec } from "../../models/modality.ts";
import type { MethodName, SslModel, StepContext, StepOutput } from "../../models/method.ts";
import { FusionBackbone } from "../../models/backbone.ts";

/** CoMM's own settings (docs/comm.md). */
export interface CommSettings {
  /** Temperature of every contrastive term. */
  tau: number;
  /** Weights of the M + 1 terms (default all ones). */
  weights?: number[];
}

/**
 * CoMM's model: one network, its fusion run on every single modality and on all of them; the probe features
 * are the pre-head full fusion [B, E].
 *
 * @example
 * ```ts
 * import { architecture, CoMM, COMM_DEFAULTS, Philox, randn } from "./mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "sequence" as const, shape: [4, 8] }];
 * const model = new CoMM(specs, architecture(), COMM_DEFAULTS);
 * const view = () => [randn([8, 6, 8]), randn([8, 4, 8])]; // a batch of 8, one tensor per modality
 * const { loss } = model.trainStep(view(), view(), { epoch: 0, maxEpochs: 1, rng: new Philox(0) });
 * loss.backward();
 * const features = model.embed(view()); // [8, 40]
 * ```
 */
export class CoMM implements SslModel {
  /** The registered name. */
  readonly method: MethodName = "comm";
  /** Encoders, fusion transformer and head. */
  readonly module: FusionBackbone;
  /** The method's settings. */
  readonly settings: CommSettings;

  /** A model for modalities of `specs`, shaped by `arch`. */
  constructor(specs: ModalitySpec[], arch: ArchitectureConfig, settings: CommSettings) {
    this.settings = settings;
    this.module = new FusionBackbone(specs, arch);
  }

  /** Head outputs of every CoMM subset of one view; the last is the full fusion. */
  subsetViews(tokens: Tensor[]): Tensor[] {
    return this.module.subsets().map((s) => this.module.project(tokens, s));
  }

  /** CoMM's loss between the subsets of one view and the full fusion of the other (no named parts). */
  trainStep(view1: Tensor[], view2: Tensor[], _ctx: StepContext): StepOutput {
    const z1 = this.subsetViews(this.module.encode(view1));
    const z2 = this.subsetViews(this.module.encode(view2));
    const loss = commLoss(z1, z2, { tau: this.settings.tau, weights: this.settings.weights });
    return { loss, parts: {} };
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
