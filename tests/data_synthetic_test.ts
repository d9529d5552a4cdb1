import assert from "node:assert/strict";
import {
  makeSyntheticDataset,
  makeSyntheticPatterns,
  SYNTHETIC_DATA_DEFAULTS,
  syntheticSynergyPermutation,
} from "../src/data/synthetic.ts";
import type { MultimodalSplit } from "../src/data/types.ts";
import { splitSize } from "../src/data/types.ts";

/** Index of the pattern row equal (within tol) to token tok, or -1. */
function findRow(bank: Float32Array, F: number, tok: Float32Array, tol: number): number {
  for (let r = 0; r < bank.length / F; r++) {
    let ok = true;
    for (let f = 0; f < F && ok; f++) if (Math.abs(bank[r * F + f] - tok[f]) > tol) ok = false;
    if (ok) return r;
  }
  return -1;
}

/** Decode [shape, texture, colour] of sample i of modality m from noise-free tokens. */
function decode(split: MultimodalSplit, m: number, i: number, seed: number, T: number, F: number): number[] {
  const pats = makeSyntheticPatterns(seed, F, 1, 20)[m];
  const found = [-1, -1, -1];
  const positions = new Set<number>();
  const data = split.modalities[m].data;
  for (let p = 0; p < T; p++) {
    const tok = data.subarray((i * T + p) * F, (i * T + p + 1) * F);
    const rows = [pats.shape, pats.texture, pats.colour].map((b) => findRow(b, F, tok, 1e-6));
    const dis = findRow(pats.distractor, F, tok, 1e-6);
    const hits = rows.filter((r) => r >= 0).length + (dis >= 0 ? 1 : 0);
    assert.equal(hits, 1, `token ${p} of sample ${i} matches exactly one pattern`);
    rows.forEach((r, k) => {
      if (r >= 0) {
        assert.equal(found[k], -1, "each attribute written once");
        found[k] = r;
        positions.add(p);
      }
    });
  }
  assert.equal(positions.size, 3);
  return found;
}

Deno.test("synthetic: shapes, labels consistent with the tokens, biased vs unbiased synergy", () => {
  const seed = 17, T = 6, F = 8;
  const ds = makeSyntheticDataset({
    seed,
    T,
    F,
    noise: 0,
    nDistractors: 20, // decode() reads the 20-distractor bank
    nSsl: 300,
    nProbeTrain: 400,
    nProbeTest: 200,
  });
  const perm = syntheticSynergyPermutation(seed);
  assert.deepEqual(Array.from(perm).sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(ds.tasks, ["redundancy", "uniqueness1", "uniqueness2", "synergy"]);
  assert.equal(splitSize(ds.ssl), 300);
  assert.equal(splitSize(ds.probeTrain), 400);
  assert.equal(splitSize(ds.probeTest), 200);
  for (const split of [ds.ssl, ds.probeTrain, ds.probeTest]) {
    const n = splitSize(split);
    assert.equal(split.modalities.length, 2);
    for (const m of split.modalities) {
      assert.equal(m.kind, "sequence");
      assert.deepEqual(m.shape, [n, T, F]);
      assert.equal(m.data.length, n * T * F);
    }
    for (const t of ds.tasks) assert.equal(split.labels[t].length, n);
    for (let i = 0; i < n; i += 7) {
      const [sa, ta] = decode(split, 0, i, seed, T, F);
      const [sb, tb, cb] = decode(split, 1, i, seed, T, F);
      assert.equal(sa, sb, "shape shared");
      assert.equal(split.labels.redundancy[i], sa);
      assert.equal(split.labels.uniqueness1[i], ta);
      assert.equal(split.labels.uniqueness2[i], tb);
      assert.equal(split.labels.synergy[i], cb === perm[ta] ? 1 : 0);
    }
  }
  assert.ok(ds.ssl.labels.synergy.every((y) => y === 1), "biased SSL set is all positive");
});

Deno.test("synthetic: unbiased synergy rate ~10%, label balance, determinism, noise", () => {
  // the values this test was written for (the generator's defaults before SYNTHETIC_DATA_DEFAULTS)
  const base = { T: 8, noise: 0.5, nDistractors: 20 };
  const ds = makeSyntheticDataset({ ...base, seed: 3, nSsl: 500, nProbeTrain: 4000, nProbeTest: 100 });
  const y = ds.probeTrain.labels;
  const rate = y.synergy.reduce((a, v) => a + v, 0) / 4000;
  assert.ok(Math.abs(rate - 0.1) < 0.02, `synergy rate ${rate}`);
  const counts = new Array(10).fill(0);
  for (const v of y.redundancy) counts[v]++;
  for (const c of counts) assert.ok(c > 320 && c < 480, `shape counts ${counts}`);
  const again = makeSyntheticDataset({ ...base, seed: 3, nSsl: 500, nProbeTrain: 4000, nProbeTest: 100 });
  assert.deepEqual(again, ds);
  const other = makeSyntheticDataset({ ...base, seed: 4, nSsl: 500, nProbeTrain: 4000, nProbeTest: 100 });
  assert.notDeepEqual(other.probeTrain.modalities[0].data, ds.probeTrain.modalities[0].data);
  // probe splits do not depend on the SSL size
  const bigger = makeSyntheticDataset({ ...base, seed: 3, nSsl: 900, nProbeTrain: 4000, nProbeTest: 100 });
  assert.deepEqual(bigger.probeTest, ds.probeTest);
  const unb = makeSyntheticDataset({
    ...base,
    seed: 3,
    nSsl: 2000,
    nProbeTrain: 10,
    nProbeTest: 10,
    biasedSsl: false,
  });
  const r2 = unb.ssl.labels.synergy.reduce((a, v) => a + v, 0) / 2000;
  assert.ok(r2 > 0.06 && r2 < 0.14, `unbiased ssl synergy ${r2}`);
  // residual after removing the noise-free tokens has the requested std
  const clean = makeSyntheticDataset({
    ...base,
    seed: 3,
    nSsl: 500,
    nProbeTrain: 4000,
    nProbeTest: 100,
    noise: 0,
  });
  const a = ds.probeTrain.modalities[1].data, c = clean.probeTrain.modalities[1].data;
  let ss = 0;
  for (let i = 0; i < a.length; i++) ss += (a[i] - c[i]) ** 2;
  assert.ok(Math.abs(Math.sqrt(ss / a.length) - 0.5) < 0.01);
  assert.throws(() => makeSyntheticDataset({ T: 2 }), /T must be/);
});

Deno.test("synthetic: omitted options take SYNTHETIC_DATA_DEFAULTS (the demo's T 6, noise 0.05, 1 distractor)", () => {
  assert.equal(SYNTHETIC_DATA_DEFAULTS.T, 6);
  assert.equal(SYNTHETIC_DATA_DEFAULTS.noise, 0.05);
  assert.equal(SYNTHETIC_DATA_DEFAULTS.nDistractors, 1);
  assert.ok(Object.isFrozen(SYNTHETIC_DATA_DEFAULTS));
  const sizes = { nSsl: 20, nProbeTrain: 10, nProbeTest: 10 };
  const ds = makeSyntheticDataset(sizes);
  assert.deepEqual(ds.ssl.modalities[0].shape, [20, SYNTHETIC_DATA_DEFAULTS.T, SYNTHETIC_DATA_DEFAULTS.F]);
  assert.deepEqual(ds, makeSyntheticDataset({ ...SYNTHETIC_DATA_DEFAULTS, ...sizes }));
});

/**
 * Asserts that every sample of modality `m` of `split` writes its texture only as a key/product pair: no
 * token equals a texture pattern, and exactly one pair of tokens has one = other ⊙ sign(the label's pattern)
 * (s ⊙ s = 1, so either way round).
 */
function assertProductTexture(
  split: MultimodalSplit,
  m: 0 | 1,
  texturePatterns: Float32Array,
  T: number,
  F: number,
  what: string,
): void {
  const data = split.modalities[m].data, texture = split.labels[m === 0 ? "uniqueness1" : "uniqueness2"];
  for (let i = 0; i < splitSize(split); i++) {
    const tok = (p: number) => data.subarray((i * T + p) * F, (i * T + p + 1) * F);
    for (let p = 0; p < T; p++) assert.equal(findRow(texturePatterns, F, tok(p), 1e-6), -1);
    const sign = Array.from(
      texturePatterns.subarray(texture[i] * F, (texture[i] + 1) * F),
      (v) => v < 0 ? -1 : 1,
    );
    let pairs = 0;
    for (let a = 0; a < T; a++) {
      for (let b = a + 1; b < T; b++) if (sign.every((s, f) => tok(b)[f] === tok(a)[f] * s)) pairs++;
    }
    assert.equal(pairs, 1, `${what} sample ${i}: one key/texture pair`);
  }
}

Deno.test("synthetic textureMode product: the texture is only in the product of a key token and its signed copy", () => {
  const seed = 5, T = 6, F = 8;
  const opts = { seed, T, F, noise: 0, nDistractors: 20, nSsl: 50, nProbeTrain: 60, nProbeTest: 40 };
  const ds = makeSyntheticDataset({ ...opts, textureMode: "product" as const });
  const plain = makeSyntheticDataset(opts);
  const pats = makeSyntheticPatterns(seed, F, 1, 20);
  for (const [split, m] of [[ds.probeTrain, 0], [ds.probeTest, 1]] as const) {
    assertProductTexture(split, m, pats[m].texture, T, F, `modality ${m}`);
  }
  // the default mode's data do not change (the product mode's extra draws happen only in that mode)
  assert.deepEqual(plain.ssl.modalities[0].data, makeSyntheticDataset(opts).ssl.modalities[0].data);
  assert.deepEqual(
    plain.ssl.modalities[0].data,
    makeSyntheticDataset({ ...opts, textureMode: "pattern" as const }).ssl.modalities[0].data,
  );
  assert.throws(() => makeSyntheticDataset({ ...opts, T: 3, textureMode: "product" as const }), /T >= 4/);
  assert.throws(
    () => makeSyntheticDataset({ ...opts, textureMode: "xor" as unknown as "product" }),
    /textureMode must be "pattern", "product" or "productB", got "xor"/,
  );
});

Deno.test("synthetic textureMode productB: modality a as in the pattern mode, only b's texture is a product", () => {
  const seed = 8, T = 6, F = 8;
  const opts = { seed, T, F, noise: 0, nDistractors: 20, nSsl: 40, nProbeTrain: 30, nProbeTest: 30 };
  const ds = makeSyntheticDataset({ ...opts, textureMode: "productB" as const });
  const plain = makeSyntheticDataset(opts);
  const pats = makeSyntheticPatterns(seed, F, 1, 20);
  for (const split of ["ssl", "probeTrain", "probeTest"] as const) {
    // a is rendered first and draws nothing extra: bit-equal to the pattern mode
    assert.deepEqual(ds[split].modalities[0].data, plain[split].modalities[0].data, split);
    assert.deepEqual(ds[split].labels, plain[split].labels, split);
    assertProductTexture(ds[split], 1, pats[1].texture, T, F, `${split} b`);
  }
  assert.throws(
    () => makeSyntheticDataset({ ...opts, T: 3, textureMode: "productB" as const }),
    /"productB" needs T >= 4/,
  );
});
