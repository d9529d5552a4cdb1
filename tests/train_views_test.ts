import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import { augmentedView, plainBatch } from "../src/train/views.ts";
import { dropNoise, gaussianNoise } from "../src/data/augment_sequence.ts";
import { augmentImages, normalizeImages } from "../src/data/augment_image.ts";
import { gatherModality } from "../src/data/batches.ts";
import type { ModalityArray, MultimodalSplit } from "../src/data/types.ts";

/** A modality with values in [2, 3) (far from 0, so zeroed steps stay recognisable after noise). */
function mod(kind: ModalityArray["kind"], shape: number[], seed: number): ModalityArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { kind, shape, data: new Philox(seed).uniform(n).map((x) => 2 + x) };
}

function split(modalities: ModalityArray[]): MultimodalSplit {
  return { modalities, labels: { y: new Int32Array(modalities[0].shape[0]) } };
}

/** Per sample of a [B, T, F] (or [B, F]) view: any step zeroed (drop seen), any kept value changed (noise). */
function decisions(
  orig: ModalityArray,
  aug: ModalityArray,
): { drop: boolean[]; noise: boolean[]; steps: string[] } {
  const [b, t] = orig.shape;
  const f = orig.shape.length === 3 ? orig.shape[2] : 1;
  const drop: boolean[] = [], noise: boolean[] = [], steps: string[] = [];
  for (let s = 0; s < b; s++) {
    const zeroed: number[] = [];
    let changed = false;
    for (let j = 0; j < t; j++) {
      const base = (s * t + j) * f;
      let allSmall = true;
      for (let e = 0; e < f; e++) if (Math.abs(aug.data[base + e]) >= 1) allSmall = false;
      if (allSmall) zeroed.push(j);
      else {
        for (let e = 0; e < f; e++) if (aug.data[base + e] !== orig.data[base + e]) changed = true;
      }
    }
    drop.push(zeroed.length > 0);
    noise.push(changed);
    steps.push(zeroed.join());
  }
  return { drop, noise, steps };
}

const B = 8, SEEDS = 500, N = B * SEEDS;
const ROWS = Int32Array.from({ length: B }, (_, i) => i);
// P(some step dropped) = P(drop coin) * P(round(U * 0.8 * 20) >= 1) = 0.5 * 31/32
const P_DROP_SEEN = 0.5 * (31 / 32);

Deno.test("augmentedView: a vector's noise coin is its own, independent of the sequences' coins", () => {
  const vec = mod("vector", [B, 6], 1), sq = mod("sequence", [B, 20, 3], 2);
  const sp = split([vec, sq]);
  // cells[v][n][d]: vector noised, sequence noised, sequence steps dropped
  const cells = [[[0, 0], [0, 0]], [[0, 0], [0, 0]]];
  for (let seed = 0; seed < SEEDS; seed++) {
    const [v, q] = augmentedView(sp, ROWS, new Philox(seed));
    const dv = decisions(vec, v), dq = decisions(sq, q);
    for (let s = 0; s < B; s++) {
      assert.equal(dv.drop[s], false, "a vector gets noise only, never drop");
      cells[+dv.noise[s]][+dq.noise[s]][+dq.drop[s]]++;
    }
  }
  const pv = (cells[1][0][0] + cells[1][0][1] + cells[1][1][0] + cells[1][1][1]) / N;
  const pn = (cells[0][1][0] + cells[0][1][1] + cells[1][1][0] + cells[1][1][1]) / N;
  const pd = (cells[0][0][1] + cells[0][1][1] + cells[1][0][1] + cells[1][1][1]) / N;
  // 4000 trials: a rate's standard error is <= 0.008, a cell's (~1/8) about 0.005
  assert.ok(Math.abs(pv - 0.5) < 0.03, `P(vector noised) ${pv}`);
  assert.ok(Math.abs(pn - 0.5) < 0.03, `P(sequence noised) ${pn}`);
  assert.ok(Math.abs(pd - P_DROP_SEEN) < 0.03, `P(sequence dropped) ${pd}`);
  for (const v of [0, 1]) {
    for (const n of [0, 1]) {
      for (const d of [0, 1]) {
        const want = 0.5 * 0.5 * (d ? P_DROP_SEEN : 1 - P_DROP_SEEN);
        const got = cells[v][n][d] / N;
        assert.ok(Math.abs(got - want) < 0.025, `P(v=${v}, n=${n}, d=${d}) ${got}, independent: ${want}`);
      }
    }
  }
  // pairwise: a shared coin would give P(v ∧ n) = 0.5, not 0.25
  const pvn = (cells[1][1][0] + cells[1][1][1]) / N;
  const pvd = (cells[1][0][1] + cells[1][1][1]) / N;
  assert.ok(Math.abs(pvn - 0.25) < 0.025, `P(vector and sequence noised) ${pvn}`);
  assert.ok(Math.abs(pvd - 0.5 * P_DROP_SEEN) < 0.025, `P(vector noised, sequence dropped) ${pvd}`);
});

Deno.test("augmentedView: sequence modalities share both coins, their dropped steps differ", () => {
  const a = mod("sequence", [B, 20, 3], 3),
    c = mod("sequence", [B, 20, 2], 4),
    vec = mod("vector", [B, 4], 5);
  const sp = split([a, vec, c]);
  let noised = 0, bothDrop = 0, oneDrop = 0, sameSteps = 0, vecAndSeqNoise = 0;
  for (let seed = 0; seed < SEEDS; seed++) {
    const [ya, yv, yc] = augmentedView(sp, ROWS, new Philox(1000 + seed));
    const da = decisions(a, ya), dc = decisions(c, yc), dv = decisions(vec, yv);
    for (let s = 0; s < B; s++) {
      assert.equal(da.noise[s], dc.noise[s], "both sequences noised or neither");
      if (da.noise[s]) noised++;
      if (da.noise[s] && dv.noise[s]) vecAndSeqNoise++;
      if (da.drop[s] && dc.drop[s]) {
        bothDrop++;
        if (da.steps[s] === dc.steps[s]) sameSteps++;
      } else if (da.drop[s] !== dc.drop[s]) oneDrop++;
    }
  }
  assert.ok(Math.abs(noised / N - 0.5) < 0.03, `P(noised) ${noised / N}`);
  // shared drop coin: both drop with 0.5·(31/32)² ≈ 0.47 (independent coins: ≈ 0.23); only one of
  // them shows dropped steps when the other drew 0 steps, ≈ 0.03
  assert.ok(Math.abs(bothDrop / N - 0.5 * (31 / 32) ** 2) < 0.03, `P(both dropped) ${bothDrop / N}`);
  assert.ok(oneDrop / N < 0.05, `P(exactly one dropped) ${oneDrop / N}`);
  assert.ok(sameSteps < 0.02 * bothDrop, `${sameSteps} of ${bothDrop} with the same dropped steps`);
  assert.ok(
    Math.abs(vecAndSeqNoise / N - 0.25) < 0.025,
    `P(vector and sequences noised) ${vecAndSeqNoise / N}`,
  );
});

Deno.test("augmentedView: documented draw order (images, then vectors, then the sequences together)", () => {
  const n = 5;
  const sa = mod("sequence", [n, 7, 2], 6),
    img = mod("image", [n, 3, 8, 8], 7),
    va = mod("vector", [n, 4], 8);
  const sb = mod("sequence", [n, 7, 3], 9),
    vb = mod("vector", [n, 3], 10),
    img2 = mod("image", [n, 1, 6, 6], 11);
  for (const m of [img, img2]) m.data = m.data.map((x) => x - 2); // images in [0, 1)
  const sp = split([sa, img, va, sb, vb, img2]);
  const rows = Int32Array.from([3, 0, 4]);
  const rng = new Philox(12, 3);
  const got = augmentedView(sp, rows, rng);
  const g = new Philox(12, 3);
  const [gsa, gimg, gva, gsb, gvb, gimg2] = sp.modalities.map((m) => gatherModality(m, rows));
  const wImg = augmentImages(gimg, g), wImg2 = augmentImages(gimg2, g);
  const wVa = gaussianNoise(gva, g), wVb = gaussianNoise(gvb, g);
  const [wSa, wSb] = dropNoise([gsa, gsb], g);
  assert.deepEqual(got, [wSa, wImg, wVa, wSb, wVb, wImg2]);
  assert.equal(rng.offset, g.offset);
  // reproducible from the seed; another seed gives another view
  assert.deepEqual(augmentedView(sp, rows, new Philox(12, 3)), got);
  assert.notDeepEqual(augmentedView(sp, rows, new Philox(13, 3))[2].data, got[2].data);
  // inputs untouched; plain batches normalise images only
  assert.deepEqual(sp.modalities[0], mod("sequence", [n, 7, 2], 6));
  const plain = plainBatch(sp, rows);
  assert.deepEqual(plain[0], gsa);
  assert.deepEqual(plain[2], gva);
  assert.deepEqual(plain[1], normalizeImages(gimg));
});
