/**
 * Attention pooling (COrAL's unique path): a learned query scores each token (a plain dot product, no
 * 1/sqrt(d) scaling), a softmax over the tokens, then their weighted sum.
 *
 * @example
 * ```ts
 * import { AttentionPooling, randn } from "./mod.ts";
 * const pool = new AttentionPooling(20);
 * const pooled = pool.forward(randn([4, 7, 20])); // [4, 20]
 * ```
 * @module
 */
import { matmul, randn, reshape, softmax, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/** Pools tokens [B, L, D] to [B, D] with one learned query (initialised N(0, 1), as the reference's randn). */
export class AttentionPooling extends Module {
  /** The query [D, 1]. */
  readonly query: Tensor;
  /** Pooling over tokens of width `dim`. */
  constructor(dim: number) {
    super();
    this.query = this.param("query", randn([dim, 1]));
  }
  /** tokens [B, L, D] -> [B, D]. */
  override forward(tokens: Tensor): Tensor {
    const [b, l, d] = tokens.shape;
    const scores = reshape(matmul(reshape(tokens, [b * l, d]), this.query), [b, 1, l]);
    const weights = softmax(scores, -1);
    return reshape(matmul(weights, tokens), [b, d]);
  }
}
