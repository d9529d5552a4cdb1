/**
 * The fusion transformer shared by CoMM, InfMasking and COrAL (docs/shared.md#fusion-transformer):
 * concatenate the present modalities' tokens, prepend a CLS token, run pre-LN blocks (QuickGELU MLP,
 * CLIP-style init), apply a final LayerNorm and return the CLS output. It runs on any subset of modalities
 * (absent modalities' tokens are dropped, not masked) and can replace tokens by a learnable mask token
 * (InfMasking) or zero them (COrAL).
 *
 * @module
 */
import { add, concat, expandTo, mul, reshape, slice, sub, Tensor, tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { LayerNorm } from "../nn/mod.ts";
import { FusionBlock } from "../nn/fusion_block.ts";
import { normal_, truncNormal_ } from "../nn/init.ts";
import { randn } from "../tensor/mod.ts";

/** How tokens of one modality are altered before fusion. */
export interface TokenMask {
  /** [B, L] keep mask, 1 = keep: a tensor on the tokens' backend (as the methods draw it) or host values. */
  keep: Tensor | Float32Array;
  /** "token": replace dropped tokens by the learnable mask token; "zero": multiply them by 0. */
  mode: "token" | "zero";
}

/**
 * The fusion transformer: tokens [B, L_i, E] of a subset of modalities in, the fused CLS output [B, E] out.
 *
 * @example
 * ```ts
 * import { FusionTransformer, randn } from "./mod.ts";
 * const fusion = new FusionTransformer(40, 8, 1);
 * const tokens = [randn([4, 6, 40]), randn([4, 1, 40])]; // modality 0: 6 tokens, modality 1: 1 token
 * const full = fusion.forward(tokens); // [4, 40]
 * const alone = fusion.forward(tokens, [0]); // modality 0's tokens only
 * const keep = new Float32Array(4 * 6).fill(1).fill(0, 0, 3); // sample 0: its first 3 tokens masked
 * const masked = fusion.forward(tokens, undefined, [{ keep, mode: "token" }, null]);
 * ```
 */
export class FusionTransformer extends Module {
  /** Token width E. */
  readonly dim: number;
  /** The learnable CLS token [1, 1, E], initialised N(0, 1). */
  readonly cls: Tensor;
  /** The learnable mask token [E] (InfMasking's "token" mode), truncated N(0, 0.02²) in [-0.02, 0.02]. */
  readonly maskToken: Tensor;
  /** The pre-LN residual blocks. */
  readonly blocks: FusionBlock[];
  /** The final LayerNorm(E). */
  readonly lnPost: LayerNorm;

  /** `layers` blocks of width `dim` with `heads` attention heads (dividing dim), CLIP-initialised. */
  constructor(dim: number, heads: number, layers: number) {
    super();
    this.dim = dim;
    this.cls = this.param("cls_token", randn([1, 1, dim]));
    // [1, 1, E] as the reference's parameter, so AdamW decays it as the reference does (rank >= 2).
    this.maskToken = this.param("mask_token", tensor(new Float32Array(dim), [1, 1, dim]));
    truncNormal_(this.maskToken, 0, 0.02, -0.02, 0.02);
    this.blocks = Array.from(
      { length: layers },
      (_, i) => this.child(`block${i}`, new FusionBlock(dim, heads)),
    );
    this.lnPost = this.child("ln_post", new LayerNorm(dim));
    this.clipInit(layers);
  }

  /**
   * CLIP's init: in_proj ~ N(0, E^-1/2); out_proj, c_proj ~ N(0, E^-1/2 (2L)^-1/2); c_fc ~ N(0, (2E)^-1/2).
   */
  private clipInit(layers: number): void {
    const attnStd = Math.pow(this.dim, -0.5);
    const projStd = attnStd * Math.pow(2 * layers, -0.5);
    const fcStd = Math.pow(2 * this.dim, -0.5);
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith("in_proj_weight")) normal_(p, 0, attnStd);
      else if (name.endsWith("out_proj.weight") || name.endsWith("c_proj.weight")) normal_(p, 0, projStd);
      else if (name.endsWith("c_fc.weight")) normal_(p, 0, fcStd);
    }
  }

  /**
   * Fuses `tokens[i]` ([B, L_i, E]) of the modalities in `subset` (default all), each optionally masked
   * (`masks[i]`, indexed like `tokens`; null or absent = unmasked), and returns the CLS output [B, E].
   * Throws when a mask's keep array does not have B·L_i entries.
   */
  forward(tokens: Tensor[], subset?: number[], masks?: (TokenMask | null)[]): Tensor {
    const chosen = subset ?? tokens.map((_, i) => i);
    const parts = chosen.map((i) => this.applyMask(tokens[i], masks?.[i] ?? null));
    const b = tokens[chosen[0]].shape[0];
    const cls = expandTo(this.cls, [b, 1, this.dim]);
    let x = concat([cls, ...parts], 1);
    for (const block of this.blocks) x = block.forward(x);
    x = this.lnPost.forward(x);
    return reshape(slice(x, 1, 0, 1), [b, this.dim]);
  }

  /** Tokens t [B, L, E] with dropped tokens replaced by the mask token or zeroed; t itself without a mask. */
  private applyMask(t: Tensor, mask: TokenMask | null): Tensor {
    if (!mask) return t;
    const [b, l] = t.shape;
    const entries = mask.keep instanceof Tensor ? mask.keep.size : mask.keep.length;
    if (entries !== b * l) {
      throw new Error(`fusion mask has ${entries} entries for tokens [${t.shape}] (needs ${b * l})`);
    }
    const keep = mask.keep instanceof Tensor ? reshape(mask.keep, [b, l, 1]) : tensor(mask.keep, [b, l, 1]);
    const kept = mul(t, keep);
    if (mask.mode === "zero") return kept;
    // masked tokens become the mask token: t * keep + token * (1 - keep)
    return add(kept, mul(sub(1, keep), this.maskToken));
  }
}
