/**
 * AV-MNIST's degradations: the leading principal energy of the images is projected out (checked on data
 * with a known covariance, then on the real images), and the recordings get white noise at the given SNR.
 */
import assert from "node:assert/strict";
import { makeAvMnistDataset, mixNoise, removePrincipalEnergy } from "../src/data/avmnist.ts";
import { Philox } from "../src/random/philox.ts";
import { DATA_DIR, HAS_DATA } from "./helpers.ts";

/** Per-column variance and total variance of [n, d] rows. */
function variances(x: Float32Array, d: number): { perDim: number[]; total: number; mean: number[] } {
  const n = x.length / d;
  const mean = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j];
    return s / n;
  });
  const perDim = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (x[i * d + j] - m) ** 2;
    return s / n;
  });
  return { perDim, total: perDim.reduce((a, b) => a + b, 0), mean };
}

Deno.test("removePrincipalEnergy projects out the leading directions that hold the asked fraction", () => {
  // 6-D data with variances 16, 4, 1, 0.25, 0.25, 0.25 along a random orthonormal basis (rotation by QR
  // of random vectors): 16 / 21.75 = 0.736 < 0.75, (16 + 4) / 21.75 = 0.92, so two directions go.
  const d = 6, n = 4000, r = new Philox(9);
  const sd = [4, 2, 1, 0.5, 0.5, 0.5];
  const basis: number[][] = [];
  for (let i = 0; i < d; i++) {
    const v = Array.from(r.normal(d));
    for (const b of basis) {
      const dot = v.reduce((s, x, j) => s + x * b[j], 0);
      for (let j = 0; j < d; j++) v[j] -= dot * b[j];
    }
    const norm = Math.hypot(...v);
    basis.push(v.map((x) => x / norm));
  }
  const x = new Float32Array(n * d);
  const z = r.normal(n * d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      for (let j = 0; j < d; j++) x[i * d + j] += sd[k] * z[i * d + k] * basis[k][j];
    }
    for (let j = 0; j < d; j++) x[i * d + j] += 3; // a mean that must survive
  }
  const before = variances(x, d);
  const all = Array.from({ length: n }, (_, i) => i);
  const res = removePrincipalEnergy(x, d, all, 0.75);
  assert.equal(res.directions, 2);
  assert.ok(Math.abs(res.fraction - 20 / 21.75) < 0.03, `held ${res.fraction}`);
  const after = variances(x, d);
  assert.ok(Math.abs(after.total / before.total - (1 - res.fraction)) < 1e-3, "what is left is the rest");
  after.mean.forEach((m, j) => assert.ok(Math.abs(m - before.mean[j]) < 1e-4, "the mean stays"));
  // the removed directions are gone: projections on the two leading basis vectors are ~0
  for (const k of [0, 1]) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += (x[i * d + j] - after.mean[j]) * basis[k][j];
      s += dot * dot;
    }
    assert.ok(s / n < 1e-3, `direction ${k} variance ${s / n}`);
  }
});

Deno.test("mixNoise adds white noise at the asked signal-to-noise ratio", () => {
  const x = new Float32Array(20000);
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin(i / 7);
  const clean = x.slice();
  mixNoise(x, 6, new Philox(2));
  let ps = 0, pn = 0;
  for (let i = 0; i < x.length; i++) {
    ps += clean[i] ** 2;
    pn += (x[i] - clean[i]) ** 2;
  }
  const snr = 10 * Math.log10(ps / pn);
  assert.ok(Math.abs(snr - 6) < 0.1, `SNR ${snr} dB`);
});

Deno.test({
  name:
    "avmnist: 75 % of the images' energy removed and noisy audio by default; each recording's noise fixed",
  ignore: !HAS_DATA,
  fn: async () => {
    const limit = 300;
    const clean = await makeAvMnistDataset(DATA_DIR, {
      limit,
      imageSize: 14,
      imageEnergyRemoved: 0,
      audioSnrDb: null,
    });
    const ds = await makeAvMnistDataset(DATA_DIR, { limit, imageSize: 14 });
    const d = 14 * 14;
    const vClean = variances(clean.ssl.modalities[0].data, d).total;
    const vLeft = variances(ds.ssl.modalities[0].data, d).total;
    assert.ok(
      Math.abs(vLeft / vClean - 0.25) < 0.03,
      `train images keep ${vLeft / vClean} of their variance`,
    );
    assert.notDeepEqual(ds.probeTest.modalities[1].data, clean.probeTest.modalities[1].data, "noisy audio");
    assert.deepEqual(ds.probeTest.labels.label, clean.probeTest.labels.label);
    const again = await makeAvMnistDataset(DATA_DIR, { limit, imageSize: 14 });
    assert.deepEqual(again.probeTest.modalities[1].data, ds.probeTest.modalities[1].data, "deterministic");
    await assert.rejects(
      makeAvMnistDataset(DATA_DIR, { imageEnergyRemoved: 1 }),
      /imageEnergyRemoved must be in \[0, 1\)/,
    );
  },
});
