/**
 * Token masks of InfMasking and COrAL, sampled on the host from the seeded Philox generator as 0/1 keep
 * masks laid out [B, L] (1 = keep). The fusion model turns them into tensors.
 */
import type { Philox } from "../random/philox.ts";

/**
 * InfMasking's per-sample, per-modality mask: keep exactly floor(L * (1 - ratio)) tokens chosen uniformly at
 * random (the ranks of fresh uniforms, as argsort of noise in the reference), the rest replaced by the mask
 * token. Returns a [batch, length] keep mask.
 */
export function sampleFixedCountMask(
  rng: Philox,
  batch: number,
  length: number,
  ratio: number,
): Float32Array {
  if (!(ratio >= 0 && ratio < 1)) throw new Error(`mask ratio must be in [0, 1), got ${ratio}`);
  const keepCount = Math.floor(length * (1 - ratio));
  const out = new Float32Array(batch * length);
  const order = new Int32Array(length);
  for (let b = 0; b < batch; b++) {
    const noise = rng.uniform(length);
    for (let i = 0; i < length; i++) order[i] = i;
    order.sort((x, y) => noise[x] - noise[y] || x - y);
    for (let i = 0; i < keepCount; i++) out[b * length + order[i]] = 1;
  }
  return out;
}

/** COrAL's asymmetric mask for one modality: keep each token independently with probability 1 - ratio. */
export function sampleBernoulliMask(rng: Philox, batch: number, length: number, ratio: number): Float32Array {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`mask ratio must be in [0, 1], got ${ratio}`);
  const keep = rng.bernoulli(batch * length, 1 - ratio);
  return Float32Array.from(keep);
}
