import assert from "node:assert/strict";
import { batchNorm, layerNorm, noGrad, ones, tensor, tidy, zeros } from "../src/tensor/mod.ts";
import { assertClose, gradCheck, randTensor, randValues, rng } from "./helpers.ts";

/** Float64 per-channel batch statistics of [N, C, ...] values: mean, biased and unbiased variance. */
function channelStats(x: Float32Array, shape: number[]): { mean: number[]; varB: number[]; varU: number[] } {
  const [n, c] = shape;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const m = n * inner;
  const mean: number[] = [], varB: number[] = [], varU: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) s += x[(b * c + ch) * inner + i];
    const mu = s / m;
    let v = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < inner; i++) v += (x[(b * c + ch) * inner + i] - mu) ** 2;
    mean.push(mu);
    varB.push(v / m);
    varU.push(v / (m - 1));
  }
  return { mean, varB, varU };
}

/** Float64 batch-norm output given per-channel statistics and affine parameters. */
function bnRef(
  x: Float32Array,
  shape: number[],
  mean: number[],
  variance: number[],
  w: Float32Array | null,
  b: Float32Array | null,
  eps: number,
): Float64Array {
  const [n, c] = shape;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float64Array(x.length);
  for (let bi = 0; bi < n; bi++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < inner; i++) {
        const k = (bi * c + ch) * inner + i;
        out[k] = ((x[k] - mean[ch]) / Math.sqrt(variance[ch] + eps)) * (w ? w[ch] : 1) + (b ? b[ch] : 0);
      }
    }
  }
  return out;
}

Deno.test("batchNorm training on [N, C] matches hand values and updates running stats", () => {
  // Channel 0: 1, 3 (mean 2, biased var 1, unbiased 2); channel 1: 2, 6 (mean 4, biased 4, unbiased 8).
  const x = tensor([1, 2, 3, 6], [2, 2]);
  const rm = zeros([2]), rv = ones([2]);
  const y = batchNorm(x, rm, rv, null, null, true, 0.1, 0);
  assertClose(y.dataSync(), [-1, -1, 1, 1]);
  assertClose(rm.dataSync(), [0.2, 0.4]);
  assertClose(rv.dataSync(), [0.9 + 0.2, 0.9 + 0.8]);
  // With eps, weight and bias: (x - mean) / sqrt(var + eps) * w + b.
  const w = tensor([2, -1], [2]), b = tensor([0.5, 3], [2]);
  const y2 = batchNorm(x, null, null, w, b, true, 0.1, 0.5);
  const s0 = 1 / Math.sqrt(1.5), s1 = 2 / Math.sqrt(4.5);
  assertClose(y2.dataSync(), [-2 * s0 + 0.5, s1 + 3, 2 * s0 + 0.5, -s1 + 3]);
});

Deno.test("batchNorm training on [N, C, H, W] matches float64 and its running-stat formula", () => {
  tidy(() => {
    const shape = [3, 4, 2, 5];
    const w = randTensor([4]), b = randTensor([4]);
    const rm = tensor(randValues([4]), [4]), rv = tensor(randValues([4]).map((v) => 1 + v * v), [4]);
    let expMean = [...rm.dataSync()], expVar = [...rv.dataSync()];
    for (let step = 0; step < 2; step++) {
      const x = randTensor(shape, rng(), 2);
      const y = batchNorm(x, rm, rv, w, b, true, 0.3, 1e-5);
      const st = channelStats(x.dataSync(), shape);
      assertClose(
        y.dataSync(),
        bnRef(x.dataSync(), shape, st.mean, st.varB, w.dataSync(), b.dataSync(), 1e-5),
      );
      expMean = expMean.map((r, c) => 0.7 * r + 0.3 * st.mean[c]);
      expVar = expVar.map((r, c) => 0.7 * r + 0.3 * st.varU[c]);
      assertClose(rm.dataSync(), expMean, 1e-5, 1e-4, "running mean");
      assertClose(rv.dataSync(), expVar, 1e-5, 1e-4, "running var");
    }
    assert.equal(rm.requiresGrad, false);
    assert.equal(rv.requiresGrad, false);
  });
});

Deno.test("batchNorm eval uses the running statistics", () => {
  tidy(() => {
    const shape = [2, 3, 4];
    const x = randTensor(shape);
    const rmv = randValues([3]), rvv = randValues([3]).map((v) => 0.5 + v * v);
    const rm = tensor(rmv, [3]), rv = tensor(rvv, [3]);
    const w = randTensor([3]), b = randTensor([3]);
    const y = batchNorm(x, rm, rv, w, b, false, 0.1, 1e-3);
    const ref = bnRef(x.dataSync(), shape, [...rmv], [...rvv], w.dataSync(), b.dataSync(), 1e-3);
    assertClose(y.dataSync(), ref);
    // Running stats are untouched in eval.
    assert.deepEqual([...rm.dataSync()], [...rmv]);
    assert.deepEqual([...rv.dataSync()], [...rvv]);
    const plain = batchNorm(x, rm, rv, null, null, false);
    assertClose(plain.dataSync(), bnRef(x.dataSync(), shape, [...rmv], [...rvv], null, null, 1e-5));
  });
});

Deno.test("batchNorm gradients through the batch statistics match finite differences", () => {
  const w = randTensor([3]), b = randTensor([3]);
  gradCheck((x, w, b) => batchNorm(x, null, null, w, b, true), [randTensor([5, 3]), w, b]);
  const rm = zeros([3]), rv = ones([3]);
  gradCheck((x, w, b) => batchNorm(x, rm, rv, w, b, true), [randTensor([2, 3, 2, 3]), w, b]);
  gradCheck((x) => batchNorm(x, null, null, null, null, true, 0.1, 1e-3), [randTensor([3, 3, 4])]);
  // Eval: the affine map of the running statistics.
  gradCheck((x, w, b) => batchNorm(x, rm, rv, w, b, false), [randTensor([2, 3, 3]), w, b]);
});

Deno.test("batchNorm rejects bad inputs clearly", () => {
  noGrad(() => {
    assert.throws(
      () => batchNorm(randTensor([1, 3]), null, null, null, null, true),
      /more than 1 value per channel/,
    );
    assert.throws(
      () => batchNorm(randTensor([4, 3]), null, null, randTensor([4]), null, true),
      /weight \[4\] does not match 3 channels/,
    );
    assert.throws(() => batchNorm(randTensor([4, 3]), null, null, null, null, false), /eval mode needs/);
  });
});

Deno.test("layerNorm matches float64 and its gradients match finite differences", () => {
  tidy(() => {
    const x = randTensor([3, 2, 6], rng(), 3), w = randTensor([6]), b = randTensor([6]);
    const y = layerNorm(x, w, b, 1e-5).dataSync();
    const xv = x.dataSync(), wv = w.dataSync(), bv = b.dataSync();
    const ref = new Float64Array(xv.length);
    for (let r = 0; r < 6; r++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += xv[r * 6 + j];
      const mu = s / 6;
      let v = 0;
      for (let j = 0; j < 6; j++) v += (xv[r * 6 + j] - mu) ** 2;
      const rs = 1 / Math.sqrt(v / 6 + 1e-5);
      for (let j = 0; j < 6; j++) ref[r * 6 + j] = (xv[r * 6 + j] - mu) * rs * wv[j] + bv[j];
    }
    assertClose(y, ref);
    gradCheck((x, w, b) => layerNorm(x, w, b), [x, w, b]);
    gradCheck((x) => layerNorm(x), [randTensor([4, 5])]);
  });
});
