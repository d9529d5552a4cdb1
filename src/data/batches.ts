/**
 * Mini-batch index lists and row gathering over plain typed arrays: the epoch's (shuffled) batches of row
 * indices, and copies of those rows out of a modality, a label array or a whole split.
 *
 * @module
 */
import type { Philox } from "../random/philox.ts";
import type { ModalityArray, MultimodalSplit } from "./types.ts";

/** Options for one epoch's batches. */
export interface EpochBatchOptions {
  /** Drop the last batch when it has fewer than batchSize rows (default true, as for SSL training). */
  dropLast?: boolean;
  /** Shuffle with rng.permutation(n) (default true). false gives 0..n-1 in order and consumes no draws. */
  shuffle?: boolean;
}

function checkBatchArgs(n: number, batchSize: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`batches: sample count must be a non-negative integer, got ${n}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
  }
}

/**
 * Split one epoch of n samples into batches of row indices. With shuffle (default) the order is
 * rng.permutation(n), so it consumes exactly n 32-bit outputs of rng; without it the order is 0..n-1 and
 * rng may be null. The last, short batch is dropped unless `dropLast` is false.
 *
 * Throws when n is not a non-negative integer, batchSize not a positive integer, or shuffle has no rng.
 *
 * @example
 * ```ts
 * import { epochBatches, Philox } from "./mod.ts";
 * const shuffled = epochBatches(10, 4, new Philox(0)); // 2 batches of 4 rows; 2 rows dropped
 * const all = epochBatches(10, 4, null, { shuffle: false, dropLast: false }); // [0..3], [4..7], [8, 9]
 * ```
 */
export function epochBatches(
  n: number,
  batchSize: number,
  rng: Philox | null,
  opts: EpochBatchOptions = {},
): Int32Array[] {
  checkBatchArgs(n, batchSize);
  const shuffle = opts.shuffle ?? true;
  const dropLast = opts.dropLast ?? true;
  let order: Int32Array;
  if (shuffle) {
    if (rng === null) throw new Error("epochBatches: shuffle needs a Philox rng");
    order = rng.permutation(n);
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (end - start < batchSize && dropLast) break;
    out.push(order.slice(start, end));
  }
  return out;
}

/** In-order batches covering all n samples, the last one possibly short (for feature extraction). */
export function sequentialBatches(n: number, batchSize: number): Int32Array[] {
  return epochBatches(n, batchSize, null, { shuffle: false, dropLast: false });
}

/** Number of float32 values per sample of a modality (product of shape[1..]). */
export function rowSize(arr: ModalityArray): number {
  let s = 1;
  for (let i = 1; i < arr.shape.length; i++) s *= arr.shape[i];
  return s;
}

function checkIndices(what: string, n: number, idx: ArrayLike<number>): void {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new Error(`${what}: row index ${r} at position ${i} is out of range [0, ${n})`);
    }
  }
}

/**
 * Copy rows idx of a modality into a new Float32Array of shape [idx.length, ...shape[1..]]. Throws when the
 * data length does not match the shape or an index is outside [0, N).
 */
export function gatherRows(arr: ModalityArray, idx: ArrayLike<number>): Float32Array {
  const n = arr.shape[0];
  const rs = rowSize(arr);
  if (arr.data.length !== n * rs) {
    throw new Error(
      `gatherRows: data length ${arr.data.length} does not match shape [${arr.shape.join(", ")}]`,
    );
  }
  checkIndices("gatherRows", n, idx);
  const out = new Float32Array(idx.length * rs);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * rs;
    out.set(arr.data.subarray(src, src + rs), i * rs);
  }
  return out;
}

/** gatherRows wrapped back into a ModalityArray of the same kind. */
export function gatherModality(arr: ModalityArray, idx: ArrayLike<number>): ModalityArray {
  return { kind: arr.kind, shape: [idx.length, ...arr.shape.slice(1)], data: gatherRows(arr, idx) };
}

/** Labels at rows idx, as a new array; throws when an index is outside [0, labels.length). */
export function gatherLabels(labels: Int32Array, idx: ArrayLike<number>): Int32Array {
  checkIndices("gatherLabels", labels.length, idx);
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = labels[idx[i]];
  return out;
}

/** A new split holding rows idx of every modality and label. */
export function gatherSplit(split: MultimodalSplit, idx: ArrayLike<number>): MultimodalSplit {
  const labels: Record<string, Int32Array> = {};
  for (const [task, y] of Object.entries(split.labels)) labels[task] = gatherLabels(y, idx);
  return { modalities: split.modalities.map((m) => gatherModality(m, idx)), labels };
}
