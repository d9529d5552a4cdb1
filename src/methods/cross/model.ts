/**
 * Contrastive baselines on unimodal features: Cross (CLIP-style, learnable logit scale) and Cross+Self
 * (cross-modal plus SimCLR within each modality). A modality's feature is the fusion transformer run on that
 * modality's tokens alone (as CoMM's unimodal views); each modality has its own head. The probe uses the
 * concatenated unimodal features (docs/cross.md).
 *
 * @module
 */
import { add, concat, mulScalar, type Tensor, tensor } from "../../tensor/mod.ts";
import {
  clampLogitScale,
  CLIP_LOGIT_SCALE_INIT,
  clipLoss,
  crossSelfLossParts,
} from "../../objectives/mod.ts";
import { Module } from "../../nn/module.ts";
import type { ArchitectureConfig } from "../../models/architecture.ts";
import type { ModalitySpec } from "../../models/modality.ts";
import {
  inEvalMode,
  type MethodName,
  type SslModel,
  type StepContext,
  type StepOutput,
} from "../../models/method.ts";
import { buildEncoders } from "../../models/backbone.ts";
import type { TokenEncoder } from "../../models/token_encoder.ts";
import { FusionTransformer } from "../../models/fusion.ts";
import { ProjectionHead } from "../../models/heads.ts";

/** Cross's settings: none (CLIP's temperature is the learnable logit scale). */
export type CrossSettings = Record<never, never>;

/** Cross+Self's own settings (docs/cross.md). */
export interface CrossSelfSettings {
  /** Temperature of the within-modality NT-Xent terms. */
  tau: number;
}

/** Per modality: its encoder, the shared fusion transformer on its tokens alone, its own head. */
export class UnimodalNetwork extends Module {
  /** One encoder per modality. */
  readonly encoders: TokenEncoder[];
  /** The fusion transformer, run on one modality's tokens at a time. */
  readonly fusion: FusionTransformer;
  /** One projection head per modality. */
  readonly heads: ProjectionHead[];
  /** CLIP's learnable logit scale (log of the inverse temperature). */
  readonly logitScale: Tensor;

  /** The network for exactly two modalities; throws otherwise. */
  constructor(specs: ModalitySpec[], cfg: ArchitectureConfig) {
    super();
    if (specs.length !== 2) {
      throw new Error(`the Cross baselines take exactly 2 modalities, got ${specs.length}`);
    }
    this.encoders = buildEncoders(specs, cfg).map((e, i) => this.child(`enc${i}`, e));
    this.fusion = this.child(
      "fusion",
      new FusionTransformer(cfg.tokenDim, cfg.fusionHeads, cfg.fusionLayers),
    );
    this.heads = specs.map((_, i) =>
      this.child(`head${i}`, new ProjectionHead(cfg.tokenDim, cfg.headHidden, cfg.headOut))
    );
    this.logitScale = this.param("logit_scale", tensor([CLIP_LOGIT_SCALE_INIT], []));
  }

  /** Unimodal features (pre-head) of every modality. */
  features(inputs: Tensor[]): Tensor[] {
    return inputs.map((x, i) => this.fusion.forward([this.encoders[i].forward(x)]));
  }

  /** Probe features: the unimodal features concatenated, [B, 2E]. */
  override forward(inputs: Tensor[]): Tensor {
    return concat(this.features(inputs), 1);
  }
}

/** What Cross and Cross+Self share: the network, the projected unimodal outputs, the logit-scale clamp. */
export abstract class CrossBase implements SslModel {
  /** The registered name. */
  abstract readonly method: MethodName;
  /** Every parameter. */
  readonly module: UnimodalNetwork;
  /** The network for two modalities of `specs`, shaped by `arch`; throws for another modality count. */
  constructor(specs: ModalitySpec[], arch: ArchitectureConfig) {
    this.module = new UnimodalNetwork(specs, arch);
  }
  /** Head outputs [B, headOut] of every modality's unimodal feature for one view. */
  protected projected(view: Tensor[]): Tensor[] {
    return this.module.features(view).map((f, i) => this.module.heads[i].forward(f));
  }
  /** The method's loss on two augmented views. */
  abstract trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput;
  /** Keeps CLIP's logit scale in [0, ln 100] after each optimizer step. */
  afterStep(): void {
    clampLogitScale(this.module.logitScale);
  }
  /** The unimodal features concatenated, [B, 2E], in eval mode and without gradients. */
  embed(inputs: Tensor[]): Tensor {
    return inEvalMode(this.module, () => this.module.forward(inputs));
  }
  /** One modality's unimodal feature [B, E]. */
  embedModality(inputs: Tensor[], modality: number): Tensor {
    const m = this.module;
    return inEvalMode(m, () => m.fusion.forward([m.encoders[modality].forward(inputs[modality])]));
  }
}

/**
 * Cross: CLIP loss between the two modalities, averaged over the two augmented views.
 *
 * @example
 * ```ts
 * import { architecture, CrossModal, Philox, randn } from "./mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "vector" as const, shape: [5] }];
 * const model = new CrossModal(specs, architecture());
 * const view = () => [randn([8, 6, 8]), randn([8, 5])];
 * model.trainStep(view(), view(), { epoch: 0, maxEpochs: 1, rng: new Philox(0) }).loss.backward();
 * model.afterStep(); // clamps the logit scale, as the trainer does after each optimizer step
 * ```
 */
export class CrossModal extends CrossBase {
  /** The registered name. */
  readonly method: MethodName = "cross";
  /** (CLIP(a₁, b₁) + CLIP(a₂, b₂)) / 2 with the shared learnable logit scale; no named parts. */
  trainStep(view1: Tensor[], view2: Tensor[], _ctx: StepContext): StepOutput {
    const [a1, b1] = this.projected(view1), [a2, b2] = this.projected(view2);
    const s = this.module.logitScale;
    const loss = mulScalar(add(clipLoss(a1, b1, s), clipLoss(a2, b2, s)), 0.5);
    return { loss, parts: {} };
  }
}

/**
 * Cross+Self: CLIP cross term on view 1 plus SimCLR NT-Xent between the two views of each modality.
 *
 * @example
 * ```ts
 * import { architecture, CrossSelf, Philox, randn } from "./mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "vector" as const, shape: [5] }];
 * const model = new CrossSelf(specs, architecture(), { tau: 0.1 });
 * const view = () => [randn([8, 6, 8]), randn([8, 5])];
 * const out = model.trainStep(view(), view(), { epoch: 0, maxEpochs: 1, rng: new Philox(0) });
 * console.log(Object.keys(out.parts)); // ["cross", "self1", "self2"]
 * ```
 */
export class CrossSelf extends CrossBase {
  /** The registered name. */
  readonly method: MethodName = "crossself";
  /** The method's settings. */
  readonly settings: CrossSelfSettings;
  /** A model for two modalities of `specs`, shaped by `arch`. */
  constructor(specs: ModalitySpec[], arch: ArchitectureConfig, settings: CrossSelfSettings) {
    super(specs, arch);
    this.settings = settings;
  }
  /** The cross term on view 1 plus NT-Xent per modality across the views; parts cross, self1, self2. */
  trainStep(view1: Tensor[], view2: Tensor[], _ctx: StepContext): StepOutput {
    const [a1, b1] = this.projected(view1), [a2, b2] = this.projected(view2);
    const parts = crossSelfLossParts(a1, b1, [a1, a2], [b1, b2], {
      tau: this.settings.tau,
      logitScale: this.module.logitScale,
    });
    return { loss: parts.total, parts: { cross: parts.cross, self1: parts.self1, self2: parts.self2 } };
  }
}
