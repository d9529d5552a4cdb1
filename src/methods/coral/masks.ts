/**
 * COrAL's asymmetric token mask, sampled on the host from the seeded Philox generator as a 0/1 keep mask laid
 * out [B, L] (1 = keep); dropped tokens are zeroed by the fusion transformer.
 *
 * @example
 * ```ts
 * import { Philox, sampleBernoulliMask } from "./mod.ts";
 * const keep = sampleBernoulliMask(new Philox(0), 4, 10, 0.75); // each token kept with probability 0.25
 * ```
 * @module
 */
import type { Philox } from "../../random/philox.ts";

/** COrAL's asymmetric mask for one modality: keep each token independently with probability 1 - ratio. */
export function sampleBernoulliMask(rng: Philox, batch: number, length: number, ratio: number): Float32Array {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`mask ratio must be in [0, 1], got ${ratio}`);
  const keep = rng.bernoulli(batch * length, 1 - ratio);
  return Float32Array.from(keep);
}
