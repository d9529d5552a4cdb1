import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import { dropNoise } from "../src/data/augment_sequence.ts";
import type { ModalityArray } from "../src/data/types.ts";

function seq(seed: number, b: number, t: number, f: number): ModalityArray {
  // values in [2, 3): far from zero, so dropped steps stay recognisable after noise
  const u = new Philox(seed).uniform(b * t * f);
  return { kind: "sequence", shape: [b, t, f], data: u.map((x) => 2 + x) };
}

/**
 * Per sample: dropped step list (all |values| < 1: zeroed, maybe plus noise), and the noise std
 * over kept elements (0 when no noise).
 */
function inspect(orig: ModalityArray, aug: ModalityArray): { dropped: number[][]; noiseStd: number[] } {
  const [b, t, f] = orig.shape.length === 3 ? orig.shape : [orig.shape[0], orig.shape[1], 1];
  const dropped: number[][] = [];
  const noiseStd: number[] = [];
  for (let s = 0; s < b; s++) {
    const d: number[] = [];
    let ss = 0, cnt = 0;
    for (let j = 0; j < t; j++) {
      const base = (s * t + j) * f;
      let allZero = true;
      for (let e = 0; e < f; e++) if (Math.abs(aug.data[base + e]) >= 1) allZero = false;
      if (allZero) d.push(j);
      else {
        for (let e = 0; e < f; e++) {
          const diff = aug.data[base + e] - orig.data[base + e];
          ss += diff * diff;
          cnt++;
        }
      }
    }
    dropped.push(d);
    noiseStd.push(cnt ? Math.sqrt(ss / cnt) : 0);
  }
  return { dropped, noiseStd };
}

Deno.test("dropNoise: drop fraction, noise level, coin rates, shared coins, independent indices", () => {
  const b = 4000, t = 20, f = 4;
  const a = seq(1, b, t, f), c = seq(2, b, t, f);
  const [ya, yc] = dropNoise([a, c], new Philox(10));
  assert.deepEqual(ya.shape, [b, t, f]);
  assert.notEqual(ya.data, a.data);
  const ia = inspect(a, ya), ic = inspect(c, yc);
  let noisy = 0, withDrop = 0, sameIdx = 0, bothDrop = 0, sumK = 0;
  for (let s = 0; s < b; s++) {
    const na = ia.noiseStd[s] > 0, nc = ic.noiseStd[s] > 0;
    assert.equal(na, nc, "noise coin is shared by the modalities of a sample");
    if (na) {
      noisy++;
      assert.ok(ia.noiseStd[s] > 0.05 && ia.noiseStd[s] < 0.16, `noise std ${ia.noiseStd[s]}`);
    } else {
      assert.equal(ia.noiseStd[s], 0);
    }
    const ka = ia.dropped[s].length;
    assert.ok(ka <= Math.floor(0.8 * t));
    if (ka > 0) withDrop++;
    sumK += ka;
    if (ka > 0 && ic.dropped[s].length > 0) {
      bothDrop++;
      if (ia.dropped[s].join() === ic.dropped[s].join()) sameIdx++;
    }
    // a drop in one modality implies the drop coin was on; the other may still drop 0 steps
  }
  assert.ok(Math.abs(noisy / b - 0.5) < 0.03, `noise rate ${noisy / b}`);
  // P(k > 0) = 0.5 * P(floor(U*0.8*20) >= 1) = 0.5 * (1 - 1/16)
  assert.ok(Math.abs(withDrop / b - 0.5 * (15 / 16)) < 0.03, `drop rate ${withDrop / b}`);
  // E[k | drop] = E[floor(16 U)] = 7.5
  assert.ok(Math.abs(sumK / b - 0.5 * 7.5) < 0.2, `mean dropped ${sumK / b}`);
  assert.ok(bothDrop > 1000 && sameIdx < bothDrop * 0.05, "indices independent per modality");
  // original arrays untouched
  assert.deepEqual(a, seq(1, b, t, f));
});

Deno.test("dropNoise: deterministic, vectors, noise only, errors", () => {
  const a = seq(3, 64, 8, 3);
  const r1 = dropNoise([a], new Philox(4))[0], r2 = dropNoise([a], new Philox(4))[0];
  assert.deepEqual(r1, r2);
  assert.notDeepEqual(r1.data, dropNoise([a], new Philox(5))[0].data);

  const v: ModalityArray = {
    kind: "vector",
    shape: [2000, 10],
    data: new Philox(6).uniform(20000).map((x) => 5 + x),
  };
  const yv = dropNoise([v], new Philox(7), { pDrop: 0, pNoise: 1, noiseStd: 0.3 })[0];
  const iv = inspect(v, yv);
  let m2 = 0;
  for (let s = 0; s < 2000; s++) {
    assert.equal(iv.dropped[s].length, 0);
    m2 += iv.noiseStd[s] ** 2;
  }
  assert.ok(Math.abs(Math.sqrt(m2 / 2000) - 0.3) < 0.01);
  const yd = dropNoise([v], new Philox(8), { pDrop: 1, pNoise: 0, maxDropFrac: 1 })[0];
  const id = inspect(v, yd);
  let tot = 0;
  for (let s = 0; s < 2000; s++) {
    assert.equal(id.noiseStd[s], 0);
    tot += id.dropped[s].length;
  }
  assert.ok(Math.abs(tot / 2000 - 4.5) < 0.2, `vector drop mean ${tot / 2000}`);

  assert.throws(() => dropNoise([a, seq(1, 63, 8, 3)], new Philox(1)), /batch/);
  assert.throws(
    () => dropNoise([{ kind: "image", shape: [1, 1, 2, 2], data: new Float32Array(4) }], new Philox(1)),
    /sequence/,
  );
});
