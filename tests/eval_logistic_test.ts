import assert from "node:assert/strict";
import { balancedSampleWeights, LogisticRegression } from "../src/eval/logistic.ts";
import { logisticObjective } from "../src/eval/logistic_objective.ts";
import { accuracy } from "../src/eval/metrics.ts";
import { seededUniform } from "../src/eval/split.ts";

function gaussian(seed: number): () => number {
  const r = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Direct float64 re-computation of the loss with θ = [W class-major (K·D), b (K)]. */
function naiveLoss(
  theta: Float64Array,
  x: Float64Array,
  y: Int32Array,
  w: Float64Array | null,
  D: number,
  K: number,
  C: number,
): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    const z: number[] = [];
    for (let k = 0; k < K; k++) {
      let s = theta[K * D + k];
      for (let d = 0; d < D; d++) s += theta[k * D + d] * x[i * D + d];
      z.push(s);
    }
    const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
    const wi = w ? w[i] : 1;
    num += wi * (lse - z[y[i]]);
    den += wi;
  }
  let sq = 0;
  for (let j = 0; j < K * D; j++) sq += theta[j] * theta[j];
  return num / den + (0.5 / C) * Math.sqrt(sq);
}

function blobs(n: number, D: number, K: number, sep: number, seed: number) {
  const g = gaussian(seed);
  const centres = gaussian(1000);
  const mu = Array.from({ length: K * D }, () => sep * centres());
  const r = seededUniform(seed + 1);
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(r() * K);
    for (let d = 0; d < D; d++) x[i * D + d] = mu[y[i] * D + d] + g();
  }
  return { x, y };
}

Deno.test("logistic objective: value and gradient match a naive loss and finite differences", () => {
  const g = gaussian(21);
  const N = 37; // not a multiple of 4: exercises the remainder path of the kernel
  const D = 5;
  const K = 3;
  const x = new Float64Array(N * D).map(() => g());
  const y = new Int32Array(N).map((_, i) => (i * 7) % K);
  y[3] = 0;
  y[4] = 0;
  for (const weighted of [false, true]) {
    const w = weighted ? balancedSampleWeights(y, K) : null;
    const C = 0.7;
    const f = logisticObjective({ x, y, sampleWeight: w ?? undefined }, D, K, C);
    const theta = new Float64Array(K * D + K).map(() => 0.5 * g());
    const grad = new Float64Array(theta.length);
    const val = f(theta, grad);
    assert.ok(Math.abs(val - naiveLoss(theta, x, y, w, D, K, C)) < 1e-12);
    const h = 1e-6;
    const scratch = new Float64Array(theta.length);
    for (let j = 0; j < theta.length; j++) {
      const tp = Float64Array.from(theta);
      const tm = Float64Array.from(theta);
      tp[j] += h;
      tm[j] -= h;
      const fd = (f(tp, scratch) - f(tm, scratch)) / (2 * h);
      assert.ok(
        Math.abs(fd - grad[j]) < 1e-8 * (1 + Math.abs(fd)),
        `θ[${j}]: fd ${fd} vs ${grad[j]} (weighted=${weighted})`,
      );
    }
  }
});

Deno.test("logistic objective: the native kernel equals the TypeScript one (large enough to thread)", () => {
  const g = gaussian(5);
  const N = 3001, D = 37, K = 10;
  const x = new Float64Array(N * D).map(() => g());
  const y = new Int32Array(N).map(() => Math.floor(((g() + 4) / 8) * K) % K);
  for (const weighted of [false, true]) {
    const data = { x, y, sampleWeight: weighted ? balancedSampleWeights(y, K) : undefined };
    const native = logisticObjective(data, D, K, 0.3),
      ts = logisticObjective(data, D, K, 0.3, { native: false });
    const theta = new Float64Array(K * D + K).map(() => 0.3 * g());
    const ga = new Float64Array(theta.length), gb = new Float64Array(theta.length);
    const a = native(theta, ga), b = ts(theta, gb);
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `loss ${a} vs ${b}`);
    for (let j = 0; j < theta.length; j++) {
      assert.ok(Math.abs(ga[j] - gb[j]) <= 1e-12 * (1 + Math.abs(gb[j])), `grad[${j}] ${ga[j]} vs ${gb[j]}`);
    }
  }
});

Deno.test("logistic objective: the norm penalty contributes no gradient at W = 0", () => {
  const g = gaussian(5);
  const N = 20, D = 3, K = 2;
  const x = new Float64Array(N * D).map(() => g());
  const y = new Int32Array(N).map((_, i) => i % 2);
  const theta = new Float64Array(D * K + K);
  theta[D * K] = 0.3; // bias only
  const gSmall = new Float64Array(theta.length);
  const gLarge = new Float64Array(theta.length);
  const fSmall = logisticObjective({ x, y }, D, K, 1e-3)(theta, gSmall);
  const fLarge = logisticObjective({ x, y }, D, K, 1e3)(theta, gLarge);
  assert.equal(fSmall, fLarge);
  assert.deepEqual(Array.from(gSmall), Array.from(gLarge));
});

Deno.test("fit with a small C returns the exact zero-weight optimum", () => {
  const { x, y } = blobs(200, 6, 3, 1, 4);
  const C = 1e-3;
  const m = new LogisticRegression({ dim: 6, numClasses: 3, C }).fit(x, y);
  assert.equal(m.fitInfo!.stop, "zero-optimal");
  assert.ok(m.weights.every((v) => v === 0));
  // The bias is the log class frequency.
  const counts = [0, 0, 0];
  for (const v of y) counts[v]++;
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(m.bias[k] - Math.log(counts[k] / 200)) < 1e-12);
  // No small move of (W, b) lowers the loss (convex problem: this certifies the optimum).
  const xs = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    xs[i] = (x[i] - m.standardizer!.mean[i % 6]) / m.standardizer!.std[i % 6];
  }
  const f = logisticObjective({ x: xs, y }, 6, 3, C);
  const theta0 = new Float64Array(6 * 3 + 3);
  theta0.set(m.bias, 18);
  const scratch = new Float64Array(theta0.length);
  const f0 = f(theta0, scratch);
  assert.ok(Math.abs(f0 - m.fitInfo!.loss) < 1e-12);
  const g = gaussian(8);
  for (let t = 0; t < 20; t++) {
    const th = theta0.map((v) => v + 1e-4 * g());
    assert.ok(f(th, scratch) >= f0, "a perturbation lowered the loss");
  }
});

Deno.test("fit reaches a stationary point that beats the intercept-only model", () => {
  const { x, y } = blobs(300, 5, 3, 0.4, 9);
  for (const classWeight of [null, "balanced"] as const) {
    const m = new LogisticRegression({ dim: 5, numClasses: 3, C: 10, classWeight }).fit(x, y);
    assert.notEqual(m.fitInfo!.stop, "zero-optimal");
    // Gradient at the solution, recomputed through the public objective.
    const xs = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      xs[i] = (x[i] - m.standardizer!.mean[i % 5]) / m.standardizer!.std[i % 5];
    }
    const theta = new Float64Array(5 * 3 + 3);
    for (let k = 0; k < 3; k++) for (let d = 0; d < 5; d++) theta[k * 5 + d] = m.weights[d * 3 + k];
    theta.set(m.bias, 15);
    const sw = classWeight ? balancedSampleWeights(y, 3) : undefined;
    const grad = new Float64Array(theta.length);
    const f = logisticObjective({ x: xs, y, sampleWeight: sw }, 5, 3, 10)(theta, grad);
    assert.ok(Math.abs(f - m.fitInfo!.loss) < 1e-12);
    assert.ok(Math.max(...grad.map(Math.abs)) < 1e-4, `max |grad| = ${Math.max(...grad.map(Math.abs))}`);
    assert.ok(f < Math.log(3) - 0.05);
  }
});

Deno.test("separable Gaussian blobs are classified almost perfectly", () => {
  const train = blobs(800, 8, 4, 3, 1);
  const test = blobs(400, 8, 4, 3, 2);
  const m = new LogisticRegression({ dim: 8, numClasses: 4, C: 100 }).fit(train.x, train.y);
  const acc = accuracy(test.y, m.predict(test.x));
  assert.ok(acc > 0.98, `test accuracy ${acc}`);
  const p = m.predictProba(test.x);
  const pred = m.predict(test.x);
  for (let i = 0; i < 400; i++) {
    const row = Array.from(p.subarray(i * 4, i * 4 + 4));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(pred[i], row.indexOf(Math.max(...row)));
  }
});

Deno.test("standardisation makes the fit invariant to per-feature affine maps", () => {
  const train = blobs(200, 4, 3, 0.8, 12);
  const test = blobs(100, 4, 3, 0.8, 13);
  const scale = [3, 0.01, 250, 1];
  const shift = [-7, 40, 1000, 0.5];
  const tf = (x: Float32Array) => Float64Array.from(x, (v, i) => v * scale[i % 4] + shift[i % 4]);
  const a = new LogisticRegression({ dim: 4, numClasses: 3, C: 5 }).fit(Float64Array.from(train.x), train.y);
  const b = new LogisticRegression({ dim: 4, numClasses: 3, C: 5 }).fit(tf(train.x), train.y);
  const pa = a.predictProba(Float64Array.from(test.x));
  const pb = b.predictProba(tf(test.x));
  for (let i = 0; i < pa.length; i++) assert.ok(Math.abs(pa[i] - pb[i]) < 1e-6, `${pa[i]} vs ${pb[i]}`);
});

Deno.test("logistic regression rejects bad input with clear errors", () => {
  assert.throws(() => new LogisticRegression({ dim: 3, numClasses: 2, C: 0 }), /C must be/);
  assert.throws(() => new LogisticRegression({ dim: 3, numClasses: 1, C: 1 }), /numClasses/);
  const m = new LogisticRegression({ dim: 3, numClasses: 2, C: 1 });
  assert.throws(() => m.predict(new Float32Array(3)), /fit\(\)/);
  assert.throws(() => m.fit(new Float32Array(5), Int32Array.from([0, 1])), /expected N·D/);
  assert.throws(() => m.fit(new Float32Array(6), Int32Array.from([0, 2])), /outside 0..1/);
  const nan = new Float32Array(6).fill(1);
  nan[4] = NaN;
  assert.throws(() => m.fit(nan, Int32Array.from([0, 1])), /not finite/);
});
