/**
 * Turning rows of a split into tensors: augmented training views and plain inputs for feature extraction.
 *
 * @module
 */
import type { ModalityArray, MultimodalSplit } from "../data/types.ts";
import { gatherModality } from "../data/batches.ts";
import { dropNoise, gaussianNoise } from "../data/augment_sequence.ts";
import { augmentImages, normalizeImages } from "../data/augment_image.ts";
import type { Philox } from "../random/philox.ts";
import { type Tensor, tensor } from "../tensor/mod.ts";

/** Tensors of modality arrays (one per modality). */
export function toTensors(mods: ModalityArray[]): Tensor[] {
  return mods.map((m) => tensor(m.data, [...m.shape]));
}

/**
 * One augmented view of a batch (docs/shared.md#augmentations), one transform per modality as in the
 * official code:
 *
 * - each image modality: the SimCLR recipe (`augmentImages`), every image its own draws;
 * - each vector modality (MIMIC's tabular vector, V&T's proprioception): noise only, N(0, 0.1²) with
 *   p 0.5, its own coin (`gaussianNoise`);
 * - the sequence modalities together (the affect list; MIMIC's single series): drop (p 0.5) then noise
 *   (p 0.5) with one coin per transform shared by all of a sample's sequences, the dropped fraction and
 *   steps drawn per modality (`dropNoise`).
 *
 * Draw order from `rng`, fixed so that a run is reproducible from its seed: first every image modality in
 * modality order (B·DRAWS_PER_IMAGE uniforms each), then every vector modality in modality order (its
 * B coins, then its normals), then one `dropNoise` call over all sequence modalities in modality order.
 */
export function augmentedView(split: MultimodalSplit, rows: Int32Array, rng: Philox): ModalityArray[] {
  const mods = split.modalities.map((m) => gatherModality(m, rows));
  const out: ModalityArray[] = new Array(mods.length);
  mods.forEach((m, i) => {
    if (m.kind === "image") out[i] = augmentImages(m, rng);
  });
  mods.forEach((m, i) => {
    if (m.kind === "vector") out[i] = gaussianNoise(m, rng);
  });
  const seqs: number[] = [];
  mods.forEach((m, i) => {
    if (m.kind === "sequence") seqs.push(i);
  });
  if (seqs.length) {
    const aug = dropNoise(seqs.map((i) => mods[i]), rng);
    seqs.forEach((i, k) => (out[i] = aug[k]));
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
