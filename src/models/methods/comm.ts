/** CoMM (Dufumier et al., ICLR 2025): contrast each modality-subset fusion of one view with the full fusion of the other. */
import type { Tensor } from "../../tensor/mod.ts";
import { commLoss } from "../../objectives/mod.ts";
import type { ModalitySpec, ModelConfig } from "../config.ts";
import type { MethodName, SslModel, StepContext, StepOutput } from "../method.ts";
import { FusionBackbone } from "../backbone.ts";

export class CoMM implements SslModel {
  readonly method: MethodName = "comm";
  readonly module: FusionBackbone;
  readonly config: ModelConfig;

  constructor(specs: ModalitySpec[], cfg: ModelConfig) {
    this.config = cfg;
    this.module = new FusionBackbone(specs, cfg);
  }

  /** Head outputs of every CoMM subset of one view; the last is the full fusion. */
  subsetViews(tokens: Tensor[]): Tensor[] {
    return this.module.subsets().map((s) => this.module.project(tokens, s));
  }

  trainStep(view1: Tensor[], view2: Tensor[], _ctx: StepContext): StepOutput {
    const z1 = this.subsetViews(this.module.encode(view1));
    const z2 = this.subsetViews(this.module.encode(view2));
    const loss = commLoss(z1, z2, { tau: this.config.tau, weights: this.config.weights });
    return { loss, parts: {} };
  }

  embed(inputs: Tensor[]): Tensor {
    return this.module.fusedFeatures(inputs);
  }
}
