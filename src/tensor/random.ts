/**
 * Random tensors from the seeded counter-based Philox generator. One global seed (setSeed) makes a run
 * reproducible; modules may also pass their own generator.
 */
import { Philox } from "../random/philox.ts";
import type { Tensor } from "./tensor.ts";
import { tensor } from "./ops/create.ts";

let globalRng = new Philox(0);

/** Re-seeds the global generator used by init, dropout and random tensors (stream picks an independent sequence). */
export function setSeed(seed: number, stream = 0): void {
  globalRng = new Philox(seed, stream);
}

/** The global generator. */
export function globalGenerator(): Philox {
  return globalRng;
}

/** Normal(mean, std) values in `shape`. */
export function randn(shape: number[], std = 1, mean = 0, rng: Philox = globalRng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(rng.normal(n, mean, std), shape);
}

/** Uniform values in [lo, hi). */
export function rand(shape: number[], lo = 0, hi = 1, rng: Philox = globalRng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const u = rng.uniform(n);
  for (let i = 0; i < n; i++) u[i] = lo + (hi - lo) * (1 - u[i]); // (0,1] -> [lo, hi)
  return tensor(u, shape);
}

/** Normal(0, std) values, redrawn until inside [lo, hi] (like torch.nn.init.trunc_normal_). */
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
