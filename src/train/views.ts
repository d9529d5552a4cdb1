/**
 * Turning rows of a split into tensors: augmented training views and plain inputs for feature extraction.
 *
 * @module
 */
import type { ModalityArray, MultimodalSplit } from "../data/types.ts";
import { gatherModality } from "../data/batches.ts";
import { dropNoise } from "../data/augment_sequence.ts";
import { augmentImages, normalizeImages } from "../data/augment_image.ts";
import type { Philox } from "../random/philox.ts";
import { type Tensor, tensor } from "../tensor/mod.ts";

/** Tensors of modality arrays (one per modality). */
export function toTensors(mods: ModalityArray[]): Tensor[] {
  return mods.map((m) => tensor(m.data, [...m.shape]));
}

/**
 * One augmented view of a batch: SimCLR-style augmentation for each image modality, and drop+noise over
 * the sequence and vector modalities together (docs/shared.md#augmentations).
 */
export function augmentedView(split: MultimodalSplit, rows: Int32Array, rng: Philox): ModalityArray[] {
  const mods = split.modalities.map((m) => gatherModality(m, rows));
  const out: ModalityArray[] = new Array(mods.length);
  const tabular: number[] = [];
  mods.forEach((m, i) => {
    if (m.kind === "image") out[i] = augmentImages(m, rng);
    else tabular.push(i);
  });
  if (tabular.length) {
    const aug = dropNoise(tabular.map((i) => mods[i]), rng);
    tabular.forEach((i, k) => (out[i] = aug[k]));
  }
  return out;
}

/** A batch without augmentation (images normalised as in training) for the linear probe's features. */
export function plainBatch(split: MultimodalSplit, rows: Int32Array): ModalityArray[] {
  return split.modalities.map((m) => {
    const g = gatherModality(m, rows);
    return g.kind === "image" ? normalizeImages(g) : g;
  });
}
