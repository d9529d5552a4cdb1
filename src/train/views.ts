/**
 * Turning rows of a split into tensors: augmented training views and plain inputs for feature extraction.
 *
 * @module
 */
import type { ModalityArray, MultimodalSplit } from "../data/types.ts";
import { gatherModality } from "../data/batches.ts";
import { dropNoise, gaussianNoise } from "../data/augment_sequence.ts";
import { augmentImages, normalizeImages } from "../data/augment_image.ts";
import { augmentImagesOn } from "../data/augment_image_tensor.ts";
import type { Philox } from "../random/philox.ts";
import type { Backend } from "../backend/backend.ts";
import type { ResidentImages } from "./resident.ts";
import { backend, type Tensor, tensor, tidy } from "../tensor/mod.ts";

/** Tensors of modality arrays (one per modality) on backend `on` (default: the active one). */
export function toTensors(mods: ModalityArray[], on: Backend = backend()): Tensor[] {
  return mods.map((m) => tensor(m.data, [...m.shape], { on }));
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
  return viewOf(
    split,
    rows,
    rng,
    (i) => augmentImages(gatherModality(split.modalities[i], rows), rng),
    (m) => m,
  );
}

/**
 * {@link augmentedView} with the images augmented on backend `on` (default: the active one) and every
 * modality returned as a tensor there, one per modality in modality order: each image modality's gathered
 * rows are uploaded and augmented with `augmentImagesOn` (the same recipe and parameters, float32 pixel
 * work on `on`), the vector and sequence modalities are augmented on the host as in {@link augmentedView}
 * and uploaded. The draw order from `rng` is {@link augmentedView}'s exactly (every image modality in
 * modality order, B·DRAWS_PER_IMAGE uniforms each, drawn on the host; then every vector modality's coins
 * and normals; then one `dropNoise` over the sequence modalities), so the generator ends at the same
 * offset and the tensors equal `toTensors(augmentedView(...))` within float32 rounding of the images.
 * Intermediate tensors are freed. With `resident` (the split's images already on `on`), an image
 * modality's rows are gathered there instead of on the host and uploaded: same values, only the row
 * indices cross.
 *
 * @example
 * ```ts
 * import { augmentedViewOn, backend, type MultimodalSplit, Philox } from "./mod.ts";
 * const split: MultimodalSplit = {
 *   modalities: [
 *     { kind: "image", shape: [4, 3, 8, 8], data: new Float32Array(4 * 3 * 8 * 8).fill(0.5) },
 *     { kind: "vector", shape: [4, 5], data: new Float32Array(4 * 5) },
 *   ],
 *   labels: {},
 * };
 * const [img, vec] = augmentedViewOn(split, Int32Array.from([0, 2]), new Philox(1), backend());
 * console.log(img.shape, vec.shape); // [2, 3, 8, 8] [2, 5]
 * ```
 */
export function augmentedViewOn(
  split: MultimodalSplit,
  rows: Int32Array,
  rng: Philox,
  on: Backend = backend(),
  resident?: ResidentImages,
): Tensor[] {
  if (resident && (resident.split !== split || resident.on !== on)) {
    throw new Error("augmentedViewOn: the resident images belong to another split or backend");
  }
  const upload = (m: ModalityArray) => toTensors([m], on)[0];
  const imageRows = (i: number) =>
    resident?.has(i) ? resident.rows(i, rows) : upload(gatherModality(split.modalities[i], rows));
  return tidy(() => viewOf(split, rows, rng, (i) => augmentImagesOn(imageRows(i), rng), upload));
}

/**
 * The rows' view in {@link augmentedView}'s draw order, image modality i through `image(i)` (which gathers
 * the rows itself and draws from rng) and the host-augmented vector and sequence modalities through `other`.
 */
function viewOf<T>(
  split: MultimodalSplit,
  rows: Int32Array,
  rng: Philox,
  image: (i: number) => T,
  other: (m: ModalityArray) => T,
): T[] {
  const mods = split.modalities.map((m) => m.kind === "image" ? m : gatherModality(m, rows));
  const out: T[] = new Array(mods.length);
  mods.forEach((m, i) => {
    if (m.kind === "image") out[i] = image(i);
  });
  mods.forEach((m, i) => {
    if (m.kind === "vector") out[i] = other(gaussianNoise(m, rng));
  });
  const seqs: number[] = [];
  mods.forEach((m, i) => {
    if (m.kind === "sequence") seqs.push(i);
  });
  if (seqs.length) {
    const aug = dropNoise(seqs.map((i) => mods[i]), rng);
    seqs.forEach((i, k) => (out[i] = other(aug[k])));
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
