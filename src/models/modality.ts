/**
 * What a model knows about one modality before it sees data: its kind (which picks the default encoder and
 * augmentation) and its per-sample shape.
 *
 * @example
 * ```ts
 * import type { ModalitySpec } from "./mod.ts";
 * const audio: ModalitySpec = { kind: "sequence", shape: [50, 20] }; // 50 steps of 20 features
 * ```
 * @module
 */

/** How a modality's per-sample array is laid out: a vector [F], a sequence [T, F] or an image [C, H, W]. */
export type ModalityKind = "vector" | "sequence" | "image";

/** Shape of one modality's samples as the model sees them. */
export interface ModalitySpec {
  /** The layout of a sample. */
  kind: ModalityKind;
  /** Per-sample shape: [F] vector, [T, F] sequence, [C, H, W] image. */
  shape: number[];
}
