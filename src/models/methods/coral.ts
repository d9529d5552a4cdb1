/**
 * COrAL (Cissee, Younis, Ahmadi, 2026): a shared path (encoders, asymmetric complementary masking, a 1-block
 * fusion transformer, head) and one unique path per modality (a copy of the encoder starting from the same
 * weights, Linear-LayerNorm-GELU-Linear to E/2, attention pooling, its own head), trained with NT-Xent on
 * each path plus squared-cosine orthogonality between unique and shared outputs (methods.md §3).
 */
import { concat, gelu, type Tensor } from "../../tensor/mod.ts";
import { coralLossParts } from "../../objectives/mod.ts";
import { Module } from "../../nn/module.ts";
import { LayerNorm, Linear } from "../../nn/mod.ts";
import type { ModalitySpec, ModelConfig } from "../config.ts";
import { inEvalMode, type MethodName, type SslModel, type StepContext, type StepOutput } from "../method.ts";
import { buildEncoders, FusionBackbone } from "../backbone.ts";
import type { TokenEncoder } from "../encoders.ts";
import { AttentionPooling } from "../attention_pool.ts";
import { ProjectionHead } from "../heads.ts";
import { sampleBernoulliMask } from "../masking.ts";
import type { TokenMask } from "../fusion.ts";

/** One modality's unique path after its encoder: Linear(E,E)-LN-GELU-Linear(E,E/2), then attention pooling. */
export class UniqueProjector extends Module {
  readonly fc1: Linear;
  readonly ln: LayerNorm;
  readonly fc2: Linear;
  readonly pool: AttentionPooling;
  constructor(dim: number) {
    super();
    this.fc1 = this.child("fc1", new Linear(dim, dim));
    this.ln = this.child("ln", new LayerNorm(dim));
    this.fc2 = this.child("fc2", new Linear(dim, dim / 2));
    this.pool = this.child("pool", new AttentionPooling(dim / 2));
  }
  forward(tokens: Tensor): Tensor {
    return this.pool.forward(this.fc2.forward(gelu(this.ln.forward(this.fc1.forward(tokens)))));
  }
}

/** All of COrAL's parameters. */
export class CoralNetwork extends Module {
  readonly shared: FusionBackbone;
  readonly uniqueEncoders: TokenEncoder[];
  readonly uniqueProjectors: UniqueProjector[];
  readonly uniqueHeads: ProjectionHead[];

  constructor(specs: ModalitySpec[], cfg: ModelConfig) {
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

  forward(inputs: Tensor[]): Tensor {
    return concat([this.shared.forward(inputs), ...this.uniqueFeatures(inputs)], 1);
  }
}

export class COrAL implements SslModel {
  readonly method: MethodName = "coral";
  readonly module: CoralNetwork;
  readonly config: ModelConfig;

  constructor(specs: ModalitySpec[], cfg: ModelConfig) {
    this.config = cfg;
    this.module = new CoralNetwork(specs, cfg);
  }

  /** View v (0 or 1) masks modality v only: Bernoulli keep with p = 1 - ratio, dropped tokens zeroed. */
  private sharedOutput(view: Tensor[], v: number, ctx: StepContext): Tensor {
    const net = this.module.shared;
    const tokens = net.encode(view);
    const b = view[0].shape[0];
    const masks: (TokenMask | null)[] = tokens.map((t, i) =>
      i === v
        ? { keep: sampleBernoulliMask(ctx.rng, b, t.shape[1], this.config.coralRatio), mode: "zero" }
        : null
    );
    return net.project(tokens, undefined, masks);
  }

  private uniqueOutputs(view: Tensor[]): Tensor[] {
    return this.module.uniqueFeatures(view).map((u, i) => this.module.uniqueHeads[i].forward(u));
  }

  trainStep(view1: Tensor[], view2: Tensor[], ctx: StepContext): StepOutput {
    const parts = coralLossParts(
      {
        shared1: this.sharedOutput(view1, 0, ctx),
        shared2: this.sharedOutput(view2, 1, ctx),
        unique1: this.uniqueOutputs(view1),
        unique2: this.uniqueOutputs(view2),
      },
      {
        tau: this.config.tau,
        wShared: this.config.wShared,
        wUnique: this.config.wUnique,
        wOrtho: this.config.wOrtho,
      },
    );
    return { loss: parts.total, parts: { shared: parts.shared, unique: parts.unique, ortho: parts.ortho } };
  }

  /** [z_S (pre-head, unmasked), u_1, u_2]: 2E features. */
  embed(inputs: Tensor[]): Tensor {
    return inEvalMode(this.module, () => this.module.forward(inputs));
  }
}
