/**
 * mmssl: multimodal self-supervised representation learning (InfMasking, CoMM, COrAL and the contrastive
 * baselines) in Deno, with matmul on OpenBLAS (CPU) or cuBLAS (GPU) through FFI.
 *
 * @example
 * ```ts
 * import { commLoss, tensor, tidy } from "./mod.ts";
 * ```
 * @module
 */
export * from "./src/tensor/mod.ts";
export * from "./src/objectives/mod.ts";
export * from "./src/nn/mod.ts";
export * from "./src/optim/mod.ts";
export * from "./src/models/mod.ts";
export * from "./src/eval/mod.ts";
export type { ModalityArray, ModalityKind, MultimodalDataset, MultimodalSplit } from "./src/data/types.ts";
export { makeSyntheticDataset } from "./src/data/synthetic.ts";
export { makeTrifeaturesDataset } from "./src/data/trifeatures.ts";
export { Philox } from "./src/random/philox.ts";
export * from "./src/train/mod.ts";
