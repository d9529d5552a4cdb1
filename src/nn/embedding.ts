/** Embedding table: rows of a [num, dim] weight looked up by integer index. */
import { indexSelect, randn, reshape, Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/**
 * A lookup table of `numEmbeddings` rows of size `embeddingDim` (torch.nn.Embedding): integer indices in,
 * their rows out; the gradient scatter-adds into the looked-up rows.
 *
 * @example
 * ```ts
 * import { Embedding } from "./mod.ts";
 * const emb = new Embedding(100, 16); // vocabulary 100, dimension 16
 * console.log(emb.forward([3, 7, 7]).shape, emb.forward([1, 2, 3, 4], [2, 2]).shape); // [3, 16] [2, 2, 16]
 * ```
 */
export class Embedding extends Module {
  /** Number of rows (valid indices are 0..numEmbeddings-1). */
  readonly numEmbeddings: number;
  /** Size of each row. */
  readonly embeddingDim: number;
  /** The table [numEmbeddings, embeddingDim] (parameter "weight"). */
  readonly weight: Tensor;

  /**
   * A table with rows drawn from N(0, 1) (PyTorch's default init).
   *
   * @throws {Error} When a size is not a positive integer.
   */
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
