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
  /** The query [D] (1-D, as the reference's, so it is not weight-decayed). */
  readonly query: Tensor;
  /** Pooling over tokens of width `dim`. */
  constructor(dim: number) {
    super();
    // 1-D as the reference's parameter, so it gets no weight decay (the no-decay rule: rank < 2).
    this.query = this.param("query", randn([dim]));
  }
  /** tokens [B, L, D] -> [B, D]. */
  override forward(tokens: Tensor): Tensor {
    const [b, l, d] = tokens.shape;
    const scores = reshape(matmul(reshape(tokens, [b * l, d]), reshape(this.query, [d, 1])), [b, 1, l]);
    const weights = softmax(scores, -1);
    return reshape(matmul(weights, tokens), [b, d]);
  }
}
