/**
 * COrAL (Cissee, Younis, Ahmadi, 2026): a shared path (encoders, asymmetric complementary masking, a 1-block
 * fusion transformer, head) and one unique path per modality (a copy of the encoder starting from the same
 * weights, Linear-LayerNorm-GELU-Linear to E/2, attention pooling, its own head), trained with NT-Xent on
 * each path plus squared-cosine orthogonality between unique and shared outputs (docs/coral.md#architecture).
 *
 * @module
 */
import { concat, gelu, type Tensor } from "../../tensor/mod.ts";
import { coralLossParts } from "../../objectives/mod.ts";
import { Module } from "../../nn/module.ts";
import { LayerNorm, Linear } from "../../nn/mod.ts";
import { AttentionPooling } from "../../nn/attention_pooling.ts";
import type { ArchitectureConfig } from "../../models/architecture.ts";
import type { ModalitySpec } from "../../models/modality.ts";
import {
  inEvalMode,
  type MethodName,
  type SslModel,
  type StepContext,
  type StepOutput,
} from "../../models/method.ts";
import { buildEncoders, FusionBackbone } from "../../models/backbone.ts";
import type { TokenEncoder } from "../../models/token_encoder.ts";
import { ProjectionHead } from "../../models/heads.ts";
import type { TokenMask } from "../../models/fusion.ts";
import { bernoulliMaskOn } from "./masks.ts";

/** COrAL's own settings (docs/coral.md). */
export interface CoralSettings {
  /** Temperature of the NT-Xent terms. */
  tau: number;
  /** Fraction of the masked modality's tokens zeroed (Bernoulli per token; the reference's 0.75). */
  maskRatio: number;
  /** Weight of the shared-path term. */
  wShared: number;
  /** Weight of the unique-path terms. */
  wUnique: number;
  /** Weight of the orthogonality terms. */
  wOrtho: number;
}

/**
 * One modality's unique path after its encoder: Linear(E,E)-LN-GELU-Linear(E,E/2), then attention pooling.
 */
export class UniqueProjector extends Module {
  /** Linear(E, E). */
  readonly fc1: Linear;
  /** LayerNorm(E). */
  readonly ln: LayerNorm;
  /** Linear(E, E/2). */
  readonly fc2: Linear;
  /** Attention pooling over the tokens. */
  readonly pool: AttentionPooling;
  /** A projector for tokens of width `dim` (even). */
  constructor(dim: number) {
    super();
    this.fc1 = this.child("fc1", new Linear(dim, dim));
    this.ln = this.child("ln", new LayerNorm(dim));
    this.fc2 = this.child("fc2", new Linear(dim, dim / 2));
    this.pool = this.child("pool", new AttentionPooling(dim / 2));
  }
  /** Tokens [B, L, E] -> u [B, E/2]. */
  override forward(tokens: Tensor): Tensor {
    return this.pool.forward(this.fc2.forward(gelu(this.ln.forward(this.fc1.forward(tokens)))));
  }
}

/** All of COrAL's parameters: the shared path and one unique path (encoder, projector, head) per modality. */
export class CoralNetwork extends Module {
  /** The shared path: encoders, a one-block fusion transformer and its head. */
  readonly shared: FusionBackbone;
  /** Per modality, the unique path's encoder (starting from the shared encoder's weights). */
  readonly uniqueEncoders: TokenEncoder[];
  /** Per modality, the unique projector. */
  readonly uniqueProjectors: UniqueProjector[];
  /** Per modality, the unique head (all starting from the same weights). */
  readonly uniqueHeads: ProjectionHead[];

  /** COrAL's network for exactly two modalities and an even token width; throws otherwise. */
  constructor(specs: ModalitySpec[], cfg: ArchitectureConfig) {
    super();
    if (specs.length !== 2) {
      throw new Error(`COrAL supports exactly 2 modalities (as the reference), got ${specs.length}`);
    }
    if (cfg.tokenDim % 2 !== 0) throw new Error(`COrAL needs an even token width, got ${cfg.tokenDim}`);
    // The reference's shared fusion always has one block, whatever n_layers says.
    this.shared = this.child("shared", new FusionBackbone(specs, cfg, 1));
    // Unique encoders: deep copies, so they start from the shared encoders' weights.
    this.uniqueEncoders = buildEncoders(specs, cfg).map((e, i) => {
      e.copyFrom(this.shared.encoders[i]);
      return this.child(`unique_enc${i}`, e);
    });
    this.uniqueProjectors = specs.map((_, i) => this.child(`lin${i}`, new UniqueProjector(cfg.tokenDim)));
    const head0 = new ProjectionHead(cfg.tokenDim / 2, cfg.headHidden, cfg.headOut);
    this.uniqueHeads = specs.map((_, i) => {
      const h = i === 0
        ? head0
        : new ProjectionHead(cfg.tokenDim / 2, cfg.headHidden, cfg.headOut).copyFrom(head0);
      return this.child(`uni_head${i}`, h);
    });
  }

  /** u_i [B, E/2] of every modality. */
  uniqueFeatures(inputs: Tensor[]): Tensor[] {
    return inputs.map((x, i) => this.uniqueProjectors[i].forward(this.uniqueEncoders[i].forward(x)));
  }

  /** Probe features [z_S, u_1, u_2]: [B, 2E]. */
  override forward(inputs: Tensor[]): Tensor {
    return concat([this.shared.forward(inputs), ...this.uniqueFeatures(inputs)], 1);
  }
}

/**
 * COrAL's model: the shared path with asymmetric masks (view 1 masks modality 0, view 2 modality 1; masks
 * from `ctx.rng`), unique paths, orthogonality; the probe features are [z_S, u_1, u_2], [B, 2E].
 *
 * @example
 * ```ts
 * import { architecture, COrAL, CORAL_DEFAULTS, Philox, randn } from "./mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "sequence" as const, shape: [4, 8] }];
 * const model = new COrAL(specs, architecture(), CORAL_DEFAULTS);
 * const view = () => [randn([8, 6, 8]), randn([8, 4, 8])];
 * const out = model.trainStep(view(), view(), { epoch: 0, maxEpochs: 1, rng: new Philox(0) });
 * console.log(Object.keys(out.parts), model.embed(view()).shape); // ["shared", "unique", "ortho"] [8, 80]
 * ```
 */
export class COrAL implements SslModel {
  /** The registered name. */
  readonly method: MethodName = "coral";
  /** Every parameter. */
  readonly module: CoralNetwork;
  /** The method's settings. */
  readonly settings: CoralSettings;

  /** A model for two modalities of `specs`, shaped by `arch` (an even tokenDim); throws otherwise. */
  constructor(specs: ModalitySpec[], arch: ArchitectureConfig, settings: CoralSettings) {
    this.settings = settings;
    this.module = new CoralNetwork(specs, arch);
  }

  /** View v (0 or 1) masks modality v only: Bernoulli keep with p = 1 - ratio, dropped tokens zeroed. */
  private sharedOutput(view: Tensor[], v: number, ctx: StepContext): Tensor {
    const net = this.module.shared;
    const tokens = net.encode(view);
    const b = view[0].shape[0];
    const masks: (TokenMask | null)[] = tokens.map((t, i) =>
      i === v
        ? { keep: bernoulliMaskOn(ctx.rng, b, t.shape[1], this.settings.maskRatio, t.backend), mode: "zero" }
        : null
    );
    return net.project(tokens, undefined, masks);
  }

  /** Head outputs of every modality's unique path for one view. */
  private uniqueOutputs(view: Tensor[]): Tensor[] {
    return this.module.uniqueFeatures(view).map((u, i) => this.module.uniqueHeads[i].forward(u));
  }

  /** NT-Xent on the shared and unique paths plus the weighted orthogonality terms (a plain sum). */
  trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput {
    const parts = coralLossParts(
      {
        shared1: this.sharedOutput(view1, 0, ctx),
        shared2: this.sharedOutput(view2, 1, ctx),
        unique1: this.uniqueOutputs(view1),
        unique2: this.uniqueOutputs(view2),
      },
      {
        tau: this.settings.tau,
        wShared: this.settings.wShared,
        wUnique: this.settings.wUnique,
        wOrtho: this.settings.wOrtho,
      },
    );
    return { loss: parts.total, parts: { shared: parts.shared, unique: parts.unique, ortho: parts.ortho } };
  }

  /** [z_S (pre-head, unmasked), u_1, u_2]: [B, 2E] features, in eval mode and without gradients. */
  embed(inputs: Tensor[]): Tensor {
    return inEvalMode(this.module, () => this.module.forward(inputs));
  }

  /** One modality's features [B, E + E/2]: the shared fusion on its tokens alone, then its unique u_i. */
  embedModality(inputs: Tensor[], modality: number): Tensor {
    const net = this.module;
    return inEvalMode(net, () => {
      const u = net.uniqueProjectors[modality].forward(
        net.uniqueEncoders[modality].forward(inputs[modality]),
      );
      return concat([net.shared.modalityFeatures(inputs, modality), u], 1);
    });
  }
}
