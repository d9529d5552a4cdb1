/**
 * COrAL's asymmetric token mask from the seeded Philox generator as a 0/1 keep mask laid out [B, L] (1 =
 * keep), on the host ({@link sampleBernoulliMask}) or on the tokens' backend ({@link bernoulliMaskOn}, what
 * the model uses), the same mask bit for bit; dropped tokens are zeroed by the fusion transformer.
 *
 * @example
 * ```ts
 * import { Philox, sampleBernoulliMask } from "./mod.ts";
 * const keep = sampleBernoulliMask(new Philox(0), 4, 10, 0.75); // each token kept with probability 0.25
 * ```
 * @module
 */
import type { Backend } from "../../backend/backend.ts";
import { backend, full, ltScalar, type Tensor, tidy, uniformOn } from "../../tensor/mod.ts";
import type { Philox } from "../../random/philox.ts";

function checkRatio(ratio: number): void {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`mask ratio must be in [0, 1], got ${ratio}`);
}

/** COrAL's asymmetric mask for one modality: keep each token independently with probability 1 - ratio. */
export function sampleBernoulliMask(rng: Philox, batch: number, length: number, ratio: number): Float32Array {
  checkRatio(ratio);
  const keep = rng.bernoulli(batch * length, 1 - ratio);
  return Float32Array.from(keep);
}

/**
 * {@link sampleBernoulliMask}'s mask drawn on backend `on` (default: the active one): keep = u < p for the
 * uniforms u of `rng` (drawn on the device where it can, `uniformOn`) and p = 1 - ratio rounded to float32,
 * all ones for ratio 0, as `Philox.bernoulli` decides, and `rng` advances by batch·length in every case.
 * Equal to the host mask bit for bit. Returns a [batch, length] tensor of 0/1.
 *
 * @example
 * ```ts
 * import { bernoulliMaskOn, Philox, sampleBernoulliMask } from "./mod.ts";
 * const onDevice = bernoulliMaskOn(new Philox(2), 4, 10, 0.75).dataSync();
 * console.log(onDevice.every((v, i) => v === sampleBernoulliMask(new Philox(2), 4, 10, 0.75)[i])); // true
 * ```
 */
export function bernoulliMaskOn(
  rng: Philox,
  batch: number,
  length: number,
  ratio: number,
  on: Backend = backend(),
): Tensor {
  checkRatio(ratio);
  const p = 1 - ratio;
  if (p >= 1) {
    rng.skip(batch * length);
    return full([batch, length], 1, { on });
  }
  // against p rounded to float32, as the host does: a uniform equal to fround(p) < p is dropped on both sides
  return tidy(() => ltScalar(uniformOn([batch, length], rng, on), Math.fround(p)));
}
