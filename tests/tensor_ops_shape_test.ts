import assert from "node:assert/strict";
import {
  concat,
  cosineSimilarity,
  crossEntropy,
  dropout,
  flatten,
  indexSelect,
  l2Normalize,
  logSoftmax,
  max,
  mean,
  min,
  numLiveTensors,
  pad,
  permute,
  reshape,
  slice,
  softmax,
  split,
  squeeze,
  stack,
  sum,
  Tensor,
  tensor,
  tidy,
  transpose,
  unsqueeze,
  variance,
} from "../src/tensor/mod.ts";
import { CpuBackend } from "../src/backend/cpu/cpu_backend.ts";
import { Philox } from "../src/random/philox.ts";
import { fillBernoulliMask } from "../src/random/hash_mask.ts";
import { assertClose, gradCheck, randTensor, rng } from "./helpers.ts";

const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const vals = (t: Tensor): number[] => [...t.dataSync()];

Deno.test("reshape, flatten, squeeze and unsqueeze keep row-major order", () => {
  tidy(() => {
    const x = tensor(iota(24), [2, 3, 4]);
    assert.deepEqual(reshape(x, [4, -1]).shape, [4, 6]);
    assert.deepEqual(vals(reshape(x, [6, 4])), iota(24));
    assert.deepEqual(flatten(x).shape, [24]);
    assert.deepEqual(flatten(x, 1).shape, [2, 12]);
    assert.deepEqual(flatten(x, 0, 1).shape, [6, 4]);
    const u = unsqueeze(x, 1);
    assert.deepEqual(u.shape, [2, 1, 3, 4]);
    assert.deepEqual(unsqueeze(x, -1).shape, [2, 3, 4, 1]);
    assert.deepEqual(squeeze(u).shape, [2, 3, 4]);
    assert.deepEqual(squeeze(u, 1).shape, [2, 3, 4]);
    assert.throws(() => squeeze(x, 0), /axis 0 of \[2, 3, 4\] is not 1/);
    assert.throws(() => reshape(x, [5, -1]), /cannot reshape \[2, 3, 4\]/);
    const g = randTensor([2, 3, 4]);
    gradCheck((x) => unsqueeze(flatten(reshape(x, [4, 6]), 0), 0), [g]);
    gradCheck((x) => squeeze(reshape(x, [2, 1, 12])), [g]);
  });
});

Deno.test("permute and transpose move values like the index formula", () => {
  tidy(() => {
    const x = tensor(iota(24), [2, 3, 4]);
    const p = permute(x, [2, 0, 1]);
    assert.deepEqual(p.shape, [4, 2, 3]);
    const pv = p.dataSync();
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) assert.equal(pv[(k * 2 + i) * 3 + j], i * 12 + j * 4 + k);
      }
    }
    assert.deepEqual(vals(transpose(tensor(iota(6), [2, 3]))), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(transpose(x, 0, 2).shape, [4, 3, 2]);
    gradCheck((x) => permute(x, [1, 2, 0]), [randTensor([2, 3, 4])]);
    gradCheck((x) => transpose(x, 0, 1), [randTensor([3, 2, 2])]);
  });
});

Deno.test("slice, pad, concat, stack and split match hand values", () => {
  tidy(() => {
    const x = tensor(iota(12), [3, 4]);
    assert.deepEqual(vals(slice(x, 1, 1, 3)), [1, 2, 5, 6, 9, 10]);
    assert.deepEqual(vals(slice(x, 0, -1)), [8, 9, 10, 11]);
    assert.deepEqual(vals(pad(tensor([1, 2, 3, 4], [2, 2]), [[1, 0], [0, 1]], -1)), [
      -1,
      -1,
      -1,
      1,
      2,
      -1,
      3,
      4,
      -1,
    ]);
    assert.deepEqual(
      vals(concat([tensor([1, 2], [2, 1]), tensor([3, 4, 5, 6], [2, 2])], 1)),
      [1, 3, 4, 2, 5, 6],
    );
    const s = stack([tensor([1, 2], [2]), tensor([3, 4], [2])], 1);
    assert.deepEqual(s.shape, [2, 2]);
    assert.deepEqual(vals(s), [1, 3, 2, 4]);
    const parts = split(x, [1, 3], 1);
    assert.deepEqual(parts.map((p) => p.shape), [[3, 1], [3, 3]]);
    assert.deepEqual(vals(parts[1]), [1, 2, 3, 5, 6, 7, 9, 10, 11]);
    assert.throws(() => split(x, [1, 2], 1), /do not add up to 4/);
    assert.throws(() => slice(x, 0, 2, 5), /out of bounds/);
    assert.throws(() => concat([x, tensor(iota(6), [2, 3])], 0), /differ off axis 0/);
  });
  const a = randTensor([2, 3, 4]), b = randTensor([2, 2, 4]);
  gradCheck((x) => slice(x, 2, 1, 3), [a]);
  gradCheck((x) => pad(x, [[0, 0], [1, 2], [2, 0]], 0.5), [a]);
  gradCheck((a, b) => concat([a, b, a], 1), [a, b]);
  gradCheck((a, c) => stack([a, c], 3), [a, randTensor([2, 3, 4])]);
  gradCheck((x) => {
    const [p, q] = split(x, [3, 1], 2);
    return concat([q, p], 2);
  }, [a]);
});

Deno.test("indexSelect picks and repeats entries; gradients scatter back", () => {
  tidy(() => {
    const x = tensor(iota(12), [3, 4]);
    assert.deepEqual(vals(indexSelect(x, 0, [2, 0, 2])), [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    assert.deepEqual(vals(indexSelect(x, 1, [3, 1])), [3, 1, 7, 5, 11, 9]);
    assert.throws(() => indexSelect(x, 1, [4]), /index 4 out of range/);
    const g = tensor(iota(12), [3, 4], { requiresGrad: true });
    sum(indexSelect(g, 1, [1, 1, 3])).backward();
    assert.deepEqual(vals(g.grad!), [0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1]);
  });
  gradCheck((x) => indexSelect(x, 1, [2, 0, 2, 1]), [randTensor([2, 3, 2])]);
});

Deno.test("indexSelect outside any scope leaves only its result alive unless the backward needs the index", () => {
  const x = tensor(iota(12), [3, 4]);
  const before = numLiveTensors();
  const y = indexSelect(x, 0, [2, 1]);
  assert.equal(
    numLiveTensors(),
    before + 1,
    "the uploaded index tensor is freed when no gradient is recorded",
  );
  y.dispose();
  const g = tensor(iota(12), [3, 4], { requiresGrad: true });
  const live = numLiveTensors();
  const z = indexSelect(g, 0, [0, 0, 2]);
  assert.equal(numLiveTensors(), live + 2, "with a recorded node the index stays for the scatter");
  sum(z).backward();
  assert.deepEqual(vals(g.grad!), [2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1]);
  for (const t of [x, g, z]) t.dispose();
});

Deno.test("reductions: sum, mean, variance, max and min with their gradients", () => {
  tidy(() => {
    const x = tensor([1, 5, 3, 2, 0, 4, 7, 1, 1, 2, 9, 3], [2, 3, 2]);
    assert.deepEqual(vals(sum(x, [0, 2])), [1 + 5 + 7 + 1, 3 + 2 + 1 + 2, 0 + 4 + 9 + 3]);
    assert.deepEqual(sum(x, 1, true).shape, [2, 1, 2]);
    assertClose(vals(mean(x, -1)), [3, 2.5, 2, 4, 1.5, 6]);
    // Channel values 1, 5, 7, 1: mean 3.5, squared deviations 6.25 + 2.25 + 12.25 + 6.25 = 27.
    assertClose(vals(variance(x, [0, 2]).slice(0, 0, 1)), [27 / 4]);
    assertClose(vals(variance(x, [0, 2], false, 1).slice(0, 0, 1)), [27 / 3]);
    assert.deepEqual(vals(max(x, [1, 2])), [5, 9]);
    assert.deepEqual(vals(min(x, 0)), [1, 1, 1, 2, 0, 3]);
  });
  const r = randTensor([3, 4, 2]);
  gradCheck((x) => sum(x, [0, 2], true), [r]);
  gradCheck((x) => mean(x, 1), [r]);
  gradCheck((x) => variance(x, [0, 2]), [r]);
  gradCheck((x) => variance(x, 1, true, 1), [r]);
  gradCheck((x) => max(x, 2), [r]);
  gradCheck((x) => min(x, [0, 1]), [r]);
  gradCheck((x) => sum(x), [r]);
});

Deno.test("softmax and logSoftmax along non-last axes", () => {
  tidy(() => {
    const x = randTensor([2, 3, 4], rng(), 2, false);
    const xv = x.dataSync();
    for (const axis of [0, 1]) {
      const y = softmax(x, axis).dataSync(), ly = logSoftmax(x, axis).dataSync();
      const stride = axis === 0 ? 12 : 4, len = axis === 0 ? 2 : 3;
      for (let e = 0; e < 24; e++) {
        const base = e - Math.floor(e / stride) % len * stride;
        let z = 0;
        for (let j = 0; j < len; j++) z += Math.exp(xv[base + j * stride]);
        assert.ok(Math.abs(y[e] - Math.exp(xv[e]) / z) < 1e-6, `softmax axis ${axis} at ${e}`);
        assert.ok(Math.abs(ly[e] - (xv[e] - Math.log(z))) < 1e-5, `logSoftmax axis ${axis} at ${e}`);
      }
    }
  });
  const r = randTensor([3, 2, 4]);
  gradCheck((x) => softmax(x, 0), [r]);
  gradCheck((x) => logSoftmax(x, 1), [r]);
  gradCheck((x) => logSoftmax(x), [r]);
});

Deno.test("crossEntropy matches a float64 computation and its gradient", () => {
  tidy(() => {
    const logits = tensor([2, 1, 0.5, -1, 0, 3], [2, 3]);
    // Row 0, class 0: -log(e^2 / (e^2 + e + e^0.5)); row 1, class 2: -log(e^3 / (e^-1 + 1 + e^3)).
    const l0 = -(2 - Math.log(Math.exp(2) + Math.exp(1) + Math.exp(0.5)));
    const l1 = -(3 - Math.log(Math.exp(-1) + 1 + Math.exp(3)));
    assertClose(vals(crossEntropy(logits, [0, 2])), [(l0 + l1) / 2]);
    assert.throws(() => crossEntropy(logits, [0, 3]), /target 3 at index 1/);
    assert.throws(() => crossEntropy(logits, [0]), /do not match 1 targets/);
  });
  gradCheck((x) => crossEntropy(x, [1, 0, 3, 3]), [randTensor([4, 5])]);
});

Deno.test("l2Normalize and cosineSimilarity match float64", () => {
  tidy(() => {
    const a = tensor([3, 4, 0, 0, 1, 1], [2, 3]), b = tensor([1, 0, 0, 0, 2, 2], [2, 3]);
    assertClose(vals(l2Normalize(a)), [0.6, 0.8, 0, 0, Math.SQRT1_2, Math.SQRT1_2]);
    assertClose(vals(cosineSimilarity(a, b)), [0.6, 1]);
    // Along axis 0: columns (3, 0), (4, 1), (0, 1).
    assertClose(vals(l2Normalize(a, 0)), [1, 4 / Math.sqrt(17), 0, 0, 1 / Math.sqrt(17), 1]);
  });
  const x = randTensor([3, 4]), y = randTensor([3, 4]);
  gradCheck((x) => l2Normalize(x), [x]);
  gradCheck((x) => l2Normalize(x, 0), [x]);
  gradCheck((x, y) => cosineSimilarity(x, y), [x, y]);
  gradCheck((x, y) => cosineSimilarity(x, y, 0), [x, y]);
});

Deno.test("dropout keeps about 1-p of the values, scales them, and is the identity in eval", () => {
  tidy(() => {
    const n = 20000, p = 0.3;
    const x = tensor(new Float32Array(n).fill(2), [n]);
    const y = dropout(x, p, true, new Philox(7)).dataSync();
    let kept = 0;
    for (const v of y) {
      if (v !== 0) {
        kept++;
        assert.ok(Math.abs(v - 2 / (1 - p)) < 1e-5, `kept value ${v}`);
      }
    }
    // Binomial(20000, 0.7): standard deviation ~65, so 5 sigma is ~325.
    assert.ok(Math.abs(kept - n * (1 - p)) < 325, `kept ${kept} of ${n}`);
    assert.equal(dropout(x, p, false), x);
    assert.equal(dropout(x, 0, true), x);
    assert.throws(() => dropout(x, 1, true), /p must be in \[0, 1\)/);
    // Same generator state, same mask; the gradient is the mask times the scale.
    const g = randTensor([50]);
    const a = dropout(g, 0.5, true, new Philox(3));
    a.backward(tensor(new Float32Array(50).fill(1), [50]));
    const mask = dropout(tensor(new Float32Array(50).fill(1), [50]), 0.5, true, new Philox(3)).dataSync();
    assert.deepEqual(vals(g.grad!), [...mask]);
  });
});

Deno.test("dropout: the backend kernel draws the host mask's coins bit for bit; gradient by finite differences", () => {
  tidy(() => {
    // odd sizes, one above the native kernels' threading threshold; negative values keep their -0
    for (const n of [1, 37, 300007]) {
      const x = randTensor([n], rng(), 2, false);
      const seedRng = new Philox(11);
      const y = dropout(x, 0.35, true, seedRng).dataSync();
      const seed = new Philox(11).nextUint32(new Uint32Array(1))[0];
      const mask = fillBernoulliMask(new Float32Array(n), 0.65, 1 / 0.65, seed);
      const xv = x.dataSync();
      for (let i = 0; i < n; i++) {
        const expected = Math.fround(xv[i] * mask[i]);
        if (!Object.is(y[i], expected)) assert.fail(`n=${n} element ${i}: ${y[i]} vs ${expected}`);
      }
    }
    const x = randTensor([3, 5]);
    gradCheck((t) => dropout(t, 0.4, true, new Philox(9)), [x]);
  });
});

Deno.test("indexSelect works on a tensor of a backend other than the active one (its index tensor goes there)", () => {
  let uploads = 0;
  class Counting extends CpuBackend {
    override fromHost(v: Float32Array) {
      uploads++;
      return super.fromHost(v);
    }
  }
  const other = new Counting({ quiet: true });
  const values = Float32Array.from({ length: 12 }, (_, i) => i * 1.5 - 4);
  const x = new Tensor(other.fromHost(values), [3, 4], other);
  uploads = 0;
  const y = indexSelect(x, 1, [3, 0, 3]);
  assert.equal(uploads, 1, "the indices are uploaded to x's backend, not the active one");
  assert.equal(y.backend, other, "the result lives on x's backend");
  assert.deepEqual(
    Array.from(y.dataSync()),
    [0, 1, 2].flatMap((r) => [3, 0, 3].map((c) => values[r * 4 + c])),
  );
  x.dispose();
  y.dispose();
});
