/**
 * Plain-array dataset types shared by the generators, readers, augmentations and the trainer.
 * Data lives in typed arrays; tensors are made from it only in the training layer.
 *
 * @module
 */

import type { ModalityKind } from "../models/modality.ts";

export type { ModalityKind };

/** One modality of a split: `data` holds `shape[0]` samples, row-major, float32. */
export interface ModalityArray {
  /** The layout of one sample: vector, sequence or image. */
  kind: ModalityKind;
  /** [N, F] for vector, [N, T, F] for sequence, [N, C, H, W] for image. */
  shape: number[];
  /** The `shape` product of float32 values, sample-major (row-major over `shape`). */
  data: Float32Array;
}

/** A set of samples: every modality and every task label has the same sample count. */
export interface MultimodalSplit {
  /** One array per modality, all with the same first axis N. */
  modalities: ModalityArray[];
  /** Task name -> integer class label per sample. */
  labels: Record<string, Int32Array>;
}

/** A dataset as the trainer consumes it. */
export interface MultimodalDataset {
  /** The dataset's name, e.g. "synthetic" or "npy:DIR". */
  name: string;
  /** Task names, each a key of every split's `labels`. */
  tasks: string[];
  /** Number of classes per task. */
  numClasses: Record<string, number>;
  /** Samples the self-supervised objective trains on (labels may be present but are not used). */
  ssl: MultimodalSplit;
  /** Samples the linear probe is fitted on. */
  probeTrain: MultimodalSplit;
  /** Optional validation samples for choosing the probe's cost C. */
  probeVal?: MultimodalSplit;
  /** Samples the probe is scored on. */
  probeTest: MultimodalSplit;
}

/** Number of samples in a split (the first axis of its first modality). */
export function splitSize(split: MultimodalSplit): number {
  return split.modalities[0].shape[0];
}
