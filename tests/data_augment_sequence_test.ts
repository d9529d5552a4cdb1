import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import { dropNoise, gaussianNoise, roundHalfEven } from "../src/data/augment_sequence.ts";
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
  // P(k > 0) = 0.5 * P(round(U*0.8*20) >= 1) = 0.5 * (1 - 1/32)
  assert.ok(Math.abs(withDrop / b - 0.5 * (31 / 32)) < 0.03, `drop rate ${withDrop / b}`);
  // E[k | drop] = E[round(16 U)] = 8 (0 and 16 with 1/32 each, 1..15 with 1/16 each)
  assert.ok(Math.abs(sumK / b - 0.5 * 8) < 0.2, `mean dropped ${sumK / b}`);
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
  // E[round(10 U)] = 5 (floor would give 4.5)
  assert.ok(Math.abs(tot / 2000 - 5) < 0.2, `vector drop mean ${tot / 2000}`);

  assert.throws(() => dropNoise([a, seq(1, 63, 8, 3)], new Philox(1)), /batch/);
  assert.throws(
    () => dropNoise([{ kind: "image", shape: [1, 1, 2, 2], data: new Float32Array(4) }], new Philox(1)),
    /sequence/,
  );
});

Deno.test("dropNoise: dropped count is round(u * maxDropFrac * T), recomputed from the same draws", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.49, 3.5, 7.51].map(roundHalfEven), [0, 2, 2, 3, 4, 8]);
  const b = 3000, t = 20, f = 2;
  const a = seq(11, b, t, f);
  const y = dropNoise([a], new Philox(12), { pDrop: 1, pNoise: 0 })[0];
  const dropped = inspect(a, y).dropped;
  // the documented draw order: B drop coins, B noise coins, then per sample 1 fraction + T keys
  const g = new Philox(12);
  g.uniform(2 * b);
  const hist = new Array(t + 1).fill(0);
  for (let s = 0; s < b; s++) {
    const want = roundHalfEven(g.uniform(1)[0] * 0.8 * t);
    const keys = g.nextUint32(new Uint32Array(t));
    assert.equal(dropped[s].length, want, `sample ${s}`);
    // the dropped steps are those with the smallest keys
    const order = Array.from(keys.keys()).sort((i, j) => keys[i] - keys[j] || i - j).slice(0, want);
    assert.deepEqual(dropped[s], order.sort((i, j) => i - j));
    hist[want]++;
  }
  // round(16 U): 0 and 16 have probability 1/32, 1..15 have 1/16; floor would give 16 (almost) never
  // and 0 with 1/16
  assert.ok(Math.abs(hist[0] / b - 1 / 32) < 0.012, `P(k = 0) ${hist[0] / b}`);
  assert.ok(Math.abs(hist[16] / b - 1 / 32) < 0.012, `P(k = 16) ${hist[16] / b}`);
  for (let k = 1; k < 16; k++) assert.ok(Math.abs(hist[k] / b - 1 / 16) < 0.02, `P(k = ${k}) ${hist[k] / b}`);
  assert.equal(hist.slice(17).reduce((p, q) => p + q, 0), 0);
});

Deno.test("gaussianNoise: own coin, noise only, documented draws, errors", () => {
  const v: ModalityArray = {
    kind: "vector",
    shape: [3000, 5],
    data: new Philox(20).uniform(15000).map((x) => 2 + x),
  };
  const y = gaussianNoise(v, new Philox(21));
  const iv = inspect(v, y);
  let noisy = 0, m2 = 0;
  for (let s = 0; s < 3000; s++) {
    assert.equal(iv.dropped[s].length, 0, "nothing is dropped");
    if (iv.noiseStd[s] > 0) {
      noisy++;
      m2 += iv.noiseStd[s] ** 2;
    }
  }
  assert.ok(Math.abs(noisy / 3000 - 0.5) < 0.03, `noise rate ${noisy / 3000}`);
  assert.ok(Math.abs(Math.sqrt(m2 / noisy) - 0.1) < 0.005, `noise std ${Math.sqrt(m2 / noisy)}`);
  // draws: B coins, then for each noised sample in order 5 normals (6 outputs)
  const g = new Philox(21);
  const coin = g.uniform(3000);
  for (let s = 0; s < 3000; s++) {
    if (coin[s] < 0.5) {
      const z = g.normal(5, 0, 0.1);
      for (let e = 0; e < 5; e++) assert.equal(y.data[s * 5 + e], Math.fround(v.data[s * 5 + e] + z[e]));
    } else {
      for (let e = 0; e < 5; e++) assert.equal(y.data[s * 5 + e], v.data[s * 5 + e]);
    }
  }
  const sq = seq(22, 10, 4, 3);
  const ys = gaussianNoise(sq, new Philox(23), { pNoise: 1, noiseStd: 0.2 });
  assert.deepEqual(ys.shape, [10, 4, 3]);
  assert.ok(inspect(sq, ys).noiseStd.every((x) => x > 0.05));
  assert.deepEqual(sq, seq(22, 10, 4, 3));
  assert.throws(
    () => gaussianNoise({ kind: "image", shape: [1, 1, 2, 2], data: new Float32Array(4) }, new Philox(1)),
    /gaussianNoise: expects sequence/,
  );
  assert.throws(
    () => gaussianNoise({ kind: "vector", shape: [2, 3], data: new Float32Array(5) }, new Philox(1)),
    /data length/,
  );
});
