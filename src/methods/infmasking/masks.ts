/**
 * InfMasking's token masks, sampled on the host from the seeded Philox generator as 0/1 keep masks laid out
 * [B, L] (1 = keep). The fusion transformer turns them into tensors.
 *
 * @example
 * ```ts
 * import { Philox, sampleFixedCountMask } from "./mod.ts";
 * const keep = sampleFixedCountMask(new Philox(0), 4, 10, 0.7); // each row keeps exactly 3 of 10 tokens
 * ```
 * @module
 */
import type { Philox } from "../../random/philox.ts";

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
