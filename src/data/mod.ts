/**
 * Datasets as plain typed arrays: the dataset table (`--dataset`), the generated benchmarks, your own npy
 * folders, batching, the augmentations and the on-disk cache.
 *
 * @example
 * ```ts
 * import { loadDataset } from "./src/data/mod.ts";
 * const ds = await loadDataset("synthetic", { seed: 0, options: { nSsl: 512 } });
 * console.log(ds.tasks); // ["redundancy", "uniqueness1", "uniqueness2", "synergy"]
 * ```
 * @module
 */
export type { ModalityArray, ModalityKind, MultimodalDataset, MultimodalSplit } from "./types.ts";
export { splitSize } from "./types.ts";
export {
  DATASET_NAMES,
  type DatasetDefaults,
  type DatasetEntry,
  type DatasetLoadOptions,
  DATASETS,
  defaultDataDir,
  getDataset,
  loadDataset,
} from "./registry.ts";
export {
  makeSyntheticDataset,
  SYNTHETIC_DATA_DEFAULTS,
  type SyntheticOptions,
  type TextureMode,
  TRIFEATURES_TASKS,
} from "./synthetic.ts";
export { makeTrifeaturesDataset, TRIFEATURES_DATA_DEFAULTS, type TrifeaturesOptions } from "./trifeatures.ts";
export { loadNpyDirDataset } from "./npy_dir.ts";
export {
  epochBatches,
  type EpochBatchOptions,
  gatherModality,
  gatherSplit,
  sequentialBatches,
} from "./batches.ts";
export {
  augmentImages,
  type ImageAugmentOptions,
  type ImageAugmentParams,
  imageAugmentParams,
  type ImageAugmentPlan,
  type JitterOp,
  normalizeImages,
} from "./augment_image.ts";
export { augmentImagesOn, shiftHueOn } from "./augment_image_tensor.ts";
export {
  dropNoise,
  type DropNoiseOptions,
  gaussianNoise,
  type NoiseOptions,
  roundHalfEven,
} from "./augment_sequence.ts";
export { type CacheOptions, DEFAULT_DATASET_CACHE_DIR, loadOrMake } from "./cache.ts";
