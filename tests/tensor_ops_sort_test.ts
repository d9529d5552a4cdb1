import assert from "node:assert/strict";
import { argsort, gatherAlong, sum, type Tensor, tensor, tidy, topk } from "../src/tensor/mod.ts";
import { gradCheck, randTensor, rng } from "./helpers.ts";

const vals = (t: Tensor): number[] => [...t.dataSync()];

Deno.test("argsort is stable in both directions and sorts along any axis", () => {
  tidy(() => {
    const x = tensor([3, 1, 2, 1, 3, 0], [6]);
    assert.deepEqual(vals(argsort(x)), [5, 1, 3, 2, 0, 4]);
    assert.deepEqual(vals(argsort(x, 0, true)), [0, 4, 2, 1, 3, 5]);
    // Along axis 0 of [3, 2]: columns (5, 1, 3) and (0, 0, -2).
    const m = tensor([5, 0, 1, 0, 3, -2], [3, 2]);
    assert.deepEqual(vals(argsort(m, 0)), [1, 2, 2, 0, 0, 1]);
    assert.deepEqual(vals(argsort(m, -1, true)), [0, 1, 0, 1, 0, 1]);
    // NaN sorts as the largest value.
    assert.deepEqual(vals(argsort(tensor([NaN, 1, -Infinity], [3]))), [2, 1, 0]);
    assert.equal(argsort(x).requiresGrad, false);
  });
});

Deno.test("argsort of random rows yields sorted permutations", () => {
  tidy(() => {
    const x = randTensor([4, 3, 7], rng(), 1, false);
    const idx = argsort(x, 2).dataSync(), xv = x.dataSync();
    for (let r = 0; r < 12; r++) {
      const seen = new Set<number>();
      for (let j = 0; j < 7; j++) {
        seen.add(idx[r * 7 + j]);
        if (j > 0) assert.ok(xv[r * 7 + idx[r * 7 + j - 1]] <= xv[r * 7 + idx[r * 7 + j]], `row ${r} order`);
      }
      assert.equal(seen.size, 7, `row ${r} is a permutation`);
    }
  });
});

Deno.test("topk returns the largest values in order with their indices", () => {
  tidy(() => {
    const x = tensor([1, 9, 3, 9, 0, 4, 7, 2], [2, 4]);
    const { values, indices } = topk(x, 2);
    assert.deepEqual(vals(values), [9, 9, 7, 4]);
    assert.deepEqual(vals(indices), [1, 3, 2, 1]);
    const col = topk(x, 1, 0);
    assert.deepEqual(vals(col.values), [1, 9, 7, 9]);
    assert.deepEqual(vals(col.indices), [0, 0, 1, 0]);
    assert.throws(() => topk(x, 5), /k = 5 out of range/);
    // Gradient flows to the picked entries only.
    const g = tensor([1, 9, 3, 8, 0, 4, 7, 2], [2, 4], { requiresGrad: true });
    sum(topk(g, 2).values).backward();
    assert.deepEqual(vals(g.grad!), [0, 1, 0, 1, 0, 1, 1, 0]);
  });
  // Distinct, well-separated values so finite differences never reorder.
  const perm = rng().permutation(30);
  const x = tensor(Float32Array.from(perm, (v) => v * 0.1 - 1.5), [2, 5, 3], { requiresGrad: true });
  gradCheck((x) => topk(x, 3, 1).values, [x]);
});

Deno.test("gatherAlong follows torch.gather and scatters gradients", () => {
  tidy(() => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    // out[i][j] = x[i][index[i][j]] along axis 1.
    assert.deepEqual(vals(gatherAlong(x, 1, tensor([2, 0, 1, 1], [2, 2]))), [3, 1, 5, 5]);
    // out[i][j] = x[index[i][j]][j] along axis 0, index with fewer columns.
    assert.deepEqual(vals(gatherAlong(x, 0, tensor([1, 0, 0, 1], [2, 2]))), [4, 2, 1, 5]);
    assert.throws(() => gatherAlong(x, 1, tensor([3], [1, 1])), /index 3 out of range/);
    assert.throws(() => gatherAlong(x, 1, tensor([0, 0, 0], [3, 1])), /must have the rank of x/);
    const g = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    sum(gatherAlong(g, 1, tensor([2, 2, 0, 1], [2, 2]))).backward();
    assert.deepEqual(vals(g.grad!), [0, 0, 2, 1, 1, 0]);
  });
  const idx = tensor(Array.from(rng().randint(24, 4)), [2, 3, 4]);
  gradCheck((x) => gatherAlong(x, 2, idx), [randTensor([2, 3, 4])]);
  gradCheck((x) => gatherAlong(x, 0, tensor([2, 0, 1, 2, 2, 0], [2, 3])), [randTensor([3, 4])]);
});
