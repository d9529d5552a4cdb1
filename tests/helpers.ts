/** Test helpers: seeded random inputs, closeness checks and a finite-difference gradient checker. */
import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import { mul, noGrad, sum, type Tensor, tensor, tidy } from "../src/tensor/mod.ts";

let seedCounter = 1000;

/** A fresh seeded generator per call (tests stay reproducible but draw new values each time). */
export function rng(seed?: number): Philox {
  return new Philox(seed ?? seedCounter++);
}

/** A seeded uniform [0, 1) number source (for tests that need plain numbers, not tensors). */
export function uniformSource(seed: number): () => number {
  const r = new Philox(seed);
  return () => 1 - r.uniform(1)[0];
}

/** Normal random values of a shape (never all zeros). */
export function randValues(shape: number[], r: Philox = rng(), scale = 1): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = r.normal(Math.max(n, 2)).slice(0, n);
  for (let i = 0; i < n; i++) v[i] *= scale;
  return v;
}

export function randTensor(shape: number[], r: Philox = rng(), scale = 1, requiresGrad = true): Tensor {
  return tensor(randValues(shape, r, scale), shape, { requiresGrad });
}

/** Asserts |a - b| <= atol + rtol |b| elementwise, naming the first failing index. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-4,
  what = "values",
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of inputs not to check (e.g. integer-like inputs). */
  skip?: number[];
}

/**
 * Checks the analytic gradient of `fn` at `inputs` against central finite differences of the scalar
 * sum(fn(inputs) * w), with w a fixed random weight tensor (so every output element matters).
 */
export function gradCheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradCheckOptions = {},
): void {
  const eps = opts.eps ?? 1e-2, atol = opts.atol ?? 2e-3, rtol = opts.rtol ?? 2e-2;
  const skip = new Set(opts.skip ?? []);
  const probe = noGrad(() => fn(...inputs));
  const w = tensor(randValues([...probe.shape], rng()), [...probe.shape]);
  probe.dispose();
  for (const x of inputs) x.grad?.dispose(), x.grad = null;
  tidy(() => {
    const y = fn(...inputs);
    sum(mul(y, w)).backward();
  });
  inputs.forEach((x, k) => {
    if (skip.has(k) || !x.requiresGrad) return;
    assert.ok(x.grad, `input ${k} got no gradient`);
    const analytic = x.grad!.dataSync();
    const base = x.dataSync();
    const numeric = new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const at = (delta: number): number =>
        tidy(() => {
          const v = base.slice();
          v[i] += delta;
          x.backend.write(x.storage, v);
          return noGrad(() => sum(mul(fn(...inputs), w)).item());
        });
      // float64 accumulation of the float32 forward values
      numeric[i] = (at(eps) - at(-eps)) / (2 * eps);
      x.backend.write(x.storage, base);
    }
    assertClose(analytic, numeric, atol, rtol, `gradient of input ${k} ${x}`);
  });
  w.dispose();
}

/** The real datasets beside the checkout (../shared/data), as the CLI's default data folder. */
export const DATA_DIR: string = new URL("../../shared/data", import.meta.url).pathname;

/** Whether DATA_DIR holds the real datasets (the tests on them are skipped otherwise). */
export const HAS_DATA: boolean = (() => {
  try {
    return Deno.statSync(`${DATA_DIR}/mnist`).isDirectory;
  } catch {
    return false;
  }
})();
