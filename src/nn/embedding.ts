/** Embedding table: rows of a [num, dim] weight looked up by integer index. */
import { indexSelect, randn, reshape, Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly weight: Tensor;

  /** PyTorch default init: N(0, 1). */
  constructor(numEmbeddings: number, embeddingDim: number) {
    super();
    if (
      !Number.isInteger(numEmbeddings) || numEmbeddings < 1 || !Number.isInteger(embeddingDim) ||
      embeddingDim < 1
    ) {
      throw new Error(`Embedding: sizes must be positive integers, got ${numEmbeddings} x ${embeddingDim}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = this.param("weight", randn([numEmbeddings, embeddingDim]));
  }

  /**
   * Looks up `indices` (integers in [0, num)). A tensor of indices gives [...indices.shape, dim]; a plain
   * array gives [length, dim] unless `shape` (the index shape) is passed.
   */
  forward(indices: Tensor | ArrayLike<number>, shape?: number[]): Tensor {
    const idx = indices instanceof Tensor ? indices.dataSync() : indices;
    const idxShape = shape ?? (indices instanceof Tensor ? [...indices.shape] : [idx.length]);
    if (idxShape.reduce((p, d) => p * d, 1) !== idx.length) {
      throw new Error(`Embedding: index shape [${idxShape}] does not hold ${idx.length} indices`);
    }
    const rows = indexSelect(this.weight, 0, idx);
    return idxShape.length === 1 ? rows : reshape(rows, [...idxShape, this.embeddingDim]);
  }
}
