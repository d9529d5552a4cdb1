/** Attention pooling (COrAL's unique path): a learned query scores each token (no scaling), softmax, weighted sum. */
import { matmul, reshape, softmax, type Tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { randn } from "../tensor/mod.ts";

export class AttentionPooling extends Module {
  readonly query: Tensor;
  constructor(dim: number) {
    super();
    this.query = this.param("query", randn([dim, 1]));
  }
  /** tokens [B, L, D] -> [B, D]. */
  forward(tokens: Tensor): Tensor {
    const [b, l, d] = tokens.shape;
    const scores = reshape(matmul(reshape(tokens, [b * l, d]), this.query), [b, 1, l]);
    const weights = softmax(scores, -1);
    return reshape(matmul(weights, tokens), [b, d]);
  }
}
