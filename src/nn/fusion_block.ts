/**
 * The residual block of CLIP-style transformers (and of the fusion transformer of CoMM, InfMasking and COrAL):
 * pre-LN attention then a pre-LN MLP of width 4E with QuickGELU, each added to its input. Parameter names
 * follow CLIP's (ln_1, attn, ln_2, c_fc, c_proj) so state dicts map one to one.
 *
 * @example
 * ```ts
 * import { FusionBlock, randn } from "./mod.ts";
 * const block = new FusionBlock(40, 8);
 * const y = block.forward(randn([2, 5, 40])); // [2, 5, 40]
 * ```
 * @module
 */
import { add, quickGelu, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";
import { LayerNorm } from "./norm.ts";
import { Linear } from "./linear.ts";
import { MultiheadAttention } from "./attention.ts";

/** One pre-LN residual block: x += MHA(LN(x)); x += MLP(LN(x)) with MLP = Linear(E,4E) QuickGELU Linear(4E,E). */
export class FusionBlock extends Module {
  /** LayerNorm before attention. */
  readonly ln1: LayerNorm;
  /** Multi-head self-attention. */
  readonly attn: MultiheadAttention;
  /** LayerNorm before the MLP. */
  readonly ln2: LayerNorm;
  /** MLP expansion E -> 4E. */
  readonly fc: Linear;
  /** MLP projection 4E -> E. */
  readonly proj: Linear;

  /** A block of width `dim` with `heads` attention heads (dim divisible by heads). */
  constructor(dim: number, heads: number) {
    super();
    this.ln1 = this.child("ln_1", new LayerNorm(dim));
    this.attn = this.child("attn", new MultiheadAttention(dim, heads));
    this.ln2 = this.child("ln_2", new LayerNorm(dim));
    this.fc = this.child("c_fc", new Linear(dim, 4 * dim));
    this.proj = this.child("c_proj", new Linear(4 * dim, dim));
  }

  /** [B, L, E] -> [B, L, E]. */
  override forward(x: Tensor): Tensor {
    const h = this.ln1.forward(x);
    x = add(x, this.attn.forward(h, h, h));
    return add(x, this.proj.forward(quickGelu(this.fc.forward(this.ln2.forward(x)))));
  }
}
