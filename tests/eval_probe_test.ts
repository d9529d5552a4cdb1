import assert from "node:assert/strict";
import { searchRegularization } from "../src/eval/c_search.ts";
import { LogisticRegression } from "../src/eval/logistic.ts";
import { balancedAccuracy, meanSquaredError } from "../src/eval/metrics.ts";
import { linearProbe, ridgeProbe } from "../src/eval/probe.ts";
import { fitRidge, predictRidge } from "../src/eval/ridge.ts";
import { randomHoldout, seededUniform, stratifiedHoldout } from "../src/eval/split.ts";

function gaussian(seed: number): () => number {
  const r = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Solves A x = b (A [n, n]) by Gaussian elimination with partial pivoting, in float64. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = m[r][n];
    for (let k = r + 1; k < n; k++) v -= m[r][k] * x[k];
    x[r] = v / m[r][r];
  }
  return x;
}

/** Binary labels y = [a·x > 0] (no label noise) on strongly correlated features. */
function cleanCorrelated(n: number, seed: number) {
  const D = 8;
  const g = gaussian(seed);
  const a = [1, -1, 0.5, 0, 0, 0, 0, 0];
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const common = 2 * g();
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = common + 0.5 * g();
      x[i * D + d] = v;
      s += a[d] * v;
    }
    y[i] = s > 0 ? 1 : 0;
  }
  return { x, y };
}

/** Labels independent of the features, class 1 with probability p. */
function pureNoise(n: number, D: number, p: number, seed: number) {
  const g = gaussian(seed);
  const r = seededUniform(seed + 77);
  const x = new Float32Array(n * D).map(() => g());
  const y = new Int32Array(n).map(() => (r() < p ? 1 : 0));
  return { x, y };
}

Deno.test("C search: binary search finds the exhaustive optimum of unimodal scores", () => {
  for (const peak of [-5.3, -1.9, 0.4, 1.3, 2.95, 5.8]) {
    const score = (c: number) => -Math.abs(Math.log10(c) - peak);
    const res = searchRegularization(score);
    // Exhaustive search over the coarse grid, then all 29 fine values around its best.
    const coarse = [-6, -4, -2, 0, 2, 4, 6];
    const e = coarse.reduce((b, v) => (score(10 ** v) > score(10 ** b) ? v : b), coarse[0]);
    let best = e * 7;
    for (let j = -14; j <= 14; j++) {
      const idx = e * 7 + j;
      if (idx >= -42 && idx <= 42 && score(10 ** (idx / 7)) > score(10 ** (best / 7))) best = idx;
    }
    assert.ok(
      Math.abs(Math.log10(res.value) - best / 7) < 1e-12,
      `peak ${peak}: ${res.value} vs 10^${best / 7}`,
    );
    assert.ok(res.scored.length <= 7 + 12, `${res.scored.length} fits`);
  }
});

Deno.test("C search: ties go to the smallest C; coarse-only mode", () => {
  const constant = searchRegularization(() => 0.5);
  assert.equal(constant.value, 1e-6);
  // A plateau from 1e2 upwards: the coarse best (1e2) keeps ties against the fine values around it.
  const plateau = searchRegularization((c) => (c >= 99.999 ? 1 : 0));
  assert.ok(Math.abs(plateau.value - 100) < 1e-9, `${plateau.value}`);
  const coarse = searchRegularization((c) => -Math.abs(Math.log10(c) - 1.3), false);
  assert.equal(coarse.scored.length, 7);
  assert.ok(Math.abs(coarse.value - 100) < 1e-9);
});

Deno.test("stratified holdout keeps class proportions and is seeded", () => {
  const y = new Int32Array(100).map((_, i) => (i < 70 ? 0 : i < 95 ? 1 : 2));
  const h = stratifiedHoldout(y, 0.6, 3);
  assert.equal(h.train.length + h.val.length, 100);
  const count = (idx: Int32Array, c: number) => idx.reduce((s, i) => s + (y[i] === c ? 1 : 0), 0);
  assert.deepEqual([count(h.train, 0), count(h.train, 1), count(h.train, 2)], [42, 15, 3]);
  assert.deepEqual(Array.from(stratifiedHoldout(y, 0.6, 3).val), Array.from(h.val));
  assert.notDeepEqual(Array.from(stratifiedHoldout(y, 0.6, 4).val), Array.from(h.val));
  const all = new Set([...h.train, ...h.val]);
  assert.equal(all.size, 100);
  const r = randomHoldout(10, 0.8, 1);
  assert.deepEqual([r.train.length, r.val.length], [8, 2]);
});

Deno.test("linear probe picks a large C on clean labels and the smallest C on pure noise", () => {
  const train = cleanCorrelated(1000, 1);
  const test = cleanCorrelated(1000, 2);
  const clean = linearProbe(train, test, { dim: 8, numClasses: 2, seed: 1 });
  assert.ok(clean.C >= 100, `clean: C = ${clean.C}`);
  assert.ok(clean.balancedAccuracy > 0.98, `clean: ${clean.balancedAccuracy}`);
  assert.ok(clean.auroc! > 0.995);

  // Nothing predicts noise labels better than the constant model, which every C up to the point where
  // W = 0 stops being optimal produces exactly; the tie goes to the strongest regularisation.
  const noiseTrain = pureNoise(1000, 4, 0.2, 3);
  const noiseTest = pureNoise(1000, 4, 0.2, 4);
  const noise = linearProbe(noiseTrain, noiseTest, { dim: 4, numClasses: 2, seed: 1 });
  assert.equal(noise.C, 1e-6);
  assert.equal(noise.balancedAccuracy, 0.5);
  assert.equal(noise.auroc, 0.5);
  const majority = noiseTest.y.reduce((s, v) => s + (v === 0 ? 1 : 0), 0) / 1000;
  assert.equal(noise.accuracy, majority);
});

Deno.test("linear probe with an explicit val split refits on train+val", () => {
  const g = gaussian(30);
  const D = 6;
  const K = 3;
  const make = (n: number) => {
    const x = new Float32Array(n * D);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % K;
      for (let d = 0; d < D; d++) x[i * D + d] = g() + (d === y[i] ? 1.5 : 0);
    }
    return { x, y };
  };
  const train = make(150);
  const val = make(90);
  const test = make(120);
  const res = linearProbe(train, test, { dim: D, numClasses: K, val });
  assert.equal(res.auroc, undefined);
  // Recompute the final model independently with the chosen C.
  const x = new Float32Array([...train.x, ...val.x]);
  const y = Int32Array.from([...train.y, ...val.y]);
  const m = new LogisticRegression({ dim: D, numClasses: K, C: res.C }).fit(x, y);
  assert.equal(res.balancedAccuracy, balancedAccuracy(test.y, m.predict(test.x)));
  // The chosen C is the best of every C tried, scored on val.
  const valScore = (c: number) =>
    balancedAccuracy(
      val.y,
      new LogisticRegression({ dim: D, numClasses: K, C: c }).fit(train.x, train.y).predict(val.x),
    );
  const chosen = valScore(res.C);
  for (const c of [1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6]) assert.ok(valScore(c) <= chosen);
  assert.throws(() => linearProbe(train, test, { dim: 5, numClasses: K }), /train\.x has length/);
  assert.throws(() => linearProbe(train, test, { dim: D, numClasses: 2 }), /outside 0\.\.1/);
});

Deno.test("ridge regression matches the closed form with an unpenalised intercept", () => {
  const g = gaussian(40);
  const N = 9, D = 3, alpha = 0.7;
  const x = new Float64Array(N * D).map(() => g() + 2);
  const y = new Float64Array(N).map((_, i) => 1.5 * x[i * D] - x[i * D + 2] + 4 + 0.3 * g());
  // Normal equations of ‖y − [X 1]·β‖² + alpha·‖β[0..D)‖² on the augmented design.
  const A = Array.from({ length: D + 1 }, () => new Array(D + 1).fill(0));
  const rhs = new Array(D + 1).fill(0);
  for (let i = 0; i < N; i++) {
    const row = [...x.subarray(i * D, i * D + D), 1];
    for (let a = 0; a <= D; a++) {
      rhs[a] += row[a] * y[i];
      for (let b = 0; b <= D; b++) A[a][b] += row[a] * row[b];
    }
  }
  for (let a = 0; a < D; a++) A[a][a] += alpha;
  const beta = solve(A, rhs);
  const m = fitRidge(x, y, D, alpha);
  for (let d = 0; d < D; d++) assert.ok(Math.abs(m.weights[d] - beta[d]) < 1e-10, `w${d}`);
  assert.ok(Math.abs(m.intercept[0] - beta[D]) < 1e-10);
  const pred = predictRidge(m, x.subarray(0, D));
  assert.ok(Math.abs(pred[0] - (beta[0] * x[0] + beta[1] * x[1] + beta[2] * x[2] + beta[3])) < 1e-10);
});

Deno.test("ridge probe chooses alpha by holdout MSE and refits on train+val", () => {
  const g = gaussian(50);
  const D = 10, T = 2;
  const w = Array.from({ length: D * T }, () => g());
  const make = (n: number, noise: number) => {
    const x = new Float32Array(n * D).map(() => g());
    const y = new Float64Array(n * T);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += x[i * D + d] * w[d * T + t];
        y[i * T + t] = s + noise * g();
      }
    }
    return { x, y };
  };
  // Few noisy training samples: shrinkage must help.
  const train = make(14, 3);
  const val = make(200, 3);
  const test = make(300, 3);
  const res = ridgeProbe(train, test, { dim: D, outputs: T, val });
  const grid = [1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6];
  const valMse = grid.map((a) =>
    meanSquaredError(val.y, predictRidge(fitRidge(train.x, train.y, D, a, T), val.x))
  );
  const best = grid[valMse.indexOf(Math.min(...valMse))];
  assert.equal(res.alpha, best);
  assert.ok(best >= 1, `alpha ${best}`);
  const allX = new Float32Array([...train.x, ...val.x]);
  const allY = new Float64Array([...train.y, ...val.y]);
  const final = fitRidge(allX, allY, D, best, T);
  assert.ok(Math.abs(res.mse - meanSquaredError(test.y, predictRidge(final, test.x))) < 1e-9);
  // Without val: a seeded 80/20 holdout; the test MSE approaches the noise variance with enough data.
  const big = make(2000, 0.5);
  const noVal = ridgeProbe(big, test, { dim: D, outputs: T, seed: 2 });
  assert.ok(noVal.alpha <= 100, `alpha ${noVal.alpha}`);
  assert.ok(noVal.mse < 9 + 1.5, `mse ${noVal.mse}`);
});
