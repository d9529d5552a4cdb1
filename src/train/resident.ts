/**
 * A split's image modalities kept on a backend for a whole run, so that a training step on a GPU uploads
 * only its row indices and the augmentation's per-image parameters, not the batch's pixels (about 786 KB per
 * 64 images of 3×32×32, 38 MB at 224 px). The rows of a batch are gathered where the images live
 * (`indexSelect`), then augmented there by `augmentedViewOn`.
 *
 * Vector and sequence modalities stay on the host: their augmentation runs there and they are small.
 *
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { MultimodalSplit } from "../data/types.ts";
import { indexSelect, keep, type Tensor, tensor } from "../tensor/mod.ts";

/** Default cap on the bytes {@link ResidentImages.fits} accepts: 2 GiB of float32 pixels. */
export const MAX_RESIDENT_BYTES: number = 2 * 1024 ** 3;

/** The image modalities of one split, uploaded once to one backend. Free them with {@link dispose}. */
export class ResidentImages {
  /** Bytes held on the backend. */
  readonly bytes: number;
  private readonly images: (Tensor | null)[];
  private disposed = false;

  /**
   * Uploads every image modality of `split` to `on` (one tensor each, the split's layout [N, C, H, W]).
   *
   * @example
   * ```ts
   * import { backend, ResidentImages, type MultimodalSplit } from "./mod.ts";
   * const split: MultimodalSplit = {
   *   modalities: [{ kind: "image", shape: [4, 3, 2, 2], data: new Float32Array(48).map((_, i) => i) }],
   *   labels: {},
   * };
   * const resident = new ResidentImages(split, backend());
   * const rows = resident.rows(0, Int32Array.from([3, 1]));
   * console.log(rows.shape, resident.bytes); // [2, 3, 2, 2] 192
   * rows.dispose();
   * resident.dispose();
   * ```
   */
  constructor(readonly split: MultimodalSplit, readonly on: Backend) {
    this.images = split.modalities.map((m) =>
      m.kind === "image" ? keep(tensor(m.data, [...m.shape], { on })) : null
    );
    this.bytes = this.images.reduce((s, t) => s + (t ? t.size * 4 : 0), 0);
  }

  /** Whether `split`'s image modalities total at most `maxBytes` (default {@link MAX_RESIDENT_BYTES}). */
  static fits(split: MultimodalSplit, maxBytes: number = MAX_RESIDENT_BYTES): boolean {
    let bytes = 0;
    for (const m of split.modalities) if (m.kind === "image") bytes += m.data.length * 4;
    return bytes <= maxBytes;
  }

  /** Whether modality `i` is held here (it is an image modality). */
  has(i: number): boolean {
    return !this.disposed && this.images[i] !== null && this.images[i] !== undefined;
  }

  /**
   * Rows `rows` of image modality `i` as a new tensor on the backend, [rows.length, C, H, W].
   *
   * @throws {Error} When modality `i` is not held (not an image modality, or disposed), or a row is out of
   * range (indexSelect's error).
   */
  rows(i: number, rows: Int32Array): Tensor {
    const t = this.images[i];
    if (this.disposed || !t) {
      throw new Error(
        `ResidentImages: modality ${i} is not held (${this.disposed ? "disposed" : "not an image modality"})`,
      );
    }
    return indexSelect(t, 0, rows);
  }

  /** Frees the backend copies; later {@link rows} calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.images) t?.dispose();
  }
}
