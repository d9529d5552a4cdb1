/**
 * InfMasking's token masks from the seeded Philox generator as 0/1 keep masks laid out [B, L] (1 = keep):
 * on the host ({@link sampleFixedCountMask}), or on the tokens' backend ({@link fixedCountMaskOn}, what the
 * model uses), the same mask bit for bit.
 *
 * @example
 * ```ts
 * import { Philox, sampleFixedCountMask } from "./mod.ts";
 * const keep = sampleFixedCountMask(new Philox(0), 4, 10, 0.7); // each row keeps exactly 3 of 10 tokens
 * ```
 * @module
 */
import type { Backend } from "../../backend/backend.ts";
import {
  add,
  backend,
  equal,
  keep,
  less,
  ltScalar,
  mul,
  reshape,
  sum,
  type Tensor,
  tensor,
  tidy,
  uniformOn,
} from "../../tensor/mod.ts";
import type { Philox } from "../../random/philox.ts";

function checkRatio(ratio: number): void {
  if (!(ratio >= 0 && ratio < 1)) throw new Error(`mask ratio must be in [0, 1), got ${ratio}`);
}

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
  checkRatio(ratio);
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

/**
 * {@link sampleFixedCountMask}'s mask drawn and ranked on backend `on` (default: the active one): the
 * uniforms come from `rng` on the device where it can draw them (`uniformOn`), and each row keeps the
 * positions of its floor(L (1 - ratio)) smallest values ({@link keepLowestRanks}). Equal to the host mask
 * bit for bit for the same generator state, and `rng` advances alike, so a run masks the same tokens on
 * every backend. Returns a [batch, length] tensor of 0/1.
 *
 * @example
 * ```ts
 * import { fixedCountMaskOn, Philox, sampleFixedCountMask } from "./mod.ts";
 * const onDevice = fixedCountMaskOn(new Philox(3), 4, 10, 0.7).dataSync();
 * const onHost = sampleFixedCountMask(new Philox(3), 4, 10, 0.7);
 * console.log(onDevice.every((v, i) => v === onHost[i])); // true
 * ```
 */
export function fixedCountMaskOn(
  rng: Philox,
  batch: number,
  length: number,
  ratio: number,
  on: Backend = backend(),
): Tensor {
  checkRatio(ratio);
  const keepCount = Math.floor(length * (1 - ratio));
  return tidy(() => keepLowestRanks(uniformOn([batch, length], rng, on), keepCount));
}

/** Per backend and length L, the [L, L] constant before[i, j] = 1 iff j < i (kept alive, never disposed). */
const strictlyBefore = new WeakMap<Backend, Map<number, Tensor>>();

function before(on: Backend, l: number): Tensor {
  let byLength = strictlyBefore.get(on);
  if (!byLength) strictlyBefore.set(on, byLength = new Map());
  let t = byLength.get(l);
  if (!t) {
    const values = new Float32Array(l * l);
    for (let i = 0; i < l; i++) values.fill(1, i * l, i * l + i);
    t = keep(tensor(values, [l, l], { on }));
    byLength.set(l, t);
  }
  return t;
}

/**
 * keep[b, i] = 1 iff u[b, i] is among the `keepCount` smallest values of row b of `u` [B, L], ties going to
 * the earlier position, as a stable argsort would order them: rank(i) = #{j : u_j < u_i} + #{j < i : u_j =
 * u_i}, computed with broadcast comparisons ([B, L, L], fine for token counts) so it runs on any backend.
 *
 * @example
 * ```ts
 * import { keepLowestRanks, tensor } from "./mod.ts";
 * console.log(keepLowestRanks(tensor([0.5, 0.1, 0.5, 0.9], [1, 4]), 2).dataSync()); // [1, 1, 0, 0]
 * ```
 */
export function keepLowestRanks(u: Tensor, keepCount: number): Tensor {
  if (u.shape.length !== 2) throw new Error(`keepLowestRanks: u must be [B, L], got [${u.shape}]`);
  const [b, l] = u.shape;
  return tidy(() => {
    const ui = reshape(u, [b, l, 1]), uj = reshape(u, [b, 1, l]);
    const rank = sum(add(less(uj, ui), mul(equal(uj, ui), before(u.backend, l))), 2);
    return ltScalar(rank, keepCount);
  });
}
