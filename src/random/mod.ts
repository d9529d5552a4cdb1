/**
 * Seeded randomness: the counter-based Philox generator (bit-equal to cuRAND's PHILOX4_32_10) and the one
 * table of random streams, one per purpose.
 *
 * @example
 * ```ts
 * import { epochStream, Philox } from "./src/random/mod.ts";
 * const batchesOfEpoch3 = new Philox(42, epochStream("batches", 3)).permutation(10);
 * ```
 * @module
 */
export { Philox } from "./philox.ts";
export {
  EPOCH_SPAN,
  type EpochPurpose,
  epochStream,
  findStreamOverlaps,
  listStreams,
  streamFor,
  type StreamPurpose,
  type StreamRange,
  STREAMS,
  type StreamTable,
} from "./streams.ts";
