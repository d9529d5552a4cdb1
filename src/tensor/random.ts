/**
 * Random tensors from the seeded counter-based Philox generator. One global seed (setSeed) makes a run
 * reproducible; modules may also pass their own generator.
 */
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";
import type { Backend } from "../backend/backend.ts";
import { backend } from "../backend/registry.ts";
import type { Tensor } from "./tensor.ts";
import { emptyOn, tensor } from "./ops/create.ts";

// The initialisation stream by default, so a draw before any setSeed never repeats a dataset's stream.
let globalRng = new Philox(0, STREAMS.init);

/**
 * Re-seeds the global generator used by init, dropout and random tensors; `stream` picks an independent
 * sequence for the same seed (default the initialisation stream of src/random/streams.ts).
 *
 * @example
 * ```ts
 * import { randn, setSeed } from "./mod.ts";
 * setSeed(42);
 * const a = randn([3]).dataSync();
 * setSeed(42);
 * console.log(randn([3]).dataSync().every((v, i) => v === a[i])); // true
 * ```
 */
export function setSeed(seed: number, stream: number | bigint = STREAMS.init): void {
  globalRng = new Philox(seed, stream);
}

/** The global Philox generator (replaced by each {@link setSeed} call). */
export function globalGenerator(): Philox {
  return globalRng;
}

/**
 * A tensor of `shape` with Normal(mean, std) values (default standard normal) drawn from `rng` (default: the
 * global generator).
 *
 * @example
 * ```ts
 * import { Philox, randn } from "./mod.ts";
 * const noise = randn([2, 16], 0.1, 0, new Philox(3)); // std 0.1, mean 0
 * console.log(noise.shape); // [2, 16]
 * ```
 */
export function randn(shape: number[], std = 1, mean = 0, rng: Philox = globalRng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(rng.normal(n, mean, std), shape);
}

/**
 * A tensor of `shape` with uniform values in [lo, hi) (default [0, 1)) drawn from `rng` (default: the global
 * generator).
 *
 * @example
 * ```ts
 * import { rand } from "./mod.ts";
 * const u = rand([1000], -1, 1).dataSync();
 * console.log(u.every((v) => v >= -1 && v < 1)); // true
 * ```
 */
export function rand(shape: number[], lo = 0, hi = 1, rng: Philox = globalRng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const u = rng.uniform(n);
  for (let i = 0; i < n; i++) u[i] = lo + (hi - lo) * (1 - u[i]); // (0,1] -> [lo, hi)
  return tensor(u, shape);
}

/**
 * The next float32 uniforms in (0, 1] of `rng` as a tensor of `shape` on backend `on` (default: the active
 * one), drawn there when it has a `randomUniform` kernel (the CUDA backend's Philox) and on the host otherwise:
 * the same values bit for bit either way, and `rng` advances by the element count in both, so a run draws the
 * same masks on any device. No data crosses to the device for a device draw.
 *
 * @example
 * ```ts
 * import { Philox, uniformOn } from "./mod.ts";
 * const a = uniformOn([2, 3], new Philox(5)).dataSync();
 * console.log(a.every((v, i) => v === new Philox(5).uniform(6)[i])); // true
 * ```
 */
export function uniformOn(shape: number[], rng: Philox = globalRng, on: Backend = backend()): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  if (!on.randomUniform) return tensor(rng.uniform(n), shape, { on });
  const out = emptyOn(on, shape);
  on.randomUniform(out.storage, rng.seed, rng.stream, rng.offset);
  rng.skip(n);
  return out;
}

/**
 * A tensor of `shape` with Normal(0, std) values, each redrawn until inside [lo, hi] (like
 * torch.nn.init.trunc_normal_ with mean 0).
 *
 * @example
 * ```ts
 * import { truncNormal } from "./mod.ts";
 * const w = truncNormal([64, 64], 0.02, -0.04, 0.04);
 * console.log(w.dataSync().every((v) => Math.abs(v) <= 0.04)); // true
 * ```
 */
export function truncNormal(
  shape: number[],
  std: number,
  lo: number,
  hi: number,
  rng: Philox = globalRng,
): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n;) {
    const draw = rng.normal(Math.max(2, n - i), 0, std);
    for (let j = 0; j < draw.length && i < n; j++) if (draw[j] >= lo && draw[j] <= hi) out[i++] = draw[j];
  }
  return tensor(out, shape);
}
